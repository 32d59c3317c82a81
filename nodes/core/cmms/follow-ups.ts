/**
 * Follow-ups of work orders, crash-consistent: what a new or escalated order causes is decided
 * and written in the transaction that writes the order (WorkOrderRepo calls `FollowUps.record`
 * with its `q`), so a crash can never leave an order without its reservations or its Andon call.
 *
 * - Parts the order's failure mode needs (a `PartsPlan`) are reserved in that same transaction
 *   (cmms_reservations and the conditional stock update of SparesRepo): applied exactly once with
 *   the order. Parts short in stock or unknown are named in the notification instead.
 * - The rest goes to the `cmms_follow_ups` outbox in that transaction: `andon` (raise a call at the
 *   asset) and `notify` (the new / escalated announcement). A `FollowUpDispatcher` delivers them
 *   at least once: after each commit, on start (everything undelivered of its origin, also what
 *   was in flight when the process died), and again when a sent one is not acknowledged within
 *   `resendMs` (at most `maxAttempts` times since the process started, then it is marked failed). The follow-up id is the
 *   idempotency key (`followUpKey`): the Andon board records it with the call, so a second
 *   delivery raises nothing.
 *
 * No Node-RED here: the node glue sends the messages (`followUpMessage`) and acknowledges them.
 */
import { InputError, StateError } from '../errors';
import type { Query, Store } from '../store/types';
import { SparesRepo } from './spares';
import { WorkOrderRepo, type WoSource, type WorkOrder, type WorkOrderFollowUps } from './work-orders';

export { PLACEHOLDER } from './work-orders';

export const FOLLOW_UP_KINDS = ['andon', 'notify'] as const;
export type FollowUpKind = (typeof FOLLOW_UP_KINDS)[number];

export interface PartNeed {
  part: string;
  qty: number;
}

const MAX_RULES = 500;
const MAX_PARTS_PER_RULE = 20;
const PART_RE = /^([A-Za-z0-9][\w.\-/]{0,199})(?:\s*[x*:]\s*(\d+(?:\.\d+)?))?$/;

/**
 * The parts a new order reserves, by failure mode, optionally per asset: one rule per line (or
 * separated by ";"): `mode: PART[ xQTY][, PART[ xQTY]]`, or `asset/mode: ...` for one asset
 * (wins over the mode's rule). Example:
 *
 *   bearing-outer-race: SKF-6205-2RS
 *   filler-1/bearing-outer-race: SKF-6203-2RS
 *   misalignment: SHIM-SET, BOLT-KIT-M12 x4
 */
export class PartsPlan {
  private constructor(private readonly rules: ReadonlyMap<string, readonly PartNeed[]>) {}

  static readonly EMPTY = new PartsPlan(new Map());

  static parse(text: unknown, path = 'parts'): PartsPlan {
    if (text === undefined || text === null || text === '') return PartsPlan.EMPTY;
    if (typeof text !== 'string') throw new InputError(path, 'rules "mode: PART xQTY, ..." one per line', text);
    if (text.length > 50_000) throw new InputError(path, 'at most 50000 characters', text);
    const rules = new Map<string, PartNeed[]>();
    const lines = text.split(/[\n;]/).map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
    if (lines.length > MAX_RULES) throw new InputError(path, `at most ${MAX_RULES} rules`, text);
    for (const line of lines) {
      const colon = line.indexOf(':');
      const key = colon > 0 ? line.slice(0, colon).trim() : '';
      if (!key) throw new InputError(path, 'a rule "mode: PART xQTY" (or "asset/mode: ...")', line);
      const items = line.slice(colon + 1).split(',').map((x) => x.trim()).filter(Boolean);
      if (!items.length || items.length > MAX_PARTS_PER_RULE) throw new InputError(path, `1 to ${MAX_PARTS_PER_RULE} parts after "${key}:"`, line);
      const needs = items.map((item) => {
        const m = PART_RE.exec(item);
        const qty = m ? (m[2] === undefined ? 1 : Number(m[2])) : NaN;
        if (!m || !(qty > 0) || qty > 1e6) throw new InputError(path, 'a part id with an optional quantity, e.g. SKF-6205-2RS or BOLT-KIT-M12 x4', item);
        return { part: m[1]!, qty };
      });
      if (rules.has(key)) throw new InputError(path, `one rule per mode ("${key}" appears twice)`, line);
      rules.set(key, needs);
    }
    return new PartsPlan(rules);
  }

