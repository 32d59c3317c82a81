/**
 * The Store contract, run on both backends (forEachBackend): the same domain code must behave the
 * same on the embedded SQLite file and on PostgreSQL, including the invariants the domains rely on
 * under concurrency.
 */
import assert from 'assert';
import { types as pgTypes } from 'pg';
import { forEachBackend } from '../helpers/backends';
import { pgCluster } from '../helpers/pg';
import { statementName } from '../../nodes/core/store/postgres';
import {
  CORE_MIGRATIONS,
  MAX_TX_RETRIES,
  StoreUnavailableError,
  dropState,
  getState,
  mapPlaceholders,
  migrateCoreAsync,
  openPostgres,
  openPools,
  putState,
  type Migration,
  type Query,
} from '../../nodes/core/store';

const THINGS: Migration[] = [
  {
    version: 1,
    description: 'things',
    up: [
      `CREATE TABLE things (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL UNIQUE, note TEXT, ts INTEGER NOT NULL, value REAL)`,
    ],
    postgres: [`CREATE TABLE things (id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name TEXT NOT NULL UNIQUE, note TEXT, ts BIGINT NOT NULL, value DOUBLE PRECISION)`],
  },
  {
    version: 2,
    description: 'open findings, stock, accounts',
    up: [
      `CREATE TABLE findings (id INTEGER PRIMARY KEY AUTOINCREMENT, asset TEXT NOT NULL, mode TEXT NOT NULL, is_open INTEGER NOT NULL, detections INTEGER NOT NULL)`,
      `CREATE UNIQUE INDEX findings_open ON findings (asset, mode) WHERE is_open = 1`,
      `CREATE TABLE stock (part TEXT PRIMARY KEY, qty INTEGER NOT NULL)`,
      `CREATE TABLE issues (id INTEGER PRIMARY KEY AUTOINCREMENT, part TEXT NOT NULL, qty INTEGER NOT NULL)`,
      `CREATE TABLE accounts (id INTEGER PRIMARY KEY, balance INTEGER NOT NULL)`,
    ],
    postgres: [
      `CREATE TABLE findings (id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, asset TEXT NOT NULL, mode TEXT NOT NULL, is_open INTEGER NOT NULL, detections INTEGER NOT NULL)`,
      `CREATE UNIQUE INDEX findings_open ON findings (asset, mode) WHERE is_open = 1`,
      `CREATE TABLE stock (part TEXT PRIMARY KEY, qty INTEGER NOT NULL)`,
      `CREATE TABLE issues (id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, part TEXT NOT NULL, qty INTEGER NOT NULL)`,
      `CREATE TABLE accounts (id INTEGER PRIMARY KEY, balance INTEGER NOT NULL)`,
    ],
  },
];

/** Seeded PRNG (mulberry32) so a failing concurrency run can be replayed. */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('store: ? placeholders on PostgreSQL', () => {
  it('maps ? to $n outside strings, quoted names, dollar quotes and comments', () => {
    assert.deepStrictEqual(mapPlaceholders(`SELECT * FROM t WHERE a = ? AND b = 'why?' AND c = ?`), { sql: `SELECT * FROM t WHERE a = $1 AND b = 'why?' AND c = $2`, count: 2 });
    assert.deepStrictEqual(mapPlaceholders(`SELECT 'it''s ?', "odd?col", ? -- what?\n, ? /* ? */`), { sql: `SELECT 'it''s ?', "odd?col", $1 -- what?\n, $2 /* ? */`, count: 2 });
    assert.deepStrictEqual(mapPlaceholders(`SELECT $body$ ? $body$, $$?$$, E'\\'?', ?`), { sql: `SELECT $body$ ? $body$, $$?$$, E'\\'?', $1`, count: 1 });
    assert.deepStrictEqual(mapPlaceholders(`UPDATE s SET qty = qty - ? WHERE part = ? AND qty >= ?`).count, 3);
  });
});

