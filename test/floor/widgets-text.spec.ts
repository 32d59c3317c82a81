/**
 * The Widgets page's words (scripts/demo/ui/widgets-text.js, pasted into the page-titles template
 * nav.vue): run in Node with the dictionary, the same methods the browser runs.
 * - the fault phrases of the dictionary (widgets.fault.*, widgets.where.*) are the ones
 *   rel-work-order writes (sentences.ts faultPhrase), for every known mode, location and language;
 * - an order title is written again in the page's language exactly when order-title.ts does it
 *   (orderTitleIn), and a typed title stays as stored; an Andon call's "WO-000001 <title>" too;
 * - codes, counts and figures of the tables in words and in the page's number format;
 * - the generated template names only tables, columns and charts the Widgets page has.
 */
import assert from 'assert';
import fs from 'fs';
import path from 'path';
import DICT from '../../nodes/core/text/dashboard.json';
import { faultPhrase, isKnownFault, workOrderTitle, type Location } from '../../nodes/core/text/sentences';
import { orderTitleIn } from '../../nodes/core/text/order-title';

const ROOT = path.join(__dirname, '..', '..', '..');
const MODES = ['bearing-outer-race', 'bearing-inner-race', 'bearing-ball', 'bearing-cage', 'imbalance', 'misalignment', 'looseness', 'health', 'machine-health'];
const LOCS: Location[] = [undefined, 'DE', 'NDE'];

type Words = Record<string, any> & { lang: 'en' | 'de' };

/** The page's methods (i18n.js, then widgets-text.js) on an object with the dictionary, as nav.vue has them. */
function words(lang: 'en' | 'de'): Words {
  const src = (f: string) => fs.readFileSync(path.join(ROOT, 'scripts', 'demo', 'ui', f), 'utf8').trim().replace(/,\s*$/, '');
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  const o = new Function(`return {\n${src('i18n.js')},\n${src('widgets-text.js')}\n}`)() as Words;
  o.dict = DICT;
  o.lang = lang;
  o.has = (k: string) => Object.prototype.hasOwnProperty.call((DICT as any)[o.lang], k);
  return o;
}