  get size(): number {
    return this.rules.size;
  }

  /** The parts of (asset, mode): the asset's own rule, else the mode's, else none. */
  partsFor(asset: string, mode: string): PartNeed[] {
    if (!mode) return [];
    const r = this.rules.get(`${asset}/${mode}`) ?? this.rules.get(mode);
    return r ? r.map((p) => ({ ...p })) : [];
  }
}

/** What new and escalated orders cause. */
export interface FollowUpPolicy {
  /** The dispatcher that delivers these follow-ups (the rel-work-order node, scoped by box). */
  origin: string;
  parts?: PartsPlan;
  /** Raise an Andon call of this kind for a new order of these sources; null: no Andon call. */
  andon?: { kind: string; sources: readonly WoSource[] } | null;
  /** Announce new and escalated orders (default true). */
  notify?: boolean;
  /**
   * Kinds whose sending is their delivery (nothing is wired to acknowledge them): written as
   * sent and delivered with the order, then sent once after the commit; no statement marks them
   * later (a process that stops in between had nothing to deliver them to).
   */
  delivered?: readonly FollowUpKind[];
}

export interface FollowUp {
  id: number;
  wo: number;
  kind: FollowUpKind;
  origin: string;
  payload: Record<string, unknown>;
  createdAt: number;
  sentAt: number | null;
  attempts: number;
  deliveredAt: number | null;
  failedAt: number | null;
  lastError: string | null;
  /**
   * Not stored: the payload's JSON, built after the row was written (a placeholder is stored, see
   * `PLACEHOLDER`), to be written with the row's first send.
   */
  fill?: string;
}

/** The placeholder payload of an Andon follow-up written by the one-statement detection (its kind of call); see PLACEHOLDER. */
export function andonPlaceholder(kind: string): string {
  return JSON.stringify({ render: true, kind });
}

interface FollowUpRow {
  id: number;
  wo_id: number;
  kind: FollowUpKind;
  origin: string;
  payload: string;
  created_at: number;
  sent_at: number | null;
  attempts: number;
  delivered_at: number | null;
  failed_at: number | null;
  last_error: string | null;
}

const n = (v: number | null): number | null => (v === null || v === undefined ? null : Number(v));

function toFollowUp(r: FollowUpRow): FollowUp {
  return {
    id: Number(r.id),
    wo: Number(r.wo_id),
    kind: r.kind,
    origin: r.origin,
    payload: JSON.parse(r.payload) as Record<string, unknown>,
    createdAt: Number(r.created_at),
    sentAt: n(r.sent_at),
    attempts: Number(r.attempts),
    deliveredAt: n(r.delivered_at),
    failedAt: n(r.failed_at),
    lastError: r.last_error,
  };
}

/** The idempotency key a receiver records: the follow-up's id in its plant database. */
export function followUpKey(id: number): string {
  return `wo-follow-up:${id}`;
}

/** The outbox table (`cmms_follow_ups`, cmms migration 5). Every method takes the Query to run on. */
export class FollowUpRepo {
  constructor(readonly store: Store) {}

  async add(q: Query, f: { wo: number; kind: FollowUpKind; origin: string; payload: unknown; ts: number }): Promise<number> {
    return this.addJson(q, { wo: f.wo, kind: f.kind, origin: f.origin, json: JSON.stringify(f.payload), ts: f.ts });
  }

