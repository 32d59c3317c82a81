/**
 * The CMMS invariants with many writers on one database: every "box" is its own Store (on
 * PostgreSQL its own pool, as another edge box would have) with its own repositories, and they
 * all write at once. One open work order per (asset, mode) with every detection counted; stock
 * never negative and never over-reserved, no lost update; a PM occurrence opens exactly one work
 * order when every box runs the tick; a transition from one state is applied once; a pull signal
 * is announced by one box. Run on SQLite and on PostgreSQL (a fresh database per suite).
 */
import assert from 'assert';
import { migrateCoreAsync, type Store } from '../../nodes/core/store';
import { CMMS_MIGRATIONS, PmRepo, SparesRepo, WorkOrderRepo, migrateCmms } from '../../nodes/core/cmms';
import { forEachBackend } from '../helpers/backends';

const DAY = 86_400_000;
const T0 = Date.UTC(2024, 0, 1);
const BOXES = 12;

async function emptyCmms(s: Store): Promise<void> {
  if (s.dialect === 'postgres') await s.run('TRUNCATE cmms_wo_history, cmms_stock_moves, cmms_reservations, cmms_parts, cmms_pm_plans, cmms_work_orders RESTART IDENTITY');
  else for (const t of ['cmms_wo_history', 'cmms_stock_moves', 'cmms_reservations', 'cmms_parts', 'cmms_pm_plans', 'cmms_work_orders']) await s.run(`DELETE FROM ${t}`);
}

const n = async (s: Store, sql: string, params: (string | number)[] = []) => Number((await s.one<{ n: number }>(sql, params))?.n);