forEachBackend('store contract', (b) => {
  before(async () => {
    assert.strictEqual(await b.store.migrate('test', THINGS), 2);
  });

  it('reports backend, location, server version and schema versions', async () => {
    assert.strictEqual(b.store.backend, b.dialect);
    assert.strictEqual(b.store.dialect, b.dialect);
    const v = await b.store.serverVersion();
    if (b.dialect === 'postgres') {
      assert.match(v, /^PostgreSQL 15\.\d+$/);
      assert.match(b.store.location, /^127\.0\.0\.1:\d+\/t\d+_\d+$/);
    } else {
      assert.match(v, /^SQLite 3\.\d+\.\d+$/);
      assert.strictEqual(b.store.location, b.where);
    }
    assert.deepStrictEqual(await b.store.versions(), { test: 2 });
  });

  it('all / one / run / insert', async () => {
    const id1 = await b.store.insert('INSERT INTO things (name, ts) VALUES (?, ?)', ['a', 1]);
    const id2 = await b.store.insert('INSERT INTO things (name, ts) VALUES (?, ?)', ['b', 2]);
    assert.strictEqual(typeof id1, 'number');
    assert.strictEqual(id2, (id1 as number) + 1);
    const none = await b.store.insert('INSERT INTO things (name, ts) VALUES (?, ?) ON CONFLICT (name) DO NOTHING', ['a', 3]);
    assert.strictEqual(none, undefined, 'an insert that inserted nothing has no id');
    assert.deepStrictEqual(await b.store.all('SELECT id, name FROM things WHERE name IN (?, ?) ORDER BY name', ['a', 'b']), [
      { id: id1, name: 'a' },
      { id: id2, name: 'b' },
    ]);
    assert.deepStrictEqual(await b.store.one('SELECT name, ts FROM things WHERE id = ?', [id2]), { name: 'b', ts: 2 });
    assert.strictEqual(await b.store.one('SELECT name FROM things WHERE id = ?', [-1]), undefined);
    assert.deepStrictEqual(await b.store.run('UPDATE things SET note = ? WHERE name IN (?, ?)', ['n', 'a', 'b']), { changes: 2 });
    assert.deepStrictEqual(await b.store.run('DELETE FROM things WHERE name = ?', ['nope']), { changes: 0 });
  });

  it('leaves ? inside string literals alone and binds the rest', async () => {
    await b.store.run(`INSERT INTO things (name, note, ts) VALUES (?, 'why? because', ?)`, ['q1', 10]);
    const row = await b.store.one<{ name: string; note: string }>(`SELECT name, note FROM things WHERE note LIKE '%?%' AND name = ? AND ts = ?`, ['q1', 10]);
    assert.deepStrictEqual(row, { name: 'q1', note: 'why? because' });
    const evil = "x'); DROP TABLE things; --?";
    await b.store.run('INSERT INTO things (name, ts) VALUES (?, ?)', [evil, 11]);
    assert.strictEqual((await b.store.one<{ name: string }>('SELECT name FROM things WHERE ts = ?', [11]))?.name, evil);
  });

  it('round-trips BIGINT millisecond times, COUNT and SUM as numbers and DOUBLE PRECISION exactly', async () => {
    const ts = 1765000000123;
    await b.store.run('INSERT INTO things (name, ts, value) VALUES (?, ?, ?)', ['t1', ts, 0.1 + 0.2]);
    await b.store.run('INSERT INTO things (name, ts, value) VALUES (?, ?, ?)', ['t2', ts + 1, 1e-300]);
    const rows = await b.store.all<{ ts: number; value: number }>('SELECT ts, value FROM things WHERE name IN (?, ?) ORDER BY ts', ['t1', 't2']);
    assert.deepStrictEqual(rows, [
      { ts, value: 0.1 + 0.2 },
      { ts: ts + 1, value: 1e-300 },
    ]);
    const agg = await b.store.one<{ n: number; total: number; hi: number }>('SELECT COUNT(*) AS n, SUM(ts) AS total, MAX(ts) AS hi FROM things WHERE name IN (?, ?)', ['t1', 't2']);
    assert.deepStrictEqual(agg, { n: 2, total: 2 * ts + 1, hi: ts + 1 });
    assert.strictEqual(typeof agg?.n, 'number');
    if (b.dialect === 'postgres') assert.strictEqual(pgTypes.getTypeParser(20, 'text')('5'), '5', "the global pg type parsers are untouched");
  });

  it('tx commits on resolve and rolls back on reject; q is dead after the transaction', async () => {
    const id = await b.store.tx(async (q) => {
      const id = await q.insert('INSERT INTO things (name, ts) VALUES (?, ?)', ['tx-ok', 1]);
      await q.run('UPDATE things SET note = ? WHERE id = ?', ['in tx', id as number]);
      return id;
    });
    assert.strictEqual((await b.store.one<{ note: string }>('SELECT note FROM things WHERE id = ?', [id as number]))?.note, 'in tx');
    let kept: Query | undefined;
    await assert.rejects(
      b.store.tx(async (q) => {
        kept = q;
        await q.run('INSERT INTO things (name, ts) VALUES (?, ?)', ['tx-bad', 1]);
        throw new Error('boom');
      }),
      /boom/,
    );
    assert.strictEqual(await b.store.one('SELECT id FROM things WHERE name = ?', ['tx-bad']), undefined, 'rolled back');
    await assert.rejects(kept!.all('SELECT 1 AS one'), /transaction has ended/);
    // A failing statement inside rolls back the earlier ones too.
    await assert.rejects(
      b.store.tx(async (q) => {
        await q.run('INSERT INTO things (name, ts) VALUES (?, ?)', ['tx-dup', 1]);
        await q.run('INSERT INTO things (name, ts) VALUES (?, ?)', ['tx-dup', 2]);
      }),
    );
    assert.strictEqual(await b.store.one('SELECT id FROM things WHERE name = ?', ['tx-dup']), undefined);
  });

  it('refuses a nested tx and a statement on the store inside its own transaction', async () => {
    await assert.rejects(
      b.store.tx(async () => b.store.tx(async () => 1)),
      /inside its own transaction; pass the transaction's q down/,
    );
    await assert.rejects(
      b.store.tx(async () => b.store.all('SELECT 1 AS one')),
      /inside its own transaction/,
    );
    // The store still works afterwards.
    assert.deepStrictEqual(await b.store.tx(async (q) => q.one<{ one: number }>('SELECT 1 AS one')), { one: 1 });
  });

  it('migrations are idempotent: once per version, whatever the number of stores and calls', async () => {
    assert.strictEqual(await b.store.migrate('test', THINGS), 2);
    const other = await b.another('idem');
    assert.strictEqual(await other.migrate('test', THINGS), 2);
    const rows = await b.store.all<{ version: number }>('SELECT version FROM schema_migrations WHERE domain = ? ORDER BY version', ['test']);
    assert.deepStrictEqual(rows, [{ version: 1 }, { version: 2 }]);
  });

  it('5 stores migrating the same domain at once apply each version once', async () => {
    // CREATE TABLE without IF NOT EXISTS: a second application would fail.
    const race: Migration[] = [
      { version: 1, description: 'widgets', up: ['CREATE TABLE widgets (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)'], postgres: ['CREATE TABLE widgets (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)'] },
      { version: 2, description: 'widget 1', up: ['INSERT INTO widgets (id, n) VALUES (1, 0)'], postgres: ['INSERT INTO widgets (id, n) VALUES (1, 0)'] },
      { version: 3, description: 'widget bump', up: ['UPDATE widgets SET n = n + 1'], postgres: ['UPDATE widgets SET n = n + 1'] },
    ];
    const stores = await Promise.all([1, 2, 3, 4, 5].map((i) => b.another(`migrator${i}`)));
    const versions = await Promise.all(stores.map((s) => s.migrate('race', race)));
    assert.deepStrictEqual(versions, [3, 3, 3, 3, 3]);
    assert.deepStrictEqual(await b.store.all('SELECT id, n FROM widgets'), [{ id: 1, n: 1 }]);
    assert.deepStrictEqual(await b.store.all('SELECT version FROM schema_migrations WHERE domain = ? ORDER BY version', ['race']), [{ version: 1 }, { version: 2 }, { version: 3 }]);
    assert.strictEqual((await b.store.versions()).race, 3);
  });

  it('a migration without PostgreSQL DDL is refused on PostgreSQL, naming the domain and version', async () => {
    const sqliteOnly: Migration[] = [{ version: 1, description: 'sqlite only', up: ['CREATE TABLE so (id INTEGER PRIMARY KEY)'] }];
    if (b.dialect === 'postgres') {
      await assert.rejects(b.store.migrate('legacy', sqliteOnly), /migration legacy v1 \(sqlite only\) has no PostgreSQL DDL/);
      assert.strictEqual((await b.store.versions()).legacy, undefined, 'nothing recorded');
    } else {
      assert.strictEqual(await b.store.migrate('legacy', sqliteOnly), 1);
    }
  });

  it('core schema: migrateCoreAsync, putState / getState / dropState, also inside a tx', async () => {
    assert.strictEqual(await migrateCoreAsync(b.store), CORE_MIGRATIONS.length);
    await putState(b.store, 'kanban', 'loop-1', { cards: 7 }, 1765000000123);
    await putState(b.store, 'kanban', 'loop-1', { cards: 8 });
    await b.store.tx(async (q) => putState(q, 'kanban', 'loop-2', { cards: 2 }));
    assert.deepStrictEqual(await getState(b.store, 'kanban', 'loop-1'), { cards: 8 });
    assert.deepStrictEqual(await b.store.tx((q) => getState(q, 'kanban', 'loop-2')), { cards: 2 });
    assert.strictEqual(await dropState(b.store, 'kanban', 'loop-1'), 1);
    assert.strictEqual(await getState(b.store, 'kanban', 'loop-1'), undefined);
    assert.strictEqual(await dropState(b.store, 'kanban'), 1);
    await b.store.run('INSERT INTO assets (asset_id, name, criticality, machine_class, rpm, updated_at) VALUES (?, ?, ?, ?, ?, ?)', ['p1', 'Pump', 3, 'iso10816-1:class1', 1797.5, 1765000000123]);
    assert.deepStrictEqual(await b.store.one('SELECT rpm, updated_at, line FROM assets WHERE asset_id = ?', ['p1']), { rpm: 1797.5, updated_at: 1765000000123, line: '' });
  });

  it('(a) one open finding per (asset, mode): 50 concurrent detections give one open row with 50 detections', async () => {
    const detect = () =>
      b.store.run(
        `INSERT INTO findings (asset, mode, is_open, detections) VALUES (?, ?, 1, 1)
         ON CONFLICT (asset, mode) WHERE is_open = 1 DO UPDATE SET detections = findings.detections + 1`,
        ['pump-1', 'bearing-outer-race'],
      );
    const results = await Promise.all(Array.from({ length: 50 }, detect));
    assert.ok(results.every((r) => r.changes === 1));
    assert.deepStrictEqual(await b.store.all('SELECT asset, mode, is_open, detections FROM findings'), [{ asset: 'pump-1', mode: 'bearing-outer-race', is_open: 1, detections: 50 }]);
    // Closing it lets the next detection open a new one; the closed one is kept.
    await b.store.run('UPDATE findings SET is_open = 0 WHERE asset = ?', ['pump-1']);
    await Promise.all(Array.from({ length: 5 }, detect));
    assert.deepStrictEqual(await b.store.all('SELECT is_open, detections FROM findings ORDER BY id'), [
      { is_open: 0, detections: 50 },
      { is_open: 1, detections: 5 },
    ]);
    if (b.dialect === 'postgres') {
      const pool = openPools().find((p) => p.location === b.store.location);
      assert.ok(pool && pool.connections >= 20, `the writers ran on parallel connections (pool has ${pool?.connections})`);
    }
  });

  it('(b) conditional stock decrement: 200 concurrent issues never go negative and successes match the stock', async () => {
    const start = 250;
    await b.store.run('INSERT INTO stock (part, qty) VALUES (?, ?)', ['bearing-6205', start]);
    const r = rng(42);
    const wants = Array.from({ length: 200 }, () => 1 + Math.floor(r() * 3));
    const outcomes = await Promise.all(
      wants.map((qty) =>
        b.store.tx(async (q) => {
          const u = await q.run('UPDATE stock SET qty = qty - ? WHERE part = ? AND qty >= ?', [qty, 'bearing-6205', qty]);
          if (u.changes === 0) return 0;
          await q.insert('INSERT INTO issues (part, qty) VALUES (?, ?)', ['bearing-6205', qty]);
          return qty;
        }),
      ),
    );
    const issued = outcomes.reduce((a, x) => a + x, 0);
    const left = (await b.store.one<{ qty: number }>('SELECT qty FROM stock WHERE part = ?', ['bearing-6205']))!.qty;
    const logged = await b.store.one<{ n: number; total: number }>('SELECT COUNT(*) AS n, COALESCE(SUM(qty), 0) AS total FROM issues');
    assert.ok(left >= 0, `stock went negative: ${left}`);
    assert.strictEqual(left, start - issued);
    assert.deepStrictEqual(logged, { n: outcomes.filter((x) => x > 0).length, total: issued });
    assert.ok(left < 3, `issues stop only when the stock cannot cover a request (left ${left})`);
    assert.ok(outcomes.some((x) => x === 0), 'some issues were refused');
  });

  it('(c) two transactions that deadlock are retried and both succeed', async () => {
    await b.store.run('INSERT INTO accounts (id, balance) VALUES (1, 100), (2, 100)');
    let attempts = 0;
    let arrived = 0;
    let release!: () => void;
    const bothHoldOne = new Promise<void>((r) => (release = r));
    setTimeout(() => release(), 1000).unref(); // SQLite runs transactions one at a time: do not wait for the other there
    const transfer = (from: number, to: number) =>
      b.store.tx(async (q) => {
        attempts++;
        await q.run('UPDATE accounts SET balance = balance - 10 WHERE id = ?', [from]);
        if (++arrived === 2) release();
        await bothHoldOne;
        await q.run('UPDATE accounts SET balance = balance + 10 WHERE id = ?', [to]);
        return true;
      });
    assert.deepStrictEqual(await Promise.all([transfer(1, 2), transfer(2, 1)]), [true, true]);
    assert.deepStrictEqual(await b.store.all('SELECT id, balance FROM accounts ORDER BY id'), [
      { id: 1, balance: 100 },
      { id: 2, balance: 100 },
    ]);
    if (b.dialect === 'postgres') assert.ok(attempts >= 3, `a deadlock happened and was retried (attempts ${attempts})`);
    else assert.strictEqual(attempts, 2);
  });

  it('re-runs a transaction on serialisation failure a bounded number of times, and never on other errors', async () => {
    let attempts = 0;
    const serialisation = Object.assign(new Error('could not serialize access due to concurrent update'), { code: '40001' });
    await assert.rejects(
      b.store.tx(async (q) => {
        attempts++;
        await q.run('INSERT INTO things (name, ts) VALUES (?, ?)', [`retry-${attempts}`, 1]);
        throw serialisation;
      }),
      /could not serialize/,
    );
    assert.strictEqual(attempts, b.dialect === 'postgres' ? MAX_TX_RETRIES + 1 : 1);
    assert.strictEqual((await b.store.one<{ n: number }>("SELECT COUNT(*) AS n FROM things WHERE name LIKE 'retry-%'"))!.n, 0, 'every attempt rolled back');
    attempts = 0;
    await assert.rejects(
      b.store.tx(async () => {
        attempts++;
        throw Object.assign(new Error('unique'), { code: '23505' });
      }),
    );
    assert.strictEqual(attempts, 1);
  });
});

