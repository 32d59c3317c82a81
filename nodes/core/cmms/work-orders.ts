/**
 * Work orders: the lifecycle open -> assigned -> in-progress -> (on-hold) -> done -> closed
 * (+ cancelled), every transition time-stamped with its actor and note in a history table;
 * deduplicated condition findings (one open work order per asset and failure mode, enforced by
 * a partial unique index and a synchronous transaction); priority from asset criticality x
 * severity; completion with repair time, downtime and parts issued from stock in the same
 * transaction. Pure repository over a Store: no Node-RED.
 */
import { StateError } from '../errors';
import type { SyncStore as Store } from '../store/types';
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

const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());

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

export class WorkOrderRepo {
  readonly spares: SparesRepo;
  /**
   * The history of open orders, each with the `history_rev` it belongs to. Used only when the
   * order's row (read in the current transaction) carries the same token; every history row this
   * repository writes comes with a new token, so nothing uncommitted, rolled back or written by
   * another connection or repository is ever served from here.
   */
  private readonly historyCache = new Map<number, { rev: number; entries: HistoryEntry[] }>();
  constructor(readonly store: Store) {
    this.spares = new SparesRepo(store);
  }

  private row(id: number): WoRow | undefined {
    return this.store.get<WoRow>('SELECT * FROM cmms_work_orders WHERE id = ?', [id]);
  }

  private need(id: number): WoRow {
    const r = this.row(id);
    if (!r) throw new StateError(`work order ${id} not found`);
    return r;
  }

  private history(id: number): HistoryEntry[] {
    return this.store
      .all<HistoryRow>('SELECT ts, action, from_status, to_status, actor, note FROM cmms_wo_history WHERE wo_id = ? ORDER BY id', [id])
      .map((h) => ({ ts: h.ts, at: new Date(h.ts).toISOString(), action: h.action, from: h.from_status, to: h.to_status, by: h.actor, note: h.note }));
  }

  /**
   * Insert a history row. The caller writes a fresh `nextRev()` token into the order's
   * `history_rev` in the same transaction (every history row changes the token).
   */
  private addHistory(id: number, ts: number, action: string, from: WoStatus | null, to: WoStatus, by: string, note: string): HistoryEntry {
    this.store.run('INSERT INTO cmms_wo_history (wo_id, ts, action, from_status, to_status, actor, note) VALUES (?, ?, ?, ?, ?, ?, ?)', [id, ts, action, from, to, by, note]);
    return { ts, at: new Date(ts).toISOString(), action, from, to, by, note };
  }

  private remember(id: number, rev: number, entries: HistoryEntry[]): void {
    this.historyCache.delete(id);
    this.historyCache.set(id, { rev, entries });
    if (this.historyCache.size > HISTORY_CACHE_MAX) this.historyCache.delete(this.historyCache.keys().next().value as number);
  }

  /** The history of the order in row `r` (read in the current transaction): from the cache when its token matches. Shared: copy before handing out. */
  private historyOfRow(r: WoRow): HistoryEntry[] {
    const cacheable = r.is_open === 1 && r.history_rev !== null;
    if (cacheable) {
      const c = this.historyCache.get(r.id);
      if (c && c.rev === r.history_rev) return c.entries;
    }
    const entries = this.history(r.id);
    if (cacheable) this.remember(r.id, r.history_rev as number, entries);
    else this.historyCache.delete(r.id);
    return entries;
  }

  get(id: number, withHistory = true): WorkOrder {
    const r = this.need(id);
    const wo = toWorkOrder(r);
    if (withHistory) wo.history = copyHistory(this.historyOfRow(r));
    return wo;
  }

  /** The open work order for (asset, mode), if any. */
  findOpen(asset: string, mode: string): WorkOrder | undefined {
    const r = this.store.get<WoRow>('SELECT * FROM cmms_work_orders WHERE dedup_key = ? AND is_open = 1', [dedupKey(asset, mode)]);
    return r ? toWorkOrder(r) : undefined;
  }

