/**
 * Offline outbox: writes a box makes while the plant database (PostgreSQL) cannot be reached are
 * kept in the box's local SQLite file and replayed, in the order they were made, once it is back,
 * each exactly once.
 *
 *   const outbox = new Outbox({ db: h.db, local: h.local, handlers: {
 *     'wo.detect': async (q, p) => { await q.run('INSERT INTO ... ON CONFLICT ...', [p.asset, p.mode]); },
 *   } });
 *   await outbox.init();
 *   await outbox.submit('wo.detect', `${boxId}:${seq}`, { asset, mode });   // 'applied' | 'queued' | 'duplicate'
 *   ...
 *   // or, for a writer that applies in its own (group-committed) transaction while the server answers:
 *   if (outbox.direct()) await db.tx(async (q) => { if (await outbox.record(q, key)) await change(q); });
 *   else await outbox.enqueue('wo.detect', key, payload);          // 'queued' | 'duplicate'
 *   ...
 *   await outbox.close();
 *
 * - Every event carries an idempotency key, unique for the plant (e.g. box id + a local sequence,
 *   or an id the source gave it). Applying an event is one transaction on `db` that records the key
 *   in `outbox_applied` and runs the handler; a key already there is skipped. So an event whose
 *   COMMIT was cut off (outcome unknown to the box) and is replayed is still applied once.
 * - `submit` applies at once when nothing is queued. When `db` throws StoreUnavailableError, or
 *   events are already queued (to keep the order), the event is written to the local `outbox`
 *   table (SQLite, synchronous=FULL) and `submit` resolves 'queued': it is acknowledged, it will
 *   survive a restart of the box, and it will be applied.
 * - Queued events are replayed in the order they were queued, every `retryMs` while the server is
 *   away and at once after an event was queued. An event whose handler fails for another reason
 *   (a bug, a constraint) is kept in the local table with `failed_at` and `last_error` and the
 *   replay goes on with the next one; `failed()` lists them and `retry()` puts them back.
 * - Handlers run inside the transaction and may be re-run (serialisation failure, deadlock, replay
 *   after an unknown outcome): no side effects outside `q`.
 * - `record(q, key)` lets a writer apply an event in its own transaction on `db` while the server
 *   answers (recording the key there, so an event whose COMMIT answer was lost and that is then
 *   queued is not applied twice); `enqueue` queues one locally whatever the server's state. Use
 *   `direct()` to choose: false while events wait or the server is known to be away.
 * - `outbox_applied` keeps keys for `keepAppliedMs` (default 30 days, pruned by `prune()`); a key
 *   must not be reused within that time.
 */
import { StoreUnavailableError, type Migration, type Query, type Store } from './types';

export const OUTBOX_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'offline outbox (local queue) and applied event keys',
    up: [
      `CREATE TABLE IF NOT EXISTS outbox (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        event_key TEXT NOT NULL UNIQUE,
        kind TEXT NOT NULL,
        payload TEXT NOT NULL,
        queued_at INTEGER NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        failed_at INTEGER,
        last_error TEXT
      )`,
      `CREATE TABLE IF NOT EXISTS outbox_applied (
        event_key TEXT PRIMARY KEY,
        applied_at INTEGER NOT NULL
      )`,
    ],
    postgres: [
      `CREATE TABLE IF NOT EXISTS outbox (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        event_key TEXT NOT NULL UNIQUE,
        kind TEXT NOT NULL,
        payload TEXT NOT NULL,
        queued_at BIGINT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        failed_at BIGINT,
        last_error TEXT
      )`,
      `CREATE TABLE IF NOT EXISTS outbox_applied (
        event_key TEXT PRIMARY KEY,
        applied_at BIGINT NOT NULL
      )`,
    ],
  },
];

/** Record an event key as applied (parameters: key, applied at); changes nothing when it was applied before. */
export const RECORD_KEY_SQL = 'INSERT INTO outbox_applied (event_key, applied_at) VALUES (?, ?) ON CONFLICT (event_key) DO NOTHING';

export type OutboxHandler = (q: Query, payload: any, meta: { key: string; kind: string; queuedAt?: number }) => Promise<void>;

