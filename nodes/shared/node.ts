/**
 * One way to define a node: the constructor resolves config and returns handlers; this wrapper
 * does the rest the same way for every node:
 * - input handlers may be sync or async; `done()` is called exactly once, with the error if one
 *   was thrown, so Catch nodes see it; a red status shows the short error;
 * - nothing escapes to the runtime: a throw while building the node becomes a red status and a
 *   logged error, and the node ignores input until redeployed; what init acquired before the
 *   throw (e.g. a store handle, see `onInitFailure`) is released then, as no close handler runs;
 * - `close(removed, done)` runs the node's close handler and calls done after it has finished;
 * - a config saved by an older version (no `version`, or a lower one) is upgraded to the current
 *   shape before init: the shared migrations of nodes/core/migrate.ts, then the node's own
 *   `migrate(config)` hook when it has one (opts.migrate).
 */
import { migrateConfig } from '../core/migrate';
import type { DoneFn, NodeDef, NodeMessage, RedApi, RedNode, SendFn } from './red';
import { shortError, status } from './status';

/** Deepest nesting of objects and arrays a message may have (Node-RED clones messages recursively). */
export const MAX_MSG_DEPTH = 100;

/**
 * How deep `msg` nests, or Infinity once it passes `max`. Iterative, so a hostile message cannot
 * overflow the stack here; each object is visited once (shared references and cycles cost
 * nothing more: a graph like { a: o, list: [o] } repeated 50 times has 2^50 paths); typed arrays
 * and Buffers are leaves.
 */
export function nestingDepth(msg: unknown, max = MAX_MSG_DEPTH): number {
  if (msg === null || typeof msg !== 'object') return 0;
  let deepest = 1;
  const seen = new Set<object>([msg as object]);
  const stack: [object, number][] = [[msg as object, 1]];
  const visit = (v: unknown, depth: number) => {
    if (v !== null && typeof v === 'object' && !seen.has(v)) {
      seen.add(v);
      stack.push([v, depth]);
    }
  };
  while (stack.length) {
    const [obj, depth] = stack.pop()!;
    if (depth > max) return Infinity;
    if (depth > deepest) deepest = depth;
    if (ArrayBuffer.isView(obj)) continue;
    if (Array.isArray(obj)) {
      for (let i = 0; i < obj.length; i++) visit(obj[i], depth + 1);
    } else {
      for (const k of Object.keys(obj)) visit((obj as Record<string, unknown>)[k], depth + 1);
    }
  }
  return deepest;
}

/**
 * Run `fn` (a timer or callback body, sync or async) so that nothing it throws reaches the runtime:
 * the error goes to the node's log and a red status, the way input errors do.
 */
export function guard(node: RedNode, fn: () => unknown): void {
  const fail = (e: unknown) => {
    try {
      status.error(node, shortError(e));
      node.error(e instanceof Error ? e.message : String(e));
    } catch {
      /* a closed node: nothing left to tell */
    }
  };
  try {
    const r = fn();
    if (r && typeof (r as Promise<unknown>).then === 'function') (r as Promise<unknown>).then(undefined, fail);
  } catch (e) {
    fail(e);
  }
}

export interface Handlers {
  input?: (msg: NodeMessage, send: SendFn) => void | Promise<void>;
  close?: (removed: boolean) => void | Promise<void>;
}

export type NodeInit<C extends NodeDef, N extends RedNode = RedNode> = (node: N, config: C, RED: RedApi) => Handlers;

/** Cleanups registered by the init that is running now (undefined outside a node's init). */
let initCleanups: (() => void)[] | undefined;

/**
 * Called by whatever acquires a resource (acquireStore): when it happens inside a node's init and
 * that init then throws, `release` runs, since the node will have no close handler. Outside an
 * init (or when the init succeeds) it does nothing; the node releases in its close handler.
 */
export function onInitFailure(release: () => void): void {
  initCleanups?.push(release);
}

export function defineNode<C extends NodeDef, N extends RedNode = RedNode>(
  RED: RedApi,
  type: string,
  init: NodeInit<C, N>,
  /** `migrate` gets a config saved at an older version (`from`: the version it was saved with, 0 before versions). */
  opts?: { credentials?: Record<string, { type: string }>; migrate?: (config: C, from: number) => C },
): void {
  function NodeCtor(this: N, saved: C) {
    RED.nodes.createNode(this, saved);
    let config = saved;
    const node = this;
    let handlers: Handlers = {};
    const outer = initCleanups;
    const cleanups: (() => void)[] = [];
    initCleanups = cleanups;
    try {
      const m = migrateConfig(type, saved);
      config = m.config;
      if (m.from < Number(config.version) && opts?.migrate) config = opts.migrate(config, m.from);
      handlers = init(node, config, RED);
    } catch (err) {
      for (const release of cleanups.reverse()) {
        try {
          release();
        } catch (e) {
          node.error(e instanceof Error ? e.message : String(e));
        }
      }
      status.error(node, shortError(err));
      node.error(err instanceof Error ? err.message : String(err));
    } finally {
      initCleanups = outer;
    }
    const onInput = handlers.input;
    if (onInput) {
      node.on('input', (msg: NodeMessage, send: SendFn, done: DoneFn) => {
        let finished = false;
        const finish = (err?: unknown) => {
          if (finished) return;
          finished = true;
          try {
            if (err === undefined) return done();
            const e = err instanceof Error ? err : new Error(String(err));
            status.error(node, shortError(e));
            done(e);
          } catch (x) {
            // done(err) hands a clone of msg to Catch nodes; should that throw, the runtime must not
            // see it (inside a promise handler it would end the process).
            try {
              node.error(`${err instanceof Error ? err.message : String(err ?? 'failed')} (not passed to Catch nodes: ${x instanceof Error ? x.message : String(x)})`);
            } catch {
              /* nothing more to do */
            }
          }
        };
        // A message nested deeper than any real payload (hostile) is refused before any
        // work, with its payload replaced so Catch nodes can still be given a copy of it.
        if (nestingDepth(msg) > MAX_MSG_DEPTH) {
          const m = msg as NodeMessage & Record<string, unknown>;
          for (const k of Object.keys(m)) if (k !== '_msgid' && k !== 'topic') delete m[k];
          m.payload = null;
          const e = new Error(`msg: expected a message nested at most ${MAX_MSG_DEPTH} levels deep, got a deeper one (its payload was dropped)`);
          e.name = 'InputError';
          return finish(e);
        }
        try {
          const r = onInput(msg, send);
          if (r && typeof (r as Promise<void>).then === 'function') (r as Promise<void>).then(() => finish(), (e) => finish(e ?? new Error('failed')));
          else finish();
        } catch (e) {
          finish(e ?? new Error('failed'));
        }
      });
    }
    node.on('close', (removed: boolean, done: () => void) => {
      Promise.resolve()
        .then(() => handlers.close?.(removed))
        .catch((e) => node.error(e instanceof Error ? e.message : String(e)))
        .then(() => done());
    });
  }
  const { migrate: _migrate, ...registration } = opts ?? {};
  RED.nodes.registerType(type, NodeCtor, opts ? registration : undefined);
}

/** Evaluate a typed input (str, num, msg, flow, global, env, json, ...) as a promise. */
export function evalTyped(RED: RedApi, node: RedNode, value: unknown, type: string, msg: NodeMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    RED.util.evaluateNodeProperty(value, type || 'str', node, msg, (err, result) => (err ? reject(err) : resolve(result)));
  });
}
