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

/** The demo line's name (rel-asset's line: the group heading on the floor pages) and its machines in line order. */
const LINE_NAME = 'Packaging line 1';
const LINE_ORDER = ['conveyor-1', 'pump-1', 'filler-1', 'press-1', 'compressor-1'];

/** Shape of the saved node configs (CONFIG_VERSION in nodes/core/limits.ts; test/package/migrate.spec.ts checks they agree). */
const CONFIG_VERSION = 3;

/** Demo timing: one real second is 1440 simulated seconds (24 simulated hours per real minute). */
const TIME_SCALE = 1440;
const INTERVAL_S = 2;

function body(fn) {
  const s = fn.toString();
  return s.slice(s.indexOf('{') + 1, s.lastIndexOf('}')).replace(/^\n/, '').replace(/\n\s*$/, '\n');
}
function withAssets(fn) {
  // The floor functions take the machines from rel-view (the rel-asset nodes and the register); a
  // function that still names ASSETS gets the list prepended, one that names DEMO_TEXT the demo
  // data's names in both languages.
  const head = '// Generated from scripts/demo/functions.js (run node scripts/make-flows.js after editing it there).\n';
  const text = /\bDEMO_TEXT\b/.test(body(fn)) ? `const DEMO_TEXT = ${JSON.stringify(DEMO_TEXT)};\n` : '';
  if (!/\bASSETS\b/.test(body(fn))) return `${head}${text}${body(fn)}`;
  const assets = ASSETS.map(({ assetId, name, role, bearing, criticality }) => ({ assetId, name, role, bearing, criticality }));
  return `${head}const ASSETS = ${JSON.stringify(assets)};\n${text}${body(fn)}`;
}
function vue(name) {
  const common = fs.readFileSync(path.join(DEMO, 'ui', 'common.css'), 'utf8');
  const src = fs.readFileSync(path.join(DEMO, 'ui', `${name}.vue`), 'utf8');
  // The floor pages' shared methods and their dictionary (en, de): see scripts/demo/ui/i18n.js.
  const i18n = fs.readFileSync(path.join(DEMO, 'ui', 'i18n.js'), 'utf8');
  const dict = JSON.stringify(require('../nodes/core/text/dashboard.json'));
  // The Widgets page's words (nav.vue): the cell and legend methods and which columns and charts they translate.
  const words = fs.readFileSync(path.join(DEMO, 'ui', 'widgets-text.js'), 'utf8');
  return src.replace('<style>\n', `<style>\n${common}`).replace('/*@i18n-methods*/', () => i18n.trim()).replace('/*@i18n-dict*/ null', () => dict)
    .replace('/*@widgets-methods*/', () => words.trim()).replace('/*@widgets-text*/ null', () => JSON.stringify(WIDGET_TEXT));
}

/**
 * The Widgets page in the screen's language (nav.vue, scripts/demo/ui/widgets-text.js): per stock
 * table, the columns whose cells it words (a code through widgets.<kind>.<code>, an order title or
 * an Andon text written again in the page's language, the machine's name, a name per language, a
 * figure in the page's number format with d decimals, a count rounded up to whole units), and the
 * charts whose legend and tooltip it words (widgets.series.<series>).
 */
const WIDGET_TEXT = {
  tables: {
    'w-wo-table': { title: 'title', priority: 'priority', status: 'status' },
    'w-andon-table': { station: 'machine', kind: 'kind', text: 'andonText', level: 'level', state: 'andonState' },
    'w-kpi-table': { name: 'machine', failures: 'dec0', mtbfH: 'dec2', mttrH: 'dec2', availabilityPct: 'dec2', unplannedPct: 'dec2' },
    'w-buffer-table': { item: 'names', wipDays: 'dec2', wipUnits: 'whole', safetyStock: 'whole', reorderPoint: 'whole', demandPerDay: 'dec1', leadTimeDays: 'dec2' },
  },
  charts: ['w-health-chart', 'w-oee-chart', 'w-env-chart'],
};

function dashboard2(add, c, T2) {
  // Dashboard 2.0
  const BASE = 'ui-base-rel';
  const THEME = 'ui-theme-rel';
  add({ id: BASE, type: 'ui-base', name: 'Reliability', path: '/dashboard', appIcon: '', includeClientData: true, acceptsClientConfig: ['ui-notification', 'ui-control', 'ui-template'], showPathInSidebar: false, headerContent: 'none', navigationStyle: 'temporary', titleBarStyle: 'default', showReconnectNotification: true, notificationDisplayTime: 1, showDisconnectNotification: true, allowInstall: false });
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
  // The floor pages (nodes/core/floor, served by rel-request at httpNodeRoot "/") in the menu after
  // the Widgets page (order 6): the drawer opens a ui-link's path as a plain link; nav.vue names them
  // from page.floor/requests and page.floor/labels in the screen's language.
  add({ id: 'link-requests', type: 'ui-link', name: 'Work requests', ui: BASE, path: '/floor/requests', icon: 'clipboard-text', order: 7, visible: 'true', disabled: 'false' });
  add({ id: 'link-labels', type: 'ui-link', name: 'QR labels', ui: BASE, path: '/floor/labels', icon: 'qrcode', order: 8, visible: 'true', disabled: 'false' });
  // The header title, the navigation entries and the tab title in the screen's language (the page
  // names of the ui-page nodes are English): one ui-template of scope "ui", on every page.
  add({ id: 'tpl-nav', type: 'ui-template', z: T2, group: '', page: '', ui: BASE, name: 'page titles (en, de)', order: 0, width: '0', height: '0', head: '', format: vue('nav'), storeOutMessages: false, passthru: false, resendOnRefresh: false, templateScope: 'widget:ui', className: '', x: 520, y: 500, wires: [[]] });
  add({ id: 'line-in', type: 'link in', z: T2, name: 'line view', links: ['to-dash-line'], x: 200, y: 120, wires: [feeds['line-in']] });
  add({ id: 'detail-in', type: 'link in', z: T2, name: 'detail view', links: ['to-dash-detail'], x: 200, y: 200, wires: [feeds['detail-in']] });
  add({ id: 'notices-in', type: 'link in', z: T2, name: 'notices', links: ['to-notices'], x: 200, y: 280, wires: [feeds['notices-in']] });
  add({ id: 'ui-out', type: 'link out', z: T2, name: 'commands', mode: 'link', links: ['from-ui'], x: 800, y: 240, wires: [] });
  c('c-dash', 520, 40, 'Dashboard 2.0 pages (http://127.0.0.1:1880/dashboard)', 'Each page is one ui-template. User text (titles, notes, evidence, names) is rendered with Vue text interpolation, never as HTML. The templates send {action, payload} to the "check UI commands" function.', T2);
}

/**
 * The "Widgets" page: stock Dashboard 2.0 widgets only (ui-gauge, ui-chart, ui-table), wired
 * straight from the nodes' dashboard outputs (their `dashboard` option adds a last output);
 * switch nodes split per asset or topic, no function node in between.
 */
