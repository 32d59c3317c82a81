/**
 * Storage that stays bounded: retention per kind of data, pruning in small transactions off the
 * hot path, and SQLite's incremental vacuum. Maintenance records (work orders and their history,
 * stock moves, reservations, PM plans, the register) are kept forever; what grows with time and
 * machines is thinned:
 *
 * | data                                   | default                                  |
 * | -------------------------------------- | ---------------------------------------- |
 * | condition history at its own resolution | 90 days, then rolled up into hourly rows |
 * | hourly condition history               | 5 years                                  |
 * | condition events (state changes ...)    | 5 years                                  |
 * | RUL trend points                        | 90 days                                  |
 * | resolved Andon calls                   | 5 years                                  |
 * | OEE shift records                       | 5 years                                  |
 *
 * A value of 0 keeps that data forever. Every step works on one stream (or a few hundred rows) per
 * transaction and yields to the event loop between steps, so readings keep flowing while it runs.
 * Portable SQL (row values, no rowid), so it runs on SQLite and PostgreSQL alike.
 */
import type { Query, Store } from './types';

export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

export interface RetentionSettings {
  /** Condition history at the resolution it was recorded (10 min by default), days. */
  rawHistoryDays: number;
  /** Hourly condition history (what the raw rows are rolled into), days. */
  hourlyHistoryDays: number;
  conditionEventDays: number;
  rulPointDays: number;
  andonDays: number;
  oeeShiftDays: number;
}

export const DEFAULT_RETENTION: RetentionSettings = {
  rawHistoryDays: 90,
  hourlyHistoryDays: 1826,
  conditionEventDays: 1826,
  rulPointDays: 90,
  andonDays: 1826,
  oeeShiftDays: 1826,
};

/** Largest retention accepted (100 years); 0 = forever. */
export const MAX_RETENTION_DAYS = 36_525;

/** Check and complete retention settings (form values may be strings). Throws naming the field. */
export function retentionSettings(input: Partial<Record<keyof RetentionSettings, unknown>> = {}): RetentionSettings {
  const out = { ...DEFAULT_RETENTION };
  for (const k of Object.keys(DEFAULT_RETENTION) as (keyof RetentionSettings)[]) {
    const v = input[k];
    if (v === undefined || v === null || v === '') continue;
    const n = typeof v === 'number' ? v : typeof v === 'string' && /^\s*\d+\s*$/.test(v) ? Number(v) : NaN;
    if (!Number.isInteger(n) || n < 0 || n > MAX_RETENTION_DAYS) throw new Error(`retention ${k}: expected whole days from 0 (forever) to ${MAX_RETENTION_DAYS}, got ${JSON.stringify(v)}`);
    out[k] = n;
  }
  if (out.rawHistoryDays > 0 && out.hourlyHistoryDays > 0 && out.hourlyHistoryDays < out.rawHistoryDays) {
    throw new Error(`retention hourlyHistoryDays (${out.hourlyHistoryDays}) must be at least rawHistoryDays (${out.rawHistoryDays}) or 0`);
  }
  return out;
}

export interface HousekeepingReport {
  /** Raw history rows replaced by hourly rows, and the hourly rows written. */
  rolledUp: number;
  hourlyWritten: number;
  /** Rows deleted per table. */
  deleted: Record<string, number>;
  /** Whether the run finished (false when it stopped at the time budget; the next run goes on). */
  complete: boolean;
  ms: number;
}

export interface HousekeepingOptions {
  /** Rows per transaction. */
  batch?: number;
  /** Stop after this many ms of work (the next run continues where this one stopped). */
  budgetMs?: number;
  /** Wall clock for the budget (tests pass a fake). */
  clock?: () => number;
  /** Yield to the event loop between steps (default setImmediate). */
  yieldFn?: () => Promise<void>;
}

const yieldImmediate = () => new Promise<void>((r) => setImmediate(r));

