/**
 * rel-registry in a real Node-RED runtime: a register of 120 machines on 15 PLCs, written by the
 * test as CSV and as XLSX, imported through the node; 15 real Modbus TCP servers (jsmodbus), one
 * per PLC, each serving 8 machines at different base addresses, read by node-red-contrib-modbus
 * and decoded by one rel-ingest per PLC (source register): every machine's readings arrive named
 * by asset and channel with the values its PLC holds. Then the asset lookup (resolveAsset, work
 * orders), remove guarded by open work orders, the editor's upload route, export -> import, bad
 * files through the node (nothing changed), and the shared bad-input harness.
 */
import assert from 'assert';
import fs from 'fs';
import path from 'path';
import { getNode, helper, loadFlow, nextMessage, receiveAndComplete, recordStatus, tmpDir, unloadFlow, OUT } from '../helpers/red';
import { RegisterRepo } from '../../nodes/core/register';
import { openStore } from '../../nodes/core/store';
import { storeNode } from '../helpers/fixtures';
import { closeWhileHeld } from '../helpers/close-gate';
import { fuzzNode } from '../helpers/fuzz';
import { collect, waitFor } from '../ingest/collect';
import { plantRows, toCsv, toXlsx, PUMP_TYPE } from './plant';
import { TestPlc } from './plc';

const CONTRIB = [require('node-red-contrib-modbus/modbus/modbus-client.js'), require('node-red-contrib-modbus/modbus/modbus-read.js')];
const CLIENT = { type: 'modbus-client', clienttype: 'tcp', tcpHost: '127.0.0.1', tcpType: 'DEFAULT', unit_id: 1, commandDelay: 1, clientTimeout: 1000, reconnectOnTimeout: true, reconnectTimeout: 500, parallelUnitIdsAllowed: true, bufferCommands: true };
const PLCS = 15;
const MACHINES = 120;
const base = (k: number, p: number) => 3 + p + 12 * k;
// The values machine i holds: running on even i, a counter, a velocity and a temperature (the last one above its limit).
const expect = (i: number) => ({ run: i % 2 === 0 ? 1 : 0, count: 100_000 + 7 * i, 'DE-vel': (100 + i) * 0.01, 'motor-temp': i === MACHINES - 1 ? 160 : (200 + i) * 0.1 });

async function send(id: string, msg: any, out = 'regOut'): Promise<any> {
  const got = nextMessage(out, 10000);
  const err = await receiveAndComplete(id, msg, 10000);
  if (err) throw err;
  return got;
}

