/**
 * The plant tier with real processes: three edge boxes, each a Node-RED runtime in its own
 * process (test/plant/box-process.ts) with a rel-store on one throwaway PostgreSQL 15 database and
 * rel-work-order, rel-spares and rel-pm behind http-in routes, driven at the same time:
 *  a) 1,000 concurrent detections of one (asset, mode) spread over the boxes: one open order with
 *     1,000 detections;
 *  b) 500 concurrent issues and reservations of one part: stock exact, never negative, every
 *     refusal a clear error;
 *  c) 60 simulated days of rel-pm ticks on every box at once: each due occurrence opened once.
 */
import assert from 'assert';
import fs from 'fs';
import { Client } from 'pg';
import { pgCluster } from '../helpers/pg';
import { boxFlow } from './box-process';
import { post, shim, startBox, tmp, type Answer, type Box } from './boxes';

const DAY = 86_400_000;
const ASSETS = [
  { id: 'pump-1', line: 'line-1' },
  { id: 'press-2', line: 'line-2' },
  { id: 'conveyor-3', line: 'line-3' },
];

describe('plant tier: three Node-RED boxes on one PostgreSQL', function () {
  this.timeout(240_000);
  let url: string;
  let dir: string;
  let boxes: Box[] = [];
  let db: Client;

  before(async () => {
    const cluster = await pgCluster();
    url = await cluster.createDatabase(`plant_boxes_${process.pid}`);
    dir = tmp('rel-plant-');
    const pkgDir = shim(dir);
    const flow = boxFlow({ assets: ASSETS });
    const t0 = Date.now();
    // all three at once: they apply the schema migrations on the one database at the same time
    boxes = await Promise.all(['box-a', 'box-b', 'box-c'].map((name) => startBox(dir, name, pkgDir, flow, { pg: { url } })));
    console.log(`      3 boxes started in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    db = new Client({ connectionString: url });
    await db.connect();
  });

  after(async () => {
    await db?.end();
    await Promise.all(boxes.map((b) => b.stop()));
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  const rows = async <T = any>(sql: string, params: unknown[] = []): Promise<T[]> => (await db.query(sql, params)).rows as T[];

  it('a) 1,000 concurrent detections of one (asset, mode) over the three boxes: one open work order with 1,000 detections', async () => {
    const N = 1000;
    const t0 = Date.now();
    const answers = await Promise.all(
      Array.from({ length: N }, (_, i) => post(boxes[i % 3], '/wo', 'detect', { asset: 'pump-1', mode: 'bearing-outer-race', severity: i === N - 1 ? 'alarm' : 'warning', evidence: `${boxes[i % 3].name} #${i}` })),
    );
    const ms = Date.now() - t0;
    const failed = answers.filter((a) => a.status !== 200);
    assert.deepStrictEqual(failed.slice(0, 3), [], `${failed.length} detections failed`);
    const ids = new Set(answers.map((a) => a.body.id));
    assert.strictEqual(ids.size, 1, `one work order in every answer, got ${[...ids].join(', ')}`);
    const [wo] = await rows("SELECT id, status, is_open, detections, severity, source FROM cmms_work_orders WHERE asset = 'pump-1' AND mode = 'bearing-outer-race'");
    const count = await rows<{ n: number }>("SELECT COUNT(*)::int AS n FROM cmms_work_orders WHERE asset = 'pump-1' AND mode = 'bearing-outer-race'");
    assert.strictEqual(count[0].n, 1, 'one work order in the database');
    assert.deepStrictEqual({ ...wo, id: Number(wo.id) }, { id: [...ids][0], status: 'open', is_open: 1, detections: N, severity: 'alarm', source: 'condition' });
    // the highest count any answer saw is the last one committed: 1,000
    assert.strictEqual(Math.max(...answers.map((a) => a.body.detections)), N);
    console.log(`      a) ${N} detections over 3 boxes in ${(ms / 1000).toFixed(2)} s (${Math.round(N / (ms / 1000))}/s): 1 open order ${wo.id}, ${wo.detections} detections, severity ${wo.severity}`);
  });

  it('b) 500 concurrent issues and reservations of one part over the three boxes: stock exact, never negative, refusals clear', async () => {
    const PART = 'brg-6205';
    const STOCK = 400;
    const d = await post(boxes[0], '/spares', 'define', { part: PART, name: '6205-2RS bearing', leadMeanDays: 5, demandPerDay: 1 });
    assert.strictEqual(d.status, 200, JSON.stringify(d.body));
    const r = await post(boxes[1], '/spares', 'receive', { part: PART, qty: STOCK, by: 'stores' });
    assert.strictEqual(r.status, 200, JSON.stringify(r.body));
    assert.strictEqual(r.body.onHand, STOCK);
    const N = 500;
    // 250 issues and 250 reservations of 1-3 each: about 1,000 asked of 400 on hand
    const ops = Array.from({ length: N }, (_, i) => ({ box: boxes[i % 3], action: i % 2 ? 'reserve' : 'issue', qty: 1 + ((i * 7) % 3) }));
    const t0 = Date.now();
    const answers: Answer[] = await Promise.all(ops.map((o, i) => post(o.box, '/spares', o.action, { part: PART, qty: o.qty, by: `${o.box.name}`, note: `op ${i}` })));
    const ms = Date.now() - t0;
    let issued = 0;
    let reserved = 0;
    let okIssues = 0;
    let okReserves = 0;
    const refusedQty: number[] = [];
    answers.forEach((a, i) => {
      const o = ops[i];
      if (a.status === 200) {
        assert.ok(a.body.onHand >= 0 && a.body.available >= 0, `answer ${i}: ${JSON.stringify(a.body)}`);
        if (o.action === 'issue') {
          issued += o.qty;
          okIssues++;
        } else {
          reserved += o.qty;
          okReserves++;
        }
        return;
      }
      assert.strictEqual(a.status, 409, `answer ${i}: ${JSON.stringify(a.body)}`);
      const re = new RegExp(`^(StateError: )?part "${PART}": cannot ${o.action} ${o.qty}, only \\d+(\\.\\d+)? available`);
      assert.match(a.body.error, re, `refusal ${i} names the part, the move, the quantity and what was available: ${a.body.error}`);
      refusedQty.push(o.qty);
    });
    const g = await post(boxes[2], '/spares', 'get', { part: PART });
    const stock = g.body;
    // the arithmetic: what is left is what came in minus what the accepted issues took
    assert.strictEqual(stock.onHand, STOCK - issued);
    assert.strictEqual(stock.reserved, reserved);
    assert.strictEqual(stock.available, STOCK - issued - reserved);
    assert.ok(stock.available >= 0);
    assert.ok(refusedQty.length > 0, 'demand was more than the stock: some moves were refused');
    // every refusal happened when less than its quantity was available, and stock only went down
    assert.ok(stock.available < Math.min(...refusedQty), `available ${stock.available} < smallest refused ${Math.min(...refusedQty)}`);
    const [m] = await rows(
      `SELECT COUNT(*) FILTER (WHERE kind = 'issue')::int AS issues, COALESCE(SUM(qty) FILTER (WHERE kind = 'issue'), 0)::float AS issued,
              COUNT(*) FILTER (WHERE kind = 'reserve')::int AS reserves, MIN(on_hand)::float AS min_on_hand, MIN(on_hand - reserved)::float AS min_available
       FROM cmms_stock_moves WHERE part = $1`,
      [PART],
    );
    assert.deepStrictEqual({ issues: m.issues, issued: m.issued, reserves: m.reserves, minOnHand: m.min_on_hand }, { issues: okIssues, issued, reserves: okReserves, minOnHand: stock.onHand });
    assert.ok(m.min_available >= 0, `never negative: lowest available after any move ${m.min_available}`);
    console.log(
      `      b) ${N} moves over 3 boxes in ${(ms / 1000).toFixed(2)} s: ${okIssues} issues (${issued} pcs) and ${okReserves} reservations (${reserved} pcs) accepted, ${refusedQty.length} refused; ` +
        `on hand ${STOCK} - ${issued} = ${stock.onHand}, reserved ${stock.reserved}, available ${stock.available}, lowest available after any move ${m.min_available}`,
    );
  });

  it('c) 60 simulated days of rel-pm ticks on every box at once: each due occurrence opened exactly once', async () => {
    // a Monday 00:00 UTC a year ahead of the wall clock, so rel-pm's own wall-clock tick finds nothing due
    let S = Math.floor((Date.now() + 365 * DAY) / DAY) * DAY;
    while (new Date(S).getUTCDay() !== 1) S += DAY;
    const DAYS = 60;
    const STEP = 6 * 3_600_000;
    const plans = [
      { asset: 'pump-1', task: 'grease bearings', unit: 'days', every: 1 },
      { asset: 'pump-1', task: 'check coupling', unit: 'days', every: 3 },
      { asset: 'press-2', task: 'hydraulic oil level', unit: 'days', every: 7 },
      { asset: 'press-2', task: 'replace filter', unit: 'weeks', every: 2 },
      { asset: 'conveyor-3', task: 'belt tension', unit: 'weekday', at: 'Wed 06:00' },
    ];
    // the due times, by arithmetic: (S, S + 60 days]
    const expected = new Map<string, number[]>();
    for (const p of plans) {
      const dues: number[] = [];
      if (p.unit === 'weekday') for (let t = S + 2 * DAY + 6 * 3_600_000; t <= S + DAYS * DAY; t += 7 * DAY) dues.push(t);
      else for (let k = 1, every = p.every! * (p.unit === 'weeks' ? 7 : 1); k * every <= DAYS; k++) dues.push(S + k * every * DAY);
      expected.set(p.task, dues);
    }
    const ids = new Map<string, number>();
    for (const [i, p] of plans.entries()) {
      const a = await post(boxes[i % 3], '/pm', 'plan', { ...p, trigger: 'calendar', lastDone: S, ts: S });
      assert.strictEqual(a.status, 200, JSON.stringify(a.body));
      ids.set(p.task, a.body.id);
    }
    const t0 = Date.now();
    const openedBy = new Map<string, number>(boxes.map((b) => [b.name, 0]));
    let ticks = 0;
    for (let t = S + STEP; t <= S + DAYS * DAY; t += STEP) {
      // every box ticks the same moment at once (their clocks agree): the hardest race for a claim
      const got = await Promise.all(boxes.map((b) => post(b, '/pm', 'tick', { ts: t })));
      for (const [i, a] of got.entries()) {
        assert.strictEqual(a.status, 200, `${boxes[i].name} tick at ${new Date(t).toISOString()}: ${JSON.stringify(a.body)}`);
        openedBy.set(boxes[i].name, openedBy.get(boxes[i].name)! + a.body.opened.length);
      }
      ticks += got.length;
    }
    const ms = Date.now() - t0;
    const per = await rows<{ plan_id: string; n: number; occ: number; dues: string[] }>(
      "SELECT plan_id, COUNT(*)::int AS n, COUNT(DISTINCT occurrence)::int AS occ, array_agg(due_at ORDER BY due_at) AS dues FROM cmms_work_orders WHERE source = 'pm' GROUP BY plan_id",
    );
    const byPlan = new Map(per.map((r) => [Number(r.plan_id), r]));
    const lines: string[] = [];
    let total = 0;
    for (const p of plans) {
      const want = expected.get(p.task)!;
      const r = byPlan.get(ids.get(p.task)!);
      assert.ok(r, `plan ${p.task} opened work orders`);
      assert.strictEqual(r.n, want.length, `${p.task}: ${want.length} occurrences due, ${r.n} orders opened`);
      assert.strictEqual(r.occ, r.n, `${p.task}: every occurrence once`);
      assert.deepStrictEqual(r.dues.map(Number), want, `${p.task}: the due times`);
      total += r.n;
      lines.push(`${p.task} ${r.n}`);
    }
    assert.strictEqual(byPlan.size, plans.length, 'no orders for other plans');
    const opened = [...openedBy.values()].reduce((a, b) => a + b, 0);
    assert.strictEqual(opened, total, 'the ticks answered with each order once');
    console.log(
      `      c) ${ticks} ticks (${ticks / 3} per box, every 6 h over ${DAYS} days) in ${(ms / 1000).toFixed(1)} s: ${total} PM orders, each once (${lines.join(', ')}); opened by ${[...openedBy].map(([b, n]) => `${b} ${n}`).join(', ')}`,
    );
  });

  it('the boxes logged no errors (refused moves are answered by their Catch node, not logged)', function () {
    for (const b of boxes) {
      const bad = b.log().split('\n').filter((l) => /\[error\]|Error:/.test(l));
      assert.deepStrictEqual(bad.slice(0, 20), [], `${b.name} logged errors`);
    }
  });
});
