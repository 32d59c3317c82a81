#!/usr/bin/env node
// npm start: Node-RED 4.1 on http://127.0.0.1:1880 with this package's nodes and the demo line.
//
//   npm start                 build, then start (first start deploys flows/demo-line.json)
//   npm start -- --reset      deploy the demo line again (overwrites the user's edited flows)
//   PORT=1881 npm start       another port
//
// The user directory is .node-red-user/ in the repository (git-ignored). This package is made
// visible to Node-RED as .node-red-user/node_modules/@jidoka/node-red-reliability, a symlink to
// the repository (what `npm install <path>` would do). The dev dependencies that are Node-RED
// modules (the dashboards, node-red-contrib-modbus) are found because Node-RED also scans the
// node_modules folder it is installed in.
//
// The functions are exported so tests start the same Node-RED in a temporary user directory.
'use strict';
const { spawn } = require('child_process');
const fs = require('fs');
const path = require('path');

const ROOT = path.resolve(__dirname, '..');
const PKG_NAME = '@jidoka/node-red-reliability';
const RED_JS = require.resolve('node-red/red.js', { paths: [ROOT] });

/** The settings file Node-RED reads (a CommonJS module). */
function settingsSource(opts) {
  const settings = {
    uiHost: opts.host || '127.0.0.1',
    uiPort: opts.port,
    userDir: opts.userDir,
    flowFile: 'flows.json',
    flowFilePretty: true,
    // No encryption key prompt: the demo has no credentials worth protecting. Set a secret
    // (or the NODE_RED_CREDENTIAL_SECRET environment variable) before adding real ones.
    credentialSecret: process.env.NODE_RED_CREDENTIAL_SECRET || false,
    logging: { console: { level: opts.logLevel || 'info', metrics: false, audit: false } },
    // node-red-contrib-opcua is a dev dependency for the ingest tests; the demo does not use it and
    // it is slow to load.
    nodesExcludes: opts.excludes || ['node-red-contrib-opcua'],
    externalModules: { autoInstall: false, palette: { allowInstall: false } },
    functionExternalModules: false,
    diagnostics: { enabled: false, ui: false },
    telemetry: { enabled: false },
    runtimeState: { enabled: false, ui: false },
    editorTheme: {
      page: { title: 'Node-RED · reliability demo' },
      projects: { enabled: false },
      tours: false,
      palette: { categories: ['reliability', 'common', 'function', 'dashboard 2', 'network', 'sequence', 'parser', 'storage'] },
    },
    // "persistent" keeps small flow state across restarts (the demo's simulated supplier: its open
    // orders). The simulators keep their clock in the demo's rel-store, not here.
    contextStorage: { default: { module: 'memory' }, persistent: { module: 'localfilesystem' } },
    // The dashboards run in the same process: keep the editor and the floor screens on one port.
    ui: { path: 'ui' },
  };
  if (opts.extra) Object.assign(settings, opts.extra);
  let tls = '';
  if (opts.tls) {
    // Key and certificate are read by Node-RED at start from the files named (never copied here).
    tls = `module.exports.https = { key: require('fs').readFileSync(${JSON.stringify(opts.tls.key)}), cert: require('fs').readFileSync(${JSON.stringify(opts.tls.cert)}) };\nmodule.exports.requireHttps = true;\n`;
  }
  return `// Written by scripts/start.js; rewritten on every start (edit scripts/start.js instead).\nmodule.exports = ${JSON.stringify(settings, null, 2)};\n${tls}`;
}

/**
 * The plant profile (`npm start -- --plant`): what a plant's IT expects before the port is opened
 * on the floor network. Refuses to start without a credential secret, an editor login, and TLS
 * (a key and certificate) unless HOST is the loopback address behind a reverse proxy that ends
 * TLS; the editor moves to /admin behind adminAuth; listens on HOST (default 0.0.0.0); no flow is
 * deployed (the demo's is not for a plant). Returns { settings, tls, host, problems }.
 */
