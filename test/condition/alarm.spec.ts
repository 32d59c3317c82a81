import assert from 'assert';
import path from 'path';
import { DEFAULT_ALARM, initialAlarm, runsOf, stepAlarm, type AlarmConfig, type AlarmLevel, type AlarmState } from '../../nodes/core/condition/alarm';
import { DEFAULT_MACHINE, MachineScorer, persistenceOf, type MachineConfig } from '../../nodes/core/condition/machine';
import { MachineRepo } from '../../nodes/core/condition/machine-repo';
import { loadStream, migrateCondition, saveStream } from '../../nodes/core/condition/repo';
import { openStore } from '../../nodes/core/store';
import { tmpDir } from '../helpers/red';
import { ScalarMachine } from './scalar-machine';

// Defaults: warning below 85, alarm below 70, clear 5 points above.
const N = 95; // normal
const W = 80; // warning
const A = 60; // alarm

/** Feed readings every `dtMs` from ts 0; the changes as "index:to". */
function changes(healths: number[], c: AlarmConfig = DEFAULT_ALARM, start: AlarmState = initialAlarm(0), dtMs = 1000): { changes: string[]; state: AlarmState } {
  let st = start;
  const out: string[] = [];
  healths.forEach((h, i) => {
    const r = stepAlarm(st, h, i * dtMs, c);
    st = r.next;
    if (r.change) out.push(`${i}:${r.change.to}`);
  });
  return { changes: out, state: st };
}

const RANK: Record<AlarmLevel, number> = { normal: 0, warning: 1, alarm: 2 };
const LEVELS: AlarmLevel[] = ['normal', 'warning', 'alarm'];

/** Whether a reading counts for a run of `level` (worse than the state: raw level; better: cleared with hysteresis). */
function counts(h: number, level: AlarmLevel, worse: boolean, c: AlarmConfig): boolean {
  if (worse) return level === 'alarm' ? h < c.alarmBelow : h < c.warnBelow;
  return level === 'warning' ? h >= c.alarmBelow + c.hysteresis : h >= c.warnBelow + c.hysteresis;
}

/** The definition, by brute force over the last dwellFrames readings (dwellMs 0). */
function reference(healths: number[], c: AlarmConfig): string[] {
  let state: AlarmLevel = 'normal';
  const out: string[] = [];
  for (let i = 0; i < healths.length; i++) {
    if (i + 1 < c.dwellFrames) continue;
    const window = healths.slice(i + 1 - c.dwellFrames, i + 1);
    const held = LEVELS.filter((l) => l !== state && window.every((h) => counts(h, l, RANK[l] > RANK[state], c)));
    if (!held.length) continue;
    const worse = held.filter((l) => RANK[l] > RANK[state]);
    const to = worse.length ? worse[worse.length - 1] : held[0];
    out.push(`${i}:${to}`);
    state = to;
  }
  return out;
}

