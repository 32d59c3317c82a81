/**
 * A real Node-RED (node_modules/node-red/red.js, a child process) started the way `npm start`
 * starts it (scripts/start.js), but on 127.0.0.1 with a free port, in a temporary user directory,
 * loading this package's nodes from the build output these tests were compiled into. Shared by
 * the browser tests (test/ui) and the flow-loading test (test/flows).
 */
import type { ChildProcess } from 'child_process';
import fs from 'fs';
import os from 'os';
import path from 'path';

/** Repository root and build output (tests run from <out>/test/ui). */
export const ROOT = path.resolve(__dirname, '..', '..', '..');
export const OUT = path.resolve(__dirname, '..', '..');

interface StartScript {
  prepareUserDir(o: { userDir: string; port: number; pkgDir?: string; flow?: object[]; reset?: boolean; logLevel?: string; excludes?: string[]; extra?: object }): { userDir: string; settingsFile: string; flowFile: string; deployed: boolean };
  shimPackage(shimDir: string, buildDir: string): string[];
  readFlow(name: string): any[];
  runNodeRed(o: { userDir: string; settingsFile: string; stdio?: string; timeoutMs?: number; env?: Record<string, string> }): Promise<{ child: ChildProcess; url: string; log: () => string }>;
  stopNodeRed(child: ChildProcess): Promise<void>;
}
// eslint-disable-next-line @typescript-eslint/no-var-requires
export const start: StartScript = require(path.join(ROOT, 'scripts', 'start.js'));

/** Debian's chromium: the tests drive it through playwright-core and never download a browser. */
export const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** Start Debian's chromium headless with the flags every browser test uses. */
export async function launchChromium(): Promise<import('playwright-core').Browser> {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (the tests never download a browser)`);
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { chromium } = require('playwright-core');
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

export interface RunningRed {
  url: string;
  userDir: string;
  dir: string;
  types: string[];
  log(): string;
  stop(): Promise<void>;
}

/** Start Node-RED with `flow` (or none) in a fresh temporary directory. */
export async function startRed(opts: { flow?: object[]; excludes?: string[]; logLevel?: string; keep?: boolean } = {}): Promise<RunningRed> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rel-ui-'));
  const pkgDir = path.join(dir, 'pkg');
  const types = start.shimPackage(pkgDir, OUT);
  const prep = start.prepareUserDir({ userDir: path.join(dir, 'user'), port: 0, pkgDir, flow: opts.flow ?? [], reset: true, logLevel: opts.logLevel ?? 'info', excludes: opts.excludes });
  const r = await start.runNodeRed({ userDir: prep.userDir, settingsFile: prep.settingsFile, timeoutMs: 90_000, stdio: process.env.UI_ECHO ? 'inherit' : 'pipe' });
  return {
    url: r.url,
    userDir: prep.userDir,
    dir,
    types,
    log: r.log,
    async stop() {
      await start.stopNodeRed(r.child);
      if (!opts.keep) fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** GET/POST the admin API (JSON). */
export async function admin(red: { url: string }, method: 'GET' | 'POST', p: string, body?: unknown, headers: Record<string, string> = {}): Promise<any> {
  const res = await fetch(red.url + p, {
    method,
    headers: { Accept: 'application/json', 'Content-Type': 'application/json', 'Node-RED-API-Version': 'v2', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${p}: HTTP ${res.status} ${text.slice(0, 500)}`);
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Node statuses as the editor sees them (the comms websocket), collected for `ms`. */
export async function statuses(red: { url: string }, ms: number): Promise<Record<string, { fill?: string; shape?: string; text?: string }>> {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const WebSocket = require('ws');
  const ws = new WebSocket(red.url.replace(/^http/, 'ws') + '/comms');
  const st: Record<string, { fill?: string; shape?: string; text?: string }> = {};
  await new Promise<void>((resolve, reject) => {
    ws.on('open', () => {
      ws.send(JSON.stringify({ subscribe: 'status/#' }));
      setTimeout(resolve, ms);
    });
    ws.on('error', reject);
    ws.on('message', (d: Buffer) => {
      for (const m of JSON.parse(d.toString())) if (typeof m.topic === 'string' && m.topic.startsWith('status/')) st[m.topic.slice(7)] = m.data || {};
    });
  });
  ws.close();
  return st;
}

/** Log lines at [error] or [warn] level after the given offset of the log. */
export function problems(log: string, from = 0): string[] {
  return log
    .slice(from)
    .split('\n')
    .filter((l) => /\[(error|warn)\]/.test(l));
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Poll until fn returns a truthy value (returned) or fail with the last value after timeoutMs. */
export async function waitFor<T>(what: string, fn: () => Promise<T> | T, timeoutMs: number, everyMs = 500): Promise<NonNullable<T>> {
  const t0 = Date.now();
  let last: T | undefined;
  let lastErr: unknown;
  while (Date.now() - t0 < timeoutMs) {
    try {
      last = await fn();
      if (last) return last as NonNullable<T>;
    } catch (e) {
      lastErr = e;
    }
    await sleep(everyMs);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last value ${JSON.stringify(last)}${lastErr ? `, last error ${String(lastErr)}` : ''})`);
}

/** Where the browser specs put their screenshots (test-output/screenshots). */
export const SHOTS = path.join(ROOT, 'test-output', 'screenshots');

/**
 * Mocha hooks of a browser spec on the demo line: Node-RED with flows/demo-line.json (the
 * simulators `fast` picks run at one plant hour per second, a frame a second), Debian's chromium
 * and the screenshot folder; both closed after the spec. Read `red` and `browser` inside tests.
 */
export function demoLineInBrowser(fast: ((sim: { kind?: string }) => boolean) | null = () => true): { red: RunningRed; browser: import('playwright-core').Browser } {
  const ctx = {} as { red: RunningRed; browser: import('playwright-core').Browser };
  before(async function () {
    const flow = start.readFlow('demo-line.json') as { type: string; kind?: string }[];
    if (fast) for (const n of flow) if (n.type === 'rel-simulator' && fast(n)) Object.assign(n, { timeScale: 3600, interval: 1 });
    ctx.red = await startRed({ flow });
    ctx.browser = await launchChromium();
    fs.mkdirSync(SHOTS, { recursive: true });
  });
  after(async function () {
    if (ctx.browser) await ctx.browser.close();
    if (ctx.red) await ctx.red.stop();
  });
  return ctx;
}

/**
 * Browser-side JavaScript (a string for page.evaluate) that finds the ECharts instance of a stock
 * Dashboard 2.0 ui-chart (drawn on a canvas) by walking the Vue tree to its DBUIChart component:
 * an expression that is the chart, or null.
 */
export function stockChartJs(widgetId: string): string {
  return `(() => {
    const app = document.querySelector('#app').__vue_app__;
    const seen = new Set();
    let found = null;
    (function walk(v, d) {
      if (!v || d > 300 || found) return;
      const c = v.component;
      if (c && !seen.has(c)) { seen.add(c); if (c.type.name === 'DBUIChart' && c.props.id === ${JSON.stringify(widgetId)}) { found = c; return; } walk(c.subTree, d + 1); }
      for (const k of ['children', 'dynamicChildren']) if (Array.isArray(v[k])) for (const ch of v[k]) if (ch && typeof ch === 'object') walk(ch, d + 1);
    })(app._container._vnode, 0);
    return (found && found.proxy.chart) || null;
  })()`;
}
