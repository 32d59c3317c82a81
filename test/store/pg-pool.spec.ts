/**
 * The PostgreSQL pool's two waits: a box whose pool is busy (statements queued behind a row lock
 * while the server answers) is not "unavailable"; a server that does not answer still is, after
 * the connect timeout.
 */
import assert from 'assert';
import net from 'net';
import { openPostgres, StoreUnavailableError } from '../../nodes/core/store';
import { pgCluster, type PgCluster } from '../helpers/pg';

describe('store: PostgreSQL pool waits (real server)', function () {
  this.timeout(120_000);
  let pg: PgCluster;
  before(async () => {
    pg = await pgCluster();
  });

  it('a statement waiting 7 s for a free connection of a pool of 1 succeeds (the connect timeout is 5 s)', async () => {
    const url = await pg.createDatabase('pool_wait');
    const h = openPostgres({ url, poolSize: 1, connectTimeoutMs: 5000 });
    try {
      await h.db.run('CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)');
      await h.db.run('INSERT INTO t (id, n) VALUES (1, 0)');
      let release!: () => void;
      const held = new Promise<void>((r) => (release = r));
      const first = h.db.tx(async (q) => {
        await q.run('UPDATE t SET n = n + 1 WHERE id = 1');
        await held;
      });
      await new Promise((r) => setTimeout(r, 200));
      const t0 = Date.now();
      const second = h.db.one<{ n: number }>('SELECT n FROM t WHERE id = 1');
      setTimeout(release, 7000);
      await first;
      const row = await second;
      const waited = Date.now() - t0;
      assert.ok(waited >= 6500, `the second statement waited ${waited} ms for the one connection`);
      assert.strictEqual(Number(row?.n), 1);
    } finally {
      await h.release();
    }
  });

  it('a server that accepts TCP but never answers is StoreUnavailableError after the connect timeout', async () => {
    const sockets: net.Socket[] = [];
    const silent = net.createServer((s) => sockets.push(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
    const port = (silent.address() as net.AddressInfo).port;
    const h = openPostgres({ host: '127.0.0.1', port, database: 'x', user: 'x', password: 'x', connectTimeoutMs: 1500 });
    try {
      const t0 = Date.now();
      await assert.rejects(h.db.one('SELECT 1'), (e: unknown) => e instanceof StoreUnavailableError);
      const took = Date.now() - t0;
      assert.ok(took >= 1400 && took < 20_000, `refused after ${took} ms`);
    } finally {
      await h.release();
      for (const s of sockets) s.destroy();
      silent.close();
    }
  });
});
