/**
 * Work orders: the lifecycle open -> assigned -> in-progress -> (on-hold) -> done -> closed
 * (+ cancelled), every transition time-stamped with its actor and note in a history table;
 * deduplicated condition findings (one open work order per asset and failure mode: the partial
 * unique index and one INSERT ... ON CONFLICT DO UPDATE, so it holds with many writers on one
 * PostgreSQL server); priority from asset criticality x severity; completion with repair time,
 * downtime and parts issued from stock in the same transaction. Work-order numbers derive from the
 * id (one identity per plant database), so they are unique plant-wide. Repository over the
 * asynchronous Store: no Node-RED.
 *
 * Every method that may run inside a caller's transaction takes an optional `q`: given, the work
 * joins that transaction (and the history cache is published by `committed(q)` after it commits);
 * absent, the method opens its own.
 */
import { StateError } from '../errors';
import type { Dialect, Query, SqlValue, Store } from '../store/types';
import { RECORD_KEY_SQL } from '../store/outbox';
import { TxBatcher } from './batch';
import { SparesRepo } from './spares';
import { woNumber } from './schema';

export const STATUSES = ['open', 'assigned', 'in-progress', 'on-hold', 'done', 'closed', 'cancelled'] as const;
export type WoStatus = (typeof STATUSES)[number];
export const OPEN_STATUSES: readonly WoStatus[] = ['open', 'assigned', 'in-progress', 'on-hold'];
export const SOURCES = ['condition', 'pm', 'manual', 'andon'] as const;
export type WoSource = (typeof SOURCES)[number];
export const SEVERITIES = ['watch', 'warning', 'alarm'] as const;
export type Severity = (typeof SEVERITIES)[number];
export const TRANSITION_ACTIONS = ['assign', 'start', 'hold', 'complete', 'close', 'cancel'] as const;
export type TransitionAction = (typeof TRANSITION_ACTIONS)[number];

/** Which states each action may leave from, and where it goes. */
export const TRANSITIONS: Record<TransitionAction, { from: readonly WoStatus[]; to: WoStatus }> = {
  assign: { from: ['open', 'assigned'], to: 'assigned' },
  start: { from: ['assigned', 'on-hold'], to: 'in-progress' },
  hold: { from: ['in-progress'], to: 'on-hold' },
  complete: { from: ['in-progress'], to: 'done' },
  close: { from: ['done'], to: 'closed' },
  cancel: { from: ['open', 'assigned', 'in-progress', 'on-hold'], to: 'cancelled' },
};

export function severityRank(s: Severity): number {
  return SEVERITIES.indexOf(s) + 1;
}

/**
 * Priority from asset criticality (1-5) x severity (watch 1, warning 2, alarm 3): the score
 * 1-15 maps to P1 (>= 12, act now) ... P4 (< 4, next planned stop). Example: criticality 4 x
 * alarm 3 = 12 -> P1; criticality 3 x warning 2 = 6 -> P3.
 */
export function priorityOf(criticality: number, severity: Severity): { priority: number; score: number } {
  const score = criticality * severityRank(severity);
  const priority = score >= 12 ? 1 : score >= 8 ? 2 : score >= 4 ? 3 : 4;
  return { priority, score };
}

export interface HistoryEntry {
  ts: number;
  at: string;
  action: string;
  from: WoStatus | null;
  to: WoStatus;
  by: string;
  note: string;
}

export interface WorkOrder {
  id: number;
  number: string;
  asset: string;
  line: string;
  mode: string;
  title: string;
  description: string;
  priority: number;
  score: number;
  criticality: number;
  severity: Severity;
  lastSeverity: Severity;
  status: WoStatus;
  assignee: string | null;
  source: WoSource;
  detections: number;
  evidence: string;
  firstSeen: number | null;
  lastSeen: number | null;
  planId: number | null;
  occurrence: number | null;
  missed: number;
  dueAt: string | null;
  repairMin: number | null;
  downtimeMin: number | null;
  failure: boolean;
  parts: { part: string; qty: number }[];
  createdAt: string;
  updatedAt: string;
  doneAt: string | null;
  closedAt: string | null;
  history?: HistoryEntry[];
}

interface WoRow {
  id: number;
  asset: string;
  line: string;
  mode: string;
  title: string;
  description: string;
  criticality: number;
  severity: Severity;
  last_severity: Severity;
  priority: number;
  status: WoStatus;
  is_open: number;
  assignee: string | null;
  source: WoSource;
  detections: number;
  evidence: string;
  first_seen: number | null;
  last_seen: number | null;
  plan_id: number | null;
  occurrence: number | null;
  missed: number;
  due_at: number | null;
  repair_min: number | null;
  downtime_min: number | null;
  failure: number;
  parts: string;
  created_at: number;
  updated_at: number;
  done_at: number | null;
  closed_at: number | null;
  /** Token written with each history row (migration 2); null on orders from before it. */
  history_rev: number | null;
  /** Severity and priority before the last detection (migration 4). */
  prev_severity?: Severity | null;
  prev_priority?: number | null;
  /** history_rev before the last detection (migration 6). */
  prev_history_rev?: number | null;
}

interface HistoryRow {
  ts: number;
  action: string;
  from_status: WoStatus | null;
  to_status: WoStatus;
  actor: string;
  note: string;
}

export { woNumber } from './schema';

/** ISO text of a time; the last two conversions remembered (a burst's orders share their update time). */
const isoT = [NaN, NaN];
const isoS = ['', ''];
let isoNext = 0;
function iso(t: number | null): string | null {
  if (t === null) return null;
  if (t === isoT[0]) return isoS[0]!;
  if (t === isoT[1]) return isoS[1]!;
  const text = new Date(t).toISOString();
  isoT[isoNext] = t;
  isoS[isoNext] = text;
  isoNext ^= 1;
  return text;
}

const n = (v: number | null) => (v === null || v === undefined ? null : Number(v));

