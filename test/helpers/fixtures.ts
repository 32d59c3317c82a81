/**
 * Config nodes every node spec needs: one builder for the store and the asset, so a spec is the
 * flow plus the assertions.
 */
import Database from 'better-sqlite3';
import fs from 'fs';
import path from 'path';

export function storeNode(file: string, id = 'store1'): object {
  return { id, type: 'rel-store', name: 'test store', file: path.resolve(file) };
}

export interface AssetFixture {
  id?: string;
  assetId?: string;
  name?: string;
  line?: string;
  criticality?: number;
  machineClass?: string;
  rpm?: number | string;
  bearing?: string;
  store?: string;
  [k: string]: unknown;
}

export function assetNode(o: AssetFixture = {}): object {
  return {
    id: o.id ?? 'asset1',
    type: 'rel-asset',
    assetId: o.assetId ?? 'pump-1',
    name: o.name ?? 'Test pump',
    line: o.line ?? 'line-1',
    criticality: o.criticality ?? 3,
    machineClass: o.machineClass ?? 'iso10816-3:group2:rigid',
    rpm: o.rpm ?? 1797,
    bearing: o.bearing ?? '6205-2RS',
    ...o,
  };
}

/** A tab node so flows look like exported ones. */
export const TAB = { id: 'tab1', type: 'tab', label: 'test' };

export interface StoredWorkOrder {
  id: number;
  asset: string;
  priority: number;
  severity: string;
  evidence: string;
  is_open: number;
}

/**
 * The work orders in a runtime's SQLite file, read from outside the runtime (read-only); none while
 * the file or the CMMS tables do not exist yet.
 */
export function storedWorkOrders(file: string): StoredWorkOrder[] {
  if (!fs.existsSync(file)) return [];
  const d = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const has = d.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'cmms_work_orders'").get();
    return has ? (d.prepare('SELECT id, asset, priority, severity, evidence, is_open FROM cmms_work_orders').all() as StoredWorkOrder[]) : [];
  } finally {
    d.close();
  }
}