function plantProfile(env) {
  const problems = [];
  const secret = env.NODE_RED_CREDENTIAL_SECRET || '';
  if (secret.length < 16) problems.push('NODE_RED_CREDENTIAL_SECRET: a secret of at least 16 characters (it encrypts the credentials in flows_cred.json)');
  const user = env.NODE_RED_ADMIN_USER || 'admin';
  let hash = env.NODE_RED_ADMIN_HASH || '';
  if (!hash && env.NODE_RED_ADMIN_PASSWORD) {
    if (env.NODE_RED_ADMIN_PASSWORD.length < 10) problems.push('NODE_RED_ADMIN_PASSWORD: at least 10 characters');
    else hash = require('bcryptjs').hashSync(env.NODE_RED_ADMIN_PASSWORD, 10);
  }
  if (!hash && !env.NODE_RED_ADMIN_PASSWORD) problems.push('NODE_RED_ADMIN_HASH (a bcrypt hash) or NODE_RED_ADMIN_PASSWORD: the editor login');
  let tls;
  if (env.TLS_KEY || env.TLS_CERT) {
    if (!env.TLS_KEY || !env.TLS_CERT) problems.push('TLS_KEY and TLS_CERT: give both files, or neither');
    else {
      for (const f of [env.TLS_KEY, env.TLS_CERT]) if (!fs.existsSync(f)) problems.push(`TLS file not found: ${f}`);
      tls = { key: path.resolve(env.TLS_KEY), cert: path.resolve(env.TLS_CERT) };
    }
  }
  const host = env.HOST || '0.0.0.0';
  const loopback = ['127.0.0.1', '::1', 'localhost'].includes(host);
  if (!tls && !loopback && !(env.TLS_KEY || env.TLS_CERT)) problems.push(`TLS_KEY and TLS_CERT: without them passwords and session cookies cross the network in clear text on ${host}; or HOST=127.0.0.1 behind a reverse proxy on this box that ends TLS`);
  const settings = {
    credentialSecret: secret,
    httpAdminRoot: '/admin',
    // an editor login lasts a shift (12 h), not Node-RED's default of 7 days
    adminAuth: { type: 'credentials', sessionExpiryTime: 43200, users: [{ username: user, password: hash, permissions: '*' }] },
    logging: { console: { level: 'info', metrics: false, audit: true } },
    editorTheme: { page: { title: 'Node-RED · reliability' }, projects: { enabled: false }, tours: false, palette: { categories: ['reliability', 'common', 'function', 'dashboard 2', 'network', 'sequence', 'parser', 'storage'] } },
  };
  return { settings, tls, host, problems };
}

/** Point <userDir>/node_modules/@jidoka/node-red-reliability at pkgDir (a symlink, like npm install <path>). */
function linkPackage(userDir, pkgDir) {
  const scopeDir = path.join(userDir, 'node_modules', '@jidoka');
  fs.mkdirSync(scopeDir, { recursive: true });
  const link = path.join(scopeDir, 'node-red-reliability');
  let current;
  try {
    current = fs.readlinkSync(link);
  } catch {
    current = undefined;
  }
  if (current !== pkgDir) {
    fs.rmSync(link, { recursive: true, force: true });
    fs.symlinkSync(pkgDir, link, 'dir');
  }
  // A package.json for the user directory, as `npm install <path>` leaves it, so the palette
  // manager lists the package as installed by the user.
  const userPkg = path.join(userDir, 'package.json');
  if (!fs.existsSync(userPkg)) {
    fs.writeFileSync(userPkg, JSON.stringify({ name: 'node-red-project', private: true, description: 'Node-RED user directory of the reliability demo', dependencies: { [PKG_NAME]: `file:${pkgDir}` } }, null, 2) + '\n');
  }
}

/**
 * A package folder that looks like this package but loads the nodes from another build output
 * (tests build into .build-<area>/, not dist/): package.json with node-red.nodes pointing at
 * dist/nodes/<type>/<type>.js, and dist -> buildDir, examples -> the repository's examples,
 * resources -> buildDir/resources (or the repository's, for dist).
 */
function shimPackage(shimDir, buildDir) {
  fs.mkdirSync(shimDir, { recursive: true });
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  const nodesDir = path.join(buildDir, 'nodes');
  const types = fs
    .readdirSync(nodesDir)
    .filter((d) => d.startsWith('rel-') && fs.existsSync(path.join(nodesDir, d, `${d}.js`)) && fs.existsSync(path.join(nodesDir, d, `${d}.html`)))
    .sort();
  pkg['node-red'].nodes = Object.fromEntries(types.map((t) => [t, `dist/nodes/${t}/${t}.js`]));
  delete pkg.scripts;
  fs.writeFileSync(path.join(shimDir, 'package.json'), JSON.stringify(pkg, null, 2));
  // resources/ (the shared editor module and limits.js): the build output's own, else the repository's
  const resources = fs.existsSync(path.join(buildDir, 'resources')) ? path.join(buildDir, 'resources') : path.join(ROOT, 'resources');
  for (const [name, target] of [['dist', buildDir], ['examples', path.join(ROOT, 'examples')], ['icons', path.join(ROOT, 'icons')], ['resources', resources]]) {
    const p = path.join(shimDir, name);
    fs.rmSync(p, { recursive: true, force: true });
    if (fs.existsSync(target)) fs.symlinkSync(target, p, 'dir');
  }
  return types;
}

/**
 * Prepare a Node-RED user directory: settings, the package link, and the flow file (written from
 * `flow` only when there is none yet, or when reset is true). Returns the paths it wrote.
 * opts: { userDir, port, host?, pkgDir?, flow?: object[], reset?, logLevel?, excludes?, extra? }
 */
function prepareUserDir(opts) {
  const userDir = path.resolve(opts.userDir);
  fs.mkdirSync(userDir, { recursive: true });
  const settingsFile = path.join(userDir, 'settings.js');
  // readable by the service's user only: it may hold the credential secret
  fs.writeFileSync(settingsFile, settingsSource({ ...opts, userDir }), { mode: 0o600 });
  fs.chmodSync(settingsFile, 0o600);
  linkPackage(userDir, path.resolve(opts.pkgDir || ROOT));
  const flowFile = path.join(userDir, 'flows.json');
  let deployed = false;
  if (opts.flow && (opts.reset || !fs.existsSync(flowFile))) {
    fs.writeFileSync(flowFile, JSON.stringify(opts.flow, null, 2));
    deployed = true;
  }
  return { userDir, settingsFile, flowFile, deployed };
}

