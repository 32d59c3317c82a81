import assert from 'assert';
import { mad, median, normalQuantile, quantile, theilSen } from '../../nodes/core/condition/robust';
import { A70, featureFrame, fitBaseline, healthFromAnomaly, scoreFrame } from '../../nodes/core/condition/baseline';
import { DEFAULT_ALARM, initialAlarm, stepAlarm } from '../../nodes/core/condition/alarm';
import { estimateRul, formatRul } from '../../nodes/core/condition/rul';

describe('condition core', () => {
  it('robust statistics match known values', () => {
    assert.strictEqual(median([3, 1, 2]), 2);
    assert.strictEqual(median([4, 1, 3, 2]), 2.5);
    assert.strictEqual(quantile([1, 2, 3, 4, 5], 0.25), 2);
    assert.ok(Math.abs(mad([1, 2, 3, 4, 100]) - 1.4826) < 1e-12, 'one outlier does not move the MAD');
    assert.ok(Math.abs(normalQuantile(0.975) - 1.959964) < 1e-6);
    assert.ok(Math.abs(normalQuantile(0.05) + 1.644854) < 1e-6);
    const ts = theilSen([0, 1, 2, 3, 4, 5], [1, 3, 5, 7, 9, 100]);
    assert.strictEqual(ts.slope, 2);
    assert.strictEqual(ts.intercept, 1);
  });

  it('baseline ignores outliers in the learning window; health is a monotone map of the anomaly', () => {
    const rows: number[][] = [];
    let s = 1;
    const rnd = () => ((s = (s * 16807) % 2147483647) / 2147483647 - 0.5) * 0.02;
    for (let i = 0; i < 100; i++) rows.push([1 + rnd(), 3 + rnd(), rnd()]);
    rows[5] = [50, 3, 0]; // start-up spike
    const m = fitBaseline(['rms', 'kurtosis', 'skewness'], rows, 0, 99);
    assert.deepStrictEqual(m.log, [true, true, false]);
    assert.ok(Math.abs(Math.exp(m.center[0]) - 1) < 0.01);
    assert.ok(scoreFrame(m, [1, 3, 0]).health === 100);
    const moved = scoreFrame(m, [2, 3, 0]);
    assert.strictEqual(moved.contributors[0].feature, 'rms');
    assert.ok(moved.health < 70);
    assert.strictEqual(healthFromAnomaly(1), 100);
    assert.ok(Math.abs(healthFromAnomaly(A70) - 70) < 1e-9);
    for (let a = 0; a < 40; a += 0.5) assert.ok(healthFromAnomaly(a + 0.5) <= healthFromAnomaly(a));
  });

  it('feature frames: numbers kept, nested objects ignored, NaN named', () => {
    const f = featureFrame({ features: { rms: 1, kurtosis: 3, isoZone: 'A', orders: { '1X': 1 } } }, 'x');
    assert.deepStrictEqual(f.names, ['kurtosis', 'rms']);
    assert.throws(() => featureFrame({ features: { rms: NaN } }, 'x'), /msg\.payload\.features\.rms: expected a finite number, got NaN/);
    assert.deepStrictEqual(featureFrame({ value: 61.5 }, 'motor-temp'), { kind: 'value', names: ['motor-temp'], values: [61.5] });
  });

  it('hysteresis and dwell: a signal oscillating around the threshold changes state at most once per dwell period', () => {
    const c = { ...DEFAULT_ALARM, dwellFrames: 3 };
    for (const period of [2, 3, 4, 6, 7, 10]) {
      let st = initialAlarm(0);
      const changes: number[] = [];
      for (let i = 0; i < 600; i++) {
        // Square wave around the alarm threshold (70): 2 points either side, noisy amplitude.
        const h = Math.floor(i / (period / 2)) % 2 ? 68 : 72 + (i % 3);
        const r = stepAlarm(st, h, i * 1000, c);
        st = r.next;
        if (r.change) changes.push(i);
      }
      for (let k = 1; k < changes.length; k++) assert.ok(changes[k] - changes[k - 1] >= c.dwellFrames, `period ${period}: changes at ${changes}`);
      // 68 never clears the warning (needs 85 + 5); at most the first escalation happens.
      assert.ok(changes.length <= 2, `period ${period}: ${changes.length} changes`);
    }
    // One noisy frame never raises or clears.
    let st = initialAlarm(0);
    for (let i = 0; i < 50; i++) {
      const r = stepAlarm(st, i === 20 ? 10 : 95, i, c);
      assert.strictEqual(r.change, undefined);
      st = r.next;
    }
  });

  it('RUL: a linear decline of 1 point/h from 60 to threshold 10 is 50 h; an exponential one picks the exponential model', () => {
    const pts = Array.from({ length: 48 }, (_, i) => ({ ts: i * 3.6e6, y: 60 + 47 - i + (i % 2 ? 0.3 : -0.3) }));
    const r = estimateRul(pts, { threshold: 10, direction: 'below' });
    assert.ok(r.rul, r.reason);
    assert.strictEqual(r.rul!.model, 'linear');
    assert.ok(Math.abs(r.rul!.hours - 50) < 1.5, String(r.rul!.hours));
    assert.ok(r.rul!.low <= 50 && r.rul!.high >= 50);
    assert.match(formatRul(r.rul!), /^\d+(\.\d)? [hd] \(\d+-\d+\)$/);
    const exp = Array.from({ length: 60 }, (_, i) => ({ ts: i * 3.6e6, y: 0.1 * Math.exp(0.02 * i) * (1 + (i % 3) * 0.01) }));
    const e = estimateRul(exp, { threshold: 1, direction: 'above' });
    const truth = Math.log(10) / 0.02 - 59;
    assert.strictEqual(e.rul!.model, 'exponential');
    assert.ok(Math.abs(e.rul!.hours - truth) / truth < 0.05, `${e.rul!.hours} vs ${truth}`);
    const flat = Array.from({ length: 30 }, (_, i) => ({ ts: i * 3.6e6, y: 80 + (i % 2) }));
    assert.match(estimateRul(flat, { threshold: 10, direction: 'below' }).reason ?? '', /no significant trend/);
    assert.match(estimateRul(flat.slice(0, 4), { threshold: 10, direction: 'below' }).reason ?? '', /too little data: 4 of 10/);
  });
});
