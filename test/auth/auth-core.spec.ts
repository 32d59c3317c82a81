/**
 * The auth core on a real SQLite file through the asynchronous Store: password hashing, the role
 * table, lockout with its time window, session expiry, admin operations, bootstrap, the inbound
 * message caps and the cookie helpers.
 */
import assert from 'assert';
import fs from 'fs';
import path from 'path';
import { openStore, type StoreHandle } from '../../nodes/core/store';
import {
  AuthService, AUTH_MIGRATIONS, afterFailure, DEFAULT_INBOUND, hashPassword, inboundProblem, isLocked, newPassword, packetProblem, permissionFor, permitted,
  readCookie, ROLES, rolesWith, sessionCookie, tokenHash, username, verifyPassword, PERMISSIONS, safeNext, crossSite, loginForm, loggedInPage,
} from '../../nodes/core/auth';
import { InputError, StateError } from '../../nodes/core/errors';
import { tmpDir } from '../helpers/red';

const MIN = 60_000;

function nested(depth: number): unknown {
  let v: unknown = 'x';
  for (let i = 0; i < depth; i++) v = [v];
  return v;
}

describe('auth core', function () {
  this.timeout(30_000);
  let dir: string;
  let h: StoreHandle;
  let now: number;
  let auth: AuthService;
  beforeEach(async () => {
    dir = tmpDir('auth-core-');
    h = openStore(path.join(dir, 'auth.db'));
    now = Date.UTC(2026, 0, 5, 6, 0, 0);
    auth = await AuthService.open(h.db, { cost: 4, now: () => now, lockout: { maxFailures: 3, windowMs: 10 * MIN, lockMs: 5 * MIN }, session: { lifetimeMs: 60 * MIN } });
  });
  afterEach(() => {
    h.release();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('migrates the auth track once, with SQLite and PostgreSQL DDL for every version', async () => {
    assert.deepStrictEqual((await h.db.versions()).auth, AUTH_MIGRATIONS.length);
    for (const m of AUTH_MIGRATIONS) {
      assert.ok(m.postgres && m.postgres.length === m.up.length, `version ${m.version} has PostgreSQL DDL`);
      for (const sql of m.postgres) assert.doesNotMatch(sql, /(_at|_until|_start) INTEGER/, 'times are BIGINT on PostgreSQL');
    }
    await AuthService.open(h.db);
    assert.strictEqual((await h.db.versions()).auth, 1);
  });

  describe('passwords', () => {
    it('hashes with bcrypt and verifies only the right password', async () => {
      const hash = await hashPassword('correct horse', 4);
      assert.match(hash, /^\$2[aby]\$04\$/);
      assert.notStrictEqual(hash, await hashPassword('correct horse', 4), 'salted');
      assert.strictEqual(await verifyPassword('correct horse', hash), true);
      assert.strictEqual(await verifyPassword('correct hors', hash), false);
      assert.strictEqual(await verifyPassword('correct horse', 'plain text'), false);
      assert.strictEqual(await verifyPassword('x'.repeat(73), hash), false);
    });
    it('refuses short, over-long and non-string passwords without echoing them', () => {
      assert.throws(() => newPassword('short'), (e: Error) => e instanceof InputError && /password: expected a password of 8 to 72 bytes, got the number 5/.test(e.message) && !e.message.includes('short"'));
      assert.throws(() => newPassword('é'.repeat(40)), /got the number 80/);
      assert.throws(() => newPassword(12345678), /got the number 12345678/);
      assert.strictEqual(newPassword('eight888'), 'eight888');
    });
    it('user names are lower-cased and limited to a safe alphabet', () => {
      assert.strictEqual(username(' Olga.K '), 'olga.k');
      for (const bad of ['', 'a b', '<script>', 'x'.repeat(65), 42, null, '.start']) assert.throws(() => username(bad), InputError, String(bad));
    });
  });

  describe('roles', () => {
    it('operator raises Andon and requests work, nothing more', () => {
      assert.ok(permitted('operator', 'andon.raise'));
      assert.ok(permitted('operator', permissionFor('rel-work-order', 'create')!));
      for (const p of ['andon.ack', 'wo.complete', 'spares.issue', 'wo.assign', 'users.manage']) assert.ok(!permitted('operator', p), p);
    });
    it('technician acknowledges, starts, completes and issues parts; not plan or receive', () => {
      for (const [node, action] of [['rel-andon', 'ack'], ['rel-andon', 'resolve'], ['rel-work-order', 'start'], ['rel-work-order', 'complete'], ['rel-spares', 'issue']]) {
        assert.ok(permitted('technician', permissionFor(node, action)!), `${node} ${action}`);
      }
      for (const [node, action] of [['rel-work-order', 'assign'], ['rel-pm', 'plan'], ['rel-spares', 'receive'], ['rel-registry', 'import']]) {
        assert.ok(!permitted('technician', permissionFor(node, action)!), `${node} ${action}`);
      }
    });
    it('planner creates, assigns, plans PM and receives stock; not complete', () => {
      for (const [node, action] of [['rel-work-order', 'assign'], ['rel-work-order', 'create'], ['rel-pm', 'plan'], ['rel-spares', 'receive']]) {
        assert.ok(permitted('planner', permissionFor(node, action)!), `${node} ${action}`);
      }
      assert.ok(!permitted('planner', 'wo.complete'));
      assert.ok(!permitted('planner', 'users.manage'));
    });
    it('admin holds every permission; users and the register are admin only', () => {
      for (const p of PERMISSIONS) assert.ok(permitted('admin', p), p);
      assert.deepStrictEqual(rolesWith('users.manage'), ['admin']);
      assert.deepStrictEqual(rolesWith(permissionFor('rel-registry', 'import')!), ['admin']);
      assert.deepStrictEqual([...ROLES], ['operator', 'technician', 'planner', 'admin']);
    });
    it('reading needs no permission; unknown actions need one only admin holds', () => {
      assert.strictEqual(permissionFor('rel-work-order', 'list'), null);
      assert.strictEqual(permissionFor('rel-andon', 'board'), null);
      assert.deepStrictEqual(rolesWith(permissionFor('rel-kanban', 'consume')!), ['admin']);
      assert.deepStrictEqual(rolesWith(permissionFor('rel-work-order', '__proto__')!), ['admin']);
    });
  });

  describe('login, lockout and sessions', () => {
    beforeEach(async () => {
      await auth.addUser({ username: 'Tom', password: 'spanner-42', role: 'technician', name: 'Tom T.' });
    });

    it('logs in with the right password; the session token is stored only hashed', async () => {
      const r = await auth.login('TOM', 'spanner-42', '10.0.0.5');
      assert.ok(r.ok);
      assert.match(r.token, /^[A-Za-z0-9_-]{43}$/);
      assert.deepStrictEqual(r.user, { username: 'tom', name: 'Tom T.', role: 'technician' });
      assert.strictEqual(r.expiresAt, now + 60 * MIN);
      const rows = await h.db.all<{ token_hash: string }>('SELECT token_hash FROM auth_sessions');
      assert.deepStrictEqual(rows.map((x) => x.token_hash), [tokenHash(r.token)]);
      assert.ok(!JSON.stringify(rows).includes(r.token));
      assert.deepStrictEqual(await auth.validate(r.token), { username: 'tom', name: 'Tom T.', role: 'technician', expiresAt: now + 60 * MIN });
    });

    it('a wrong password and an unknown user get the same answer', async () => {
      assert.deepStrictEqual(await auth.login('tom', 'wrong-one'), { ok: false, reason: 'invalid' });
      assert.deepStrictEqual(await auth.login('nobody', 'spanner-42'), { ok: false, reason: 'invalid' });
      assert.deepStrictEqual(await auth.login({ $ne: 1 }, 'spanner-42'), { ok: false, reason: 'invalid' });
      assert.deepStrictEqual(await auth.login('tom', ''), { ok: false, reason: 'invalid' });
    });

    it('locks a name after 3 failures within 10 min, for 5 min, even with the right password', async () => {
      await auth.login('tom', 'bad-1');
      await auth.login('tom', 'bad-2');
      const third = await auth.login('tom', 'bad-3');
      assert.deepStrictEqual(third, { ok: false, reason: 'locked', retryAt: now + 5 * MIN });
      now += 4 * MIN;
      assert.deepStrictEqual(await auth.login('tom', 'spanner-42'), { ok: false, reason: 'locked', retryAt: now + 1 * MIN });
      assert.ok((await auth.user('tom')).lockedUntil > now);
      now += 1 * MIN;
      const ok = await auth.login('tom', 'spanner-42');
      assert.ok(ok.ok, 'unlocked after 5 min');
    });

    it('failures outside the window do not add up; a success clears the count', async () => {
      await auth.login('tom', 'bad-1');
      await auth.login('tom', 'bad-2');
      now += 11 * MIN; // window over
      assert.deepStrictEqual(await auth.login('tom', 'bad-3'), { ok: false, reason: 'invalid' });
      assert.ok((await auth.login('tom', 'spanner-42')).ok);
      await auth.login('tom', 'bad-4');
      assert.deepStrictEqual(await auth.login('tom', 'bad-5'), { ok: false, reason: 'invalid' }, 'count started again after the success');
    });

    it('unknown names lock too (no way to tell which names exist)', async () => {
      assert.deepStrictEqual(await auth.login('ghost', 'x'), { ok: false, reason: 'invalid' });
      assert.deepStrictEqual(await auth.login('Ghost', 'y'), { ok: false, reason: 'invalid' });
      assert.deepStrictEqual(await auth.login('ghost', 'z'), { ok: false, reason: 'locked', retryAt: now + 5 * MIN });
    });

    it('sessions expire at the fixed lifetime; logout ends one; pruning removes expired rows', async () => {
      const a = await auth.login('tom', 'spanner-42');
      const b = await auth.login('tom', 'spanner-42');
      assert.ok(a.ok && b.ok);
      assert.ok(await auth.logout(a.token));
      assert.strictEqual(await auth.validate(a.token), undefined);
      assert.ok(await auth.validate(b.token));
      now += 60 * MIN - 1;
      assert.ok(await auth.validate(b.token), 'still valid 1 ms before expiry');
      now += 1;
      assert.strictEqual(await auth.validate(b.token), undefined, 'expired');
      await auth.prune(now + 2 * MIN);
      assert.strictEqual((await h.db.all('SELECT * FROM auth_sessions')).length, 0);
      for (const bad of [undefined, '', 'x', 'a'.repeat(44), { t: 1 }]) assert.strictEqual(await auth.validate(bad), undefined);
    });

    it('disable ends sessions and refuses login; enable lets the user back; reset password ends sessions', async () => {
      const a = await auth.login('tom', 'spanner-42');
      assert.ok(a.ok);
      await auth.disable('tom');
      assert.strictEqual(await auth.validate(a.token), undefined);
      assert.deepStrictEqual(await auth.login('tom', 'spanner-42'), { ok: false, reason: 'invalid' });
      await auth.enable('tom');
      const b = await auth.login('tom', 'spanner-42');
      assert.ok(b.ok);
      await auth.resetPassword('tom', 'new-spanner-1');
      assert.strictEqual(await auth.validate(b.token), undefined);
      assert.ok(!(await auth.login('tom', 'spanner-42')).ok);
      assert.ok((await auth.login('tom', 'new-spanner-1')).ok);
    });

    it('role changes apply to live sessions', async () => {
      const a = await auth.login('tom', 'spanner-42');
      assert.ok(a.ok);
      await auth.setRole('tom', 'planner');
      assert.strictEqual((await auth.validate(a.token))?.role, 'planner');
    });
  });

  describe('admin operations', () => {
    it('refuses duplicates, unknown users, bad roles, and removing the last admin', async () => {
      await auth.addUser({ username: 'ada', password: 'admin-pass-1', role: 'admin' });
      await assert.rejects(auth.addUser({ username: 'ADA', password: 'admin-pass-1', role: 'operator' }), (e: Error) => e instanceof StateError && /user ada already exists/.test(e.message));
      await assert.rejects(auth.setRole('nobody', 'operator'), /no user nobody/);
      await assert.rejects(auth.addUser({ username: 'x', password: 'pass-word-1', role: 'boss' }), /role: expected one of operator, technician, planner, admin, got the string "boss"/);
      await assert.rejects(auth.disable('ada'), /ada is the last enabled admin/);
      await assert.rejects(auth.setRole('ada', 'operator'), /last enabled admin/);
      await auth.addUser({ username: 'bob', password: 'admin-pass-2', role: 'admin' });
      await auth.disable('ada');
      const list = await auth.listUsers();
      assert.deepStrictEqual(list.map((u) => [u.username, u.role, u.disabled]), [['ada', 'admin', true], ['bob', 'admin', false]]);
      assert.ok(!JSON.stringify(list).includes('$2'), 'no hashes in the list');
    });

    it('bootstrap creates the admin once, keeps later password changes, and resets when the credentials change', async () => {
      assert.strictEqual(await auth.hasUsers(), false);
      assert.strictEqual(await auth.bootstrap('Admin', 'first-secret'), 'created');
      assert.ok((await auth.login('admin', 'first-secret')).ok);
      assert.strictEqual(await auth.bootstrap('admin', 'first-secret'), 'unchanged');
      await auth.resetPassword('admin', 'changed-on-floor');
      assert.strictEqual(await auth.bootstrap('admin', 'first-secret'), 'unchanged', 'a redeploy keeps the password set since');
      assert.ok((await auth.login('admin', 'changed-on-floor')).ok);
      await auth.addUser({ username: 'boss', password: 'admin-pass-2', role: 'admin' });
      await auth.setRole('admin', 'operator');
      await auth.disable('admin');
      assert.strictEqual(await auth.bootstrap('admin', 'second-secret'), 'reset');
      const u = await auth.user('admin');
      assert.deepStrictEqual([u.role, u.disabled], ['admin', false]);
      assert.ok((await auth.login('admin', 'second-secret')).ok);
      await assert.rejects(auth.bootstrap('admin', 'short'), /credentials.password: expected a password of 8 to 72 bytes/);
    });
  });

  describe('lockout policy (pure)', () => {
    it('counts within the window and locks at the limit', () => {
      const p = { maxFailures: 3, windowMs: 1000, lockMs: 500 };
      let s = afterFailure(undefined, 0, p);
      s = afterFailure(s, 500, p);
      assert.ok(!isLocked(s, 500));
      s = afterFailure(s, 999, p);
      assert.ok(isLocked(s, 999) && isLocked(s, 1498) && !isLocked(s, 1499));
      let t = afterFailure(undefined, 0, p);
      t = afterFailure(t, 1000, p); // window of 1000 ms over: starts again
      assert.deepStrictEqual(t, { count: 1, windowStart: 1000, lockedUntil: 0 });
    });
  });

  describe('inbound caps', () => {
    it('refuses a 3,000-deep array without recursing, and accepts 32 levels', () => {
      assert.strictEqual(inboundProblem([nested(31)]), undefined);
      assert.match(inboundProblem([nested(3000)])!, /nested deeper than 32 levels/);
      assert.match(inboundProblem([nested(1_000_000)])!, /nested deeper than 32/);
    });
    it('refuses more than 256 KB, counted before any copy', () => {
      assert.strictEqual(inboundProblem(['x'.repeat(200_000)]), undefined);
      assert.match(inboundProblem(['x'.repeat(300_000)])!, /larger than 262144 bytes/);
      assert.match(inboundProblem([new Array(1_000_000).fill(0)])!, /larger than/);
      assert.match(inboundProblem([{ payload: Buffer.alloc(300_000) }])!, /larger than/);
      const wide: Record<string, number> = {};
      for (let i = 0; i < 50_000; i++) wide['key' + i] = i;
      assert.match(inboundProblem([wide])!, /larger than/);
    });
    it('dashboard events need a short string widget id', () => {
      assert.strictEqual(packetProblem(['widget-action', 'abc', { payload: 1 }]), undefined);
      assert.match(packetProblem(['widget-load', 42])!, /widget-load: the widget id is not a string/);
      assert.match(packetProblem(['widget-action', 'x'.repeat(201), {}])!, /widget id/);
      assert.match(packetProblem([{ e: 1 }])!, /event name/);
      assert.strictEqual(packetProblem(['custom-event', 42]), undefined, 'third-party events only get the caps');
      assert.strictEqual(DEFAULT_INBOUND.maxDepth, 32);
    });
  });

  describe('cookies', () => {
    it('reads the session cookie among others and writes HttpOnly, SameSite=Lax, Secure on HTTPS', () => {
      assert.strictEqual(readCookie('a=1; rel_session=abc_DEF-1; b=2'), 'abc_DEF-1');
      assert.strictEqual(readCookie('a=1'), undefined);
      assert.strictEqual(readCookie(undefined), undefined);
      assert.strictEqual(sessionCookie('tok', { path: '/', maxAgeS: 3600, secure: false }), 'rel_session=tok; Path=/; Max-Age=3600; HttpOnly; SameSite=Lax');
      assert.match(sessionCookie('tok', { path: '/red/', maxAgeS: 60, secure: true }), /Path=\/red\/; Max-Age=60; HttpOnly; SameSite=Lax; Secure$/);
      assert.match(sessionCookie('', { path: '/', maxAgeS: 0, secure: false }), /Max-Age=0; HttpOnly; SameSite=Lax; Expires=Thu, 01 Jan 1970/);
      assert.throws(() => sessionCookie('a;b', { path: '/', maxAgeS: 1, secure: false }), /base64url/);
      assert.match(sessionCookie('t', { path: '/x;Domain=evil', maxAgeS: 1, secure: false }), /Path=\/;/);
    });
  });

  describe('login pages', () => {
    const urls = { login: '/dashboard-login', logout: '/dashboard-logout' };
    it('go only to a path on this server after login', () => {
      for (const ok of ['/dashboard/floor', '/red/dashboard?x=1']) assert.strictEqual(safeNext(ok, '/d'), ok);
      for (const bad of ['//evil.example/x', '/\\evil.example', 'https://evil.example/', 'javascript:alert(1)', '/a b', '', 42, '/x'.repeat(1001)]) assert.strictEqual(safeNext(bad, '/d'), '/d', String(bad));
    });
    it('refuse posts from another site', () => {
      assert.strictEqual(crossSite('box:1880', 'http://box:1880', undefined), false);
      assert.strictEqual(crossSite('box:1880', undefined, 'http://box:1880/dashboard-login'), false);
      assert.strictEqual(crossSite('box:1880', undefined, undefined), false, 'no Origin/Referer: a non-browser client');
      assert.strictEqual(crossSite('box:1880', 'http://evil.example', undefined), true);
      assert.strictEqual(crossSite('box:1880', 'null', undefined), true);
      assert.strictEqual(crossSite('box:1880', 'not a url', undefined), true);
    });
    it('escape every value and load nothing external', () => {
      const html = loginForm(urls, '/d?"><script>', { kind: 'err', text: '<b>x</b>' }, '"><img src=x>');
      assert.ok(!html.includes('<script>') && !html.includes('<img') && !html.includes('<b>x'));
      assert.ok(html.includes('&quot;&gt;&lt;img src=x&gt;'));
      assert.doesNotMatch(html, /(src|href)=["']?https?:/);
      const inPage = loggedInPage(urls, { username: 'tom', name: '<i>Tom</i>', role: 'technician' }, '/d');
      assert.ok(inPage.includes('&lt;i&gt;Tom&lt;/i&gt; (tom, technician)') && inPage.includes('action="/dashboard-logout"'));
    });
  });
});
