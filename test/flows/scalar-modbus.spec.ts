/**
 * flows/scalar-modbus.json deployed as shipped (only the PLC address, the poll rate, the learning
 * length and the start-up minutes changed for a test that runs in a minute) in a real Node-RED
 * runtime with node-red-contrib-modbus and Dashboard 2.0, reading a real Modbus TCP server
 * (jsmodbus) that serves a scripted pump: running normally (learned), stopped (run bit 0,
 * current 0), running again with 5.2 mm/s. No work order while stopped; then one P1 or P2 work
 * order whose evidence names the velocity and ISO 10816 zone D. Debian's chromium (playwright-core,
 * never a downloaded browser) reads the Dashboard 2.0 tile at each step.
 */
import assert from 'assert';
import fs from 'fs';
import path from 'path';
import { ModbusTestServer } from '../helpers/modbus';
import { ROOT, admin, sleep, startRed, statuses, waitFor, type RunningRed, launchChromium } from '../ui/nodered';

import type { Browser, Page } from 'playwright-core';
import { storedWorkOrders } from '../helpers/fixtures';


/** The pump's holding registers, as the template's register map reads them. */
interface Pump {
  velocity: number; // mm/s, sent as a 4-20 mA transmitter: register = mA x 100, 0-20 mm/s
  temp: number; // degC, register = 0.1 degC
  current: number; // A, register = 0.1 A
  running: boolean;
  parts: number;
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class PumpPlc extends ModbusTestServer {
  constructor() {
    super({ registers: 16 });
  }
  writePump(p: Pump): void {
    const mA = 4 + (16 * Math.max(0, Math.min(20, p.velocity))) / 20;
    this.holding.writeUInt16BE(Math.round(mA * 100), 0);
    this.holding.writeInt16BE(Math.round(p.temp * 10), 2);
    this.holding.writeUInt16BE(Math.round(p.current * 10), 4);
    this.holding.writeUInt16BE(p.running ? 1 : 0, 6);
    this.holding.writeUInt32BE(p.parts, 8);
  }
}

describe('flows/scalar-modbus.json: a scalar Modbus pump through rel-ingest, rel-health (machine) and rel-work-order', function () {
  this.timeout(240_000);
  let red: RunningRed | undefined;
  const plc = new PumpPlc();
  let timer: NodeJS.Timeout | undefined;
  let browser: Browser | undefined;

  after(async () => {
    if (browser) await browser.close();
    if (timer) clearInterval(timer);
    if (red) await red.stop();
    await plc.stop();
  });

  it('learns a running pump, stays quiet while it is stopped, opens one P1/P2 work order at 5.2 mm/s naming the velocity and zone D', async () => {
    const port = await plc.start();
    const rnd = mulberry32(7);
    const noise = (sd: number) => (rnd() + rnd() + rnd() - 1.5) * 2 * sd;
    let phase: 'run' | 'stop' | 'fault' = 'run';
    let parts = 0;
    let temp = 55;
    const tick = () => {
      if (phase !== 'stop') parts++;
      temp = phase === 'stop' ? Math.max(40, temp - 0.05) : Math.min(55, temp + 0.05);
      const v = phase === 'fault' ? 5.2 + noise(0.05) : phase === 'run' ? 1.8 + noise(0.1) : 0;
      plc.writePump({ velocity: v, temp: temp + noise(0.3), current: phase === 'stop' ? 0 : 12 + noise(0.3), running: phase !== 'stop', parts });
    };
    tick();
    timer = setInterval(tick, 50);

    const flow = JSON.parse(fs.readFileSync(path.join(ROOT, 'flows', 'scalar-modbus.json'), 'utf8')) as Record<string, any>[];
    const byId = (id: string) => flow.find((n) => n.id === id)!;
    assert.strictEqual(flow[1].type, 'comment', 'the template starts (after its tab) with the per-plant comment');
    for (const n of flow.filter((x) => String(x.type).startsWith('rel-'))) assert.strictEqual(n.version, 1, `${n.type} ${n.id} carries its config version`);
    assert.strictEqual(byId('sc-health').mode, 'machine');
    assert.strictEqual(byId('sc-ingest').output, 'array');
    Object.assign(byId('sc-plc'), { tcpHost: '127.0.0.1', tcpPort: String(port) });
    Object.assign(byId('sc-read'), { rate: '100', rateUnit: 'ms' });
    Object.assign(byId('sc-health'), { learnMode: 'frames', learnFrames: 300, startupMinutes: 0 });

    red = await startRed({ flow: [], excludes: [] });
    const res = await admin(red, 'POST', '/flows', { flows: flow }, { 'Node-RED-Deployment-Type': 'full' });
    assert.ok(res.rev, 'deployed');
    const db = path.join(red.userDir, 'reliability.db');
    const orders = () => storedWorkOrders(db);
    browser = await launchChromium();
    const page: Page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${red.url}/dashboard/pump`);
    const tile = async () => {
      const el = page.locator('.sc-tile');
      if ((await el.count()) === 0) return { state: '', text: '' };
      return { state: (await el.first().getAttribute('data-state')) ?? '', text: (await el.first().innerText()).replace(/\s+/g, ' ') };
    };
    const tileIs = (state: string, re: RegExp) => waitFor(`the tile ${state} ${re}`, async () => {
      const t = await tile();
      return t.state === state && re.test(t.text) ? t : null;
    }, 20_000, 500);
    const healthText = async () => (await statuses(red!, 400))['sc-health']?.text ?? '';

    // 1. running normally: learns 300 polls, then scores.
    const learned = await waitFor('the pump learned and scored', async () => {
      const t = await healthText();
      return /^health \d+/.test(t) ? t : null;
    }, 120_000, 1000);
    console.log(`      learned: rel-health status "${learned}"`);
    assert.deepStrictEqual(orders(), [], 'no work order while running normally');
    const t1 = await tileIs('normal', /Pump 1 normal \d+ health ISO 10816 zone B velocity 1\.\d\d mm\/s baseline 1\.\d\d/);
    console.log(`      tile: ${t1.text}`);

    // 2. stopped: run bit 0, current 0, no vibration.
    phase = 'stop';
    await waitFor('rel-health says stopped', async () => ((await healthText()) === 'stopped' ? true : null), 20_000, 500);
    await sleep(5000);
    assert.strictEqual(await healthText(), 'stopped');
    assert.deepStrictEqual(orders(), [], 'no work order while stopped');
    const t2 = await tileIs('stopped', /Pump 1 stopped -- health/);
    assert.doesNotMatch(t2.text, /Work order/);

    // 3. running again with 5.2 mm/s (ISO 10816-3 group 2 rigid: zone D).
    phase = 'fault';
    const wo = await waitFor('a work order', () => orders()[0], 30_000, 500);
    await sleep(3000);
    const all = orders();
    console.log(`      work order: P${wo.priority} ${wo.severity}: ${wo.evidence}`);
    assert.strictEqual(all.length, 1, 'one work order');
    assert.strictEqual(all[0].asset, 'pump-1');
    assert.ok(all[0].priority === 1 || all[0].priority === 2, `P1 or P2, got P${all[0].priority}`);
    assert.match(all[0].evidence, /velocity/, 'the evidence names the velocity');
    assert.match(all[0].evidence, /zone D/, 'the evidence names ISO zone D');
    assert.match(await healthText(), /^alarm: health \d+ zone D$/);
    const t3 = await tileIs('alarm', new RegExp(`Pump 1 alarm \\d+ health ISO 10816 zone D velocity 5\\.\\d\\d mm/s .*Work order #${all[0].id} P${all[0].priority} \\(open\\)`));
    console.log(`      tile: ${t3.text}`);
    const errors = red.log().split('\n').filter((l) => /\[error\]/.test(l));
    assert.deepStrictEqual(errors, [], 'no errors in the log');
  });
});
