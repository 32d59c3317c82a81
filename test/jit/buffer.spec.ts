/** rel-buffer in a real Node-RED runtime: hand-computed safety stock, dynamic WIP days from health and supplier variance, the Rule of 85 gate. */
import assert from 'assert';
import fs from 'fs';
import path from 'path';
import { getNode, helper, loadFlow, receiveAndComplete, sleep, tmpDir, unloadFlow } from '../helpers/red';
import { storeNode } from '../helpers/fixtures';
import { fuzzNode } from '../helpers/fuzz';
import { FakeClock } from '../helpers/fake-clock';
import { at } from './shift-script';

function flow(file: string, extra: Record<string, unknown> = {}) {
  return [
    storeNode(file),
    { id: 'buf', type: 'rel-buffer', store: 'store1', serviceZ: 1.65, windowDays: 30, targetDays: 1, floorDays: 3, cvThreshold: 0.2, criticalAssets: 'press-1', healthThreshold: 70, healthDaysMax: 2, utcOffset: '0', wires: [['out']], ...extra },
    { id: 'out', type: 'helper' },
  ];
}

function collect() {
  const out: any[] = [];
  getNode('out').on('input', (m: any) => out.push(m));
  return out;
}

async function send(action: string | undefined, payload: unknown) {
  const msg: any = { payload };
  if (action) msg.action = action;
  const err = await receiveAndComplete('buf', msg);
  await sleep(5);
  return err;
}

