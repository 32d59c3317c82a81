/**
 * The rel-store edit dialog in a real Node-RED editor (Debian's chromium through playwright-core,
 * never a downloaded browser), on a PostgreSQL store of the test cluster.
 */
import assert from 'assert';
import fs from 'fs';
import type { Browser, Page } from 'playwright-core';
import { admin, startRed, waitFor, type RunningRed, launchChromium } from '../ui/nodered';
import { assetNode } from '../helpers/fixtures';
import { pgCluster, type PgCluster } from '../helpers/pg';


describe('rel-store edit dialog (Node-RED editor in chromium)', function () {
  this.timeout(300_000);
  let cluster: PgCluster;
  let url: string;
  let red: RunningRed;
  let browser: Browser;
  let page: Page;

  before(async () => {
    cluster = await pgCluster();
    url = await cluster.createDatabase('editor');
    red = await startRed({ flow: [] });
    await admin(
      red,
      'POST',
      '/flows',
      {
        flows: [
          { id: 'pgs', type: 'rel-store', name: 'plant', version: 2, backend: 'postgres', file: 'reliability.db', localFile: 'reliability-local.db', tls: 'off', ca: '', poolSize: 4, credentials: { url } },
          assetNode({ id: 'a1', assetId: 'pump-1', store: 'pgs' }),
        ],
      },
      { 'Node-RED-Deployment-Type': 'full' },
    );
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(red.url);
    await waitFor('the editor with the deployed store', () => page.evaluate(`!!(window.RED && RED.nodes && RED.nodes.node('pgs'))`), 60_000);
  });

  after(async () => {
    if (browser) await browser.close();
    if (red) await red.stop();
  });

  it('never sends the stored URL to the editor', async () => {
    const creds = await admin(red, 'GET', '/credentials/rel-store/pgs');
    assert.deepStrictEqual(creds.has_url, true);
    assert.strictEqual(creds.url, undefined);
    assert.ok(!JSON.stringify(creds).includes(String(cluster.port)), 'nothing of the URL');
  });

  it('shows the backend, server, version, schema and users; the fields follow the backend select', async () => {
    await page.evaluate(`RED.editor.editConfig('', 'rel-store', 'pgs')`);
    const info = await waitFor('the info panel', async () => {
      const t = (await page.locator('#rel-store-info').textContent()) ?? '';
      return /Version: PostgreSQL 15\.\d+/.test(t) ? t : '';
    }, 30_000);
    assert.match(info, /Backend: PostgreSQL/);
    assert.match(info, new RegExp(`Server: 127\\.0\\.0\\.1:${cluster.port}/editor`));
    assert.match(info, /Schema: core v2/);
    assert.match(info, /Nodes using it: 1/);
    assert.ok(!info.includes('postgres://'));
    assert.strictEqual(await page.isVisible('#node-config-input-url'), true);
    assert.strictEqual(await page.isVisible('#node-config-input-file'), false);
    assert.strictEqual(await page.isVisible('#node-config-input-ca'), false, 'no CA file unless tls is verify');
    assert.notStrictEqual(await page.inputValue('#node-config-input-url'), url, 'the URL field does not hold the URL');
    await page.selectOption('#node-config-input-tls', 'verify');
    assert.strictEqual(await page.isVisible('#node-config-input-ca'), true);
    await page.selectOption('#rel-store-connect', 'fields');
    assert.strictEqual(await page.isVisible('#node-config-input-host'), true);
    assert.strictEqual(await page.isVisible('#node-config-input-url'), false);
    await page.selectOption('#node-config-input-backend', 'sqlite');
    assert.strictEqual(await page.isVisible('#node-config-input-file'), true);
    assert.strictEqual(await page.isVisible('#node-config-input-host'), false);
    assert.strictEqual(await page.isVisible('#node-config-input-poolSize'), false);
  });
});
