/**
 * Glue shared by the CMMS nodes (rel-work-order, rel-pm, rel-spares, rel-kpi): open the
 * asynchronous store and apply the cmms migrations there, the asset facts a work order needs (line, criticality) from the
 * deployed rel-asset, else from the message, else defaults, and the writes that go on while the
 * plant database (PostgreSQL) is away: detections, work-order transitions and stock moves queue in
 * the box's offline outbox and are replayed in order when it is back (`CmmsWrites`).
 */
import { migrateCmms } from '../core/cmms/schema';
import { StoreUnavailableError, type Query, type Store } from '../core/store/types';
import { WorkOrderRepo, type AssetFacts, type CreateInput, type DetectInput, type DetectResult, type Severity, type TransitionInput, type WorkOrder } from '../core/cmms/work-orders';
import { SparesRepo, type MoveInput, type PartStock } from '../core/cmms/spares';
import { ChecklistRepo } from '../core/floor/checklist';
import { InputError } from '../core/errors';
import { workOrderTitle } from '../core/text';
import { isObject, optStr, num, own, str, time } from '../core/validate';
import { findAsset, resolveAsset } from './assets';
import type { NodeMessage, RedApi, RedNode } from './red';
import { status } from './status';
import { acquireStore, registerOutboxArea, storeOutbox, type AcquiredStore, type StoreOutbox } from './store';

// ------------------------------------------------------------------------------------------------
// The writes that go on while the plant database is away. Each is one function of (repository,
// event, q), called by the node's online path in its own transaction and by the outbox's replay
// in the outbox transaction: the same code either way.

/** One finding of a detect message (rel-work-order's reading of a finding, a diagnosis or a health state). */
export interface Finding {
  mode: string;
  severity: Severity;
  evidence: string;
  /** The title a new order gets (in words); events queued by an older version have none. */
  title?: string;
}
/** A detect message as an event: the asset facts, its findings and its time. */
export interface DetectEvent {
  facts: AssetFacts;
  found: Finding[];
  ts: number;
  /** The rel-work-order node that accepted it (box-scoped), whose repository (and follow-ups) the replay uses while it is deployed. */
  origin?: string;
}

/** Work-order repositories of deployed rel-work-order nodes, by origin: a replayed event goes through its node's (follow-ups included). */
const replayRepos = new Map<string, WorkOrderRepo>();

/** Replay this node's queued events through `repo` while it is deployed; returns the unregister (call it in close). */
export function replayWith(origin: string, repo: WorkOrderRepo): () => void {
  replayRepos.set(origin, repo);
  return () => {
    if (replayRepos.get(origin) === repo) replayRepos.delete(origin);
  };
}

/** One finding of a detect event as the repository's input (written out: object spread is slow on this hot path). */
function detectInput(e: DetectEvent, f: Finding, title = f.title): DetectInput {
  const a = e.facts;
  return { asset: a.asset, line: a.line, criticality: a.criticality, mode: f.mode, severity: f.severity, evidence: f.evidence, title, ts: e.ts };
}

export async function applyDetect(repo: WorkOrderRepo, e: DetectEvent, q: Query): Promise<DetectResult[]> {
  const out: DetectResult[] = [];
  // an event queued before titles were written in words gets one now (English: the node's language is not in it)
  for (const f of e.found) out.push(await repo.detect(detectInput(e, f, f.title ?? workOrderTitle({ mode: f.mode, asset: e.facts.asset, assetName: findAsset(e.facts.asset)?.name })), q));
  return out;
}

/**
 * A detect event applied once per event key, the key recorded with the first finding's upsert (on
 * PostgreSQL in the same statement). `solo`: a single finding that is one statement there runs on
 * its own, without BEGIN and COMMIT, when it is alone in its batch.
 */
export function detectWrite(repo: WorkOrderRepo, e: DetectEvent): KeyedWrite<DetectResult[]> {
  const input = (f: Finding) => detectInput(e, f);
  const one = e.found.length === 1 && repo.oneStatement(e.facts.asset, e.found[0]!.mode);
  return {
    run: async (q, key) => {
      const out: DetectResult[] = [];
      for (const [n, f] of e.found.entries()) {
        const r = n === 0 ? await repo.detectOnce(input(f), key, q) : await repo.detect(input(f), q);
        if (!r) return undefined; // applied before
        out.push(r);
      }
      return { value: out };
    },
    solo: one
      ? async (key) => {
          const r = await repo.detectOnce(input(e.found[0]!), key);
          return r ? { value: [r] } : undefined;
        }
      : undefined,
  };
}

