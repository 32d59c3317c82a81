/**
 * The offline outbox against a real PostgreSQL server that dies mid-burst (kill -9) and comes
 * back: every acknowledged event must be in the database exactly once, queued ones in order.
 */
import assert from 'assert';
import fs from 'fs';
import path from 'path';
import { Outbox, StoreUnavailableError, openPostgres, openStore, type OutboxHandler, type PgHandle, type Query, type Store, type StoreHandle } from '../../nodes/core/store';
import { pgCluster, type PgCluster } from '../helpers/pg';
import { tmpDir } from '../helpers/red';

const EVENTS_SQLITE = ['CREATE TABLE events (id INTEGER PRIMARY KEY AUTOINCREMENT, event_key TEXT NOT NULL, n INTEGER NOT NULL)', 'CREATE TABLE counter (id INTEGER PRIMARY KEY, total INTEGER NOT NULL)', 'INSERT INTO counter (id, total) VALUES (1, 0)'];
const EVENTS_PG = ['CREATE TABLE events (id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, event_key TEXT NOT NULL, n INTEGER NOT NULL)', 'CREATE TABLE counter (id INTEGER PRIMARY KEY, total BIGINT NOT NULL)', 'INSERT INTO counter (id, total) VALUES (1, 0)'];
const MIGRATIONS = [{ version: 1, description: 'events', up: EVENTS_SQLITE, postgres: EVENTS_PG }];

/** Not idempotent on purpose: a second application would show as a second row and a wrong total. */
const handlers: Record<string, OutboxHandler> = {
  count: async (q, p: { n: number }, meta) => {
    await q.run('INSERT INTO events (event_key, n) VALUES (?, ?)', [meta.key, p.n]);
    await q.run('UPDATE counter SET total = counter.total + ? WHERE id = 1', [p.n]);
  },
  broken: async () => {
    throw new Error('handler bug');
  },
};

