/**
 * The optional dashboard output (config `dashboard`) of rel-health, rel-rul, rel-diagnose,
 * rel-work-order, rel-spares, rel-pm and rel-kpi, in a real Node-RED runtime on real SQLite files
 * and the real datasets (IMS bearing 1 run to failure, CWRU frames): the last output carries the
 * same figures as the main output, rounded as the help says, shaped for stock widgets (ui-gauge /
 * ui-chart numbers with a series topic, ui-table rows); without the option the outputs are exactly
 * as before.
 */
import assert from 'assert';
import fs from 'fs';
import path from 'path';
import { assetNode, storeNode, TAB } from '../helpers/fixtures';
import { FakeClock } from '../helpers/fake-clock';
import { fuzzNode } from '../helpers/fuzz';
import { DATA, getNode, helper, loadFlow, nextMessage, receiveAndComplete, sleep, tmpDir, unloadFlow } from '../helpers/red';
import { loadImsBearing } from '../condition/data';
import { manifest, readF32 } from '../signal/data';

const DAY = 86_400_000;
const HR = 3_600_000;

function collect(id: string): any[] {
  const list: any[] = [];
  getNode(id).on('input', (m: any) => list.push(m));
  return list;
}

/** A message without the runtime's id, for comparing two runs. */
function strip(m: any): any {
  const { _msgid, ...rest } = m;
  return JSON.parse(JSON.stringify(rest));
}

const round = (v: number, d: number) => Math.round(v * 10 ** d) / 10 ** d;

/** Every cell of a ui-table row is a scalar (no nested objects or arrays). */
function assertFlat(rows: any[]): void {
  assert.ok(Array.isArray(rows), 'payload is an array of rows');
  for (const r of rows) for (const [k, v] of Object.entries(r)) assert.ok(v === null || ['string', 'number', 'boolean'].includes(typeof v), `cell ${k} is ${JSON.stringify(v)}`);
}

