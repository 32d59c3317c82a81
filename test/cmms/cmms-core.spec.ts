/**
 * The CMMS core on a real SQLite file and a real PostgreSQL database: every formula against a hand-computed example, the
 * work-order lifecycle, spares, PM scheduling and CSV import/export, and bad input.
 */
import assert from 'assert';
import fs from 'fs';
import path from 'path';
import Papa from 'papaparse';
import { migrateCoreAsync, type Query, type Store } from '../../nodes/core/store';
import { forEachBackend } from '../helpers/backends';
import {
  migrateCmms, WorkOrderRepo, SparesRepo, PmRepo, safetyStock, reorderPoint, dailyDemand, priorityOf, mtbf, mttr, inherentAvailability, computeKpi,
  calendarOccurrences, weekdayToCron, parseParts, TxBatcher, CMMS_MIGRATIONS,
} from '../../nodes/core/cmms';
import { tmpDir } from '../helpers/red';
import { OUTBOX_MIGRATIONS } from '../../nodes/core/store/outbox';

const DAY = 86_400_000;
const T0 = Date.UTC(2024, 0, 1);
const close = (a: number, b: number, tol = 1e-9) => assert.ok(Math.abs(a - b) <= tol, `${a} != ${b} (tol ${tol})`);
/** A row's values as numbers (PostgreSQL hands BIGINT over as text). */
const num = (r: Record<string, unknown> | undefined) => (r ? Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v === null ? null : Number(v)])) : r);

/** Every cmms table (and the asset register) emptied, ids starting at 1 again. */
async function emptyCmms(s: Store): Promise<void> {
  if (s.dialect === 'postgres') await s.run('TRUNCATE cmms_wo_history, cmms_stock_moves, cmms_reservations, cmms_parts, cmms_pm_plans, cmms_work_orders, assets RESTART IDENTITY');
  else for (const t of ['cmms_wo_history', 'cmms_stock_moves', 'cmms_reservations', 'cmms_parts', 'cmms_pm_plans', 'cmms_work_orders', 'assets']) await s.run(`DELETE FROM ${t}`);
}