forEachBackend('cmms with many writers', (be) => {
  let boxes: Store[];
  before(async () => {
    await migrateCoreAsync(be.store);
    assert.strictEqual(await migrateCmms(be.store), CMMS_MIGRATIONS.length);
    boxes = [];
    for (let i = 0; i < BOXES; i++) boxes.push(await be.another(`box${i}`));
  });
  beforeEach(() => emptyCmms(be.store));

  it(`${BOXES} boxes x 25 detections of one (asset, mode) at once: one open order, every detection counted, one escalation per raise`, async () => {
    const sevs = ['watch', 'warning', 'alarm'] as const;
    const results = await Promise.all(
      boxes.map(async (s, b) => {
        const repo = new WorkOrderRepo(s);
        const out = [];
        for (let i = 0; i < 25; i++) out.push(await repo.detect({ asset: 'pump-1', criticality: 4, mode: 'imbalance', severity: sevs[(b + i) % 3], evidence: `box ${b} #${i}`, ts: T0 + i }));
        return out;
      }),
    );
    const all = results.flat();
    assert.strictEqual(new Set(all.map((r) => r.workOrder.id)).size, 1, 'one order');
    assert.strictEqual(all.filter((r) => r.created).length, 1, 'created once');
    assert.strictEqual(await n(be.store, 'SELECT COUNT(*) AS n FROM cmms_work_orders'), 1);
    assert.strictEqual(await n(be.store, 'SELECT detections AS n FROM cmms_work_orders'), BOXES * 25);
    const row = await be.store.one<{ severity: string; priority: number }>('SELECT severity, priority FROM cmms_work_orders');
    assert.deepStrictEqual([row?.severity, Number(row?.priority)], ['alarm', 1]);
    // the history: one detect, and one escalate per raise (at most watch -> warning -> alarm)
    const hist = await be.store.all<{ action: string }>('SELECT action FROM cmms_wo_history ORDER BY id');
    assert.strictEqual(hist[0].action, 'detect');
    const escalations = all.filter((r) => r.escalated).length;
    // From the severity the order was opened with up to alarm: at least one step when it was
    // opened below alarm, at most as many steps as there are between.
    const rank = (x: string) => sevs.indexOf(x as (typeof sevs)[number]);
    const steps = rank('alarm') - rank(all.find((r) => r.created)!.workOrder.severity);
    assert.ok(escalations >= Math.min(1, steps) && escalations <= steps, `${escalations} escalations from ${steps} steps`);
    assert.strictEqual(hist.filter((h) => h.action === 'escalate').length, escalations);
    assert.strictEqual(hist.length, 1 + escalations);
  });

  it(`${BOXES} boxes issue, reserve and release one part at once: never negative, never over-reserved, no lost update`, async () => {
    await new SparesRepo(be.store).define({ part: 'BRG', leadMeanDays: 5, demandPerDay: 1 }, T0);
    await new SparesRepo(be.store).receive({ part: 'BRG', qty: 50, ts: T0 });
    const ok = { issue: 0, reserve: 0, release: 0 };
    let refused = 0;
    await Promise.all(
      boxes.map(async (s, b) => {
        const sp = new SparesRepo(s);
        for (let i = 0; i < 10; i++) {
          const wo = 100 + b;
          try {
            if (i % 3 === 0) {
              await sp.reserve({ part: 'BRG', qty: 2, wo, ts: T0 + i });
              ok.reserve++;
            } else if (i % 3 === 1) {
              await sp.issue({ part: 'BRG', qty: 1, wo, ts: T0 + i });
              ok.issue++;
            } else {
              await sp.release({ part: 'BRG', qty: 1, wo, ts: T0 + i });
              ok.release++;
            }
          } catch (e) {
            assert.match(String(e), /StateError: part "BRG": cannot (issue|reserve|release)/);
            refused++;
          }
        }
      }),
    );
    assert.ok(ok.issue > 0 && ok.reserve > 0, JSON.stringify(ok));
    const part = await be.store.one<{ on_hand: number; reserved: number }>('SELECT on_hand, reserved FROM cmms_parts WHERE part = ?', ['BRG']);
    const res = await n(be.store, 'SELECT COALESCE(SUM(qty), 0) AS n FROM cmms_reservations WHERE part = ?', ['BRG']);
    // every accepted move is in the stock, none twice, none lost
    assert.strictEqual(part?.on_hand, 50 - ok.issue, `on hand after ${ok.issue} issues (${refused} refused)`);
    assert.ok(part!.on_hand >= 0 && part!.reserved >= 0 && part!.reserved <= part!.on_hand, JSON.stringify(part));
    assert.strictEqual(part?.reserved, res, 'the part row agrees with its reservations');
    assert.strictEqual(await n(be.store, "SELECT COUNT(*) AS n FROM cmms_stock_moves WHERE kind = 'issue'"), ok.issue);
    // the last move records the stock as it is
    const last = await be.store.one<{ on_hand: number; reserved: number }>('SELECT on_hand, reserved FROM cmms_stock_moves ORDER BY id DESC LIMIT 1');
    assert.deepStrictEqual([last?.on_hand, last?.reserved], [part?.on_hand, part?.reserved]);
  });

  it(`${BOXES} boxes issue the last 10 parts at once: exactly 10 issues succeed, stock ends at 0`, async () => {
    const sp0 = new SparesRepo(be.store);
    await sp0.define({ part: 'SEAL', leadMeanDays: 5, demandPerDay: 1 }, T0);
    await sp0.receive({ part: 'SEAL', qty: 10, ts: T0 });
    const got = await Promise.allSettled(boxes.flatMap((s) => [0, 1].map((i) => new SparesRepo(s).issue({ part: 'SEAL', qty: 1, ts: T0 + i }))));
    assert.strictEqual(got.filter((g) => g.status === 'fulfilled').length, 10);
    for (const g of got) if (g.status === 'rejected') assert.match(String(g.reason), /cannot issue 1, only 0 available/);
    assert.strictEqual((await sp0.get('SEAL', T0)).onHand, 0);
  });

  it(`${BOXES} boxes tick the same PM plans at once, hour by hour: each occurrence opens exactly one work order`, async () => {
    const pm0 = new PmRepo(be.store);
    await pm0.upsert({ asset: 'pump-1', task: 'grease', trigger: 'calendar', every: 7, unit: 'days', lastDone: T0 }, T0);
    await pm0.upsert({ asset: 'pump-2', task: 'inspect', trigger: 'calendar', every: 1, unit: 'days', lastDone: T0 }, T0);
    const facts = (asset: string) => ({ asset, criticality: 3 });
    const opened = await Promise.all(
      boxes.map(async (s) => {
        const pm = new PmRepo(s);
        const wo = new WorkOrderRepo(s);
        const mine: number[] = [];
        for (let t = T0; t <= T0 + 21 * DAY; t += 12 * 3600e3) for (const w of await pm.tick(t, { wo, facts })) mine.push(w.id);
        return mine;
      }),
    );
    const ids = opened.flat();
    assert.strictEqual(new Set(ids).size, ids.length, 'no order announced twice');
    assert.strictEqual(ids.length, 3 + 21, 'every occurrence announced once');
    const rows = await be.store.all<{ plan_id: number; occurrence: number }>("SELECT plan_id, occurrence FROM cmms_work_orders WHERE source = 'pm' ORDER BY plan_id, occurrence");
    assert.deepStrictEqual(
      rows.map((r) => [Number(r.plan_id), Number(r.occurrence)]),
      [...[1, 2, 3].map((k) => [1, k]), ...Array.from({ length: 21 }, (_, k) => [2, k + 1])],
    );
    assert.deepStrictEqual((await pm0.list()).map((p) => p.occurrences), [3, 21]);
  });

  it(`${BOXES} boxes send the same meter readings and condition values at once: one order per occurrence and per crossing`, async () => {
    const pm0 = new PmRepo(be.store);
    await pm0.upsert({ asset: 'comp-1', task: 'oil', trigger: 'meter', every: 100, unit: 'hours', lastDone: 0 }, T0);
    await pm0.upsert({ asset: 'fan-1', task: 'inspect', trigger: 'condition', every: 70, unit: 'health' }, T0);
    await Promise.all(
      boxes.map(async (s) => {
        const pm = new PmRepo(s);
        const ctx = { wo: new WorkOrderRepo(s) };
        for (let k = 1; k <= 10; k++) {
          await pm.meterReading('comp-1', 'hours', 50 * k, T0 + k * 3600e3, ctx);
          await pm.condition('fan-1', { health: k % 2 ? 60 : 80 }, T0 + k * 3600e3, ctx);
        }
      }),
    );
    const p = await pm0.list();
    assert.strictEqual(await n(be.store, "SELECT COUNT(*) AS n FROM cmms_work_orders WHERE asset = 'comp-1'"), 5, '500 hours, every 100');
    assert.strictEqual(p.find((x) => x.asset === 'comp-1')!.meterTotal, 500);
    // crossings: each box's sequence crosses 5 times, but boxes interleave; never more than one order per crossing recorded
    const cond = await n(be.store, "SELECT COUNT(*) AS n FROM cmms_work_orders WHERE asset = 'fan-1'");
    assert.strictEqual(cond, p.find((x) => x.asset === 'fan-1')!.occurrences, 'one order per recorded crossing');
    assert.ok(cond >= 5, `${cond} crossings`);
  });

  it(`${BOXES} boxes apply the same transition at once: applied once, the others refused naming the state`, async () => {
    const w = await new WorkOrderRepo(be.store).create({ asset: 'pump-1', title: 'seal', ts: T0 });
    await new WorkOrderRepo(be.store).transition({ id: w.id, action: 'assign', by: 'lead', assignee: 'ann', ts: T0 + 1 });
    const got = await Promise.allSettled(boxes.map((s, b) => new WorkOrderRepo(s).transition({ id: w.id, action: 'start', by: `tech${b}`, ts: T0 + 2 })));
    assert.strictEqual(got.filter((g) => g.status === 'fulfilled').length, 1);
    for (const g of got) if (g.status === 'rejected') assert.match(String(g.reason), /cannot start from status in-progress to in-progress/);
    assert.deepStrictEqual((await be.store.all<{ action: string }>('SELECT action FROM cmms_wo_history ORDER BY id')).map((h) => h.action), ['create', 'assign', 'start']);
  });

  it(`${BOXES} boxes reserve for an order while it is completed: nothing stays reserved for it`, async () => {
    const sp0 = new SparesRepo(be.store);
    await sp0.define({ part: 'KIT', leadMeanDays: 5, demandPerDay: 1 }, T0);
    await sp0.receive({ part: 'KIT', qty: 1000, ts: T0 });
    const w0 = new WorkOrderRepo(be.store);
    const w = await w0.create({ asset: 'pump-1', title: 'kit', ts: T0 });
    await w0.transition({ id: w.id, action: 'assign', by: 'ann', ts: T0 });
    await w0.transition({ id: w.id, action: 'start', by: 'ann', ts: T0 });
    let refused = 0;
    const reserving = boxes.map(async (s) => {
      const sp = new SparesRepo(s);
      for (let i = 0; i < 5; i++) {
        try {
          await sp.reserve({ part: 'KIT', qty: 1, wo: w.id, ts: T0 + i });
        } catch (e) {
          assert.match(String(e), /work order WO-000001 is done: cannot reserve/);
          refused++;
        }
      }
    });
    const done = new WorkOrderRepo(boxes[0]).transition({ id: w.id, action: 'complete', by: 'ann', ts: T0 + 3 });
    await Promise.all([...reserving, done]);
    assert.strictEqual(await n(be.store, 'SELECT COUNT(*) AS n FROM cmms_reservations WHERE wo_id = ?', [w.id]), 0, `${refused} refused`);
    const kit = await sp0.get('KIT', T0 + 10);
    assert.deepStrictEqual([kit.onHand, kit.reserved], [1000, 0]);
  });

  it(`${BOXES} boxes drain pull signals at once: each crossing announced by one box`, async () => {
    const sp0 = new SparesRepo(be.store);
    for (const part of ['A', 'B', 'C']) await sp0.define({ part, leadMeanDays: 10, demandPerDay: 4 }, T0); // no stock: below the reorder point
    const got = await Promise.all(boxes.map((s) => new SparesRepo(s).drainSignals(T0)));
    assert.deepStrictEqual(got.flat().map((x) => x.part).sort(), ['A', 'B', 'C']);
  });
});