  /** add() with the payload already as JSON text. */
  async addJson(q: Query, f: { wo: number; kind: FollowUpKind; origin: string; json: string; ts: number; delivered?: boolean }): Promise<number> {
    const id = f.delivered
      ? await q.insert('INSERT INTO cmms_follow_ups (wo_id, kind, origin, payload, created_at, sent_at, attempts, delivered_at) VALUES (?, ?, ?, ?, ?, ?, 1, ?)', [f.wo, f.kind, f.origin, f.json, f.ts, f.ts, f.ts])
      : await q.insert('INSERT INTO cmms_follow_ups (wo_id, kind, origin, payload, created_at) VALUES (?, ?, ?, ?, ?)', [f.wo, f.kind, f.origin, f.json, f.ts]);
    if (id === undefined) throw new Error('store: the follow-up was not stored');
    return Number(id);
  }

  /**
   * Undelivered, not failed follow-ups of `origin` with an id above `afterId`, oldest first; with
   * `sentBefore`, only those never sent or last sent at or before it.
   */
  async pending(origin: string, o: { afterId?: number; sentBefore?: number; limit?: number } = {}, q: Query = this.store): Promise<FollowUp[]> {
    const params: (string | number)[] = [origin, o.afterId ?? 0];
    let sent = '';
    if (o.sentBefore !== undefined) {
      sent = ' AND (sent_at IS NULL OR sent_at <= ?)';
      params.push(o.sentBefore);
    }
    params.push(Math.min(Math.max(1, o.limit ?? 100), 10_000));
    const rows = await q.all<FollowUpRow>(`SELECT * FROM cmms_follow_ups WHERE origin = ? AND delivered_at IS NULL AND failed_at IS NULL AND id > ?${sent} ORDER BY id LIMIT ?`, params);
    return rows.map(toFollowUp);
  }

  /** Sent now: one more attempt, or the first of a new series (`restart`: sent by a process that just started). */
  async markSent(ids: readonly number[], ts: number, q: Query = this.store, restart = false): Promise<void> {
    await this.claim(ids.map((id) => ({ id })), ts, { restart }, q);
  }

  /**
   * Mark follow-ups sent in one statement (one commit, one round trip), writing the payload of
   * those that carry one (`fill`), and delivered at once those in `delivered`. `unsent`: only
   * those never sent (the rows a transaction just wrote; a scan may have sent one meanwhile).
   * Resolves with the ids it marked (a delivered one, or one already sent with `unsent`, is left out).
   */
  async claim(rows: readonly { id: number; payload?: string }[], ts: number, o: { restart?: boolean; unsent?: boolean; delivered?: readonly number[] } = {}, q: Query = this.store): Promise<number[]> {
    const out: number[] = [];
    for (let i = 0; i < rows.length; i += 200) {
      const chunk = rows.slice(i, i + 200);
      const params: (string | number)[] = [ts, o.restart ? 1 : 0];
      const filled = chunk.filter((r) => r.payload !== undefined);
      const delivered = o.delivered?.length ? chunk.filter((r) => o.delivered!.includes(r.id)) : [];
      let sets = 'sent_at = ?, attempts = CASE WHEN ? = 1 THEN 1 ELSE attempts + 1 END';
      if (delivered.length) {
        sets += `, delivered_at = CASE WHEN id IN (${delivered.map(() => '?').join(', ')}) THEN ? ELSE delivered_at END`;
        params.push(...delivered.map((r) => r.id), ts);
      }
      if (filled.length) {
        sets += `, payload = CASE id${filled.map(() => ' WHEN ? THEN ?').join('')} ELSE payload END`;
        for (const r of filled) params.push(r.id, r.payload as string);
      }
      params.push(...chunk.map((r) => r.id));
      const sql = `UPDATE cmms_follow_ups SET ${sets} WHERE id IN (${chunk.map(() => '?').join(', ')}) AND delivered_at IS NULL${o.unsent ? ' AND sent_at IS NULL' : ''} RETURNING id`;
      for (const r of await q.all<{ id: number }>(sql, params)) out.push(Number(r.id));
    }
    return out;
  }

  /** Mark follow-ups delivered in one statement; the ids it marked. */
  async markDeliveredAll(ids: readonly number[], ts: number, q: Query = this.store): Promise<number[]> {
    const out: number[] = [];
    for (let i = 0; i < ids.length; i += 500) {
      const chunk = ids.slice(i, i + 500);
      const rows = await q.all<{ id: number }>(`UPDATE cmms_follow_ups SET delivered_at = ? WHERE id IN (${chunk.map(() => '?').join(', ')}) AND delivered_at IS NULL RETURNING id`, [ts, ...chunk]);
      for (const r of rows) out.push(Number(r.id));
    }
    return out;
  }

