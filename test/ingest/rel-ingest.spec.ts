/**
 * rel-ingest as a node: CSV and HTTP inputs, the watchdog on a controlled clock, outage messages
 * from source nodes, configuration errors, and the shared bad-input harness for every source.
 */
import assert from 'assert';
import { getNode, helper, loadFlow, nextMessage, nextMessages, receiveAndComplete, sleep, unloadFlow } from '../helpers/red';
import { assetNode } from '../helpers/fixtures';
import { fuzzNode } from '../helpers/fuzz';
import { FakeClock } from '../helpers/fake-clock';
import { collect, statuses } from './collect';

const ROWS = [
  { channel: 'motor-temp', register: 0, type: 'int16', wordOrder: 'BE', byteOrder: 'BE', scale: 0.1, offset: 0, quantity: 'temperature', unit: 'degC' },
  { channel: 'flow', register: 1, type: 'float32', wordOrder: 'LE', byteOrder: 'BE', scale: 1, offset: 0, quantity: 'flow', unit: 'm3/h' },
];

function ingest(o: Record<string, unknown>): object[] {
  return [assetNode({ id: 'asset1', assetId: 'pump-1' }), { id: 'ing', type: 'rel-ingest', staleAfter: 0, wires: [['out']], ...o }, { id: 'out', type: 'helper' }];
}

