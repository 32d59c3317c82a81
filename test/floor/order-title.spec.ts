/**
 * A work order's title in the page's language (nodes/core/text/order-title.ts): a title exactly as
 * rel-work-order writes it (the order's mode, a name the machine goes by: asset id, current or
 * registered name), in either language, is written again from the order's mode and machine; any
 * other title stays as stored. And rel-view's model carries both (view.titles).
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
    assert.strictEqual(orderTitleIn({ title: de, mode: 'imbalance', asset: 'pump-1', assetName: 'Pumpe' }, 'en'), 'Rotor out of balance \u2013 Pumpe');
    // written with the asset id (no name known to the node)
    const byId = workOrderTitle({ mode: 'imbalance', asset: 'pump-1' }, 'en');
    assert.strictEqual(byId, 'Rotor out of balance \u2013 pump-1');
    assert.strictEqual(orderTitleIn({ title: byId, mode: 'imbalance', asset: 'pump-1', assetName: 'Pumpe' }, 'de'), 'Unwucht am Rotor \u2013 Pumpe');
  });

  it('keeps the health score; a machine renamed: its registered name still recognised, the current one written', () => {
    const en = workOrderTitle({ mode: 'health', asset: 'press-1', assetName: 'Capper press', score: 9.4 }, 'en');
    assert.strictEqual(en, 'Machine health below normal \u2013 Capper press (health 9 of 100)');
    assert.deepStrictEqual(parseOrderTitle({ title: en, mode: 'health', asset: 'press-1', assetName: 'Capper press' }), { location: undefined, name: 'Capper press', score: 9 });
    assert.strictEqual(orderTitleIn({ title: en, mode: 'health', asset: 'press-1', assetName: 'Capper press' }, 'de'), 'Maschinenzustand unter normal \u2013 Capper press (Zustand 9 von 100)');
    // rel-asset now calls it "Verschließpresse", the register row still "Capper press": the title is the node's, with the current name
    assert.strictEqual(orderTitleIn({ title: en, mode: 'health', asset: 'press-1', assetName: 'Verschließpresse', names: ['Capper press'] }, 'de'), 'Maschinenzustand unter normal \u2013 Verschließpresse (Zustand 9 von 100)');
    // the name in the title is none the machine goes by any more: not provably the node's, kept as stored
    assert.strictEqual(parseOrderTitle({ title: en, mode: 'health', asset: 'press-1', assetName: 'Verschließpresse' }), null);
    assert.strictEqual(orderTitleIn({ title: en, mode: 'health', asset: 'press-1', assetName: 'Verschließpresse' }, 'de'), en);
    // the score suffix only in the form the node writes (language of the phrase, whole number)
    for (const title of ['Machine health below normal \u2013 Capper press (Zustand 9 von 100)', 'Machine health below normal \u2013 Capper press (health 09 of 100)', 'Machine health below normal \u2013 Capper press (health 9 of 100) ']) {
      assert.strictEqual(orderTitleIn({ title, mode: 'health', asset: 'press-1', assetName: 'Capper press' }, 'de'), title);
    }
  });

  it('a title with more words after the dash than the machine\'s name stays as stored', () => {
    const o = { title: 'Rotor out of balance \u2013 coupling worn, bring the laser kit', mode: 'imbalance', asset: 'pump-1', assetName: 'Pump' };
    assert.strictEqual(parseOrderTitle(o), null);
    assert.strictEqual(orderTitleIn(o, 'en'), o.title);
    assert.strictEqual(orderTitleIn(o, 'de'), o.title);
    // the name and then more words
    const more = { title: 'Rotor out of balance \u2013 Pump, check the coupling too', mode: 'imbalance', asset: 'pump-1', assetName: 'Pump' };
    assert.strictEqual(orderTitleIn(more, 'de'), more.title);
    // another mode's phrase with this machine's name: not this order's title
    const other = { title: workOrderTitle({ mode: 'misalignment', asset: 'pump-1', assetName: 'Pump' }, 'en'), mode: 'imbalance', asset: 'pump-1', assetName: 'Pump' };
    assert.strictEqual(orderTitleIn(other, 'de'), other.title);
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

  it('rel-view\'s model: a title with the register\'s name while rel-asset names the machine differently, and a typed one', () => {
    const figs = new LineFigures();
    figs.take([
      { id: 3, number: 'WO-000003', asset: 'pump-1', status: 'open', mode: 'imbalance', title: 'Rotor out of balance \u2013 Pump P-101', evidence: '' },
      { id: 4, number: 'WO-000004', asset: 'pump-1', status: 'open', mode: 'imbalance', title: 'Rotor out of balance \u2013 coupling worn, bring the laser kit', evidence: '' },
    ], Date.UTC(2026, 11, 7));
    // rel-asset first ("Pump"), then the register row ("Pump P-101")
    const v = buildLineView([{ id: 'pump-1', name: 'Pump', line: 'packaging-1' }, { id: 'pump-1', name: 'Pump P-101', line: 'packaging-1' }] as never, figs, Date.UTC(2026, 11, 7));
    assert.deepStrictEqual(v.titles, {
      3: { en: 'Rotor out of balance \u2013 Pump', de: 'Unwucht am Rotor \u2013 Pump' },
      4: { en: 'Rotor out of balance \u2013 coupling worn, bring the laser kit', de: 'Rotor out of balance \u2013 coupling worn, bring the laser kit' },
    });
  });
});
