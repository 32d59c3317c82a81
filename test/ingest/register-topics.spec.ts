/**
 * One rel-ingest for every registered machine by topic pattern, in a real runtime: a register of
 * 40 machines imported through rel-registry, whose machine types carry an MQTT topic pattern and an
 * OPC UA node-id pattern. MQTT: an aedes broker in-process, the core `mqtt in` node subscribed to
 * the pattern with wildcards, a gateway (mqtt.js) publishing every machine's channels plus topics
 * naming unknown machines and channels. OPC UA: a node-opcua server with one variable per machine
 * and channel, read by node-red-contrib-opcua's client. Every reading arrives named by asset and
 * channel with the register's quantity and unit; the unknown ones are counted and reported, and
 * the node keeps going.
 */
import assert from 'assert';
import fs from 'fs';
import net from 'net';
import path from 'path';
import { getNode, loadFlow, nextMessage, receiveAndComplete, recordStatus, tmpDir, unloadFlow } from '../helpers/red';
import { storeNode } from '../helpers/fixtures';
import { HEADER, toCsv } from '../register/plant';
import { collect, opcuaConfigHome, waitFor } from './collect';
import { freePort } from '../helpers/net';

// eslint-disable-next-line @typescript-eslint/no-var-requires
const { Aedes } = require('aedes');
// eslint-disable-next-line @typescript-eslint/no-var-requires
const mqtt = require('mqtt');

const MACHINES = 40;
const SENSOR_TYPE = {
  name: 'sensor-box',
  mqtt: 'plant/{line}/asset/{asset}/{channel}',
  opcua: 'ns=1;s={asset}.{channel}',
  channels: [
    { channel: 'temp', quantity: 'temperature', unit: 'degC', lo: -40, hi: 150 },
    { channel: 'vel', quantity: 'velocity', unit: 'mm/s' },
    { channel: 'run', role: 'running' },
  ],
};
const id = (i: number) => `S-${String(i + 1).padStart(3, '0')}`;
const line = (i: number) => `line-${1 + (i % 4)}`;
const rows = Array.from({ length: MACHINES }, (_, i) => ({ asset: id(i), name: `Sensor box ${i + 1}`, line: line(i), criticality: 1 + (i % 5), machineClass: 'iso10816-3:group2:rigid', rpm: 1480, bearing: 'none', machineType: 'sensor-box' }));
const value = (i: number, ch: string) => (ch === 'temp' ? 40 + i / 4 : ch === 'vel' ? 1 + i / 100 : i % 2);

async function send(nodeId: string, msg: any, out: string): Promise<any> {
  const got = nextMessage(out, 10000);
  const err = await receiveAndComplete(nodeId, msg, 10000);
  if (err) throw err;
  return got;
}