/** Integer columns as numbers (PostgreSQL BIGINT may arrive as text). */
function norm(r: WoRow): WoRow {
  r.id = Number(r.id);
  r.created_at = Number(r.created_at);
  r.updated_at = Number(r.updated_at);
  r.detections = Number(r.detections);
  r.criticality = Number(r.criticality);
  r.priority = Number(r.priority);
  r.is_open = Number(r.is_open);
  r.missed = Number(r.missed);
  r.failure = Number(r.failure);
  r.first_seen = n(r.first_seen);
  r.last_seen = n(r.last_seen);
  r.plan_id = n(r.plan_id);
  r.occurrence = n(r.occurrence);
  r.due_at = n(r.due_at);
  r.done_at = n(r.done_at);
  r.closed_at = n(r.closed_at);
  r.repair_min = n(r.repair_min);
  r.downtime_min = n(r.downtime_min);
  r.history_rev = n(r.history_rev);
  if (r.prev_priority !== undefined) r.prev_priority = n(r.prev_priority);
  if (r.prev_history_rev !== undefined) r.prev_history_rev = n(r.prev_history_rev);
  return r;
}

function toWorkOrder(r: WoRow): WorkOrder {
  return {
    id: r.id,
    number: woNumber(r.id),
    asset: r.asset,
    line: r.line,
    mode: r.mode,
    title: r.title,
    description: r.description,
    priority: r.priority,
    score: r.criticality * severityRank(r.severity),
    criticality: r.criticality,
    severity: r.severity,
    lastSeverity: r.last_severity,
    status: r.status,
    assignee: r.assignee,
    source: r.source,
    detections: r.detections,
    evidence: r.evidence,
    firstSeen: r.first_seen,
    lastSeen: r.last_seen,
    planId: r.plan_id,
    occurrence: r.occurrence,
    missed: r.missed,
    dueAt: iso(r.due_at),
    repairMin: r.repair_min,
    downtimeMin: r.downtime_min,
    failure: r.failure === 1,
    parts: r.parts === '[]' ? [] : JSON.parse(r.parts),
    createdAt: iso(r.created_at) as string,
    updatedAt: iso(r.updated_at) as string,
    doneAt: iso(r.done_at),
    closedAt: iso(r.closed_at),
  };
}

export interface AssetFacts {
  asset: string;
  line?: string;
  /** 1-5; default 3. */
  criticality?: number;
}

export interface DetectInput extends AssetFacts {
  mode: string;
  severity: Severity;
  evidence?: string;
  ts: number;
  title?: string;
}

export interface CreateInput extends AssetFacts {
  title: string;
  mode?: string;
  description?: string;
  /** P1-P4; default from criticality x severity. */
  priority?: number;
  severity?: Severity;
  source?: WoSource;
  by?: string;
  ts: number;
  planId?: number;
  occurrence?: number;
  missed?: number;
  dueAt?: number;
  parts?: { part: string; qty: number }[];
}

export interface TransitionInput {
  id: number;
  action: TransitionAction;
  by: string;
  note?: string;
  ts: number;
  assignee?: string;
  repairMin?: number;
  downtimeMin?: number;
  failure?: boolean;
  parts?: { part: string; qty: number }[];
}

export interface ListFilter {
  asset?: string;
  line?: string;
  status?: WoStatus;
  open?: boolean;
  source?: WoSource;
  limit?: number;
  history?: boolean;
  /** Newest first, so `limit` keeps the latest orders (default: oldest first). */
  newest?: boolean;
}

export interface DetectResult {
  workOrder: WorkOrder;
  created: boolean;
  escalated: boolean;
}

export function dedupKey(asset: string, mode: string): string {
  return JSON.stringify([asset, mode]);
}

/**
 * History revision tokens (column `history_rev`): a new one with every history row. Random start
 * (so another process writing the same file does not draw the same numbers), then +1: a token is
 * never reused, so a token written by a transaction that rolled back never matches again.
 */
let lastRev = Math.floor(Math.random() * 2 ** 52);
function nextRev(): number {
  lastRev = lastRev >= Number.MAX_SAFE_INTEGER ? 1 : lastRev + 1;
  return lastRev;
}

/** Open orders whose history a repository keeps in memory (oldest dropped first). */
const HISTORY_CACHE_MAX = 10_000;

/** Each message gets its own copies (a flow may edit one message's history). */
function copyHistory(entries: readonly HistoryEntry[]): HistoryEntry[] {
  return entries.map((e) => ({ ts: e.ts, at: e.at, action: e.action, from: e.from, to: e.to, by: e.by, note: e.note }));
}

interface CacheEntry {
  rev: number;
  entries: HistoryEntry[];
}

/** SQL rank of a severity expression (watch 1, warning 2, alarm 3), as severityRank(). */
const rankSql = (x: string) => `(CASE ${x} WHEN 'alarm' THEN 3 WHEN 'warning' THEN 2 ELSE 1 END)`;
const RAISE = `${rankSql('excluded.severity')} > ${rankSql('cmms_work_orders.severity')}`;
/** priorityOf(criticality of the stored order, incoming severity) in SQL. */
const NEW_PRIORITY = (() => {
  const score = `(cmms_work_orders.criticality * ${rankSql('excluded.severity')})`;
  return `(CASE WHEN ${score} >= 12 THEN 1 WHEN ${score} >= 8 THEN 2 WHEN ${score} >= 4 THEN 3 ELSE 4 END)`;
})();

/** Between the first finding and the latest one in an order's evidence. */
export const LATEST_EVIDENCE = '\nlatest: ';

/**
 * The evidence of an open order after a new finding: the FIRST finding stays (what opened the
 * order), the latest one follows it after LATEST_EVIDENCE (replacing the previous latest); the
 * same text as the first is not repeated.
 */
export function withLatestEvidence(stored: string, latest: string): string {
  const i = stored.indexOf(LATEST_EVIDENCE);
  const first = i < 0 ? stored : stored.slice(0, i);
  if (!first) return latest;
  return latest === first || !latest ? first : `${first}${LATEST_EVIDENCE}${latest}`;
}

/**
 * The one-statement detection on PostgreSQL (pgDetectSql) stores its follow-up rows with a
 * placeholder payload `{"render":true,...}`: the full one (the order and its history) is built from
 * the statement's answer in the same process and written with the first send
 * (FollowUpDispatcher). If the process stops in between, the dispatcher builds it from the stored
 * order when it sends it (FollowUpRepo.render).
 */
export const PLACEHOLDER = { notifyNew: '{"render":true,"event":"new"}', notifyEscalated: '{"render":true,"event":"escalated"}' } as const;

