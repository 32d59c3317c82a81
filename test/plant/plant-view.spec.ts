/**
 * The plant view (flows/plant-view.json) against Debian's mosquitto: one runtime (this process,
 * node-red-node-test-helper) plays the line boxes and publishes a scripted shift through real
 * rel-work-order, rel-oee and rel-andon nodes, rel-publish and Node-RED's mqtt out; another
 * runtime (a real Node-RED started like `npm start`, with Dashboard 2.0) runs the plant-view flow
 * unchanged but for the broker's port and a probe that reads what the page's ui-template is
 * given. The view must show every line: each asset's last health state, the open orders only,
 * the open Andon calls and the line stop, OEE per asset and shift; then Debian's chromium
 * (playwright-core) shows the same on /dashboard/plant.
 */
import assert from 'assert';
import fs from 'fs';
import path from 'path';
import { helper, loadFlow, unloadFlow, receiveAndComplete, tmpDir, sleep } from '../helpers/red';
import { assetNode, storeNode } from '../helpers/fixtures';
import { FakeClock } from '../helpers/fake-clock';
import { startMosquitto, type Mosquitto } from '../helpers/mosquitto';
import { startRed, waitFor, type RunningRed, launchChromium } from '../ui/nodered';
import { ROOT } from './box-process';

// the page's DOM, inside page.evaluate
declare const document: any;

const MQTT_NODES = [require('@node-red/nodes/core/network/10-mqtt.js')];
const T0 = Date.UTC(2026, 11, 7, 6, 0, 0);
const MIN = 60_000;

/** flows/plant-view.json with the broker at `port` and a probe: GET /plant-view-probe answers the last msg.payload the page was given. */
function viewFlow(port: number): any[] {
  const flow = JSON.parse(fs.readFileSync(path.join(ROOT, 'flows', 'plant-view.json'), 'utf8')) as any[];
  const broker = flow.find((n) => n.type === 'mqtt-broker');
  broker.broker = '127.0.0.1';
  broker.port = String(port);
  const model = flow.find((n) => n.id === 'pv-model');
  model.wires[0].push('probe-tap');
  const z = model.z;
  flow.push(
    { id: 'probe-tap', type: 'function', z, name: 'probe: what the page gets', func: "flow.set('probeView', msg.payload);\nreturn null;", outputs: 1, wires: [[]] },
    { id: 'probe-in', type: 'http in', z, url: '/plant-view-probe', method: 'get', upload: false, wires: [['probe-get']] },
    { id: 'probe-get', type: 'function', z, func: "msg.payload = flow.get('probeView') || null;\nreturn msg;", outputs: 1, wires: [['probe-out']] },
    { id: 'probe-out', type: 'http response', z, statusCode: '', headers: { 'content-type': 'application/json' }, wires: [] },
  );
  return flow;
}

/** The part of the view the assertions compare. */
function project(view: any): any {
  if (!view) return null;
  return view.lines.map((l: any) => ({
    line: l.line,
    assets: l.assets.map((a: any) => `${a.asset} ${a.state} ${a.score} (${a.openOrders} open)`),
    orders: l.orders.map((o: any) => `${o.number} ${o.asset} ${o.status}`),
    andon: l.andon.map((c: any) => `${c.station} ${c.callKind} ${c.state}`),
    lineStop: l.lineStop ? l.lineStop.station : null,
    oee: l.oee.map((x: any) => `${x.asset} ${x.shift}`),
  }));
}

