/**
 * rel-health's level rule (config rule "level") through HealthMonitor on a real SQLite file, and
 * rel-rul's level indicator through RulTracker: limits from the false-alarm budget, only a rise
 * counts, a stream learned under the profile is scored from its stored learning readings.
 */
import assert from 'assert';
import fs from 'fs';
import path from 'path';
import { DEFAULT_HEALTH, HealthMonitor, type HealthConfig } from '../../nodes/core/condition/health';
import { levelHealth, levelLimit, levelLimits, levelRuleFires, LEVEL_FAILURE_RATIO } from '../../nodes/core/condition/level-rule';
import { DEFAULT_RUL, MAX_KEPT, RulTracker, decideRul, defaultThresholdRange } from '../../nodes/core/condition/rul-tracker';
import { estimateRul } from '../../nodes/core/condition/rul';
import { Rng } from '../../nodes/core/signal/random';
import { openStore, type StoreHandle } from '../../nodes/core/store';
import { tmpDir } from '../helpers/red';

const T0 = Date.UTC(2026, 0, 1);
const DT = 10_000; // a reading every 10 s: 360 an hour


describe('condition: rel-health level rule and rel-rul level indicator', () => {
  let dir: string;
  let h: StoreHandle;
  before(() => {
    dir = tmpDir('rel-cond-level-');
    h = openStore(path.join(dir, 'level.db'));
  });
  after(() => {
    h.release();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const LEVEL: HealthConfig = { ...DEFAULT_HEALTH, rule: 'level', levelEveryHours: 8 };

  it('limits: one-sided prediction limits from the budget; health 85 / 70 / 10 at the warning limit, the alarm limit and 6.3 x the mean', () => {
    const rng = new Rng(7);
    const gauss = () => rng.gauss();
    const xs = Array.from({ length: 100 }, () => 1 + 0.05 * gauss());
    const m = { feature: 'rms', index: 0, mean: xs.reduce((a, b) => a + b, 0) / 100, sd: 0, n: 100, perHourReadings: 360 };
    m.sd = Math.sqrt(xs.reduce((a, x) => a + (x - m.mean) ** 2, 0) / 99);
    const l = levelLimits(m, 8, 3);
    // the same limit as the offline rule of level-rule.ts (1 per 8 h, 3 in a row, 360 an hour)
    const ref = levelLimit(xs, { perHour: 1 / 8, persistence: 3, learn: 100, perHourReadings: 360 });
    assert.ok(Math.abs(l.alarmLimit - ref.limit) < 1e-12, `${l.alarmLimit} vs ${ref.limit}`);
    assert.ok(Math.abs(l.alphaAlarm - 3 / (8 * 360)) < 1e-15 && Math.abs(l.alphaWarn - 30 / (8 * 360)) < 1e-15);
    assert.ok(l.warnLimit < l.alarmLimit && l.warnLimit > m.mean);
    assert.strictEqual(levelHealth(m, l, m.mean * 0.5), 100, 'a fall is no alarm');
    assert.ok(Math.abs(levelHealth(m, l, l.warnLimit) - 85) < 1e-9);
    assert.ok(Math.abs(levelHealth(m, l, l.alarmLimit) - 70) < 1e-9);
    assert.ok(Math.abs(levelHealth(m, l, LEVEL_FAILURE_RATIO * m.mean) - 10) < 1e-9);
    assert.strictEqual(levelHealth(m, l, 100 * m.mean), 0);
    // a larger budget (1 per hour) gives a lower limit
    assert.ok(levelLimits(m, 1, 3).alarmLimit < l.alarmLimit);
  });

  it('HealthMonitor with rule "level": no alarm on healthy noise or a fall, alarm at the 3rd reading in a row above the limit; rms missing is refused', async () => {
    const mon = new HealthMonitor(h.local, LEVEL);
    const rng = new Rng(11);
    const gauss = () => rng.gauss();
    const rms: number[] = [];
    // 100 learning readings, 2 h of healthy running (720), a fall to 0.6 (1 h), then a rise to 2x
    for (let i = 0; i < 100 + 720; i++) rms.push(1 + 0.05 * gauss());
    for (let i = 0; i < 360; i++) rms.push(0.6 + 0.03 * gauss());
    for (let i = 0; i < 60; i++) rms.push(2 + 0.05 * gauss());
    const states: string[] = [];
    let limits: any;
    for (let i = 0; i < rms.length; i++) {
      const o = await mon.reading('m1', 'features', { features: { rms: rms[i], kurtosis: 3 + 0.1 * gauss() } }, T0 + i * DT);
      states.push(o.health.state);
      if (o.health.level) limits = o.health.level;
    }
    const firstAlarm = states.indexOf('alarm');
    const offline = levelRuleFires(rms, { perHour: 1 / 8, persistence: 3, learn: 100, perHourReadings: 360 });
    assert.ok(limits && limits.feature === 'rms' && limits.alarmLimit > limits.warnLimit, JSON.stringify(limits));
    assert.ok(states.slice(100, 100 + 720 + 360).every((s) => s === 'normal'), 'no warning on healthy noise nor on the fall');
    assert.strictEqual(offline.index, 100 + 720 + 360 + 2, 'the offline rule fires at the third reading of the rise');
    assert.strictEqual(firstAlarm, offline.index, 'the node alarms where the offline rule fires');
    await assert.rejects(mon.reading('m2', 'features', { features: { kurtosis: 3 } }, T0), /msg\.payload\.features\.rms/);
  });

  it('a stream learned with the profile is scored by the level rule from its stored learning readings', async () => {
    const rng = new Rng(5);
    const gauss = () => rng.gauss();
    const prof = new HealthMonitor(h.local, DEFAULT_HEALTH);
    for (let i = 0; i < 100; i++) await prof.reading('m3', 'features', { features: { rms: 1 + 0.05 * gauss() } }, T0 + i * DT);
    const lev = new HealthMonitor(h.local, LEVEL);
    const o = await lev.reading('m3', 'features', { features: { rms: 1 } }, T0 + 100 * DT);
    assert.ok(o.health.level && Math.abs(o.health.level.mean - 1) < 0.03, JSON.stringify(o.health.level));
    assert.strictEqual(o.health.score, 100);
  });

  it('RulTracker, level indicator: failure at 6.3 x the learned mean (4.0-10), exponential model', async () => {
    assert.deepStrictEqual(defaultThresholdRange('level', LEVEL_FAILURE_RATIO)!.map((v) => Math.round(v * 100) / 100), [3.98, 9.96]);
    const tr = new RulTracker(h.local, { ...DEFAULT_RUL, indicator: 'level', threshold: LEVEL_FAILURE_RATIO, thresholdRange: defaultThresholdRange('level', LEVEL_FAILURE_RATIO), direction: 'above', models: ['exponential'] });
    // RMS from 2 x the mean 0.5 (1 at the first point), doubling every hour: 6.3 x the mean (3.15)
    // is reached log2(3.15) = 1.66 h after the first point, log2(3.15 / 2) = 0.66 h after the last
    let out: any;
    for (let i = 0; i <= 60; i++) out = await tr.add('r1', 'features', T0 + i * 60_000, 0.5 * 2 * 2 ** (i / 60), true, 'alarm', 0.5);
    assert.ok(out.rul, out.reason);
    assert.strictEqual(out.rul.model, 'exponential');
    assert.ok(Math.abs(out.rul.threshold - 3.15) < 1e-9);
    assert.ok(Math.abs(out.rul.hours - Math.log2(3.15 / 2)) < 0.02, `${out.rul.hours}`);
    assert.ok(out.rul.low <= Math.log2(3.98 / 2 / 2) + 0.02 && out.rul.high >= Math.log2(9.96 / 2 / 2) - 0.02, `${out.rul.low}-${out.rul.high}`);
    const none = await tr.add('r2', 'features', T0, 1, true, 'alarm', undefined);
    assert.strictEqual(none.rul, null);
  });

  it('RulTracker, level indicator with the excess model (the node default): the defect power above the healthy level grows exponentially', async () => {
    const tr = new RulTracker(h.local, { ...DEFAULT_RUL, indicator: 'level', threshold: LEVEL_FAILURE_RATIO, thresholdRange: defaultThresholdRange('level', LEVEL_FAILURE_RATIO), direction: 'above', models: ['excess'] });
    // healthy RMS 0.5 plus a defect whose own RMS doubles every hour from 1 (powers add): after 1 h
    // the level is sqrt(0.25 + 4); 6.3 x 0.5 = 3.15 is reached when the defect RMS is
    // sqrt(3.15^2 - 0.25), log2(that / 2) h later
    let out: any;
    for (let i = 0; i <= 60; i++) out = await tr.add('x1', 'features', T0 + i * 60_000, Math.sqrt(0.25 + 4 ** (i / 60)), true, 'alarm', 0.5);
    assert.ok(out.rul, out.reason);
    assert.strictEqual(out.rul.model, 'excess');
    const at = (level: number) => Math.log2(Math.sqrt(level * level - 0.25) / 2);
    assert.ok(Math.abs(out.rul.hours - at(3.15)) < 0.02, `${out.rul.hours} vs ${at(3.15)}`);
    // the low end of the range (3.98 x 0.5 = 1.99) is already passed: low 0; high at 9.96 x 0.5
    assert.strictEqual(out.rul.low, 0);
    assert.ok(out.rul.high >= at(4.98) - 0.02, `${out.rul.high} vs ${at(4.98)}`);
    // rate at the last point: d/dt sqrt(0.25 + 4^t) = ln 4 4^t / (2 level), per day
    assert.ok(Math.abs(out.rul.ratePerDay - (24 * Math.log(4) * 4) / (2 * Math.sqrt(4.25))) < 0.5, `${out.rul.ratePerDay}`);
    // a falling indicator, or no healthy level, has no excess model
    const r = estimateRul([1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((y, i) => ({ ts: T0 + i * 60_000, y })), { threshold: 0.5, direction: 'below', models: ['excess'], offset: 1 });
    assert.ok(r.rul === null && /excess fit needs/.test(r.reason), JSON.stringify(r));
  });

  it('state stays bounded over a long run: learning rows, RUL points and history do not grow per reading', async () => {
    // 3,000 readings (8.3 h at one per 10 s), in alarm from reading 1,000 on: what is stored per
    // stream must not grow with the readings (a plant runs for months)
    const mon = new HealthMonitor(h.local, LEVEL);
    const lvl = { ...DEFAULT_RUL, indicator: 'level' as const, threshold: LEVEL_FAILURE_RATIO, thresholdRange: defaultThresholdRange('level', LEVEL_FAILURE_RATIO), direction: 'above' as const, models: ['exponential' as const] };
    const tr = new RulTracker(h.local, { ...lvl, windowHours: 1 });
    const rng = new Rng(13);
    const N = 3000;
    for (let i = 0; i < N; i++) {
      const x = (i < 1000 ? 1 : 1.5 * Math.exp((i - 1000) / 4000)) * (1 + 0.03 * rng.gauss());
      const o = await mon.reading('b1', 'features', { features: { rms: x } }, T0 + i * DT);
      await tr.add('b1', 'features', T0 + i * DT, o.health.level ? o.health.level.value : null, o.health.state === 'warning' || o.health.state === 'alarm', o.health.state, o.health.level?.mean);
      if (i === 999) assert.strictEqual(o.health.state, 'normal');
    }
    const count = async (sql: string) => (await h.local.one<{ n: number }>(sql, ['b1']))!.n;
    assert.strictEqual(await count('SELECT COUNT(*) AS n FROM condition_learning WHERE asset = ?'), 100, 'learning rows: the learning window only');
    // a 1 h window at one reading per 10 s: 361 points at most (both ends)
    const kept = await count('SELECT COUNT(*) AS n FROM condition_rul_points WHERE asset = ?');
    assert.ok(kept >= 300 && kept <= 361, `RUL points: the window only (${kept})`);
    // history: one row per metric and 10 min bucket (health, anomaly; rul, rul_low, rul_high)
    const buckets = Math.ceil((N * DT) / DEFAULT_HEALTH.historyMs) + 1;
    assert.ok((await count('SELECT COUNT(*) AS n FROM condition_history WHERE asset = ?')) <= 5 * buckets, 'history: one row per bucket and metric');
    // the since-onset window (no windowHours) is capped at MAX_KEPT points in memory and in the store
    const pts = Array.from({ length: MAX_KEPT }, (_, i) => ({ ts: T0 + i * DT, y: 2 }));
    const d = decideRul(pts, lvl, { scope: 'level', ts: T0 + MAX_KEPT * DT, y: 2, degrading: true, stateText: 'alarm', base: 1 });
    assert.strictEqual(d.points.length, MAX_KEPT);
    assert.deepStrictEqual(d.writes.cutBefore, [T0 + DT]);
  });
});
