import assert from 'assert';
import fs from 'fs';
import path from 'path';
import Database from 'better-sqlite3';
import { openStore, openConnections, migrateCore, CORE_MIGRATIONS, loadState, saveState } from '../../nodes/core/store';
import { getNode, helper, loadFlow, tmpDir, unloadFlow } from '../helpers/red';
import { assetNode, storeNode } from '../helpers/fixtures';

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

  it('creates the schema in an empty file, in WAL mode with synchronous=FULL', () => {
    const file = path.join(dir, 'fresh.db');
    const h = openStore(file);
    try {
      assert.strictEqual(migrateCore(h.store), CORE_MIGRATIONS.length);
      assert.deepStrictEqual(h.store.versions(), { core: 2 });
      assert.strictEqual(h.store.get<{ journal_mode: string }>('PRAGMA journal_mode')?.journal_mode, 'wal');
      assert.strictEqual(h.store.get<{ synchronous: number }>('PRAGMA synchronous')?.synchronous, 2); // 2 = FULL
    } finally {
      h.release();
    }
  });

  it('migrates a file from the previous schema version without losing its data', () => {
    const file = path.join(dir, 'old.db');
    const h1 = openStore(file);
    h1.store.migrate('core', CORE_MIGRATIONS.slice(0, 1));
    saveState(h1.store, 'kanban', 'loop-1', { cards: 7 });
    assert.deepStrictEqual(h1.store.versions(), { core: 1 });
    h1.release();
    assert.strictEqual(openConnections().length, 0);

    const h2 = openStore(file);
    try {
      assert.strictEqual(migrateCore(h2.store), 2);
      assert.deepStrictEqual(loadState(h2.store, 'kanban', 'loop-1'), { cards: 7 });
      h2.store.run('INSERT INTO assets (asset_id, name, criticality, machine_class, updated_at) VALUES (?, ?, ?, ?, ?)', ['a', 'A', 3, 'iso10816-1:class1', 1]);
      assert.strictEqual(migrateCore(h2.store), 2, 'migrating twice is a no-op');
    } finally {
      h2.release();
    }
    // The file is a plain SQLite database any tool can read.
    const raw = new Database(file, { readonly: true });
    assert.strictEqual((raw.prepare('SELECT COUNT(*) AS n FROM assets').get() as any).n, 1);
    assert.strictEqual((raw.prepare('PRAGMA integrity_check').get() as any).integrity_check, 'ok');
    raw.close();
  });

  it('binds parameters: SQL metacharacters are stored verbatim', () => {
    const h = openStore(path.join(dir, 'sql.db'));
    try {
      migrateCore(h.store);
      const evil = "x'); DROP TABLE node_state; --";
      saveState(h.store, evil, evil, { evil });
      assert.deepStrictEqual(loadState(h.store, evil, evil), { evil });
      assert.ok(h.store.get("SELECT name FROM sqlite_master WHERE name = 'node_state'"));
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
    assert.strictEqual(h.store.all('SELECT asset_id FROM assets ORDER BY asset_id').length, 2);
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
      const errors = helper
        .log()
        .args.map((x: any[]) => x[0])
        .filter((e: any) => e && e.id === 'pm' && e.level === 20)
        .map((e: any) => String(e.msg));
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
    assert.deepStrictEqual(h.store.all('SELECT asset_id FROM assets ORDER BY asset_id'), [{ asset_id: 'fan-1' }, { asset_id: 'pump-1' }]);
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