/** The stored evidence's first finding (before LATEST_EVIDENCE), per dialect (the marker is a constant). */
function firstEvidence(d: Dialect): string {
  const e = `COALESCE(cmms_work_orders.evidence, '')`;
  const pos = d === 'postgres' ? `strpos(${e}, '${LATEST_EVIDENCE}')` : `instr(${e}, '${LATEST_EVIDENCE}')`;
  return `(CASE WHEN ${pos} > 0 THEN substr(${e}, 1, ${pos} - 1) ELSE ${e} END)`;
}

/**
 * The upsert's conflict branch: count the detection on the stored open order: detections + 1,
 * last seen and updated at never moved back, severity raised never lowered (the incoming one in
 * last_severity), priority raised with it, the finding's evidence added as the latest (what
 * withLatestEvidence does, in SQL: the bound flag is 0 when the detection carries no evidence),
 * a new history token on escalation. The severity, priority and history token before it land in
 * prev_severity, prev_priority and prev_history_rev (NULL on insert), so the returned row says
 * what happened.
 */
function onConflict(d: Dialect): string {
  const f = firstEvidence(d);
  return `ON CONFLICT (dedup_key) WHERE is_open = 1 DO UPDATE SET
     detections = cmms_work_orders.detections + 1,
     last_seen = CASE WHEN cmms_work_orders.last_seen IS NULL OR excluded.last_seen > cmms_work_orders.last_seen THEN excluded.last_seen ELSE cmms_work_orders.last_seen END,
     updated_at = CASE WHEN excluded.updated_at > cmms_work_orders.updated_at THEN excluded.updated_at ELSE cmms_work_orders.updated_at END,
     prev_severity = cmms_work_orders.severity,
     prev_priority = cmms_work_orders.priority,
     prev_history_rev = cmms_work_orders.history_rev,
     severity = CASE WHEN ${RAISE} THEN excluded.severity ELSE cmms_work_orders.severity END,
     last_severity = excluded.last_severity,
     priority = CASE WHEN ${RAISE} AND ${NEW_PRIORITY} < cmms_work_orders.priority THEN ${NEW_PRIORITY} ELSE cmms_work_orders.priority END,
     evidence = CASE WHEN ? = 0 THEN cmms_work_orders.evidence WHEN ${f} = '' THEN excluded.evidence WHEN excluded.evidence = ${f} OR excluded.evidence = '' THEN ${f} ELSE ${f} || '${LATEST_EVIDENCE}' || excluded.evidence END,
     history_rev = CASE WHEN ${RAISE} THEN excluded.history_rev ELSE cmms_work_orders.history_rev END
   RETURNING ${DETECT_RETURNING}`;
}

/**
 * What the detection upsert returns: the columns it may change, the id and the status (the rest
 * of an open order changes only with a new history token: OpenRowCache).
 */
const DETECT_RETURNING = 'id, status, history_rev, prev_history_rev, prev_severity, prev_priority, severity, last_severity, priority, detections, last_seen, updated_at, evidence';
/** The detection upsert's answer (DETECT_RETURNING). */
type DetectRow = Pick<WoRow, 'id' | 'status' | 'history_rev' | 'prev_history_rev' | 'prev_severity' | 'prev_priority' | 'severity' | 'last_severity' | 'priority' | 'detections' | 'last_seen' | 'updated_at' | 'evidence'>;

/** An open order's row `c` with what a detection changed (`d`). Written out: object spread is slow on this hot path. */
function withDetection(c: WoRow, d: DetectRow): WoRow {
  return {
    id: c.id, asset: c.asset, line: c.line, mode: c.mode, title: c.title, description: c.description, criticality: c.criticality,
    severity: d.severity, last_severity: d.last_severity, priority: d.priority, status: d.status, is_open: c.is_open, assignee: c.assignee, source: c.source,
    detections: d.detections, evidence: d.evidence, first_seen: c.first_seen, last_seen: d.last_seen, plan_id: c.plan_id, occurrence: c.occurrence, missed: c.missed,
    due_at: c.due_at, repair_min: c.repair_min, downtime_min: c.downtime_min, failure: c.failure, parts: c.parts, created_at: c.created_at, updated_at: d.updated_at,
    done_at: c.done_at, closed_at: c.closed_at, history_rev: d.history_rev, prev_severity: d.prev_severity, prev_priority: d.prev_priority, prev_history_rev: d.prev_history_rev,
  };
}

const DETECT_COLUMNS = `INSERT INTO cmms_work_orders (asset, line, mode, title, description, criticality, severity, last_severity, priority, status, is_open, dedup_key,
     source, detections, evidence, first_seen, last_seen, parts, created_at, updated_at, history_rev)`;

/**
 * A detection in one upsert: insert the open order for (asset, mode), or, when the partial unique
 * index on the open order's dedup key is hit, count it on the stored one (onConflict). Parameters:
 * asset, line, mode, title, criticality, severity, severity, priority, dedup key, evidence,
 * ts x 4, history token, evidence flag.
 */
const DETECT_SQL = { sqlite: '', postgres: '' };
for (const d of ['sqlite', 'postgres'] as const) DETECT_SQL[d] = `${DETECT_COLUMNS}
   VALUES (?, ?, ?, ?, '', ?, ?, ?, ?, 'open', 1, ?, 'condition', 1, ?, ?, ?, '[]', ?, ?, ?)
   ${onConflict(d)}`;

const escalatedSql = (row: string) => `${rankSql(`${row}.severity`)} > ${rankSql(`${row}.prev_severity`)}`;

/**
 * PostgreSQL: a whole detection in ONE statement (one round trip; atomic on its own, so it needs
 * no BEGIN and COMMIT when it is all a write does): the event key recorded in outbox_applied
 * (`key`: nothing happens when it was applied before), the upsert, the history row of a new or
 * escalated order, and its follow-up rows (placeholders; FollowUps.written). Parameters: [key,
 * applied at], the upsert's 16, then ts, detect note, incoming severity, escalate note suffix,
 * then [origin, Andon placeholder, ts] and [origin, ts] for the follow-ups asked for. Returns the
 * order's row and `follow_ups` ("id:kind,..."), or no row when the key was applied before.
 */
