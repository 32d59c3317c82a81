/**
 * The Modbus proof: a real Modbus TCP server (jsmodbus 5) read by node-red-contrib-modbus 5.23.3
 * (modbus-client + modbus-read) inside a real Node-RED runtime, decoded by rel-ingest. Known
 * register values give known engineering values for every data type and word/byte order; the
 * server is stopped and restarted mid-test: the flow keeps running, readings during the gap are
 * bad (watchdog and the client's status), never invented, and values resume.
 */
import assert from 'assert';
import fs from 'fs';
import path from 'path';
import { getNode, loadFlow, sleep, tmpDir, unloadFlow } from '../helpers/red';
import { assetNode } from '../helpers/fixtures';
import { collect, statuses, waitFor } from './collect';
import { wordsOf } from './registers';
import type { RegisterType } from '../../nodes/core/ingest';

import { ModbusTestServer } from '../helpers/modbus';
const CONTRIB = [
  require('node-red-contrib-modbus/modbus/modbus-client.js'),
  require('node-red-contrib-modbus/modbus/modbus-read.js'),
  require('node-red-contrib-modbus/modbus/modbus-io-config.js'),
  require('@node-red/nodes/core/common/25-status.js'),
];

interface Case {
  channel: string;
  type: RegisterType;
  layout: string;
  wordOrder: 'BE' | 'LE';
  byteOrder: 'BE' | 'LE';
  value: number;
}

const LAYOUTS: Record<number, [string, 'BE' | 'LE', 'BE' | 'LE'][]> = {
  2: [['AB', 'BE', 'BE'], ['BA', 'BE', 'LE']],
  4: [['ABCD', 'BE', 'BE'], ['CDAB', 'LE', 'BE'], ['BADC', 'BE', 'LE'], ['DCBA', 'LE', 'LE']],
  8: [['ABCDEFGH', 'BE', 'BE'], ['GHEFCDAB', 'LE', 'BE'], ['BADCFEHG', 'BE', 'LE'], ['HGFEDCBA', 'LE', 'LE']],
};
const VALUES: [RegisterType, number, number][] = [
  ['int16', -1234, 2],
  ['uint16', 54321, 2],
  ['int32', -123456789, 4],
  ['uint32', 3_000_000_000, 4],
  ['float32', -12.5, 4],
  ['float64', Math.PI * 1000, 8],
];

function plan(): { cases: Case[]; rows: object[]; words: number[] } {
  const cases: Case[] = [];
  const rows: object[] = [];
  const words: number[] = [];
  for (const [type, value, size] of VALUES) {
    for (const [layout, wordOrder, byteOrder] of LAYOUTS[size]) {
      const c = { channel: `${type}-${layout}`, type, layout, wordOrder, byteOrder, value };
      rows.push({ channel: c.channel, register: words.length, type, wordOrder, byteOrder, scale: 1, offset: 0, quantity: 'count', unit: '' });
      words.push(...wordsOf(value, type, layout));
      cases.push(c);
    }
  }
  // A scaled process value: 725 raw counts * 0.1 - 20 = 52.5 degC.
  rows.push({ channel: 'motor-temp', register: words.length, type: 'uint16', wordOrder: 'BE', byteOrder: 'BE', scale: 0.1, offset: -20, quantity: 'temperature', unit: 'degC' });
  words.push(725);
  return { cases, rows, words };
}

/** The test PLC: 200 holding registers, 64 coils and inputs; write() fills registers from 0. */
class Plc extends ModbusTestServer {
  constructor() {
    super({ registers: 200, bits: 512 });
  }
  writeFrom0(words: number[]): void {
    this.write(0, words);
  }
}

const CLIENT = { type: 'modbus-client', name: 'plc', clienttype: 'tcp', tcpHost: '127.0.0.1', tcpType: 'DEFAULT', unit_id: 1, commandDelay: 1, clientTimeout: 500, reconnectOnTimeout: true, reconnectTimeout: 500, parallelUnitIdsAllowed: true, bufferCommands: true };
const boolRows = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => ({ channel: `${prefix}-${i}`, register: i, type: 'bool', wordOrder: 'BE', byteOrder: 'BE', scale: 1, offset: 0 }));

