import assert from 'assert';
import fs from 'fs';
import path from 'path';
import { getNode, loadFlow, receiveAndComplete as complete, tmpDir, unloadFlow } from '../helpers/red';

/** Send, wait for done, then let the runtime deliver the outputs to the helper nodes. */
async function receiveAndComplete(id: string, msg: any): Promise<Error | undefined> {
  const err = await complete(id, msg);
  for (let k = 0; k < 3; k++) await new Promise((r) => setImmediate(r));
  return err;
}
import { assetNode, storeNode } from '../helpers/fixtures';
import { fuzzNode } from '../helpers/fuzz';

const T0 = Date.parse('2024-03-01T00:00:00Z');
const HR = 3.6e6;

function flow(file: string, extra: object = {}) {
  return [storeNode(file), assetNode({ id: 'a1', assetId: 'fan-1' }), { id: 'r1', type: 'rel-rul', store: 'store1', ...extra, wires: [['out']] }, { id: 'out', type: 'helper' }];
}
function healthMsg(i: number, score: number, state = 'alarm') {
  return { payload: { asset: 'fan-1', health: { asset: 'fan-1', channel: 'features', score, anomaly: 3, state, ts: T0 + i * HR } } };
}

describe('rel-rul', function () {
  this.timeout(60_000);
  let dir: string;
  beforeEach(() => {
    dir = tmpDir('rel-rul-');
  });
  afterEach(async () => {
    await unloadFlow();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('projects a linear health decline with an interval, keeps its points over a restart, null with reasons', async () => {
    const file = path.join(dir, 'r.db');
    await loadFlow(flow(file));
    let out: any[] = [];
    getNode('out').on('input', (m: any) => out.push(m));
    await receiveAndComplete('r1', healthMsg(0, 98, 'normal'));
    assert.strictEqual(out[0].payload.rul, null);
    assert.match(out[0].payload.reason, /asset is normal/);
    for (let i = 1; i < 5; i++) await receiveAndComplete('r1', healthMsg(i, 80 - i + (i % 2) * 0.4));
    assert.match(out[out.length - 1].payload.reason, /too little data: 4 of 10/);
    await unloadFlow();
    await loadFlow(flow(file));
    out = [];
    getNode('out').on('input', (m: any) => out.push(m));
    for (let i = 5; i < 30; i++) await receiveAndComplete('r1', healthMsg(i, 80 - i + (i % 2) * 0.4));
    const r = out[out.length - 1].payload.rul;
    // 80 - 29 = 51 now, 1 point/h to 10: 41 h.
    assert.ok(Math.abs(r.hours - 41) < 2, JSON.stringify(r));
    assert.ok(r.low <= 41 && r.high >= 41 && r.level === 0.9);
    assert.strictEqual(r.points, 29, 'points from before the restart are used');
    assert.ok(Math.abs(Date.parse(r.failureAt) - (T0 + 29 * HR + r.hours * HR)) < 1000, r.failureAt);
    await receiveAndComplete('r1', { action: 'history', payload: { asset: 'fan-1', from: T0, to: T0 + 40 * HR } });
    assert.ok(out[out.length - 1].payload.history.series.rul.ts.length >= 10);
    const err = await receiveAndComplete('r1', healthMsg(3, 50));
    assert.match(String(err?.message), /msg\.payload\.ts: expected a time not before/);
  });

  it('two rel-rul nodes on the same health keep their own points: a 6 h window does not take the other\'s points, across a restart', async () => {
    const file = path.join(dir, 'two.db');
    const two = () => [
      storeNode(file),
      assetNode({ id: 'a1', assetId: 'fan-1' }),
      { id: 'rf', type: 'rel-rul', store: 'store1', threshold: 10, wires: [['out']] },
      { id: 'rw', type: 'rel-rul', store: 'store1', threshold: 50, windowHours: 6, wires: [['out2']] },
      { id: 'out', type: 'helper' },
      { id: 'out2', type: 'helper' },
    ];
    await loadFlow(two());
    for (let i = 0; i < 30; i++) for (const id of ['rf', 'rw']) assert.strictEqual(await receiveAndComplete(id, healthMsg(i, 95 - i + (i % 2) * 0.4)), undefined);
    await unloadFlow();
    await loadFlow(two());
    const out: any[] = [];
    getNode('out').on('input', (m: any) => out.push(m));
    await receiveAndComplete('rf', healthMsg(30, 65.4));
    const r = out[0].payload.rul;
    assert.ok(r, `a RUL from the stored points: ${out[0].payload.reason}`);
    assert.strictEqual(r.points, 31, 'every point since the asset left normal, none deleted by the windowed node');
  });

  it('refuses a bad-quality reading: it does not enter the trend', async () => {
    await loadFlow(flow(path.join(dir, 'q.db'), { indicator: 'value', threshold: 90, direction: 'above' }));
    const err = await receiveAndComplete('r1', { payload: { asset: 'fan-1', channel: 'bearing-temp', value: 0, quality: 'bad', ts: T0 } });
    assert.match(String(err?.message), /msg\.payload\.quality: expected a measured reading \(quality good or uncertain\)/);
  });

  it('passes a still-learning health message through with rul null and a reason', async () => {
    await loadFlow(flow(path.join(dir, 'l.db')));
    const out: any[] = [];
    getNode('out').on('input', (m: any) => out.push(m));
    const err = await receiveAndComplete('r1', { payload: { asset: 'fan-1', health: { asset: 'fan-1', channel: 'features', score: null, anomaly: null, state: 'learning', learned: 0.4, ts: T0 } } });
    assert.strictEqual(err, undefined);
    assert.strictEqual(out[0].payload.rul, null);
    assert.match(out[0].payload.reason, /learning/);
  });

  it('a feature indicator rising to its threshold', async () => {
    await loadFlow(flow(path.join(dir, 'f.db'), { indicator: 'feature', feature: 'velocityRms', threshold: 7.1, windowHours: 100 }));
    const out: any[] = [];
    getNode('out').on('input', (m: any) => out.push(m));
    for (let i = 0; i < 40; i++) await receiveAndComplete('r1', { payload: { asset: 'fan-1', ts: T0 + i * HR, features: { velocityRms: 2 * Math.exp(0.01 * i) } } });
    const r = out[out.length - 1].payload.rul;
    const truth = Math.log(7.1 / 2) / 0.01 - 39;
    assert.strictEqual(r.model, 'exponential');
    assert.ok(Math.abs(r.hours - truth) < 2, `${r.hours} vs ${truth}`);
    assert.deepStrictEqual(r.thresholdRange, [7.1, 7.1], 'a feature threshold is exact by default');
  });

  it('a configured failure range widens the interval; the plateau check gives null on a flat stretch', async () => {
    await loadFlow(flow(path.join(dir, 'p.db'), { threshold: 20, thresholdLow: 10, thresholdHigh: 30, plateauHours: 10 }));
    const out: any[] = [];
    getNode('out').on('input', (m: any) => out.push(m));
    // Health falls 2 points per hour from 90 to 50, then stays at 50 +- 0.5.
    for (let i = 0; i <= 20; i++) await receiveAndComplete('r1', healthMsg(i, 90 - 2 * i + (i % 2) * 0.5));
    const r = out[out.length - 1].payload.rul;
    // Now 50: 15 h to 20, 10 h to 30, 20 h to 10.
    assert.ok(Math.abs(r.hours - 15) < 1, JSON.stringify(r));
    assert.ok(r.low <= 10.2 && r.low > 8 && r.high >= 19.8 && r.high < 23, JSON.stringify(r));
    assert.deepStrictEqual(r.thresholdRange, [10, 30]);
    for (let i = 21; i <= 30; i++) await receiveAndComplete('r1', healthMsg(i, 50 + (i % 2) * 0.5));
    const last = out[out.length - 1].payload;
    assert.strictEqual(last.rul, null);
    assert.match(last.reason, /^plateau: no significant trend/);
  });

  it('a stalled trend: the earliest crossing, no upper bound (high Infinity), and the reason beside it', async () => {
    await loadFlow(flow(path.join(dir, 'o.db')));
    const out: any[] = [];
    const texts: string[] = [];
    getNode('out').on('input', (m: any) => out.push(m));
    getNode('r1').on('call:status', (call: any) => texts.push(String(call.firstArg?.text)));
    // Health falls 2 points per hour for 10 h (90 to 70), then stays at 70 +- 0.8 for 30 h.
    for (let i = 0; i <= 40; i++) await receiveAndComplete('r1', healthMsg(i, (i <= 10 ? 90 - 2 * i : 70) + ((i * 7) % 5) * 0.4 - 0.8));
    const p = out[out.length - 1].payload;
    assert.ok(p.rul, p.reason);
    assert.strictEqual(p.rul.high, Infinity);
    assert.ok(p.rul.low > 0 && p.rul.low <= p.rul.hours && Number.isFinite(p.rul.hours), JSON.stringify(p.rul));
    assert.match(p.reason, /^no significant trend towards the threshold \(below 10\).*: the earliest crossing only, no upper bound$/);
    assert.match(texts[texts.length - 1], /^RUL .*-∞\)$/);
    // while the decline was steady: closed intervals and no reason
    const steady = out[10].payload;
    assert.ok(steady.rul && Number.isFinite(steady.rul.high) && steady.reason === undefined, JSON.stringify(steady));
  });

  it('survives fuzzing and still works', async () => {
    const file = path.join(dir, 'z.db');
    const report = await fuzzNode({
      flow: flow(file),
      nodeId: 'r1',
      keys: ['asset', 'health', 'channel', 'ts', 'features', 'value', 'from', 'to', 'maxPoints'],
      actions: ['estimate', 'reset', 'history', 'detect'],
      runs: 600,
      sanity: async () => {
        const out: any[] = [];
        getNode('out').on('input', (m: any) => out.push(m));
        for (let i = 0; i < 15; i++) assert.strictEqual(await receiveAndComplete('r1', { payload: { asset: 'fan-1', channel: 'sanity', health: { score: 90 - 2 * i, state: 'warning', ts: T0 + i * HR } } }), undefined);
        assert.ok(out[out.length - 1].payload.rul.hours > 0);
      },
    });
    assert.ok(report.errors > 0);
  });
});
