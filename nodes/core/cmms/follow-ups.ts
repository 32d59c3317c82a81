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
 *   `resendMs` (at most `maxAttempts` times, then it is marked failed). The follow-up id is the
 *   idempotency key (`followUpKey`): the Andon board records it with the call, so a second
 *   delivery raises nothing.
 *
 * No Node-RED here: the node glue sends the messages (`followUpMessage`) and acknowledges them.
 */
import { InputError, StateError } from '../errors';
import type { Query, Store } from '../store/types';
import { SparesRepo } from './spares';
import type { WoSource, WorkOrder, WorkOrderFollowUps } from './work-orders';

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
    const id = await q.insert('INSERT INTO cmms_follow_ups (wo_id, kind, origin, payload, created_at) VALUES (?, ?, ?, ?, ?)', [f.wo, f.kind, f.origin, JSON.stringify(f.payload), f.ts]);
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

  async markSent(ids: readonly number[], ts: number, q: Query = this.store): Promise<void> {
    for (const id of ids) await q.run('UPDATE cmms_follow_ups SET sent_at = ?, attempts = attempts + 1 WHERE id = ? AND delivered_at IS NULL', [ts, id]);
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

/**
 * The follow-ups of a policy: give it to `new WorkOrderRepo(store, { followUps })`, and every new
 * or escalated order written through that repository (with or without a caller's `q`) records
 * them in its own transaction.
 */
export class FollowUps implements WorkOrderFollowUps {
  readonly repo: FollowUpRepo;
  private readonly spares: SparesRepo;

  constructor(
    readonly store: Store,
    readonly policy: FollowUpPolicy,
  ) {
    this.repo = new FollowUpRepo(store);
    this.spares = new SparesRepo(store);
  }

  async record(q: Query, wo: WorkOrder, change: 'new' | 'escalated'): Promise<void> {
    const p = this.policy;
    const ts = Date.parse(wo.updatedAt);
    const reserved: PartNeed[] = [];
    const short: (PartNeed & { reason: string })[] = [];
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
      if (a && a.sources.includes(wo.source))
        await this.repo.add(q, { wo: wo.id, kind: 'andon', origin: p.origin, ts, payload: { station: wo.asset, kind: a.kind, text: `${wo.number} ${wo.title}`.slice(0, 200), source: 'work-order', wo: wo.number } });
    }
    if (p.notify !== false) await this.repo.add(q, { wo: wo.id, kind: 'notify', origin: p.origin, ts, payload: { event: change, workOrder: wo, ...(change === 'new' ? { reserved, short } : {}) } });
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

  private async drain(all: boolean): Promise<number> {
    let sent = 0;
    let after = 0;
    for (;;) {
      const now = this.o.now();
      const batch = await this.repo.pending(this.o.origin, { afterId: after, sentBefore: all ? undefined : now - this.resendMs, limit: this.batchSize });
      if (!batch.length) return sent;
      after = batch[batch.length - 1]!.id;
      const out: FollowUp[] = [];
      for (const f of batch) {
        if (f.attempts < this.maxAttempts) {
          out.push(f);
          continue;
        }
        const why = `not acknowledged after ${f.attempts} sends`;
        await this.repo.markFailed(f.id, now, why);
        this.o.onFailed?.(f, why);
      }
      if (out.length) {
        // Marked sent before it goes out: a crash in between sends it again on start.
        await this.repo.markSent(out.map((f) => f.id), now);
        for (const f of out) {
          f.sentAt = now;
          f.attempts += 1;
        }
        const applied = await this.o.send(out);
        for (const id of applied) await this.repo.markDelivered(id, this.o.now());
        sent += out.length;
      }
      if (batch.length < this.batchSize || this.closed) return sent;
    }
  }

  /** No new runs; resolves when the current one has finished. */
  async close(): Promise<void> {
    this.closed = true;
    await this.chain;
  }
}