async function until(what: string, cond: () => boolean | Promise<boolean>, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timeout: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('store: offline outbox on PostgreSQL', function () {
  this.timeout(180_000);
  let cluster: PgCluster;
  let dir: string;
  let pg: PgHandle;
  let local: StoreHandle;

  beforeEach(async () => {
    cluster = await pgCluster();
    await cluster.start(); // a test that failed half-way may have left it down
    const url = await cluster.createDatabase(`outbox${Date.now() % 100000}`);
    pg = openPostgres({ url, poolSize: 10, connectTimeoutMs: 1000 });
    await pg.db.migrate('events', MIGRATIONS);
    dir = tmpDir('rel-outbox-');
    local = openStore(path.join(dir, 'local.db'));
  });
  afterEach(async () => {
    await cluster?.start();
    local?.release();
    await pg?.release();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a 600-event burst with the server killed (kill -9) and restarted in the middle: every acknowledged event is applied exactly once, queued ones in order', async () => {
    const outbox = new Outbox({ db: pg.db, local: local.db, handlers, retryMs: 200 });
    await outbox.init();
    const N = 600;
    const results = new Map<string, string>();
    const rejected: string[] = [];
    let next = 0;
    let acked = 0;
    let killed: Promise<void> | undefined;
    let snapshot: string[] | undefined;
    let restarting = false;
    const worker = async () => {
      while (next < N) {
        const i = next++;
        const key = `box1:${i}`;
        try {
          results.set(key, await outbox.submit('count', key, { n: i + 1 }));
          acked++;
        } catch (e) {
          rejected.push(`${key}: ${e}`);
        }
        if (acked >= 150 && !killed) killed = cluster.kill();
        if (acked >= 400 && killed && !restarting) {
          restarting = true;
          await killed;
          // What waits in the local queue now must reach the server in this order.
          snapshot = (await local.db.all<{ event_key: string }>('SELECT event_key FROM outbox ORDER BY id')).map((r) => r.event_key);
          await cluster.start();
        }
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    await until('the outbox drains', async () => {
      await outbox.drain();
      return outbox.pending() === 0;
    });
    await outbox.close();
    assert.deepStrictEqual(rejected, [], 'every submit was acknowledged');
    const counts = { applied: 0, queued: 0, duplicate: 0 } as Record<string, number>;
    for (const r of results.values()) counts[r]++;
    assert.ok(counts.applied > 100 && counts.queued > 100, `both paths ran: ${JSON.stringify(counts)}`);
    assert.strictEqual(counts.duplicate, 0);

    const rows = await pg.db.all<{ event_key: string; c: number }>('SELECT event_key, COUNT(*) AS c FROM events GROUP BY event_key');
    assert.strictEqual(rows.length, N, 'every event is in the database');
    assert.deepStrictEqual(rows.filter((r) => r.c !== 1), [], 'none twice');
    assert.deepStrictEqual(new Set(rows.map((r) => r.event_key)), new Set(results.keys()));
    const total = (await pg.db.one<{ total: number }>('SELECT total FROM counter WHERE id = 1'))!.total;
    assert.strictEqual(total, (N * (N + 1)) / 2, 'the non-idempotent counter saw each event once');
    assert.strictEqual((await pg.db.one<{ n: number }>('SELECT COUNT(*) AS n FROM outbox_applied'))!.n, N);
    assert.strictEqual((await local.db.one<{ n: number }>('SELECT COUNT(*) AS n FROM outbox'))!.n, 0, 'the local queue is empty');

    assert.ok(snapshot && snapshot.length > 100, `events were queued while the server was down (${snapshot?.length})`);
    const order = (await pg.db.all<{ event_key: string }>('SELECT event_key FROM events ORDER BY id')).map((r) => r.event_key);
    const applied = order.filter((k) => snapshot!.includes(k));
    assert.deepStrictEqual(applied, snapshot, 'queued events were applied in the order they were queued');
  });

  it('events queued while the server is down survive a restart of the box and are applied by the next run', async () => {
    await cluster.stop();
    const first = new Outbox({ db: pg.db, local: local.db, handlers, retryMs: 100 });
    await first.init();
    for (let i = 0; i < 20; i++) assert.strictEqual(await first.submit('count', `box2:${i}`, { n: 1 }), 'queued');
    assert.strictEqual(await first.submit('count', 'box2:3', { n: 1 }), 'duplicate', 'a key already queued');
    await first.close();
    local.release();

    local = openStore(path.join(dir, 'local.db'));
    await cluster.start();
    const second = new Outbox({ db: pg.db, local: local.db, handlers, retryMs: 100 });
    await second.init();
    assert.strictEqual(second.pending(), 20);
    await until('the next run drains', () => second.pending() === 0);
    assert.deepStrictEqual(await pg.db.one('SELECT total FROM counter WHERE id = 1'), { total: 20 });
    assert.strictEqual(await second.submit('count', 'box2:0', { n: 1 }), 'duplicate', 'a key already applied');
    assert.strictEqual(await second.submit('count', 'box2:20', { n: 1 }), 'applied');
    await second.close();
  });

  it('a COMMIT whose answer is lost (applied, but the box saw the connection drop) is replayed and not applied twice', async () => {
    let lose = 3;
    const flaky: Store = Object.create(pg.db, {
      tx: {
        value: async <T>(fn: (q: Query) => Promise<T>): Promise<T> => {
          const r = await pg.db.tx(fn);
          if (lose-- > 0) throw new StoreUnavailableError('store: PostgreSQL is unavailable: Connection terminated unexpectedly (after COMMIT)');
          return r;
        },
      },
    });
    const outbox = new Outbox({ db: flaky, local: local.db, handlers, retryMs: 50 });
    await outbox.init();
    assert.strictEqual(await outbox.submit('count', 'lost-1', { n: 10 }), 'queued', 'the box does not know it was applied');
    assert.strictEqual(await outbox.submit('count', 'lost-2', { n: 20 }), 'queued');
    await until('drained', () => outbox.pending() === 0);
    await outbox.close();
    assert.deepStrictEqual(await pg.db.all('SELECT event_key, n FROM events ORDER BY id'), [
      { event_key: 'lost-1', n: 10 },
      { event_key: 'lost-2', n: 20 },
    ]);
    assert.deepStrictEqual(await pg.db.one('SELECT total FROM counter WHERE id = 1'), { total: 30 });
  });

  it('an event that fails for another reason is set aside with its error and the rest go on; retry puts it back', async () => {
    await cluster.stop();
    const failedKeys: string[] = [];
    const outbox = new Outbox({ db: pg.db, local: local.db, handlers, retryMs: 100, onFailed: (k) => failedKeys.push(k) });
    await outbox.init();
    await outbox.submit('count', 'a', { n: 1 });
    await outbox.submit('broken', 'b', {});
    await outbox.submit('count', 'c', { n: 2 });
    await cluster.start();
    await until('drained', () => outbox.pending() === 0);
    assert.deepStrictEqual(failedKeys, ['b']);
    assert.deepStrictEqual(
      (await outbox.failed()).map((f) => [f.key, f.error]),
      [['b', 'handler bug']],
    );
    assert.deepStrictEqual(await pg.db.all('SELECT event_key FROM events ORDER BY id'), [{ event_key: 'a' }, { event_key: 'c' }]);
    assert.strictEqual((await pg.db.one<{ n: number }>("SELECT COUNT(*) AS n FROM outbox_applied WHERE event_key = 'b'"))!.n, 0, 'the failed event left nothing on the server');
    assert.strictEqual(await outbox.retry(), 1);
    await until('retried', async () => (await outbox.failed()).length === 1 && outbox.pending() === 0);
    await assert.rejects(outbox.submit('count', '', {}), /key: expected a string of 1-200 characters, got 0 characters/);
    await assert.rejects(outbox.submit('nope', 'k', {}), /no handler for event kind "nope"/);
    await assert.rejects(outbox.submit('broken', 'direct', {}), /handler bug/, 'a direct failure is the caller\'s error, not queued');
    assert.strictEqual(outbox.pending(), 0);
    await outbox.close();
  });
});

describe('store: offline outbox, the writer-side API (record, enqueue, direct, onPending)', function () {
  this.timeout(120_000);
  it('a writer applies in its own transaction with record() while the server answers, enqueues while it is away; the count is reported at each change', async () => {
    const cluster = await pgCluster();
    await cluster.start();
    const url = await cluster.createDatabase(`outbox_w${Date.now() % 100000}`);
    const pg = openPostgres({ url, poolSize: 4, connectTimeoutMs: 1000 });
    const dir = tmpDir('rel-outbox-w-');
    const local = openStore(path.join(dir, 'local.db'));
    try {
      await pg.db.migrate('events', MIGRATIONS);
      const counts: number[] = [];
      const outbox = new Outbox({ db: pg.db, local: local.db, handlers, retryMs: 100, onPending: (n) => counts.push(n) });
      await outbox.init();
      await outbox.ready();
      assert.strictEqual(outbox.direct(), true);
      // Direct: the key and the change in the writer's transaction; a second record of the key says no.
      const direct = async (key: string, n: number) =>
        pg.db.tx(async (q) => {
          if (!(await outbox.record(q, key))) return false;
          await handlers.count(q, { n }, { key, kind: 'count' });
          return true;
        });
      assert.strictEqual(await direct('w1', 1), true);
      assert.strictEqual(await direct('w1', 1), false, 'a key recorded before is not applied again');
      // The server goes away: the writer's attempt fails with StoreUnavailableError and it queues.
      await cluster.stop();
      await assert.rejects(direct('w2', 2), StoreUnavailableError);
      assert.strictEqual(await outbox.enqueue('count', 'w2', { n: 2 }, { away: true }), 'queued');
      assert.strictEqual(outbox.direct(), false, 'not direct while the server is away');
      assert.strictEqual(outbox.offline(), true);
      assert.strictEqual(await outbox.enqueue('count', 'w3', { n: 3 }), 'queued');
      assert.strictEqual(await outbox.enqueue('count', 'w3', { n: 3 }), 'duplicate');
      assert.deepStrictEqual(counts, [1, 2]);
      await assert.rejects(outbox.enqueue('count', 'x'.repeat(201), {}), /key: expected a string of 1-200 characters, got 201 characters/);
      await cluster.start();
      await until('drained', () => outbox.pending() === 0 && outbox.direct());
      assert.strictEqual(counts[counts.length - 1], 0, 'told when the queue is empty');
      assert.strictEqual(outbox.offline(), false);
      assert.deepStrictEqual(await pg.db.all('SELECT event_key, n FROM events ORDER BY id'), [
        { event_key: 'w1', n: 1 },
        { event_key: 'w2', n: 2 },
        { event_key: 'w3', n: 3 },
      ]);
      await outbox.close();
      await assert.rejects(outbox.enqueue('count', 'w4', {}), /outbox: closed/);
    } finally {
      await cluster.start();
      local.release();
      await pg.release();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('store: offline outbox on SQLite (one file: always applied at once)', () => {
  it('applies directly and refuses a key twice', async () => {
    const dir = tmpDir('rel-outbox-sqlite-');
    const h = openStore(path.join(dir, 'one.db'));
    try {
      await h.db.migrate('events', MIGRATIONS);
      const outbox = new Outbox({ db: h.db, local: h.local, handlers });
      await outbox.init();
      assert.strictEqual(await outbox.submit('count', 'k1', { n: 5 }), 'applied');
      assert.strictEqual(await outbox.submit('count', 'k1', { n: 5 }), 'duplicate');
      assert.deepStrictEqual(await h.db.one('SELECT total FROM counter'), { total: 5 });
      await outbox.close();
    } finally {
      h.release();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