describe('alarm states: dwell per level', () => {
  it('warning, alarm, alarm, alarm (dwell 3): warning at the 3rd reading, alarm at the 4th, when alarm has held 3 in a row', () => {
    assert.deepStrictEqual(changes([W, A, A, A]).changes, ['2:warning', '3:alarm']);
    // three alarm readings go straight to alarm, no warning on the way
    assert.deepStrictEqual(changes([A, A, A]).changes, ['2:alarm']);
    // two alarm readings then warnings: warning at the 3rd, the alarm run broken
    assert.deepStrictEqual(changes([A, A, W, A, A, W]).changes, ['2:warning']);
    // a bare "3 in a row below 70" fires where the state machine enters alarm
    const seq = [N, W, W, A, W, A, A, A, A, N];
    const bare = seq.findIndex((_, i) => i >= 2 && seq.slice(i - 2, i + 1).every((h) => h < 70));
    assert.strictEqual(bare, 7);
    assert.deepStrictEqual(changes(seq).changes, ['3:warning', '7:alarm']);
  });

  it('improving with hysteresis: the best level held is entered, readings inside the hysteresis band break the run', () => {
    const inAlarm = changes([A, A, A]).state;
    assert.strictEqual(inAlarm.state, 'alarm');
    // 72 asks for warning but is not 5 points above 70: stays alarm and breaks the run;
    // 88 asks for normal but is not 5 points above 85: counts for warning only
    assert.deepStrictEqual(changes([72, W, W, 88, N, N, N], DEFAULT_ALARM, inAlarm).changes, ['3:warning', '6:normal']);
    // straight back to normal when normal holds from the start
    assert.deepStrictEqual(changes([N, N, N], DEFAULT_ALARM, inAlarm).changes, ['2:normal']);
    // warning, normal, normal, normal: warning at the 3rd, normal at the 4th (its run goes on)
    assert.deepStrictEqual(changes([W, N, N, N], DEFAULT_ALARM, inAlarm).changes, ['2:warning', '3:normal']);
    // in warning: 88 (normal, within hysteresis) breaks the run to normal
    const inWarning = changes([W, W, W]).state;
    assert.strictEqual(inWarning.state, 'warning');
    assert.deepStrictEqual(changes([N, 88, N, N, N], DEFAULT_ALARM, inWarning).changes, ['4:normal']);
    // a larger hysteresis moves the bands
    const wide = { ...DEFAULT_ALARM, hysteresis: 12 };
    assert.deepStrictEqual(changes([A, A, A, 81, 81, 81, N, 96, 97], wide).changes, ['2:alarm', '8:warning']);
    assert.deepStrictEqual(changes([A, A, A, 82, 82, 82, 97, 97, 97], wide).changes, ['2:alarm', '5:warning', '8:normal']);
  });

  it('dwellMs: each level must also hold that long from the first reading of its own run', () => {
    const c = { ...DEFAULT_ALARM, dwellFrames: 3, dwellMs: 10_000 };
    // readings every 2 s: warning run from 0 s holds 10 s at #5; alarm run from 2 s at #6
    assert.deepStrictEqual(changes([W, A, A, A, A, A, A, A], c, initialAlarm(0), 2000).changes, ['5:warning', '6:alarm']);
    // readings every 10 s: the count decides (3 readings), 20 s > 10 s
    assert.deepStrictEqual(changes([W, A, A, A], c, initialAlarm(0), 10_000).changes, ['2:warning', '3:alarm']);
    // a break restarts the time too
    assert.deepStrictEqual(changes([A, A, A, A, N, A, A, A, A, A, A], c, initialAlarm(0), 2000).changes, ['10:alarm']);
  });

  it('mixed sequences: a reading at the current state or on the other side breaks the runs', () => {
    assert.deepStrictEqual(changes([W, A, N, A, A, A]).changes, ['5:alarm']);
    const inWarning = changes([W, W, W]).state;
    assert.deepStrictEqual(changes([A, N, A, A, A], DEFAULT_ALARM, inWarning).changes, ['4:alarm']);
    assert.deepStrictEqual(changes([A, W, A, A, N, N, N], DEFAULT_ALARM, inWarning).changes, ['6:normal']);
    // dwell 1: every reading enters what it asks for
    assert.deepStrictEqual(changes([W, A, W, N], { ...DEFAULT_ALARM, dwellFrames: 1 }).changes, ['0:warning', '1:alarm', '2:warning', '3:normal']);
  });

  it('matches the definition (last dwellFrames readings per level) on 2,000 random sequences', () => {
    let seed = 12345;
    const rand = (): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    const pool = [N, 92, 88, 86, 84, W, 76, 73, 71, 69, A];
    for (let k = 0; k < 2000; k++) {
      const c = { ...DEFAULT_ALARM, dwellFrames: 1 + Math.floor(rand() * 5) };
      // runs of the same value, so dwells can hold
      const seq: number[] = [];
      while (seq.length < 60) {
        const h = pool[Math.floor(rand() * pool.length)];
        for (let n = Math.floor(rand() * 6); n >= 0; n--) seq.push(h);
      }
      // a JSON round trip at every reading (as stored) changes nothing
      let st = initialAlarm(0);
      const got: string[] = [];
      seq.forEach((h, i) => {
        const r = stepAlarm(JSON.parse(JSON.stringify(st)), h, i * 1000, c);
        st = r.next;
        if (r.change) got.push(`${i}:${r.change.to}`);
      });
      assert.deepStrictEqual(got, reference(seq, c), `dwell ${c.dwellFrames}: ${seq.join(',')}`);
      assert.deepStrictEqual(changes(seq, c).changes, got);
    }
  });

  it('states stored by earlier versions (one pending run, no runs per level) load and go on', () => {
    // normal, two readings worse seen, the mildest warning: written by an earlier version
    const old = JSON.parse('{"state":"normal","since":0,"announced":"normal","pendingDir":1,"pendingLevel":"warning","pendingCount":2,"pendingSince":1000}') as AlarmState;
    assert.deepStrictEqual(runsOf(old), { warning: { count: 2, since: 1000 } });
    let r = stepAlarm(old, A, 3000, DEFAULT_ALARM);
    assert.deepStrictEqual(r.change, { from: 'normal', to: 'warning' });
    r = stepAlarm(r.next, A, 4000, DEFAULT_ALARM);
    assert.strictEqual(r.change, undefined);
    r = stepAlarm(r.next, A, 5000, DEFAULT_ALARM);
    assert.deepStrictEqual(r.change, { from: 'warning', to: 'alarm' });
    // the mildest level seen was alarm: both levels held that run
    const oldAlarm = { ...old, pendingLevel: 'alarm' as const };
    assert.deepStrictEqual(stepAlarm(oldAlarm, A, 3000, DEFAULT_ALARM).change, { from: 'normal', to: 'alarm' });
    // improving, from alarm: the levels from warning down to the mildest seen
    const oldBetter = { ...old, state: 'alarm' as const, announced: 'alarm' as const, pendingDir: -1, pendingLevel: 'warning' as const };
    assert.deepStrictEqual(runsOf(oldBetter), { warning: { count: 2, since: 1000 } });
    assert.deepStrictEqual(stepAlarm(oldBetter, N, 3000, DEFAULT_ALARM).change, { from: 'alarm', to: 'warning' });
    // nothing pending
    const idle = JSON.parse('{"state":"warning","since":0,"announced":"warning","pendingDir":0,"pendingLevel":"warning","pendingCount":0,"pendingSince":0}') as AlarmState;
    assert.deepStrictEqual(runsOf(idle), {});
    assert.deepStrictEqual(changes([A, A, A], DEFAULT_ALARM, idle).changes, ['2:alarm']);
    // what this version stores still reads as before in the pending fields (an earlier version going on)
    const now = changes([W, A]).state;
    assert.deepStrictEqual([now.pendingDir, now.pendingLevel, now.pendingCount, now.pendingSince], [1, 'warning', 2, 0]);
    const both = changes([A, A]).state;
    assert.deepStrictEqual([both.pendingDir, both.pendingLevel, both.pendingCount], [1, 'alarm', 2]);
    assert.deepStrictEqual(runsOf({ ...both, runs: undefined }), both.runs, 'the pending fields carry the runs back');
  });

  it('runs an earlier version carried along untouched (rollback, then upgrade) give way to its pending fields', () => {
    // this version stored two warning readings in a row
    const stored = changes([W, W]).state;
    assert.deepStrictEqual(stored.runs, { warning: { count: 2, since: 0 } });
    // an earlier version then saw normal readings: it reset the pending fields, copied runs as they were
    const stale: AlarmState = { ...stored, pendingDir: 0, pendingLevel: 'normal', pendingCount: 0, pendingSince: 5000 };
    assert.deepStrictEqual(runsOf(stale), {}, 'the stale runs are not trusted');
    // one warning reading is one, not three: no change yet
    assert.strictEqual(stepAlarm(stale, W, 6000, DEFAULT_ALARM).change, undefined);
    assert.deepStrictEqual(changes([W, W, W], DEFAULT_ALARM, stale).changes, ['2:warning']);
    // runs that agree with the pending fields are kept as stored
    assert.deepStrictEqual(runsOf(stored), stored.runs);
  });

  it('an earlier version\'s state in the SQLite file: a stream row and a machine row load and go on', async function () {
    this.timeout(60_000);
    const h = openStore(path.join(tmpDir(), 'alarm-old.db'));
    try {
      await migrateCondition(h.local);
      // a stream row as an earlier version saved it
      const oldJson = '{"state":"normal","since":0,"announced":"normal","pendingDir":1,"pendingLevel":"warning","pendingCount":2,"pendingSince":1000}';
      await h.local.run(
        'INSERT INTO condition_streams (asset, channel, kind, features, status, learn_n, learn_start, model, alarm, last_ts, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
        ['pump-1', 'de', 'features', '["rms"]', 'ready', 100, 0, null, oldJson, 2000, 2000],
      );
      const row = (await loadStream(h.local, 'pump-1', 'de'))!;
      const r = stepAlarm(row.alarm!, W, 3000, DEFAULT_ALARM);
      assert.deepStrictEqual(r.change, { from: 'normal', to: 'warning' });
      await saveStream(h.local, { ...row, alarm: r.next }, 3000);
      assert.strictEqual((await loadStream(h.local, 'pump-1', 'de'))!.alarm!.state, 'warning');

      // a machine row: the same polls from the state as stored now and from it without runs
      const cfg: MachineConfig = { ...DEFAULT_MACHINE, machineClass: 'iso10816-3:group2:rigid', learnMode: 'readings', learnReadings: 300 };
      const k = persistenceOf(cfg);
      const repo = new MachineRepo(h.local);
      const m = MachineScorer.create('pump-7', cfg);
      const sim = new ScalarMachine();
      let t = Date.UTC(2026, 0, 5, 6);
      for (let i = 0; i < 302; i++, t += 1000) m.poll(sim.poll(t, { running: true, velocity: i >= 300 ? 5.2 : 1.2 }), t);
      assert.deepStrictEqual(m.snapshot().alarm.runs, { warning: { count: 2, since: t - 2000 }, alarm: { count: 2, since: t - 2000 } });
      await repo.save(m, t);
      const stored = await h.local.one<{ state: string }>('SELECT state FROM condition_machines WHERE asset = ?', ['pump-7']);
      const st = JSON.parse(stored!.state);
      delete st.alarm.runs;
      const fresh = (await new MachineRepo(h.local).load('pump-7', cfg))!;
      await h.local.run('UPDATE condition_machines SET state = ? WHERE asset = ?', [JSON.stringify(st), 'pump-7']);
      const older = (await new MachineRepo(h.local).load('pump-7', cfg))!;
      assert.strictEqual(older.snapshot().alarm.runs, undefined);
      const states: string[] = [];
      for (let i = 0; i < k; i++, t += 1000) {
        const p = sim.poll(t, { running: true, velocity: 5.2 });
        const a = fresh.poll(p, t).health;
        const b = older.poll(p, t).health;
        assert.deepStrictEqual(b, a);
        states.push(a.state);
      }
      assert.strictEqual(states[k - 3], 'alarm', `alarm after ${k} polls in zone D: ${states.join(',')}`);
      assert.deepStrictEqual(older.snapshot().alarm.runs, {});
    } finally {
      h.release();
    }
  });
});
