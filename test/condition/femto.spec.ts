/**
 * Proof on real runs to failure with raw waveforms: FEMTO / PRONOSTIA (IEEE PHM 2012 learning set,
 * 4 bearings), every snapshot fed in time order through rel-vibration -> rel-health -> rel-rul in a
 * real Node-RED runtime with real SQLite files: one chain with every node's defaults, one with the
 * level rule (rel-vibration "not a power of two: zero-pad", rel-health "Alarm on: the RMS level",
 * rel-rul "level" indicator), and a third rel-rul on that rel-health's output with the feature
 * indicator on rel-vibration's peak, failure at 20 g (evaluated, not adopted: docs/validation.md).
 */
import assert from 'assert';
import fs from 'fs';
import path from 'path';
import { levelLimit, levelRuleFires, type LevelRuleConfig } from '../../nodes/core/condition/level-rule';
import { median } from '../../nodes/core/condition/robust';
import { DATA, getNode, loadFlow, tmpDir, unloadFlow } from '../helpers/red';
import { assetNode, storeNode } from '../helpers/fixtures';
import { femtoManifest, loadFemto, rmsOf, technicianRule } from './femto';

/** Every STEP-th snapshot is fed (1 = all of them, one every 10 s). */
const STEP = 1;
const T0 = Date.UTC(2012, 0, 1);
/** Resident memory allowed while the four bearings run (checked every 100 snapshots). */
const RSS_LIMIT = 1024 * 2 ** 20;

/** What the figures read of a rel-rul output message. */
function keepRul(m: any): any {
  const p = m.payload;
  return { payload: { health: { ts: p.health.ts, state: p.health.state, level: p.health.level }, features: { rms: p.features?.rms, peak: p.features?.peak }, rul: p.rul, reason: p.reason } };
}

/** What the figures read of a rel-health state change message. */
function keepChange(m: any): any {
  const p = m.payload;
  return { payload: { asset: p.asset, ts: p.ts, from: p.from, to: p.to, evidence: p.evidence, health: { level: p.health?.level, score: p.health?.score } } };
}

