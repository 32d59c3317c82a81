/**
 * PostgreSQL implementation of the Store on `pg` 8 (node-postgres) with a connection pool, so one
 * database can serve every edge box of a plant.
 *
 * - `?` placeholders become `$1..$n` (a `?` inside a quoted string, a quoted name, a dollar-quoted
 *   body or a comment is left alone).
 * - `insert()` appends ` RETURNING id` and gives the new id.
 * - Statements are prepared (named) on each connection, so a hot statement is parsed and planned
 *   once per connection rather than on every execution (statementName: DML whose result columns
 *   are named; a `SELECT *` runs unnamed, so a column added later never breaks it).
 * - BIGINT (COUNT, millisecond times) and NUMERIC (SUM) come back as JS numbers, through type
 *   parsers of this pool only (the global `pg.types` is not touched).
 * - `tx()` runs on one pooled client between BEGIN and COMMIT; a serialisation failure (40001) or
 *   deadlock (40P01) rolls back and re-runs the function, a bounded number of times with jitter.
 * - `migrate()` runs each domain's `postgres` DDL in one transaction under
 *   `pg_advisory_xact_lock`, so boxes starting together apply a migration once.
 * - Connection failures (refused, unknown host, server shutting down, timeouts, dropped
 *   connections) become StoreUnavailableError, so callers may queue and retry.
 *
 * Pools are shared per connection (openPostgres) and reference-counted like the SQLite files; the
 * last release ends the pool and resolves when every connection has closed.
 */
import fs from 'fs';
import { AsyncLocalStorage } from 'async_hooks';
import { Client, Pool, type ClientConfig, type PoolClient, type PoolConfig } from 'pg';
import { StoreUnavailableError, type Migration, type Query, type SqlParams, type Store } from './types';

/** How a pool reaches its server: `url`, the separate fields, or both (a field given overrides the URL's part). */
export interface PgConfig {
  /** postgres://user:password@host:port/database?application_name=... */
  url?: string;
  host?: string;
  port?: number;
  database?: string;
  user?: string;
  password?: string;
  /** off: plain TCP; require: TLS without checking the certificate; verify: TLS, certificate checked against `ca` (or the system CAs). */
  tls?: 'off' | 'require' | 'verify';
  /** PEM text of the CA certificate(s) for tls=verify. */
  ca?: string;
  /** Path of a PEM CA file for tls=verify (read when the pool opens). */
  caFile?: string;
  /** Connections in the pool (default 10). */
  poolSize?: number;
  /** Give up connecting after this long (default 5000 ms): the store is then unavailable. */
  connectTimeoutMs?: number;
  /** Shown in pg_stat_activity (default "node-red-reliability"). */
  applicationName?: string;
}

/** Re-runs of a transaction after a serialisation failure or deadlock before the error is thrown. */
export const MAX_TX_RETRIES = 8;
export const DEFAULT_POOL_SIZE = 10;
const MIGRATION_LOCK_KEY = 7_466_321_010; // pg_advisory_xact_lock key for schema migrations (any constant)

const OID_INT8 = 20;
const OID_NUMERIC = 1700;

function toNumber(text: string): number | bigint {
  const n = Number(text);
  if (Number.isSafeInteger(n) || !/^-?\d+$/.test(text)) return n;
  return BigInt(text);
}

/** Per-pool type parsers: BIGINT and NUMERIC as numbers (BigInt past 2^53), the rest as pg does it. */
function poolTypes(): PoolConfig['types'] {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const pgTypes = require('pg').types;
  return {
    getTypeParser(oid: number, format?: 'text' | 'binary') {
      if ((format ?? 'text') === 'text' && (oid === OID_INT8 || oid === OID_NUMERIC)) return toNumber;
      return pgTypes.getTypeParser(oid, format);
    },
  } as PoolConfig['types'];
}

// ----------------------------------------------------------------------------------------------
// Placeholders

const mapped = new Map<string, { sql: string; count: number }>();
const MAX_MAPPED = 1000;

/**
 * `?` -> `$1..$n`, outside '...' strings (with '' and E'\'' escapes), "..." names, $tag$...$tag$
 * bodies, -- and /* *\/ comments. Cached by SQL text.
 */
