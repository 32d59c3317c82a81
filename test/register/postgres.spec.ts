/**
 * The register's PostgreSQL dialect on a real server (Debian's postgresql): the `postgres` DDL of
 * the register migration, the import (120 machines, counts, one transaction), export -> import
 * unchanged, table checks through information_schema (remove guarded by open work orders) and the
 * core asset-table mirror.
 */
import assert from 'assert';
import { RegisterRepo } from '../../nodes/core/register';
import type { Store } from '../../nodes/core/store/types';
import { plantRows, toCsv, PUMP_TYPE } from './plant';
import { pgStore, startPostgres, type Postgres } from './postgres';

const NOW = Date.UTC(2026, 0, 5);

describe('register core on PostgreSQL', function () {
  this.timeout(120000);
  let pg: Postgres;
  let store: Store;
  let repo: RegisterRepo;
  before(async () => {
    pg = await startPostgres();
    store = pgStore(pg.pool, pg.port);
    repo = new RegisterRepo(store);
  });
  after(async () => {
    if (pg) await pg.stop();
  });

  it('migrates, imports 120 machines in one transaction, exports and re-imports unchanged, guards removal', async () => {
    assert.strictEqual(await repo.migrate(), 1);
    assert.match(await store.serverVersion(), /^PostgreSQL \d+/);
    assert.deepStrictEqual((await repo.defineTypes([PUMP_TYPE], NOW)).errors, []);
    // The core asset table (the store adapter's core migration creates it; here by hand) is mirrored.
    await store.run(`CREATE TABLE assets (asset_id TEXT PRIMARY KEY, name TEXT NOT NULL, line TEXT NOT NULL DEFAULT '', criticality INTEGER NOT NULL,
      machine_class TEXT NOT NULL, rpm DOUBLE PRECISION, bearing TEXT, updated_at BIGINT NOT NULL)`);
    const rows = plantRows({ machines: 120, plcs: 15 });
    const dry = await repo.importFile(toCsv(rows), { dryRun: true, now: NOW });
    assert.deepStrictEqual([dry.added, dry.errors], [120, []]);
    assert.strictEqual(await repo.count(), 0);
    const r = await repo.importFile(toCsv(rows), { now: NOW });
    assert.deepStrictEqual([r.added, r.updated, r.unchanged, r.applied], [120, 0, 0, true]);
    assert.strictEqual(await repo.count(), 120);
    assert.strictEqual(Number((await store.one<{ n: string }>('SELECT COUNT(*) AS n FROM assets'))?.n), 120);
    const m4 = await repo.get('M-004');
    assert.deepStrictEqual([m4?.bearing, m4?.ballDiameter, m4?.contactAngle, m4?.rpm], ['custom', 0.3126, 12.5, rows[3].rpm]);
    for (const format of ['csv', 'xlsx'] as const) {
      const back = await repo.importFile(await repo.exportFile(format), { now: NOW + 1 });
      assert.deepStrictEqual([back.added, back.updated, back.unchanged, back.errors], [0, 0, 120, []], format);
    }
    // A failure on one row rolls the whole file back.
    rows[60].notes = 'changed';
    rows[61].notes = 'changed too';
    await store.run(`CREATE FUNCTION fail_m062() RETURNS trigger AS $$ BEGIN IF NEW.asset_id = 'M-062' THEN RAISE EXCEPTION 'disk full (test)'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql`);
    await store.run('CREATE TRIGGER fail_m062 BEFORE UPDATE ON register_assets FOR EACH ROW EXECUTE FUNCTION fail_m062()');
    await assert.rejects(repo.importFile(toCsv(rows), { now: NOW + 2 }), /disk full \(test\)/);
    assert.strictEqual((await repo.get('M-061'))?.notes, '', 'M-061 rolled back');
    await store.run('DROP TRIGGER fail_m062 ON register_assets');
    // remove: no work-order table -> allowed; with an open order -> refused.
    await repo.remove('M-120');
    await store.run('CREATE TABLE cmms_work_orders (id INTEGER PRIMARY KEY, asset TEXT NOT NULL, is_open INTEGER NOT NULL)');
    await store.run('INSERT INTO cmms_work_orders (id, asset, is_open) VALUES (1, ?, 1), (2, ?, 0)', ['M-001', 'M-002']);
    await assert.rejects(repo.remove('M-001'), /asset M-001 has 1 open work order/);
    await repo.remove('M-002');
    assert.strictEqual(await repo.count(), 118);
    assert.strictEqual(Number((await store.one<{ n: string }>('SELECT COUNT(*) AS n FROM assets'))?.n), 118);
    assert.strictEqual((await repo.list({ site: 'Plant A', area: 'Area 1' })).length, 40);
  });
});