describe('dashboard output: condition and CMMS nodes', function () {
  this.timeout(120_000);
  let dir: string;
  beforeEach(() => {
    dir = tmpDir('dash-cmms-');
  });
  afterEach(async () => {
    await unloadFlow();
    helper.settings({ reliabilityClock: undefined });
    fs.rmSync(dir, { recursive: true, force: true });
  });

  describe('rel-health and rel-rul on IMS bearing 1 (run to failure)', () => {
    const frames = loadImsBearing(DATA, 1);

    function flow(file: string, dashboard: boolean | undefined) {
      const d = dashboard === undefined ? {} : { dashboard };
      return [
        TAB,
        storeNode(file),
        assetNode({ id: 'a1', assetId: 'ims-b1', rpm: 2000, bearing: 'none' }),
        // A helper on a third (and second) port in both runs: without the option it must stay silent.
        { id: 'h1', type: 'rel-health', z: 'tab1', store: 'store1', learnMode: 'frames', learnFrames: 100, ...d, wires: [['out', 'rul1'], ['changes'], ['hdash']] },
        { id: 'rul1', type: 'rel-rul', z: 'tab1', store: 'store1', ...d, wires: [['rulOut'], ['rdash']] },
        ...['out', 'changes', 'hdash', 'rulOut', 'rdash'].map((id) => ({ id, type: 'helper', z: 'tab1' })),
      ];
    }

    async function run(file: string, dashboard: boolean | undefined) {
      await loadFlow(flow(file, dashboard));
      const got = { out: collect('out'), changes: collect('changes'), hdash: collect('hdash'), rulOut: [] as any[], rdash: collect('rdash') };
      const waiters: ((m: any) => void)[] = [];
      getNode('rulOut').on('input', (m: any) => {
        got.rulOut.push(m);
        waiters.shift()?.(m);
      });
      const h1 = getNode('h1');
      for (const f of frames) {
        const rul = new Promise((r) => waiters.push(r));
        h1.receive({ payload: { asset: 'ims-b1', ts: f.ts, features: f.features } });
        await rul;
      }
      await sleep(50);
      await unloadFlow();
      return got;
    }

    it('health score (0 digits, topic = asset) on every scored reading, RUL / low / high in hours; nothing without a score or an estimate; outputs unchanged without the option', async () => {
      const on = await run(path.join(dir, 'on.db'), true);
      const off = await run(path.join(dir, 'off.db'), undefined);

      // rel-health: one number per scored reading, none while learning.
      assert.strictEqual(on.out.length, frames.length);
      const scored = on.out.filter((m) => m.payload.health.score !== null);
      assert.strictEqual(scored.length, frames.length - 99, 'the 100th learning frame is scored (learned on it)');
      assert.strictEqual(on.hdash.length, scored.length);
      const byTs = new Map(on.hdash.map((m) => [m.ts, m]));
      for (const m of scored) {
        const h = m.payload.health;
        const d = byTs.get(h.ts);
        assert.ok(d, `a dashboard message for the reading at ${h.ts}`);
        assert.strictEqual(d.payload, Math.round(h.score));
        assert.strictEqual(d.topic, 'ims-b1');
        assert.strictEqual(d.label, 'health');
        assert.strictEqual(d.asset, 'ims-b1');
        assert.strictEqual(d.channel, 'features');
        assert.strictEqual(d.state, h.state);
        assert.notStrictEqual(d, m, 'a new message, not the incoming one');
      }
      const states = new Set(on.hdash.map((m) => m.state));
      assert.ok(states.has('normal') && states.has('alarm'), `the run covers normal and alarm: ${[...states]}`);
      assert.ok(Math.min(...on.hdash.map((m) => m.payload)) < 70, 'the score falls into alarm by the end');

      // rel-rul: three numbers per estimate (two when the upper bound is unbounded), none for null.
      const estimates = on.rulOut.filter((m) => m.payload.rul !== null);
      assert.ok(estimates.length >= 50, `RUL estimates after the alarm: ${estimates.length}`);
      const rdByTs = new Map<number, any[]>();
      for (const m of on.rdash) rdByTs.set(m.ts, [...(rdByTs.get(m.ts) ?? []), m]);
      for (const m of on.rulOut) {
        const r = m.payload.rul;
        const d = rdByTs.get(m.payload.health.ts) ?? [];
        if (r === null) {
          assert.deepStrictEqual(d, [], `nothing on the dashboard port when rul is null (${m.payload.reason})`);
          continue;
        }
        const want = [
          ['ims-b1 RUL', round(r.hours, 1)],
          ['ims-b1 RUL low', round(r.low, 1)],
          ...(Number.isFinite(r.high) ? [['ims-b1 RUL high', round(r.high, 1)]] : []),
        ];
        assert.deepStrictEqual(
          d.map((x) => [x.topic, x.payload]),
          want,
        );
        for (const x of d) assert.ok(x.unit === 'h' && x.asset === 'ims-b1' && x.channel === 'features' && typeof x.payload === 'number');
      }
      assert.strictEqual(on.rdash.length, on.rulOut.reduce((n, m) => n + (m.payload.rul === null ? 0 : Number.isFinite(m.payload.rul.high) ? 3 : 2), 0));

      // Without the option: nothing on the extra ports, the main and state-change outputs identical.
      assert.strictEqual(off.hdash.length, 0);
      assert.strictEqual(off.rdash.length, 0);
      assert.deepStrictEqual(off.out.map(strip), on.out.map(strip));
      assert.deepStrictEqual(off.changes.map(strip), on.changes.map(strip));
      assert.deepStrictEqual(off.rulOut.map(strip), on.rulOut.map(strip));
      assert.ok(on.changes.length >= 2, 'state changes happened (warning, alarm)');
    });
  });

  it('rel-health: a scalar stream is "asset channel"; other actions send nothing on the dashboard port', async () => {
    await loadFlow([storeNode(path.join(dir, 's.db')), assetNode({ id: 'a1', assetId: 'pump-1' }), { id: 'h1', type: 'rel-health', store: 'store1', learnFrames: 10, dashboard: true, wires: [['out'], ['changes'], ['hdash']] }, ...['out', 'changes', 'hdash'].map((id) => ({ id, type: 'helper' }))]);
    const out = collect('out');
    const dash = collect('hdash');
    const T0 = Date.UTC(2024, 2, 1);
    for (let i = 0; i < 15; i++) assert.strictEqual(await receiveAndComplete('h1', { payload: { asset: 'pump-1', quantity: 'temperature', value: 60 + Math.sin(i), ts: T0 + i * 60_000 } }), undefined);
    await receiveAndComplete('h1', { action: 'status', payload: { asset: 'pump-1' } });
    await receiveAndComplete('h1', { action: 'history', payload: { asset: 'pump-1' } });
    await sleep(30);
    assert.strictEqual(out.length, 17);
    const scored = out.filter((m) => m.payload.health?.score !== null && m.payload.health !== undefined);
    assert.strictEqual(scored.length, 6);
    assert.deepStrictEqual(
      dash.map((m) => [m.topic, m.payload, m.channel]),
      scored.map((m) => ['pump-1 temperature', Math.round(m.payload.health.score), 'temperature']),
    );
  });

  describe('rel-diagnose on CWRU frames', () => {
    const rec = (id: string) => manifest('cwru').records.find((r: any) => r.id === id);
    const frame = (id: string) => readF32(`cwru/${rec(id).channels.DE.file}`).slice(0, 8192);
    function flow(dashboard: boolean | undefined) {
      return [
        TAB,
        assetNode({ id: 'a1', assetId: 'cwru-de', rpm: 1797, bearing: '6205-2RS', machineClass: 'iso10816-1:class1' }),
        { id: 'vib', type: 'rel-vibration', z: 'tab1', asset: '', window: 'hann', frameMode: 'trim', bandLow: 10, bandHigh: 1000, envelopeBand: 'auto', spectrumPoints: 256, envelopePoints: 128, wires: [['diag']] },
        { id: 'diag', type: 'rel-diagnose', z: 'tab1', detect: 4, ...(dashboard === undefined ? {} : { dashboard }), wires: [['out'], ['ddash']] },
        { id: 'out', type: 'helper', z: 'tab1' },
        { id: 'ddash', type: 'helper', z: 'tab1' },
      ];
    }
    async function diagnoseFrames(dashboard: boolean | undefined) {
      await loadFlow(flow(dashboard));
      const out: any[] = [];
      const dash = collect('ddash');
      for (const id of ['or007at6_0hp_12k', 'ir007_0hp_12k', 'normal_0hp_12k_decimated']) {
        const m = nextMessage('out');
        getNode('vib').receive({ payload: { asset: 'cwru-de', samples: frame(id), fs: 12000, rpm: rec(id).rpm } });
        out.push(await m);
      }
      await sleep(30);
      await unloadFlow();
      return { out, dash };
    }

    it('one table row per fault (mode, confidence, severity, evidence), a "normal" row for a healthy frame; unchanged without the option', async () => {
      const on = await diagnoseFrames(true);
      assert.strictEqual(on.dash.length, 3, 'one table message per frame');
      for (const [i, m] of on.out.entries()) {
        const d = on.dash[i];
        const dg = m.payload.diagnosis;
        assert.strictEqual(d.topic, 'cwru-de');
        assertFlat(d.payload);
        if (dg.faults.length)
          assert.deepStrictEqual(
            d.payload,
            dg.faults.map((f: any) => ({ mode: f.mode, confidence: round(f.confidence, 2), severity: f.severity, evidence: f.evidence })),
          );
        else assert.deepStrictEqual(d.payload.map((r: any) => [r.mode, r.confidence, r.severity]), [['normal', null, 'normal']]);
      }
      assert.strictEqual(on.dash[0].payload[0].mode, 'bearing-outer-race');
      assert.match(on.dash[0].payload[0].evidence, /BPFO expected 107\.3 Hz/);
      assert.strictEqual(on.dash[1].payload[0].mode, 'bearing-inner-race');
      assert.strictEqual(on.out[2].payload.diagnosis.primary, 'normal');
      const off = await diagnoseFrames(undefined);
      assert.strictEqual(off.dash.length, 0);
      assert.deepStrictEqual(off.out.map(strip), on.out.map(strip));
    });
  });

  describe('CMMS nodes', () => {
    const T0 = Date.UTC(2024, 0, 1);
    let file: string;
    beforeEach(() => {
      file = path.join(dir, 'plant.db');
    });

    function cmmsFlow(dashboard: boolean | undefined): object[] {
      const d = dashboard === undefined ? {} : { dashboard };
      return [
        TAB,
        storeNode(file),
        assetNode({ id: 'asset1', assetId: 'pump-1', criticality: 5, line: 'line-1' }),
        assetNode({ id: 'asset2', assetId: 'fan-2', criticality: 2, line: 'line-1' }),
        { id: 'wo', type: 'rel-work-order', z: 'tab1', store: 'store1', ...d, wires: [['wo1'], ['wo2'], ['wod']] },
        { id: 'sp', type: 'rel-spares', z: 'tab1', store: 'store1', ...d, wires: [['sp1'], ['sp2'], ['spd']] },
        { id: 'pm', type: 'rel-pm', z: 'tab1', store: 'store1', tickInterval: 3600, ...d, wires: [['pm1'], ['pm2'], ['pmd']] },
        { id: 'kpi', type: 'rel-kpi', z: 'tab1', store: 'store1', windowDays: 30, ...d, wires: [['k1'], ['kd']] },
        ...['wo1', 'wo2', 'wod', 'sp1', 'sp2', 'spd', 'pm1', 'pm2', 'pmd', 'k1', 'kd'].map((id) => ({ id, type: 'helper', z: 'tab1' })),
      ];
    }

    /** Send and return the main-output message. */
    async function act(node: string, main: string, msg: any): Promise<any> {
      const out = nextMessage(main);
      const err = await receiveAndComplete(node, msg);
      if (err) throw err;
      return out;
    }

    it('rel-work-order: list gives ui-table rows (chosen columns, no history); single-order actions send nothing there; unchanged without the option', async () => {
      const clock = new FakeClock(T0);
      helper.settings({ reliabilityClock: clock });
      await loadFlow(cmmsFlow(true));
      const dash = collect('wod');
      await act('wo', 'wo1', { action: 'detect', payload: { asset: 'pump-1', mode: 'bearing-outer-race', severity: 'alarm', evidence: 'BPFO 12x' } });
      await act('wo', 'wo1', { action: 'detect', payload: { asset: 'pump-1', mode: 'bearing-outer-race', severity: 'alarm', evidence: 'BPFO 14x' } });
      await act('wo', 'wo1', { action: 'create', payload: { asset: 'fan-2', title: 'Check belt tension', priority: 3, ts: T0 + HR } });
      await act('wo', 'wo1', { action: 'assign', payload: { id: 2, by: 'lead', assignee: 'maria', ts: T0 + 2 * HR } });
      await act('wo', 'wo1', { action: 'get', payload: { id: 1 } });
      await sleep(20);
      assert.strictEqual(dash.length, 0, 'detect, create, assign, get: nothing on the dashboard port');
      const list = (await act('wo', 'wo1', { action: 'list', payload: { open: true } })).payload;
      await sleep(20);
      assert.strictEqual(dash.length, 1);
      const t = dash[0];
      assert.strictEqual(t.topic, 'work orders');
      assertFlat(t.payload);
      assert.strictEqual(list.length, 2);
      assert.ok(Array.isArray(list[0].history), 'output 1 keeps the history');
      const cols = ['number', 'asset', 'mode', 'title', 'priority', 'severity', 'status', 'assignee', 'source', 'detections', 'createdAt', 'updatedAt'];
      assert.deepStrictEqual(
        t.payload,
        list.map((w: any) => Object.fromEntries(cols.map((k) => [k, w[k]]))),
      );
      const pump = t.payload.find((r: any) => r.asset === 'pump-1');
      assert.deepStrictEqual([pump.number, pump.detections, pump.priority, pump.status], ['WO-000001', 2, 1, 'open'], 'criticality 5 x alarm 3 = 15: P1');
      assert.deepStrictEqual(
        t.payload.map((r: any) => [r.asset, r.status, r.assignee]).sort(),
        [
          ['fan-2', 'assigned', 'maria'],
          ['pump-1', 'open', null],
        ],
      );
      await unloadFlow();
      // Same store, no option: the list is the same and nothing reaches a third port.
      await loadFlow(cmmsFlow(undefined));
      const dashOff = collect('wod');
      const again = await act('wo', 'wo1', { action: 'list', payload: { open: true } });
      await sleep(20);
      assert.deepStrictEqual(again.payload, list);
      assert.strictEqual(dashOff.length, 0);
    });

    it('rel-spares: list and list below give ui-table rows with the same figures (2 decimals); other actions send nothing there', async () => {
      const clock = new FakeClock(T0);
      helper.settings({ reliabilityClock: clock });
      await loadFlow(cmmsFlow(true));
      const dash = collect('spd');
      // ROP = 4*10 + 1.65*sqrt(10*4 + 16*9) = 62.38 (safety stock 22.38)
      await act('sp', 'sp1', { action: 'define', payload: { part: 'BRG-6205', name: 'Bearing 6205-2RS', unitCost: 12.5, leadMeanDays: 10, leadSdDays: 3, demandPerDay: 4, demandSd: 2 } });
      await act('sp', 'sp1', { action: 'define', payload: { part: 'GREASE', name: 'Grease cartridge', unitCost: 7, leadMeanDays: 2, leadSdDays: 0, demandPerDay: 1, demandSd: 0 } });
      await act('sp', 'sp1', { action: 'receive', payload: { part: 'BRG-6205', qty: 100 } });
      await act('sp', 'sp1', { action: 'issue', payload: { part: 'BRG-6205', qty: 30 } });
      await act('sp', 'sp1', { action: 'reserve', payload: { part: 'BRG-6205', qty: 10, wo: 3 } });
      await act('sp', 'sp1', { action: 'receive', payload: { part: 'GREASE', qty: 20 } });
      await act('sp', 'sp1', { action: 'get', payload: { part: 'GREASE' } });
      await sleep(20);
      assert.strictEqual(dash.length, 0);
      const all = (await act('sp', 'sp1', { action: 'list' })).payload;
      const below = (await act('sp', 'sp1', { action: 'list', payload: { below: true } })).payload;
      await sleep(20);
      assert.strictEqual(dash.length, 2);
      const cols = ['part', 'name', 'onHand', 'reserved', 'available', 'safetyStock', 'reorderPoint', 'belowReorderPoint', 'orderQuantity', 'demandPerDay', 'leadMeanDays', 'unitCost', 'value'];
      const rows = (list: any[]) => list.map((p) => Object.fromEntries(cols.map((k) => [k, typeof p[k] === 'number' ? round(p[k], 2) : p[k]])));
      for (const [i, list] of [all, below].entries()) {
        assert.strictEqual(dash[i].topic, 'spares');
        assertFlat(dash[i].payload);
        assert.deepStrictEqual(dash[i].payload, rows(list));
      }
      const brg = dash[0].payload.find((r: any) => r.part === 'BRG-6205');
      assert.deepStrictEqual([brg.onHand, brg.reserved, brg.available, brg.safetyStock, brg.reorderPoint, brg.belowReorderPoint, brg.orderQuantity], [70, 10, 60, 22.38, 63, true, 43]);
      assert.deepStrictEqual(
        dash[1].payload.map((r: any) => r.part),
        ['BRG-6205'],
        'below: only the part at or below its reorder point',
      );
      await unloadFlow();
      await loadFlow(cmmsFlow(false));
      const off = collect('spd');
      assert.deepStrictEqual((await act('sp', 'sp1', { action: 'list' })).payload, all);
      await sleep(20);
      assert.strictEqual(off.length, 0);
    });

    it('rel-pm: list gives ui-table rows with when each plan is due (calendar time, meter left, condition limit)', async () => {
      const clock = new FakeClock(T0);
      helper.settings({ reliabilityClock: clock });
      await loadFlow(cmmsFlow(true));
      const dash = collect('pmd');
      await act('pm', 'pm1', { action: 'plan', payload: { asset: 'pump-1', task: 'Grease DE bearing', trigger: 'calendar', every: 7, unit: 'days', lastDone: T0 - 2 * DAY, parts: [{ part: 'GREASE', qty: 1 }] } });
      await act('pm', 'pm1', { action: 'plan', payload: { asset: 'pump-1', task: 'Replace seal', trigger: 'meter', every: 500, unit: 'hours', durationMin: 90 } });
      await act('pm', 'pm1', { action: 'plan', payload: { asset: 'fan-2', task: 'Inspect', trigger: 'condition', unit: 'health', every: 60, direction: 'below' } });
      await act('pm', 'pm1', { action: 'meter', payload: { asset: 'pump-1', unit: 'hours', value: 1000 } });
      await act('pm', 'pm1', { action: 'meter', payload: { asset: 'pump-1', unit: 'hours', value: 1120 } });
      await sleep(20);
      assert.strictEqual(dash.length, 0, 'plan and meter send nothing on the dashboard port');
      const plans = (await act('pm', 'pm1', { action: 'list' })).payload;
      await sleep(20);
      assert.strictEqual(dash.length, 1);
      const t = dash[0];
      assert.strictEqual(t.topic, 'pm plans');
      assertFlat(t.payload);
      assert.deepStrictEqual(
        t.payload.map((r: any) => r.id),
        plans.map((p: any) => p.id),
      );
      const by = (task: string) => t.payload.find((r: any) => r.task === task);
      const cal = plans.find((p: any) => p.task === 'Grease DE bearing');
      assert.strictEqual(cal.nextDue, T0 + 5 * DAY);
      assert.deepStrictEqual(by('Grease DE bearing'), { id: cal.id, asset: 'pump-1', task: 'Grease DE bearing', trigger: 'calendar', every: 7, unit: 'days', due: new Date(T0 + 5 * DAY).toISOString(), occurrences: 0, durationMin: cal.durationMin, parts: 'GREASE:1' });
      assert.strictEqual(by('Replace seal').due, 'in 380 hours', 'first reading 1000 is the base: 500 - 120 left');
      assert.strictEqual(by('Replace seal').durationMin, 90);
      assert.strictEqual(by('Inspect').due, 'when health below 60');
      await unloadFlow();
      await loadFlow(cmmsFlow(undefined));
      const off = collect('pmd');
      assert.deepStrictEqual((await act('pm', 'pm1', { action: 'list' })).payload, plans);
      await sleep(20);
      assert.strictEqual(off.length, 0);
    });

    it('rel-kpi: one asset gives MTBF / MTTR / availability / unplanned downtime numbers (known figures); all gives one ui-table row per asset and line', async () => {
      const clock = new FakeClock(T0 + 30 * DAY);
      helper.settings({ reliabilityClock: clock });
      await loadFlow(cmmsFlow(true));
      const dash = collect('kd');
      // pump-1: two failures, repair 60 + 180 min, downtime 120 + 240 min; fan-2: one, 30 / 90 min.
      const jobs: [string, number, number, number][] = [
        ['pump-1', 5, 60, 120],
        ['pump-1', 12, 180, 240],
        ['fan-2', 19, 30, 90],
      ];
      for (const [i, [asset, day, repairMin, downtimeMin]] of jobs.entries()) {
        const at = T0 + day * DAY;
        for (const [action, extra] of [
          ['create', { asset, title: `f${i}` }],
          ['assign', { by: 'a' }],
          ['start', { by: 'a' }],
          ['complete', { by: 'a', repairMin, downtimeMin }],
        ] as const)
          await act('wo', 'wo1', { action, payload: { id: i + 1, ...extra, ts: at } });
      }
      const k = (await act('kpi', 'k1', { payload: { asset: 'pump-1' } })).payload.kpi;
      await sleep(20);
      // 720 h scheduled, 6 h down: MTBF 714 / 2 = 357 h, MTTR 2 h, Ai = 357 / 359, unplanned 6 / 720.
      assert.strictEqual(k.mtbfH, 357);
      assert.strictEqual(k.mttrH, 2);
      assert.strictEqual(k.pmCompliance, null);
      assert.deepStrictEqual(
        dash.map((m) => [m.topic, m.payload, m.unit]),
        [
          ['pump-1 MTBF', 357, 'h'],
          ['pump-1 MTTR', 2, 'h'],
          ['pump-1 Availability', round((357 / 359) * 100, 2), '%'],
          ['pump-1 Unplanned downtime', round((6 / 720) * 100, 2), '%'],
        ],
      );
      assert.deepStrictEqual(
        dash.map((m) => m.payload),
        [round(k.mtbfH, 1), round(k.mttrH, 2), round(k.availability * 100, 2), round(k.unplannedShare * 100, 2)],
        'the same figures as payload.kpi',
      );
      for (const m of dash) assert.ok(m.asset === 'pump-1' && m.scope === 'asset' && m.ts === T0 + 30 * DAY);
      // A line: same shape, topic named after the line.
      const line = (await act('kpi', 'k1', { payload: { line: 'line-1' } })).payload.kpi;
      await sleep(20);
      assert.deepStrictEqual(
        dash.slice(4).map((m) => [m.topic, m.payload]),
        [
          ['line-1 MTBF', round(line.mtbfH, 1)],
          ['line-1 MTTR', round(line.mttrH, 2)],
          ['line-1 Availability', round(line.availability * 100, 2)],
          ['line-1 Unplanned downtime', round(line.unplannedShare * 100, 2)],
        ],
      );
      assert.strictEqual(line.failures, 3);
      // Everything: one table.
      const all = (await act('kpi', 'k1', {})).payload.kpi;
      await sleep(20);
      assert.strictEqual(dash.length, 9);
      const t = dash[8];
      assert.strictEqual(t.topic, 'kpi');
      assertFlat(t.payload);
      const row = (x: any) => ({
        scope: x.scope,
        name: x.scope === 'asset' ? x.asset : x.line,
        failures: x.failures,
        mtbfH: round(x.mtbfH, 2),
        mttrH: round(x.mttrH, 2),
        availabilityPct: round(x.availability * 100, 2),
        unplannedPct: round(x.unplannedShare * 100, 2),
        pmCompliancePct: null,
        benchmarks: x.benchmarks.some((b: any) => b.pass === false) ? 'fail' : 'pass',
      });
      assert.deepStrictEqual(t.payload, [...all.assets.map(row), ...all.lines.map(row)]);
      assert.deepStrictEqual(
        t.payload.map((r: any) => [r.scope, r.name, r.failures]),
        [
          ['asset', 'fan-2', 1],
          ['asset', 'pump-1', 2],
          ['line', 'line-1', 3],
        ],
      );
      assert.strictEqual(t.payload.find((r: any) => r.name === 'fan-2').mttrH, 0.5);
      await unloadFlow();
      await loadFlow(cmmsFlow(false));
      const off = collect('kd');
      const again = (await act('kpi', 'k1', { payload: { asset: 'pump-1' } })).payload.kpi;
      await sleep(20);
      assert.deepStrictEqual(again, k);
      assert.strictEqual(off.length, 0);
    });
  });

  it('with the dashboard output on, bad input still gives clear errors and the dashboard port still works (fuzz: rel-kpi, rel-work-order, rel-diagnose)', async () => {
    const file = path.join(dir, 'fuzz.db');
    const flow = [
      storeNode(file),
      assetNode({ id: 'asset1', assetId: 'pump-1', line: 'line-1' }),
      { id: 'wo', type: 'rel-work-order', store: 'store1', dashboard: true, wires: [['wo1'], ['wo2'], ['wod']] },
      { id: 'kpi', type: 'rel-kpi', store: 'store1', dashboard: true, wires: [['k1'], ['kd']] },
      { id: 'diag', type: 'rel-diagnose', dashboard: true, wires: [['d1'], ['dd']] },
      ...['wo1', 'wo2', 'wod', 'k1', 'kd', 'd1', 'dd'].map((id) => ({ id, type: 'helper' })),
    ];
    const STATE = [/^work order .*(not found|cannot|already)/, /^part ".*"/];
    await fuzzNode({
      flow,
      nodeId: 'wo',
      keys: ['asset', 'mode', 'severity', 'evidence', 'id', 'by', 'status', 'open', 'limit', 'title'],
      actions: ['create', 'detect', 'assign', 'start', 'complete', 'get', 'list'],
      allowErrors: STATE,
      runs: 300,
      sanity: async () => {
        await act0('wo', { action: 'create', payload: { asset: 'pump-1', title: 'sanity' } });
        const d = nextMessage('wod');
        await act0('wo', { action: 'list', payload: { limit: 5 } });
        const rows = (await d).payload;
        assertFlat(rows);
        assert.ok(rows.some((r: any) => r.title === 'sanity'));
      },
    });
    await fuzzNode({
      flow,
      nodeId: 'kpi',
      keys: ['asset', 'line', 'from', 'to', 'windowDays', 'hoursPerDay', 'baselineMttrH'],
      runs: 300,
      sanity: async () => {
        const d = nextMessage('kd');
        await act0('kpi', { payload: {} });
        assertFlat((await d).payload);
      },
    });
    await fuzzNode({
      flow,
      nodeId: 'diag',
      keys: ['features', 'asset'],
      runs: 300,
      sanity: async () => {
        const d = nextMessage('dd');
        await act0('diag', { payload: { asset: 'pump-1', features: { velocityRms: 0.5, isoZone: 'A' } } });
        assert.deepStrictEqual((await d).payload.map((r: any) => r.mode), ['normal']);
      },
    });
  });
});

async function act0(node: string, msg: any): Promise<void> {
  const err = await receiveAndComplete(node, msg);
  if (err) throw err;
}