async function tableExists(q: Query, table: string): Promise<boolean> {
  if (q.dialect === 'sqlite') return !!(await q.one("SELECT name FROM sqlite_master WHERE type = 'table' AND name = ?", [table]));
  const r = await q.one<{ t: string | null }>('SELECT to_regclass(?) AS t', [table]);
  return !!r?.t;
}

export interface HistRow {
  bucket: number;
  n: number;
  sum: number;
  min: number;
  max: number;
  last: number;
}

/** Fold rows of whole hours into hourly rows (bucket = start of the hour; last = the latest row's last). */
export function foldHours(rows: readonly HistRow[]): HistRow[] {
  const out: HistRow[] = [];
  for (const r of rows) {
    const h = r.bucket - (((r.bucket % HOUR_MS) + HOUR_MS) % HOUR_MS);
    const cur = out[out.length - 1];
    if (cur && cur.bucket === h) {
      cur.n += r.n;
      cur.sum += r.sum;
      if (r.min < cur.min) cur.min = r.min;
      if (r.max > cur.max) cur.max = r.max;
      cur.last = r.last;
    } else out.push({ bucket: h, n: r.n, sum: r.sum, min: r.min, max: r.max, last: r.last });
  }
  return out;
}

/**
 * One pass of housekeeping at `now`. Safe to run on every box at once (each step is one
 * transaction whose result is the same whoever runs it) and to interrupt at any point.
 */
export async function housekeep(store: Store, settings: RetentionSettings, now: number, o: HousekeepingOptions = {}): Promise<HousekeepingReport> {
  const batch = o.batch ?? 2000;
  const clock = o.clock ?? Date.now;
  const yieldFn = o.yieldFn ?? yieldImmediate;
  const started = clock();
  const over = () => o.budgetMs !== undefined && clock() - started > o.budgetMs;
  const report: HousekeepingReport = { rolledUp: 0, hourlyWritten: 0, deleted: {}, complete: false, ms: 0 };
  const count = (t: string, n: number) => (report.deleted[t] = (report.deleted[t] ?? 0) + n);

  if (await tableExists(store, 'condition_history')) {
    const rawCut = settings.rawHistoryDays > 0 ? floorHour(now - settings.rawHistoryDays * DAY_MS) : undefined;
    const hourlyCut = settings.hourlyHistoryDays > 0 ? now - settings.hourlyHistoryDays * DAY_MS : undefined;
    // Walk the streams in primary-key order, one index seek per stream.
    let key: [string, string, string] | undefined;
    for (;;) {
      if (over()) return finish(report, started, clock, false);
      const next: { asset: string; channel: string; metric: string } | undefined = key
        ? await store.one('SELECT asset, channel, metric FROM condition_history WHERE (asset, channel, metric) > (?, ?, ?) ORDER BY asset, channel, metric LIMIT 1', key)
        : await store.one('SELECT asset, channel, metric FROM condition_history ORDER BY asset, channel, metric LIMIT 1');
      if (!next) break;
      key = [next.asset, next.channel, next.metric];
      if (hourlyCut !== undefined) {
        const r = await store.run('DELETE FROM condition_history WHERE asset = ? AND channel = ? AND metric = ? AND bucket < ?', [...key, hourlyCut]);
        count('condition_history', r.changes);
      }
      if (rawCut !== undefined) await rollUpStream(store, key, rawCut, batch, report, over);
      await yieldFn();
    }
  }

  const simple: [string, string, string, number][] = [
    // table, key columns, condition on the time column(s), retention days
    ['condition_events', 'id', 'ts < ?', settings.conditionEventDays],
    ['condition_rul_points', '(scope, asset, channel, ts)', 'ts < ?', settings.rulPointDays],
    ['jit_andon_call', 'id', "state = 'resolved' AND resolved_at < ?", settings.andonDays],
    ['jit_oee_shift', '(scope, asset, shift_id)', 'end_ts < ?', settings.oeeShiftDays],
  ];
  for (const [table, keyCols, cond, days] of simple) {
    if (days <= 0 || !(await tableExists(store, table))) continue;
    const cut = now - days * DAY_MS;
    const cols = keyCols.replace(/[()]/g, '');
    for (;;) {
      if (over()) return finish(report, started, clock, false);
      const r = await store.run(`DELETE FROM ${table} WHERE ${keyCols} IN (SELECT ${cols} FROM ${table} WHERE ${cond} LIMIT ?)`, [cut, batch]);
      count(table, r.changes);
      await yieldFn();
      if (r.changes < batch) break;
    }
  }
  if (store.dialect === 'sqlite') {
    // Give freed pages back to the file system when the file was created with auto_vacuum=INCREMENTAL.
    const mode = await store.one<{ auto_vacuum: number }>('PRAGMA auto_vacuum');
    if (mode?.auto_vacuum === 2) await store.all('PRAGMA incremental_vacuum(2000)');
  }
  return finish(report, started, clock, true);
}

