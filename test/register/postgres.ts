/**
 * A real PostgreSQL server for the register's dialect test: Debian's postgresql binaries
 * (`apt-get install postgresql`), a fresh cluster in a temporary folder owned by the `postgres`
 * user, on 127.0.0.1 and a free port, trust authentication, stopped and removed at the end.
 * Missing binaries: the test fails and says how to install them (never skips).
 * Also a minimal Store over `pg` (`?` -> `$n`, one client per transaction) so core repositories
 * run on PostgreSQL as they will through the store's own adapter.
 */
import { execFileSync, spawn, type ChildProcess } from 'child_process';
import fs from 'fs';
import os from 'os';
import path from 'path';
import { Pool, type PoolClient } from 'pg';
import type { Migration, Query, SqlParams, Store } from '../../nodes/core/store/types';
import { freePort } from '../helpers/net';

function binDir(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!fs.existsSync(root)) return undefined;
  const v = fs.readdirSync(root).filter((d) => fs.existsSync(path.join(root, d, 'bin', 'postgres'))).sort((a, b) => Number(b) - Number(a))[0];
  return v ? path.join(root, v, 'bin') : undefined;
}


export interface Postgres {
  port: number;
  pool: Pool;
  stop(): Promise<void>;
}

export async function startPostgres(): Promise<Postgres> {
  const bin = binDir();
  if (!bin) throw new Error('PostgreSQL is not installed: apt-get install -y postgresql (the PostgreSQL dialect tests need a real server)');
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rel-pg-'));
  fs.chownSync(dir, uid, gid);
  const data = path.join(dir, 'data');
  execFileSync(path.join(bin, 'initdb'), ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8'], { uid, gid, stdio: 'pipe', cwd: dir });
  const port = await freePort();
  const child: ChildProcess = spawn(path.join(bin, 'postgres'), ['-D', data, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off'], { uid, gid, stdio: ['ignore', 'pipe', 'pipe'], cwd: dir });
  let out = '';
  child.stdout!.on('data', (c) => (out += c));
  child.stderr!.on('data', (c) => (out += c));
  const pool = new Pool({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres', max: 4 });
  // An idle client sees the server's shutdown at stop(): not an error of the test.
  pool.on('error', () => undefined);
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`postgres exited (${child.exitCode}): ${out}`);
    try {
      await pool.query('SELECT 1');
      break;
    } catch (e) {
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`postgres did not answer on ${port} within 30 s: ${String(e)} ${out}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    port,
    pool,
    async stop() {
      await pool.end();
      await new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGINT'); // fast shutdown
      });
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

const toDollars = (sql: string) => {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
};

class PgQuery implements Query {
  readonly dialect = 'postgres' as const;
  constructor(private readonly c: Pool | PoolClient) {}
  async all<T>(sql: string, params: SqlParams = []): Promise<T[]> {
    return (await this.c.query(toDollars(sql), params as unknown[])).rows as T[];
  }
  async one<T>(sql: string, params: SqlParams = []): Promise<T | undefined> {
    return (await this.all<T>(sql, params))[0];
  }
  async run(sql: string, params: SqlParams = []): Promise<{ changes: number }> {
    return { changes: (await this.c.query(toDollars(sql), params as unknown[])).rowCount ?? 0 };
  }
  async insert(sql: string, params: SqlParams = []): Promise<number | undefined> {
    const r = await this.c.query(`${toDollars(sql)} RETURNING id`, params as unknown[]);
    return r.rows[0] ? Number(r.rows[0].id) : undefined;
  }
}

/** A minimal Store on a pg Pool: enough for a repository's queries, transactions and migrations. */
export function pgStore(pool: Pool, port: number): Store {
  const direct = new PgQuery(pool);
  return {
    dialect: 'postgres',
    backend: 'postgres',
    location: `127.0.0.1:${port}/postgres`,
    all: (s, p) => direct.all(s, p),
    one: (s, p) => direct.one(s, p),
    run: (s, p) => direct.run(s, p),
    insert: (s, p) => direct.insert(s, p),
    async tx<T>(fn: (q: Query) => Promise<T>): Promise<T> {
      const c = await pool.connect();
      try {
        await c.query('BEGIN');
        const r = await fn(new PgQuery(c));
        await c.query('COMMIT');
        return r;
      } catch (e) {
        await c.query('ROLLBACK');
        throw e;
      } finally {
        c.release();
      }
    },
    async migrate(domain: string, migrations: readonly Migration[]): Promise<number> {
      await pool.query('CREATE TABLE IF NOT EXISTS schema_migrations (domain TEXT NOT NULL, version INTEGER NOT NULL, description TEXT NOT NULL, applied_at BIGINT NOT NULL, PRIMARY KEY (domain, version))');
      return this.tx(async (q) => {
        const have = Number((await q.one<{ v: number | null }>('SELECT MAX(version) AS v FROM schema_migrations WHERE domain = ?', [domain]))?.v ?? 0);
        let v = have;
        for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
          if (m.version <= have) continue;
          if (!m.postgres) throw new Error(`${domain} migration ${m.version} has no PostgreSQL DDL`);
          for (const sql of m.postgres) await q.run(sql);
          await q.run('INSERT INTO schema_migrations (domain, version, description, applied_at) VALUES (?, ?, ?, ?)', [domain, m.version, m.description, Date.now()]);
          v = m.version;
        }
        return v;
      });
    },
    async versions() {
      const rows = await direct.all<{ domain: string; v: number }>('SELECT domain, MAX(version) AS v FROM schema_migrations GROUP BY domain');
      return Object.fromEntries(rows.map((r) => [r.domain, Number(r.v)]));
    },
    async serverVersion() {
      return `PostgreSQL ${(await direct.one<{ v: string }>("SELECT current_setting('server_version') AS v"))?.v}`;
    },
  };
}