function stockWidgets(flow, add, c, T1) {
  const byId = (id) => flow.find((n) => n.id === id);
  /** Tick the node's dashboard option: one more output, the last, wired to `to`. */
  function dashboardPort(id, to) {
    const n = byId(id);
    n.dashboard = true;
    n.outputs = n.wires.length + 1;
    n.wires.push(to);
  }
  const PAGE = 'page-widgets';
  add({ id: PAGE, type: 'ui-page', name: 'Widgets', ui: 'ui-base-rel', path: '/widgets', icon: 'view-dashboard', layout: 'grid', theme: 'ui-theme-rel', breakpoints: [{ name: 'Default', px: '0', cols: '3' }, { name: 'Tablet', px: '576', cols: '6' }, { name: 'Small Desktop', px: '768', cols: '9' }, { name: 'Desktop', px: '1024', cols: '12' }], order: 6, className: '', visible: 'true', disabled: 'false' });
  const group = (id, name, order, width = '6') => add({ id, type: 'ui-group', name, page: PAGE, width, height: '1', order, showTitle: true, className: '', visible: 'true', disabled: 'false', groupType: 'default' });
  // Titles in words (the page-titles template shows them in the page's language: widgets.* keys of
  // nodes/core/text/dashboard.json); which node feeds a widget is said in the comment below.
  group('wg-health', 'Machine health', 1);
  group('wg-oee', 'OEE: Filler motor (the line\'s constraint), last 24 h', 2);
  group('wg-wo', 'Open work orders', 3, '12');
  group('wg-andon', 'Andon calls', 4);
  group('wg-kpi', 'Reliability KPIs', 5);
  group('wg-buffer', 'Buffer advice', 6, '12');
  const Y = 1200;
  c('c-widgets', 200, Y - 60, 'Stock widgets page (/dashboard/widgets)', 'Only stock Dashboard 2.0 widgets, wired straight from the nodes\' dashboard outputs (the last output of rel-health: Machine health, rel-oee: Filler motor OEE, rel-work-order: Open work orders, rel-andon: Andon calls, rel-kpi: Reliability KPIs, rel-buffer: Buffer advice, rel-vibration: the envelope spectrum; added by their "Dashboard output" option). Switch nodes split the messages per asset or per topic; change nodes (JSONata) name the chart series by machine, plot the readings at their own time, write times in the plant\'s time zone (env TZ, else UTC), give table rows the machine\'s name and the item\'s names in English and German, and round the gauges to whole numbers; no function node in between. The tables list chosen columns with titles in words; the page-titles template shows, in the page\'s language (?lang=de or the choice saved on another page), the titles, column titles, the nodes\' codes in words (work-order status and priority, Andon kind and state), order titles and Andon texts rel-work-order wrote, figures in the page\'s number format and the charts\' legends, tooltips and time axis. The custom pages (ui-template) on the Dashboards tab show the same figures through the line state.');
  const segments = [{ from: '0', color: '#c62828' }, { from: '50', color: '#f9a825' }, { from: '70', color: '#2e7d32' }];
  const gauge = (id, g, title, units, order, x, y, segs = segments) => add({ id, type: 'ui-gauge', z: T1, name: title, group: g, order, value: 'payload', valueType: 'msg', width: 3, height: 3, gtype: 'gauge-half', gstyle: 'needle', title, alwaysShowTitle: false, floatingTitlePosition: 'top-left', units, icon: '', prefix: '', suffix: '', segments: segs, min: 0, max: 100, sizeThickness: 16, sizeGap: 4, sizeKeyThickness: 8, styleRounded: true, styleGlow: false, className: '', x, y, wires: [] });
  const chart = (id, g, label, order, x, y) => add({ id, type: 'ui-chart', z: T1, group: g, name: label, label, order, chartType: 'line', category: 'topic', categoryType: 'msg', xAxisLabel: '', xAxisProperty: 'ts', xAxisPropertyType: 'msg', xAxisType: 'time', xAxisFormat: '', xAxisFormatType: 'auto', xmin: '', xmax: '', yAxisLabel: '%', yAxisProperty: 'payload', yAxisPropertyType: 'msg', ymin: '0', ymax: '100', bins: 10, action: 'append', stackSeries: false, pointShape: 'circle', pointRadius: 2, showLegend: true, removeOlder: 10, removeOlderUnit: '60', removeOlderPoints: '300', colors: ['#0095FF', '#FF0000', '#FF7F0E', '#2CA02C', '#A347E1', '#D62728', '#FF9896', '#9467BD', '#C5B0D5'], textColor: ['#666666'], textColorDefault: true, gridColor: ['#e5e5e5'], gridColorDefault: true, width: 6, height: 6, className: '', interpolation: 'linear', x, y, wires: [[]] });
  // Chosen columns [key, English title] (the German titles: widgets.col.<key> in the dictionary).
  const table = (id, g, label, order, x, y, cols) => add({ id, type: 'ui-table', z: T1, group: g, name: label, label, order, width: 0, height: 0, maxrows: 0, passthru: false, autocols: false, showSearch: false, deselect: true, selectionType: 'none', columns: cols.map(([key, title]) => ({ title, key, keyType: 'key', type: 'text', width: '', align: 'start' })), mobileBreakpoint: 'md', mobileBreakpointType: 'defaults', action: 'replace', className: '', x, y, wires: [] });
  // Times of table rows (ISO, UTC) as "2026-12-09 04:35" in the plant's time zone (env TZ), in a change node.
  const TZ = '($env("TZ") ? $env("TZ") : "UTC")';
  // The machines' names by asset id (the rel-asset nodes), for table rows (assetName) and chart series.
  const NAMES = JSON.stringify(Object.fromEntries([...ASSETS, SCALAR].map((a) => [a.assetId, a.name])));
  // ... and the row's machine name (assetName, from the asset id in `idKey`): nav.vue shows it and writes titles with it;
  // the plant's time zone (tz), in which nav.vue writes the charts' time axis.
  const localTimes = (id, keys, x, y, to, idKey) => add({ id, type: 'change', z: T1, name: 'times in the plant\'s time zone, machine names', rules: [{ t: 'set', p: 'payload', pt: 'msg', to: `[$map(payload, function($r) { $merge([$r, {${keys.map((k) => `"${k}": $r.${k} ? $moment($r.${k}).tz(${TZ}).format("YYYY-MM-DD HH:mm") : ""`).concat(`"assetName": $lookup(${NAMES}, $r.${idKey})`, `"tz": ${TZ}`).join(', ')}}]) })]`, tot: 'jsonata' }], action: '', property: '', from: '', to: '', reg: false, x, y, wires: [[to]] });
  // Gauges show whole numbers, as the other pages do (health 82, OEE 95 %): no decimal point or comma to get wrong.
  const whole = (id, name, x, y, to) => add({ id, type: 'change', z: T1, name, rules: [{ t: 'set', p: 'payload', pt: 'msg', to: '$round(payload)', tot: 'jsonata' }], action: '', property: '', from: '', to: '', reg: false, x, y, wires: [[to]] });
  const sw = (id, name, property, values, x, y, wires) => add({ id, type: 'switch', z: T1, name, property, propertyType: 'msg', rules: values.map((v) => ({ t: 'eq', v, vt: 'str' })), checkall: 'false', repair: false, outputs: values.length, x, y, wires });

  // rel-health: the score per asset (topic = asset id) -> one gauge per asset, and one chart of all;
  // the capper press's rel-health (machine mode, PLC tags) too: nothing while it is stopped or
  // learning (no score), so its gauge keeps the last one.
  const HEALTH = [...ASSETS, SCALAR];
  dashboardPort('health', ['w-health-whole', 'w-health-names']);
  dashboardPort(`health-${SCALAR.assetId}`, ['w-health-whole', 'w-health-names']);
  whole('w-health-whole', 'whole health', 300, Y, 'w-health-split');
  sw('w-health-split', 'per asset', 'asset', HEALTH.map((a) => a.assetId), 420, Y, HEALTH.map((a) => [`w-health-${a.assetId}`]));
  HEALTH.forEach((a, i) => gauge(`w-health-${a.assetId}`, 'wg-health', a.name, '/ 100', i + 1, 640, Y - 40 + i * 40));
  // the chart's series by machine name ("Conveyor drive"), not by asset id and channel
  const seriesName = (id, x, y, to) => add({ id, type: 'change', z: T1, name: 'series: machine name', rules: [{ t: 'set', p: 'topic', pt: 'msg', to: `($n := $lookup(${NAMES}, asset); $n ? $n : asset)`, tot: 'jsonata' }], action: '', property: '', from: '', to: '', reg: false, x, y, wires: [[to]] });
  seriesName('w-health-names', 420, Y + 130, 'w-health-chart');
  chart('w-health-chart', 'wg-health', 'Health of every machine (0-100)', HEALTH.length + 1, 640, Y + 130);
  // rel-oee: A, P, Q, OEE of each report (topic = the figure) -> the filler's four gauges and chart.
  dashboardPort('oee', ['w-oee-filler']);
  sw('w-oee-filler', 'filler motor', 'asset', ['filler-1'], 420, Y + 220, [['w-oee-whole', 'w-oee-chart']]);
  whole('w-oee-whole', 'whole %', 520, Y + 260, 'w-oee-split');
  const FIG = ['Availability', 'Performance', 'Quality', 'OEE'];
  const oeeSegs = [{ from: '0', color: '#c62828' }, { from: '60', color: '#f9a825' }, { from: '85', color: '#2e7d32' }];
  sw('w-oee-split', 'per figure', 'topic', FIG, 600, Y + 220, FIG.map((f) => [`w-oee-${f.toLowerCase()}`]));
  FIG.forEach((f, i) => gauge(`w-oee-${f.toLowerCase()}`, 'wg-oee', f, '%', i + 1, 820, Y + 180 + i * 40, oeeSegs));
  chart('w-oee-chart', 'wg-oee', 'Filler A, P, Q, OEE (%)', 5, 820, Y + 340);
  // Tables: each message is the whole table (action replace).
  dashboardPort('wo', ['w-wo-times']);
  localTimes('w-wo-times', ['createdAt', 'updatedAt'], 300, Y + 400, 'w-wo-table', 'asset');
  table('w-wo-table', 'wg-wo', 'Work orders', 1, 520, Y + 400, [['number', 'Order'], ['title', 'What and where'], ['priority', 'Priority'], ['status', 'Status'], ['assignee', 'Assigned to'], ['createdAt', 'Opened (plant time)'], ['updatedAt', 'Last change (plant time)']]);
  dashboardPort('andon', ['w-andon-times']);
  localTimes('w-andon-times', ['raisedAt', 'ackedAt'], 300, Y + 450, 'w-andon-table', 'station');
  table('w-andon-table', 'wg-andon', 'Open Andon calls', 1, 520, Y + 450, [['station', 'Machine'], ['kind', 'Call'], ['text', 'Text'], ['level', 'Escalation level'], ['state', 'State'], ['raisedAt', 'Raised (real clock)'], ['ackedBy', 'Acknowledged by']]);
  // rel-kpi: numbers for the per-asset reports, a table (topic kpi) for the report of all assets.
  dashboardPort('kpi', ['w-kpi-all']);
  sw('w-kpi-all', 'table of all (topic kpi)', 'topic', ['kpi'], 420, Y + 500, [['w-kpi-names']]);
  add({ id: 'w-kpi-names', type: 'change', z: T1, name: 'machine names', rules: [{ t: 'set', p: 'payload', pt: 'msg', to: `[$map(payload, function($r) { $merge([$r, {"assetName": $lookup(${NAMES}, $r.name)}]) })]`, tot: 'jsonata' }], action: '', property: '', from: '', to: '', reg: false, x: 520, y: Y + 540, wires: [['w-kpi-table']] });
  table('w-kpi-table', 'wg-kpi', 'MTBF, MTTR, availability', 1, 640, Y + 500, [['name', 'Machine or line'], ['failures', 'Failures'], ['mtbfH', 'MTBF (h)'], ['mttrH', 'MTTR (h)'], ['availabilityPct', 'Availability (%)'], ['unplannedPct', 'Unplanned downtime (%)']]);
  // the item's name per language (names: {en, de}, as the line state gives it to the Kanban page)
  dashboardPort('buffer', ['w-buffer-names']);
  add({ id: 'w-buffer-names', type: 'change', z: T1, name: 'item names (en, de)', rules: [{ t: 'set', p: 'payload', pt: 'msg', to: `[$map(payload, function($r) { $merge([$r, {"names": $lookup(${JSON.stringify(DEMO_TEXT.items)}, $r.item)}]) })]`, tot: 'jsonata' }], action: '', property: '', from: '', to: '', reg: false, x: 300, y: Y + 550, wires: [['w-buffer-table']] });
  table('w-buffer-table', 'wg-buffer', 'Buffer advice', 1, 420, Y + 550, [['item', 'Item'], ['wipDays', 'WIP buffer (days)'], ['wipUnits', 'WIP buffer (units)'], ['safetyStock', 'Safety stock (units)'], ['reorderPoint', 'Reorder point (units)'], ['demandPerDay', 'Demand per day'], ['leadTimeDays', 'Lead time (days)']]);
  // rel-vibration (Dashboard output: envelope): each frame's envelope spectrum as one curve of
  // {x: Hz, y} points (action replace) -> a switch on the asset -> a stock ui-chart, linear x axis.
  group('wg-env', 'Envelope spectrum: Conveyor drive', 7, '12');
  const vib = byId('vib');
  vib.dashboard = 'envelope';
  vib.outputs = vib.wires.length + 1;
  vib.wires.push(['w-env-conveyor']);
  sw('w-env-conveyor', 'conveyor', 'asset', ['conveyor-1'], 420, Y + 600, [['w-env-name']]);
  seriesName('w-env-name', 520, Y + 640, 'w-env-chart');
  add({ ...byId('w-health-chart'), id: 'w-env-chart', group: 'wg-env', name: 'Envelope spectrum: Conveyor drive', label: 'Envelope spectrum (g, Hz)', order: 1, xAxisLabel: 'Hz', xAxisProperty: 'x', xAxisPropertyType: 'property', xAxisType: 'linear', yAxisLabel: 'g', yAxisProperty: 'y', yAxisPropertyType: 'property', ymin: '', ymax: '', action: 'replace', removeOlder: 1, removeOlderUnit: '3600', removeOlderPoints: '', pointRadius: 0, x: 640, y: Y + 600, width: 12, height: 6 });
}