export function mapPlaceholders(sql: string): { sql: string; count: number } {
  const hit = mapped.get(sql);
  if (hit) return hit;
  let out = '';
  let n = 0;
  let i = 0;
  const len = sql.length;
  while (i < len) {
    const c = sql[i];
    if (c === "'") {
      const escapes = i > 0 && (sql[i - 1] === 'E' || sql[i - 1] === 'e') && (i < 2 || !/[A-Za-z0-9_]/.test(sql[i - 2]));
      let j = i + 1;
      while (j < len) {
        if (escapes && sql[j] === '\\') j += 2;
        else if (sql[j] === "'" && sql[j + 1] === "'") j += 2;
        else if (sql[j] === "'") break;
        else j++;
      }
      out += sql.slice(i, j + 1);
      i = j + 1;
    } else if (c === '"') {
      let j = i + 1;
      while (j < len && !(sql[j] === '"' && sql[j + 1] !== '"')) j += sql[j] === '"' ? 2 : 1;
      out += sql.slice(i, j + 1);
      i = j + 1;
    } else if (c === '-' && sql[i + 1] === '-') {
      let j = sql.indexOf('\n', i);
      if (j < 0) j = len;
      out += sql.slice(i, j);
      i = j;
    } else if (c === '/' && sql[i + 1] === '*') {
      let j = sql.indexOf('*/', i + 2);
      j = j < 0 ? len : j + 2;
      out += sql.slice(i, j);
      i = j;
    } else if (c === '$' && /[A-Za-z_$]/.test(sql[i + 1] ?? '') && (i === 0 || !/[A-Za-z0-9_]/.test(sql[i - 1]))) {
      const m = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i));
      if (!m) {
        out += c;
        i++;
        continue;
      }
      const tag = m[0];
      let j = sql.indexOf(tag, i + tag.length);
      j = j < 0 ? len : j + tag.length;
      out += sql.slice(i, j);
      i = j;
    } else if (c === '?') {
      out += `$${++n}`;
      i++;
    } else {
      out += c;
      i++;
    }
  }
  const r = { sql: out, count: n };
  if (mapped.size >= MAX_MAPPED) mapped.delete(mapped.keys().next().value as string);
  mapped.set(sql, r);
  return r;
}

// ----------------------------------------------------------------------------------------------
// Named (prepared) statements

const names = new Map<string, string | null>();
/** A `*` result list: SELECT *, RETURNING *, t.* (COUNT(*) and products are not). */
const STAR_COLUMNS = /(\bSELECT|\bRETURNING|\bDISTINCT|,|\.)\s*\*\s*(,|\bFROM\b|\)|;|--|\/\*|$)/i;
/** Distinct statements a process prepares at most (on each connection of its pools); later ones run unnamed. */
export const MAX_PREPARED = 500;
let nameSeq = 0;

/**
 * The name a statement is prepared under on each connection (parsed and planned once per
 * connection instead of on every execution), or undefined: only SELECT, INSERT, UPDATE, DELETE
 * and WITH statements whose result columns are named (no SELECT *, RETURNING * or t.*), so a column added
 * by a later migration cannot change what a prepared statement returns; at most MAX_PREPARED per
 * process. Names are never reused for another text.
 */
export function statementName(sql: string): string | undefined {
  const hit = names.get(sql);
  if (hit !== undefined) return hit ?? undefined;
  let name: string | null = null;
  if (names.size < MAX_PREPARED && /^\s*(SELECT|INSERT|UPDATE|DELETE|WITH)\b/i.test(sql) && !STAR_COLUMNS.test(sql)) name = `rel_${process.pid}_${++nameSeq}`;
  names.set(sql, name);
  return name ?? undefined;
}

/** A prepared statement the server refused to run (its result type changed under it): run unnamed from now on. */
function unprepare(sql: string): void {
  names.set(sql, null);
}

const PLAN_CHANGED = /cached plan must not change result type/i;

function withReturningId(sql: string): string {
  const s = sql.replace(/[\s;]+$/, '');
  return /\breturning\b/i.test(s) ? s : `${s} RETURNING id`;
}

