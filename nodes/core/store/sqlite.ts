/**
 * SQLite implementation of the Store on better-sqlite3. One connection per database file for the
 * whole process, reference-counted: every user calls openStore() and release(); the file is
 * closed when the last user releases it (redeploy, shutdown). WAL journal with synchronous=FULL,
 * so a committed maintenance record survives a power cut.
 */
import Database from 'better-sqlite3';
import path from 'path';
import fs from 'fs';
import type { Migration, RunResult, SqlParams, Store } from './types';

interface Shared {
  db: Database.Database;
  refs: number;
  store: SqliteStore;
}

const open = new Map<string, Shared>();

/** Statement cache size per connection; SQL text is the key. */
const MAX_CACHED = 500;

class SqliteStore implements Store {
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

  run(sql: string, params: SqlParams = []): RunResult {
    const r = this.stmt(sql).run(params as unknown[]);
    return { changes: r.changes, lastInsertRowid: r.lastInsertRowid };
  }

  get<T>(sql: string, params: SqlParams = []): T | undefined {
    return this.stmt(sql).get(params as unknown[]) as T | undefined;
  }

  all<T>(sql: string, params: SqlParams = []): T[] {
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

  versions(): Record<string, number> {
    const rows = this.all<{ domain: string; v: number }>('SELECT domain, MAX(version) AS v FROM schema_migrations GROUP BY domain ORDER BY domain');
    return Object.fromEntries(rows.map((r) => [r.domain, r.v]));
  }

  close(): void {
    this.cache.clear();
    this.db.close();
  }
}

function initDb(db: Database.Database): void {
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    domain TEXT NOT NULL,
    version INTEGER NOT NULL,
    description TEXT NOT NULL,
    applied_at INTEGER NOT NULL,
    PRIMARY KEY (domain, version)
  )`);
}

export interface StoreHandle {
  store: Store;
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
    shared = { db, refs: 0, store: new SqliteStore(abs, db) };
    open.set(abs, shared);
  }
  shared.refs++;
  const s = shared;
  let released = false;
  return {
    store: s.store,
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
