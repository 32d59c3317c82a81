/**
 * Messages from a dashboard's ui-event node (and widgets' own socket events), which the
 * dashboard's action hooks do not see: on a ui-base with "Include client data" off, what a browser
 * puts in `msg._client` must not reach the flow; the logged-in user goes there instead. A real
 * Node-RED with the plugin and Dashboard 2.0, a raw socket.io client logged in as a technician.
 */
import assert from 'assert';
import fs from 'fs';
import os from 'os';
import path from 'path';
import { admin, waitFor, type RunningRed } from '../ui/nodered';
import { ADMIN, EVENT, authFlow } from './auth-flow';
import { deploy, loginToken, rawSocket, received, startAuthRed } from './auth-red';

describe('dashboard ui-event messages carry the logged-in user, not the browser\'s (real Node-RED)', function () {
  this.timeout(300_000);
  let red: RunningRed;

  before(async function () {
    red = await startAuthRed();
    await deploy(red, authFlow({ includeClientData: false, events: true }));
    await waitFor('the admin bootstrapped', async () => (await fetch(`${red.url}/dashboard-login`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `username=${ADMIN.username}&password=${ADMIN.password}` })).status === 303, 30_000);
    await admin(red, 'POST', '/rel-users/users', { action: 'add', username: 'tom', password: 'spanner-42', role: 'technician', name: 'Tom Technician' });
  });

  after(async function () {
    if (red) {
      if (process.env.UI_LOG) fs.writeFileSync(path.join(os.tmpdir(), 'rel-auth-events-node-red.log'), red.log());
      await red.stop();
    }
  });

  it('a forged _client.user { role: admin } on a ui-event is replaced by the logged-in technician (include client data off)', async () => {
    const c = await rawSocket(red, await loginToken(red, 'tom', 'spanner-42'));
    assert.ok(c.connected, c.error);
    const forged = { user: { username: 'admin', name: 'Admin', role: 'admin' }, socketId: 'someone-else' };
    c.socket.emit('ui-event', EVENT, { payload: 'one', _client: forged });
    c.socket.emit('ui-event', 'all', { payload: 'all', _client: forged });
    const r = await waitFor('both ui-event messages', async () => {
      const x = await received(red);
      return x.events.length >= 2 ? x : undefined;
    }, 15_000);
    c.socket.close();
    assert.deepStrictEqual(
      r.events.map((e) => [e.payload, e.client]),
      [
        ['one', { user: { username: 'tom', name: 'Tom Technician', role: 'technician' } }],
        ['all', { user: { username: 'tom', name: 'Tom Technician', role: 'technician' } }],
      ],
    );
  });
});