export interface OutboxOptions {
  /** The shared store the events are for (PostgreSQL in the plant tier). */
  db: Store;
  /** The box's local SQLite store where events wait while `db` is away. */
  local: Store;
  /** One handler per event kind. */
  handlers: Record<string, OutboxHandler>;
  /** Pause between replays while the server is away (default 2000 ms). */
  retryMs?: number;
  /** Events that may wait in the local file at most (default 100,000); beyond, submit throws. */
  maxQueued?: number;
  /** How long applied keys are remembered on `db` (default 30 days). */
  keepAppliedMs?: number;
  now?: () => number;
  /** Told about an event that failed for a reason other than the server being away. */
  onFailed?: (key: string, error: unknown) => void;
  /** Run before events are applied on `db` (the migrations the handlers need); may run often, so make it cheap once done. */
  prepare?: () => Promise<unknown>;
  /** Told whenever the number of waiting events changes (status dots, dashboards). */
  onPending?: (pending: number) => void;
}

export type SubmitResult = 'applied' | 'queued' | 'duplicate';

export const MAX_EVENT_KEY = 200;
/** Queued events replayed per transaction. */
export const REPLAY_BATCH = 50;

interface QueuedRow {
  id: number;
  event_key: string;
  kind: string;
  payload: string;
  queued_at: number;
}
export const MAX_PAYLOAD_CHARS = 1_000_000;

export class Outbox {
  private readonly retryMs: number;
  private readonly maxQueued: number;
  private readonly keepAppliedMs: number;
  private readonly now: () => number;
  private queued = 0;
  private draining: Promise<number> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private away = false;
  private rerun = false;

  constructor(private readonly opts: OutboxOptions) {
    this.retryMs = opts.retryMs ?? 2000;
    this.maxQueued = opts.maxQueued ?? 100_000;
    this.keepAppliedMs = opts.keepAppliedMs ?? 30 * 86_400_000;
    this.now = opts.now ?? Date.now;
  }

  /** Create the tables (local now; on db when it can be reached) and start replaying what a previous run left queued. */
  async init(): Promise<void> {
    await this.opts.local.migrate('outbox', OUTBOX_MIGRATIONS);
    await this.remoteReady().catch((e) => {
      if (!(e instanceof StoreUnavailableError)) throw e;
    });
    this.setQueued((await this.opts.local.one<{ n: number }>('SELECT COUNT(*) AS n FROM outbox WHERE failed_at IS NULL'))?.n ?? 0);
    if (this.queued > 0) this.schedule(0);
  }

  private async remoteReady(): Promise<void> {
    await this.opts.db.migrate('outbox', OUTBOX_MIGRATIONS);
    if (this.opts.prepare) await this.opts.prepare();
  }

  /** The outbox tables (and `prepare`) on `db`; rejects with StoreUnavailableError while the server is away. */
  ready(): Promise<void> {
    return this.remoteReady();
  }

  private setQueued(n: number): void {
    const before = this.queued;
    this.queued = Math.max(0, n);
    if (this.queued !== before) this.opts.onPending?.(this.queued);
  }

  /** Whether a new event may be applied directly on `db`: nothing waits locally and the server is not known to be away. */
  direct(): boolean {
    return this.queued === 0 && !this.away && !this.closed;
  }

  /** Whether the last attempt to reach `db` failed with StoreUnavailableError (cleared when the queue has drained). */
  offline(): boolean {
    return this.away;
  }

  /**
   * Record the event's key on `db` in the caller's transaction `q` (before applying its change
   * there). False when the key was applied before: skip the change. Call `ready()` first.
   */
  async record(q: Query, key: string): Promise<boolean> {
    this.checkKey(key);
    const r = await q.run(RECORD_KEY_SQL, [key, this.now()]);
    return r.changes > 0;
  }

  private checkKey(key: string): void {
    if (typeof key !== 'string' || key === '' || key.length > MAX_EVENT_KEY) throw new Error(`outbox: key: expected a string of 1-${MAX_EVENT_KEY} characters, got ${typeof key === 'string' ? `${key.length} characters` : typeof key}`);
  }

