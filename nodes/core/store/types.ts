/**
 * The store interface every persisting node and core repository uses: asynchronous, with an
 * explicit transaction handle, so one domain code runs on the embedded SQLite file and on a
 * PostgreSQL server shared by many edge boxes.
 *
 * - SQL with `?` placeholders and bound values only (the PostgreSQL adapter maps them to `$n`).
 * - `store.tx(async (q) => ...)` runs one transaction: commit when the function resolves, roll
 *   back when it rejects. Everything inside uses `q`, never the store: nested work receives `q`.
 *   On PostgreSQL a serialisation failure or deadlock re-runs the whole function, so it must not
 *   have side effects outside `q` (update caches and send messages after the transaction).
 * - Statements outside `tx` run on their own (auto-commit).
 * - Times are INTEGER / BIGINT milliseconds, floats REAL / DOUBLE PRECISION, JSON as TEXT.
 * - Keep SQL portable: `INSERT ... ON CONFLICT (...) DO UPDATE/NOTHING`, `excluded.col`,
 *   `COALESCE`, `CASE`; no `INSERT OR ...`, no scalar MIN/MAX of two values (use CASE), no
 *   SQLite or PostgreSQL-only functions in queries. Where the dialects must differ, branch on
 *   `q.dialect`.
 * - In `ON CONFLICT ... DO UPDATE SET`, qualify the existing row's columns with the table name
 *   (`SET detections = findings.detections + 1`): PostgreSQL refuses a bare `detections` there as
 *   ambiguous; SQLite accepts both.
 * - A partial unique index is a valid conflict target on both when the statement repeats its
 *   predicate: `ON CONFLICT (asset, mode) WHERE is_open = 1 DO UPDATE ...`.
 * - BIGINT, COUNT(*) and SUM come back as JS numbers on both backends.
 */
export type SqlValue = string | number | bigint | null | Buffer;
export type SqlParams = readonly SqlValue[];
export type Dialect = 'sqlite' | 'postgres';

/** A connection or a transaction: what domain code talks to. */
export interface Query {
  readonly dialect: Dialect;
  /** Every row. */
  all<T = Record<string, unknown>>(sql: string, params?: SqlParams): Promise<T[]>;
  /** The first row, or undefined. */
  one<T = Record<string, unknown>>(sql: string, params?: SqlParams): Promise<T | undefined>;
  /** INSERT / UPDATE / DELETE; the number of rows changed. */
  run(sql: string, params?: SqlParams): Promise<{ changes: number }>;
  /**
   * An INSERT into a table with an integer `id` key: the new row's id (the adapter adds
   * `RETURNING id` on PostgreSQL). Undefined when the insert inserted nothing
   * (ON CONFLICT DO NOTHING).
   */
  insert(sql: string, params?: SqlParams): Promise<number | undefined>;
}

export interface Migration {
  /** 1, 2, 3 ... in order; a domain's version is the highest applied. */
  version: number;
  description: string;
  /** SQLite DDL, run in one transaction with the version bump. Never edit a released one. */
  up: readonly string[];
  /**
   * PostgreSQL DDL for the same version (BIGINT milliseconds, DOUBLE PRECISION, identity
   * columns). Required for every domain that may live on PostgreSQL.
   */
  postgres?: readonly string[];
}

export interface Store extends Query {
  readonly backend: Dialect;
  /** Where the data lives, for status and logs: a file path, or host:port/database (no password). */
  readonly location: string;
  /** One transaction; see the header. Nested calls are refused: pass `q` down instead. */
  tx<T>(fn: (q: Query) => Promise<T>): Promise<T>;
  /**
   * Apply the domain's pending migrations; idempotent, once per connection. On PostgreSQL under
   * `pg_advisory_xact_lock`, so boxes starting together cannot race. Returns the domain's version.
   */
  migrate(domain: string, migrations: readonly Migration[]): Promise<number>;
  /** Schema version per domain, e.g. { core: 2, cmms: 3 }. */
  versions(): Promise<Record<string, number>>;
  /** The engine and its version, e.g. "SQLite 3.50.4" or "PostgreSQL 15.14". */
  serverVersion(): Promise<string>;
}

/** Thrown when the backend cannot be reached (PostgreSQL down, network cut): callers may queue. */
export class StoreUnavailableError extends Error {
  readonly code = 'STORE_UNAVAILABLE';
  constructor(message: string, cause?: unknown) {
    super(message, { cause });
    this.name = 'StoreUnavailableError';
  }
}


