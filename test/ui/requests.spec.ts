/**
 * Work requests from the floor, end to end: a real Node-RED (child process, 127.0.0.1, free port)
 * with dashboard logins (rel-users), rel-request, rel-work-order, rel-pm, rel-spares and the
 * technician page (tpl-tech of flows/demo-line.json, made from scripts/demo/ui/tech.vue, as a Dashboard 2.0 ui-template), driven by Debian's
 * chromium (playwright-core) on a 390 x 844 phone viewport:
 * 1. an operator opens an asset's QR link, logs in, sends a request with a photo (a PNG made here);
 * 2. a planner approves it on the request list: the work order exists with the photo, which is
 *    served to a logged-in user (200, the same bytes, image/png, nosniff) and to nobody else (401);
 * 3. a PM plan with a required checklist step opens an order; on the technician page its reserved
 *    parts are prefilled, completing is refused naming the step until it is ticked, then done,
 *    the health feedback shows and Close closes it;
 * 4. no horizontal overflow on the request and technician pages.
 * Then a second Node-RED without logins (the demo's case), German pages in an English browser:
 * a form without a machine offers the machines in the line's order; empty fields are refused in
 * German by the form itself; the request list asks for a name, refuses a decision without it in
 * German, and with a typed name approves the request into a work order recorded under that name;
 * the pages link to each other and back to the dashboard.
 */
import assert from 'assert';
import fs from 'fs';
import os from 'os';
import path from 'path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { admin, OUT, ROOT, start, startRed, waitFor, type RunningRed, launchChromium } from './nodered';
import { tinyPng } from '../floor/png';

const PHONE = { width: 390, height: 844 };
const ADMIN = { username: 'admin', password: 'admin-pass-1' };
const USERS = [
  { username: 'olga', password: 'operator-pass', role: 'operator', name: 'Olga Operator' },
  { username: 'pete', password: 'planner-pass', role: 'planner', name: 'Pete Planner' },
  { username: 'tom', password: 'spanner-pass', role: 'technician', name: 'Tom Technician' },
];
const pw = (u: string) => USERS.find((x) => x.username === u)!.password;

/** The technician page as the demo ships it (scripts/demo/ui/tech.vue with the shared styles, language methods and dictionary). */
function techTemplate(): string {
  const tpl = start.readFlow('demo-line.json').find((n: any) => n.id === 'tpl-tech');
  assert.ok(tpl && typeof tpl.format === 'string' && !tpl.format.includes('/*@i18n-methods*/'), 'flows/demo-line.json has the generated technician page');
  return tpl.format;
}

