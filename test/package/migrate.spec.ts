/**
 * Saved flows from 0.1.0 (no `version` on any node: test/fixtures/saved-0.1.0.json holds the
 * reliability nodes of flows/*.json and examples/**.json as 0.1.0 shipped them) load upgraded and
 * valid: the shared migrations (nodes/core/migrate.ts) against the limits table, defineNode's
 * migrate hook in a real runtime, and the 0.1.0 demo line deployed without an error.
 */
import assert from 'assert';
import fs from 'fs';
import path from 'path';
import { CONFIG_VERSION, LIMITS, checkField, invalidFields } from '../../nodes/core/limits';
import { configVersion, migrateConfig } from '../../nodes/core/migrate';
import { STORE_CONFIG_VERSION, migrateStoreConfig } from '../../nodes/core/store/housekeeping-config';
import { defineNode } from '../../nodes/shared/node';
import type { NodeDef, RedApi } from '../../nodes/shared/red';
import { ROOT, getNode, helper, loadFlow, sleep, tmpDir, unloadFlow } from '../helpers/red';

const SAVED = JSON.parse(fs.readFileSync(path.join(ROOT, 'test', 'fixtures', 'saved-0.1.0.json'), 'utf8')) as Record<string, Record<string, unknown>[]>;

describe('migrations: flows saved by 0.1.0', function () {
  this.timeout(60_000);

  it('the fixture is what 0.1.0 saved: reliability nodes of every flow and example, none with a version', () => {
    const all = Object.values(SAVED).flat();
    assert.ok(Object.keys(SAVED).length >= 20 && all.length >= 100, `${Object.keys(SAVED).length} files, ${all.length} nodes`);
    assert.ok(all.every((n) => n.version === undefined));
    assert.ok(SAVED['flows/demo-line.json'].some((n) => n.type === 'rel-vibration' && n.averages === undefined), 'the 0.1.0 demo has a rel-vibration without averages');
  });

  it('upgrades every node to the current version with every field within the limits', () => {
    const bad: string[] = [];
    for (const [file, nodes] of Object.entries(SAVED)) {
      for (const n of nodes) {
        // rel-store versions its own form (migrateStoreConfig, as the node runs it)
        const m = n.type === 'rel-store' ? migrateStoreConfig(n) : migrateConfig(n.type as string, n);
        assert.strictEqual(m.from, 0);
        assert.strictEqual(m.config.version, n.type === 'rel-store' ? STORE_CONFIG_VERSION : CONFIG_VERSION);
        const inv = invalidFields(n.type as string, m.config);
        if (inv.length) bad.push(`${file} ${n.type} ${n.id}: ${inv.join(', ')}`);
      }
    }
    assert.deepStrictEqual(bad, []);
  });

  it('fills the fields added since 0.1.0 with the defaults the runtime used, and rewrites the old dashboard checkbox', () => {
    const old: Record<string, unknown> = { id: 'v', type: 'rel-vibration', bandLow: 10, bandHigh: 1000, dashboard: true };
    const m = migrateConfig('rel-vibration', old);
    assert.deepStrictEqual(
      { averages: m.config.averages, dashboard: m.config.dashboard, rpmSource: m.config.rpmSource, spectrumPoints: m.config.spectrumPoints, version: m.config.version },
      { averages: 1, dashboard: 'velocity', rpmSource: 'reading', spectrumPoints: 0, version: CONFIG_VERSION },
    );
    assert.ok(m.changed.includes('averages') && m.changed.includes('dashboard'));
    assert.deepStrictEqual(old, { id: 'v', type: 'rel-vibration', bandLow: 10, bandHigh: 1000, dashboard: true }, 'the saved config is not modified');
    assert.strictEqual(migrateConfig('rel-vibration', { id: 'w', type: 'rel-vibration', dashboard: 'false' }).config.dashboard, '');
    assert.strictEqual(migrateConfig('rel-kanban', { id: 'k', type: 'rel-kanban', dashboard: 'true', learn: 'false' }).config.dashboard, true);
    // a value the user set is kept, even one outside the limits (the node reports it)
    assert.strictEqual(migrateConfig('rel-vibration', { id: 'x', type: 'rel-vibration', averages: 99 }).config.averages, 99);
    // a required field is never invented
    assert.strictEqual(migrateConfig<Record<string, unknown>>('rel-kanban', { id: 'k', type: 'rel-kanban' }).config.containerQty, undefined);
  });

  it('version 3: rel-work-order and rel-andon saved before get language en (what they wrote); a set language is kept', () => {
    for (const type of ['rel-work-order', 'rel-andon']) {
      for (const version of [undefined, 1, 2]) {
        const old: Record<string, unknown> = { id: 'n', type, ...(version === undefined ? {} : { version }) };
        const m = migrateConfig(type, old);
        assert.deepStrictEqual([m.config.language, m.config.version, m.changed.includes('language')], ['en', CONFIG_VERSION, true], `${type} version ${version}`);
        assert.strictEqual(old.language, undefined, 'the saved config is not modified');
      }
      assert.strictEqual(migrateConfig(type, { id: 'n', type, version: 2, language: 'de' }).config.language, 'de');
    }
    assert.strictEqual(migrateConfig<Record<string, unknown>>('rel-kanban', { id: 'k', type: 'rel-kanban', version: 2 }).config.language, undefined, 'only the nodes that write texts');
  });

  it('passes a current or newer config through unchanged', () => {
    const cur = { id: 'a', type: 'rel-vibration', version: CONFIG_VERSION, averages: 4 };
    const m = migrateConfig('rel-vibration', cur);
    assert.strictEqual(m.config, cur);
    assert.deepStrictEqual(m.changed, []);
    const newer = { id: 'b', type: 'rel-vibration', version: CONFIG_VERSION + 1 };
    assert.strictEqual(migrateConfig('rel-vibration', newer).config, newer);
    assert.strictEqual(configVersion({ version: '1' }), 1);
    assert.strictEqual(configVersion({ version: 'x' }), 0);
  });

  it('leaves rel-store to its own upgrade: a version-2 store still gets the storage fields of version 3', () => {
    const saved = { id: 's', type: 'rel-store', version: 2, backend: 'sqlite', file: 'x.db' };
    const shared = migrateConfig('rel-store', saved);
    assert.strictEqual(shared.config, saved, 'the shared upgrade passes rel-store through');
    const own = migrateStoreConfig(shared.config);
    assert.strictEqual(own.from, 2);
    assert.strictEqual(own.config.version, STORE_CONFIG_VERSION);
    assert.ok(own.changed.length > 0 && own.changed.every((k) => (own.config as Record<string, unknown>)[k] === ''), own.changed.join(','));
  });

  it('the generated flows carry the current version on every reliability node, all fields valid', () => {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const mk = fs.readFileSync(path.join(ROOT, 'scripts', 'make-flows.js'), 'utf8');
    assert.ok(new RegExp(`const CONFIG_VERSION = ${CONFIG_VERSION};`).test(mk), 'scripts/make-flows.js writes the version of nodes/core/limits.ts');
    for (const f of ['demo-line.json', 'dashboard-v1.json']) {
      const flow = JSON.parse(fs.readFileSync(path.join(ROOT, 'flows', f), 'utf8')) as Record<string, unknown>[];
      const ours = flow.filter((n) => String(n.type).startsWith('rel-'));
      assert.ok(ours.length > 10);
      assert.deepStrictEqual(ours.filter((n) => n.version !== CONFIG_VERSION).map((n) => n.id), [], `${f}: version on every node`);
      assert.deepStrictEqual(ours.map((n) => [n.id, invalidFields(n.type as string, n)] as const).filter(([, v]) => v.length > 0), [], `${f}: every field within the limits`);
    }
  });

  it('checkField follows the table (limits, optional, zero, integer, above, when, optionalWhen, variants)', () => {
    const v = LIMITS['rel-vibration'];
    assert.deepStrictEqual([1, 64, 65, 0, 2.5, '', undefined, 'x', '8'].map((x) => checkField(v.averages, x, {})), [true, true, false, false, false, true, true, false, true]);
    assert.strictEqual(checkField(v.bandHigh, 10, { type: 'rel-vibration', bandLow: 10 }), false);
    assert.strictEqual(checkField(v.bandHigh, 11, { type: 'rel-vibration', bandLow: 10 }), true);
    assert.strictEqual(checkField(v.envLow, -1, { envelopeBand: 'auto' }), true, 'not checked while the band is auto');
    assert.strictEqual(checkField(v.envLow, -1, { envelopeBand: 'fixed' }), false);
    const s = LIMITS['rel-simulator'];
    assert.deepStrictEqual([0, 0.01, 0.05].map((x) => checkField(s.interval, x, {})), [true, false, true]);
    const h = LIMITS['rel-health'];
    assert.deepStrictEqual([0.005, 0.01].map((x) => checkField(h.learnHours, x, { learnMode: 'hours' })), [false, true]);
    const r = LIMITS['rel-rul'];
    assert.deepStrictEqual([checkField(r.threshold, '', { indicator: 'health' }), checkField(r.threshold, '', { indicator: 'level' }), checkField(r.threshold, '', { indicator: 'feature' })], [true, true, false]);
    assert.deepStrictEqual([0.005, 0.01].map((x) => checkField(h.levelEveryHours, x, { rule: 'level' })), [false, true]);
    assert.strictEqual(checkField(h.levelEveryHours, 0.005, { rule: 'profile' }), true, 'not checked with the profile rule');
    // variants: other bounds while another field has a value
    assert.deepStrictEqual([1, 1.01, 1000, 1001, -5].map((x) => checkField(r.threshold, x, { indicator: 'level' })), [false, true, true, false, false], 'level: a multiple of the learned mean above 1');
    assert.deepStrictEqual([1, -5, 1001].map((x) => checkField(r.threshold, x, { indicator: 'feature' })), [true, true, true], 'other indicators: any number');
    assert.deepStrictEqual([15, 16, 50].map((x) => checkField(h.hysteresis, x, { rule: 'level' })), [true, false, false], 'level rule: warns below 85, clears at most at 100');
    assert.deepStrictEqual([16, 50, 51].map((x) => checkField(h.hysteresis, x, { rule: 'profile' })), [true, true, false]);
  });
});