describe('plant view: every line on one page from the plant events on MQTT', function () {
  this.timeout(240_000);
  let broker: Mosquitto;
  let view: RunningRed | undefined;
  let dir: string;

  before(async () => {
    broker = await startMosquitto();
    view = await startRed({ flow: viewFlow(broker.port) });
    dir = tmpDir('rel-plant-view-');
  });
  after(async () => {
    await unloadFlow();
    helper.settings({ reliabilityClock: undefined });
    if (view) await view.stop();
    await broker?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  const probe = async () => (await (await fetch(`${view!.url}/plant-view-probe`)).json()) as any;

  it('a scripted shift published by the line boxes shows every line: health, open orders, Andon and line stop, OEE per shift', async function () {
    const clock = new FakeClock(T0);
    helper.settings({ reliabilityClock: clock });
    const pubCfg = { root: 'plant', site: 'werk1', area: 'assembly' };
    await loadFlow(
      [
        storeNode(path.join(dir, 'lines.db')),
        assetNode({ id: 'a1', assetId: 'pump-1', line: 'L1' }),
        assetNode({ id: 'a2', assetId: 'press-2', line: 'L2' }),
        assetNode({ id: 'a3', assetId: 'filler-3', line: 'L3' }),
        { id: 'b1', type: 'mqtt-broker', name: 'mosquitto', broker: '127.0.0.1', port: String(broker.port), clientid: 'line-boxes', autoConnect: true, usetls: false, protocolVersion: '4', keepalive: '60', cleansession: true },
        { id: 'wo', type: 'rel-work-order', store: 'store1', wires: [['pub1'], ['pub1']] },
        { id: 'oee', type: 'rel-oee', store: 'store1', shifts: 'early=06:00-14:00', utcOffset: '0', idealCycleS: 30, wires: [['pub1']] },
        { id: 'an3', type: 'rel-andon', store: 'store1', levels: '2, 5, 10', lineStopKinds: 'safety', wires: [['pub3'], ['pub3'], ['pub3']] },
        { id: 'pub1', type: 'rel-publish', ...pubCfg, line: 'L1', box: 'edge-1', wires: [['mq']] },
        { id: 'pub3', type: 'rel-publish', ...pubCfg, line: 'L3', box: 'edge-3', wires: [['mq']] },
        { id: 'mq', type: 'mqtt out', broker: 'b1', topic: '', qos: '', retain: '' },
      ],
      MQTT_NODES,
    );
    for (let i = 0; i < 200 && !(helper.getNode('b1') as any).connected; i++) await sleep(50);
    assert.ok((helper.getNode('b1') as any).connected, 'the line boxes connected to mosquitto');
    const act = async (id: string, action: string, payload: object) => {
      const err = await receiveAndComplete(id, { action, payload });
      if (err) throw err;
    };
    const health = (asset: string, from: string, to: string, score: number, ts: number) =>
      (helper.getNode('pub1') as any).receive({ topic: `${asset}/machine`, action: 'detect', payload: { asset, channel: 'machine', ts, from, to, state: to, severity: to, evidence: `score ${score}`, health: { score, isoZone: to === 'alarm' ? 'D' : 'B' } } });

    // First a retained state: once the view shows it, its subscription is up (work orders are not retained).
    health('filler-3', 'learning', 'normal', 97, T0);
    await waitFor('the view to receive the first plant event', async () => (await probe())?.events >= 1, 60_000, 200);

    health('pump-1', 'normal', 'alarm', 12, T0 + 1 * MIN);
    health('press-2', 'normal', 'warning', 55, T0 + 2 * MIN);
    for (const a of ['pump-1', 'press-2', 'filler-3']) await act('oee', 'state', { asset: a, state: 'running', ts: T0 });
    await act('wo', 'create', { asset: 'pump-1', title: 'Bearing outer race', ts: T0 + 3 * MIN });
    await act('wo', 'assign', { id: 1, by: 'planner', assignee: 'tech-1', ts: T0 + 4 * MIN });
    await act('wo', 'create', { asset: 'press-2', title: 'Hydraulic leak', ts: T0 + 5 * MIN });
    await act('wo', 'assign', { id: 2, by: 'planner', assignee: 'tech-2', ts: T0 + 6 * MIN });
    await act('wo', 'start', { id: 2, by: 'tech-2', ts: T0 + 7 * MIN });
    await act('wo', 'create', { asset: 'press-2', title: 'Guard loose', ts: T0 + 8 * MIN });
    await act('wo', 'assign', { id: 3, by: 'planner', assignee: 'tech-2', ts: T0 + 9 * MIN });
    await act('wo', 'start', { id: 3, by: 'tech-2', ts: T0 + 10 * MIN });
    await act('wo', 'complete', { id: 3, by: 'tech-2', repairMin: 15, ts: T0 + 20 * MIN });
    await act('wo', 'close', { id: 3, by: 'planner', ts: T0 + 21 * MIN });
    await act('an3', 'raise', { station: 'st-3', kind: 'safety', text: 'guard open', ts: T0 + 30 * MIN });
    await act('an3', 'raise', { station: 'st-4', kind: 'material', ts: T0 + 31 * MIN });
    await act('an3', 'ack', { id: 2, by: 'logistics', ts: T0 + 32 * MIN });
    await act('an3', 'resolve', { id: 2, by: 'logistics', ts: T0 + 33 * MIN });
    const counts: Record<string, [number, number]> = { 'pump-1': [100, 104], 'press-2': [80, 90], 'filler-3': [110, 111] };
    for (const [a, [good, total]] of Object.entries(counts)) {
      await act('oee', 'count', { asset: a, good, total, ts: T0 + 60 * MIN });
      await act('oee', 'report', { asset: a, ts: T0 + 60 * MIN });
    }

    const expected = [
      { line: 'L1', assets: ['pump-1 alarm 12 (1 open)'], orders: ['WO-000001 pump-1 assigned'], andon: [], lineStop: null, oee: ['pump-1 2026-12-07/early'] },
      { line: 'L2', assets: ['press-2 warning 55 (1 open)'], orders: ['WO-000002 press-2 in-progress'], andon: [], lineStop: null, oee: ['press-2 2026-12-07/early'] },
      { line: 'L3', assets: ['filler-3 normal 97 (0 open)'], orders: [], andon: ['st-3 safety open'], lineStop: 'st-3', oee: ['filler-3 2026-12-07/early'] },
    ];
    // 3 health, 10 work-order transitions, 5 Andon (3 raise/ack/resolve + raise + line stop), 3 OEE
    const EVENTS = 21;
    const got = await waitFor('the view to show the whole shift', async () => {
      const v = await probe();
      return v && v.events === EVENTS ? v : undefined;
    }, 60_000, 200);
    assert.deepStrictEqual(project(got), expected);
    assert.deepStrictEqual(Object.fromEntries(Object.entries(got.boxes).map(([b, x]: [string, any]) => [b, x.seq])), { 'edge-1': 16, 'edge-3': 5 }, 'every event of both boxes, none twice');
    // OEE per shift: the figures the line boxes computed, whole
    for (const l of got.lines)
      for (const x of l.oee) {
        assert.ok(x.oee > 0 && x.oee <= 1, `${x.asset} oee ${x.oee}`);
        assert.ok(Math.abs(x.oee - x.availability * x.performance * x.quality) < 1e-4, `${x.asset}: OEE = A x P x Q (figures are rounded to 6 decimals)`);
        const [good, total] = counts[x.asset];
        assert.ok(Math.abs(x.quality - good / total) < 1e-4, `${x.asset}: quality ${x.quality} = ${good}/${total}`);
      }
    console.log(`      view: ${got.lines.map((l: any) => `${l.line}: ${l.assets.map((a: any) => `${a.asset} ${a.state}`).join(', ')}, ${l.orders.length} open WO, ${l.andon.length} Andon${l.lineStop ? ', line stopped' : ''}, OEE ${l.oee.map((x: any) => `${Math.round(x.oee * 1000) / 10} %`).join(', ')}`).join(' | ')}`);

    // The page in a real browser: Debian's chromium, never a downloaded one.
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      await page.goto(`${view!.url}/dashboard/plant`);
      await page.waitForSelector('[data-line="L3"] [data-asset="filler-3"]', { timeout: 60_000 });
      const shown = await page.evaluate(() =>
        [...document.querySelectorAll('[data-line]')].map((l: any) => ({
          line: l.getAttribute('data-line'),
          assets: [...l.querySelectorAll('[data-asset]')].map((a: any) => `${a.getAttribute('data-asset')} ${a.getAttribute('data-state')}`),
          orders: [...l.querySelectorAll('[data-wo]')].map((o: any) => `${o.getAttribute('data-wo')} ${o.getAttribute('data-status')}`),
          andon: [...l.querySelectorAll('[data-station]')].map((c: any) => `${c.getAttribute('data-station')} ${c.getAttribute('data-state')}`),
          stop: !!l.querySelector('[data-stop]'),
          oee: [...l.querySelectorAll('[data-oee]')].map((x: any) => (x.textContent ?? '').replace(/\s+/g, ' ').trim()),
        })),
      );
      const pct = (v: number) => `${Math.round(v * 1000) / 10} %`;
      assert.deepStrictEqual(
        shown.map((s: any) => ({ ...s, oee: s.oee.length })),
        [
          { line: 'L1', assets: ['pump-1 alarm'], orders: ['WO-000001 assigned'], andon: [], stop: false, oee: 1 },
          { line: 'L2', assets: ['press-2 warning'], orders: ['WO-000002 in-progress'], andon: [], stop: false, oee: 1 },
          { line: 'L3', assets: ['filler-3 normal'], orders: [], andon: ['st-3 open'], stop: true, oee: 1 },
        ],
      );
      if (process.env.PLANT_SHOT) await page.screenshot({ path: process.env.PLANT_SHOT, fullPage: true });
      for (const [i, l] of got.lines.entries()) assert.ok(shown[i].oee[0].includes(pct(l.oee[0].oee)), `${l.line}: the page shows OEE ${pct(l.oee[0].oee)}: ${shown[i].oee[0]}`);
      // the same page in German (?lang=de, as the floor pages): words, the header and the tab title too
      await page.goto(`${view!.url}/dashboard/plant?lang=de`);
      await page.waitForSelector('[data-line="L3"] [data-asset="filler-3"]', { timeout: 60_000 });
      const de = ((await page.evaluate(() => document.body.innerText)) as string).replace(/\s+/g, ' ');
      assert.match(de, /Offene Aufträge \(1\)/);
      assert.match(de, /LINIE GESTOPPT an st-3/);
      assert.match(de, /Alarm · Zustand \d+/);
      assert.match(de, /OEE pro Schicht/);
      assert.doesNotMatch(de, /Open work orders|no open calls|OEE per shift|LINE STOPPED/);
      assert.strictEqual(await page.title(), 'Werk');
    } finally {
      await browser.close();
    }
  });
});
