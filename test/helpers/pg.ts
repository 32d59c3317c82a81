/**
 * A throwaway PostgreSQL 15 cluster for tests, on Debian's server binaries
 * (/usr/lib/postgresql/15/bin; `apt-get install postgresql`; override with PG_BIN).
 *
 *   import { pgCluster } from '../helpers/pg';
 *   const pg = await pgCluster();              // one cluster per test process, started on first use
 *   const url = await pg.createDatabase('t1'); // postgres://postgres@127.0.0.1:<port>/t1
 *   await pg.kill();                           // kill -9 of the server
 *   await pg.start();                          // restart on the same data directory (same port)
 *
 * The cluster lives in a fresh temporary folder owned by the `postgres` user (the server refuses
 * to run as root), listens on 127.0.0.1 only on a free port, keeps its Unix socket in that folder,
 * trusts 127.0.0.1 (nothing else can reach it), runs with fsync on, and accepts TLS with a
 * certificate for 127.0.0.1 signed by a test CA (`caFile`). A root-level mocha `after`
 * hook (and a process exit hook as a fallback) stops it and removes the folder.
 *
 * Missing binaries are a test failure with the install command, never a skip.
 */
import { execFileSync, spawnSync } from 'child_process';
import fs from 'fs';
import os from 'os';
import path from 'path';
import { Client } from 'pg';
import { freePort } from './net';

export const PG_BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';

function missing(): string | undefined {
  for (const b of ['initdb', 'pg_ctl', 'postgres']) {
    if (!fs.existsSync(path.join(PG_BIN, b))) return `PostgreSQL 15 server binaries not found (${path.join(PG_BIN, b)} is missing): install them with \`apt-get install postgresql\` (Debian) to run the PostgreSQL tests`;
  }
  return undefined;
}


const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Run a command as the postgres user (we run as root in CI; the server refuses root). */
function asPostgres(cmd: string, args: string[], opts: { allowFail?: boolean; timeoutMs?: number } = {}): { status: number | null; out: string } {
  const asRoot = process.getuid?.() === 0;
  const [file, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args];
  const r = spawnSync(file, argv, { encoding: 'utf8', timeout: opts.timeoutMs ?? 120_000 });
  const out = `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}`;
  if (r.status !== 0 && !opts.allowFail) throw new Error(`${path.basename(cmd)} ${args.join(' ')} failed (exit ${r.status}): ${out.trim().slice(-2000)}`);
  return { status: r.status, out };
}

export class PgCluster {
  readonly dir: string;
  readonly data: string;
  port = 0;
  private running = false;
  private removed = false;

  private constructor(dir: string) {
    this.dir = dir;
    this.data = path.join(dir, 'data');
  }

