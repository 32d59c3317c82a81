import assert from 'assert';
import { InputError } from '../../nodes/core/errors';
import { DEFAULT_MACHINE, isoHealth, MachineScorer, t2Health, type MachineConfig, type MachineHealth } from '../../nodes/core/condition/machine';
import { machineConfig, machineEvidence } from '../../nodes/core/condition/machine-config';
import { batchMeansNeff, chi2QuantileUpper, fQuantileUpper, invertSpd, t2Limit } from '../../nodes/core/condition/scalar';
import { Rng } from '../../nodes/core/signal/random';
import { ScalarMachine } from './scalar-machine';

const T0 = Date.UTC(2026, 0, 5, 6, 0, 0);
const S = 1000;
const CFG: MachineConfig = { ...DEFAULT_MACHINE, machineClass: 'iso10816-3:group2:rigid', learnMode: 'hours', learnHours: 0.25 };

/** 20 min running at 1 s polls: learns (15 min) then scores. */
function learned(cfg = CFG): { m: MachineScorer; sim: ScalarMachine; t: number; last: MachineHealth } {
  const m = MachineScorer.create('pump-7', cfg);
  const sim = new ScalarMachine();
  let t = T0;
  let last!: MachineHealth;
  for (let i = 0; i < 1200; i++, t += S) last = m.poll(sim.poll(t, { running: true }), t).health;
  return { m, sim, t, last };
}

