/** rel-takt in a real Node-RED runtime: takt from the calendar, cycle statistics, the creep alert once, zero demand refused. */
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
    { id: 'takt', type: 'rel-takt', store: 'store1', shifts: 'early=06:00-14:00, late=14:00-22:00', breaks: '10:00-10:30, 18:00-18:30', utcOffset: '0', demand: 450, window: 50, creepAlert: 0.95, minCycles: 5, wires: [['out'], ['alert']], ...extra },
    { id: 'out', type: 'helper' },
    { id: 'alert', type: 'helper' },
  ];
}

function collect() {
  const c = { out: [] as any[], alert: [] as any[] };
  getNode('out').on('input', (m: any) => c.out.push(m));
  getNode('alert').on('input', (m: any) => c.alert.push(m));
  return c;
}

async function send(action: string, payload: unknown) {
  const err = await receiveAndComplete('takt', { action, payload });
  await sleep(5);
  return err;
}

describe('rel-takt', function () {
  let dir: string;
  beforeEach(() => {
    dir = tmpDir('rel-takt-');
    helper.settings({ reliabilityClock: new FakeClock(at(7)) });
  });
  afterEach(async () => {
    await unloadFlow();
    helper.settings({ reliabilityClock: undefined });
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('takt 27,000 s / 450 = 60 s; a machine slowing down alerts once at 95% of takt, across a restart', async () => {
    const file = path.join(dir, 'takt.db');
    await loadFlow(flow(file));
    let c = collect();
    const cycles = [50, 52, 54, 56, 58, 62, 64, 66, 68];
    for (const [i, s] of cycles.slice(0, 5).entries()) assert.strictEqual(await send('cycle', { asset: 'press-1', cycleTimeS: s, ts: at(7) + i * 70_000 }), undefined);
    const f5 = c.out[4].payload.takt;
    assert.deepStrictEqual([f5.taktS, f5.availableS, f5.cycleMedianS, f5.cycleP90S, f5.creep, f5.overTakt], [60, 27000, 54, 57.2, 0.9, 0]);
    await unloadFlow();
    await loadFlow(flow(file));
    c = collect();
    for (const [i, s] of cycles.slice(5).entries()) assert.strictEqual(await send('cycle', { asset: 'press-1', cycleTimeS: s, ts: at(7) + (i + 5) * 70_000 }), undefined);
    assert.strictEqual(c.alert.length, 1, 'one alert, not one per cycle');
    assert.strictEqual(c.alert[0].payload.creep, 0.95);
    assert.strictEqual(c.alert[0].payload.cycleMedianS, 57);
    assert.match(c.alert[0].payload.text, /press-1: median cycle 57 s is 95% of takt 60 s/);
    assert.strictEqual(await send('report', { asset: 'press-1', ts: at(8) }), undefined);
    const r = c.out[c.out.length - 1].payload.takt;
    assert.deepStrictEqual([r.cycles, r.overTakt, r.cycleMedianS, r.shift], [9, 4, 58, '2024-03-04/early']);
  });

  it('measures cycle time between events when none is given; the late shift has its own takt', async () => {
    await loadFlow(flow(path.join(dir, 'gap.db'), { asset: 'press-2' }));
    const c = collect();
    await send('cycle', { ts: at(15) });
    assert.match(c.out[0].payload.takt.note, /first cycle/);
    await send('cycle', { ts: at(15) + 48_000 });
    await send('cycle', { ts: at(15) + 100_000 });
    const t = c.out[2].payload.takt;
    assert.deepStrictEqual([t.cycleMedianS, t.taktS, t.shift], [50, 60, '2024-03-04/late']);
  });

  it('measured cycles leave out the planned break; a cycle after a shift change or overnight starts the measurement afresh', async () => {
    await loadFlow(flow(path.join(dir, 'break.db'), { asset: 'press-3' }));
    const c = collect();
    // steady 55 s cycles from 09:50; the first after the 10:00-10:30 break ends 55 s of work after 10:30
    const times: number[] = [];
    for (let i = 0; i <= 10; i++) times.push(at(9, 50) + i * 55_000); // last at 09:59:10
    const afterBreak = times[10]! + 30 * 60_000 + 55_000; // 10:30:05
    for (let i = 0; i < 5; i++) times.push(afterBreak + i * 55_000);
    for (const ts of times) assert.strictEqual(await send('cycle', { ts }), undefined);
    const t = c.out.map((m) => m.payload.takt);
    assert.strictEqual(t[11].cycleS, 55, 'the 30 min break is not cycle time');
    const last = t[t.length - 1];
    assert.deepStrictEqual([last.cycles, last.overTakt, last.cycleMedianS, last.cycleP90S], [15, 0, 55, 55]);
    // the late shift starts at 14:00: the time since the early shift's last cycle is not a cycle
    assert.strictEqual(await send('cycle', { ts: at(13, 59), cycleTimeS: 55 }), undefined);
    assert.strictEqual(await send('cycle', { ts: at(14) + 50_000 }), undefined);
    const late = c.out[c.out.length - 1].payload.takt;
    assert.deepStrictEqual([late.cycleS, late.shift, late.cycles, late.overTakt], [null, '2024-03-04/late', 0, 0]);
    assert.match(late.note, /first cycle of shift 2024-03-04\/late \(the previous cycle was in shift 2024-03-04\/early\)/);
    assert.strictEqual(await send('cycle', { ts: at(14) + 105_000 }), undefined);
    assert.strictEqual(c.out[c.out.length - 1].payload.takt.cycleS, 55);
    // overnight: 21:59 on the late shift, then 06:00:55 the next morning
    assert.strictEqual(await send('cycle', { ts: at(21, 59), cycleTimeS: 55 }), undefined);
    assert.strictEqual(await send('cycle', { ts: at(6, 0, 1) + 55_000 }), undefined);
    const morning = c.out[c.out.length - 1].payload.takt;
    assert.deepStrictEqual([morning.cycleS, morning.shift, morning.cycles, morning.overTaktTotal], [null, '2024-03-05/early', 0, 0]);
    assert.match(morning.note, /first cycle of shift 2024-03-05\/early/);
    assert.strictEqual(await send('report', { ts: at(6, 5, 1) }), undefined);
    assert.strictEqual(c.out[c.out.length - 1].payload.takt.cycleP90S, 55, 'no gap in the window');
  });

  it('bad input: zero demand, negative cycle time, out of order, other asset: clear errors, takt unharmed', async () => {
    await loadFlow(flow(path.join(dir, 'bad.db'), { asset: 'press-1' }));
    const c = collect();
    await send('cycle', { cycleTimeS: 55, ts: at(9) });
    const cases: [string, unknown, RegExp][] = [
      ['demand', { demand: 0 }, /^msg\.payload\.demand: expected a demand > 0 units per shift, got the number 0 \(takt is undefined for zero demand\)/],
      ['cycle', { cycleTimeS: -3, ts: at(9, 5) }, /^msg\.payload\.cycleTimeS: expected a number > 0/],
      ['cycle', { cycleTimeS: 50, ts: at(8) }, /^msg\.payload\.ts: expected a time at or after the last cycle .*events out of order/],
      ['cycle', { asset: 'lathe-4', cycleTimeS: 50 }, /^msg\.payload\.asset: expected the asset of this node \(press-1\), got the string "lathe-4"/],
      ['pace', {}, /^msg\.action: expected one of cycle, report, demand/],
    ];
    for (const [action, payload, re] of cases) {
      const err = await send(action, payload);
      assert.ok(err && re.test(err.message), `${action}: ${err?.message}`);
    }
    await send('report', { ts: at(9, 10) });
    const r = c.out[c.out.length - 1].payload.takt;
    assert.deepStrictEqual([r.taktS, r.cycles, r.cycleMedianS], [60, 1, 55]);
    // a new demand changes takt: 27,000 / 540 = 50 s
    await send('demand', { demand: 540, ts: at(9, 11) });
    assert.strictEqual(c.out[c.out.length - 1].payload.takt.taktS, 50);
  });

  it('survives the fuzz harness and still measures', async () => {
    await fuzzNode({
      flow: flow(path.join(dir, 'fuzz.db')),
      nodeId: 'takt',
      keys: ['asset', 'cycleTimeS', 'ts', 'demand'],
      actions: ['cycle', 'report', 'demand'],
      runs: 600,
      keepLoaded: true,
      sanity: async () => {
        const c = collect();
        const t = at(7, 0, 500);
        await send('cycle', { asset: 'sane', cycleTimeS: 30, ts: t });
        await send('cycle', { asset: 'sane', cycleTimeS: 40, ts: t + 1 });
        await send('report', { asset: 'sane', ts: t + 2 });
        const r = c.out[c.out.length - 1].payload.takt;
        assert.strictEqual(r.cycleMedianS, 35);
        assert.ok(r.taktS > 0);
      },
    });
  });
});
