import assert from 'assert';
import fs from 'fs';
import path from 'path';
import { checkAsset } from '../../nodes/core/asset';
import { bearingFrequencies, bearingMultiples, BEARINGS } from '../../nodes/core/signal/bearing';
import { isoZone } from '../../nodes/core/signal/iso10816';
import { resolveAsset } from '../../nodes/shared/assets';
import { openStore } from '../../nodes/core/store';
import { getNode, helper, loadFlow, tmpDir, unloadFlow } from '../helpers/red';
import { assetNode, storeNode } from '../helpers/fixtures';

describe('rel-asset', function () {
  afterEach(() => unloadFlow());

  it('bearing multiples of the SKF 6205 and 6203 match domain.md', () => {
    const m5 = bearingMultiples(BEARINGS['6205-2RS']);
    assert.ok(Math.abs(m5.bpfi - 5.4152) < 5e-4, `BPFI ${m5.bpfi}`);
    assert.ok(Math.abs(m5.bpfo - 3.5848) < 5e-4, `BPFO ${m5.bpfo}`);
    assert.ok(Math.abs(m5.ftf - 0.39828) < 5e-5, `FTF ${m5.ftf}`);
    assert.ok(Math.abs(m5.bsf - 2.357) < 1e-3, `BSF ${m5.bsf}`);
    const m3 = bearingMultiples(BEARINGS['6203-2RS']);
    assert.ok(Math.abs(m3.bpfi - 4.9469) < 5e-4, `BPFI ${m3.bpfi}`);
    assert.ok(Math.abs(m3.bpfo - 3.053) < 5e-4, `BPFO ${m3.bpfo}`);
    assert.ok(Math.abs(m3.ftf - 0.3817) < 5e-4, `FTF ${m3.ftf}`);
    assert.ok(Math.abs(2 * m3.bsf - 3.9874) < 2e-3, `2xBSF ${2 * m3.bsf}`);
    // CWRU README: at 1797 rpm BPFI = 162.19 Hz, BPFO = 107.36 Hz.
    const f = bearingFrequencies(BEARINGS['6205-2RS'], 1797);
    assert.ok(Math.abs(f.bpfi - 162.19) < 0.02 && Math.abs(f.bpfo - 107.36) < 0.02);
  });

  it('ISO 10816 zones follow the class limits', () => {
    assert.strictEqual(isoZone(1.0, 'iso10816-3:group2:rigid'), 'A');
    assert.strictEqual(isoZone(2.0, 'iso10816-3:group2:rigid'), 'B');
    assert.strictEqual(isoZone(3.0, 'iso10816-3:group2:rigid'), 'C');
    assert.strictEqual(isoZone(4.5, 'iso10816-3:group2:rigid'), 'D');
    assert.strictEqual(isoZone(10.9, 'iso10816-3:group1:flexible'), 'C');
    assert.strictEqual(isoZone(0.7, 'iso10816-1:class1'), 'A');
    assert.strictEqual(isoZone(17.9, 'iso10816-1:class4'), 'C');
  });

  it('validates the form with messages that say what to fix', () => {
    const bad = checkAsset({ assetId: 'bad id!', criticality: 9, machineClass: 'iso-x', rpm: -5, bearing: 'custom', balls: 2, ballDiameter: 2, pitchDiameter: 1 });
    assert.strictEqual(bad.asset, undefined);
    const text = bad.errors.join('\n');
    for (const word of ['asset id', 'criticality', 'machine class', 'rpm', 'balls', 'smaller than pitch']) assert.ok(text.includes(word), `missing "${word}" in ${text}`);
    const norpm = checkAsset({ assetId: 'fan-1', rpm: '', bearing: 'none' });
    assert.ok(norpm.asset);
    assert.ok(norpm.notes.some((n) => n.includes('order analysis')));
    const custom = checkAsset({ assetId: 'x', rpm: '1500', bearing: 'custom', balls: '8', ballDiameter: '0.235', pitchDiameter: '1.245', contactAngle: '0' });
    // MFPT README: BPFO = 3.2450 x fr, BPFI = 4.7550 x fr.
    assert.ok(Math.abs(custom.asset!.bearingMultiples!.bpfo - 3.245) < 1e-3);
    assert.ok(Math.abs(custom.asset!.bearingMultiples!.bpfi - 4.755) < 1e-3);
  });

  it('registers deployed assets by id for nodes that serve a whole line', async () => {
    await loadFlow([assetNode({ id: 'a1', assetId: 'pump-1' }), assetNode({ id: 'a2', assetId: 'fan-1', rpm: '' })]);
    const RED = { nodes: { getNode: (id: string) => helper.getNode(id) } } as any;
    assert.strictEqual(resolveAsset(RED, '', { payload: { asset: 'fan-1' } }).assetId, 'fan-1');
    assert.strictEqual(resolveAsset(RED, 'a1', { payload: {} }).assetId, 'pump-1', 'a selected asset serves messages that name no asset');
    assert.strictEqual(resolveAsset(RED, 'a1', { payload: { asset: 'pump-1' } }).assetId, 'pump-1', 'and those that name it');
    // a message about another asset must not land in the selected asset's baseline, trend or orders
    assert.throws(() => resolveAsset(RED, 'a1', { payload: { asset: 'fan-1' } }), /msg\.payload\.asset: expected pump-1 \(the asset selected in the node\), or no asset, got the string "fan-1"/);
    assert.throws(() => resolveAsset(RED, '', { payload: { asset: 'nope' } }), /msg\.payload\.asset: expected the id of a deployed rel-asset \(.*pump-1.*\), got the string "nope"/);
    assert.throws(() => resolveAsset(RED, '', { payload: {} }), /msg\.payload\.asset: expected an asset id/);
    assert.ok(getNode('a2').spec.notes[0].includes('no rpm'));
  });

  it('keeps its row in the store\'s asset register, updated on redeploy', async () => {
    const dir = tmpDir('rel-asset-');
    const file = path.join(dir, 'assets.db');
    const rows = async () => {
      const h = openStore(file);
      try {
        return await h.db.all('SELECT asset_id, name, line, criticality, machine_class, rpm, bearing FROM assets ORDER BY asset_id');
      } finally {
        h.release();
      }
    };
    try {
      await loadFlow([storeNode(file), assetNode({ id: 'a1', assetId: 'pump-1', store: 'store1', criticality: 4 }), assetNode({ id: 'a2', assetId: 'bad id!', store: 'store1' })]);
      await unloadFlow();
      assert.deepStrictEqual(await rows(), [
        { asset_id: 'pump-1', name: 'Test pump', line: 'line-1', criticality: 4, machine_class: 'iso10816-3:group2:rigid', rpm: 1797, bearing: JSON.stringify({ name: '6205-2RS', ...BEARINGS['6205-2RS'] }) },
      ], 'the valid asset only');
      await loadFlow([storeNode(file), assetNode({ id: 'a1', assetId: 'pump-1', store: 'store1', name: 'Main pump', line: 'line-2', rpm: '', bearing: 'none' })]);
      await unloadFlow();
      assert.deepStrictEqual(await rows(), [{ asset_id: 'pump-1', name: 'Main pump', line: 'line-2', criticality: 3, machine_class: 'iso10816-3:group2:rigid', rpm: null, bearing: null }]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses two assets with the same id and says which', async () => {
    await loadFlow([assetNode({ id: 'a1', assetId: 'pump-1' }), assetNode({ id: 'a2', assetId: 'pump-1' })]);
    const second = getNode('a2');
    assert.strictEqual(second.spec, undefined);
    assert.match(second.problems.join(), /asset id pump-1 is also used by another rel-asset/);
  });
});
