/**
 * The store interface every persisting node and core repository uses. It is deliberately small:
 * parameterised SQL (`?` placeholders, values bound, never concatenated), synchronous
 * transactions, and per-domain migrations. Keep SQL portable where it costs nothing (standard
 * types, INTEGER ms timestamps, TEXT JSON, no SQLite-only functions in queries) so a PostgreSQL
 * implementation of this interface can follow for plants that outgrow one edge box.
 */
export type SqlValue = string | number | bigint | null | Buffer;
export type SqlParams = readonly SqlValue[] | Record<string, SqlValue>;

export interface RunResult {
  changes: number;
  lastInsertRowid: number | bigint;
}

export interface Migration {
  /** 1, 2, 3 ... in order; a domain's version is the highest applied. */
  version: number;
  description: string;
  /** SQL statements (portable DDL), run in one transaction with the version bump. */
  up: readonly string[];
}

export interface Store {
  /** Absolute path of the database file. */
  readonly file: string;
  readonly dialect: 'sqlite';
  run(sql: string, params?: SqlParams): RunResult;
  get<T = Record<string, unknown>>(sql: string, params?: SqlParams): T | undefined;
  all<T = Record<string, unknown>>(sql: string, params?: SqlParams): T[];
  /** Run fn in one transaction (nested calls join the outer one). Commit on return, roll back on throw. */
  tx<T>(fn: () => T): T;
  /** Apply the domain's pending migrations; idempotent. Returns the domain's schema version. */
  migrate(domain: string, migrations: readonly Migration[]): number;
  /** Schema version per domain, e.g. { core: 1, cmms: 2 }. */
  versions(): Record<string, number>;
}