// ----------------------------------------------------------------------------------------------
// Errors

const UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'EPIPE', '57P01', '57P02', '57P03', '53300']);
const UNAVAILABLE_TEXT = /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|terminating connection|the database system is (starting up|shutting down|in recovery mode)|Connection refused|^timeout expired$/i; // 'timeout expired': pg's Client connect timeout

/** Whether an error from pg means the server cannot be reached (rather than a bad statement). */
export function isUnavailable(e: unknown): boolean {
  if (e instanceof StoreUnavailableError) return true;
  if (!e || typeof e !== 'object') return false;
  const err = e as { code?: unknown; message?: unknown; errors?: unknown };
  const code = typeof err.code === 'string' ? err.code : '';
  if (UNAVAILABLE_CODES.has(code) || code.startsWith('08')) return true;
  if (Array.isArray(err.errors) && err.errors.some(isUnavailable)) return true; // AggregateError (IPv4 + IPv6)
  return typeof err.message === 'string' && UNAVAILABLE_TEXT.test(err.message);
}

function errorCode(e: unknown): string {
  return e && typeof e === 'object' && typeof (e as { code?: unknown }).code === 'string' ? (e as { code: string }).code : '';
}

function translate(e: unknown, location: string): unknown {
  if (e instanceof StoreUnavailableError) return e;
  if (isUnavailable(e)) {
    const code = errorCode(e);
    const msg = e instanceof Error && e.message ? e.message : code || String(e);
    return new StoreUnavailableError(`store: PostgreSQL at ${location} is unavailable: ${msg}${code && !msg.includes(code) ? ` (${code})` : ''}`, e);
  }
  return e;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ----------------------------------------------------------------------------------------------
// Query and Store

type Runner = (sql: string, values: unknown[], name?: string) => Promise<{ rows: any[]; rowCount: number | null }>;

/** Run on a pg client or pool: named (prepared) when `name` is given. */
function runOn(c: Pool | PoolClient, sql: string, values: unknown[], name?: string): Promise<{ rows: any[]; rowCount: number | null }> {
  return name ? c.query({ name, text: sql, values }) : c.query(sql, values);
}

class PgQuery implements Query {
  readonly dialect = 'postgres' as const;
  active = true;
  constructor(
    private readonly runner: Runner,
    private readonly location: string,
    /** Statements on their own (the pool), not a transaction's. */
    private readonly direct = false,
  ) {}
  private async exec(sql: string, params: SqlParams): Promise<{ rows: any[]; rowCount: number | null }> {
    if (!this.active) throw new Error('store: this transaction has ended; use the q of the transaction you are in');
    const m = mapPlaceholders(sql);
    if (m.count !== params.length) throw new Error(`store: the statement has ${m.count} ? placeholders but ${params.length} values were given`);
    const name = statementName(m.sql);
    try {
      return await this.runner(m.sql, params as unknown[], name);
    } catch (e) {
      if (name && e instanceof Error && PLAN_CHANGED.test(e.message)) {
        unprepare(m.sql);
        // on its own: run it again unnamed; in a transaction: tx() re-runs the transaction
        if (this.direct) return this.runner(m.sql, params as unknown[]).catch((x) => Promise.reject(translate(x, this.location)));
      }
      throw translate(e, this.location);
    }
  }
  async all<T>(sql: string, params: SqlParams = []): Promise<T[]> {
    return (await this.exec(sql, params)).rows as T[];
  }
  async one<T>(sql: string, params: SqlParams = []): Promise<T | undefined> {
    return (await this.exec(sql, params)).rows[0] as T | undefined;
  }
  async run(sql: string, params: SqlParams = []): Promise<{ changes: number }> {
    return { changes: (await this.exec(sql, params)).rowCount ?? 0 };
  }
  async insert(sql: string, params: SqlParams = []): Promise<number | undefined> {
    const r = await this.exec(withReturningId(sql), params);
    const id = r.rows[0]?.id;
    return id === undefined || id === null ? undefined : Number(id);
  }
}

/** Which store's transaction the current async context is inside (to refuse nested tx). */
const inside = new AsyncLocalStorage<object>();

export class PgStore implements Store {
  readonly dialect = 'postgres' as const;
  readonly backend = 'postgres' as const;
  private readonly migrations = new Map<string, Promise<number>>();
  private readonly direct: PgQuery;

  constructor(
    readonly pool: Pool,
    readonly location: string,
  ) {
    this.direct = new PgQuery((sql, values, name) => runOn(this.pool, sql, values, name), location, true);
  }

  private guard(): void {
    if (inside.getStore() === this) throw new Error("store: a statement or transaction on the store inside its own transaction; pass the transaction's q down instead");
  }

  async all<T>(sql: string, params?: SqlParams): Promise<T[]> {
    this.guard();
    return this.direct.all<T>(sql, params);
  }
  async one<T>(sql: string, params?: SqlParams): Promise<T | undefined> {
    this.guard();
    return this.direct.one<T>(sql, params);
  }
  async run(sql: string, params?: SqlParams): Promise<{ changes: number }> {
    this.guard();
    return this.direct.run(sql, params);
  }
  async insert(sql: string, params?: SqlParams): Promise<number | undefined> {
    this.guard();
    return this.direct.insert(sql, params);
  }

  private async client(): Promise<PoolClient> {
    try {
      return await this.pool.connect();
    } catch (e) {
      throw translate(e, this.location);
    }
  }

  /** One attempt: BEGIN, fn, COMMIT on one client; ROLLBACK on failure. */
  private async attempt<T>(fn: (q: Query, client: PoolClient) => Promise<T>): Promise<T> {
    const client = await this.client();
    let broken: unknown;
    const onError = (e: unknown) => {
      broken = e; // the connection died while checked out; the running query rejects too
    };
    client.on('error', onError);
    const q = new PgQuery((sql, values, name) => runOn(client, sql, values, name), this.location);
    try {
      await q.run('BEGIN');
      const result = await inside.run(this, () => fn(q, client));
      q.active = false;
      try {
        await client.query('COMMIT');
      } catch (e) {
        throw translate(e, this.location);
      }
      return result;
    } catch (e) {
      q.active = false;
      if (isUnavailable(e)) broken ??= e; // the connection is gone: do not give it back to the pool
      if (!broken) {
        try {
          await client.query('ROLLBACK');
        } catch (r) {
          broken = r;
        }
      }
      throw e;
    } finally {
      client.removeListener('error', onError);
      client.release(broken ? (broken instanceof Error ? broken : new Error(String(broken))) : undefined);
    }
  }

  async tx<T>(fn: (q: Query) => Promise<T>): Promise<T> {
    this.guard();
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.attempt((q) => fn(q));
      } catch (e) {
        const code = errorCode(e);
        // a prepared statement whose result type changed (now unnamed): once more at once
        if (code === '0A000' && e instanceof Error && PLAN_CHANGED.test(e.message) && attempt < MAX_TX_RETRIES) continue;
        if ((code === '40001' || code === '40P01') && attempt < MAX_TX_RETRIES) {
          await sleep(Math.random() * Math.min(200, 5 * 2 ** attempt));
          continue;
        }
        throw e;
      }
    }
  }

  migrate(domain: string, migrations: readonly Migration[]): Promise<number> {
    let p = this.migrations.get(domain);
    if (!p) {
      p = this.applyMigrations(domain, migrations);
      this.migrations.set(domain, p);
      p.catch(() => this.migrations.delete(domain));
    }
    return p;
  }

  private async applyMigrations(domain: string, migrations: readonly Migration[]): Promise<number> {
    this.guard();
    const sorted = [...migrations].sort((a, b) => a.version - b.version);
    return this.tx(async (q) => {
      await q.one('SELECT pg_advisory_xact_lock(?)', [MIGRATION_LOCK_KEY]);
      await q.run(`CREATE TABLE IF NOT EXISTS schema_migrations (
        domain TEXT NOT NULL,
        version INTEGER NOT NULL,
        description TEXT NOT NULL,
        applied_at BIGINT NOT NULL,
        PRIMARY KEY (domain, version)
      )`);
      const current = async () => (await q.one<{ v: number | null }>('SELECT MAX(version) AS v FROM schema_migrations WHERE domain = ?', [domain]))?.v ?? 0;
      const have = await current();
      for (const m of sorted) {
        if (m.version <= have) continue;
        if (!m.postgres) {
          throw new Error(`store: migration ${domain} v${m.version} (${m.description}) has no PostgreSQL DDL (its \`postgres\` field); this area cannot use a PostgreSQL store yet`);
        }
        for (const sql of m.postgres) await q.run(sql);
        await q.run('INSERT INTO schema_migrations (domain, version, description, applied_at) VALUES (?, ?, ?, ?)', [domain, m.version, m.description, Date.now()]);
      }
      return current();
    });
  }

  async versions(): Promise<Record<string, number>> {
    const exists = await this.one<{ t: string | null }>("SELECT to_regclass('schema_migrations')::text AS t");
    if (!exists?.t) return {};
    const rows = await this.all<{ domain: string; v: number }>('SELECT domain, MAX(version) AS v FROM schema_migrations GROUP BY domain ORDER BY domain');
    return Object.fromEntries(rows.map((r) => [r.domain, Number(r.v)]));
  }

  async serverVersion(): Promise<string> {
    const r = await this.one<{ server_version: string }>('SHOW server_version');
    return `PostgreSQL ${String(r?.server_version ?? '?').split(' ')[0]}`;
  }
}

