/**
 * The CMMS nodes in a real Node-RED runtime on a real SQLite file: deduplicated detections under
 * a burst of 1,000 concurrent messages, the lifecycle through messages, PM with a controllable
 * clock (including Node-RED being down), the editor import endpoint, spares pull signals, KPIs,
 * and the shared bad-input harness with a sanity check for every node.
 */
import assert from 'assert';
import fs from 'fs';
import path from 'path';
import Database from 'better-sqlite3';
import { openConnections, openStore } from '../../nodes/core/store';
import { SparesRepo, WorkOrderRepo } from '../../nodes/core/cmms';
import { getNode, recordStatus, helper, loadFlow, nextMessage, nextMessages, receiveAndComplete, sleep, tmpDir, unloadFlow } from '../helpers/red';
import { assetNode, storeNode } from '../helpers/fixtures';
import { fuzzNode } from '../helpers/fuzz';
import { FakeClock } from '../helpers/fake-clock';

const DAY = 86_400_000;
const T0 = Date.UTC(2024, 0, 1);
const STATE_ERRORS = [/^work order .*(not found|cannot|already)/, /^part ".*" (not found|: cannot)/, /^part ".*": cannot/, /^PM plan \d+ not found/];

function woFlow(file: string, extra: object = {}): object[] {
  return [
    storeNode(file),
    assetNode({ id: 'asset1', assetId: 'pump-1', criticality: 5, line: 'line-1' }),
    { id: 'wo', type: 'rel-work-order', store: 'store1', wires: [['out1'], ['out2']], ...extra },
    { id: 'out1', type: 'helper' },
    { id: 'out2', type: 'helper' },
  ];
}

/**
 * Wait until a node has done the work it had queued (timer ticks run asynchronously): a `list`
 * message runs after it, and its done() says so.
 */
async function settled(id: string): Promise<void> {
  const err = await receiveAndComplete(id, { action: 'list', payload: {} });
  if (err) throw err;
}

function count(file: string, sql: string, params: unknown[] = []): number {
  const db = new Database(file, { readonly: true });
  try {
    return (db.prepare(sql).get(...params) as { n: number }).n;
  } finally {
    db.close();
  }
}

