/**
 * The plant database banner in a real browser: Node-RED (127.0.0.1, free port) with a rel-store on
 * a throwaway PostgreSQL cluster, rel-work-order and rel-view on it, and the demo's line overview
 * and maintenance pages (their ui-templates from flows/demo-line.json) fed with rel-view's output.
 * The server is stopped, three detections are written (queued on the box): both pages say
 * "Plant database offline – 3 records queued, they are sent when it is back" in English and the
 * German sentence with ?lang=de, without horizontal overflow at 390 px; once the server is back and
 * the queue has drained, the banner is gone. Screenshots test-output/screenshots/banner-*.png.
 */
import assert from 'assert';
import fs from 'fs';
import path from 'path';
import type { Browser, Page } from 'playwright-core';
import { pgCluster, type PgCluster } from '../helpers/pg';
import { admin, launchChromium, ROOT, start, startRed, waitFor, type RunningRed } from './nodered';

const SHOTS = path.join(ROOT, 'test-output', 'screenshots');
const EN = 'Plant database offline – 3 records queued, they are sent when it is back';
const DE = 'Anlagendatenbank nicht erreichbar – 3 Datensätze warten, sie werden gesendet, sobald sie wieder da ist';

/** The line state the demo's pages read, reduced to rel-view's output (no other node in this flow). */
const LINE_STATE = `return { topic: 'line', payload: { view: msg.payload, assets: [], wos: [], andon: [], kanban: [], pulls: [], spares: [], pm: [], kpi: [], buffer: [], tz: 'UTC', lineNow: null, updatedAt: new Date().toISOString() } };`;

function flow(url: string): object[] {
  const demo = start.readFlow('demo-line.json');
  const tpl = (id: string) => demo.find((n: any) => n.id === id).format as string;
  const base = demo.find((n: any) => n.type === 'ui-base');
  const theme = demo.find((n: any) => n.type === 'ui-theme');
  const T = 'sb-tab';
  const page = (key: string, order: number) => [
    { id: `pg-${key}`, type: 'ui-page', name: key, ui: base.id, path: `/${key}`, icon: 'factory', layout: 'grid', theme: theme.id, breakpoints: [{ name: 'Default', px: '0', cols: '3' }, { name: 'Desktop', px: '1024', cols: '12' }], order, className: '', visible: 'true', disabled: 'false' },
    { id: `gr-${key}`, type: 'ui-group', name: key, page: `pg-${key}`, width: '12', height: '1', order: 1, showTitle: false, className: '', visible: 'true', disabled: 'false', groupType: 'default' },
    { id: `tpl-${key}`, type: 'ui-template', z: T, group: `gr-${key}`, page: '', ui: '', name: key, order: 1, width: '0', height: '0', head: '', format: tpl(`tpl-${key}`), storeOutMessages: true, passthru: false, resendOnRefresh: true, templateScope: 'local', className: '', x: 700, y: 100 + order * 60, wires: [[]] },
  ];
  return [
    { id: T, type: 'tab', label: 'store banner' },
    { id: 'pg', type: 'rel-store', name: 'plant', backend: 'postgres', localFile: 'box-local.db', poolSize: 2, credentials: { url } },
    { id: 'wo', type: 'rel-work-order', z: T, name: '', store: 'pg', asset: '', minSeverity: 'warning', criticality: 3, x: 300, y: 60, wires: [['answer'], []] },
    { id: 'view', type: 'rel-view', z: T, name: '', store: 'pg', staleAfter: 120, interval: 1, topic: 'line-view', x: 300, y: 160, wires: [['state']] },
    { id: 'state', type: 'function', z: T, name: 'line state', func: LINE_STATE, outputs: 1, x: 500, y: 160, wires: [['tpl-line', 'tpl-maintenance']] },
    // POST /t/detect {asset}: a detection for the work-order node, answered with its output.
    { id: 'in', type: 'http in', z: T, name: '', url: '/t/detect', method: 'post', upload: false, swaggerDoc: '', x: 100, y: 60, wires: [['to-detect']] },
    { id: 'to-detect', type: 'function', z: T, name: 'detect', func: "msg.action = 'detect'; msg.payload = { asset: msg.payload.asset, mode: 'imbalance', severity: 'warning', evidence: '1X high' }; return msg;", outputs: 1, x: 200, y: 100, wires: [['wo']] },
    { id: 'answer', type: 'function', z: T, name: 'answer', func: 'if (!msg.res) return null; msg.statusCode = 200; msg.payload = { queued: msg.queued === true }; return msg;', outputs: 1, x: 500, y: 60, wires: [['out']] },
    { id: 'out', type: 'http response', z: T, name: '', statusCode: '', headers: {}, x: 700, y: 60, wires: [] },
    { id: 'catch', type: 'catch', z: T, name: '', scope: ['wo'], uncaught: false, x: 300, y: 100, wires: [['failed']] },
    { id: 'failed', type: 'function', z: T, name: 'error', func: 'if (!msg.res) return null; msg.statusCode = 500; msg.payload = { error: msg.error.message }; return msg;', outputs: 1, x: 500, y: 100, wires: [['out']] },
    { ...base },
    { ...theme },
    ...page('line', 1),
    ...page('maintenance', 2),
  ];
}

