/**
 * A close (redeploy) while a node's work is mid-way: hold a repository method at its start, close
 * the flow, and check that the close waits for the held call, which then finishes on the open store.
 */
import assert from 'assert';
import { sleep, unloadFlow } from './red';

/**
 * Hold `proto[name]` at its start while `start()` runs the message that calls it; close the flow
 * meanwhile and check that the close waits; then let the call go on. Returns what `start()`
 * resolved with (the node's done: undefined or its error). The method is put back in any case.
 */
export async function closeWhileHeld<P extends object>(proto: P, name: keyof P & string, start: () => Promise<unknown>, what: string): Promise<unknown> {
  const original = proto[name] as unknown as (...a: unknown[]) => Promise<unknown>;
  let go!: () => void;
  let started!: () => void;
  const gate = new Promise<void>((r) => (go = r));
  const begun = new Promise<void>((r) => (started = r));
  (proto as Record<string, unknown>)[name] = async function (this: unknown, ...args: unknown[]) {
    started();
    await gate;
    return original.apply(this, args);
  };
  try {
    const done = start();
    await begun;
    let closed = false;
    const unloading = unloadFlow().then(() => (closed = true));
    await sleep(100);
    assert.strictEqual(closed, false, `the close waits for the ${what}`);
    go();
    await unloading;
    return await done;
  } finally {
    (proto as Record<string, unknown>)[name] = original;
  }
}