/**
 * rel-view: the machines of the line (the rel-asset nodes and the register of the demo store) as
 * tiles for the pages. It hears what the line state hears (every node wired to the line state,
 * except the tick) and sends its view to the line state, which hands it to the pages.
 */
function floorView(flow, add, c, T1, STORE) {
  const view = add({ id: 'view', type: 'rel-view', z: T1, name: 'floor view (tiles by line)', store: STORE, staleAfter: 120, interval: 1, topic: 'line-view', x: 1090, y: 880, wires: [['line-state']] });
  for (const n of flow) {
    if (n === view || n.type === 'inject' || !Array.isArray(n.wires)) continue;
    n.wires = n.wires.map((w) => (w.includes('line-state') && !w.includes('view') ? w.concat('view') : w));
  }
  c('c-view', 1090, 930, 'Floor view: the machines as tiles', 'rel-view lists the machines of the rel-asset nodes and of the asset register (rel-registry on the demo store), groups them by site, area and line and words their figures in English and German; a machine without data for 2 min turns grey. It hears what the line state hears.');
}

function v1tpl(name) {
  return fs.readFileSync(path.join(DEMO, 'ui-v1', `${name}.html`), 'utf8');
}

/** node-red-dashboard 3.x: the line overview and the work-order board (ui_template, ng-bind only). */
function dashboard1(add, c, T2) {
  add({ id: 'v1-tab-line', type: 'ui_tab', name: 'Line overview', icon: 'dashboard', order: 1, disabled: false, hidden: false });
  add({ id: 'v1-tab-wo', type: 'ui_tab', name: 'Work orders', icon: 'fa-wrench', order: 2, disabled: false, hidden: false });
  // 3.x widths are fixed units (48 px + 6 px gap): a 6-unit group (318 px) fits a 390 px phone; the
  // templates fill it (width 6) and take the height of their content (height 0 = auto), which wraps.
  add({ id: 'v1-group-line', type: 'ui_group', name: 'Packaging line', tab: 'v1-tab-line', order: 1, disp: false, width: '6', collapse: false, disabled: false, hidden: false, className: '' });
  add({ id: 'v1-group-wo', type: 'ui_group', name: 'Work orders', tab: 'v1-tab-wo', order: 1, disp: false, width: '6', collapse: false, disabled: false, hidden: false, className: '' });
  add({ id: 'v1-tpl-line', type: 'ui_template', z: T2, group: 'v1-group-line', name: 'line overview', order: 1, width: '6', height: '0', format: v1tpl('line'), storeOutMessages: true, fwdInMessages: false, resendOnRefresh: true, templateScope: 'local', className: '', x: 520, y: 120, wires: [[]] });
  add({ id: 'v1-tpl-wo', type: 'ui_template', z: T2, group: 'v1-group-wo', name: 'work-order board', order: 1, width: '6', height: '0', format: v1tpl('workorders'), storeOutMessages: true, fwdInMessages: false, resendOnRefresh: true, templateScope: 'local', className: '', x: 520, y: 200, wires: [['ui-out']] });
  add({ id: 'line-in', type: 'link in', z: T2, name: 'line view', links: ['to-dash-line'], x: 200, y: 120, wires: [['v1-tpl-line', 'v1-tpl-wo']] });
  add({ id: 'detail-in', type: 'link in', z: T2, name: 'detail view (not shown in v1)', links: ['to-dash-detail'], x: 200, y: 300, wires: [[]] });
  add({ id: 'notices-in', type: 'link in', z: T2, name: 'notices', links: ['to-notices'], x: 200, y: 200, wires: [['v1-tpl-wo']] });
  add({ id: 'ui-out', type: 'link out', z: T2, name: 'commands', mode: 'link', links: ['from-ui'], x: 800, y: 200, wires: [] });
  c('c-dash1', 520, 40, 'node-red-dashboard 3.x pages (http://127.0.0.1:1880/ui)', 'For plants still on node-red-dashboard 3.x (deprecated by its authors in June 2024): the line overview and the work-order board as ui_template nodes. User text is bound with ng-bind (text), never written into a template with {{ }}. Import this file instead of flows/demo-line.json (same line, same node ids).', T2);
}

