/**
 * One way for every node that stores readings on the hot path (rel-health, rel-rul, rel-oee,
 * rel-andon, rel-takt, rel-kanban, rel-buffer) to live through a store that refuses writes (disk
 * full, read-only file): wrap the input work in `writes.run(msg, fn)`.
 * - a store-write failure (nodes/core/store/write-failures.ts) is counted, the status shows
 *   `not stored: 123 (disk full)`, and ONE error per minute per node reaches the log and Catch
 *   nodes, with the count in its text; the node keeps running and the message is dropped;
 * - the first write that succeeds again logs one line with the episode's total; the node's own
 *   status (set by its work) is back;
 * - any other error is thrown on as before (input errors stay per message).
 * Minutes by the node clock (getClock), so a test or a replay on a fake clock sees the same rule.
 */
import { WriteFailures, storeWriteFailure, writeFailureText } from '../core/store/write-failures';
import type { Clock } from './clock';
import type { Handlers } from './node';
import type { NodeMessage, RedNode } from './red';
import { status } from './status';

export interface StoreWrites {
  /** Run `fn` (the node's input work); a store-write failure resolves undefined after counting it. */
  run<T>(msg: NodeMessage | undefined, fn: () => Promise<T> | T): Promise<T | undefined>;
  /** Readings not stored since the failures began (0 while writes succeed). */
  readonly notStored: number;
  /** Readings not stored since the node started. */
  readonly total: number;
}

export function storeWrites(node: RedNode, clock: Pick<Clock, 'now'>, what: string): StoreWrites {
  const wf = new WriteFailures(() => clock.now());
  return {
    get notStored() {
      return wf.notStored;
    },
    get total() {
      return wf.total;
    },
    async run(msg, fn) {
      let r;
      try {
        r = await fn();
      } catch (e) {
        const reason = storeWriteFailure(e);
        if (!reason) throw e;
        const f = wf.failed(reason);
        status.error(node, `not stored: ${f.notStored} (${reason})`);
        if (f.report) {
          const text = writeFailureText(what, f, e instanceof Error ? e.message : String(e));
          // with the message, so Catch nodes see it too (once a minute, as the log)
          if (msg) node.error(text, msg);
          else node.error(text);
        }
        return undefined;
      }
      const back = wf.succeeded();
      if (back) node.log(`store writes succeed again: ${back.notStored} reading${back.notStored === 1 ? ' was' : 's were'} not stored from ${new Date(back.since).toISOString()} (${Math.round(back.ms / 1000)} s)`);
      return r;
    },
  };
}

/**
 * A node's handlers with their input run through `storeWrites` (the usual way in a node file:
 * `return guardWrites(node, clock, 'rel-x', { input, close })`).
 */
export function guardWrites(node: RedNode, clock: Pick<Clock, 'now'>, what: string, handlers: Handlers): Handlers {
  const input = handlers.input;
  if (!input) return handlers;
  const w = storeWrites(node, clock, what);
  return { ...handlers, input: async (msg, send) => void (await w.run(msg, () => input(msg, send))) };
}
