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
import { FakeClock } from '../helpers/fake-clock';
import { assetNode, storeNode, TAB } from '../helpers/fixtures';
import { getNode, helper, loadFlow, nextMessages, receiveAndComplete, recordStatus, tmpDir, unloadFlow } from '../helpers/red';

const HOUR = 3_600_000;
// 06:00, the start of the early shift; at 3600x a quarter of a real second is 15 simulated minutes
const T0 = Date.UTC(2026, 0, 5, 6);
const STEP = 250;

function collect(id: string): any[] {
  const list: any[] = [];
  getNode(id).on('input', (m: any) => list.push(m));
  return list;
}

async function settle(): Promise<void> {
  for (let k = 0; k < 5; k++) await new Promise((r) => setImmediate(r));
}

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
    { id: 'sim', type: 'rel-simulator', z: 'tab1', asset: 'asset1', fault: 'none', seed: 3, fs: 12000, frameSize: 1024, interval: 0, timeScale: 3600, countStepMin: 15, startEvent: true, wires: [['frames'], [], ['events', 'to-oee']] },
    { id: 'to-oee', type: 'switch', z: 'tab1', property: 'action', propertyType: 'msg', rules: [{ t: 'eq', v: 'state', vt: 'str' }, { t: 'eq', v: 'count', vt: 'str' }], checkall: 'false', outputs: 2, wires: [['oee'], ['oee']] },
    { id: 'oee', type: 'rel-oee', z: 'tab1', store: 'store1', shifts: 'night=22:00-06:00, early=06:00-14:00, late=14:00-22:00', utcOffset: '0', idealCycleS: 30, wires: [['report']] },
    ...['frames', 'events', 'report'].map((id) => ({ id, type: 'helper', z: 'tab1' })),
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

  it('waveform machine: no frames and no parts while held; stopped (with the reason) and running announced once; rel-oee reads A 4/6, P at most 100 %', async () => {
    await loadFlow(oeeFlow(), [require('@node-red/nodes/core/function/10-switch.js')]);
    const frames = collect('frames');
    const events = collect('events');
    await emit(8); // 06:00-08:00 running
    assert.strictEqual(await receiveAndComplete('sim', { action: 'set', payload: { running: false, reason: 'repair WO-7' } }), undefined);
    const framesBefore = frames.length;
    await emit(8); // 08:00-10:00 held
    assert.strictEqual(frames.length, framesBefore, 'no frames while held stopped');
    assert.strictEqual(await receiveAndComplete('sim', { action: 'set', payload: { running: true } }), undefined);
    await emit(8); // 10:00-12:00 running again
    assert.strictEqual(frames.length, framesBefore + 8);

    const h = (ts: number) => (ts - T0) / HOUR;
    const states = events.filter((m) => m.action === 'state').map((m) => `${m.payload.state}@${h(m.payload.ts)}${m.payload.reason ? ` (${m.payload.reason})` : ''}`);
    assert.deepStrictEqual(states, ['running@0', 'stopped@2 (repair WO-7)', 'running@4']);
    const counts = events.filter((m) => m.action === 'count');
    assert.deepStrictEqual(counts.filter((m) => h(m.payload.ts) > 2 && h(m.payload.ts) <= 4), [], 'no parts while held');
    const total = counts.reduce((s, m) => s + m.payload.total, 0);
    assert.ok(total >= 478 && total <= 480, `4 running hours at 30 s a part: ${total}`);

    const oee = await report(T0 + 6 * HOUR);
    console.log(`      held 2 of 6 h: A ${oee.availability}, P ${oee.performance}, Q ${oee.quality}, OEE ${oee.oee}`);
    assert.ok(Math.abs(oee.availability - 4 / 6) < 1e-3, `availability ${oee.availability}`);
    assert.ok(oee.performance > 0.99 && oee.performance <= 1, `performance ${oee.performance}`);
    const errors = helper.log().args.map((a: any[]) => a[0]).filter((e: any) => e && e.level === 20);
    assert.deepStrictEqual(errors.map((e: any) => e.msg), []);
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

  it('scalar machine: run bit 0 and no parts while held, the reason on its state event and status; the hold survives a redeploy; bad input named', async () => {
    const flow = () => [
      TAB,
      storeNode(path.join(dir, 's.db')),
      assetNode({ id: 'a3', assetId: 'press-3', z: 'tab1' }),
      { id: 'sim', type: 'rel-simulator', z: 'tab1', kind: 'scalar', asset: 'a3', seed: 5, interval: 0, timeScale: 1, runHours: 0, stopMinutes: 0, store: 'store1', startEvent: true, wires: [['polls'], [], ['events']] },
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

    // redeploy: still held (the store keeps it), and announced stopped again on the first poll
    await unloadFlow();
    await loadFlow(flow());
    polls = collect('polls');
    events = collect('events');
    await poll(3);
    assert.strictEqual(tag('run'), 0, 'the hold survives a redeploy');
    assert.strictEqual(tag('parts'), parts);
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
});
