/** Config lookup for the store: resolve a node's `store` property to a shared connection. */
import fs from 'fs';
import path from 'path';
import { openStore, migrateCore, migrateCoreAsync, type SyncStore as Store, type Store as AsyncStore, type StoreHandle, type PgHandle } from '../core/store';
import { onInitFailure } from './node';
import type { NodeDef, RedApi, RedNode } from './red';

export const DEFAULT_DB_FILE = 'reliability.db';
/** The per-box SQLite file (`handle.local`, and the deprecated `handle.store`) when the backend is PostgreSQL. */
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
  /** Why the configuration was refused, for the nodes that select it. */
  problem?: string;
  /** Nodes using this store (backend postgres), the way the MQTT broker node counts its users. */
  register?(user: string): void;
  deregister?(user: string): void;
  users?(): number;
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

/** A migration step for acquireStore: the synchronous local store (deprecated) and the async `db`; may return a promise (awaited in `ready`). */
export type MigrateStep = (store: Store, db: AsyncStore) => unknown;

export interface AcquiredStore extends StoreHandle {
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

/**
 * Open the store a node is configured with, with the core schema and any area migrations
 * (`migrate`, e.g. the cmms or jit track) applied. The caller must call `release()` in its close
 * handler; the database closes after its last user has released it. Acquired while a node's init
 * runs (defineNode), the handle is also released if that init throws later on.
 *
 * Backend sqlite: `db`, `local` and `store` are one connection on the configured file. Backend
 * postgres: `db` is the PostgreSQL store of the rel-store node (its pool), `local` and `store` are
 * the per-box SQLite file (`localFile`). Each migration step gets the synchronous store (applied
 * at once, on the local file) and `db`; a step that returns a promise (e.g.
 * `(_s, db) => db.migrate('cmms', CMMS_MIGRATIONS)`) is awaited in `ready`.
 */
export function acquireStore(RED: RedApi, storeId: unknown, what = 'store', ...migrate: MigrateStep[]): AcquiredStore {
  if (typeof storeId !== 'string' || storeId === '') throw new Error(`${what}: no rel-store selected; add a store configuration node in the node's settings`);
  const cfg = RED.nodes.getNode(storeId) as StoreConfigNode | null;
  if (!cfg) throw new Error(`${what}: the selected rel-store (${storeId}) is not deployed`);
  if (typeof cfg.file !== 'string') throw new Error(`${what}: the selected rel-store (${storeId}) ${cfg.problem ? `is refused: ${cfg.problem}` : 'is not deployed'}`);
  const postgres = cfg.backend === 'postgres';
  if (postgres && !cfg.pg) throw new Error(`${what}: the selected rel-store (${storeId}) has no PostgreSQL connection`);
  const local = openStore(cfg.file);
  const db = postgres ? cfg.pg!.db : local.db;
  const user = `${what}#${++userSeq}`;
  const steps = (): Promise<void> => {
    const pending: unknown[] = [];
    migrateCore(local.store);
    if (postgres) pending.push(migrateCoreAsync(db));
    for (const m of migrate) pending.push(m(local.store, db));
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
  return { db, local: local.db, store: local.store, release, ready, ensure };
}

export type { Store, StoreHandle, NodeDef };

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