describe('store: PostgreSQL connections', function () {
  this.timeout(60_000);

  it('a server that is not there is StoreUnavailableError; the location has no password', async () => {
    const cluster = await pgCluster();
    const net = await import('net');
    const port = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as import('net').AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    const h = openPostgres({ url: `postgres://alice:s3cret@127.0.0.1:${port}/plant`, connectTimeoutMs: 2000 });
    try {
      assert.strictEqual(h.db.location, `127.0.0.1:${port}/plant`);
      const err = await h.db.all('SELECT 1').then(
        () => undefined,
        (e) => e,
      );
      assert.ok(err instanceof StoreUnavailableError, `got ${err}`);
      assert.strictEqual(err.code, 'STORE_UNAVAILABLE');
      assert.match(err.message, /127\.0\.0\.1:\d+\/plant is unavailable/);
      assert.ok(!err.message.includes('s3cret'));
      await assert.rejects(h.db.tx(async (q) => q.all('SELECT 1')), StoreUnavailableError);
    } finally {
      await h.release();
    }
    const bad = openPostgres({ url: `postgres://postgres@no-such-host.invalid:5432/x`, connectTimeoutMs: 2000 });
    try {
      await assert.rejects(bad.db.one('SELECT 1'), StoreUnavailableError);
    } finally {
      await bad.release();
    }
    assert.ok(cluster.port > 0);
  });

  it('a server killed (kill -9) and restarted: unavailable while down, working again after', async () => {
    const cluster = await pgCluster();
    const url = await cluster.createDatabase('crash');
    const h = openPostgres({ url, connectTimeoutMs: 2000 });
    try {
      await h.db.run('CREATE TABLE t (id INTEGER PRIMARY KEY)');
      await h.db.run('INSERT INTO t (id) VALUES (1)');
      await cluster.kill();
      await assert.rejects(h.db.all('SELECT id FROM t'), StoreUnavailableError);
      await assert.rejects(
        h.db.tx(async (q) => q.run('INSERT INTO t (id) VALUES (2)')),
        StoreUnavailableError,
      );
      await cluster.start();
      let rows: unknown[] | undefined;
      for (let i = 0; i < 20 && !rows; i++) {
        rows = await h.db.all('SELECT id FROM t ORDER BY id').catch(() => undefined);
      }
      assert.deepStrictEqual(rows, [{ id: 1 }], 'the committed row survived the crash; the failed one is not there');
    } finally {
      await h.release();
    }
  });

  it('statements are prepared once per connection; a listed result survives an added column, a changed result type runs again unnamed', async () => {
    // which statements get a name: DML whose result columns are listed
    for (const [sql, named] of [
      ['SELECT a, b FROM t WHERE id = $1', true], ['SELECT COUNT(*) AS n FROM t', true], ['UPDATE t SET a = a * 2 WHERE id = $1', true], ['WITH x AS (SELECT 1 AS one) SELECT one FROM x', true],
      ['SELECT * FROM t', false], ['SELECT t.* FROM t', false], ['INSERT INTO t (a) VALUES ($1) RETURNING *', false], ['BEGIN', false], ['CREATE TABLE t (a int)', false],
    ] as const)
      assert.strictEqual(statementName(`${sql} -- ${Math.random()}`) !== undefined, named, sql);
    const cluster = await pgCluster();
    const url = await cluster.createDatabase('prepared');
    const h = openPostgres({ url, poolSize: 1 }); // one connection: what it prepared stays visible
    try {
      await h.db.run('CREATE TABLE prep (id INTEGER PRIMARY KEY, v INTEGER NOT NULL)');
      await h.db.run('INSERT INTO prep (id, v) VALUES (?, ?)', [1, 10]);
      const get = 'SELECT id, v FROM prep WHERE id = ?';
      for (let i = 0; i < 7; i++) assert.deepStrictEqual(await h.db.one(get, [1]), { id: 1, v: 10 }); // past PostgreSQL's switch to a generic plan
      const prepared = await h.db.all<{ statement: string }>('SELECT statement FROM pg_prepared_statements');
      assert.ok(prepared.some((p) => p.statement === 'SELECT id, v FROM prep WHERE id = $1'), JSON.stringify(prepared));
      await h.db.run('ALTER TABLE prep ADD COLUMN note TEXT');
      assert.deepStrictEqual(await h.db.one(get, [1]), { id: 1, v: 10 }, 'a column added by another box: the listed result is unchanged');
      assert.deepStrictEqual(await h.db.one('SELECT * FROM prep WHERE id = ?', [1]), { id: 1, v: 10, note: null }, 'SELECT * runs unnamed: it sees the new column');
      await h.db.run('ALTER TABLE prep ALTER COLUMN v TYPE TEXT');
      assert.deepStrictEqual(await h.db.one(get, [1]), { id: 1, v: '10' }, 'a changed result type: run again unnamed');
      const list = 'SELECT id, v, note FROM prep ORDER BY id';
      assert.strictEqual((await h.db.tx((q) => q.all(list))).length, 1);
      await h.db.run('ALTER TABLE prep ALTER COLUMN note TYPE INTEGER USING NULL');
      assert.deepStrictEqual(await h.db.tx((q) => q.all(list)), [{ id: 1, v: '10', note: null }], 'in a transaction: the transaction runs again');
    } finally {
      await h.release();
    }
  });

  it('pools are shared per connection and end with their last user', async () => {
    const cluster = await pgCluster();
    const url = await cluster.createDatabase('pools');
    const a = openPostgres({ url });
    const b = openPostgres({ url });
    assert.strictEqual(a.db, b.db);
    await a.db.one('SELECT 1');
    assert.strictEqual(openPools().find((p) => p.location === a.db.location)?.users, 2);
    await a.release();
    await a.release();
    assert.strictEqual(openPools().find((p) => p.location === a.db.location)?.users, 1, 'release is idempotent');
    await b.release();
    assert.strictEqual(openPools().find((p) => p.location === a.db.location), undefined);
    assert.strictEqual(a.db.pool.totalCount, 0, 'every connection closed');
  });

  it('TLS: off is plain, require and verify (with the CA) are encrypted, verify refuses a certificate it cannot check', async () => {
    const cluster = await pgCluster();
    const url = await cluster.createDatabase('tls');
    const sslOf = async (cfg: Parameters<typeof openPostgres>[0]) => {
      const h = openPostgres(cfg);
      try {
        return (await h.db.one<{ ssl: boolean }>('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()'))?.ssl;
      } finally {
        await h.release();
      }
    };
    assert.strictEqual(await sslOf({ url, tls: 'off' }), false);
    assert.strictEqual(await sslOf({ url, tls: 'require' }), true);
    assert.strictEqual(await sslOf({ url, tls: 'verify', caFile: cluster.caFile }), true);
    assert.strictEqual(await sslOf({ url: `${url}?sslmode=require`, tls: 'off' }), true, "the URL's sslmode is not weakened by tls off");
    assert.strictEqual(await sslOf({ url: `${url}?sslmode=disable`, tls: 'require' }), true, 'nor tls by the URL');
    assert.throws(() => openPostgres({ url: `${url}?search_path=x` }), /parameter "search_path" is not supported/);
    assert.throws(() => openPostgres({ url: 'mysql://h/db' }), /must start with postgres:\/\//);
    assert.throws(() => openPostgres({ url: 'not a url' }), /not a valid URL/);
    // Fields override the URL's parts.
    const f = openPostgres({ url: cluster.urlFor('nope'), database: 'tls', applicationName: 'fields' });
    try {
      assert.strictEqual(f.db.location, `127.0.0.1:${cluster.port}/tls`);
      assert.deepStrictEqual(await f.db.one('SELECT current_database() AS d'), { d: 'tls' });
    } finally {
      await f.release();
    }
    const h = openPostgres({ url, tls: 'verify' }); // the system CAs do not know the test CA
    try {
      const err = await h.db.one('SELECT 1').then(
        () => undefined,
        (e) => e,
      );
      assert.ok(err && !(err instanceof StoreUnavailableError), `a certificate problem is not "unavailable": ${err}`);
      assert.match(String(err.message), /certificate/i);
    } finally {
      await h.release();
    }
  });
});