describe('rel-buffer', function () {
  let dir: string;
  beforeEach(() => {
    dir = tmpDir('rel-buffer-');
    helper.settings({ reliabilityClock: new FakeClock(at(12, 0, 5)) });
  });
  afterEach(async () => {
    await unloadFlow();
    helper.settings({ reliabilityClock: undefined });
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function feed(leadTimes: number[]) {
    // daily demand 80, 120, 100, 90, 110 (two events on day 0): D = 100, sd = sqrt(250)
    await send('demand', { item: 'gear', qty: 30, ts: at(8, 0, 0) });
    await send('demand', { item: 'gear', qty: 50, ts: at(15, 0, 0) });
    for (const [d, q] of [[1, 120], [2, 100], [3, 90], [4, 110]]) await send('demand', { item: 'gear', qty: q, ts: at(9, 0, d) });
    for (const [i, lt] of leadTimes.entries()) await send('delivery', { item: 'gear', leadTimeDays: lt, ts: at(16, 0, 4) + i });
  }

  it('safety stock and reorder point equal the hand computation; a health drop raises WIP days and recovery lowers them, with reasons', async () => {
    await loadFlow(flow(path.join(dir, 'b.db')));
    const out = collect();
    await feed([3, 5, 4]); // L = 4, sd 1, variation 25%
    assert.strictEqual(await send('advise', { item: 'gear' }), undefined);
    const a = out[out.length - 1].payload.buffer;
    // SS = 1.65 sqrt(4 x 250 + 100^2 x 1^2) = 1.65 sqrt(11000) = 173.0535; ROP = 400 + SS
    assert.ok(Math.abs(a.safetyStock - 173.0535) < 1e-3, String(a.safetyStock));
    assert.ok(Math.abs(a.reorderPoint - 573.0535) < 1e-3, String(a.reorderPoint));
    assert.deepStrictEqual([a.demandPerDay, a.leadTimeDays, a.sdLeadTime, a.days, a.deliveries], [100, 4, 1, 5, 3]);
    assert.strictEqual(a.wipDays, 4.65); // held at 3 (no Rule of 85 yet) + 1.65 x 1 day of supplier spread
    assert.ok(a.reasons.some((r: string) => /supplier lead time varies 25%/.test(r)), a.reasons.join(' | '));
    // press-1 (critical path) drops to 40: + 2 x 30/70 days
    assert.strictEqual(await send(undefined, { asset: 'press-1', health: { score: 40, state: 'alarm' } }), undefined);
    const b = out[out.length - 1].payload.buffer[0];
    assert.strictEqual(b.wipDays, 5.51);
    assert.ok(b.reasons.some((r: string) => /press-1 health 40 below 70: \+0.86 days/.test(r)), b.reasons.join(' | '));
    assert.match(out[out.length - 1].payload.note, /buffers raised/);
    // an asset off the critical path changes nothing
    await send('health', { asset: 'fan-2', health: { score: 10, state: 'alarm' } });
    assert.strictEqual(out[out.length - 1].payload.buffer[0].wipDays, 5.51);
    await send('health', { asset: 'press-1', health: { score: 88, state: 'normal' } });
    const c = out[out.length - 1].payload.buffer[0];
    assert.strictEqual(c.wipDays, 4.65);
    assert.ok(c.reasons.includes('critical-path assets healthy'));
    assert.match(out[out.length - 1].payload.note, /recovered to health 88: buffers lowered/);
  });

  it('a steady supplier and the Rule of 85 from rel-oee let WIP fall to the lean target', async () => {
    const file = path.join(dir, 'gate.db');
    await loadFlow(flow(file));
    let out = collect();
    await feed([4, 4.2, 3.8]);
    await send('advise', { item: 'gear' });
    assert.strictEqual(out[out.length - 1].payload.buffer.wipDays, 3);
    // a rel-oee report, wired straight in
    await send('report', { asset: 'press-1', oee: { oee: 0.9, rule85: { mayCutWip: true, reason: 'press-1 30/30 days at OEE >= 85%' } } });
    assert.strictEqual(out[out.length - 1].payload.buffer[0].wipDays, 1);
    // the gate is kept across a restart
    await unloadFlow();
    await loadFlow(flow(file));
    out = collect();
    await send('advise', { item: 'gear' });
    const a = out[0].payload.buffer;
    assert.strictEqual(a.wipDays, 1);
    assert.ok(a.reasons.some((r: string) => /Rule of 85 met/.test(r)));
  });

  it('a report from a real rel-oee: the advice held at the floor names the critical asset short of its streak, from rule85\'s fields; kept across a restart', async () => {
    const file = path.join(dir, 'short.db');
    // rel-oee's reports (not its answers to state and count) into rel-buffer, as the demo wires them
    const oee = [
      { id: 'oee', type: 'rel-oee', store: 'store1', shifts: 'early=06:00-14:00', utcOffset: '0', idealCycleS: 30, criticalAssets: 'press-1', rule85Days: 20, rule85Oee: 0.8, wires: [['reports']] },
      { id: 'reports', type: 'switch', property: 'action', propertyType: 'msg', rules: [{ t: 'eq', v: 'report', vt: 'str' }], checkall: 'false', outputs: 1, wires: [['buf']] },
    ];
    await loadFlow([...flow(file), ...oee], [require('@node-red/nodes/core/function/10-switch.js')]);
    let out = collect();
    await feed([4, 4.2, 3.8]);
    for (const [action, payload] of [
      ['state', { asset: 'press-1', state: 'running', ts: at(6, 0, 5) }],
      ['count', { asset: 'press-1', good: 100, total: 100, ts: at(7, 0, 5) }],
      ['report', { asset: 'press-1', ts: at(8, 0, 5) }],
    ] as const) assert.strictEqual(await receiveAndComplete('oee', { action, payload } as any), undefined);
    const held = (b: any) => (Array.isArray(b) ? b[0] : b).why.find((w: any) => w.code === 'held');
    const short = [{ asset: 'press-1', days: 0, requiredDays: 20, oeePct: 80 }];
    // the buffer's answer to the report (it stores the gate first): waited for, not timed
    const t0 = Date.now();
    while (!out.some((m) => held(m.payload.buffer)?.noReport === false) && Date.now() - t0 < 10_000) await sleep(20);
    assert.deepStrictEqual(held(out[out.length - 1].payload.buffer), { code: 'held', floorDays: 3, noReport: false, short });
    await unloadFlow();
    await loadFlow([...flow(file), ...oee], [require('@node-red/nodes/core/function/10-switch.js')]);
    out = collect();
    await send('advise', { item: 'gear' });
    assert.deepStrictEqual(held(out[0].payload.buffer).short, short);
  });

  it('bad input: zero and negative demand, events out of order, a bad gate: clear errors, advice unharmed', async () => {
    await loadFlow(flow(path.join(dir, 'bad.db')));
    const out = collect();
    await feed([3, 5, 4]);
    await send('advise', { item: 'gear' });
    const before = out[out.length - 1].payload.buffer;
    const cases: [string | undefined, unknown, RegExp][] = [
      ['demand', { item: 'gear', qty: 0, ts: at(9, 0, 5) }, /^msg\.payload\.qty: expected a number > 0.*, got the number 0$/],
      ['demand', { item: 'gear', qty: -4, ts: at(9, 0, 5) }, /^msg\.payload\.qty: expected a number > 0/],
      ['demand', { item: 'gear', qty: 4, ts: at(9, 0, 1) }, /^msg\.payload\.ts: expected a time at or after the last event of gear .*events out of order/],
      ['delivery', { item: 'gear', leadTimeDays: 'soon' }, /^msg\.payload\.leadTimeDays: expected a number > 0/],
      ['oee', { oee: { rule85: { mayCutWip: 'yes' } } }, /^msg\.payload\.oee\.rule85: expected the Rule of 85 result/],
      ['forecast', {}, /^msg\.action: expected one of demand, delivery, health, oee, advise/],
    ];
    for (const [action, payload, re] of cases) {
      const err = await send(action, payload);
      assert.ok(err && re.test(err.message), `${action}: ${err?.message}`);
    }
    await send('advise', { item: 'gear' });
    assert.deepStrictEqual(out[out.length - 1].payload.buffer, before);
  });

  it('survives the fuzz harness and still advises', async () => {
    await fuzzNode({
      flow: flow(path.join(dir, 'fuzz.db')),
      nodeId: 'buf',
      keys: ['item', 'qty', 'leadTimeDays', 'ts', 'asset', 'health', 'oee'],
      actions: ['demand', 'delivery', 'health', 'oee', 'advise'],
      runs: 600,
      keepLoaded: true,
      sanity: async () => {
        const out = collect();
        await send('delivery', { item: 'sane', leadTimeDays: 2, ts: at(0, 0, 900) });
        await send('delivery', { item: 'sane', leadTimeDays: 4, ts: at(0, 0, 900) });
        await send('demand', { item: 'sane', qty: 10, ts: at(1, 0, 900) });
        await send('demand', { item: 'sane', qty: 30, ts: at(1, 0, 901) });
        await send('advise', { item: 'sane', ts: at(1, 0, 902) });
        const a = out[out.length - 1].payload.buffer;
        assert.deepStrictEqual([a.demandPerDay, a.leadTimeDays], [20, 3]);
        assert.ok(a.safetyStock > 0 && a.reorderPoint > a.safetyStock);
      },
    });
  });
});
