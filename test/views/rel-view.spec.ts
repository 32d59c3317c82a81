/**
 * rel-view in a real runtime: the deployed rel-assets and the register (a CSV imported through
 * rel-registry) as tiles grouped by line, figures from frames, a stale machine after the limit
 * (fake clock), bad input named.
 */
import assert from 'assert';
import { fuzzNode } from '../helpers/fuzz';
import { assetNode, storeNode, TAB } from '../helpers/fixtures';
import { getNode, helper, loadFlow, nextMessage, receiveAndComplete, tmpDir, unloadFlow } from '../helpers/red';
import path from 'path';

const CSV = ['asset,name,site,area,line,criticality,machineClass,rpm,bearing']
  .concat(Array.from({ length: 24 }, (_, i) => `M-${i + 1},Machine ${i + 1},Plant A,Hall 1,L${(i % 3) + 1},3,iso10816-3:group2:rigid,1480,6205-2RS`))
  .join('\n');

function flow(file: string, extra: Record<string, unknown> = {}) {
  return [
    TAB,
    storeNode(file),
    assetNode({ id: 'a1', assetId: 'pump-1', name: 'Pump', line: 'packaging-1' }),
    { id: 'reg', type: 'rel-registry', z: 'tab1', store: 'store1', version: 1, wires: [['out']] },
    { id: 'view', type: 'rel-view', z: 'tab1', store: 'store1', staleAfter: 30, interval: 0, version: 1, wires: [['out']], ...extra },
    { id: 'out', type: 'helper', z: 'tab1' },
  ];
}

describe('rel-view: the floor view node', function () {
  this.timeout(30_000);
  afterEach(unloadFlow);

  it('shows the rel-assets and the registered machines as tiles grouped by line, with figures and a stale one', async () => {
    const file = path.join(tmpDir(), 'view.db');
    let now = Date.UTC(2026, 11, 6, 12, 0, 0);
    const clock = { now: () => now, setInterval: () => 0, clearInterval: () => undefined, setTimeout: (f: () => void, ms: number) => setTimeout(f, ms), clearTimeout: (h: NodeJS.Timeout) => clearTimeout(h) };
    helper.settings({ reliabilityClock: clock });
    try {
      await loadFlow(flow(file));
      getNode('reg').receive({ action: 'import', payload: CSV });
      const rep = await nextMessage('out');
      assert.strictEqual(rep.payload.added, 24, JSON.stringify(rep.payload));
      assert.strictEqual(await receiveAndComplete('view', { payload: { asset: 'M-1', channel: 'DE-accel', features: { velocityRms: 1.234, isoZone: 'A' }, health: { score: 97.6, state: 'normal', learned: 1 }, rul: null, reason: 'asset normal' } }), undefined);
      now += 20_000;
      await receiveAndComplete('view', { payload: { asset: 'M-2', features: { velocityRms: 3.3, isoZone: 'C' }, health: { score: 55, state: 'warning', learned: 1 } } });
      now += 15_000; // M-1 silent for 35 s (> 30 s), M-2 for 15 s
      getNode('view').receive({ topic: 'view' });
      const v = (await nextMessage('out')).payload;
      assert.strictEqual(v.total, 25);
      assert.deepStrictEqual(v.groups.map((g: any) => [g.key, g.tiles.length]), [['packaging-1', 1], ['Plant A / Hall 1 / L1', 8], ['Plant A / Hall 1 / L2', 8], ['Plant A / Hall 1 / L3', 8]]);
      const tiles = v.groups.flatMap((g: any) => g.tiles);
      const m1 = tiles.find((t: any) => t.id === 'M-1');
      const m2 = tiles.find((t: any) => t.id === 'M-2');
      assert.deepStrictEqual([m1.state, m1.lastState, m1.text.en.stale, m1.text.de.stale], ['stale', 'normal', 'no data for 35\u00a0s', 'seit 35\u00a0s keine Daten']);
      assert.deepStrictEqual([m2.state, m2.health, m2.text.de.velocity, m2.text.en.stale], ['warning', 55, '3,30\u00a0mm/s', '']);
      assert.strictEqual(tiles.find((t: any) => t.id === 'M-3').state, 'nodata');
    } finally {
      helper.settings({});
    }
  });

  it('refuses a bad config and bad input, naming them', async () => {
    const file = path.join(tmpDir(), 'view.db');
    await loadFlow(flow(file, { staleAfter: 2 }).filter((n: any) => n.id !== 'reg'));
    const errs = helper.log().args.map((a: any[]) => a[0]).filter((e: any) => e && e.level === 20 && e.id === 'view').map((e: any) => String(e.msg));
    assert.deepStrictEqual(errs, ['staleAfter: expected a number from 5 to 86400, got the number 2']);
    await unloadFlow();
    const report = await fuzzNode({
      flow: flow(file).filter((n: any) => n.id !== 'reg'),
      nodeId: 'view',
      keys: ['asset', 'features', 'health', 'rul', 'diagnosis', 'oee', 'takt', 'number', 'status'],
      actions: ['view'],
      runs: 300,
      sanity: async () => {
        await receiveAndComplete('view', { payload: { asset: 'pump-1', health: { score: 80, state: 'normal' } } });
        getNode('view').receive({ topic: 'view' });
        const v = (await nextMessage('out')).payload;
        assert.strictEqual(v.groups.flatMap((g: any) => g.tiles).find((t: any) => t.id === 'pump-1').health, 80);
        const err = await receiveAndComplete('view', { payload: 'x' });
        assert.match(String(err), /msg\.payload: expected an object .*, got the string "x"/);
      },
    });
    assert.ok(report.errors > 0 && report.ok > 0, JSON.stringify(report));
  });
});