/**
 * The demo's stock and PM plans as a JSONata expression for an inject node: a list of
 * {action, payload} commands (rel-spares define + adjust per part, rel-pm plan per asset), the
 * PM plans' last-done dates relative to the deploy day.
 */
const PARTS = [
  { part: 'SKF-6205-2RS', name: 'Deep groove ball bearing 6205-2RS', nameDe: 'Rillenkugellager 6205-2RS', unitCost: 14.5, leadMeanDays: 10, leadSdDays: 3, demandPerDay: 0.08, demandSd: 0.1, qty: 2 },
  { part: 'SKF-6203-2RS', name: 'Deep groove ball bearing 6203-2RS', nameDe: 'Rillenkugellager 6203-2RS', unitCost: 9.8, leadMeanDays: 10, leadSdDays: 3, demandPerDay: 0.05, demandSd: 0.08, qty: 4 },
  { part: 'GREASE-EP2', name: 'Lithium grease EP2, 400 g', nameDe: 'Lithiumfett EP2, 400 g', unitCost: 6, leadMeanDays: 3, leadSdDays: 1, demandPerDay: 0.2, demandSd: 0.2, qty: 12 },
  { part: 'BELT-XPZ-1250', name: 'V-belt XPZ 1250', nameDe: 'Keilriemen XPZ 1250', unitCost: 21, leadMeanDays: 7, leadSdDays: 2, demandPerDay: 0.02, demandSd: 0.03, qty: 2 },
  // The parts the imbalance, misalignment and looseness orders reserve (WO_PARTS, rel-work-order's parts rules).
  { part: 'BALANCE-KIT', name: 'Balancing weight kit', nameDe: 'Satz Auswuchtgewichte', unitCost: 35, leadMeanDays: 5, leadSdDays: 2, demandPerDay: 0.01, demandSd: 0.02, qty: 2 },
  { part: 'SHIM-SET', name: 'Stainless shim set for motor alignment', nameDe: 'Passscheibensatz aus Edelstahl zum Ausrichten des Motors', unitCost: 48, leadMeanDays: 5, leadSdDays: 2, demandPerDay: 0.01, demandSd: 0.02, qty: 2 },
  { part: 'BOLT-KIT-M12', name: 'Foundation bolt kit M12, grade 8.8', nameDe: 'Satz Fundamentschrauben M12, Festigkeitsklasse 8.8', unitCost: 12, leadMeanDays: 3, leadSdDays: 1, demandPerDay: 0.02, demandSd: 0.03, qty: 4 },
];
const PLANS = [
  { asset: 'pump-1', task: 'Lubricate pump bearings', taskDe: 'Pumpenlager schmieren', trigger: 'calendar', unit: 'days', every: 30, doneDaysAgo: 27, durationMin: 20, parts: [{ part: 'GREASE-EP2', qty: 1 }], checklist: '*Lock out and tag out; Grease drive-end and non-drive-end bearings; Wipe off old grease; *Run the pump and check for noise', checklistDe: '*Freischalten und gegen Wiedereinschalten sichern; Lager auf Antriebs- und Nichtantriebsseite schmieren; Altes Fett abwischen; *Pumpe laufen lassen und auf Geräusche prüfen' },
  { asset: 'compressor-1', task: 'Replace intake filter', taskDe: 'Ansaugfilter wechseln', trigger: 'calendar', unit: 'weeks', every: 12, doneDaysAgo: 80, durationMin: 30 },
  { asset: 'conveyor-1', task: 'Check belt tension', taskDe: 'Riemenspannung prüfen', trigger: 'calendar', unit: 'weeks', every: 2, doneDaysAgo: 10, durationMin: 15 },
  { asset: 'filler-1', task: 'Inspect filler motor coupling', taskDe: 'Kupplung des Füllermotors prüfen', trigger: 'calendar', unit: 'days', every: 60, doneDaysAgo: 45, durationMin: 25 },
];
function setupJsonata() {
  const cmds = [];
  for (const { qty, nameDe, ...def } of PARTS) {
    cmds.push(JSON.stringify({ action: 'define', payload: def }));
    cmds.push(JSON.stringify({ action: 'adjust', payload: { part: def.part, count: qty, note: 'demo stock count', by: 'demo' } }));
  }
  for (const { doneDaysAgo, taskDe, checklistDe, ...plan } of PLANS) {
    const json = JSON.stringify({ action: 'plan', payload: { ...plan, lastDone: '@@' } });
    cmds.push(json.replace('"@@"', `$fromMillis($millis() - ${doneDaysAgo} * 86400000, '[Y0001]-[M01]-[D01]')`));
  }
  return `[\n  ${cmds.join(',\n  ')}\n]`;
}
const SETUP_JSONATA = setupJsonata();
/**
 * The demo data's names in both languages, for the pages (the stores keep one name: the English
 * one): spare parts by part number, PM tasks by their stored text, Kanban items by id. The line
 * state hands them to the pages with each row (`names: {en, de}`).
 */
