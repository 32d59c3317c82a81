#!/usr/bin/env node
// Generates flows/demo-line.json (the demo line with its Dashboard 2.0 pages) and
// flows/dashboard-v1.json (the line overview and the work-order board for node-red-dashboard 3.x)
// from the sources in scripts/demo/ (function bodies in functions.js, Vue templates in ui/*.vue,
// Angular templates in ui-v1/*.html). Edit those, then run: node scripts/make-flows.js
'use strict';
const fs = require('fs');
const path = require('path');

const ROOT = path.resolve(__dirname, '..');
const DEMO = path.join(__dirname, 'demo');
const F = require('./demo/functions');

/** The four assets of the packaging line. */
const ASSETS = [
  { assetId: 'conveyor-1', name: 'Conveyor drive', role: 'infeed conveyor, critical path', criticality: 5, machineClass: 'iso10816-3:group2:rigid', rpm: 1797, bearing: '6205-2RS', fault: 'bearing-outer-race', seed: 11 },
  { assetId: 'pump-1', name: 'Pump', role: 'product transfer pump', criticality: 4, machineClass: 'iso10816-3:group2:flexible', rpm: 2950, bearing: '6205-2RS', fault: 'none', seed: 22 },
  { assetId: 'compressor-1', name: 'Compressor', role: 'instrument air', criticality: 3, machineClass: 'iso10816-3:group2:rigid', rpm: 1480, bearing: '6205-2RS', fault: 'none', seed: 33 },
  { assetId: 'filler-1', name: 'Filler motor', role: 'rotary filler, the line\'s constraint', criticality: 4, machineClass: 'iso10816-1:class2', rpm: 1450, bearing: '6203-2RS', fault: 'none', seed: 44 },
];

/** Demo timing: one real second is 1440 simulated seconds (24 simulated hours per real minute). */
const TIME_SCALE = 1440;
const INTERVAL_S = 2;

function body(fn) {
  const s = fn.toString();
  return s.slice(s.indexOf('{') + 1, s.lastIndexOf('}')).replace(/^\n/, '').replace(/\n\s*$/, '\n');
}
function withAssets(fn) {
  const assets = ASSETS.map(({ assetId, name, role, bearing, criticality }) => ({ assetId, name, role, bearing, criticality }));
  return `// Generated from scripts/demo/functions.js (run node scripts/make-flows.js after editing it there).\nconst ASSETS = ${JSON.stringify(assets)};\n${body(fn)}`;
}
function vue(name) {
  const common = fs.readFileSync(path.join(DEMO, 'ui', 'common.css'), 'utf8');
  const src = fs.readFileSync(path.join(DEMO, 'ui', `${name}.vue`), 'utf8');
  return src.replace('<style>\n', `<style>\n${common}`);
}

