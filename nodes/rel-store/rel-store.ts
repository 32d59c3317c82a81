/**
 * rel-store (config): one SQLite database file shared by every persisting node that selects it.
 * The node itself holds no connection: each user node opens the shared, reference-counted
 * connection and releases it on close, so the file is closed once the last user is gone
 * (redeploy, shutdown) and never held open by a node that is not running.
 */
import { defineNode } from '../shared/node';
import { resolveDbPath, type StoreConfigNode } from '../shared/store';
import { openConnections, openStore, migrateCore } from '../core/store';
import type { NodeDef, RedApi } from '../shared/red';

interface StoreDef extends NodeDef {
  file?: string;
}

export = function (RED: RedApi) {
  defineNode<StoreDef, StoreConfigNode>(RED, 'rel-store', (node, config) => {
    try {
      node.file = resolveDbPath(RED, config.file);
    } catch (e) {
      node.problem = e instanceof Error ? e.message : String(e);
      throw e;
    }
    return {};
  });

  // Editor info: the resolved path and the schema version of a deployed store.
  RED.httpAdmin.get('/rel-store/:id/info', RED.auth.needsPermission('rel-store.read'), (req: any, res: any) => {
    const id = String(req.params.id);
    const cfg = RED.nodes.getNode(id) as StoreConfigNode | null;
    if (cfg && typeof cfg.file !== 'string') return res.json({ file: null, deployed: true, versions: {}, error: cfg.problem ?? 'not started' });
    let file: string;
    try {
      file = cfg?.file ?? resolveDbPath(RED, typeof req.query.file === 'string' ? req.query.file : '');
    } catch (e) {
      return res.json({ file: null, deployed: false, versions: {}, error: e instanceof Error ? e.message : String(e) });
    }
    if (!cfg) return res.json({ file, deployed: false, versions: {} });
    try {
      const h = openStore(cfg.file);
      try {
        migrateCore(h.store);
        const users = openConnections().find((c) => c.file === h.store.file)?.users ?? 1;
        res.json({ file, deployed: true, versions: h.store.versions(), users: users - 1 });
      } finally {
        h.release();
      }
    } catch (e) {
      res.status(500).json({ file, deployed: true, error: e instanceof Error ? e.message : String(e) });
    }
  });
};
