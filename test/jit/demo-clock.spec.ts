/**
 * The demo line's events to rel-oee and rel-kanban on one clock, with the functions as shipped in
 * flows/demo-line.json (run with a fake flow context):
 * - a technician's state change after a work-order transition is stamped with the machine's latest
 *   event time, never ahead of counts of the machine still on their way (the simulator's counts
 *   of one emission are stamped on a 15-minute grid before the frame's time the line state saw);
 * - the whole stream rel-oee gets (simulator state and counts, the technician's stop and restart,
 *   reports) is in time order per asset, and replayed into the OEE core every count is applied:
 *   none refused, none lost;
 * - a health change of another machine reaches the caps Kanban at the loop's clock (the filler's),
 *   not at that machine's clock.
 */
import assert from 'assert';
import fs from 'fs';
import path from 'path';
import { applyCount, applyState, newAssetState, newShiftRecord, type ShiftRecord } from '../../nodes/core/jit/oee';
import { parseCalendar, shiftAt, type ShiftSlot } from '../../nodes/core/jit/calendar';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const FLOW = JSON.parse(fs.readFileSync(path.join(ROOT, 'flows', 'demo-line.json'), 'utf8')) as any[];
const MIN = 60_000;

type Ctx = Record<string, unknown>;
function fnOf(id: string): (msg: any, ctx: Ctx) => any {
  const n = FLOW.find((x) => x.id === id);
  assert.ok(n && n.type === 'function', `function node ${id} in flows/demo-line.json`);
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  const f = new Function('msg', 'flow', 'node', 'env', 'context', n.func);
  return (msg, ctx) => {
    const flowApi = { get: (k: string) => ctx[k], set: (k: string, v: unknown) => { ctx[k] = v; } };
    const mem: Ctx = {};
    return f(msg, flowApi, { warn() {}, error() {} }, { get: () => undefined }, { get: (k: string) => mem[k], set: (k: string, v: unknown) => { mem[k] = v; } });
  };
}
const wiresOf = (id: string) => FLOW.find((x) => x.id === id)!.wires as string[][];

