/**
 * rel-health's and rel-rul's node logic without Node-RED (health-node.ts, rul-node.ts): the form
 * config with the thresholds in force per rule, the status, the level indicator; and a stream
 * learned before the level rule with too few stored frames (told once, not re-read).
 */
import assert from 'assert';
import fs from 'fs';
import path from 'path';
import { DEFAULT_HEALTH, HealthMonitor, needsLearningFrames, type HealthConfig } from '../../nodes/core/condition/health';
import { healthConfig, healthStatus } from '../../nodes/core/condition/health-node';
import { LEVEL_FAILURE_RATIO } from '../../nodes/core/condition/level-rule';
import { indicatorOf, levelIndicator, rulConfig } from '../../nodes/core/condition/rul-node';
import { loadStream } from '../../nodes/core/condition/repo';
import { Rng } from '../../nodes/core/signal/random';
import { openStore, type StoreHandle } from '../../nodes/core/store';
import { tmpDir } from '../helpers/red';

const T0 = Date.UTC(2026, 0, 1);
const DT = 10_000;

describe('condition: rel-health and rel-rul node config and indicator (no Node-RED)', () => {
  it('healthConfig checks the thresholds in force: the level rule warns below 85 whatever warnBelow says', () => {
    // level rule: a warning clears at 85 + hysteresis, so at most 15 (the form refuses 20 too)
    assert.throws(() => healthConfig({ rule: 'level', hysteresis: 20 }), /^Error: config hysteresis: expected at most 15 with rule "level".*got 20$/);
    assert.strictEqual(healthConfig({ rule: 'level', hysteresis: 15 }).hysteresis, 15);
    // the form's warnBelow / alarmBelow are unused with the level rule: not cross-checked
    assert.strictEqual(healthConfig({ rule: 'level', warnBelow: 95, hysteresis: 10 }).rule, 'level');
    assert.strictEqual(healthConfig({ rule: 'level', warnBelow: 60, alarmBelow: 80 }).rule, 'level');
    // the profile rule uses them
    assert.throws(() => healthConfig({ rule: 'profile', warnBelow: 95, hysteresis: 10 }), /warning threshold \+ hysteresis \(95 \+ 10\)/);
    assert.throws(() => healthConfig({ warnBelow: 60, alarmBelow: 80 }), /alarm threshold \(80\) must not be above/);
    assert.strictEqual(healthConfig({ warnBelow: 50, alarmBelow: 0, hysteresis: 50 }).hysteresis, 50);
    assert.throws(() => healthConfig({ rule: 'levels' }), /config rule: expected profile or level/);
    assert.throws(() => healthConfig({ hysteresis: 51 }), /config hysteresis/);
  });

  it('healthStatus: learning, shelved, alarm, warning, normal', () => {
    const base = { asset: 'a', channel: 'features', anomaly: 0, learned: 1, contributors: [], since: 0, ts: 0 };
    assert.deepStrictEqual(healthStatus({ ...base, score: null, state: 'learning', learned: 0.456 }), { kind: 'busy', text: 'learning 45%' });
    assert.deepStrictEqual(healthStatus({ ...base, score: 60.4, state: 'alarm', shelved: { by: 'x', reason: 'y', until: '' } }), { kind: 'idle', text: 'health 60 shelved' });
    assert.deepStrictEqual(healthStatus({ ...base, score: 60.6, state: 'alarm' }), { kind: 'error', text: 'alarm: health 61' });
    assert.deepStrictEqual(healthStatus({ ...base, score: 80, state: 'warning' }), { kind: 'warn', text: 'warning: health 80' });
    assert.deepStrictEqual(healthStatus({ ...base, score: 99.5, state: 'normal' }), { kind: 'ok', text: 'health 100' });
  });

  it('rulConfig: the level indicator takes a multiple > 1 of the healthy level (default LEVEL_FAILURE_RATIO) and refuses direction below', () => {
    const c = rulConfig({ indicator: 'level' });
    assert.deepStrictEqual([c.threshold, c.direction, c.models], [LEVEL_FAILURE_RATIO, 'above', ['excess']]);
    assert.deepStrictEqual(c.thresholdRange!.map((v) => Math.round(v * 100) / 100), [3.98, 9.96]);
    assert.strictEqual(rulConfig({ indicator: 'level', direction: 'above', threshold: '3.2' }).threshold, 3.2);
    assert.throws(() => rulConfig({ indicator: 'level', direction: 'below' }), /config direction: expected auto or above with the level indicator/);
    assert.throws(() => rulConfig({ indicator: 'level', threshold: 1 }), /config threshold/);
    assert.throws(() => rulConfig({ indicator: 'level', threshold: 1001 }), /config threshold/);
    // other indicators: any threshold, the direction as chosen
    assert.deepStrictEqual([rulConfig({ indicator: 'feature', threshold: 1, direction: 'below' }).direction, rulConfig({}).direction, rulConfig({ indicator: 'value', threshold: -3 }).threshold], ['below', 'below', -3]);
    assert.throws(() => rulConfig({ indicator: 'feature' }), /a failure threshold is needed for the feature indicator/);
  });

  it('levelIndicator / indicatorOf: the level and mean, none while learning, refused without a level', () => {
    assert.deepStrictEqual(levelIndicator({ level: { value: 2, mean: 0.5 } }, 'alarm'), { y: 2, base: 0.5 });
    assert.deepStrictEqual(levelIndicator({}, 'learning'), { y: null });
    assert.throws(() => levelIndicator({ score: 80 }, 'warning'), (e: any) => e.name === 'InputError' && /msg\.payload\.health\.level/.test(e.message));
    assert.throws(() => levelIndicator({ level: { value: 2, mean: 0 } }, 'alarm'), /msg\.payload\.health\.level\.mean/);
    const lv = indicatorOf({ indicator: 'level', feature: 'rms' }, { health: { state: 'alarm', ts: 5, channel: 'ch', level: { value: 0, mean: 1 } } }, 9);
    assert.deepStrictEqual(lv, { y: 1e-12, base: 1, channel: 'ch', ts: 5, state: 'alarm', degrading: true });
    assert.deepStrictEqual(indicatorOf({ indicator: 'health', feature: 'rms' }, { health: { state: 'normal', score: 0 } }, 9), { y: 0.01, channel: 'features', ts: 9, state: 'normal', degrading: false });
    assert.strictEqual(indicatorOf({ indicator: 'level', feature: 'rms' }, { health: { state: 'stopped' } }, 9).state, 'stopped');
    assert.deepStrictEqual(indicatorOf({ indicator: 'feature', feature: 'kurt' }, { features: { kurt: 4 }, ts: 3 }, 9), { y: 4, channel: 'features', ts: 3 });
    assert.deepStrictEqual(indicatorOf({ indicator: 'value', feature: 'rms' }, { value: 7 }, 9), { y: 7, channel: 'value', ts: 9 });
    assert.throws(() => indicatorOf({ indicator: 'anomaly', feature: 'rms' }, { value: 7 }, 9), /msg\.payload\.health/);
  });

  describe('on a real SQLite file', () => {
    let dir: string;
    let h: StoreHandle;
    before(() => {
      dir = tmpDir('rel-cond-nodecfg-');
      h = openStore(path.join(dir, 'n.db'));
    });
    after(() => {
      h.release();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    it('level rule with hysteresis 15 (its most): a warning clears when the level is back at the mean', async () => {
      const cfg: HealthConfig = { ...healthConfig({ rule: 'level', hysteresis: 15, learnFrames: 50 }) };
      const mon = new HealthMonitor(h.local, cfg);
      const rng = new Rng(3);
      let t = T0;
      for (let i = 0; i < 50; i++) await mon.reading('w1', 'features', { features: { rms: 1 + 0.05 * rng.gauss() } }, (t += DT));
      let warned = false;
      let lastLimits: any;
      for (let i = 0; i < 6 && !warned; i++) {
        const o = await mon.reading('w1', 'features', { features: { rms: 1.14 } }, (t += DT));
        lastLimits = o.health.level;
        warned = o.health.state !== 'normal';
      }
      assert.ok(warned, `a level above the warning limit warns: ${JSON.stringify(lastLimits)}`);
      let cleared = false;
      for (let i = 0; i < 6 && !cleared; i++) cleared = (await mon.reading('w1', 'features', { features: { rms: 0.95 } }, (t += DT))).health.state === 'normal';
      assert.ok(cleared, 'health 100 (at or below the mean) clears a warning with hysteresis 15');
    });

    it('a stream learned before the level rule with fewer than 3 stored frames: told once, frames not read again, profile score kept', async () => {
      const prof = new HealthMonitor(h.local, DEFAULT_HEALTH);
      const rng = new Rng(9);
      let t = T0;
      for (let i = 0; i < 100; i++) await prof.reading('f1', 'features', { features: { rms: 1 + 0.05 * rng.gauss() } }, (t += DT));
      // the learning frames lost (say, pruned): 2 left
      await h.local.run('DELETE FROM condition_learning WHERE asset = ? AND channel = ? AND seq >= 2', ['f1', 'features']);
      const lev = new HealthMonitor(h.local, { ...DEFAULT_HEALTH, rule: 'level' });
      const o1 = await lev.reading('f1', 'features', { features: { rms: 1 } }, (t += DT));
      assert.match(o1.notice ?? '', /f1\/features was learned before rule "level" and only 2 of its learning readings are stored \(3 needed\).*relearn/);
      assert.ok(o1.health.level === undefined && typeof o1.health.score === 'number', 'the profile score');
      const row = await loadStream(h.local, 'f1', 'features');
      assert.strictEqual(row!.model!.level, null, 'stored: tried');
      assert.strictEqual(needsLearningFrames(row, t + DT, lev.cfg), false, 'the frames are not read again');
      const o2 = await lev.reading('f1', 'features', { features: { rms: 1 } }, (t += DT));
      assert.strictEqual(o2.notice, undefined, 'said once');
      // a new monitor (a redeploy) reads the stored row: still not re-read, not said again
      const again = await new HealthMonitor(h.local, { ...DEFAULT_HEALTH, rule: 'level' }).reading('f1', 'features', { features: { rms: 1 } }, (t += DT));
      assert.strictEqual(again.notice, undefined);
    });
  });
});
