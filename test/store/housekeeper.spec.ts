/**
 * The storage housekeeper rel-store runs (nodes/core/store/housekeeper.ts), on a fake clock and a
 * real SQLite file: disk level reported at start, a retention pass 30 s after start that rolls up
 * old history, backups on their schedule with the newest kept, failures reported at most once a
 * minute, nothing left running after close.
 */
import assert from 'assert';
import fs from 'fs';
import path from 'path';
import { openStore, openConnections } from '../../nodes/core/store';
import { Housekeeper } from '../../nodes/core/store/housekeeper';
import { DAY_MS, DEFAULT_RETENTION } from '../../nodes/core/store/housekeeping';
import { listBackups } from '../../nodes/core/store/backup';
import { storageSettings, migrateStoreConfig, STORE_CONFIG_VERSION, STORAGE_FIELDS } from '../../nodes/core/store/housekeeping-config';
import { invalidFields } from '../../nodes/core/limits';
import { FakeClock } from '../helpers/fake-clock';
import { helper, getNode, loadFlow, tmpDir, unloadFlow } from '../helpers/red';

const until = async (what: string, ok: () => boolean) => {
  for (let i = 0; i < 1000 && !ok(); i++) await new Promise((r) => setTimeout(r, 20));
  assert.ok(ok(), what);
};

