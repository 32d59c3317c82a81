import assert from 'assert';
import fs from 'fs';
import path from 'path';
import { openStore } from '../../nodes/core/store';
import { collectInputs as collect, getNode, helper, loadFlow, receiveAndComplete as complete, tmpDir, unloadFlow } from '../helpers/red';

/** Send, wait for done, then let the runtime deliver the outputs to the helper nodes. */
async function receiveAndComplete(id: string, msg: any): Promise<Error | undefined> {
  const err = await complete(id, msg);
  for (let k = 0; k < 3; k++) await new Promise((r) => setImmediate(r));
  return err;
}
import { assetNode, storeNode } from '../helpers/fixtures';
import { fuzzNode } from '../helpers/fuzz';

const T0 = Date.parse('2024-03-01T00:00:00Z');
const MIN = 60_000;

function flow(file: string, extra: object = {}) {
  return [
    storeNode(file),
    assetNode({ id: 'a1', assetId: 'pump-1' }),
    { id: 'h1', type: 'rel-health', store: 'store1', learnFrames: 20, ...extra, wires: [['out'], ['changes']] },
    { id: 'out', type: 'helper' },
    { id: 'changes', type: 'helper' },
  ];
}

/** Healthy vibration features with a little deterministic noise. */
function healthy(i: number) {
  const n = Math.sin(i * 1.7) * 0.02;
  return { rms: 0.1 * (1 + n), kurtosis: 3 * (1 + n / 2), crest: 4 * (1 - n), velocityRms: 1.2 * (1 + n), isoZone: 'A', orders: { '1X': 0.1 } };
}

async function feed(i: number, features: object, asset = 'pump-1') {
  return receiveAndComplete('h1', { payload: { asset, ts: T0 + i * 10 * MIN, features } });
}

