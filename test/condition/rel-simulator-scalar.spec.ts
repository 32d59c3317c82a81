/**
 * rel-simulator's scalar-only machine (kind `scalar`: run bit, part counter, 4-20 mA velocity,
 * motor and bearing temperature, motor current) in a real runtime on a fake clock: its array
 * output into rel-health's machine mode and on to rel-work-order, planned stops quiet, a velocity
 * shift into ISO zone D opening a work order; production events; resuming from its store; a
 * config saved before the scalar kind existed stays a waveform machine.
 */
import assert from 'assert';
import fs from 'fs';
import path from 'path';
import { migrateSimulatorConfig, simulatorSetup, type SimulatorForm } from '../../nodes/core/signal/sim-config';
import { FakeClock } from '../helpers/fake-clock';
import { assetNode, storeNode } from '../helpers/fixtures';
import { collectInputs as collect, getNode, helper, loadFlow, receiveAndComplete, settle, tmpDir, unloadFlow } from '../helpers/red';

const T0 = Date.UTC(2026, 0, 5, 6, 0, 0);
const POLL = 10_000;

describe('rel-simulator scalar machine -> rel-health machine mode -> rel-work-order (real runtime)', function () {
  this.timeout(300_000);
  let dir: string;
  let clock: FakeClock;
  beforeEach(() => {
    dir = tmpDir('rel-sim-scalar-');
    clock = new FakeClock(T0);
    helper.settings({ reliabilityClock: clock });
  });
  afterEach(async () => {
    await unloadFlow();
    helper.settings({ reliabilityClock: undefined });
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const sim = (extra: object = {}) => ({
    id: 's1', type: 'rel-simulator', kind: 'scalar', asset: 'a3', seed: 5, interval: 0, timeScale: 1, runHours: 1, stopMinutes: 15, shiftAtHours: 5.5, shiftVelocity: 3.5, store: 'store1', startEvent: true,
    wires: [['h1', 'polls'], ['tags'], ['events']], ...extra,
  });

  it('learns over running hours and stops, stays quiet through planned stops, alarms in zone D after the shift and opens one work order', async () => {
    await loadFlow([
      storeNode(path.join(dir, 's.db')),
      assetNode({ id: 'a3', assetId: 'press-3', criticality: 4, machineClass: 'iso10816-3:group2:rigid' }),
      sim(),
      { id: 'h1', type: 'rel-health', store: 'store1', mode: 'machine', learnMode: 'hours', learnHours: 3, wires: [['health'], ['wo', 'changes']] },
      { id: 'wo', type: 'rel-work-order', store: 'store1', wires: [['orders'], []] },
      ...['polls', 'tags', 'events', 'health', 'changes', 'orders'].map((id) => ({ id, type: 'helper' })),
    ]);
    const [polls, tags, events, health, changes, orders] = ['polls', 'tags', 'events', 'health', 'changes', 'orders'].map(collect);
    const n = Math.round((5.75 * 3.6e6) / POLL);
    for (let i = 0; i < n; i++) {
      clock.advance(POLL);
      const err = await receiveAndComplete('s1', {});
      assert.strictEqual(err, undefined);
      await settle();
    }
    await settle();
    // output 1: one array of readings per poll, as rel-ingest's array output
    assert.strictEqual(polls.length, n);
    const p0 = polls[0];
    assert.strictEqual(p0.topic, 'press-3/poll');
    assert.deepStrictEqual(p0.payload.map((r: any) => `${r.channel}:${r.quantity}:${r.unit}`), ['run:state:', 'parts:count:parts', 'velocity:velocity:mm/s', 'motor-temp:temperature:degC', 'bearing-temp:temperature:degC', 'motor-current:current:A']);
    assert.strictEqual(tags.length, 6 * n, 'output 2: one message per tag');
    // output 3: running at the start, stopped for 15 min after each running hour; part counts
    const states = events.filter((m) => m.action === 'state').map((m) => `${m.payload.state}@${((m.payload.ts - T0) / 3.6e6).toFixed(2)}`);
    assert.deepStrictEqual(states, ['running@0.00', 'stopped@1.00', 'running@1.25', 'stopped@2.25', 'running@2.50', 'stopped@3.50', 'running@3.75', 'stopped@4.75', 'running@5.00']);
    const parts = events.filter((m) => m.action === 'count').reduce((s, m) => s + m.payload.good, 0);
    assert.ok(Math.abs(parts - 6 * 60 * 4.75) <= 2, `${parts} parts in 4.75 running hours at 6 a minute`);
    // health: stopped while the run bit is 0, nothing raised before the shift, alarm and zone D after
    const at = (ts: number) => (ts - T0) / 3.6e6;
    const hours = (m: any) => at(m.payload.ts);
    const stopped = health.filter((m) => hours(m) > 4.75 && hours(m) < 5);
    assert.ok(stopped.length > 80 && stopped.every((m) => m.payload.health.state === 'stopped'));
    const before = changes.filter((m) => at(m.payload.ts) < 5.5);
    assert.deepStrictEqual(before.map((m) => m.payload.to), [], `no warning or alarm before the shift: ${before.map((m) => `${at(m.payload.ts).toFixed(2)} h ${m.payload.evidence}`).join('; ')}`);
    const alarm = changes.find((m) => m.payload.to === 'alarm');
    assert.ok(alarm, 'the shift raised an alarm');
    const delay = (at(alarm.payload.ts) - 5.5) * 3600;
    const last = health[health.length - 1].payload.health;
    console.log(`      ${n} polls; learned by ${hours(health.find((m) => m.payload.health.learned === 1)).toFixed(2)} h; alarm ${delay.toFixed(0)} s after the shift; ${alarm.payload.evidence}`);
    assert.ok(delay >= 0 && delay <= 300, `alarm ${delay} s after the shift`);
    assert.strictEqual(last.isoZone, 'D');
    const wo = orders.map((m) => m.payload).filter((p) => p.mode === 'health');
    assert.ok(wo.length >= 1 && new Set(wo.map((w) => w.id)).size === 1, 'one work order');
    assert.strictEqual(wo[wo.length - 1].priority, 1, 'criticality 4 x alarm = P1');
    assert.match(wo[wo.length - 1].evidence, /ISO 10816 zone D.*velocity [\d.]+ mm\/s/);
  });

  it('set: a velocity shift now; reset: repaired; the store resumes the machine after a redeploy, its counts with no part lost', async () => {
    const flow = () => [
      storeNode(path.join(dir, 'r.db')),
      assetNode({ id: 'a3', assetId: 'press-3' }),
      sim({ shiftAtHours: '', runHours: 0, wires: [['polls'], [], ['events']] }),
      { id: 'polls', type: 'helper' },
      { id: 'events', type: 'helper' },
    ];
    await loadFlow(flow());
    let polls = collect('polls');
    const counted: number[] = [];
    const countEvents = () => getNode('events').on('input', (m: any) => m.action === 'count' && counted.push(m.payload.total));
    countEvents();
    const vel = () => polls[polls.length - 1].payload.find((r: any) => r.channel === 'velocity').simulation;
    const poll = async () => {
      clock.advance(POLL);
      assert.strictEqual(await receiveAndComplete('s1', {}), undefined);
      await settle();
    };
    await poll();
    assert.strictEqual(vel().velocityFactor, 1);
    const firstPoll = polls[0].payload[1].value; // the first poll sets the baseline: no count
    assert.strictEqual(await receiveAndComplete('s1', { action: 'set', payload: { velocityFactor: 2.2 } }), undefined);
    await poll();
    assert.strictEqual(vel().velocityFactor, 2.2);
    const bad = await receiveAndComplete('s1', { action: 'set', payload: { velocityFactor: -1 } });
    assert.match(String(bad?.message), /msg\.payload\.velocityFactor/);
    const none = await receiveAndComplete('s1', { action: 'set', payload: { fault: 'imbalance' } });
    assert.match(String(none?.message), /msg\.payload\.fault: expected no fault on a scalar machine \(set takes velocityFactor, currentFactor, hours, running\), got the string "imbalance"/);
    const empty = await receiveAndComplete('s1', { action: 'set', payload: {} });
    assert.match(String(empty?.message), /msg\.payload: expected an object with velocityFactor, currentFactor, hours or running/);
    const partsBefore = polls[polls.length - 1].payload[1].value;
    const tsBefore = polls[polls.length - 1].payload[0].ts;
    // redeploy: the shift set at run time, the part counter and the clock carry over
    await unloadFlow();
    const firstParts = 0; // the counter of a new machine
    clock.advance(5 * POLL); // the flow stood for 50 s: that time does not count (the clock resumes)
    await loadFlow(flow());
    polls = collect('polls');
    countEvents();
    await poll();
    assert.strictEqual(vel().velocityFactor, 2.2, 'the shift survives a redeploy');
    // every part the counter shows since the start went out as a count, the poll after the redeploy too
    const sum = counted.reduce((n, x) => n + x, 0);
    const counter = polls[0].payload[1].value;
    console.log(`      counter ${partsBefore} before the redeploy, ${counter} at the first poll after it; counts sent ${sum}`);
    assert.ok(counter > partsBefore, 'parts made in the poll after the redeploy');
    assert.strictEqual(sum, counter - firstParts - firstPoll, 'the counts add up to the counter');
    assert.ok(polls[0].payload[1].value >= partsBefore && polls[0].payload[0].ts > tsBefore);
    assert.strictEqual(await receiveAndComplete('s1', { action: 'reset' }), undefined);
    await poll();
    assert.strictEqual(vel().velocityFactor, 1, 'reset: repaired');
  });

  it('config: a flow saved before version 2 (no kind) is a waveform machine; scalar fields are checked', () => {
    assert.strictEqual(migrateSimulatorConfig({ version: 1 } as SimulatorForm).kind, 'waveform');
    assert.strictEqual(migrateSimulatorConfig({ version: 1, kind: 'scalar' } as SimulatorForm).kind, 'scalar');
    assert.strictEqual(simulatorSetup({ version: 1 }, { assetId: 'x', rpm: 1500 }).kind, 'waveform');
    const s = simulatorSetup({ kind: 'scalar', shiftAtHours: 3, shiftVelocity: 2 }, { assetId: 'x', rpm: 1500 });
    assert.deepStrictEqual(s.scalar!.shifts, [{ atHours: 3, velocityFactor: 2, currentFactor: 1 }]);
    assert.throws(() => simulatorSetup({ kind: 'scalar', velocityMmS: 0 }, { assetId: 'x', rpm: 1500 }), /velocityMmS/);
    assert.throws(() => simulatorSetup({ kind: 'other' }, { assetId: 'x', rpm: 1500 }), /kind: expected waveform or scalar/);
  });
});
