/**
 * The plant's asset register in the store (`assets` table of the core schema): each deployed
 * rel-asset keeps its row there, so reports and dashboards can join on an asset's line and
 * criticality. Takes a `Query`: the store itself or the `q` of a caller's transaction.
 */
import type { AssetSpec } from './asset';
import type { Query } from './store/types';

/** Insert or update the asset's row. */
export async function saveAsset(q: Query, a: AssetSpec, now: number): Promise<void> {
  await q.run(
    `INSERT INTO assets (asset_id, name, line, criticality, machine_class, rpm, bearing, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (asset_id) DO UPDATE SET name = excluded.name, line = excluded.line, criticality = excluded.criticality,
       machine_class = excluded.machine_class, rpm = excluded.rpm, bearing = excluded.bearing, updated_at = excluded.updated_at`,
    [a.assetId, a.name, a.line, a.criticality, a.machineClass, a.rpm ?? null, a.bearing ? JSON.stringify({ name: a.bearingName, ...a.bearing }) : null, now],
  );
}