  create(i: CreateInput): WorkOrder {
    const id = this.store.tx(() => {
      const mode = i.mode ?? '';
      const crit = i.criticality ?? 3;
      const severity = i.severity ?? 'warning';
      const source = i.source ?? 'manual';
      const p = priorityOf(crit, severity);
      // Condition-style findings (a mode on a non-PM order) are deduplicated like detections.
      const key = mode !== '' && source !== 'pm' ? dedupKey(i.asset, mode) : null;
      if (key !== null) {
        const open = this.store.get<{ id: number; status: WoStatus }>('SELECT id, status FROM cmms_work_orders WHERE dedup_key = ? AND is_open = 1', [key]);
        if (open) throw new StateError(`work order ${woNumber(open.id)} is already ${open.status} for asset ${i.asset} and mode ${mode}`);
      }
      const rev = nextRev();
      const r = this.store.run(
        `INSERT INTO cmms_work_orders (asset, line, mode, title, description, criticality, severity, last_severity, priority, status, is_open, dedup_key,
           source, detections, plan_id, occurrence, missed, due_at, parts, created_at, updated_at, history_rev)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', 1, ?, ?, 0, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [
          i.asset, i.line ?? '', mode, i.title, i.description ?? '', crit, severity, severity, i.priority ?? p.priority, key, source,
          i.planId ?? null, i.occurrence ?? null, i.missed ?? 0, i.dueAt ?? null, JSON.stringify(i.parts ?? []), i.ts, i.ts, rev,
        ],
      );
      const id = Number(r.lastInsertRowid);
      this.remember(id, rev, [this.addHistory(id, i.ts, 'create', null, 'open', i.by ?? source, i.description ?? '')]);
      return id;
    });
    return this.get(id);
  }

  /**
   * A condition finding: open a work order for (asset, mode) or update the open one (detections,
   * last seen, evidence; severity raised with an `escalate` history entry, never lowered: a lower
   * severity is kept in `lastSeverity`). Call inside a transaction or alone (it opens its own).
   */
  detect(i: DetectInput): DetectResult {
    return this.store.tx(() => {
      const key = dedupKey(i.asset, i.mode);
      const r = this.store.get<WoRow>('SELECT * FROM cmms_work_orders WHERE dedup_key = ? AND is_open = 1', [key]);
      if (!r) {
        const crit = i.criticality ?? 3;
        const p = priorityOf(crit, i.severity);
        const rev = nextRev();
        const ins = this.store.run(
          `INSERT INTO cmms_work_orders (asset, line, mode, title, description, criticality, severity, last_severity, priority, status, is_open, dedup_key,
             source, detections, evidence, first_seen, last_seen, parts, created_at, updated_at, history_rev)
           VALUES (?, ?, ?, ?, '', ?, ?, ?, ?, 'open', 1, ?, 'condition', 1, ?, ?, ?, '[]', ?, ?, ?)`,
          [i.asset, i.line ?? '', i.mode, i.title ?? `${i.mode} on ${i.asset}`, crit, i.severity, i.severity, p.priority, key, i.evidence ?? '', i.ts, i.ts, i.ts, i.ts, rev],
        );
        const id = Number(ins.lastInsertRowid);
        const entries = [this.addHistory(id, i.ts, 'detect', null, 'open', 'condition', i.evidence ?? '')];
        this.remember(id, rev, entries);
        const wo = toWorkOrder(this.need(id));
        wo.history = copyHistory(entries);
        return { workOrder: wo, created: true, escalated: false };
      }
      const raise = severityRank(i.severity) > severityRank(r.severity);
      const severity = raise ? i.severity : r.severity;
      const priority = raise ? Math.min(r.priority, priorityOf(r.criticality, severity).priority) : r.priority;
      const lastSeen = Math.max(r.last_seen ?? i.ts, i.ts);
      const updatedAt = Math.max(r.updated_at, i.ts);
      const evidence = i.evidence ?? r.evidence;
      // A plain repeat adds no history row (only detections, last seen, evidence change): its
      // history comes from the cache when the row's token matches, else one read.
      let entries = this.historyOfRow(r);
      const rev = raise ? nextRev() : r.history_rev;
      this.store.run(
        `UPDATE cmms_work_orders SET detections = detections + 1, last_seen = ?, severity = ?, last_severity = ?, priority = ?, evidence = ?, updated_at = ?, history_rev = ? WHERE id = ?`,
        [lastSeen, severity, i.severity, priority, evidence, updatedAt, rev, r.id],
      );
      if (raise) {
        const note = `severity ${r.severity} -> ${i.severity}; priority P${r.priority} -> P${priority}${i.evidence ? `; ${i.evidence}` : ''}`;
        entries = [...entries, this.addHistory(r.id, i.ts, 'escalate', r.status, r.status, 'condition', note)];
        this.remember(r.id, rev as number, entries);
      }
      // The updated order from the row in hand (no second read), with its history.
      r.detections += 1;
      r.last_seen = lastSeen;
      r.severity = severity;
      r.last_severity = i.severity;
      r.priority = priority;
      r.evidence = evidence;
      r.updated_at = updatedAt;
      r.history_rev = rev;
      const wo = toWorkOrder(r);
      wo.history = copyHistory(entries);
      return { workOrder: wo, created: false, escalated: raise };
    });
  }

  /** Apply a lifecycle transition; illegal ones throw a StateError naming both states. */
  transition(t: TransitionInput): WorkOrder {
    this.store.tx(() => {
      const r = this.need(t.id);
      const rule = TRANSITIONS[t.action];
      if (!rule.from.includes(r.status))
        throw new StateError(`work order ${woNumber(r.id)}: cannot ${t.action} from status ${r.status} to ${rule.to} (${t.action} needs ${rule.from.join(' or ')})`);
      const to = rule.to;
      const isOpen = (OPEN_STATUSES as readonly string[]).includes(to) ? 1 : 0;
      const sets: string[] = ['status = ?', 'is_open = ?', 'updated_at = ?', 'history_rev = ?'];
      const params: (string | number | null)[] = [to, isOpen, Math.max(r.updated_at, t.ts), nextRev()];
      if (!isOpen) {
        sets.push('dedup_key = ?');
        params.push(null);
      }
      let note = t.note ?? '';
      if (t.action === 'assign') {
        sets.push('assignee = ?');
        params.push(t.assignee ?? t.by);
        if (!note) note = `assigned to ${t.assignee ?? t.by}`;
      }
      if (t.action === 'complete') {
        const repair = t.repairMin ?? this.workedMinutes(r.id, t.ts);
        const downtime = t.downtimeMin ?? 0;
        const failure = t.failure ?? (r.source !== 'pm' && downtime > 0);
        const parts = t.parts ?? [];
        for (const p of parts) this.spares.issue({ part: p.part, qty: p.qty, wo: r.id, by: t.by, note: `${woNumber(r.id)} ${r.title}`, ts: t.ts });
        sets.push('repair_min = ?', 'downtime_min = ?', 'failure = ?', 'parts = ?', 'done_at = ?');
        params.push(repair, downtime, failure ? 1 : 0, JSON.stringify(parts), t.ts);
      }
      if (t.action === 'close' || t.action === 'cancel') {
        sets.push('closed_at = ?');
        params.push(t.ts);
      }
      // A completed or cancelled order holds no stock: what it reserved and did not use goes back
      // (a 'release' move per part, in this transaction).
      if (t.action === 'complete' || t.action === 'cancel') {
        const released = this.spares.releaseAllFor(r.id, t.by, `${woNumber(r.id)} ${t.action === 'complete' ? 'completed' : 'cancelled'}: not used`, t.ts);
        if (released.length) note = `${note ? `${note}; ` : ''}released ${released.map((x) => `${x.part} x${x.qty}`).join(', ')}`;
      }
      params.push(r.id);
      this.store.run(`UPDATE cmms_work_orders SET ${sets.join(', ')} WHERE id = ?`, params);
      this.addHistory(r.id, t.ts, t.action, r.status, to, t.by, note);
    });
    return this.get(t.id);
  }

  /** Minutes spent in-progress according to the history (on-hold time excluded). */
  workedMinutes(id: number, until: number): number {
    let ms = 0;
    let since: number | null = null;
    for (const h of this.history(id)) {
      if (h.to === 'in-progress' && since === null) since = h.ts;
      else if (h.to !== 'in-progress' && since !== null) {
        ms += h.ts - since;
        since = null;
      }
    }
    if (since !== null) ms += until - since;
    return Math.max(0, ms) / 60_000;
  }

  list(f: ListFilter = {}): WorkOrder[] {
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
    return this.store.all<WoRow>(sql, params).map((r) => {
      const w = toWorkOrder(r);
      if (withHistory) w.history = copyHistory(this.historyOfRow(r));
      return w;
    });
  }

  countOpen(): number {
    return this.store.get<{ n: number }>('SELECT COUNT(*) AS n FROM cmms_work_orders WHERE is_open = 1')?.n ?? 0;
  }
}
