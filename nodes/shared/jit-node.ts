/**
 * The handlers of a JIT node that works one message at a time (rel-buffer, rel-oee, rel-kanban):
 * each message runs in the node's work queue with the time it arrived ("now" is when it arrived,
 * not when its turn came), through `guardWrites` (store failures logged, the node going on);
 * close waits for the queued work, runs the node's own close steps, and gives the store back.
 */
import type { Clock } from './clock';
import type { JitStore, NodeWork } from './jit';
import type { Handlers } from './node';
import type { NodeMessage, RedNode, SendFn } from './red';
import { guardWrites } from './store-writes';

export function jitHandlers(
  node: RedNode,
  clock: Pick<Clock, 'now'>,
  what: string,
  o: { work: NodeWork; store: JitStore; handle: (msg: NodeMessage, send: SendFn, arrived: number) => Promise<void>; beforeIdle?: () => void },
): Handlers {
  return guardWrites(node, clock, what, {
    input: (msg: NodeMessage, send: SendFn) => {
      const arrived = clock.now();
      return o.work.run(() => o.handle(msg, send, arrived));
    },
    close: async () => {
      o.beforeIdle?.();
      await o.work.idle();
      o.store.release();
    },
  });
}
