/** Config lookup for the store: resolve a node's `store` property to a shared connection. */
import path from 'path';
import { openStore, migrateCore, type SyncStore as Store, type StoreHandle } from '../core/store';
import { onInitFailure } from './node';
import type { NodeDef, RedApi, RedNode } from './red';

export const DEFAULT_DB_FILE = 'reliability.db';

export interface StoreConfigNode extends RedNode {
  /** Absolute path of the database file (not set when the configuration is refused). */
  file: string;
  /** Why the configuration was refused, for the nodes that select it. */
  problem?: string;
}

/**
 * Where a configured file name lives: relative names sit in the Node-RED user directory and must
 * stay inside it; an absolute path may point anywhere (a data disk).
 */
export function resolveDbPath(RED: RedApi, file: unknown): string {
  const name = typeof file === 'string' && file.trim() !== '' ? file.trim() : DEFAULT_DB_FILE;
  const base = path.resolve(RED.settings.userDir || process.cwd());
  const abs = path.resolve(base, name);
  if (!path.isAbsolute(name)) {
    const rel = path.relative(base, abs);
    if (rel === '' || rel === '..' || rel.startsWith(`..${path.sep}`) || path.isAbsolute(rel)) {
      throw new Error(`rel-store: file ${JSON.stringify(name)}: a relative name must stay inside the user directory; use an absolute path for another disk`);
    }
  }
  return abs;
}

/**
 * Open the store a node is configured with, with the core schema and any area migrations
 * (`migrate`, e.g. the cmms or jit track) applied. The caller must call `release()` in its close
 * handler; the database closes after its last user has released it. Acquired while a node's init
 * runs (defineNode), the handle is also released if that init throws later on.
 */
export function acquireStore(RED: RedApi, storeId: unknown, what = 'store', ...migrate: ((store: Store) => unknown)[]): StoreHandle {
  if (typeof storeId !== 'string' || storeId === '') throw new Error(`${what}: no rel-store selected; add a store configuration node in the node's settings`);
  const cfg = RED.nodes.getNode(storeId) as StoreConfigNode | null;
  if (!cfg) throw new Error(`${what}: the selected rel-store (${storeId}) is not deployed`);
  if (typeof cfg.file !== 'string') throw new Error(`${what}: the selected rel-store (${storeId}) ${cfg.problem ? `is refused: ${cfg.problem}` : 'is not deployed'}`);
  const handle = openStore(cfg.file);
  try {
    migrateCore(handle.store);
    for (const m of migrate) m(handle.store);
  } catch (e) {
    handle.release();
    throw e;
  }
  onInitFailure(handle.release);
  return handle;
}

export type { Store, StoreHandle, NodeDef };
