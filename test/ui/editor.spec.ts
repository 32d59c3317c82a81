/**
 * The Node-RED editor in a real browser (Debian's chromium through playwright-core, never a
 * downloaded browser) with the demo line deployed: no node carries the invalid marker, the shared
 * editor module (resources/rel-editor.js) expands the shared rows and validates with the limits
 * the runtime checks, flows saved by 0.1.0 import valid, the flow templates are listed under
 * Import -> Examples, and the forms and help are German with the editor language set to German.
 */
import assert from 'assert';
import fs from 'fs';
import path from 'path';
import type { Browser, Page } from 'playwright-core';
import { ROOT, start, startRed, type RunningRed, launchChromium } from './nodered';


const PKG = '@jidoka/node-red-reliability';

/** Open the editor in `lang` and wait until the flows are loaded. */
async function openEditor(browser: Browser, url: string, lang: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
  await page.addInitScript(`localStorage.setItem('editor-language', '${lang}');`);
  await page.goto(url + '/');
  await page.waitForFunction(
    `(() => { if (!window.RED || !RED.nodes || !RED.nodes.getType('rel-vibration')) return false; let n = 0; RED.nodes.eachNode(() => { n++; }); return n > 50 && document.querySelectorAll('.red-ui-flow-node').length > 0; })()`,
    undefined,
    { timeout: 60_000 },
  );
  return page;
}

/** Nodes (flow and config) the editor marks invalid: "type id (fields)". */
async function invalidNodes(page: Page, onlyOurs = false): Promise<string[]> {
  return (await page.evaluate(`(() => {
    const out = [];
    const look = (n) => {
      if (${onlyOurs} && !n.type.startsWith('rel-')) return;
      RED.editor.validateNode(n);
      if (n.valid === false) out.push(n.type + ' ' + n.id + ' (' + Object.keys(n.validationErrors || {}).concat(n.validationErrors && n.validationErrors.length ? n.validationErrors : []).join(', ') + ')');
    };
    RED.nodes.eachNode(look);
    RED.nodes.eachConfig(look);
    return out;
  })()`)) as string[];
}

