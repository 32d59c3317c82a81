/**
 * SQLite implementation of the Store on better-sqlite3. One connection per database file for the
 * whole process, reference-counted: every user calls openStore() and release(); the file is
 * closed when the last user releases it (redeploy, shutdown). WAL journal with synchronous=FULL,
 * so a committed maintenance record survives a power cut.
 */
import Database from 'better-sqlite3';
import path from 'path';
import fs from 'fs';
import { AsyncLocalStorage } from 'async_hooks';
import type { Migration, Query, SqlParams, SqlValue, Store } from './types';

interface Shared {
  db: Database.Database;
  refs: number;
  store: SqliteStore;
  async: SqliteAsyncStore;
}

const open = new Map<string, Shared>();

/** Statement cache size per connection; SQL text is the key. */
const MAX_CACHED = 500;

type LegacyParams = SqlParams | Record<string, SqlValue>;

/** The connection's synchronous core (better-sqlite3), wrapped by the asynchronous store; not exported. */
class SqliteStore {
  readonly dialect = 'sqlite' as const;
  private readonly cache = new Map<string, Database.Statement>();
  private readonly migrated = new Set<string>();
  constructor(
    readonly file: string,
    private readonly db: Database.Database,
  ) {}

  private stmt(sql: string): Database.Statement {
    let s = this.cache.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      if (this.cache.size >= MAX_CACHED) this.cache.delete(this.cache.keys().next().value as string);
      this.cache.set(sql, s);
    }
    return s;
  }

  /** A cached prepared statement (shared with the asynchronous face). */
  statement(sql: string): Database.Statement {
    return this.stmt(sql);
  }

  run(sql: string, params: LegacyParams = []): { changes: number; lastInsertRowid: number | bigint } {
    const r = this.stmt(sql).run(params as unknown[]);
    return { changes: r.changes, lastInsertRowid: r.lastInsertRowid };
  }

  get<T>(sql: string, params: LegacyParams = []): T | undefined {
    return this.stmt(sql).get(params as unknown[]) as T | undefined;
  }

  all<T>(sql: string, params: LegacyParams = []): T[] {
    return this.stmt(sql).all(params as unknown[]) as T[];
  }

  tx<T>(fn: () => T): T {
    if (this.db.inTransaction) return fn();
    return this.db.transaction(fn).immediate();
  }

  migrate(domain: string, migrations: readonly Migration[]): number {
    const current = () => (this.get<{ v: number | null }>('SELECT MAX(version) AS v FROM schema_migrations WHERE domain = ?', [domain])?.v ?? 0);
    if (this.migrated.has(domain)) return current();
    const sorted = [...migrations].sort((a, b) => a.version - b.version);
    this.tx(() => {
      const have = current();
      for (const m of sorted) {
        if (m.version <= have) continue;
        for (const sql of m.up) this.db.exec(sql);
        this.run('INSERT INTO schema_migrations (domain, version, description, applied_at) VALUES (?, ?, ?, ?)', [domain, m.version, m.description, Date.now()]);
      }
    });
    this.migrated.add(domain);
    return current();
  }

  exec(sql: string): void {
    this.db.exec(sql);
  }

  get inTransaction(): boolean {
    return this.db.inTransaction;
  }

  versions(): Record<string, number> {
    const rows = this.all<{ domain: string; v: number }>('SELECT domain, MAX(version) AS v FROM schema_migrations GROUP BY domain ORDER BY domain');
    return Object.fromEntries(rows.map((r) => [r.domain, r.v]));
  }

  close(): void {
    this.cache.clear();
    this.db.close();
  }
}

/**
 * The asynchronous face: one lock per connection, so a transaction that awaits keeps every other
 * statement of the process out until it commits (`BEGIN IMMEDIATE`: other processes wait on the
 * file lock, busy_timeout 5 s). Statements outside a transaction take the lock for themselves.
 */
class SqliteQuery implements Query {
  readonly dialect = 'sqlite' as const;
  active = true;
  constructor(private readonly s: SqliteStore) {}
  private check(): void {
    if (!this.active) throw new Error('store: this transaction has ended; use the q of the transaction you are in');
  }
  async all<T>(sql: string, params: SqlParams = []): Promise<T[]> {
    this.check();
    return this.s.statement(sql).all(params as unknown[]) as T[];
  }
  async one<T>(sql: string, params: SqlParams = []): Promise<T | undefined> {
    this.check();
    return this.s.statement(sql).get(params as unknown[]) as T | undefined;
  }
  async run(sql: string, params: SqlParams = []): Promise<{ changes: number }> {
    this.check();
    return { changes: this.s.statement(sql).run(params as unknown[]).changes };
  }
  async insert(sql: string, params: SqlParams = []): Promise<number | undefined> {
    this.check();
    const r = this.s.statement(sql).run(params as unknown[]);
    return r.changes > 0 ? Number(r.lastInsertRowid) : undefined;
  }
}

/** Which store's transaction the current async context is inside (to refuse nested tx). */
const inside = new AsyncLocalStorage<object>();

class SqliteAsyncStore implements Store {
  readonly dialect = 'sqlite' as const;
  readonly backend = 'sqlite' as const;
  private lock: Promise<void> = Promise.resolve();
  private readonly migrated = new Map<string, number>();
  constructor(private readonly s: SqliteStore) {}

  get location(): string {
    return this.s.file;
  }

  /** Run fn alone on the connection (queued behind the transaction or statement before it). */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    if (inside.getStore() === this) {
      return Promise.reject(new Error('store: a statement or transaction on the store inside its own transaction; pass the transaction\'s q down instead'));
    }
    const run = this.lock.then(fn);
    this.lock = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  private direct<T>(fn: (q: SqliteQuery) => Promise<T>): Promise<T> {
    return this.exclusive(() => fn(new SqliteQuery(this.s)));
  }