// The repositories on a real SQLite file and on a real PostgreSQL database (a fresh one per
// suite), emptied before each test.
forEachBackend('cmms core', (be) => {
  let store: Store;
  let wo: WorkOrderRepo;
  before(async () => {
    await migrateCoreAsync(be.store);
    assert.strictEqual(await migrateCmms(be.store), CMMS_MIGRATIONS.length);
  });
  beforeEach(async () => {
    store = be.store;
    await emptyCmms(store);
    wo = new WorkOrderRepo(store);
  });

  describe('formulas (hand-computed)', () => {
    it('safety stock and reorder point: D=4/d, sdD=2, L=10 d, sdL=3 d, z=1.65', async () => {
      // L*sdD^2 = 40; D^2*sdL^2 = 144; sqrt(184) = 13.564659966; *1.65 = 22.38168894
      const i = { demandPerDay: 4, demandSd: 2, leadDays: 10, leadSd: 3, z: 1.65 };
      close(safetyStock(i), 22.381688945, 1e-8);
      close(reorderPoint(i), 62.381688945, 1e-8);
      // no variability: ROP = D*L
      close(reorderPoint({ demandPerDay: 5, demandSd: 0, leadDays: 7, leadSd: 0 }), 35);
    });
    it('daily demand: mean and sample sd over whole days (zero days count)', async () => {
      // 4 days: 2, 0, 6, 0 -> mean 2, sd = sqrt((0+4+16+4)/3) = sqrt(8) = 2.8284
      const d = dailyDemand([{ ts: T0 + 1000, qty: 2 }, { ts: T0 + 2 * DAY, qty: 4 }, { ts: T0 + 2 * DAY + 5, qty: 2 }], T0, 4);
      close(d.mean, 2);
      close(d.sd, Math.sqrt(8));
    });
    it('priority from criticality x severity', async () => {
      assert.deepStrictEqual(priorityOf(4, 'alarm'), { priority: 1, score: 12 });
      assert.deepStrictEqual(priorityOf(5, 'warning'), { priority: 2, score: 10 });
      assert.deepStrictEqual(priorityOf(3, 'warning'), { priority: 3, score: 6 });
      assert.deepStrictEqual(priorityOf(1, 'alarm'), { priority: 4, score: 3 });
    });
    it('MTBF, MTTR, inherent availability: 720 h, 3 failures, 12 h repair', async () => {
      assert.strictEqual(mtbf(720, 3), 240);
      assert.strictEqual(mttr(12, 3), 4);
      close(inherentAvailability(240, 4), 240 / 244);
      assert.strictEqual(mtbf(720, 0), null);
      assert.strictEqual(inherentAvailability(null, null), 1);
    });
    it('KPIs from stored work orders: 30 days, 3 failures, PM compliance, MTTR trend', async () => {
      const mk = async (asset: string, doneAt: number, repairMin: number, downtimeMin: number, source: 'condition' | 'pm' = 'condition', dueAt?: number) => {
        const w = source === 'pm' ? await wo.create({ asset, line: 'L1', title: 'pm', source: 'pm', ts: doneAt - 3600e3, planId: 1, occurrence: doneAt, dueAt }) : await wo.create({ asset, line: 'L1', title: 'fail', ts: doneAt - 3600e3 });
        await wo.transition({ id: w.id, action: 'assign', by: 'ann', ts: doneAt - 3000e3 });
        await wo.transition({ id: w.id, action: 'start', by: 'ann', ts: doneAt - 2000e3 });
        return await wo.transition({ id: w.id, action: 'complete', by: 'ann', ts: doneAt, repairMin, downtimeMin });
      };
      const from = T0;
      const to = T0 + 30 * DAY; // 720 h
      // previous window: 2 failures with 6 h repair each -> baseline MTTR 6 h
      await mk('pump-1', from - 10 * DAY, 360, 360);
      await mk('pump-1', from - 5 * DAY, 360, 360);
      // this window: 3 failures, repair 180 + 240 + 300 = 720 min = 12 h; downtime 3+4+5 = 12 h unplanned
      await mk('pump-1', from + 5 * DAY, 180, 180);
      await mk('pump-1', from + 10 * DAY, 240, 240);
      await mk('pump-1', from + 20 * DAY, 300, 300);
      // PM: 2 due in window, one done on time (downtime 60 min), one done 3 days late (downtime 0)
      await mk('pump-1', from + 7 * DAY + 3600e3, 60, 60, 'pm', from + 7 * DAY);
      await mk('pump-1', from + 17 * DAY, 30, 0, 'pm', from + 14 * DAY);
      const k = await computeKpi(store, { asset: 'pump-1' }, { from, to });
      close(k.scheduledH, 720);
      assert.strictEqual(k.failures, 3);
      close(k.repairH, 12);
      close(k.unplannedDowntimeH, 12);
      close(k.plannedDowntimeH, 1);
      close(k.operatingH, 720 - 13);
      close(k.mtbfH!, 707 / 3);
      close(k.mttrH!, 4);
      close(k.availability, 707 / 3 / (707 / 3 + 4));
      close(k.unplannedShare, 12 / 720);
      assert.strictEqual(k.benchmarks[0].pass, true, k.benchmarks[0].text); // 1.67 % < 3 %
      assert.strictEqual(k.pmDue, 2);
      assert.strictEqual(k.pmOnTime, 1);
      assert.strictEqual(k.pmCompliance, 0.5);
      close(k.baselineMttrH!, 6);
      close(k.mttrChange!, (4 - 6) / 6);
      assert.strictEqual(k.benchmarks[1].pass, true, k.benchmarks[1].text); // down 33 % >= 30 %
      // 16 h/day scheduled: 480 h, unplanned 12/480 = 2.5 % still passes; 12 h/day: 3.33 % fails
      assert.strictEqual((await computeKpi(store, { asset: 'pump-1' }, { from, to, hoursPerDay: 12 })).benchmarks[0].pass, false);
      const line = await computeKpi(store, { line: 'L1' }, { from, to });
      assert.deepStrictEqual(line.assets, ['pump-1']);
      assert.strictEqual(line.failures, 3);
    });
  });

  describe('work orders', () => {
    it('runs the lifecycle with time-stamped history and computes repair time without on-hold time', async () => {
      const w = await wo.create({ asset: 'pump-1', title: 'Replace seal', ts: T0, by: 'planner' });
      assert.strictEqual(w.status, 'open');
      assert.strictEqual(w.number, 'WO-000001');
      await wo.transition({ id: w.id, action: 'assign', by: 'planner', assignee: 'ann', ts: T0 + 60e3 });
      await wo.transition({ id: w.id, action: 'start', by: 'ann', ts: T0 + 120e3 });
      await wo.transition({ id: w.id, action: 'hold', by: 'ann', note: 'waiting for parts', ts: T0 + 180e3 });
      await wo.transition({ id: w.id, action: 'start', by: 'ann', ts: T0 + 600e3 });
      const done = await wo.transition({ id: w.id, action: 'complete', by: 'ann', ts: T0 + 900e3, downtimeMin: 20 });
      assert.strictEqual(done.status, 'done');
      close(done.repairMin!, 1 + 5); // 60 s before hold + 300 s after
      assert.strictEqual(done.downtimeMin, 20);
      assert.strictEqual(done.failure, true);
      const closed = await wo.transition({ id: w.id, action: 'close', by: 'lead', ts: T0 + 1000e3 });
      assert.deepStrictEqual(
        closed.history!.map((x) => [x.action, x.from, x.to, x.by, x.ts]),
        [
          ['create', null, 'open', 'planner', T0],
          ['assign', 'open', 'assigned', 'planner', T0 + 60e3],
          ['start', 'assigned', 'in-progress', 'ann', T0 + 120e3],
          ['hold', 'in-progress', 'on-hold', 'ann', T0 + 180e3],
          ['start', 'on-hold', 'in-progress', 'ann', T0 + 600e3],
          ['complete', 'in-progress', 'done', 'ann', T0 + 900e3],
          ['close', 'done', 'closed', 'lead', T0 + 1000e3],
        ],
      );
      assert.strictEqual(closed.history![3].note, 'waiting for parts');
      assert.strictEqual(closed.assignee, 'ann');
    });

    it('rejects illegal transitions naming both states, and unknown ids', async () => {
      const w = await wo.create({ asset: 'pump-1', title: 't', ts: T0 });
      await assert.rejects(() => wo.transition({ id: w.id, action: 'complete', by: 'x', ts: T0 }), /cannot complete from status open to done/);
      await assert.rejects(() => wo.transition({ id: w.id, action: 'close', by: 'x', ts: T0 }), /from status open to closed/);
      await wo.transition({ id: w.id, action: 'cancel', by: 'x', ts: T0 });
      await assert.rejects(() => wo.transition({ id: w.id, action: 'start', by: 'x', ts: T0 }), /from status cancelled to in-progress/);
      await assert.rejects(() => wo.transition({ id: 999, action: 'start', by: 'x', ts: T0 }), /work order 999 not found/);
      await assert.rejects(() => wo.get(999), /not found/);
      assert.strictEqual((await wo.get(w.id)).history!.length, 2, 'failed transitions leave no trace');
    });

    it('detect: one open order per (asset, mode); severity raised with history, never lowered', async () => {
      const a = await wo.detect({ asset: 'fan-1', criticality: 4, mode: 'imbalance', severity: 'warning', ts: T0, evidence: '1X at 29.9 Hz' });
      assert.ok(a.created);
      assert.strictEqual(a.workOrder.priority, 2); // 4 x 2 = 8
      const b = await wo.detect({ asset: 'fan-1', criticality: 4, mode: 'imbalance', severity: 'watch', ts: T0 + 1000 });
      assert.ok(!b.created && !b.escalated);
      assert.strictEqual(b.workOrder.severity, 'warning');
      assert.strictEqual(b.workOrder.lastSeverity, 'watch');
      const c = await wo.detect({ asset: 'fan-1', criticality: 4, mode: 'imbalance', severity: 'alarm', ts: T0 + 2000 });
      assert.ok(c.escalated);
      assert.strictEqual(c.workOrder.priority, 1);
      assert.strictEqual(c.workOrder.detections, 3);
      assert.strictEqual(c.workOrder.lastSeen, T0 + 2000);
      assert.strictEqual(c.workOrder.history!.filter((x) => x.action === 'escalate').length, 1);
      // another mode, another order; after completion a new detection opens a new one
      assert.ok((await wo.detect({ asset: 'fan-1', mode: 'misalignment', severity: 'warning', ts: T0 })).created);
      const id = c.workOrder.id;
      await wo.transition({ id, action: 'assign', by: 'x', ts: T0 + 3000 });
      await wo.transition({ id, action: 'start', by: 'x', ts: T0 + 4000 });
      await wo.transition({ id, action: 'complete', by: 'x', ts: T0 + 5000 });
      const d = await wo.detect({ asset: 'fan-1', mode: 'imbalance', severity: 'warning', ts: T0 + 6000 });
      assert.ok(d.created);
      assert.notStrictEqual(d.workOrder.id, id);
      await assert.rejects(() => wo.create({ asset: 'fan-1', title: 'dup', mode: 'imbalance', ts: T0 }), /already open for asset fan-1 and mode imbalance/);
      // the unique index is the last line of defence: a raw duplicate insert fails
      await assert.rejects(() => store.run("UPDATE cmms_work_orders SET dedup_key = (SELECT dedup_key FROM cmms_work_orders WHERE id = ?) WHERE id = (SELECT MAX(id) FROM cmms_work_orders WHERE mode = 'misalignment')", [d.workOrder.id]), /UNIQUE|duplicate key/);
    });

    it('detect answers with the stored order, whole: new, counted, escalated, after a transition here or by another repository, after a rollback', async () => {
      const same = async (w: Awaited<ReturnType<WorkOrderRepo['detect']>>) => assert.deepStrictEqual(w.workOrder, await wo.get(w.workOrder.id));
      const i = { asset: 'mill-1', line: 'L2', criticality: 4, mode: 'looseness', title: 'Looseness – Mill 1', ts: T0 };
      const a = await wo.detect({ ...i, severity: 'warning', evidence: 'first' });
      assert.ok(a.created);
      await same(a);
      const b = await wo.detect({ ...i, severity: 'watch', evidence: 'second', ts: T0 + 1000 });
      assert.strictEqual(b.workOrder.title, 'Looseness – Mill 1');
      assert.strictEqual(b.workOrder.line, 'L2');
      await same(b);
      // a transition through this repository: new history token, the cached row is not used
      await wo.transition({ id: a.workOrder.id, action: 'assign', by: 'lead', assignee: 'ann', ts: T0 + 2000 });
      const c = await wo.detect({ ...i, severity: 'warning', ts: T0 + 3000 });
      assert.strictEqual(c.workOrder.assignee, 'ann');
      assert.strictEqual(c.workOrder.status, 'assigned');
      await same(c);
      // a transition by another repository (another box): this one's cache is stale and must not be used
      await new WorkOrderRepo(store).transition({ id: a.workOrder.id, action: 'start', by: 'ann', ts: T0 + 4000 });
      const d = await wo.detect({ ...i, severity: 'alarm', evidence: 'third', ts: T0 + 5000 });
      assert.ok(d.escalated);
      assert.strictEqual(d.workOrder.status, 'in-progress');
      await same(d);
      const e = await wo.detect({ ...i, severity: 'warning', ts: T0 + 6000 });
      assert.strictEqual(e.workOrder.detections, 5);
      await same(e);
      // a rolled-back detection leaves nothing in the cache that could be served later
      await assert.rejects(() =>
        store.tx(async (q) => {
          await wo.detect({ ...i, severity: 'warning', ts: T0 + 7000 }, q);
          await wo.transition({ id: a.workOrder.id, action: 'hold', by: 'ann', ts: T0 + 7000 }, q);
          throw new Error('rolled back');
        }),
      );
      const f = await wo.detect({ ...i, severity: 'warning', ts: T0 + 8000 });
      assert.strictEqual(f.workOrder.detections, 6);
      assert.strictEqual(f.workOrder.status, 'in-progress');
      await same(f);
      // in a caller's transaction (group commit): published only after the commit
      let hq: Query | undefined;
      const g = await store.tx(async (q) => {
        hq = q;
        await wo.detect({ ...i, severity: 'warning', ts: T0 + 9000 }, q);
        return wo.detect({ ...i, severity: 'warning', ts: T0 + 9001 }, q);
      });
      wo.committed(hq!);
      await same(g);
      const h = await wo.detect({ ...i, severity: 'warning', ts: T0 + 10_000 });
      assert.strictEqual(h.workOrder.detections, 9);
      await same(h);
    });

    it('stores SQL metacharacters in every text field verbatim', async () => {
      const evil = "x'); DROP TABLE cmms_work_orders; -- \" ; `";
      const w = await wo.create({ asset: evil, line: evil, title: evil, mode: evil, description: evil, by: evil, ts: T0 });
      const t = await wo.transition({ id: w.id, action: 'assign', by: evil, assignee: evil, note: evil, ts: T0 });
      assert.strictEqual(t.asset, evil);
      assert.strictEqual(t.title, evil);
      assert.strictEqual(t.mode, evil);
      assert.strictEqual(t.line, evil);
      assert.strictEqual(t.description, evil);
      assert.strictEqual(t.assignee, evil);
      assert.strictEqual(t.history![1].note, evil);
      assert.strictEqual(t.history![1].by, evil);
      assert.strictEqual((await wo.detect({ asset: evil, mode: evil + '2', severity: 'alarm', evidence: evil, ts: T0 })).workOrder.evidence, evil);
      assert.strictEqual((await wo.list({ asset: evil })).length, 2);
      assert.strictEqual(Number((await store.one<{ n: number }>('SELECT COUNT(*) AS n FROM cmms_work_orders'))?.n), 2);
    });

    it('completion issues the parts used in the same transaction, or nothing when stock is short', async () => {
      const sp = wo.spares;
      await sp.define({ part: 'BRG-6205', leadMeanDays: 5, demandPerDay: 0.1 }, T0);
      await sp.receive({ part: 'BRG-6205', qty: 3, ts: T0 });
      const w = await wo.create({ asset: 'pump-1', title: 'bearing', ts: T0 });
      await sp.reserve({ part: 'BRG-6205', qty: 2, wo: w.id, ts: T0 });
      await wo.transition({ id: w.id, action: 'assign', by: 'a', ts: T0 });
      await wo.transition({ id: w.id, action: 'start', by: 'a', ts: T0 });
      await assert.rejects(() => wo.transition({ id: w.id, action: 'complete', by: 'a', ts: T0, parts: [{ part: 'BRG-6205', qty: 4 }] }), /cannot issue 4, only 3 available/);
      assert.strictEqual((await wo.get(w.id)).status, 'in-progress', 'rolled back');
      assert.strictEqual((await sp.get('BRG-6205', T0)).onHand, 3);
      const done = await wo.transition({ id: w.id, action: 'complete', by: 'a', ts: T0, parts: [{ part: 'BRG-6205', qty: 2 }] });
      assert.deepStrictEqual(done.parts, [{ part: 'BRG-6205', qty: 2 }]);
      const s = await sp.get('BRG-6205', T0);
      assert.strictEqual(s.onHand, 1);
      assert.strictEqual(s.reserved, 0, 'the reservation for this work order was used');
      await assert.rejects(() => wo.transition({ id: 12345, action: 'complete', by: 'a', ts: T0 }), /not found/);
    });

    it('a completed or cancelled order gives back what it reserved and did not use; other orders keep theirs', async () => {
      const sp = wo.spares;
      await sp.define({ part: 'BRG-6205', leadMeanDays: 5, demandPerDay: 0.1 }, T0);
      await sp.define({ part: 'SEAL', leadMeanDays: 5, demandPerDay: 0.1 }, T0);
      await sp.receive({ part: 'BRG-6205', qty: 10, ts: T0 });
      await sp.receive({ part: 'SEAL', qty: 4, ts: T0 });
      const a = await wo.create({ asset: 'pump-1', title: 'bearing', ts: T0 });
      const b = await wo.create({ asset: 'pump-2', title: 'bearing', ts: T0 });
      const c = await wo.create({ asset: 'pump-3', title: 'seal', ts: T0 });
      await sp.reserve({ part: 'BRG-6205', qty: 3, wo: a.id, ts: T0 });
      await sp.reserve({ part: 'SEAL', qty: 2, wo: a.id, ts: T0 });
      await sp.reserve({ part: 'BRG-6205', qty: 2, wo: b.id, ts: T0 });
      await sp.reserve({ part: 'SEAL', qty: 1, wo: c.id, ts: T0 });
      await wo.transition({ id: a.id, action: 'assign', by: 'ann', ts: T0 + 1 });
      await wo.transition({ id: a.id, action: 'start', by: 'ann', ts: T0 + 1 });
      // a used 1 of its 3 bearings and no seal: 2 bearings and 2 seals go back
      const done = await wo.transition({ id: a.id, action: 'complete', by: 'ann', ts: T0 + 2, parts: [{ part: 'BRG-6205', qty: 1 }] });
      assert.match(done.history!.at(-1)!.note, /released BRG-6205 x2, SEAL x2/);
      let brg = await sp.get('BRG-6205', T0 + 2);
      let seal = await sp.get('SEAL', T0 + 2);
      assert.deepStrictEqual([brg.onHand, brg.reserved, brg.available], [9, 2, 7], 'b still holds its 2');
      assert.deepStrictEqual([seal.onHand, seal.reserved, seal.available], [4, 1, 3], 'c still holds its 1');
      assert.deepStrictEqual((await sp.moves('BRG-6205')).slice(0, 2).map((m) => [m.kind, m.qty, m.wo]), [['release', 2, a.id], ['issue', 1, a.id]]);
      // b is cancelled: its 2 bearings go back
      await wo.transition({ id: b.id, action: 'cancel', by: 'ann', ts: T0 + 3 });
      brg = await sp.get('BRG-6205', T0 + 3);
      assert.deepStrictEqual([brg.onHand, brg.reserved, brg.available], [9, 0, 9]);
      // closing a done order releases nothing more (there is nothing left)
      await wo.transition({ id: a.id, action: 'close', by: 'ann', ts: T0 + 4 });
      seal = await sp.get('SEAL', T0 + 4);
      assert.deepStrictEqual([seal.reserved, (await sp.moves('SEAL')).length], [1, 4], 'receive, 2 reserves, release and nothing more');
      // a failing completion (short stock) releases nothing either: the transaction rolls back
      await wo.transition({ id: c.id, action: 'assign', by: 'ann', ts: T0 + 5 });
      await wo.transition({ id: c.id, action: 'start', by: 'ann', ts: T0 + 5 });
      await assert.rejects(() => wo.transition({ id: c.id, action: 'complete', by: 'ann', ts: T0 + 6, parts: [{ part: 'SEAL', qty: 9 }] }), /cannot issue 9/);
      assert.strictEqual((await sp.get('SEAL', T0 + 6)).reserved, 1, 'rolled back');
    });

    it('list filters by asset, status and open', async () => {
      for (let i = 0; i < 5; i++) await wo.create({ asset: i % 2 ? 'a' : 'b', title: `t${i}`, ts: T0 + i });
      await wo.transition({ id: 1, action: 'cancel', by: 'x', ts: T0 });
      assert.deepStrictEqual((await wo.list({ asset: 'b', open: true })).map((w) => w.id), [3, 5]);
      assert.deepStrictEqual((await wo.list({ status: 'cancelled' })).map((w) => w.id), [1]);
      assert.deepStrictEqual((await wo.list({ open: false })).map((w) => w.id), [1]);
      // a limit keeps the oldest, or with newest the latest
      assert.deepStrictEqual((await wo.list({ limit: 2 })).map((w) => w.id), [1, 2]);
      assert.deepStrictEqual((await wo.list({ limit: 2, newest: true })).map((w) => w.id), [5, 4]);
      assert.strictEqual(await wo.countOpen(), 4);
    });

    it('group commit: a failing write in a batch fails alone', async () => {
      const b = new TxBatcher(store);
      const w = await wo.create({ asset: 'p', title: 't', ts: T0 });
      const ps = [
        b.run((q) => wo.detect({ asset: 'p', mode: 'm', severity: 'warning', ts: T0 }, q)),
        b.run((q) => wo.transition({ id: w.id, action: 'close', by: 'x', ts: T0 }, q)),
        b.run((q) => wo.detect({ asset: 'p', mode: 'm', severity: 'warning', ts: T0 }, q)),
      ];
      const r = await Promise.allSettled(ps);
      assert.deepStrictEqual(r.map((x) => x.status), ['fulfilled', 'rejected', 'fulfilled']);
      assert.strictEqual((await wo.findOpen('p', 'm'))!.detections, 2);
    });

    it('group commit: a write alone in its batch runs its one-statement form (no transaction); with others, the transaction form', async () => {
      const b = new TxBatcher(store);
      const ran: string[] = [];
      const write = (n: number) =>
        b.run(
          (q) => (ran.push(`tx ${n}`), wo.detect({ asset: 'solo', mode: 'm', severity: 'warning', ts: T0 + n }, q)),
          () => (ran.push(`solo ${n}`), wo.detect({ asset: 'solo', mode: 'm', severity: 'warning', ts: T0 + n })),
        );
      await write(1);
      assert.deepStrictEqual([ran, b.commits, b.writes], [['solo 1'], 0, 1]);
      await Promise.all([write(2), write(3)]);
      assert.deepStrictEqual([ran, b.commits, b.writes], [['solo 1', 'tx 2', 'tx 3'], 1, 3]);
      assert.strictEqual((await wo.findOpen('solo', 'm'))!.detections, 3);
      const failing = b.run(
        async () => 'never',
        async () => {
          throw Object.assign(new Error('deadlock detected'), { code: '40P01' });
        },
      );
      assert.strictEqual(await failing, 'never', 'a deadlock of the one statement runs the transaction form');
      await assert.rejects(b.run(async () => 'never', async () => Promise.reject(new Error('bad'))), /bad/);
    });

    it('history cache: output history always equals the stored history (rollback, other repositories and connections, old rows)', async () => {
      const stored = async (id: number) =>
        (await store.all<{ action: string; note: string }>('SELECT action, note FROM cmms_wo_history WHERE wo_id = ? ORDER BY id', [id])).map((x) => `${x.action}:${x.note}`);
      const shown = (w: { history?: { action: string; note: string }[] }) => w.history!.map((x) => `${x.action}:${x.note}`);
      const d = (severity: 'watch' | 'warning' | 'alarm', evidence: string, q?: Query) => wo.detect({ asset: 'p', mode: 'm', severity, evidence, ts: T0 }, q);
      const first = (await d('watch', 'e1')).workOrder;
      const id = first.id;
      assert.deepStrictEqual(shown(first), ['detect:e1']);
      assert.deepStrictEqual(shown((await d('watch', 'e2')).workOrder), ['detect:e1'], 'a plain repeat adds no history row');

      // 1. An escalation in a transaction that rolls back leaves nothing behind in the cache.
      await assert.rejects(() =>
        store.tx(async (q) => {
          assert.strictEqual(shown((await d('warning', 'rolled back', q)).workOrder).length, 2);
          throw new Error('abort');
        }),
      /abort/);
      let w = (await d('watch', 'e3')).workOrder;
      assert.deepStrictEqual(shown(w), await stored(id));
      assert.deepStrictEqual(shown(w), ['detect:e1']);
      assert.strictEqual(w.severity, 'watch');
      w = (await d('warning', 'e4')).workOrder;
      assert.deepStrictEqual(shown(w), ['detect:e1', 'escalate:severity watch -> warning; priority P4 -> P3; e4']);

      // 2. Another repository on the same store (another node) writes a transition.
      const other = new WorkOrderRepo(store);
      await other.transition({ id, action: 'assign', by: 'ann', ts: T0 });
      w = (await d('watch', 'e5')).workOrder;
      assert.deepStrictEqual(shown(w), await stored(id));
      assert.strictEqual(shown(w)[2], 'assign:assigned to ann');

      // 3. Another connection (another process) adds a history row the way the repository does.
      const raw = await be.another('raw');
      await raw.run("INSERT INTO cmms_wo_history (wo_id, ts, action, from_status, to_status, actor, note) VALUES (?, ?, 'assign', 'assigned', 'assigned', 'bob', 'elsewhere')", [id, T0]);
      await raw.run('UPDATE cmms_work_orders SET history_rev = ? WHERE id = ?', [-1, id]);
      w = (await d('watch', 'e6')).workOrder;
      assert.deepStrictEqual(shown(w), await stored(id));
      assert.strictEqual(shown(w).length, 4);

      // 4. Orders from before migration 2 carry no token: read every time, still right.
      await raw.run("INSERT INTO cmms_wo_history (wo_id, ts, action, from_status, to_status, actor, note) VALUES (?, ?, 'assign', 'assigned', 'assigned', 'cy', 'old')", [id, T0]);
      await raw.run('UPDATE cmms_work_orders SET history_rev = NULL WHERE id = ?', [id]);
      assert.deepStrictEqual(shown((await d('watch', 'e7')).workOrder), await stored(id));
      w = (await d('alarm', 'e8')).workOrder;
      assert.deepStrictEqual(shown(w), await stored(id));
      assert.strictEqual(shown(w).length, 6);
      assert.deepStrictEqual(shown(await wo.get(id)), await stored(id));
      assert.deepStrictEqual(shown((await wo.list({ asset: 'p' }))[0]), await stored(id));

      // 5. Each message gets its own copy: editing one output does not change the next.
      w.history![0].note = 'edited downstream';
      assert.deepStrictEqual(shown((await d('watch', 'e9')).workOrder), await stored(id));
    });
  });

  describe('spares', () => {
    it('issueOnce applies an issue once per event key; a refused issue records no key; the move records the stock it left', async () => {
      await store.migrate('outbox', OUTBOX_MIGRATIONS);
      await store.run('DELETE FROM outbox_applied');
      const sp = new SparesRepo(store);
      await sp.define({ part: 'K', leadMeanDays: 10, leadSdDays: 2, demandPerDay: 1, demandSd: 0.5 }, T0);
      await sp.receive({ part: 'K', qty: 10, ts: T0 });
      await sp.reserve({ part: 'K', qty: 4, wo: 9, ts: T0 });
      const a = await sp.issueOnce({ part: 'K', qty: 5, by: 'ann', note: 'n1', ts: T0 + 1 }, 'box:1');
      assert.strictEqual(a?.onHand, 5);
      assert.strictEqual(a?.reserved, 4);
      assert.strictEqual(a?.available, 1);
      assert.strictEqual(await sp.issueOnce({ part: 'K', qty: 5, ts: T0 + 2 }, 'box:1'), undefined, 'the same key again: nothing');
      await assert.rejects(() => sp.issueOnce({ part: 'K', qty: 2, ts: T0 + 3 }, 'box:2'), /part "K": cannot issue 2, only 1 available \(on hand 5, reserved by others 4\)/);
      await assert.rejects(() => sp.issueOnce({ part: 'none', qty: 1, ts: T0 + 3 }, 'box:3'), /part "none" not found/);
      await sp.receive({ part: 'K', qty: 1, ts: T0 + 4 });
      const b = await sp.issueOnce({ part: 'K', qty: 2, ts: T0 + 5 }, 'box:2');
      assert.strictEqual(b?.onHand, 4, 'the refused key was not recorded');
      assert.deepStrictEqual(
        (await sp.moves('K')).map((m) => [m.kind, m.qty, m.onHand, m.reserved, m.by, m.note]),
        [['issue', 2, 4, 4, '', ''], ['receive', 1, 6, 4, '', ''], ['issue', 5, 5, 4, 'ann', 'n1'], ['reserve', 4, 10, 4, '', ''], ['receive', 10, 10, 0, '', '']],
      );
      assert.deepStrictEqual(await sp.get('K', T0 + 5), b);
    });

    it('never goes negative, reservations per work order, adjust is the explicit way', async () => {
      const sp = new SparesRepo(store);
      await sp.define({ part: 'P', leadMeanDays: 10, leadSdDays: 3, demandPerDay: 4, demandSd: 2 }, T0);
      await assert.rejects(() => sp.issue({ part: 'P', qty: 1, ts: T0 }), /cannot issue 1, only 0 available/);
      await assert.rejects(() => sp.issue({ part: 'nope', qty: 1, ts: T0 }), /part "nope" not found/);
      await sp.receive({ part: 'P', qty: 100, ts: T0 });
      await sp.reserve({ part: 'P', qty: 30, wo: 7, ts: T0 });
      await assert.rejects(() => sp.issue({ part: 'P', qty: 71, ts: T0 }), /only 70 available/);
      await assert.rejects(() => sp.release({ part: 'P', qty: 31, wo: 7, ts: T0 }), /only 30 reserved/);
      const s = await sp.issue({ part: 'P', qty: 80, wo: 7, ts: T0 }); // 30 reserved + 50 free
      assert.strictEqual(s.onHand, 20);
      assert.strictEqual(s.reserved, 0);
      const a = await sp.adjust({ part: 'P', count: 5, note: 'count', ts: T0 });
      assert.strictEqual(a.onHand, 5);
      assert.deepStrictEqual((await sp.moves('P')).map((m) => [m.kind, m.qty]), [['adjust', -15], ['issue', 80], ['reserve', 30], ['receive', 100]]);
    });

    it('signals once per crossing of the reorder point, with the quantity to order', async () => {
      const sp = new SparesRepo(store);
      // D=4, sdD=2, L=10, sdL=3 -> ROP 62.38; lot = D*L = 40 -> order up to 102.38
      await sp.define({ part: 'P', leadMeanDays: 10, leadSdDays: 3, demandPerDay: 4, demandSd: 2 }, T0);
      await sp.receive({ part: 'P', qty: 100, ts: T0 });
      assert.deepStrictEqual(await sp.drainSignals(T0), [], 'the receipt lifted the new part above its reorder point before anyone was told');
      await sp.issue({ part: 'P', qty: 30, ts: T0 }); // 70 > 62.38
      assert.deepStrictEqual(await sp.drainSignals(T0), []);
      await sp.issue({ part: 'P', qty: 10, ts: T0 }); // 60 <= 62.38: crossing
      const sig = await sp.drainSignals(T0);
      assert.strictEqual(sig.length, 1);
      assert.strictEqual(sig[0].available, 60);
      assert.strictEqual(sig[0].quantity, Math.ceil(62.381688945 + 40 - 60)); // 43
      await sp.issue({ part: 'P', qty: 10, ts: T0 });
      assert.deepStrictEqual(await sp.drainSignals(T0), [], 'still below: no second signal');
      await sp.receive({ part: 'P', qty: 50, ts: T0 }); // 100: above again
      await sp.issue({ part: 'P', qty: 40, ts: T0 }); // 60: a new crossing
      assert.strictEqual((await sp.drainSignals(T0)).length, 1);
    });

    it('estimates demand from issues when none is fixed', async () => {
      const sp = new SparesRepo(store, 10);
      await sp.define({ part: 'Q', leadMeanDays: 2 }, T0);
      await sp.receive({ part: 'Q', qty: 100, ts: T0 });
      for (let d = 0; d < 10; d++) await sp.issue({ part: 'Q', qty: d % 2 ? 4 : 2, ts: T0 + d * DAY + 1000 });
      const s = await sp.get('Q', T0 + 10 * DAY);
      close(s.demandPerDay, 3);
      close(s.demandSd, Math.sqrt((10 * 1) / 9)); // deviations +-1 over 10 days, n-1 = 9
      close(s.reorderPoint, Math.ceil(3 * 2 + 1.65 * Math.sqrt(2 * (10 / 9))), 0); // 8.46: a whole part, rounded up
    });

    it('estimated demand counts the issue just made: the crossing it causes is signalled by that issue', async () => {
      const sp = new SparesRepo(store);
      await sp.define({ part: 'SEAL', leadMeanDays: 30, leadSdDays: 0 }, T0);
      await sp.receive({ part: 'SEAL', qty: 70, ts: T0 });
      await sp.drainSignals(T0);
      await sp.issue({ part: 'SEAL', qty: 20, ts: T0 + 5 * DAY });
      // D = 20/90, sdD = sqrt(((20 - D)^2 + 89 D^2) / 89) -> ROP = 30 D + 1.65 sqrt(30) sdD = 25.72 < 50
      assert.deepStrictEqual(await sp.drainSignals(T0 + 5 * DAY), []);
      const s = await sp.issue({ part: 'SEAL', qty: 20, ts: T0 + 10 * DAY });
      // two days of 20 in 90: D = 40/90, sdD^2 = (2 (20 - D)^2 + 88 D^2) / 89 -> ROP 40.13 >= 30
      const D = 40 / 90;
      const rop = 30 * D + 1.65 * Math.sqrt(30 * ((2 * (20 - D) ** 2 + 88 * D * D) / 89));
      close(rop, 40.13, 0.005);
      close(s.demandPerDay, D);
      close(s.reorderPoint, Math.ceil(rop), 0); // 41: whole parts
      const sig = await sp.drainSignals(T0 + 10 * DAY);
      assert.deepStrictEqual(sig.map((x) => [x.part, x.available]), [['SEAL', 30]], 'the second issue crosses the reorder point');
      close(sig[0].reorderPoint, Math.ceil(rop), 0);
      await sp.recheck(T0 + 10 * DAY + 1);
      assert.deepStrictEqual(await sp.drainSignals(T0 + 10 * DAY + 1), [], 'a re-check of a part already below signals nothing more');
      // the window is (now - 90 d, now]: at T0 + 95 d the day-5 issue is exactly 90 days old and out
      close((await sp.get('SEAL', T0 + 95 * DAY)).demandPerDay, 20 / 90);
      close((await sp.get('SEAL', T0 + 95 * DAY - 1)).demandPerDay, 40 / 90);
    });

    it('refuses a reservation for a work order that is done, closed or cancelled; unknown numbers are allowed', async () => {
      const sp = wo.spares;
      await sp.define({ part: 'BRG-6205', leadMeanDays: 5, demandPerDay: 0.1 }, T0);
      await sp.receive({ part: 'BRG-6205', qty: 10, ts: T0 });
      const a = await wo.create({ asset: 'pump-1', title: 'bearing', ts: T0 });
      const b = await wo.create({ asset: 'pump-2', title: 'bearing', ts: T0 });
      await sp.reserve({ part: 'BRG-6205', qty: 1, wo: a.id, ts: T0 });
      await wo.transition({ id: a.id, action: 'assign', by: 'ann', ts: T0 + 1 });
      await wo.transition({ id: a.id, action: 'start', by: 'ann', ts: T0 + 1 });
      await sp.reserve({ part: 'BRG-6205', qty: 1, wo: a.id, ts: T0 + 1 }); // in progress: still open
      await wo.transition({ id: a.id, action: 'complete', by: 'ann', ts: T0 + 2 }); // releases both
      await wo.transition({ id: b.id, action: 'cancel', by: 'ann', ts: T0 + 2 });
      const moves = (await sp.moves('BRG-6205')).length;
      await assert.rejects(
        () => sp.reserve({ part: 'BRG-6205', qty: 2, wo: a.id, ts: T0 + 3 }),
        (e: any) => e.name === 'StateError' && /^work order WO-000001 is done: cannot reserve part "BRG-6205" for it \(wo: expected an open work order or a number this store does not know, got 1\)$/.test(e.message),
      );
      await assert.rejects(() => sp.reserve({ part: 'BRG-6205', qty: 2, wo: b.id, ts: T0 + 3 }), /^StateError: work order WO-000002 is cancelled: cannot reserve/);
      await wo.transition({ id: a.id, action: 'close', by: 'ann', ts: T0 + 4 });
      await assert.rejects(() => sp.reserve({ part: 'BRG-6205', qty: 2, wo: a.id, ts: T0 + 4 }), /work order WO-000001 is closed: cannot reserve/);
      let s = await sp.get('BRG-6205', T0 + 4);
      assert.deepStrictEqual([s.onHand, s.reserved, s.available, (await sp.moves('BRG-6205')).length], [10, 0, 10, moves], 'nothing reserved, no move written');
      assert.strictEqual(Number((await store.one<{ n: number }>('SELECT COUNT(*) AS n FROM cmms_reservations'))?.n), 0);
      // an order kept in another system: its number is not in the store, the reservation is taken
      s = await sp.reserve({ part: 'BRG-6205', qty: 3, wo: 4711, ts: T0 + 5 });
      assert.deepStrictEqual([s.reserved, s.available], [3, 7]);
      s = await sp.reserve({ part: 'BRG-6205', qty: 1, ts: T0 + 5 }); // no work order
      assert.deepStrictEqual([s.reserved, s.available], [4, 6]);
      s = await sp.release({ part: 'BRG-6205', qty: 3, wo: 4711, ts: T0 + 6 });
      assert.deepStrictEqual([s.reserved, s.available], [1, 9]);
    });
  });

  describe('PM', () => {
    const facts = (asset: string) => ({ asset, criticality: 3 });
    it('every 7 days over 60 days opens exactly the 8 occurrences, ticking hourly', async () => {
      const pm = new PmRepo(store);
      await pm.upsert({ asset: 'pump-1', task: 'grease', trigger: 'calendar', every: 7, unit: 'days', lastDone: T0 }, T0);
      const opened: number[] = [];
      for (let t = T0; t <= T0 + 60 * DAY; t += 3600e3) for (const w of await pm.tick(t, { wo, facts })) opened.push(Date.parse(w.dueAt!));
      assert.deepStrictEqual(opened, [1, 2, 3, 4, 5, 6, 7, 8].map((k) => T0 + 7 * k * DAY));
      assert.strictEqual((await wo.list({ source: 'pm' })).length, 8);
    });
    it('weekday/time plans via cron', async () => {
      assert.strictEqual(weekdayToCron('Mon 06:00'), '0 6 * * 1');
      assert.strictEqual(weekdayToCron('friday 23:30'), '30 23 * * 5');
      assert.strictEqual(weekdayToCron('Mon 25:00'), undefined);
      // 2024-01-01 is a Monday: Mondays 06:00 in January after Jan 1 00:00 -> 1, 8, 15, 22, 29
      const occ = calendarOccurrences({ lastDue: T0, every: null, unit: 'cron', cron: '0 6 * * 1' }, Date.UTC(2024, 1, 1));
      assert.deepStrictEqual(occ.map((t) => new Date(t).toISOString().slice(0, 13)), ['2024-01-01T06', '2024-01-08T06', '2024-01-15T06', '2024-01-22T06', '2024-01-29T06']);
    });
    it('meter plans: run hours with a counter reset, catch-up of several intervals', async () => {
      const pm = new PmRepo(store);
      const H = 3600e3;
      await pm.upsert({ asset: 'comp-1', task: 'oil', trigger: 'meter', every: 500, unit: 'hours', lastDone: 1000 }, T0);
      assert.strictEqual((await pm.meterReading('comp-1', 'hours', 1400, T0 + H, { wo, facts })).opened.length, 0);
      assert.strictEqual((await pm.meterReading('comp-1', 'hours', 1500, T0 + 2 * H, { wo, facts })).opened.length, 1); // 500 since last done
      assert.strictEqual((await pm.meterReading('comp-1', 'hours', 1900, T0 + 3 * H, { wo, facts })).opened.length, 0);
      assert.strictEqual((await pm.meterReading('comp-1', 'hours', 100, T0 + 4 * H, { wo, facts })).opened.length, 1, 'reset: 1900 -> 0 -> 100 is 100 more = 1000 total');
      assert.strictEqual((await pm.meterReading('comp-1', 'hours', 1200, T0 + 5 * H, { wo, facts })).opened.length, 2, '1100 more: 2100 total: occurrences 3 and 4');
      assert.strictEqual((await pm.meterReading('comp-1', 'cycles', 99999, T0 + 5 * H, { wo, facts })).opened.length, 0, 'other meter');
    });
    it('meter plans: a late or redelivered reading is ignored, never a counter reset; a later lower reading is', async () => {
      const pm = new PmRepo(store);
      const H = 3600e3;
      const plan = (await pm.upsert({ asset: 'comp-1', task: 'oil', trigger: 'meter', every: 500, unit: 'hours', lastDone: 12000 }, T0)).plan;
      const pmOrders = async () => Number((await store.one<{ n: number }>('SELECT COUNT(*) AS n FROM cmms_work_orders WHERE plan_id = ?', [plan.id]))?.n);
      for (const [i, v] of [12100, 12200, 12300].entries()) assert.strictEqual((await pm.meterReading('comp-1', 'hours', v, T0 + (i + 1) * H, { wo, facts })).opened.length, 0);
      // the 12200 of T0 + 2 h again (an MQTT QoS 1 resend, or a second source late)
      assert.strictEqual((await pm.meterReading('comp-1', 'hours', 12200, T0 + 2 * H, { wo, facts })).opened.length, 0, 'a late reading is not a reset');
      assert.strictEqual(await pmOrders(), 0);
      const dup = await pm.meterReading('comp-1', 'hours', 12300, T0 + 3 * H, { wo, facts });
      assert.deepStrictEqual(dup, { opened: [], ignored: [{ plan: plan.id, task: 'oil', lastReading: 12300, lastTs: T0 + 3 * H, reason: 'same time as the last reading, not above it' }] });
      const late = await pm.meterReading('comp-1', 'hours', 12250, T0 + 2.5 * H, { wo, facts });
      assert.deepStrictEqual([late.opened.length, late.ignored.map((x) => x.reason)], [0, ['older than the last reading']]);
      let p = await pm.get(plan.id);
      assert.deepStrictEqual([p.meterTotal - p.meterBase, p.occurrences], [300, 0], 'the ignored readings changed nothing');
      assert.deepStrictEqual(num(await store.one('SELECT meter_raw, meter_ts FROM cmms_pm_plans WHERE id = ?', [plan.id])), { meter_raw: 12300, meter_ts: T0 + 3 * H });
      // a genuine reset: later in time, near 0 -> its whole value runs on the meter
      assert.strictEqual((await pm.meterReading('comp-1', 'hours', 5, T0 + 10 * H, { wo, facts })).opened.length, 0, '305 since last done');
      assert.strictEqual((await pm.meterReading('comp-1', 'hours', 150, T0 + 11 * H, { wo, facts })).opened.length, 0, '450');
      const due = (await pm.meterReading('comp-1', 'hours', 200, T0 + 12 * H, { wo, facts })).opened;
      assert.deepStrictEqual(due.map((w) => [w.occurrence, w.dueAt]), [[1, new Date(T0 + 12 * H).toISOString()]], '500 since last done: occurrence 1');
      // the reset's reading redelivered after newer ones: ignored, not a second reset
      assert.strictEqual((await pm.meterReading('comp-1', 'hours', 5, T0 + 10 * H, { wo, facts })).opened.length, 0);
      // the same time with a higher value (readings of one moment, arrival order swapped) counts the rise once
      assert.strictEqual((await pm.meterReading('comp-1', 'hours', 260, T0 + 12 * H, { wo, facts })).opened.length, 0);
      p = await pm.get(plan.id);
      assert.deepStrictEqual([p.meterTotal - p.meterBase, p.occurrences, await pmOrders()], [560, 1, 1]);
    });
    it('condition plans open once per crossing', async () => {
      const pm = new PmRepo(store);
      await pm.upsert({ asset: 'fan-1', task: 'inspect', trigger: 'condition', every: 70, unit: 'health' }, T0);
      assert.strictEqual((await pm.condition('fan-1', { health: 80 }, T0, { wo, facts })).length, 0);
      assert.strictEqual((await pm.condition('fan-1', { health: 65 }, T0, { wo, facts })).length, 1);
      assert.strictEqual((await pm.condition('fan-1', { health: 60 }, T0, { wo, facts })).length, 0);
      assert.strictEqual((await pm.condition('fan-1', { health: 75 }, T0, { wo, facts })).length, 0);
      assert.strictEqual((await pm.condition('fan-1', { health: 69 }, T0, { wo, facts })).length, 1);
    });
    it('parses part lists', async () => {
      assert.deepStrictEqual(parseParts('BRG-6205:2; GREASE-EP2 | FILTER x 3'), [{ part: 'BRG-6205', qty: 2 }, { part: 'GREASE-EP2', qty: 1 }, { part: 'FILTER', qty: 3 }]);
      assert.throws(() => parseParts('A:zero'), /quantity of A/);
    });
    it('exports CSV that a spreadsheet cannot execute, and re-imports it', async () => {
      const pm = new PmRepo(store);
      await pm.upsert({ asset: 'pump-1', task: '=HYPERLINK("http://evil")', trigger: 'calendar', every: 7, unit: 'days', lastDone: T0 }, T0);
      await pm.upsert({ asset: 'pump-1', task: '+1+cmd|calc', trigger: 'calendar', every: 2, unit: 'weeks', lastDone: T0, parts: [{ part: '@SUM(A1)', qty: 1 }] }, T0);
      await pm.upsert({ asset: 'pump-1', task: '-2', trigger: 'meter', every: 100, unit: 'cycles' }, T0);
      await pm.upsert({ asset: 'pump-1', task: '\tTab', trigger: 'calendar', every: 1, unit: 'days' }, T0);
      await pm.upsert({ asset: 'pump-1', task: '\rCR', trigger: 'calendar', every: 1, unit: 'days' }, T0);
      // A cell with a line break: papaparse's escapeFormulae: true (/^[=+\-@\t\r].*$/) let it through.
      await pm.upsert({ asset: 'pump-1', task: '=HYPERLINK("http://evil")\nsecond line', trigger: 'calendar', every: 3, unit: 'days' }, T0);
      await pm.upsert({ asset: 'pump-1', task: '\tTab\nsecond line', trigger: 'calendar', every: 4, unit: 'days' }, T0);
      // a task that starts with an apostrophe keeps it (a spreadsheet would hide one)
      await pm.upsert({ asset: 'pump-1', task: "'=quoted", trigger: 'calendar', every: 5, unit: 'days' }, T0);
      await pm.upsert({ asset: 'pump-1', task: "'s-Hertogenbosch line", trigger: 'calendar', every: 6, unit: 'days' }, T0);
      const csv = await pm.exportCsv();
      const rows = Papa.parse<Record<string, string>>(csv, { header: true }).data.filter((r) => r.asset);
      for (const r of rows) for (const v of Object.values(r)) assert.ok(!/^[=+\-@\t\r]/.test(v), `cell ${JSON.stringify(v)} could run as a formula`);
      assert.ok(rows.some((r) => r.task === "'=HYPERLINK(\"http://evil\")"));
      assert.ok(rows.some((r) => r.parts === "'@SUM(A1):1"));
      assert.ok(rows.some((r) => r.task === "'=HYPERLINK(\"http://evil\")\nsecond line"), 'multi-line formula cell escaped');
      assert.ok(rows.some((r) => r.task === "'\tTab\nsecond line"), 'multi-line cell starting with a tab escaped');
      assert.ok(rows.some((r) => r.task === "'\tTab"), 'cell starting with a tab escaped');
      // into the same database: a no-op (the apostrophe comes off again, no plan doubled)
      const before = (await pm.list()).map((p) => [p.task, p.parts]);
      const again = await new PmRepo(store).importCsv(csv, () => true, T0);
      assert.deepStrictEqual(again.rejected, []);
      const after = (await pm.list()).map((p) => [p.task, p.parts]);
      assert.strictEqual(after.length, before.length, 'no plan doubled');
      assert.ok(rows.some((r) => r.task === "''=quoted") && rows.some((r) => r.task === "''s-Hertogenbosch line"), 'a leading apostrophe escaped');
      for (const t of ['=HYPERLINK("http://evil")', '+1+cmd|calc', '-2', '=HYPERLINK("http://evil")\nsecond line', "'=quoted", "'s-Hertogenbosch line"]) assert.ok(after.some(([task]) => task === t), `task ${JSON.stringify(t)} kept as it was`);
      assert.ok(after.some(([, parts]) => JSON.stringify(parts) === JSON.stringify([{ part: '@SUM(A1)', qty: 1 }])), 'part name kept');
      // into an empty database
      await emptyCmms(store);
      const rep = await new PmRepo(store).importCsv(csv, () => true, T0);
      assert.strictEqual(rep.imported.length, 9, JSON.stringify(rep.rejected));
    });

    it('reads spreadsheet numbers and dates strictly: no hex, no bare epoch numbers', async () => {
      const pm = new PmRepo(store);
      const csv = ['asset,task,trigger,interval,unit,last done', 'pump-1,A,calendar,0x10,days,2026-01-05', 'pump-1,B,calendar,7,days,1765000000', 'pump-1,C,calendar,7,days,2026-01-05T06:00:00Z'].join('\n');
      const rep = await pm.importCsv(csv, () => true, T0);
      assert.deepStrictEqual(rep.imported.map((p: any) => p.task), ['C']);
      assert.strictEqual(rep.rejected.length, 2, JSON.stringify(rep.rejected));
      assert.match(JSON.stringify(rep.rejected), /interval: expected a number/);
      assert.match(JSON.stringify(rep.rejected), /last done: expected a date/);
    });

    it('imports a realistic 200-row PM spreadsheet, rejecting each bad row with its reason', async () => {
      const assets = Array.from({ length: 20 }, (_, i) => `line${1 + (i % 3)}-${['pump', 'fan', 'conveyor', 'compressor'][i % 4]}-${i + 1}`);
      const tasks = ['Grease DE bearing', 'Grease NDE bearing', 'Check belt tension', 'Inspect coupling', 'Vibration route', 'Replace filter', 'Check oil level', 'Thermography', 'Tighten foundation bolts', 'Clean cooling fins'];
      const header = 'Asset;Task;Trigger;Interval;Unit;Last done;Duration (min);Parts';
      const lines: string[] = [header];
      const bad = new Map<number, RegExp>();
      let good = 0;
      for (let i = 0; i < 200; i++) {
        const row = i + 2;
        const asset = assets[i % 20];
        const task = `${tasks[Math.floor(i / 20)]}`;
        let cells = [asset, task, 'calendar', String(1 + (i % 12)), i % 2 ? 'weeks' : 'days', `2024-0${1 + (i % 9)}-1${i % 10}`, String(15 + (i % 4) * 15), i % 3 ? 'GREASE-EP2:1' : 'BRG-6205:2; SEAL-35:1'];
        if (i % 7 === 3) cells = [asset, task, 'meter', String(250 * (1 + (i % 4))), i % 2 ? 'hours' : 'cycles', String(1000 + i), '30', ''];
        if (i % 11 === 5) cells = [asset, task, 'condition', '70', 'health', '', '45', ''];
        if (i === 10) { cells[0] = 'line9-unknown-99'; bad.set(row, /unknown asset "line9-unknown-99"/); }
        else if (i === 40) { cells[2] = 'calendar'; cells[3] = '0'; cells[4] = 'days'; bad.set(row, /interval: expected a number > 0, got 0/); }
        else if (i === 41) { cells[2] = 'calendar'; cells[3] = 'monthly'; cells[4] = 'days'; bad.set(row, /interval: expected a number, got "monthly"/); }
        else if (i === 42) { cells[6] = 'half an hour'; bad.set(row, /duration: expected a number, got "half an hour"/); }
        else if (i === 120) { cells[2] = 'calendar'; cells[4] = 'fortnights'; bad.set(row, /unit: a calendar plan needs/); }
        else if (i === 150) { cells[2] = 'calendar'; cells[3] = '3'; cells[4] = 'days'; cells[5] = '31.13.2024'; bad.set(row, /last done: expected a date/); }
        else if (i === 160) { cells[2] = 'yearly'; bad.set(row, /trigger: expected calendar, meter or condition/); }
        else good++;
        lines.push(cells.map((c) => (c.includes(';') ? `"${c}"` : c)).join(';'));
      }
      // duplicate task: the same asset and task again (case differs)
      lines.push(`${assets[0]};${tasks[0].toUpperCase()};calendar;1;weeks;2024-01-01;10;`);
      bad.set(202, /duplicate task: asset .* already has .* in row 2/);
      const pm = new PmRepo(store);
      const rep = await pm.importCsv(lines.join('\r\n') + '\r\n', (id) => assets.includes(id), T0);
      assert.strictEqual(rep.rows, 201);
      assert.strictEqual(rep.imported.length, good, JSON.stringify(rep.rejected.filter((r) => !bad.has(r.row))));
      assert.deepStrictEqual(rep.rejected.map((r) => r.row).sort((a, b) => a - b), [...bad.keys()].sort((a, b) => a - b));
      for (const r of rep.rejected) assert.match(r.reason, bad.get(r.row)!, `row ${r.row}`);
      assert.strictEqual((await pm.list()).length, good);
      const meter = (await pm.list()).find((p) => p.trigger === 'meter')!;
      assert.ok(meter.every! >= 250);
      // importing the same file again updates, never duplicates
      const again = await pm.importCsv(lines.join('\n'), (id) => assets.includes(id), T0);
      assert.ok(again.imported.every((r) => r.result === 'updated'));
      assert.strictEqual((await pm.list()).length, good);
    });
  });
});