describe('store housekeeper', function () {
  this.timeout(60_000);

  it('reports the disk, rolls up old history 30 s after start, backs up on schedule, stops on close', async () => {
    const dir = tmpDir('rel-hkr-');
    const file = path.join(dir, 'reliability.db');
    const T = Date.UTC(2026, 11, 1);
    const h = openStore(file);
    await h.db.run('CREATE TABLE condition_history (asset TEXT NOT NULL, channel TEXT NOT NULL, metric TEXT NOT NULL, bucket INTEGER NOT NULL, n INTEGER NOT NULL, sum REAL NOT NULL, min REAL NOT NULL, max REAL NOT NULL, last REAL NOT NULL, PRIMARY KEY (asset, channel, metric, bucket))');
    // 200 days of 10-minute buckets for one stream
    await h.db.tx(async (q) => {
      for (let t = T - 200 * DAY_MS; t < T; t += 600_000) await q.run('INSERT INTO condition_history VALUES (?, ?, ?, ?, 1, 1, 1, 1, 1)', ['m1', 'machine', 'health', t]);
    });
    h.release();
    const clock = new FakeClock(T);
    const reports: string[] = [];
    const hk = new Housekeeper({
      stores: () => {
        const x = openStore(file);
        return { stores: [x.db], release: () => x.release() };
      },
      retention: DEFAULT_RETENTION,
      dir,
      backup: { file, dir: path.join(dir, 'backups'), everyHours: 24, keep: 2 },
      clock,
      report: (kind, level, text) => reports.push(`${kind} ${level} ${text}`),
    });
    hk.start();
    assert.match(reports[0]!, /^disk (info|warn|error) disk (ok|low|critical): .* free of /);
    clock.advance(30_000);
    await until('the first pass ran', () => hk.lastPass !== undefined);
    assert.ok(hk.lastPass!.rolledUp > 0, 'history older than 90 days rolled up');
    assert.ok(reports.some((r) => /^housekeeping info retention at .*rows rolled into/.test(r)), reports.join('\n'));
    assert.deepStrictEqual(openConnections().filter((c) => c.file.endsWith('reliability.db')), [], 'no connection held between passes');
    for (let d = 1; d <= 3; d++) {
      clock.advance(24 * 3_600_000);
      await until(`backup ${d}`, () => reports.filter((r) => r.startsWith('backup info')).length >= d);
    }
    assert.strictEqual(listBackups(file, path.join(dir, 'backups')).length, 2, 'the newest 2 kept');
    assert.strictEqual(fs.readdirSync(path.join(dir, 'backups')).length, 2, 'nothing else beside them (no -wal or -shm of a copy)');
    await hk.close();
    assert.strictEqual(clock.pending, 0, 'no timer left');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a failing backup is reported once a minute at most, and the housekeeper keeps going', async () => {
    const dir = tmpDir('rel-hkr-');
    const clock = new FakeClock(Date.UTC(2026, 11, 1));
    const reports: string[] = [];
    const hk = new Housekeeper({
      stores: () => ({ stores: [], release: () => undefined }),
      retention: DEFAULT_RETENTION,
      dir,
      backup: { file: path.join(dir, 'missing.db'), dir: path.join(dir, 'b'), everyHours: 0.01, keep: 2 },
      clock,
      report: (kind, level, text) => reports.push(`${kind} ${level} ${text}`),
    });
    hk.start();
    for (let i = 0; i < 5; i++) {
      clock.advance(36_000);
      await new Promise((r) => setTimeout(r, 30));
    }
    const errors = reports.filter((r) => r.startsWith('backup error'));
    // 5 failures, 36 s apart (t = 36 ... 180 s): reported at 36, 108 and 180 s, not at 72 and 144
    assert.strictEqual(errors.length, 3, errors.join('\n'));
    await hk.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('storage settings: the form wins over settings.js, an empty field takes settings.js, then the built-in default; lock and housekeeping: false are the plant\'s', () => {
    const plant = { retention: { rawHistoryDays: 30, andonDays: 400 }, backup: { dir: 'plant-backups', everyHours: 12 }, diskWarnPercent: 15 };
    const s = storageSettings({ rawHistoryDays: '60', oeeShiftDays: '0', backupKeep: 3, diskWarnPercent: '' }, plant);
    assert.deepStrictEqual(s.retention, { ...DEFAULT_RETENTION, rawHistoryDays: 60, andonDays: 400, oeeShiftDays: 0 });
    assert.deepStrictEqual(s.backup, { dir: 'plant-backups', everyHours: 12, keep: 3 });
    assert.strictEqual(s.diskWarnPercent, 15);
    assert.strictEqual(s.disk.lowShare, 0.15);
    assert.deepStrictEqual([s.source.rawHistoryDays, s.source.andonDays, s.source.hourlyHistoryDays, s.source.backupKeep], ['form', 'settings', 'default', 'form']);
    const locked = storageSettings({ rawHistoryDays: '60', hourlyHistoryDays: '100' }, { ...plant, lock: true });
    assert.strictEqual(locked.retention.rawHistoryDays, 30, 'lock: settings.js wins');
    assert.strictEqual(locked.retention.hourlyHistoryDays, 100, 'what settings.js leaves open stays the form\'s');
    assert.strictEqual(storageSettings({ backupDir: 'b', backupEveryHours: 0 }, plant).backup, undefined, 'every 0 hours: no backups');
    assert.strictEqual(storageSettings({}, {}).backup, undefined, 'no folder anywhere: no backups');
    assert.strictEqual(storageSettings({}, { housekeeping: false }).housekeeping, false);
    assert.throws(() => storageSettings({ rulPointDays: '1.5' }), /^Error: rel-store: rulPointDays: expected a whole number from 0 to 36525, got "1.5"$/);
    assert.throws(() => storageSettings({}, { retention: { andonDays: -2 } }), /^Error: reliabilityStorage\.retention\.andonDays: expected a whole number/);
    assert.throws(() => storageSettings({ rawHistoryDays: 100, hourlyHistoryDays: 50 }), /rel-store: retention hourlyHistoryDays \(50\) must be at least rawHistoryDays \(100\)/);
    assert.throws(() => storageSettings({ diskWarnPercent: 95 }), /rel-store: diskWarnPercent: expected a number from 1 to 90/);
  });

  it('saved rel-store configs are upgraded to version 3: storage fields empty (the plant default, what the node did before), backend sqlite before version 2', () => {
    const v2 = { id: 's', type: 'rel-store', version: 2, backend: 'postgres', file: 'x.db' };
    const m = migrateStoreConfig(v2);
    assert.strictEqual(m.from, 2);
    assert.strictEqual(m.config.version, STORE_CONFIG_VERSION);
    assert.deepStrictEqual(m.changed, [...STORAGE_FIELDS]);
    assert.ok(STORAGE_FIELDS.every((k) => (m.config as Record<string, unknown>)[k] === ''));
    assert.strictEqual(m.config.backend, 'postgres');
    assert.strictEqual(v2.version, 2, 'input untouched');
    assert.deepStrictEqual(invalidFields('rel-store', m.config), []);
    assert.deepStrictEqual(storageSettings(m.config).retention, DEFAULT_RETENTION);
    const v0 = migrateStoreConfig({ id: 's', type: 'rel-store', file: 'x.db' });
    assert.strictEqual((v0.config as Record<string, unknown>).backend, 'sqlite');
    const cur = { id: 's', type: 'rel-store', version: 3, rawHistoryDays: 5 };
    assert.strictEqual(migrateStoreConfig(cur).config, cur, 'current: unchanged');
  });

  describe('rel-store node', () => {
    afterEach(async () => {
      await unloadFlow();
      helper.settings({});
    });

    it('runs the housekeeper with the form\'s values over settings.js; a bad field refuses the node naming it', async () => {
      const dir = tmpDir('rel-hkn-');
      helper.settings({ reliabilityStorage: { retention: { rawHistoryDays: 30, andonDays: 400 }, backup: { dir: path.join(dir, 'plant-b'), everyHours: 12 } } });
      await loadFlow([
        { id: 'a', type: 'rel-store', version: 2, file: path.join(dir, 'a.db') },
        { id: 'b', type: 'rel-store', version: 3, file: path.join(dir, 'b.db'), rawHistoryDays: '60', backupDir: path.join(dir, 'form-b'), backupKeep: '3', diskWarnPercent: '99.5' },
        { id: 'c', type: 'rel-store', version: 3, file: path.join(dir, 'c.db'), rawHistoryDays: '7', diskWarnPercent: '20' },
      ]);
      const hk = (id: string) => getNode(id).housekeeper as Housekeeper;
      assert.deepStrictEqual(hk('a').o.retention, { ...DEFAULT_RETENTION, rawHistoryDays: 30, andonDays: 400 }, 'a version 2 flow: settings.js, as before');
      assert.deepStrictEqual(hk('a').o.backup, { file: path.join(dir, 'a.db'), dir: path.join(dir, 'plant-b'), everyHours: 12, keep: 7 });
      assert.strictEqual(getNode('b').housekeeper, undefined, 'refused');
      const errs = helper.log().args.map((a: any[]) => a[0]).filter((e: any) => e && e.level === 20 && e.id === 'b').map((e: any) => String(e.msg));
      assert.deepStrictEqual(errs, ['rel-store: diskWarnPercent: expected a number from 1 to 90, got "99.5"']);
      assert.strictEqual(hk('c').o.retention.rawHistoryDays, 7, 'the form wins');
      assert.strictEqual(hk('c').o.retention.andonDays, 400, 'empty: settings.js');
      assert.strictEqual(hk('c').o.disk!.lowShare, 0.2);
      await unloadFlow();
      fs.rmSync(dir, { recursive: true, force: true });
    });
  });
});
