/** The JIT formulas against hand-computed examples (domain.md), without Node-RED. */
import assert from 'assert';
import { availableMs, parseCalendar, shiftAt, splitByShift } from '../../nodes/core/jit/calendar';
import { quantile, median, sampleSd } from '../../nodes/core/jit/stats';
import { applyHealth, cardCount, consume, deliver, newLoop, KANBAN_DEFAULTS, type KanbanParams } from '../../nodes/core/jit/kanban';
import { taktTime, recordCycle, newTaktState } from '../../nodes/core/jit/takt';
import { applyCount, applyState, newAssetState, newShiftRecord, oeeFigures, oeeStreak, rule85, type ShiftRecord } from '../../nodes/core/jit/oee';
import { dueLevel, escalate, parseLevels, responseStats, type AndonCall } from '../../nodes/core/jit/andon';
import { safetyStock, reorderPoint, wipAdvice, dailyDemand } from '../../nodes/core/jit/buffer';
import { InputError } from '../../nodes/core/errors';
import type { ShiftSlot } from '../../nodes/core/jit/calendar';
import { SCRIPTED_SHIFT, at } from './shift-script';

const H = 3600_000;
const M = 60_000;
const close = (a: number | null, b: number, tol = 1e-9, what = '') => assert.ok(a !== null && Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${what} ${a} != ${b}`);

describe('jit core: formulas against hand computation', () => {
  it('shift calendar: available time excludes breaks; night shifts cross midnight', () => {
    const cal = parseCalendar('early=06:00-14:00, late=14:00-22:00, night=22:00-06:00', '10:00-10:30, 18:00-18:30, 02:00-02:30', 0);
    const early = shiftAt(cal, at(9))!;
    assert.strictEqual(early.id, '2024-03-04/early');
    assert.strictEqual(availableMs(cal, early.start, early.end), 450 * M);
    const night = shiftAt(cal, at(3, 0, 1))!; // 03:00 on the 5th belongs to the night shift of the 4th
    assert.strictEqual(night.id, '2024-03-04/night');
    assert.strictEqual(night.start, at(22));
    assert.strictEqual(availableMs(cal, night.start, night.end), 450 * M);
    // 12:00 to 15:00 splits into early (2 h) and late (1 h)
    assert.deepStrictEqual(splitByShift(cal, at(12), at(15)).map((p) => [p.slot.name, (p.to - p.from) / M]), [['early', 120], ['late', 60]]);
    assert.throws(() => parseCalendar('a=06:00-14:00, b=12:00-20:00', '', 0), /do not overlap/);
    assert.throws(() => parseCalendar('a=6h-14:00', '', 0), /calendar.shifts\[0\]: expected a time of day/);
  });

  it('statistics: type-7 quantiles and sample standard deviation', () => {
    assert.strictEqual(median([1, 2, 3, 4]), 2.5);
    close(quantile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9), 9.1);
    close(sampleSd([80, 120, 100, 90, 110]), Math.sqrt(250));
  });

  it('Kanban cards: N = ceil(D L (1 + alpha) / C) = ceil(400 x 2 x 1.1 / 50) = 18', () => {
    assert.strictEqual(cardCount(400, 2, 0.1, 50), 18); // 17.6 -> 18
    assert.strictEqual(cardCount(400, 2, 0.3, 50), 21); // 20.8 -> 21
    assert.strictEqual(cardCount(100, 1, 0, 50), 2); // exactly 2: no spurious round-up
    assert.throws(() => cardCount(0, 2, 0.1, 50), (e: unknown) => e instanceof InputError && /demand: expected a demand > 0/.test(e.message));
  });

  const kp: KanbanParams = { ...KANBAN_DEFAULTS, item: 'bolt', containerQty: 50, demandPerDay: 400, leadTimeDays: 2, baseAlpha: 0.1, trigger: 3, criticalAssets: ['conveyor-1'], healthMargin: 5 };

  it('Kanban loop: pulls when the queue reaches the trigger; alpha follows health and supplier variance', () => {
    let s = newLoop(kp, at(6));
    const pulls: string[] = [];
    for (let i = 1; i <= 7; i++) {
      const r = consume(s, kp, undefined, at(6 + i));
      s = r.state;
      pulls.push(...r.pulls.map((p) => `${p.orderId}:${p.containers}:${p.quantity}:${p.dueAt}`));
    }
    assert.deepStrictEqual(pulls, [`bolt#1:3:150:${new Date(at(9, 0, 2)).toISOString()}`, `bolt#2:3:150:${new Date(at(12, 0, 2)).toISOString()}`]);
    assert.deepStrictEqual([s.cards, s.onHand, s.inQueue, s.inTransit], [18, 11, 1, 6]);
    // health drop on a critical asset: alpha 0.1 -> 0.3, N 18 -> 21, the 3 new cards are ordered at once
    const low = applyHealth(s, kp, { asset: 'conveyor-1', score: 55, state: 'warning' }, at(14));
    assert.strictEqual(low.state.alpha, 0.3);
    assert.strictEqual(low.state.cards, 21);
    assert.match(low.alphaChange!.reason, /alpha raised 0.1 -> 0.3 \(18 -> 21 cards\): conveyor-1 health 55 below 70/);
    assert.strictEqual(low.pulls[0]!.containers, 4); // 1 queued + 3 new
    // not critical: nothing moves
    assert.strictEqual(applyHealth(low.state, kp, { asset: 'fan-9', score: 10, state: 'alarm' }, at(15)).state, low.state);
    // 72 is within the recovery margin (70 + 5): still raised
    assert.strictEqual(applyHealth(low.state, kp, { asset: 'conveyor-1', score: 72, state: 'normal' }, at(15)).state.alpha, 0.3);
    const up = applyHealth(low.state, kp, { asset: 'conveyor-1', score: 90, state: 'normal' }, at(16));
    assert.strictEqual(up.state.alpha, 0.1);
    assert.strictEqual(up.state.cards, 18);
    assert.strictEqual(up.state.retire, 3, 'three cards withdrawn as containers empty');
    assert.match(up.alphaChange!.reason, /alpha lowered 0.3 -> 0.1 \(21 -> 18 cards\): critical assets healthy/);
    // supplier: lead times 1.0, 3.0, 2.0 days (CV 0.5 > 0.2) raise alpha by 0.2
    let t = up.state;
    for (const [d, lt] of [[1, 1], [2, 3], [3, 2]] as const) t = deliver({ ...t, orders: t.orders.map((o, i) => (i === 0 ? { ...o, orderedAt: at(16, 0, d) - lt * 24 * H } : o)) }, kp, undefined, at(16, 0, d)).state;
    assert.strictEqual(t.supplierUnstable, true);
    assert.strictEqual(t.alpha, 0.3);
    assert.match(t.reason, /supplier lead-time variation 50% above 20%/);
  });

  it('Kanban rejects bad events and leaves the state as it was', () => {
    const s = newLoop(kp, at(6));
    const snapshot = JSON.stringify(s);
    assert.throws(() => consume(s, kp, -1, at(7)), /msg.payload.containers: expected a whole number of containers from 1/);
    assert.throws(() => consume(s, kp, 19, at(7)), /at most the 18 full containers on hand/);
    assert.throws(() => consume(s, kp, 1, at(5)), /msg.payload.ts: expected a time at or after/);
    assert.throws(() => deliver(s, kp, undefined, at(7)), /none is in transit/);
    assert.strictEqual(JSON.stringify(s), snapshot);
  });

  it('takt = 27,000 s / 450 = 60 s; median, P90, creep, over-takt count', () => {
    const cal = parseCalendar('early=06:00-14:00', '10:00-10:30', 0);
    assert.strictEqual(taktTime(27000, 450), 60);
    assert.throws(() => taktTime(27000, 0), /msg.payload.demand: expected a demand > 0/);
    const p = { demandPerShift: 450, window: 50, creepAlert: 0.95, minCycles: 5 };
    let s = newTaktState('press-1');
    const alerts: number[] = [];
    [50, 52, 54, 56, 58, 62, 64, 66, 68].forEach((c, i) => {
      const r = recordCycle(s, cal, p, at(7) + i * 70_000, c);
      s = r.state;
      if (r.alert) alerts.push(i);
      if (i === 4) {
        assert.strictEqual(r.figures.cycleMedianS, 54);
        close(r.figures.cycleP90S, 57.2);
        assert.strictEqual(r.figures.creep, 0.9);
      }
      if (i === 7) assert.strictEqual(r.figures.creep, 0.95); // median 57 / 60
    });
    assert.deepStrictEqual(alerts, [7], 'one alert, at the cycle that crossed 95%');
    assert.strictEqual(s.shiftOverTakt, 4);
  });

  it('OEE of a scripted shift equals the hand computation', () => {
    // Early shift 06:00-14:00, break 10:00-10:30 (inside a running stretch), ideal cycle 30 s.
    // run = 120 (06-08) + 165 (08:45-12:00 less the break) + 80 (12:40-14:00) = 365 min
    // stopped 45, idle 10 -> planned = 420 min (= 480 - 30 break - 30 planned stop)
    // A = 365/420; P = 640 x 0.5 / 365 = 320/365; Q = 620/640; OEE = 310/420
    // losses: downtime 55, speed 45, scrap 10 (= 420 - 310)
    const cal = parseCalendar('early=06:00-14:00', '10:00-10:30', 0);
    const recs = new Map<string, ShiftRecord>();
    const get = (slot: ShiftSlot) => recs.get(slot.id) ?? (recs.set(slot.id, newShiftRecord('press-1', slot)), recs.get(slot.id)!);
    let s = newAssetState('press-1', at(6));
    const events = [
      ...SCRIPTED_SHIFT.states.map(([ts, st, why]) => ({ ts, fn: () => (s = applyState(s, cal, ts, st as 'running', why, get).state) })),
      ...SCRIPTED_SHIFT.counts.map(([ts, g, t]) => ({ ts, fn: () => (s = applyCount(s, cal, ts, g, t, 30, get, shiftAt(cal, ts)).state) })),
    ].sort((a, b) => a.ts - b.ts);
    for (const e of events) e.fn();
    s = applyState(s, cal, at(14), 'running', undefined, get).state;
    const f = oeeFigures([...recs.values()]);
    close(f.availability, 365 / 420, 1e-5, 'A');
    close(f.performance, 320 / 365, 1e-5, 'P');
    close(f.quality, 620 / 640, 1e-5, 'Q');
    close(f.oee, 310 / 420, 1e-5, 'OEE');
    assert.deepStrictEqual(f.losses, { downtimeMin: 55, speedLossMin: 45, scrapMin: 10, plannedStopMin: 30 });
    assert.strictEqual(f.plannedMin, 420);
    assert.throws(() => applyCount(s, cal, at(14), 5, 4, 30, get, undefined), /msg.payload.good: expected at most the total count \(4\)/);
    assert.throws(() => applyState(s, cal, at(13), 'idle', undefined, get), /events out of order/);
  });

  it('Rule of 85: streak of days at OEE >= 85%, days without production skipped', () => {
    const days = [
      { day: 'd1', oee: 0.9, plannedMin: 450 },
      { day: 'd2', oee: 0.8, plannedMin: 450 },
      { day: 'd3', oee: 0.86, plannedMin: 450 },
      { day: 'd4', oee: null, plannedMin: 0 },
      { day: 'd5', oee: 0.85, plannedMin: 450 },
    ];
    assert.deepStrictEqual(oeeStreak(days), { streakDays: 2, lastDay: 'd5', lastOee: 0.85 });
    const g = rule85({ a: { streakDays: 30, lastDay: 'x', lastOee: 0.9 }, b: { streakDays: 12, lastDay: 'x', lastOee: 0.9 } });
    assert.strictEqual(g.mayCutWip, false);
    assert.match(g.reason, /keep at least 3 days of WIP: b 12\/30 days at OEE >= 85%/);
    assert.strictEqual(rule85({ a: { streakDays: 31, lastDay: 'x', lastOee: 0.9 } }).mayCutWip, true);
  });

  it('Andon escalation: level k at the k-th configured time, none once acknowledged', () => {
    const lv = parseLevels('2, 5, 10');
    assert.deepStrictEqual(lv, [2 * M, 5 * M, 10 * M]);
    assert.throws(() => parseLevels('5, 2'), /levels: expected increasing minutes/);
    const c: AndonCall = { id: 1, station: 's1', kind: 'machine', text: '', source: 'button', state: 'open', level: 0, raisedAt: 0, ackedAt: null, ackedBy: null, resolvedAt: null, resolvedBy: null, note: null, lineStop: false, escalations: [] };
    assert.strictEqual(dueLevel(c, 2 * M - 1, lv), 0);
    assert.strictEqual(dueLevel(c, 2 * M, lv), 1);
    assert.strictEqual(dueLevel(c, 11 * M, lv), 3);
    // a restart after 6 minutes down: levels 1 and 2 fire once each, in order
    assert.deepStrictEqual(escalate([c], 6 * M, lv).map((e) => e.level), [1, 2]);
    assert.deepStrictEqual(escalate([c], 6 * M, lv), []);
    const stats = responseStats([
      { ...c, ackedAt: 60_000, resolvedAt: 600_000, state: 'resolved' },
      { ...c, id: 2, kind: 'safety', ackedAt: 180_000, resolvedAt: null, state: 'acked' },
    ]);
    assert.deepStrictEqual(stats.ack, { count: 2, meanS: 120, medianS: 120, p90S: 168, maxS: 180 });
    assert.strictEqual(stats.resolve.meanS, 600);
  });

  it('safety stock and reorder point: SS = 1.65 sqrt(4 x 250 + 100^2 x 1) = 173.05, ROP = 573.05', () => {
    const ss = safetyStock(1.65, 100, Math.sqrt(250), 4, 1);
    close(ss, 1.65 * Math.sqrt(11000));
    close(ss, 173.0535, 1e-6);
    close(reorderPoint(100, 4, ss), 573.0535, 1e-6);
    // the domain brief's example: D 100, sd 20, L 4, sd 1 -> 177.71
    close(safetyStock(1.65, 100, 20, 4, 1), 177.7104, 1e-6);
    const cal = parseCalendar('', '', 0);
    const days: [number, number][] = [[at(0, 0, 0), 80], [at(0, 0, 2), 120]];
    assert.deepStrictEqual(dailyDemand(days, cal, at(12, 0, 3), 30), [80, 0, 120], 'a day without demand counts as 0');
  });

  it('WIP advice rises with supplier variance and falling health, held at 3 days by the Rule of 85', () => {
    const base = { targetDays: 1, floorDays: 3, leadTimes: [3, 5, 4], cvThreshold: 0.2, z: 1.65, unhealthy: {}, healthThreshold: 70, healthDaysMax: 2 };
    const a = wipAdvice(base);
    assert.strictEqual(a.wipDays, 4.65); // floor 3 + 1.65 x sd 1
    assert.ok(a.reasons.some((r) => /held at 3 days \(Rule of 85\)/.test(r)));
    assert.ok(a.reasons.some((r) => /supplier lead time varies 25% \(sd 1 days, above 20%\): \+1.65 days/.test(r)));
    const b = wipAdvice({ ...base, unhealthy: { 'press-1': 40 } });
    assert.strictEqual(b.wipDays, 5.51); // + 2 x (70 - 40) / 70 = 0.857
    assert.ok(b.reasons.some((r) => /press-1 health 40 below 70: \+0.86 days/.test(r)));
    const c = wipAdvice({ ...base, leadTimes: [4, 4.2, 3.8], gate: { mayCutWip: true, reason: 'all good' } });
    assert.strictEqual(c.wipDays, 1);
  });
});