function pgDetectSql(o: { key: boolean; andon: boolean; notify: boolean }): string {
  const cte: string[] = [];
  if (o.key) cte.push(`rec AS (${RECORD_KEY_SQL} RETURNING event_key)`);
  cte.push(`up AS (${DETECT_COLUMNS}
   SELECT ?::text, ?::text, ?::text, ?::text, '', ?::integer, ?::text, ?::text, ?::integer, 'open', 1, ?::text, 'condition', 1, ?::text, ?::bigint, ?::bigint, '[]', ?::bigint, ?::bigint, ?::bigint${o.key ? ' FROM rec' : ''}
   ${onConflict('postgres')})`);
  const esc = escalatedSql('up');
  cte.push(`h AS (INSERT INTO cmms_wo_history (wo_id, ts, action, from_status, to_status, actor, note)
   SELECT up.id, ?::bigint, CASE WHEN up.prev_severity IS NULL THEN 'detect' ELSE 'escalate' END, CASE WHEN up.prev_severity IS NULL THEN NULL ELSE up.status END, up.status, 'condition',
     CASE WHEN up.prev_severity IS NULL THEN ?::text ELSE 'severity ' || up.prev_severity || ' -> ' || ?::text || '; priority P' || up.prev_priority || ' -> P' || up.priority || ?::text END
   FROM up WHERE up.prev_severity IS NULL OR ${esc})`);
  const fu: string[] = [];
  if (o.andon) fu.push(`SELECT up.id, 'andon', ?::text, ?::text, ?::bigint FROM up WHERE up.prev_severity IS NULL`);
  if (o.notify)
    fu.push(`SELECT up.id, 'notify', ?::text, CASE WHEN up.prev_severity IS NULL THEN '${PLACEHOLDER.notifyNew}' ELSE '${PLACEHOLDER.notifyEscalated}' END, ?::bigint FROM up WHERE up.prev_severity IS NULL OR ${esc}`);
  if (fu.length) cte.push(`f AS (INSERT INTO cmms_follow_ups (wo_id, kind, origin, payload, created_at) ${fu.join(' UNION ALL ')} RETURNING id, kind)`);
  return `WITH ${cte.join(',\n')}
   SELECT ${DETECT_RETURNING.split(', ').map((c) => `up.${c}`).join(', ')}${fu.length ? `, (SELECT string_agg(f.id::text || ':' || f.kind, ',' ORDER BY f.id) FROM f) AS follow_ups` : ''} FROM up`;
}
const pgDetectCache = new Map<string, string>();
function pgDetect(o: { key: boolean; andon: boolean; notify: boolean }): string {
  const k = `${+o.key}${+o.andon}${+o.notify}`;
  let sql = pgDetectCache.get(k);
  if (!sql) pgDetectCache.set(k, (sql = pgDetectSql(o)));
  return sql;
}

/** The note of an escalation's history row (the same text the one-statement detection writes in SQL). */
function escalateNote(prevSeverity: string, severity: string, prevPriority: number | null | undefined, priority: number, evidence: string | undefined): string {
  return `severity ${prevSeverity} -> ${severity}; priority P${prevPriority} -> P${priority}${evidence ? `; ${evidence}` : ''}`;
}

const INSERT_SQL = `INSERT INTO cmms_work_orders (asset, line, mode, title, description, criticality, severity, last_severity, priority, status, is_open, dedup_key,
     source, detections, plan_id, occurrence, missed, due_at, parts, created_at, updated_at, history_rev)
   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', 1, ?, ?, 0, ?, ?, ?, ?, ?, ?, ?, ?)`;

/** What a transition writes, decided from the stored row alone (pure). */
export interface TransitionPlan {
  from: WoStatus;
  to: WoStatus;
  isOpen: boolean;
  /** The assignee to set (assign), else undefined. */
  assignee?: string;
  note: string;
  /** complete: failure flag, downtime and parts; the repair time comes from the history when not given. */
  complete?: { repairMin?: number; downtimeMin: number; failure: boolean; parts: { part: string; qty: number }[] };
  closedAt?: number;
}

/** Decide a lifecycle transition from the order's stored state; an illegal one is a StateError naming both states. */
export function decideTransition(r: { id: number; status: WoStatus; source: WoSource }, t: TransitionInput): TransitionPlan {
  const rule = TRANSITIONS[t.action];
  if (!rule.from.includes(r.status))
    throw new StateError(`work order ${woNumber(r.id)}: cannot ${t.action} from status ${r.status} to ${rule.to} (${t.action} needs ${rule.from.join(' or ')})`);
  const plan: TransitionPlan = { from: r.status, to: rule.to, isOpen: (OPEN_STATUSES as readonly string[]).includes(rule.to), note: t.note ?? '' };
  if (t.action === 'assign') {
    plan.assignee = t.assignee ?? t.by;
    if (!plan.note) plan.note = `assigned to ${plan.assignee}`;
  }
  if (t.action === 'complete') {
    const downtime = t.downtimeMin ?? 0;
    plan.complete = { repairMin: t.repairMin, downtimeMin: downtime, failure: t.failure ?? (r.source !== 'pm' && downtime > 0), parts: t.parts ?? [] };
  }
  if (t.action === 'close' || t.action === 'cancel') plan.closedAt = t.ts;
  return plan;
}

/** Minutes spent in-progress according to a history (on-hold time excluded); pure. */
export function workedMinutesOf(history: readonly { to: WoStatus; ts: number }[], until: number): number {
  let ms = 0;
  let since: number | null = null;
  for (const h of history) {
    if (h.to === 'in-progress' && since === null) since = h.ts;
    else if (h.to !== 'in-progress' && since !== null) {
      ms += h.ts - since;
      since = null;
    }
  }
  if (since !== null) ms += until - since;
  return Math.max(0, ms) / 60_000;
}

/** A transition's compare-and-set lost to another writer more often than this: give up. */
const MAX_CAS_TRIES = 5;

/**
 * What a new or escalated order causes (reserve its parts, raise an Andon call, notify), written
 * in the transaction that wrote the order, so a crash can never leave an order without them
 * (follow-ups.ts). `wo` is the order as that transaction wrote it.
 */
