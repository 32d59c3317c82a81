/**
 * rel-health's editor form in a real browser (Debian's chromium through playwright-core): it
 * registers through the shared editor module (RelEditor), so `version` is a default of its own,
 * the numeric fields of the limits table get the table's validators, the machine-mode settings the
 * runtime reads (lambda, persistence) are editor defaults and survive an edit, and the form and
 * palette label follow the editor language.
 */
import assert from 'assert';
import type { Browser, Page } from 'playwright-core';
import { startRed, type RunningRed, launchChromium } from './nodered';

// a machine-mode node saved before lambda and persistence were in the form (no version either),
// and one with its own lambda and persistence written by hand
const FLOW = [
  { id: 'tab', type: 'tab', label: 'health' },
  { id: 'store', type: 'rel-store', name: 'db', file: 'health-editor.db', version: 3 },
  { id: 'old', type: 'rel-health', z: 'tab', name: 'old machine', mode: 'machine', store: 'store', learnMode: 'hours', learnHours: 8, hysteresis: 5, x: 200, y: 100, wires: [[], []] },
  { id: 'tuned', type: 'rel-health', z: 'tab', name: 'tuned machine', mode: 'machine', store: 'store', learnMode: 'hours', learnHours: 8, lambda: 0.25, persistence: 6, x: 200, y: 200, wires: [[], []] },
];

async function openEditor(browser: Browser, url: string, lang: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
  await page.addInitScript(`localStorage.setItem('editor-language', '${lang}');`);
  await page.goto(url + '/');
  await page.waitForFunction(`!!(window.RED && RED.nodes && RED.nodes.getType('rel-health') && RED.nodes.node('tuned') && document.querySelectorAll('.red-ui-flow-node').length > 0)`, undefined, { timeout: 60_000 });
  return page;
}

async function edit(page: Page, id: string): Promise<void> {
  await page.evaluate(`RED.editor.edit(RED.nodes.node('${id}'))`);
  await page.waitForFunction(`$('#node-input-store').is('select') && $('label[for=node-input-lambda]').text().trim() !== '' && $('#node-dialog-ok').is(':visible')`, undefined, { timeout: 20_000 });
}

async function close(page: Page, button: 'ok' | 'cancel'): Promise<void> {
  await page.click(`#node-dialog-${button}`);
  await page.waitForFunction(`!$('#node-dialog-${button}').is(':visible')`, undefined, { timeout: 20_000 });
}