/** The flow: the nodes under test, a tiny line state for the tech page, and POST /test/cmd to drive nodes. */
function flow(): object[] {
  const T = 'rq-tab';
  // Flow nodes need a position (a node without x, y is taken for a configuration node).
  return placed(T, [
    { id: T, type: 'tab', label: 'requests test' },
    { id: 'st', type: 'rel-store', name: 'test store', file: 'floor-test.db' },
    { id: 'users', type: 'rel-users', name: 'floor users', store: 'st', sessionHours: 1, maxFailures: 5, lockMinutes: 1, credentials: { ...ADMIN } },
    { id: 'a1', type: 'rel-asset', assetId: 'press-01', name: 'Press 1', line: 'line-1', criticality: 4, machineClass: 'iso10816-3:group2:rigid', rpm: 1480, bearing: '6205-2RS' },
    { id: 'rq', type: 'rel-request', z: T, name: '', store: 'st', baseUrl: '', wires: [['res'], []] },
    { id: 'wo', type: 'rel-work-order', z: T, name: '', store: 'st', asset: '', minSeverity: 'warning', criticality: 3, wires: [['to-line'], []] },
    { id: 'pm', type: 'rel-pm', z: T, name: '', store: 'st', catchup: 'one', tickInterval: 3600, tz: 'UTC', plans: '', wires: [['res'], []] },
    { id: 'sp', type: 'rel-spares', z: T, name: '', store: 'st', wires: [['res'], []] },
    // POST /test/cmd {to: wo|pm|sp|rq, action, payload} -> the node -> the HTTP answer.
    { id: 'cmd-in', type: 'http in', z: T, name: '', url: '/test/cmd', method: 'post', upload: false, swaggerDoc: '', wires: [['cmd-route']] },
    { id: 'cmd-route', type: 'function', z: T, name: 'route', func: "const b = msg.payload; msg.action = b.action; msg.payload = b.payload; msg.viaHttp = true; return [b.to === 'wo' ? msg : null, b.to === 'pm' ? msg : null, b.to === 'sp' ? msg : null, b.to === 'rq' ? msg : null];", outputs: 4, wires: [['wo'], ['pm'], ['sp'], ['rq']] },
    { id: 'res', type: 'function', z: T, name: 'answer', func: 'if (!msg.res) return null; msg.statusCode = 200; return msg;', outputs: 1, wires: [['http-res']] },
    { id: 'http-res', type: 'http response', z: T, name: '', statusCode: '', headers: {}, wires: [] },
    { id: 'catch', type: 'catch', z: T, name: '', scope: ['wo', 'pm', 'sp', 'rq'], uncaught: false, wires: [['on-error']] },
    { id: 'on-error', type: 'function', z: T, name: 'error -> answer or notice', func: "if (msg.res) { msg.statusCode = 400; msg.payload = { error: msg.error.message }; return [msg, null]; } return [null, { topic: 'notice', payload: { level: 'error', text: msg.error.message }, _client: msg._client }];", outputs: 2, wires: [['http-res'], ['tpl-tech']] },
    // The tech page's line state: the work orders every second (list), one asset in normal state (a new reading each second).
    { id: 'tick', type: 'inject', z: T, name: '', props: [{ p: 'payload' }, { p: 'action', v: 'list', vt: 'str' }], repeat: '1', once: true, onceDelay: '1', topic: '', payload: '{"limit":100,"history":false}', payloadType: 'json', wires: [['wo']] },
    { id: 'to-line', type: 'function', z: T, name: 'line state', func: "if (msg.res) { msg.statusCode = 200; return [null, msg]; } if (msg.action !== 'list') return null; return [{ topic: 'line', payload: { assets: [{ id: 'press-01', name: 'Press 1', health: 94, state: 'normal', reading: { ts: Date.now(), health: 94, state: 'normal' } }], wos: msg.payload, andon: [] } }, null];", outputs: 2, wires: [['tpl-tech'], ['http-res']] },
    { id: 'ui-cmd', type: 'function', z: T, name: 'tech commands', func: "const p = msg.payload || {}; const out = { action: msg.action, payload: { id: p.id, by: p.by }, _client: msg._client }; if (p.assignee) out.payload.assignee = p.assignee; if (msg.action === 'complete') { if (p.repairMin !== '' && p.repairMin !== undefined) out.payload.repairMin = Number(p.repairMin); out.payload.parts = String(p.parts || '').split(/[;,]/).map((s) => s.trim()).filter(Boolean).map((s) => { const m = s.split(':'); return { part: m[0].trim(), qty: Number(m[1] || 1) }; }); } return out;", outputs: 1, wires: [['wo']] },
    { id: 'ub', type: 'ui-base', name: 'Floor', path: '/dashboard', includeClientData: true, acceptsClientConfig: ['ui-notification', 'ui-control', 'ui-template'], showPathInSidebar: false, headerContent: 'page', navigationStyle: 'default', titleBarStyle: 'default', showReconnectNotification: false, notificationDisplayTime: 1, showDisconnectNotification: false, allowInstall: false },
    { id: 'th', type: 'ui-theme', name: 'plain', colors: { surface: '#263238', primary: '#0d74ce', bgPage: '#eceff1', groupBg: '#ffffff', groupOutline: '#cfd8dc' }, sizes: { density: 'default', pagePadding: '10px', groupGap: '10px', groupBorderRadius: '6px', widgetGap: '10px' } },
    { id: 'pg', type: 'ui-page', name: 'Technician', ui: 'ub', path: '/tech', icon: 'cellphone', layout: 'grid', theme: 'th', breakpoints: [{ name: 'Default', px: '0', cols: '3' }, { name: 'Desktop', px: '1024', cols: '12' }], order: 1, className: '', visible: 'true', disabled: 'false' },
    { id: 'gr', type: 'ui-group', name: 'Technician', page: 'pg', width: '12', height: '1', order: 1, showTitle: false, className: '', visible: 'true', disabled: 'false', groupType: 'default' },
    { id: 'tpl-tech', type: 'ui-template', z: T, group: 'gr', page: '', ui: '', name: 'tech', order: 1, width: '0', height: '0', head: '', format: techTemplate(), storeOutMessages: true, passthru: false, resendOnRefresh: true, templateScope: 'local', className: '', wires: [['ui-cmd']] },
  ]);
}