  /**
   * The payload of a follow-up stored with a placeholder (PLACEHOLDER), built from the order as it
   * is stored now; undefined for a follow-up stored with its payload.
   */
  async render(f: FollowUp, q: Query = this.store): Promise<Record<string, unknown> | undefined> {
    if (f.payload.render !== true) return undefined;
    const wo = await new WorkOrderRepo(this.store).get(f.wo, true, q);
    return f.kind === 'andon' ? andonPayload(wo, String(f.payload.kind ?? '')) : notifyPayload(wo, f.payload.event === 'escalated' ? 'escalated' : 'new');
  }

  /** True when this call marked it (false: already delivered, or unknown). */
  async markDelivered(id: number, ts: number, q: Query = this.store): Promise<boolean> {
    return (await q.run('UPDATE cmms_follow_ups SET delivered_at = ? WHERE id = ? AND delivered_at IS NULL', [ts, id])).changes > 0;
  }

  async markFailed(id: number, ts: number, error: string, q: Query = this.store): Promise<void> {
    await q.run('UPDATE cmms_follow_ups SET failed_at = ?, last_error = ? WHERE id = ? AND delivered_at IS NULL', [ts, error.slice(0, 2000), id]);
  }

  /** Put failed follow-ups of `origin` back in the queue (attempts start again); how many. */
  async retryFailed(origin: string, q: Query = this.store): Promise<number> {
    return (await q.run('UPDATE cmms_follow_ups SET failed_at = NULL, last_error = NULL, attempts = 0 WHERE origin = ? AND failed_at IS NOT NULL AND delivered_at IS NULL', [origin])).changes;
  }

  async forOrder(wo: number, q: Query = this.store): Promise<FollowUp[]> {
    return (await q.all<FollowUpRow>('SELECT * FROM cmms_follow_ups WHERE wo_id = ? ORDER BY id', [wo])).map(toFollowUp);
  }

  async get(id: number, q: Query = this.store): Promise<FollowUp | undefined> {
    const r = await q.one<FollowUpRow>('SELECT * FROM cmms_follow_ups WHERE id = ?', [id]);
    return r ? toFollowUp(r) : undefined;
  }

  /** Forget delivered follow-ups delivered before `before`; how many. */
  async prune(before: number, q: Query = this.store): Promise<number> {
    return (await q.run('DELETE FROM cmms_follow_ups WHERE delivered_at IS NOT NULL AND delivered_at < ?', [before])).changes;
  }
}

/** Sources of new orders that raise an Andon call by default (PM work is planned; an order from an Andon call has one). */
export const ANDON_SOURCES: readonly WoSource[] = ['condition', 'manual'];

/** The payload of an Andon follow-up of `wo`. */
export function andonPayload(wo: WorkOrder, kind: string): Record<string, unknown> {
  return { station: wo.asset, kind, text: `${wo.number} ${wo.title}`.slice(0, 200), source: 'work-order', wo: wo.number };
}

/** The payload of a notify follow-up of `wo` (`reserved` and `short` for a new one). */
export function notifyPayload(wo: WorkOrder, change: 'new' | 'escalated', reserved: PartNeed[] = [], short: (PartNeed & { reason: string })[] = []): Record<string, unknown> {
  return { event: change, workOrder: wo, ...(change === 'new' ? { reserved, short } : {}) };
}

/**
 * Follow-ups committed by this process and not yet sent, per origin: the dispatcher of that origin
 * sends them without reading them back (FollowUpDispatcher.kick). Bounded: what falls off (no
 * dispatcher running for an origin) is found by the dispatcher's next scan of the table.
 */
const fresh = new Map<string, FollowUp[]>();
const MAX_FRESH = 2000;

function publish(rows: readonly FollowUp[]): void {
  for (const f of rows) {
    let list = fresh.get(f.origin);
    if (!list) fresh.set(f.origin, (list = []));
    list.push(f);
    if (list.length > MAX_FRESH) list.splice(0, list.length - MAX_FRESH);
  }
}

