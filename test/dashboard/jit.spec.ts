/**
 * The optional dashboard output of the JIT nodes (rel-oee, rel-takt, rel-kanban, rel-andon,
 * rel-buffer) in a real Node-RED runtime: with `dashboard: true` the last port carries new
 * messages shaped for stock widgets (numbers for ui-chart / ui-gauge, flat rows for ui-table)
 * with the same figures as the main output; with it off or absent the outputs are exactly as
 * before and the extra port gets nothing.
 */
import assert from 'assert';
import fs from 'fs';
import path from 'path';
import { getNode, helper, loadFlow, receiveAndComplete, sleep, tmpDir, unloadFlow } from '../helpers/red';
import { storeNode } from '../helpers/fixtures';
import { fuzzNode } from '../helpers/fuzz';
import { FakeClock } from '../helpers/fake-clock';
import { SCRIPTED_SHIFT, at } from '../jit/shift-script';

const M = 60_000;

/** Every message arriving at the given helper nodes while the flow is loaded. */
function collect(ids: readonly string[]): Record<string, any[]> {
  const c: Record<string, any[]> = {};
  for (const id of ids) {
    c[id] = [];
    getNode(id).on('input', (m: any) => c[id]!.push(m));
  }
  return c;
}

async function send(id: string, action: string | undefined, payload: unknown): Promise<void> {
  const msg: any = { payload };
  if (action) msg.action = action;
  const err = await receiveAndComplete(id, msg);
  if (err) throw err;
  await sleep(5);
}

/** A message without its per-run id, to compare two runs. */
function bare(m: any): any {
  const { _msgid, ...rest } = m;
  return rest;
}

/** Load a flow with a fresh fake clock, run a script, collect every helper's messages, unload. */
async function run(flow: object[], ports: readonly string[], t0: number, script: (clock: FakeClock) => Promise<void>): Promise<Record<string, any[]>> {
  const clock = new FakeClock(t0);
  helper.settings({ reliabilityClock: clock });
  await loadFlow(flow);
  const c = collect(ports);
  await script(clock);
  await unloadFlow();
  return c;
}

/** The same script with the dashboard off (false, then absent): the same main messages, nothing on the extra port. */
async function assertUnchangedWithout(
  dir: string,
  flowFor: (file: string, dashboard?: boolean) => object[],
  ports: readonly string[],
  t0: number,
  script: (clock: FakeClock) => Promise<void>,
  withDash: Record<string, any[]>,
): Promise<void> {
  for (const dashboard of [false, undefined]) {
    const c = await run(flowFor(path.join(dir, `off-${String(dashboard)}.db`), dashboard), ports, t0, script);
    assert.strictEqual(c.dash!.length, 0, `dashboard ${String(dashboard)}: nothing on the extra port`);
    for (const p of ports.filter((x) => x !== 'dash')) {
      assert.ok(withDash[p]!.length > 0 || p !== 'out', 'the script produced main messages');
      assert.deepStrictEqual(c[p]!.map(bare), withDash[p]!.map(bare), `dashboard ${String(dashboard)}: port ${p} as with the dashboard on`);
    }
  }
}

const r1 = (v: number | null) => (v === null ? null : Math.round(v * 10) / 10);
const pct1 = (v: number | null) => (v === null ? null : Math.round(v * 1000) / 10);
const r = (v: number | null, digits: number) => (v === null ? null : Math.round(v * 10 ** digits) / 10 ** digits);

