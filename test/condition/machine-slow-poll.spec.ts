import assert from 'assert';
import { DEFAULT_MACHINE, fitMachine, MachineScorer, type BinState, type MachineConfig, type MachineHealth } from '../../nodes/core/condition/machine';
import { Rng } from '../../nodes/core/signal/random';
import { DEFAULT_SCALAR_SIM, ScalarSimMachine } from '../../nodes/core/signal/scalar-sim';

// Slow polls against the runs: 4 h runs, 1 h stops, lambda 0.1 (the EWMA restarts at every start
// and needs more than 10 polls to settle; a 4 h run holds 8 polls at 30 min, 4 at 60 min).
const T0 = Date.UTC(2026, 11, 7);
const MIN = 60_000;
const CFG: MachineConfig = { ...DEFAULT_MACHINE, learnHours: 12, machineClass: 'iso10816-3:group2:rigid' };

function sim(): ScalarSimMachine {
  return new ScalarSimMachine({ ...DEFAULT_SCALAR_SIM, assetId: 'press-1', seed: 55, velocityMmS: 1.6, rangeMmS: 25, runHours: 4, stopMinutes: 60, partsPerMin: 6 }, T0);
}

/** Learn at `stepMin` minute polls until the baseline is ready. */
function learnAt(stepMin: number): { sc: MachineScorer; s: ScalarSimMachine; t: number } {
  const s = sim();
  const sc = MachineScorer.create('press-1', CFG, T0);
  let t = T0;
  for (let i = 0; i < 5000 && sc.snapshot().bins.all?.status !== 'ready'; i++) {
    t += stepMin * MIN;
    sc.poll(s.poll(t), t);
  }
  assert.strictEqual(sc.snapshot().bins.all?.status, 'ready', 'learned');
  return { sc, s, t };
}

/** Poll n times `stepMin` apart; every running health must carry a finite score. */
function scoreAt(sc: MachineScorer, s: ScalarSimMachine, t: number, stepMin: number, n: number): { healths: MachineHealth[]; t: number } {
  const healths: MachineHealth[] = [];
  for (let i = 0; i < n; i++) {
    t += stepMin * MIN;
    const h = sc.poll(s.poll(t), t).health;
    healths.push(h);
    if (h.operating === 'running') assert.ok(typeof h.score === 'number' && Number.isFinite(h.score), `finite score at poll ${i} (${stepMin} min): ${JSON.stringify(h.score)}`);
    if (h.anomaly !== null) assert.ok(Number.isFinite(h.anomaly), `finite anomaly at poll ${i}`);
    for (const c of h.contributors) if (c.share !== null) assert.ok(Number.isFinite(c.share), `finite share of ${c.channel}`);
  }
  return { healths, t };
}

describe('machine health with slow polls (30 min, 60 min, 6 h apart)', () => {
  for (const step of [30, 60]) {
    it(`${step} min polls: finite scores after learning, normal when healthy, alarm when velocity triples`, () => {
      const { sc, s, t } = learnAt(step);
      const model = sc.snapshot().bins.all.model!;
      assert.deepStrictEqual(model.scored, [], 'no channel in the statistic without a settled EWMA');
      assert.ok(model.notes.some((n) => /EWMA never settled/.test(n)), model.notes.join('; '));
      assert.ok(model.channels.every((c) => !c.scored && /runs are too short for the poll interval/.test(c.reason ?? '')));
      const ok = scoreAt(sc, s, t, step, 300);
      const running = ok.healths.filter((h) => h.operating === 'running');
      assert.ok(running.length > 100);
      assert.ok(running.every((h) => h.state === 'normal'), 'healthy: normal');
      s.set(ok.t, { velocityFactor: 3.2 });
      const bad = scoreAt(sc, s, ok.t, step, 200);
      const states = new Set(bad.healths.map((h) => h.state));
      assert.ok(states.has('alarm'), `a tripled velocity raises the alarm: ${[...states].join(',')}`);
      const last = bad.healths.filter((h) => h.operating === 'running').pop()!;
      assert.strictEqual(last.isoZone, 'D');
      assert.ok(last.score! < 70 && last.driver === 'iso');
    });
  }

  it('6 h between polls after learning (at 30 min or at 5 min): finite scores; a tripled velocity still alarms', () => {
    for (const learnStep of [30, 5]) {
      const { sc, s, t } = learnAt(learnStep);
      const ok = scoreAt(sc, s, t, 360, 60);
      assert.ok(ok.healths.filter((h) => h.operating === 'running').every((h) => h.state === 'normal'), `healthy at 6 h polls (learned at ${learnStep} min)`);
      s.set(ok.t, { velocityFactor: 3.2 });
      const bad = scoreAt(sc, s, ok.t, 360, 60);
      assert.ok(bad.healths.some((h) => h.state === 'alarm'), `alarm at 6 h polls (learned at ${learnStep} min)`);
    }
  });

  it('at 5 min polls the baseline statistic is learned and scores (the slow-poll path does not take over)', () => {
    const { sc, s, t } = learnAt(5);
    const model = sc.snapshot().bins.all.model!;
    assert.ok(model.scored.length > 0 && model.inv.length === model.scored.length ** 2, JSON.stringify(model.notes));
    const ok = scoreAt(sc, s, t, 5, 300);
    // the statistic scores every running poll (anomaly = T2 / warning limit); on this healthy
    // machine the ISO zone (A, health below 100) usually drives the health, not the baseline
    const running = ok.healths.filter((h) => h.operating === 'running');
    assert.ok(running.length > 100 && running.every((h) => typeof h.anomaly === 'number' && Number.isFinite(h.anomaly)), 'an anomaly on every running poll');
  });

  it('a saved model with scored channels and no covariance (learned by an earlier version) restores to finite scores', () => {
    const { sc, s, t } = learnAt(5);
    const snap = JSON.parse(JSON.stringify(sc.snapshot()));
    snap.bins.all.model.inv = [];
    const back = MachineScorer.restore(CFG, snap);
    assert.deepStrictEqual(back.snapshot().bins.all.model!.scored, []);
    scoreAt(back, s, t, 30, 100);
  });

  it('an EWMA that never varied while learning (no invertible covariance): fitted without throwing, nothing scored, said why', () => {
    const r = new Rng(9);
    const frames = Array.from({ length: 400 }, (_, i) => ({ ts: T0 + i * 1000, v: { a: 10 + r.gauss(), b: 5 + r.gauss() }, e: { a: 10, b: 5 }, age: i + 1 }));
    const bin: BinState = { status: 'learning', frames, stride: 1, seen: 400, runMs: 400_000, model: null };
    const m = fitMachine(bin, CFG, 10);
    assert.deepStrictEqual(m.scored, []);
    assert.deepStrictEqual(m.inv, []);
    assert.ok(m.channels.every((c) => !c.scored && /no covariance/.test(c.reason ?? '')), JSON.stringify(m.channels));
    assert.ok(m.notes.some((n) => /only the ISO zone and absolute limits apply/.test(n)));
  });
});
