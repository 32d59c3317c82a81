/**
 * Persistence for condition monitoring (migration track 'condition'): one row per stream
 * (asset + channel) with its learning progress, baseline and alarm state; the learning frames;
 * every state change, shelve and relearn as an event; downsampled history of health, anomaly
 * and RUL (one row per bucket with count, sum, min, max, last) for trend charts; and the recent
 * indicator points rel-rul fits. All SQL is portable with bound parameters.
 */
import type { Migration, SyncStore as Store } from '../store/types';
import type { AlarmState } from './alarm';
import type { BaselineModel } from './baseline';

export const CONDITION_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'condition streams, learning frames, events, history, rul points',
    up: [
      `CREATE TABLE IF NOT EXISTS condition_streams (
        asset TEXT NOT NULL,
        channel TEXT NOT NULL,
        kind TEXT NOT NULL,
        features TEXT NOT NULL,
        status TEXT NOT NULL,
        learn_n INTEGER NOT NULL,
        learn_start INTEGER,
        model TEXT,
        alarm TEXT,
        last_ts INTEGER,
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (asset, channel)
      )`,
      `CREATE TABLE IF NOT EXISTS condition_learning (
        asset TEXT NOT NULL,
        channel TEXT NOT NULL,
        seq INTEGER NOT NULL,
        ts INTEGER NOT NULL,
        vals TEXT NOT NULL,
        PRIMARY KEY (asset, channel, seq)
      )`,
      `CREATE TABLE IF NOT EXISTS condition_events (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        asset TEXT NOT NULL,
        channel TEXT NOT NULL,
        ts INTEGER NOT NULL,
        kind TEXT NOT NULL,
        from_state TEXT,
        to_state TEXT,
        health REAL,
        anomaly REAL,
        actor TEXT,
        reason TEXT,
        until_ts INTEGER,
        shelved INTEGER NOT NULL DEFAULT 0,
        detail TEXT
      )`,
      'CREATE INDEX IF NOT EXISTS condition_events_asset_ts ON condition_events (asset, ts)',
      `CREATE TABLE IF NOT EXISTS condition_history (
        asset TEXT NOT NULL,
        channel TEXT NOT NULL,
        metric TEXT NOT NULL,
        bucket INTEGER NOT NULL,
        n INTEGER NOT NULL,
        sum REAL NOT NULL,
        min REAL NOT NULL,
        max REAL NOT NULL,
        last REAL NOT NULL,
        PRIMARY KEY (asset, channel, metric, bucket)
      )`,
      `CREATE TABLE IF NOT EXISTS condition_rul_points (
        scope TEXT NOT NULL,
        asset TEXT NOT NULL,
        channel TEXT NOT NULL,
        ts INTEGER NOT NULL,
        y REAL NOT NULL,
        PRIMARY KEY (scope, asset, channel, ts)
      )`,
    ],
  },
];

export function migrateCondition(store: Store): number {
  return store.migrate('condition', CONDITION_MIGRATIONS);
}

export interface StreamRow {
  asset: string;
  channel: string;
  kind: 'features' | 'value';
  features: string[];
  status: 'learning' | 'ready';
  learnN: number;
  learnStart: number | null;
  model: BaselineModel | null;
  alarm: AlarmState | null;
  lastTs: number | null;
}

interface RawStream {
  asset: string;
  channel: string;
  kind: string;
  features: string;
  status: string;
  learn_n: number;
  learn_start: number | null;
  model: string | null;
  alarm: string | null;
  last_ts: number | null;
}

export function loadStream(store: Store, asset: string, channel: string): StreamRow | undefined {
  const r = store.get<RawStream>('SELECT asset, channel, kind, features, status, learn_n, learn_start, model, alarm, last_ts FROM condition_streams WHERE asset = ? AND channel = ?', [asset, channel]);
  if (!r) return undefined;
  return {
    asset: r.asset,
    channel: r.channel,
    kind: r.kind === 'value' ? 'value' : 'features',
    features: JSON.parse(r.features),
    status: r.status === 'ready' ? 'ready' : 'learning',
    learnN: r.learn_n,
    learnStart: r.learn_start,
    model: r.model ? JSON.parse(r.model) : null,
    alarm: r.alarm ? JSON.parse(r.alarm) : null,
    lastTs: r.last_ts,
  };
}

export function listStreams(store: Store, asset: string): StreamRow[] {
  return store
    .all<{ channel: string }>('SELECT channel FROM condition_streams WHERE asset = ? ORDER BY channel', [asset])
    .map((r) => loadStream(store, asset, r.channel)!)
    .filter(Boolean);
}

