/**
 * Bounded storage: retention and roll-up (nodes/core/store/housekeeping.ts), disk levels, online
 * backups and restore, on real SQLite files.
 */
import assert from 'assert';
import Database from 'better-sqlite3';
import fs from 'fs';
import path from 'path';
import { openStore, openConnections } from '../../nodes/core/store';
import { DAY_MS, DEFAULT_RETENTION, HOUR_MS, foldHours, housekeep, retentionSettings } from '../../nodes/core/store/housekeeping';
import { backupSqlite, listBackups, restoreSqlite } from '../../nodes/core/store/backup';
import { diskLevel } from '../../nodes/core/store/disk';
import { tmpDir } from '../helpers/red';
import { addRulPoint, listEvents, migrateCondition, recordEvent } from '../../nodes/core/condition/repo';
import { AndonRepo, OeeRepo, migrateJit } from '../../nodes/core/jit/repo';
import type { Store } from '../../nodes/core/store/types';

/**
 * Time of a query: median and minimum wall time and median CPU time of this process over `runs`
 * runs (the CPU time does not count the time other processes of a loaded machine hold the cores).
 */
async function timeQuery(runs: number, fn: (k: number) => unknown): Promise<{ wall: number; min: number; cpu: number }> {
  await fn(0); // warm the page cache and the statement cache
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let k = 0; k < runs; k++) {
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    await fn(k);
    wall.push(Number(process.hrtime.bigint() - t0) / 1e6);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  const med = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  return { wall: med([...wall]), min: Math.min(...wall), cpu: med(cpu) };
}

/** Run `n` writes in transactions of `chunk` (the repositories' functions, batched as a group commit would). */
async function batched(store: Store, n: number, chunk: number, write: (q: Parameters<Parameters<Store['tx']>[0]>[0], i: number) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < n; i += chunk) {
    await store.tx(async (q) => {
      for (let j = i; j < Math.min(n, i + chunk); j++) await write(q, j);
    });
  }
}

const HISTORY_DDL = `CREATE TABLE IF NOT EXISTS condition_history (
  asset TEXT NOT NULL, channel TEXT NOT NULL, metric TEXT NOT NULL, bucket INTEGER NOT NULL,
  n INTEGER NOT NULL, sum REAL NOT NULL, min REAL NOT NULL, max REAL NOT NULL, last REAL NOT NULL,
  PRIMARY KEY (asset, channel, metric, bucket))`;
const T_END = Date.UTC(2026, 11, 1);
const BUCKET = 10 * 60_000;

/** A year of 10-minute history buckets for `machines` machines x `metrics` metrics, written as rel-health would have. */
function fillYear(file: string, machines: number, metrics: string[], days = 365): number {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.exec(HISTORY_DDL);
  const ins = db.prepare('INSERT INTO condition_history (asset, channel, metric, bucket, n, sum, min, max, last) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)');
  let rows = 0;
  const start = T_END - days * DAY_MS;
  db.transaction(() => {
    for (let m = 0; m < machines; m++) {
      for (const metric of metrics) {
        for (let t = start; t < T_END; t += BUCKET) {
          const v = 80 + 10 * Math.sin(t / DAY_MS) + (m % 7);
          ins.run(`machine-${String(m).padStart(3, '0')}`, 'machine', metric, t, 10, 10 * v, v - 2, v + 2, v + 1);
          rows++;
        }
      }
    }
  })();
  db.close();
  return rows;
}

