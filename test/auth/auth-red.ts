/**
 * A real Node-RED for the dashboard login specs (child process, 127.0.0.1, free port) with this
 * package's plugin and Dashboard 2.0, and the clients they use on it: admin API deploy, the
 * recorded messages of auth-flow.ts, an HTTP login, a raw socket.io client.
 */
import assert from 'assert';
import fs from 'fs';
import os from 'os';
import path from 'path';
import { io, type Socket } from 'socket.io-client';
import { OUT, admin, start, type RunningRed } from '../ui/nodered';

export interface Received {
  all: { payload: unknown; topic: string; user: { username: string; name: string; role: string } | null; socketId: string | null }[];
  ok: (string | null)[];
  err: string[];
  events: { payload: unknown; client: { user?: unknown; socketId?: string } | null }[];
}

/** Node-RED with this package (plugin included unless `plugin: false`), bcrypt cost 4, no flow yet. */
export async function startAuthRed(opts: { plugin?: boolean } = {}): Promise<RunningRed & { child: import('child_process').ChildProcess }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rel-auth-'));
  const pkgDir = path.join(dir, 'pkg');
  const types = start.shimPackage(pkgDir, OUT);
  if (opts.plugin === false) {
    const file = path.join(pkgDir, 'package.json');
    const pkg = JSON.parse(fs.readFileSync(file, 'utf8'));
    delete pkg['node-red'].plugins;
    fs.writeFileSync(file, JSON.stringify(pkg, null, 2));
  }
  const prep = start.prepareUserDir({ userDir: path.join(dir, 'user'), port: 0, pkgDir, flow: [], reset: true, logLevel: 'info', extra: { relUsersBcryptCost: 4 } });
  const r = await start.runNodeRed({ userDir: prep.userDir, settingsFile: prep.settingsFile, timeoutMs: 90_000, stdio: process.env.UI_ECHO ? 'inherit' : 'pipe' });
  return {
    url: r.url,
    userDir: prep.userDir,
    dir,
    types,
    log: r.log,
    child: r.child,
    async stop() {
      await start.stopNodeRed(r.child);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function deploy(red: RunningRed, flow: object[]): Promise<void> {
  await admin(red, 'POST', '/flows', { flows: flow }, { 'Node-RED-Deployment-Type': 'full' });
}

export async function received(red: RunningRed): Promise<Received> {
  const r = await fetch(`${red.url}/auth-test/received`);
  assert.strictEqual(r.status, 200);
  return (await r.json()) as Received;
}

/** Log in over HTTP; the session token from Set-Cookie. */
export async function loginToken(red: RunningRed, username: string, password: string): Promise<string> {
  const r = await fetch(`${red.url}/dashboard-login`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ username, password }).toString() });
  assert.strictEqual(r.status, 303, `login of ${username}: HTTP ${r.status}`);
  const m = /rel_session=([A-Za-z0-9_-]{43});/.exec(r.headers.get('set-cookie') ?? '');
  assert.ok(m, 'a session cookie');
  return m[1];
}

/** A raw socket.io client on the dashboard's socket; resolves connected or refused. */
export function rawSocket(red: RunningRed, token?: string): Promise<{ socket: Socket; connected: boolean; error?: string }> {
  return new Promise((resolve) => {
    const socket = io(red.url, { path: '/dashboard/socket.io', transports: ['polling', 'websocket'], reconnection: false, extraHeaders: token ? { cookie: `rel_session=${token}` } : {} });
    socket.on('connect', () => resolve({ socket, connected: true }));
    socket.on('connect_error', (e) => resolve({ socket, connected: false, error: e.message }));
  });
}

