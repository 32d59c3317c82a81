/**
 * One edge box for the plant-tier proofs: a real Node-RED runtime (node-red's embedding API,
 * `require('node-red')`, in an express server on 127.0.0.1 port 0) in its own process, with a
 * temporary user directory holding flows.json and flows_cred.json, and this package installed in
 * it the way `npm start` installs it (scripts/start.js: a symlink in <userDir>/node_modules).
 *
 *   node box-process.js <config.json>
 *
 * config.json: { userDir, box, flow: object[], credentials: { <node id>: {...} }, pkgDir }.
 * When the flows have started it prints `listening <port>` on stdout; on SIGTERM it stops the
 * runtime (nodes close, stores are released) and exits 0. Messages reach the nodes through the
 * flow's own http-in routes (see boxFlow), so the boxes are driven exactly as a line's PLC
 * gateway or an HMI would drive them.
 */
import fs from 'fs';
import http from 'http';
import path from 'path';

/** Repository root and build output (this file runs from <out>/test/plant). */
export const ROOT = path.resolve(__dirname, '..', '..', '..');
export const OUT = path.resolve(__dirname, '..', '..');

/** An http-in route: POST {action, payload} -> `target` (msg.action set), its first output back as JSON. */
function route(id: string, url: string, target: string): object[] {
  return [
    { id: `${id}-in`, type: 'http in', z: 'tab1', url, method: 'post', upload: false, wires: [[`${id}-unwrap`]] },
    {
      id: `${id}-unwrap`,
      type: 'function',
      z: 'tab1',
      func: 'msg.action = msg.payload.action;\nmsg.payload = msg.payload.payload;\nreturn msg;',
      outputs: 1,
      wires: [[target]],
    },
  ];
}

/**
 * The flow every box runs: one PostgreSQL rel-store, rel-work-order, rel-spares and rel-pm on it,
 * each behind an http-in route (POST /wo, /spares, /pm with {action, payload}); a Catch node per
 * route answers a refused message with 409 and {error}.
 */
export function boxFlow(o: { assets: { id: string; line: string }[] }): object[] {
  const reply = (id: string) => ({ id, type: 'http response', z: 'tab1', statusCode: '', headers: { 'content-type': 'application/json' }, wires: [] });
  const refuse = (id: string, scope: string, to: string) => [
    { id, type: 'catch', z: 'tab1', scope: [scope], uncaught: false, wires: [[`${id}-fmt`]] },
    { id: `${id}-fmt`, type: 'function', z: 'tab1', func: 'msg.statusCode = 409;\nmsg.payload = { error: msg.error && msg.error.message };\nreturn msg;', outputs: 1, wires: [[to]] },
  ];
  return [
    { id: 'tab1', type: 'tab', label: 'box' },
    { id: 'pg', type: 'rel-store', name: 'plant database', backend: 'postgres', version: 2, poolSize: 10 },
    ...o.assets.map((a, i) => ({ id: `asset${i}`, type: 'rel-asset', assetId: a.id, name: a.id, line: a.line, criticality: 3, machineClass: 'iso10816-3:group2:rigid', rpm: 1480, bearing: '6205-2RS' })),
    ...route('r-wo', '/wo', 'wo'),
    { id: 'wo', type: 'rel-work-order', z: 'tab1', store: 'pg', wires: [['wo-reply'], []] },
    reply('wo-reply'),
    ...refuse('wo-catch', 'wo', 'wo-reply'),
    ...route('r-sp', '/spares', 'sp'),
    // the periodic reorder check once a day of wall time: not part of what is measured here
    { id: 'sp', type: 'rel-spares', z: 'tab1', store: 'pg', checkInterval: 86_400, wires: [['sp-reply'], []] },
    reply('sp-reply'),
    ...refuse('sp-catch', 'sp', 'sp-reply'),
    ...route('r-pm', '/pm', 'pm'),
    // rel-pm's own timer ticks on the wall clock once a day; the proof drives the tick by message
    { id: 'pm', type: 'rel-pm', z: 'tab1', store: 'pg', tickInterval: 86_400, wires: [['pm-reply'], []] },
    reply('pm-reply'),
    ...refuse('pm-catch', 'pm', 'pm-reply'),
  ];
}

async function main(): Promise<void> {
  const cfg = JSON.parse(fs.readFileSync(process.argv[2]!, 'utf8')) as { userDir: string; box: string; flow: object[]; credentials: Record<string, unknown>; pkgDir: string };
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const start = require(path.join(ROOT, 'scripts', 'start.js'));
  // settings.js, the package link and flows.json as `npm start` writes them; this process passes
  // its own settings object to the embedded runtime (port 0, no editor).
  start.prepareUserDir({ userDir: cfg.userDir, port: 0, pkgDir: cfg.pkgDir, flow: cfg.flow, reset: true, logLevel: 'warn' });
  // credentialSecret false: flows_cred.json is plain JSON, as a box without a secret keeps it
  fs.writeFileSync(path.join(cfg.userDir, 'flows_cred.json'), JSON.stringify(cfg.credentials));
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const RED = require('node-red');
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const express = require('express');
  const app = express();
  const server = http.createServer(app);
  const settings = {
    userDir: cfg.userDir,
    flowFile: 'flows.json',
    credentialSecret: false,
    httpAdminRoot: false,
    httpNodeRoot: '/',
    uiPort: 0,
    disableEditor: true,
    reliabilityBoxId: cfg.box,
    logging: { console: { level: 'warn', metrics: false, audit: false } },
    nodesExcludes: ['node-red-contrib-opcua', 'node-red-contrib-modbus', 'node-red-dashboard', 'node-red-node-email'],
    externalModules: { autoInstall: false, palette: { allowInstall: false } },
    functionExternalModules: false,
    diagnostics: { enabled: false, ui: false },
    telemetry: { enabled: false },
    runtimeState: { enabled: false, ui: false },
    editorTheme: { projects: { enabled: false } },
  };
  RED.init(server, settings);
  app.use('/', RED.httpNode);
  const started = new Promise<void>((resolve) => RED.events.once('flows:started', () => resolve()));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  await RED.start();
  await started;
  let stopping = false;
  process.on('SIGTERM', () => {
    if (stopping) return;
    stopping = true;
    Promise.resolve(RED.stop())
      .catch((e: unknown) => process.stderr.write(`stop: ${String(e)}\n`))
      .then(() => server.close())
      .finally(() => process.exit(0));
  });
  process.stdout.write(`listening ${(server.address() as { port: number }).port}\n`);
}

if (require.main === module)
  main().catch((e) => {
    process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
    process.exit(1);
  });
