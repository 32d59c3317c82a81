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
};

/** A short form of an error message for a status dot: the property path and the expectation. */
export function shortError(err: unknown): string {
  const m = err instanceof Error ? err.message : String(err);
  return m.split(', got')[0];
}