/** Read flows/<name>.json of this repository. */
function readFlow(name) {
  return JSON.parse(fs.readFileSync(path.join(ROOT, 'flows', name), 'utf8'));
}

/**
 * Run Node-RED as a child process with a prepared user directory. Resolves once it listens,
 * with { child, url, log() } (log() returns everything it printed so far); rejects when it exits
 * first or does not start within timeoutMs.
 * opts: { userDir, settingsFile, stdio?: 'inherit' | 'pipe', timeoutMs?, env? }
 */
function runNodeRed(opts) {
  const child = spawn(process.execPath, [RED_JS, '--userDir', opts.userDir, '--settings', opts.settingsFile], {
    cwd: opts.userDir,
    env: { ...process.env, NODE_RED_ENABLE_PROJECTS: 'false', ...(opts.env || {}) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const echo = opts.stdio === 'inherit';
  const onData = (stream) => (chunk) => {
    const s = chunk.toString();
    out += s;
    if (out.length > 4_000_000) out = out.slice(-2_000_000);
    if (echo) stream.write(s);
  };
  child.stdout.on('data', onData(process.stdout));
  child.stderr.on('data', onData(process.stderr));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      reject(new Error(`Node-RED did not start within ${opts.timeoutMs || 60000} ms:\n${out.slice(-4000)}`));
    }, opts.timeoutMs || 60000);
    const check = setInterval(() => {
      const m = /Server now running at (https?:\/\/[^\s/]+(?::\d+)?)\//.exec(out);
      if (m) {
        clearInterval(check);
        clearTimeout(timer);
        resolve({ child, url: m[1], log: () => out });
      }
    }, 50);
    child.on('exit', (code, signal) => {
      clearInterval(check);
      clearTimeout(timer);
      reject(new Error(`Node-RED exited (${code ?? signal}) before it started:\n${out.slice(-4000)}`));
    });
  });
}

/** Stop a Node-RED child started by runNodeRed (SIGTERM, then SIGKILL after 5 s). */
function stopNodeRed(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const t = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

async function main() {
  const args = process.argv.slice(2);
  const reset = args.includes('--reset');
  const port = Number(process.env.PORT || 1880);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`start: PORT must be a port number, got ${JSON.stringify(process.env.PORT)}`);
    process.exit(2);
  }
  if (!fs.existsSync(path.join(ROOT, 'dist', 'nodes'))) {
    console.error('start: dist/nodes is missing: run `npm start` (it builds first) or `npm run build`.');
    process.exit(2);
  }
  const userDir = path.join(ROOT, '.node-red-user');
  const plant = args.includes('--plant') ? plantProfile(process.env) : undefined;
  if (plant && plant.problems.length) {
    console.error('start --plant: set these first (see docs/deployment.md):');
    for (const p of plant.problems) console.error(`  - ${p}`);
    process.exit(2);
  }
  const host = plant ? plant.host : '127.0.0.1';
  // a plant box starts with no flow (the demo's simulators and open pages are not for a plant):
  // import a template from the editor (Import > Examples > @jidoka/node-red-reliability)
  const prep = prepareUserDir({ userDir, port, host, flow: plant ? [] : readFlow('demo-line.json'), reset, extra: plant?.settings, tls: plant?.tls });
  if (plant) console.log(prep.deployed ? 'start --plant: no flow deployed; import a template in the editor (Import > Examples)' : 'start --plant: keeping the flows in .node-red-user/flows.json');
  else console.log(prep.deployed ? 'start: demo line deployed from flows/demo-line.json' : 'start: keeping your flows in .node-red-user/flows.json (npm start -- --reset deploys the demo line again)');
  const scheme = plant?.tls ? 'https' : 'http';
  const editor = plant ? '/admin/' : '/';
  let shown = false;
  const child = spawn(process.execPath, [RED_JS, '--userDir', prep.userDir, '--settings', prep.settingsFile], { cwd: ROOT, stdio: ['inherit', 'pipe', 'inherit'] });
  child.stdout.on('data', (chunk) => {
    process.stdout.write(chunk);
    if (!shown && /Server now running at/.test(chunk.toString())) {
      shown = true;
      console.log('');
      console.log(`  Editor: ${scheme}://${host}:${port}${editor} · Dashboard: ${scheme}://${host}:${port}/dashboard`);
      if (!plant) console.log(`  (Dashboard 1 pages for node-red-dashboard 3.x flows: ${scheme}://${host}:${port}/ui)`);
      console.log('  Stop with Ctrl+C.');
      console.log('');
    }
  });
  const forward = (sig) => () => child.kill(sig);
  process.on('SIGINT', forward('SIGINT'));
  process.on('SIGTERM', forward('SIGTERM'));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

module.exports = { ROOT, RED_JS, settingsSource, plantProfile, prepareUserDir, linkPackage, shimPackage, readFlow, runNodeRed, stopNodeRed };

if (require.main === module) main();