function takeFresh(origin: string): FollowUp[] {
  const list = fresh.get(origin);
  if (!list) return [];
  fresh.delete(origin);
  return list;
}

/** What a one-statement detection writes itself (WorkOrderRepo.detect on PostgreSQL). */
export interface InlineFollowUps {
  origin: string;
  /** The Andon call kind for a new order, when one is raised. */
  andon?: string;
  notify: boolean;
}

/**
 * The follow-ups of a policy: give it to `new WorkOrderRepo(store, { followUps })`, and every new
 * or escalated order written through that repository (with or without a caller's `q`) records
 * them in its own transaction. What a transaction recorded is handed to the origin's dispatcher
 * after its commit (`committed(q)`, called by the repository).
 */
export class FollowUps implements WorkOrderFollowUps {
  readonly repo: FollowUpRepo;
  private readonly spares: SparesRepo;
  private readonly staged = new WeakMap<Query, FollowUp[]>();

  constructor(
    readonly store: Store,
    readonly policy: FollowUpPolicy,
  ) {
    this.repo = new FollowUpRepo(store);
    this.spares = new SparesRepo(store);
  }

  private stage(q: Query, rows: FollowUp[]): void {
    if (q === this.store) return publish(rows);
    const list = this.staged.get(q);
    if (list) list.push(...rows);
    else this.staged.set(q, rows);
  }

  /** The transaction of `q` has committed: what it recorded goes to the dispatcher. */
  committed(q: Query): void {
    const list = this.staged.get(q);
    if (!list) return;
    this.staged.delete(q);
    publish(list);
  }

  /** The follow-up as the dispatcher gets it: its own copy of the payload (the order object also goes out on the node's output). */
  private row(id: number, wo: WorkOrder, kind: FollowUpKind, json: string, ts: number, fill: boolean): FollowUp {
    const payload = JSON.parse(json) as Record<string, unknown>;
    return { id, wo: wo.id, kind, origin: this.policy.origin, payload, createdAt: ts, sentAt: null, attempts: 0, deliveredAt: null, failedAt: null, lastError: null, ...(fill ? { fill: json } : {}) };
  }

  /**
   * What a detection of (asset, mode) records when it can be written by the detection statement
   * itself: nothing to reserve (no parts rule for it). Undefined when it needs `record`.
   */
  inline(asset: string, mode: string, source: WoSource): InlineFollowUps | undefined {
    const p = this.policy;
    if ((p.parts ?? PartsPlan.EMPTY).partsFor(asset, mode).length) return undefined;
    const a = p.andon;
    return { origin: p.origin, andon: a && a.sources.includes(source) ? a.kind : undefined, notify: p.notify !== false };
  }

  /** The rows a detection statement wrote for `wo` (placeholders): their payloads, handed to the dispatcher after the commit. */
  written(q: Query, wo: WorkOrder, change: 'new' | 'escalated', rows: readonly { id: number; kind: FollowUpKind }[]): void {
    const ts = Date.parse(wo.updatedAt);
    const a = this.policy.andon;
    this.stage(
      q,
      rows.map((r) => this.row(r.id, wo, r.kind, JSON.stringify(r.kind === 'andon' ? andonPayload(wo, a?.kind ?? '') : notifyPayload(wo, change)), ts, true)),
    );
  }

