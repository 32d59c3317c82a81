/**
 * The CMMS schema: work orders with their history, preventive-maintenance plans, spare parts with
 * stock moves and reservations. Its own migration track (`cmms`); never edit a released
 * migration, add the next version.
 *
 * Portable DDL: INTEGER ms times, TEXT JSON, partial indexes (SQLite and PostgreSQL both have them).
 */
import type { Migration, SyncStore as Store } from '../store/types';

/** A work order's number as people read it: WO-000012. */
export function woNumber(id: number): string {
  return `WO-${String(id).padStart(6, '0')}`;
}

export const CMMS_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'work orders, history, PM plans, spare parts',
    up: [
      `CREATE TABLE IF NOT EXISTS cmms_work_orders (
        id INTEGER PRIMARY KEY,
        asset TEXT NOT NULL,
        line TEXT NOT NULL DEFAULT '',
        mode TEXT NOT NULL DEFAULT '',
        title TEXT NOT NULL,
        description TEXT NOT NULL DEFAULT '',
        criticality INTEGER NOT NULL,
        severity TEXT NOT NULL,
        last_severity TEXT NOT NULL,
        priority INTEGER NOT NULL,
        status TEXT NOT NULL,
        is_open INTEGER NOT NULL,
        dedup_key TEXT,
        assignee TEXT,
        source TEXT NOT NULL,
        detections INTEGER NOT NULL DEFAULT 0,
        evidence TEXT NOT NULL DEFAULT '',
        first_seen INTEGER,
        last_seen INTEGER,
        plan_id INTEGER,
        occurrence INTEGER,
        missed INTEGER NOT NULL DEFAULT 0,
        due_at INTEGER,
        repair_min REAL,
        downtime_min REAL,
        failure INTEGER NOT NULL DEFAULT 0,
        parts TEXT NOT NULL DEFAULT '[]',
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        done_at INTEGER,
        closed_at INTEGER
      )`,
      // One open work order per (asset, failure mode) for condition findings.
      `CREATE UNIQUE INDEX IF NOT EXISTS cmms_wo_open_dedup ON cmms_work_orders (dedup_key) WHERE is_open = 1`,
      // One work order per PM plan occurrence, ever.
      `CREATE UNIQUE INDEX IF NOT EXISTS cmms_wo_pm_occurrence ON cmms_work_orders (plan_id, occurrence) WHERE plan_id IS NOT NULL`,
      // One asset's open orders (the dashboard query) without touching closed history.
      `CREATE INDEX IF NOT EXISTS cmms_wo_open_asset ON cmms_work_orders (asset, id) WHERE is_open = 1`,
      `CREATE INDEX IF NOT EXISTS cmms_wo_asset_done ON cmms_work_orders (asset, done_at)`,
      `CREATE INDEX IF NOT EXISTS cmms_wo_line_done ON cmms_work_orders (line, done_at)`,
      `CREATE TABLE IF NOT EXISTS cmms_wo_history (
        id INTEGER PRIMARY KEY,
        wo_id INTEGER NOT NULL REFERENCES cmms_work_orders (id),
        ts INTEGER NOT NULL,
        action TEXT NOT NULL,
        from_status TEXT,
        to_status TEXT NOT NULL,
        actor TEXT NOT NULL,
        note TEXT NOT NULL DEFAULT ''
      )`,
      `CREATE INDEX IF NOT EXISTS cmms_wo_history_wo ON cmms_wo_history (wo_id, id)`,
      `CREATE TABLE IF NOT EXISTS cmms_pm_plans (
        id INTEGER PRIMARY KEY,
        asset TEXT NOT NULL,
        task TEXT NOT NULL,
        trigger_kind TEXT NOT NULL,
        every REAL,
        unit TEXT NOT NULL,
        cron TEXT,
        feature TEXT,
        limit_value REAL,
        direction TEXT,
        anchor INTEGER NOT NULL,
        last_due INTEGER NOT NULL,
        seq INTEGER NOT NULL DEFAULT 0,
        meter_base REAL NOT NULL DEFAULT 0,
        meter_total REAL NOT NULL DEFAULT 0,
        meter_raw REAL,
        cond_active INTEGER NOT NULL DEFAULT 0,
        duration_min REAL NOT NULL DEFAULT 0,
        parts TEXT NOT NULL DEFAULT '[]',
        catchup TEXT NOT NULL DEFAULT 'each',
        active INTEGER NOT NULL DEFAULT 1,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      )`,
      `CREATE UNIQUE INDEX IF NOT EXISTS cmms_pm_asset_task ON cmms_pm_plans (asset, task)`,
      `CREATE TABLE IF NOT EXISTS cmms_parts (
        part TEXT PRIMARY KEY,
        name TEXT NOT NULL DEFAULT '',
        on_hand REAL NOT NULL DEFAULT 0,
        reserved REAL NOT NULL DEFAULT 0,
        unit_cost REAL NOT NULL DEFAULT 0,
        lead_mean_days REAL NOT NULL DEFAULT 0,
        lead_sd_days REAL NOT NULL DEFAULT 0,
        demand_per_day REAL,
        demand_sd REAL,
        z REAL NOT NULL DEFAULT 1.65,
        lot_size REAL,
        below_rop INTEGER NOT NULL DEFAULT 0,
        signal_pending INTEGER NOT NULL DEFAULT 0,
        pending_qty REAL NOT NULL DEFAULT 0,
        updated_at INTEGER NOT NULL
      )`,
      `CREATE TABLE IF NOT EXISTS cmms_stock_moves (
        id INTEGER PRIMARY KEY,
        part TEXT NOT NULL REFERENCES cmms_parts (part),
        ts INTEGER NOT NULL,
        kind TEXT NOT NULL,
        qty REAL NOT NULL,
        wo_id INTEGER,
        actor TEXT NOT NULL DEFAULT '',
        note TEXT NOT NULL DEFAULT '',
        on_hand REAL NOT NULL,
        reserved REAL NOT NULL
      )`,
      `CREATE INDEX IF NOT EXISTS cmms_stock_moves_part ON cmms_stock_moves (part, ts)`,
      `CREATE TABLE IF NOT EXISTS cmms_reservations (
        part TEXT NOT NULL REFERENCES cmms_parts (part),
        wo_id INTEGER NOT NULL,
        qty REAL NOT NULL,
        PRIMARY KEY (part, wo_id)
      )`,
    ],
  },
  {
    version: 2,
    description: 'work-order history revision, so an open order\'s history can be cached',
    up: [
      // A fresh token written with every history row of the order (WorkOrderRepo.addHistory is
      // the only writer). A cached history is used only while its token equals the row's, so a
      // rolled-back write or another connection's write can never be served from the cache.
      // NULL (orders from before this version): never cached until their next history row.
      `ALTER TABLE cmms_work_orders ADD COLUMN history_rev INTEGER`,
    ],
  },
  {
    version: 3,
    description: 'meter plans: event time of the last counter reading, so late and redelivered readings are ignored',
    up: [
      // The ts of the reading meter_raw came from. A reading whose ts is older (or the same ts with
      // a value not above meter_raw) is a late or repeated message, never a counter reset.
      // NULL (plans from before this version, or no reading yet): the next reading is taken.
      `ALTER TABLE cmms_pm_plans ADD COLUMN meter_ts INTEGER`,
    ],
  },
];

export function migrateCmms(store: Store): number {
  return store.migrate('cmms', CMMS_MIGRATIONS);
}
