/**
 * The editor with the same users: editorAuth() as Node-RED's adminAuth, checked directly and in a
 * real Node-RED (settings.js requires it), where the editor's token endpoint answers by role.
 */
import { openConnections } from '../../nodes/core/store';
import assert from 'assert';
import fs from 'fs';
import os from 'os';
import path from 'path';
import { AuthService } from '../../nodes/core/auth';
import { openStore } from '../../nodes/core/store';
import { editorAuth } from '../../nodes/shared/editor-auth';
import { tmpDir } from '../helpers/red';
import { OUT, start } from '../ui/nodered';

async function seed(file: string): Promise<void> {
  const h = openStore(file);
  try {
    const svc = await AuthService.open(h.db, { cost: 4 });
    await svc.addUser({ username: 'ada', password: 'admin-pass-1', role: 'admin' });
    await svc.addUser({ username: 'pat', password: 'plan-pass-1', role: 'planner' });
    await svc.addUser({ username: 'tom', password: 'spanner-42', role: 'technician' });
    await svc.addUser({ username: 'old', password: 'old-pass-1', role: 'admin' });
    await svc.disable('old');
  } finally {
    h.release();
  }
}

describe('editor logins with the dashboard users (editorAuth)', function () {
  this.timeout(120_000);

  it('grants editor permissions by role; others, wrong passwords and disabled users get nothing', async () => {
    const dir = tmpDir('editor-auth-');
    try {
      const file = path.join(dir, 'users.db');
      await seed(file);
      const auth = editorAuth({ file, roles: { admin: '*', planner: 'read' } });
      assert.deepStrictEqual(await auth.authenticate('ADA', 'admin-pass-1'), { username: 'ada', permissions: '*' });
      assert.deepStrictEqual(await auth.authenticate('pat', 'plan-pass-1'), { username: 'pat', permissions: 'read' });
      assert.strictEqual(await auth.authenticate('tom', 'spanner-42'), null, 'technicians have no editor role here');
      assert.strictEqual(await auth.authenticate('ada', 'wrong'), null);
      assert.strictEqual(await auth.authenticate('old', 'old-pass-1'), null, 'disabled');
      assert.deepStrictEqual(await auth.users('ada'), { username: 'ada', permissions: '*' });
      assert.strictEqual(await auth.users('old'), null);
      assert.strictEqual(await auth.users('<bad name>'), null);
      assert.throws(() => editorAuth({ file, roles: { boss: '*' } as never }), /roles\.boss must be/);
      const admins = editorAuth({ file });
      assert.deepStrictEqual(await admins.authenticate('pat', 'plan-pass-1'), null, 'by default only admins');
      auth.close();
      admins.close();
      assert.deepStrictEqual(openConnections().filter((c) => c.file.endsWith('users.db')), [], 'connections given back');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a real Node-RED with adminAuth: editorAuth(...) in settings.js gives tokens by role', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rel-auth-editor-'));
    const pkgDir = path.join(dir, 'pkg');
    start.shimPackage(pkgDir, OUT);
    const prep = start.prepareUserDir({ userDir: path.join(dir, 'user'), port: 0, pkgDir, flow: [], reset: true, logLevel: 'info' });
    const file = path.join(prep.userDir, 'reliability.db');
    await seed(file);
    fs.appendFileSync(prep.settingsFile, `module.exports.adminAuth = require(${JSON.stringify(path.join(OUT, 'nodes', 'shared', 'editor-auth.js'))}).editorAuth({ file: ${JSON.stringify(file)}, roles: { admin: '*', planner: 'read' } });\n`);
    const r = await start.runNodeRed({ userDir: prep.userDir, settingsFile: prep.settingsFile, timeoutMs: 90_000 });
    try {
      const token = async (username: string, password: string, scope = '*') => {
        const res = await fetch(`${r.url}/auth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ client_id: 'node-red-admin', grant_type: 'password', scope, username, password }) });
        return { status: res.status, body: (await res.json().catch(() => ({}))) as { access_token?: string } };
      };
      assert.strictEqual((await fetch(`${r.url}/flows`)).status, 401, 'the editor API needs a login');
      const ada = await token('ada', 'admin-pass-1');
      assert.strictEqual(ada.status, 200);
      const flows = await fetch(`${r.url}/flows`, { headers: { Authorization: `Bearer ${ada.body.access_token}` } });
      assert.strictEqual(flows.status, 200);
      assert.strictEqual((await token('pat', 'plan-pass-1')).status, 403, 'a planner may not ask for full rights');
      const pat = await token('pat', 'plan-pass-1', 'read');
      assert.strictEqual(pat.status, 200);
      assert.strictEqual((await fetch(`${r.url}/flows`, { headers: { Authorization: `Bearer ${pat.body.access_token}` } })).status, 200, 'the planner reads the flows');
      const deploy = await fetch(`${r.url}/flows`, { method: 'POST', headers: { Authorization: `Bearer ${pat.body.access_token}`, 'content-type': 'application/json' }, body: '[]' });
      assert.strictEqual(deploy.status, 401, 'a read-only planner cannot deploy');
      assert.strictEqual((await token('tom', 'spanner-42', 'read')).status, 403, 'no editor role: refused like a wrong password');
      assert.strictEqual((await token('ada', 'wrong-pass')).status, 403);
    } finally {
      await start.stopNodeRed(r.child);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