describe('ui: rel-health editor defaults (RelEditor, lambda and persistence)', function () {
  this.timeout(300_000);
  let red: RunningRed;
  let browser: Browser;
  let page: Page;

  before(async function () {
    red = await startRed({ flow: FLOW });
    browser = await launchChromium();
    page = await openEditor(browser, red.url, 'en-US');
  });

  after(async function () {
    if (browser) await browser.close();
    if (red) await red.stop();
  });

  it('registers through RelEditor with the runtime defaults, version and the table validators', async function () {
    const d = (await page.evaluate(`(() => {
      const t = RED.nodes.getType('rel-health');
      const v = (k, x, n) => t.defaults[k].validate.call(n || {}, x);
      return {
        relEditor: t._relEditor === true,
        version: t.defaults.version && t.defaults.version.value,
        lambda: t.defaults.lambda && t.defaults.lambda.value,
        persistence: t.defaults.persistence && t.defaults.persistence.value,
        lambdaOk: [0.1, 1, '', 0, 1.1, 'x'].map((x) => v('lambda', x)),
        persistenceOk: [0, 10, 1000, '', 1001, 2.5, -1].map((x) => v('persistence', x)),
        learnHours: [0.005, 0.01].map((x) => v('learnHours', x, { learnMode: 'hours' })),
        hysteresis: [v('hysteresis', 10, { rule: 'level', warnBelow: 95 }), v('hysteresis', 10, { rule: 'profile', warnBelow: 95 }), v('hysteresis', 20, { rule: 'level', warnBelow: 70 }), v('hysteresis', 16, { mode: 'machine', rule: 'profile', warnBelow: 70 }), v('hysteresis', 15, { mode: 'machine', rule: 'profile', warnBelow: 70 })],
        alarmBelow: [v('alarmBelow', 80, { rule: 'profile', warnBelow: 85 }), v('alarmBelow', 90, { rule: 'profile', warnBelow: 85 }), v('alarmBelow', 90, { rule: 'level', warnBelow: 85 })],
      };
    })()`)) as Record<string, unknown>;
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const { CONFIG_VERSION } = require('../../nodes/core/limits');
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const { DEFAULT_MACHINE } = require('../../nodes/core/condition/machine');
    assert.deepStrictEqual(d, {
      relEditor: true,
      version: CONFIG_VERSION,
      lambda: DEFAULT_MACHINE.lambda,
      persistence: DEFAULT_MACHINE.persistence,
      lambdaOk: [true, true, true, false, false, false],
      persistenceOk: [true, true, true, true, false, false, false],
      learnHours: [false, true],
      hysteresis: [true, false, false, false, true],
      alarmBelow: [true, false, true],
    });
  });

  it('shows lambda and persistence in machine mode, keeps them on save and writes version', async function () {
    await edit(page, 'tuned');
    const form = await page.evaluate(`({ lambda: $('#node-input-lambda').val(), persistence: $('#node-input-persistence').val(), shown: $('#node-input-lambda').is(':visible'), label: $('label[for=node-input-lambda]').text().trim() })`);
    assert.deepStrictEqual(form, { lambda: '0.25', persistence: '6', shown: true, label: 'EWMA weight' });
    await close(page, 'ok');
    // the node saved before the fields existed: shown with the defaults, saved with them and version
    // (Node-RED keeps an unchanged number as it was, a field read from the form as text)
    await edit(page, 'old');
    assert.deepStrictEqual(await page.evaluate(`[$('#node-input-lambda').val(), $('#node-input-persistence').val()]`), ['0.1', '0']);
    await close(page, 'ok');
    const saved = await page.evaluate(`['tuned', 'old'].map((id) => { const n = RED.nodes.node(id); return { lambda: Number(n.lambda), persistence: Number(n.persistence), version: n.version, outputs: n.outputs, valid: n.valid }; })`);
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const v = require('../../nodes/core/limits').CONFIG_VERSION;
    assert.deepStrictEqual(saved, [
      { lambda: 0.25, persistence: 6, version: v, outputs: 2, valid: true },
      { lambda: 0.1, persistence: 0, version: v, outputs: 2, valid: true },
    ]);
  });

  it('shows the form, palette label and the nodes\' port labels in German with the editor language set to German', async function () {
    const de = await openEditor(browser, red.url, 'de');
    try {
      assert.strictEqual(await de.evaluate(`RED.nodes.getType('rel-health').paletteLabel.call(RED.nodes.getType('rel-health'))`), 'Zustand');
      await edit(de, 'old');
      const labels = await de.evaluate(`({ mode: $('label[for=node-input-mode]').text().trim(), lambda: $('label[for=node-input-lambda]').text().trim(), persistence: $('label[for=node-input-persistence]').text().trim(), store: $('label[for=node-input-store]').text().trim() })`);
      assert.deepStrictEqual(labels, { mode: 'Bewerten', lambda: 'EWMA-Gewicht', persistence: 'Haltedauer', store: 'Datenbank' });
      await close(de, 'cancel');
      // the port labels of the other nodes (shown when hovering a port) are German too
      const ports = await de.evaluate(`(() => {
        const l = (type, i, n) => { const t = RED.nodes.getType(type); return t.outputLabels.call(Object.assign({ _: t._ }, n || {}), i); };
        const n = RED.nodes.getType('rel-notify');
        return [l('rel-andon', 1), l('rel-kanban', 1), l('rel-work-order', 2, { andonKind: 'machine' }), l('rel-simulator', 0, { kind: 'scalar' }), l('rel-vibration', 1, { dashboard: 'spectrum' }), l('rel-view', 0), n.inputLabels.call({ _: n._ }, 0)];
      })()`);
      assert.deepStrictEqual(ports, ['Eskalationen', 'Zugsignal', 'Andon-Ruf für neue Arbeitsaufträge', 'Abfrage: Array der Messwerte', 'für Dashboard-Widgets (Diagramm: Spektrumkurve)', 'die Werksansicht: Kacheln nach Standort, Bereich und Linie', 'rel-health Ausgang 2, rel-andon Ausgang 2, rel-work-order Ausgang 2']);
    } finally {
      await de.close();
    }
  });
});
