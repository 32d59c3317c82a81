/** Glue shared by the JIT nodes (rel-kanban, rel-takt, rel-oee, rel-andon, rel-buffer). */
import { parseCalendar, type Calendar } from '../core/jit/calendar';
import { migrateJit } from '../core/jit/repo';
import { InputError } from '../core/errors';
import { own, str } from '../core/validate';
import type { Store } from '../core/store/types';
import { acquireStore } from './store';
import { boxId, boxScope } from './box';
import { guard } from './node';
import { shortError, status } from './status';
import type { RedApi, RedNode } from './red';

export interface JitStore {
  /** Where JIT state lives: the box's own store (`handle.local`). */
  store: Store;
  /** `<box>:<scope>`, or the scope itself on a single box (see box.ts). */
  scope(scope: string): string;
  /** Apply the core and jit migrations on `store`; the node's work queue runs it first. */
  ready(): Promise<void>;
  /** Give the store back (in close, after the queued work has finished). */
  release(): void;
}

/**
 * Open the configured store for a JIT node. The state goes to `handle.local` (per box); its
 * migrations (core and jit) are applied by `ready()`, which the node's work queue runs first.
 * The box id is read (and checked) here, so a malformed one refuses the node at deploy.
 */
export function acquireJitStore(RED: RedApi, storeId: unknown, what: string): JitStore {
  const box = boxId(RED);
  const handle = acquireStore(RED, storeId, what);
  const store = handle.local;
  return {
    store,
    scope: (s) => boxScope(box, s),
    release: () => handle.release(),
    ready: async () => {
      await migrateJit(store);
    },
  };
}

/**
 * One node's work, one job at a time in arrival order: the async start (migrations, loading saved
 * state) first, then every input and timer job. A job sees the state the previous one committed,
 * as the synchronous nodes did. A failed start fails every job with its error.
 */
export class NodeWork {
  private tail: Promise<unknown>;
  private failed: unknown;
  private started = false;
  constructor(
    private readonly node: RedNode,
    start: () => Promise<void>,
  ) {
    this.tail = Promise.resolve()
      .then(start)
      .then(
        () => {
          this.started = true;
        },
        (e) => {
          this.failed = e ?? new Error('start failed');
          status.error(node, shortError(e));
          node.error(e instanceof Error ? e.message : String(e));
        },
      );
  }

  /** Run fn after every job queued before it; rejects with fn's error (or the start's). */
  run<T>(fn: () => Promise<T> | T): Promise<T> {
    const p = this.tail.then(() => {
      if (!this.started) throw this.failed;
      return fn();
    });
    this.tail = p.catch(() => undefined);
    return p;
  }

  /** A job no caller waits for (a timer's): its error goes to node.error and a red status. */
  detach(fn: () => Promise<void> | void): void {
    guard(this.node, () =>
      this.run(fn).catch((e) => {
        if (this.started) throw e; // else the start's error is already shown
      }),
    );
  }

  /** Resolves once every job queued so far has finished (close waits for it before releasing the store). */
  idle(): Promise<void> {
    return this.tail.then(() => undefined);
  }
}

/** Shift calendar from the node form: shifts, breaks and the UTC offset (empty = the box's zone). */
export function calendarFromConfig(config: { shifts?: unknown; breaks?: unknown; utcOffset?: unknown }): Calendar {
  const off = config.utcOffset;
  const offsetMin = off === undefined || off === null || off === '' ? undefined : Number(off);
  return parseCalendar(config.shifts, config.breaks, offsetMin, 'calendar');
}

/**
 * The asset or item a production event is about: the node's own when it has one (a different one
 * in the payload is an error naming both), else the payload's.
 */
export function eventSubject(payload: unknown, field: 'asset' | 'item', fixed: string | undefined, owner = 'node'): string {
  const v = own(payload, field);
  if (fixed) {
    if (v !== undefined && v !== null && v !== fixed) throw new InputError(`msg.payload.${field}`, `the ${field} of this ${owner} (${fixed})`, v);
    return fixed;
  }
  return str(v, `msg.payload.${field}`, { maxLength: 128 });
}