describe('rel-health', function () {
  this.timeout(60_000);
  let dir: string;
  beforeEach(() => {
    dir = tmpDir('rel-health-');
  });
  afterEach(async () => {
    await unloadFlow();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('learns, then raises warning/alarm on a fault and clears with hysteresis; every change stored', async () => {
    const file = path.join(dir, 'h.db');
    await loadFlow(flow(file));
    const out = collect('out');
    const changes = collect('changes');
    for (let i = 0; i < 20; i++) assert.strictEqual(await feed(i, healthy(i)), undefined);
    assert.strictEqual(out[9].payload.health.state, 'learning');
    assert.strictEqual(out[9].payload.health.learned, 0.5);
    assert.strictEqual(out[19].payload.health.state, 'normal');
    for (let i = 20; i < 30; i++) await feed(i, healthy(i));
    assert.strictEqual(changes.length, 0);
    for (let i = 30; i < 40; i++) await feed(i, { ...healthy(i), rms: 0.3, velocityRms: 3.6 });
    assert.deepStrictEqual(changes.map((c) => c.payload.to), ['alarm']);
    const a = changes[0];
    assert.strictEqual(a.action, 'detect');
    assert.strictEqual(a.payload.asset, 'pump-1');
    assert.ok(a.payload.health.score < 70);
    assert.deepStrictEqual(a.payload.health.contributors.map((c: any) => c.feature).sort(), ['rms', 'velocityRms']);
    for (let i = 40; i < 50; i++) await feed(i, healthy(i));
    assert.deepStrictEqual(changes.map((c) => c.payload.to), ['alarm', 'normal']);
    const h = openStore(file);
    const ev = await h.local.all<any>("SELECT kind, from_state, to_state FROM condition_events WHERE kind = 'state' ORDER BY id");
    h.release();
    assert.deepStrictEqual(ev.map((e) => `${e.from_state}->${e.to_state}`), ['normal->alarm', 'alarm->normal']);
  });

  it('restart with the same file does not relearn', async () => {
    const file = path.join(dir, 'p.db');
    await loadFlow(flow(file));
    for (let i = 0; i < 25; i++) await feed(i, healthy(i));
    await unloadFlow();
    await loadFlow(flow(file));
    const out = collect('out');
    await feed(25, healthy(25));
    assert.strictEqual(out[0].payload.health.state, 'normal');
    assert.strictEqual(out[0].payload.health.learned, 1);
    assert.ok(out[0].payload.health.score > 90);
    // Relearn on command keeps history and events.
    await receiveAndComplete('h1', { action: 'relearn', payload: { asset: 'pump-1', by: 'ana', reason: 'bearing replaced' } });
    await feed(26, healthy(26));
    assert.strictEqual(out[out.length - 1].payload.health.state, 'learning');
    const h = openStore(file);
    assert.ok((await h.local.one<any>("SELECT COUNT(*) AS n FROM condition_events WHERE kind = 'relearn' AND actor = 'ana'")).n === 1);
    assert.ok((await h.local.one<any>("SELECT COUNT(*) AS n FROM condition_history WHERE metric = 'health'")).n > 0);
    h.release();
  });

  it('bad input gives clear errors and leaves the baseline untouched', async () => {
    const file = path.join(dir, 'b.db');
    await loadFlow(flow(file));
    for (let i = 0; i < 20; i++) await feed(i, healthy(i));
    const before = openStore(file);
    const snap = async () => JSON.stringify(await before.local.all('SELECT * FROM condition_streams'));
    const s0 = await snap();
    const cases: [any, RegExp][] = [
      [{ payload: { asset: 'nope', features: healthy(1) } }, /msg\.payload\.asset: expected the id of a deployed rel-asset .*got the string "nope"/],
      [{ payload: { asset: 'pump-1', ts: T0 + 500 * MIN, features: { rms: 0.1 } } }, /msg\.payload\.features: expected the feature set this stream learned \(crest, kurtosis, rms, velocityRms\).*got the string "rms"/],
      [{ payload: { asset: 'pump-1', ts: T0 + 500 * MIN, features: { ...healthy(1), rms: NaN } } }, /msg\.payload\.features\.rms: expected a finite number, got NaN/],
      [{ payload: { asset: 'pump-1', ts: T0, features: healthy(1) } }, /msg\.payload\.ts: expected a time not before this stream's last reading/],
      [{ action: 'fly', payload: { asset: 'pump-1' } }, /msg\.action: expected one of score, relearn/],
      [{ action: 'shelve', payload: { asset: 'pump-1', by: 'ana', reason: 'test', until: T0 - 1 } }, /msg\.payload\.until: expected a time after/],
      // a value that was not measured is not scored (a bad 0 would read as a fault)
      [{ payload: { asset: 'pump-1', ts: T0 + 500 * MIN, features: healthy(1), quality: 'bad' } }, /msg\.payload\.quality: expected a measured reading \(quality good or uncertain\).*got the string "bad"/],
      // a microsecond time stamp (or a clock glitch) is refused before it can lock the stream
      [{ payload: { asset: 'pump-1', ts: 1.7e15, features: healthy(1) } }, /msg\.payload\.ts: expected a time in ms since 1970 before the year 10000/],
      // a message about another asset does not land in the selected asset's baseline
      [{ payload: { asset: 'pump-9', ts: T0 + 500 * MIN, features: healthy(1) } }, /msg\.payload\.asset: expected the id of a deployed rel-asset/],
    ];
    for (const [msg, re] of cases) {
      const err = await receiveAndComplete('h1', msg);
      assert.ok(err && re.test(err.message), `${JSON.stringify(msg.payload)} -> ${err?.message}`);
    }
    assert.strictEqual(await snap(), s0, 'baseline and state untouched');
    before.release();
  });

  it('an asset selected in the node refuses readings of another asset', async () => {
    await loadFlow([...flow(path.join(dir, 'sel.db'), { asset: 'a1' }), assetNode({ id: 'a2', assetId: 'pump-2' })]);
    const out = collect('out');
    assert.strictEqual(await feed(0, healthy(0)), undefined, 'its own asset');
    assert.strictEqual(await receiveAndComplete('h1', { payload: { ts: T0 + MIN, features: healthy(1) } }), undefined, 'no asset named: the selected one');
    const err = await feed(2, healthy(2), 'pump-2');
    assert.match(String(err?.message), /msg\.payload\.asset: expected pump-1 \(the asset selected in the node\), or no asset, got the string "pump-2"/);
    assert.deepStrictEqual(out.map((m) => m.payload.asset), ['pump-1', 'pump-1']);
  });

  it('OPC UA node ids as channel names; relearn frees a stream stuck behind a wrong future time', async () => {
    await loadFlow(flow(path.join(dir, 'o.db'), { learnFrames: 10 }));
    const out = collect('out');
    const ch = 'ns=2;s=Motor.Temperature';
    const reading = (i: number, ts: number) => ({ payload: { asset: 'pump-1', channel: ch, quantity: 'temperature', value: 60 + (i % 3) * 0.2, ts } });
    for (let i = 0; i < 12; i++) assert.strictEqual(await receiveAndComplete('h1', reading(i, T0 + i * MIN)), undefined, `reading ${i}`);
    assert.strictEqual(out.at(-1).payload.health.channel, ch);
    // a PLC clock glitch: one reading ten years ahead, then the right time again is refused ...
    assert.strictEqual(await receiveAndComplete('h1', reading(12, T0 + 3650 * 86_400_000)), undefined);
    assert.match(String((await receiveAndComplete('h1', reading(13, T0 + 13 * MIN)))?.message), /time not before this stream's last reading/);
    // ... until the stream is relearned
    assert.strictEqual(await receiveAndComplete('h1', { action: 'relearn', payload: { asset: 'pump-1', channel: ch, by: 'ana', reason: 'clock fixed', ts: T0 + 14 * MIN } }), undefined);
    assert.strictEqual(await receiveAndComplete('h1', reading(15, T0 + 15 * MIN)), undefined, 'accepted after the relearn');
    assert.strictEqual(out.at(-1).payload.health.state, 'learning');
  });

  it('refuses a warning threshold + hysteresis above 100 (the warning could never clear)', async () => {
    await loadFlow(flow(path.join(dir, 'hy.db'), { warnBelow: 97, hysteresis: 5 }));
    const logged = helper.log().args.map((a: any[]) => a[0]).filter((e: any) => e && e.id === 'h1' && e.level === 20).map((e: any) => String(e.msg));
    assert.ok(logged.some((m: string) => /warning threshold \+ hysteresis \(97 \+ 5\) must be at most 100/.test(m)), JSON.stringify(logged));
    await unloadFlow();
    await loadFlow(flow(path.join(dir, 'hy2.db'), { warnBelow: 95, hysteresis: 5 }));
    assert.strictEqual(await feed(0, healthy(0)), undefined, '95 + 5 = 100 is allowed');
  });

  it('rule "level": alarms on the rms level only (a kurtosis change alone is no alarm), reports its limits, feeds rel-rul\'s level indicator; a bad rule is refused', async () => {
    await loadFlow(flow(path.join(dir, 'lv0.db'), { rule: 'peak' }));
    const logged = helper.log().args.map((a: any[]) => a[0]).filter((e: any) => e && e.id === 'h1' && e.level === 20).map((e: any) => String(e.msg));
    assert.ok(logged.some((m: string) => /config rule: expected profile or level, got "peak"/.test(m)), JSON.stringify(logged));
    await unloadFlow();
    await loadFlow([
      ...flow(path.join(dir, 'lv.db'), { rule: 'level', levelEveryHours: 8 }).map((n: any) => (n.id === 'h1' ? { ...n, wires: [['out', 'rul'], ['changes']] } : n)),
      { id: 'rul', type: 'rel-rul', store: 'store1', indicator: 'level', wires: [['rulOut']] },
      { id: 'rulOut', type: 'helper' },
    ]);
    const out = collect('out');
    const changes = collect('changes');
    const ruls = collect('rulOut');
    for (let i = 0; i < 20; i++) await feed(i, healthy(i));
    // kurtosis 3x: the profile would alarm; the level rule does not
    for (let i = 20; i < 30; i++) await feed(i, { ...healthy(i), rms: 0.1, kurtosis: 9 });
    assert.deepStrictEqual(changes.map((c) => c.payload.to), [], 'no state change on kurtosis alone');
    const lv = out[out.length - 1].payload.health.level;
    assert.ok(lv.feature === 'rms' && lv.alarmLimit > lv.warnLimit && lv.warnLimit > lv.mean, JSON.stringify(lv));
    // rms rising 10 % a reading from 2x its mean
    for (let i = 30; i < 45; i++) await feed(i, { ...healthy(i), rms: 0.2 * 1.1 ** (i - 30) });
    assert.strictEqual(changes[0]?.payload.to, 'alarm', JSON.stringify(changes.map((c) => c.payload.to)));
    assert.strictEqual(changes[0].payload.ts, T0 + 32 * 10 * MIN, 'at the third reading above the limit');
    const last = ruls[ruls.length - 1].payload.rul;
    assert.ok(last && last.model === 'excess' && last.direction === 'above', JSON.stringify(ruls[ruls.length - 1].payload));
    assert.ok(Math.abs(last.threshold - 6.3 * lv.mean) < 1e-4 * lv.mean, `${last.threshold} vs 6.3 x ${lv.mean}`);
    assert.ok(last.low <= last.hours && last.hours <= last.high);
    // a frame without rms is refused, naming the property
    const err = await receiveAndComplete('h1', { payload: { asset: 'pump-1', channel: 'de', ts: T0, features: { kurtosis: 3 } } });
    assert.ok(err && /msg\.payload\.features\.rms/.test(err.message), String(err));
  });

  it('shelving records but does not announce until it expires; history is chart-ready', async () => {
    const file = path.join(dir, 's.db');
    await loadFlow(flow(file));
    const out = collect('out');
    const changes = collect('changes');
    for (let i = 0; i < 25; i++) await feed(i, healthy(i));
    assert.strictEqual(await receiveAndComplete('h1', { action: 'shelve', payload: { asset: 'pump-1', by: 'ana', reason: 'sensor swap', ts: T0 + 25 * 10 * MIN, until: T0 + 40 * 10 * MIN } }), undefined);
    for (let i = 26; i < 35; i++) await feed(i, { ...healthy(i), rms: 0.4 });
    assert.strictEqual(changes.length, 0, 'not announced while shelved');
    assert.strictEqual(out[out.length - 1].payload.health.state, 'alarm');
    assert.strictEqual(out[out.length - 1].payload.health.shelved.by, 'ana');
    for (let i = 40; i < 42; i++) await feed(i, { ...healthy(i), rms: 0.4 });
    assert.deepStrictEqual(changes.map((c) => c.payload.to), ['alarm'], 'announced when the shelf expires');
    await receiveAndComplete('h1', { action: 'history', payload: { asset: 'pump-1', from: T0, to: T0 + 42 * 10 * MIN, maxPoints: 10 } });
    const hist = out[out.length - 1].payload.history;
    assert.ok(hist.series.health.ts.length <= 10);
    assert.strictEqual(hist.series.health.ts.length, hist.series.health.mean.length);
    assert.ok(hist.points.every((p: any) => typeof p.x === 'number' && typeof p.y === 'number'));
    assert.deepStrictEqual(hist.events.map((e: any) => e.kind), ['learned', 'shelve', 'state', 'unshelve']);
  });

  it('scores scalar process readings per channel', async () => {
    await loadFlow(flow(path.join(dir, 't.db'), { learnFrames: 10 }));
    const out = collect('out');
    for (let i = 0; i < 15; i++) await receiveAndComplete('h1', { payload: { asset: 'pump-1', channel: 'motor-temp', quantity: 'temperature', value: 60 + (i % 3) * 0.2, ts: T0 + i * MIN } });
    for (let i = 15; i < 20; i++) await receiveAndComplete('h1', { payload: { asset: 'pump-1', channel: 'motor-temp', value: 75, ts: T0 + i * MIN } });
    const last = out[out.length - 1].payload.health;
    assert.strictEqual(last.channel, 'motor-temp');
    assert.strictEqual(last.state, 'alarm');
    assert.strictEqual(last.contributors[0].feature, 'motor-temp');
  });

  it('survives fuzzing and still works', async () => {
    const file = path.join(dir, 'f.db');
    const report = await fuzzNode({
      flow: flow(file, { learnFrames: 10 }),
      nodeId: 'h1',
      keys: ['asset', 'features', 'value', 'channel', 'ts', 'by', 'reason', 'until', 'from', 'to', 'maxPoints'],
      actions: ['score', 'relearn', 'shelve', 'unshelve', 'history', 'status'],
      runs: 600,
      sanity: async () => {
        const out = collect('out');
        for (let i = 0; i < 12; i++) assert.strictEqual(await receiveAndComplete('h1', { payload: { asset: 'pump-1', channel: 'sanity', ts: T0 + i * MIN, features: healthy(i) } }), undefined);
        assert.strictEqual(out[out.length - 1].payload.health.state, 'normal');
      },
    });
    assert.ok(report.errors > 0 && report.runs === 600);
  });
});