function dashboard2(add, c, T2) {
  // Dashboard 2.0
  const BASE = 'ui-base-rel';
  const THEME = 'ui-theme-rel';
  add({ id: BASE, type: 'ui-base', name: 'Reliability', path: '/dashboard', appIcon: '', includeClientData: true, acceptsClientConfig: ['ui-notification', 'ui-control', 'ui-template'], showPathInSidebar: false, headerContent: 'page', navigationStyle: 'default', titleBarStyle: 'default', showReconnectNotification: true, notificationDisplayTime: 1, showDisconnectNotification: true, allowInstall: false });
  add({ id: THEME, type: 'ui-theme', name: 'Plant floor', colors: { surface: '#263238', primary: '#0d74ce', bgPage: '#eceff1', groupBg: '#ffffff', groupOutline: '#cfd8dc' }, sizes: { density: 'default', pagePadding: '10px', groupGap: '10px', groupBorderRadius: '6px', widgetGap: '10px' } });
  const pages = [
    { key: 'line', name: 'Line overview', path: '/line', icon: 'factory', tpl: 'line', feed: 'line-in' },
    { key: 'asset', name: 'Asset detail', path: '/asset', icon: 'chart-line', tpl: 'asset', feed: 'detail-in' },
    { key: 'maintenance', name: 'Maintenance', path: '/maintenance', icon: 'wrench', tpl: 'maintenance', feed: 'line-in', notices: true },
    { key: 'kanban', name: 'Kanban', path: '/kanban', icon: 'view-column', tpl: 'kanban', feed: 'line-in' },
    { key: 'tech', name: 'Technician', path: '/tech', icon: 'cellphone', tpl: 'tech', feed: 'line-in', notices: true },
  ];
  const feeds = { 'line-in': [], 'detail-in': [], 'notices-in': [] };
  pages.forEach((p, i) => {
    add({ id: `page-${p.key}`, type: 'ui-page', name: p.name, ui: BASE, path: p.path, icon: p.icon, layout: 'grid', theme: THEME, breakpoints: [{ name: 'Default', px: '0', cols: '3' }, { name: 'Tablet', px: '576', cols: '6' }, { name: 'Small Desktop', px: '768', cols: '9' }, { name: 'Desktop', px: '1024', cols: '12' }], order: i + 1, className: '', visible: 'true', disabled: 'false' });
    add({ id: `group-${p.key}`, type: 'ui-group', name: p.name, page: `page-${p.key}`, width: '12', height: '1', order: 1, showTitle: false, className: '', visible: 'true', disabled: 'false', groupType: 'default' });
    add({ id: `tpl-${p.key}`, type: 'ui-template', z: T2, group: `group-${p.key}`, page: '', ui: '', name: `${p.name} page`, order: 1, width: '0', height: '0', head: '', format: vue(p.tpl), storeOutMessages: true, passthru: false, resendOnRefresh: true, templateScope: 'local', className: '', x: 520, y: 80 + i * 80, wires: [['ui-out']] });
    feeds[p.feed].push(`tpl-${p.key}`);
    if (p.notices) feeds['notices-in'].push(`tpl-${p.key}`);
  });
  add({ id: 'line-in', type: 'link in', z: T2, name: 'line view', links: ['to-dash-line'], x: 200, y: 120, wires: [feeds['line-in']] });
  add({ id: 'detail-in', type: 'link in', z: T2, name: 'detail view', links: ['to-dash-detail'], x: 200, y: 200, wires: [feeds['detail-in']] });
  add({ id: 'notices-in', type: 'link in', z: T2, name: 'notices', links: ['to-notices'], x: 200, y: 280, wires: [feeds['notices-in']] });
  add({ id: 'ui-out', type: 'link out', z: T2, name: 'commands', mode: 'link', links: ['from-ui'], x: 800, y: 240, wires: [] });
  c('c-dash', 520, 40, 'Dashboard 2.0 pages (http://127.0.0.1:1880/dashboard)', 'Each page is one ui-template. User text (titles, notes, evidence, names) is rendered with Vue text interpolation, never as HTML. The templates send {action, payload} to the "check UI commands" function.', T2);
}

function v1tpl(name) {
  return fs.readFileSync(path.join(DEMO, 'ui-v1', `${name}.html`), 'utf8');
}

