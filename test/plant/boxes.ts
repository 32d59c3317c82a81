/**
 * Start and drive edge boxes (test/plant/box-process.ts, one real Node-RED runtime per process)
 * from a spec: `startBoxes(n, flow, credentials)` gives each box's URL; `post(box, path, body)`
 * sends one message through the box's http-in route and gives the status and JSON answer.
 */
import { spawn, type ChildProcess } from 'child_process';
import fs from 'fs';
import os from 'os';
import path from 'path';
import { OUT, ROOT } from './box-process';

export interface Box {
  name: string;
  url: string;
  log(): string;
  stop(): Promise<void>;
}

export interface Answer {
  status: number;
  body: any;
}

/** A folder that looks like this package but loads the nodes from the build output these tests run from. */
export function shim(dir: string): string {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const start = require(path.join(ROOT, 'scripts', 'start.js'));
  const pkgDir = path.join(dir, 'pkg');
  start.shimPackage(pkgDir, OUT);
  return pkgDir;
}

/** Start one box: resolves once its flows have started and it listens. */
export function startBox(dir: string, name: string, pkgDir: string, flow: object[], credentials: object, timeoutMs = 90_000): Promise<Box> {
  const userDir = path.join(dir, name);
  fs.mkdirSync(userDir, { recursive: true });
  const cfgFile = path.join(dir, `${name}.json`);
  fs.writeFileSync(cfgFile, JSON.stringify({ userDir, box: name, flow, credentials, pkgDir }));
  const child: ChildProcess = spawn(process.execPath, [path.join(__dirname, 'box-process.js'), cfgFile], { cwd: userDir, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (c) => (out += c));
  child.stderr!.on('data', (c) => (out += c));
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      const t = setTimeout(() => child.kill('SIGKILL'), 15_000);
      child.once('exit', () => {
        clearTimeout(t);
        resolve();
      });
      child.kill('SIGTERM');
    });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`box ${name} did not start within ${timeoutMs} ms:\n${out.slice(-3000)}`));
    }, timeoutMs);
    const onExit = (code: number | null) => {
      clearTimeout(timer);
      reject(new Error(`box ${name} exited (${code}) before it started:\n${out.slice(-3000)}`));
    };
    child.once('exit', onExit);
    const check = setInterval(() => {
      const m = /listening (\d+)/.exec(out);
      if (!m) return;
      clearInterval(check);
      clearTimeout(timer);
      child.removeListener('exit', onExit);
      resolve({ name, url: `http://127.0.0.1:${m[1]}`, log: () => out, stop });
    }, 20);
    child.once('exit', () => clearInterval(check));
  });
}

/** POST {action, payload} to a box's route. */
export async function post(box: Box, route: string, action: string, payload: unknown): Promise<Answer> {
  const res = await fetch(`${box.url}${route}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ action, payload }) });
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  return { status: res.status, body };
}

export function tmp(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}
