/**
 * A Store that runs `prepare` (e.g. the core migrations) before its first statement, and again
 * before the next one while it fails (the server was away). Once it has succeeded, calls go
 * straight through. Used for the shared PostgreSQL store, so no node writes before the core schema
 * exists on a fresh database.
 */
import type { Migration, Query, SqlParams, Store } from './types';

export class GatedStore implements Store {
  private ok = false;
  private running: Promise<void> | undefined;
  constructor(
    readonly inner: Store,
    private readonly prepare: () => Promise<unknown>,
  ) {}

  get dialect() {
    return this.inner.dialect;
  }
  get backend() {
    return this.inner.backend;
  }
  get location() {
    return this.inner.location;
  }

  /** Resolves once prepare has succeeded (running it again if the last attempt failed). */
  ready(): Promise<void> {
    if (this.ok) return Promise.resolve();
    this.running ??= this.prepare().then(
      () => {
        this.ok = true;
        this.running = undefined;
      },
      (e) => {
        this.running = undefined;
        throw e;
      },
    );
    return this.running;
  }

  private async gate<T>(fn: () => Promise<T>): Promise<T> {
    if (!this.ok) await this.ready();
    return fn();
  }

  all<T>(sql: string, params?: SqlParams): Promise<T[]> {
    return this.gate(() => this.inner.all<T>(sql, params));
  }
  one<T>(sql: string, params?: SqlParams): Promise<T | undefined> {
    return this.gate(() => this.inner.one<T>(sql, params));
  }
  run(sql: string, params?: SqlParams): Promise<{ changes: number }> {
    return this.gate(() => this.inner.run(sql, params));
  }
  insert(sql: string, params?: SqlParams): Promise<number | undefined> {
    return this.gate(() => this.inner.insert(sql, params));
  }
  tx<T>(fn: (q: Query) => Promise<T>): Promise<T> {
    return this.gate(() => this.inner.tx(fn));
  }
  migrate(domain: string, migrations: readonly Migration[]): Promise<number> {
    return this.gate(() => this.inner.migrate(domain, migrations));
  }
  versions(): Promise<Record<string, number>> {
    return this.inner.versions();
  }
  serverVersion(): Promise<string> {
    return this.inner.serverVersion();
  }
}
