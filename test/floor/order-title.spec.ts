/**
 * A work order's title in the page's language (nodes/core/text/order-title.ts): a title
 * rel-work-order wrote itself, in either language, is written again from the order's mode and
 * machine; any other title stays as stored. And rel-view's model carries both (view.titles).
 */
import assert from 'assert';
import { orderTitleIn, parseOrderTitle } from '../../nodes/core/text/order-title';
import { workOrderTitle } from '../../nodes/core/text';
import { buildLineView, LineFigures } from '../../nodes/core/views/line-view';

describe('floor: work-order titles in the page language', () => {
  it('an English title the node wrote reads German on a German page, and back', () => {
    const en = workOrderTitle({ mode: 'bearing-outer-race', asset: 'conveyor-1', assetName: 'Conveyor drive', channel: 'DE-accel' }, 'en');
    assert.strictEqual(en, 'Outer ring of the drive-end bearing damaged \u2013 Conveyor drive');
    const o = { title: en, mode: 'bearing-outer-race', asset: 'conveyor-1', assetName: 'Conveyor drive' };
    assert.strictEqual(orderTitleIn(o, 'de'), 'Außenring des antriebsseitigen Lagers beschädigt \u2013 Conveyor drive');
    assert.strictEqual(orderTitleIn(o, 'en'), en);
    const de = workOrderTitle({ mode: 'imbalance', asset: 'pump-1', assetName: 'Pumpe' }, 'de');
    assert.strictEqual(orderTitleIn({ title: de, mode: 'imbalance', asset: 'pump-1' }, 'en'), 'Rotor out of balance \u2013 Pumpe');
  });

  it('keeps the health score and takes the machine\'s current name', () => {
    const en = workOrderTitle({ mode: 'health', asset: 'press-1', assetName: 'Capper press', score: 9.4 }, 'en');
    assert.strictEqual(en, 'Machine health below normal \u2013 Capper press (health 9 of 100)');
    assert.deepStrictEqual(parseOrderTitle({ title: en, mode: 'health', asset: 'press-1' }), { location: undefined, name: 'Capper press', score: 9 });
    assert.strictEqual(orderTitleIn({ title: en, mode: 'health', asset: 'press-1', assetName: 'Verschließpresse' }, 'de'), 'Maschinenzustand unter normal \u2013 Verschließpresse (Zustand 9 von 100)');
  });

  it('the older form "<mode> on <asset>" reads as words', () => {
    assert.strictEqual(orderTitleIn({ title: 'bearing-outer-race on conveyor-1', mode: 'bearing-outer-race', asset: 'conveyor-1', assetName: 'Conveyor drive' }, 'de'), 'Außenring des Lagers beschädigt \u2013 Conveyor drive');
  });

  it('a title a person typed, a PM task or a cut title stays as stored', () => {
    for (const o of [
      { title: 'Replace the belt before Monday', mode: 'bearing-outer-race', asset: 'conveyor-1' },
      { title: 'Lubricate pump bearings', mode: '', asset: 'pump-1' },
      { title: 'Rotor out of balance \u2013 ' + 'x'.repeat(180) + '\u2026', mode: 'imbalance', asset: 'pump-1' },
      { title: 'Rotor out of balance \u2013 ', mode: 'imbalance', asset: 'pump-1' },
    ]) {
      assert.strictEqual(orderTitleIn(o, 'de'), o.title);
      assert.strictEqual(orderTitleIn(o, 'en'), o.title);
    }
  });

  it('rel-view\'s model: titles of the open orders in en and de, with the tile\'s name', () => {
    const figs = new LineFigures();
    const title = workOrderTitle({ mode: 'bearing-outer-race', asset: 'conveyor-1', assetName: 'conveyor-1', channel: 'DE-accel' }, 'en');
    figs.take([
      { id: 1, number: 'WO-000001', asset: 'conveyor-1', status: 'open', mode: 'bearing-outer-race', title, evidence: '' },
      { id: 2, number: 'WO-000002', asset: 'pump-1', status: 'closed', mode: 'imbalance', title: 'x', evidence: '' },
    ], Date.UTC(2026, 11, 7));
    const v = buildLineView([{ id: 'conveyor-1', name: 'Conveyor drive', line: 'packaging-1' }, { id: 'pump-1', name: 'Pump', line: 'packaging-1' }] as never, figs, Date.UTC(2026, 11, 7));
    assert.deepStrictEqual(v.titles, { 1: { en: 'Outer ring of the drive-end bearing damaged \u2013 Conveyor drive', de: 'Außenring des antriebsseitigen Lagers beschädigt \u2013 Conveyor drive' } });
  });
});
