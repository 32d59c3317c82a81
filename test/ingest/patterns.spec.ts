/** Topic patterns without Node-RED: checks, routing of MQTT topics and OPC UA node ids, unknown topics counted. */
import assert from 'assert';
import { DEFAULT_FIELDS, patternProblem, PatternRouter, RegisteredMachines, routedReadings, UnknownTopics, type PatternMachine } from '../../nodes/core/ingest';
import { checkMachineType, machineChannels, patternMachinesOf, RegisterIndex, type RegisteredAsset } from '../../nodes/core/register';

const ch = (...names: string[]) => new Map(names.map((n) => [n, { channel: n }]));

describe('ingest core: MQTT topic and OPC UA node-id patterns', () => {
  it('checks patterns: placeholders, wildcards, separators', () => {
    assert.strictEqual(patternProblem('mqtt', 'plant/{line}/asset/{asset}/{channel}'), undefined);
    assert.strictEqual(patternProblem('mqtt', 'plant/+/{asset}/{channel}/#'), undefined);
    assert.strictEqual(patternProblem('opcua', 'ns=2;s={asset}.{channel}'), undefined);
    assert.match(patternProblem('mqtt', 'plant/{asset}') as string, /\{channel\}/);
    assert.match(patternProblem('mqtt', 'plant/{machine}/{channel}') as string, /unknown placeholder \{machine\}/);
    assert.match(patternProblem('mqtt', 'plant/#/{asset}/{channel}') as string, /# is allowed only/);
    assert.match(patternProblem('mqtt', 'plant/a+/{asset}/{channel}') as string, /\+ is allowed only/);
    assert.match(patternProblem('opcua', 'ns=2;s={asset}{channel}') as string, /separator/);
    assert.match(patternProblem('mqtt', 'x/{asset}/{asset}/{channel}') as string, /once/);
    assert.match(patternProblem('mqtt', 42) as string, /expected a text/);
    assert.match(patternProblem('mqtt', 'a/'.repeat(200) + '{asset}/{channel}') as string, /at most 256/);
  });

  it('routes MQTT topics to asset and channel; unknown machine, channel, line and topic are told apart', () => {
    const machines: PatternMachine[] = [
      { asset: 'P-1', line: 'L1', pattern: 'plant/{line}/asset/{asset}/{channel}', channels: ch('temp', 'vel') },
      { asset: 'P.2', line: 'L2', pattern: 'plant/{line}/asset/{asset}/{channel}', channels: ch('temp') },
      { asset: 'F-9', pattern: 'gw/+/{asset}/{channel}', channels: ch('rpm') },
    ];
    const r = new PatternRouter('mqtt', machines);
    assert.deepStrictEqual(r.subscriptions().sort(), ['gw/+/+/+', 'plant/+/asset/+/+']);
    const ok = r.route('plant/L1/asset/P-1/vel');
    assert.ok(ok.ok && ok.machine.asset === 'P-1' && ok.channel === 'vel');
    const dotted = r.route('plant/L2/asset/P.2/temp');
    assert.ok(dotted.ok && dotted.machine.asset === 'P.2');
    const wild = r.route('gw/box7/F-9/rpm');
    assert.ok(wild.ok && wild.machine.asset === 'F-9' && wild.channel === 'rpm');
    const noAsset = r.route('plant/L1/asset/P-404/temp');
    assert.ok(!noAsset.ok && noAsset.why === 'asset' && noAsset.asset === 'P-404');
    const noCh = r.route('plant/L1/asset/P-1/pressure');
    assert.ok(!noCh.ok && noCh.why === 'channel' && /no channel pressure/.test(noCh.text));
    const place = r.route('plant/L9/asset/P-1/temp');
    assert.ok(!place.ok && place.why === 'place' && /line L1/.test(place.text));
    const other = r.route('elsewhere/x');
    assert.ok(!other.ok && other.why === 'topic');
  });

  it('routes OPC UA node ids exactly, lists every node id to read, and reads values with the channel facts and limits', () => {
    const r = new PatternRouter('opcua', [{ asset: 'M.1', pattern: 'ns=2;s={asset}.{channel}', channels: new Map([['temp', { channel: 'temp', quantity: 'temperature', unit: 'degC', hi: 150 }], ['run', { channel: 'run', role: 'running' as const }]]) }]);
    assert.deepStrictEqual(r.subscriptions(), ['ns=2;s=M.1.temp', 'ns=2;s=M.1.run']);
    const route = r.route('ns=2;s=M.1.temp');
    assert.ok(route.ok && route.machine.asset === 'M.1' && route.channel === 'temp');
    if (!route.ok) return;
    const [hot] = routedReadings('opcua', route, { topic: 'ns=2;s=M.1.temp', payload: 160, statusCode: 0 }, DEFAULT_FIELDS, 1000);
    assert.deepStrictEqual({ ...hot }, { asset: 'M.1', channel: 'temp', ts: 1000, value: 160, quality: 'uncertain', source: 'opcua', quantity: 'temperature', unit: 'degC', reason: '160 outside the absolute limits -inf..150' });
    const run = r.route('ns=2;s=M.1.run');
    assert.ok(run.ok);
    if (run.ok) assert.strictEqual(routedReadings('opcua', run, { topic: 'x', payload: true }, DEFAULT_FIELDS, 1)[0].quantity, 'state');
  });

  it('counts unknown topics per machine/channel and reports the first of each', () => {
    const u = new UnknownTopics();
    const r = new PatternRouter('mqtt', [{ asset: 'A', pattern: 'p/{asset}/{channel}', channels: ch('t') }]);
    const seen: boolean[] = [];
    for (const t of ['p/B/t', 'p/B/t', 'p/A/x', 'q/z', 'p/B/u']) {
      const x = r.route(t);
      assert.ok(!x.ok);
      if (!x.ok) seen.push(u.add(x, t, 5));
    }
    assert.deepStrictEqual(seen, [true, false, true, true, false], 'one key per unknown machine, per unknown channel, per topic');
    const rep = u.report();
    assert.strictEqual(rep.total, 5);
    assert.deepStrictEqual(rep.unknown.map((e) => [e.key, e.count]), [['asset B', 3], ['channel A/x', 1], ['topic q/z', 1]]);
  });

  it('machine types carry patterns; the register index gives the machines, RegisteredMachines reads MQTT payloads (number, text, JSON)', () => {
    const t = checkMachineType({ name: 'sensor-box', mqtt: 'plant/{line}/asset/{asset}/{channel}', opcua: 'ns=2;s={asset}.{channel}', channels: [{ channel: 'temp', quantity: 'temperature', unit: 'degC', lo: -40, hi: 150 }, { channel: 'run', role: 'running' }] }, 'msg.payload');
    assert.deepStrictEqual(t.errors, []);
    assert.strictEqual(t.type?.registers.length, 0, 'no register map needed with a pattern');
    assert.match(checkMachineType({ name: 'x', mqtt: 'plant/{asset}' }, 'p').errors[0], /p\.mqtt: expected \{channel\}/);
    assert.match(checkMachineType({ name: 'x', registers: [] }, 'p').errors[0], /or an mqtt or opcua topic pattern/);
    const asset = (id: string, line: string): RegisteredAsset => ({
      asset: id, name: id, site: '', area: '', line, criticality: 3, machineClass: 'iso10816-3:group2:rigid', rpm: null, bearing: 'none', balls: null, ballDiameter: null, pitchDiameter: null, contactAngle: null,
      machineType: 'sensor-box', plcHost: '', plcPort: null, unitId: null, baseAddress: null, notes: '', channels: id === 'B-2' ? [{ channel: 'vib', quantity: 'velocity', unit: 'mm/s' }] : [],
    });
    const idx = new RegisterIndex();
    idx.replace([asset('A-1', 'L1'), asset('B-2', 'L2')], [t.type!]);
    assert.deepStrictEqual(machineChannels(idx.get('B-2')!, t.type).map((c) => c.channel), ['temp', 'run', 'vib']);
    const rm = new RegisteredMachines(() => ({ version: idx.version, machinesOn: () => [], byPattern: (k) => patternMachinesOf(idx, k) }));
    const a = rm.routed('mqtt', { topic: 'plant/L1/asset/A-1/temp', payload: '61.5' }, DEFAULT_FIELDS, 7);
    assert.deepStrictEqual(a.readings, [{ asset: 'A-1', channel: 'temp', ts: 7, value: 61.5, quality: 'good', source: 'mqtt', quantity: 'temperature', unit: 'degC' }]);
    const b = rm.routed('mqtt', { topic: 'plant/L2/asset/B-2/vib', payload: Buffer.from(JSON.stringify({ value: 4.2, ts: 99, channel: 'ignored', asset: 'ignored' })) }, DEFAULT_FIELDS, 7);
    assert.deepStrictEqual([b.readings[0].asset, b.readings[0].channel, b.readings[0].value, b.readings[0].ts, b.readings[0].unit], ['B-2', 'vib', 4.2, 99, 'mm/s']);
    const u = rm.routed('mqtt', { topic: 'plant/L1/asset/Z-9/temp', payload: 1 }, DEFAULT_FIELDS, 7);
    assert.deepStrictEqual([u.readings.length, u.unknown?.first], [0, true]);
    assert.match(u.unknown!.text, /no registered machine Z-9/);
    // A register change (new version) is picked up on the next message.
    idx.replace([asset('A-1', 'L1'), asset('B-2', 'L2'), asset('Z-9', 'L1')], [t.type!]);
    assert.strictEqual(rm.routed('mqtt', { topic: 'plant/L1/asset/Z-9/temp', payload: 1 }, DEFAULT_FIELDS, 8).readings.length, 1);
    assert.throws(() => rm.routed('mqtt', { payload: 1 }, DEFAULT_FIELDS, 8), /msg\.topic: expected the MQTT topic/);
  });

  it('one RegisteredMachines serves several PLCs: each read decodes the machines of its own PLC', () => {
    const type = { registers: [{ channel: 't', register: 0, type: 'uint16' as const, wordOrder: 'BE' as const, byteOrder: 'BE' as const, scale: 1, offset: 0 }] };
    const on = (host: string) => [{ asset: { asset: host === 'a' ? 'A-1' : 'B-1', baseAddress: 0 }, type, channels: [] }];
    const rm = new RegisteredMachines(() => ({ version: 1, machinesOn: (h) => on(h), byPattern: () => [] }));
    const read = (v: number) => ({ payload: [v], input: { payload: { address: 0, unitid: 1 } } });
    assert.deepStrictEqual(rm.modbus(read(5), { host: 'a', port: 502, start: 0 }, 1).map((r) => [r.asset, r.value]), [['A-1', 5]]);
    assert.deepStrictEqual(rm.modbus(read(6), { host: 'b', port: 502, start: 0 }, 1).map((r) => [r.asset, r.value]), [['B-1', 6]]);
    assert.deepStrictEqual(rm.modbus(read(7), { host: 'A', port: 502, start: 0 }, 1).map((r) => [r.asset, r.value]), [['A-1', 7]]);
  });
});