function placed(tab: string, nodes: object[]): object[] {
  return nodes.map((n: any, i) => (n.z === tab && n.x === undefined ? { ...n, x: 200 + 200 * (i % 4), y: 60 + 40 * i } : n));
}

async function cmd(red: RunningRed, to: string, action: string, payload: object): Promise<any> {
  const r = await fetch(`${red.url}/test/cmd`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ to, action, payload }) });
  const j = await r.json();
  if (r.status !== 200) throw new Error(`${to} ${action}: HTTP ${r.status} ${JSON.stringify(j)}`);
  return j;
}

async function noOverflow(page: Page, what: string): Promise<void> {
  const r = await page.evaluate(() => {
    const d = (globalThis as any).document;
    return { sw: d.documentElement.scrollWidth as number, cw: d.documentElement.clientWidth as number, bw: d.body.scrollWidth as number };
  });
  assert.ok(r.sw <= r.cw && r.bw <= r.cw, `${what}: horizontal overflow (scrollWidth ${r.sw}/${r.bw}, clientWidth ${r.cw})`);
}

describe('work requests from the floor (real Node-RED, logins, chromium at 390 px)', function () {
  this.timeout(240_000);
  let red: RunningRed & { child?: unknown };
  let browser: Browser;
  const shots = path.join(ROOT, 'test-output', 'ui');

  before(async function () {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rel-rq-ui-'));
    const pkgDir = path.join(dir, 'pkg');
    start.shimPackage(pkgDir, OUT);
    const prep = start.prepareUserDir({ userDir: path.join(dir, 'user'), port: 0, pkgDir, flow: [], reset: true, logLevel: 'info', extra: { relUsersBcryptCost: 4 } });
    const r = await start.runNodeRed({ userDir: prep.userDir, settingsFile: prep.settingsFile, timeoutMs: 90_000, stdio: process.env.UI_ECHO ? 'inherit' : 'pipe' });
    red = { url: r.url, userDir: prep.userDir, dir, types: [], log: r.log, stop: async () => { await start.stopNodeRed(r.child); fs.rmSync(dir, { recursive: true, force: true }); } };
    await admin(red, 'POST', '/flows', { flows: flow() }, { 'Node-RED-Deployment-Type': 'full' });
    await waitFor('the admin bootstrapped', async () => (await fetch(`${red.url}/dashboard-login`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `username=${ADMIN.username}&password=${ADMIN.password}` })).status === 303, 30_000);
    for (const u of USERS) await admin(red, 'POST', '/rel-users/users', { action: 'add', ...u });
    fs.mkdirSync(shots, { recursive: true });
    browser = await launchChromium();
  });

  after(async function () {
    if (browser) await browser.close();
    if (red) {
      if (process.env.UI_LOG) fs.writeFileSync(path.join(os.tmpdir(), 'rel-requests-node-red.log'), red.log());
      await red.stop();
    }
  });

  async function phone(): Promise<BrowserContext> {
    return browser.newContext({ viewport: PHONE, isMobile: true, hasTouch: true, locale: 'en-GB' });
  }
  /** Open `url`, land on the login page, log in as `user`, come back to `url`. */
  async function loggedIn(ctx: BrowserContext, url: string, user: string): Promise<Page> {
    const page = await ctx.newPage();
    await page.goto(red.url + url);
    await page.waitForURL(/\/dashboard-login\?next=/);
    await page.fill('#username', user);
    await page.fill('#password', pw(user));
    await page.click('#login');
    await page.waitForURL((u: URL) => u.pathname + u.search === url);
    return page;
  }

  let photoName = '';
  it('an operator opens the QR link of an asset and sends a request with a photo', async () => {
    // The label sheet carries the link: planner only.
    const ctx = await phone();
    const page = await loggedIn(ctx, '/floor/request?asset=press-01', 'olga');
    assert.strictEqual(await page.textContent('#asset-name'), 'Press 1');
    assert.match((await page.textContent('#who')) ?? '', /Olga Operator/);
    assert.strictEqual(await page.getAttribute('#photo', 'capture'), 'environment');
    // The links on top: the request list (any logged-in user), not the labels (planner, admin).
    assert.strictEqual(await page.locator('[data-nav="requests"]').count(), 1);
    assert.strictEqual(await page.locator('[data-nav="labels"]').count(), 0, 'no labels link for an operator');
    await page.fill('#text', 'Oil under the gearbox <b>{{ 7*7 }}</b>');
    await page.setInputFiles('#photo', { name: 'leak.png', mimeType: 'image/png', buffer: tinyPng() });
    await page.click('#send');
    await waitFor('the request sent', async () => /Request WR-000001 sent/.test((await page.textContent('#result')) ?? ''), 20_000);
    await noOverflow(page, 'request form');
    await page.screenshot({ path: path.join(shots, 'request-390.png'), fullPage: true });
    const labels = await page.request.get(`${red.url}/floor/labels`);
    assert.strictEqual(labels.status(), 403, 'an operator may not print labels');
    await ctx.close();
  });

  it('a planner approves it: the work order exists with the photo, served to logged-in users only', async () => {
    const ctx = await phone();
    const page = await loggedIn(ctx, '/floor/labels', 'pete');
    assert.strictEqual(await page.locator('.label svg').count(), 1, 'one label with a QR code for the one asset');
    assert.match((await page.textContent('.label')) ?? '', /Press 1\s*ID press-01/);
    await page.goto(`${red.url}/floor/requests`);
    await page.locator('[data-approve="1"]').waitFor({ timeout: 10_000 });
    assert.match((await page.textContent('#req-1')) ?? '', /Oil under the gearbox <b>\{\{ 7\*7 \}\}<\/b>/, 'user text shown as text');
    await noOverflow(page, 'request list');
    // Logged in: the user decides, no name field.
    assert.strictEqual(await page.locator('#by').count(), 0, 'no typed name when logged in');
    assert.match((await page.textContent('#who')) ?? '', /Pete Planner/);
    assert.match((await page.textContent('#req-1')) ?? '', /WR-000001 · Press 1/);
    await page.click('[data-approve="1"]');
    await waitFor('approved', async () => (await page.getAttribute('#req-1', 'data-status')) === 'approved', 10_000);
    assert.match((await page.textContent('#req-1')) ?? '', /Approved by pete, \d{1,2} [A-Z][a-z]{2}, \d\d:\d\d: WO-000001/);
    const order = await cmd(red, 'wo', 'get', { id: 1 });
    assert.deepStrictEqual([order.asset, order.source, order.title], ['press-01', 'manual', 'Oil under the gearbox <b>{{ 7*7 }}</b>']);
    assert.match(order.history[0].by, /pete/);
    const detail = await (await page.request.get(`${red.url}/floor/orders/1`)).json();
    assert.strictEqual(detail.photos.length, 1);
    photoName = detail.photos[0].name;
    assert.strictEqual(detail.photos[0].by, 'olga');
    const got = await page.request.get(`${red.url}/floor/photos/${photoName}`);
    assert.strictEqual(got.status(), 200);
    assert.strictEqual(got.headers()['content-type'], 'image/png');
    assert.strictEqual(got.headers()['x-content-type-options'], 'nosniff');
    assert.deepStrictEqual(Buffer.from(await got.body()), tinyPng(), 'the same bytes');
    const anon = await fetch(`${red.url}/floor/photos/${photoName}`);
    assert.strictEqual(anon.status, 401, 'not logged in');
    const bad = await fetch(`${red.url}/floor/photos/${photoName}`, { headers: { cookie: 'rel_session=' + 'a'.repeat(43) } });
    assert.strictEqual(bad.status, 401, 'a made-up session');
    // The file is beside the SQLite file, under its generated name.
    assert.ok(fs.existsSync(path.join(red.userDir, 'floor-test-photos', photoName)));
    // A typed name is ignored with logins on: the session's user requests and decides.
    const post = (u: string, data: object) => page.request.post(`${red.url}${u}`, { data, headers: { origin: red.url } });
    const r2 = await (await post('/floor/requests', { asset: 'press-01', text: 'Guard loose', by: 'mallory' })).json();
    assert.strictEqual(r2.requestedBy, 'pete');
    const rj = await (await post(`/floor/requests/${r2.id}/reject`, { reason: 'fixed already', by: 'mallory' })).json();
    assert.deepStrictEqual([rj.status, rj.decidedBy], ['rejected', 'pete']);
    await ctx.close();
  });

  it('a PM plan with a required step: reserved parts prefilled on the tech page, completion refused until ticked, then Close', async () => {
    const now = Date.now();
    await assert.rejects(cmd(red, 'wo', 'complete', { id: 999, by: 'x' }), /HTTP 400 .*work order 999 not found/);
    await cmd(red, 'pm', 'plan', { asset: 'press-01', task: 'Belt service', trigger: 'calendar', unit: 'days', every: 1, lastDone: now - 1.5 * 86_400_000, checklist: '*Check belt tension; Clean guard' });
    const opened = (await cmd(red, 'pm', 'tick', {})).opened;
    assert.strictEqual(opened.length, 1);
    const id = opened[0].id;
    const number = opened[0].number;
    await cmd(red, 'sp', 'define', { part: 'BELT-XPZ', name: 'V-belt XPZ', unitCost: 12 });
    await cmd(red, 'sp', 'receive', { part: 'BELT-XPZ', qty: 5, by: 'pete' });
    await cmd(red, 'sp', 'reserve', { part: 'BELT-XPZ', qty: 2, wo: id, by: 'pete' });
    await cmd(red, 'wo', 'assign', { id, by: 'pete', assignee: 'tom' });
    await cmd(red, 'wo', 'start', { id, by: 'tom' });
    const ctx = await phone();
    const page = await loggedIn(ctx, '/dashboard/tech', 'tom');
    const card = page.locator(`[data-two="${number}"]`);
    await card.locator('[data-field="downtimeMin"]').waitFor({ timeout: 30_000 });
    assert.strictEqual(await page.locator('[data-field="by"]').count(), 0, 'no typed name when logged in');
    await waitFor('the reserved parts prefilled: one row per part with its quantity', async () => (await card.locator('[data-part-row="BELT-XPZ"] [data-field="qty"]').inputValue().catch(() => '')) === '2', 20_000);
    assert.strictEqual(await card.locator('[data-part-row]').count(), 1);
    await card.locator('[data-step="1"]').waitFor({ timeout: 10_000 });
    assert.match((await card.locator('[data-step="1"]').textContent()) ?? '', /Check belt tension \(required\)/);
    await card.locator('[data-field="repairMin"]').fill('25');
    await card.locator('[data-field="downtimeMin"]').fill('0');
    await page.click(`[data-act="complete-${number}"]`);
    await waitFor('the refusal naming the step', async () => /cannot be completed: required checklist step 1\. "Check belt tension" not ticked/.test((await page.textContent('[data-notice]').catch(() => '')) ?? ''), 15_000);
    assert.strictEqual((await cmd(red, 'wo', 'get', { id })).status, 'in-progress');
    assert.strictEqual(await page.locator('[data-health-feedback]').count(), 0, 'no health feedback for a refused completion');
    await noOverflow(page, 'technician page');
    await page.screenshot({ path: path.join(shots, 'tech-390-checklist.png'), fullPage: true });
    await card.locator('[data-step="1"] input').check();
    await waitFor('the step ticked', async () => (await card.locator('[data-step="1"]').getAttribute('data-done')) === '1', 10_000);
    assert.match((await card.locator('[data-step="1"]').textContent()) ?? '', /tom/);
    await page.click(`[data-act="complete-${number}"]`);
    await waitFor('the order done', async () => (await cmd(red, 'wo', 'get', { id })).status === 'done', 15_000);
    const done = await cmd(red, 'wo', 'get', { id });
    assert.deepStrictEqual([done.parts, done.history.at(-1).by], [[{ part: 'BELT-XPZ', qty: 2 }], 'tom']);
    await waitFor('the health feedback', async () => /Press 1: back to normal \(health 94\)/.test((await page.textContent('[data-health-feedback]').catch(() => '')) ?? ''), 10_000);
    await noOverflow(page, 'technician page, done');
    await page.screenshot({ path: path.join(shots, 'tech-390-done.png'), fullPage: true });
    assert.strictEqual(await page.locator(`[data-act="close-${number}"]`).count(), 0, 'a technician does not close (wo.close: planner, admin)');
    await ctx.close();
    // The planner closes it from the same page.
    const ctx2 = await phone();
    const planner = await loggedIn(ctx2, '/dashboard/tech', 'pete');
    await planner.locator(`[data-act="close-${number}"]`).waitFor({ timeout: 30_000 });
    await noOverflow(planner, 'technician page, planner');
    await planner.click(`[data-act="close-${number}"]`);
    await waitFor('the order closed', async () => (await cmd(red, 'wo', 'get', { id })).status === 'closed', 15_000);
    await ctx2.close();
  });
});

