/**
 * Test glue: a real Node-RED runtime (node-red-node-test-helper) with every node of this package
 * loaded from dist/, plus small helpers to wait for messages. Shared by every node spec.
 */
import fs from 'fs';
import os from 'os';
import path from 'path';

// eslint-disable-next-line @typescript-eslint/no-var-requires
export const helper: any = require('node-red-node-test-helper');
helper.init(require.resolve('node-red'));

/** Repository root (tests run from <out>/test/helpers, <out> being dist/ or a private .build-x/). */
export const ROOT = path.resolve(__dirname, '..', '..', '..');
/** The build output these tests were compiled into. */
export const OUT = path.resolve(__dirname, '..', '..');
/** The shared datasets, read in place (never copied into the project). */
export const DATA = process.env.RELIABILITY_DATA ? path.resolve(process.env.RELIABILITY_DATA) : path.resolve(ROOT, '..', 'shared', 'data');

export function relNodeTypes(): string[] {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  return Object.keys(pkg['node-red'].nodes);
}

/** The node modules of this package (all of them, so config nodes are always there). */
export function relNodes(): unknown[] {
  return relNodeTypes().map((t) => require(path.join(OUT, 'nodes', t, `${t}.js`)));
}

export function tmpDir(prefix = 'rel-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Load a flow with every rel-* node module plus any extra modules (core nodes, contrib nodes). */
export function loadFlow(flow: object[], extraNodes: unknown[] = [], credentials: object = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    try {
      helper.load([...relNodes(), ...extraNodes], flow, credentials, () => resolve());
    } catch (e) {
      reject(e);
    }
  });
}

export async function unloadFlow(): Promise<void> {
  await helper.unload();
}

export function getNode<T = any>(id: string): T {
  const n = helper.getNode(id);
  if (!n) throw new Error(`test flow has no node ${id}`);
  return n as T;
}

/** Resolve with the next n messages arriving at a helper node (reject after timeoutMs). */
export function nextMessages(id: string, n = 1, timeoutMs = 5000): Promise<any[]> {
  const node = getNode(id);
  return new Promise((resolve, reject) => {
    const got: any[] = [];
    const t = setTimeout(() => {
      node.removeListener('input', on);
      reject(new Error(`timeout: ${got.length}/${n} messages at ${id} after ${timeoutMs} ms`));
    }, timeoutMs);
    function on(msg: any) {
      got.push(msg);
      if (got.length >= n) {
        clearTimeout(t);
        node.removeListener('input', on);
        resolve(got);
      }
    }
    node.on('input', on);
  });
}

export async function nextMessage(id: string, timeoutMs = 5000): Promise<any> {
  return (await nextMessages(id, 1, timeoutMs))[0];
}

/** Send msg into node `id` and resolve with the error its done() reported, or undefined. */
export function receiveAndComplete(id: string, msg: any, timeoutMs = 5000): Promise<Error | undefined> {
  const node = getNode(id);
  return new Promise((resolve, reject) => {
    const msgid = msg._msgid ?? `m${Math.random().toString(36).slice(2)}`;
    msg._msgid = msgid;
    const t = setTimeout(() => {
      off();
      reject(new Error(`timeout: node ${id} did not call done for ${msgid}`));
    }, timeoutMs);
    const hookName = `onComplete.reltest${msgid.replace(/[^a-z0-9]/gi, '')}`;
    const { hooks } = require('@node-red/util');
    function off() {
      hooks.remove(hookName);
    }
    hooks.add(hookName, (evt: any) => {
      if (evt.node.id !== node.id || evt.msg._msgid !== msgid) return;
      clearTimeout(t);
      off();
      resolve(evt.error);
    });
    node.receive(msg);
  });
}

/** Every status a deployed node shows from now on (the node still shows them), in order. */
export function recordStatus(id: string): any[] {
  const node = getNode(id);
  const seen: any[] = [];
  const show = node.status.bind(node);
  node.status = (s: any) => {
    seen.push(s);
    return show(s);
  };
  return seen;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Every message a deployed node receives from now on, in order (the list fills as they come). */
export function collectInputs(id: string): any[] {
  const list: any[] = [];
  getNode(id).on('input', (m: any) => list.push(m));
  return list;
}

/** Let the messages already sent on their way arrive (a few turns of the event loop, no timer). */
export async function settle(): Promise<void> {
  for (let k = 0; k < 5; k++) await new Promise((r) => setImmediate(r));
}
