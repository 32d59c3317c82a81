/**
 * The demo line's events to rel-oee and rel-kanban on one clock, with the functions as shipped in
 * flows/demo-line.json (run with a fake flow context):
 * - a work order's start holds the machine's simulator stopped and its completion lets it run
 *   again, so rel-oee hears the repair from the machine's own state events, on its clock (the
 *   simulator with rel-oee in a runtime: test/simulator/sim-stop.spec.ts);
 * - reports are made as of the machine's latest event;
 * - a health change of another machine reaches the caps Kanban at the loop's clock (the filler's),
 *   not at that machine's clock.
 */
import assert from 'assert';
import fs from 'fs';
import path from 'path';

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
    assert.deepStrictEqual(wiresOf('report-triggers')[0], ['oee-clock']);
    assert.deepStrictEqual(wiresOf('by-action').slice(0, 2), [['oee-clock'], ['oee-clock', 'filler-kanban']]);
  });

  it('a repair holds the machine\'s simulator stopped and lets it run again: rel-oee hears it from the machine, on its clock', () => {
    const a = 'conveyor-1';
    const order = { id: 1, number: 'WO-000001', asset: a, source: 'condition', status: 'in-progress', assignee: 'Maria', history: [{ action: 'start', by: 'Maria' }] };
    const ctx: Ctx = { lineState: { andon: [], wos: [order] } };
    const started = after({ action: 'start', payload: order }, ctx);
    assert.deepStrictEqual(started[0], { action: 'set', topic: a, payload: { asset: a, running: false, reason: 'repair WO-000001' } });
    // the switch after it takes each machine's control to its own simulator, the press's too
    const route = FLOW.find((x) => x.id === 'route-sim');
    const to = Object.fromEntries(route.rules.map((r: any, i: number) => [r.v, route.wires[i]]));
    for (const id of ['conveyor-1', 'pump-1', 'compressor-1', 'filler-1', 'press-1']) assert.deepStrictEqual(to[id], [`sim-${id}`], id);
    assert.deepStrictEqual(wiresOf('after-wo')[0], ['route-sim']);
    // completed: running again, and repaired (a condition order)
    const done = after({ action: 'complete', payload: { ...order, status: 'done', history: [{ action: 'complete', by: 'Maria' }] } }, ctx);
    assert.deepStrictEqual(done[0], [
      { action: 'set', topic: a, payload: { asset: a, running: true } },
      { action: 'reset', topic: a, payload: { asset: a } },
    ]);
    // put on hold or cancelled: running again; a PM order completed: running, not reset
    assert.deepStrictEqual(after({ action: 'hold', payload: { ...order, status: 'on-hold' } }, ctx)[0], [{ action: 'set', topic: a, payload: { asset: a, running: true } }]);
    assert.deepStrictEqual(after({ action: 'cancel', payload: { ...order, status: 'cancelled' } }, ctx)[0], [{ action: 'set', topic: a, payload: { asset: a, running: true } }]);
    assert.deepStrictEqual(after({ action: 'complete', payload: { ...order, source: 'pm', status: 'done' } }, ctx)[0], [{ action: 'set', topic: a, payload: { asset: a, running: true } }]);
    // another order of the machine still in progress: it keeps standing (a condition order is still repaired)
    const other = { ...order, id: 2, number: 'WO-000002', source: 'pm' };
    const busy: Ctx = { lineState: { andon: [], wos: [order, other] } };
    assert.deepStrictEqual(after({ action: 'complete', payload: { ...order, status: 'done' } }, busy)[0], [{ action: 'reset', topic: a, payload: { asset: a } }]);
    assert.strictEqual(after({ action: 'complete', payload: { ...other, status: 'done' } }, busy)[0], null);
    // assigning or creating touches no machine
    assert.strictEqual(after({ action: 'assign', payload: { ...order, status: 'assigned' } }, ctx)[0], null);
  });

  it('a report is made as of the machine\'s latest event; before its first event it keeps its time; other assets keep their own clocks', () => {
    const ctx: Ctx = {};
    const early = clock({ action: 'report', stamp: 'latest', payload: { asset: 'pump-1', ts: T0 + 5 * MIN } }, ctx);
    assert.strictEqual(early.payload.ts, T0 + 5 * MIN);
    assert.strictEqual(early.stamp, undefined, 'the stamp mark does not reach rel-oee');
    clock({ action: 'state', payload: { asset: 'pump-1', state: 'stopped', reason: 'repair WO-000003', ts: T0 + 60 * MIN } }, ctx);
    clock({ action: 'count', payload: { asset: 'filler-1', ts: T0 + 90 * MIN, good: 1, total: 1 } }, ctx);
    assert.strictEqual(clock({ action: 'report', stamp: 'latest', payload: { asset: 'pump-1', ts: T0 + 30 * MIN } }, ctx).payload.ts, T0 + 60 * MIN);
    assert.strictEqual(clock({ action: 'report', stamp: 'latest', payload: { asset: 'pump-1', ts: T0 + 70 * MIN } }, ctx).payload.ts, T0 + 70 * MIN);
    assert.strictEqual(clock({ action: 'report', stamp: 'latest', payload: { asset: 'filler-1', ts: T0 + 30 * MIN } }, ctx).payload.ts, T0 + 90 * MIN, 'the pump\'s clock is not the filler\'s');
  });

  it('a health change reaches the caps Kanban at the loop\'s clock, not at another machine\'s', () => {
    const n = FLOW.find((x) => x.id === 'health-to-kanban');
    const rule = n.rules.find((r: any) => r.p === 'payload.ts');
    assert.strictEqual(rule.tot, 'jsonata');
    assert.match(rule.to, /\$exists\(\$flowContext\("kanbanTs"\)\) \? \$flowContext\("kanbanTs"\) : payload\.ts/);
    assert.doesNotMatch(rule.to, /\$max/);
  });
});
