/**
 * flows/plant-modbus.json as a new plant would use it, in a real Node-RED runtime with
 * node-red-contrib-modbus and Dashboard 2.0: 15 real Modbus TCP servers (jsmodbus), 8 pump-skids
 * each. The template deployed as shipped first (its 15 PLC slots on their placeholder addresses
 * stay quiet: no warning or error in the log); the register of 120 machines uploaded as CSV
 * through the rel-registry upload route (what the node's file button sends), dry run then apply;
 * then in each of the template's 15 PLC clients the host and port set (the form fields of the
 * client) and deployed, nothing else changed. Changed for a test that runs in minutes: the learning length and the start-up minutes. Debian's chromium reads the page: every registered machine has a tile with its
 * own values (so every reading arrived named right), then one machine driven to 12 mm/s (zone D)
 * gets exactly one work order.
 */
import assert from 'assert';
import fs from 'fs';
import path from 'path';
import { ModbusTestServer } from '../helpers/modbus';
import { plantRows, toCsv } from '../register/plant';
import { ROOT, admin, sleep, startRed, statuses, waitFor, type RunningRed, launchChromium } from '../ui/nodered';

import type { Browser } from 'playwright-core';
import { storedWorkOrders } from '../helpers/fixtures';

const PLCS = 15;
const MACHINES = 120;
const ALARM = 41; // M-042 is driven into zone D
const base = (k: number, p: number) => 3 + p + 12 * k;
const asset = (i: number) => `M-${String(i + 1).padStart(3, '0')}`;
/** Each machine's own temperature (so a reading under the wrong name shows). */
const tempOf = (i: number) => 30 + i * 0.4;