describe('machine health core (scalar tags)', () => {
  it('distributions match published quantiles', () => {
    assert.ok(Math.abs(chi2QuantileUpper(0.001, 6) - 22.4577) < 1e-3);
    assert.ok(Math.abs(chi2QuantileUpper(0.05, 1) - 3.8415) < 1e-3);
    assert.ok(Math.abs(fQuantileUpper(0.01, 6, 14) - 4.4558) < 1e-3);
    assert.ok(Math.abs(fQuantileUpper(0.05, 2, 30) - 3.3158) < 1e-3);
    // T2 limit for estimated parameters tends to the chi-square one
    assert.ok(Math.abs(t2Limit(0.001, 4, 1e6) - chi2QuantileUpper(0.001, 4)) < 1e-6);
    assert.ok(t2Limit(0.001, 4, 50) > chi2QuantileUpper(0.001, 4) * 1.3, 'few effective samples widen the limit');
    assert.strictEqual(t2Limit(0.01, 6, 6.5), Infinity);
    const inv = invertSpd([4, 2, 2, 3], 2);
    assert.ok(Math.abs(inv[0] - 0.375) < 1e-12 && Math.abs(inv[1] + 0.25) < 1e-12 && Math.abs(inv[3] - 0.5) < 1e-12);
  });

  it('batch-means effective sample size: about n for white noise, about 10 for a trend', () => {
    const r = new Rng(3);
    const white = Array.from({ length: 400 }, () => r.gauss());
    const trend = Array.from({ length: 400 }, (_, i) => i * 0.01 + 0.1 * r.gauss());
    assert.ok(batchMeansNeff(white) > 150, `white ${batchMeansNeff(white)}`);
    assert.ok(batchMeansNeff(trend) < 15, `trend ${batchMeansNeff(trend)}`);
  });

  it('health is monotone and does not saturate (4 and 9 mm/s differ)', () => {
    const cls = 'iso10816-3:group2:rigid';
    assert.ok(isoHealth(4, cls) > 70 && isoHealth(4, cls) < 85);
    assert.ok(isoHealth(9, cls) < isoHealth(5.2, cls) && isoHealth(5.2, cls) < 70);
    const m = { typical: 5.35, warnLimit: 30, alarmLimit: 45 };
    assert.strictEqual(t2Health(3, m), 100);
    assert.ok(Math.abs(t2Health(30, m) - 85) < 1e-9 && Math.abs(t2Health(45, m) - 70) < 1e-9);
    assert.ok(t2Health(400, m) < t2Health(100, m) && t2Health(400, m) > 0);
  });

  it('one health per machine; counter and run bit never scored; learning counts running time only', () => {
    const m = MachineScorer.create('pump-7', CFG);
    const sim = new ScalarMachine();
    let t = T0;
    let h!: MachineHealth;
    for (let i = 0; i < 300; i++, t += S) h = m.poll(sim.poll(t, { running: true }), t).health;
    assert.strictEqual(h.state, 'learning');
    const before = h.learned;
    assert.ok(before > 0.3 && before < 0.35, `learned ${before}`);
    for (let i = 0; i < 600; i++, t += S) h = m.poll(sim.poll(t, { running: false }), t).health;
    assert.strictEqual(h.state, 'stopped');
    assert.strictEqual(h.learned, before, 'stopped time does not count');
    for (let i = 0; i < 1000; i++, t += S) h = m.poll(sim.poll(t, { running: true }), t).health;
    assert.strictEqual(h.state, 'normal');
    assert.strictEqual(h.learned, 1);
    const names = h.contributors.map((c) => c.channel).sort();
    assert.deepStrictEqual(names, ['current', 'motor-temp', 'velocity'], 'run bit and counter are not analog');
    const vel = h.contributors.find((c) => c.channel === 'velocity')!;
    assert.strictEqual(vel.unit, 'mm/s');
    assert.ok(Math.abs(vel.baseline! - 1.2) < 0.05 && vel.deviation !== null && vel.share !== null);
    assert.strictEqual(h.isoZone, 'A');
  });

  it('10 min stopped and cooling: no warning, no alarm; running again: normal', () => {
    const { m, sim } = learned();
    let t = T0 + 1200 * S;
    const states = new Set<string>();
    let changes = 0;
    for (let i = 0; i < 600; i++, t += S) {
      const r = m.poll(sim.poll(t, { running: false, temp: 58 - (12 * i) / 600 }), t);
      states.add(r.health.state);
      if (r.change) changes++;
    }
    assert.deepStrictEqual([...states], ['stopped']);
    assert.strictEqual(changes, 0);
    const after = new Set<string>();
    for (let i = 0; i < 900; i++, t += S) {
      const r = m.poll(sim.poll(t, { running: true, temp: 46 + 12 * (1 - Math.exp(-i / 40)) }), t);
      if (r.change) changes++;
      after.add(r.health.state);
      if (i < 300) assert.strictEqual(r.health.operating, 'starting', 'the first 5 min after a start are not scored');
    }
    assert.strictEqual(changes, 0, 'no state change after the restart');
    assert.deepStrictEqual([...after], ['normal']);
  });

  it('5.2 mm/s on an ISO 10816-3 group 2 rigid machine: alarm with zone D whatever the baseline', () => {
    const { m, sim } = learned();
    let t = T0 + 1200 * S;
    const first = sim.poll(t, { running: true, velocity: 5.2 });
    let r = m.poll(first, t);
    assert.strictEqual(r.health.isoZone, 'D');
    // the velocity the zone was judged on: the poll's largest velocity reading in mm/s
    const vels = first.filter((x: any) => x.quantity === 'velocity').map((x: any) => x.value as number);
    assert.ok(vels.length >= 1 && r.health.isoVelocity! > 4.5, `isoVelocity ${r.health.isoVelocity}`);
    assert.strictEqual(r.health.isoVelocity, Math.round(Math.max(...vels) * 1e4) / 1e4);
    // beside them the zone limits of the machine's class (for "zone D (from 4.5 mm/s)")
    assert.deepStrictEqual(r.health.isoLimits, { ab: 1.4, bc: 2.8, cd: 4.5 });
    let alarmAt = -1;
    for (let i = 1; i < 30 && alarmAt < 0; i++) {
      t += S;
      r = m.poll(sim.poll(t, { running: true, velocity: 5.2 }), t);
      if (r.health.state === 'alarm') alarmAt = i;
    }
    assert.ok(alarmAt >= 0 && alarmAt <= m.k, `alarm after ${alarmAt} polls`);
    assert.strictEqual(r.health.isoZone, 'D');
    assert.ok(r.health.score! < 70);
    assert.ok(r.health.driver === 'iso' || r.health.driver === 'baseline');
    // zone D during learning too
    const fresh = MachineScorer.create('pump-8', CFG);
    const s2 = new ScalarMachine('pump-8');
    let h!: MachineHealth;
    for (let i = 0; i < 20; i++) h = fresh.poll(s2.poll(T0 + i * S, { running: true, velocity: 5.2 }), T0 + i * S).health;
    assert.strictEqual(h.state, 'alarm');
    assert.strictEqual(h.driver, 'iso');
  });

  it('a sustained shift on one channel: warning then alarm, that channel first in contributors', () => {
    const { m, sim } = learned();
    let t = T0 + 1200 * S;
    const seen: string[] = [];
    let h!: MachineHealth;
    for (let i = 0; i < 120; i++, t += S) {
      h = m.poll(sim.poll(t, { running: true, current: 46 }), t).health;
      if (seen[seen.length - 1] !== h.state) seen.push(h.state);
    }
    assert.deepStrictEqual(seen.slice(0, 2), ['normal', 'warning']);
    assert.strictEqual(h.state, 'alarm');
    assert.strictEqual(h.contributors[0].channel, 'current');
    assert.ok(h.contributors[0].share! > 0.8 && h.contributors[0].deviation! > 4);
    assert.strictEqual(h.driver, 'baseline');
    assert.ok(h.anomaly! > 1);
  });

  it('absolute limits raise states whatever the baseline; a drifting channel is a contributor, not scored', () => {
    const cfg: MachineConfig = { ...CFG, learnMode: 'readings', learnReadings: 400, limits: { 'motor-temp': { warnAbove: 80, alarmAbove: 90 } } };
    const m = MachineScorer.create('pump-7', cfg);
    const sim = new ScalarMachine();
    let t = T0;
    let h!: MachineHealth;
    for (let i = 0; i < 500; i++, t += S) h = m.poll(sim.poll(t, { running: true, temp: 50 + i * 0.02 }), t).health;
    const temp = h.contributors.find((c) => c.channel === 'motor-temp')!;
    assert.strictEqual(temp.scored, false);
    assert.match(temp.reason!, /effective sample size/);
    for (let i = 0; i < 20; i++, t += S) h = m.poll(sim.poll(t, { running: true, temp: 95 }), t).health;
    assert.strictEqual(h.state, 'alarm');
    assert.strictEqual(h.driver, 'limit:motor-temp');
  });

  it('a running rule (current above a threshold) gates when there is no run bit; per-mode baselines', () => {
    const cfg: MachineConfig = { ...CFG, running: { channel: 'current', above: 5 }, mode: { channel: 'speed', edges: [1000] } };
    const m = MachineScorer.create('fan', cfg);
    const r = new Rng(5);
    let t = T0;
    const poll = (cur: number, speed: number) => [
      { asset: 'fan', channel: 'current', quantity: 'current', unit: 'A', value: cur + 0.3 * r.gauss(), ts: t },
      { asset: 'fan', channel: 'speed', quantity: 'speed', unit: 'rpm', value: speed + 5 * r.gauss(), ts: t },
    ];
    let h = m.poll(poll(0, 0), t).health;
    assert.strictEqual(h.state, 'stopped');
    for (let i = 0; i < 1300; i++, t += S) h = m.poll(poll(20, 800), t).health;
    assert.strictEqual(h.mode, 'bin0');
    assert.strictEqual(h.learned, 1);
    t += S;
    h = m.poll(poll(40, 1500), t).health;
    assert.strictEqual(h.mode, 'bin1');
    assert.strictEqual(h.state, 'learning', 'a new mode learns its own baseline instead of alarming');
  });

  it('bad input names the property; snapshot survives JSON', () => {
    const m = MachineScorer.create('pump-7', CFG);
    assert.throws(() => m.poll([], T0), (e: unknown) => e instanceof InputError && /msg\.payload/.test(e.message));
    assert.throws(() => m.poll([{ asset: 'other', channel: 'x', value: 1 }], T0), (e: unknown) => e instanceof InputError && /msg\.payload\[0\]\.asset/.test(e.message));
    assert.throws(() => m.poll([{ channel: 'x', value: NaN }], T0), (e: unknown) => e instanceof InputError && /msg\.payload\[0\]\.value/.test(e.message));
    assert.throws(() => m.poll(new Array(300).fill({ channel: 'x', value: 1 }), T0), /at most 256/);
    m.poll([{ channel: 'x', value: 1, ts: T0 + 10 }], T0);
    assert.throws(() => m.poll([{ channel: 'x', value: 1, ts: T0 }], T0), /msg\.payload\.ts/);
    const bad = m.poll([{ channel: 'x', value: 1, quality: 'bad', ts: T0 + 20 }, { channel: 'y', value: 2, ts: T0 + 20 }], T0);
    assert.deepStrictEqual(bad.skipped, [{ channel: 'x', reason: 'quality bad' }]);
    const { m: a, sim, t } = learned();
    const b = MachineScorer.restore(CFG, JSON.parse(JSON.stringify(a.snapshot())));
    const p = sim.poll(t, { running: true });
    assert.deepStrictEqual(b.poll(JSON.parse(JSON.stringify(p)), t).health, a.poll(p, t).health);
  });

  it('node form to machine config: defaults, running rule, modes, limits; errors name the setting', () => {
    const d = machineConfig({});
    assert.strictEqual(d.learnMode, 'hours');
    assert.strictEqual(d.learnHours, 8);
    assert.strictEqual(d.warnPerHour, 1 / 8);
    const c = machineConfig({ learnMode: 'frames', learnFrames: '400', runChannel: 'current', runAbove: '5', modeChannel: 'speed', modeEdges: '1000, 1400', limits: '{"motor-temp": {"warnAbove": 80, "alarmAbove": 95}}', startupMinutes: '2' });
    assert.strictEqual(c.learnMode, 'readings');
    assert.strictEqual(c.learnReadings, 400);
    assert.deepStrictEqual(c.running, { channel: 'current', above: 5 });
    assert.deepStrictEqual(c.mode, { channel: 'speed', edges: [1000, 1400] });
    assert.deepStrictEqual({ ...c.limits!['motor-temp'] }, { warnAbove: 80, alarmAbove: 95 });
    assert.strictEqual(c.startupMs, 120_000);
    assert.throws(() => machineConfig({ modeChannel: 'speed', modeEdges: '1400, 1000' }), /config modeEdges: expected ascending/);
    assert.throws(() => machineConfig({ limits: '{"t": {"warnAbove": 90, "alarmAbove": 80}}' }), /config limits\.t\.alarmAbove/);
    assert.throws(() => machineConfig({ limits: '{nope' }), /config limits: expected JSON/);
    assert.throws(() => machineConfig({ warnEveryHours: 100, alarmEveryHours: 10 }), /config alarmEveryHours/);
    assert.throws(() => machineConfig({ lambda: 0 }), /config lambda/);
    const { m, sim, t } = learned();
    let h!: MachineHealth;
    for (let i = 0; i < 15; i++) h = m.poll(sim.poll(t + i * S, { running: true, velocity: 5.2 }), t + i * S).health;
    assert.match(machineEvidence(h, 'normal', 'alarm'), /^machine health \d+(\.\d)? \(normal -> alarm\): ISO 10816 zone D/);
  });
});
