/** Config lookup for the store: resolve a node's `store` property to a shared connection. */
import fs from 'fs';
import path from 'path';
import { randomBytes } from 'crypto';
import { openStore, migrateCoreAsync, GatedStore, Outbox, type OutboxHandler, type Store as AsyncStore, type StoreHandle, type PgHandle } from '../core/store';
import { boxId } from './box';
import { onInitFailure } from './node';
import type { NodeDef, RedApi, RedNode } from './red';

export const DEFAULT_DB_FILE = 'reliability.db';
/** The per-box SQLite file (`handle.local`) when the backend is PostgreSQL. */
export const DEFAULT_LOCAL_FILE = 'reliability-local.db';

export type Backend = 'sqlite' | 'postgres';

export interface StoreConfigNode extends RedNode {
  /**
   * Absolute path of the SQLite file: the database itself (backend sqlite) or the per-box local
   * file (backend postgres). Not set when the configuration is refused.
   */
  file: string;
  /** Which backend `db` is on (sqlite when the property is absent: flows saved before it existed). */
  backend?: Backend;
  /** The PostgreSQL pool this config node owns (backend postgres). */
  pg?: PgHandle;
  /** The pool's store behind a gate that applies the core schema before the first statement (what nodes get as `db`). */
  shared?: GatedStore;
  /** Why the configuration was refused, for the nodes that select it. */
  problem?: string;
  /** Nodes using this store (backend postgres), the way the MQTT broker node counts its users. */
  register?(user: string): void;
  deregister?(user: string): void;
  users?(): number;
  /** The offline outbox of this store (backend postgres, created by the first node that writes through it). */
  outbox?: StoreOutbox;
  /**
   * Events waiting in the box's local file for the PostgreSQL server (0 on SQLite, or when nothing
   * waits): for dashboards, `RED.nodes.getNode(storeId).queued()`.
   */
  queued?(): number;
}

/**
 * The event kinds an area queues while the plant database is away: handlers that apply one event
 * with the transaction's `q` (the same domain functions the online path calls), and the
 * migrations they need on `db`. Registered when the area's module loads, so an outbox created for
 * any node finds the handlers of events a previous run left queued.
 */
export interface OutboxArea {
  handlers: (db: AsyncStore) => Record<string, OutboxHandler>;
  prepare?: (db: AsyncStore) => Promise<unknown>;
}
const outboxAreas = new Map<string, OutboxArea>();

export function registerOutboxArea(area: string, def: OutboxArea): void {
  outboxAreas.set(area, def);
}

/** Pause between replays while the server is away. */
export const OUTBOX_RETRY_MS = 2000;

/**
 * The outbox of one rel-store (backend postgres): events go to the PostgreSQL server while it
 * answers and wait in the box's local file (table `outbox`) while it does not, replayed in order
 * once it is back (nodes/core/store/outbox.ts). Event keys: `<box id>:<start id>:<sequence>`
 * (box id from settings `reliabilityBoxId` or env RELIABILITY_BOX_ID, else `box`; the start id
 * is new for each deploy), or one the source gave.
 */
export class StoreOutbox {
  readonly outbox: Outbox;
  /** Settles when the local queue is open (rejects if the local file cannot be used). */
  readonly ready: Promise<void>;
  private readonly listeners = new Set<(pending: number) => void>();
  private readonly local: StoreHandle;
  private readonly prefix: string;
  private seq = 0;
  private closing: Promise<void> | undefined;

  constructor(cfg: StoreConfigNode, box: string) {
    this.local = openStore(cfg.file);
    const db = cfg.shared!;
    const handlers: Record<string, OutboxHandler> = {};
    const prepares: ((db: AsyncStore) => Promise<unknown>)[] = [];
    for (const a of outboxAreas.values()) {
      Object.assign(handlers, a.handlers(db));
      if (a.prepare) prepares.push(a.prepare);
    }
    this.prefix = `${box || 'box'}:${Date.now().toString(36)}${randomBytes(3).toString('hex')}:`;
    this.outbox = new Outbox({
      db,
      local: this.local.db,
      handlers,
      retryMs: OUTBOX_RETRY_MS,
      prepare: () => Promise.all(prepares.map((p) => p(db))),
      onPending: (n) => {
        for (const l of this.listeners) l(n);
      },
      onFailed: (key, e) => cfg.warn?.(`offline outbox: event ${key} could not be applied and is set aside: ${e instanceof Error ? e.message : String(e)}`),
    });
    this.ready = this.outbox.init();
    this.ready.catch((e) => cfg.error?.(`offline outbox: ${e instanceof Error ? e.message : String(e)}`));
    // Applied keys are remembered for 30 days: forget older ones at start and once a day.
    const prune = () => void this.ready.then(() => this.outbox.prune()).catch(() => undefined);
    prune();
    this.pruner = setInterval(prune, 86_400_000);
    this.pruner.unref?.();
  }
  private readonly pruner: NodeJS.Timeout;