/** A manual work order as an event (rel-work-order `create`): queued like the others while the plant database is away. */
export type CreateEvent = CreateInput & { origin?: string };

export function applyCreate(repo: WorkOrderRepo, e: CreateEvent, q: Query): Promise<WorkOrder> {
  const { origin: _origin, ...input } = e;
  return repo.create(input, q);
}

const checklists = new ChecklistRepo();

/** A transition; completing is refused while a required checklist step of the order is not ticked (in the same transaction). */
export async function applyTransition(repo: WorkOrderRepo, t: TransitionInput, q: Query): Promise<WorkOrder> {
  if (t.action === 'complete') await checklists.assertCompletable(q, t.id);
  return repo.transition(t, q);
}

export const MOVE_ACTIONS = ['receive', 'issue', 'reserve', 'release', 'adjust'] as const;
export type MoveAction = (typeof MOVE_ACTIONS)[number];
/** A stock move as an event (`adjust` carries `count` instead of `qty`); `window` is the node's demand window in days. */
export type MoveEvent =
  | { action: Exclude<MoveAction, 'adjust'>; move: MoveInput; window: number }
  | { action: 'adjust'; move: Omit<MoveInput, 'qty'> & { count: number }; window: number };

/** A stock move applied once per event key: an issue records its key itself (on PostgreSQL in the issue's statement); other moves are undefined (the key recorded first). */
export function moveWrite(repo: SparesRepo, e: MoveEvent): KeyedWrite<PartStock> | undefined {
  if (e.action !== 'issue') return undefined;
  return {
    run: async (q, key) => {
      const r = await repo.issueOnce(e.move, key, q);
      return r ? { value: r } : undefined;
    },
  };
}

export function applyMove(repo: SparesRepo, e: MoveEvent, q: Query): Promise<PartStock> {
  switch (e.action) {
    case 'receive':
      return repo.receive(e.move, q);
    case 'issue':
      return repo.issue(e.move, q);
    case 'reserve':
      return repo.reserve(e.move, q);
    case 'release':
      return repo.release(e.move, q);
    case 'adjust':
      return repo.adjust(e.move, q);
    default:
      throw new Error(`cmms: unknown stock move ${JSON.stringify((e as { action: unknown }).action)}`);
  }
}

/** Event kinds of the cmms area in the offline outbox. */
export const CMMS_EVENTS = { detect: 'cmms.detect', transition: 'cmms.transition', move: 'cmms.move', create: 'cmms.create' } as const;

registerOutboxArea('cmms', {
  handlers: (db) => {
    const wo = new WorkOrderRepo(db);
    const spares = new Map<number, SparesRepo>();
    const sparesFor = (window: number) => {
      let r = spares.get(window);
      if (!r) spares.set(window, (r = new SparesRepo(db, window)));
      return r;
    };
    return {
      [CMMS_EVENTS.detect]: async (q, e: DetectEvent) => {
        await applyDetect((e.origin && replayRepos.get(e.origin)) || wo, e, q);
      },
      [CMMS_EVENTS.transition]: async (q, e: TransitionInput & { origin?: string }) => {
        const { origin, ...t } = e;
        await applyTransition((origin && replayRepos.get(origin)) || wo, t, q);
      },
      [CMMS_EVENTS.move]: async (q, e: MoveEvent) => {
        await applyMove(sparesFor(Number(e.window) || 90), e, q);
      },
      [CMMS_EVENTS.create]: async (q, e: CreateEvent) => {
        await applyCreate((e.origin && replayRepos.get(e.origin)) || wo, e, q);
      },
    };
  },
  prepare: (db) => migrateCmms(db),
});

/** What a write came to: applied now (with the domain's answer), or queued / found applied before (no answer yet). */
export type Written<T> = { applied: true; value: T } | { applied: false; queued: boolean; duplicate: boolean; key: string; pending: number };

export const MAX_EVENT_ID = 150;

/**
 * A write that records its event key itself (in the same transaction, or the same statement):
 * `run(q, key)` resolves undefined when the key was applied before; `solo(key)`, when given, is
 * the same change as one statement on its own (no transaction).
 */
export interface KeyedWrite<T> {
  run(q: Query, key: string): Promise<{ value: T } | undefined>;
  solo?: (key: string) => Promise<{ value: T } | undefined>;
}

/** `msg.eventId`: an idempotency key the source gives an event (a string of 1-150 characters), or undefined. */
function eventIdOf(msg: NodeMessage): string | undefined {
  const id = own(msg, 'eventId');
  if (id === undefined || id === null || id === '') return undefined;
  return str(id, 'msg.eventId', { maxLength: MAX_EVENT_ID });
}