  async record(q: Query, wo: WorkOrder, change: 'new' | 'escalated'): Promise<void> {
    const p = this.policy;
    const ts = Date.parse(wo.updatedAt);
    const reserved: PartNeed[] = [];
    const short: (PartNeed & { reason: string })[] = [];
    const rows: FollowUp[] = [];
    const add = async (kind: FollowUpKind, payload: Record<string, unknown>) => {
      const json = JSON.stringify(payload);
      const delivered = p.delivered?.includes(kind) ?? false;
      const id = await this.repo.addJson(q, { wo: wo.id, kind, origin: p.origin, json, ts, delivered });
      const f = this.row(id, wo, kind, json, ts, false);
      if (delivered) Object.assign(f, { sentAt: ts, attempts: 1, deliveredAt: ts });
      rows.push(f);
    };
    if (change === 'new') {
      for (const need of (p.parts ?? PartsPlan.EMPTY).partsFor(wo.asset, wo.mode)) {
        try {
          await this.spares.reserve({ part: need.part, qty: need.qty, wo: wo.id, by: 'cmms', note: `${wo.number} ${wo.mode}`, ts }, q);
          reserved.push(need);
        } catch (e) {
          // Short or unknown part: a StateError raised before any statement failed, so the
          // transaction goes on; the order is announced with what could not be reserved.
          if (!(e instanceof StateError)) throw e;
          short.push({ ...need, reason: e.message });
        }
      }
      const a = p.andon;
      if (a && a.sources.includes(wo.source)) await add('andon', andonPayload(wo, a.kind));
    }
    if (p.notify !== false) await add('notify', notifyPayload(wo, change, reserved, short));
    if (rows.length) this.stage(q, rows);
  }
}

/** The message a follow-up goes out as (the node adds nothing but sends it). */
export function followUpMessage(f: FollowUp): { topic: string; action?: string; event?: string; payload: unknown; followUp: { id: number; key: string; kind: FollowUpKind; attempt: number }; reserved?: unknown; short?: unknown } {
  const followUp = { id: f.id, key: followUpKey(f.id), kind: f.kind, attempt: f.attempts };
  if (f.kind === 'andon') return { topic: 'andon/raise', action: 'raise', payload: { ...f.payload, key: followUp.key }, followUp };
  const p = f.payload as { event: string; workOrder: unknown; reserved?: unknown; short?: unknown };
  return { topic: `work-order/${p.event}`, event: p.event, payload: p.workOrder, followUp, ...(p.reserved !== undefined ? { reserved: p.reserved, short: p.short } : {}) };
}

export interface DispatcherOptions {
  origin: string;
  now: () => number;
  /**
   * Send a batch. Resolves with the ids already applied (marked delivered at once); the others
   * wait for `ack(id)` and go out again after `resendMs`.
   */
  send: (batch: FollowUp[]) => Promise<readonly number[]> | readonly number[];
  resendMs?: number;
  maxAttempts?: number;
  batchSize?: number;
  /** A follow-up given up after maxAttempts sends (marked failed; `retryFailed` puts it back). */
  onFailed?: (f: FollowUp, why: string) => void;
  /**
   * Whether sending `f` is its delivery (nothing is wired to wait for an acknowledgement): such
   * a follow-up is marked sent and delivered in one statement before it goes out. When it is
   * not given, `send`'s answer says which were applied.
   */
  atOnce?: (f: FollowUp) => boolean;
}

/**
 * Delivers one origin's follow-ups at least once. Runs are serialised; kicks that arrive while one
 * waits are folded into it.
 */
export class FollowUpDispatcher {
  private chain: Promise<unknown> = Promise.resolve();
  private next: Promise<number> | undefined;
  private wantAll = false;
  private closed = false;
  /** When the table was last scanned (drain). */
  private lastScan = 0;
  readonly resendMs: number;
  readonly maxAttempts: number;
  private readonly batchSize: number;

  constructor(
    readonly repo: FollowUpRepo,
    private readonly o: DispatcherOptions,
  ) {
    this.resendMs = o.resendMs ?? 60_000;
    this.maxAttempts = o.maxAttempts ?? 5;
    this.batchSize = o.batchSize ?? 100;
  }

  /**
   * Deliver what is due; resolves with how many were sent. `all` (on start): every undelivered
   * follow-up of the origin, also those sent before (the process that sent them may have died
   * before the receiver applied them); else those never sent and those sent `resendMs` ago or
   * earlier and not acknowledged.
   */
  kick(all = false): Promise<number> {
    if (all) this.wantAll = true;
    if (!this.next) {
      const run = this.chain.then(() => {
        this.next = undefined;
        const a = this.wantAll;
        this.wantAll = false;
        return this.closed ? 0 : this.drain(a);
      });
      this.next = run;
      this.chain = run.catch(() => undefined);
    }
    return this.next;
  }

