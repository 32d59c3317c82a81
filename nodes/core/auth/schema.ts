/**
 * The `auth` migration track: users, sessions (hashed tokens) and failed-login counters. On
 * PostgreSQL these are shared by every box, so one user list serves the whole plant.
 */
import type { Migration } from '../store/types';

export const AUTH_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'dashboard users, sessions and failed-login counters',
    up: [
      `CREATE TABLE IF NOT EXISTS auth_users (
        username TEXT PRIMARY KEY,
        display_name TEXT NOT NULL DEFAULT '',
        role TEXT NOT NULL,
        password_hash TEXT NOT NULL,
        disabled INTEGER NOT NULL DEFAULT 0,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        password_changed_at INTEGER NOT NULL
      )`,
      `CREATE TABLE IF NOT EXISTS auth_sessions (
        token_hash TEXT PRIMARY KEY,
        username TEXT NOT NULL REFERENCES auth_users (username) ON DELETE CASCADE,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        address TEXT NOT NULL DEFAULT ''
      )`,
      `CREATE INDEX IF NOT EXISTS auth_sessions_user ON auth_sessions (username)`,
      `CREATE INDEX IF NOT EXISTS auth_sessions_expiry ON auth_sessions (expires_at)`,
      `CREATE TABLE IF NOT EXISTS auth_failures (
        username TEXT PRIMARY KEY,
        failures INTEGER NOT NULL,
        window_start INTEGER NOT NULL,
        locked_until INTEGER NOT NULL
      )`,
      `CREATE TABLE IF NOT EXISTS auth_meta (
        meta_key TEXT PRIMARY KEY,
        value TEXT NOT NULL,
        updated_at INTEGER NOT NULL
      )`,
    ],
    postgres: [
      `CREATE TABLE IF NOT EXISTS auth_users (
        username TEXT PRIMARY KEY,
        display_name TEXT NOT NULL DEFAULT '',
        role TEXT NOT NULL,
        password_hash TEXT NOT NULL,
        disabled INTEGER NOT NULL DEFAULT 0,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL,
        password_changed_at BIGINT NOT NULL
      )`,
      `CREATE TABLE IF NOT EXISTS auth_sessions (
        token_hash TEXT PRIMARY KEY,
        username TEXT NOT NULL REFERENCES auth_users (username) ON DELETE CASCADE,
        created_at BIGINT NOT NULL,
        expires_at BIGINT NOT NULL,
        address TEXT NOT NULL DEFAULT ''
      )`,
      `CREATE INDEX IF NOT EXISTS auth_sessions_user ON auth_sessions (username)`,
      `CREATE INDEX IF NOT EXISTS auth_sessions_expiry ON auth_sessions (expires_at)`,
      `CREATE TABLE IF NOT EXISTS auth_failures (
        username TEXT PRIMARY KEY,
        failures INTEGER NOT NULL,
        window_start BIGINT NOT NULL,
        locked_until BIGINT NOT NULL
      )`,
      `CREATE TABLE IF NOT EXISTS auth_meta (
        meta_key TEXT PRIMARY KEY,
        value TEXT NOT NULL,
        updated_at BIGINT NOT NULL
      )`,
    ],
  },
];
