/** The floor pages' strings: every key in English and German, placeholders the same in both. */
import assert from 'assert';
import { FLOOR_TEXT, fill, floorLang, floorText } from '../../nodes/core/text/floor-requests';

describe('text: floor request and technician page strings (en, de)', () => {
  it('has every key in both languages, none empty, with the same placeholders', () => {
    const en = Object.keys(FLOOR_TEXT.en).sort();
    const de = Object.keys(FLOOR_TEXT.de).sort();
    assert.deepStrictEqual(de, en);
    assert.ok(en.length >= 40, `${en.length} keys`);
    for (const k of en) {
      const e = (FLOOR_TEXT.en as Record<string, string>)[k];
      const d = (FLOOR_TEXT.de as Record<string, string>)[k];
      assert.ok(e.trim() && d.trim(), `${k} empty`);
      const ph = (s: string) => (s.match(/\{\w+\}/g) ?? []).sort();
      assert.deepStrictEqual(ph(d), ph(e), `${k}: placeholders`);
    }
  });
  it('picks German for de, de-DE and an Accept-Language starting with de; English otherwise', () => {
    assert.strictEqual(floorLang('de-DE,de;q=0.9,en;q=0.8'), 'de');
    assert.strictEqual(floorLang('de'), 'de');
    assert.strictEqual(floorLang('en-GB'), 'en');
    assert.strictEqual(floorLang('fr'), 'en');
    assert.strictEqual(floorLang(undefined), 'en');
    assert.strictEqual(floorText('de', 'sent', { number: 'WR-000001' }), 'Meldung WR-000001 gesendet. Die Planung sieht sie sich an.');
    assert.strictEqual(fill('{a} {b}', { a: 1 }), '1 {b}');
  });
});