describe('condition: FEMTO / PRONOSTIA bearings run to failure (raw waveforms)', function () {
  this.timeout(1_800_000);
  let dir: string;
  before(() => {
    dir = tmpDir('rel-cond-femto-');
  });
  after(async () => {
    await unloadFlow();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('no alarm before the degradation onset, first alarm no later than the technician rule; RUL interval coverage after it', async () => {
    const man = femtoManifest(DATA);
    assert.strictEqual(man.records.length, 4);
    const fsHz = man.fs_hz;
    const dt = man.snapshot_interval_s * 1000;
    await loadFlow([
      storeNode(path.join(dir, 'femto.db')),
      // the second rel-health keeps its own streams (same asset and channel): its own store file
      storeNode(path.join(dir, 'femto-level.db'), 'store2'),
      ...man.records.map((r, k) => assetNode({ id: `a${k}`, assetId: r.id, name: r.id, rpm: r.rpm, bearing: 'none' })),
      { id: 'v1', type: 'rel-vibration', wires: [['h1']] },
      // the level chain: frames of 2,560 samples zero-padded, so the RMS is over every sample
      // (trimmed to 2,048 it would leave a fifth of each snapshot out)
      { id: 'v2', type: 'rel-vibration', frameMode: 'pad', wires: [['h2']] },
      { id: 'h1', type: 'rel-health', store: 'store1', wires: [['rul1'], ['changes']] },
      { id: 'rul1', type: 'rel-rul', store: 'store1', wires: [['rulOut']] },
      { id: 'changes', type: 'helper' },
      { id: 'rulOut', type: 'helper' },
      // rel-health with "Alarm on: the RMS level" (its default budget, 1 false alarm per 8 running
      // hours), then rel-rul on that level (failure at 6.3 x the learned mean, 4.0-10: ISO 10816-1;
      // Gebraeel's exponential model on the defect's power above the healthy level)
      { id: 'h2', type: 'rel-health', store: 'store2', rule: 'level', wires: [['rul2', 'rul3'], ['changes2']] },
      { id: 'rul2', type: 'rel-rul', store: 'store2', indicator: 'level', wires: [['rulOut2']] },
      { id: 'changes2', type: 'helper' },
      { id: 'rulOut2', type: 'helper' },
      // evaluated, not adopted (docs/validation.md, FEMTO): rel-rul on rel-vibration's peak (max |x|
      // of the snapshot), failure at 20 g exactly, the bench's stop criterion, with the node's
      // defaults (feature indicator: the last 48 h of points, linear and exponential fits)
      { id: 'rul3', type: 'rel-rul', store: 'store2', indicator: 'feature', feature: 'peak', threshold: 20, wires: [['rulOut3']] },
      { id: 'rulOut3', type: 'helper' },
    ]);
    // Only what the figures need is kept of each message, never the message: it carries the
    // snapshot's samples (rel-vibration passes the payload on), 4,000 snapshots of them per run.
    /** One chain's outputs (its helper nodes): state changes, rel-rul messages, and who waits for the next one. */
    const collect = (changesId: string, rulId: string) => {
      const c = { changes: [] as any[], ruls: [] as any[], waiters: [] as ((m: any) => void)[] };
      getNode(changesId).on('input', (m: any) => c.changes.push(keepChange(m)));
      getNode(rulId).on('input', (m: any) => {
        c.ruls.push(keepRul(m));
        c.waiters.shift()?.(m);
      });
      return c;
    };
    const { changes, ruls, waiters } = collect('changes', 'rulOut');
    const { changes: changes2, ruls: ruls2, waiters: waiters2 } = collect('changes2', 'rulOut2');
    const ruls3: any[] = [];
    const waiters3: ((m: any) => void)[] = [];
    getNode('rulOut3').on('input', (m: any) => {
      ruls3.push(keepRul(m));
      waiters3.shift()?.(m);
    });
    // a node error would leave a reading without output: fail at once with the error
    const errors: string[] = [];
    for (const id of ['v1', 'v2', 'h1', 'h2', 'rul1', 'rul2', 'rul3']) {
      getNode(id).on('call:error', (call: any) => {
        errors.push(`${id}: ${call.firstArg}`);
        for (const w of [...waiters.splice(0), ...waiters2.splice(0), ...waiters3.splice(0)]) w(null);
      });
    }
    const v1 = getNode('v1');
    const v2 = getNode('v2');
    const rows: any[] = [];
    let maxRss = 0;
    for (const rec of man.records) {
      const snaps = loadFemto(DATA, rec, man.samples_per_snapshot);
      assert.strictEqual(snaps.length, rec.snapshot_count);
      const rms = snaps.map(rmsOf);
      const tech = technicianRule(rms);
      // the same onset and five-in-a-row as the README's verification table
      assert.strictEqual(tech.onset, rec.first_above_threshold_after_baseline, `${rec.id} onset`);
      assert.strictEqual(tech.firstOf5, rec.first_of_5_consecutive_above, `${rec.id} five in a row`);
      const last = snaps.length - 1;
      const tsOf = (i: number) => T0 + i * dt;
      const tEnd = tsOf(last);
      const fed: number[] = [];
      for (let i = 0; i <= last; i += STEP) fed.push(i);
      if (fed[fed.length - 1] !== last) fed.push(last);
      const c0 = changes.length;
      const r0 = ruls.length;
      const c20 = changes2.length;
      const r20 = ruls2.length;
      const r30 = ruls3.length;
      for (const i of fed) {
        const got = Promise.all([new Promise((r) => waiters.push(r)), new Promise((r) => waiters2.push(r)), new Promise((r) => waiters3.push(r))]);
        // each snapshot in its own buffer, as an acquisition sends it: Node-RED clones a message
        // wired to two nodes, and cloning a view copies the whole buffer under it (the file)
        for (const v of [v1, v2]) v.receive({ payload: { asset: rec.id, ts: tsOf(i), samples: snaps[i].slice(), fs: fsHz, unit: 'g', quantity: 'acceleration' } });
        await got;
        assert.deepStrictEqual(errors, [], `snapshot #${i} of ${rec.id}`);
        // rel-vibration's peak is max |x| of the raw samples (DC included) it used: all 2,560 when
        // zero-padded (v2), the first 2,048 when trimmed (v1, the default)
        const absMax = (len: number) => {
          let m = 0;
          for (let j = 0; j < len; j++) m = Math.max(m, Math.abs(snaps[i][j]));
          return m;
        };
        assert.strictEqual(ruls2[ruls2.length - 1].payload.features.peak, absMax(2560), `snapshot #${i} of ${rec.id}: peak (zero-padded)`);
        assert.strictEqual(ruls[ruls.length - 1].payload.features.peak, absMax(2048), `snapshot #${i} of ${rec.id}: peak (trimmed)`);
        if (i % 100 === 0) {
          const rss = process.memoryUsage.rss();
          maxRss = Math.max(maxRss, rss);
          assert.ok(rss < RSS_LIMIT, `snapshot #${i} of ${rec.id}: resident memory ${(rss / 2 ** 20).toFixed(0)} MB (limit ${RSS_LIMIT / 2 ** 20} MB)`);
        }
      }
      // the one-sided level rule on rel-vibration's RMS (as the runtime computed it), limits from
      // false-alarm budgets: 1 per 8 h and 1 per 168 h of healthy running, 3 in a row (rel-health's
      // dwell), learned over the first 100 snapshots (rel-health's learning), 360 readings an hour
      const vibRms: number[] = ruls2.slice(r20).map((m) => m.payload.features.rms);
      assert.strictEqual(vibRms.length, fed.length);
      const rule = (perHour: number): LevelRuleConfig => ({ perHour, persistence: 3, learn: 100, perHourReadings: 3600 / man.snapshot_interval_s });
      const lvl8 = levelRuleFires(vibRms, rule(1 / 8));
      const lvl168 = levelRuleFires(vibRms, rule(1 / 168));
      const lim = levelLimit(vibRms.slice(0, 100), rule(1 / 8));
      const mine = changes.slice(c0).filter((c) => c.payload.asset === rec.id);
      const idxOf = (ts: number) => Math.round((ts - T0) / dt);
      const alarms = mine.filter((c) => c.payload.to === 'alarm');
      const warns = mine.filter((c) => c.payload.to === 'warning');
      const early = alarms.filter((c) => idxOf(c.payload.ts) < tech.onset).length;
      const first = alarms.length ? idxOf(alarms[0].payload.ts) : -1;
      const firstWarn = warns.length ? idxOf(warns[0].payload.ts) : -1;
      const lead = (i: number) => (i < 0 ? 0 : ((last - i) * dt) / 1000);
      /**
       * rel-rul's outputs from snapshot `from` on, per point: closed intervals (rn, of which
       * rcovered hold the true remaining time), open ones (high Infinity: no significant trend,
       * the earliest crossing only; never a hit, ropenLow of them with the earliest crossing no
       * later than the truth) and none (rnulls); median width (min) and width / truth of the closed ones.
       */
      const rulScore = (list: any[], from: number) => {
        let n = 0;
        let covered = 0;
        let nulls = 0;
        let open = 0;
        let openLow = 0;
        let late = 0;
        const widthMin: number[] = [];
        const relWidth: number[] = [];
        for (const m of list) {
          const ts = m.payload.health.ts;
          if (idxOf(ts) < from) continue;
          const r = m.payload.rul;
          if (!r) {
            nulls++;
            continue;
          }
          const truth = (tEnd - ts) / 3.6e6;
          if (!Number.isFinite(r.high)) {
            open++;
            if (r.low <= truth) openLow++;
            continue;
          }
          n++;
          if (r.low <= truth && truth <= r.high) covered++;
          else if (truth < r.low) late++;
          widthMin.push((r.high - r.low) * 60);
          if (truth > 0) relWidth.push((r.high - r.low) / truth);
        }
        const points = n + open + nulls;
        return { rn: n, rcovered: covered, rnulls: nulls, ropen: open, ropenLow: openLow, rlate: late, rpoints: points, rcov: n ? covered / n : NaN, rpcov: points ? covered / points : NaN, rwidth: widthMin.length ? median(widthMin) : NaN, rrel: relWidth.length ? median(relWidth) : NaN, relWidth };
      };
      // rel-rul after the first alarm: coverage of the true remaining time and interval width
      let n = 0;
      let cov = 0;
      let nulls = 0;
      let open = 0;
      const width: number[] = [];
      const err: number[] = [];
      for (const m of ruls.slice(r0)) {
        const ts = m.payload.health.ts;
        if (first < 0 || idxOf(ts) < first) continue;
        const r = m.payload.rul;
        if (!r) {
          nulls++;
          continue;
        }
        if (!Number.isFinite(r.high)) {
          open++;
          continue;
        }
        const truth = (tEnd - ts) / 3.6e6;
        n++;
        if (r.low <= truth && truth <= r.high) cov++;
        width.push((r.high - r.low) * 60);
        err.push(Math.abs(r.hours - truth) * 60);
      }
      // rel-health with rule "level" (h2 -> rul2): its state changes and rel-rul after its first alarm
      const mine2 = changes2.slice(c20).filter((c) => c.payload.asset === rec.id);
      const alarms2 = mine2.filter((c) => c.payload.to === 'alarm');
      const warns2 = mine2.filter((c) => c.payload.to === 'warning');
      const lv = {
        first: alarms2.length ? idxOf(alarms2[0].payload.ts) : -1,
        firstWarn: warns2.length ? idxOf(warns2[0].payload.ts) : -1,
        early: alarms2.filter((c) => idxOf(c.payload.ts) < tech.onset).length,
        earlyWarn: warns2.filter((c) => idxOf(c.payload.ts) < tech.onset).length,
        limits: alarms2.length ? alarms2[0].payload.health.level : ruls2[ruls2.length - 1].payload.health.level,
        ...rulScore(ruls2.slice(r20), alarms2.length ? idxOf(alarms2[0].payload.ts) : Infinity),
      };
      assert.strictEqual(ruls2.length - r20, fed.length);
      assert.strictEqual(ruls3.length - r30, fed.length);
      // rel-rul on the peak to 20 g, scored on the same points (after the level chain's first alarm)
      const pk = rulScore(ruls3.slice(r30), lv.first >= 0 ? lv.first : Infinity);
      const peaks: number[] = ruls2.slice(r20).map((m) => m.payload.features.peak);
      const pkMax = Math.max(...peaks);
      const pkAt = fed[peaks.indexOf(pkMax)];
      const over20 = fed.filter((_, k) => peaks[k] >= 20);
      const row = {
        id: rec.id,
        snapshots: snaps.length,
        fed: fed.length,
        onset: tech.onset,
        techAlarm: tech.alarm,
        techLead: lead(tech.alarm),
        early,
        earlyWarn: warns.filter((c) => idxOf(c.payload.ts) < tech.onset).length,
        firstWarn,
        first,
        lead: lead(first),
        n,
        nulls,
        open,
        held: cov,
        cov: n ? cov / n : 0,
        medWidth: width.length ? median(width) : NaN,
        medErr: err.length ? median(err) : NaN,
        lvl8: lvl8.index,
        lv,
        lvl168: lvl168.index,
        pk,
        pkMax,
        pkAt,
        pkLast: peaks[peaks.length - 1],
        over20,
      };
      const line = `      ${row.id}: ${row.snapshots} snapshots (${row.fed} fed); onset #${row.onset}; technician alarm #${row.techAlarm} (lead ${row.techLead} s); rel-health first warning #${row.firstWarn}, first alarm #${row.first} (lead ${row.lead} s), alarms before onset ${row.early}, warnings before onset ${row.earlyWarn}; rel-rul after the alarm: ${row.n} closed intervals, ${row.open} open, ${row.nulls} null, coverage ${(100 * row.cov).toFixed(0)} % of the closed (level 90 %), per point ${(100 * row.held / Math.max(1, row.n + row.open + row.nulls)).toFixed(0)} %, median width ${row.medWidth.toFixed(1)} min, median |error| ${row.medErr.toFixed(1)} min`;
      console.log(line);
      console.log(`        level rule on RMS, offline (mean ${lim.mean.toFixed(3)} g, sd ${lim.sd.toFixed(4)} g over 100 snapshots): 1 false episode per 8 h -> limit ${lvl8.limit.toFixed(3)} g (alpha ${lim.alpha.toExponential(2)}), fires #${lvl8.index} (lead ${lead(lvl8.index)} s); per 168 h -> ${lvl168.limit.toFixed(3)} g, fires #${lvl168.index} (lead ${lead(lvl168.index)} s)`);
      console.log(`        rel-health rule "level" (node, 1 per 8 h): warning limit ${lv.limits?.warnLimit} g, alarm limit ${lv.limits?.alarmLimit} g; first warning #${lv.firstWarn}, first alarm #${lv.first} (lead ${lead(lv.first)} s), alarms before onset ${lv.early}, warnings before onset ${lv.earlyWarn}; technician #${tech.alarm} (lead ${lead(tech.alarm)} s); rel-rul after the alarm, per point: ${lv.rpoints} points, ${lv.rn} closed intervals, ${lv.ropen} open (earliest crossing no later than the truth on ${lv.ropenLow}), ${lv.rnulls} none; held ${lv.rcovered}: ${(100 * lv.rpcov).toFixed(0)} % of the points, ${(100 * lv.rcov).toFixed(0)} % of the closed intervals; median width ${lv.rwidth.toFixed(1)} min, median width / true remaining ${lv.rrel.toFixed(2)}`);
      console.log(`        rel-rul on the peak (max |x|), failure at 20 g, after the same alarm: ${pk.rpoints} points, ${pk.rn} closed (${pk.rcovered} held, ${pk.rlate} with the end before the interval), ${pk.ropen} open, ${pk.rnulls} none: ${(100 * pk.rpcov).toFixed(0)} % per point; median width ${pk.rwidth.toFixed(1)} min, width / true remaining ${pk.rrel.toFixed(2)}; snapshot peak: largest ${pkMax.toFixed(1)} g at #${pkAt} (${lead(pkAt)} s before the end), last ${row.pkLast.toFixed(1)} g, >= 20 g at [${over20.join(', ')}]`);
      if (alarms.length) console.log(`        first alarm evidence: ${alarms[0].payload.evidence}`);
      rows.push(row);
    }
    console.log(`      largest resident memory seen: ${(maxRss / 2 ** 20).toFixed(0)} MB`);
    // rel-health rule "level" -> rel-rul level indicator, pooled over the bearings
    const sum = (k: 'rn' | 'rcovered' | 'rnulls' | 'ropen' | 'ropenLow' | 'rpoints') => rows.reduce((a, r) => a + r.lv[k], 0);
    const pooledN = sum('rn');
    const pooledCov = sum('rcovered') / Math.max(1, pooledN);
    const pooledRel = median(rows.flatMap((r) => r.lv.relWidth));
    // per point after the alarm: an open interval (no upper bound) and no interval are misses
    const pooledPoints = sum('rpoints');
    const pooledPointCov = sum('rcovered') / Math.max(1, pooledPoints);
    console.log(
      `      rule "level" -> rel-rul level, pooled after the first alarm: per point ${(100 * pooledPointCov).toFixed(0)} % (${sum('rcovered')} of ${pooledPoints}; ${sum('ropen')} open, ${sum('rnulls')} none, both misses), ${(100 * pooledCov).toFixed(0)} % of the ${pooledN} closed intervals (level 90 %), median width / true remaining ${pooledRel.toFixed(2)}`,
    );
    // rel-rul on the peak to 20 g (evaluated, not adopted), pooled on the same points
    const psum = (k: 'rn' | 'rcovered' | 'rnulls' | 'ropen' | 'rlate' | 'rpoints') => rows.reduce((a, r) => a + r.pk[k], 0);
    const pkRel = median(rows.flatMap((r) => r.pk.relWidth));
    console.log(
      `      rel-rul on the peak to 20 g, pooled after the level chain's first alarm: per point ${(100 * psum('rcovered') / Math.max(1, psum('rpoints'))).toFixed(0)} % (${psum('rcovered')} of ${psum('rpoints')}; ${psum('rn')} closed, ${psum('rlate')} of them with the end before the interval; ${psum('ropen')} open, ${psum('rnulls')} none), median width / true remaining ${pkRel.toFixed(2)}`,
    );
    // What the defaults reach, asserted with a margin that catches regressions. Targets: no alarm
    // before the onset, first alarm no later than the technician. Reached on Bearing2_2 (no early
    // alarm) and Bearing3_1 (no early alarm; a warning, not an alarm, one snapshot after the
    // technician). Not reached on Bearing1_2 and Bearing3_2 (alarms before the RMS onset).
    const by = Object.fromEntries(rows.map((r) => [r.id, r]));
    const b12 = by.Bearing1_2;
    const b22 = by.Bearing2_2;
    const b31 = by.Bearing3_1;
    const b32 = by.Bearing3_2;
    assert.strictEqual(b22.early, 0, 'Bearing2_2: no alarm before the onset');
    assert.strictEqual(b31.early, 0, 'Bearing3_1: no alarm before the onset');
    assert.strictEqual(b31.earlyWarn + b22.earlyWarn, 0, 'no warning before the onset on Bearing2_2 / Bearing3_1');
    assert.ok(b22.first >= b22.onset && b22.first <= b22.techAlarm + 60, `Bearing2_2 first alarm #${b22.first}`);
    assert.ok(b22.firstWarn >= b22.onset && b22.firstWarn <= b22.techAlarm, `Bearing2_2 first warning #${b22.firstWarn} no later than the technician`);
    assert.ok(b31.firstWarn >= b31.onset && b31.firstWarn <= b31.techAlarm + 3, `Bearing3_1 first warning #${b31.firstWarn}`);
    assert.ok(b12.early <= 3 && b32.early <= 4, `alarms before the onset: Bearing1_2 ${b12.early}, Bearing3_2 ${b32.early}`);
    assert.ok(b12.first >= 100 && b32.first >= 100, 'no alarm while learning');
    // The level rule (docs/validation.md, FEMTO) on the zero-padded chain's RMS: never before the
    // onset on any bearing, at either budget; at 1 per 8 h no later than the technician on all four.
    for (const r of rows) assert.ok(r.lvl8 >= r.onset && r.lvl168 >= r.onset, `${r.id}: level rule before the onset (#${r.lvl8}, #${r.lvl168} < #${r.onset})`);
    for (const r of rows) assert.ok(r.lvl8 <= r.techAlarm, `${r.id}: level rule #${r.lvl8} after the technician #${r.techAlarm}`);
    // rel-health with rule "level" (through the node, default budget 1 per 8 h): no alarm before
    // the onset on any bearing, and no later than the technician on all four
    for (const r of rows) assert.ok(r.lv.early === 0 && r.lv.first >= r.onset, `${r.id}: rule "level" alarm #${r.lv.first} before the onset #${r.onset}`);
    for (const r of rows) assert.ok(r.lv.first >= 0 && r.lv.first <= r.techAlarm, `${r.id}: rule "level" alarm #${r.lv.first} after the technician #${r.techAlarm}`);
    // rel-rul on the level after that alarm (failure at 6.3 x the learned mean, 4.0-10, level 0.9,
    // the excess model), per point (an open interval or none is a miss): 58 % pooled (376 of 651)
    // at 1.18 x the remaining time; 81 % of the 465 closed intervals. Bearing2_2: 57 % (321 of
    // 559), 147 open while its level stalls at 1.8 x after a hump (the earliest crossing later
    // than the true end on 91 of them: the end comes by a jump); Bearing3_1: none on its 20 points
    // (it ends at 2.2 x, below the failure range); Bearing1_2 and 3_2: every closed interval holds.
    assert.ok(pooledN >= 400 && pooledCov >= 0.8, `pooled: ${pooledN} closed intervals, coverage ${pooledCov}`);
    assert.ok(pooledPoints >= 640 && pooledPointCov >= 0.52 && pooledRel <= 1.5, `per point: ${pooledPoints} points, coverage ${pooledPointCov}, width / truth ${pooledRel}`);
    assert.ok(b22.lv.rpoints >= 550 && b22.lv.rpcov >= 0.5 && b22.lv.rcov >= 0.75 && b22.lv.rrel <= 1.5, `Bearing2_2 level RUL: ${b22.lv.rcovered} of ${b22.lv.rpoints} points, ${b22.lv.rcov} of closed, width / truth ${b22.lv.rrel}`);
    assert.ok(b22.lv.ropen >= 100 && b22.lv.rnulls <= 5, `Bearing2_2: ${b22.lv.ropen} open, ${b22.lv.rnulls} none`);
    assert.ok(b12.lv.rn >= 20 && b12.lv.rcov >= 0.9 && b32.lv.rn >= 15 && b32.lv.rcov >= 0.9, `level RUL: Bearing1_2 ${b12.lv.rcov} of ${b12.lv.rn}, Bearing3_2 ${b32.lv.rcov} of ${b32.lv.rn}`);
    assert.strictEqual(b31.lv.rn + b31.lv.ropen, 0, 'Bearing3_1: no level RUL estimate');
    // The peak hypothesis (docs/validation.md, FEMTO, not adopted): the snapshots' peak shows the
    // 20 g stop on one bearing of four. Bearing1_2 and Bearing3_2 end below 20 g in every snapshot;
    // Bearing3_1 passes it (41 g) more than 20 snapshots before its end; Bearing2_2 in its last 10.
    assert.deepStrictEqual([b12.over20.length, b32.over20.length], [0, 0], 'no snapshot peak at 20 g on Bearing1_2 / Bearing3_2');
    assert.ok(b31.pkMax >= 20 && b31.pkAt <= b31.snapshots - 21 && b31.pkLast < 10, `Bearing3_1 peak ${b31.pkMax} g at #${b31.pkAt}, last ${b31.pkLast} g`);
    assert.ok(b22.over20.length >= 1 && b22.over20[0] >= b22.snapshots - 10, `Bearing2_2 peaks >= 20 g at ${b22.over20}`);
    // rel-rul on the peak to 20 g with the node's defaults, on the level chain's points: its
    // closed intervals end after the true end (a trend from 2-8 g does not foresee the jump);
    // 0 of 651 points held, 603 closed, every one late. A figure of the finding, not a target.
    assert.ok(psum('rpoints') === pooledPoints && psum('rn') >= 550, `peak: ${psum('rpoints')} points, ${psum('rn')} closed`);
    assert.ok(psum('rcovered') <= 0.1 * psum('rpoints') && psum('rlate') >= 0.9 * (psum('rn') - psum('rcovered')), `peak: held ${psum('rcovered')}, late ${psum('rlate')} of ${psum('rn')} closed`);
    // rel-rul after the first alarm (node defaults: failure at health 10, range 5-15, level 0.9)
    assert.ok(b22.n >= 300 && b22.cov >= 0.9 && b22.medWidth <= 200, `Bearing2_2 RUL: ${b22.n} estimates, coverage ${b22.cov}, width ${b22.medWidth} min`);
    assert.ok(b12.n >= 50 && b12.cov >= 0.2, `Bearing1_2 RUL: ${b12.n} estimates, coverage ${b12.cov}`);
    assert.ok(b32.n >= 100, `Bearing3_2 RUL: ${b32.n} estimates`);
  });
});