describe('rel-ingest', function () {
  afterEach(async () => {
    await unloadFlow();
    helper.settings({});
  });

  it('reads a CSV waveform as text, Buffer and parsed rows', async () => {
    await loadFlow(ingest({ source: 'csv', asset: 'asset1', csvMode: 'waveform', csvColumn: 'accel', quantity: 'acceleration', unit: 'g' }));
    const sig = Array.from({ length: 1000 }, (_, i) => Math.round(1e6 * Math.sin((2 * Math.PI * 30 * i) / 1000)) / 1e6 + 0);
    const text = `# fs=1000 ts=2024-02-01T00:00:00Z\nt,accel\n${sig.map((v, i) => `${i},${v}`).join('\n')}`;
    for (const payload of [text, Buffer.from(text), [['fs', '1000'], ['t', 'accel'], ...sig.map((v, i) => [i, v])].map((r) => r.map(String))]) {
      const p = nextMessage('out');
      getNode('ing').receive({ payload });
      const m = await p;
      assert.strictEqual(m.topic, 'pump-1/accel');
      assert.deepStrictEqual(Array.from(m.payload.samples), sig);
      assert.strictEqual(m.payload.fs, 1000);
      if (Array.isArray(payload)) assert.ok(Math.abs(m.payload.ts - Date.now()) < 5000, 'no ts line: the time of arrival');
      else assert.strictEqual(m.payload.ts, Date.parse('2024-02-01T00:00:00Z'));
      assert.deepStrictEqual([m.payload.quality, m.payload.source, m.payload.unit], ['good', 'csv', 'g']);
    }
    const err = await receiveAndComplete('ing', { payload: 't,accel\n0,0.1\n1,oops\n' });
    assert.match(String(err?.message), /^msg\.payload\[2\]: expected a number, got the string "oops"/);
  });

  it('reads a CSV table: good rows go out, bad rows are reported', async () => {
    await loadFlow(ingest({ source: 'csv', csvMode: 'table', output: 'array' }));
    const p = nextMessage('out');
    getNode('ing').receive({ payload: 'ts,asset,channel,value,unit\n1700000000000,pump-1,motor-temp,61.5,degC\n1700000060000,pump-1,motor-temp,,degC\n1700000120000,fan-1,current,12.5,A\n1700000180000,fan 1,current,1,A\n' });
    const m = await p;
    assert.deepStrictEqual(m.payload.map((r: any) => [r.asset, r.channel, r.value, r.ts]), [['pump-1', 'motor-temp', 61.5, 1700000000000], ['fan-1', 'current', 12.5, 1700000120000]]);
    assert.deepStrictEqual(m.badRows.map((b: any) => b.row), [1, 3]);
    assert.match(m.badRows[0].error, /msg\.payload\[1\]\.value: expected a number/);
    assert.match(m.badRows[1].error, /msg\.payload\[3\]\.asset: expected an asset id/);
  });

  it('takes JSON or CSV over HTTP', async () => {
    await loadFlow(ingest({ source: 'http', asset: 'asset1', channel: 'vib', fs: '2000' }));
    let p = nextMessage('out');
    getNode('ing').receive({ payload: '{"value": 3.5, "unit": "mm/s"}' });
    let m = await p;
    assert.deepStrictEqual([m.payload.value, m.payload.unit, m.payload.source], [3.5, 'mm/s', 'http']);
    p = nextMessage('out');
    getNode('ing').receive({ payload: 'accel\n0.5\n-0.5\n' });
    m = await p;
    assert.deepStrictEqual([Array.from(m.payload.samples), m.payload.fs, m.payload.channel], [[0.5, -0.5], 2000, 'vib']);
  });

  it('watchdog: a silent channel gets one bad reading and "stale 60 s", and recovers on data', async () => {
    const clock = new FakeClock();
    helper.settings({ reliabilityClock: clock });
    await loadFlow(ingest({ source: 'mqtt', assetId: 'pump-1', assetIdType: 'str', channel: 'motor-temp', unit: 'degC', staleAfter: 60 }));
    const got = collect('out');
    const st = statuses('ing');
    let p = nextMessage('out');
    getNode('ing').receive({ payload: 42 });
    assert.strictEqual((await p).payload.value, 42);
    clock.advance(59_000);
    await sleep(20);
    assert.strictEqual(got.length, 1, 'not stale before 60 s');
    clock.advance(1_000);
    await sleep(20);
    assert.strictEqual(got.length, 2);
    const bad = got[1].msg;
    assert.deepStrictEqual(bad.payload, { asset: 'pump-1', channel: 'motor-temp', unit: 'degC', ts: clock.now(), quality: 'bad', source: 'mqtt', reason: 'no data for 60 s' });
    assert.strictEqual(bad.topic, 'pump-1/motor-temp');
    assert.deepStrictEqual(st[st.length - 1], { at: st[st.length - 1].at, text: 'stale 60 s', fill: 'red' });
    clock.advance(600_000);
    await sleep(20);
    assert.strictEqual(got.length, 2, 'one bad reading per outage');
    assert.strictEqual(st[st.length - 1].text, 'stale 660 s');
    p = nextMessage('out');
    getNode('ing').receive({ payload: '43.5' });
    assert.strictEqual((await p).payload.quality, 'good');
    assert.deepStrictEqual(st[st.length - 1], { at: st[st.length - 1].at, text: 'motor-temp 43.5 degC', fill: 'green' });
  });

  it('watches configured channels from deploy, and reports a source outage from its status or error', async () => {
    const clock = new FakeClock();
    helper.settings({ reliabilityClock: clock });
    await loadFlow(ingest({ source: 'modbus', asset: 'asset1', registers: ROWS, staleAfter: 10 }));
    const got = collect('out');
    clock.advance(10_000);
    await sleep(20);
    assert.deepStrictEqual(got.map((g) => [g.msg.payload.channel, g.msg.payload.quality]), [['motor-temp', 'bad'], ['flow', 'bad']], 'a source that never starts is reported');
    let ps = nextMessages('out', 2);
    getNode('ing').receive({ payload: [215, 0, 0x4148] }); // 21.5 degC, 12.5 m3/h (CDAB)
    assert.deepStrictEqual((await ps).map((m) => m.payload.value), [21.5, 12.5]);
    // The contrib client's status reaching the node through a Status node.
    ps = nextMessages('out', 2);
    getNode('ing').receive({ status: { text: 'init', fill: 'yellow', source: { id: 'r1', type: 'modbus-read', name: 'read' } } });
    const down = await ps;
    assert.deepStrictEqual(down.map((m) => [m.payload.quality, m.payload.value, m.payload.reason]), [['bad', undefined, 'source status modbus-read: init'], ['bad', undefined, 'source status modbus-read: init']]);
    // An "active" status changes nothing; data brings the channels back.
    const err = await receiveAndComplete('ing', { status: { text: 'active ( 1 sec. ) ' } });
    assert.strictEqual(err, undefined);
    ps = nextMessages('out', 2);
    getNode('ing').receive({ payload: [216, 0, 0x4148] });
    assert.deepStrictEqual((await ps).map((m) => m.payload.quality), ['good', 'good']);
    // "Empty message on fail" from a contrib read node.
    ps = nextMessages('out', 2);
    getNode('ing').receive({ payload: '', error: new Error('Timed out') });
    assert.deepStrictEqual((await ps).map((m) => m.payload.reason), ['source error: Timed out', 'source error: Timed out']);
  });

  it('refuses a bad configuration with a red status that says what to fix', async () => {
    await loadFlow([
      { id: 'ing', type: 'rel-ingest', source: 'modbus', registers: [{ channel: 'x', register: 0, type: 'int8' }] },
      { id: 'ing2', type: 'rel-ingest', source: 'modbus', registers: [] },
    ]);
    // The helper spies on the shared Node.prototype.status: pick each node's own calls.
    const last = (id: string) => {
      const n = getNode(id);
      const calls = n.status.getCalls().filter((c: any) => c.thisValue === n);
      return calls[calls.length - 1].args[0];
    };
    assert.strictEqual(last('ing').fill, 'red');
    assert.match(last('ing').text, /register map row 1: type/);
    assert.match(last('ing2').text, /register map: add at least one/);
  });

  const FUZZ: { name: string; cfg: Record<string, unknown>; keys: string[]; good: any; runs: number }[] = [
    { name: 'mqtt', cfg: { source: 'mqtt' }, keys: ['asset', 'channel', 'value', 'samples', 'fs', 'ts', 'quality', 'unit', 'rpm'], good: { asset: 'pump-1', channel: 'c', value: 1 }, runs: 1500 },
    { name: 'modbus', cfg: { source: 'modbus', asset: 'asset1', registers: ROWS }, keys: ['data', 'buffer'], good: [215, 0, 0x4148], runs: 1000 },
    { name: 'opcua', cfg: { source: 'opcua', asset: 'asset1', channel: 'temp' }, keys: ['value'], good: 61.5, runs: 500 },
    { name: 'csv', cfg: { source: 'csv', asset: 'asset1', channel: 'accel', fs: 1000 }, keys: ['0'], good: '0.1\n0.2\n', runs: 500 },
    { name: 'csv table', cfg: { source: 'csv', csvMode: 'table' }, keys: ['0'], good: 'asset,channel,value\npump-1,c,2\n', runs: 500 },
  ];
  for (const f of FUZZ) {
    it(`survives thousands of malformed messages (${f.name})`, async () => {
      const report = await fuzzNode({
        flow: ingest(f.cfg),
        nodeId: 'ing',
        keys: f.keys,
        runs: f.runs,
        sanity: async () => {
          const p = nextMessage('out');
          getNode('ing').receive({ payload: f.good });
          const m = await p;
          assert.strictEqual(m.payload.quality, 'good');
          assert.ok(Number.isFinite(m.payload.value ?? m.payload.samples[0]));
        },
      });
      assert.strictEqual(report.runs, f.runs);
      assert.ok(report.errors > f.runs / 2, `${report.errors} errors of ${report.runs}`);
    });
  }
});
