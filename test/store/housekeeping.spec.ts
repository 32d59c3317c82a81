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
      // 30-day query as the dashboards make it: one asset, all metrics.
      const times: number[] = [];
      let recent: unknown[] = [];
      for (let k = 0; k < 5; k++) {
        const q0 = process.hrtime.bigint();
        recent = db.prepare('SELECT metric, bucket, n, sum, min, max, last FROM condition_history WHERE asset = ? AND bucket > ? AND bucket <= ? ORDER BY bucket').all(`machine-00${k}`, T_END - 30 * DAY_MS, T_END);
        times.push(Number(process.hrtime.bigint() - q0) / 1e6);
      }
      const queryMs = times.sort((a, b) => a - b)[2]!;
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
      console.log(`      history of 50 machines x ${metrics.length} metrics, 1 year: ${written.toLocaleString('en-US')} rows -> ${after.rows.toLocaleString('en-US')}; ${mb.toFixed(1)} MB (${perMachine.toFixed(2)} MB per machine); housekeeping ${ms} ms; 30-day query of one machine ${queryMs.toFixed(1)} ms (median of 5), ${recent.length} rows`);
      assert.ok(perMachine < 5, `${perMachine.toFixed(2)} MB per machine-year over the 5 MB budget`);
      assert.ok(queryMs < 50, `30-day query ${queryMs.toFixed(1)} ms`);
    } finally {
      if (openConnections().some((c) => c.file.endsWith('year.db'))) h.release();
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