/** The flow without logins: three machines (flow order differs from id order), rel-request, rel-work-order, a dashboard base, POST /test/cmd. */
function offFlow(): object[] {
  const T = 'rq-off';
  return placed(T, [
    { id: T, type: 'tab', label: 'requests without logins' },
    { id: 'st', type: 'rel-store', name: 'test store', file: 'floor-off.db' },
    ...[
      ['conveyor-1', 'Conveyor drive'],
      ['pump-1', 'Pump'],
      ['compressor-1', 'Compressor'],
    ].map(([assetId, name]) => ({ id: `a-${assetId}`, type: 'rel-asset', assetId, name, line: 'Line 1', criticality: 3, machineClass: 'iso10816-3:group2:rigid', rpm: 1480, bearing: '6205-2RS' })),
    { id: 'rq', type: 'rel-request', z: T, name: '', store: 'st', baseUrl: '', wires: [['res'], []] },
    { id: 'wo', type: 'rel-work-order', z: T, name: '', store: 'st', asset: '', minSeverity: 'warning', criticality: 3, wires: [['res'], []] },
    { id: 'cmd-in', type: 'http in', z: T, name: '', url: '/test/cmd', method: 'post', upload: false, swaggerDoc: '', wires: [['cmd-route']] },
    { id: 'cmd-route', type: 'function', z: T, name: 'route', func: "const b = msg.payload; msg.action = b.action; msg.payload = b.payload; return [b.to === 'wo' ? msg : null, b.to === 'rq' ? msg : null];", outputs: 2, wires: [['wo'], ['rq']] },
    { id: 'res', type: 'function', z: T, name: 'answer', func: 'if (!msg.res) return null; msg.statusCode = 200; return msg;', outputs: 1, wires: [['http-res']] },
    { id: 'http-res', type: 'http response', z: T, name: '', statusCode: '', headers: {}, wires: [] },
    { id: 'catch', type: 'catch', z: T, name: '', scope: ['wo', 'rq'], uncaught: false, wires: [['on-error']] },
    { id: 'on-error', type: 'function', z: T, name: 'error -> answer', func: 'if (!msg.res) return null; msg.statusCode = 400; msg.payload = { error: msg.error.message }; return msg;', outputs: 1, wires: [['http-res']] },
    { id: 'ub', type: 'ui-base', name: 'Floor', path: '/dashboard', includeClientData: true, acceptsClientConfig: ['ui-notification', 'ui-control'], showPathInSidebar: false, headerContent: 'page', navigationStyle: 'default', titleBarStyle: 'default', showReconnectNotification: false, notificationDisplayTime: 1, showDisconnectNotification: false, allowInstall: false },
  ]);
}