/** A repository that opens its own transactions (WorkOrderRepo, SparesRepo). */
export interface TxRepo {
  inTx<R>(fn: (q: Query) => Promise<R>, solo?: () => Promise<R>): Promise<R>;
}

/**
 * The writes of one node: on SQLite straight to the store; on PostgreSQL through the rel-store's
 * offline outbox. While the server answers and nothing waits, a write runs in the node's own
 * transaction (group commit) and records its event key there; when the server cannot be reached
 * (StoreUnavailableError), or events already wait (their order is kept), it is queued in the box's
 * local file and acknowledged as queued.
 */

export class CmmsWrites {
  constructor(
    private readonly outbox: StoreOutbox | undefined,
    private readonly ready: () => Promise<unknown>,
  ) {}

  /** Events waiting for the plant database (0 on SQLite). */
  pending(): number {
    return this.outbox?.pending() ?? 0;
  }

  /** Call fn when the number of waiting events changes; returns the unsubscribe. */
  onPending(fn: (pending: number) => void): () => void {
    return this.outbox ? this.outbox.onPending(fn) : () => undefined;
  }

  /** The event's key: `<kind>:<msg.eventId>` when the message names one, else a new one of this box. */
  keyOf(msg: NodeMessage, kind: string, outbox: StoreOutbox): string {
    const id = eventIdOf(msg);
    return id === undefined ? outbox.nextKey() : `${kind}:${id}`;
  }

  /**
   * Apply one event: `online(q)` in a transaction the repository `repo` opens (inTx: the work
   * orders' group commit, a new transaction for spares), or queue `event` (JSON) for the outbox
   * handler of `kind`, which makes the same change.
   */
  async write<T>(
    msg: NodeMessage,
    kind: string,
    event: unknown,
    repo: TxRepo,
    online: (q: Query) => Promise<T>,
    keyed?: KeyedWrite<T>,
  ): Promise<Written<T>> {
    const o = this.outbox;
    if (!o) {
      eventIdOf(msg); // checked on every backend; a SQLite store never queues, so it needs no key
      await this.ready();
      return { applied: true, value: await repo.inTx(online) };
    }
    const key = this.keyOf(msg, kind, o);
    await o.ready;
    const ob = o.outbox;
    const queue = async (away: boolean): Promise<Written<T>> => {
      const r = await ob.enqueue(kind, key, event, { away });
      return { applied: false, queued: r === 'queued', duplicate: r === 'duplicate', key, pending: ob.pending() };
    };
    if (!ob.direct()) return queue(false);
    try {
      await this.ready();
      await ob.ready();
      const r = keyed
        ? await repo.inTx(
            (q) => keyed.run(q, key),
            keyed.solo ? () => keyed.solo!(key) : undefined,
          )
        : await repo.inTx(async (q) => ((await ob.record(q, key)) ? { value: await online(q) } : undefined));
      if (r) return { applied: true, value: r.value };
      return { applied: false, queued: false, duplicate: true, key, pending: ob.pending() };
    } catch (e) {
      if (!(e instanceof StoreUnavailableError)) throw e;
      return queue(true);
    }
  }
}

/**
 * A write that was not applied now: the message goes on with `msg.queued` (true: waiting in the
 * box's outbox; false with `msg.duplicate`: its key was applied before), `msg.eventKey`, and the
 * same in `msg.payload` (the incoming payload, plus `queued`, `duplicate`, `eventKey` and
 * `pending`, the number of events waiting).
 */
export function notApplied(msg: NodeMessage, w: Extract<Written<unknown>, { applied: false }>): NodeMessage {
  msg.queued = w.queued;
  msg.eventKey = w.key;
  if (w.duplicate) msg.duplicate = true;
  const p = isObject(msg.payload) ? msg.payload : {};
  msg.payload = { ...p, queued: w.queued, ...(w.duplicate ? { duplicate: true } : {}), eventKey: w.key, pending: w.pending };
  return msg;
}

/** Whether an error means the plant database cannot be reached (a status shows it offline, not failed). */
export function unavailable(e: unknown): boolean {
  return e instanceof StoreUnavailableError;
}

/**
 * The error of a message whose work waits for the plant database (rel-pm, rel-kpi): the same
 * StoreUnavailableError (code STORE_UNAVAILABLE), its text saying what happens meanwhile, e.g.
 * `plant database offline: PM plans are checked when it is back; nothing was changed (store:
 * PostgreSQL at ... is unavailable: ...)`. Other errors pass unchanged.
 */
