/**
 * The editor's upload in a real browser (Debian chromium through playwright-core) against a real
 * Node-RED: open the deployed rel-registry's edit dialog, choose an XLSX file, read the dry-run
 * report, Apply, and find the machines in the store file; a bad CSV shows row and column and
 * keeps Apply disabled.
 */
import assert from 'assert';
import fs from 'fs';
import path from 'path';
import Database from 'better-sqlite3';
import { startRed, type RunningRed, launchChromium } from '../ui/nodered';
import { plantRows, toCsv, toXlsx, PUMP_TYPE } from './plant';


describe('rel-registry: upload from the editor in a real browser', function () {
  this.timeout(180_000);
  let red: RunningRed;
  let browser: any;

  before(async function () {
    red = await startRed({
      flow: [
        { id: 'tab1', type: 'tab', label: 'register' },
        { id: 'store1', type: 'rel-store', name: 'plant db', file: 'plant.db' },
        { id: 'types', type: 'inject', z: 'tab1', name: 'types', props: [{ p: 'payload' }, { p: 'action', v: 'types', vt: 'str' }], once: true, onceDelay: 0.1, payload: JSON.stringify(PUMP_TYPE), payloadType: 'json', x: 120, y: 60, wires: [['reg']] },
        { id: 'reg', type: 'rel-registry', z: 'tab1', name: 'register', store: 'store1', version: 1, x: 320, y: 60, wires: [[]] },
      ],
    });
    browser = await launchChromium();
  });
  after(async function () {
    if (browser) await browser.close();
    if (red) await red.stop();
  });

  it('file -> dry run -> report -> Apply; a bad file is reported with row and column and Apply stays off', async function () {
    const dir = fs.mkdtempSync(path.join(red.dir, 'files-'));
    const good = path.join(dir, 'plant.xlsx');
    fs.writeFileSync(good, await toXlsx(plantRows({ machines: 24, plcs: 3 })));
    const bad = path.join(dir, 'bad.csv');
    const rows = plantRows({ machines: 2, plcs: 1, plc: () => ['10.9.9.9', 502] });
    rows[1].machineClass = 'class A';
    fs.writeFileSync(bad, toCsv(rows, { delimiter: ';', bom: true }));

    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(red.url);
    await page.waitForFunction('window.RED && RED.nodes && RED.nodes.node("reg") && $("#red-ui-workspace-chart").length', null, { timeout: 60_000 });
    await page.waitForTimeout(1000);
    await page.evaluate('RED.editor.edit(RED.nodes.node("reg"))');
    try {
      await page.waitForSelector('#rel-registry-file', { state: 'attached', timeout: 20_000 });
    } catch (e) {
      await page.screenshot({ path: '/tmp/reg-editor-fail.png' });
      throw e;
    }
    const report = page.locator('#rel-registry-report');
    const apply = page.locator('#rel-registry-apply');

    await page.setInputFiles('#rel-registry-file', bad);
    await page.waitForFunction('/^dry run:/.test(document.querySelector("#rel-registry-report").textContent)');
    const badText = await report.textContent();
    assert.match(badText, /dry run: 1 added, 0 updated, 0 unchanged, 1 errors \(2 rows\)/);
    assert.match(badText, /row 3 machineClass: unknown class "class A"/);
    assert.strictEqual(await apply.isDisabled(), true);

    await page.setInputFiles('#rel-registry-file', good);
    await page.waitForFunction('/^dry run: 24 added/.test(document.querySelector("#rel-registry-report").textContent)');
    const db = () => new Database(path.join(red.userDir, 'plant.db'), { readonly: true });
    let d = db();
    assert.strictEqual((d.prepare('SELECT COUNT(*) AS n FROM register_assets').get() as any).n, 0, 'the dry run wrote nothing');
    d.close();
    assert.strictEqual(await apply.isDisabled(), false);
    await page.screenshot({ path: path.join(dir, 'dry-run.png') });
    await apply.click();
    await page.waitForFunction('/^applied: 24 added/.test(document.querySelector("#rel-registry-report").textContent)');
    d = db();
    try {
      assert.strictEqual((d.prepare('SELECT COUNT(*) AS n FROM register_assets').get() as any).n, 24);
      assert.strictEqual((d.prepare('SELECT name FROM register_assets WHERE asset_id = ?').get('M-001') as any).name, '=SUM(A1) pump 1');
    } finally {
      d.close();
    }
    if (process.env.UI_SHOTS) fs.copyFileSync(path.join(dir, 'dry-run.png'), process.env.UI_SHOTS);
  });
});
