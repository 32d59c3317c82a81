/** Pure decoding logic of rel-ingest, checked against values built independently with Buffer. */
import assert from 'assert';
import {
  checkFieldMap,
  checkRegisterMap,
  csvReadings,
  csvWaveform,
  decodeRegisters,
  DEFAULT_FIELDS,
  encodeRegisters,
  jsonReadings,
  modbusReadings,
  opcuaReading,
  registersFromMessage,
  sourceState,
  statusQuality,
  Watchdog,
  type ReadingDefaults,
  type RegisterType,
} from '../../nodes/core/ingest';
import { wordsOf } from './registers';

const D: ReadingDefaults = { now: 1_700_000_000_000, source: 'mqtt' };

describe('ingest core', function () {
  it('decodes every register type in every word and byte order', () => {
    const cases: [number, RegisterType][] = [
      [-1234, 'int16'],
      [54321, 'uint16'],
      [-123456789, 'int32'],
      [3_000_000_000, 'uint32'],
      [-12.5, 'float32'],
      [Math.fround(1234.567), 'float32'],
      [Math.PI * 1000, 'float64'],
      [-2.5e-7, 'float64'],
    ];
    const layouts: Record<number, [string, 'BE' | 'LE', 'BE' | 'LE'][]> = {
      2: [['AB', 'BE', 'BE'], ['BA', 'BE', 'LE']],
      4: [['ABCD', 'BE', 'BE'], ['CDAB', 'LE', 'BE'], ['BADC', 'BE', 'LE'], ['DCBA', 'LE', 'LE']],
      8: [['ABCDEFGH', 'BE', 'BE'], ['GHEFCDAB', 'LE', 'BE'], ['BADCFEHG', 'BE', 'LE'], ['HGFEDCBA', 'LE', 'LE']],
    };
    let n = 0;
    for (const [v, type] of cases) {
      const size = type === 'float64' ? 8 : type.endsWith('32') ? 4 : 2;
      for (const [layout, wo, bo] of layouts[size]) {
        const words = [7, ...wordsOf(v, type, layout), 9];
        assert.strictEqual(decodeRegisters(words, 1, type, wo, bo), v, `${type} ${layout}`);
        assert.deepStrictEqual(encodeRegisters(v, type, wo, bo), words.slice(1, -1), `encode ${type} ${layout}`);
        n++;
      }
    }
    assert.strictEqual(n, 28);
    assert.strictEqual(decodeRegisters([0x4060, 0], 0, 'float32'), 3.5);
    assert.throws(() => decodeRegisters([1], 0, 'int32'), /outside the 1 registers/);
  });

  it('reads registers from each contrib-modbus message shape', () => {
    const buffer = Buffer.from([4, 210, 64, 96, 0, 0]);
    assert.deepStrictEqual(registersFromMessage({ payload: [1234, 16480, 0] }), [1234, 16480, 0]);
    assert.deepStrictEqual(registersFromMessage({ payload: { data: [1234, 16480, 0], buffer } }), [1234, 16480, 0]);
    assert.deepStrictEqual(registersFromMessage({ payload: { a: 1 }, responseBuffer: { data: [1234, 16480, 0], buffer } }), [1234, 16480, 0]);
    assert.deepStrictEqual(registersFromMessage({ payload: { a: 1 }, responseBuffer: { buffer } }), [1234, 16480, 0]);
    assert.deepStrictEqual(registersFromMessage({ payload: { buffer: JSON.parse(JSON.stringify(buffer)) } }), [1234, 16480, 0]);
    assert.deepStrictEqual(registersFromMessage({ payload: [true, false, true] }), [1, 0, 1]);
    // Coils as modbus-serial returns them: data = one boolean per coil, buffer = the coils packed 8 per byte.
    const coils = { data: [false, false, false, false, false, true, false, false, false, false, false, false, false, false, false, false], buffer: Buffer.from([0x20, 0x00]) };
    assert.deepStrictEqual(registersFromMessage({ payload: coils, values: coils.data }), [0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    assert.deepStrictEqual(registersFromMessage({ payload: { data: coils.data.slice(0, 8), buffer: Buffer.from([0x20]) } }), [0, 0, 0, 0, 0, 1, 0, 0]);
    // A read of 6 coils comes back a whole byte long (8): the 2 coils past the request were not read.
    const six = { fc: 1, address: 0, quantity: 6, unitid: 1 };
    assert.deepStrictEqual(registersFromMessage({ payload: coils.data.slice(0, 8), responseBuffer: { data: coils.data.slice(0, 8), buffer: Buffer.from([0x20]) }, input: { payload: six } }), [0, 0, 0, 0, 0, 1]);
    assert.deepStrictEqual(registersFromMessage({ payload: { data: coils.data.slice(0, 8), buffer: Buffer.from([0x20]) }, input: { payload: { ...six, quantity: '6' } } }), [0, 0, 0, 0, 0, 1]);
    const { rows: coilRows } = checkRegisterMap([{ channel: 'coil-7', register: 7, type: 'bool' }]);
    const row7 = modbusReadings(registersFromMessage({ payload: coils.data.slice(0, 8), input: { payload: six } }), coilRows, { ...D, asset: 'm', source: 'modbus' });
    assert.deepStrictEqual([row7[0].quality, row7[0].value], ['bad', undefined], 'coil 7 was not read: bad, no value');
    // IO file with useIOForPayload: payload = named values (objects), the registers are in responseBuffer.
    assert.deepStrictEqual(registersFromMessage({ payload: [{ name: 'wTemp', value: 1234 }], responseBuffer: { data: [1234, 16480, 0], buffer } }), [1234, 16480, 0]);
    assert.deepStrictEqual(registersFromMessage({ payload: [-1] }), [65535]);
    assert.throws(() => registersFromMessage({ payload: [1, 70000] }), /^InputError: msg\.payload\[1\]: expected a 16-bit register value .* got the number 70000/);
    assert.throws(() => registersFromMessage({ payload: Buffer.from([1, 2, 3]) }), /msg\.payload: expected an even, non-zero number of bytes/);
    assert.throws(() => registersFromMessage({ payload: 'x' }), /msg\.payload: expected Modbus registers/);
  });

  it('maps registers to channels with scale and offset; NaN and missing registers are bad', () => {
    const { rows, errors } = checkRegisterMap([
      { channel: 'temp', register: 0, type: 'int16', scale: 0.1, offset: -20, unit: 'degC', quantity: 'temperature' },
      { channel: 'flow', register: '1', type: 'float32', wordOrder: 'LE' },
      { channel: 'nan', register: 3, type: 'float32' },
      { channel: 'beyond', register: 5, type: 'uint32' },
    ]);
    assert.deepStrictEqual(errors, []);
    const words = [725, ...wordsOf(12.25, 'float32', 'CDAB'), ...wordsOf(NaN, 'float32', 'ABCD'), 1];
    const rs = modbusReadings(words, rows, { ...D, asset: 'pump-1', source: 'modbus' });
    assert.strictEqual(rs.length, 4);
    assert.ok(Math.abs(rs[0].value! - 52.5) < 1e-12);
    assert.deepStrictEqual([rs[0].unit, rs[0].quantity, rs[0].quality, rs[0].ts], ['degC', 'temperature', 'good', D.now]);
    assert.strictEqual(rs[1].value, 12.25);
    assert.strictEqual(rs[2].quality, 'bad');
    assert.strictEqual(rs[2].value, undefined);
    assert.match(rs[2].reason!, /not a measured value/);
    assert.strictEqual(rs[3].quality, 'bad');
    assert.match(rs[3].reason!, /registers 5\.\.6 not in the 6 registers read/);
    const bad = checkRegisterMap([{ channel: '', register: -1, type: 'int8', wordOrder: 'X', scale: 'a' }, { channel: 'a', register: 0 }, { channel: 'a', register: 1 }]);
    const text = bad.errors.join('\n');
    for (const w of ['row 1: channel', 'row 1: register', 'row 1: type', 'row 1: word order', 'row 1: scale', 'row 3: channel a is mapped twice']) assert.ok(text.includes(w), `missing "${w}" in ${text}`);
  });

  it('accepts a canonical reading as it is and a custom field mapping', () => {
    const canonical = { asset: 'pump-1', channel: 'DE-accel', ts: 1_600_000_000_000, quantity: 'acceleration', unit: 'g', samples: [0.1, -0.2, 0.3], fs: 12000, rpm: 1797, quality: 'good' };
    const [r] = jsonReadings(JSON.stringify(canonical), DEFAULT_FIELDS, D);
    assert.deepStrictEqual({ ...r, samples: Array.from(r.samples!) }, { ...canonical, source: 'mqtt' });
    const { fields } = checkFieldMap({ value: 'data.t', ts: 'time', channel: 'sensor' });
    const [c] = jsonReadings({ data: { t: '41.5' }, time: '2024-03-01T00:00:00Z', sensor: 'bearing-temp', asset: 'fan-1' }, fields, D);
    assert.deepStrictEqual([c.value, c.ts, c.channel, c.asset, c.quality], [41.5, Date.parse('2024-03-01T00:00:00Z'), 'bearing-temp', 'fan-1', 'good']);
    const [n] = jsonReadings('7.25', DEFAULT_FIELDS, { ...D, asset: 'fan-1', channel: 'current', unit: 'A' });
    assert.deepStrictEqual([n.value, n.channel, n.unit], [7.25, 'current', 'A']);
    const [nul] = jsonReadings({ asset: 'fan-1', channel: 'x', value: null }, DEFAULT_FIELDS, D);
    assert.deepStrictEqual([nul.quality, nul.value], ['bad', undefined]);
    assert.throws(() => jsonReadings({ asset: 'fan-1', channel: 'x', value: 'hot' }, DEFAULT_FIELDS, D), /^InputError: msg\.payload\.value: expected a number, got the string "hot"/);
    assert.throws(() => jsonReadings({ asset: 'fan-1', channel: 'x', samples: [1, 2] }, DEFAULT_FIELDS, D), /msg\.payload\.fs: expected the sample rate/);
    assert.throws(() => jsonReadings('{oops', DEFAULT_FIELDS, D), /msg\.payload: expected JSON text/);
    assert.deepStrictEqual(checkFieldMap({ value: '__proto__.x' }).errors.length, 1);
  });

  it('a reading the source marks bad carries no value (JSON, HTTP, CSV table)', () => {
    // The value a source sends with quality bad is not a measurement: it must not reach rel-health.
    const [v] = jsonReadings({ asset: 'fan-1', channel: 'x', value: 0, quality: 'bad' }, DEFAULT_FIELDS, D);
    assert.deepStrictEqual(v, { asset: 'fan-1', channel: 'x', ts: D.now, quality: 'bad', source: 'mqtt', reason: 'the source reports bad quality' });
    const [w] = jsonReadings({ asset: 'fan-1', channel: 'x', samples: [1, 2], fs: 10, quality: 'bad' }, DEFAULT_FIELDS, D);
    assert.deepStrictEqual([w.quality, w.value, w.samples, w.fs, w.reason], ['bad', undefined, undefined, undefined, 'the source reports bad quality']);
    const [u] = jsonReadings({ asset: 'fan-1', channel: 'x', value: 3, quality: 'uncertain' }, DEFAULT_FIELDS, D);
    assert.deepStrictEqual([u.quality, u.value], ['uncertain', 3], 'uncertain keeps its value');
    const t = csvReadings('asset,channel,value,quality\nfan-1,x,0,bad\nfan-1,y,2.5,good\n', DEFAULT_FIELDS, { ...D, source: 'csv' });
    assert.deepStrictEqual(t.readings.map((r) => [r.channel, r.quality, r.value, r.reason]), [['x', 'bad', undefined, 'the source reports bad quality'], ['y', 'good', 2.5, undefined]]);
  });

  it('maps OPC UA status codes to quality', () => {
    const { StatusCodes, StatusCode } = require('node-opcua-status-code');
    assert.strictEqual(statusQuality(StatusCodes.Good).quality, 'good');
    assert.deepStrictEqual(statusQuality(StatusCodes.BadCommunicationError), { quality: 'bad', code: 0x80050000, name: 'BadCommunicationError' });
    assert.strictEqual(statusQuality(StatusCodes.UncertainLastUsableValue).quality, 'uncertain');
    assert.strictEqual(statusQuality(JSON.parse(JSON.stringify(StatusCodes.BadNodeIdUnknown))).quality, 'bad');
    assert.strictEqual(statusQuality(StatusCode.makeStatusCode(StatusCodes.Good, 'Overflow')).quality, 'good');
    assert.strictEqual(statusQuality('UncertainSensorNotAccurate').quality, 'uncertain');
    assert.strictEqual(statusQuality(0x80000000).quality, 'bad');
    const src = new Date('2024-05-01T10:00:00Z');
    const good = opcuaReading({ topic: 'ns=1;s=Temperature', payload: 61.25, statusCode: StatusCodes.Good, sourceTimestamp: src }, { ...D, asset: 'pump-1', source: 'opcua' });
    assert.deepStrictEqual([good.value, good.ts, good.channel, good.quality], [61.25, src.getTime(), 'ns=1;s=Temperature', 'good']);
    const bad = opcuaReading({ topic: 't', payload: 61.25, statusCode: StatusCodes.BadSensorFailure, sourceTimestamp: src }, { ...D, asset: 'pump-1', source: 'opcua' });
    assert.deepStrictEqual([bad.quality, bad.value], ['bad', undefined]);
    assert.match(bad.reason!, /BadSensorFailure/);
    const unc = opcuaReading({ topic: 't', payload: 60, statusCode: StatusCodes.UncertainLastUsableValue }, { ...D, asset: 'pump-1', source: 'opcua' });
    assert.deepStrictEqual([unc.quality, unc.value], ['uncertain', 60]);
  });

  it('reads CSV waveforms (fs from a comment, a first row or the node) and tables with bad rows', () => {
    const sig = Array.from({ length: 64 }, (_, i) => Math.sin((2 * Math.PI * 50 * i) / 1000));
    const text = `# fs=1000 channel=DE-accel\ntime,accel\n${sig.map((v, i) => `${i / 1000},${v}`).join('\n')}\n`;
    const w = csvWaveform(text, { column: 'accel' }, { ...D, asset: 'pump-1', source: 'csv' });
    assert.strictEqual(w.fs, 1000);
    assert.strictEqual(w.channel, 'DE-accel');
    assert.deepStrictEqual(Array.from(w.samples!), sig);
    const w2 = csvWaveform(Buffer.from(`fs,2000\n1\n2\n3\n`), {}, { ...D, asset: 'pump-1', channel: 'x', source: 'csv' });
    assert.deepStrictEqual([w2.fs, Array.from(w2.samples!)], [2000, [1, 2, 3]]);
    const w3 = csvWaveform([[1], [2]], {}, { ...D, asset: 'pump-1', channel: 'x', fs: 10, source: 'csv' });
    assert.strictEqual(w3.samples!.length, 2);
    assert.throws(() => csvWaveform('1\n2\nx3\n', {}, { ...D, asset: 'pump-1', channel: 'x', fs: 10, source: 'csv' }), /msg\.payload\[2\]: expected a number, got the string "x3"/);
    assert.throws(() => csvWaveform('1\n2\n', {}, { ...D, asset: 'pump-1', channel: 'x', source: 'csv' }), /msg\.payload\.fs: expected a sample rate/);
    const table = 'ts,asset,channel,value,unit\n2024-01-01T00:00:00Z,pump-1,motor-temp,61.5,degC\n2024-01-01T00:01:00Z,pump-1,motor-temp,abc,degC\n2024-01-01T00:02:00Z,pump-1,current,12.5,A\n';
    const t = csvReadings(table, DEFAULT_FIELDS, { ...D, source: 'csv' });
    assert.deepStrictEqual(t.readings.map((r) => [r.channel, r.value, r.ts]), [['motor-temp', 61.5, Date.parse('2024-01-01T00:00:00Z')], ['current', 12.5, Date.parse('2024-01-01T00:02:00Z')]]);
    assert.strictEqual(t.badRows.length, 1);
    assert.strictEqual(t.badRows[0].row, 1);
    assert.match(t.badRows[0].error, /msg\.payload\[1\]\.value: expected a number, got the string "abc"/);
    const parsed = csvReadings([{ asset: 'pump-1', channel: 'c', value: 3 }], DEFAULT_FIELDS, { ...D, source: 'csv' });
    assert.strictEqual(parsed.readings[0].value, 3);
  });

  it('watches channels: stale once per outage, recovers on data; reads source status texts', () => {
    const dog = new Watchdog(60_000);
    dog.watch({ asset: 'a', channel: 'x' }, 0);
    assert.deepStrictEqual(dog.check(59_999), []);
    assert.deepStrictEqual(dog.check(60_000).map((w) => w.channel), ['x']);
    assert.deepStrictEqual(dog.check(120_000), [], 'reported once');
    assert.strictEqual(dog.seen({ asset: 'a', channel: 'x' }, 130_000), true);
    assert.deepStrictEqual(dog.missing(), []);
    dog.seen({ asset: 'a', channel: 'y' }, 130_000);
    assert.strictEqual(dog.down().length, 2);
    assert.strictEqual(dog.down().length, 0, 'down reported once');
    assert.deepStrictEqual(['initialized', 'broken', 'reconnecting after 2000 msec.', 'failure', 'active ( 1 sec. ) ', 'connected', 'x'].map(sourceState), ['down', 'down', 'down', 'down', 'up', 'up', 'unknown']);
  });
});