describe('rel-ingest register mode: every registered machine by MQTT topic and OPC UA node-id pattern', function () {
  this.timeout(240000);
  let dir: string;
  beforeEach(() => (dir = tmpDir('rel-ingest-topics-')));
  afterEach(async () => {
    await unloadFlow();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('MQTT (aedes): 40 machines x 3 channels named right, unknown machines and channels counted and reported', async () => {
    const broker = await Aedes.createBroker();
    const server = net.createServer(broker.handle);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as net.AddressInfo).port;
    let client: any;
    try {
      await loadFlow(
        [
          storeNode(path.join(dir, 'plant.db')),
          { id: 'reg', type: 'rel-registry', store: 'store1', wires: [['regOut']] },
          { id: 'regOut', type: 'helper' },
          { id: 'b1', type: 'mqtt-broker', name: 'local', broker: '127.0.0.1', port: String(port), clientid: 'node-red-topics', autoConnect: true, usetls: false, protocolVersion: '4', keepalive: '60', cleansession: true },
          { id: 'in1', type: 'mqtt in', topic: 'plant/+/asset/+/+', qos: '0', datatype: 'auto-detect', broker: 'b1', wires: [['ing']] },
          { id: 'ing', type: 'rel-ingest', source: 'mqtt', mode: 'register', store: 'store1', staleAfter: 0, wires: [['out']] },
          { id: 'out', type: 'helper' },
        ],
        [require('@node-red/nodes/core/network/10-mqtt.js')],
      );
      const types = await send('reg', { action: 'types', payload: [SENSOR_TYPE] }, 'regOut');
      assert.strictEqual(types.payload[0].mqtt, SENSOR_TYPE.mqtt);
      const imp = await send('reg', { action: 'import', payload: toCsv(rows, { header: HEADER }) }, 'regOut');
      assert.deepStrictEqual([imp.payload.added, imp.payload.errors], [MACHINES, []], JSON.stringify(imp.payload.errors));
      // The type's patterns survive the store (a fresh read of the types).
      const again = await send('reg', { action: 'types' }, 'regOut');
      assert.deepStrictEqual([again.payload[0].mqtt, again.payload[0].opcua], [SENSOR_TYPE.mqtt, SENSOR_TYPE.opcua]);

      const got = collect('out');
      const st = recordStatus('ing');
      const warned: string[] = [];
      getNode('ing').on('call:warn', (c: any) => warned.push(String(c.args[0])));
      client = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`);
      await waitFor('two broker clients', () => broker.connectedClients >= 2);
      const publishAll = async () => {
        for (let i = 0; i < MACHINES; i++) {
          await client.publishAsync(`plant/${line(i)}/asset/${id(i)}/temp`, String(value(i, 'temp')));
          await client.publishAsync(`plant/${line(i)}/asset/${id(i)}/vel`, JSON.stringify({ value: value(i, 'vel'), ts: 1_714_000_000_000 + i }));
          await client.publishAsync(`plant/${line(i)}/asset/${id(i)}/run`, String(value(i, 'run')));
        }
        await client.publishAsync('plant/line-1/asset/S-999/temp', '50');
        await client.publishAsync('plant/line-1/asset/S-001/pressure', '2.5');
        await client.publishAsync('plant/line-3/asset/S-001/temp', '50');
      };
      let lastPublish = 0;
      const latest = await waitFor('every channel of the 40 machines', () => {
        // Publish until the subscription is live (the broker drops QoS 0 messages before it).
        if (got.length === 0 && Date.now() - lastPublish > 300) {
          lastPublish = Date.now();
          void publishAll();
        }
        const m = new Map<string, any>();
        for (const g of got) m.set(g.msg.topic, g.msg.payload);
        return m.size >= MACHINES * 3 ? m : undefined;
      }, 30000);
      // A second round; its unknown topics come after its 120 readings (one connection keeps the order).
      const before = got.length;
      await publishAll();
      await waitFor('the second round', () => got.length >= before + MACHINES * 3);
      for (let i = 0; i < MACHINES; i++) {
        for (const ch of ['temp', 'vel', 'run']) {
          const r = latest.get(`${id(i)}/${ch}`);
          assert.ok(r, `${id(i)}/${ch} missing`);
          assert.deepStrictEqual([r.asset, r.channel, r.source, r.quality], [id(i), ch, 'mqtt', 'good']);
          assert.ok(Math.abs(r.value - value(i, ch)) < 1e-9, `${id(i)}/${ch}: ${r.value}`);
        }
        assert.deepStrictEqual([latest.get(`${id(i)}/temp`).quantity, latest.get(`${id(i)}/temp`).unit], ['temperature', 'degC']);
        assert.strictEqual(latest.get(`${id(i)}/vel`).ts, 1_714_000_000_000 + i, 'the JSON payload keeps its time');
        assert.strictEqual(latest.get(`${id(i)}/run`).quantity, 'state', 'the running role gives quantity state');
      }
      assert.strictEqual(latest.size, MACHINES * 3, 'no reading for an unknown machine or channel');
      const report = await waitFor('the three unknown topics warned', () => (warned.length >= 3 ? warned : undefined));
      assert.ok(report.some((w) => /S-999.*no registered machine S-999/.test(w)), report.join('\n'));
      assert.ok(report.some((w) => /no channel pressure/.test(w)), report.join('\n'));
      assert.ok(report.some((w) => /on line line-1, the topic says line-3/.test(w)), report.join('\n'));
      assert.strictEqual(warned.length, 3, 'each unknown machine/channel is warned once, however often it comes');
      // Both rounds' unknown topics are counted (they follow the round's readings).
      let counts: any;
      for (const end = Date.now() + 15000; Date.now() < end; await new Promise((r) => setTimeout(r, 100))) {
        counts = await send('ing', { action: 'unknown' }, 'out');
        if (counts.payload.total >= 6) break;
      }
      assert.ok(counts.payload.total >= 6, `counted ${counts.payload.total}`);
      assert.deepStrictEqual(counts.payload.unknown.map((u: any) => u.key).sort(), ['asset S-999', 'channel S-001/pressure', 'place S-001']);
      assert.ok(st.some((s) => / unknown$/.test(s.text) && s.fill === 'yellow'), st.map((s) => s.text).join(' | '));
    } finally {
      await unloadFlow();
      if (client) await client.endAsync();
      await new Promise<void>((r) => server.close(() => r()));
      await new Promise<void>((r) => broker.close(() => r()));
    }
  });

  it('OPC UA (node-opcua server): one client, one rel-ingest, every machine read by node id', async () => {
    const xdgBefore = process.env.XDG_CONFIG_HOME;
    process.env.XDG_CONFIG_HOME = opcuaConfigHome();
    const opcua = require('node-opcua');
    const port = await freePort();
    const server = new opcua.OPCUAServer({
      port,
      hostname: '127.0.0.1',
      serverCertificateManager: new opcua.OPCUACertificateManager({ rootFolder: path.join(dir, 'server-pki'), automaticallyAcceptUnknownCertificate: true }),
    });
    const N = 10;
    try {
      await server.initialize();
      const ns = server.engine.addressSpace.getOwnNamespace();
      assert.strictEqual(ns.index, 1);
      for (let i = 0; i < N; i++) {
        const obj = ns.addObject({ organizedBy: server.engine.addressSpace.rootFolder.objects, browseName: id(i) });
        for (const ch of ['temp', 'vel']) ns.addVariable({ componentOf: obj, nodeId: `s=${id(i)}.${ch}`, browseName: ch, dataType: 'Double', value: { dataType: opcua.DataType.Double, value: value(i, ch) } });
      }
      ns.addVariable({ organizedBy: server.engine.addressSpace.rootFolder.objects, nodeId: 's=S-777.temp', browseName: 'stray', dataType: 'Double', value: { dataType: opcua.DataType.Double, value: 1 } });
      await server.start();
      const url = server.getEndpointUrl().replace(/\/\/[^:/]+:/, '//127.0.0.1:');
      await loadFlow(
        [
          storeNode(path.join(dir, 'plant.db')),
          { id: 'reg', type: 'rel-registry', store: 'store1', wires: [['regOut']] },
          { id: 'regOut', type: 'helper' },
          { id: 'e1', type: 'OpcUa-Endpoint', endpoint: url, secpol: 'None', secmode: 'None', none: true, login: false },
          { id: 'c1', type: 'OpcUa-Client', name: 'opc', endpoint: 'e1', action: 'read', time: 10, timeUnit: 's', certificate: 'n', wires: [['ing'], ['ing'], []] },
          { id: 'ing', type: 'rel-ingest', source: 'opcua', mode: 'register', store: 'store1', staleAfter: 0, wires: [['out']] },
          { id: 'out', type: 'helper' },
        ],
        [require('node-red-contrib-opcua/opcua/105-opcuaendpoint.js'), require('node-red-contrib-opcua/opcua/102-opcuaclient.js')],
      );
      await send('reg', { action: 'types', payload: [SENSOR_TYPE] }, 'regOut');
      const imp = await send('reg', { action: 'import', payload: toCsv(rows.slice(0, N), { header: HEADER }) }, 'regOut');
      assert.deepStrictEqual(imp.payload.errors, []);
      const got = collect('out');
      const warned: string[] = [];
      getNode('ing').on('call:warn', (c: any) => warned.push(String(c.args[0])));
      const client = getNode('c1');
      const nodeIds = [...Array.from({ length: N }, (_, i) => [`ns=1;s=${id(i)}.temp`, `ns=1;s=${id(i)}.vel`]).flat(), 'ns=1;s=S-777.temp'];
      let last = 0;
      const latest = await waitFor('every channel of the 10 machines over OPC UA', () => {
        if (Date.now() - last > 1000) {
          last = Date.now();
          for (const topic of nodeIds) client.receive({ topic, payload: '' });
        }
        const m = new Map<string, any>();
        for (const g of got) if (g.msg.payload.quality === 'good') m.set(g.msg.topic, g.msg.payload);
        return m.size >= N * 2 && warned.length ? m : undefined;
      }, 150000);
      for (let i = 0; i < N; i++) {
        const t = latest.get(`${id(i)}/temp`);
        assert.deepStrictEqual([t.asset, t.channel, t.value, t.quantity, t.unit, t.source], [id(i), 'temp', value(i, 'temp'), 'temperature', 'degC', 'opcua']);
        assert.strictEqual(latest.get(`${id(i)}/vel`).value, value(i, 'vel'));
      }
      assert.ok(!got.some((g) => g.msg.payload.asset === 'S-777'), 'the stray variable gives no reading');
      assert.match(warned[0], /ns=1;s=S-777\.temp: no registered machine S-777/);
    } finally {
      await unloadFlow();
      await server.shutdown();
      if (xdgBefore === undefined) delete process.env.XDG_CONFIG_HOME;
      else process.env.XDG_CONFIG_HOME = xdgBefore;
    }
  });
});
