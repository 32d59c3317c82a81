/**
 * Small node state that must survive a restart (Kanban loops, takt windows, buffer observations,
 * OEE asset states), in the core `node_state` table, through the asynchronous Store (the core
 * schema's getState/putState), taking a Query so it runs inside a caller's `store.tx(async (q) =>
 * ...)` or alone.
 */
import type { Query, Store } from '../store/types';
import { getState, putState } from '../store/core-schema';

/** A JSON state value, or undefined (the core schema's getState under the JIT names). */
export const loadState = getState;

/** Write a JSON state value (insert or replace): the core schema's putState. */
export const saveState: (q: Query, scope: string, key: string, value: unknown, now: number) => Promise<void> = putState;

/** The keys stored under a scope, sorted, at most `limit`. */
export async function stateKeys(q: Query, scope: string, limit = 10_000): Promise<string[]> {
  const rows = await q.all<{ state_key: string }>('SELECT state_key FROM node_state WHERE scope = ? ORDER BY state_key LIMIT ?', [scope, limit]);
  return rows.map((r) => r.state_key);
}

/**
 * The states of one node scope, all held in memory: loaded once, each save one statement (alone
 * or in the caller's transaction), the memory updated by the caller after commit (`commit`), or by
 * `save` itself when it runs alone.
 */
export class StateBook<T> {
  private readonly mem = new Map<string, T>();
  constructor(
    private readonly store: Store,
    readonly scope: string,
  ) {}

  /** Load every key of the scope (at most `limit`) but the `skip` ones; returns how many. */
  async load(limit: number, skip: readonly string[] = []): Promise<number> {
    for (const k of await stateKeys(this.store, this.scope, limit)) {
      if (skip.includes(k)) continue;
      const v = await loadState<T>(this.store, this.scope, k);
      if (v !== undefined) this.mem.set(k, v);
    }
    return this.mem.size;
  }

  /** One value straight from the store (not kept in memory). */
  read<V = T>(key: string): Promise<V | undefined> {
    return loadState<V>(this.store, this.scope, key);
  }

  get(key: string): T | undefined {
    return this.mem.get(key);
  }
  get size(): number {
    return this.mem.size;
  }
  values(): IterableIterator<T> {
    return this.mem.values();
  }
  entries(): IterableIterator<[string, T]> {
    return this.mem.entries();
  }

  /** Save one value on its own (auto-commit), then keep it in memory. */
  async save(key: string, value: T, now: number): Promise<void> {
    await saveState(this.store, this.scope, key, value, now);
    this.mem.set(key, value);
  }

  /** Write inside the caller's transaction; call `commit` once it has committed. */
  write(q: Query, key: string, value: unknown, now: number): Promise<void> {
    return saveState(q, this.scope, key, value, now);
  }

  /** Keep a value written in a transaction that has committed. */
  commit(key: string, value: T): void {
    this.mem.set(key, value);
  }
}