export interface WorkOrderFollowUps {
  record(q: Query, wo: WorkOrder, change: 'new' | 'escalated'): Promise<void>;
  /**
   * What the one-statement detection on PostgreSQL should write itself for a detection of (asset,
   * mode): the Andon call kind of a new order (if any) and whether to notify; undefined when the
   * follow-ups need `record` (parts to reserve). Not implemented: always `record`.
   */
  inline?(asset: string, mode: string, source: WoSource): { origin: string; andon?: string; notify: boolean } | undefined;
  /** The rows that statement wrote for `wo` (placeholder payloads): build their payloads. */
  written?(q: Query, wo: WorkOrder, change: 'new' | 'escalated', rows: readonly { id: number; kind: 'andon' | 'notify' }[]): void;
  /** The transaction of `q` has committed (what it recorded may go out). */
  committed?(q: Query): void;
}

export class WorkOrderRepo {
  readonly spares: SparesRepo;
  /** Follow-ups recorded with every new and escalated order (none when not given). */
  followUps?: WorkOrderFollowUps;
  /**
   * The history of open orders, each with the `history_rev` it belongs to, holding only committed
   * history: used only when the order's row (as read) carries the same token. History read or
   * written inside a transaction is staged per transaction handle and published by `committed(q)`
   * after the commit; a rolled-back transaction's tokens are never reused, so nothing it staged
   * could ever match.
   */
  private readonly historyCache = new Map<number, CacheEntry>();
  private readonly staged = new WeakMap<Query, Map<number, CacheEntry>>();
  /**
   * The open order of each (asset, mode) key as last written or read, with the history token it
   * carried: what the detection upsert does not return (asset, title, created at ...) changes only
   * with a new history token (a transition), so the row is complete again when the upsert reports
   * that token as the one before it (prev_history_rev). Committed data only: staged per
   * transaction and published by `committed(q)`, like the history.
   */
  private readonly rowCache = new Map<string, { rev: number; row: WoRow }>();
  private readonly stagedRows = new WeakMap<Query, Map<string, { rev: number; row: WoRow }>>();
  private batcher?: TxBatcher;
  constructor(readonly store: Store, opts: { followUps?: WorkOrderFollowUps } = {}) {
    this.spares = new SparesRepo(store);
    this.followUps = opts.followUps;
  }

  /** Run fn in the caller's transaction `q`, or in a new one (publishing the cache after its commit). */
  private async within<T>(q: Query | undefined, fn: (q: Query) => Promise<T>): Promise<T> {
    if (q) return fn(q);
    let handle: Query | undefined;
    const out = await this.store.tx(async (t) => {
      handle = t;
      return fn(t);
    });
    if (handle) this.committed(handle);
    return out;
  }

  /**
   * Run fn in a transaction of this repository's group commit: writes that arrive together share
   * one (TxBatcher; `solo`, the one-statement form, runs when a write is alone), and each commit
   * publishes what it staged for the cache. Opened on first use.
   */
  inTx<R>(fn: (q: Query) => Promise<R>, solo?: () => Promise<R>): Promise<R> {
    this.batcher ??= new TxBatcher(this.store, { afterCommit: (q) => this.committed(q) });
    return this.batcher.run(fn, solo);
  }

  /** Resolves when every write given to inTx so far has finished (a node's close). */
  drain(): Promise<void> {
    return this.batcher ? this.batcher.drain() : Promise.resolve();
  }

  /** The transaction of `q` has committed: what it staged for the history cache becomes visible. */
  committed(q: Query): void {
    this.followUps?.committed?.(q);
    const rows = this.stagedRows.get(q);
    if (rows) {
      this.stagedRows.delete(q);
      for (const [key, e] of rows) this.rememberRow(key, e);
    }
    const m = this.staged.get(q);
    if (!m) return;
    this.staged.delete(q);
    for (const [id, e] of m) this.remember(id, e);
  }

  private rememberRow(key: string, e: { rev: number; row: WoRow }): void {
    this.rowCache.delete(key);
    this.rowCache.set(key, e);
    if (this.rowCache.size > HISTORY_CACHE_MAX) this.rowCache.delete(this.rowCache.keys().next().value as string);
  }

  /** Cache an open order's row (read or written through `q`): at once when q is the store, else at commit. */
  private stageRow(q: Query, key: string, row: WoRow): void {
    if (row.history_rev === null || row.is_open !== 1) return;
    const e = { rev: row.history_rev, row };
    if (q === this.store) return this.rememberRow(key, e);
    let m = this.stagedRows.get(q);
    if (!m) this.stagedRows.set(q, (m = new Map()));
    m.set(key, e);
  }

  /**
   * The whole row of the order the detection upsert answered with `d`: a new order from what was
   * inserted, a counted one from the cached row when the token before the detection is the cached
   * one, else read back by id.
   */
  private detectedRow(t: Query, key: string, d: DetectRow, i: DetectInput, crit: number): WoRow | Promise<WoRow> {
    let row: WoRow;
    if (d.prev_severity === null || d.prev_severity === undefined) {
      row = {
        id: d.id, asset: i.asset, line: i.line ?? '', mode: i.mode, title: i.title ?? `${i.mode} on ${i.asset}`, description: '', criticality: crit,
        severity: d.severity, last_severity: d.last_severity, priority: d.priority, status: d.status, is_open: 1, assignee: null, source: 'condition',
        detections: d.detections, evidence: d.evidence, first_seen: i.ts, last_seen: d.last_seen, plan_id: null, occurrence: null, missed: 0, due_at: null,
        repair_min: null, downtime_min: null, failure: 0, parts: '[]', created_at: i.ts, updated_at: d.updated_at, done_at: null, closed_at: null,
        history_rev: d.history_rev, prev_severity: d.prev_severity, prev_priority: d.prev_priority, prev_history_rev: d.prev_history_rev,
      };
    } else {
      const c = this.stagedRows.get(t)?.get(key) ?? this.rowCache.get(key);
      const id = Number(d.id);
      if (c && c.row.id === id && d.prev_history_rev !== null && d.prev_history_rev !== undefined && c.rev === Number(d.prev_history_rev)) row = withDetection(c.row, d);
      else
        return t.one<WoRow>('SELECT * FROM cmms_work_orders WHERE id = ?', [id]).then((r) => {
          if (!r) throw new Error('store: the detected work order is gone');
          norm(r);
          this.stageRow(t, key, r);
          return r;
        });
    }
    norm(row);
    this.stageRow(t, key, row);
    return row;
  }

  private async row(q: Query, id: number): Promise<WoRow | undefined> {
    const r = await q.one<WoRow>('SELECT * FROM cmms_work_orders WHERE id = ?', [id]);
    return r ? norm(r) : undefined;
  }