  /** A new event key, unique for the plant. */
  nextKey(): string {
    return `${this.prefix}${++this.seq}`;
  }

  pending(): number {
    return this.outbox.pending();
  }

  /** Call fn whenever the number of waiting events changes; returns the unsubscribe. */
  onPending(fn: (pending: number) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Stop replaying (what waits stays in the local file for the next deploy) and release the file. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.listeners.clear();
      clearInterval(this.pruner);
      try {
        await this.ready.catch(() => undefined);
        await this.outbox.close();
      } finally {
        this.local.release();
      }
    })();
    return this.closing;
  }
}

/**
 * The offline outbox of the node's rel-store: created on first use for a postgres backend
 * (undefined for SQLite: a local file is always there, nothing is queued). Owned by the rel-store
 * node, closed by `closeOutbox` when it closes.
 */
export function storeOutbox(RED: RedApi, storeId: unknown): StoreOutbox | undefined {
  if (typeof storeId !== 'string' || storeId === '') return undefined;
  const cfg = RED.nodes.getNode(storeId) as StoreConfigNode | null;
  if (!cfg || cfg.backend !== 'postgres' || !cfg.pg || typeof cfg.file !== 'string') return undefined;
  if (!cfg.shared) cfg.shared = gatedStore(cfg.pg.db);
  if (!cfg.outbox) {
    cfg.outbox = new StoreOutbox(cfg, boxId(RED));
    cfg.queued = () => cfg.outbox?.pending() ?? 0;
  }
  return cfg.outbox;
}

/** Close the rel-store's outbox (its close handler, before the pool ends). */
export async function closeOutbox(cfg: StoreConfigNode): Promise<void> {
  const o = cfg.outbox;
  if (!o) return;
  await o.close();
}

/**
 * Where a configured file name lives: relative names sit in the Node-RED user directory and must
 * stay inside it; an absolute path may point anywhere (a data disk).
 */
export function resolveDbPath(RED: RedApi, file: unknown, fallback = DEFAULT_DB_FILE): string {
  const name = typeof file === 'string' && file.trim() !== '' ? file.trim() : fallback;
  const base = path.resolve(RED.settings.userDir || process.cwd());
  const abs = path.resolve(base, name);
  if (!path.isAbsolute(name)) {
    const rel = path.relative(base, abs);
    if (rel === '' || rel === '..' || rel.startsWith(`..${path.sep}`) || path.isAbsolute(rel)) {
      throw new Error(`rel-store: file ${JSON.stringify(name)}: a relative name must stay inside the user directory; use an absolute path for another disk`);
    }
  }
  return abs;
}

/** A migration step for acquireStore, on `db` (e.g. `(db) => db.migrate('cmms', CMMS_MIGRATIONS)`); may return a promise (awaited in `ready`). */
export type MigrateStep = (db: AsyncStore) => unknown;

export interface AcquiredStore {
  /** The configured backend: the SQLite file, or the PostgreSQL server of the rel-store node. */
  db: AsyncStore;
  /** This box's SQLite file (the same store as `db` on a SQLite backend). */
  local: AsyncStore;
  /** Give the handle back (the file closes after its last user). */
  release(): void;
  /**
   * Settles when the core schema and the given migration steps are applied on `db`. On SQLite it
   * is already resolved; on PostgreSQL it rejects (StoreUnavailableError) while the server cannot
   * be reached. Nothing is left unhandled if nobody awaits it.
   */
  ready: Promise<void>;
  /**
   * Resolves when the migrations are applied on `db`, running them again if the last attempt
   * failed (the server was away at deploy). Cheap once they are applied: call it before the first
   * use of `db` after an error.
   */
  ensure(): Promise<void>;
}

let userSeq = 0;

const gates = new WeakMap<AsyncStore, GatedStore>();

/** The one gated store of a pool (shared by every rel-store node on it): the core schema before the first statement. */
export function gatedStore(db: AsyncStore): GatedStore {
  let g = gates.get(db);
  if (!g) {
    g = new GatedStore(db, () => migrateCoreAsync(db));
    gates.set(db, g);
  }
  return g;
}

/**
 * Open the store a node is configured with, with the core schema and any area migrations
 * (`migrate`, e.g. the cmms or jit track) applied. The caller must call `release()` in its close
 * handler; the database closes after its last user has released it. Acquired while a node's init
 * runs (defineNode), the handle is also released if that init throws later on.
 *
 * Backend sqlite: `db` and `local` are one connection on the configured file. Backend postgres:
 * `db` is the PostgreSQL store of the rel-store node (its pool), `local` the per-box SQLite file
 * (`localFile`). The core schema on both and each migration step on `db` (e.g.
 * `(db) => db.migrate('cmms', CMMS_MIGRATIONS)`) are awaited in `ready`; statements on `local`
 * run after its core schema (the file's statements run in the order they are issued).
 */
