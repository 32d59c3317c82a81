/** Test helpers for the ingest specs: collect every message at a helper node, wait for conditions. */
import fs from 'fs';
import os from 'os';
import path from 'path';
import { getNode, sleep } from '../helpers/red';

let pkiHome: string | undefined;
/**
 * node-red-contrib-opcua keeps its client PKI under env-paths' config folder ($XDG_CONFIG_HOME),
 * and works out that folder once per process: every OPC UA spec of a test run must point
 * XDG_CONFIG_HOME at the same folder, kept until the process ends (a spec that removed its own
 * folder left the next spec's client without its certificate: it never connected). Out of $HOME.
 */
export function opcuaConfigHome(): string {
  if (!pkiHome) {
    pkiHome = fs.mkdtempSync(path.join(os.tmpdir(), 'rel-opcua-pki-'));
    const dir = pkiHome;
    process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  }
  return pkiHome;
}

export interface Got {
  at: number;
  msg: any;
}

export function collect(id: string): Got[] {
  const got: Got[] = [];
  getNode(id).on('input', (msg: any) => got.push({ at: Date.now(), msg }));
  return got;
}

export async function waitFor<T>(what: string, fn: () => T | undefined | false, timeoutMs = 15000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timeout after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
}

/** Every status a node showed, with the time. */
export function statuses(id: string): { at: number; text: string; fill?: string }[] {
  const out: { at: number; text: string; fill?: string }[] = [];
  getNode(id).on('call:status', (call: any) => {
    const s = call.args[0] ?? {};
    out.push({ at: Date.now(), text: String(s.text ?? ''), fill: s.fill });
  });
  return out;
}
