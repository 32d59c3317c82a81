/**
 * Glue shared by the CMMS nodes (rel-work-order, rel-pm, rel-spares, rel-kpi): open the
 * asynchronous store and apply the cmms migrations there, and the asset facts a work order needs (line, criticality) from the
 * deployed rel-asset, else from the message, else defaults.
 */
import { migrateCmms } from '../core/cmms/schema';
import type { Store } from '../core/store/types';
import type { AssetFacts } from '../core/cmms/work-orders';
import { InputError } from '../core/errors';
import { optStr, num, own, str, time } from '../core/validate';
import { findAsset, resolveAsset } from './assets';
import type { NodeMessage, RedApi } from './red';
import { acquireStore, type StoreHandle } from './store';

/**
 * The node's store handle and `ready()`, which resolves with the asynchronous store (`handle.db`)
 * once the core schema and the cmms migrations are applied there, applying them again when the
 * last attempt failed (a PostgreSQL server away at deploy): handlers call it before any query, and
 * a message fails with the migration's error while it cannot succeed. `settled` settles with the
 * first attempt (close waits for it).
 */
export function acquireCmmsStore(RED: RedApi, storeId: unknown, what: string): { handle: StoreHandle; db: Store; ready: () => Promise<Store>; settled: Promise<void> } {
  // The cmms track on `db` (the configured backend), with the core schema.
  const handle = acquireStore(RED, storeId, what, (_local, db) => migrateCmms(db));
  const db = handle.db;
  const ready = () => handle.ensure().then(() => db);
  return { handle, db, ready, settled: handle.ready.catch(() => undefined) };
}

/** Facts of the asset a message is about (the configured asset wins, then a deployed one, then the payload). */
export function assetFacts(RED: RedApi, configured: unknown, msg: NodeMessage, payload: unknown, defaultCriticality = 3): AssetFacts {
  if (typeof configured === 'string' && configured) {
    const a = resolveAsset(RED, configured, msg);
    return { asset: a.assetId, line: a.line, criticality: a.criticality };
  }
  const id = str(own(payload, 'asset'), 'msg.payload.asset', { maxLength: 200 });
  const spec = findAsset(id);
  if (spec) return { asset: spec.assetId, line: spec.line, criticality: spec.criticality };
  const c = own(payload, 'criticality');
  const criticality = c === undefined || c === null ? defaultCriticality : num(c, 'msg.payload.criticality', { min: 1, max: 5, integer: true });
  return { asset: id, line: optStr(own(payload, 'line'), 'msg.payload.line', { maxLength: 200 }) ?? '', criticality };
}

/** msg.action, else msg.topic when it is one of the actions, else the fallback (or an error). */
export function actionOf<T extends string>(msg: NodeMessage, actions: readonly T[], fallback?: T): T {
  const a = own(msg, 'action');
  if (a !== undefined) {
    if (typeof a === 'string' && (actions as readonly string[]).includes(a)) return a as T;
    throw new InputError('msg.action', `one of ${actions.join(', ')}`, a);
  }
  const t = own(msg, 'topic');
  if (typeof t === 'string' && (actions as readonly string[]).includes(t)) return t as T;
  if (fallback !== undefined) return fallback;
  throw new InputError('msg.action', `one of ${actions.join(', ')} (or msg.topic set to one)`, a);
}

/** The event time of a payload field (default now); time() keeps it within what a Date can represent. */
export function eventTime(payload: unknown, key: string, now: () => number): number {
  const v = own(payload, key);
  if (v === undefined || v === null) return now();
  return time(v, `msg.payload.${key}`);
}

/**
 * Work a node has in flight (message handlers, timer ticks), so `close` can wait for it before it
 * releases the store: `run(fn)` starts fn and tracks it, `idle()` resolves when nothing runs.
 */
export function inFlight(): { run<T>(fn: () => Promise<T>): Promise<T>; idle(): Promise<void> } {
  const running = new Set<Promise<unknown>>();
  return {
    run<T>(fn: () => Promise<T>): Promise<T> {
      const p = fn();
      const settled = p.then(
        () => undefined,
        () => undefined,
      );
      running.add(settled);
      void settled.then(() => running.delete(settled));
      return p;
    },
    async idle(): Promise<void> {
      while (running.size) await Promise.all([...running]);
    },
  };
}