  private async need(q: Query, id: number): Promise<WoRow> {
    const r = await this.row(q, id);
    if (!r) throw new StateError(`work order ${id} not found`);
    return r;
  }

  private async history(q: Query, id: number): Promise<HistoryEntry[]> {
    const rows = await q.all<HistoryRow>('SELECT ts, action, from_status, to_status, actor, note FROM cmms_wo_history WHERE wo_id = ? ORDER BY id', [id]);
    return rows.map((h) => {
      const ts = Number(h.ts);
      return { ts, at: new Date(ts).toISOString(), action: h.action, from: h.from_status, to: h.to_status, by: h.actor, note: h.note };
    });
  }

  /** Insert a history row; the caller writes a fresh `nextRev()` token into the order in the same transaction. */
  private async addHistory(q: Query, id: number, ts: number, action: string, from: WoStatus | null, to: WoStatus, by: string, note: string): Promise<HistoryEntry> {
    await q.run('INSERT INTO cmms_wo_history (wo_id, ts, action, from_status, to_status, actor, note) VALUES (?, ?, ?, ?, ?, ?, ?)', [id, ts, action, from, to, by, note]);
    return { ts, at: new Date(ts).toISOString(), action, from, to, by, note };
  }

  private remember(id: number, e: CacheEntry): void {
    this.historyCache.delete(id);
    this.historyCache.set(id, e);
    if (this.historyCache.size > HISTORY_CACHE_MAX) this.historyCache.delete(this.historyCache.keys().next().value as number);
  }

  /** Cache history read or written through `q`: at once when q is the store (committed data), else at commit. */
  private stage(q: Query, id: number, rev: number, entries: HistoryEntry[]): void {
    if (q === this.store) return this.remember(id, { rev, entries });
    let m = this.staged.get(q);
    if (!m) this.staged.set(q, (m = new Map()));
    m.set(id, { rev, entries });
  }

  /** The cached history of the order in row `r` when its token matches (no statement), else undefined. */
  private cachedHistory(q: Query, r: WoRow): HistoryEntry[] | undefined {
    if (r.is_open !== 1 || r.history_rev === null) return undefined;
    const c = this.staged.get(q)?.get(r.id) ?? this.historyCache.get(r.id);
    return c && c.rev === r.history_rev ? c.entries : undefined;
  }

  /** The history of the order in row `r` (read through q): cached when its token matches. Shared: copy before handing out. */
  private async historyOfRow(q: Query, r: WoRow): Promise<HistoryEntry[]> {
    const cacheable = r.is_open === 1 && r.history_rev !== null;
    if (cacheable) {
      const c = this.staged.get(q)?.get(r.id) ?? this.historyCache.get(r.id);
      if (c && c.rev === r.history_rev) return c.entries;
    }
    const entries = await this.history(q, r.id);
    if (cacheable) this.stage(q, r.id, r.history_rev as number, entries);
    else if (q === this.store) this.historyCache.delete(r.id);
    return entries;
  }

  async get(id: number, withHistory = true, q: Query = this.store): Promise<WorkOrder> {
    const r = await this.need(q, id);
    const wo = toWorkOrder(r);
    if (withHistory) wo.history = copyHistory(await this.historyOfRow(q, r));
    return wo;
  }

  /** The open work order for (asset, mode), if any. */
  async findOpen(asset: string, mode: string, q: Query = this.store): Promise<WorkOrder | undefined> {
    const r = await q.one<WoRow>('SELECT * FROM cmms_work_orders WHERE dedup_key = ? AND is_open = 1', [dedupKey(asset, mode)]);
    return r ? toWorkOrder(norm(r)) : undefined;
  }

  /**
   * Insert an order. A condition-style finding (a mode on a non-PM order) collides with the open
   * order of its (asset, mode) on the partial unique index, a PM occurrence with its (plan,
   * occurrence): ON CONFLICT DO NOTHING, and undefined comes back.
   */
  private async insert(q: Query, i: CreateInput): Promise<{ id: number; rev: number } | { conflict: 'open'; key: string } | { conflict: 'pm' }> {
    const mode = i.mode ?? '';
    const crit = i.criticality ?? 3;
    const severity = i.severity ?? 'warning';
    const source = i.source ?? 'manual';
    const p = priorityOf(crit, severity);
    const key = mode !== '' && source !== 'pm' ? dedupKey(i.asset, mode) : null;
    const pm = i.planId !== undefined && i.occurrence !== undefined;
    const rev = nextRev();
    const params: SqlValue[] = [
      i.asset, i.line ?? '', mode, i.title, i.description ?? '', crit, severity, severity, i.priority ?? p.priority, key, source,
      i.planId ?? null, i.occurrence ?? null, i.missed ?? 0, i.dueAt ?? null, JSON.stringify(i.parts ?? []), i.ts, i.ts, rev,
    ];
    const onConflict = key !== null ? ' ON CONFLICT (dedup_key) WHERE is_open = 1 DO NOTHING' : pm ? ' ON CONFLICT (plan_id, occurrence) WHERE plan_id IS NOT NULL DO NOTHING' : '';
    const id = await q.insert(INSERT_SQL + onConflict, params);
    if (id === undefined) return key !== null ? { conflict: 'open', key } : { conflict: 'pm' };
    return { id: Number(id), rev };
  }

  private async createIn(q: Query, i: CreateInput): Promise<WorkOrder | undefined> {
    const r = await this.insert(q, i);
    if ('conflict' in r) {
      if (r.conflict === 'pm') return undefined;
      const open = await q.one<{ id: number; status: WoStatus }>('SELECT id, status FROM cmms_work_orders WHERE dedup_key = ? AND is_open = 1', [r.key]);
      throw new StateError(`work order ${woNumber(Number(open?.id ?? 0))} is already ${open?.status ?? 'open'} for asset ${i.asset} and mode ${i.mode ?? ''}`);
    }
    const entries = [await this.addHistory(q, r.id, i.ts, 'create', null, 'open', i.by ?? i.source ?? 'manual', i.description ?? '')];
    this.stage(q, r.id, r.rev, entries);
    const wo = toWorkOrder(await this.need(q, r.id));
    wo.history = copyHistory(entries);
    if (this.followUps) await this.followUps.record(q, wo, 'new');
    return wo;
  }