describe('dashboard output: JIT nodes', function () {
  let dir: string;
  beforeEach(() => {
    dir = tmpDir('rel-dash-jit-');
  });
  afterEach(async () => {
    await unloadFlow();
    helper.settings({ reliabilityClock: undefined });
    fs.rmSync(dir, { recursive: true, force: true });
  });

  describe('rel-oee', function () {
    const ports = ['out', 'dash'] as const;
    const flowFor = (file: string, dashboard?: boolean) => [
      storeNode(file),
      {
        id: 'oee', type: 'rel-oee', store: 'store1', shifts: 'early=06:00-14:00', breaks: '10:00-10:30', utcOffset: '0', idealCycleS: 30,
        ...(dashboard === undefined ? {} : { dashboard }), wires: [['out'], ['dash']],
      },
      { id: 'out', type: 'helper' },
      { id: 'dash', type: 'helper' },
    ];
    const script = async () => {
      const events = [
        ...SCRIPTED_SHIFT.states.map(([ts, state, reason]) => ({ ts, action: 'state', payload: { asset: 'press-1', state, reason, ts } })),
        ...SCRIPTED_SHIFT.counts.map(([ts, good, total]) => ({ ts, action: 'count', payload: { asset: 'press-1', good, total, ts } })),
      ].sort((a, b) => a.ts - b.ts || (a.action === 'count' ? -1 : 1));
      for (const e of events) await send('oee', e.action, e.payload);
      await send('oee', 'report', { asset: 'press-1', ts: at(14) });
      // a machine running without parts yet: P = 0, Q and OEE undefined
      await send('oee', 'state', { asset: 'm2', state: 'running', ts: at(13) });
      await send('oee', 'report', { asset: 'm2', ts: at(13, 30) });
    };

    it('on report: A, P, Q and OEE in percent (1 decimal) with topic = label, the figures of the main output; nothing on state and count', async () => {
      const c = await run(flowFor(path.join(dir, 'on.db'), true), ports, at(15), script);
      assert.strictEqual(c.out!.length, SCRIPTED_SHIFT.states.length + SCRIPTED_SHIFT.counts.length + 3);
      assert.strictEqual(c.dash!.length, 4 + 2, 'one message per known figure per report, none for state and count');
      const reports = c.out!.filter((m) => m.action === 'report');
      let at0 = 0;
      for (const rep of reports) {
        const o = rep.payload.oee;
        const expected = (
          [
            ['Availability', pct1(o.availability)],
            ['Performance', pct1(o.performance)],
            ['Quality', pct1(o.quality)],
            ['OEE', pct1(o.oee)],
          ] as [string, number | null][]
        ).filter(([, v]) => v !== null);
        const msgs = c.dash!.slice(at0, at0 + expected.length);
        at0 += expected.length;
        assert.deepStrictEqual(msgs.map((m) => [m.topic, m.payload]), expected);
        for (const m of msgs) {
          assert.strictEqual(m.label, m.topic);
          assert.strictEqual(m.unit, '%');
          assert.strictEqual(m.asset, o.asset);
          assert.strictEqual(typeof m.payload, 'number', 'a figure not known is not sent (a ui-chart throws on null)');
          assert.strictEqual(m.oee, undefined, 'a new message, not the incoming one');
        }
      }
      assert.strictEqual(at0, c.dash!.length);
      // the scripted shift: A = 365/420, P = 320/365, Q = 620/640, OEE = 310/420 (hand computation in test/jit)
      assert.deepStrictEqual(c.dash!.slice(0, 4).map((m) => m.payload), [86.9, 87.7, 96.9, 73.8]);
      assert.strictEqual(c.dash![0].ts, at(14));
      // no parts yet: A = 100 %, P = 0; Q and OEE are not defined, so they are not sent
      assert.deepStrictEqual(c.dash!.slice(4).map((m) => [m.topic, m.payload]), [['Availability', 100], ['Performance', 0]]);
      assert.strictEqual(c.dash![4].asset, 'm2');
      await assertUnchangedWithout(dir, flowFor, ports, at(15), script, c);
    });

    it('Dashboard shows the rolling window: the four figures are the report\'s rolling ones, not the shift\'s', async () => {
      const flow = flowFor(path.join(dir, 'rolling.db'), true);
      (flow[1] as any).dashboardFigures = 'rolling';
      const c = await run(flow, ports, at(9, 0, 1), async () => {
        await script();
        // the next day's early shift: running from 06:00, no part yet at 08:00
        await send('oee', 'state', { asset: 'press-1', state: 'running', ts: at(6, 0, 1) });
        await send('oee', 'report', { asset: 'press-1', ts: at(8, 0, 1) });
      });
      const reports = c.out!.filter((m) => m.action === 'report');
      assert.strictEqual(reports.length, 3);
      const last = reports[2].payload.oee;
      // the shift so far: A 100 %, P 0, no Q; the window (yesterday's early shift and today's): its own figures
      assert.deepStrictEqual([last.availability, last.performance, last.quality], [1, 0, null]);
      assert.ok(last.rolling.shifts === 2 && last.rolling.total === 640, JSON.stringify(last.rolling));
      const want = (o: any) => [o.availability, o.performance, o.quality, o.oee].map(pct1).filter((v) => v !== null);
      // yesterday's shift alone is the window of the first report: its figures (hand computation in test/jit)
      assert.deepStrictEqual(c.dash!.slice(0, 4).map((m) => m.payload), [86.9, 87.7, 96.9, 73.8]);
      const tail = c.dash!.slice(-4);
      assert.deepStrictEqual(tail.map((m) => m.topic), ['Availability', 'Performance', 'Quality', 'OEE']);
      assert.deepStrictEqual(tail.map((m) => m.payload), want(last.rolling));
      assert.ok(tail[1].payload > 0 && tail[1].payload < 100, `performance over the window ${tail[1].payload}, not the shift's 0`);
    });

    it('survives the fuzz harness with the dashboard on and still reports to it', async () => {
      helper.settings({ reliabilityClock: new FakeClock(at(15)) });
      await fuzzNode({
        flow: flowFor(path.join(dir, 'fuzz.db'), true),
        nodeId: 'oee',
        keys: ['asset', 'state', 'good', 'total', 'ts', 'reason', 'shift', 'idealCycleS'],
        actions: ['state', 'count', 'report'],
        runs: 150,
        keepLoaded: true,
        sanity: async () => {
          const c = collect(ports);
          await send('oee', 'state', { asset: 'sane', state: 'running', ts: at(0, 0, 900) });
          await send('oee', 'report', { asset: 'sane', ts: at(1, 0, 900) });
          const o = c.out![1].payload.oee;
          const known = [o.availability, o.performance, o.quality, o.oee].filter((v) => v !== null).map(pct1);
          assert.deepStrictEqual(c.dash!.map((m) => m.payload), known, 'the known figures of the main output, in percent');
        },
      });
    });
  });

  describe('rel-takt', function () {
    const ports = ['out', 'alert', 'dash'] as const;
    const flowFor = (file: string, dashboard?: boolean) => [
      storeNode(file),
      {
        id: 'takt', type: 'rel-takt', store: 'store1', shifts: 'early=06:00-14:00, late=14:00-22:00', breaks: '10:00-10:30, 18:00-18:30', utcOffset: '0',
        demand: 450, window: 50, creepAlert: 0.95, minCycles: 5, ...(dashboard === undefined ? {} : { dashboard }), wires: [['out'], ['alert'], ['dash']],
      },
      { id: 'out', type: 'helper' },
      { id: 'alert', type: 'helper' },
      { id: 'dash', type: 'helper' },
    ];
    const cycles = [50, 52, 54, 56, 58, 62, 64, 66, 68];
    const script = async () => {
      await send('takt', 'report', { asset: 'press-1', ts: at(7) });
      await send('takt', 'demand', { demand: 540, ts: at(7) });
      for (const [i, s] of cycles.entries()) await send('takt', 'cycle', { asset: 'press-1', cycleTimeS: s, ts: at(7) + (i + 1) * 70_000 });
      await send('takt', 'report', { asset: 'press-1', ts: at(8) });
    };

    it('on report: takt, cycle median and P90 in s (1 decimal); on demand: the new takt; nothing on cycle', async () => {
      const c = await run(flowFor(path.join(dir, 'on.db'), true), ports, at(7), script);
      assert.ok(c.alert!.length >= 1, 'the creep alert still leaves on its own port');
      assert.strictEqual(c.dash!.length, 1 + 1 + 3, 'no cycle yet: only the takt; then the new takt; then all three');
      const first = c.out![0].payload.takt;
      const last = c.out![c.out!.length - 1].payload.takt;
      const rep = (msgs: any[], f: any) => {
        assert.deepStrictEqual(msgs.map((m) => m.topic), ['Takt', 'Cycle median', 'Cycle P90']);
        assert.deepStrictEqual(msgs.map((m) => m.payload), [r1(f.taktS), r1(f.cycleMedianS), r1(f.cycleP90S)]);
        for (const m of msgs) {
          assert.strictEqual(m.unit, 's');
          assert.strictEqual(m.asset, 'press-1');
          assert.strictEqual(m.takt, undefined);
        }
      };
      // 27,000 s / 450 = 60 s, no cycle yet: the cycle figures are not sent (a ui-chart throws on null)
      assert.strictEqual(first.cycleMedianS, null);
      assert.deepStrictEqual(c.dash!.slice(0, 1).map((m) => [m.topic, m.payload, m.unit, m.asset]), [['Takt', r1(first.taktS), 's', 'press-1']]);
      assert.strictEqual(c.dash![0].payload, 60);
      const d = c.dash![1];
      assert.deepStrictEqual([d.topic, d.payload, d.unit, d.asset, d.ts], ['Takt', r1(c.out![1].payload.takt.taktS), 's', undefined, at(7)]);
      assert.strictEqual(d.payload, 50); // 27,000 / 540
      rep(c.dash!.slice(2), last);
      // median of the nine cycles 58 s; P90 by linear interpolation 66 + 0.2 x (68 - 66) = 66.4 s
      assert.deepStrictEqual(c.dash!.slice(2).map((m) => m.payload), [50, 58, 66.4]);
      await assertUnchangedWithout(dir, flowFor, ports, at(7), script, c);
    });

    it('survives the fuzz harness with the dashboard on and still reports to it', async () => {
      helper.settings({ reliabilityClock: new FakeClock(at(7)) });
      await fuzzNode({
        flow: flowFor(path.join(dir, 'fuzz.db'), true),
        nodeId: 'takt',
        keys: ['asset', 'cycleTimeS', 'ts', 'demand'],
        actions: ['cycle', 'report', 'demand'],
        runs: 150,
        keepLoaded: true,
        sanity: async () => {
          const c = collect(ports);
          await send('takt', 'cycle', { asset: 'sane', cycleTimeS: 40, ts: at(9, 0, 900) });
          await send('takt', 'report', { asset: 'sane', ts: at(9, 1, 900) });
          assert.strictEqual(c.dash!.length, 3);
          assert.strictEqual(c.dash![1].payload, 40);
          assert.strictEqual(c.dash![0].payload, r1(c.out![1].payload.takt.taktS));
        },
      });
    });
  });

  describe('rel-kanban', function () {
    const ports = ['out', 'pull', 'dash'] as const;
    const flowFor = (file: string, dashboard?: boolean) => [
      storeNode(file),
      {
        id: 'kb', type: 'rel-kanban', store: 'store1', containerQty: 50, demand: 400, leadTime: 2, alpha: 0.1, trigger: 3, criticalAssets: 'conveyor-1', healthThreshold: 70,
        ...(dashboard === undefined ? {} : { dashboard }), wires: [['out'], ['pull'], ['dash']],
      },
      { id: 'out', type: 'helper' },
      { id: 'pull', type: 'helper' },
      { id: 'dash', type: 'helper' },
    ];
    const COLUMNS = ['item', 'cards', 'onHand', 'inQueue', 'inTransit', 'alpha', 'demandPerDay', 'leadTimeDays', 'openOrders', 'reason'];
    /** The row the table should hold for a loop, from the main output's status. */
    const rowOf = (k: any) => ({
      item: k.item, cards: k.cards, onHand: k.onHand, inQueue: k.inQueue, inTransit: k.inTransit, alpha: k.alpha,
      demandPerDay: r(k.demandPerDay, 3), leadTimeDays: r(k.leadTimeDays, 3), openOrders: k.openOrders.length, reason: k.reason,
    });
    const health = (score: number, state: string) => ({ asset: 'conveyor-1', channel: 'DE-accel', ts: at(9), health: { score, state, anomaly: 1, learned: 1 } });
    const script = async () => {
      await send('kb', 'consume', { item: 'bolt-m8', ts: at(7) });
      for (let i = 0; i < 3; i++) await send('kb', 'consume', { item: 'nut-m6', ts: at(7, 10 + i) });
      await send('kb', 'deliver', { item: 'nut-m6', ts: at(8) });
      await send('kb', 'status', { item: 'bolt-m8', ts: at(8, 30) });
      await send('kb', undefined, health(55, 'warning'));
    };

    it('after every event: one ui-table message with a row per loop (all loops), the figures of the status output', async () => {
      const file = path.join(dir, 'on.db');
      const c = await run(flowFor(file, true), ports, at(6), script);
      assert.strictEqual(c.dash!.length, c.out!.length, 'one table per handled message');
      // the nut order; then, when alpha rose to 0.3 (21 cards), the new cards of each loop ordered at once
      assert.deepStrictEqual(c.pull!.map((m) => [m.payload.item, m.payload.containers]), [['nut-m6', 3], ['bolt-m8', 4], ['nut-m6', 3]]);
      const seen = new Map<string, any>();
      for (const [i, m] of c.dash!.entries()) {
        assert.strictEqual(m.topic, 'kanban');
        assert.ok(Array.isArray(m.payload));
        const k = c.out![i].payload.kanban;
        for (const s of Array.isArray(k) ? k : [k]) seen.set(s.item, rowOf(s));
        // every loop known so far, sorted by item, each row as the main output last said
        assert.deepStrictEqual(m.payload, [...seen.keys()].sort().map((item) => seen.get(item)));
        for (const row of m.payload) assert.deepStrictEqual(Object.keys(row), COLUMNS);
      }
      // N = ceil(400 x 2 x 1.1 / 50) = 18; nut: 3 consumed, ordered, delivered back; then alpha 0.3 -> 21 cards
      const t4 = c.dash![4].payload;
      assert.deepStrictEqual(t4.map((x: any) => [x.item, x.cards, x.onHand, x.inQueue, x.inTransit, x.openOrders]), [['bolt-m8', 18, 17, 1, 0, 0], ['nut-m6', 18, 18, 0, 0, 0]]);
      const last = c.dash![c.dash!.length - 1].payload;
      assert.deepStrictEqual(last.map((x: any) => [x.item, x.cards, x.alpha]), [['bolt-m8', 21, 0.3], ['nut-m6', 21, 0.3]]);
      assert.match(last[0].reason, /conveyor-1 health 55 below 70/);

      // after a restart, `status` without an item lists every saved loop on the main output and in the table
      helper.settings({ reliabilityClock: new FakeClock(at(10)) });
      await loadFlow(flowFor(file, true));
      const after = collect(ports);
      await send('kb', 'consume', { item: 'nut-m6', ts: at(10) });
      assert.deepStrictEqual(after.dash![0].payload.map((x: any) => x.item), ['bolt-m8', 'nut-m6'], 'the untouched saved loop is in the table too');
      assert.deepStrictEqual(after.dash![0].payload[0], last[0]);
      await send('kb', 'status', { ts: at(10, 5) });
      const all = after.out![1].payload.kanban;
      assert.ok(Array.isArray(all));
      assert.deepStrictEqual(all.map((s: any) => s.item), ['bolt-m8', 'nut-m6']);
      assert.deepStrictEqual(after.dash![1].payload, all.map(rowOf));
      assert.strictEqual(after.dash![1].payload[1].onHand, last[1].onHand - 1, 'one more container emptied after the restart');
      await unloadFlow();

      await assertUnchangedWithout(dir, flowFor, ports, at(6), script, c);
    });

    it('survives the fuzz harness with the dashboard on and still tables every loop', async () => {
      helper.settings({ reliabilityClock: new FakeClock(at(6)) });
      await fuzzNode({
        flow: flowFor(path.join(dir, 'fuzz.db'), true),
        nodeId: 'kb',
        keys: ['item', 'containers', 'ts', 'asset', 'health'],
        actions: ['consume', 'deliver', 'status', 'health'],
        runs: 150,
        keepLoaded: true,
        sanity: async () => {
          const c = collect(ports);
          await send('kb', 'consume', { item: 'sane', ts: at(0, 0, 900) });
          const row = c.dash![0].payload.find((x: any) => x.item === 'sane');
          assert.deepStrictEqual(row, rowOf(c.out![0].payload.kanban));
        },
      });
    });
  });

  describe('rel-andon', function () {
    const ports = ['out', 'esc', 'line', 'dash'] as const;
    const T0 = at(8);
    const flowFor = (file: string, dashboard?: boolean) => [
      storeNode(file),
      { id: 'andon', type: 'rel-andon', store: 'store1', levels: '2, 5, 10', stations: '', lineStopKinds: 'safety', ...(dashboard === undefined ? {} : { dashboard }), wires: [['out'], ['esc'], ['line'], ['dash']] },
      { id: 'out', type: 'helper' },
      { id: 'esc', type: 'helper' },
      { id: 'line', type: 'helper' },
      { id: 'dash', type: 'helper' },
    ];
    const TEXT = '<img src=x onerror=alert(1)> jam at "infeed" & co';
    const script = async (clock: FakeClock) => {
      await send('andon', 'raise', { station: 'st-1', kind: 'machine', text: TEXT });
      clock.advance(30_000);
      await send('andon', 'raise', { station: 'st-2', kind: 'safety' });
      clock.advance(2 * M); // both escalate to level 1 by timer (call 2 at 2:30)
      await sleep(10);
      await send('andon', 'ack', { id: 1, by: 'anna' });
      await send('andon', 'resolve', { id: 1, by: 'anna' });
      await send('andon', 'board', {});
      await send('andon', 'resolve', { id: 2, by: 'ben' });
    };

    it('after every event and every timer escalation: the open calls as ui-table rows, as on the board output; text kept as plain text', async () => {
      const c = await run(flowFor(path.join(dir, 'on.db'), true), ports, T0, script);
      assert.strictEqual(c.esc!.length, 2);
      assert.strictEqual(c.line!.length, 2, 'line stop and release');
      // 6 handled messages, plus one table per timer run that escalated (call 1 at 2:00, call 2 at 2:30)
      assert.strictEqual(c.out!.length, 6);
      assert.strictEqual(c.dash!.length, 6 + 2);
      for (const m of c.dash!) {
        assert.strictEqual(m.topic, 'andon');
        assert.ok(Array.isArray(m.payload));
        assert.strictEqual(m.andon, undefined, 'a new message, not the board message');
      }
      const first = c.dash![0].payload;
      assert.deepStrictEqual(first, c.out![0].payload.andon);
      assert.deepStrictEqual(Object.keys(first[0]), ['id', 'station', 'kind', 'text', 'source', 'state', 'level', 'ageS', 'raisedAt', 'ackedAt', 'ackedBy', 'lineStop']);
      assert.strictEqual(first[0].text, TEXT, 'user text untouched (ui-table renders text, not HTML)');
      // the timer's tables: call 1 reaches level 1 first, then call 2 (highest level first, then oldest)
      assert.deepStrictEqual(c.dash![2].payload.map((x: any) => [x.id, x.level, x.state, x.ageS]), [[1, 1, 'open', 120], [2, 0, 'open', 90]]);
      assert.deepStrictEqual(c.dash![3].payload.map((x: any) => [x.id, x.level, x.lineStop]), [[1, 1, false], [2, 1, true]]);
      assert.deepStrictEqual(c.esc!.map((m) => m.payload.id), [1, 2]);
      // the tables sent for handled messages equal the board of the main output (its rows are already flat)
      const byInput = c.dash!.filter((_m, i) => i !== 2 && i !== 3);
      assert.strictEqual(byInput.length, c.out!.length);
      for (const [i, m] of byInput.entries()) assert.deepStrictEqual(m.payload, c.out![i].payload.andon, `table ${i}`);
      assert.deepStrictEqual(byInput[2].payload.map((x: any) => [x.id, x.state, x.ackedBy]), [[1, 'acked', 'anna'], [2, 'open', null]]);
      assert.deepStrictEqual(byInput[byInput.length - 1].payload, [], 'no open call: an empty table');
      await assertUnchangedWithout(dir, flowFor, ports, T0, script, c);
    });

    it('survives the fuzz harness with the dashboard on and still tables the board', async () => {
      helper.settings({ reliabilityClock: new FakeClock(T0) });
      await fuzzNode({
        flow: flowFor(path.join(dir, 'fuzz.db'), true),
        nodeId: 'andon',
        keys: ['station', 'kind', 'text', 'source', 'id', 'by', 'note', 'ts', 'asset', 'health'],
        actions: ['raise', 'ack', 'resolve', 'board', 'stats', 'tick', 'health'],
        runs: 150,
        allowErrors: [/^andon call \d+ (not found|is already)/],
        keepLoaded: true,
        sanity: async () => {
          const c = collect(ports);
          await send('andon', 'raise', { station: 'sane', kind: 'machine' });
          assert.deepStrictEqual(c.dash![0].payload, c.out![0].payload.andon);
          assert.ok(c.dash![0].payload.some((x: any) => x.station === 'sane'));
        },
      });
    });
  });

  describe('rel-buffer', function () {
    const ports = ['out', 'dash'] as const;
    const flowFor = (file: string, dashboard?: boolean) => [
      storeNode(file),
      {
        id: 'buf', type: 'rel-buffer', store: 'store1', serviceZ: 1.65, windowDays: 30, targetDays: 1, floorDays: 3, cvThreshold: 0.2, criticalAssets: 'press-1',
        healthThreshold: 70, healthDaysMax: 2, utcOffset: '0', ...(dashboard === undefined ? {} : { dashboard }), wires: [['out'], ['dash']],
      },
      { id: 'out', type: 'helper' },
      { id: 'dash', type: 'helper' },
    ];
    const COLUMNS = ['item', 'safetyStock', 'reorderPoint', 'wipDays', 'wipUnits', 'demandPerDay', 'leadTimeDays', 'reasons'];
    const rowOf = (a: any) => ({
      item: a.item, safetyStock: r(a.safetyStock, 2), reorderPoint: r(a.reorderPoint, 2), wipDays: r(a.wipDays, 2), wipUnits: r(a.wipUnits, 2),
      demandPerDay: r(a.demandPerDay, 2), leadTimeDays: r(a.leadTimeDays, 2), reasons: a.reasons.join('; '),
    });
    const script = async () => {
      // gear: daily demand 80, 120, 100, 90, 110 -> D = 100, sd = sqrt(250); lead times 3, 5, 4 -> L = 4, sd 1
      await send('buf', 'demand', { item: 'gear', qty: 30, ts: at(8, 0, 0) });
      await send('buf', 'demand', { item: 'gear', qty: 50, ts: at(15, 0, 0) });
      for (const [d, q] of [[1, 120], [2, 100], [3, 90], [4, 110]]) await send('buf', 'demand', { item: 'gear', qty: q, ts: at(9, 0, d) });
      for (const [i, lt] of [3, 5, 4].entries()) await send('buf', 'delivery', { item: 'gear', leadTimeDays: lt, ts: at(16, 0, 4) + i });
      // nut: 40, 60, 50, 50, 50 -> D = 50, sd = sqrt(50); lead times 2, 2 -> L = 2, sd 0
      for (const [d, q] of [[0, 40], [1, 60], [2, 50], [3, 50], [4, 50]]) await send('buf', 'demand', { item: 'nut', qty: q, ts: at(10, 0, d) });
      for (const i of [0, 1]) await send('buf', 'delivery', { item: 'nut', leadTimeDays: 2, ts: at(17, 0, 4) + i });
      await send('buf', 'advise', { item: 'gear' });
      await send('buf', 'advise', { item: 'nut' });
      await send('buf', undefined, { asset: 'press-1', health: { score: 40, state: 'alarm' } });
    };

    it('after every event: one ui-table message with a row per item, the figures of the advice, reasons joined by "; "', async () => {
      const c = await run(flowFor(path.join(dir, 'on.db'), true), ports, at(12, 0, 5), script);
      assert.strictEqual(c.dash!.length, c.out!.length);
      for (const [i, m] of c.dash!.entries()) {
        assert.strictEqual(m.topic, 'buffer');
        assert.strictEqual(m.buffer, undefined);
        const b = c.out![i].payload.buffer;
        // the event's item(s) as on the main output
        for (const a of Array.isArray(b) ? b : [b]) assert.deepStrictEqual(m.payload.find((x: any) => x.item === a.item), rowOf(a), `table ${i}, ${a.item}`);
        for (const row of m.payload) assert.deepStrictEqual(Object.keys(row), COLUMNS);
      }
      const n = c.out!.length;
      const gear = c.out![n - 3].payload.buffer;
      const nut = c.out![n - 2].payload.buffer;
      const t = c.dash![n - 2].payload;
      assert.deepStrictEqual(t.map((x: any) => x.item), ['gear', 'nut']);
      assert.deepStrictEqual(t, [rowOf(gear), rowOf(nut)]);
      // gear: SS = 1.65 sqrt(4 x 250 + 100² x 1²) = 173.05, ROP = 400 + SS; nut: SS = 1.65 sqrt(2 x 50) = 16.5, ROP = 100 + 16.5
      assert.deepStrictEqual(t.map((x: any) => [x.safetyStock, x.reorderPoint]), [[173.05, 573.05], [16.5, 116.5]]);
      assert.ok(t[0].reasons.includes('; ') && !t[0].reasons.includes('\n'));
      // a health drop on the critical path raises WIP for every item, in one table
      const h = c.dash![n - 1].payload;
      assert.deepStrictEqual(h, c.out![n - 1].payload.buffer.map(rowOf));
      assert.deepStrictEqual(h.map((x: any) => x.wipDays), [5.51, 3.86]);
      await assertUnchangedWithout(dir, flowFor, ports, at(12, 0, 5), script, c);
    });

    it('survives the fuzz harness with the dashboard on and still tables every item', async () => {
      helper.settings({ reliabilityClock: new FakeClock(at(12, 0, 5)) });
      await fuzzNode({
        flow: flowFor(path.join(dir, 'fuzz.db'), true),
        nodeId: 'buf',
        keys: ['item', 'qty', 'leadTimeDays', 'ts', 'asset', 'health', 'oee'],
        actions: ['demand', 'delivery', 'health', 'oee', 'advise'],
        runs: 150,
        keepLoaded: true,
        sanity: async () => {
          const c = collect(ports);
          await send('buf', 'demand', { item: 'sane', qty: 5, ts: at(12, 0, 900) });
          assert.deepStrictEqual(c.dash![0].payload.find((x: any) => x.item === 'sane'), rowOf(c.out![0].payload.buffer));
        },
      });
    });
  });
});
