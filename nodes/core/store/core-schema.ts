/**
 * The core schema every store has: a small key-value table for node state that must survive a
 * restart (a Kanban loop, a learned baseline's metadata) and the asset registry, so reports and
 * dashboards can join on an asset's line and criticality.
 */
import type { Migration, Query, Store as AsyncStore } from './types';

export const CORE_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'node state key-value table',
    up: [
      `CREATE TABLE IF NOT EXISTS node_state (
        scope TEXT NOT NULL,
        state_key TEXT NOT NULL,
        value TEXT NOT NULL,
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (scope, state_key)
      )`,
    ],
    postgres: [
      `CREATE TABLE IF NOT EXISTS node_state (
        scope TEXT NOT NULL,
        state_key TEXT NOT NULL,
        value TEXT NOT NULL,
        updated_at BIGINT NOT NULL,
        PRIMARY KEY (scope, state_key)
      )`,
    ],
  },
  {
    version: 2,
    description: 'asset registry',
    up: [
      `CREATE TABLE IF NOT EXISTS assets (
        asset_id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        line TEXT NOT NULL DEFAULT '',
        criticality INTEGER NOT NULL,
        machine_class TEXT NOT NULL,
        rpm REAL,
        bearing TEXT,
        updated_at INTEGER NOT NULL
      )`,
    ],
    postgres: [
      `CREATE TABLE IF NOT EXISTS assets (
        asset_id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        line TEXT NOT NULL DEFAULT '',
        criticality INTEGER NOT NULL,
        machine_class TEXT NOT NULL,
        rpm DOUBLE PRECISION,
        bearing TEXT,
        updated_at BIGINT NOT NULL
      )`,
    ],
  },
];

// The asynchronous forms, on any Store (SQLite or PostgreSQL) or a transaction's Query.

/** Apply the core migrations (node_state, assets); the core version. */
export function migrateCoreAsync(store: AsyncStore): Promise<number> {
  return store.migrate('core', CORE_MIGRATIONS);
}

/** Read a JSON state value, or undefined. */
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

/** Delete one state value, or every value of the scope when no key is given; the number deleted. */
export async function dropState(q: Query, scope: string, key?: string): Promise<number> {
  const r = key === undefined ? await q.run('DELETE FROM node_state WHERE scope = ?', [scope]) : await q.run('DELETE FROM node_state WHERE scope = ? AND state_key = ?', [scope, key]);
  return r.changes;
}
