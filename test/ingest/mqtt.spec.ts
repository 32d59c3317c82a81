/**
 * The MQTT proof: a real broker in-process (aedes on 127.0.0.1, random port), the core `mqtt in`
 * node subscribed to it, rel-ingest decoding, and an mqtt.js client publishing scalar and waveform
 * JSON as a plant gateway would.
 */
import assert from 'assert';
import net from 'net';
import { loadFlow, unloadFlow } from '../helpers/red';
import { assetNode } from '../helpers/fixtures';
import { collect, waitFor } from './collect';

// eslint-disable-next-line @typescript-eslint/no-var-requires
const { Aedes } = require('aedes');
// eslint-disable-next-line @typescript-eslint/no-var-requires
const mqtt = require('mqtt');
const MQTT_NODES = [require('@node-red/nodes/core/network/10-mqtt.js')];

describe('rel-ingest: MQTT JSON through the core mqtt in node and an aedes broker', function () {
  this.timeout(60000);
  let broker: any;
  let server: net.Server;
  let port: number;
  let client: any;

  before(async () => {
    broker = await Aedes.createBroker();
    server = net.createServer(broker.handle);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    port = (server.address() as net.AddressInfo).port;
  });
  after(async () => {
    await unloadFlow();
    if (client) await client.endAsync();
    await new Promise<void>((r) => server.close(() => r()));
    await new Promise<void>((r) => broker.close(() => r()));
  });

  it('turns scalar and waveform JSON into readings, with the default and a custom field mapping', async () => {
    await loadFlow(
      [
        assetNode({ id: 'asset1', assetId: 'fan-1' }),
        { id: 'b1', type: 'mqtt-broker', name: 'local', broker: '127.0.0.1', port: String(port), clientid: 'node-red-test', autoConnect: true, usetls: false, protocolVersion: '4', keepalive: '60', cleansession: true },
        { id: 'in1', type: 'mqtt in', topic: 'plant/canonical/#', qos: '0', datatype: 'json', broker: 'b1', wires: [['ing1']] },
        { id: 'in2', type: 'mqtt in', topic: 'plant/gateway/#', qos: '0', datatype: 'auto-detect', broker: 'b1', wires: [['ing2']] },
        { id: 'ing1', type: 'rel-ingest', source: 'mqtt', staleAfter: 0, wires: [['out1']] },
        {
          id: 'ing2', type: 'rel-ingest', source: 'mqtt', asset: 'asset1', channel: 'bearing-temp', quantity: 'temperature', unit: 'degC',
          valueField: 'd.t', tsField: 'time', qualityField: 'q', staleAfter: 0, wires: [['out2']],
        },
        { id: 'out1', type: 'helper' },
        { id: 'out2', type: 'helper' },
      ],
      MQTT_NODES,
    );
    const got1 = collect('out1');
    const got2 = collect('out2');
    client = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`);
    // Node-RED's broker connection and the test client are both connected.
    await waitFor('two broker clients', () => broker.connectedClients >= 2);

    const fs = 12800;
    const samples = Array.from({ length: 2048 }, (_, i) => 0.5 * Math.sin((2 * Math.PI * 107.36 * i) / fs));
    const scalar = { asset: 'pump-1', channel: 'motor-temp', ts: 1_714_000_000_000, quantity: 'temperature', unit: 'degC', value: 61.5, quality: 'good', source: 'mqtt' };
    const wave = { asset: 'pump-1', channel: 'DE-accel', ts: 1_714_000_000_500, quantity: 'acceleration', unit: 'g', fs, rpm: 1797, samples };
    for (let attempt = 0; attempt < 50 && got1.length < 2; attempt++) {
      // Publish until the subscription is live (the broker drops QoS 0 messages before it).
      if (got1.length === 0) {
        await client.publishAsync('plant/canonical/pump-1/motor-temp', JSON.stringify(scalar));
        await client.publishAsync('plant/canonical/pump-1/DE-accel', JSON.stringify(wave));
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    const m1 = await waitFor('the scalar reading', () => got1.find((g) => g.msg.payload.channel === 'motor-temp')?.msg);
    assert.deepStrictEqual(m1.payload, scalar, 'a canonical reading passes as it is');
    assert.strictEqual(m1.topic, 'pump-1/motor-temp');
    const m2 = await waitFor('the waveform reading', () => got1.find((g) => g.msg.payload.channel === 'DE-accel')?.msg);
    assert.strictEqual(m2.payload.fs, fs);
    assert.strictEqual(m2.payload.rpm, 1797);
    assert.strictEqual(m2.payload.quality, 'good');
    assert.deepStrictEqual(Array.from(m2.payload.samples), samples);

    // A gateway with its own JSON shape: value at d.t, time at "time", quality at "q".
    const t = '2024-05-01T10:00:00.000Z';
    for (let attempt = 0; attempt < 50 && got2.length < 3; attempt++) {
      if (got2.length === 0) {
        await client.publishAsync('plant/gateway/fan-1', JSON.stringify({ d: { t: 48.25 }, time: t }));
        await client.publishAsync('plant/gateway/fan-1', JSON.stringify({ d: { t: null }, time: t, q: 'bad' }));
        await client.publishAsync('plant/gateway/fan-1', JSON.stringify({ d: { t: 0 }, time: t, q: 'bad' }));
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    const [g, b, b0] = await waitFor('three gateway readings', () => (got2.length >= 3 ? got2.map((x) => x.msg) : undefined));
    assert.deepStrictEqual(g.payload, { asset: 'fan-1', channel: 'bearing-temp', ts: Date.parse(t), quantity: 'temperature', unit: 'degC', value: 48.25, quality: 'good', source: 'mqtt' });
    assert.strictEqual(b.payload.quality, 'bad');
    assert.strictEqual(b.payload.value, undefined, 'a null value is never passed as good');
    // A value the gateway itself marks bad is not a measurement: bad, without the 0.
    assert.deepStrictEqual(b0.payload, { asset: 'fan-1', channel: 'bearing-temp', ts: Date.parse(t), quantity: 'temperature', unit: 'degC', quality: 'bad', source: 'mqtt', reason: 'the source reports bad quality' });
  });
});