describe('demo: rel-oee and rel-kanban events on one clock', () => {
  const clock = fnOf('oee-clock');
  const after = fnOf('after-wo');
  const T0 = Date.UTC(2026, 11, 8, 6, 0);

  it('every message to rel-oee passes "rel-oee on one clock"', () => {
    const into = FLOW.filter((n) => (n.wires || []).some((w: string[]) => w.includes('oee'))).map((n) => n.id);
    assert.deepStrictEqual(into, ['oee-clock']);
    assert.deepStrictEqual(wiresOf('after-wo')[0], ['oee-clock']);
    assert.deepStrictEqual(wiresOf('report-triggers')[0], ['oee-clock']);
    assert.deepStrictEqual(wiresOf('by-action').slice(0, 2), [['oee-clock'], ['oee-clock', 'filler-kanban']]);
  });

  it('a repair started and completed while counts lag: in time order, every count applied once', () => {
    const ctx: Ctx = {};
    const a = 'conveyor-1';
    const toOee: any[] = [];
    const pass = (m: any) => {
      const out = clock(m, ctx);
      if (out) toOee.push(JSON.parse(JSON.stringify(out)));
    };
    const count = (ts: number) => ({ action: 'count', payload: { asset: a, ts, good: 30, total: 30, simulation: {} } });
    const order = { id: 1, number: 'WO-000001', asset: a, source: 'condition', status: 'in-progress', assignee: 'Maria', history: [{ action: 'start', by: 'Maria' }] };
    pass({ action: 'state', payload: { asset: a, state: 'running', ts: T0, simulation: {} } });
    // emission 1 (frame at T0+60 min): its counts arrive on time
    for (let k = 1; k <= 4; k++) pass(count(T0 + k * 15 * MIN - (k < 4 ? 1 : 0)));
    // emission 2: the line state has its frame time (T0+120 min), its counts are still on the way
    // when the technician starts the repair
    const ctxWo: Ctx = { simTs: { [a]: T0 + 120 * MIN }, lineState: { andon: [] } };
    const started = after({ action: 'start', payload: order }, ctxWo);
    assert.strictEqual(started[0].payload.ts, T0 + 120 * MIN, 'afterWorkOrder knows the frame time');
    pass(started[0]);
    for (let k = 5; k <= 8; k++) pass(count(T0 + k * 15 * MIN - (k < 8 ? 1 : 0)));
    // a report asked at a time before the last count is made as of the last count
    pass({ action: 'report', stamp: 'latest', payload: { asset: a, ts: T0 + 100 * MIN } });
    // emission 3, then the repair completed (line state at T0+180 min) before those counts arrive
    ctxWo.simTs = { [a]: T0 + 180 * MIN };
    const done = after({ action: 'complete', payload: { ...order, status: 'done', history: [{ action: 'complete', by: 'Maria' }] } }, ctxWo);
    pass(done[0]);
    for (let k = 9; k <= 12; k++) pass(count(T0 + k * 15 * MIN - (k < 12 ? 1 : 0)));

    const ts = toOee.map((m) => m.payload.ts);
    for (let i = 1; i < ts.length; i++) assert.ok(ts[i] >= ts[i - 1], `event ${i} (${toOee[i].action}) at ${ts[i]} not before ${ts[i - 1]}`);
    assert.ok(toOee.every((m) => m.stamp === undefined), 'the stamp marks do not reach rel-oee');
    const stop = toOee.find((m) => m.action === 'state' && m.payload.state === 'stopped');
    assert.strictEqual(stop.payload.ts, T0 + 60 * MIN, 'the stop at the machine\'s latest event, not the frame time ahead of it');
    assert.strictEqual(stop.payload.reason, 'repair WO-000001');
    const restart = toOee.filter((m) => m.action === 'state' && m.payload.state === 'running').pop();
    assert.strictEqual(restart.payload.ts, T0 + 120 * MIN, 'the restart at the latest count, so the repair keeps its 60 minutes');
    assert.strictEqual(toOee.find((m) => m.action === 'report').payload.ts, T0 + 120 * MIN);

    // replayed into the OEE core (the checks rel-oee makes): nothing refused, all 360 parts counted
    const cal = parseCalendar('', '', 0, 'calendar');
    const recs = new Map<string, ShiftRecord>();
    const get = (slot: ShiftSlot) => recs.get(slot.id) ?? (recs.set(slot.id, newShiftRecord(a, slot)), recs.get(slot.id)!);
    let st = newAssetState(a, T0);
    for (const m of toOee) {
      const p = m.payload;
      if (m.action === 'state') st = applyState(st, cal, p.ts, p.state, p.reason, get).state;
      else if (m.action === 'count') st = applyCount(st, cal, p.ts, p.good, p.total, 28.5, get, shiftAt(cal, p.ts)).state;
    }
    const total = [...recs.values()].reduce((s, r) => s + r.total, 0);
    const stopped = [...recs.values()].reduce((s, r) => s + r.stoppedMs, 0);
    assert.strictEqual(total, 360);
    assert.strictEqual(stopped, 60 * MIN);
  });

  it('before the machine\'s first event the technician\'s change keeps its time; other assets keep their own clocks', () => {
    const ctx: Ctx = {};
    const out = clock({ action: 'state', stamp: 'machine', payload: { asset: 'pump-1', state: 'stopped', ts: T0 + 5 * MIN } }, ctx);
    assert.strictEqual(out.payload.ts, T0 + 5 * MIN);
    clock({ action: 'count', payload: { asset: 'filler-1', ts: T0 + 90 * MIN, good: 1, total: 1 } }, ctx);
    const pump = clock({ action: 'state', stamp: 'machine', payload: { asset: 'pump-1', state: 'running', ts: T0 + 30 * MIN } }, ctx);
    assert.strictEqual(pump.payload.ts, T0 + 30 * MIN, 'the filler\'s clock is not the pump\'s');
  });

  it('a health change reaches the caps Kanban at the loop\'s clock, not at another machine\'s', () => {
    const n = FLOW.find((x) => x.id === 'health-to-kanban');
    const rule = n.rules.find((r: any) => r.p === 'payload.ts');
    assert.strictEqual(rule.tot, 'jsonata');
    assert.match(rule.to, /\$exists\(\$flowContext\("kanbanTs"\)\) \? \$flowContext\("kanbanTs"\) : payload\.ts/);
    assert.doesNotMatch(rule.to, /\$max/);
  });
});