  private checkEvent(kind: string, key: string, payload: unknown): string {
    if (this.closed) throw new Error('outbox: closed');
    if (!Object.prototype.hasOwnProperty.call(this.opts.handlers, kind)) throw new Error(`outbox: no handler for event kind ${JSON.stringify(kind)}`);
    this.checkKey(key);
    const json = JSON.stringify(payload ?? null);
    if (json.length > MAX_PAYLOAD_CHARS) throw new Error(`outbox: payload: expected at most ${MAX_PAYLOAD_CHARS} characters of JSON, got ${json.length}`);
    return json;
  }

  /**
   * Queue the event in the local file whatever the server's state (a writer whose direct attempt
   * failed with StoreUnavailableError passes `away: true`, so the replay waits `retryMs`).
   * 'duplicate' when the key is already queued.
   */
  async enqueue(kind: string, key: string, payload: unknown, o: { away?: boolean } = {}): Promise<'queued' | 'duplicate'> {
    const json = this.checkEvent(kind, key, payload);
    if (o.away) this.away = true;
    return this.queue(kind, key, json);
  }

  /** Events waiting in the local file (not counting failed ones). */
  pending(): number {
    return this.queued;
  }

  /**
   * Apply the event now, or queue it locally when the server is away or events are already
   * waiting. Resolves once the event is committed on `db` ('applied'; 'duplicate' when its key was
   * applied before) or durably queued ('queued'). Rejects when the handler fails for another
   * reason (the event is not kept) or the local file cannot take it.
   */
  async submit(kind: string, key: string, payload: unknown): Promise<SubmitResult> {
    const json = this.checkEvent(kind, key, payload);
    if (this.queued === 0 && !this.draining && !this.away) {
      try {
        return (await this.apply(kind, key, json)) ? 'applied' : 'duplicate';
      } catch (e) {
        if (!(e instanceof StoreUnavailableError)) throw e;
        this.away = true;
      }
    }
    return this.queue(kind, key, json);
  }

  private async queue(kind: string, key: string, json: string): Promise<'queued' | 'duplicate'> {
    if (this.queued >= this.maxQueued) throw new Error(`outbox: ${this.queued} events are waiting for ${this.opts.db.location}; the local queue is full (at most ${this.maxQueued})`);
    const r = await this.opts.local.run('INSERT INTO outbox (event_key, kind, payload, queued_at) VALUES (?, ?, ?, ?) ON CONFLICT (event_key) DO NOTHING', [key, kind, json, this.now()]);
    if (r.changes === 0) return 'duplicate';
    this.setQueued(this.queued + 1);
    this.schedule(this.away ? this.retryMs : 0);
    return 'queued';
  }

  /** One event on db: record its key and run its handler in one transaction. False if the key was applied before. */
  private async apply(kind: string, key: string, json: string, queuedAt?: number): Promise<boolean> {
    await this.remoteReady();
    const handler = this.opts.handlers[kind];
    if (!handler) throw new Error(`outbox: no handler for event kind ${JSON.stringify(kind)}`);
    return this.opts.db.tx(async (q) => {
      const r = await q.run(RECORD_KEY_SQL, [key, this.now()]);
      if (r.changes === 0) return false;
      await handler(q, JSON.parse(json), { key, kind, queuedAt });
      return true;
    });
  }