describe('rel-registry: a plant register in a real runtime', function () {
  this.timeout(120000);
  let dir: string;
  let file: string;
  const plcs: TestPlc[] = [];
  beforeEach(() => {
    dir = tmpDir('rel-registry-');
    file = path.join(dir, 'plant.db');
  });
  afterEach(async () => {
    await unloadFlow();
    for (const p of plcs.splice(0)) await p.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('120 machines on 15 PLCs: CSV and XLSX imported, one rel-ingest per PLC names every reading right', async () => {
    const ports: number[] = [];
    for (let p = 0; p < PLCS; p++) {
      const plc = new TestPlc();
      plcs.push(plc);
      ports.push(await plc.start());
    }
    const rows = plantRows({ machines: MACHINES, plcs: PLCS, plc: (p) => ['127.0.0.1', ports[p]], base });
    for (let i = 0; i < MACHINES; i++) {
      const p = i % PLCS;
      const k = Math.floor(i / PLCS);
      const e = expect(i);
      plcs[p].write(base(k, p), [e.run, e.count >>> 16, e.count & 0xffff, Math.round(e['DE-vel'] * 100), Math.round(e['motor-temp'] * 10)]);
    }
    // Even PLCs: one read from register 0; odd PLCs: the read starts at the first machine's base address.
    const reads = ports.map((port, p) => ({ adr: p % 2 === 0 ? 0 : base(0, p), quantity: p % 2 === 0 ? 110 : 100 }));
    await loadFlow(
      [
        storeNode(file),
        { id: 'reg', type: 'rel-registry', store: 'store1', wires: [['regOut']] },
        { id: 'regOut', type: 'helper' },
        { id: 'wo', type: 'rel-work-order', store: 'store1', wires: [['woOut'], []] },
        { id: 'woOut', type: 'helper' },
        ...ports.flatMap((port, p) => [
          { id: `c${p}`, ...CLIENT, name: `plc${p}`, tcpPort: port },
          { id: `r${p}`, type: 'modbus-read', name: `read${p}`, server: `c${p}`, dataType: 'HoldingRegister', adr: String(reads[p].adr), quantity: String(reads[p].quantity), rate: '400', rateUnit: 'ms', unitid: '1', wires: [[`i${p}`], []] },
          { id: `i${p}`, type: 'rel-ingest', source: 'register', store: 'store1', plcHost: '127.0.0.1', plcPort: port, output: 'each', staleAfter: 0, wires: [['out']] },
        ]),
        { id: 'out', type: 'helper' },
      ],
      CONTRIB,
    );
    const st = recordStatus('reg');
    const got = collect('out');
    // Machine types first, then the CSV: dry run (nothing written), then applied.
    const types = await send('reg', { action: 'types', payload: [PUMP_TYPE] });
    assert.deepStrictEqual(types.payload.map((t: any) => t.name), ['pump-skid']);
    const dry = await send('reg', { action: 'import', dryRun: true, payload: toCsv(rows) });
    assert.deepStrictEqual([dry.payload.added, dry.payload.applied, dry.payload.errors], [120, false, []]);
    assert.strictEqual((await send('reg', { action: 'list' })).payload.length, 0, 'the dry run wrote nothing');
    const t0 = Date.now();
    const csv = await send('reg', { action: 'import', payload: toCsv(rows) });
    assert.deepStrictEqual([csv.payload.added, csv.payload.updated, csv.payload.unchanged, csv.payload.applied], [120, 0, 0, true]);
    assert.strictEqual(st[st.length - 1].text, '120 assets');
    // The XLSX of the same register, one machine's notes changed.
    rows[MACHINES - 1].notes = 'bearing noise reported';
    const xlsx = await send('reg', { action: 'import', payload: await toXlsx(rows) });
    assert.deepStrictEqual([xlsx.payload.added, xlsx.payload.updated, xlsx.payload.unchanged, xlsx.payload.errors], [0, 1, 119, []]);

    // Every machine: four channels, each named <asset>/<channel> with its PLC's value.
    const latest = await waitFor('a reading of every channel of all 120 machines', () => {
      const m = new Map<string, any>();
      for (const g of got) if (g.at > t0) m.set(g.msg.topic, g.msg);
      return m.size >= MACHINES * 4 ? m : undefined;
    }, 30000);
    assert.strictEqual(latest.size, MACHINES * 4, [...latest.keys()].filter((k) => !/^M-\d{3}\//.test(k)).join(', '));
    for (let i = 0; i < MACHINES; i++) {
      const asset = `M-${String(i + 1).padStart(3, '0')}`;
      for (const [channel, value] of Object.entries(expect(i))) {
        const m = latest.get(`${asset}/${channel}`);
        assert.ok(m, `${asset}/${channel} missing`);
        assert.strictEqual(m.payload.asset, asset);
        assert.strictEqual(m.payload.channel, channel);
        assert.ok(Math.abs(m.payload.value - value) < 1e-9, `${asset}/${channel}: ${m.payload.value} != ${value}`);
        const over = i === MACHINES - 1 && channel === 'motor-temp';
        assert.strictEqual(m.payload.quality, over ? 'uncertain' : 'good', `${asset}/${channel} ${m.payload.reason ?? ''}`);
        if (over) assert.match(m.payload.reason, /160 outside the absolute limits -40\.\.150/);
      }
      assert.strictEqual(latest.get(`${asset}/run`).payload.quantity, 'state');
      assert.strictEqual(latest.get(`${asset}/count`).payload.quantity, 'count');
      assert.strictEqual(latest.get(`${asset}/DE-vel`).payload.unit, 'mm/s');
    }

    // Registered machines are assets for every node: resolveAsset and a work order's line and criticality.
    const { resolveAsset } = require(path.join(OUT, 'nodes', 'shared', 'assets.js'));
    const spec = resolveAsset({ nodes: { getNode: () => null } }, '', { payload: { asset: 'M-004' } });
    assert.deepStrictEqual([spec.assetId, spec.line, spec.criticality, spec.bearingName, spec.rpm], ['M-004', rows[3].line, 4, 'custom', rows[3].rpm]);
    assert.throws(() => resolveAsset({ nodes: { getNode: () => null } }, '', { payload: { asset: 'M-999' } }), /msg\.payload\.asset: expected the id of a deployed rel-asset \(none deployed; or of one of the \d+ machines in the asset register\), got the string "M-999"/);
    const wo = nextMessage('woOut');
    assert.strictEqual(await receiveAndComplete('wo', { action: 'create', payload: { asset: 'M-005', title: 'check coupling' } }), undefined);
    const order = (await wo).payload;
    assert.deepStrictEqual([order.asset, order.status], ['M-005', 'open']);
    const woRow = require('better-sqlite3')(file, { readonly: true });
    try {
      assert.deepStrictEqual(woRow.prepare('SELECT line, criticality FROM cmms_work_orders WHERE id = ?').get(order.id), { line: rows[4].line, criticality: 5 });
    } finally {
      woRow.close();
    }
    // Remove: refused while M-005 has an open work order; M-006 goes, and the index forgets it.
    const refused = await receiveAndComplete('reg', { action: 'remove', payload: 'M-005' });
    assert.match(String(refused?.message), /asset M-005 has 1 open work order/);
    const removed = await send('reg', { action: 'remove', payload: { asset: 'M-006' } });
    assert.strictEqual(removed.payload.removed, 'M-006');
    assert.throws(() => resolveAsset({ nodes: { getNode: () => null } }, '', { payload: { asset: 'M-006' } }), /machines in the asset register\), got the string "M-006"/);
    const got1 = await send('reg', { action: 'get', payload: 'M-007' });
    assert.deepStrictEqual(got1.payload.allChannels.map((c: any) => c.channel), ['run', 'count', 'DE-vel', 'motor-temp']);
    const line2 = await send('reg', { action: 'list', payload: { line: 'line-2' } });
    assert.ok(line2.payload.length > 0 && line2.payload.every((a: any) => a.line === 'line-2'));
    // Export -> import changes nothing (CSV and XLSX).
    for (const format of ['csv', 'xlsx']) {
      const ex = await send('reg', { action: 'export', format });
      assert.strictEqual(ex.filename, `asset-register.${format}`);
      const back = await send('reg', { action: 'import', payload: ex.payload });
      assert.deepStrictEqual([back.payload.added, back.payload.updated, back.payload.unchanged, back.payload.errors], [0, 0, 119, []], format);
    }
    assert.strictEqual(getNode('i0').type, 'rel-ingest');
  });

  it('the editor upload route: dry run, report, apply; bad files change nothing; a 50 MB payload is refused before parsing', async () => {
    const flow = [
      storeNode(file),
      { id: 'reg', type: 'rel-registry', store: 'store1', wires: [['regOut']] },
      { id: 'regOut', type: 'helper' },
      { id: 'pm', type: 'rel-pm', store: 'store1', tickInterval: 3600, wires: [['pmOut'], []] },
      { id: 'pmOut', type: 'helper' },
    ];
    await loadFlow(flow);
    await send('reg', { action: 'types', payload: PUMP_TYPE });
    const rows = plantRows({ machines: 20, plcs: 4 });
    const data = (await toXlsx(rows)).toString('base64');
    const dry = await helper.request().post('/rel-registry/reg/import').send({ name: 'plant.xlsx', data, dryRun: true }).expect(200);
    assert.deepStrictEqual([dry.body.added, dry.body.applied, dry.body.errors], [20, false, []]);
    assert.strictEqual((await send('reg', { action: 'list' })).payload.length, 0);
    const applied = await helper.request().post('/rel-registry/reg/import').send({ name: 'plant.xlsx', data, dryRun: false }).expect(200);
    assert.deepStrictEqual([applied.body.added, applied.body.applied], [20, true]);
    // rel-pm's plan import takes registered machines (and still refuses unknown ones).
    const plans = await send('pm', { action: 'import', payload: 'asset,task,trigger,interval,unit,last done,duration,parts\nM-001,Grease DE bearing,calendar,4,weeks,2026-01-01,20,\nM-999,Nothing,calendar,4,weeks,2026-01-01,20,\n' }, 'pmOut');
    assert.deepStrictEqual(plans.payload.imported.map((x: any) => x.asset), ['M-001']);
    assert.deepStrictEqual(plans.payload.rejected.map((x: any) => x.asset), ['M-999']);
    const csvBad = toCsv([{ ...rows[0], criticality: 9 }]);
    const rep = await helper.request().post('/rel-registry/reg/import').send({ name: 'bad.csv', data: Buffer.from(csvBad).toString('base64'), dryRun: false }).expect(200);
    assert.deepStrictEqual(rep.body.errors, [{ row: 2, field: 'criticality', error: 'expected a whole number from 1 to 5, got "9"' }]);
    assert.strictEqual(rep.body.applied, false);
    await helper.request().post('/rel-registry/nope/import').send({ data: '' }).expect(404);
    await helper.request().post('/rel-registry/reg/import').send({ name: 'big.csv', data: 'QUJD'.repeat(4 * 1024 * 1024) }).expect(413);
    await helper.request().post('/rel-registry/reg/import').send({ name: 'x.csv' }).expect(400);

    // Bad files through msg: each reported with row and field; the register keeps its 20 machines.
    const before = JSON.stringify((await send('reg', { action: 'list' })).payload);
    const bad = plantRows({ machines: 6, plcs: 2, plc: (p) => [`10.9.${p}.10`, 502] });
    bad[0].criticality = 'high';
    bad[1].machineClass = 'class A';
    bad[2].asset = bad[0].asset;
    bad[3].rpm = '1.450,5'; // a decimal comma is read in ;-files, thousands separators are not
    bad[4].unitId = '0x01';
    const lines = toCsv(bad, { delimiter: ';', bom: true }).split('\r\n');
    lines.splice(3, 0, ';;;;', '');
    const r = (await send('reg', { action: 'import', payload: lines.join('\r\n') })).payload;
    const e = r.errors.map((x: any) => `${x.row} ${x.field}`);
    assert.deepStrictEqual(e, ['2 criticality', '3 machineClass', '6 asset', '7 rpm', '8 unitId'], JSON.stringify(r.errors));
    const three = plantRows({ machines: 3, plcs: 1, plc: () => ['10.9.9.9', 502] });
    three[2].unitId = '0x01';
    const xl = await toXlsx(three, (ws) => {
      ws.getCell('F2').value = { formula: '2+1', result: 3 } as never;
      ws.mergeCells('C3:D3');
    });
    const r2 = (await send('reg', { action: 'import', payload: xl, partial: false })).payload;
    assert.deepStrictEqual(r2.errors.map((x: any) => `${x.row} ${x.field}`), ['2 criticality', '3 site', '4 unitId'], JSON.stringify(r2.errors));
    assert.strictEqual(JSON.stringify((await send('reg', { action: 'list' })).payload), before, 'nothing changed');
    const big = Buffer.alloc(50 * 1024 * 1024, 0x2c);
    const t0 = Date.now();
    const err = await receiveAndComplete('reg', { action: 'import', payload: big });
    assert.match(String(err?.message), /^msg\.payload: expected a register file of at most 10 MB, got a Buffer of 52428800 bytes/);
    assert.ok(Date.now() - t0 < 1000, `refused in ${Date.now() - t0} ms`);
    assert.strictEqual(JSON.stringify((await send('reg', { action: 'list' })).payload), before);

    // A redeploy (every node closed, then started) leaves no moment in which registered machines are unknown.
    const { resolveAsset } = require(path.join(OUT, 'nodes', 'shared', 'assets.js'));
    const RED = { nodes: { getNode: () => null } };
    await unloadFlow();
    assert.strictEqual(resolveAsset(RED, '', { payload: { asset: 'M-020' } }).assetId, 'M-020', 'between stop and start');
    await loadFlow(flow);
    assert.strictEqual(resolveAsset(RED, '', { payload: { asset: 'M-020' } }).assetId, 'M-020', 'right after the start');
    assert.strictEqual((await send('reg', { action: 'list' })).payload.length, 20);
  });

  it('rel-ingest (source register) survives the bad-input harness and still decodes afterwards', async () => {
    const rep = await fuzzNode({
      flow: [
        storeNode(file),
        { id: 'reg', type: 'rel-registry', store: 'store1', wires: [['regOut']] },
        { id: 'regOut', type: 'helper' },
        { id: 'ing', type: 'rel-ingest', source: 'register', store: 'store1', plcHost: '10.0.0.10', plcPort: 502, output: 'array', staleAfter: 0, wires: [['out']] },
        { id: 'out', type: 'helper' },
      ],
      nodeId: 'ing',
      keys: ['data', 'buffer', 'asset'],
      runs: 300,
      sanity: async () => {
        await send('reg', { action: 'types', payload: PUMP_TYPE });
        await send('reg', { action: 'import', payload: toCsv(plantRows({ machines: 2, plcs: 1 })) });
        const m = await send('ing', { payload: [1, 0, 5, 120, 215, 0, 0, 0, 0, 0], input: { payload: { unitid: 1, address: 100 } } }, 'out');
        assert.strictEqual(m.topic, 'M-002');
        assert.deepStrictEqual(m.payload.map((r: any) => [r.channel, r.quality, r.value]), [['run', 'good', 1], ['count', 'good', 5], ['DE-vel', 'good', 1.2], ['motor-temp', 'good', 21.5]]);
      },
    });
    assert.ok(rep.errors > 0, JSON.stringify(rep));
  });

  it('a close (redeploy) while an import is mid-way waits for it: the machines are stored, done without an error, the store released after', async () => {
    await loadFlow([storeNode(file), { id: 'reg', type: 'rel-registry', store: 'store1', wires: [['regOut']] }, { id: 'regOut', type: 'helper' }]);
    await send('reg', { action: 'types', payload: PUMP_TYPE });
    const done = await closeWhileHeld(RegisterRepo.prototype, 'importFile', () => receiveAndComplete('reg', { action: 'import', payload: toCsv(plantRows({ machines: 5, plcs: 1 })) }, 10000), 'import');
    assert.strictEqual(done, undefined, 'the import finished on the open store');
    const h = openStore(file);
    try {
      assert.strictEqual((await h.db.one<{ n: number }>('SELECT COUNT(*) AS n FROM register_assets'))?.n, 5);
    } finally {
      h.release();
    }
  });

  it('survives the bad-input harness and still imports afterwards', async () => {
    const rep = await fuzzNode({
      flow: [storeNode(file), { id: 'reg', type: 'rel-registry', store: 'store1', wires: [['regOut']] }, { id: 'regOut', type: 'helper' }],
      nodeId: 'reg',
      keys: ['asset', 'site', 'area', 'line', 'file', 'name', 'registers', 'channels'],
      actions: ['import', 'export', 'list', 'get', 'remove', 'types'],
      allowErrors: [/^msg\.payload\.asset: asset .* is not in the register$/, /^asset .* is not in the register$/],
      runs: 400,
      sanity: async () => {
        await send('reg', { action: 'types', payload: PUMP_TYPE });
        const r = await send('reg', { action: 'import', payload: toCsv(plantRows({ machines: 3, plcs: 1 })) });
        assert.deepStrictEqual([r.payload.added, r.payload.errors], [3, []]);
      },
    });
    assert.ok(rep.errors > 0 && rep.ok > 0, JSON.stringify(rep));
  });
});