/** node-red-dashboard 3.x: the line overview and the work-order board (ui_template, ng-bind only). */
function dashboard1(add, c, T2) {
  add({ id: 'v1-tab-line', type: 'ui_tab', name: 'Line overview', icon: 'dashboard', order: 1, disabled: false, hidden: false });
  add({ id: 'v1-tab-wo', type: 'ui_tab', name: 'Work orders', icon: 'fa-wrench', order: 2, disabled: false, hidden: false });
  add({ id: 'v1-group-line', type: 'ui_group', name: 'Packaging line', tab: 'v1-tab-line', order: 1, disp: false, width: '24', collapse: false, disabled: false, hidden: false, className: '' });
  add({ id: 'v1-group-wo', type: 'ui_group', name: 'Work orders', tab: 'v1-tab-wo', order: 1, disp: false, width: '24', collapse: false, disabled: false, hidden: false, className: '' });
  add({ id: 'v1-tpl-line', type: 'ui_template', z: T2, group: 'v1-group-line', name: 'line overview', order: 1, width: '24', height: '14', format: v1tpl('line'), storeOutMessages: true, fwdInMessages: false, resendOnRefresh: true, templateScope: 'local', className: '', x: 520, y: 120, wires: [[]] });
  add({ id: 'v1-tpl-wo', type: 'ui_template', z: T2, group: 'v1-group-wo', name: 'work-order board', order: 1, width: '24', height: '16', format: v1tpl('workorders'), storeOutMessages: true, fwdInMessages: false, resendOnRefresh: true, templateScope: 'local', className: '', x: 520, y: 200, wires: [['ui-out']] });
  add({ id: 'line-in', type: 'link in', z: T2, name: 'line view', links: ['to-dash-line'], x: 200, y: 120, wires: [['v1-tpl-line', 'v1-tpl-wo']] });
  add({ id: 'detail-in', type: 'link in', z: T2, name: 'detail view (not shown in v1)', links: ['to-dash-detail'], x: 200, y: 300, wires: [[]] });
  add({ id: 'notices-in', type: 'link in', z: T2, name: 'notices', links: ['to-notices'], x: 200, y: 200, wires: [['v1-tpl-wo']] });
  add({ id: 'ui-out', type: 'link out', z: T2, name: 'commands', mode: 'link', links: ['from-ui'], x: 800, y: 200, wires: [] });
  c('c-dash1', 520, 40, 'node-red-dashboard 3.x pages (http://127.0.0.1:1880/ui)', 'For plants still on node-red-dashboard 3.x (deprecated by its authors in June 2024): the line overview and the work-order board as ui_template nodes. User text is bound with ng-bind (text), never written into a template with {{ }}. Import this file instead of flows/demo-line.json (same line, same node ids).', T2);
}

