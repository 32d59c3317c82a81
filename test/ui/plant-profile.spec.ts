/**
 * `npm start -- --plant` (scripts/start.js plantProfile): refuses to start without a credential
 * secret and an editor login; a real Node-RED with the profile serves the editor only behind
 * adminAuth at /admin, over TLS when a key and certificate are given.
 */
import assert from 'assert';
import { execFileSync } from 'child_process';
import fs from 'fs';
import https from 'https';
import os from 'os';
import path from 'path';
import { OUT, start } from './nodered';

const plantProfile: (env: Record<string, string | undefined>) => { settings: any; tls?: { key: string; cert: string }; host: string; problems: string[] } = (start as any).plantProfile;

function get(url: string, ca: Buffer, opts: { method?: string; body?: string; headers?: Record<string, string> } = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method: opts.method ?? 'GET', ca, headers: opts.headers }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    if (opts.body) req.write(opts.body);
    req.end();
  });
}

describe('ui: the plant profile (npm start -- --plant)', function () {
  this.timeout(120_000);

  it('lists what is missing instead of starting an open editor', function () {
    const p = plantProfile({});
    assert.strictEqual(p.problems.length, 3, p.problems.join('\n'));
    assert.match(p.problems[0], /^NODE_RED_CREDENTIAL_SECRET/);
    assert.match(p.problems[1], /NODE_RED_ADMIN_PASSWORD/);
    assert.match(p.problems[2], /^TLS_KEY and TLS_CERT: without them passwords and session cookies cross the network in clear text on 0\.0\.0\.0/);
    assert.match(plantProfile({ NODE_RED_CREDENTIAL_SECRET: 'x'.repeat(16), NODE_RED_ADMIN_PASSWORD: 'short' }).problems.join(), /at least 10 characters/);
    assert.match(plantProfile({ NODE_RED_CREDENTIAL_SECRET: 'x'.repeat(16), NODE_RED_ADMIN_PASSWORD: 'long enough pw', TLS_KEY: '/nope.key' }).problems.join(), /give both files/);
    const open = plantProfile({ NODE_RED_CREDENTIAL_SECRET: 'x'.repeat(16), NODE_RED_ADMIN_PASSWORD: 'long enough pw' });
    assert.deepStrictEqual(open.problems.map((x) => x.slice(0, 22)), ['TLS_KEY and TLS_CERT: '], 'no plain HTTP on the floor network');
    assert.strictEqual(open.host, '0.0.0.0');
    // behind a reverse proxy on the same box that ends TLS
    const ok = plantProfile({ NODE_RED_CREDENTIAL_SECRET: 'x'.repeat(16), NODE_RED_ADMIN_PASSWORD: 'long enough pw', HOST: '127.0.0.1' });
    assert.deepStrictEqual(ok.problems, []);
    assert.match(ok.settings.adminAuth.users[0].password, /^\$2[aby]\$10\$/, 'only a bcrypt hash is written to settings.js');
    assert.strictEqual(ok.settings.adminAuth.sessionExpiryTime, 43200, 'an editor login lasts a shift');
  });

  it('a real Node-RED: editor behind login at /admin over TLS', async function () {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rel-plant-'));
    const key = path.join(dir, 'key.pem');
    const cert = path.join(dir, 'cert.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], {
      stdio: 'ignore',
      // Another library loaded in this test process (node-opcua) may leave OPENSSL_CONF set to a bad value.
      env: Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'OPENSSL_CONF')),
    });
    const ca = fs.readFileSync(cert);
    const p = plantProfile({ NODE_RED_CREDENTIAL_SECRET: 's'.repeat(24), NODE_RED_ADMIN_PASSWORD: 'correct horse battery', TLS_KEY: key, TLS_CERT: cert, HOST: '127.0.0.1' });
    assert.deepStrictEqual(p.problems, []);
    const pkgDir = path.join(dir, 'pkg');
    start.shimPackage(pkgDir, OUT);
    const prep = (start as any).prepareUserDir({ userDir: path.join(dir, 'user'), port: 0, host: p.host, pkgDir, flow: [], reset: true, extra: p.settings, tls: p.tls });
    assert.ok(!fs.readFileSync(prep.settingsFile, 'utf8').includes('correct horse'), 'no clear-text password in settings.js');
    assert.strictEqual(fs.statSync(prep.settingsFile).mode & 0o777, 0o600, 'settings.js (it holds the credential secret) readable by its owner only');
    const red = await start.runNodeRed({ userDir: prep.userDir, settingsFile: prep.settingsFile, timeoutMs: 90_000 });
    try {
      assert.match(red.url, /^https:\/\/127\.0\.0\.1:\d+$/);
      assert.strictEqual((await get(`${red.url}/admin/flows`, ca)).status, 401, 'the editor API needs a login');
      const bad = await get(`${red.url}/admin/auth/token`, ca, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ client_id: 'node-red-admin', grant_type: 'password', scope: '*', username: 'admin', password: 'wrong' }) });
      assert.strictEqual(bad.status, 403);
      const tok = await get(`${red.url}/admin/auth/token`, ca, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ client_id: 'node-red-admin', grant_type: 'password', scope: '*', username: 'admin', password: 'correct horse battery' }) });
      assert.strictEqual(tok.status, 200, tok.body);
      const flows = await get(`${red.url}/admin/flows`, ca, { headers: { Authorization: `Bearer ${JSON.parse(tok.body).access_token}` } });
      assert.strictEqual(flows.status, 200);
    } finally {
      await start.stopNodeRed(red.child);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
