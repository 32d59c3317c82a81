/**
 * rel-store (config): where persisting nodes keep their data.
 * - backend sqlite (default): one SQLite file. The node holds no connection: each user node opens
 *   the shared, reference-counted connection and releases it on close.
 * - backend postgres: a PostgreSQL server shared by many boxes. The node owns the pool (shared
 *   with other rel-store nodes on the same connection); user nodes register and deregister with
 *   it, and its close waits for the pool to end. Per-box state stays in the local SQLite file.
 */
import { defineNode } from '../shared/node';
import { resolveDbPath, pgSettings, DEFAULT_LOCAL_FILE, type StoreConfigNode, type PgCredentials } from '../shared/store';
import { openConnections, openStore, openPostgres, migrateCore, migrateCoreAsync } from '../core/store';
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
    (node, config) => {
      const backend = config.backend === undefined || config.backend === '' ? 'sqlite' : config.backend;
      try {
        if (backend !== 'sqlite' && backend !== 'postgres') throw new Error(`rel-store: backend: expected sqlite or postgres, got ${JSON.stringify(backend)}`);
        node.backend = backend;
        if (backend === 'sqlite') {
          node.file = resolveDbPath(RED, config.file);
          return {};
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
      let closed = false;
      // Check the server now so a wrong address shows in the log at deploy, not at the first write.
      migrateCoreAsync(pg.db)
        .then(() => pg.db.serverVersion())
        .then(
          (v) => closed || node.log(`${v} at ${pg.db.location}`),
          (e) => closed || node.warn(`${pg.db.location}: ${e instanceof Error ? e.message : String(e)}`),
        );
      return {
        close: () => {
          closed = true;
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
    const backend = cfg?.backend ?? (req.query.backend === 'postgres' ? 'postgres' : 'sqlite');
    if (cfg && typeof cfg.file !== 'string') return res.json({ backend, file: null, deployed: true, versions: {}, error: cfg.problem ?? 'not started' });
    if (backend === 'postgres') {
      if (!cfg?.pg) return res.json({ backend, deployed: false, versions: {} });
      const db = cfg.pg.db;
      const base = { backend, location: db.location, localFile: cfg.file, deployed: true, users: cfg.users?.() ?? 0 };
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
        migrateCore(h.store);
        const users = openConnections().find((c) => c.file === h.store.file)?.users ?? 1;
        res.json({ backend, file, deployed: true, server: await h.db.serverVersion(), versions: await h.db.versions(), users: users - 1 });
      } finally {
        h.release();
      }
    } catch (e) {
      res.status(500).json({ backend, file, deployed: true, error: e instanceof Error ? e.message : String(e) });
    }
  });
};
