import assert from 'assert';
import fs from 'fs';
import path from 'path';
import { openStore } from '../../nodes/core/store';
import { collectInputs as collect, DATA, getNode, loadFlow, receiveAndComplete as complete, tmpDir, unloadFlow } from '../helpers/red';
import { assetNode, storeNode } from '../helpers/fixtures';
import { fuzzNode } from '../helpers/fuzz';
import { ScalarMachine } from './scalar-machine';
import { add, figures, skabFiles } from './skab';
import { skabThroughRelHealth } from './skab-red';

const T0 = Date.UTC(2026, 0, 5, 6, 0, 0);
const S = 1000;

async function send(id: string, msg: any): Promise<Error | undefined> {
  const err = await complete(id, msg);
  for (let k = 0; k < 3; k++) await new Promise((r) => setImmediate(r));
  return err;
}

describe('rel-health machine mode (scalar tags, real runtime)', function () {
  this.timeout(300_000);
  let dir: string;
  beforeEach(() => {
    dir = tmpDir('rel-health-machine-');
  });
  afterEach(async () => {
    await unloadFlow();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  function flow(file: string, extra: object = {}) {
    return [
      storeNode(file),
      assetNode({ id: 'a7', assetId: 'pump-7', machineClass: 'iso10816-3:group2:rigid' }),
      { id: 'h1', type: 'rel-health', store: 'store1', asset: 'a7', mode: 'machine', learnMode: 'hours', learnHours: 0.25, ...extra, wires: [['out'], ['changes']] },
      { id: 'out', type: 'helper' },
      { id: 'changes', type: 'helper' },
    ];
  }

  it('one health per poll; 10 min stopped and cooling: no warning or alarm; running again: normal; 5.2 mm/s: alarm, zone D', async () => {
    const file = path.join(dir, 'm.db');
    await loadFlow(flow(file));
    const out = collect('out');
    const changes = collect('changes');
    const sim = new ScalarMachine('pump-7');
    let t = T0;
    for (let i = 0; i < 1200; i++, t += S) assert.strictEqual(await send('h1', { payload: sim.poll(t, { running: true }) }), undefined);
    assert.strictEqual(out.length, 1200, 'one message per poll, not one per channel');
    assert.strictEqual(out[100].payload.health.state, 'learning');
    const ready = out[1199].payload.health;
    assert.strictEqual(ready.state, 'normal');
    assert.strictEqual(ready.isoZone, 'A');
    assert.deepStrictEqual(ready.contributors.map((c: any) => c.channel).sort(), ['current', 'motor-temp', 'velocity']);
    const vel = ready.contributors.find((c: any) => c.channel === 'velocity');
    assert.strictEqual(vel.unit, 'mm/s');
    assert.ok(typeof vel.baseline === 'number' && typeof vel.deviation === 'number' && typeof vel.value === 'number');
    // 10 minutes stopped: run bit 0, current and vibration near 0, motor cooling
    const n0 = out.length;
    for (let i = 0; i < 600; i++, t += S) await send('h1', { payload: sim.poll(t, { running: false, temp: 58 - (12 * i) / 600 }) });
    assert.ok(out.slice(n0).every((m) => m.payload.health.state === 'stopped' && m.payload.health.score === null));
    assert.strictEqual(changes.length, 0, 'no warning, no alarm while stopped');
    // running again, the motor warming back up
    const n1 = out.length;
    for (let i = 0; i < 900; i++, t += S) await send('h1', { payload: sim.poll(t, { running: true, temp: 46 + 12 * (1 - Math.exp(-i / 40)) }) });
    assert.strictEqual(changes.length, 0);
    assert.ok(out.slice(n1).every((m) => m.payload.health.state === 'normal'));
    assert.strictEqual(out[out.length - 1].payload.health.operating, 'running');
    // 5.2 mm/s on an ISO 10816-3 group 2 rigid machine
    for (let i = 0; i < 20; i++, t += S) await send('h1', { payload: sim.poll(t, { running: true, velocity: 5.2 }) });
    const last = out[out.length - 1].payload.health;
    assert.strictEqual(last.state, 'alarm');
    assert.strictEqual(last.isoZone, 'D');
    assert.deepStrictEqual(changes.map((c) => c.payload.to), ['alarm']);
    const c = changes[0];
    assert.strictEqual(c.action, 'detect');
    assert.strictEqual(c.payload.channel, 'machine');
    assert.match(c.payload.evidence, /ISO 10816 zone D/);
    // stored: the state change event and the machine's state row
    const h = openStore(file);
    const ev = await h.local.all<any>("SELECT kind, channel, to_state FROM condition_events WHERE asset = 'pump-7' ORDER BY id");
    const row = await h.local.one<any>("SELECT state FROM condition_machines WHERE asset = 'pump-7'");
    h.release();
    assert.deepStrictEqual(ev.map((e: any) => `${e.kind}:${e.channel}:${e.to_state}`), ['state:machine:alarm']);
    assert.strictEqual(JSON.parse(row.state).alarm.state, 'alarm');
  });

  it('dashboard output: a score per running poll, nothing while stopped, and no error', async () => {
    const file = path.join(dir, 'd.db');
    const f = flow(file, { dashboard: true });
    (f[2] as any).wires = [['out'], ['changes'], ['dash']];
    await loadFlow([...f, { id: 'dash', type: 'helper' }]);
    const dash = collect('dash');
    const sim = new ScalarMachine('pump-7');
    let t = T0;
    const errs: string[] = [];
    const poll = async (o: Parameters<ScalarMachine['poll']>[1]) => {
      const e = await send('h1', { payload: sim.poll(t, o) });
      if (e) errs.push(e.message);
      t += S;
    };
    for (let i = 0; i < 1000; i++) await poll({ running: true });
    const learned = dash.length;
    for (let i = 0; i < 120; i++) await poll({ running: false, temp: 50 });
    const stopped = dash.length - learned;
    for (let i = 0; i < 900; i++) await poll({ running: true });
    assert.deepStrictEqual(errs, [], 'no reading refused');
    assert.ok(learned > 0, 'scores while running');
    assert.strictEqual(stopped, 0, 'no score while stopped');
    assert.ok(dash.length > learned, 'scores again once running');
    assert.ok(dash.every((m) => Number.isFinite(m.payload) && m.channel === 'machine'), 'every payload a number');
  });

  it('wired to rel-rul and rel-work-order: stopped polls are no error downstream, the zone D alarm opens a work order naming the channels', async () => {
    const file = path.join(dir, 'w.db');
    await loadFlow([
      storeNode(file),
      assetNode({ id: 'a7', assetId: 'pump-7', machineClass: 'iso10816-3:group2:rigid' }),
      { id: 'h1', type: 'rel-health', store: 'store1', asset: 'a7', mode: 'machine', learnMode: 'frames', learnFrames: 400, wires: [['rul', 'wo'], ['wo']] },
      { id: 'rul', type: 'rel-rul', store: 'store1', wires: [['rulOut']] },
      { id: 'wo', type: 'rel-work-order', store: 'store1', wires: [['woOut'], []] },
      { id: 'rulOut', type: 'helper' },
      { id: 'woOut', type: 'helper' },
      { id: 'c1', type: 'catch', scope: null, uncaught: false, wires: [['errors']] },
      { id: 'errors', type: 'helper' },
    ]);
    const rulOut = collect('rulOut');
    const woOut = collect('woOut');
    const errors = collect('errors');
    const sim = new ScalarMachine('pump-7');
    let t = T0;
    for (let i = 0; i < 450; i++, t += S) await send('h1', { payload: sim.poll(t, { running: true }) });
    for (let i = 0; i < 30; i++, t += S) await send('h1', { payload: sim.poll(t, { running: false }) });
    for (let i = 0; i < 320; i++, t += S) await send('h1', { payload: sim.poll(t, { running: true, velocity: i >= 300 ? 5.2 : 1.2 }) });
    for (let k = 0; k < 20; k++) await new Promise((r) => setImmediate(r));
    assert.deepStrictEqual(errors.map((e) => e.error?.message), []);
    assert.ok(rulOut.some((m) => m.payload.reason === 'machine stopped'));
    const opened = woOut.filter((m) => m.payload && m.payload.mode === 'health');
    assert.ok(opened.length >= 1, 'the alarm opened a work order');
    assert.match(JSON.stringify(opened[opened.length - 1].payload), /velocity/);
  });

  it('warning -> alarm on one open work order: priority P2 -> P1, the first finding kept and the latest added (values with units, baselines, deviations, ISO zone)', async () => {
    const file = path.join(dir, 'esc.db');
    await loadFlow([
      storeNode(file),
      assetNode({ id: 'a7', assetId: 'pump-7', criticality: 4, machineClass: 'iso10816-3:group2:rigid' }),
      { id: 'h1', type: 'rel-health', store: 'store1', asset: 'a7', mode: 'machine', learnMode: 'frames', learnFrames: 400, wires: [[], ['wo', 'changes']] },
      { id: 'wo', type: 'rel-work-order', store: 'store1', wires: [['woOut'], []] },
      { id: 'woOut', type: 'helper' },
      { id: 'changes', type: 'helper' },
    ]);
    const woOut = collect('woOut');
    const changes = collect('changes');
    const sim = new ScalarMachine('pump-7');
    let t = T0;
    for (let i = 0; i < 450; i++, t += S) await send('h1', { payload: sim.poll(t, { running: true }) });
    // bearing wear: the velocity creeps up from 1.2 mm/s (2 mm/s an hour) until the alarm
    for (let i = 0; i < 1500 && !changes.some((c) => c.payload.to === 'alarm'); i++, t += S) await send('h1', { payload: sim.poll(t, { running: true, velocity: 1.2 + (2 * i) / 3600 }) });
    const to = changes.map((c) => c.payload.to);
    assert.deepStrictEqual(to.slice(0, 2), ['warning', 'alarm'], `state changes ${to.join(', ')}`);
    const orders = woOut.map((m) => m.payload).filter((p) => p && p.mode === 'health');
    assert.strictEqual(new Set(orders.map((o) => o.id)).size, 1, 'one open order for the machine');
    const [first, last] = [orders[0], orders[orders.length - 1]];
    console.log(`      opened P${first.priority} (${first.severity}), now P${last.priority} (${last.severity}); evidence:\n        ${String(last.evidence).replace(/\n/g, '\n        ')}`);
    assert.deepStrictEqual([first.priority, first.severity], [2, 'warning'], 'criticality 4 x warning = P2');
    assert.deepStrictEqual([last.priority, last.severity, last.detections], [1, 'alarm', orders.length], 'criticality 4 x alarm = P1');
    assert.ok(last.history.some((hh: any) => hh.action === 'escalate' && /priority P2 -> P1/.test(hh.note)), 'the escalation is in the history');
    // the first finding stays, the latest follows it; both name each channel's value and unit,
    // baseline and deviation, and the ISO zone
    const [firstEv, latestEv] = String(last.evidence).split('\nlatest: ');
    assert.strictEqual(firstEv, changes[0].payload.evidence, 'the first finding (the warning) is kept');
    assert.strictEqual(latestEv, changes[changes.length - 1].payload.evidence, 'the latest finding is added');
    assert.match(firstEv, /\(normal -> warning\): ISO 10816 zone [A-D].*velocity [\d.]+ mm\/s \(baseline [\d.]+, \+[\d.]+ sd/);
    assert.match(latestEv, /\(warning -> alarm\): ISO 10816 zone [A-D].*velocity [\d.]+ mm\/s \(baseline [\d.]+, \+[\d.]+ sd/);
  });

  it('a restart (redeploy) continues with the stored baseline', async () => {
    const file = path.join(dir, 'r.db');
    await loadFlow(flow(file));
    const sim = new ScalarMachine('pump-7');
    let t = T0;
    for (let i = 0; i < 1000; i++, t += S) await send('h1', { payload: sim.poll(t, { running: true }) });
    await unloadFlow();
    await loadFlow(flow(file));
    const out = collect('out');
    await send('h1', { payload: sim.poll(t, { running: true }) });
    assert.strictEqual(out[0].payload.health.state, 'normal');
    assert.strictEqual(out[0].payload.health.learned, 1);
  });

  it('SKAB through rel-health in machine mode reproduces the core figures', async () => {
    const files = skabFiles(DATA);
    assert.strictEqual(files.length, 16);
    const tot = (await skabThroughRelHealth(files, dir)).reduce(add, { tp: 0, fp: 0, fn: 0, tn: 0 });
    const g = figures(tot);
    console.log(`      rel-health machine mode, SKAB valve1: F1 ${g.f1.toFixed(3)}  FAR ${(100 * g.far).toFixed(1)} %  MAR ${(100 * g.mar).toFixed(1)} %  (TP ${tot.tp}, FP ${tot.fp}, FN ${tot.fn}, TN ${tot.tn})`);
    // the same figures as the core (test/condition/skab.spec.ts): TP 4404, FP 55, FN 1905, TN 5396
    assert.deepStrictEqual(tot, { tp: 4404, fp: 55, fn: 1905, tn: 5396 });
  });

  it('survives the bad-input harness in machine mode', async () => {
    const file = path.join(dir, 'f.db');
    const report = await fuzzNode({
      flow: flow(file, { learnMode: 'frames', learnFrames: 30 }),
      nodeId: 'h1',
      keys: ['asset', 'channel', 'quantity', 'unit', 'value', 'ts', 'quality', 'features', 'by', 'reason', 'until'],
      actions: ['score', 'relearn', 'shelve', 'unshelve', 'history', 'status'],
      runs: 400,
      sanity: async () => {
        const out = collect('out');
        const sim = new ScalarMachine('pump-7', 3);
        const t0 = T0 + 400 * 86_400_000;
        // the harness may have sent far-future times: start the machine again
        const r = await send('h1', { action: 'relearn', payload: { asset: 'pump-7' } });
        assert.ok(r === undefined || /has readings for/.test(r.message), String(r));
        for (let i = 0; i < 5; i++) assert.strictEqual(await send('h1', { payload: sim.poll(t0 + i * S, { running: true }) }), undefined);
        assert.ok(['learning', 'normal'].includes(out[out.length - 1].payload.health.state));
      },
    });
    assert.ok(report.errors > 0 && report.runs === 400);
  });
});