  /** initdb into a fresh temporary folder (no server yet). */
  static init(): PgCluster {
    const why = missing();
    if (why) throw new Error(why);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rel-pg-'));
    if (process.getuid?.() === 0) {
      const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
      const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
      fs.chownSync(dir, uid, gid);
    }
    const c = new PgCluster(dir);
    try {
      asPostgres(path.join(PG_BIN, 'initdb'), ['-D', c.data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C']);
      c.makeCertificates();
    } catch (e) {
      fs.rmSync(dir, { recursive: true, force: true }); // nothing left behind by a cluster that could not be made
      throw e;
    }
    return c;
  }

  /** PEM of the test CA that signed the server's certificate (for tls=verify tests). */
  get caFile(): string {
    return path.join(this.dir, 'ca.crt');
  }

  /**
   * A CA and a server certificate for 127.0.0.1 signed by it, so the server accepts TLS
   * (and plain) connections. The key is the postgres user's, mode 0600, as the server requires.
   */
  private makeCertificates(): void {
    const d = this.dir;
    // Another library in the same test process may have left OPENSSL_CONF as the string
    // "undefined" (node-opcua restores an unset variable that way): use openssl's own default.
    const env = { ...process.env };
    if (env.OPENSSL_CONF && !fs.existsSync(env.OPENSSL_CONF)) delete env.OPENSSL_CONF;
    const ssl = (args: string[]) => execFileSync('openssl', args, { cwd: d, stdio: 'pipe', env });
    ssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=rel-test-ca', '-keyout', 'ca.key', '-out', 'ca.crt']);
    ssl(['req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1', '-keyout', 'server.key', '-out', 'server.csr']);
    fs.writeFileSync(path.join(d, 'san.ext'), 'subjectAltName=IP:127.0.0.1\n');
    ssl(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', '-extfile', 'san.ext', '-out', 'server.crt']);
    if (process.getuid?.() === 0) {
      const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
      const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
      for (const f of ['server.key', 'server.crt', 'ca.crt']) fs.chownSync(path.join(d, f), uid, gid);
    }
    fs.chmodSync(path.join(d, 'server.key'), 0o600);
  }

  get url(): string {
    return this.urlFor('postgres');
  }

  /** The connection URL of a database of this cluster (superuser postgres, trusted on 127.0.0.1). */
  urlFor(database: string): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${encodeURIComponent(database)}`;
  }

  /** Start the server (on a free port the first time, on the same port after a stop or kill). */
  async start(): Promise<void> {
    if (this.running) return;
    if (!this.port) this.port = await freePort();
    for (let attempt = 0; ; attempt++) {
      const opts = [
        `-c listen_addresses=127.0.0.1`,
        `-p ${this.port}`,
        `-c unix_socket_directories=${this.dir}`,
        '-c fsync=on',
        '-c max_connections=150',
        '-c shared_buffers=16MB',
        '-c deadlock_timeout=100ms',
        '-c ssl=on',
        `-c ssl_cert_file=${path.join(this.dir, 'server.crt')}`,
        `-c ssl_key_file=${path.join(this.dir, 'server.key')}`,
      ].join(' ');
      const r = asPostgres(path.join(PG_BIN, 'pg_ctl'), ['-D', this.data, '-l', path.join(this.dir, 'server.log'), '-w', '-t', '60', '-o', opts, 'start'], { allowFail: true });
      if (r.status === 0) break;
      // After a kill -9 the old backends may still hold the shared memory for a moment; a port
      // taken by another process in the meantime needs a new one.
      if (attempt >= 10) throw new Error(`pg_ctl start failed: ${r.out.trim()}\n${this.log().slice(-2000)}`);
      if (/Address already in use|could not bind/i.test(this.log().slice(-2000))) this.port = await freePort();
      await sleep(300);
    }
    this.running = true;
  }

  /** Stop the server cleanly (fast shutdown: open sessions are disconnected). */
  async stop(): Promise<void> {
    if (!this.running) return;
    asPostgres(path.join(PG_BIN, 'pg_ctl'), ['-D', this.data, '-m', 'fast', '-w', '-t', '60', 'stop'], { allowFail: true });
    this.running = false;
  }

  /** The postmaster's process id (from postmaster.pid), or undefined when not running. */
  pid(): number | undefined {
    try {
      const pid = Number(fs.readFileSync(path.join(this.data, 'postmaster.pid'), 'utf8').split('\n')[0]);
      return pid > 0 ? pid : undefined;
    } catch {
      return undefined;
    }
  }

  /** kill -9 the server (a crash): the next start() runs crash recovery on the same data. */
  async kill(): Promise<void> {
    const pid = this.pid();
    if (pid) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
      for (let i = 0; i < 100; i++) {
        try {
          process.kill(pid, 0);
          await sleep(50);
        } catch {
          break;
        }
      }
    }
    this.running = false;
  }

  /** Stop (or kill) and start again on the same data directory. */
  async restart(how: 'stop' | 'kill' = 'stop'): Promise<void> {
    if (how === 'kill') await this.kill();
    else await this.stop();
    await this.start();
  }

  /** Create a database (dropping one of the same name) and give its URL. */
  async createDatabase(name: string): Promise<string> {
    if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`createDatabase: ${name}: use lower-case letters, digits and _`);
    const c = new Client({ connectionString: this.url });
    await c.connect();
    try {
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.query(`CREATE DATABASE ${name}`);
    } finally {
      await c.end();
    }
    return this.urlFor(name);
  }

  log(): string {
    try {
      return fs.readFileSync(path.join(this.dir, 'server.log'), 'utf8');
    } catch {
      return '';
    }
  }

  /** Stop the server at once and remove the folder (synchronous, so it also works in an exit hook). */
  destroy(): void {
    if (this.removed) return;
    this.removed = true;
    if (this.pid()) asPostgres(path.join(PG_BIN, 'pg_ctl'), ['-D', this.data, '-m', 'immediate', '-w', '-t', '30', 'stop'], { allowFail: true, timeoutMs: 40_000 });
    this.running = false;
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

let shared: Promise<PgCluster> | undefined;

/** The cluster of this test process: started on first use, removed when the run ends. */
export function pgCluster(): Promise<PgCluster> {
  if (!shared) {
    shared = (async () => {
      const c = PgCluster.init();
      process.once('exit', () => c.destroy());
      await c.start();
      return c;
    })();
    shared.catch(() => {
      shared = undefined; // the next suite reports the same failure instead of a stale rejection
    });
  }
  return shared;
}

// Root-level hook: registered when a spec imports this helper (mocha's root suite while loading).
const rootAfter = (globalThis as { after?: (fn: () => Promise<void>) => void }).after;
if (typeof rootAfter === 'function') {
  rootAfter(async () => {
    const p = shared;
    shared = undefined;
    if (p) (await p.catch(() => undefined))?.destroy();
  });
}
