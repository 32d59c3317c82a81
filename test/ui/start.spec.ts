/**
 * scripts/start.js (npm start): the user directory it prepares. The Node-RED it runs is exercised
 * by demo.spec.ts and test/flows (same functions, temporary directories).
 */
import assert from 'assert';
import fs from 'fs';
import os from 'os';
import path from 'path';
import { ROOT, start } from './nodered';

describe('ui: npm start prepares the Node-RED user directory', function () {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rel-start-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('writes settings for 127.0.0.1, the port, the flow file, no secret prompt', function () {
    const userDir = path.join(dir, 'user');
    const prep = start.prepareUserDir({ userDir, port: 1880, flow: [] });
    delete require.cache[prep.settingsFile];
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const settings = require(prep.settingsFile);
    assert.strictEqual(settings.uiHost, '127.0.0.1');
    assert.strictEqual(settings.uiPort, 1880);
    assert.strictEqual(settings.flowFile, 'flows.json');
    assert.strictEqual(settings.userDir, userDir);
    assert.strictEqual(settings.credentialSecret, process.env.NODE_RED_CREDENTIAL_SECRET || false);
    assert.strictEqual(settings.logging.console.level, 'info');
    assert.strictEqual(settings.editorTheme.palette.categories[0], 'reliability');
    assert.ok(settings.contextStorage.persistent, 'a file-backed context store (the demo supplier\'s open orders)');
  });

  it('links the package into <userDir>/node_modules like npm install <path>', function () {
    const userDir = path.join(dir, 'user');
    start.prepareUserDir({ userDir, port: 0 });
    const link = path.join(userDir, 'node_modules', '@jidoka', 'node-red-reliability');
    assert.strictEqual(fs.realpathSync(link), fs.realpathSync(ROOT));
    assert.strictEqual(JSON.parse(fs.readFileSync(path.join(link, 'package.json'), 'utf8')).name, '@jidoka/node-red-reliability');
    const userPkg = JSON.parse(fs.readFileSync(path.join(userDir, 'package.json'), 'utf8'));
    assert.ok(userPkg.dependencies['@jidoka/node-red-reliability'], 'listed as installed by the user');
    // Preparing again keeps one valid link.
    start.prepareUserDir({ userDir, port: 0 });
    assert.strictEqual(fs.realpathSync(link), fs.realpathSync(ROOT));
  });

  it('deploys the demo line on the first start only, and again with --reset', function () {
    const userDir = path.join(dir, 'user');
    const demo = start.readFlow('demo-line.json');
    const first = start.prepareUserDir({ userDir, port: 0, flow: demo });
    assert.strictEqual(first.deployed, true);
    assert.deepStrictEqual(JSON.parse(fs.readFileSync(first.flowFile, 'utf8')), demo);
    // The user edits and deploys their own flows: a later start keeps them.
    const mine = [{ id: 'mine', type: 'tab', label: 'my line' }];
    fs.writeFileSync(first.flowFile, JSON.stringify(mine));
    const second = start.prepareUserDir({ userDir, port: 0, flow: demo });
    assert.strictEqual(second.deployed, false);
    assert.deepStrictEqual(JSON.parse(fs.readFileSync(first.flowFile, 'utf8')), mine);
    const reset = start.prepareUserDir({ userDir, port: 0, flow: demo, reset: true });
    assert.strictEqual(reset.deployed, true);
    assert.deepStrictEqual(JSON.parse(fs.readFileSync(first.flowFile, 'utf8')), demo);
  });

  it('the demo flow holds one rel-store, five rel-assets and one simulator per asset, one degrading, one with PLC tags only', function () {
    const demo = start.readFlow('demo-line.json');
    const of = (t: string) => demo.filter((n: any) => n.type === t);
    assert.strictEqual(of('rel-store').length, 1);
    assert.strictEqual(of('rel-store')[0].file, 'reliability.db');
    assert.deepStrictEqual(of('rel-asset').map((n: any) => n.name), ['Conveyor drive', 'Pump', 'Filler motor', 'Capper press', 'Compressor'], 'in the line\'s order (the floor pages show the tiles in it)');
    // four waveform machines and the capper press with PLC tags only (its own chain: rel-health machine mode)
    const scalar = of('rel-simulator').filter((n: any) => n.kind === 'scalar');
    assert.deepStrictEqual(scalar.map((n: any) => [n.assetId, n.wires[0].map((id: string) => demo.find((x: any) => x.id === id)?.type)]), [['press-1', ['rel-health']]]);
    const sims = of('rel-simulator').filter((n: any) => n.kind !== 'scalar');
    assert.strictEqual(sims.length, 4);
    assert.deepStrictEqual(sims.filter((n: any) => n.fault !== 'none').map((n: any) => [n.assetId, n.fault]), [['conveyor-1', 'bearing-outer-race']]);
    for (const s of sims) assert.ok(Number(s.timeScale) > 1, 'accelerated clock');
    assert.ok(of('comment').length >= 5, 'comment nodes explain the line');
    // The simulators keep their clock in the store and feed the line directly (no function node in between).
    const fnIds = new Set(of('function').map((n: any) => n.id));
    for (const s of sims) {
      assert.strictEqual(s.store, of('rel-store')[0].id, `${s.id} resumes from the store`);
      assert.strictEqual(s.startEvent, true);
      const type = (id: string) => demo.find((n: any) => n.id === id)?.type;
      assert.deepStrictEqual(s.wires.map((w: string[]) => w.map(type)), [['rel-vibration'], ['function', 'rel-view'], ['switch', 'delay']], `${s.id}: waveforms to rel-vibration, readings to the line state (and the floor view), production events to a switch and (at most one per 5 s) to rel-pm as its plant-time tick`);
      assert.ok(!fnIds.has(s.wires[0][0]) && !fnIds.has(s.wires[2][0]));
    }
    assert.ok(!of('function').some((n: any) => /continue the clock/.test(n.name)), 'no clock work-around');
    assert.ok(of('function').length <= 7, `${of('function').length} function nodes (the capper press's OEE and takt events among them)`);
    for (const t of ['rel-kpi', 'rel-buffer']) assert.strictEqual(of(t).length, 1, t);
    // Every persisting node uses the one store.
    for (const n of demo) if ('store' in n && n.type !== 'rel-asset') assert.strictEqual(n.store, of('rel-store')[0].id, `${n.type} ${n.id}`);
  });
});
