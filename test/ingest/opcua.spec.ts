/**
 * The OPC UA proof: a real node-opcua server on 127.0.0.1 with a variable, read by
 * node-red-contrib-opcua 0.2.354's OpcUa-Client node (action "read") inside the real runtime and
 * decoded by rel-ingest. The variable's StatusCode is switched to Bad and Uncertain: the readings
 * follow (bad without a value, uncertain with it). The client's second output (its status/error
 * messages) is wired in too and must not invent readings.
 */
import assert from 'assert';
import fs from 'fs';
import path from 'path';
import { getNode, loadFlow, tmpDir, unloadFlow } from '../helpers/red';
import { assetNode } from '../helpers/fixtures';
import { collect, opcuaConfigHome, waitFor } from './collect';
import { freePort } from '../helpers/net';


describe('rel-ingest: OPC UA through node-red-contrib-opcua and a node-opcua server', function () {
  this.timeout(90000);
  let dir: string;
  let server: any;
  let opcua: any;
  let state = { value: 61.25, status: 'Good' };
  const xdgBefore = process.env.XDG_CONFIG_HOME;

  before(async () => {
    dir = tmpDir('rel-ingest-opcua-');
    // The contrib client keeps its PKI under env-paths' config folder: keep it out of $HOME.
    process.env.XDG_CONFIG_HOME = opcuaConfigHome();
    opcua = require('node-opcua');
    const port = await freePort();
    server = new opcua.OPCUAServer({
      port,
      hostname: '127.0.0.1',
      serverCertificateManager: new opcua.OPCUACertificateManager({ rootFolder: path.join(dir, 'server-pki'), automaticallyAcceptUnknownCertificate: true }),
    });
    await server.initialize();
    const ns = server.engine.addressSpace.getOwnNamespace();
    const pump = ns.addObject({ organizedBy: server.engine.addressSpace.rootFolder.objects, browseName: 'Pump' });
    ns.addVariable({
      componentOf: pump,
      nodeId: 's=MotorTemperature',
      browseName: 'MotorTemperature',
      dataType: 'Double',
      minimumSamplingInterval: 100,
      value: {
        timestamped_get: () =>
          new opcua.DataValue({
            value: new opcua.Variant({ dataType: opcua.DataType.Double, value: state.value }),
            statusCode: opcua.StatusCodes[state.status],
            sourceTimestamp: new Date('2024-05-01T10:00:00Z'),
            serverTimestamp: new Date(),
          }),
      },
    });
    await server.start();
  });
  after(async () => {
    await unloadFlow();
    if (server) await server.shutdown();
    fs.rmSync(dir, { recursive: true, force: true });
    if (xdgBefore === undefined) delete process.env.XDG_CONFIG_HOME;
    else process.env.XDG_CONFIG_HOME = xdgBefore;
  });

  it('reads a variable into readings whose quality follows the StatusCode', async () => {
    const url = server.getEndpointUrl().replace(/\/\/[^:/]+:/, '//127.0.0.1:');
    await loadFlow(
      [
        assetNode({ id: 'asset1', assetId: 'pump-1' }),
        { id: 'e1', type: 'OpcUa-Endpoint', endpoint: url, secpol: 'None', secmode: 'None', none: true, login: false },
        { id: 'c1', type: 'OpcUa-Client', name: 'opc', endpoint: 'e1', action: 'read', time: 10, timeUnit: 's', certificate: 'n', wires: [['ing'], ['ing'], []] },
        { id: 'ing', type: 'rel-ingest', source: 'opcua', asset: 'asset1', channel: 'motor-temp', quantity: 'temperature', unit: 'degC', staleAfter: 0, wires: [['out']] },
        { id: 'out', type: 'helper' },
      ],
      [require('node-red-contrib-opcua/opcua/105-opcuaendpoint.js'), require('node-red-contrib-opcua/opcua/102-opcuaclient.js')],
    );
    const got = collect('out');
    const client = getNode('c1');
    const read = () => client.receive({ topic: 'ns=1;s=MotorTemperature', payload: '' });
    const readUntil = async (what: string, pred: (p: any) => boolean) => {
      const from = got.length;
      let last = 0;
      return waitFor(what, () => {
        if (Date.now() - last > 200) {
          last = Date.now();
          read();
        }
        return got.slice(from).find((g) => pred(g.msg.payload))?.msg;
      }, 40000);
    };
    const good = await readUntil('a good reading', (p) => p.quality === 'good');
    assert.deepStrictEqual(good.payload, { asset: 'pump-1', channel: 'motor-temp', ts: Date.parse('2024-05-01T10:00:00Z'), quantity: 'temperature', unit: 'degC', value: 61.25, quality: 'good', source: 'opcua' });
    assert.ok(good.statusCode, 'the contrib message shape is kept (statusCode)');

    state = { value: 999, status: 'BadSensorFailure' };
    const bad = await readUntil('a bad reading', (p) => p.quality === 'bad' && /BadSensorFailure/.test(p.reason));
    assert.strictEqual(bad.payload.value, undefined, 'a Bad value is not a measurement');

    state = { value: 60.5, status: 'UncertainLastUsableValue' };
    const unc = await readUntil('an uncertain reading', (p) => p.quality === 'uncertain');
    assert.strictEqual(unc.payload.value, 60.5);

    // Nothing good was ever sent with the bad value, and the status messages of output 2 gave no reading.
    assert.ok(!got.some((g) => g.msg.payload.value === 999));
    assert.ok(got.every((g) => typeof g.msg.payload.quality === 'string'));
  });
});