describe('store housekeeping', function () {
  this.timeout(300_000);

  it('folds whole hours: n and sum add up, min and max hold, last is the latest', function () {
    const h = HOUR_MS;
    const rows = [
      { bucket: 0, n: 2, sum: 10, min: 4, max: 6, last: 5 },
      { bucket: h / 2, n: 3, sum: 30, min: 1, max: 12, last: 11 },
      { bucket: h, n: 1, sum: 7, min: 7, max: 7, last: 7 },
    ];
    assert.deepStrictEqual(foldHours(rows), [
      { bucket: 0, n: 5, sum: 40, min: 1, max: 12, last: 11 },
      { bucket: h, n: 1, sum: 7, min: 7, max: 7, last: 7 },
    ]);
    assert.deepStrictEqual(foldHours(foldHours(rows)), foldHours(rows), 'idempotent');
  });

  it('checks retention settings and names the field', function () {
    assert.deepStrictEqual(retentionSettings({}), DEFAULT_RETENTION);
    assert.strictEqual(retentionSettings({ rawHistoryDays: '30' }).rawHistoryDays, 30);
    assert.throws(() => retentionSettings({ rawHistoryDays: -1 }), /^Error: retention rawHistoryDays: expected whole days from 0/);
    assert.throws(() => retentionSettings({ andonDays: '0x10' }), /retention andonDays/);
    assert.throws(() => retentionSettings({ rawHistoryDays: 90, hourlyHistoryDays: 30 }), /hourlyHistoryDays \(30\) must be at least rawHistoryDays/);
  });

  it('a year of history for 50 machines: raw kept 90 days, the rest hourly with the same totals; under budget; last 30 days read in < 50 ms', async function () {
    const dir = tmpDir('rel-hk-');
    const file = path.join(dir, 'year.db');
    const metrics = ['health', 'anomaly'];
    const written = fillYear(file, 50, metrics);
    const totals = (db: Database.Database) => db.prepare('SELECT COUNT(*) AS rows, SUM(n) AS n, SUM(sum) AS s, MIN(min) AS lo, MAX(max) AS hi FROM condition_history').get() as { rows: number; n: number; s: number; lo: number; hi: number };
    const raw = new Database(file, { readonly: true });
    const before = totals(raw);
    raw.close();
    assert.strictEqual(before.rows, written);

    const h = openStore(file);
    try {
      const t0 = Date.now();
      const rep = await housekeep(h.db, DEFAULT_RETENTION, T_END);
      const ms = Date.now() - t0;
      assert.strictEqual(rep.complete, true);
      const db = new Database(file, { readonly: true });
      const after = totals(db);
      const cut = T_END - 90 * DAY_MS;
      const rawLeft = (db.prepare('SELECT COUNT(*) AS c FROM condition_history WHERE bucket >= ?').get(cut) as { c: number }).c;
      const oldRows = db.prepare('SELECT bucket FROM condition_history WHERE bucket < ?').all(cut) as { bucket: number }[];
      // 30 days of one machine, 9 runs over 9 machines: stream by stream (a chart of each metric:
      // a range of the primary key), and all its metrics in one query (the asset-wide read, which
      // walks every row of the machine and sorts)
      let recent: unknown[] = [];
      const stream = db.prepare('SELECT bucket, n, sum, min, max, last FROM condition_history WHERE asset = ? AND channel = ? AND metric = ? AND bucket > ? AND bucket <= ? ORDER BY bucket');
      const qt = await timeQuery(9, (k) => (recent = metrics.flatMap((m) => stream.all(`machine-00${k}`, 'machine', m, T_END - 30 * DAY_MS, T_END))));
      const wide = db.prepare('SELECT metric, bucket, n, sum, min, max, last FROM condition_history WHERE asset = ? AND bucket > ? AND bucket <= ? ORDER BY bucket');
      const wt = await timeQuery(9, (k) => wide.all(`machine-00${k}`, T_END - 30 * DAY_MS, T_END));
      const queryMs = qt.wall;
      db.close();
      assert.strictEqual(rawLeft, 50 * metrics.length * 90 * 144, 'the last 90 days keep their 10-minute resolution');
      assert.ok(oldRows.every((r) => r.bucket % HOUR_MS === 0), 'older rows are hourly');
      assert.strictEqual(oldRows.length, 50 * metrics.length * 275 * 24);
      assert.strictEqual(after.n, before.n, 'no sample lost in the roll-up');
      assert.ok(Math.abs(after.s - before.s) / before.s < 1e-12, 'sums kept');
      assert.strictEqual(after.lo, before.lo);
      assert.strictEqual(after.hi, before.hi);
      assert.strictEqual(recent.length, metrics.length * (30 * 144 - 1), 'the 30 days after the first bucket');
      // A second run at the same time changes nothing.
      const again = await housekeep(h.db, DEFAULT_RETENTION, T_END);
      assert.strictEqual(again.rolledUp, 0);
      h.release();
      // Size: the file after VACUUM (what the data needs) against the documented budget.
      const v = new Database(file);
      v.exec('VACUUM');
      v.close();
      const mb = fs.statSync(file).size / 1024 ** 2;
      const perMachine = mb / 50;
      console.log(`      history of 50 machines x ${metrics.length} metrics, 1 year: ${written.toLocaleString('en-US')} rows -> ${after.rows.toLocaleString('en-US')}; ${mb.toFixed(1)} MB (${perMachine.toFixed(2)} MB per machine); housekeeping ${ms} ms; 30 days of one machine (${recent.length} rows), median of 9: by stream ${queryMs.toFixed(1)} ms wall (fastest ${qt.min.toFixed(1)}, CPU ${qt.cpu.toFixed(1)}), all metrics in one query ${wt.wall.toFixed(1)} ms wall (fastest ${wt.min.toFixed(1)}, CPU ${wt.cpu.toFixed(1)}); load average ${require('os').loadavg()[0].toFixed(1)}`);
      assert.ok(perMachine < 5, `${perMachine.toFixed(2)} MB per machine-year over the 5 MB budget`);
      // on a loaded machine the wall time includes waiting for a core: the CPU time is the query's own
      assert.ok(qt.cpu < 50, `30-day query ${queryMs.toFixed(1)} ms wall, ${qt.min.toFixed(1)} ms fastest, ${qt.cpu.toFixed(1)} ms CPU`);
    } finally {
      if (openConnections().some((c) => c.file.endsWith('year.db'))) h.release();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a year of the other records of 50 machines (condition events, RUL points, Andon calls, OEE shifts) through the repositories: RUL points kept 90 days, the rest 5 years; under budget; last 30 days read in < 50 ms', async function () {
    const dir = tmpDir('rel-hk-');
    const file = path.join(dir, 'records.db');
    const h = openStore(file);
    try {
      await migrateCondition(h.db);
      await migrateJit(h.db);
      const M = 50;
      const start = T_END - 365 * DAY_MS;
      const machine = (m: number) => `machine-${String(m).padStart(3, '0')}`;
      const t0 = Date.now();
      // 4 state changes a day per machine, with the contributors rel-health records
      const EVENTS = M * 365 * 4;
      await batched(h.db, EVENTS, 5000, (q, i) =>
        recordEvent(q, { asset: machine(i % M), channel: 'features', ts: start + Math.floor(i / M) * 6 * HOUR_MS, kind: 'state', from: i % 2 ? 'warning' : 'normal', to: i % 2 ? 'normal' : 'warning', health: 70 + (i % 20), anomaly: 2.5, detail: { contributors: [{ feature: 'rms', z: 3.1 }, { feature: 'kurtosis', z: 2.2 }] } }),
      );
      // an RUL trend point an hour per machine
      const RUL = M * 365 * 24;
      await batched(h.db, RUL, 10000, (q, i) => addRulPoint(q, 'rul:n1', machine(i % M), 'features', start + Math.floor(i / M) * HOUR_MS, 80 - (i % 1000) / 100));
      // 3 Andon calls a day per station, resolved; 3 shift records a day per machine
      const andon = new AndonRepo('andon:n1');
      const CALLS = M * 365 * 3;
      await batched(h.db, CALLS, 5000, (q, i) => {
        const at = start + Math.floor(i / M) * 8 * HOUR_MS;
        return andon.insert(q, { station: machine(i % M), kind: 'quality', text: 'scrap above limit', source: 'operator', state: 'resolved', level: 1, raisedAt: at, ackedAt: at + 60_000, ackedBy: 'op', resolvedAt: at + 600_000, resolvedBy: 'op', note: null, lineStop: false, escalations: [{ level: 1, at: at + 120_000 }] } as never);
      });
      const oee = new OeeRepo('oee:n1');
      await batched(h.db, CALLS, 5000, (q, i) => {
        const s0 = start + Math.floor(i / M) * 8 * HOUR_MS;
        const rec = { asset: machine(i % M), shift: `S${(Math.floor(i / M) % 3) + 1}@${new Date(s0).toISOString().slice(0, 10)}`, name: 'early', day: new Date(s0).toISOString().slice(0, 10), start: s0, end: s0 + 8 * HOUR_MS, runMs: 6.5 * HOUR_MS, stoppedMs: 0.5 * HOUR_MS, idleMs: 0.5 * HOUR_MS, plannedStopMs: 0, unknownMs: 0, breakMs: 0.5 * HOUR_MS, good: 700, total: 720, idealMs: 6 * HOUR_MS, downByReason: { jam: 1_200_000, changeover: 600_000 } };
        return oee.save(q, rec, s0 + 8 * HOUR_MS);
      });
      const writeMs = Date.now() - t0;
      const rep = await housekeep(h.db, DEFAULT_RETENTION, T_END);
      assert.strictEqual(rep.complete, true);
      const count = async (t: string) => (await h.db.one<{ c: number }>(`SELECT COUNT(*) AS c FROM ${t}`))!.c;
      assert.strictEqual(rep.deleted.condition_rul_points, RUL - M * 90 * 24, 'RUL points older than 90 days removed');
      assert.strictEqual(await count('condition_rul_points'), M * 90 * 24);
      assert.strictEqual(await count('condition_events'), EVENTS, 'events kept 5 years');
      assert.strictEqual(await count('jit_andon_call'), CALLS, 'resolved calls kept 5 years');
      assert.strictEqual(await count('jit_oee_shift'), CALLS, 'shift records kept 5 years');
      // the last 30 days of one machine, as the nodes read them
      let ev: unknown[] = [];
      let sh: unknown[] = [];
      const evq = await timeQuery(9, async (k) => (ev = await listEvents(h.db, machine(k), T_END - 30 * DAY_MS, T_END)));
      const shq = await timeQuery(9, async (k) => (sh = await oee.range(h.db, machine(k), T_END - 30 * DAY_MS, T_END)));
      assert.strictEqual(ev.length, 30 * 4);
      assert.strictEqual(sh.length, 30 * 3);
      h.release();
      const v = new Database(file);
      v.exec('VACUUM');
      v.close();
      const mb = fs.statSync(file).size / 1024 ** 2;
      console.log(
        `      records of 50 machines, 1 year: ${EVENTS.toLocaleString('en-US')} events, ${RUL.toLocaleString('en-US')} RUL points (${(M * 90 * 24).toLocaleString('en-US')} left), ${CALLS.toLocaleString('en-US')} Andon calls, ${CALLS.toLocaleString('en-US')} shift records written in ${writeMs} ms; ` +
          `${mb.toFixed(1)} MB after pruning (${(mb / M).toFixed(2)} MB per machine); housekeeping ${rep.ms} ms; 30 days of one machine: events ${evq.wall.toFixed(1)} ms (fastest ${evq.min.toFixed(1)}, CPU ${evq.cpu.toFixed(1)}), shifts ${shq.wall.toFixed(1)} ms (fastest ${shq.min.toFixed(1)}, CPU ${shq.cpu.toFixed(1)}), median of 9; load average ${require('os').loadavg()[0].toFixed(1)}`,
      );
      assert.ok(mb / M < 1.5, `${(mb / M).toFixed(2)} MB per machine-year over the 1.5 MB budget of these records`);
      for (const [what, t] of [['events', evq], ['shifts', shq]] as const) assert.ok(t.cpu < 50, `${what}: ${t.wall.toFixed(1)} ms wall, ${t.min.toFixed(1)} fastest, ${t.cpu.toFixed(1)} CPU`);
    } finally {
      if (openConnections().some((c) => c.file.endsWith('records.db'))) h.release();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('drops hourly history after its retention and resolved Andon calls after theirs; work orders stay', async function () {
    const dir = tmpDir('rel-hk-');
    const file = path.join(dir, 'old.db');
    fillYear(file, 1, ['health'], 40);
    const db = new Database(file);
    db.exec(`CREATE TABLE jit_andon_call (id INTEGER PRIMARY KEY AUTOINCREMENT, state TEXT NOT NULL, resolved_at INTEGER)`);
    db.exec(`CREATE TABLE cmms_work_orders (id INTEGER PRIMARY KEY AUTOINCREMENT, done_at INTEGER)`);
    const old = T_END - 100 * DAY_MS;
    db.prepare("INSERT INTO jit_andon_call (state, resolved_at) VALUES ('resolved', ?), ('open', NULL), ('resolved', ?)").run(old, T_END - DAY_MS);
    db.prepare('INSERT INTO cmms_work_orders (done_at) VALUES (?)').run(old);
    db.close();
    const h = openStore(file);
    try {
      const rep = await housekeep(h.db, retentionSettings({ rawHistoryDays: 10, hourlyHistoryDays: 30, andonDays: 30 }), T_END, { batch: 100 });
      assert.strictEqual(rep.deleted.jit_andon_call, 1);
      assert.ok((rep.deleted.condition_history ?? 0) > 0);
      const left = await h.db.one<{ lo: number }>('SELECT MIN(bucket) AS lo FROM condition_history');
      assert.ok(left!.lo >= T_END - 30 * DAY_MS, 'nothing older than 30 days');
      assert.strictEqual((await h.db.all('SELECT id FROM jit_andon_call')).length, 2, 'open and recent calls stay');
      assert.strictEqual((await h.db.all('SELECT id FROM cmms_work_orders')).length, 1, 'maintenance records are kept forever');
    } finally {
      h.release();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('stops at its time budget and goes on where it stopped', async function () {
    const dir = tmpDir('rel-hk-');
    const file = path.join(dir, 'b.db');
    fillYear(file, 5, ['health'], 200);
    const h = openStore(file);
    try {
      let t = 0;
      const clock = () => (t += 2); // every look at the clock is 2 ms later
      let runs = 0;
      let rep;
      do {
        rep = await housekeep(h.db, DEFAULT_RETENTION, T_END, { budgetMs: 100, clock, batch: 500 });
        runs++;
      } while (!rep.complete && runs < 200);
      assert.ok(runs > 1, 'needed several runs');
      assert.ok(rep.complete);
      const stale = await h.db.one<{ c: number }>('SELECT COUNT(*) AS c FROM condition_history WHERE bucket < ? AND bucket % 3600000 <> 0', [T_END - 90 * DAY_MS]);
      console.log(`      ${runs} runs of at most 100 ms (fake clock)`);
      assert.strictEqual(stale!.c, 0, 'all old rows rolled up in the end');
    } finally {
      h.release();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('disk levels: a 100 GB disk warns at 10 GB free, a 2 GB card at 500 MB; critical at 2 GB and 200 MB', function () {
    const G = 1e9;
    assert.strictEqual(diskLevel(11 * G, 100 * G).level, 'ok');
    assert.strictEqual(diskLevel(9 * G, 100 * G).level, 'low');
    assert.strictEqual(diskLevel(1.9 * G, 100 * G).level, 'critical');
    assert.strictEqual(diskLevel(0.6 * G, 2 * G).level, 'ok');
    assert.strictEqual(diskLevel(0.45 * G, 2 * G).level, 'low');
    assert.strictEqual(diskLevel(0.19 * G, 2 * G).level, 'critical');
    assert.match(diskLevel(9 * G, 100 * G).text, /^8\.4 GiB free of 93\.1 GiB \(9\.0 %\)$/);
  });

  it('online backup while writing, old copies pruned, restore brings the data back', async function () {
    const dir = tmpDir('rel-bk-');
    const file = path.join(dir, 'reliability.db');
    const backups = path.join(dir, 'backups');
    const h = openStore(file);
    await h.db.run('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)');
    for (let i = 0; i < 1000; i++) await h.db.run('INSERT INTO t (v) VALUES (?)', [`row ${i}`]);
    // Writes go on while the copy is made.
    const writing = (async () => {
      for (let i = 0; i < 200; i++) await h.db.run('INSERT INTO t (v) VALUES (?)', ['during']);
    })();
    const made: Awaited<ReturnType<typeof backupSqlite>>[] = [];
    for (let k = 0; k < 4; k++) made.push(await backupSqlite(file, backups, { keep: 3, now: T_END + k * 1000 }));
    await writing;
    assert.strictEqual(listBackups(file, backups).length, 3, 'keeps the newest 3');
    assert.deepStrictEqual(made[3]!.removed.map((f) => path.basename(f)), ['reliability-20261201T000000Z.db']);
    const copy = new Database(made[1]!.file, { readonly: true });
    const n = (copy.prepare('SELECT COUNT(*) AS c FROM t').get() as { c: number }).c;
    copy.close();
    assert.ok(n >= 1000 && n <= 1200, `a consistent copy (${n} rows)`);
    assert.throws(() => restoreSqlite(made[3]!.file, file, (f) => openConnections().some((c) => c.file === f)), /is open; stop Node-RED/);
    await h.db.run('DELETE FROM t');
    h.release();
    restoreSqlite(made[3]!.file, file, (f) => openConnections().some((c) => c.file === f));
    const h2 = openStore(file);
    try {
      const c = await h2.db.one<{ c: number }>('SELECT COUNT(*) AS c FROM t');
      assert.ok(c!.c >= 1000, `restored ${c!.c} rows`);
      assert.ok(fs.existsSync(`${file}.before-restore`), 'the replaced file is kept');
    } finally {
      h2.release();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