export function offlineError(e: unknown, meanwhile: string): unknown {
  if (!unavailable(e)) return e;
  return new StoreUnavailableError(`plant database offline: ${meanwhile} (${e instanceof Error ? e.message : String(e)})`, e);
}

/**
 * Paint a cmms node's status: the offline ring while events wait ("plant database offline · 12
 * queued"), else `normal()`; when that fails because the server cannot be reached, the ring
 * without a count, else the error.
 */
export function paintStatus(node: RedNode, writes: CmmsWrites, normal: () => Promise<void>, isClosed: () => boolean): void {
  const n = writes.pending();
  if (n > 0) {
    status.offline(node, n);
    return;
  }
  normal().catch((e) => {
    if (isClosed()) return;
    if (unavailable(e)) status.offline(node, writes.pending());
    else status.error(node, e instanceof Error ? e.message : String(e));
  });
}

/**
 * The node's store handle and `ready()`, which resolves with the asynchronous store (`handle.db`)
 * once the core schema and the cmms migrations are applied there, applying them again when the
 * last attempt failed (a PostgreSQL server away at deploy): handlers call it before any query, and
 * a message fails with the migration's error while it cannot succeed. `settled` settles with the
 * first attempt (close waits for it).
 */
export function acquireCmmsStore(RED: RedApi, storeId: unknown, what: string): { handle: AcquiredStore; db: Store; ready: () => Promise<Store>; settled: Promise<void>; writes: CmmsWrites } {
  // The cmms track on `db` (the configured backend), with the core schema.
  const handle = acquireStore(RED, storeId, what, (db) => migrateCmms(db));
  const db = handle.db;
  const ready = () => handle.ensure().then(() => db);
  // The rel-store's offline outbox (postgres only): detections, transitions and stock moves queue there while the server is away.
  const writes = new CmmsWrites(storeOutbox(RED, storeId), ready);
  return { handle, db, ready, settled: handle.ready.catch(() => undefined), writes };
}

/** Facts of the asset a message is about (the configured asset wins, then a deployed one, then the payload). */
export function assetFacts(RED: RedApi, configured: unknown, msg: NodeMessage, payload: unknown, defaultCriticality = 3): AssetFacts {
  if (typeof configured === 'string' && configured) {
    const a = resolveAsset(RED, configured, msg);
    return { asset: a.assetId, line: a.line, criticality: a.criticality };
  }
  const id = str(own(payload, 'asset'), 'msg.payload.asset', { maxLength: 200 });
  const spec = findAsset(id);
  if (spec) return { asset: spec.assetId, line: spec.line, criticality: spec.criticality };
  const c = own(payload, 'criticality');
  const criticality = c === undefined || c === null ? defaultCriticality : num(c, 'msg.payload.criticality', { min: 1, max: 5, integer: true });
  return { asset: id, line: optStr(own(payload, 'line'), 'msg.payload.line', { maxLength: 200 }) ?? '', criticality };
}

/** msg.action, else msg.topic when it is one of the actions, else the fallback (or an error). */
export function actionOf<T extends string>(msg: NodeMessage, actions: readonly T[], fallback?: T): T {
  const a = own(msg, 'action');
  if (a !== undefined) {
    if (typeof a === 'string' && (actions as readonly string[]).includes(a)) return a as T;
    throw new InputError('msg.action', `one of ${actions.join(', ')}`, a);
  }
  const t = own(msg, 'topic');
  if (typeof t === 'string' && (actions as readonly string[]).includes(t)) return t as T;
  if (fallback !== undefined) return fallback;
  throw new InputError('msg.action', `one of ${actions.join(', ')} (or msg.topic set to one)`, a);
}

/** The event time of a payload field (default now); time() keeps it within what a Date can represent. */
export function eventTime(payload: unknown, key: string, now: () => number): number {
  const v = own(payload, key);
  if (v === undefined || v === null) return now();
  return time(v, `msg.payload.${key}`);
}

/**
 * Work a node has in flight (message handlers, timer ticks), so `close` can wait for it before it
 * releases the store: `run(fn)` starts fn and tracks it, `idle()` resolves when nothing runs.
 */
export function inFlight(): { run<T>(fn: () => Promise<T>): Promise<T>; idle(): Promise<void> } {
  const running = new Set<Promise<unknown>>();
  return {
    run<T>(fn: () => Promise<T>): Promise<T> {
      const p = fn();
      const settled = p.then(
        () => undefined,
        () => undefined,
      );
      running.add(settled);
      void settled.then(() => running.delete(settled));
      return p;
    },
    async idle(): Promise<void> {
      while (running.size) await Promise.all([...running]);
    },
  };
}
