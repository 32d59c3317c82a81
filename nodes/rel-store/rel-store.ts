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
import { plantStorage, startHousekeeping, storeInfo } from '../shared/store-info';
import { openPostgres } from '../core/store';
import { migrateStoreConfig, storageSettings, type StorageSettings } from '../core/store/housekeeping-config';
import type { NodeDef, RedApi } from '../shared/red';

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
    const r = await storeInfo(RED, String(req.params.id), req.query ?? {});
    res.status(r.code).json(r.body);
  });
};