  /** The receiver applied follow-up `id`. */
  ack(id: number): Promise<boolean> {
    return this.repo.markDelivered(id, this.o.now());
  }

  /**
   * One run. The follow-ups this process committed for the origin since the last run go out
   * first, without reading them back (one statement marks them sent, writing the payloads built
   * after their rows). The table is scanned on start (`all`), when nothing was handed over, and at
   * least every `resendMs` (unacknowledged ones, and what another path wrote: replayed events).
   */
  private async drain(all: boolean): Promise<number> {
    let sent = 0;
    // On start the scan sends every undelivered one: what was handed over is among them.
    const handed = takeFresh(this.o.origin);
    if (handed.length && !all) sent += await this.deliver(handed, this.o.now(), false, true);
    const now = this.o.now();
    if (!all && handed.length && now - this.lastScan < this.resendMs) return sent;
    this.lastScan = now;
    let after = 0;
    for (;;) {
      const now = this.o.now();
      const batch = await this.repo.pending(this.o.origin, { afterId: after, sentBefore: all ? undefined : now - this.resendMs, limit: this.batchSize });
      if (!batch.length) return sent;
      after = batch[batch.length - 1]!.id;
      const out: FollowUp[] = [];
      for (const f of batch) {
        // On start every undelivered one goes out and its attempts count again from 1: sends cut
        // short by crashes are not the receiver's failures to acknowledge.
        if (all || f.attempts < this.maxAttempts) {
          out.push(f);
          continue;
        }
        const why = `not acknowledged after ${f.attempts} sends`;
        await this.repo.markFailed(f.id, now, why);
        this.o.onFailed?.(f, why);
      }
      // Stored with a placeholder (the process stopped before the first send): built from the order now.
      for (const f of out) {
        let p: Record<string, unknown> | undefined;
        try {
          p = await this.repo.render(f);
        } catch (e) {
          if (!(e instanceof StateError)) throw e; // the order is gone: nothing to build it from
          await this.repo.markFailed(f.id, now, `cannot build the follow-up: ${e.message}`);
          this.o.onFailed?.(f, e.message);
          f.failedAt = now;
          continue;
        }
        if (p) {
          f.payload = p;
          f.fill = JSON.stringify(p);
        }
      }
      sent += await this.deliver(out.filter((f) => f.failedAt === null), now, all, false);
      if (batch.length < this.batchSize || this.closed) return sent;
    }
  }

  /**
   * Mark sent (and delivered, those sent at once) in one statement, send, mark delivered what the
   * send applied. `unsent`: rows a transaction just wrote, sent only if no scan sent them meanwhile.
   */
  private async deliver(rows: FollowUp[], now: number, restart: boolean, unsent: boolean): Promise<number> {
    // Written delivered with the order (FollowUpPolicy.delivered): sent once, nothing to mark.
    const written = unsent ? rows.filter((f) => f.deliveredAt !== null) : [];
    if (written.length) {
      await this.o.send(written);
      rows = rows.filter((f) => f.deliveredAt === null);
    }
    if (!rows.length) return written.length;
    const atOnce = this.o.atOnce ? rows.filter((f) => this.o.atOnce!(f)).map((f) => f.id) : [];
    // Marked sent before it goes out: a crash in between sends it again on start.
    const marked = new Set(await this.repo.claim(rows.map((f) => ({ id: f.id, payload: f.fill })), now, { restart, unsent, delivered: atOnce }));
    const out = rows.filter((f) => marked.has(f.id));
    if (!out.length) return written.length;
    for (const f of out) {
      f.sentAt = now;
      f.attempts = restart || unsent ? 1 : f.attempts + 1;
      delete f.fill;
    }
    const done = new Set(atOnce);
    const applied = await this.o.send(out);
    const left = applied.filter((id) => !done.has(id));
    if (left.length) await this.repo.markDeliveredAll(left, this.o.now());
    return written.length + out.length;
  }

  /** No new runs; resolves when the current one has finished. */
  async close(): Promise<void> {
    this.closed = true;
    await this.chain;
  }
}