/** The German text of each step by its English text (the steps of a checklist: `;`-separated, `*` marks a required one). */
function stepNames(en, de) {
  // as rel-pm's parseChecklist splits a checklist: on ; | or a new line, empty steps left out
  const split = (t) => t.split(/[;|\n\r]+/).map((x) => x.trim().replace(/^\*\s*/, '')).filter(Boolean);
  const a = split(en);
  const b = split(de || '');
  if (a.length !== b.length) throw new Error(`checklist "${en}": ${a.length} steps, its German text ${b.length}`);
  return Object.fromEntries(a.map((x, i) => [x, b[i]]));
}
const DEMO_TEXT = {
  parts: Object.fromEntries(PARTS.map((p) => [p.part, { en: p.name, de: p.nameDe }])),
  // a task's checklist steps too, by their stored (English) text: step i of checklist and checklistDe
  tasks: Object.fromEntries(PLANS.map((p) => [p.task, { en: p.task, de: p.taskDe, ...(p.checklist ? { steps: stepNames(p.checklist, p.checklistDe) } : {}) }])),
  items: { 'caps-38mm': { en: 'Caps 38 mm', de: 'Verschlusskappen 38 mm' } },
};

/** rel-work-order's parts rules: the bearing of the asset for bearing faults, a kit for the others. */
const BEARING_MODES = ['bearing-outer-race', 'bearing-inner-race', 'bearing-ball', 'bearing-cage'];
const WO_PARTS = [
  ...BEARING_MODES.flatMap((m) => [`${m}: SKF-6205-2RS`, ...ASSETS.filter((a) => a.bearing === '6203-2RS').map((a) => `${a.assetId}/${m}: SKF-6203-2RS`)]),
  'imbalance: BALANCE-KIT',
  'misalignment: SHIM-SET',
  'looseness: BOLT-KIT-M12',
].join('\n');

// ---------------------------------------------------------------------------------------------
// The demo line (Node-RED 4.1 + Dashboard 2.0)
/**
 * A fifth machine seen only through PLC tags (docs/demo.md): a rel-simulator of kind scalar (run
 * bit, part counter, 4-20 mA velocity, motor and bearing temperature, current; planned stops) ->
 * its poll array -> rel-health in machine mode -> state changes to rel-work-order. Its bearing
 * wear (velocity x3.2, zone D) is started by hand (an inject), so the waveform story of the demo
 * runs as before. It is not in ASSETS (no waveform chain); its health goes to the floor view
 * (rel-view), which gives it a tile.
 */
const SCALAR = { assetId: 'press-1', name: 'Capper press', criticality: 4, machineClass: 'iso10816-3:group2:rigid' };
function scalarMachine(add, c, T1, STORE) {
  const a = SCALAR;
  add({ id: `asset-${a.assetId}`, type: 'rel-asset', name: a.name, assetId: a.assetId, line: LINE_NAME, criticality: a.criticality, machineClass: a.machineClass, rpm: 1480, bearing: '6205-2RS', balls: '', ballDiameter: '', pitchDiameter: '', contactAngle: 0, store: STORE });
  // one poll every 6 simulated minutes (0.25 s at the demo's time scale)
  add({ id: `sim-${a.assetId}`, type: 'rel-simulator', z: T1, name: `${a.name} (scalar tags)`, kind: 'scalar', asset: `asset-${a.assetId}`, assetId: a.assetId, seed: 55, interval: 0.25, timeScale: TIME_SCALE, velocityMmS: 1.6, rangeMmS: 25, runHours: 4, stopMinutes: 60, partsPerMin: 6, shiftAtHours: '', shiftVelocity: 3.2, shiftCurrent: 1, store: STORE, startEvent: true, x: 240, y: 460, wires: [[`health-${a.assetId}`], [], [`events-${a.assetId}`, 'pm-clock']] });
  // its run bit and part counter: state and counts to OEE, one cycle per poll to takt (scripts/demo/functions.js pressEvents)
  add({ id: `events-${a.assetId}`, type: 'function', z: T1, name: 'press: OEE and takt events', func: withAssets(F.pressEvents), outputs: 2, timeout: 0, noerr: 0, initialize: '', finalize: '', libs: [], outputLabels: ['rel-oee state, count (through "rel-oee on one clock")', 'rel-takt cycle'], x: 480, y: 700, wires: [['oee-clock'], ['takt']] });
  add({ id: `wear-${a.assetId}`, type: 'inject', z: T1, name: 'press: bearing wear (velocity x3.2)', props: [{ p: 'action', v: 'set', vt: 'str' }, { p: 'payload', v: '{"velocityFactor":3.2}', vt: 'json' }], repeat: '', crontab: '', once: false, onceDelay: 0.1, topic: '', x: 150, y: 500, wires: [[`sim-${a.assetId}`]] });
  add({ id: `repair-${a.assetId}`, type: 'inject', z: T1, name: 'press: repaired (reset)', props: [{ p: 'action', v: 'reset', vt: 'str' }], repeat: '', crontab: '', once: false, onceDelay: 0.1, topic: '', x: 130, y: 540, wires: [[`sim-${a.assetId}`]] });
  add({ id: `health-${a.assetId}`, type: 'rel-health', z: T1, name: 'machine health (scalar tags)', mode: 'machine', asset: `asset-${a.assetId}`, store: STORE, learnMode: 'hours', learnFrames: 400, learnHours: 12, warnBelow: 85, alarmBelow: 70, hysteresis: 5, dwellFrames: 3, dwellMinutes: 0, historyMinutes: 10, warnEveryHours: 8, alarmEveryHours: 168, startupMinutes: 5, runChannel: '', runAbove: '', modeChannel: '', modeEdges: '', limits: '', dashboard: false, x: 480, y: 460, wires: [[`scored-${a.assetId}`], ['wo']] });
  // Its remaining life: the machine's health (every channel and the ISO zone in one score) projected
  // to 10 of 100, known to within 5-15, over the points since it left normal. (The level indicator
  // needs rel-health's level rule on a waveform feature; a PLC-tag machine has none.) Stopped: no
  // point, "machine stopped"; normal: "no wear trend".
  // rel-rul takes a health score of 0-100 or none (learning, starting, stopped); anything else (a
  // score that is not a number) goes to the line state without it, not into the trend.
  add({ id: `scored-${a.assetId}`, type: 'switch', z: T1, name: 'press: a score or none?', property: 'payload.health.score = null or ($type(payload.health.score) = "number" and payload.health.score >= 0 and payload.health.score <= 100)', propertyType: 'jsonata', rules: [{ t: 'true' }, { t: 'else' }], checkall: 'false', repair: false, outputs: 2, x: 660, y: 500, wires: [[`rul-${a.assetId}`], ['line-state']] });
  add({ id: `rul-${a.assetId}`, type: 'rel-rul', z: T1, name: 'press: remaining life (health to 10)', asset: `asset-${a.assetId}`, store: STORE, indicator: 'health', feature: 'rms', threshold: 10, thresholdLow: '', thresholdHigh: '', plateauHours: 0, direction: 'auto', level: 0.9, windowHours: 0, minPoints: 10, historyMinutes: 10, dashboard: false, outputs: 1, x: 860, y: 460, wires: [['line-state']] });
  c('c-scalar', 200, 420, 'A machine with PLC tags only (replace by rel-ingest, Output: array)', 'The capper press has no accelerometer: a 4-20 mA velocity transmitter, motor and bearing temperatures, motor current, the run bit and the part counter, polled as one array. rel-health in machine mode learns 12 running hours (over its planned stops) and is quiet while it is stopped; rel-rul projects its health to 10 of 100 (the remaining life on its tile and asset page: "no wear trend" while it is normal). Click "press: bearing wear": the velocity rises 3.2 times into ISO zone D and, one simulated hour later, rel-health opens a P1 work order naming the channels, their baselines and the zone. "press: repaired" takes the wear back.');
}

