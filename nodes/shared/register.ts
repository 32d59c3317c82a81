/**
 * Glue for the asset register: the store's RegisterRepo and its in-memory index, shared by every
 * node on that store (rel-registry, rel-ingest with source `register`). The index is loaded when
 * the first user joins (reloaded when another joins) and replaced after each committed import,
 * type change or removal; on a PostgreSQL backend (other boxes may change the register) it is also
 * reloaded every REFRESH_MS.
 */
import { joinIndex, RegisterRepo, type RegisterIndex } from '../core/register';
import { onInitFailure } from './node';
import type { RedApi } from './red';
import { acquireStore, type AcquiredStore } from './store';

export const REFRESH_MS = 30_000;
/** How long the index stays after its last user left (a redeploy closes, then starts, the nodes). */
export const GRACE_MS = 5_000;

export interface RegisterHandle {
  repo: RegisterRepo;
  index: RegisterIndex;
  store: AcquiredStore;
  /** Resolves when the schema is migrated and the index loaded (rejects with why not). */
  ready: Promise<void>;
  /** Reload the index from the store (after a commit). */
  refresh(): Promise<void>;
  release(): void;
}

const timers = new Map<string, NodeJS.Timeout>();
const loading = new Map<string, Promise<void>>();
/** The refresh of every live user of an index (for the PostgreSQL reload timer). */
const users = new Map<string, Set<() => Promise<void>>>();

export function acquireRegister(RED: RedApi, storeId: unknown, what: string): RegisterHandle {
  const store = acquireStore(RED, storeId, what);
  const repo = new RegisterRepo(store.db);
  const key = `${store.db.backend}:${store.db.location}`;
  const joined = joinIndex(key);
  const refresh = async () => {
    const snap = await repo.snapshot();
    joined.index.replace(snap.assets, snap.types);
  };
  const mine = users.get(key) ?? new Set<() => Promise<void>>();
  mine.add(refresh);
  users.set(key, mine);
  let ready: Promise<void>;
  if (joined.first) {
    ready = repo.migrate().then(refresh);
    loading.set(key, ready);
    ready.catch(() => undefined).then(() => loading.get(key) === ready && loading.delete(key));
    if (store.db.backend === 'postgres') {
      // Reload through whichever user holds a live store now (the first one may have left).
      const t = setInterval(() => {
        const r = [...(users.get(key) ?? [])].pop();
        r?.().catch((e) => RED.log.warn(`${what}: register refresh failed: ${e instanceof Error ? e.message : String(e)}`));
      }, REFRESH_MS);
      t.unref();
      timers.set(key, t);
    }
  } else ready = (loading.get(key) ?? Promise.resolve()).then(() => (joined.index.loaded ? refresh() : repo.migrate().then(refresh)));
  ready.catch(() => undefined);
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    mine.delete(refresh);
    store.release();
    // The index outlives its last user by GRACE_MS, so a redeploy (close, then start) never has
    // a moment in which registered machines are unknown; a user joining in time reuses it.
    const t = setTimeout(() => {
      if (joined.release()) {
        const r = timers.get(key);
        if (r) clearInterval(r);
        timers.delete(key);
        if (users.get(key)?.size === 0) users.delete(key);
      }
    }, GRACE_MS);
    t.unref();
  };
  onInitFailure(release);
  return { repo, index: joined.index, store, ready, refresh, release };
}