describe('cmms examples and flow', () => {
  const ROOT_DIR = path.resolve(__dirname, '..', '..', '..');
  const CORE = new Set(['tab', 'comment', 'inject', 'debug', 'function', 'http in', 'http response', 'catch']);
  const files = [
    ...['rel-work-order', 'rel-pm', 'rel-spares', 'rel-kpi'].flatMap((d) => fs.readdirSync(path.join(ROOT_DIR, 'examples', d)).map((f) => path.join(ROOT_DIR, 'examples', d, f))),
    path.join(ROOT_DIR, 'flows', 'cmms-only.json'),
  ];
  it('start with a comment, use only core and rel-* nodes, and wire to existing nodes', async () => {
    assert.strictEqual(files.length, 5);
    for (const f of files) {
      const flow = JSON.parse(fs.readFileSync(f, 'utf8')) as any[];
      const ids = new Set(flow.map((n) => n.id));
      assert.strictEqual(flow.filter((n) => n.type !== 'tab')[0].type, 'comment', f);
      for (const n of flow) {
        assert.ok(CORE.has(n.type) || /^rel-(store|asset|work-order|pm|spares|kpi)$/.test(n.type), `${f}: ${n.type}`);
        for (const out of n.wires ?? []) for (const w of out) assert.ok(ids.has(w), `${f}: ${n.id} wires to missing ${w}`);
        if (n.store) assert.ok(ids.has(n.store), `${f}: store ${n.store}`);
      }
    }
  });
});