function demoLine(variant = 'd2') {
  const flow = [];
  // every reliability node as the editor saves it now: with its config version
  const add = (n) => (flow.push(n.type.startsWith('rel-') ? Object.assign(n, { version: CONFIG_VERSION }) : n), n);
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
    add({ id: assetNode[a.assetId], type: 'rel-asset', name: a.name, assetId: a.assetId, line: LINE_NAME, criticality: a.criticality, machineClass: a.machineClass, rpm: a.rpm, bearing: a.bearing, balls: '', ballDiameter: '', pitchDiameter: '', contactAngle: 0, store: STORE });
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
    '6. assign, start and complete the work order (maintenance or phone page): the machine stands while the repair is in progress (OEE availability falls, no parts), then it is repaired (reset), runs again and learns again.',
    '',
    'All state lives in reliability.db in the Node-RED user directory.',
  ].join('\n'));
  c('c-adapt', 200, 80, 'To adapt to a real line: read me', [
    'Replace each rel-simulator by your source: rel-ingest behind a Modbus, MQTT, OPC UA or HTTP node (see flows/modbus-line.json and flows/mqtt-line.json).',
    'Change the four rel-asset config nodes (id, rpm, bearing, ISO class, criticality), or import your asset register (rel-registry on the demo store): the floor view (rel-view) lists them for the pages; no function node holds an asset list.',
    'Production events (cycle, count, state) come from the PLC in a real plant; the simulator sends them here.',
    'Set the Andon escalation levels (minutes) in rel-andon: 0.5, 1, 2 here so the demo escalates quickly; 2, 5, 10 is a common plant setting.',
    'Dashboards: the Dashboards tab; each custom page is one ui-template fed by the "line state" function. The Widgets page (/dashboard/widgets) is made of stock widgets wired straight from the nodes\' dashboard outputs (bottom of this tab).',
  ].join('\n'));

  // Simulators
  const sims = [];
  ASSETS.forEach((a, i) => {
    const id = `sim-${a.assetId}`;
    sims.push(id);
    add({ id, type: 'rel-simulator', z: T1, name: `${a.name} (${a.fault === 'none' ? 'healthy' : a.fault})`, asset: assetNode[a.assetId], assetId: a.assetId, rpm: a.rpm, bearing: a.bearing, fault: a.fault, seed: a.seed, fs: 12000, frameSize: 16384, interval: INTERVAL_S, timeScale: TIME_SCALE, onsetHours: 24, failureHours: 96, growth: 4, noise: 0.02, resonanceHz: 3000, cycleTimeS: 30, countStepMin: 15, store: STORE, startEvent: true, x: 200, y: 180 + i * 60, wires: [['vib'], ['line-state'], ['by-action', 'pm-clock']] });
  });
  c('c-sim', 200, 125, 'Simulated machines (replace by rel-ingest)', 'Output 1: acceleration frames. Output 2: motor temperature and current. Output 3: production events (state running on the first emission after a start, then cycle and count; stopped and running around a repair). Each simulator keeps its simulated clock and its machine in the demo store, so a redeploy or a restart resumes where it stopped: event times never go back and the degrading conveyor stays degraded.');

  // Analysis chain
  add({ id: 'vib', type: 'rel-vibration', z: T1, name: 'vibration features', asset: '', window: 'hann', frameMode: 'trim', bandLow: 10, bandHigh: 1000, envelopeBand: 'auto', envLow: 2000, envHigh: 5000, spectrumPoints: 600, envelopePoints: 2048, rpmSource: 'reading', speedMaxAge: 10, rpmValue: 'rpm', rpmValueType: 'msg', averages: 1, dashboard: '', x: 690, y: 180, wires: [['drop-wave']] });
  add({ id: 'drop-wave', type: 'change', z: T1, name: 'drop the waveform', rules: [{ t: 'delete', p: 'payload.samples', pt: 'msg' }], action: '', property: '', from: '', to: '', reg: false, x: 880, y: 180, wires: [['diag']] });
  add({ id: 'diag', type: 'rel-diagnose', z: T1, name: 'diagnose', detect: 4, x: 1040, y: 180, wires: [['health']] });
  add({ id: 'health', type: 'rel-health', z: T1, name: 'health', asset: '', store: STORE, learnMode: 'frames', learnFrames: 20, learnHours: 24, warnBelow: 70, alarmBelow: 50, hysteresis: 5, dwellFrames: 2, dwellMinutes: 0, historyMinutes: 10, x: 1190, y: 180, wires: [['learned'], ['health-to-kanban']] });
  // rel-rul refuses a health msg without a score (while rel-health is still learning): only learned frames go to it.
  add({ id: 'learned', type: 'switch', z: T1, name: 'baseline learned?', property: 'payload.health.score', propertyType: 'msg', rules: [{ t: 'nnull' }, { t: 'else' }], checkall: 'false', repair: false, outputs: 2, x: 1370, y: 180, wires: [['rul'], ['line-state', 'wo']] });
  add({ id: 'rul', type: 'rel-rul', z: T1, name: 'remaining life', asset: '', store: STORE, indicator: 'feature', feature: 'rms', threshold: 0.3, thresholdLow: '', thresholdHigh: '', plateauHours: 0, direction: 'above', level: 0.9, windowHours: 0, minPoints: 10, historyMinutes: 10, x: 1570, y: 180, wires: [['line-state', 'wo']] });
  c('c-chain', 1040, 130, 'Condition monitoring: features -> diagnosis -> health -> RUL', 'One chain serves the whole line: the nodes have no asset selected, so each frame uses the rel-asset named by msg.payload.asset. rel-vibration sends decimated spectrum and envelope arrays (600 and 2048 points, max-hold) for the charts.');

  scalarMachine(add, c, T1, STORE);

  // CMMS
  // A new order reserves the part of its failure mode and raises a machine Andon call at the asset,
  // both written with the order (output 3 straight to rel-andon: acknowledged once it holds the call).
  add({ id: 'wo', type: 'rel-work-order', z: T1, name: 'work orders', store: STORE, asset: '', minSeverity: 'warning', criticality: 3, parts: WO_PARTS, andonKind: 'machine', language: 'en', outputs: 3, x: 1100, y: 380, wires: [['after-wo', 'line-state'], [], ['andon']] });
  add({ id: 'after-wo', type: 'function', z: T1, name: 'after a transition', func: withAssets(F.afterWorkOrder), outputs: 4, timeout: 0, noerr: 0, initialize: '', finalize: '', libs: [], outputLabels: ['simulator: stopped for a repair, running again, repaired', 'andon ack, resolve', 'refresh lists', 'notice'], x: 1340, y: 360, wires: [['route-sim'], ['andon'], ['report-triggers'], ['to-notices']] });
  add({ id: 'route-sim', type: 'switch', z: T1, name: 'to the asset\'s simulator', property: 'payload.asset', propertyType: 'msg', rules: [...ASSETS, SCALAR].map((a) => ({ t: 'eq', v: a.assetId, vt: 'str' })), checkall: 'false', repair: false, outputs: ASSETS.length + 1, x: 1660, y: 340, wires: [...sims, `sim-${SCALAR.assetId}`].map((s) => [s]) });
  add({ id: 'spares', type: 'rel-spares', z: T1, name: 'spare parts', store: STORE, demandWindowDays: 90, checkInterval: 60, x: 1700, y: 440, wires: [['line-state'], []] });
  add({ id: 'kpi', type: 'rel-kpi', z: T1, name: 'MTBF, MTTR, availability', store: STORE, windowDays: 30, hoursPerDay: 24, downtimeLimit: 3, mttrReduction: 30, baselineMttrH: '', x: 1700, y: 560, wires: [['line-state']] });
  add({ id: 'pm', type: 'rel-pm', z: T1, name: 'preventive maintenance', store: STORE, catchup: 'one', tickInterval: 60, tz: 'UTC', plans: '', x: 1720, y: 500, wires: [['line-state'], ['report-triggers']] });
  // The PM plans on plant time: rel-pm's own tick follows the real clock, so the simulators' events
  // (state, count, cycle; payload.ts on the plant clock) drive it, at most one tick per 5 s (2 plant
  // hours): the pump's lubrication (due 2 plant days after the deploy) opens within about 2 minutes.
  add({ id: 'pm-clock', type: 'delay', z: T1, name: 'one per 5 s', pauseType: 'rate', timeout: '5', timeoutUnits: 'seconds', rate: '1', nbRateUnits: '5', rateUnits: 'second', randomFirst: '1', randomLast: '5', randomUnits: 'seconds', drop: true, allowrate: false, outputs: 1, x: 1480, y: 520, wires: [['pm-tick']] });
  add({ id: 'pm-tick', type: 'change', z: T1, name: 'PM tick at plant time', rules: [{ t: 'set', p: 'action', pt: 'msg', to: 'tick', tot: 'str' }, { t: 'set', p: 'payload', pt: 'msg', to: '{"ts": payload.ts}', tot: 'jsonata' }, { t: 'delete', p: 'topic', pt: 'msg' }], x: 1600, y: 540, wires: [['pm']] });
  // Work requests from the floor (docs/requests.md): QR labels at /floor/labels, the request form
  // a QR code opens, the planner's list at /floor/requests; the technician page reads checklists,
  // photos and reserved parts through the same node.
  add({ id: 'requests', type: 'rel-request', z: T1, name: 'work requests', store: STORE, baseUrl: '', x: 1720, y: 580, wires: [[], ['report-triggers']] });
  c('c-requests', 1720, 620, 'Work requests: /floor/labels (QR labels), /floor/request?asset=ID, /floor/requests (approve / reject)', 'rel-request serves the floor routes. With a rel-users node deployed, the request form records the logged-in operator, approving needs a planner and photos are served to logged-in users only.', T1);
  c('c-cmms', 1100, 320, 'Maintenance: work orders, spare parts, PM', 'rel-work-order opens one order per asset and failure mode from the diagnosis (later frames count as detections). A new order reserves the spare part and raises an Andon call. Starting the repair holds the simulated machine stopped (no parts; its state events tell rel-oee, with the order number as the reason); completing it runs the machine again and, for a condition order, repairs it.');

  // JIT
  add({ id: 'by-action', type: 'switch', z: T1, name: 'by action', property: 'action', propertyType: 'msg', rules: [{ t: 'eq', v: 'state', vt: 'str' }, { t: 'eq', v: 'count', vt: 'str' }, { t: 'eq', v: 'cycle', vt: 'str' }], checkall: 'false', repair: false, outputs: 3, x: 480, y: 620, wires: [['oee-clock'], ['oee-clock', 'filler-kanban'], ['takt']] });
  add({ id: 'oee-clock', type: 'function', z: T1, name: 'rel-oee on one clock', func: withAssets(F.oeeClock), outputs: 1, timeout: 0, noerr: 0, initialize: '', finalize: '', libs: [], outputLabels: ['rel-oee'], x: 620, y: 540, wires: [['oee']] });
  add({ id: 'filler-kanban', type: 'function', z: T1, name: 'filler: caps Kanban and supplier', func: withAssets(F.fillerKanban), outputs: 2, timeout: 0, noerr: 0, initialize: '', finalize: '', libs: [], outputLabels: ['rel-kanban consume / deliver / status', 'rel-buffer demand / delivery'], x: 500, y: 700, wires: [['kanban'], ['buffer']] });
  add({ id: 'oee', type: 'rel-oee', z: T1, name: 'OEE', store: STORE, asset: '', shifts: '', breaks: '', utcOffset: 0, idealCycleS: 28.5, rollingHours: 24, criticalAssets: 'conveyor-1, filler-1', rule85Days: 30, rule85Oee: 0.85, bufferDays: 3, dashboardFigures: 'rolling', x: 740, y: 580, wires: [['line-state', 'oee-reports']] });
  // Dashboard shows the rolling window (as the line overview: the last 24 h, steady across shift changes); the Widgets page wires its dashboard output
  add({ id: 'oee-reports', type: 'switch', z: T1, name: 'reports only', property: 'action', propertyType: 'msg', rules: [{ t: 'eq', v: 'report', vt: 'str' }], checkall: 'false', repair: false, outputs: 1, x: 900, y: 720, wires: [['buffer']] });
  add({ id: 'buffer', type: 'rel-buffer', z: T1, name: 'caps buffer advice', store: STORE, item: 'caps-38mm', serviceZ: 1.65, windowDays: 30, targetDays: 1, floorDays: 3, cvThreshold: 0.2, criticalAssets: 'conveyor-1, filler-1', healthThreshold: 70, healthDaysMax: 2, utcOffset: '', x: 740, y: 760, wires: [['line-state']] });
  add({ id: 'takt', type: 'rel-takt', z: T1, name: 'takt', store: STORE, asset: '', shifts: '', breaks: '', utcOffset: 0, demand: 2600, window: 50, creepAlert: 0.95, minCycles: 5, x: 740, y: 640, wires: [['line-state'], []] });
  add({ id: 'kanban', type: 'rel-kanban', z: T1, name: 'caps Kanban', store: STORE, item: 'caps-38mm', containerQty: 250, demand: 2900, leadTime: 0.25, learn: false, alpha: 0.1, healthAlpha: 0.3, supplierAlpha: 0.2, trigger: 1, criticalAssets: 'conveyor-1, filler-1', healthThreshold: 70, cvThreshold: 0.2, x: 740, y: 700, wires: [['line-state', 'filler-kanban'], ['line-state']] });
  // A health state change -> the loop's and the buffer's health action. The frame went through the analysis chain, so a
  // production event of another asset may have reached the loop meanwhile with a later time: never send it an earlier one.
  // A health change reaches the caps loop at the loop's own clock (the filler's latest event,
  // flow kanbanTs): another machine's simulated clock may run hours ahead of the filler's, and
  // stamping the loop with it would make every later order due in the filler's future (no
  // delivery in time: the loop runs dry, "more consumed than the loop holds").
  add({ id: 'health-to-kanban', type: 'change', z: T1, name: 'health change -> Kanban, buffer', rules: [{ t: 'set', p: 'action', pt: 'msg', to: 'health', tot: 'str' }, { t: 'set', p: 'payload.ts', pt: 'msg', to: '$exists($flowContext("kanbanTs")) ? $flowContext("kanbanTs") : payload.ts', tot: 'jsonata' }, { t: 'set', p: 'kanbanTs', pt: 'flow', to: 'payload.ts', tot: 'msg' }], action: '', property: '', from: '', to: '', reg: false, x: 1400, y: 240, wires: [['kanban', 'buffer']] });
  add({ id: 'andon', type: 'rel-andon', z: T1, name: 'Andon', store: STORE, levels: '0.5, 1, 2', stations: '', lineStopKinds: '', lineStopLevel: 0, statsDays: 30, language: 'en', x: 1700, y: 580, wires: [['line-state'], ['line-state'], []] });
  c('c-jit', 480, 560, 'Production: OEE, takt, Kanban, buffers, Andon', 'The simulators send state, cycle and count events (a switch routes them by action); the filler\'s good count consumes cap containers; an order on the way (rel-kanban\'s stored state, sent back with each of its answers) is delivered when the simulated clock reaches its due time (the supplier lead time of the loop). rel-buffer learns the caps demand and the observed lead times and advises the WIP buffer in days; a health change of a critical asset raises the Kanban safety factor and the buffer, and the OEE reports gate the buffer cut (Rule of 85).');

  // Line state and triggers
  add({ id: 'tick', type: 'inject', z: T1, name: 'every 1 s', props: [{ p: 'topic', vt: 'str' }], repeat: '1', crontab: '', once: true, onceDelay: '2', topic: 'tick', x: 1090, y: 820, wires: [['line-state']] });
  add({ id: 'line-state', type: 'function', z: T1, name: 'line state', func: withAssets(F.lineState), outputs: 2, timeout: 0, noerr: 0, initialize: '', finalize: '', libs: [], outputLabels: ['line (overview, maintenance, Kanban, phone)', 'asset detail (trends, spectra)'], x: 1300, y: 820, wires: [['to-dash-line'], ['to-dash-detail']] });
  add({ id: 'every-3s', type: 'inject', z: T1, name: 'every 3 s', props: [], repeat: '3', crontab: '', once: true, onceDelay: '3', topic: '', x: 170, y: 820, wires: [['report-triggers']] });
  add({ id: 'report-triggers', type: 'function', z: T1, name: 'ask for reports', func: withAssets(F.reportTriggers), outputs: 9, timeout: 0, noerr: 0, initialize: '', finalize: '', libs: [], outputLabels: ['OEE', 'takt', 'Andon board', 'work orders', 'spares', 'PM plans', 'Kanban', 'KPIs', 'buffer advice'], x: 380, y: 820, wires: [['oee-clock'], ['takt'], ['andon'], ['wo'], ['spares'], ['pm'], ['kanban'], ['kpi'], ['buffer']] });
  // Once at deploy: the spare parts (define, then the stock count) and the PM plans, as lists of commands split into messages.
  add({ id: 'setup', type: 'inject', z: T1, name: 'stock and PM plans at deploy', props: [{ p: 'payload', v: SETUP_JSONATA, vt: 'jsonata' }], repeat: '', crontab: '', once: true, onceDelay: '0.5', topic: '', x: 190, y: 880, wires: [['setup-split']] });
  add({ id: 'setup-split', type: 'split', z: T1, name: 'one command each', splt: '\\n', spltType: 'str', arraySplt: 1, arraySpltType: 'len', stream: false, addname: '', property: 'payload', x: 400, y: 880, wires: [['setup-cmd']] });
  add({ id: 'setup-cmd', type: 'change', z: T1, name: 'to {action, payload}', rules: [{ t: 'set', p: 'action', pt: 'msg', to: 'payload.action', tot: 'msg' }, { t: 'set', p: 'payload', pt: 'msg', to: 'payload.payload', tot: 'msg' }, { t: 'delete', p: 'parts', pt: 'msg' }], action: '', property: '', from: '', to: '', reg: false, x: 590, y: 880, wires: [['setup-route']] });
  add({ id: 'setup-route', type: 'switch', z: T1, name: 'spares or PM', property: 'action', propertyType: 'msg', rules: [{ t: 'eq', v: 'plan', vt: 'str' }, { t: 'else' }], checkall: 'false', repair: false, outputs: 2, x: 770, y: 880, wires: [['pm'], ['spares']] });
  c('c-state', 1300, 780, 'Line state: the dashboards\' view model', 'Keeps the latest figures per asset in flow context and sends them once a second; trends are decimated here to 300 points per series.');

  // UI commands and errors
  add({ id: 'from-ui', type: 'link in', z: T1, name: 'from the dashboards', links: ['ui-out'], x: 170, y: 1000, wires: [['ui-commands']] });
  add({ id: 'ui-commands', type: 'function', z: T1, name: 'check UI commands', func: withAssets(F.uiCommands), outputs: 3, timeout: 0, noerr: 0, initialize: '', finalize: '', libs: [], outputLabels: ['rel-work-order', 'rel-andon', 'notice'], x: 380, y: 1000, wires: [['wo'], ['andon', 'report-triggers'], ['to-notices']] });
  add({ id: 'catch-ui', type: 'catch', z: T1, name: 'command errors', scope: ['wo', 'andon', 'spares'], uncaught: false, x: 170, y: 1060, wires: [['error-notice']] });
  add({ id: 'error-notice', type: 'change', z: T1, name: 'error -> notice', rules: [{ t: 'set', p: 'topic', pt: 'msg', to: 'notice', tot: 'str' }, { t: 'set', p: 'payload', pt: 'msg', to: '{"level":"error","text":error.message}', tot: 'jsonata' }, { t: 'delete', p: 'error', pt: 'msg' }], action: '', property: '', from: '', to: '', reg: false, x: 380, y: 1060, wires: [['to-notices']] });
  add({ id: 'to-notices', type: 'link out', z: T1, name: 'notices', mode: 'link', links: ['notices-in'], x: 600, y: 1030, wires: [] });
  add({ id: 'to-dash-line', type: 'link out', z: T1, name: 'line view', mode: 'link', links: ['line-in'], x: 1500, y: 800, wires: [] });
  add({ id: 'to-dash-detail', type: 'link out', z: T1, name: 'detail view', mode: 'link', links: ['detail-in'], x: 1500, y: 840, wires: [] });
  c('c-ui', 380, 960, 'Commands from the dashboards', 'Buttons and forms send {action, payload}; bad input (no name, text in a number field, a malformed parts list) goes back as a visible notice, and errors of the nodes (an illegal transition, short stock) too.');

  floorView(flow, add, c, T1, STORE);
  if (variant === 'd2') {
    dashboard2(add, c, T2);
    stockWidgets(flow, add, c, T1);
  }
  else dashboard1(add, c, T2);
  // The rel-asset nodes in the line's order (the floor view orders the tiles as configured).
  const cfg = flow.filter((n) => n.type === 'rel-asset');
  const at = flow.indexOf(cfg[0]);
  const rest = flow.filter((n) => n.type !== 'rel-asset');
  rest.splice(at, 0, ...cfg.sort((x, y) => LINE_ORDER.indexOf(x.assetId) - LINE_ORDER.indexOf(y.assetId)));
  return rest;
}

fs.writeFileSync(path.join(ROOT, 'flows', 'demo-line.json'), JSON.stringify(demoLine(), null, 2) + '\n');
console.log('make-flows: wrote flows/demo-line.json');
fs.writeFileSync(path.join(ROOT, 'flows', 'dashboard-v1.json'), JSON.stringify(demoLine('v1'), null, 2) + '\n');
console.log('make-flows: wrote flows/dashboard-v1.json');

module.exports = { ASSETS, SCALAR, TIME_SCALE, INTERVAL_S, CONFIG_VERSION };