describe('rel-ingest: Modbus TCP through node-red-contrib-modbus', function () {
  this.timeout(60000);
  const plc = new Plc();
  afterEach(async () => {
    await unloadFlow();
    await plc.stop();
  });

  for (const withStatus of [true, false]) {
  it(`decodes every type and order, marks the outage bad and resumes after the server restarts (${withStatus ? 'Status node + watchdog' : 'watchdog alone'})`, async () => {
    const { cases, rows, words } = plan();
    plc.writeFrom0(words);
    const port = await plc.start();
    await loadFlow(
      [
        assetNode({ id: 'asset1', assetId: 'compressor-1' }),
        { id: 'c1', type: 'modbus-client', name: 'plc', clienttype: 'tcp', tcpHost: '127.0.0.1', tcpPort: port, tcpType: 'DEFAULT', unit_id: 1, commandDelay: 1, clientTimeout: 500, reconnectOnTimeout: true, reconnectTimeout: 500, parallelUnitIdsAllowed: true, bufferCommands: true },
        { id: 'r1', type: 'modbus-read', name: 'read', server: 'c1', dataType: 'HoldingRegister', adr: '0', quantity: String(words.length), rate: '200', rateUnit: 'ms', unitid: '1', showStatusActivities: false, wires: [['ing'], ['raw']] },
        ...(withStatus ? [{ id: 's1', type: 'status', scope: ['r1'], wires: [['ing']] }] : []),
        { id: 'ing', type: 'rel-ingest', source: 'modbus', asset: 'asset1', registers: rows, output: 'each', staleAfter: 1, wires: [['out']] },
        { id: 'raw', type: 'rel-ingest', source: 'modbus', asset: 'asset1', registers: rows, output: 'array', staleAfter: 0, wires: [['outRaw']] },
        { id: 'out', type: 'helper' },
        { id: 'outRaw', type: 'helper' },
      ],
      CONTRIB,
    );
    const got = collect('out');
    const gotRaw = collect('outRaw');
    const st = statuses('ing');

    // 1. Known registers -> known engineering values, one message per channel.
    const first = await waitFor('a good reading of every channel', () => {
      const good = new Map<string, any>();
      for (const g of got) if (g.msg.payload.quality === 'good') good.set(g.msg.payload.channel, g.msg);
      return good.size === rows.length ? good : undefined;
    });
    for (const c of cases) {
      const m = first.get(c.channel);
      assert.strictEqual(m.payload.value, c.value, `${c.channel}: ${m.payload.value} != ${c.value}`);
      assert.strictEqual(m.topic, `compressor-1/${c.channel}`);
      assert.strictEqual(m.payload.asset, 'compressor-1');
      assert.strictEqual(m.payload.source, 'modbus');
    }
    const temp = first.get('motor-temp').payload;
    assert.ok(Math.abs(temp.value - 52.5) < 1e-9, `scaled ${temp.value}`);
    assert.deepStrictEqual([temp.quantity, temp.unit], ['temperature', 'degC']);
    // The second output (raw response buffer) decodes to the same values.
    const raw = await waitFor('a raw-output batch', () => gotRaw.find((g) => g.msg.payload.every((r: any) => r.quality === 'good'))?.msg);
    assert.deepStrictEqual(raw.payload.map((r: any) => r.value), rows.map((r: any) => first.get(r.channel).payload.value));

    // 2. Stop the PLC: nothing good may appear, every channel is reported bad.
    await sleep(300);
    const tStop = Date.now();
    await plc.stop();
    await sleep(2500);
    const tRestart = Date.now();
    // A poll already on the wire when the server stopped may still land in the first 500 ms.
    const gap = got.filter((g) => g.at > tStop && g.at < tRestart);
    assert.ok(gap.length >= rows.length, `only ${gap.length} readings during the gap`);
    for (const g of gap) {
      if (g.msg.payload.quality === 'good') {
        assert.ok(g.at < tStop + 500, `good reading ${g.at - tStop} ms into the outage: ${JSON.stringify(g.msg.payload)}`);
        continue;
      }
      assert.strictEqual(g.msg.payload.quality, 'bad');
      assert.strictEqual(g.msg.payload.value, undefined, 'a bad reading carries no value');
      assert.match(g.msg.payload.reason, withStatus ? /no data for 1 s|source status modbus-read: (broken|reconnecting)/ : /^no data for 1 s$/);
    }
    const badChannels = new Set(got.filter((g) => g.at > tStop && g.msg.payload.quality === 'bad').map((g) => g.msg.payload.channel));
    assert.strictEqual(badChannels.size, rows.length, 'every channel reported bad');
    assert.ok(st.some((s) => s.at > tStop && s.fill === 'red' && (withStatus ? /stale \d+ s|down: / : /^stale [12] s( \(\d+ ch\))?$/).test(s.text)), `status during the gap: ${st.filter((s) => s.at > tStop).map((s) => s.text).join(' | ')}`);

    // 3. Restart with a new value: the same flow resumes with real values.
    words.splice(0, 1, ...wordsOf(4321, 'int16', 'AB'));
    plc.writeFrom0(words);
    await plc.start();
    const back = await waitFor('readings after the restart', () => got.find((g) => g.at > tRestart && g.msg.payload.channel === 'int16-AB' && g.msg.payload.quality === 'good'), 20000);
    assert.strictEqual(back.msg.payload.value, 4321);
    await waitFor('every channel good again', () => {
      const after = got.filter((g) => g.at >= back.at && g.msg.payload.quality === 'good');
      return new Set(after.map((g) => g.msg.payload.channel)).size === rows.length;
    });
    await waitFor('a green status again', () => st.length && st[st.length - 1].fill === 'green');
    assert.strictEqual(getNode('ing').type, 'rel-ingest');
  });
  }
  it('reads coils and discrete inputs one per channel, from both outputs of modbus-read', async () => {
    // 16 coils (2 bytes on the wire) and 8 discrete inputs (1 byte); the map reads each as a bool.
    const coilsOn = [5, 9, 15];
    const inputsOn = [0, 3, 7];
    ModbusTestServer.bits(plc.coils, coilsOn);
    ModbusTestServer.bits(plc.discrete, inputsOn);
    const port = await plc.start();
    const coilRows = boolRows('coil', 16);
    const inputRows = boolRows('di', 8);
    await loadFlow(
      [
        assetNode({ id: 'asset1', assetId: 'press-1' }),
        { id: 'c1', ...CLIENT, tcpPort: port },
        { id: 'rc', type: 'modbus-read', name: 'coils', server: 'c1', dataType: 'Coil', adr: '0', quantity: '16', rate: '200', rateUnit: 'ms', unitid: '1', wires: [['coil1'], ['coil2']] },
        { id: 'ri', type: 'modbus-read', name: 'inputs', server: 'c1', dataType: 'Input', adr: '0', quantity: '8', rate: '200', rateUnit: 'ms', unitid: '1', wires: [['di1'], ['di2']] },
        ...[['coil1', coilRows], ['coil2', coilRows], ['di1', inputRows], ['di2', inputRows]].map(([id, rows]) => ({ id, type: 'rel-ingest', source: 'modbus', asset: 'asset1', registers: rows, output: 'array', staleAfter: 0, wires: [[`${id}-out`]] })),
        ...['coil1', 'coil2', 'di1', 'di2'].map((id) => ({ id: `${id}-out`, type: 'helper' })),
      ],
      CONTRIB,
    );
    const got = Object.fromEntries(['coil1', 'coil2', 'di1', 'di2'].map((id) => [id, collect(`${id}-out`)]));
    for (const [id, rows, on] of [['coil1', coilRows, coilsOn], ['coil2', coilRows, coilsOn], ['di1', inputRows, inputsOn], ['di2', inputRows, inputsOn]] as const) {
      const m = await waitFor(`a reading batch from ${id} (output ${id.slice(-1)} of modbus-read)`, () => got[id][0]?.msg, 10000);
      const want = rows.map((r, i) => [r.channel, 'good', on.includes(i as never) ? 1 : 0]);
      assert.deepStrictEqual(m.payload.map((r: any) => [r.channel, r.quality, r.value]), want, `${id}: ${JSON.stringify(m.payload.map((r: any) => [r.channel, r.quality, r.value, r.reason]))}`);
    }
  });

  it('reads holding registers when an IO file names the payload (useIOForPayload)', async () => {
    const words = [725, ...wordsOf(12.25, 'float32', 'ABCD'), 54321];
    plc.writeFrom0(words);
    const port = await plc.start();
    const dir = tmpDir('rel-modbus-io-');
    const ioFile = path.join(dir, 'plc.json');
    fs.writeFileSync(ioFile, ['{"name":"wMotorTemp","valueAddress":"%IW0"}', '{"name":"rFlow","valueAddress":"%IW1"}', '{"name":"wCount","valueAddress":"%IW3"}', ''].join('\n'));
    const rows = [
      { channel: 'motor-temp', register: 0, type: 'uint16', wordOrder: 'BE', byteOrder: 'BE', scale: 0.1, offset: -20 },
      { channel: 'flow', register: 1, type: 'float32', wordOrder: 'BE', byteOrder: 'BE', scale: 1, offset: 0 },
      { channel: 'count', register: 3, type: 'uint16', wordOrder: 'BE', byteOrder: 'BE', scale: 1, offset: 0 },
    ];
    try {
      await loadFlow(
        [
          assetNode({ id: 'asset1', assetId: 'press-1' }),
          { id: 'c1', ...CLIENT, tcpPort: port },
          { id: 'io1', type: 'modbus-io-config', name: 'io', path: ioFile, format: 'utf8', addressOffset: '' },
          { id: 'r1', type: 'modbus-read', name: 'read', server: 'c1', dataType: 'HoldingRegister', adr: '0', quantity: '4', rate: '200', rateUnit: 'ms', unitid: '1', useIOFile: true, ioFile: 'io1', useIOForPayload: true, wires: [['ing', 'tap']] },
          { id: 'ing', type: 'rel-ingest', source: 'modbus', asset: 'asset1', registers: rows, output: 'array', staleAfter: 0, wires: [['out']] },
          { id: 'tap', type: 'helper' },
          { id: 'out', type: 'helper' },
        ],
        CONTRIB,
      );
      const tap = collect('tap');
      const got = collect('out');
      // Once the IO file is loaded, payload is the list of named values (objects), not the registers.
      const named = await waitFor('three IO-named messages', () => {
        const io = tap.filter((g) => Array.isArray(g.msg.payload) && g.msg.payload.length > 0 && typeof g.msg.payload[0] === 'object');
        return io.length >= 3 ? io : undefined;
      });
      assert.ok(named[0].msg.payload.some((v: any) => v.name === 'wMotorTemp'), JSON.stringify(named[0].msg.payload));
      assert.deepStrictEqual(named[0].msg.responseBuffer.data, words);
      const after = got.filter((g) => g.at >= named[0].at);
      assert.ok(after.length >= 2, `${after.length} readings from ${named.length} IO-named messages`);
      for (const g of after) {
        const vals = g.msg.payload.map((r: any) => [r.channel, r.quality, r.value]);
        assert.strictEqual(vals.length, 3);
        assert.deepStrictEqual(vals[0][1], 'good');
        assert.ok(Math.abs(vals[0][2] - 52.5) < 1e-9, `motor-temp ${vals[0][2]}`);
        assert.deepStrictEqual(vals.slice(1), [['flow', 'good', 12.25], ['count', 'good', 54321]]);
      }
    } finally {
      await unloadFlow();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