describe('ui: the editor (forms, validation, migrations, examples, German)', function () {
  this.timeout(300_000);
  let red: RunningRed;
  let browser: Browser;
  let page: Page;

  before(async function () {
    red = await startRed({ flow: start.readFlow('demo-line.json') });
    browser = await launchChromium();
    page = await openEditor(browser, red.url, 'en-US');
  });

  after(async function () {
    if (browser) await browser.close();
    if (red) await red.stop();
  });

  it('serves the shared editor module and the limits the runtime checks', async function () {
    const lim = await (await fetch(`${red.url}/resources/${PKG}/limits.js`)).text();
    assert.ok(lim.includes('window.RelLimits'), 'limits.js is served');
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const { LIMITS, CONFIG_VERSION } = require('../../nodes/core/limits');
    const served = await page.evaluate('window.RelLimits');
    assert.deepStrictEqual(served, JSON.parse(JSON.stringify({ version: CONFIG_VERSION, limits: LIMITS })));
    const mod = await fetch(`${red.url}/resources/${PKG}/rel-editor.js`);
    assert.strictEqual(mod.status, 200);
    // the module carries the table itself: the browser may run limits.js and the module in either order
    assert.ok((await mod.text()).startsWith(lim.split('\n').slice(0, 2).join('\n')), 'rel-editor.js starts with the limits table');
  });

  it('opens the demo line with no invalid node (model and canvas)', async function () {
    assert.deepStrictEqual(await invalidNodes(page), []);
    // the canvas: no node shows the invalid marker (the red triangle) on either tab
    for (const tab of ['tab-demo-line', 'tab-demo-dashboards']) {
      await page.evaluate(`RED.workspaces.show('${tab}')`);
      await page.waitForTimeout(500);
      const shown = await page.evaluate(`document.querySelectorAll('.red-ui-flow-node-error:not(.hide)').length`);
      const nodes = await page.evaluate(`document.querySelectorAll('.red-ui-flow-node').length`);
      assert.ok((nodes as number) > 5, `${tab}: nodes drawn`);
      assert.strictEqual(shown, 0, `${tab}: no invalid marker`);
    }
  });

  it('validates with the runtime limits (rel-vibration averages 1-64, rel-health learnHours >= 0.01 in the table)', async function () {
    const r = await page.evaluate(`(() => {
      const n = RED.nodes.node('vib');
      const keep = n.averages;
      const out = {};
      for (const v of [1, 64, 65, 0, 2.5, '', undefined]) { n.averages = v; RED.editor.validateNode(n); out[String(v)] = n.valid; }
      n.averages = keep; RED.editor.validateNode(n);
      return out;
    })()`);
    assert.deepStrictEqual(r, { 1: true, 64: true, 65: false, 0: false, 2.5: false, '': true, undefined: true });
    const h = await page.evaluate(`[RelEditor.check('rel-health', 'learnHours', 0.005, { learnMode: 'hours' }), RelEditor.check('rel-health', 'learnHours', 0.01, { learnMode: 'hours' })]`);
    assert.deepStrictEqual(h, [false, true]);
  });

  it('rel-rul with the level indicator: a multiple of the healthy level (placeholder, hint, > 1 validated), no direction', async function () {
    await page.evaluate(`RED.editor.edit(RED.nodes.node('rul'))`);
    await page.waitForFunction(`$('#node-input-store').is('select') && $('#node-dialog-cancel').is(':visible')`, undefined, { timeout: 20_000 });
    const form = (ind: string) => page.evaluate(`(() => {
      $('#node-input-indicator').val('${ind}').trigger('change');
      return { placeholder: $('#node-input-threshold').attr('placeholder'), direction: $('#node-input-direction').is(':visible'), hint: $('.rel-rul-level').is(':visible') ? $('.rel-rul-level').text().trim() : '' };
    })()`);
    try {
      assert.deepStrictEqual(await form('level'), { placeholder: '6.3', direction: false, hint: '× the healthy level (default 6.3; always rising)' });
      assert.deepStrictEqual(await form('feature'), { placeholder: '10', direction: true, hint: '' });
    } finally {
      await page.click('#node-dialog-cancel');
      await page.waitForFunction(`!$('#node-dialog-cancel').is(':visible')`, undefined, { timeout: 20_000 });
    }
    const v = await page.evaluate(`[1, 1.5, 1000, 1001].map((x) => RelEditor.check('rel-rul', 'threshold', x, { indicator: 'level' })).concat([RelEditor.check('rel-rul', 'threshold', 1, { indicator: 'feature' }), RelEditor.num('rel-rul', 'threshold').call({ indicator: 'level' }, 1, { label: 'Failure at' })])`);
    assert.deepStrictEqual(v, [false, true, true, false, true, 'Failure at: expected > 1 and <= 1000']);
    // rel-health: the level rule's hysteresis is at most 15 (it warns below 85), the form's warning field unused
    const h = await page.evaluate(`[15, 16].map((x) => RelEditor.check('rel-health', 'hysteresis', x, { rule: 'level' })).concat([RED.nodes.getType('rel-health').defaults.hysteresis.validate.call({ rule: 'level', warnBelow: 95 }, 10), RED.nodes.getType('rel-health').defaults.hysteresis.validate.call({ rule: 'profile', warnBelow: 95 }, 10), RED.nodes.getType('rel-health').defaults.hysteresis.validate.call({ rule: 'level', warnBelow: 70 }, 20)])`);
    assert.deepStrictEqual(h, [true, false, true, false, false]);
  });

  it('rel-oee: "Dashboard shows" (the reported shift or the rolling window) is asked only while the dashboard output is ticked', async function () {
    await page.evaluate(`RED.editor.edit(RED.nodes.node('oee'))`);
    await page.waitForFunction(`$('#node-input-store').is('select') && $('#node-dialog-cancel').is(':visible')`, undefined, { timeout: 20_000 });
    const form = (): Promise<any> => page.evaluate(`({ label: $('label[for=node-input-dashboardFigures]').text().trim(), value: $('#node-input-dashboardFigures').val(), options: $('#node-input-dashboardFigures option').map(function () { return $(this).text(); }).get(), shown: $('#node-input-dashboardFigures').is(':visible') })`);
    try {
      // the demo's OEE node: dashboard output on, the rolling window
      assert.deepStrictEqual(await form(), { label: 'Dashboard shows', value: 'rolling', options: ['the reported shift', 'the rolling window'], shown: true });
      await page.evaluate(`$('#node-input-dashboard').prop('checked', false).trigger('change')`);
      assert.strictEqual((await form()).shown, false);
      await page.evaluate(`$('#node-input-dashboard').prop('checked', true).trigger('change')`);
      assert.strictEqual((await form()).shown, true);
    } finally {
      await page.click('#node-dialog-cancel');
      await page.waitForFunction(`!$('#node-dialog-cancel').is(':visible')`, undefined, { timeout: 20_000 });
    }
  });

  it('expands the shared rows in the forms and writes version on save', async function () {
    await page.evaluate(`RED.editor.edit(RED.nodes.node('kanban'))`);
    // the tray is ready once the config-node selector replaced the store input (oneditprepare ran)
    await page.waitForFunction(`$('#node-input-store').is('select') && $('#node-dialog-ok').is(':visible')`, undefined, { timeout: 20_000 });
    const form = await page.evaluate(`({
      store: $('label[for=node-input-store]').text().trim(),
      storeSelect: $('#node-input-store').is('select'),
      dashboard: $('label[for=node-input-dashboard]').text().trim(),
      name: $('label[for=node-input-name]').text().trim(),
      demand: $('label[for=node-input-demand]').text().trim(),
      placeholder: $('#node-input-demand').attr('placeholder'),
    })`);
    assert.deepStrictEqual(form, { store: 'Store', storeSelect: true, dashboard: 'Dashboard output', name: 'Name', demand: 'Demand D', placeholder: 'units per day' });
    await page.evaluate(`$('#node-input-dashboard').prop('checked', true)`);
    await page.click('#node-dialog-ok');
    await page.waitForFunction(`!$('#node-dialog-ok').is(':visible')`, undefined, { timeout: 20_000 });
    const saved = await page.evaluate(`(() => { const n = RED.nodes.node('kanban'); return { version: n.version, outputs: n.outputs }; })()`);
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    assert.deepStrictEqual(saved, { version: require('../../nodes/core/limits').CONFIG_VERSION, outputs: 3 });
  });

  it('gives every node type of the package a version default, also the forms not converted yet', async function () {
    const v = await page.evaluate(`(() => { const out = {}; for (const t of ${JSON.stringify(Object.keys(JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'))['node-red'].nodes))}) { const d = RED.nodes.getType(t); out[t] = d && d.defaults.version ? d.defaults.version.value : null; } return out; })()`) as Record<string, number | null>;
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const cur = require('../../nodes/core/limits').CONFIG_VERSION;
    // rel-store numbers its config shape apart (2: the backend and PostgreSQL fields, 3: the storage
    // section); saved flows carry it
    const own: Record<string, number> = { 'rel-store': 3 };
    assert.deepStrictEqual(Object.entries(v).filter(([t, x]) => x !== (own[t] ?? cur)), []);
    assert.ok(Object.keys(v).length >= 17);
  });

  it('imports every rel-* node of the flows saved by 0.1.0 valid (fields added since shown with their defaults)', async function () {
    const saved = JSON.parse(fs.readFileSync(path.join(ROOT, 'test', 'fixtures', 'saved-0.1.0.json'), 'utf8')) as Record<string, any[]>;
    let count = 0;
    for (const [file, nodes] of Object.entries(saved)) {
      const before = new Set((await page.evaluate(`(() => { const ids = []; RED.nodes.eachNode((n) => ids.push(n.id)); RED.nodes.eachConfig((n) => ids.push(n.id)); return ids; })()`)) as string[]);
      const bad = (await page.evaluate(`(() => {
        RED.view.importNodes(${JSON.stringify(nodes)}, { generateIds: true, addFlow: true, notify: false });
        const before = new Set(${JSON.stringify([...before])});
        const out = [];
        let n = 0;
        const look = (x) => { if (before.has(x.id) || !x.type.startsWith('rel-')) return; n++; RED.editor.validateNode(x); if (x.valid === false) out.push(x.type + ' ' + JSON.stringify(x.validationErrors || [])); };
        RED.nodes.eachNode(look);
        RED.nodes.eachConfig(look);
        return { out, n };
      })()`)) as { out: string[]; n: number };
      assert.deepStrictEqual(bad.out, [], `${file}: invalid after import`);
      count += bad.n;
    }
    assert.ok(count >= 90, `imported ${count} rel-* nodes`);
    // an old rel-vibration without averages: the form shows the default
    const vib = await page.evaluate(`(() => { let id; RED.nodes.eachNode((n) => { if (n.type === 'rel-vibration' && n.averages === undefined) id = n.id; }); return id; })()`);
    assert.ok(vib, 'a 0.1.0 rel-vibration without averages was imported');
    await page.evaluate(`RED.editor.edit(RED.nodes.node('${vib}'))`);
    // the prepared form shows the default of the field the saved flow lacks
    await page.waitForFunction(`$('#node-input-averages').val() === '1' && $('#node-dialog-cancel').is(':visible')`, undefined, { timeout: 20_000 });
    await page.click('#node-dialog-cancel');
    await page.waitForFunction(`!$('#node-dialog-cancel').is(':visible')`, undefined, { timeout: 20_000 });
  });

  it('lists the flow templates under Import -> Examples', async function () {
    const get = async (p: string) => {
      const res = await fetch(`${red.url}/library/examples/flows/${p}`.replace(/ /g, '%20'), { headers: { Accept: 'application/json' } });
      assert.strictEqual(res.status, 200, `GET library/examples/flows/${p}`);
      return res.json() as Promise<any>;
    };
    const listing = JSON.stringify(await get(`${PKG}/`));
    assert.ok(listing.includes('templates'), `the package's examples have a templates folder: ${listing.slice(0, 300)}`);
    const templates = JSON.stringify(await get(`${PKG}/templates/`));
    for (const name of ['01 - Demo packaging line (Dashboard 2.0)', '03 - Modbus line', '04 - MQTT line', '05 - Maintenance only (CMMS)']) assert.ok(templates.includes(name), `${name} listed: ${templates}`);
    const flow = (await get(`${PKG}/templates/01 - Demo packaging line (Dashboard 2.0)`)) as any[];
    assert.ok(flow.some((n) => n.type === 'rel-vibration'), 'the template is the demo line');
  });

  it('shows the forms, palette and help in German with the editor language set to German', async function () {
    const de = await openEditor(browser, red.url, 'de');
    try {
      const palette = await de.evaluate(`RED.nodes.getType('rel-vibration').paletteLabel.call(RED.nodes.getType('rel-vibration'))`);
      assert.strictEqual(palette, 'Schwingung');
      await de.evaluate(`RED.editor.edit(RED.nodes.node('vib'))`);
      await de.waitForFunction(`$('#node-input-asset').is('select') && $('label[for=node-input-averages]').text().trim() !== '' && $('#node-dialog-cancel').is(':visible')`, undefined, { timeout: 20_000 });
      const labels = await de.evaluate(`({ averages: $('label[for=node-input-averages]').text().trim(), asset: $('label[for=node-input-asset]').text().trim(), dashboard: $('label[for=node-input-dashboard]').text().trim() })`);
      assert.deepStrictEqual(labels, { averages: 'Mittelungen', asset: 'Anlage', dashboard: 'Dashboard-Ausgang' });
      await de.click('#node-dialog-cancel');
      const help = await (await fetch(`${red.url}/nodes/${PKG}/rel-vibration`, { headers: { Accept: 'text/html', 'Accept-Language': 'de' } })).text();
      assert.ok(/data-help-name="rel-vibration"[\s\S]*Schwing/.test(help), 'German help for rel-vibration');
    } finally {
      await de.close();
    }
  });
});