  /** A new order (StateError when a condition-style one for its asset and mode is already open). */
  async create(i: CreateInput, q?: Query): Promise<WorkOrder> {
    return this.within(q, async (t) => {
      const w = await this.createIn(t, i);
      if (!w) throw new StateError(`PM plan ${i.planId} occurrence ${i.occurrence} already has a work order`);
      return w;
    });
  }

  /**
   * The work order of one PM occurrence, or undefined when that (plan, occurrence) already has one
   * (another box's tick opened it): at most one order per occurrence, by the unique index.
   */
  async createPmOccurrence(i: CreateInput & { planId: number; occurrence: number }, q?: Query): Promise<WorkOrder | undefined> {
    return this.within(q, (t) => this.createIn(t, { ...i, source: 'pm' }));
  }

  /**
   * A condition finding: open a work order for (asset, mode) or update the open one (detections,
   * last seen, evidence: the first finding kept, the latest added; severity raised with an `escalate` history entry, never lowered: a lower
   * severity is kept in `lastSeverity`), all in one upsert on the partial unique index.
   */
  detect(i: DetectInput, q?: Query): Promise<DetectResult> {
    if (q) return this.detectIn(q, i) as Promise<DetectResult>;
    return this.within(q, async (t) => (await this.detectIn(t, i)) as DetectResult);
  }

  /**
   * Whether a detection of (asset, mode) is ONE statement here (PostgreSQL, and follow-ups that
   * need no parts reserved): then `detectOnce` without `q` runs it on its own, without BEGIN and
   * COMMIT (one round trip).
   */
  oneStatement(asset: string, mode: string): boolean {
    if (this.store.dialect !== 'postgres') return false;
    const f = this.followUps;
    return !f || (f.inline !== undefined && f.written !== undefined && f.inline(asset, mode, 'condition') !== undefined);
  }

  /**
   * detect(), applied once per event key: the key is recorded in `outbox_applied` with the
   * detection (the offline outbox's table, nodes/core/store/outbox.ts); undefined when it was
   * applied before. Without `q`: on its own (one statement when `oneStatement`, else its own
   * transaction).
   */
  async detectOnce(i: DetectInput, key: string, q?: Query): Promise<DetectResult | undefined> {
    if (q) return this.detectIn(q, i, key);
    if (this.oneStatement(i.asset, i.mode)) return this.detectIn(this.store, i, key);
    return this.within(undefined, (t) => this.detectIn(t, i, key));
  }

  /** The order's history after an escalation row `entry`: the cached one plus it when the cache holds the history the row had before. */
  private async escalatedHistory(q: Query, r: WoRow, entry: HistoryEntry): Promise<HistoryEntry[]> {
    const c = this.staged.get(q)?.get(r.id) ?? this.historyCache.get(r.id);
    if (c && r.prev_history_rev !== null && r.prev_history_rev !== undefined && c.rev === r.prev_history_rev) return [...c.entries, entry];
    return this.history(q, r.id);
  }

  private async detectIn(t: Query, i: DetectInput, eventKey?: string): Promise<DetectResult | undefined> {
    const crit = i.criticality ?? 3;
    const p = priorityOf(crit, i.severity);
    const rev = nextRev();
    const key = dedupKey(i.asset, i.mode);
    const evidence = i.evidence ?? '';
    const upsert: SqlValue[] = [
        i.asset, i.line ?? '', i.mode, i.title ?? `${i.mode} on ${i.asset}`, crit, i.severity, i.severity, p.priority, key, i.evidence ?? '', i.ts, i.ts, i.ts, i.ts, rev,
      i.evidence === undefined ? 0 : 1,
    ];
    const entryOf = (r: WoRow, created: boolean): HistoryEntry => {
      const at = new Date(i.ts).toISOString();
      return created
        ? { ts: i.ts, at, action: 'detect', from: null, to: 'open', by: 'condition', note: evidence }
        : { ts: i.ts, at, action: 'escalate', from: r.status, to: r.status, by: 'condition', note: escalateNote(r.prev_severity as string, i.severity, r.prev_priority, r.priority, i.evidence) };
    };
    const f = this.followUps;
    if (t.dialect === 'postgres' && this.oneStatement(i.asset, i.mode)) {
      // One statement: key, upsert, history row, follow-up rows.
      const inline = f?.inline?.(i.asset, i.mode, 'condition');
      const params: SqlValue[] = eventKey !== undefined ? [eventKey, Date.now(), ...upsert] : [...upsert];
      params.push(i.ts, evidence, i.severity, i.evidence ? `; ${i.evidence}` : '');
      if (inline?.andon !== undefined) params.push(inline.origin, JSON.stringify({ render: true, kind: inline.andon }), i.ts);
      if (inline?.notify) params.push(inline.origin, i.ts);
      const answer = await t.one<DetectRow & { follow_ups?: string | null }>(pgDetect({ key: eventKey !== undefined, andon: inline?.andon !== undefined, notify: !!inline?.notify }), params);
      if (!answer) {
        if (eventKey !== undefined) return undefined; // applied before
        throw new Error('store: the detection upsert returned no row');
      }
      const known = this.detectedRow(t, key, answer, i, crit);
      const r = known instanceof Promise ? await known : known;
      const created = r.prev_severity === null || r.prev_severity === undefined;
      const escalated = !created && severityRank(r.severity) > severityRank(r.prev_severity as Severity);
      let entries: HistoryEntry[];
      if (created) entries = [entryOf(r, true)];
      else if (escalated) entries = await this.escalatedHistory(t, r, entryOf(r, false));
      else entries = this.cachedHistory(t, r) ?? (await this.historyOfRow(t, r));
      if (created || escalated) this.stage(t, r.id, rev, entries);
      const wo = toWorkOrder(r);
      wo.history = copyHistory(entries);
      const fus = (answer.follow_ups ?? '').split(',').filter(Boolean).map((x) => {
        const [id, kind] = x.split(':');
        return { id: Number(id), kind: kind as 'andon' | 'notify' };
      });
      if (fus.length && f?.written) f.written(t, wo, created ? 'new' : 'escalated', fus);
      return { workOrder: wo, created, escalated };
    }
    if (eventKey !== undefined && (await t.run(RECORD_KEY_SQL, [eventKey, Date.now()])).changes === 0) return undefined;
    const d = await t.one<DetectRow>(DETECT_SQL[t.dialect], upsert);
    if (!d) throw new Error('store: the detection upsert returned no row');
    const known = this.detectedRow(t, key, d, i, crit);
    const r = known instanceof Promise ? await known : known;
    const created = r.prev_severity === null || r.prev_severity === undefined;
    if (created) {
      const entries = [await this.addHistory(t, r.id, i.ts, 'detect', null, 'open', 'condition', evidence)];
      this.stage(t, r.id, rev, entries);
      const wo = toWorkOrder(r);
      wo.history = copyHistory(entries);
      if (f) await f.record(t, wo, 'new');
      return { workOrder: wo, created: true, escalated: false };
    }
    const escalated = severityRank(r.severity) > severityRank(r.prev_severity as Severity);
    let entries: HistoryEntry[];
    if (escalated) {
      const e = entryOf(r, false);
      await this.addHistory(t, r.id, e.ts, e.action, e.from, e.to, e.by, e.note);
      entries = await this.escalatedHistory(t, r, e);
      this.stage(t, r.id, rev, entries);
    } else entries = this.cachedHistory(t, r) ?? (await this.historyOfRow(t, r));
    const wo = toWorkOrder(r);
    wo.history = copyHistory(entries);
    if (escalated && f) await f.record(t, wo, 'escalated');
    return { workOrder: wo, created: false, escalated };
  }