  private schedule(ms: number): void {
    if (this.closed || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.drain().catch(() => undefined);
    }, ms);
    this.timer.unref?.();
  }

  /**
   * Replay queued events in order until none is left or the server is away again. Resolves with
   * the number replayed (applied or found already applied) in this run. Events go in batches of
   * up to REPLAY_BATCH per transaction; a batch in which an event fails for another reason is
   * replayed one by one, so only that event is set aside.
   */
  drain(): Promise<number> {
    if (this.draining) {
      // Asked again while running (an event queued meanwhile): run once more after this one.
      this.rerun = true;
      return this.draining;
    }
    this.rerun = false;
    const run = (async () => {
      let done = 0;
      const local = this.opts.local;
      for (;;) {
        if (this.closed) return done;
        const batch = await local.all<QueuedRow>('SELECT id, event_key, kind, payload, queued_at FROM outbox WHERE failed_at IS NULL ORDER BY id LIMIT ?', [REPLAY_BATCH]);
        if (batch.length === 0) {
          // Nothing left (another outbox on the same file may have replayed some): the count is 0.
          this.setQueued(0);
          this.away = false;
          return done;
        }
        try {
          await this.applyBatch(batch);
          await this.forget(batch);
          done += batch.length;
          continue;
        } catch (e) {
          if (e instanceof StoreUnavailableError) return this.wentAway(batch[0], done);
        }
        for (const row of batch) {
          if (this.closed) return done;
          try {
            await this.applyBatch([row]);
          } catch (e) {
            if (e instanceof StoreUnavailableError) return this.wentAway(row, done);
            await local.run('UPDATE outbox SET attempts = attempts + 1, failed_at = ?, last_error = ? WHERE id = ?', [this.now(), String(e instanceof Error ? e.message : e).slice(0, 2000), row.id]);
            this.setQueued(this.queued - 1);
            this.opts.onFailed?.(row.event_key, e);
            continue;
          }
          await this.forget([row]);
          done++;
        }
      }
    })();
    this.draining = run;
    run
      .finally(() => {
        this.draining = undefined;
        if (this.queued > 0 || this.rerun) this.schedule(this.away ? this.retryMs : 0);
        this.rerun = false;
      })
      .catch(() => undefined);
    return run;
  }

  /** Queued events in one transaction on db, each recorded by key and skipped if applied before. */
  private async applyBatch(rows: readonly QueuedRow[]): Promise<void> {
    await this.remoteReady();
    await this.opts.db.tx(async (q) => {
      for (const row of rows) {
        const handler = this.opts.handlers[row.kind];
        if (!handler) throw new Error(`outbox: no handler for event kind ${JSON.stringify(row.kind)}`);
        const r = await q.run(RECORD_KEY_SQL, [row.event_key, this.now()]);
        if (r.changes > 0) await handler(q, JSON.parse(row.payload), { key: row.event_key, kind: row.kind, queuedAt: row.queued_at });
      }
    });
  }

  /** Remove applied events from the local queue (one local transaction). */
  private async forget(rows: readonly QueuedRow[]): Promise<void> {
    await this.opts.local.tx(async (q) => {
      for (const row of rows) await q.run('DELETE FROM outbox WHERE id = ?', [row.id]);
    });
    this.setQueued(this.queued - rows.length);
  }

  private async wentAway(row: QueuedRow, done: number): Promise<number> {
    this.away = true;
    await this.opts.local.run('UPDATE outbox SET attempts = attempts + 1 WHERE id = ?', [row.id]);
    return done;
  }

  /** Events that failed for a reason other than the server being away, oldest first. */
  failed(): Promise<{ key: string; kind: string; error: string; failedAt: number }[]> {
    return this.opts.local
      .all<{ event_key: string; kind: string; last_error: string; failed_at: number }>('SELECT event_key, kind, last_error, failed_at FROM outbox WHERE failed_at IS NOT NULL ORDER BY id')
      .then((rows) => rows.map((r) => ({ key: r.event_key, kind: r.kind, error: r.last_error, failedAt: r.failed_at })));
  }

  /** Put failed events back in the queue (all, or the given keys); the number put back. */
  async retry(keys?: readonly string[]): Promise<number> {
    let n = 0;
    if (keys === undefined) n = (await this.opts.local.run('UPDATE outbox SET failed_at = NULL WHERE failed_at IS NOT NULL')).changes;
    else for (const k of keys) n += (await this.opts.local.run('UPDATE outbox SET failed_at = NULL WHERE event_key = ? AND failed_at IS NOT NULL', [k])).changes;
    this.setQueued(this.queued + n);
    if (n > 0) this.schedule(0);
    return n;
  }

  /** Forget applied keys older than keepAppliedMs on db; the number removed. */
  async prune(): Promise<number> {
    await this.remoteReady();
    return (await this.opts.db.run('DELETE FROM outbox_applied WHERE applied_at < ?', [this.now() - this.keepAppliedMs])).changes;
  }

  /** Stop replaying (queued events stay in the local file for the next run). */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.draining?.catch(() => undefined);
  }
}
