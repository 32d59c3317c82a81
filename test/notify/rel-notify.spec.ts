/**
 * rel-notify in a real Node-RED runtime: a real rel-andon escalation (fake clock) and a rel-health
 * state change go through rel-notify into node-red-node-email's `e-mail` node, which delivers to a
 * local SMTP catcher (smtp-server on 127.0.0.1, port 0, no TLS, with a login), and into the core
 * `http request` node, which POSTs to a local HTTP endpoint (port 0). The mails are parsed and
 * checked for recipient, subject and bodies; the POSTs for their JSON. Then the bad-input harness.
 */
import assert from 'assert';
import fs from 'fs';
import http from 'http';
import path from 'path';
import type { AddressInfo } from 'net';
import { ROOT, helper, loadFlow, unloadFlow, getNode, nextMessage, receiveAndComplete, recordStatus, tmpDir, sleep } from '../helpers/red';
import { assetNode, storeNode } from '../helpers/fixtures';
import { FakeClock } from '../helpers/fake-clock';
import { fuzzNode } from '../helpers/fuzz';

// eslint-disable-next-line @typescript-eslint/no-var-requires
const { SMTPServer } = require('smtp-server');
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { simpleParser } = require('node-red-node-email/node_modules/mailparser');
const EMAIL_NODES = [require('node-red-node-email/61-email.js')];
const HTTP_NODES = [require('@node-red/nodes/core/network/21-httprequest.js')];

// Monday 2026-12-07 09:00 UTC
const T0 = Date.UTC(2026, 11, 7, 9, 0, 0);
const SHIFTS = 'early=06:00-14:00, late=14:00-22:00, night=22:00-06:00';

interface Mail {
  rcpt: string[];
  from: string;
  user: string;
  subject: string;
  text: string;
  html: string;
}

function rosterCsv(hookBase: string): string {
  return [
    'name,role,email,phone,webhook,lines,shifts,days',
    'Anna Schmidt,technician,anna@plant.example,+49 170 1111111,,L1;L2,early,Mon-Fri',
    'Ben Okafor,technician,ben@plant.example,,,L1;L2,late,Mon-Fri',
    `Paula Planner,planner,paula@plant.example,,${hookBase}/paula,*,early;late,Mon-Fri`,
  ].join('\n');
}