describe('flows/plant-modbus.json: 120 registered machines on 15 PLCs through one rel-ingest, rel-health, work orders and the plant page', function () {
  this.timeout(420_000);
  let red: RunningRed | undefined;
  const plcs: ModbusTestServer[] = [];
  let timer: NodeJS.Timeout | undefined;
  let browser: Browser | undefined;

  after(async () => {
    if (browser) await browser.close();
    if (timer) clearInterval(timer);
    if (red) await red.stop();
    for (const p of plcs) await p.stop();
  });

  it('every machine reads under its own name, one work order for the machine in zone D', async () => {
    const ports: number[] = [];
    for (let p = 0; p < PLCS; p++) {
      plcs.push(new ModbusTestServer({ registers: 256 }));
      ports.push(await plcs[p].start());
    }
    let fault = false;
    let n = 0;
    const tick = () => {
      n++;
      for (let i = 0; i < MACHINES; i++) {
        const p = i % PLCS;
        const k = Math.floor(i / PLCS);
        const wobble = ((n * 7 + i * 13) % 11) / 100 - 0.05;
        const vel = fault && i === ALARM ? 12 : 1.5 + wobble;
        const count = 1000 * i + n;
        plcs[p].write(base(k, p), [1, count >>> 16, count & 0xffff, Math.round(vel * 100), Math.round((tempOf(i) + wobble) * 10)]);
      }
    };
    tick();
    timer = setInterval(tick, 250);

    // The template as shipped: 15 PLC slots, each its own client and read, wired to the one rel-ingest.
    const flow = JSON.parse(fs.readFileSync(path.join(ROOT, 'flows', 'plant-modbus.json'), 'utf8')) as Record<string, any>[];
    const byId = (id: string) => flow.find((x) => x.id === id)!;
    assert.strictEqual(flow[1].type, 'comment', 'the template starts (after its tab) with the per-plant comment');
    for (const x of flow.filter((y) => String(y.type).startsWith('rel-'))) assert.strictEqual(x.version, 1, `${x.type} ${x.id} carries its config version`);
    assert.deepStrictEqual([byId('pl-ingest').source, byId('pl-ingest').plcHost, byId('pl-ingest').output], ['register', '', 'array']);
    const clients = flow.filter((x) => x.type === 'modbus-client');
    const reads = flow.filter((x) => x.type === 'modbus-read');
    assert.deepStrictEqual(clients.map((c) => [c.name, c.tcpHost, c.tcpPort]), ports.map((_, p) => [`PLC ${p + 1}`, `192.0.2.${p + 1}`, '502']), '15 client slots on placeholder addresses');
    assert.deepStrictEqual(reads.map((r) => [r.name, r.server, r.wires]), ports.map((_, p) => [`read PLC ${p + 1}`, `pl-plc${p + 1}`, [['pl-ingest'], []]]), 'one read per client, wired to the ingest');
    assert.deepStrictEqual(byId('pl-plcs').nodes, reads.map((r) => r.id), 'the reads in the PLCs group');
    Object.assign(byId('pl-health'), { learnMode: 'frames', learnFrames: 20, startupMinutes: 0 });

    red = await startRed({ flow: [], excludes: [] });
    const deploy = async () => assert.ok((await admin(red!, 'POST', '/flows', { flows: flow }, { 'Node-RED-Deployment-Type': 'full' })).rev, 'deployed');
    // Deployed as it is: the slots on their placeholder addresses wait without a warning or an error.
    const from = red.log().length;
    await deploy();
    await sleep(12_000);
    const quiet = red.log().slice(from).split('\n').filter((l) => /\[(warn|error)\]/.test(l));
    assert.deepStrictEqual(quiet, [], 'the unconfigured PLC slots stay quiet in the log');
    const waiting = await statuses(red, 500);
    console.log(`      unconfigured slots, after 12 s: ${[...new Set(reads.map((r) => `${waiting[r.id]?.fill} "${waiting[r.id]?.text}"`))].join(', ')}; no warning or error in the log`);
    assert.deepStrictEqual(reads.filter((r) => !waiting[r.id] || waiting[r.id].fill === 'red').map((r) => r.name), [], 'every unconfigured read shows a status, none red');
    // The machine types inject runs on deploy; the register's file button then sends the CSV.
    const rows = plantRows({ machines: MACHINES, plcs: PLCS, plc: (p) => ['127.0.0.1', ports[p]], base });
    const csv = toCsv(rows);
    const upload = (dryRun: boolean) => admin(red!, 'POST', '/rel-registry/pl-registry/import', { name: 'plant.csv', data: Buffer.from(csv).toString('base64'), dryRun, partial: false });
    const dry = await waitFor('the dry run (after the machine types are defined)', async () => {
      const r = await upload(true);
      return r.errors.length === 0 ? r : null;
    }, 30_000, 500);
    assert.deepStrictEqual([dry.added, dry.applied], [MACHINES, false]);
    const applied = await upload(false);
    assert.deepStrictEqual([applied.added, applied.applied, applied.errors], [MACHINES, true, []]);

    // Per PLC slot, in its client: the host and the port (on a plant network on 502, only the host).
    const template = JSON.stringify(flow);
    clients.forEach((c, p) => Object.assign(c, { tcpHost: '127.0.0.1', tcpPort: String(ports[p]) }));
    const changed = JSON.parse(template).flatMap((x: Record<string, any>) => Object.keys(x).filter((k) => JSON.stringify(x[k]) !== JSON.stringify(byId(x.id)[k])).map((k) => `${x.id}.${k}`));
    assert.deepStrictEqual(changed, clients.flatMap((c) => [`${c.id}.tcpHost`, `${c.id}.tcpPort`]), 'two form fields per PLC changed, nothing else');
    await deploy();

    const db = path.join(red.userDir, 'reliability.db');
    const orders = () => storedWorkOrders(db);

    browser = await launchChromium();
    const page = await browser.newPage({ viewport: { width: 1600, height: 1200 } });
    await page.goto(`${red.url}/dashboard/plant`, { waitUntil: 'domcontentloaded', timeout: 120_000 });
    // each tile: its state, its text, and per channel the label in words and the value with its unit
    const tiles = async () =>
      page.$$eval('.pl-tile', (els) =>
        els.map((e) => ({
          asset: e.getAttribute('data-asset') ?? '',
          state: e.getAttribute('data-state') ?? '',
          text: (e as unknown as { innerText: string }).innerText.replace(/\s+/g, ' '),
          values: Object.fromEntries([...e.querySelectorAll('[data-channel]')].map((v) => [v.getAttribute('data-channel'), `${(v.querySelector('.pl-lbl')?.textContent ?? '').trim()} = ${(v.querySelector('.pl-num')?.textContent ?? '').replace(/\s+/g, ' ').trim()}`])) as Record<string, string>,
        })),
      );

    // Every registered machine has a tile, live (a state past waiting) and showing its own temperature.
    const t0 = Date.now();
    let seen: { asset: string; state: string; text: string; values: Record<string, string> }[] = [];
    const live = await waitFor('120 live tiles with their own values', async () => {
      const t = (seen = await tiles());
      const ok = t.filter((x) => /^M-\d{3}$/.test(x.asset) && x.state !== 'waiting' && x.values['motor-temp']);
      return ok.length >= MACHINES ? t : null;
    }, 180_000, 2000).catch(async (e) => {
      const st = await statuses(red!, 1500);
      throw new Error(`${e.message}: ${seen.length} tiles, e.g. ${JSON.stringify(seen.slice(0, 3))}; statuses ${JSON.stringify(st)}; log: ${red!.log().split('\n').filter((l) => /\[(warn|error)\]/.test(l)).slice(0, 10).join(' | ')}`);
    });
    console.log(`      all ${MACHINES} tiles live ${Math.round((Date.now() - t0) / 1000)} s after the page opened (deployed with the PLC addresses)`);
    assert.strictEqual(live.length, MACHINES, 'one tile per registered machine, no other');
    for (let i = 0; i < MACHINES; i++) {
      const t = live.find((x) => x.asset === asset(i));
      assert.ok(t, `${asset(i)} has no tile`);
      // channels in words, units as people write them (°C, not degC)
      const m = /^motor temperature = (\d+(?:\.\d+)?) °C$/.exec(t.values['motor-temp'] ?? '');
      assert.ok(m, `${asset(i)}: ${JSON.stringify(t.values)}`);
      assert.ok(Math.abs(Number(m[1]) - tempOf(i)) <= 0.15, `${asset(i)} shows ${m[1]} °C, its PLC holds ${tempOf(i)}: ${t.text}`);
      assert.match(t.values['DE-vel'] ?? '', /^vibration, drive end = 1\.\d+ mm\/s$/, `${asset(i)}: ${JSON.stringify(t.values)}`);
      assert.doesNotMatch(t.text, /degC|DE-vel|motor-temp/, `${asset(i)}: no tag names: ${t.text}`);
      assert.match(t.state === 'learning' ? t.text : 'learning 0 %', /learning \d+ %/, `${asset(i)}: state and figure apart: ${t.text}`);
      assert.ok(/line-\d/.test(t.text), `${asset(i)} shows its line: ${t.text}`);
    }
    assert.deepStrictEqual(orders(), [], 'no work order while every machine runs normally');

    // Learned (20 polls), then one machine into ISO 10816 zone D.
    await waitFor('every machine learned', async () => ((await tiles()).filter((x) => x.state === 'normal').length >= MACHINES ? true : null), 120_000, 2000);
    fault = true;
    const wo = await waitFor('a work order', () => orders()[0], 60_000, 500);
    const alarmTile = await waitFor(`the ${asset(ALARM)} tile in alarm with its work order`, async () => {
      const t = (await tiles()).find((x) => x.asset === asset(ALARM));
      return t && t.state === 'alarm' && /Work order #\d+ · priority \d · open/.test(t.text) ? t : null;
    }, 30_000, 1000);
    console.log(`      ${alarmTile.text}`);
    // the same page in German, on a TV and a phone: words, units, no horizontal overflow
    for (const viewport of [{ width: 1920, height: 1080 }, { width: 390, height: 844 }]) {
      await page.setViewportSize(viewport);
      await page.goto(`${red.url}/dashboard/plant?lang=de`, { waitUntil: 'domcontentloaded', timeout: 120_000 });
      const de = await waitFor('the German plant page', async () => {
        const t = (await tiles()).find((x) => x.asset === asset(ALARM));
        return t && /Auftrag #\d+ · Priorität \d · offen/.test(t.text) ? t : null;
      }, 30_000, 1000);
      assert.match(de.text, /Alarm · Zustand \d+/, de.text);
      assert.match(de.values['motor-temp'] ?? '', /^Motortemperatur = \d+,\d+ °C$/);
      const head = (await page.locator('[data-plant-summary]').innerText()).trim();
      assert.match(head, /^120 Maschinen · \d+ senden Daten · 1 im Alarm · offene Aufträge: 1$/, head);
      assert.strictEqual((await page.locator('[data-lang-toggle]').innerText()).trim(), 'English');
      assert.strictEqual(await page.title(), 'Werk');
      const over = (await page.evaluate(`(() => { const w = window.innerWidth; const wide = [...document.querySelectorAll('body *')].filter((e) => { const r = e.getBoundingClientRect(); return r.width > 0 && r.right > w + 0.5; }).length; return [document.scrollingElement.scrollWidth, w, wide]; })()`)) as number[];
      assert.ok(over[0] <= over[1] && over[2] === 0, `plant page ${viewport.width}: ${JSON.stringify(over)}`);
    }
    console.log(`      work order: P${wo.priority} ${wo.severity}: ${wo.evidence}`);
    const all = orders();
    assert.strictEqual(all.length, 1, `one work order, got ${all.map((o) => o.asset).join(', ')}`);
    assert.strictEqual(all[0].asset, asset(ALARM));
    assert.match(all[0].evidence, /zone D/);
    const st = await statuses(red, 1500);
    assert.match(st['pl-ingest']?.text ?? '', /readings/, JSON.stringify(st['pl-ingest']));
    const errors = red.log().split('\n').filter((l) => /\[error\]/.test(l));
    assert.deepStrictEqual(errors, [], 'no errors in the log');
  });
});