// ----------------------------------------------------------------------------------------------
// Shared pools

interface SharedPool {
  pool: Pool;
  store: PgStore;
  refs: number;
  ended?: Promise<void>;
}

const pools = new Map<string, SharedPool>();

export interface PgHandle {
  db: PgStore;
  /** Give the pool back; the last release ends it. Resolves when the pool has ended (or at once if others still use it). Idempotent. */
  release(): Promise<void>;
}

const TLS_RANK = { off: 0, require: 1, verify: 2 } as const;
type Tls = keyof typeof TLS_RANK;

/** The parts of a postgres:// URL (user, password, host, port, database, sslmode, application_name, connect_timeout). */
function parseUrl(url: string): { host?: string; port?: number; database?: string; user?: string; password?: string; tls?: Tls; applicationName?: string; connectTimeoutMs?: number } {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error('store: the PostgreSQL URL is not a valid URL (expected postgres://user:password@host:5432/database)');
  }
  if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:') throw new Error(`store: the PostgreSQL URL must start with postgres:// (got ${u.protocol}//)`);
  const out: ReturnType<typeof parseUrl> = {
    host: decodeURIComponent(u.hostname.replace(/^\[|\]$/g, '')) || undefined,
    port: u.port ? Number(u.port) : undefined,
    database: decodeURIComponent(u.pathname.replace(/^\//, '')) || undefined,
    user: decodeURIComponent(u.username) || undefined,
    password: u.password ? decodeURIComponent(u.password) : undefined,
  };
  for (const [k, v] of u.searchParams) {
    if (k === 'application_name') out.applicationName = v;
    else if (k === 'connect_timeout') out.connectTimeoutMs = Number(v) * 1000;
    else if (k === 'sslmode') {
      if (v === 'disable' || v === 'allow') out.tls = 'off';
      else if (v === 'prefer' || v === 'require') out.tls = 'require';
      else if (v === 'verify-ca' || v === 'verify-full') out.tls = 'verify';
      else throw new Error(`store: the PostgreSQL URL: sslmode ${JSON.stringify(v)} is not one of disable, allow, prefer, require, verify-ca, verify-full`);
    } else throw new Error(`store: the PostgreSQL URL: parameter ${JSON.stringify(k)} is not supported (use sslmode, application_name or connect_timeout; TLS, pool size and the CA file are settings of their own)`);
  }
  return out;
}

/** How long a statement may wait for a free connection of the box's pool before it fails. */
export const POOL_QUEUE_WAIT_MS = 120_000;

/** pg's Client with its own connect timeout (the pool's setting then bounds only the queue). */
function clientWithConnectTimeout(ms: number): typeof Client {
  return class extends Client {
    constructor(c?: string | ClientConfig) {
      super({ ...(typeof c === 'string' ? { connectionString: c } : c), connectionTimeoutMillis: ms });
    }
  };
}

/**
 * The pool configuration: the URL's parts, overridden by the separate fields when given. TLS is
 * the stronger of the `tls` setting and the URL's sslmode, so neither silently weakens the other.
 */
function poolConfig(config: PgConfig): { cfg: PoolConfig; location: string; key: string } {
  const fromUrl = config.url ? parseUrl(config.url) : {};
  const host = config.host ?? fromUrl.host;
  const port = config.port ?? fromUrl.port;
  const database = config.database ?? fromUrl.database;
  const user = config.user ?? fromUrl.user;
  const password = config.password !== undefined && config.password !== '' ? config.password : fromUrl.password;
  const setting = config.tls ?? 'off';
  if (!(setting in TLS_RANK)) throw new Error(`store: tls must be off, require or verify (got ${JSON.stringify(setting)})`);
  const tls: Tls = fromUrl.tls && TLS_RANK[fromUrl.tls] > TLS_RANK[setting] ? fromUrl.tls : setting;
  const cfg: PoolConfig = { host, port, database, user, password };
  let ca: string | undefined;
  if (tls === 'require') cfg.ssl = { rejectUnauthorized: false };
  else if (tls === 'verify') {
    ca = config.ca ?? (config.caFile ? fs.readFileSync(config.caFile, 'utf8') : undefined);
    cfg.ssl = ca ? { rejectUnauthorized: true, ca } : { rejectUnauthorized: true };
  }
  const size = config.poolSize ?? DEFAULT_POOL_SIZE;
  if (!Number.isInteger(size) || size < 1 || size > 500) throw new Error(`store: pool size must be an integer 1-500 (got ${size})`);
  cfg.max = size;
  // Two different waits, which pg's pool bounds with one setting: opening a connection to the
  // server (connect timeout: a server that does not answer is unavailable) and waiting for a free
  // connection of this box's pool (a burst queued behind a row lock, the server answering). The
  // connection gets the connect timeout; the queue waits longer, so a busy box is not taken for a
  // server that is away (which would send its writes to the offline outbox).
  const connectMs = config.connectTimeoutMs ?? fromUrl.connectTimeoutMs ?? 5000;
  cfg.connectionTimeoutMillis = Math.max(POOL_QUEUE_WAIT_MS, connectMs);
  cfg.Client = clientWithConnectTimeout(connectMs);
  cfg.idleTimeoutMillis = 30_000;
  cfg.keepAlive = true;
  cfg.keepAliveInitialDelayMillis = 10_000;
  cfg.application_name = config.applicationName ?? fromUrl.applicationName ?? 'node-red-reliability';
  cfg.types = poolTypes();
  const location = `${host ?? 'localhost'}:${port ?? 5432}/${database ?? user ?? ''}`;
  const key = JSON.stringify([host, port, database, user, password, tls, ca ?? '', cfg.application_name]);
  return { cfg, location, key };
}

/**
 * Open (or join) the pool for this connection. Pools are shared by connection (URL, fields,
 * password, TLS); the first opener's pool size applies. Nothing connects until the first query.
 */
export function openPostgres(config: PgConfig): PgHandle {
  const { cfg, location, key } = poolConfig(config);
  let shared = pools.get(key);
  if (!shared) {
    const pool = new Pool(cfg);
    // An idle connection dropped by the server (restart, network cut): the pool discards it and
    // the next query opens a new one. Without a listener the error would end the process.
    pool.on('error', () => undefined);
    shared = { pool, store: new PgStore(pool, location), refs: 0 };
    pools.set(key, shared);
  }
  shared.refs++;
  const s = shared;
  let released: Promise<void> | undefined;
  return {
    db: s.store,
    release() {
      if (released) return released;
      s.refs--;
      if (s.refs > 0) return (released = Promise.resolve());
      if (pools.get(key) === s) pools.delete(key);
      s.ended = s.pool.end().catch(() => undefined);
      return (released = s.ended);
    },
  };
}

/** Open pools and their user counts (for status and leak tests). */
export function openPools(): { location: string; users: number; connections: number }[] {
  return [...pools.values()].map((s) => ({ location: s.store.location, users: s.refs, connections: s.pool.totalCount }));
}