async function overflowOf(page: Page): Promise<{ sw: number; w: number }> {
  return (await page.evaluate('({ sw: document.scrollingElement.scrollWidth, w: window.innerWidth })')) as { sw: number; w: number };
}

describe('ui: the plant database banner with the PostgreSQL server stopped', function () {
  this.timeout(300_000);
  let cluster: PgCluster;
  let red: RunningRed;
  let browser: Browser;

  before(async function () {
    cluster = await pgCluster();
    await cluster.start();
    const url = await cluster.createDatabase(`ui_banner_${process.pid}`);
    red = await startRed();
    await admin(red, 'POST', '/flows', { flows: flow(url) }, { 'Node-RED-Deployment-Type': 'full' });
    browser = await launchChromium();
    fs.mkdirSync(SHOTS, { recursive: true });
  });

  after(async function () {
    await cluster?.start();
    if (browser) await browser.close();
    if (red) await red.stop();
  });

  const detect = async (asset: string): Promise<{ queued: boolean }> => {
    const r = await fetch(`${red.url}/t/detect`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ asset }) });
    const body = await r.text();
    assert.strictEqual(r.status, 200, body);
    return JSON.parse(body) as { queued: boolean };
  };

  it('offline: the line overview and the maintenance page say how many records wait, in English and German, on a phone; gone after the drain', async function () {
    await waitFor('the store migrated (a detection applied)', async () => (await detect('press-1').catch(() => ({ queued: true }))).queued === false, 60_000);
    const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
    await page.goto(`${red.url}/dashboard/line?lang=en`);
    await page.locator('[data-count="machines"]').waitFor({ timeout: 30_000 });
    assert.strictEqual(await page.locator('[data-store-banner]').count(), 0, 'no banner while the server answers');

    await cluster.stop();
    for (const a of ['press-2', 'press-3', 'press-4']) assert.deepStrictEqual(await detect(a), { queued: true }, a);
    for (const [p, lang, text] of [['line', 'en', EN], ['line', 'de', DE], ['maintenance', 'de', DE], ['maintenance', 'en', EN]] as const) {
      await page.goto(`${red.url}/dashboard/${p}?lang=${lang}`);
      const banner = page.locator('[data-store-banner]');
      await waitFor(`the ${lang} banner on ${p}`, async () => ((await banner.innerText().catch(() => '')) ?? '').trim() === text, 30_000);
      assert.strictEqual(await banner.getAttribute('data-queued'), '3');
      const o = await overflowOf(page);
      assert.ok(o.sw <= o.w, `${p} ${lang}: ${o.sw} px wide in ${o.w}`);
      await page.screenshot({ path: path.join(SHOTS, `banner-${p}-${lang}-390.png`) });
    }

    await cluster.start();
    await waitFor('the banner gone after the drain', async () => (await page.locator('[data-store-banner]').count()) === 0, 90_000);
    await page.close();
  });
});