describe('rel-notify (runtime)', function () {
  this.timeout(60_000);
  let smtp: any;
  let smtpPort = 0;
  const mails: Mail[] = [];
  let web: http.Server;
  let webPort = 0;
  const posts: { path: string; type: string; body: any }[] = [];

  before(async () => {
    smtp = new SMTPServer({
      secure: false,
      disabledCommands: ['STARTTLS'],
      allowInsecureAuth: true,
      logger: false,
      onAuth(auth: any, _s: any, cb: any) {
        if (auth.username === 'notify' && auth.password === 'secret') cb(null, { user: auth.username });
        else cb(new Error('bad login'));
      },
      onData(stream: any, session: any, cb: any) {
        simpleParser(stream).then(
          (m: any) => {
            mails.push({ rcpt: session.envelope.rcptTo.map((r: any) => r.address), from: session.envelope.mailFrom.address, user: session.user, subject: m.subject, text: m.text ?? '', html: m.html || '' });
            cb();
          },
          (e: Error) => cb(e),
        );
      },
    });
    await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', r));
    smtpPort = (smtp.server.address() as AddressInfo).port;
    web = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        posts.push({ path: req.url ?? '', type: String(req.headers['content-type']), body: JSON.parse(body) });
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end('1');
      });
    });
    await new Promise<void>((r) => web.listen(0, '127.0.0.1', r));
    webPort = (web.address() as AddressInfo).port;
  });
  after(async () => {
    await unloadFlow();
    helper.settings({ reliabilityClock: undefined });
    await new Promise<void>((r) => smtp.close(r));
    await new Promise<void>((r) => web.close(() => r()));
  });

  const waitFor = async (what: string, ok: () => boolean, ms = 10_000) => {
    const end = Date.now() + ms;
    while (!ok() && Date.now() < end) await sleep(25);
    assert.ok(ok(), `timed out waiting for ${what}`);
  };

  it('an Andon escalation and a machine alarm reach the SMTP catcher and the webhook endpoint', async function () {
    const clock = new FakeClock(T0);
    helper.settings({ reliabilityClock: clock });
    const hookBase = `http://127.0.0.1:${webPort}`;
    await loadFlow(
      [
        storeNode(path.join(tmpDir(), 'notify.db')),
        assetNode({ id: 'a1', assetId: 'pump-7', line: 'L2' }),
        { id: 'andon', type: 'rel-andon', store: 'store1', levels: '2, 5, 10', stations: 'st-1', wires: [[], ['notify'], []] },
        {
          id: 'notify', type: 'rel-notify', roster: rosterCsv(hookBase), shifts: SHIFTS, timeZone: 'UTC', line: 'L1', minInterval: 10, lang: 'en',
          dashboardUrl: 'http://edge-1:1880/dashboard', from: 'maintenance@plant.example',
          wires: [['mail', 'h-mail'], ['http'], ['h-dash']],
        },
        { id: 'mail', type: 'e-mail', server: '127.0.0.1', port: String(smtpPort), secure: false, tls: false, authtype: 'BASIC', name: '' },
        { id: 'http', type: 'http request', method: 'use', ret: 'txt', url: '', paytoqs: 'ignore', wires: [['h-http']] },
        { id: 'h-mail', type: 'helper' },
        { id: 'h-http', type: 'helper' },
        { id: 'h-dash', type: 'helper' },
      ],
      [...EMAIL_NODES, ...HTTP_NODES],
      // the team channel's URL is a credential of rel-notify
      { mail: { userid: 'notify', password: 'secret' }, notify: { webhook: `${hookBase}/team` } },
    );
    const seen = recordStatus('notify');

    // 1. A real Andon call at st-1, unacknowledged for 2 min: rel-andon escalates to level 1 on its timer.
    const err = await receiveAndComplete('andon', { action: 'raise', payload: { station: 'st-1', kind: 'machine', text: 'Conveyor <jammed> & stopped', ts: T0 } });
    assert.strictEqual(err, undefined);
    const dash = nextMessage('h-dash');
    clock.advance(2 * 60_000 + 1000);
    const d1 = await dash;
    assert.match(d1.topic, /^\[ANDON level 1\] st-1 \(line L1\): machine call unacknowledged for 2 min$/);
    assert.deepStrictEqual(d1.notify.recipients, [{ name: 'Anna Schmidt', role: 'technician' }], 'the dashboard output names people, without their e-mail addresses');
    assert.ok(!JSON.stringify(d1).includes('@plant.example'), 'no address reaches a browser');
    await waitFor('the Andon mail', () => mails.length === 1);
    const m1 = mails[0]!;
    assert.deepStrictEqual(m1.rcpt, ['anna@plant.example'], 'level 1: the technician of the early shift on L1');
    assert.strictEqual(m1.from, 'maintenance@plant.example');
    assert.strictEqual(m1.user, 'notify', 'the e-mail node logged in');
    assert.strictEqual(m1.subject, d1.topic);
    assert.match(m1.text, /The machine Andon call at st-1 \(line L1\) is unacknowledged after 2 min and escalated to level 1\. \(2026-12-07 09:02, UTC\)/);
    assert.match(m1.text, /Call text: Conveyor <jammed> & stopped/);
    assert.match(m1.text, /Open: http:\/\/edge-1:1880\/dashboard\/line/);
    assert.ok(m1.html.includes('Conveyor &lt;jammed&gt; &amp; stopped'), m1.html);
    await waitFor('the Andon post', () => posts.length === 1);
    assert.deepStrictEqual({ path: posts[0]!.path, type: posts[0]!.type }, { path: '/team', type: 'application/json' });
    assert.strictEqual(posts[0]!.body.kind, 'andon');
    assert.match(posts[0]!.body.text, /^\[ANDON level 1\] st-1 \(line L1\)/);

    // 2. pump-7 (line L2 from its rel-asset) goes to alarm: technician + planner, the team channel and Paula's own hook.
    const change = (to: string, ts: number) => ({ topic: 'pump-7/machine', action: 'detect', payload: { asset: 'pump-7', channel: 'machine', ts, from: 'normal', to, state: to, severity: to, evidence: 'health 12 (normal -> alarm): velocityRms +9.1 sigma from the learned baseline', health: { score: 12, state: to, isoZone: 'D' } } });
    const http2 = (await Promise.all([nextMessage('h-mail'), (async () => {
      const p = [nextMessage('h-http'), nextMessage('h-http')];
      getNode('notify').receive(change('alarm', T0 + 5 * 60_000));
      return Promise.all(p);
    })()]))[1];
    assert.deepStrictEqual(http2.map((m: any) => m.statusCode).sort(), [200, 200]);
    await waitFor('the alarm mail', () => mails.length === 2);
    const m2 = mails[1]!;
    assert.deepStrictEqual(m2.rcpt.sort(), ['anna@plant.example', 'paula@plant.example']);
    assert.strictEqual(m2.subject, '[ALARM] pump-7 (line L2): health 12');
    assert.match(m2.text, /^pump-7 \(line L2\) went from normal to alarm at 2026-12-07 09:05 \(plant time, UTC\)\./);
    assert.match(m2.text, /Health: 12 \/ 100\nISO 10816 zone: D\nChannel: machine\nEvidence: health 12 \(normal -> alarm\): velocityRms \+9\.1 sigma/);
    assert.match(m2.text, /On call: Anna Schmidt \(technician, \+49 170 1111111\), Paula Planner \(planner\)/);
    assert.ok(m2.html.includes('<a href="http://edge-1:1880/dashboard/asset?asset=pump-7">'), m2.html);
    await waitFor('the alarm posts', () => posts.length === 3);
    assert.deepStrictEqual(posts.slice(1).map((p) => p.path).sort(), ['/paula', '/team']);
    const body = posts[1]!.body;
    assert.strictEqual(body.kind, 'alarm');
    assert.strictEqual(body.line, 'L2');
    assert.strictEqual(body.at, '2026-12-07T09:05:00.000Z');
    assert.deepStrictEqual(body.recipients, [{ name: 'Anna Schmidt', role: 'technician' }, { name: 'Paula Planner', role: 'planner' }]);
    assert.strictEqual(body.link, 'http://edge-1:1880/dashboard/asset?asset=pump-7');

    // 3. The machine flaps: two more alarms within 10 min are held back, the one after it counts them.
    getNode('notify').receive(change('alarm', T0 + 7 * 60_000));
    getNode('notify').receive(change('alarm', T0 + 9 * 60_000));
    await sleep(200);
    assert.strictEqual(mails.length, 2, 'held back');
    assert.deepStrictEqual(seen.at(-1), { fill: 'yellow', shape: 'dot', text: '2 sent · 2 held back' });
    const ignored = await receiveAndComplete('notify', change('normal', T0 + 10 * 60_000));
    assert.strictEqual(ignored, undefined, 'back to normal notifies nobody, without an error');
    getNode('notify').receive(change('alarm', T0 + 15 * 60_000));
    await waitFor('the alarm after the interval', () => mails.length === 3);
    assert.match(mails[2]!.text, /2 repeats of this notice held back since 2026-12-07 09:07\./);
    assert.deepStrictEqual(seen.at(-1), { fill: 'yellow', shape: 'dot', text: '3 sent · 2 held back' });

    // 4. A bad roster sent at runtime names the row and field and keeps the old one.
    const bad = await receiveAndComplete('notify', { action: 'roster', payload: 'name,role,email,lines\nZed,technician,zed@,L1' });
    assert.match(String(bad?.message), /roster: 1 problem: row 2 email: expected an e-mail address/);
    await unloadFlow();
  });

  it('a webhook URL saved in the flow by an earlier version still posts, with a warning to keep it as a credential', async function () {
    helper.settings({ reliabilityClock: new FakeClock(T0) });
    const hookBase = `http://127.0.0.1:${webPort}`;
    await loadFlow(
      [
        { id: 'notify', type: 'rel-notify', roster: 'name,role,email,lines,shifts\nAnna,technician,anna@plant.example,*,*', shifts: '', timeZone: 'UTC', minInterval: 0, webhookUrl: `${hookBase}/legacy`, wires: [[], ['http'], []] },
        { id: 'http', type: 'http request', method: 'use', ret: 'txt', url: '', paytoqs: 'ignore', wires: [['h-http']] },
        { id: 'h-http', type: 'helper' },
      ],
      HTTP_NODES,
    );
    const warned = helper.log().args.map((a: any[]) => a[0]).filter((e: any) => e && e.level === 30 && e.id === 'notify').map((e: any) => e.msg);
    assert.deepStrictEqual(warned, ['the webhook URL is saved in the flow file, readable by anyone with the flow: open this node and deploy to keep it as a credential']);
    const before = posts.length;
    const res = nextMessage('h-http');
    getNode('notify').receive({ action: 'escalate', payload: { station: 'st-9', kind: 'quality', level: 1 } });
    assert.strictEqual((await res).statusCode, 200);
    await waitFor('the legacy post', () => posts.length === before + 1);
    assert.strictEqual(posts[before]!.path, '/legacy');
    await unloadFlow();
  });

  it('a P1 work order from rel-work-order notifies when work-order notices are on; a P3 does not', async function () {
    helper.settings({ reliabilityClock: new FakeClock(T0) });
    await loadFlow([
      storeNode(path.join(tmpDir(), 'notify-wo.db')),
      assetNode({ id: 'a1', assetId: 'pump-7', line: 'L2' }),
      { id: 'wo', type: 'rel-work-order', store: 'store1', wires: [[], ['notify']] },
      { id: 'notify', type: 'rel-notify', roster: rosterCsv('http://127.0.0.1:9'), shifts: SHIFTS, timeZone: 'UTC', workOrders: true, woMaxPriority: 1, minInterval: 15, wires: [['h-mail'], [], []] },
      { id: 'h-mail', type: 'helper' },
    ]);
    const seen = recordStatus('notify');
    const next = nextMessage('h-mail');
    assert.strictEqual(await receiveAndComplete('wo', { action: 'create', payload: { asset: 'pump-7', title: 'Low priority check', priority: 3, ts: T0 } }), undefined);
    assert.strictEqual(await receiveAndComplete('wo', { action: 'create', payload: { asset: 'pump-7', title: 'Replace DE bearing', priority: 1, ts: T0 + 60_000 } }), undefined);
    const m = await next;
    assert.strictEqual(m.topic, '[P1] New work order WO-000002: pump-7 - Replace DE bearing');
    assert.strictEqual(m.to, 'anna@plant.example, paula@plant.example');
    assert.match(m.plaintext, /^Work order WO-000002 for pump-7 \(line L2\) was opened with priority P1\. \(2026-12-07 09:01, UTC\)/);
    assert.deepStrictEqual(seen.at(-1), { fill: 'green', shape: 'dot', text: '1 sent · 0 held back' });
    await unloadFlow();
  });

  it('the example flow deploys and its injects notify', async function () {
    // Monday 10:00 in Berlin: the example's roster has a technician and a planner on call then
    helper.settings({ reliabilityClock: new FakeClock(T0) });
    const file = path.join(ROOT, 'examples', 'rel-notify', '01 - Notify the on-call team.json');
    const flow = JSON.parse(fs.readFileSync(file, 'utf8')).map((n: any) => (n.type === 'debug' ? { id: n.id, type: 'helper', z: n.z } : n));
    await loadFlow([{ id: 'nt01', type: 'tab' }, ...flow], [...['20-inject.js', '90-comment.js'].map((f) => require(`@node-red/nodes/core/common/${f}`)), ...HTTP_NODES]);
    const mail = nextMessage('nt-d1');
    const toast = nextMessage('nt-d3');
    getNode('nt-i1').receive({});
    const [m, t] = await Promise.all([mail, toast]);
    assert.match(m.topic, /^\[ALARM\] pump-7 \(line L2\): health 38$/);
    assert.match(m.plaintext, /Evidence: health 38 \(warning -> alarm\)/);
    assert.strictEqual(m.to, 'anna@plant.example, paula@plant.example');
    assert.strictEqual(t.topic, m.topic);
    await unloadFlow();
  });

  it('survives malformed messages (bad-input harness) and still notifies', async function () {
    helper.settings({ reliabilityClock: undefined });
    const report = await fuzzNode({
      flow: [
        { id: 'notify', type: 'rel-notify', roster: 'name,role,email,lines,shifts\nAnna,technician,anna@plant.example,*,*', shifts: '', timeZone: 'Europe/Berlin', minInterval: 0, wires: [['h1'], [], []] },
        { id: 'h1', type: 'helper' },
      ],
      nodeId: 'notify',
      keys: ['asset', 'to', 'state', 'health', 'station', 'level', 'number', 'priority', 'ts', 'evidence', 'text', 'kind'],
      actions: ['escalate', 'roster', 'detect'],
      runs: 800,
      allowErrors: [/^roster: \d+ problems?: /],
      sanity: async () => {
        const next = nextMessage('h1');
        getNode('notify').receive({ action: 'escalate', payload: { station: 'st-9', kind: 'quality', level: 1 } });
        const m = await next;
        assert.strictEqual(m.to, 'anna@plant.example');
        assert.match(m.topic, /^\[ANDON level 1\] st-9/);
      },
    });
    assert.ok(report.errors > 100 && report.runs === 800, JSON.stringify(report));
  });
});
