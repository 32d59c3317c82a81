/**
 * Machine mode across stops and starts, as a plant runs: 4 h runs and 1 h stops, the machine
 * cooling while it stands. After each start the EWMA restarts from one reading (its spread is that
 * of a raw reading, not of a settled EWMA) and the temperatures climb back over tens of minutes:
 * neither may read as a fault. An overload must still alarm, after a start too.
 */
import assert from 'assert';
import { DEFAULT_MACHINE, ewmaScale, MachineScorer, warmingUp, type MachineConfig, type MachineHealth } from '../../nodes/core/condition/machine';
import { DEFAULT_SCALAR_SIM, ScalarSimMachine } from '../../nodes/core/signal/scalar-sim';

const T0 = Date.UTC(2026, 11, 7);
const CFG: MachineConfig = { ...DEFAULT_MACHINE, learnHours: 12, machineClass: 'iso10816-3:group2:rigid' };

function learned(stepS: number): { sc: MachineScorer; s: ScalarSimMachine; t: number } {
  const s = new ScalarSimMachine({ ...DEFAULT_SCALAR_SIM, assetId: 'press-1', seed: 55, velocityMmS: 1.6, rangeMmS: 25, runHours: 4, stopMinutes: 60, partsPerMin: 6 }, T0);
  const sc = MachineScorer.create('press-1', CFG, T0);
  let t = T0;
  for (let i = 0; i < 200_000 && sc.snapshot().bins.all?.status !== 'ready'; i++) {
    t += stepS * 1000;
    sc.poll(s.poll(t), t);
  }
  assert.strictEqual(sc.snapshot().bins.all?.status, 'ready');
  assert.strictEqual(sc.snapshot().bins.all.model!.scored.length, 4, 'velocity, current and both temperatures in the statistic');
  return { sc, s, t };
}

/** Polls for `hours`; each running health with the number of running polls since the last start. */
function run(sc: MachineScorer, s: ScalarSimMachine, t: number, stepS: number, hours: number): { seen: { h: MachineHealth; age: number }[]; t: number; starts: number } {
  const seen: { h: MachineHealth; age: number }[] = [];
  let age = -1;
  let starts = 0;
  let prev: string | null = null;
  const end = t + hours * 3600e3;
  while (t < end) {
    t += stepS * 1000;
    const h = sc.poll(s.poll(t), t).health;
    if (h.operating === 'running') {
      if (prev !== 'running') {
        age = 0;
        starts++;
      } else age++;
      seen.push({ h, age });
    }
    prev = h.operating;
  }
  return { seen, t, starts };
}

describe('machine health across stops and starts (4 h runs, 1 h stops)', () => {
  it('the EWMA after a start: its spread brought to that of a settled one (exact MEWMA variance)', () => {
    const f = 0.1 / 1.9;
    assert.strictEqual(ewmaScale(0.1, 0), 1);
    assert.ok(Math.abs(ewmaScale(0.1, 1) - Math.sqrt(f)) < 1e-12, 'a raw reading: sqrt(lambda / (2 - lambda))');
    // age 2: (1 - lambda)^2 + f (1 - (1 - lambda)^2) = 0.81 + 0.19 f
    assert.ok(Math.abs(ewmaScale(0.1, 2) - Math.sqrt(f / (0.81 + 0.19 * f))) < 1e-12);
    assert.ok(Math.abs(ewmaScale(0.1, 200) - 1) < 1e-12, 'settled');
    for (let i = 1; i < 60; i++) assert.ok(ewmaScale(0.1, i) < ewmaScale(0.1, i + 1) + 1e-15, 'grows with age');
  });

  it('a temperature warming up counts only upwards until it reaches its baseline, then both ways', () => {
    const w: Record<string, true> = { 'motor-temp': true };
    assert.strictEqual(warmingUp(w, 'motor-temp', -3.2), 0);
    assert.deepStrictEqual(w, { 'motor-temp': true });
    assert.strictEqual(warmingUp(w, 'motor-temp', 0.4), 0.4);
    assert.deepStrictEqual(w, {}, 'warm: no longer warming');
  });

  for (const stepS of [1, 60]) {
    it(`healthy, ${stepS} s polls: no warning and no alarm over 48 h of runs and stops (before, it alarmed after 8 or 9 of 10 starts)`, () => {
      const { sc, s, t } = learned(stepS);
      const r = run(sc, s, t, stepS, 48);
      assert.ok(r.starts >= 9, `${r.starts} starts`);
      const bad = r.seen.filter((x) => x.h.state !== 'normal');
      assert.deepStrictEqual(bad.slice(0, 5).map((x) => `${x.h.state} ${x.age} polls after a start, anomaly ${x.h.anomaly}`), []);
      // the statistic did score every running poll (not the ISO zone alone)
      assert.ok(r.seen.every((x) => typeof x.h.anomaly === 'number'), 'scored');
    });

    it(`an overload (current x 1.1), ${stepS} s polls: alarm, and alarm again within the first hour of each following run`, () => {
      const { sc, s, t } = learned(stepS);
      s.set(t, { currentFactor: 1.1 });
      const r = run(sc, s, t, stepS, 24);
      assert.ok(r.seen.some((x) => x.h.state === 'alarm'), 'alarm');
      // after each start the state carries over (no reset): within the first hour it is alarm
      const hour = Math.round(3600 / stepS);
      const later = r.seen.filter((x) => x.age === Math.min(hour, Math.round(3000 / stepS)));
      assert.ok(later.length >= 3 && later.every((x) => x.h.state === 'alarm'), later.map((x) => x.h.state).join(','));
      // the contributors name the current among the first two (an overload heats the motor too), far off its baseline
      const last = r.seen[r.seen.length - 1]!.h;
      const cur = last.contributors.slice(0, 2).find((c) => c.channel === 'motor-current');
      assert.ok(cur && (cur.deviation ?? 0) > 3, JSON.stringify(last.contributors.slice(0, 2)));
    });
  }

  it('the channels still warming up are saved with the state and restored', () => {
    const { sc, s, t } = learned(60);
    // poll into the next stop, then 10 polls after the start
    let tt = t;
    let started = false;
    let n = 0;
    let prev = sc.snapshot().clock.running;
    while (n < 10) {
      tt += 60_000;
      sc.poll(s.poll(tt), tt);
      const now = sc.snapshot().clock.running;
      if (now && prev === false) started = true;
      if (started && now) n++;
      prev = now;
    }
    const snap = JSON.parse(JSON.stringify(sc.snapshot()));
    assert.deepStrictEqual(Object.keys(snap.warming ?? {}).sort(), ['bearing-temp', 'motor-temp'], 'both temperatures still below their baseline 10 min after the start');
    const back = MachineScorer.restore(CFG, snap);
    assert.deepStrictEqual(back.snapshot().warming, snap.warming);
    // a state saved by an earlier version (no `warming`) restores to none warming
    delete snap.warming;
    assert.strictEqual(MachineScorer.restore(CFG, snap).snapshot().warming, undefined);
  });
});