describe('cmms nodes', function () {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = tmpDir('cmms-nodes-');
    file = path.join(dir, 'plant.db');
  });
  afterEach(async () => {
    await unloadFlow();
    helper.settings({ reliabilityClock: undefined });
    assert.deepStrictEqual(openConnections().filter((c) => c.file === file), [], 'store released');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  describe('rel-work-order', () => {
    it('1,000 concurrent detections of one (asset, mode) give one open work order with detections = 1,000', async () => {
      await loadFlow(woFlow(file));
      const wo = getNode('wo');
      const statuses = recordStatus('wo');
      const t0 = Date.now();
      const announced: any[] = [];
      getNode('out2').on('input', (m: any) => announced.push(m));
      const outs = nextMessages('out1', 1000, 30000);
      const sevs = ['watch', 'warning', 'alarm'];
      for (let i = 0; i < 1000; i++) wo.receive({ action: 'detect', payload: { asset: 'pump-1', mode: 'bearing-outer-race', severity: sevs[i % 3], evidence: `BPFO peak ${i}` } });
      const got = await outs;
      assert.strictEqual(new Set(got.map((m) => m.payload.id)).size, 1);
      assert.strictEqual(count(file, "SELECT COUNT(*) AS n FROM cmms_work_orders WHERE is_open = 1"), 1);
      assert.strictEqual(count(file, 'SELECT detections AS n FROM cmms_work_orders'), 1000);
      assert.strictEqual(count(file, "SELECT COUNT(*) AS n FROM cmms_wo_history WHERE action = 'detect'"), 1);
      const final = got.find((m) => m.payload.detections === 1000)!.payload;
      assert.strictEqual(final.severity, 'alarm');
      assert.strictEqual(final.priority, 1, 'criticality 5 x alarm');
      assert.strictEqual(final.source, 'condition');
      for (const k of ['id', 'number', 'asset', 'mode', 'title', 'priority', 'status', 'assignee', 'source', 'detections', 'createdAt', 'updatedAt', 'history']) assert.ok(k in final, k);
      await sleep(20);
      // message 0 is watch (new), 1 warning (escalated), 2 alarm (escalated); the rest only count
      assert.deepStrictEqual(announced.map((m) => [m.topic, m.payload.severity]), [['work-order/new', 'watch'], ['work-order/escalated', 'warning'], ['work-order/escalated', 'alarm']]);
      assert.strictEqual(statuses[statuses.length - 1].text, '1 open WO');
      // the status is painted at most once per 500 ms (plus the first one), not per message
      assert.ok(statuses.length <= 1 + Math.ceil((Date.now() - t0) / 500), `${statuses.length} status updates in ${Date.now() - t0} ms`);
    });

    it('opens work orders from rel-diagnose and rel-health messages with the asset criticality', async () => {
      await loadFlow(woFlow(file));
      const diag = { asset: 'pump-1', channel: 'DE-accel', diagnosis: { primary: 'imbalance', faults: [
        { mode: 'imbalance', confidence: 0.9, severity: 'warning', evidence: '1X 29.95 Hz at 12 dB above floor' },
        { mode: 'looseness', confidence: 0.3, severity: 'watch', evidence: 'half orders' },
        { mode: 'misalignment', confidence: 0.6, severity: 'alarm', evidence: '2X at 80 % of 1X' },
      ] } };
      const out = nextMessage('out1');
      const ann = nextMessages('out2', 2);
      getNode('wo').receive({ topic: 'pump-1/DE-accel', payload: diag });
      const m = await out;
      assert.strictEqual(m.topic, 'pump-1/DE-accel', 'the msg is reused');
      assert.deepStrictEqual(m.workOrders.map((w: any) => [w.mode, w.priority]), [['imbalance', 2], ['misalignment', 1]], 'watch is below the default threshold');
      assert.match(m.payload.evidence, /1X 29.95 Hz .*confidence 90 %/);
      assert.deepStrictEqual((await ann).map((x) => x.payload.mode), ['imbalance', 'misalignment']);
      const hm = nextMessage('out1');
      getNode('wo').receive({ payload: { asset: 'pump-1', health: { score: 42, state: 'alarm', contributors: [{ feature: 'kurtosis' }, 'rms'], learned: 1 } } });
      const hw = (await hm).payload;
      assert.strictEqual(hw.mode, 'health');
      assert.match(hw.evidence, /health 42 \(alarm\); contributors: kurtosis, rms/);
      // rel-health's second output carries its own evidence (values, baseline, zone): kept as it is
      const he = nextMessage('out1');
      const evidence = 'machine health 12 (normal -> alarm): ISO 10816 zone D; velocity 5.2 mm/s (baseline 1.8, +35 sd)';
      getNode('wo').receive({ payload: { asset: 'pump-2', channel: 'machine', state: 'alarm', severity: 'alarm', evidence, health: { score: 12, state: 'alarm', isoZone: 'D' } } });
      assert.strictEqual((await he).payload.evidence, evidence);
      // a normal health state opens nothing
      assert.strictEqual(await receiveAndComplete('wo', { payload: { asset: 'pump-1', health: { score: 95, state: 'normal' } } }), undefined);
      assert.strictEqual(count(file, 'SELECT COUNT(*) AS n FROM cmms_work_orders'), 4);
      // an asset that is not deployed: criticality from the payload
      const u = nextMessage('out1');
      getNode('wo').receive({ action: 'detect', payload: { asset: 'mixer-9', criticality: 1, mode: 'imbalance', severity: 'warning' } });
      assert.strictEqual((await u).payload.priority, 4);
    });

    it('a diagnosis with the machine\'s health follows the health: the open order escalates to alarm and P1 when the machine goes to alarm', async () => {
      await loadFlow(woFlow(file));
      // rel-diagnose -> rel-health -> rel-work-order: a bearing fault seen in the envelope (severity
      // watch at a low overall level) while the health falls; criticality 5
      const frame = (state: string, score: number, severity = 'watch') => ({ asset: 'pump-1', channel: 'DE-accel', diagnosis: { primary: 'bearing-outer-race', faults: [
        { mode: 'bearing-outer-race', confidence: 0.95, severity, evidence: 'Envelope spectrum peak at 107.4 Hz (BPFO expected 107.8 Hz), 91x the local noise floor' },
        { mode: 'imbalance', confidence: 0.4, severity: 'watch', evidence: '1X' },
      ] }, health: { score, state, learned: 1 } });
      const first = nextMessage('out1');
      getNode('wo').receive({ payload: frame('warning', 55) });
      const w = (await first).payload;
      assert.deepStrictEqual([w.mode, w.severity, w.priority], ['bearing-outer-race', 'warning', 2], 'warning health: a warning order (5 x 2 = 10: P2)');
      const second = nextMessage('out1');
      getNode('wo').receive({ payload: frame('alarm', 8) });
      const a = (await second).payload;
      assert.deepStrictEqual([a.id, a.severity, a.priority], [w.id, 'alarm', 1], 'the same order, now alarm and P1 (5 x 3 = 15)');
      // back to warning: the order keeps its alarm (severity is raised, never lowered)
      assert.strictEqual(await receiveAndComplete('wo', { payload: frame('warning', 60) }), undefined);
      assert.strictEqual(count(file, "SELECT COUNT(*) AS n FROM cmms_work_orders WHERE severity = 'alarm' AND priority = 1"), 1);
      assert.strictEqual(count(file, 'SELECT COUNT(*) AS n FROM cmms_work_orders'), 1, 'the secondary fault (watch) opens nothing: only the primary follows the health');
    });

    it('titles detected work orders in words, in the node\'s language, with the asset\'s name (else its id); msg.payload.title wins', async () => {
      const stored = () => {
        const db = new Database(file, { readonly: true });
        try {
          return Object.fromEntries((db.prepare('SELECT asset, mode, title FROM cmms_work_orders ORDER BY id').all() as { asset: string; mode: string; title: string }[]).map((r) => [`${r.asset} ${r.mode}`, r.title]));
        } finally {
          db.close();
        }
      };
      await loadFlow([
        ...woFlow(file),
        assetNode({ id: 'asset2', assetId: 'conveyor-1', name: 'Förderband 1', criticality: 3, line: 'line-1' }),
        { id: 'wode', type: 'rel-work-order', store: 'store1', language: 'de', wires: [['outde'], []] },
        { id: 'outde', type: 'helper' },
      ]);
      const detect = async (node: string, out: string, payload: object) => {
        const m = nextMessage(out);
        getNode(node).receive({ action: 'detect', payload });
        return (await m).payload;
      };
      // English (a flow saved before the setting has none: English), the rel-asset's name, the bearing position from the channel
      const en = await detect('wo', 'out1', { asset: 'pump-1', channel: 'DE-accel', diagnosis: { faults: [{ mode: 'bearing-outer-race', confidence: 0.9, severity: 'alarm', evidence: 'BPFO' }] } });
      assert.strictEqual(en.title, 'Outer ring of the drive-end bearing damaged – Test pump');
      // German
      const de = await detect('wode', 'outde', { asset: 'conveyor-1', channel: 'DE-accel', mode: 'bearing-outer-race', severity: 'warning' });
      assert.strictEqual(de.title, 'Außenring des antriebsseitigen Lagers beschädigt – Förderband 1');
      // a rel-health state with its score; an asset no rel-asset knows: its id
      const h = await detect('wode', 'outde', { asset: 'press-1', health: { score: 8.6, state: 'alarm' } });
      assert.strictEqual(h.title, 'Maschinenzustand unter normal – press-1 (Zustand 9 von 100)');
      // an unknown mode reads as words
      assert.strictEqual((await detect('wo', 'out1', { asset: 'mixer-9', mode: 'oil-temp-high', severity: 'warning' })).title, 'Oil temp high – mixer-9');
      // an explicit title wins, and a later detection keeps the order's title
      assert.strictEqual((await detect('wo', 'out1', { asset: 'pump-1', mode: 'imbalance', severity: 'warning', title: 'Check the fan blades' })).title, 'Check the fan blades');
      assert.strictEqual((await detect('wo', 'out1', { asset: 'pump-1', mode: 'imbalance', severity: 'alarm' })).title, 'Check the fan blades');
      assert.deepStrictEqual(stored(), {
        'pump-1 bearing-outer-race': 'Outer ring of the drive-end bearing damaged – Test pump',
        'conveyor-1 bearing-outer-race': 'Außenring des antriebsseitigen Lagers beschädigt – Förderband 1',
        'press-1 health': 'Maschinenzustand unter normal – press-1 (Zustand 9 von 100)',
        'mixer-9 oil-temp-high': 'Oil temp high – mixer-9',
        'pump-1 imbalance': 'Check the fan blades',
      });
      // a title that is not text is refused, naming the field
      const bad = await receiveAndComplete('wo', { action: 'detect', payload: { asset: 'pump-1', mode: 'imbalance', severity: 'warning', title: 7 } });
      assert.match(String(bad?.message), /^msg\.payload\.title: expected a string/);
    });

    it('runs the lifecycle through messages; illegal transitions and unknown ids are errors', async () => {
      await loadFlow(woFlow(file));
      const send = async (action: string, payload: any) => {
        const out = nextMessage('out1');
        const err = await receiveAndComplete('wo', { topic: action, payload });
        if (err) throw err;
        return (await out).payload;
      };
      const w = await send('create', { asset: 'pump-1', title: 'Replace coupling insert', by: 'planner', ts: T0 });
      assert.strictEqual(w.source, 'manual');
      await send('assign', { id: w.number, by: 'planner', assignee: 'ann', ts: T0 + 1000 });
      const err = await receiveAndComplete('wo', { action: 'complete', payload: { id: w.id, by: 'ann' } });
      assert.match(String(err?.message), /cannot complete from status assigned to done/);
      await send('start', { id: w.id, by: 'ann', ts: T0 + 2000 });
      const done = await send('complete', { id: w.id, by: 'ann', repairMin: 45, downtimeMin: 30, ts: T0 + 3000 });
      assert.deepStrictEqual([done.status, done.repairMin, done.downtimeMin, done.failure], ['done', 45, 30, true]);
      const closed = await send('close', { id: w.id, by: 'lead', note: 'checked', ts: T0 + 4000 });
      assert.deepStrictEqual(closed.history.map((x: any) => x.to), ['open', 'assigned', 'in-progress', 'done', 'closed']);
      assert.match(String((await receiveAndComplete('wo', { action: 'get', payload: { id: 424242 } }))?.message), /work order 424242 not found/);
      assert.match(String((await receiveAndComplete('wo', { action: 'start', payload: { id: w.id } }))?.message), /^msg\.payload\.by: expected a string/);
      const list = await send('list', { asset: 'pump-1' });
      assert.ok(Array.isArray(list));
      assert.strictEqual(list.length, 1);
      assert.deepStrictEqual(await send('list', { open: true }), []);
      assert.match(String((await receiveAndComplete('wo', { action: 'create', payload: { asset: 'pump-1', title: 'x', priority: -1 } }))?.message), /^msg\.payload\.priority: expected a number >= 1 and <= 4, got the number -1/);
      const evil = "'; DROP TABLE cmms_work_orders; --";
      const e = await send('create', { asset: evil, title: evil, description: evil, mode: evil, by: evil, line: evil });
      assert.deepStrictEqual([e.asset, e.title, e.description, e.mode, e.history[0].by], [evil, evil, evil, evil, evil]);
    });

    it('survives the bad-input harness', async () => {
      const rep = await fuzzNode({
        flow: woFlow(file),
        nodeId: 'wo',
        keys: ['asset', 'mode', 'severity', 'evidence', 'id', 'by', 'note', 'title', 'diagnosis', 'health', 'parts', 'status', 'open', 'ts', 'priority'],
        actions: ['create', 'detect', 'assign', 'start', 'hold', 'complete', 'close', 'cancel', 'get', 'list'],
        allowErrors: STATE_ERRORS,
        runs: 600,
        sanity: async () => {
          const out = nextMessage('out1');
          assert.strictEqual(await receiveAndComplete('wo', { action: 'detect', payload: { asset: 'pump-1', mode: 'imbalance', severity: 'alarm' } }), undefined);
          assert.strictEqual((await out).payload.asset, 'pump-1');
          const db = new Database(file, { readonly: true });
          assert.strictEqual((db.prepare('PRAGMA integrity_check').get() as any).integrity_check, 'ok');
          db.close();
        },
      });
      assert.ok(rep.errors > 0 && rep.runs === 600);
    });
  });

  describe('rel-pm', () => {
    function pmFlow(catchup: string, clockTick = 3600): object[] {
      return [
        storeNode(file),
        assetNode({ id: 'asset1', assetId: 'pump-1', store: 'store1' }),
        { id: 'pm', type: 'rel-pm', store: 'store1', catchup, tickInterval: clockTick, wires: [['out1'], ['out2']] },
        { id: 'out1', type: 'helper' },
        { id: 'out2', type: 'helper' },
      ];
    }
    const pmOrders = () => {
      const db = new Database(file, { readonly: true });
      try {
        return db.prepare("SELECT occurrence, missed, due_at FROM cmms_work_orders WHERE source = 'pm' ORDER BY occurrence").all() as { occurrence: number; missed: number; due_at: number }[];
      } finally {
        db.close();
      }
    };

    for (const scenario of ['up', 'each', 'one'] as const) {
      it(`every 7 days over 60 days with a controllable clock (${scenario === 'up' ? 'always up' : `down days 20-30, catch-up ${scenario}`})`, async () => {
        const clock = new FakeClock(T0);
        helper.settings({ reliabilityClock: clock });
        await loadFlow(pmFlow(scenario === 'one' ? 'one' : 'each'));
        const out = nextMessage('out1');
        getNode('pm').receive({ action: 'plan', payload: { asset: 'pump-1', task: 'Grease DE bearing', trigger: 'calendar', every: 7, unit: 'days', lastDone: T0 } });
        assert.strictEqual((await out).payload.nextDue, T0 + 7 * DAY);
        if (scenario === 'up') clock.advance(60 * DAY);
        else {
          clock.advance(20 * DAY);
          await unloadFlow();
          assert.strictEqual(clock.pending, 0, 'timers cleared on close');
          clock.advance(10 * DAY); // Node-RED down: no timers
          await loadFlow(pmFlow(scenario));
          clock.advance(30 * DAY);
        }
        await settled('pm');
        const rows = pmOrders();
        if (scenario === 'one') {
          // days 21 and 28 were missed: one work order for occurrence 4 carrying the count
          assert.deepStrictEqual(rows.map((r) => [r.occurrence, r.missed]), [[1, 0], [2, 0], [4, 1], [5, 0], [6, 0], [7, 0], [8, 0]]);
          assert.strictEqual(rows[2].due_at, T0 + 28 * DAY);
        } else {
          assert.deepStrictEqual(rows.map((r) => r.occurrence), [1, 2, 3, 4, 5, 6, 7, 8]);
          assert.deepStrictEqual(rows.map((r) => r.due_at), [1, 2, 3, 4, 5, 6, 7, 8].map((k) => T0 + 7 * k * DAY));
        }
        // a restart and an explicit tick at the end open nothing more
        await unloadFlow();
        await loadFlow(pmFlow(scenario === 'one' ? 'one' : 'each'));
        assert.strictEqual(await receiveAndComplete('pm', { action: 'tick', payload: { ts: T0 + 60 * DAY } }), undefined);
        assert.strictEqual(pmOrders().length, scenario === 'one' ? 7 : 8);
      });
    }

    it('imports a spreadsheet through the editor endpoint and from msg, and exports it', async () => {
      await loadFlow(pmFlow('each'));
      const csv = 'asset,task,trigger,interval,unit,last done,duration,parts\npump-1,Grease,calendar,4,weeks,2024-01-01,20,GREASE:1\npump-9,Grease,calendar,4,weeks,,,\npump-1,Oil,meter,500,hours,1000,30,\n';
      const res = await helper.request().post('/rel-pm/pm/import').send({ csv }).expect(200);
      assert.deepStrictEqual(res.body.imported.map((r: any) => [r.row, r.task, r.result]), [[2, 'Grease', 'created'], [4, 'Oil', 'created']]);
      assert.deepStrictEqual(res.body.rejected.map((r: any) => [r.row, r.reason]), [[3, 'asset: unknown asset "pump-9"']]);
      await helper.request().post('/rel-pm/nope/import').send({ csv }).expect(404);
      const exp = await helper.request().get('/rel-pm/pm/export').expect(200);
      assert.match(exp.text, /^asset,task,trigger,interval,unit,last done,duration,parts,next due,occurrences\r\npump-1,Grease,calendar,4,weeks,2024-01-01,20,GREASE:1,2024-01-29/);
      const out = nextMessage('out1');
      getNode('pm').receive({ action: 'import', payload: 'asset;task;trigger;interval;unit\npump-1;Belt;calendar;0;days\n' });
      const rep = (await out).payload;
      assert.deepStrictEqual(rep.rejected.map((r: any) => r.reason), ['interval: expected a number > 0, got 0']);
      // export from msg: the same CSV as the editor's endpoint, nothing on the order output
      const o2: any[] = [];
      getNode('out2').on('input', (x: any) => o2.push(x));
      const ex = nextMessage('out1');
      getNode('pm').receive({ action: 'export' });
      assert.strictEqual((await ex).payload, (await helper.request().get('/rel-pm/pm/export').expect(200)).text);
      assert.strictEqual(o2.length, 0);
      const m = nextMessages('out2', 1);
      getNode('pm').receive({ action: 'meter', payload: { asset: 'pump-1', unit: 'hours', value: 1510 } });
      assert.strictEqual((await m)[0].payload.source, 'pm');
    });

    it('a late or redelivered meter reading opens nothing and is reported in the output and the status, not as an error', async () => {
      await loadFlow(pmFlow('each'));
      const H = 3600e3;
      const pm = getNode('pm');
      const statuses = recordStatus('pm');
      const opened: any[] = [];
      getNode('out2').on('input', (m: any) => opened.push(m.payload));
      const send = async (payload: object) => {
        const out = nextMessage('out1');
        const err = await receiveAndComplete('pm', { action: 'meter', payload });
        if (err) throw err;
        return (await out).payload;
      };
      const planned = nextMessage('out1');
      assert.strictEqual(await receiveAndComplete('pm', { action: 'plan', payload: { asset: 'pump-1', task: 'Oil', trigger: 'meter', every: 500, unit: 'hours', lastDone: 12000 } }), undefined);
      await planned;
      for (const [i, v] of [12100, 12200, 12300].entries()) assert.deepStrictEqual((await send({ asset: 'pump-1', value: v, ts: T0 + (i + 1) * H })).ignored, []);
      const late = await send({ asset: 'pump-1', value: 12200, ts: T0 + 2 * H });
      assert.deepStrictEqual([late.opened, late.ignored.map((x: any) => [x.task, x.lastReading, x.lastTs, x.reason])], [[], [['Oil', 12300, T0 + 3 * H, 'older than the last reading']]]);
      assert.deepStrictEqual(statuses.at(-1), { fill: 'yellow', shape: 'dot', text: 'late hours reading ignored' });
      const reset = await send({ asset: 'pump-1', value: 200, ts: T0 + 4 * H }); // counter reset: 300 + 200 = 500
      assert.deepStrictEqual([reset.opened.length, reset.ignored], [1, []]);
      await sleep(10);
      assert.strictEqual(opened.length, 1, 'one PM work order in all, from the 500th hour');
      assert.strictEqual(statuses.at(-1).fill, 'green');
      assert.strictEqual(count(file, "SELECT COUNT(*) AS n FROM cmms_work_orders WHERE source = 'pm'"), 1);
    });

    it('survives the bad-input harness', async () => {
      const clock = new FakeClock(T0);
      helper.settings({ reliabilityClock: clock });
      await fuzzNode({
        flow: pmFlow('each'),
        nodeId: 'pm',
        keys: ['asset', 'task', 'trigger', 'every', 'unit', 'lastDone', 'ts', 'csv', 'health', 'features', 'value', 'id', 'cron', 'at'],
        actions: ['tick', 'plan', 'import', 'export', 'list', 'remove', 'meter', 'condition'],
        allowErrors: STATE_ERRORS,
        runs: 500,
        sanity: async () => {
          const out = nextMessage('out1');
          getNode('pm').receive({ action: 'plan', payload: { asset: 'pump-1', task: 'sanity', trigger: 'calendar', every: 1, unit: 'days', lastDone: T0 } });
          assert.strictEqual((await out).payload.task, 'sanity');
          const t = nextMessage('out1');
          getNode('pm').receive({ action: 'tick', payload: { ts: T0 + 1.5 * DAY } });
          assert.ok((await t).payload.opened.some((w: any) => w.title === 'sanity'));
        },
      });
    });
  });

  describe('rel-spares', () => {
    const flow = () => [storeNode(file), { id: 'sp', type: 'rel-spares', store: 'store1', wires: [['out1'], ['out2']] }, { id: 'out1', type: 'helper' }, { id: 'out2', type: 'helper' }];
    it('sends one pull signal per crossing of the reorder point; rejects negative quantities', async () => {
      await loadFlow(flow());
      const signals: any[] = [];
      getNode('out2').on('input', (m: any) => signals.push(m.payload));
      const act = async (action: string, payload: any) => {
        const out = nextMessage('out1');
        const err = await receiveAndComplete('sp', { action, payload });
        if (err) throw err;
        return (await out).payload;
      };
      // ROP = 4*10 + 1.65*sqrt(10*4 + 16*9) = 62.38; lot = D*L = 40
      await act('define', { part: 'BRG-6205', name: 'Bearing 6205-2RS', unitCost: 12.5, leadMeanDays: 10, leadSdDays: 3, demandPerDay: 4, demandSd: 2 });
      await sleep(10);
      assert.deepStrictEqual(signals.map((x) => [x.available, x.quantity]), [[0, 103]], 'a new part without stock must be ordered: ceil(62.38 + 40 - 0)');
      await act('receive', { part: 'BRG-6205', qty: 100 });
      await act('issue', { part: 'BRG-6205', qty: 30 });
      await sleep(10);
      assert.strictEqual(signals.length, 1);
      const s = await act('reserve', { part: 'BRG-6205', qty: 10, wo: 3 });
      assert.strictEqual(s.available, 60);
      await sleep(10);
      assert.strictEqual(signals.length, 2);
      assert.deepStrictEqual([signals[1].part, signals[1].available, signals[1].quantity], ['BRG-6205', 60, 43]);
      await act('issue', { part: 'BRG-6205', qty: 5 });
      await sleep(10);
      assert.strictEqual(signals.length, 2, 'once per crossing');
      assert.match(String((await receiveAndComplete('sp', { action: 'issue', payload: { part: 'BRG-6205', qty: -5 } }))?.message), /^msg\.payload\.qty: expected a number > 0 and <= 1000000000, got the number -5/);
      assert.match(String((await receiveAndComplete('sp', { action: 'issue', payload: { part: 'BRG-6205', qty: 1000 } }))?.message), /cannot issue 1000, only 55 available/);
      assert.match(String((await receiveAndComplete('sp', { action: 'adjust', payload: { part: 'BRG-6205', count: -1, note: 'x' } }))?.message), /^msg\.payload\.count: expected a number >= 0/);
      const list = await act('list', {});
      assert.strictEqual(list[0].onHand, 65);
    });
    it('the periodic check re-evaluates every part: a crossing no stock move of the node saw is signalled once', async () => {
      const clock = new FakeClock(T0);
      helper.settings({ reliabilityClock: clock });
      // The node estimates demand over 30 days; work orders completed elsewhere issue parts through
      // their own repository (90 days), which sees no crossing.
      await loadFlow([storeNode(file), { id: 'sp', type: 'rel-spares', store: 'store1', demandWindowDays: 30, checkInterval: 3600, wires: [['out1'], ['out2']] }, { id: 'out1', type: 'helper' }, { id: 'out2', type: 'helper' }]);
      const signals: any[] = [];
      getNode('out2').on('input', (m: any) => signals.push(m.payload));
      for (const [action, payload] of [['define', { part: 'SEAL', leadMeanDays: 30, leadSdDays: 0 }], ['receive', { part: 'SEAL', qty: 70 }]] as const) {
        const out = nextMessage('out1');
        assert.strictEqual(await receiveAndComplete('sp', { action, payload }), undefined);
        await out;
      }
      await sleep(10);
      signals.length = 0; // (the new part without stock was signalled at define)
      clock.advance(5 * DAY);
      await sleep(10);
      assert.strictEqual(signals.length, 0);
      const hs = openStore(file);
      try {
        const wo = new WorkOrderRepo(hs.db);
        const w = await wo.create({ asset: 'pump-1', title: 'seal', ts: clock.now() });
        await wo.transition({ id: w.id, action: 'assign', by: 'ann', ts: clock.now() });
        await wo.transition({ id: w.id, action: 'start', by: 'ann', ts: clock.now() });
        await wo.transition({ id: w.id, action: 'complete', by: 'ann', ts: clock.now(), parts: [{ part: 'SEAL', qty: 20 }] });
        // 90 days: ROP = 30*20/90 + 1.65*sqrt(30*((20-D)^2 + 89 D^2)/89) = 25.72 < 50, no crossing there
        assert.strictEqual((await wo.spares.get('SEAL', clock.now())).belowReorderPoint, false);
      } finally {
        hs.release();
      }
      // 30 days: D = 20/30, sdD^2 = ((20 - D)^2 + 29 D^2) / 29 -> ROP = 20 + 1.65*sqrt(30 sdD^2) = 53.0 >= 50
      const D = 20 / 30;
      const rop = 30 * D + 1.65 * Math.sqrt(30 * (((20 - D) ** 2 + 29 * D * D) / 29));
      clock.advance(3600e3);
      await sleep(10);
      assert.deepStrictEqual(signals.map((x) => [x.part, x.available, Math.round(x.reorderPoint * 100) / 100]), [['SEAL', 50, Math.ceil(rop)]], 'the next check signals the crossing');
      clock.advance(24 * 3600e3);
      await sleep(10);
      assert.strictEqual(signals.length, 1, 'once per crossing: later checks send nothing more');
    });
    it('a periodic check that fails turns the status red with the reason; the next check that succeeds paints the parts again', async () => {
      const clock = new FakeClock(T0);
      helper.settings({ reliabilityClock: clock });
      await loadFlow([storeNode(file), { id: 'sp', type: 'rel-spares', store: 'store1', checkInterval: 3600, wires: [['out1'], ['out2']] }, { id: 'out1', type: 'helper' }, { id: 'out2', type: 'helper' }]);
      await settled('sp');
      await sleep(600); // past the status throttle
      const statuses = recordStatus('sp');
      const recheck = SparesRepo.prototype.recheck;
      SparesRepo.prototype.recheck = async function () {
        throw new Error('disk I/O error');
      };
      try {
        clock.advance(3600e3);
        await sleep(50);
      } finally {
        SparesRepo.prototype.recheck = recheck;
      }
      assert.deepStrictEqual(statuses.at(-1), { fill: 'red', shape: 'dot', text: 'check failed: disk I/O error' });
      const errors = helper.log().args.map((a: any[]) => a[0]).filter((e: any) => e && e.id === 'sp' && e.level === 20).map((e: any) => e.msg);
      assert.deepStrictEqual(errors, ['stock check failed: disk I/O error']);
      // A message meanwhile does not hide it.
      await settled('sp');
      await sleep(600);
      assert.strictEqual(statuses.at(-1).fill, 'red', 'still red until a check succeeds');
      clock.advance(3600e3);
      await sleep(50);
      assert.deepStrictEqual(statuses.at(-1), { fill: 'green', shape: 'dot', text: '0 parts' });
    });
    it('survives the bad-input harness', async () => {
      await fuzzNode({
        flow: flow(),
        nodeId: 'sp',
        keys: ['part', 'qty', 'wo', 'by', 'note', 'count', 'name', 'leadMeanDays', 'demandPerDay', 'ts'],
        actions: ['define', 'receive', 'issue', 'reserve', 'release', 'adjust', 'get', 'list'],
        allowErrors: STATE_ERRORS,
        runs: 500,
        sanity: async () => {
          const d = nextMessage('out1');
          assert.strictEqual(await receiveAndComplete('sp', { action: 'define', payload: { part: 'S', leadMeanDays: 1 } }), undefined);
          await d;
          const out = nextMessage('out1');
          getNode('sp').receive({ action: 'receive', payload: { part: 'S', qty: 3 } });
          assert.strictEqual((await out).payload.onHand, 3);
        },
      });
    });
  });

  describe('rel-kpi', () => {
    const flow = () => [storeNode(file), ...woFlow(file).slice(1), { id: 'kpi', type: 'rel-kpi', store: 'store1', windowDays: 30, wires: [['k1']] }, { id: 'k1', type: 'helper' }];
    it('reports KPIs and benchmarks for an asset and a line', async () => {
      const clock = new FakeClock(T0 + 30 * DAY);
      helper.settings({ reliabilityClock: clock });
      await loadFlow(flow());
      for (const [i, dt] of [5, 12, 19].entries()) {
        const at = T0 + dt * DAY;
        for (const [action, extra] of [['create', { asset: 'pump-1', title: `f${i}` }], ['assign', { by: 'a' }], ['start', { by: 'a' }], ['complete', { by: 'a', repairMin: 120, downtimeMin: 240 }]] as const) {
          const out = nextMessage('out1');
          getNode('wo').receive({ action, payload: { id: i + 1, ...extra, ts: at } });
          await out;
        }
      }
      const out = nextMessage('k1');
      getNode('kpi').receive({ payload: { asset: 'pump-1' } });
      const k = (await out).payload.kpi;
      assert.strictEqual(k.failures, 3);
      assert.strictEqual(k.mttrH, 2);
      assert.strictEqual(k.mtbfH, (720 - 12) / 3);
      assert.strictEqual(k.unplannedShare, 12 / 720);
      assert.strictEqual(k.benchmarks[0].pass, true);
      const l = nextMessage('k1');
      getNode('kpi').receive({ payload: { line: 'line-1' } });
      assert.strictEqual((await l).payload.kpi.failures, 3);
    });
    it('survives the bad-input harness', async () => {
      await fuzzNode({
        flow: flow(),
        nodeId: 'kpi',
        keys: ['asset', 'line', 'from', 'to', 'windowDays', 'hoursPerDay', 'baselineMttrH'],
        runs: 400,
        sanity: async () => {
          const out = nextMessage('k1');
          getNode('kpi').receive({ payload: { asset: 'pump-1' } });
          assert.strictEqual((await out).payload.kpi.failures, 0);
        },
      });
    });
  });
});
