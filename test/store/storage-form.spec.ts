/**
 * The storage section of the rel-store edit dialog in a real Node-RED editor (Debian's chromium
 * through playwright-core, never a downloaded browser), on a SQLite store saved by version 2:
 * empty fields show the built-in defaults, the limits table marks a value out of range, the
 * values entered are saved with version 3 and deployed.
 */
import assert from 'assert';
import fs from 'fs';
import type { Browser, Page } from 'playwright-core';
import { admin, startRed, waitFor, type RunningRed, launchChromium } from '../ui/nodered';


describe('rel-store storage section (Node-RED editor in chromium)', function () {
  this.timeout(300_000);
  let red: RunningRed;
  let browser: Browser;
  let page: Page;

  before(async () => {
    red = await startRed({ flow: [{ id: 's', type: 'rel-store', name: 'line store', version: 2, backend: 'sqlite', file: 'reliability.db' }] });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 1200 } });
    await page.goto(red.url);
    await waitFor('the editor with the deployed store', () => page.evaluate(`!!(window.RED && RED.nodes && RED.nodes.node('s'))`), 60_000);
  });

  after(async () => {
    if (browser) await browser.close();
    if (red) await red.stop();
  });

  it('shows the defaults in the empty fields, flags a value out of range, saves version 3 with the values entered', async () => {
    await page.evaluate(`RED.editor.editConfig('', 'rel-store', 's')`);
    const ph = (id: string) => page.getAttribute(`#node-config-input-${id}`, 'placeholder');
    await waitFor('placeholders from the info endpoint', async () => ((await ph('rawHistoryDays')) === '90' ? true : undefined), 30_000);
    assert.deepStrictEqual(
      await Promise.all(['rawHistoryDays', 'hourlyHistoryDays', 'conditionEventDays', 'rulPointDays', 'andonDays', 'oeeShiftDays', 'backupDir', 'backupKeep', 'diskWarnPercent'].map(ph)),
      ['90', '1826', '1826', '90', '1826', '1826', 'no backups', '7', 'automatic'],
    );
    assert.strictEqual(await page.inputValue('#node-config-input-rawHistoryDays'), '', 'a version 2 store: empty (the plant default)');
    await page.fill('#node-config-input-rawHistoryDays', '40000');
    await page.dispatchEvent('#node-config-input-rawHistoryDays', 'change');
    await waitFor('the field marked', async () => ((await page.getAttribute('#node-config-input-rawHistoryDays', 'class'))?.includes('input-error') ? true : undefined), 10_000);
    await page.fill('#node-config-input-rawHistoryDays', '30');
    await page.dispatchEvent('#node-config-input-rawHistoryDays', 'change');
    await waitFor('the mark gone', async () => (!(await page.getAttribute('#node-config-input-rawHistoryDays', 'class'))?.includes('input-error') ? true : undefined), 10_000);
    await page.fill('#node-config-input-backupDir', 'backups');
    await page.fill('#node-config-input-backupKeep', '3');
    await page.fill('#node-config-input-diskWarnPercent', '15');
    await page.click('#node-config-dialog-ok');
    const saved = await waitFor('the config saved', () => page.evaluate(`(function () { var n = RED.nodes.node('s'); return n.version === 3 ? { raw: n.rawHistoryDays, dir: n.backupDir, keep: n.backupKeep, warn: n.diskWarnPercent, hourly: n.hourlyHistoryDays } : null; })()`), 10_000);
    assert.deepStrictEqual(saved, { raw: '30', dir: 'backups', keep: '3', warn: '15', hourly: '' });
    await page.click('#red-ui-header-button-deploy');
    const flows = await waitFor('deployed', async () => {
      const f = await admin(red, 'GET', '/flows');
      const s = (Array.isArray(f) ? f : f.flows).find((n: any) => n.id === 's');
      return s && s.version === 3 ? s : undefined;
    }, 30_000);
    assert.strictEqual(flows.rawHistoryDays, '30');
    await waitFor('the store running with the form values', () => (/backup|disk (ok|low|critical)/.test(red.log()) ? true : undefined), 30_000);
    assert.ok(!/\[error\] \[rel-store/.test(red.log()), red.log());
  });
});
