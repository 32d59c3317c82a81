/**
 * Every flow in flows/ and examples/ loads in a real Node-RED (started like `npm start`, on
 * 127.0.0.1 with a free port, with this package, the dashboards and node-red-contrib-modbus
 * installed): no unknown node type, the runtime holds every node after a full deploy through
 * the admin API, and no node logs an error or shows a red status in the first seconds (other than
 * failing to reach a PLC or broker that is not on this machine).
 */
import assert from 'assert';
import fs from 'fs';
import path from 'path';
import { ROOT, admin, sleep, startRed, statuses, type RunningRed } from '../ui/nodered';

const BUILTIN = new Set(['tab', 'subflow', 'group', 'junction']);
/** Failing to reach a device that is not there (a PLC address, a broker) is expected in a test. */
const UNREACHABLE = /ECONNREFUSED|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|ETIMEDOUT|EAI_AGAIN|connect|disconnected|not connected|broker|timeout|reconnect|init|closed|offline|waiting/i;

function flowFiles(): string[] {
  const out: string[] = [];
  for (const f of fs.readdirSync(path.join(ROOT, 'flows')).sort()) if (f.endsWith('.json')) out.push(path.join('flows', f));
  const ex = path.join(ROOT, 'examples');
  for (const d of fs.readdirSync(ex).sort()) {
    const dir = path.join(ex, d);
    // examples/templates/ holds the build's copies of flows/ (for Import -> Examples): loaded above
    if (!fs.statSync(dir).isDirectory() || d === 'templates') continue;
    for (const f of fs.readdirSync(dir).sort()) if (f.endsWith('.json')) out.push(path.join('examples', d, f));
  }
  return out;
}

