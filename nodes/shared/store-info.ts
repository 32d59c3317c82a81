/**
 * rel-store's editor info (GET /rel-store/:id/info) and housekeeping start, glue between the
 * config node and the core store: the backend, where the data is, the server version and schema
 * versions of a deployed store, and what an empty storage field of the form means on this
 * Node-RED (settings.js `reliabilityStorage`, else built in). No URL or secret in the answer.
 */
import path from 'path';
import { openConnections, openStore, migrateCoreAsync, type Store } from '../core/store';
import { Housekeeper } from '../core/store/housekeeper';
import { storageSettings, type PlantStorage, type StorageSettings } from '../core/store/housekeeping-config';
import { getClock } from './clock';
import type { RedApi, RedNode } from './red';
import { resolveDbPath, type StoreConfigNode } from './store';

export const plantStorage = (RED: RedApi) => ((RED.settings as Record<string, unknown>).reliabilityStorage ?? {}) as PlantStorage;

/**
 * Housekeeping of a store: retention, backups and the disk warning from the node's form over
 * settings.js `reliabilityStorage` (which wins: housekeeping-config.ts, docs/deployment.md).
 * Returns the housekeeper's close.
 */
export function startHousekeeping(RED: RedApi, node: RedNode & { housekeeper?: Housekeeper }, s: StorageSettings, file: string, shared?: Store): () => Promise<void> {
  if (!s.housekeeping) return async () => undefined;
  const hk = new Housekeeper({
    // The local file is opened for a pass and released after it; a PostgreSQL store is the node's own.
    stores: () => {
      const h = openStore(file);
      return { stores: shared ? [shared, h.db] : [h.db], release: () => h.release() };
    },
    retention: s.retention,
    dir: path.dirname(file),
    disk: s.disk,
    backup: s.backup && { file, dir: resolveDbPath(RED, s.backup.dir), everyHours: s.backup.everyHours, keep: s.backup.keep },
    clock: getClock(RED),
    report: (kind, level, text) => (level === 'error' ? node.error(`${kind}: ${text}`) : level === 'warn' ? node.warn(`${kind}: ${text}`) : node.log(`${kind}: ${text}`)),
  });
  node.housekeeper = hk;
  hk.start();
  return () => hk.close();
}

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** What an empty storage field of the form means here (or why settings.js cannot be read). */
function storageInfo(RED: RedApi): unknown {
  try {
    const plant = plantStorage(RED);
    const d = storageSettings({}, plant);
    return { lock: plant.lock === true, housekeeping: d.housekeeping, retention: d.retention, backup: d.backup ?? null, diskWarnPercent: d.diskWarnPercent ?? null };
  } catch (e) {
    return { error: message(e) };
  }
}

type Info = { code: number; body: Record<string, unknown> };

/** A deployed PostgreSQL store: where, the server, schema versions, users and queued events. */
async function postgresInfo(cfg: StoreConfigNode | null): Promise<Record<string, unknown>> {
  if (!cfg?.pg) return { backend: 'postgres', deployed: false, versions: {} };
  const db = cfg.pg.db;
  const base = { backend: 'postgres', location: db.location, localFile: cfg.file, deployed: true, users: cfg.users?.() ?? 0, queued: cfg.queued?.() ?? 0 };
  try {
    await migrateCoreAsync(db);
    return { ...base, server: await db.serverVersion(), versions: await db.versions() };
  } catch (e) {
    return { ...base, versions: {}, error: message(e) };
  }
}

/** A SQLite store: the file (the form's, before deploy), and for a deployed one its versions and other users. */
async function sqliteInfo(RED: RedApi, backend: string, cfg: StoreConfigNode | null, queryFile: unknown): Promise<Info> {
  let file: string;
  try {
    file = cfg?.file ?? resolveDbPath(RED, typeof queryFile === 'string' ? queryFile : '');
  } catch (e) {
    return { code: 200, body: { backend, file: null, deployed: false, versions: {}, error: message(e) } };
  }
  if (!cfg) return { code: 200, body: { backend, file, deployed: false, versions: {} } };
  try {
    const h = openStore(cfg.file);
    try {
      await migrateCoreAsync(h.db);
      const users = openConnections().find((c) => c.file === h.db.location)?.users ?? 1;
      return { code: 200, body: { backend, file, deployed: true, server: await h.db.serverVersion(), versions: await h.db.versions(), users: users - 1 } };
    } finally {
      h.release();
    }
  } catch (e) {
    return { code: 500, body: { backend, file, deployed: true, error: message(e) } };
  }
}

/** The info of the rel-store node `id` (or, not deployed, of the backend and file the query names). */
export async function storeInfo(RED: RedApi, id: string, query: Record<string, unknown>): Promise<Info> {
  const cfg = RED.nodes.getNode(id) as StoreConfigNode | null;
  const storage = storageInfo(RED);
  const backend = cfg?.backend ?? (query.backend === 'postgres' ? 'postgres' : 'sqlite');
  let r: Info;
  if (cfg && typeof cfg.file !== 'string') r = { code: 200, body: { backend, file: null, deployed: true, versions: {}, error: cfg.problem ?? 'not started' } };
  else if (backend === 'postgres') r = { code: 200, body: await postgresInfo(cfg) };
  else r = await sqliteInfo(RED, backend, cfg, query.file);
  return { code: r.code, body: { ...r.body, storage } };
}