describe('migrations: defineNode upgrades a saved config before init (real runtime)', function () {
  this.timeout(60_000);
  afterEach(async () => {
    await unloadFlow();
  });

  it('runs the shared migrations, then the node\'s migrate hook with the saved version, for an older config only', async () => {
    const seen: Record<string, NodeDef> = {};
    const hooked: string[] = [];
    const testNode = (RED: RedApi) =>
      defineNode<NodeDef>(
        RED,
        'rel-vibration',
        (node, config) => {
          seen[config.id] = config;
          return {};
        },
        { migrate: (c, from) => (hooked.push(`${c.id} from ${from}`), { ...c, upgradedBy: 'hook' }) },
      );
    await new Promise<void>((resolve) => helper.load([testNode], [
      { id: 'old', type: 'rel-vibration', dashboard: true },
      { id: 'v2', type: 'rel-vibration', version: 2, dashboard: 'spectrum' },
      { id: 'cur', type: 'rel-vibration', version: CONFIG_VERSION, dashboard: 'spectrum', averages: 8 },
    ], () => resolve()));
    // the hook is told the version each was saved with, so it can branch on it
    assert.deepStrictEqual(hooked, ['old from 0', 'v2 from 2']);
    assert.strictEqual(seen.old.version, CONFIG_VERSION);
    assert.strictEqual(seen.old.dashboard, 'velocity');
    assert.strictEqual(seen.old.averages, 1);
    assert.strictEqual(seen.old.upgradedBy, 'hook');
    assert.strictEqual(seen.cur.averages, 8);
    assert.strictEqual(seen.cur.upgradedBy, undefined);
  });

  it('deploys the 0.1.0 demo line (every reliability node) with no node failing to start', async () => {
    const dir = tmpDir('rel-migrate-');
    const CONFIG = ['rel-store', 'rel-asset'];
    const nodes: Record<string, unknown>[] = SAVED['flows/demo-line.json'].map((n) => (n.type === 'rel-store' ? { ...n, file: path.join(dir, 'demo.db') } : CONFIG.includes(n.type as string) ? { ...n } : { ...n, z: 'tab', x: 100, y: 100 }));
    // no timers in this test: the simulators emit on input only
    for (const n of nodes) if (n.type === 'rel-simulator') n.interval = 0;
    await loadFlow([{ id: 'tab', type: 'tab', label: '0.1.0 demo' }, ...nodes.map((n) => (CONFIG.includes(n.type as string) ? n : { ...n, wires: [] }))]);
    await sleep(200);
    const errors = helper
      .log()
      .args.map((a: any[]) => a[0])
      .filter((e: any) => e && e.level === 20 && String(e.type ?? '').startsWith('rel-'))
      .map((e: any) => `${e.type} ${e.id}: ${e.msg}`);
    assert.deepStrictEqual(errors, []);
    for (const n of nodes) assert.ok(getNode(String(n.id)), `${n.type} ${n.id} deployed`);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