export function acquireStore(RED: RedApi, storeId: unknown, what = 'store', ...migrate: MigrateStep[]): AcquiredStore {
  if (typeof storeId !== 'string' || storeId === '') throw new Error(`${what}: no rel-store selected; add a store configuration node in the node's settings`);
  const cfg = RED.nodes.getNode(storeId) as StoreConfigNode | null;
  if (!cfg) throw new Error(`${what}: the selected rel-store (${storeId}) is not deployed`);
  if (typeof cfg.file !== 'string') throw new Error(`${what}: the selected rel-store (${storeId}) ${cfg.problem ? `is refused: ${cfg.problem}` : 'is not deployed'}`);
  const postgres = cfg.backend === 'postgres';
  if (postgres && !cfg.pg) throw new Error(`${what}: the selected rel-store (${storeId}) has no PostgreSQL connection`);
  const local = openStore(cfg.file);
  if (postgres && !cfg.shared) cfg.shared = gatedStore(cfg.pg!.db);
  const db = postgres ? cfg.shared! : local.db;
  const user = `${what}#${++userSeq}`;
  const steps = (): Promise<void> => {
    const pending: unknown[] = [migrateCoreAsync(local.db)];
    if (postgres) pending.push(cfg.shared!.ready());
    for (const m of migrate) pending.push(m(db));
    // Settle every step before reporting the first failure, so a retry never joins an attempt
    // still running against a server that was away.
    const all = Promise.allSettled(pending).then((rs) => {
      const bad = rs.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (bad) throw bad.reason;
    });
    all.catch(() => undefined);
    return all;
  };
  let ready: Promise<void>;
  try {
    ready = steps();
  } catch (e) {
    local.release();
    throw e;
  }
  let current = ready;
  let ok = false;
  const ensure = (): Promise<void> => {
    if (ok) return Promise.resolve();
    current = current.then(
      () => {
        ok = true;
      },
      () =>
        steps().then(() => {
          ok = true;
        }),
    );
    return current;
  };
  if (postgres) cfg.register?.(user);
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    local.release();
    if (postgres) cfg.deregister?.(user);
  };
  onInitFailure(release);
  return { db, local: local.db, release, ready, ensure };
}

export type { StoreHandle, NodeDef };

/** The rel-store properties (flow) and credentials that describe a PostgreSQL connection. */
export interface PgSettingsDef {
  tls?: unknown;
  ca?: unknown;
  poolSize?: unknown;
}
export interface PgCredentials {
  url?: string;
  host?: string;
  port?: string;
  database?: string;
  user?: string;
  password?: string;
}

export const MAX_POOL_SIZE = 100;

/**
 * Check and turn the rel-store's PostgreSQL settings into a pool configuration. Errors name the
 * property. The CA file is resolved like a database file (relative: in the user directory).
 */
export function pgSettings(RED: RedApi, def: PgSettingsDef, creds: PgCredentials | undefined): import('../core/store').PgConfig {
  const c = creds ?? {};
  const text = (v: unknown) => (typeof v === 'string' ? v.trim() : '');
  const url = text(c.url);
  const host = text(c.host);
  if (!url && !host) throw new Error('rel-store: backend postgres needs a connection: a URL (postgres://user:password@host:5432/database) or a host and database');
  const portText = text(c.port);
  const port = portText === '' ? undefined : Number(portText);
  if (port !== undefined && !(Number.isInteger(port) && port >= 1 && port <= 65535)) throw new Error(`rel-store: port: expected an integer 1-65535, got ${JSON.stringify(portText)}`);
  const tls = def.tls === undefined || def.tls === '' ? 'off' : def.tls;
  if (tls !== 'off' && tls !== 'require' && tls !== 'verify') throw new Error(`rel-store: tls: expected off, require or verify, got ${JSON.stringify(tls)}`);
  const poolText = def.poolSize === undefined || def.poolSize === '' ? '10' : String(def.poolSize);
  const poolSize = Number(poolText);
  if (!Number.isInteger(poolSize) || poolSize < 1 || poolSize > MAX_POOL_SIZE) throw new Error(`rel-store: poolSize: expected an integer 1-${MAX_POOL_SIZE}, got ${JSON.stringify(poolText)}`);
  const caName = text(def.ca);
  const caFile = tls === 'verify' && caName ? path.resolve(RED.settings.userDir || process.cwd(), caName) : undefined;
  if (caFile && !fs.existsSync(caFile)) throw new Error(`rel-store: ca: the CA file ${caFile} does not exist`);
  return {
    url: url || undefined,
    host: host || undefined,
    port,
    database: text(c.database) || undefined,
    user: text(c.user) || undefined,
    password: typeof c.password === 'string' && c.password !== '' ? c.password : undefined,
    tls,
    caFile,
    poolSize,
  };
}
