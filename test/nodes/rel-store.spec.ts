import assert from 'assert';
import fs from 'fs';
import path from 'path';
import Database from 'better-sqlite3';
import { Client } from 'pg';
import { openStore, openConnections, openPools, migrateCoreAsync, CORE_MIGRATIONS, getState, putState, StoreUnavailableError } from '../../nodes/core/store';
import { acquireStore } from '../../nodes/shared/store';
import { getNode, helper, loadFlow, tmpDir, unloadFlow } from '../helpers/red';
import { assetNode, storeNode } from '../helpers/fixtures';
import { pgCluster, type PgCluster } from '../helpers/pg';

function fdsOpenOn(file: string): number {
  let n = 0;
  for (const fd of fs.readdirSync('/proc/self/fd')) {
    try {
      if (fs.readlinkSync(`/proc/self/fd/${fd}`).startsWith(file)) n++;
    } catch {
      /* fd closed while listing */
    }
  }
  return n;
}

describe('rel-store', function () {
  let dir: string;
  beforeEach(() => {
    dir = tmpDir('rel-store-');
  });
  afterEach(async () => {
    await unloadFlow();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('creates the schema in an empty file, in WAL mode with synchronous=FULL', async () => {
    const file = path.join(dir, 'fresh.db');
    const h = openStore(file);
    try {
      assert.strictEqual(await migrateCoreAsync(h.db), CORE_MIGRATIONS.length);
      assert.deepStrictEqual(await h.db.versions(), { core: 2 });
      assert.strictEqual((await h.db.one<{ journal_mode: string }>('PRAGMA journal_mode'))?.journal_mode, 'wal');
      assert.strictEqual((await h.db.one<{ synchronous: number }>('PRAGMA synchronous'))?.synchronous, 2); // 2 = FULL
    } finally {
      h.release();
    }
  });

  it('migrates a file from the previous schema version without losing its data', async () => {
    const file = path.join(dir, 'old.db');
    const h1 = openStore(file);
    await h1.db.migrate('core', CORE_MIGRATIONS.slice(0, 1));
    await putState(h1.db, 'kanban', 'loop-1', { cards: 7 });
    assert.deepStrictEqual(await h1.db.versions(), { core: 1 });
    h1.release();
    assert.strictEqual(openConnections().length, 0);

    const h2 = openStore(file);
    try {
      assert.strictEqual(await migrateCoreAsync(h2.db), 2);
      assert.deepStrictEqual(await getState(h2.db, 'kanban', 'loop-1'), { cards: 7 });
      await h2.db.run('INSERT INTO assets (asset_id, name, criticality, machine_class, updated_at) VALUES (?, ?, ?, ?, ?)', ['a', 'A', 3, 'iso10816-1:class1', 1]);
      assert.strictEqual(await migrateCoreAsync(h2.db), 2, 'migrating twice is a no-op');
    } finally {
      h2.release();
    }
    // The file is a plain SQLite database any tool can read.
    const raw = new Database(file, { readonly: true });
    assert.strictEqual((raw.prepare('SELECT COUNT(*) AS n FROM assets').get() as any).n, 1);
    assert.strictEqual((raw.prepare('PRAGMA integrity_check').get() as any).integrity_check, 'ok');
    raw.close();
  });

  it('binds parameters: SQL metacharacters are stored verbatim', async () => {
    const h = openStore(path.join(dir, 'sql.db'));
    try {
      await migrateCoreAsync(h.db);
      const evil = "x'); DROP TABLE node_state; --";
      await putState(h.db, evil, evil, { evil });
      assert.deepStrictEqual(await getState(h.db, evil, evil), { evil });
      assert.ok(await h.db.one("SELECT name FROM sqlite_master WHERE name = 'node_state'"));
    } finally {
      h.release();
    }
  });

  it('shares one connection between two flows on the same file and reports it to the editor', async () => {
    const file = path.join(dir, 'shared.db');
    await loadFlow([
      { id: 't1', type: 'tab' },
      { id: 't2', type: 'tab' },
      { ...storeNode(file, 'storeA'), z: 't1' },
      { ...storeNode(file, 'storeB'), z: 't2' },
      { ...assetNode({ id: 'a1', assetId: 'pump-1', store: 'storeA' }), z: 't1' },
      { ...assetNode({ id: 'a2', assetId: 'fan-1', store: 'storeB' }), z: 't2' },
    ]);
    const conns = openConnections().filter((c) => c.file === file);
    assert.deepStrictEqual(conns, [{ file, users: 2 }]);
    const res = await helper.request().get('/rel-store/storeA/info').expect(200);
    assert.strictEqual(res.body.file, file);
    assert.deepStrictEqual(res.body.versions, { core: 2 });
    assert.strictEqual(res.body.users, 2);
    const h = openStore(file);
    assert.strictEqual((await h.db.all('SELECT asset_id FROM assets ORDER BY asset_id')).length, 2);
    h.release();
  });

  it('closes the file on redeploy: 50 deploys leave no open handle', async () => {
    const file = path.join(dir, 'redeploy.db');
    for (let i = 0; i < 50; i++) {
      await loadFlow([storeNode(file), assetNode({ store: 'store1', assetId: `pump-${i}` })]);
      assert.strictEqual(openConnections().find((c) => c.file === file)?.users, 1);
      assert.ok(fdsOpenOn(file) >= 1, 'open while deployed');
      await unloadFlow();
      assert.strictEqual(openConnections().length, 0, `deploy ${i}: connection left open`);
      assert.strictEqual(fdsOpenOn(file), 0, `deploy ${i}: file descriptors left open`);
    }
  });

  it('releases the store of a node whose init throws after acquiring it: a rel-pm with bad plans, deployed 3 times, leaves no user', async () => {
    const file = path.join(dir, 'bad-init.db');
    for (let i = 0; i < 3; i++) {
      await loadFlow([storeNode(file), { id: 'pm', type: 'rel-pm', store: 'store1', plans: 'foo,bar\n1,2', wires: [[], []] }]);
      // The plans are imported asynchronously after deploy: wait (at most 5 s) for the error.
      const errorsNow = () =>
        helper
          .log()
          .args.map((x: any[]) => x[0])
          .filter((e: any) => e && e.id === 'pm' && e.level === 20)
          .map((e: any) => String(e.msg));
      for (let t = 0; t < 100 && errorsNow().length === 0; t++) await new Promise((r) => setTimeout(r, 50));
      const errors = errorsNow();
      assert.ok(errors.length >= 1, `deploy ${i}: the bad form still reports its error`);
      await unloadFlow();
      assert.deepStrictEqual(openConnections().filter((c) => c.file.endsWith('bad-init.db')), [], `deploy ${i}: connection left open`);
      assert.strictEqual(fdsOpenOn(fs.realpathSync(file)), 0, `deploy ${i}: file descriptors left open`);
    }
  });

  it('refuses a relative name that leads out of the user directory; a relative name inside it and an absolute path work', async () => {
    const userDir = path.join(dir, 'user');
    fs.mkdirSync(userDir);
    helper.settings({ userDir });
    try {
      await loadFlow([
        { id: 'out', type: 'rel-store', file: '../outside/x.db' },
        { id: 'in', type: 'rel-store', file: 'sub/in.db' },
        { id: 'abs', type: 'rel-store', file: path.join(dir, 'disk', 'abs.db') },
        assetNode({ id: 'a1', assetId: 'pump-1', store: 'out' }),
        assetNode({ id: 'a2', assetId: 'pump-2', store: 'in' }),
        assetNode({ id: 'a3', assetId: 'pump-3', store: 'abs' }),
      ]);
      assert.ok(!fs.existsSync(path.join(dir, 'outside')), 'nothing created outside the user directory');
      const errors = helper
        .log()
        .args.map((x: any[]) => x[0])
        .filter((e: any) => e && (e.id === 'out' || e.id === 'a1') && e.level === 20)
        .map((e: any) => String(e.msg));
      assert.ok(errors.some((m: string) => m.includes('a relative name must stay inside the user directory; use an absolute path for another disk')), `logged: ${errors.join(' | ')}`);
      assert.ok(errors.some((m: string) => m.includes('the selected rel-store (out) is refused: rel-store: file')), `the asset says why: ${errors.join(' | ')}`);
      const info = await helper.request().get('/rel-store/out/info').expect(200);
      assert.match(String(info.body.error), /must stay inside the user directory/);
      const pre = await helper.request().get('/rel-store/nope/info').query({ file: '../../../etc/x.db' }).expect(200);
      assert.match(String(pre.body.error), /must stay inside the user directory/);
      assert.ok(fs.existsSync(path.join(userDir, 'sub', 'in.db')), 'a relative name is a file in the user directory');
      assert.ok(fs.existsSync(path.join(dir, 'disk', 'abs.db')), 'an absolute path may point elsewhere');
    } finally {
      helper.settings({ userDir: undefined });
    }
  });

  it('shares one connection between two stores reaching one file through a symlinked folder', async () => {
    const real = path.join(dir, 'real');
    const link = path.join(dir, 'link');
    fs.mkdirSync(real);
    fs.symlinkSync(real, link, 'dir');
    await loadFlow([
      storeNode(path.join(real, 'x.db'), 'storeA'),
      storeNode(path.join(link, 'x.db'), 'storeB'),
      assetNode({ id: 'a1', assetId: 'pump-1', store: 'storeA' }),
      assetNode({ id: 'a2', assetId: 'fan-1', store: 'storeB' }),
    ]);
    const file = path.join(fs.realpathSync(real), 'x.db');
    assert.deepStrictEqual(openConnections(), [{ file, users: 2 }]);
    const res = await helper.request().get('/rel-store/storeB/info').expect(200);
    assert.strictEqual(res.body.users, 2);
    const h = openStore(path.join(link, 'x.db'));
    assert.deepStrictEqual(await h.db.all('SELECT asset_id FROM assets ORDER BY asset_id'), [{ asset_id: 'fan-1' }, { asset_id: 'pump-1' }]);
    h.release();
    await unloadFlow();
    assert.deepStrictEqual(openConnections(), []);
  });

  it('reports a node whose store is not deployed, and the asset still works', async () => {
    await loadFlow([assetNode({ store: 'missing' })]);
    const a = getNode('asset1');
    assert.strictEqual(a.spec?.assetId, 'pump-1', 'the asset itself still works');
    const errors = helper
      .log()
      .args.map((x: any[]) => x[0])
      .filter((e: any) => e && e.id === 'asset1' && e.level === 20)
      .map((e: any) => String(e.msg));
    assert.ok(errors.some((m: string) => m.includes('the selected rel-store (missing) is not deployed')), `logged: ${errors.join(' | ')}`);
  });
});

describe('rel-store on PostgreSQL', function () {
  this.timeout(120_000);
  let dir: string;
  let cluster: PgCluster;
  let url: string;
  before(async () => {
    cluster = await pgCluster();
    url = await cluster.createDatabase('relstore');
  });
  beforeEach(() => {
    dir = tmpDir('rel-store-pg-');
    helper.settings({ userDir: dir });
  });
  afterEach(async () => {
    await unloadFlow();
    helper.settings({ userDir: undefined });
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** A fake RED for acquireStore: the deployed config nodes of the test runtime. */
  const RED: any = { nodes: { getNode: (id: string) => helper.getNode(id) }, settings: {} };

  const pgStore = (id = 'pg1', extra: object = {}) => ({ id, type: 'rel-store', name: 'plant', backend: 'postgres', version: 2, poolSize: 4, ...extra });

  it('gives db on the server and local/store on the per-box file; the editor sees backend, server and schema versions', async () => {
    await loadFlow([pgStore(), assetNode({ id: 'a1', assetId: 'pump-1', store: 'pg1' }), assetNode({ id: 'a2', assetId: 'fan-1', store: 'pg1' })], [], { pg1: { url } });
    const h = acquireStore(RED, 'pg1', 'test');
    try {
      await h.ready;
      assert.strictEqual(h.db.backend, 'postgres');
      assert.strictEqual(h.db.location, `127.0.0.1:${cluster.port}/relstore`);
      assert.strictEqual(h.local.backend, 'sqlite');
      assert.strictEqual(h.local.location, path.join(fs.realpathSync(dir), 'reliability-local.db'), 'the local file defaults to the user directory');
      assert.strictEqual((h as unknown as Record<string, unknown>).store, undefined, 'no synchronous store any more');
      await putState(h.db, 'kanban', 'loop-1', { cards: 3 });
      await putState(h.local, 'kanban', 'loop-1', { cards: 9 });
      const c = new Client({ connectionString: url });
      await c.connect();
      const row = (await c.query('SELECT value FROM node_state WHERE scope = $1', ['kanban'])).rows[0];
      await c.end();
      assert.deepStrictEqual(JSON.parse(row.value), { cards: 3 }, 'db writes reach the server');
      // The assets wrote their register rows on a fresh database: the core schema came first.
      for (let i = 0; i < 100 && (await h.db.all('SELECT asset_id FROM assets')).length < 2; i++) await new Promise((r) => setTimeout(r, 50));
      assert.deepStrictEqual(await h.db.all('SELECT asset_id FROM assets ORDER BY asset_id'), [{ asset_id: 'fan-1' }, { asset_id: 'pump-1' }]);
      const errors = helper
        .log()
        .args.map((x: any[]) => x[0])
        .filter((e: any) => e && e.level === 20);
      assert.deepStrictEqual(errors, [], 'no node reported an error');
      assert.deepStrictEqual(await getState(h.local, 'kanban', 'loop-1'), { cards: 9 });
      const info = await helper.request().get('/rel-store/pg1/info').expect(200);
      assert.strictEqual(info.body.backend, 'postgres');
      assert.match(info.body.server, /^PostgreSQL 15\./);
      assert.strictEqual(info.body.location, h.db.location);
      assert.deepStrictEqual(info.body.versions, { core: 2 });
      assert.strictEqual(info.body.users, 3, 'two assets and this handle');
      assert.ok(!JSON.stringify(info.body).includes('postgres://'), 'no URL in the editor info');
    } finally {
      h.release();
    }
    assert.strictEqual(getNode('pg1').users(), 2, 'release deregisters');
  });

  it('migration steps get the async db and are awaited in ready', async () => {
    await loadFlow([pgStore()], [], { pg1: { url } });
    const h = acquireStore(RED, 'pg1', 'test', (db) =>
      db.migrate('probe', [{ version: 1, description: 'probe', up: ['CREATE TABLE probe (id INTEGER PRIMARY KEY)'], postgres: ['CREATE TABLE probe (id INTEGER PRIMARY KEY)'] }]),
    );
    try {
      await h.ready;
      assert.deepStrictEqual(await h.db.versions(), { core: 2, probe: 1 });
      assert.deepStrictEqual(await h.local.versions(), { core: 2 }, 'the local file has the core schema only');
    } finally {
      h.release();
    }
  });

  it('connects with host, port, database, user fields; pools are shared and end with the last config node on redeploy', async () => {
    const creds = { host: '127.0.0.1', port: String(cluster.port), database: 'relstore', user: 'postgres' };
    for (let i = 0; i < 10; i++) {
      await loadFlow([pgStore('pgA'), pgStore('pgB'), assetNode({ store: 'pgA' })], [], { pgA: creds, pgB: creds });
      const h = acquireStore(RED, 'pgB', 'test');
      await h.ready;
      assert.strictEqual(await h.db.serverVersion().then((v) => /^PostgreSQL 15/.test(v)), true);
      const h2 = acquireStore(RED, 'pgA', 'test2');
      assert.strictEqual(h.db, h2.db, 'one pool for one connection');
      assert.strictEqual(openPools().filter((p) => p.location === h.db.location).length, 1);
      h.release();
      h2.release();
      await unloadFlow();
      assert.deepStrictEqual(openPools(), [], `deploy ${i}: pool left open`);
    }
    const c = new Client({ connectionString: url });
    await c.connect();
    // The server ends a backend shortly after its client has gone: wait up to 10 s for it.
    let n = -1;
    for (let i = 0; i < 100 && n !== 0; i++) {
      if (i) await new Promise((r) => setTimeout(r, 100));
      n = (await c.query("SELECT COUNT(*)::int AS n FROM pg_stat_activity WHERE application_name = 'node-red-reliability'")).rows[0].n;
    }
    await c.end();
    assert.strictEqual(n, 0, 'no server connection left after the last redeploy');
    assert.deepStrictEqual(openConnections(), [], 'local files closed');
  });

  it('refuses a postgres store without a connection, a bad pool size and a bad TLS mode, naming the property', async () => {
    await loadFlow(
      [
        pgStore('none'),
        pgStore('pool', { poolSize: 0 }),
        pgStore('tls', { tls: 'maybe' }),
        pgStore('ca', { tls: 'verify', ca: 'missing-ca.pem' }),
        { id: 'kind', type: 'rel-store', backend: 'mysql' },
        assetNode({ id: 'a1', assetId: 'pump-1', store: 'none' }),
      ],
      [],
      { pool: { url }, tls: { url }, ca: { url } },
    );
    const errors = helper
      .log()
      .args.map((x: any[]) => x[0])
      .filter((e: any) => e && e.level === 20)
      .map((e: any) => `${e.id}: ${String(e.msg)}`);
    const has = (re: RegExp) => assert.ok(errors.some((m: string) => re.test(m)), `${re} in: ${errors.join(' | ')}`);
    has(/^none: rel-store: backend postgres needs a connection/);
    has(/^pool: rel-store: poolSize: expected an integer 1-100, got "0"/);
    has(/^tls: rel-store: tls: expected off, require or verify, got "maybe"/);
    has(/^ca: rel-store: ca: the CA file .*missing-ca\.pem does not exist/);
    has(/^kind: rel-store: backend: expected sqlite or postgres, got "mysql"/);
    has(/^a1: .*the selected rel-store \(none\) is refused: rel-store: backend postgres needs a connection/);
    const info = await helper.request().get('/rel-store/none/info').expect(200);
    assert.match(String(info.body.error), /needs a connection/);
    assert.deepStrictEqual(openPools(), []);
  });

  it('a server that cannot be reached: deploy warns, the info says unavailable, db throws StoreUnavailableError, ready rejects', async () => {
    const dead = `postgres://postgres:secret@127.0.0.1:1/none`;
    await loadFlow([pgStore('pgX', { poolSize: 2 })], [], { pgX: { url: dead } });
    const h = acquireStore(RED, 'pgX', 'test');
    try {
      await assert.rejects(h.ready, StoreUnavailableError);
      await assert.rejects(h.db.all('SELECT 1'), StoreUnavailableError);
      const info = await helper.request().get('/rel-store/pgX/info').expect(200);
      assert.match(String(info.body.error), /127\.0\.0\.1:1\/none is unavailable/);
      assert.ok(!String(info.body.error).includes('secret'));
      for (let i = 0; i < 50; i++) {
        const warned = helper.log().args.some((x: any[]) => x[0] && x[0].id === 'pgX' && x[0].level === 30);
        if (warned) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.ok(helper.log().args.some((x: any[]) => x[0] && x[0].id === 'pgX' && x[0].level === 30 && /unavailable/.test(String(x[0].msg))), 'deploy warned');
    } finally {
      h.release();
    }
  });

  it('TLS verify with a CA file in the user directory', async () => {
    fs.copyFileSync(cluster.caFile, path.join(dir, 'plant-ca.pem'));
    await loadFlow([pgStore('pgT', { tls: 'verify', ca: 'plant-ca.pem' })], [], { pgT: { url } });
    const h = acquireStore(RED, 'pgT', 'test');
    try {
      await h.ready;
      assert.deepStrictEqual(await h.db.one('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()'), { ssl: true });
    } finally {
      h.release();
    }
  });

  it('a server down at deploy: ready rejects, ensure() applies the migrations once it is back', async () => {
    const url2 = await cluster.createDatabase('late');
    await cluster.stop();
    try {
      await loadFlow([pgStore('pgL')], [], { pgL: { url: url2 } });
      const h = acquireStore(RED, 'pgL', 'test', (db) =>
        db.migrate('late', [{ version: 1, description: 'late', up: ['CREATE TABLE late (id INTEGER PRIMARY KEY)'], postgres: ['CREATE TABLE late (id INTEGER PRIMARY KEY)'] }]),
      );
      try {
        await assert.rejects(h.ready, StoreUnavailableError);
        await assert.rejects(h.ensure(), StoreUnavailableError);
        await cluster.start();
        await h.ensure();
        assert.deepStrictEqual(await h.db.versions(), { core: 2, late: 1 });
        await h.ensure();
      } finally {
        h.release();
      }
    } finally {
      await cluster.start();
    }
  });
});
