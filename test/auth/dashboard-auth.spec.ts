/**
 * Dashboard logins end to end: a real Node-RED (child process, 127.0.0.1, free port) with this
 * package's plugin and Dashboard 2.0, the flow of auth-flow.ts deployed through the admin API (so
 * the rel-users credentials are stored), Debian's chromium (playwright-core) for the pages, and a
 * raw socket.io client for what a browser would never send.
 *
 * The last case starts a second Node-RED without the plugin and sends the same 3,000-deep message:
 * it must kill that runtime, which shows the guard is what keeps the first one alive.
 */
import assert from 'assert';
import fs from 'fs';
import os from 'os';
import path from 'path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { admin, sleep, waitFor, type RunningRed, launchChromium } from '../ui/nodered';
import { ADMIN, BUTTON, authFlow } from './auth-flow';
import { deploy, loginToken, rawSocket, received, startAuthRed } from './auth-red';


function nested(depth: number): unknown {
  let v: unknown = 'x';
  for (let i = 0; i < depth; i++) v = [v];
  return v;
}

const press = { payload: 'raw', _event: { type: 'click' } };

describe('dashboard logins (real Node-RED, Dashboard 2.0, chromium)', function () {
  this.timeout(300_000);
  let red: RunningRed;
  let browser: Browser;

  before(async function () {
    red = await startAuthRed();
    await deploy(red, authFlow());
    await waitFor('the admin bootstrapped', async () => (await fetch(`${red.url}/dashboard-login`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `username=${ADMIN.username}&password=${ADMIN.password}` })).status === 303, 30_000);
    await admin(red, 'POST', '/rel-users/users', { action: 'add', username: 'tom', password: 'spanner-42', role: 'technician', name: 'Tom Technician' });
    await admin(red, 'POST', '/rel-users/users', { action: 'add', username: 'olga', password: 'andon-pass', role: 'operator', name: 'Olga Operator' });
    browser = await launchChromium();
  });

  after(async function () {
    if (browser) await browser.close();
    if (red) {
      if (process.env.UI_LOG) fs.writeFileSync(path.join(os.tmpdir(), 'rel-auth-node-red.log'), red.log());
      await red.stop();
    }
  });

  async function loginPage(ctx: BrowserContext, username: string, password: string): Promise<Page> {
    const page = await ctx.newPage();
    await page.goto(`${red.url}/dashboard/floor`);
    await page.waitForURL(/\/dashboard-login\?next=%2Fdashboard%2Ffloor/);
    await page.fill('#username', username);
    await page.fill('#password', password);
    await page.click('#login');
    return page;
  }

  it('warns at deploy that the editor has no login of its own (no adminAuth in settings.js)', () => {
    assert.match(red.log(), /\[warn\] \[rel-users:floor users\] the editor has no login \(adminAuth is not set in settings\.js\)/);
  });

  it('lists users through the admin API without password hashes', async () => {
    const users = (await admin(red, 'GET', '/rel-users/users')) as { username: string; role: string; disabled: boolean }[];
    assert.deepStrictEqual(users.map((u) => [u.username, u.role, u.disabled]), [['admin', 'admin', false], ['olga', 'operator', false], ['tom', 'technician', false]]);
    assert.ok(!JSON.stringify(users).includes('$2'));
    await assert.rejects(admin(red, 'POST', '/rel-users/users', { action: 'add', username: 'x', password: 'short', role: 'operator' }), /HTTP 400 .*password: expected a password of 8 to 72 bytes/);
  });

  it('a dashboard page without a session goes to the login page; a wrong password is refused there', async () => {
    const ctx = await browser.newContext();
    try {
      const page = await loginPage(ctx, 'tom', 'not-his-password');
      await page.waitForSelector('#message');
      assert.strictEqual((await page.textContent('#message'))?.trim(), 'Wrong user name or password.');
      assert.deepStrictEqual(await ctx.cookies(), [], 'no session cookie');
      const setup = await fetch(`${red.url}/dashboard/_setup`);
      assert.strictEqual(setup.status, 401);
    } finally {
      await ctx.close();
    }
  });

  it('no spelling of a dashboard path gets past the login: other case, escapes, doubled slashes', async () => {
    // Express routes whatever the case: with a session, the dashboard answers these spellings
    const token = await loginToken(red, 'tom', 'spanner-42');
    const spellings = ['/DASHBOARD/_setup', `/Dashboard/_debug/datastore/${BUTTON}`, '/dashboard//_setup', '/%64ashboard/_setup', `/dashboard/%5Fdebug/datastore/${BUTTON}`];
    const withSession = await fetch(`${red.url}/DASHBOARD/_debug/datastore/${BUTTON}`, { headers: { cookie: `rel_session=${token}` } });
    assert.strictEqual(withSession.status, 200, 'the dashboard routes an upper-case path');
    for (const p of spellings) {
      const r = await fetch(`${red.url}${p}`);
      assert.strictEqual(r.status, 401, `${p} without a session: HTTP ${r.status}`);
    }
  });

  it('a technician logs in, presses the button: the msg carries the user and the role check passes', async () => {
    const ctx = await browser.newContext();
    try {
      const before = (await received(red)).all.length;
      const page = await loginPage(ctx, 'Tom', 'spanner-42');
      await page.waitForURL(/\/dashboard\/floor/);
      const cookie = (await ctx.cookies()).find((c) => c.name === 'rel_session');
      assert.ok(cookie && cookie.httpOnly && cookie.sameSite === 'Lax' && cookie.path === '/', JSON.stringify(cookie));
      await page.locator(`#nrdb-ui-widget-${BUTTON} button`).first().click({ timeout: 30_000 });
      const got = await waitFor('the button msg', async () => {
        const r = await received(red);
        return r.all.length > before && r.ok.includes('tom') ? r : undefined;
      }, 20_000);
      const last = got.all[got.all.length - 1];
      assert.deepStrictEqual(last.user, { username: 'tom', name: 'Tom Technician', role: 'technician' });
      assert.deepStrictEqual(last.payload, { id: 1 });
      assert.ok(last.socketId, 'the dashboard still adds the socket id');
      const me = (await page.evaluate(async () => (await fetch("/dashboard-login/me")).json())) as { user: unknown };
      assert.deepStrictEqual(me.user, { username: 'tom', name: 'Tom Technician', role: 'technician' });
    } finally {
      await ctx.close();
    }
  });

  it('an operator pressing Complete is refused by the role check with an error naming user and roles', async () => {
    const ctx = await browser.newContext();
    try {
      const before = await received(red);
      const page = await loginPage(ctx, 'olga', 'andon-pass');
      await page.waitForURL(/\/dashboard\/floor/);
      await page.locator(`#nrdb-ui-widget-${BUTTON} button`).first().click({ timeout: 30_000 });
      const got = await waitFor('the refusal', async () => {
        const r = await received(red);
        return r.err.length > before.err.length ? r : undefined;
      }, 20_000);
      assert.strictEqual(got.err[got.err.length - 1], 'InputError: msg._client.user: expected a user whose role holds wo.complete (technician, admin), got the string "olga (operator)" (refused)');
      assert.deepStrictEqual(got.all[got.all.length - 1].user, { username: 'olga', name: 'Olga Operator', role: 'operator' });
      assert.ok(!got.ok.includes('olga'));
    } finally {
      await ctx.close();
    }
  });

  it('logout ends the session: the page asks for a login again and the old cookie opens no socket', async () => {
    const ctx = await browser.newContext();
    try {
      const page = await loginPage(ctx, 'tom', 'spanner-42');
      await page.waitForURL(/\/dashboard\/floor/);
      const token = (await ctx.cookies()).find((c) => c.name === 'rel_session')!.value;
      assert.ok((await rawSocket(red, token)).connected, 'the session opens a socket before logout');
      await page.goto(`${red.url}/dashboard-login`);
      await page.click('#logout');
      await page.waitForSelector('#message');
      assert.strictEqual((await page.textContent('#message'))?.trim(), 'You are logged out.');
      assert.deepStrictEqual((await ctx.cookies()).filter((c) => c.name === 'rel_session'), []);
      await page.goto(`${red.url}/dashboard/floor`);
      await page.waitForURL(/\/dashboard-login/);
      const again = await rawSocket(red, token);
      again.socket.close();
      assert.deepStrictEqual([again.connected, again.error], [false, 'not logged in']);
    } finally {
      await ctx.close();
    }
  });

  it('a raw socket without a session is refused and none of its messages reach a node', async () => {
    const before = (await received(red)).all.length;
    const none = await rawSocket(red);
    const forged = await rawSocket(red, 'A'.repeat(43));
    for (const c of [none, forged]) {
      assert.deepStrictEqual([c.connected, c.error], [false, 'not logged in']);
      c.socket.emit('widget-action', BUTTON, press);
      c.socket.emit('widget-change', BUTTON, 'x');
      c.socket.emit('widget-send', BUTTON, press);
    }
    await sleep(1500);
    none.socket.close();
    forged.socket.close();
    assert.strictEqual((await received(red)).all.length, before, 'no message from an unauthenticated socket');
    // The same client with a session gets through (so the check above could fail).
    const ok = await rawSocket(red, await loginToken(red, 'tom', 'spanner-42'));
    assert.ok(ok.connected);
    ok.socket.emit('widget-action', BUTTON, { ...press, _client: { user: { username: 'admin', role: 'admin' } } });
    const r = await waitFor('the logged-in raw press', async () => {
      const x = await received(red);
      return x.all.length > before ? x : undefined;
    }, 10_000);
    ok.socket.close();
    assert.deepStrictEqual(r.all[r.all.length - 1].user, { username: 'tom', name: 'Tom Technician', role: 'technician' }, 'a user the browser put in _client is replaced');
  });

  it('a 3,000-deep, a 300 KB and a 1 MB message close the socket, reach no node, do not flood the log, and Node-RED keeps running', async () => {
    const token = await loginToken(red, 'tom', 'spanner-42');
    const logFrom = red.log().length;
    const before = (await received(red)).all.length;
    const cases: [string, unknown][] = [
      ['3,000 deep', nested(3000)],
      ['300 KB', { payload: 'x'.repeat(300 * 1024), _event: { type: 'click' } }],
      ['1 MB', { payload: 'x'.repeat(1024 * 1024), _event: { type: 'click' } }],
    ];
    for (const [what, msg] of cases) {
      const c = await rawSocket(red, token);
      assert.ok(c.connected, what);
      const closed = new Promise<string>((resolve) => c.socket.on('disconnect', (reason) => resolve(reason)));
      c.socket.emit('widget-action', BUTTON, msg);
      const reason = await Promise.race([closed, sleep(10_000).then(() => 'still connected')]);
      c.socket.close();
      assert.notStrictEqual(reason, 'still connected', `${what}: the socket is closed`);
    }
    // A flood of them: every socket is closed, the log gets one line per reason per 10 s.
    for (let i = 0; i < 5; i++) {
      const c = await rawSocket(red, token);
      const closed = new Promise<string>((resolve) => c.socket.on('disconnect', (reason) => resolve(reason)));
      c.socket.emit('widget-action', BUTTON, nested(3000));
      assert.notStrictEqual(await Promise.race([closed, sleep(10_000).then(() => 'still connected')]), 'still connected');
      c.socket.close();
    }
    await sleep(500);
    assert.strictEqual((await received(red)).all.length, before, 'none of them reached the flow');
    const warnings = red.log().slice(logFrom);
    assert.match(warnings, /refused a message from user tom from .*nested deeper than 32 levels/);
    assert.match(warnings, /refused a message from user tom from .*larger than 262144 bytes/);
    assert.strictEqual(warnings.split('\n').filter((l) => /nested deeper than 32 levels/.test(l)).length, 1, 'one log line for six deep messages within 10 s');
    // Still running and still serving the dashboard.
    const c = await rawSocket(red, token);
    assert.ok(c.connected);
    c.socket.emit('widget-action', BUTTON, press);
    await waitFor('a normal press after the hostile ones', async () => (await received(red)).all.length === before + 1, 10_000);
    c.socket.close();
  });

  it('locks a user name after 3 failed logins, even with the right password; an admin unlocks it', async () => {
    for (let i = 1; i <= 2; i++) {
      const r = await fetch(`${red.url}/dashboard-login`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `username=olga&password=wrong-${i}` });
      assert.strictEqual(r.status, 401);
    }
    const ctx = await browser.newContext();
    try {
      const page = await loginPage(ctx, 'olga', 'wrong-3');
      await page.waitForSelector('#message');
      assert.match((await page.textContent('#message'))!, /Too many failed logins for this user name: try again in 1 min\./);
      await page.fill('#password', 'andon-pass');
      await page.click('#login');
      await page.waitForSelector('#message');
      assert.match((await page.textContent('#message'))!, /Too many failed logins/, 'the right password is refused while locked');
      const users = (await admin(red, 'GET', '/rel-users/users')) as { username: string; lockedUntil: number }[];
      assert.ok(users.find((u) => u.username === 'olga')!.lockedUntil > Date.now());
      await admin(red, 'POST', '/rel-users/users', { action: 'unlock', username: 'olga' });
      await page.fill('#password', 'andon-pass');
      await page.click('#login');
      await page.waitForURL(/\/dashboard\/floor/);
    } finally {
      await ctx.close();
    }
  });

  it('disabling a user closes their open dashboard socket at once', async () => {
    const c = await rawSocket(red, await loginToken(red, 'olga', 'andon-pass'));
    assert.ok(c.connected);
    const closed = new Promise<string>((resolve) => c.socket.on('disconnect', (reason) => resolve(reason)));
    await admin(red, 'POST', '/rel-users/users', { action: 'disable', username: 'olga' });
    assert.strictEqual(await Promise.race([closed, sleep(5000).then(() => 'still connected')]), 'io server disconnect');
    c.socket.close();
    const r = await fetch(`${red.url}/dashboard-login`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'username=olga&password=andon-pass' });
    assert.strictEqual(r.status, 401, 'a disabled user cannot log in');
  });

  it('without the plugin the same 3,000-deep message kills Node-RED (what the guard prevents)', async () => {
    const bare = await startAuthRed({ plugin: false });
    try {
      await deploy(bare, authFlow({ withUsers: false }));
      const c = await waitFor('a socket on the unguarded dashboard', async () => {
        const s = await rawSocket(bare);
        if (!s.connected) s.socket.close();
        return s.connected ? s : undefined;
      }, 30_000);
      const exited = new Promise<string>((resolve) => bare.child.once('exit', (code, signal) => resolve(`exit ${code ?? signal}`)));
      c.socket.emit('widget-action', BUTTON, nested(3000));
      const outcome = await Promise.race([exited, sleep(15_000).then(() => 'still running')]);
      c.socket.close();
      assert.match(outcome, /^exit /, `Node-RED without the guard: ${outcome}`);
      assert.match(bare.log(), /Maximum call stack size exceeded/);
    } finally {
      await bare.stop();
    }
  });
});