describe('the Widgets page in the page\'s language (nav.vue\'s methods in Node)', () => {
  it('the dictionary\'s fault phrases are the ones rel-work-order writes, for every mode, location and language', () => {
    for (const lang of ['en', 'de'] as const) {
      const w = words(lang);
      const listed = Object.keys(DICT.en).filter((k) => k.startsWith('widgets.fault.')).map((k) => k.slice(14)).sort();
      assert.deepStrictEqual(listed, [...MODES].sort());
      for (const m of MODES) {
        assert.ok(isKnownFault(m), m);
        for (const loc of LOCS) {
          const bearing = m.startsWith('bearing-');
          // a location only changes a bearing's phrase; the others have one phrase (the location empty)
          if (!bearing && loc) continue;
          assert.strictEqual(w.faultIn(lang, m, loc ?? ''), faultPhrase(m, lang, loc), `${lang} ${m} ${loc}`);
        }
      }
    }
  });

  it('a title the node wrote reads in the page\'s language (with the machine\'s name and the score), as order-title.ts writes it; any other stays', () => {
    let rewritten = 0;
    for (const page of ['en', 'de'] as const) {
      const w = words(page);
      for (const written of ['en', 'de'] as const) {
        for (const mode of MODES) {
          for (const location of LOCS) {
            for (const assetName of ['Conveyor drive', undefined]) {
              for (const score of [undefined, 9.4, 100]) {
                const title = workOrderTitle({ mode, asset: 'conveyor-1', assetName, location, score }, written);
                const o = { title, mode, asset: 'conveyor-1', assetName: 'Conveyor drive' };
                const want = orderTitleIn(o, page);
                assert.strictEqual(w.orderTitle(title, mode, 'conveyor-1', 'Conveyor drive'), want, `${page}: ${title}`);
                // the Andon call a work order raised: "WO-000001 <title>", the mode not known
                assert.strictEqual(w.andonText(`WO-000001 ${title}`, 'conveyor-1', 'Conveyor drive'), `WO-000001 ${want}`);
                if (want !== title) rewritten++;
              }
            }
          }
        }
      }
    }
    assert.ok(rewritten > 100, `${rewritten} titles written again`);
    const de = words('de');
    assert.strictEqual(de.orderTitle('Outer ring of the drive-end bearing damaged \u2013 Conveyor drive', 'bearing-outer-race', 'conveyor-1', 'Conveyor drive'), 'Außenring des antriebsseitigen Lagers beschädigt \u2013 Conveyor drive');
    assert.strictEqual(de.orderTitle('Machine health below normal \u2013 Capper press (health 9 of 100)', 'health', 'press-1', 'Capper press'), 'Maschinenzustand unter normal \u2013 Capper press (Zustand 9 von 100)');
    // typed titles, a PM task, a title naming another machine, another mode's phrase: as stored
    for (const [title, mode] of [['Replace the belt', 'manual'], ['Lubricate pump bearings', ''], ['Rotor out of balance \u2013 Pump', 'imbalance'], ['Rotor out of balance \u2013 Conveyor drive', 'looseness'], ['Rotor out of balance \u2013 Conveyor drive, check the fan too', 'imbalance']]) {
      assert.strictEqual(de.orderTitle(title, mode, 'conveyor-1', 'Conveyor drive'), title);
    }
    assert.strictEqual(de.orderTitle(null, 'imbalance', 'conveyor-1', 'Conveyor drive'), null);
  });

  it('a PM order\'s title on the floor cards: the demo task\'s name in the page\'s language before the view\'s stored title; others as the view writes them', () => {
    const flow = JSON.parse(fs.readFileSync(path.join(ROOT, 'flows', 'demo-line.json'), 'utf8')) as any[];
    const ls = flow.find((n) => n.type === 'function' && n.name === 'line state');
    const tasks = JSON.parse(/const DEMO_TEXT = (\{.*\});\n/.exec(ls.func)![1]).tasks as Record<string, { en: string; de: string }>;
    const pm = { id: 2, title: 'Lubricate pump bearings', names: tasks['Lubricate pump bearings'] };
    const corrective = { id: 1, title: 'Outer ring of the drive-end bearing damaged – Conveyor drive', names: null };
    // rel-view keeps a title it did not write (a PM task's) as stored, in both languages
    const view = { titles: { '2': { en: pm.title, de: pm.title }, '1': { en: corrective.title, de: 'Außenring des antriebsseitigen Lagers beschädigt – Conveyor drive' } } };
    const de = words('de');
    de.line = { view };
    assert.strictEqual(de.woTitle(pm), 'Pumpenlager schmieren');
    assert.strictEqual(de.woTitle(corrective), 'Außenring des antriebsseitigen Lagers beschädigt – Conveyor drive');
    assert.strictEqual(de.woTitle({ id: 9, title: 'typed by a planner', names: null }), 'typed by a planner');
    const en = words('en');
    en.line = { view };
    assert.strictEqual(en.woTitle(pm), 'Lubricate pump bearings');
    // its checklist steps (stored in English, as the plan was typed): German on a German page, by their text
    const steps = ['Lock out and tag out', 'Grease drive-end and non-drive-end bearings', 'Wipe off old grease', 'Run the pump and check for noise'];
    assert.deepStrictEqual(steps.map((text) => de.stepText(pm, { text })), ['Freischalten und gegen Wiedereinschalten sichern', 'Lager auf Antriebs- und Nichtantriebsseite schmieren', 'Altes Fett abwischen', 'Pumpe laufen lassen und auf Geräusche prüfen']);
    assert.deepStrictEqual(steps.map((text) => en.stepText(pm, { text })), steps);
    // a step typed later, an order without the demo's names, a key of Object's prototype: as typed
    assert.strictEqual(de.stepText(pm, { text: 'Check the seal' }), 'Check the seal');
    assert.strictEqual(de.stepText(corrective, { text: 'Wipe off old grease' }), 'Wipe off old grease');
    assert.strictEqual(de.stepText(pm, { text: 'constructor' }), 'constructor');
  });

  it('table cells: codes in words, machine names, names per language, figures in the page\'s number format', () => {
    const en = words('en');
    const de = words('de');
    const row = { status: 'in-progress', priority: 2, kind: 'machine', state: 'acked', station: 'conveyor-1', assetName: 'Conveyor drive', item: 'caps-38mm', names: { en: 'Caps 38 mm', de: 'Verschlusskappen 38 mm' } };
    assert.deepStrictEqual(['status', 'priority', 'kind', 'andonState'].map((k) => de.cellText(k, (row as any)[k === 'andonState' ? 'state' : k], row)), ['In Arbeit', '2 – in dieser Schicht', 'Maschinenstörung', 'quittiert']);
    assert.deepStrictEqual(['status', 'priority', 'kind', 'andonState'].map((k) => en.cellText(k, (row as any)[k === 'andonState' ? 'state' : k], row)), ['In progress', '2 – within the shift', 'Machine fault', 'acknowledged']);
    assert.deepStrictEqual([de.cellText('level', 0, row), de.cellText('level', 2, row), en.cellText('level', 2, row)], ['nicht eskaliert', 'auf Stufe 2 eskaliert', 'escalated to level 2']);
    // a code the dictionary does not know shows as sent
    assert.strictEqual(de.cellText('status', 'waiting-parts', row), 'waiting-parts');
    assert.strictEqual(de.cellText('machine', 'conveyor-1', row), 'Conveyor drive');
    assert.strictEqual(de.cellText('machine', 'Packaging line 1', { name: 'Packaging line 1' }), 'Packaging line 1');
    assert.strictEqual(de.cellText('names', 'caps-38mm', row), 'Verschlusskappen 38 mm');
    assert.strictEqual(de.cellText('dec2', 99.5, row), '99,50');
    assert.strictEqual(en.cellText('dec2', 99.5, row), '99.50');
    assert.strictEqual(de.cellText('dec1', 12345.67, row), '12.345,7');
    assert.strictEqual(de.cellText('whole', 10454.2, row), '10.455');
    assert.strictEqual(de.cellText('dec2', null, row), '-');
  });

  it('the generated page-titles template names the Widgets page\'s tables, their columns and its charts', () => {
    const flow = JSON.parse(fs.readFileSync(path.join(ROOT, 'flows', 'demo-line.json'), 'utf8')) as any[];
    const nav = flow.find((n) => n.id === 'tpl-nav');
    const m = /widgetText: (\{.*?\}), tz: /.exec(nav.format);
    assert.ok(m, 'widgetText in nav');
    assert.ok(!nav.format.includes('/*@widgets-'), 'placeholders replaced');
    const spec = JSON.parse(m![1]) as { tables: Record<string, Record<string, string>>; charts: string[] };
    const kinds = new Set(['status', 'priority', 'kind', 'andonState', 'level', 'title', 'andonText', 'machine', 'names', 'whole', 'dec0', 'dec1', 'dec2']);
    for (const [id, cols] of Object.entries(spec.tables)) {
      const t = flow.find((n) => n.id === id);
      assert.ok(t && t.type === 'ui-table', id);
      for (const [key, kind] of Object.entries(cols)) {
        assert.ok(t.columns.some((c: any) => c.key === key), `${id}: column ${key}`);
        assert.ok(kinds.has(kind), `${id}.${key}: ${kind}`);
      }
    }
    assert.strictEqual(Object.keys(spec.tables).length, flow.filter((n) => n.type === 'ui-table').length, 'every table');
    for (const id of spec.charts) assert.strictEqual(flow.find((n) => n.id === id)?.type, 'ui-chart', id);
    // the OEE chart's series (rel-oee's labels) have words in both languages
    for (const s of ['Availability', 'Performance', 'Quality', 'OEE']) for (const l of ['en', 'de'] as const) assert.ok(`widgets.series.${s}` in DICT[l], `${l} ${s}`);
  });
});
