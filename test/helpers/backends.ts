/**
 * Run one suite on both store backends: a fresh SQLite file and a fresh PostgreSQL database (on the
 * test cluster of test/helpers/pg.ts, started once per test process).
 *
 *   import { forEachBackend } from '../helpers/backends';
 *
 *   forEachBackend('work orders', (b) => {
 *     let repo: WorkOrderRepo;
 *     before(async () => {
 *       await b.store.migrate('cmms', CMMS_MIGRATIONS);   // your migrations, `up` and `postgres`
 *       repo = new WorkOrderRepo(b.store);
 *     });
 *     it('opens one order per (asset, mode)', async () => { ... b.store ... });
 *     it('survives 20 boxes writing at once', async () => {
 *       const boxes = await Promise.all([...Array(20)].map((_, i) => b.another(`box${i}`)));
 *       ...                                                   // each its own connection(s)
 *     });
 *   });
 *
 * This defines `describe('work orders [sqlite]')` and `describe('work orders [postgres]')`. In
 * each, `b.store` is a Store on an empty database made for that describe (read it inside hooks and
 * tests, not while the suite is being defined), `b.dialect` says which, and `b.another(label)`
 * opens a further, independent Store on the same database (PostgreSQL: its own pool, as another
 * box would have; SQLite: another handle on the process's shared file connection). Everything is
 * closed after the describe. `poolSize` sets the PostgreSQL pool size of `b.store` (default 60, so
 * 50 concurrent writers get 50 connections). If the PostgreSQL binaries are missing the
 * [postgres] describe fails with the install command; it is never skipped.
 */
import fs from 'fs';
import path from 'path';
import { openStore, openPostgres, type Dialect, type Store } from '../../nodes/core/store';
import { pgCluster, type PgCluster } from './pg';
import { tmpDir } from './red';

export interface BackendContext {
  readonly dialect: Dialect;
  /** The store under test (an empty database per describe). */
  readonly store: Store;
  /** Another independent store on the same database, closed after the describe. */
  another(label: string): Promise<Store>;
  /** The PostgreSQL test cluster (postgres only; undefined on sqlite). */
  readonly cluster: PgCluster | undefined;
  /** The database URL (postgres) or file path (sqlite). */
  readonly where: string;
}

let dbCounter = 0;

export function forEachBackend(title: string, body: (b: BackendContext) => void, opts: { poolSize?: number } = {}): void {
  for (const dialect of ['sqlite', 'postgres'] as const) {
    describe(`${title} [${dialect}]`, function () {
      this.timeout(120_000);
      let store: Store | undefined;
      let cluster: PgCluster | undefined;
      let where = '';
      const closers: (() => void | Promise<void>)[] = [];
      const ctx: BackendContext = {
        dialect,
        get store(): Store {
          if (!store) throw new Error('forEachBackend: b.store is ready in hooks and tests only (before() has not run)');
          return store;
        },
        get cluster() {
          return cluster;
        },
        get where() {
          return where;
        },
        async another(label: string): Promise<Store> {
          if (dialect === 'sqlite') {
            const h = openStore(where);
            closers.push(() => h.release());
            return h.db;
          }
          const sep = where.includes('?') ? '&' : '?';
          const h = openPostgres({ url: `${where}${sep}application_name=${encodeURIComponent(label)}`, poolSize: 10 });
          closers.push(() => h.release());
          return h.db;
        },
      };
      before(async function () {
        if (dialect === 'sqlite') {
          const dir = tmpDir('rel-backend-');
          where = path.join(dir, 'store.db');
          const h = openStore(where);
          closers.push(() => {
            h.release();
            fs.rmSync(dir, { recursive: true, force: true });
          });
          store = h.db;
        } else {
          cluster = await pgCluster();
          where = await cluster.createDatabase(`t${process.pid}_${++dbCounter}`);
          const h = openPostgres({ url: where, poolSize: opts.poolSize ?? 60 });
          closers.push(() => h.release());
          store = h.db;
        }
      });
      after(async () => {
        for (const c of closers.splice(0).reverse()) await c();
        store = undefined;
      });
      body(ctx);
    });
  }
}
