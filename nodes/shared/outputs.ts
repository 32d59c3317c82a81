/** The array a node with several outputs sends: the given outputs set, the others null. */
import type { NodeMessage } from './red';

export type OutputValue = NodeMessage | NodeMessage[] | null;

/** `count` outputs, `at[i]` on output i (0-based), null elsewhere; typed for `send`. */
export function outputs(count: number, at: Record<number, OutputValue>): never {
  const out: OutputValue[] = Array.from({ length: count }, () => null);
  for (const [k, v] of Object.entries(at)) out[Number(k)] = v;
  return out as never;
}
