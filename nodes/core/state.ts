/**
 * Small node state that must survive a restart (the core schema's `node_state` table), over the
 * asynchronous Store: JSON values by scope and key. Takes a `Query`: the store itself or the `q`
 * of a caller's transaction. Per-box state lives in the handle's `local` store.
 */
import type { Query } from './store/types';

/** A JSON state value, or undefined. */
export async function getState<T>(q: Query, scope: string, key: string): Promise<T | undefined> {
  const row = await q.one<{ value: string }>('SELECT value FROM node_state WHERE scope = ? AND state_key = ?', [scope, key]);
  return row ? (JSON.parse(row.value) as T) : undefined;
}

/** Write a JSON state value (insert or replace). */
export async function putState(q: Query, scope: string, key: string, value: unknown, now = Date.now()): Promise<void> {
  await q.run(
    `INSERT INTO node_state (scope, state_key, value, updated_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (scope, state_key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
    [scope, key, JSON.stringify(value), now],
  );
}

/** Delete one value, or every value of the scope. */
export async function dropState(q: Query, scope: string, key?: string): Promise<void> {
  if (key === undefined) await q.run('DELETE FROM node_state WHERE scope = ?', [scope]);
  else await q.run('DELETE FROM node_state WHERE scope = ? AND state_key = ?', [scope, key]);
}
