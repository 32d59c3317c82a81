/**
 * The `register` migration track: machines and machine types, SQLite (`up`) and PostgreSQL
 * (`postgres`). Never edit a released version: add the next one.
 */
import type { Migration } from '../store/types';

export const REGISTER_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'asset register: machines and machine types',
    up: [
      `CREATE TABLE IF NOT EXISTS register_assets (
        asset_id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        site TEXT NOT NULL DEFAULT '',
        area TEXT NOT NULL DEFAULT '',
        line TEXT NOT NULL DEFAULT '',
        criticality INTEGER NOT NULL,
        machine_class TEXT NOT NULL,
        rpm REAL,
        bearing TEXT NOT NULL,
        balls INTEGER,
        ball_diameter REAL,
        pitch_diameter REAL,
        contact_angle REAL,
        machine_type TEXT NOT NULL DEFAULT '',
        plc_host TEXT NOT NULL DEFAULT '',
        plc_port INTEGER,
        unit_id INTEGER,
        base_address INTEGER,
        notes TEXT NOT NULL DEFAULT '',
        channels TEXT NOT NULL DEFAULT '[]',
        updated_at INTEGER NOT NULL
      )`,
      `CREATE INDEX IF NOT EXISTS register_assets_place ON register_assets (site, area, line)`,
      `CREATE INDEX IF NOT EXISTS register_assets_plc ON register_assets (plc_host, plc_port)`,
      `CREATE TABLE IF NOT EXISTS register_types (
        name TEXT PRIMARY KEY,
        registers TEXT NOT NULL,
        channels TEXT NOT NULL,
        updated_at INTEGER NOT NULL
      )`,
    ],
    postgres: [
      `CREATE TABLE IF NOT EXISTS register_assets (
        asset_id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        site TEXT NOT NULL DEFAULT '',
        area TEXT NOT NULL DEFAULT '',
        line TEXT NOT NULL DEFAULT '',
        criticality INTEGER NOT NULL,
        machine_class TEXT NOT NULL,
        rpm DOUBLE PRECISION,
        bearing TEXT NOT NULL,
        balls INTEGER,
        ball_diameter DOUBLE PRECISION,
        pitch_diameter DOUBLE PRECISION,
        contact_angle DOUBLE PRECISION,
        machine_type TEXT NOT NULL DEFAULT '',
        plc_host TEXT NOT NULL DEFAULT '',
        plc_port INTEGER,
        unit_id INTEGER,
        base_address INTEGER,
        notes TEXT NOT NULL DEFAULT '',
        channels TEXT NOT NULL DEFAULT '[]',
        updated_at BIGINT NOT NULL
      )`,
      `CREATE INDEX IF NOT EXISTS register_assets_place ON register_assets (site, area, line)`,
      `CREATE INDEX IF NOT EXISTS register_assets_plc ON register_assets (plc_host, plc_port)`,
      `CREATE TABLE IF NOT EXISTS register_types (
        name TEXT PRIMARY KEY,
        registers TEXT NOT NULL,
        channels TEXT NOT NULL,
        updated_at BIGINT NOT NULL
      )`,
    ],
  },
];