describe('work requests with logins off (real Node-RED without rel-users, chromium at 390 px, German pages in an English browser)', function () {
  this.timeout(240_000);
  let red: RunningRed;
  let browser: Browser;
  const shots = path.join(ROOT, 'test-output', 'ui');

  before(async function () {
    red = await startRed({ flow: offFlow() });
    fs.mkdirSync(shots, { recursive: true });
    browser = await launchChromium();
  });
  after(async function () {
    if (browser) await browser.close();
    if (red) await red.stop();
  });

  it('a request sent from the QR form is approved on the request list with a typed name and becomes a work order; refusals in German; the pages link to each other', async () => {
    const ctx = await browser.newContext({ viewport: PHONE, isMobile: true, hasTouch: true, locale: 'en-GB' });
    const page = await ctx.newPage();
    const body = async () => (await page.locator('body').innerText()).replace(/\s+/g, ' ');
    const stored = async () => (await (await fetch(`${red.url}/floor/requests?format=json`)).json()) as any[];

    // The form without a machine: the machines to pick, in the line's (flow's) order, by name.
    await page.goto(`${red.url}/floor/request?lang=de`);
    await page.locator('#pick').waitFor({ timeout: 20_000 });
    assert.deepStrictEqual(await page.locator('[data-pick]').evaluateAll((els) => els.map((e) => e.getAttribute('data-pick'))), ['conveyor-1', 'pump-1', 'compressor-1']);
    assert.match(await body(), /Um welche Maschine geht es\?\s*Conveyor drive Line 1 Pump Line 1 Compressor Line 1/);
    assert.doesNotMatch(await body(), /Unbekannte|Unknown/);
    assert.strictEqual(await page.getAttribute('[data-nav="dashboard"]', 'href'), '/dashboard', 'a link back to the dashboard');
    assert.strictEqual((await page.request.get(`${red.url}/dashboard`)).status(), 200, 'the dashboard is there');
    await noOverflow(page, 'machine picker');
    await page.screenshot({ path: path.join(shots, 'request-pick-de-390.png'), fullPage: true });
    // An unknown machine: said so, and the list to pick from.
    await page.goto(`${red.url}/floor/request?asset=${encodeURIComponent('<x>')}&lang=de`);
    assert.match(await page.locator('#unknown').innerText(), /^Unbekannte Maschine: <x>\. Wählen Sie die Maschine aus der Liste\.$/);
    assert.strictEqual(await page.locator('[data-pick]').count(), 3);
    await page.click('[data-pick="pump-1"]');
    await page.waitForURL(/asset=pump-1/);
    assert.strictEqual(await page.textContent('#asset-name'), 'Pump');
    assert.strictEqual(await page.locator('#photo').count(), 0, 'no photo field without logins');
    assert.doesNotMatch(await body(), /Foto|Photo|Anmeld|log ?in/i, 'no hint about logins that do not exist');

    // Sent empty: the form's own message in German, nothing stored.
    await page.click('#send');
    assert.strictEqual(await page.evaluate(() => (globalThis as any).document.getElementById('by').validationMessage), 'Bitte Ihren Namen eingeben.');
    await page.fill('#by', 'Olga');
    await page.click('#send');
    assert.strictEqual(await page.evaluate(() => (globalThis as any).document.getElementById('text').validationMessage), 'Bitte beschreiben Sie, was los ist.');
    assert.strictEqual((await stored()).length, 0, 'nothing sent');
    await page.fill('#text', 'Pumpe <b>tropft</b> seit der Frühschicht');
    await page.click('#send');
    await waitFor('the request sent', async () => /Meldung WR-000001 gesendet/.test((await page.textContent('#result')) ?? ''), 20_000);
    await noOverflow(page, 'request form');

    // The request list, reached from the form.
    await page.click('[data-nav="requests"]');
    await page.locator('[data-approve="1"]').waitFor({ timeout: 20_000 });
    const card = () => page.locator('#req-1').innerText();
    assert.match(await card(), /^WR-000001 · Pump\n/, 'the machine by name');
    assert.match(await card(), /Pumpe <b>tropft<\/b> seit der Frühschicht/, 'user text shown as text');
    assert.match(await card(), /Olga, \d{1,2}\. [A-Z][a-zä]{2}\.?, \d\d:\d\d/, 'the time as 7. Dez., 09:01');
    assert.doesNotMatch(await card(), /pump-1|T\d\d:|\d{4}-\d\d-\d\d/);
    assert.match(await body(), /Zeiten in UTC/);
    assert.strictEqual(await page.locator('[data-nav="form"]').count(), 1);
    assert.strictEqual(await page.locator('[data-nav="labels"]').count(), 1);
    // Approve without a name: refused in German, on the page and by the server; still new.
    await page.fill('#by', '');
    await page.click('[data-approve="1"]');
    const refusal = 'Geben Sie oben Ihren Namen ein, bevor Sie freigeben oder ablehnen.';
    assert.strictEqual(await page.locator('[data-msg="1"]').innerText(), refusal);
    const direct = await page.request.post(`${red.url}/floor/requests/1/approve?lang=de`, { data: { by: '  ' }, headers: { origin: red.url } });
    assert.strictEqual(direct.status(), 400);
    const dj = await direct.json();
    assert.deepStrictEqual([dj.message, /^by: expected your name/.test(dj.error)], [refusal, true]);
    assert.strictEqual((await stored())[0].status, 'new');
    await noOverflow(page, 'request list');
    await page.screenshot({ path: path.join(shots, 'requests-de-390-name.png'), fullPage: true });
    // With a typed name: approved into a work order under that name.
    await page.fill('#by', 'Pete Planer');
    await page.click('[data-approve="1"]');
    await waitFor('approved', async () => (await page.getAttribute('#req-1', 'data-status').catch(() => null)) === 'approved', 15_000);
    assert.match(await card(), /Freigegeben von Pete Planer, \d{1,2}\. [A-Z][a-zä]{2}\.?, \d\d:\d\d: WO-000001/);
    assert.doesNotMatch(await body(), /expected|undefined|Fehler/);
    const order = await cmd(red, 'wo', 'get', { id: 1 });
    assert.deepStrictEqual([order.number, order.asset, order.source, order.status, order.title, order.history[0].by], ['WO-000001', 'pump-1', 'manual', 'open', 'Pumpe <b>tropft</b> seit der Frühschicht', 'Pete Planer']);
    assert.strictEqual(await page.inputValue('#by'), 'Pete Planer', 'the name kept on the screen');

    // Reject: a reason needed (in German), then recorded with the name.
    assert.strictEqual((await fetch(`${red.url}/floor/requests`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ asset: 'conveyor-1', by: 'Olga', text: 'Quietscht' }) })).status, 201);
    await page.reload();
    await page.locator('[data-reject="2"]').waitFor({ timeout: 10_000 });
    await page.click('[data-reject="2"]');
    assert.strictEqual(await page.locator('[data-msg="2"]').innerText(), 'Geben Sie einen Grund an, bevor Sie ablehnen.');
    await page.fill('[data-reason="2"]', 'Läuft sich ein');
    await page.click('[data-reject="2"]');
    await waitFor('rejected', async () => (await page.getAttribute('#req-2', 'data-status').catch(() => null)) === 'rejected', 15_000);
    assert.match(await page.locator('#req-2').innerText(), /Abgelehnt von Pete Planer, .*: Läuft sich ein/);
    // Deciding twice: refused in words.
    const again = await (await page.request.post(`${red.url}/floor/requests/1/reject?lang=de`, { data: { by: 'Ida', reason: 'x' }, headers: { origin: red.url } })).json();
    assert.strictEqual(again.message, 'WR-000001 wurde bereits von Pete Planer freigegeben.');
    // In English the same refusal is English.
    const en = await (await page.request.post(`${red.url}/floor/requests/2/approve?lang=en`, { data: {}, headers: { origin: red.url } })).json();
    assert.strictEqual(en.message, 'Enter your name above before you approve or reject.');

    // The labels in the line's order, by name, linked back.
    await page.click('[data-nav="labels"]');
    await page.locator('.label').first().waitFor({ timeout: 10_000 });
    assert.deepStrictEqual((await page.locator('.label b').allInnerTexts()).map((x) => x.trim()), ['Conveyor drive', 'Pump', 'Compressor']);
    assert.strictEqual(await page.locator('[data-nav="requests"]').count(), 1);
    await noOverflow(page, 'labels');
    // The technician page's German words for complete and close (floor/text, which it loads).
    const de = (await (await fetch(`${red.url}/floor/text?lang=de`)).json()) as Record<string, string>;
    assert.deepStrictEqual([de.complete, de.close, de.done], ['Erledigen', 'Abschließen', 'Erledigt, abzuschließen']);
    await ctx.close();
  });
});
