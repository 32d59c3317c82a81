/**
 * The reason fields (`why`) of rel-kanban's status and rel-buffer's advice: the same facts as the
 * English `reason` / `reasons`, as codes and raw figures a page words in its own language.
 */
import assert from 'assert';
import { applyHealth, kanbanStatus, kanbanWhy, newLoop, KANBAN_DEFAULTS, type KanbanParams } from '../../nodes/core/jit/kanban';
import { adviseBuffer, loadBufferShared, newBufferItem, wipAdvice, type BufferParams } from '../../nodes/core/jit/buffer';
import { oeeGate } from '../../nodes/core/jit/buffer-node';
import { parseCalendar } from '../../nodes/core/jit/calendar';
import { rule85 } from '../../nodes/core/jit/oee';
import { at } from './shift-script';

const kp: KanbanParams = { ...KANBAN_DEFAULTS, item: 'bolt', containerQty: 50, demandPerDay: 400, leadTimeDays: 2, baseAlpha: 0.1, trigger: 3, criticalAssets: ['conveyor-1'], healthMargin: 5 };

describe('jit: reason fields beside the English reasons', () => {
  it('Kanban: the margin, each critical asset below its limit with its raw score, the card size; the English reason kept', () => {
    const s = newLoop(kp, at(6));
    assert.deepStrictEqual(kanbanWhy(s, kp).slice(0, 2), [{ code: 'margin', alpha: 0.1, baseAlpha: 0.1 }, { code: 'steady', variationPct: null }]);
    const low = applyHealth(s, kp, { asset: 'conveyor-1', score: 44.6, state: 'warning' }, at(14)).state;
    const st = kanbanStatus(low, kp);
    assert.strictEqual(st.containerQty, 50);
    assert.match(st.reason, /conveyor-1 health 45 below 70/, 'the English reason stays for existing flows');
    assert.deepStrictEqual(st.why.slice(0, 2), [{ code: 'margin', alpha: 0.3, baseAlpha: 0.1 }, { code: 'assetLow', asset: 'conveyor-1', score: 44.6, threshold: 70, addAlpha: 0.2 }]);
    assert.ok(!st.why.some((w) => w.code === 'steady'), 'no "steady" while an asset is low');
    const learning = kanbanStatus(newLoop({ ...kp, learn: true }, at(6)), { ...kp, learn: true });
    assert.deepStrictEqual(learning.why[learning.why.length - 1], { code: 'demandLearning', configuredPerDay: 400 });
  });

  it('WIP advice: held at the floor with the assets short of the Rule of 85 streak, supplier and health with their added days', () => {
    const gate = rule85({ 'conveyor-1': { streakDays: 1, lastDay: null, lastOee: 0.7 }, 'filler-1': { streakDays: 15, lastDay: null, lastOee: 0.9 } }, 30, 0.85, 3);
    // the gate of a rel-oee report (JSON, as on a wire) takes the assets short of the streak from rule85's fields, not from its English reason
    const g = oeeGate(JSON.parse(JSON.stringify({ oee: { rule85: gate } })));
    const short = [{ asset: 'conveyor-1', days: 1, requiredDays: 30, oeePct: 85 }, { asset: 'filler-1', days: 15, requiredDays: 30, oeePct: 85 }];
    assert.deepStrictEqual(g, { mayCutWip: false, reason: gate.reason, short });
    // a report without the fields (hand-made, or an earlier rel-oee): none named, the reason kept
    assert.deepStrictEqual(oeeGate({ oee: { rule85: { mayCutWip: false, reason: gate.reason } } }).short, []);
    // a gate stored by an earlier version ({mayCutWip, reason, at}): the assets from its reason, once, on load
    const old = { unhealthy: {}, gate: { mayCutWip: false, reason: gate.reason, at: '2026-12-01T06:00:00.000Z' } };
    assert.deepStrictEqual(loadBufferShared(old).gate, { ...old.gate, short });
    const stored = { unhealthy: { 'press-1': 40 }, gate: { ...g, at: old.gate.at } };
    assert.strictEqual(loadBufferShared(stored), stored, 'a gate with its fields is kept as stored');
    assert.deepStrictEqual(loadBufferShared(undefined), { unhealthy: {} });
    // the fields checked and capped: a streak not a whole number of days is left out, a required
    // length outside 1-365 or a threshold outside (0, 1] names none, at most 30 assets
    const r85 = (assets: object, requiredDays: unknown = 30, threshold: unknown = 0.85) => oeeGate({ oee: { rule85: { mayCutWip: false, reason: 'r', assets, requiredDays, threshold } } }).short;
    assert.deepStrictEqual(r85({ a: { streakDays: 2.5 }, b: { streakDays: -1 }, c: { streakDays: 3 } }), [{ asset: 'c', days: 3, requiredDays: 30, oeePct: 85 }]);
    assert.deepStrictEqual(r85({ c: { streakDays: 3 } }, 400), []);
    assert.deepStrictEqual(r85({ c: { streakDays: 3 } }, 30, 85), []);
    const many = Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`m-${String(i).padStart(3, '0')}`, { streakDays: 1 }]));
    const capped = r85(many)!;
    assert.strictEqual(capped.length, 30);
    assert.strictEqual(capped[0]!.asset, 'm-000');
    const base = { targetDays: 1, floorDays: 3, leadTimes: [3, 5, 4], cvThreshold: 0.2, z: 1.65, unhealthy: { 'press-1': 40 }, healthThreshold: 70, healthDaysMax: 2 };
    const a = wipAdvice({ ...base, gate: g });
    assert.strictEqual(a.why.length, a.reasons.length, 'one field set per English reason');
    assert.deepStrictEqual(a.why[0], { code: 'held', floorDays: 3, noReport: false, short });
    assert.deepStrictEqual(a.why[1], { code: 'supplierVaries', variationPct: 25, sdDays: 1, thresholdPct: 20, addDays: 1.65 });
    assert.strictEqual(a.why[2]!.code, 'assetLow');
    assert.deepStrictEqual(a.why[2], { code: 'assetLow', asset: 'press-1', score: 40, threshold: 70, addDays: 0.857 });
    const b = wipAdvice({ ...base, unhealthy: {}, leadTimes: [4, 4.1] });
    assert.deepStrictEqual(b.why, [{ code: 'held', floorDays: 3, noReport: true, short: [] }, { code: 'supplierUnknown', deliveries: 2, needed: 3 }, { code: 'assetsHealthy' }]);
    const c = wipAdvice({ ...base, unhealthy: {}, leadTimes: [4, 4.2, 3.8], gate: { mayCutWip: true, reason: 'all good' } });
    assert.deepStrictEqual(c.why, [{ code: 'ruleMet', targetDays: 1 }, { code: 'supplierStable', variationPct: 5 }, { code: 'assetsHealthy' }]);
  });

  it('buffer advice: the stock figures as fields (the same as the advice), learning steps while data is short', () => {
    const p: BufferParams = { cal: parseCalendar('', '', 0), windowDays: 30, z: 1.65, targetDays: 1, floorDays: 3, cvThreshold: 0.2, critical: [], healthThreshold: 70, healthDaysMax: 2 };
    const s = newBufferItem('caps', at(0, 0, 0));
    const early = adviseBuffer(s, { unhealthy: {} }, p, at(12, 0, 0));
    assert.deepStrictEqual(early.why.slice(0, 2), [{ code: 'demandLearning', days: 0, needed: 2 }, { code: 'leadLearning', deliveries: 0, needed: 2 }]);
    s.days = [[at(0, 0, 0), 80], [at(0, 0, 1), 120], [at(0, 0, 2), 100]];
    s.leadTimes = [4, 5];
    const adv = adviseBuffer(s, { unhealthy: {} }, p, at(12, 0, 3));
    const stock = adv.why[0]!;
    assert.strictEqual(stock.code, 'stock');
    if (stock.code !== 'stock') return;
    assert.strictEqual(stock.safetyStock, adv.safetyStock);
    assert.strictEqual(stock.reorderPoint, adv.reorderPoint);
    assert.deepStrictEqual([stock.demandPerDay, stock.leadTimeDays, stock.z], [100, 4.5, 1.65]);
    assert.match(adv.reasons[0]!, /^safety stock [\d.]+ = 1.65 x sqrt/, 'the formula stays in the English reasons');
  });
});