// ---------------------------------------------------------------------------------------------
// The demo line (Node-RED 4.1 + Dashboard 2.0)
function demoLine(variant = 'd2') {
  const flow = [];
  const add = (n) => (flow.push(n), n);
  const T1 = 'tab-demo-line';
  const T2 = 'tab-demo-dashboards';
  add({ id: T1, type: 'tab', label: 'Packaging line (demo)', disabled: false, info: 'Four simulated assets of a packaging line, analysed, maintained and scheduled by the reliability nodes. The Dashboards tab renders it at /dashboard.' });
  if (variant === 'd2') add({ id: T2, type: 'tab', label: 'Dashboards', disabled: false, info: 'Dashboard 2.0 pages of the demo line: line overview, asset detail, maintenance, Kanban and a phone page for technicians.' });
  else add({ id: T2, type: 'tab', label: 'Dashboard 1 (node-red-dashboard 3.x)', disabled: false, info: 'The line overview and the work-order board for plants still on node-red-dashboard 3.x, at /ui.' });

  // Config nodes
  const STORE = 'demo-store';
  add({ id: STORE, type: 'rel-store', name: 'Demo plant database', file: 'reliability.db' });
  const assetNode = {};
  for (const a of ASSETS) {
    assetNode[a.assetId] = `asset-${a.assetId}`;
    add({ id: assetNode[a.assetId], type: 'rel-asset', name: a.name, assetId: a.assetId, line: 'packaging-1', criticality: a.criticality, machineClass: a.machineClass, rpm: a.rpm, bearing: a.bearing, balls: '', ballDiameter: '', pitchDiameter: '', contactAngle: 0, store: STORE });
  }

  const c = (id, x, y, name, info, z = T1) => add({ id, type: 'comment', z, name, info, x, y, wires: [] });
  c('c-about', 200, 40, 'Packaging line demo: read me', [
    'A packaging line of four simulated machines: conveyor drive, pump, compressor and filler motor.',
    '',
    `Each rel-simulator emits an acceleration frame every ${INTERVAL_S} s on an accelerated clock (time scale ${TIME_SCALE}: one real minute is one simulated day).`,
    'The conveyor drive has a bearing outer-race defect that starts at simulated hour 24 (about one real minute after deploy) and fails at hour 96 (about four minutes).',
    '',
    'Watch on http://127.0.0.1:1880/dashboard:',
    '1. the assets learn their baseline (tiles grey, "learning"), then turn green;',
    '2. the conveyor\'s health falls, its tile turns amber then red, RUL appears and shrinks;',
    '3. rel-diagnose names bearing-outer-race with its evidence and rel-work-order opens a work order;',
    '4. the work order reserves a bearing (rel-spares) and raises an Andon call that escalates every 30 s until someone acknowledges it (phone page);',
    '5. cycle time creeps towards takt and OEE performance and quality drop;',
    '6. assign, start and complete the work order (maintenance or phone page): the simulated machine is repaired (reset) and learns again.',
    '',
    'All state lives in reliability.db in the Node-RED user directory.',
  ].join('\n'));
  c('c-adapt', 200, 80, 'To adapt to a real line: read me', [
    'Replace each rel-simulator by your source: rel-ingest behind a Modbus, MQTT, OPC UA or HTTP node (see flows/modbus-line.json and flows/mqtt-line.json).',
    'Change the four rel-asset config nodes (id, rpm, bearing, ISO class, criticality) and the ASSETS list at the top of the function nodes (generated from scripts/demo/functions.js).',
    'Production events (cycle, count, state) come from the PLC in a real plant; the simulator sends them here.',
    'Set the Andon escalation levels (minutes) in rel-andon: 0.5, 1, 2 here so the demo escalates quickly; 2, 5, 10 is a common plant setting.',
    'Dashboards: the Dashboards tab; each page is one ui-template fed by the "line state" function.',
  ].join('\n'));

  // Simulators
  const sims = [];
  ASSETS.forEach((a, i) => {
    const id = `sim-${a.assetId}`;
    sims.push(id);
    add({ id, type: 'rel-simulator', z: T1, name: `${a.name} (${a.fault === 'none' ? 'healthy' : a.fault})`, asset: assetNode[a.assetId], assetId: a.assetId, rpm: a.rpm, bearing: a.bearing, fault: a.fault, seed: a.seed, fs: 12000, frameSize: 16384, interval: INTERVAL_S, timeScale: TIME_SCALE, onsetHours: 24, failureHours: 96, growth: 4, noise: 0.02, resonanceHz: 3000, cycleTimeS: 30, x: 200, y: 180 + i * 60, wires: [['clock'], ['clock'], ['clock']] });
  });
  add({ id: 'clock', type: 'function', z: T1, name: 'continue the clock', func: withAssets(F.continueClock), outputs: 3, timeout: 0, noerr: 0, initialize: '// Node context outlives a redeploy: each run works out its own offset.\ncontext.set(\'offset\', null);\ncontext.set(\'started\', {});\n', finalize: '', libs: [], outputLabels: ['waveforms', 'process readings', 'production events'], x: 480, y: 270, wires: [['vib'], ['line-state'], ['route-production']] });
  c('c-sim', 200, 125, 'Simulated machines (replace by rel-ingest)', 'Output 1: acceleration frames. Output 2: motor temperature and current. Output 3: production events (cycle, count).');

  // Analysis chain
  add({ id: 'vib', type: 'rel-vibration', z: T1, name: 'vibration features', asset: '', window: 'hann', frameMode: 'trim', bandLow: 10, bandHigh: 1000, envelopeBand: 'auto', envLow: 2000, envHigh: 5000, spectrumPoints: 600, envelopePoints: 2048, x: 690, y: 180, wires: [['drop-wave']] });
  add({ id: 'drop-wave', type: 'change', z: T1, name: 'drop the waveform', rules: [{ t: 'delete', p: 'payload.samples', pt: 'msg' }], action: '', property: '', from: '', to: '', reg: false, x: 880, y: 180, wires: [['diag']] });
  add({ id: 'diag', type: 'rel-diagnose', z: T1, name: 'diagnose', detect: 4, x: 1040, y: 180, wires: [['health']] });
  add({ id: 'health', type: 'rel-health', z: T1, name: 'health', asset: '', store: STORE, learnMode: 'frames', learnFrames: 20, learnHours: 24, warnBelow: 70, alarmBelow: 50, hysteresis: 5, dwellFrames: 2, dwellMinutes: 0, historyMinutes: 10, x: 1190, y: 180, wires: [['learned'], ['health-to-kanban']] });
  // rel-rul refuses a health msg without a score (while rel-health is still learning): only learned frames go to it.
  add({ id: 'learned', type: 'switch', z: T1, name: 'baseline learned?', property: 'payload.health.score', propertyType: 'msg', rules: [{ t: 'nnull' }, { t: 'else' }], checkall: 'false', repair: false, outputs: 2, x: 1370, y: 180, wires: [['rul'], ['line-state', 'wo']] });
  add({ id: 'rul', type: 'rel-rul', z: T1, name: 'remaining life', asset: '', store: STORE, indicator: 'feature', feature: 'rms', threshold: 0.3, thresholdLow: '', thresholdHigh: '', plateauHours: 0, direction: 'above', level: 0.9, windowHours: 0, minPoints: 10, historyMinutes: 10, x: 1570, y: 180, wires: [['line-state', 'wo']] });
  c('c-chain', 1040, 130, 'Condition monitoring: features -> diagnosis -> health -> RUL', 'One chain serves the whole line: the nodes have no asset selected, so each frame uses the rel-asset named by msg.payload.asset. rel-vibration sends decimated spectrum and envelope arrays (600 and 2048 points, max-hold) for the charts.');

  // CMMS
  add({ id: 'wo', type: 'rel-work-order', z: T1, name: 'work orders', store: STORE, asset: '', minSeverity: 'warning', criticality: 3, x: 1100, y: 380, wires: [['after-wo', 'line-state'], ['on-new-wo']] });
  add({ id: 'after-wo', type: 'function', z: T1, name: 'after a transition', func: withAssets(F.afterWorkOrder), outputs: 5, timeout: 0, noerr: 0, initialize: '', finalize: '', libs: [], outputLabels: ['rel-oee state', 'simulator reset', 'andon resolve', 'refresh lists', 'notice'], x: 1340, y: 360, wires: [['oee'], ['route-sim'], ['andon'], ['report-triggers'], ['to-notices']] });
  add({ id: 'on-new-wo', type: 'function', z: T1, name: 'new WO: reserve part, raise Andon', func: withAssets(F.onNewWorkOrder), outputs: 2, timeout: 0, noerr: 0, initialize: '', finalize: '', libs: [], outputLabels: ['rel-spares reserve', 'rel-andon raise'], x: 1380, y: 440, wires: [['spares'], ['andon']] });
  add({ id: 'route-sim', type: 'function', z: T1, name: 'to the asset\'s simulator', func: withAssets(F.routeSimulator), outputs: ASSETS.length, timeout: 0, noerr: 0, initialize: '', finalize: '', libs: [], x: 1660, y: 340, wires: sims.map((s) => [s]) });
  add({ id: 'spares', type: 'rel-spares', z: T1, name: 'spare parts', store: STORE, demandWindowDays: 90, checkInterval: 60, x: 1700, y: 440, wires: [['line-state'], []] });
  add({ id: 'pm', type: 'rel-pm', z: T1, name: 'preventive maintenance', store: STORE, catchup: 'one', tickInterval: 60, tz: 'UTC', plans: '', x: 1720, y: 500, wires: [['line-state'], ['report-triggers']] });
  c('c-cmms', 1100, 320, 'Maintenance: work orders, spare parts, PM', 'rel-work-order opens one order per asset and failure mode from the diagnosis (later frames count as detections). A new order reserves the spare part and raises an Andon call. Starting the repair stops the asset (OEE); completing it repairs the simulated machine.');

  // JIT
  add({ id: 'route-production', type: 'function', z: T1, name: 'route production events', func: withAssets(F.routeProduction), outputs: 3, timeout: 0, noerr: 0, initialize: '', finalize: '', libs: [], outputLabels: ['rel-oee count', 'rel-takt cycle', 'rel-kanban consume / deliver'], x: 480, y: 620, wires: [['oee'], ['takt'], ['kanban']] });
  add({ id: 'oee', type: 'rel-oee', z: T1, name: 'OEE', store: STORE, asset: '', shifts: '', breaks: '', utcOffset: 0, idealCycleS: 28.5, rollingHours: 24, criticalAssets: 'conveyor-1, filler-1', rule85Days: 30, rule85Oee: 0.85, bufferDays: 3, x: 740, y: 580, wires: [['line-state']] });
  add({ id: 'takt', type: 'rel-takt', z: T1, name: 'takt', store: STORE, asset: '', shifts: '', breaks: '', utcOffset: 0, demand: 2600, window: 50, creepAlert: 0.95, minCycles: 5, x: 740, y: 640, wires: [['line-state'], []] });
  add({ id: 'kanban', type: 'rel-kanban', z: T1, name: 'caps Kanban', store: STORE, item: 'caps-38mm', containerQty: 250, demand: 2900, leadTime: 0.25, learn: false, alpha: 0.1, healthAlpha: 0.3, supplierAlpha: 0.2, trigger: 1, criticalAssets: 'conveyor-1, filler-1', healthThreshold: 70, cvThreshold: 0.2, x: 740, y: 700, wires: [['line-state'], ['line-state', 'route-production']] });
  add({ id: 'health-to-kanban', type: 'function', z: T1, name: 'health change -> Kanban', func: withAssets(F.healthToKanban), outputs: 1, timeout: 0, noerr: 0, initialize: '', finalize: '', libs: [], x: 1400, y: 240, wires: [['kanban']] });
  add({ id: 'andon', type: 'rel-andon', z: T1, name: 'Andon', store: STORE, levels: '0.5, 1, 2', stations: '', lineStopKinds: '', lineStopLevel: 0, statsDays: 30, x: 1700, y: 580, wires: [['line-state'], ['line-state'], []] });
  c('c-jit', 480, 560, 'Production: OEE, takt, Kanban, Andon', 'The simulators send cycle and count events; the filler\'s good count consumes cap containers; a pull signal is delivered when the simulated clock reaches its due time (the supplier lead time of the loop). A health change of a critical asset raises the Kanban safety factor.');

  // Line state and triggers
  add({ id: 'tick', type: 'inject', z: T1, name: 'every 1 s', props: [{ p: 'topic', vt: 'str' }], repeat: '1', crontab: '', once: true, onceDelay: '2', topic: 'tick', x: 1090, y: 820, wires: [['line-state']] });
  add({ id: 'line-state', type: 'function', z: T1, name: 'line state', func: withAssets(F.lineState), outputs: 2, timeout: 0, noerr: 0, initialize: '', finalize: '', libs: [], outputLabels: ['line (overview, maintenance, Kanban, phone)', 'asset detail (trends, spectra)'], x: 1300, y: 820, wires: [['to-dash-line'], ['to-dash-detail']] });
  add({ id: 'every-3s', type: 'inject', z: T1, name: 'every 3 s', props: [], repeat: '3', crontab: '', once: true, onceDelay: '3', topic: '', x: 170, y: 820, wires: [['report-triggers']] });
  add({ id: 'report-triggers', type: 'function', z: T1, name: 'ask for reports', func: withAssets(F.reportTriggers), outputs: 7, timeout: 0, noerr: 0, initialize: '', finalize: '', libs: [], outputLabels: ['OEE', 'takt', 'Andon board', 'work orders', 'spares', 'PM plans', 'Kanban'], x: 380, y: 820, wires: [['oee'], ['takt'], ['andon'], ['wo'], ['spares'], ['pm'], ['kanban']] });
  add({ id: 'setup', type: 'inject', z: T1, name: 'at deploy', props: [], repeat: '', crontab: '', once: true, onceDelay: '0.5', topic: '', x: 170, y: 880, wires: [['setup-fn']] });
  add({ id: 'setup-fn', type: 'function', z: T1, name: 'stock and PM plans', func: withAssets(F.setup), outputs: 2, timeout: 0, noerr: 0, initialize: '', finalize: '', libs: [], outputLabels: ['rel-spares', 'rel-pm'], x: 380, y: 880, wires: [['spares'], ['pm']] });
  c('c-state', 1300, 780, 'Line state: the dashboards\' view model', 'Keeps the latest figures per asset in flow context and sends them once a second; trends are decimated here to 300 points per series.');

  // UI commands and errors
  add({ id: 'from-ui', type: 'link in', z: T1, name: 'from the dashboards', links: ['ui-out'], x: 170, y: 1000, wires: [['ui-commands']] });
  add({ id: 'ui-commands', type: 'function', z: T1, name: 'check UI commands', func: withAssets(F.uiCommands), outputs: 3, timeout: 0, noerr: 0, initialize: '', finalize: '', libs: [], outputLabels: ['rel-work-order', 'rel-andon', 'notice'], x: 380, y: 1000, wires: [['wo'], ['andon', 'report-triggers'], ['to-notices']] });
  add({ id: 'catch-ui', type: 'catch', z: T1, name: 'command errors', scope: ['wo', 'andon', 'spares'], uncaught: false, x: 170, y: 1060, wires: [['error-notice']] });
  add({ id: 'error-notice', type: 'change', z: T1, name: 'error -> notice', rules: [{ t: 'set', p: 'topic', pt: 'msg', to: 'notice', tot: 'str' }, { t: 'set', p: 'payload', pt: 'msg', to: '{"level":"error","text":error.message}', tot: 'jsonata' }], action: '', property: '', from: '', to: '', reg: false, x: 380, y: 1060, wires: [['to-notices']] });
  add({ id: 'to-notices', type: 'link out', z: T1, name: 'notices', mode: 'link', links: ['notices-in'], x: 600, y: 1030, wires: [] });
  add({ id: 'to-dash-line', type: 'link out', z: T1, name: 'line view', mode: 'link', links: ['line-in'], x: 1500, y: 800, wires: [] });
  add({ id: 'to-dash-detail', type: 'link out', z: T1, name: 'detail view', mode: 'link', links: ['detail-in'], x: 1500, y: 840, wires: [] });
  c('c-ui', 380, 960, 'Commands from the dashboards', 'Buttons and forms send {action, payload}; bad input (no name, text in a number field, a malformed parts list) goes back as a visible notice, and errors of the nodes (an illegal transition, short stock) too.');

  if (variant === 'd2') dashboard2(add, c, T2);
  else dashboard1(add, c, T2);
  return flow;
}

fs.writeFileSync(path.join(ROOT, 'flows', 'demo-line.json'), JSON.stringify(demoLine(), null, 2) + '\n');
console.log('make-flows: wrote flows/demo-line.json');
fs.writeFileSync(path.join(ROOT, 'flows', 'dashboard-v1.json'), JSON.stringify(demoLine('v1'), null, 2) + '\n');
console.log('make-flows: wrote flows/dashboard-v1.json');

module.exports = { ASSETS, TIME_SCALE, INTERVAL_S };
