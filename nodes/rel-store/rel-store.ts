/**
 * rel-store (config): where persisting nodes keep their data.
 * - backend sqlite (default): one SQLite file. The node holds no connection: each user node opens
 *   the shared, reference-counted connection and releases it on close.
 * - backend postgres: a PostgreSQL server shared by many boxes. The node owns the pool (shared
 *   with other rel-store nodes on the same connection); user nodes register and deregister with
 *   it, and its close waits for the pool to end. Per-box state stays in the local SQLite file.
 */
import { defineNode } from '../shared/node';
import { resolveDbPath, pgSettings, gatedStore, closeOutbox, DEFAULT_LOCAL_FILE, type StoreConfigNode, type PgCredentials } from '../shared/store';
import { openConnections, openStore, openPostgres, migrateCoreAsync, type Store } from '../core/store';
import { Housekeeper } from '../core/store/housekeeper';
import { migrateStoreConfig, storageSettings, type PlantStorage, type StorageSettings } from '../core/store/housekeeping-config';
import path from 'path';
import { getClock } from '../shared/clock';
import type { NodeDef, RedApi, RedNode } from '../shared/red';

/**
 * Housekeeping of a store: retention, backups and the disk warning from the node's form over
 * settings.js `reliabilityStorage` (which wins: housekeeping-config.ts, docs/deployment.md).
 * Returns the housekeeper's close.
 */
function startHousekeeping(RED: RedApi, node: RedNode & { housekeeper?: Housekeeper }, s: StorageSettings, file: string, shared?: Store): () => Promise<void> {
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

const plantStorage = (RED: RedApi) => ((RED.settings as Record<string, unknown>).reliabilityStorage ?? {}) as PlantStorage;

interface StoreDef extends NodeDef {
  backend?: string;
  file?: string;
  localFile?: string;
  tls?: string;
  ca?: string;
  poolSize?: string | number;
}

export = function (RED: RedApi) {
  defineNode<StoreDef, StoreConfigNode>(
    RED,
    'rel-store',
    (node, saved) => {
      const config = migrateStoreConfig(saved).config;
      const backend = config.backend === undefined || config.backend === '' ? 'sqlite' : config.backend;
      // Events waiting for the PostgreSQL server in the local file (always 0 on SQLite).
      node.queued = () => node.outbox?.pending() ?? 0;
      let storage: StorageSettings;
      try {
        storage = storageSettings(config as unknown as Record<string, unknown>, plantStorage(RED));
        if (backend !== 'sqlite' && backend !== 'postgres') throw new Error(`rel-store: backend: expected sqlite or postgres, got ${JSON.stringify(backend)}`);
        node.backend = backend;
        if (backend === 'sqlite') {
          node.file = resolveDbPath(RED, config.file);
          const stop = startHousekeeping(RED, node, storage, node.file);
          return { close: stop };
        }
        const settings = pgSettings(RED, config, (node as unknown as { credentials?: PgCredentials }).credentials);
        const localFile = resolveDbPath(RED, config.localFile, DEFAULT_LOCAL_FILE);
        const pg = openPostgres(settings);
        node.pg = pg;
        node.file = localFile;
      } catch (e) {
        node.problem = e instanceof Error ? e.message : String(e);
        throw e;
      }
      const users = new Set<string>();
      node.register = (u) => users.add(u);
      node.deregister = (u) => users.delete(u);
      node.users = () => users.size;
      const pg = node.pg;
      node.shared = gatedStore(pg.db);
      let closed = false;
      const stopHk = startHousekeeping(RED, node, storage, node.file, node.shared);
      // Check the server now so a wrong address shows in the log at deploy, not at the first write.
      node.shared
        .ready()
        .then(() => pg.db.serverVersion())
        .then(
          (v) => closed || node.log(`${v} at ${pg.db.location}`),
          (e) => closed || node.warn(`${pg.db.location}: ${e instanceof Error ? e.message : String(e)}`),
        );
      return {
        close: async () => {
          closed = true;
          await stopHk();
          // The outbox's replay stops (what waits stays in the local file) before the pool ends.
          await closeOutbox(node);
          return pg.release();
        },
      };
    },
    {
      credentials: {
        url: { type: 'password' },
        host: { type: 'text' },
        port: { type: 'text' },
        database: { type: 'text' },
        user: { type: 'text' },
        password: { type: 'password' },
      },
    },
  );

  // Editor info: backend, where the data is, server version and schema versions of a deployed store.
  RED.httpAdmin.get('/rel-store/:id/info', RED.auth.needsPermission('rel-store.read'), async (req: any, res: any) => {
    const id = String(req.params.id);
    const cfg = RED.nodes.getNode(id) as StoreConfigNode | null;
    // what an empty storage field of the form means on this Node-RED (settings.js, else built in)
    let storage: unknown;
    try {
      const plant = plantStorage(RED);
      const d = storageSettings({}, plant);
      storage = { lock: plant.lock === true, housekeeping: d.housekeeping, retention: d.retention, backup: d.backup ?? null, diskWarnPercent: d.diskWarnPercent ?? null };
    } catch (e) {
      storage = { error: e instanceof Error ? e.message : String(e) };
    }
    const json = res.json.bind(res);
    res.json = (body: Record<string, unknown>) => json({ ...body, storage });
    const backend = cfg?.backend ?? (req.query.backend === 'postgres' ? 'postgres' : 'sqlite');
    if (cfg && typeof cfg.file !== 'string') return res.json({ backend, file: null, deployed: true, versions: {}, error: cfg.problem ?? 'not started' });
    if (backend === 'postgres') {
      if (!cfg?.pg) return res.json({ backend, deployed: false, versions: {} });
      const db = cfg.pg.db;
      const base = { backend, location: db.location, localFile: cfg.file, deployed: true, users: cfg.users?.() ?? 0, queued: cfg.queued?.() ?? 0 };
      try {
        await migrateCoreAsync(db);
        return res.json({ ...base, server: await db.serverVersion(), versions: await db.versions() });
      } catch (e) {
        return res.json({ ...base, versions: {}, error: e instanceof Error ? e.message : String(e) });
      }
    }
    let file: string;
    try {
      file = cfg?.file ?? resolveDbPath(RED, typeof req.query.file === 'string' ? req.query.file : '');
    } catch (e) {
      return res.json({ backend, file: null, deployed: false, versions: {}, error: e instanceof Error ? e.message : String(e) });
    }
    if (!cfg) return res.json({ backend, file, deployed: false, versions: {} });
    try {
      const h = openStore(cfg.file);
      try {
        await migrateCoreAsync(h.db);
        const users = openConnections().find((c) => c.file === h.db.location)?.users ?? 1;
        res.json({ backend, file, deployed: true, server: await h.db.serverVersion(), versions: await h.db.versions(), users: users - 1 });
      } finally {
        h.release();
      }
    } catch (e) {
      res.status(500).json({ backend, file, deployed: true, error: e instanceof Error ? e.message : String(e) });
    }
  });
};