export function saveStream(store: Store, s: StreamRow, now: number): void {
  store.run(
    `INSERT INTO condition_streams (asset, channel, kind, features, status, learn_n, learn_start, model, alarm, last_ts, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (asset, channel) DO UPDATE SET kind = excluded.kind, features = excluded.features, status = excluded.status,
       learn_n = excluded.learn_n, learn_start = excluded.learn_start, model = excluded.model, alarm = excluded.alarm,
       last_ts = excluded.last_ts, updated_at = excluded.updated_at`,
    [s.asset, s.channel, s.kind, JSON.stringify(s.features), s.status, s.learnN, s.learnStart, s.model ? JSON.stringify(s.model) : null, s.alarm ? JSON.stringify(s.alarm) : null, s.lastTs, now],
  );
}

export function addLearningFrame(store: Store, asset: string, channel: string, seq: number, ts: number, values: readonly number[]): void {
  store.run('INSERT INTO condition_learning (asset, channel, seq, ts, vals) VALUES (?, ?, ?, ?, ?)', [asset, channel, seq, ts, JSON.stringify(values)]);
}

export function learningFrames(store: Store, asset: string, channel: string): { ts: number; values: number[] }[] {
  return store
    .all<{ ts: number; vals: string }>('SELECT ts, vals FROM condition_learning WHERE asset = ? AND channel = ? ORDER BY seq', [asset, channel])
    .map((r) => ({ ts: r.ts, values: JSON.parse(r.vals) }));
}

export function clearLearning(store: Store, asset: string, channel: string): void {
  store.run('DELETE FROM condition_learning WHERE asset = ? AND channel = ?', [asset, channel]);
}

export interface ConditionEvent {
  asset: string;
  channel: string;
  ts: number;
  kind: 'state' | 'shelve' | 'unshelve' | 'relearn' | 'learned';
  from?: string | null;
  to?: string | null;
  health?: number | null;
  anomaly?: number | null;
  actor?: string | null;
  reason?: string | null;
  until?: number | null;
  shelved?: boolean;
  detail?: unknown;
}