describe('flows: every flow in flows/ and examples/ loads in Node-RED', function () {
  this.timeout(120_000);
  let red: RunningRed;
  let known: Set<string>;
  const files = flowFiles();

  before(async function () {
    red = await startRed({ flow: [], excludes: [] });
    const sets = (await admin(red, 'GET', '/nodes')) as { types: string[]; enabled: boolean; err?: string; module: string; name: string }[];
    known = new Set(sets.filter((s) => s.enabled && !s.err).flatMap((s) => s.types));
    const broken = sets.filter((s) => s.err && s.module === '@jidoka/node-red-reliability').map((s) => `${s.name}: ${s.err}`);
    assert.deepStrictEqual(broken, [], 'every node of this package registers');
    const ours = new Set(sets.filter((s) => s.module === '@jidoka/node-red-reliability').flatMap((s) => s.types));
    assert.deepStrictEqual(red.types.filter((t) => !ours.has(t)), [], 'every built node type is registered by the package');
    for (const m of ['@flowfuse/node-red-dashboard', 'node-red-dashboard', 'node-red-contrib-modbus']) assert.ok(sets.some((s) => s.module === m && s.enabled), `${m} is loaded from the node_modules Node-RED is installed in`);
    // The palette category of this package's nodes.
    const html = await (await fetch(red.url + '/nodes', { headers: { Accept: 'text/html' } })).text();
    assert.ok(/registerType\(\s*'rel-simulator'/.test(html) && /category:\s*'reliability'/.test(html), "the package's nodes are in the 'reliability' palette category");
  });

  after(async function () {
    if (red) await red.stop();
  });

  it('offers the flow templates of flows/ under Import -> Examples (examples/templates/, copied by the build)', function () {
    const tpl = path.join(ROOT, 'examples', 'templates');
    const copies = fs.readdirSync(tpl).filter((f) => f.endsWith('.json')).map((f) => fs.readFileSync(path.join(tpl, f), 'utf8'));
    const sources = fs.readdirSync(path.join(ROOT, 'flows')).filter((f) => f.endsWith('.json'));
    assert.strictEqual(copies.length, sources.length, 'one template per flow');
    for (const f of sources) assert.ok(copies.includes(fs.readFileSync(path.join(ROOT, 'flows', f), 'utf8')), `flows/${f} is offered unchanged`);
  });

  it('finds the flows (the demo line, both dashboards, the integrator templates, one example per node)', function () {
    for (const f of ['flows/demo-line.json', 'flows/dashboard-v1.json', 'flows/modbus-line.json', 'flows/mqtt-line.json', 'flows/cmms-only.json']) assert.ok(files.includes(f), `${f} present`);
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    const missing = Object.keys(pkg['node-red'].nodes).filter((t) => !['rel-store', 'rel-asset'].includes(t) && !files.some((f) => f.startsWith(`examples${path.sep}${t}${path.sep}`)));
    assert.deepStrictEqual(missing, [], 'every node type has an example');
  });

  for (const file of files) {
    it(`loads ${file}`, async function () {
      const flow = JSON.parse(fs.readFileSync(path.join(ROOT, file), 'utf8'));
      assert.ok(Array.isArray(flow) && flow.length > 0, 'a non-empty array of nodes');
      const ids = new Set<string>();
      for (const n of flow) {
        assert.ok(n && typeof n.id === 'string' && typeof n.type === 'string', `every node has an id and a type: ${JSON.stringify(n).slice(0, 120)}`);
        assert.ok(!ids.has(n.id), `duplicate id ${n.id}`);
        ids.add(n.id);
      }
      const unknown = [...new Set(flow.map((n: any) => n.type as string))].filter((t) => !BUILTIN.has(t) && !t.startsWith('subflow:') && !known.has(t));
      assert.deepStrictEqual(unknown, [], 'no unknown node types');
      // Wires point at nodes of the flow.
      for (const n of flow) for (const w of (n.wires ?? []).flat()) assert.ok(ids.has(w), `${n.type} ${n.id} is wired to a missing node ${w}`);

      // Each flow starts from an empty database, as it would in a new plant: stop the previous
      // flow (which closes the store) and remove its files.
      await admin(red, 'POST', '/flows', { flows: [] }, { 'Node-RED-Deployment-Type': 'full' });
      for (const f of fs.readdirSync(red.userDir)) if (/\.db(-wal|-shm)?$/.test(f)) fs.rmSync(path.join(red.userDir, f), { force: true });
      const from = red.log().length;
      const res = await admin(red, 'POST', '/flows', { flows: flow }, { 'Node-RED-Deployment-Type': 'full' });
      assert.ok(res.rev, 'deployed');
      const st = await statuses(red, 2500);
      const back = (await admin(red, 'GET', '/flows')) as { flows: { id: string }[] };
      const backIds = new Set(back.flows.map((n) => n.id));
      assert.deepStrictEqual([...ids].filter((id) => !backIds.has(id)), [], 'the runtime holds every node');
      await sleep(500);
      const log = red.log().slice(from).split('\n');
      const missing = log.filter((l) => /missing types|Waiting for missing|Unknown type|unknown node/i.test(l));
      assert.deepStrictEqual(missing, [], 'no missing types in the log');
      const errors = log.filter((l) => /\[error\]/.test(l) && !UNREACHABLE.test(l));
      assert.deepStrictEqual(errors, [], 'no errors in the log');
      const red_ = Object.entries(st)
        .filter(([id, s]) => ids.has(id) && s.fill === 'red' && !UNREACHABLE.test(s.text ?? ''))
        .map(([id, s]) => `${flow.find((n: any) => n.id === id)?.type} ${id}: ${s.text}`);
      assert.deepStrictEqual(red_, [], 'no red status');
    });
  }

  it('the CMMS template\'s HTTP API takes JSON, and refuses a form post (what another web page could send)', async function () {
    const flow = JSON.parse(fs.readFileSync(path.join(ROOT, 'flows/cmms-only.json'), 'utf8'));
    await admin(red, 'POST', '/flows', { flows: [] }, { 'Node-RED-Deployment-Type': 'full' });
    for (const f of fs.readdirSync(red.userDir)) if (/\.db(-wal|-shm)?$/.test(f)) fs.rmSync(path.join(red.userDir, f), { force: true });
    await admin(red, 'POST', '/flows', { flows: flow }, { 'Node-RED-Deployment-Type': 'full' });
    const asset = (flow.find((n: any) => n.type === 'rel-asset') as { assetId: string }).assetId;
    const postJson = () => fetch(`${red.url}/cmms/wo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ action: 'create', asset, title: 'Check the coupling' }) });
    let json = await postJson();
    for (let i = 0; i < 20 && json.status === 404; i++) {
      await sleep(250); // the http in routes are added as the flow starts
      json = await postJson();
    }
    assert.strictEqual(json.status, 200, await json.text());
    const form = await fetch(`${red.url}/cmms/wo`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `action=create&asset=${asset}&title=Forged` });
    assert.strictEqual(form.status, 400);
    assert.match(String(((await form.json()) as { error: string }).error), /send JSON \(Content-Type: application\/json\), got application\/x-www-form-urlencoded/);
    const open = (await (await fetch(`${red.url}/cmms/wo?asset=${asset}`)).json()) as { title: string }[];
    const titles = open.map((w) => w.title);
    assert.ok(titles.includes('Check the coupling') && !titles.includes('Forged'), `the JSON post created its order, the form none: ${[...new Set(titles)].join(', ')}`);
  });
});
