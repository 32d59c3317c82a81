/** Status dots with short useful text, the same look on every node. */
import type { RedNode } from './red';

const MAX = 32;
function clip(text: string): string {
  return text.length > MAX ? `${text.slice(0, MAX - 1)}…` : text;
}
export const status = {
  ok: (node: RedNode, text: string) => node.status({ fill: 'green', shape: 'dot', text: clip(text) }),
  info: (node: RedNode, text: string) => node.status({ fill: 'blue', shape: 'dot', text: clip(text) }),
  busy: (node: RedNode, text: string) => node.status({ fill: 'blue', shape: 'ring', text: clip(text) }),
  warn: (node: RedNode, text: string) => node.status({ fill: 'yellow', shape: 'dot', text: clip(text) }),
  error: (node: RedNode, text: string) => node.status({ fill: 'red', shape: 'dot', text: clip(text) }),
  idle: (node: RedNode, text: string) => node.status({ fill: 'grey', shape: 'ring', text: clip(text) }),
  clear: (node: RedNode) => node.status({}),
  /**
   * The plant database (PostgreSQL) cannot be reached and writes wait in the box's local outbox:
   * a yellow ring, "plant database offline · 12 queued" (not clipped: the count is the point).
   */
  offline: (node: RedNode, queued: number) => node.status({ fill: 'yellow', shape: 'ring', text: queued > 0 ? `plant database offline · ${queued} queued` : 'plant database offline' }),
};

/** A short form of an error message for a status dot: the property path and the expectation. */
export function shortError(err: unknown): string {
  const m = err instanceof Error ? err.message : String(err);
  return m.split(', got')[0];
}

/** The timer half of a Clock (nodes/shared/clock.ts); the wall clock or a test's fake one. */
interface StatusClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/**
 * A status throttle for nodes that may see thousands of messages a second: a status of a new
 * kind (zone changed, rpm lost) shows at once; repeats of the same kind show at most every `ms`,
 * the latest one winning, so the dot never lags behind the end of a burst. Call close() in the
 * node's close handler.
 */
export function throttledStatus(clock: StatusClock, ms = 500): { show(kind: string, apply: () => void): void; close(): void } {
  let shownAt = -Infinity;
  let shownKind: string | undefined;
  let pending: (() => void) | null = null;
  let timer: unknown = null;
  return {
    show(kind, apply) {
      const now = clock.now();
      if (kind !== shownKind || now - shownAt >= ms) {
        shownKind = kind;
        shownAt = now;
        pending = null;
        apply();
        return;
      }
      pending = apply;
      if (timer === null)
        timer = clock.setTimeout(() => {
          timer = null;
          if (pending) {
            shownAt = clock.now();
            const f = pending;
            pending = null;
            f();
          }
        }, Math.max(1, ms - (now - shownAt)));
    },
    close() {
      if (timer !== null) clock.clearTimeout(timer);
      timer = null;
      pending = null;
    },
  };
}