function finish(r: HousekeepingReport, started: number, clock: () => number, complete: boolean): HousekeepingReport {
  r.complete = complete;
  r.ms = clock() - started;
  return r;
}

function floorHour(t: number): number {
  return t - (((t % HOUR_MS) + HOUR_MS) % HOUR_MS);
}

/**
 * Replace a stream's rows before `cut` (an hour boundary) by hourly rows, about `batch` raw rows
 * per transaction, the aggregation done by the database. Rows at an hour start are what a
 * roll-up leaves, so the work left starts at the first row inside an hour; a repeated or
 * interrupted run changes nothing.
 */
async function rollUpStream(store: Store, key: [string, string, string], cut: number, batch: number, report: HousekeepingReport, over: () => boolean): Promise<void> {
  const stream = 'asset = ? AND channel = ? AND metric = ?';
  for (;;) {
    if (over()) return;
    const first = await store.one<{ bucket: number }>(`SELECT bucket FROM condition_history WHERE ${stream} AND bucket < ? AND bucket % ${HOUR_MS} <> 0 ORDER BY bucket LIMIT 1`, [...key, cut]);
    if (!first) return;
    const lo = floorHour(first.bucket);
    const nth = await store.one<{ bucket: number }>(`SELECT bucket FROM condition_history WHERE ${stream} AND bucket >= ? AND bucket < ? ORDER BY bucket LIMIT 1 OFFSET ?`, [...key, lo, cut, batch]);
    let end = nth ? floorHour(nth.bucket) : cut;
    if (end <= lo) end = lo + HOUR_MS;
    await store.tx(async (q) => {
      // `last` by a lookup on the full key (a join on the derived table let SQLite scan it per row).
      const hours = await q.all<HistRow>(
        `SELECT g.hb AS bucket, g.n AS n, g.s AS sum, g.lo AS min, g.hi AS max,
                (SELECT c.last FROM condition_history c WHERE c.asset = ? AND c.channel = ? AND c.metric = ? AND c.bucket = g.lb) AS last
           FROM (SELECT bucket - bucket % ${HOUR_MS} AS hb, SUM(n) AS n, SUM(sum) AS s, MIN(min) AS lo, MAX(max) AS hi, MAX(bucket) AS lb
                   FROM condition_history WHERE ${stream} AND bucket >= ? AND bucket < ? GROUP BY bucket - bucket % ${HOUR_MS}) g
          ORDER BY g.hb`,
        [...key, ...key, lo, end],
      );
      const del = await q.run(`DELETE FROM condition_history WHERE ${stream} AND bucket >= ? AND bucket < ?`, [...key, lo, end]);
      for (let i = 0; i < hours.length; i += 100) {
        const chunk = hours.slice(i, i + 100);
        await q.run(
          `INSERT INTO condition_history (asset, channel, metric, bucket, n, sum, min, max, last) VALUES ${chunk.map(() => '(?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
          chunk.flatMap((h) => [...key, Number(h.bucket), Number(h.n), Number(h.sum), Number(h.min), Number(h.max), Number(h.last)]),
        );
      }
      report.rolledUp += del.changes;
      report.hourlyWritten += hours.length;
    });
  }
}