  all<T>(sql: string, params?: SqlParams): Promise<T[]> {
    return this.direct((q) => q.all<T>(sql, params));
  }
  one<T>(sql: string, params?: SqlParams): Promise<T | undefined> {
    return this.direct((q) => q.one<T>(sql, params));
  }
  run(sql: string, params?: SqlParams): Promise<{ changes: number }> {
    return this.direct((q) => q.run(sql, params));
  }
  insert(sql: string, params?: SqlParams): Promise<number | undefined> {
    return this.direct((q) => q.insert(sql, params));
  }

  tx<T>(fn: (q: Query) => Promise<T>): Promise<T> {
    return this.exclusive(async () => {
      if (this.s.inTransaction) throw new Error('store: a synchronous transaction is open on this connection');
      const q = new SqliteQuery(this.s);
      this.s.exec('BEGIN IMMEDIATE');
      try {
        const result = await inside.run(this, () => fn(q));
        q.active = false;
        this.s.exec('COMMIT');
        return result;
      } catch (e) {
        q.active = false;
        if (this.s.inTransaction) this.s.exec('ROLLBACK');
        throw e;
      }
    });
  }

  async migrate(domain: string, migrations: readonly Migration[]): Promise<number> {
    const done = this.migrated.get(domain);
    if (done !== undefined) return done;
    const sorted = [...migrations].sort((a, b) => a.version - b.version);
    const v = await this.tx(async (q) => {
      const current = async () => (await q.one<{ v: number | null }>('SELECT MAX(version) AS v FROM schema_migrations WHERE domain = ?', [domain]))?.v ?? 0;
      const have = await current();
      for (const m of sorted) {
        if (m.version <= have) continue;
        for (const sql of m.up) this.s.exec(sql);
        await q.run('INSERT INTO schema_migrations (domain, version, description, applied_at) VALUES (?, ?, ?, ?)', [domain, m.version, m.description, Date.now()]);
      }
      return current();
    });
    this.migrated.set(domain, v);
    return v;
  }

  async versions(): Promise<Record<string, number>> {
    const rows = await this.all<{ domain: string; v: number }>('SELECT domain, MAX(version) AS v FROM schema_migrations GROUP BY domain ORDER BY domain');
    return Object.fromEntries(rows.map((r) => [r.domain, r.v]));
  }

  async serverVersion(): Promise<string> {
    const r = await this.one<{ v: string }>('SELECT sqlite_version() AS v');
    return `SQLite ${r?.v ?? '?'}`;
  }
}

/** How long a statement waits for another process's lock on the file before SQLITE_BUSY. */
const BUSY_TIMEOUT_MS = 5000;

/**
 * Switch the file to WAL. SQLite answers this pragma with SQLITE_BUSY at once, without waiting the
 * busy timeout, while another process is switching the same new file (two boxes or two Node-RED
 * processes opening it together: about one open in six failed so, measured). So: try again every
 * 10 ms for up to the busy timeout, the wait every other statement gets. The open is synchronous,
 * as that wait is.
 */
function enableWal(db: Database.Database): void {
  const until = Date.now() + BUSY_TIMEOUT_MS;
  for (;;) {
    try {
      db.pragma('journal_mode = WAL');
      return;
    } catch (e) {
      if ((e as { code?: unknown }).code !== 'SQLITE_BUSY' || Date.now() >= until) throw e;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
    }
  }
}

function initDb(db: Database.Database): void {
  db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  enableWal(db);
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    domain TEXT NOT NULL,
    version INTEGER NOT NULL,
    description TEXT NOT NULL,
    applied_at INTEGER NOT NULL,
    PRIMARY KEY (domain, version)
  )`);
}

export interface StoreHandle {
  /** The asynchronous store: what new and converted code uses. */
  db: Store;
  /**
   * Where high-rate per-box state lives (condition learning frames and history buckets, node
   * state, JIT state): always a SQLite file on this box. The same store as `db` when the
   * configured backend is SQLite.
   */
  local: Store;
  /** Give the connection back; the file closes when its last user releases it. Idempotent. */
  release(): void;
}

/**
 * The one name of a database file, whatever path reaches it: the real path of its folder (symbolic
 * links followed) and its base name, so two paths to one file share one connection.
 */
function canonical(file: string): string {
  const abs = path.resolve(file);
  const dir = path.dirname(abs);
  fs.mkdirSync(dir, { recursive: true });
  return path.join(fs.realpathSync(dir), path.basename(abs));
}

/** Open (or join) the shared connection to `file`. Creates the folder and the file if needed. */
export function openStore(file: string): StoreHandle {
  const abs = canonical(file);
  let shared = open.get(abs);
  if (!shared) {
    const db = new Database(abs);
    try {
      initDb(db);
    } catch (e) {
      db.close();
      throw e;
    }
    const legacy = new SqliteStore(abs, db);
    shared = { db, refs: 0, store: legacy, async: new SqliteAsyncStore(legacy) };
    open.set(abs, shared);
  }
  shared.refs++;
  const s = shared;
  let released = false;
  return {
    db: s.async,
    local: s.async,
    release() {
      if (released) return;
      released = true;
      s.refs--;
      if (s.refs === 0) {
        open.delete(abs);
        s.store.close();
      }
    },
  };
}

/** Files with an open connection (real paths, see openStore) and their user counts (for status and leak tests). */
export function openConnections(): { file: string; users: number }[] {
  return [...open.entries()].map(([file, s]) => ({ file, users: s.refs }));
}