  /**
   * Apply a lifecycle transition; illegal ones throw a StateError naming both states. Load,
   * decide (decideTransition), then save with a compare-and-set on the status it was decided
   * from, so two writers cannot both apply a transition from the same state.
   */
  async transition(t: TransitionInput, q?: Query): Promise<WorkOrder> {
    const id = await this.within(q, async (tq) => {
      for (let attempt = 1; ; attempt++) {
        const r = await this.need(tq, t.id);
        const plan = decideTransition(r, t);
        const rev = nextRev();
        const sets: string[] = ['status = ?', 'is_open = ?', 'updated_at = ?', 'history_rev = ?'];
        const params: SqlValue[] = [plan.to, plan.isOpen ? 1 : 0, Math.max(r.updated_at, t.ts), rev];
        if (!plan.isOpen) sets.push('dedup_key = NULL');
        if (plan.assignee !== undefined) {
          sets.push('assignee = ?');
          params.push(plan.assignee);
        }
        if (plan.complete) {
          const repair = plan.complete.repairMin ?? workedMinutesOf(await this.history(tq, r.id), t.ts);
          sets.push('repair_min = ?', 'downtime_min = ?', 'failure = ?', 'parts = ?', 'done_at = ?');
          params.push(repair, plan.complete.downtimeMin, plan.complete.failure ? 1 : 0, JSON.stringify(plan.complete.parts), t.ts);
        }
        if (plan.closedAt !== undefined) {
          sets.push('closed_at = ?');
          params.push(plan.closedAt);
        }
        params.push(r.id, r.status);
        const res = await tq.run(`UPDATE cmms_work_orders SET ${sets.join(', ')} WHERE id = ? AND status = ?`, params);
        if (res.changes === 0) {
          if (attempt >= MAX_CAS_TRIES) throw new StateError(`work order ${woNumber(r.id)}: changed by another writer ${attempt} times while applying ${t.action}; try again`);
          continue; // another writer moved it: decide again from what it wrote
        }
        let note = plan.note;
        if (plan.complete)
          for (const p of plan.complete.parts) await this.spares.issue({ part: p.part, qty: p.qty, wo: r.id, by: t.by, note: `${woNumber(r.id)} ${r.title}`, ts: t.ts }, tq);
        // A completed or cancelled order holds no stock: what it reserved and did not use goes back
        // (a 'release' move per part, in this transaction).
        if (t.action === 'complete' || t.action === 'cancel') {
          const released = await this.spares.releaseAllFor(r.id, t.by, `${woNumber(r.id)} ${t.action === 'complete' ? 'completed' : 'cancelled'}: not used`, t.ts, tq);
          if (released.length) note = `${note ? `${note}; ` : ''}released ${released.map((x) => `${x.part} x${x.qty}`).join(', ')}`;
        }
        await this.addHistory(tq, r.id, t.ts, t.action, r.status, plan.to, t.by, note);
        return r.id;
      }
    });
    return this.get(id, true, q ?? this.store);
  }

  /** Minutes spent in-progress according to the history (on-hold time excluded). */
  async workedMinutes(id: number, until: number, q: Query = this.store): Promise<number> {
    return workedMinutesOf(await this.history(q, id), until);
  }

  async list(f: ListFilter = {}, q: Query = this.store): Promise<WorkOrder[]> {
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (f.asset !== undefined) {
      where.push('asset = ?');
      params.push(f.asset);
    }
    if (f.line !== undefined) {
      where.push('line = ?');
      params.push(f.line);
    }
    if (f.open !== undefined) where.push(f.open ? 'is_open = 1' : 'is_open = 0');
    if (f.status !== undefined) {
      where.push('status = ?');
      params.push(f.status);
    }
    if (f.source !== undefined) {
      where.push('source = ?');
      params.push(f.source);
    }
    params.push(Math.min(Math.max(1, f.limit ?? 1000), 10_000));
    const sql = `SELECT * FROM cmms_work_orders${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY id${f.newest ? ' DESC' : ''} LIMIT ?`;
    const withHistory = f.history !== false;
    const out: WorkOrder[] = [];
    for (const row of await q.all<WoRow>(sql, params)) {
      const r = norm(row);
      const w = toWorkOrder(r);
      if (withHistory) w.history = copyHistory(await this.historyOfRow(q, r));
      out.push(w);
    }
    return out;
  }

  async countOpen(q: Query = this.store): Promise<number> {
    return Number((await q.one<{ n: number }>('SELECT COUNT(*) AS n FROM cmms_work_orders WHERE is_open = 1'))?.n ?? 0);
  }

  /** Open PM work orders (for rel-pm's status). */
  async countOpenPm(q: Query = this.store): Promise<number> {
    return Number((await q.one<{ n: number }>("SELECT COUNT(*) AS n FROM cmms_work_orders WHERE is_open = 1 AND source = 'pm'"))?.n ?? 0);
  }
}