export function recordEvent(store: Store, e: ConditionEvent): void {
  store.run(
    `INSERT INTO condition_events (asset, channel, ts, kind, from_state, to_state, health, anomaly, actor, reason, until_ts, shelved, detail)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [e.asset, e.channel, e.ts, e.kind, e.from ?? null, e.to ?? null, e.health ?? null, e.anomaly ?? null, e.actor ?? null, e.reason ?? null, e.until ?? null, e.shelved ? 1 : 0, e.detail === undefined ? null : JSON.stringify(e.detail)],
  );
}

export function listEvents(store: Store, asset: string, from: number, to: number, limit = 1000): ConditionEvent[] {
  return store
    .all<any>(
      `SELECT asset, channel, ts, kind, from_state, to_state, health, anomaly, actor, reason, until_ts, shelved, detail
       FROM condition_events WHERE asset = ? AND ts >= ? AND ts <= ? ORDER BY ts, id LIMIT ?`,
      [asset, from, to, limit],
    )
    .map((r) => ({
      asset: r.asset,
      channel: r.channel,
      ts: r.ts,
      kind: r.kind,
      from: r.from_state,
      to: r.to_state,
      health: r.health,
      anomaly: r.anomaly,
      actor: r.actor,
      reason: r.reason,
      until: r.until_ts,
      shelved: r.shelved === 1,
      detail: r.detail ? JSON.parse(r.detail) : undefined,
    }));
}

/** Add a value to its history bucket (bucketMs wide, aligned to the epoch). */
export function recordHistory(store: Store, asset: string, channel: string, metric: string, ts: number, value: number, bucketMs: number): void {
  if (!Number.isFinite(value)) return;
  const bucket = Math.floor(ts / bucketMs) * bucketMs;
  store.run(
    `INSERT INTO condition_history (asset, channel, metric, bucket, n, sum, min, max, last) VALUES (?, ?, ?, ?, 1, ?, ?, ?, ?)
     ON CONFLICT (asset, channel, metric, bucket) DO UPDATE SET n = condition_history.n + 1, sum = condition_history.sum + excluded.sum,
       min = CASE WHEN excluded.min < condition_history.min THEN excluded.min ELSE condition_history.min END,
       max = CASE WHEN excluded.max > condition_history.max THEN excluded.max ELSE condition_history.max END,
       last = excluded.last`,
    [asset, channel, metric, bucket, value, value, value, value],
  );
}

export interface Series {
  ts: number[];
  min: number[];
  mean: number[];
  max: number[];
  last: number[];
}

export interface HistoryQuery {
  asset: string;
  channel?: string;
  metrics?: readonly string[];
  from: number;
  to: number;
  maxPoints: number;
}

export interface HistoryResult {
  asset: string;
  channel?: string;
  from: number;
  to: number;
  /** Width of one returned point, ms (stored buckets merged to fit maxPoints). */
  bucketMs: number;
  series: Record<string, Series>;
  /** Chart-ready points: {series, x, y} (y = mean) for a dashboard chart. */
  points: { series: string; x: number; y: number }[];
  events: ConditionEvent[];
}

/** History of an asset, merged into at most maxPoints per metric (min of mins, weighted mean, max of maxes). */
export function queryHistory(store: Store, q: HistoryQuery, storedBucketMs: number): HistoryResult {
  const params: (string | number)[] = [q.asset, q.from - storedBucketMs, q.to];
  let sql = 'SELECT channel, metric, bucket, n, sum, min, max, last FROM condition_history WHERE asset = ? AND bucket > ? AND bucket <= ?';
  if (q.channel !== undefined) {
    sql += ' AND channel = ?';
    params.push(q.channel);
  }
  sql += ' ORDER BY metric, bucket';
  const rows = store.all<{ channel: string; metric: string; bucket: number; n: number; sum: number; min: number; max: number; last: number }>(sql, params);
  const span = Math.max(1, q.to - q.from);
  const width = Math.max(storedBucketMs, Math.ceil(span / q.maxPoints / storedBucketMs) * storedBucketMs);
  const series: Record<string, Series> = {};
  const acc = new Map<string, { ts: number; n: number; sum: number; min: number; max: number; last: number }>();
  const several = new Set(rows.map((r) => r.channel)).size > 1;
  for (const r of rows) {
    if (q.metrics && !q.metrics.includes(r.metric)) continue;
    // Several channels of one asset are kept apart (health:motor-temp) when no channel was asked for.
    const name = several ? `${r.metric}:${r.channel}` : r.metric;
    const b = Math.floor(r.bucket / width) * width;
    const key = `${name}\u0000${b}`;
    const a = acc.get(key);
    if (!a) acc.set(key, { ts: b, n: r.n, sum: r.sum, min: r.min, max: r.max, last: r.last });
    else {
      a.n += r.n;
      a.sum += r.sum;
      a.min = Math.min(a.min, r.min);
      a.max = Math.max(a.max, r.max);
      a.last = r.last;
    }
  }
  const points: { series: string; x: number; y: number }[] = [];
  for (const [key, a] of acc) {
    const name = key.slice(0, key.indexOf('\u0000'));
    const s = (series[name] ??= { ts: [], min: [], mean: [], max: [], last: [] });
    const mean = a.sum / a.n;
    s.ts.push(a.ts);
    s.min.push(a.min);
    s.mean.push(mean);
    s.max.push(a.max);
    s.last.push(a.last);
    points.push({ series: name, x: a.ts, y: mean });
  }
  const events = listEvents(store, q.asset, q.from, q.to).filter((e) => q.channel === undefined || e.channel === q.channel);
  return { asset: q.asset, channel: q.channel, from: q.from, to: q.to, bucketMs: width, series, points, events };
}

export function addRulPoint(store: Store, scope: string, asset: string, channel: string, ts: number, y: number): void {
  store.run(
    `INSERT INTO condition_rul_points (scope, asset, channel, ts, y) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (scope, asset, channel, ts) DO UPDATE SET y = excluded.y`,
    [scope, asset, channel, ts, y],
  );
}

export function rulPoints(store: Store, scope: string, asset: string, channel: string, fromTs: number): { ts: number; y: number }[] {
  return store.all<{ ts: number; y: number }>('SELECT ts, y FROM condition_rul_points WHERE scope = ? AND asset = ? AND channel = ? AND ts >= ? ORDER BY ts', [scope, asset, channel, fromTs]);
}

export function clearRulPoints(store: Store, scope: string, asset: string, channel: string, beforeTs?: number): void {
  if (beforeTs === undefined) store.run('DELETE FROM condition_rul_points WHERE scope = ? AND asset = ? AND channel = ?', [scope, asset, channel]);
  else store.run('DELETE FROM condition_rul_points WHERE scope = ? AND asset = ? AND channel = ? AND ts < ?', [scope, asset, channel, beforeTs]);
}
