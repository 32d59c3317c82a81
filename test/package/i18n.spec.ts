/**
 * German next to English: every node has a message catalog and a help file in en-US and de
 * (nodes/<type>/locales/<lang>/), the two catalogs hold the same keys (with the shared keys of
 * editor/locales/<lang>/common.json the build merges in), every data-i18n key an editor form uses
 * exists in both, and no translation is left empty or equal to its key.
 */
import assert from 'assert';
import fs from 'fs';
import path from 'path';
import { ROOT } from '../helpers/red';

const LANGS = ['en-US', 'de'];

function flat(o: Record<string, unknown>, prefix = ''): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(o)) {
    if (v && typeof v === 'object') Object.assign(out, flat(v as Record<string, unknown>, `${prefix}${k}.`));
    else out[`${prefix}${k}`] = String(v);
  }
  return out;
}

/** The catalog of a node in a language as Node-RED reads it (built: node keys + common keys). */
function catalog(type: string, lang: string): Record<string, string> {
  const own = JSON.parse(fs.readFileSync(path.join(ROOT, 'nodes', type, 'locales', lang, `${type}.json`), 'utf8'));
  const common = JSON.parse(fs.readFileSync(path.join(ROOT, 'editor', 'locales', lang, 'common.json'), 'utf8'));
  return flat({ ...common, ...own });
}

describe('package: German and English (Node-RED i18n)', function () {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  const types = Object.keys(pkg['node-red'].nodes) as string[];

  it('finds every node of the package', () => {
    assert.ok(types.length >= 17, `${types.length} node types`);
  });

  for (const type of types) {
    it(`${type}: catalogs with the same keys and help in en-US and de`, () => {
      const cats = LANGS.map((l) => catalog(type, l));
      const [en, de] = cats;
      const missingDe = Object.keys(en).filter((k) => !(k in de));
      const missingEn = Object.keys(de).filter((k) => !(k in en));
      assert.deepStrictEqual(missingDe, [], `${type}: keys missing in de`);
      assert.deepStrictEqual(missingEn, [], `${type}: keys missing in en-US`);
      for (const [lang, c] of LANGS.map((l, i) => [l, cats[i]] as const)) {
        const empty = Object.entries(c).filter(([k, v]) => !v.trim() || v === k).map(([k]) => k);
        assert.deepStrictEqual(empty, [], `${type} ${lang}: empty translations`);
        assert.ok(c[`${type}.paletteLabel`], `${type} ${lang}: a palette label`);
      }
      // the keys the editor form uses (data-i18n="[attr]type.key" or "common.key") exist in both languages
      const html = fs.readFileSync(path.join(ROOT, 'nodes', type, `${type}.html`), 'utf8');
      const used = [...html.matchAll(/data-i18n="([^"]+)"/g)].flatMap((m) => m[1].split(';')).map((k) => k.replace(/^\[[^\]]+\]/, ''));
      for (const k of used) for (const [i, c] of cats.entries()) assert.ok(k in c, `${type}: ${k} used by the form, missing in ${LANGS[i]}`);
      // help: a file per language with the node's help block and a tooltip paragraph
      for (const lang of LANGS) {
        const f = path.join(ROOT, 'nodes', type, 'locales', lang, `${type}.html`);
        assert.ok(fs.existsSync(f), `${type}: no help in ${lang}`);
        const help = fs.readFileSync(f, 'utf8');
        assert.ok(help.includes(`data-help-name="${type}"`), `${type} ${lang}: help block`);
        assert.ok(/<p>[^<]{20,}/.test(help), `${type} ${lang}: tooltip paragraph`);
      }
      const deHelp = fs.readFileSync(path.join(ROOT, 'nodes', type, 'locales', 'de', `${type}.html`), 'utf8');
      const enHelp = fs.readFileSync(path.join(ROOT, 'nodes', type, 'locales', 'en-US', `${type}.html`), 'utf8');
      assert.notStrictEqual(deHelp, enHelp, `${type}: the German help is a translation`);
    });
  }

  it('the converted forms label every field through data-i18n (no bare label text)', () => {
    for (const type of types) {
      const html = fs.readFileSync(path.join(ROOT, 'nodes', type, `${type}.html`), 'utf8');
      if (!html.includes('RelEditor.registerType')) continue;
      const tpl = html.split(`data-template-name="${type}"`)[1] ?? '';
      const bare = [...tpl.matchAll(/<label[^>]*>((?:(?!<\/label>).)*)<\/label>/gs)].map((m) => m[1].replace(/<i [^>]*><\/i>/g, '').replace(/<span data-i18n="[^"]+"><\/span>/g, '').replace(/&nbsp;/g, '').trim()).filter(Boolean);
      assert.deepStrictEqual(bare, [], `${type}: label text outside the catalogs`);
    }
  });

  it('the built catalogs carry the shared keys (what Node-RED serves)', () => {
    // this spec runs from the build output it was compiled into (dist/ or .build-NAME/)
    const built = path.resolve(__dirname, '..', '..', 'nodes', 'rel-kanban', 'locales', 'de', 'rel-kanban.json');
    const c = flat(JSON.parse(fs.readFileSync(built, 'utf8')));
    assert.strictEqual(c['common.store'], 'Datenbank');
    assert.strictEqual(c['rel-kanban.label.demand'], 'Bedarf D');
  });
});
