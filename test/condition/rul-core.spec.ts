/**
 * Core RUL functions with known answers: the failure-threshold range and the plateau check of
 * estimateRul (rel-rul's projection), and the similarity method for fleets with run-to-failure
 * history (similarity-rul.ts, used by the C-MAPSS bench).
 */
import assert from 'assert';
import { estimateRul, formatRul } from '../../nodes/core/condition/rul';
import { RulTracker, DEFAULT_RUL, decideRul, defaultThresholdRange } from '../../nodes/core/condition/rul-tracker';
import { buildLibrary, healthIndicator, learnHealthIndicator, similarityRul, smooth, solveLinear } from '../../nodes/core/condition/similarity-rul';
import { openStore } from '../../nodes/core/store';
import fs from 'fs';
import path from 'path';
import { tmpDir } from '../helpers/red';

const HR = 3.6e6;

function prng(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 16807) % 2147483647) / 2147483647 - 0.5;
}

describe('condition core: RUL threshold range, plateau, similarity', () => {
  it('a failure-threshold range widens the interval to the projections to its ends', () => {
    const rnd = prng(3);
    // Health falls 1 point per hour from 80; now (i = 40) at 40; failure at 10 in 30 h,
    // at 15 in 25 h, at 5 in 35 h.
    const pts = Array.from({ length: 41 }, (_, i) => ({ ts: i * HR, y: 80 - i + rnd() * 0.2 }));
    const exact = estimateRul(pts, { threshold: 10, direction: 'below', level: 0.9, models: ['linear'] }).rul!;
    const ranged = estimateRul(pts, { threshold: 10, thresholdRange: [5, 15], direction: 'below', level: 0.9, models: ['linear'] }).rul!;
    assert.ok(Math.abs(exact.hours - 30) < 0.5, `${exact.hours}`);
    assert.strictEqual(ranged.hours, exact.hours, 'the point estimate projects to the threshold itself');
    assert.ok(exact.low > 28 && exact.high < 32, JSON.stringify(exact));
    assert.ok(ranged.low < 25.2 && ranged.low > 23, `low ${ranged.low}: about the projection to 15 (25 h)`);
    assert.ok(ranged.high > 34.8 && ranged.high < 37, `high ${ranged.high}: about the projection to 5 (35 h)`);
    // Already below the top of the range but above its bottom: low 0, high still ahead.
    const near = Array.from({ length: 41 }, (_, i) => ({ ts: i * HR, y: 52 - i + rnd() * 0.2 }));
    const r = estimateRul(near, { threshold: 10, thresholdRange: [5, 15], direction: 'below', level: 0.9, models: ['linear'] }).rul!;
    assert.strictEqual(r.low, 0);
    assert.ok(r.high > 6 && r.high < 8, `high ${r.high}: about 7 h to 5`);
    // Past the whole range: 0.
    const past = Array.from({ length: 41 }, (_, i) => ({ ts: i * HR, y: 44 - i + rnd() * 0.2 }));
    assert.deepStrictEqual([estimateRul(past, { threshold: 10, thresholdRange: [5, 15], direction: 'below', models: ['linear'] }).rul!.high], [0]);
  });

  it('the plateau check gives null with a reason when the recent trend is flat', () => {
    const rnd = prng(11);
    // 30 h of decline from 90 to 30, then 12 h flat at 30.
    const pts = Array.from({ length: 43 }, (_, i) => ({ ts: i * HR, y: (i <= 30 ? 90 - 2 * i : 30) + rnd() }));
    const without = estimateRul(pts, { threshold: 10, thresholdRange: [5, 15], direction: 'below', level: 0.9 });
    assert.ok(without.rul, 'without the check the whole-window trend is projected');
    const withCheck = estimateRul(pts, { threshold: 10, thresholdRange: [5, 15], direction: 'below', level: 0.9, plateauHours: 10 });
    assert.strictEqual(withCheck.rul, null);
    assert.match(withCheck.reason!, /^plateau: no significant trend .* last 10 h \(11 points\)/);
    // A steady decline passes the check.
    const steady = pts.slice(0, 31);
    assert.ok(estimateRul(steady, { threshold: 10, direction: 'below', plateauHours: 10 }).rul);
  });

  it('openEnded: a trend towards the threshold that is not significant gives the earliest crossing and no upper bound', () => {
    const rnd = prng(7);
    // Health falls 2 points per hour for 10 h (90 to 70), then stays at 70 +- 1 for 30 h: the median
    // slope still points down, its interval (widened for the autocorrelated residuals) does not.
    const pts = Array.from({ length: 41 }, (_, i) => ({ ts: i * HR, y: (i <= 10 ? 90 - 2 * i : 70) + rnd() * 2 }));
    const opts = { threshold: 10, direction: 'below' as const, level: 0.9, models: ['linear' as const] };
    const closed = estimateRul(pts, opts);
    assert.strictEqual(closed.rul, null);
    assert.match(closed.reason!, /^no significant trend towards the threshold \(below 10\) in 41 points/);
    const open = estimateRul(pts, { ...opts, openEnded: true });
    assert.ok(open.rul, open.reason);
    assert.strictEqual(open.rul.high, Infinity, 'no upper bound');
    assert.ok(open.rul.low > 0 && open.rul.low <= open.rul.hours && Number.isFinite(open.rul.hours), JSON.stringify(open.rul));
    // the earliest crossing: 60 points to go at no more than the fastest plausible slope (about 2/h)
    assert.ok(open.rul.low > 20 && open.rul.low < 100, `low ${open.rul.low}`);
    assert.match(open.reason!, /^no significant trend .*: the earliest crossing only, no upper bound$/);
    assert.match(formatRul(open.rul), /-∞\)$/);
    // a median slope away from the threshold (health recovering): still null
    const up = Array.from({ length: 41 }, (_, i) => ({ ts: i * HR, y: 40 + 0.5 * i + rnd() * 2 }));
    assert.strictEqual(estimateRul(up, { ...opts, openEnded: true }).rul, null);
    // a significant trend: a closed interval and no reason, openEnded or not
    const steady = Array.from({ length: 41 }, (_, i) => ({ ts: i * HR, y: 90 - i + rnd() * 0.2 }));
    const s = estimateRul(steady, { ...opts, openEnded: true });
    assert.ok(s.rul && Number.isFinite(s.rul.high) && s.reason === undefined);
    assert.deepStrictEqual(s, estimateRul(steady, opts));
    // the tracker opens the interval only while the asset is degrading (rel-health warning or
    // alarm): without a state (a feature, a value) a stalled trend stays null
    const cfg = { ...DEFAULT_RUL, openEnded: true };
    const at = (degrading: boolean | undefined) => decideRul(pts.slice(0, -1), cfg, { scope: 'health', ts: pts[40].ts, y: pts[40].y, degrading, stateText: degrading ? 'alarm' : undefined }).out;
    const inAlarm = at(true);
    assert.ok(inAlarm.rul && inAlarm.rul.high === Infinity && /no upper bound$/.test(inAlarm.reason!), JSON.stringify(inAlarm));
    const noState = at(undefined);
    assert.strictEqual(noState.rul, null);
    assert.match(noState.reason!, /^no significant trend/);
  });

  it('the tracker checks the range and reports it; health defaults to 50-150 %', async () => {
    assert.deepStrictEqual(defaultThresholdRange('health', 10), [5, 15]);
    assert.strictEqual(defaultThresholdRange('feature', 7.1), null);
    const dir = tmpDir('rel-rul-core-');
    const h = openStore(path.join(dir, 'r.db'));
    try {
      assert.throws(() => new RulTracker(h.local, { ...DEFAULT_RUL, threshold: 10, thresholdRange: [12, 15] }), /must contain the threshold 10/);
      const tr = new RulTracker(h.local, { ...DEFAULT_RUL, thresholdRange: [5, 15] });
      let out;
      for (let i = 0; i < 20; i++) out = await tr.add('a', 'features', i * HR, 80 - 2 * i + (i % 2) * 0.3, true, 'alarm');
      assert.deepStrictEqual(out!.rul!.thresholdRange, [5, 15]);
      assert.ok(out!.rul!.low < out!.rul!.hours && out!.rul!.hours < out!.rul!.high);
    } finally {
      h.release();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('solveLinear and smooth give known results', () => {
    const x = solveLinear([[2, 1], [1, 3]], [3, 5]);
    assert.ok(Math.abs(x[0] - 0.8) < 1e-12 && Math.abs(x[1] - 1.4) < 1e-12);
    assert.deepStrictEqual(smooth([0, 3, 6, 9], 1), [1.5, 3, 6, 7.5]);
  });

  it('similarity: learns the indicator from informative sensors and finds the remaining life of a unit of the same fleet', () => {
    const rnd = prng(5);
    // Degradation d = exp((t - L) / 40): ~0 healthy, 1 at failure. Sensors: constant, two-level,
    // d, -2d (both noisy), pure noise.
    const unit = (L: number) => ({
      rows: Array.from({ length: L }, (_, t) => {
        const d = Math.exp((t - (L - 1)) / 40);
        return [5, t % 2 ? 1 : 2, 10 + d + 0.05 * rnd(), 3 - 2 * d + 0.05 * rnd(), rnd()];
      }),
    });
    const train = Array.from({ length: 40 }, (_, i) => unit(150 + ((i * 37) % 101)));
    const model = learnHealthIndicator(train, 125);
    assert.deepStrictEqual(model.columns, [2, 3, 4], 'constant and two-level columns dropped');
    assert.ok(model.weights[1] > 0 && model.weights[2] < 0, `weights ${model.weights}`);
    assert.ok(Math.abs(model.weights[3]) < Math.abs(model.weights[1]) / 5, 'the noise sensor gets little weight');
    const hiTrain = healthIndicator(model, train[0].rows);
    assert.ok(hiTrain[hiTrain.length - 1] > hiTrain[0] + 0.5, 'the indicator rises towards failure');
    const lib = buildLibrary(model, train);
    for (const [L, rul] of [[200, 60], [180, 20], [230, 100]]) {
      const u = unit(L);
      const seen = u.rows.slice(0, L - rul);
      const r = similarityRul(lib, healthIndicator(model, seen), { window: 50, k: 10, level: 0.9 });
      assert.ok(Math.abs(r.rul - rul) <= 15, `true ${rul}, estimate ${r.rul}`);
      assert.ok(r.low <= rul && rul <= r.high, `true ${rul}, interval ${r.low}-${r.high}`);
      assert.strictEqual(r.neighbours.length, 10);
    }
    assert.throws(() => similarityRul(lib, []), /empty indicator/);
  });
});
