/**
 * rel-simulator held stopped by hand (`set` with `running: false`, as a repair or a lockout), in a
 * real runtime on a fake clock: the waveform machine sends no frames and makes no parts, announces
 * `stopped` once with the reason and `running` when released, so rel-oee downstream reads the stop
 * as lost availability and a performance of at most 100 %; the scalar machine reads its run bit 0
 * and keeps the hold across a redeploy.
 */
import assert from 'assert';
import fs from 'fs';
import path from 'path';
import { DEFAULT_SCALAR_SIM, ScalarSimMachine } from '../../nodes/core/signal/scalar-sim';
import { DEFAULT_MACHINE, SimMachine } from '../../nodes/core/signal/simulator';
import { FakeClock } from '../helpers/fake-clock';
import { assetNode, storeNode, TAB } from '../helpers/fixtures';
import { collectInputs as collect, getNode, helper, loadFlow, nextMessages, receiveAndComplete, recordStatus, settle, tmpDir, unloadFlow } from '../helpers/red';

const HOUR = 3_600_000;
// 06:00, the start of the early shift; at 3600x a quarter of a real second is 15 simulated minutes
const T0 = Date.UTC(2026, 0, 5, 6);
const STEP = 250;

describe('rel-simulator held stopped by hand (set running: false / true)', function () {
  this.timeout(60_000);
  let dir: string;
  let clock: FakeClock;
  beforeEach(() => {
    dir = tmpDir('rel-sim-stop-');
    clock = new FakeClock(T0);
    helper.settings({ reliabilityClock: clock });
  });
  afterEach(async () => {
    await unloadFlow();
    helper.settings({ reliabilityClock: undefined });
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** A healthy waveform machine (30 s cycle) whose state and count events go to rel-oee, as in the demo. */
  const oeeFlow = () => [
    TAB,
    assetNode({ z: 'tab1' }),
    storeNode(path.join(dir, 'oee.db')),
    { id: 'sim', type: 'rel-simulator', z: 'tab1', asset: 'asset1', fault: 'none', seed: 3, fs: 12000, frameSize: 1024, interval: 0, timeScale: 3600, countStepMin: 15, startEvent: true, wires: [['frames'], ['proc'], ['events', 'to-oee']] },
    { id: 'to-oee', type: 'switch', z: 'tab1', property: 'action', propertyType: 'msg', rules: [{ t: 'eq', v: 'state', vt: 'str' }, { t: 'eq', v: 'count', vt: 'str' }], checkall: 'false', outputs: 2, wires: [['oee'], ['oee']] },
    { id: 'oee', type: 'rel-oee', z: 'tab1', store: 'store1', shifts: 'night=22:00-06:00, early=06:00-14:00, late=14:00-22:00', utcOffset: '0', idealCycleS: 30, wires: [['report']] },
    ...['frames', 'proc', 'events', 'report'].map((id) => ({ id, type: 'helper', z: 'tab1' })),
  ];

  async function emit(n: number): Promise<void> {
    for (let i = 0; i < n; i++) {
      clock.advance(STEP);
      assert.strictEqual(await receiveAndComplete('sim', {}), undefined);
      await settle();
    }
  }

  async function report(ts: number): Promise<any> {
    const got = nextMessages('report', 1);
    getNode('oee').receive({ action: 'report', payload: { asset: 'pump-1', ts } });
    return (await got)[0].payload.oee;
  }

  it('waveform machine, held between two emissions: parts counted up to the hold, none while held, no frames, standing readings; stopped (with the reason) and running announced once; rel-oee reads A 4/6, P at most 100 %', async () => {
    await loadFlow(oeeFlow(), [require('@node-red/nodes/core/function/10-switch.js')]);
    const frames = collect('frames');
    const proc = collect('proc');
    const events = collect('events');
    await emit(8); // 06:00-08:00 running
    clock.advance(STEP / 2); // 08:07:30
    assert.strictEqual(await receiveAndComplete('sim', { action: 'set', payload: { running: false, reason: 'repair WO-7' } }), undefined);
    clock.advance(STEP / 2);
    const framesBefore = frames.length;
    const procBefore = proc.length;
    assert.strictEqual(await receiveAndComplete('sim', {}), undefined); // 08:15
    await emit(7); // to 10:00 held
    assert.strictEqual(frames.length, framesBefore, 'no frames while held stopped');
    // the process readings go on: the motor standing, cooling, no current
    const held = proc.slice(procBefore).map((m) => m.payload);
    const temps = held.filter((r) => r.quantity === 'temperature').map((r) => r.value);
    assert.strictEqual(temps.length, 8);
    assert.ok(held.filter((r) => r.quantity === 'current').every((r) => r.value < 0.2 && r.rpm === 0), 'no current while standing');
    assert.ok(temps[0] > temps[7] + 10 && temps[7] < 30, `cooling: ${temps.join(', ')}`);
    clock.advance(STEP / 2); // 10:07:30
    assert.strictEqual(await receiveAndComplete('sim', { action: 'set', payload: { running: true } }), undefined);
    clock.advance(STEP / 2);
    assert.strictEqual(await receiveAndComplete('sim', {}), undefined); // 10:15
    await emit(7); // to 12:00 running again
    assert.strictEqual(frames.length, framesBefore + 8);

    const h = (ts: number) => (ts - T0) / HOUR;
    const states = events.filter((m) => m.action === 'state').map((m) => `${m.payload.state}@${h(m.payload.ts)}${m.payload.reason ? ` (${m.payload.reason})` : ''}`);
    assert.deepStrictEqual(states, ['running@0', 'stopped@2.125 (repair WO-7)', 'running@4.125']);
    const counts = events.filter((m) => m.action === 'count');
    assert.deepStrictEqual(counts.filter((m) => h(m.payload.ts) > 2.125 && h(m.payload.ts) <= 4.125), [], 'no parts while held');
    const total = counts.reduce((s, m) => s + m.payload.total, 0);
    assert.ok(total >= 479 && total <= 480, `4 running hours (06:00-08:07:30, 10:07:30-12:00) at 30 s a part: ${total}`);
    // what rel-oee gets (cycles go to rel-takt) is in time order
    const toOee = events.filter((m) => m.action !== 'cycle');
    for (let i = 1; i < toOee.length; i++) assert.ok(toOee[i].payload.ts >= toOee[i - 1].payload.ts, `event ${i} (${toOee[i].action}) in time order`);

    const oee = await report(T0 + 6 * HOUR);
    console.log(`      held 2 of 6 h: A ${oee.availability}, P ${oee.performance}, Q ${oee.quality}, OEE ${oee.oee}; ${total} parts`);
    assert.ok(Math.abs(oee.availability - 4 / 6) < 1e-3, `availability ${oee.availability}`);
    assert.ok(oee.performance > 0.99 && oee.performance <= 1, `performance ${oee.performance}`);

    // held and released between two emissions: both announced, the parts on either side counted
    clock.advance(STEP / 3); // 12:05
    assert.strictEqual(await receiveAndComplete('sim', { action: 'set', payload: { running: false, reason: 'lockout' } }), undefined);
    clock.advance(STEP / 3); // 12:10
    assert.strictEqual(await receiveAndComplete('sim', { action: 'set', payload: { running: true } }), undefined);
    const n = events.length;
    clock.advance(STEP / 3);
    assert.strictEqual(await receiveAndComplete('sim', {}), undefined); // 12:15
    await settle();
    const last = events.slice(n).map((m) => `${m.action === 'state' ? m.payload.state : m.action}@${Math.round((m.payload.ts - T0) / 60_000)}${m.action === 'count' ? `:${m.payload.total}` : ''}`);
    assert.deepStrictEqual(last, ['cycle@365', 'count@365:10', 'stopped@365', 'running@370', 'cycle@375', 'count@375:10']);
    const errors = helper.log().args.map((a: any[]) => a[0]).filter((e: any) => e && e.level === 20);
    assert.deepStrictEqual(errors.map((e: any) => e.msg), []);
  });

  it('waveform machine with a store: the hold survives a redeploy and a reset; its stop is not sent again; a reset while held keeps the parts made before the hold; the status follows a release at once', async () => {
    const flow = () => oeeFlow().map((n: any) => (n.id === 'sim' ? { ...n, store: 'store1' } : n));
    await loadFlow(flow(), [require('@node-red/nodes/core/function/10-switch.js')]);
    let events = collect('events');
    await emit(4); // 06:00-07:00
    clock.advance(STEP / 2); // 07:07:30
    assert.strictEqual(await receiveAndComplete('sim', { action: 'set', payload: { running: false, reason: 'repair WO-9' } }), undefined);
    assert.strictEqual(await receiveAndComplete('sim', { action: 'reset' }), undefined); // repaired while held
    clock.advance(STEP / 2);
    assert.strictEqual(await receiveAndComplete('sim', {}), undefined); // 07:15
    await emit(1);
    await settle();
    const before = events.filter((m) => m.action === 'count').reduce((n, m) => n + m.payload.total, 0);
    assert.strictEqual(before, 135, 'the parts of 06:00-07:07:30 at 30 s a part, also with a reset while held');
    assert.deepStrictEqual(events.filter((m) => m.action === 'state').map((m) => `${m.payload.state}@${(m.payload.ts - T0) / 60_000}`), ['running@0', 'stopped@67.5']);
    await unloadFlow();
    await loadFlow(flow(), [require('@node-red/nodes/core/function/10-switch.js')]);
    const frames = collect('frames');
    events = collect('events');
    const shown = recordStatus('sim');
    await emit(2);
    assert.strictEqual(await receiveAndComplete('sim', { action: 'reset' }), undefined);
    await emit(2);
    assert.strictEqual(frames.length, 0, 'still held after a redeploy and a reset');
    assert.strictEqual(events.length, 0, 'rel-oee has the stop already: not sent again');
    assert.match(shown[shown.length - 1].text, /^stopped: repair WO-9 · /);
    assert.strictEqual(await receiveAndComplete('sim', { action: 'set', payload: { running: true } }), undefined);
    assert.doesNotMatch(shown[shown.length - 1].text, /stopped/, 'released: the status says so before the next emission');
    await emit(1);
    assert.strictEqual(frames.length, 1);
    assert.strictEqual(frames[0].payload.simulation.hours < 1, true, 'the reset took: hour 0 again');
    assert.deepStrictEqual(events.map((m) => m.action), ['state', 'cycle', 'count']);
    const errors = helper.log().args.map((a: any[]) => a[0]).filter((e: any) => e && e.level === 20);
    assert.deepStrictEqual(errors.map((e: any) => e.msg), [], 'rel-oee took every event');
  });

  it('the same stop sent to rel-oee alone while the machine goes on counting reads a performance of 150 % (why the simulator holds)', async () => {
    await loadFlow(oeeFlow(), [require('@node-red/nodes/core/function/10-switch.js')]);
    await emit(8);
    getNode('oee').receive({ action: 'state', payload: { asset: 'pump-1', state: 'stopped', ts: T0 + 2 * HOUR } });
    await emit(8);
    getNode('oee').receive({ action: 'state', payload: { asset: 'pump-1', state: 'running', ts: T0 + 4 * HOUR } });
    await emit(8);
    const oee = await report(T0 + 6 * HOUR);
    assert.ok(Math.abs(oee.availability - 4 / 6) < 1e-3 && oee.performance > 1.45, `A ${oee.availability}, P ${oee.performance}`);
  });

  it('scalar machine: run bit 0 and no parts while held, the reason on its state event and status; the hold survives redeploys and is not announced twice; bad input named', async () => {
    const flow = (startEvent = true) => [
      TAB,
      storeNode(path.join(dir, 's.db')),
      assetNode({ id: 'a3', assetId: 'press-3', z: 'tab1' }),
      { id: 'sim', type: 'rel-simulator', z: 'tab1', kind: 'scalar', asset: 'a3', seed: 5, interval: 0, timeScale: 1, runHours: 0, stopMinutes: 0, store: 'store1', startEvent, wires: [['polls'], [], ['events']] },
      ...['polls', 'events'].map((id) => ({ id, type: 'helper', z: 'tab1' })),
    ];
    await loadFlow(flow());
    let polls = collect('polls');
    let events = collect('events');
    const poll = async (n = 1) => {
      for (let i = 0; i < n; i++) {
        clock.advance(10_000);
        assert.strictEqual(await receiveAndComplete('sim', {}), undefined);
        await settle();
      }
    };
    const tag = (ch: string) => polls[polls.length - 1].payload.find((r: any) => r.channel === ch).value;
    await poll(6);
    assert.strictEqual(tag('run'), 1);
    const shown = recordStatus('sim');
    assert.strictEqual(await receiveAndComplete('sim', { action: 'set', payload: { running: false, reason: ' lockout LO-3 ' } }), undefined);
    await poll();
    const parts = tag('parts');
    await poll(30);
    assert.strictEqual(tag('run'), 0);
    assert.strictEqual(tag('parts'), parts, 'no parts while held');
    assert.ok(tag('motor-current') < 0.5 && tag('velocity') < 0.2, `current ${tag('motor-current')} A, velocity ${tag('velocity')} mm/s`);
    const stop = events.filter((m) => m.action === 'state').pop();
    assert.deepStrictEqual([stop.payload.state, stop.payload.reason], ['stopped', 'lockout LO-3']);
    assert.match(shown[shown.length - 1].text, /^stopped: lockout LO-3 · /);

    // redeploy without the start event: still held (the store keeps it), and not announced again
    await unloadFlow();
    await loadFlow(flow(false));
    polls = collect('polls');
    events = collect('events');
    await poll(3);
    assert.strictEqual(tag('run'), 0, 'the hold survives a redeploy');
    assert.strictEqual(tag('parts'), parts);
    assert.deepStrictEqual(events, [], 'rel-oee has the stop already: not sent again');
    // redeploy with it: the first poll states the run bit (stopped, with the hold's reason)
    await unloadFlow();
    await loadFlow(flow());
    polls = collect('polls');
    events = collect('events');
    await poll(3);
    assert.strictEqual(tag('run'), 0, 'the hold survives a second redeploy');
    assert.deepStrictEqual(events.map((m) => [m.payload.state, m.payload.reason]), [['stopped', 'lockout LO-3']]);
    assert.strictEqual(await receiveAndComplete('sim', { action: 'set', payload: { running: true } }), undefined);
    await poll(6);
    assert.strictEqual(tag('run'), 1);
    assert.ok(tag('parts') > parts, 'makes parts again');
    assert.deepStrictEqual(events.filter((m) => m.action === 'state').map((m) => m.payload.state), ['stopped', 'running']);

    const bad = async (payload: unknown) => String((await receiveAndComplete('sim', { action: 'set', payload }))?.message);
    assert.match(await bad({ running: 'no' }), /msg\.payload\.running: expected true \(run\) or false \(held stopped\), got the string "no"/);
    assert.match(await bad({ reason: 'why' }), /msg\.payload\.reason: expected a reason only with running: false/);
    assert.match(await bad({ running: false, reason: 'x'.repeat(201) }), /msg\.payload\.reason: expected text of at most 200 characters/);
    await poll();
    assert.strictEqual(tag('run'), 1, 'a refused command changes nothing');
  });

  it('scalar machine on its run and stop schedule: parts counted up to a hold between polls; a hold starting in a planned stop announced with its reason; released, back on the schedule', async () => {
    // 1 real second = 1 simulated minute; a poll a minute; runs 60 min, stops 15 min
    await loadFlow([
      TAB,
      assetNode({ id: 'a3', assetId: 'press-3', z: 'tab1' }),
      { id: 'sim', type: 'rel-simulator', z: 'tab1', kind: 'scalar', asset: 'a3', seed: 5, interval: 0, timeScale: 60, runHours: 1, stopMinutes: 15, partsPerMin: 6, startEvent: true, wires: [['polls'], [], ['events']] },
      ...['polls', 'events'].map((id) => ({ id, type: 'helper', z: 'tab1' })),
    ]);
    const polls = collect('polls');
    const events = collect('events');
    const pollTo = async (min: number) => {
      while (clock.now() < T0 + min * 1000) {
        clock.advance(1000 - ((clock.now() - T0) % 1000)); // on the whole minute
        assert.strictEqual(await receiveAndComplete('sim', {}), undefined);
        await settle();
      }
    };
    const set = async (atMin: number, payload: object) => {
      clock.t = T0 + atMin * 1000;
      assert.strictEqual(await receiveAndComplete('sim', { action: 'set', payload }), undefined);
    };
    const tag = (ch: string) => polls[polls.length - 1].payload.find((r: any) => r.channel === ch).value;
    await pollTo(30);
    assert.strictEqual(tag('parts'), 180);
    await set(30.5, { running: false, reason: 'repair WO-3' });
    await pollTo(40);
    assert.deepStrictEqual([tag('run'), tag('parts')], [0, 183], 'the half minute before the hold made 3 parts');
    await set(40.5, { running: true });
    await pollTo(59);
    assert.deepStrictEqual([tag('run'), tag('parts')], [1, 186 + 18 * 6]);
    await pollTo(63);
    assert.strictEqual(tag('run'), 0, 'the planned stop from minute 60');
    await set(63.5, { running: false, reason: 'lockout LO-1' });
    await pollTo(80);
    assert.deepStrictEqual([tag('run'), tag('parts')], [0, 294], 'held past the end of the planned stop (minute 75)');
    await set(80.5, { running: true });
    await pollTo(82);
    assert.deepStrictEqual([tag('run'), tag('parts')], [1, 294 + 3 + 6]);
    // held, released and held again between two polls: one hold, no parts between (as on a waveform machine)
    await set(82.2, { running: false });
    await set(82.4, { running: true });
    await set(82.6, { running: false, reason: 'again' });
    await pollTo(84);
    assert.deepStrictEqual([tag('run'), tag('parts')], [0, 303 + 1], 'the parts of 82-82.2 only');
    await set(84.5, { running: true });
    await pollTo(85);
    const states = events.filter((m) => m.action === 'state').map((m) => `${m.payload.state}@${(m.payload.ts - T0) / 60_000}${m.payload.reason ? ` (${m.payload.reason})` : ''}`);
    assert.deepStrictEqual(states, ['running@1', 'stopped@31 (repair WO-3)', 'running@41', 'stopped@60', 'stopped@64 (lockout LO-1)', 'running@81', 'stopped@83 (again)', 'running@85']);
    const first = polls[0].payload.find((r: any) => r.channel === 'parts').value;
    assert.strictEqual(events.filter((m) => m.action === 'count').reduce((n, m) => n + m.payload.good, 0), tag('parts') - first, 'the counts add up to the counter (from its first poll)');
  });

  it('snapshots saved before holds existed (no stop, no partsTs) restore as running', () => {
    const w = new SimMachine({ ...DEFAULT_MACHINE, assetId: 'pump-1' }, T0);
    const ws: Partial<ReturnType<SimMachine['snapshot']>> = w.snapshot();
    delete ws.stop;
    const w2 = new SimMachine({ ...DEFAULT_MACHINE, assetId: 'pump-1' }, T0);
    assert.deepStrictEqual(w2.restore(ws), []);
    assert.strictEqual(w2.stopped, null);
    assert.deepStrictEqual(w2.restore({ ...ws, stop: { since: 'x' } }), ['snapshot.stop: expected null or { since, reason, until }']);
    assert.deepStrictEqual(w2.restore({ ...ws, stop: { since: T0, until: Infinity } }), ['snapshot.stop.until: expected a time not before since']);
    const sc = new ScalarSimMachine({ ...DEFAULT_SCALAR_SIM, assetId: 'press-1', runHours: 0 }, T0);
    sc.poll(T0 + 60_000);
    const ss: Partial<ReturnType<ScalarSimMachine['snapshot']>> = sc.snapshot();
    delete ss.stop;
    delete ss.partsTs;
    const sc2 = new ScalarSimMachine({ ...DEFAULT_SCALAR_SIM, assetId: 'press-1', runHours: 0 }, T0);
    assert.deepStrictEqual(sc2.restore(ss), []);
    assert.strictEqual(sc2.stopped, null);
    const parts = sc2.poll(T0 + 120_000).find((r) => r.channel === 'parts')!.value;
    assert.strictEqual(parts, 2 * DEFAULT_SCALAR_SIM.partsPerMin, 'parts counted on from lastTs');
  });
});
