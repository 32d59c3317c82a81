/* eslint-disable no-undef */
// Function-node bodies of the demo line (flows/demo-line.json). Each export is a function whose
// BODY becomes a Node-RED function node's code (scripts/make-flows.js extracts it), so the code
// is written and linted as plain JavaScript here. Inside them `msg`, `node`, `flow`, `env` are the
// Node-RED function-node globals. The machines come from rel-view (the rel-asset nodes and the
// asset register): the line state keeps its list in flow context (`assets`) for the others.
// DEMO_TEXT (the demo data's names in en and de: spare parts, PM tasks, Kanban items) is
// prepended by scripts/make-flows.js.
'use strict';

/**
 * Line state: keeps the latest figures of the whole line in flow context and, on each tick,
 * sends the view models the dashboards render: output 1 the light line state (overview,
 * maintenance, Kanban, phone), output 2 the asset detail (trends and spectra, decimated here on
 * the server to at most MAX_POINTS points per series).
 */
exports.lineState = function () {
  const MAX_POINTS = 300; // per trend sent to a browser
  const KEEP = 1200; // raw trend points kept per asset
  const S = flow.get('lineState') || { assets: {}, wos: [], andon: [], oee: {}, takt: {}, kanban: {}, pulls: [], spares: [], pm: [], dirty: true, heavyDirty: true, notice: null };
  if (!S.kpi) S.kpi = {};
  if (!S.buffer) S.buffer = {};
  if (!S.list) S.list = [];
  const simTs = flow.get('simTs') || {};
  const p = msg.payload;
  // The plant's time zone (settings or the flow's env TZ): every time on the pages is shown in it.
  const TZ = env.get('TZ') || 'UTC';
  const own = (o, k) => (o && Object.prototype.hasOwnProperty.call(o, k) ? o[k] : undefined);
  // The demo data's names ({en, de}) of a part, PM task or Kanban item; null for any other key (a typed title "constructor" too).
  const demoNames = (table, key) => (Object.prototype.hasOwnProperty.call(table, key) ? table[key] : null);
  // The work request an order was made from: rel-request writes "WR-000001 from Olga: text" as its description.
  const requestOf = (d) => { const m = /^(WR-\d+) from ([^:]{1,64}):/.exec(String(d || '')); return m ? { number: m[1], by: m[2] } : null; };
  function asset(id) {
    if (!S.assets[id]) {
      const a = S.list.find((x) => x.id === id) || { id, name: id };
      S.assets[id] = { id, name: a.name, health: null, state: 'learning', learned: 0, isoZone: null, velocityRms: null, rul: null, rulReason: null, diagnosis: null, trend: [], spectrum: null, envelope: null, defects: [], isoLimits: null, temp: null, current: null, ts: null };
    }
    return S.assets[id];
  }
  function round(x, d) {
    if (typeof x !== 'number' || !Number.isFinite(x)) return null;
    const f = Math.pow(10, d);
    return Math.round(x * f) / f;
  }
  /** Evenly spaced subset of at most n points, always keeping the last one. */
  function decimate(arr, n) {
    if (arr.length <= n) return arr;
    const out = [];
    const step = arr.length / n;
    for (let i = 0; i < n - 1; i++) out.push(arr[Math.floor(i * step)]);
    out.push(arr[arr.length - 1]);
    return out;
  }

  /** Max-hold decimation of a spectrum to at most n points (peaks stay visible); df grows accordingly. */
  function maxHold(a, df, n) {
    if (a.length <= n) return { amplitudes: a, df };
    const k = Math.ceil(a.length / n);
    const out = [];
    for (let i = 0; i < a.length; i += k) {
      let m = -Infinity;
      for (let j = i; j < Math.min(a.length, i + k); j++) if (a[j] > m) m = a[j];
      out.push(m);
    }
    return { amplitudes: out, df: df * k };
  }

  if (msg.topic === 'tick') {
    const out = [null, null];
    // The line's clock for simulated machines (pull signals are due in line time): the latest machine time.
    const lineNow = Math.max(0, ...Object.values(simTs));
    const tiles = {};
    if (S.view) for (const g of S.view.groups) for (const t of g.tiles) tiles[t.id] = t;
    if (S.dirty) {
      // Every machine of the view (maintenance, phone and v1 pages name them); figures for those with data.
      const assets = S.list.map((a) => {
        const s = S.assets[a.id] || { id: a.id, name: a.name, health: null, state: 'nodata', learned: 0, isoZone: null, velocityRms: null, rul: null, rulReason: null, diagnosis: null, temp: null, current: null };
        const open = S.wos.filter((w) => w.asset === a.id && ['open', 'assigned', 'in-progress', 'on-hold'].includes(w.status));
        return { id: a.id, name: a.name, line: a.line, health: s.health, state: tiles[a.id] ? tiles[a.id].state : s.state, learned: s.learned, isoZone: s.isoZone, velocityRms: s.velocityRms, rulH: s.rul ? s.rul.hours : null, rulLow: s.rul ? s.rul.low : null, rulHigh: s.rul ? s.rul.high : null, rulReason: s.rulReason, primary: s.diagnosis ? s.diagnosis.primary : null, openWos: open.length, temp: s.temp, current: s.current, operating: s.operating || null, oee: S.oee[a.id] || null, takt: S.takt[a.id] || null, reading: s.ts ? { ts: s.ts, health: s.health, state: s.state } : null };
      });
      const kpi = S.list.filter((a) => S.kpi[a.id]).map((a) => Object.assign({ id: a.id, name: a.name }, S.kpi[a.id]));
      out[0] = { topic: 'line', payload: { assets, view: S.view || null, wos: S.wos, andon: S.andon, kanban: Object.values(S.kanban), pulls: S.pulls.slice(-20), spares: S.spares, pm: S.pm, kpi, buffer: Object.values(S.buffer), tz: TZ, lineNow: lineNow || null, updatedAt: new Date().toISOString() } };
      S.dirty = false;
    }
    if (S.heavyDirty) {
      // Machines with analysed frames, in the view's order (the asset detail page).
      const order = S.list.map((a) => a.id).filter((id) => S.assets[id] && S.assets[id].ts);
      const detail = {};
      for (const id of order) {
        const s = S.assets[id];
        const t = tiles[id];
        // the zone, the state and their sentences from one view (the tile), so a stop never shows the zone of the frame before
        detail[id] = { id: s.id, name: s.name, kind: s.kind || 'vibration', health: s.health, state: t ? t.state : s.state, operating: s.operating || null, isoZone: t ? t.isoZone : s.isoZone, velocityRms: s.velocityRms, repairing: S.wos.some((w) => w.asset === id && w.status === 'in-progress'), isoLimits: s.isoLimits, rul: s.rul, rulReason: s.rulReason, diagnosis: s.diagnosis, trend: decimate(s.trend, MAX_POINTS), spectrum: s.spectrum, envelope: s.envelope, defects: s.defects, ts: s.ts, text: t ? t.text : null, textFaults: t && t.detail ? t.detail.faults : null };
      }
      out[1] = { topic: 'detail', payload: { assets: detail, order, tz: TZ, updatedAt: new Date().toISOString() } };
      S.heavyDirty = false;
    }
    flow.set('lineState', S);
    return out;
  }

  if (msg.topic === 'line-view' && p && Array.isArray(p.groups)) {
    // rel-view: the machines (rel-assets and the register) as tiles by line, worded in en and de.
    S.view = p;
    S.list = [];
    for (const g of p.groups) for (const t of g.tiles) S.list.push({ id: t.id, name: t.name, line: t.line, bearing: t.bearing || '' });
    for (const a of S.list) if (S.assets[a.id]) S.assets[a.id].name = a.name;
    flow.set('assets', S.list);
    S.dirty = true;
    S.heavyDirty = true;
  } else if (p && typeof p === 'object' && !Array.isArray(p)) {
    const id = own(p, 'asset');
    if (typeof id === 'string' && typeof own(p, 'ts') === 'number' && own(p, 'source') === 'simulator') {
      simTs[id] = Math.max(simTs[id] || 0, p.ts);
      flow.set('simTs', simTs);
    }
    if (p.kpi && typeof p.kpi === 'object' && !Array.isArray(p.kpi) && p.kpi.scope === 'asset' && typeof p.kpi.asset === 'string') {
      // rel-kpi for one asset (window: the last 30 days of work orders); shares to 6 decimals, so one short repair in 30 days does not round to 100 %.
      const k = p.kpi;
      S.kpi[k.asset] = { failures: k.failures, mtbfH: round(k.mtbfH, 1), mttrH: round(k.mttrH, 2), availability: round(k.availability, 6), unplannedShare: round(k.unplannedShare, 6), operatingH: round(k.operatingH, 1), from: k.from, to: k.to };
      S.dirty = true;
    } else if (p.buffer && typeof p.buffer === 'object') {
      // rel-buffer advice (one item, or every item after a health or OEE event).
      for (const b of Array.isArray(p.buffer) ? p.buffer : [p.buffer]) {
        if (!b || typeof b.item !== 'string') continue;
        S.buffer[b.item] = { item: b.item, names: demoNames(DEMO_TEXT.items, b.item), wipDays: round(b.wipDays, 2), wipUnits: round(b.wipUnits, 1), safetyStock: round(b.safetyStock, 1), reorderPoint: round(b.reorderPoint, 1), demandPerDay: round(b.demandPerDay, 1), leadTimeDays: round(b.leadTimeDays, 3), days: b.days, deliveries: b.deliveries, reasons: (b.reasons || []).map(String).slice(0, 6), why: Array.isArray(b.why) ? b.why.slice(0, 12) : [] };
      }
      S.dirty = true;
    } else if (p.features && typeof id === 'string' && !p.kanban) {
      // One analysed frame: vibration features, diagnosis, health, RUL.
      const s = asset(id);
      const f = p.features;
      s.ts = p.ts;
      s.velocityRms = round(f.velocityRms, 2);
      s.isoZone = f.isoZone || null;
      s.isoLimits = f.isoLimits || null;
      if (p.health) {
        s.health = p.health.score === null || p.health.score === undefined ? null : round(p.health.score, 1);
        s.state = p.health.state;
        s.learned = round(p.health.learned, 2);
      }
      if (p.diagnosis) s.diagnosis = { primary: p.diagnosis.primary, faults: (p.diagnosis.faults || []).slice(0, 5).map((x) => ({ mode: x.mode, confidence: round(x.confidence, 2), severity: x.severity, evidence: String(x.evidence || '') })) };
      if (p.rul !== undefined) {
        s.rul = p.rul ? { hours: round(p.rul.hours, 1), low: round(p.rul.low, 1), high: round(p.rul.high, 1), level: p.rul.level, failureAt: p.rul.failureAt, model: p.rul.model } : null;
        s.rulReason = p.rul ? null : p.rulReason || (p.reason ? String(p.reason) : null);
      }
      if (f.spectrum && Array.isArray(f.spectrum.amplitudes)) s.spectrum = { df: f.spectrum.df, unit: f.spectrum.unit, amplitudes: f.spectrum.amplitudes.map((v) => round(v, 5)) };
      if (f.envelope && Array.isArray(f.envelope.amplitudes) && f.envelope.df > 0) {
        // The bearing defect lines and their first harmonics sit below ~600 Hz: send that part only.
        const maxHz = Math.max(300, Math.min(600, 3.5 * Math.max(0, ...((f.bearing && f.bearing.lines) || []).filter((l) => l.harmonic === 1).map((l) => l.expectedHz || 0))));
        const n = Math.min(f.envelope.amplitudes.length, Math.ceil(maxHz / f.envelope.df) + 1);
        const e = maxHold(f.envelope.amplitudes.slice(0, n), f.envelope.df, 500);
        s.envelope = { df: e.df, unit: f.envelope.unit, amplitudes: e.amplitudes.map((v) => round(v, 5)) };
      }
      if (f.bearing && Array.isArray(f.bearing.lines)) s.defects = f.bearing.lines.filter((l) => l.harmonic === 1 && ['BPFO', 'BPFI', 'BSF', 'FTF'].includes(String(l.defect).toUpperCase())).map((l) => ({ label: String(l.defect).toUpperCase(), hz: round(l.expectedHz, 2) }));
      s.trend.push([p.ts, s.health, s.rul ? s.rul.hours : null, s.rul ? s.rul.low : null, s.rul ? s.rul.high : null, s.velocityRms]);
      if (s.trend.length > KEEP) s.trend.splice(0, s.trend.length - KEEP);
      S.dirty = true;
      S.heavyDirty = true;
    } else if (p.health && typeof p.health === 'object' && typeof id === 'string' && Array.isArray(p.readings) && !p.kanban) {
      // A machine seen through PLC tags only (rel-health in machine mode): its health, the ISO zone
      // beside the velocity reading it was judged on (none while stopped), its temperature.
      const s = asset(id);
      const h = p.health;
      const num = (r) => (r && typeof r.value === 'number' && Number.isFinite(r.value) ? r.value : null);
      const stopped = h.state === 'stopped';
      s.kind = 'tags';
      s.ts = p.ts;
      // running, stopped, or starting (after a stop, before its first score): the tile says which
      s.operating = typeof h.operating === 'string' ? h.operating : null;
      s.health = h.score === null || h.score === undefined ? null : round(h.score, 1);
      s.state = h.state;
      s.learned = round(h.learned, 2);
      // the velocity rel-health judged the zone on (health.isoVelocity)
      s.velocityRms = stopped || typeof h.isoVelocity !== 'number' ? null : round(h.isoVelocity, 2);
      s.isoZone = s.velocityRms === null || s.operating === 'stopped' ? null : h.isoZone || null;
      // the zone limits of its class (rel-health's health.isoLimits): the velocity chart draws them
      if (h.isoLimits && typeof h.isoLimits.ab === 'number') s.isoLimits = { ab: h.isoLimits.ab, bc: h.isoLimits.bc, cd: h.isoLimits.cd };
      const temp = p.readings.find((r) => r && r.channel === 'motor-temp');
      if (temp && num(temp) !== null) s.temp = round(temp.value, 1);
      // its remaining life (rel-rul on the machine's health), or why there is none
      if (p.rul !== undefined) {
        s.rul = p.rul ? { hours: round(p.rul.hours, 1), low: round(p.rul.low, 1), high: round(p.rul.high, 1), level: p.rul.level, failureAt: p.rul.failureAt, model: p.rul.model } : null;
        s.rulReason = p.rul ? null : p.rulReason || (p.reason ? String(p.reason) : null);
      }
      s.trend.push([p.ts, s.health, s.rul ? s.rul.hours : null, s.rul ? s.rul.low : null, s.rul ? s.rul.high : null, s.velocityRms]);
      if (s.trend.length > KEEP) s.trend.splice(0, s.trend.length - KEEP);
      S.dirty = true;
      S.heavyDirty = true;
    } else if (typeof id === 'string' && (p.channel === 'motor-temp' || p.channel === 'motor-current')) {
      const s = asset(id);
      if (p.channel === 'motor-temp') s.temp = round(p.value, 1);
      else s.current = round(p.value, 2);
    } else if (p.oee && typeof p.oee === 'object') {
      const o = p.oee;
      const a = o.asset || id;
      // One basis for the line's gauges: the rolling window (24 h) of rel-oee's reports, even while
      // it has no figure yet (steadier than the current shift, which starts from zero). The answers
      // to state and count events carry the current shift only: they change nothing here.
      const r = o.rolling && typeof o.rolling === 'object' ? o.rolling : o;
      if (r !== o || !S.oee[a] || S.oee[a].window === 'shift') {
        S.oee[a] = { availability: round(r.availability, 3), performance: round(r.performance, 3), quality: round(r.quality, 3), oee: round(r.oee, 3), window: r === o ? 'shift' : `${o.rolling.hours} h`, state: o.state || null, shift: o.shift || null, shiftOee: round(o.oee, 3) };
        S.dirty = true;
      }
    } else if (p.takt && typeof p.takt === 'object') {
      const t = p.takt;
      const a = t.asset || id;
      S.takt[a] = { taktS: round(t.taktS, 1), cycleMedianS: round(t.cycleMedianS, 1), cycleP90S: round(t.cycleP90S, 1), overTakt: t.overTakt, creep: round(t.creep, 3) };
      S.dirty = true;
    } else if (Array.isArray(p.andon)) {
      S.andon = p.andon.map((c) => ({ id: c.id, station: c.station, kind: c.kind, text: String(c.text || ''), ageS: Math.round(c.ageS || 0), level: c.level || 0, state: c.state, ackedBy: c.ackedBy || null, lineStop: !!c.lineStop }));
      S.dirty = true;
    } else if (p.kanban && typeof p.kanban === 'object') {
      const k = p.kanban;
      S.kanban[k.item] = { item: k.item, names: demoNames(DEMO_TEXT.items, k.item), cards: k.cards, inQueue: k.inQueue, inTransit: k.inTransit, alpha: round(k.alpha, 2), reason: k.reason ? String(k.reason) : '', why: Array.isArray(k.why) ? k.why.slice(0, 12) : [], containerQty: typeof k.containerQty === 'number' ? k.containerQty : null, demandPerDay: round(k.demandPerDay, 1) };
      // Open pull signals: the item's last `inTransit` containers ordered.
      let open = typeof k.inTransit === 'number' ? k.inTransit : Infinity;
      const keep = [];
      for (let i = S.pulls.length - 1; i >= 0; i--) {
        const x = S.pulls[i];
        if (x.item !== k.item) keep.unshift(x);
        else if (open > 0) {
          keep.unshift(x);
          open -= x.containers || 1;
        }
      }
      S.pulls = keep;
      S.dirty = true;
    } else if (msg.topic === 'kanban/pull' || (own(p, 'item') && own(p, 'containers') && own(p, 'dueAt'))) {
      S.pulls.push({ item: p.item, names: demoNames(DEMO_TEXT.items, p.item), containers: p.containers, quantity: p.quantity, dueAt: p.dueAt });
      if (S.pulls.length > 50) S.pulls.splice(0, S.pulls.length - 50);
      S.dirty = true;
    }
  } else if (Array.isArray(p)) {
    if (msg.topic === 'wo-open' || msg.topic === 'wo-done') {
      // Two lists: every open order, and the newest 50 done ones waiting to be closed. The views get both, merged by id; on a transition between the
      // two answers the later update of an order wins.
      const wos = p.map((w) => ({ id: w.id, number: w.number, asset: w.asset, mode: w.mode, title: String(w.title || ''), names: demoNames(DEMO_TEXT.tasks, String(w.title || '')), priority: w.priority, status: w.status, assignee: w.assignee || null, source: w.source, detections: w.detections, evidence: w.evidence ? String(w.evidence) : '', createdAt: w.createdAt, updatedAt: w.updatedAt, request: requestOf(w.description) }));
      if (msg.topic === 'wo-open') S.wosOpen = wos;
      else S.wosDone = wos;
      const byId = new Map();
      for (const w of (S.wosOpen || []).concat(S.wosDone || [])) {
        const had = byId.get(w.id);
        if (!had || String(w.updatedAt) > String(had.updatedAt)) byId.set(w.id, w);
      }
      S.wos = [...byId.values()].sort((a, b) => a.id - b.id);
      S.dirty = true;
    } else if (msg.topic === 'spares-list' || (p.length && own(p[0], 'part') && own(p[0], 'reorderPoint') !== undefined)) {
      S.spares = p.map((x) => ({ part: x.part, name: String(x.name || ''), names: demoNames(DEMO_TEXT.parts, x.part), onHand: x.onHand, reserved: x.reserved, available: x.available, reorderPoint: round(x.reorderPoint, 1), belowReorderPoint: !!x.belowReorderPoint, orderQuantity: x.orderQuantity }));
      S.dirty = true;
    } else if (msg.topic === 'pm-list' || (p.length && own(p[0], 'task') && own(p[0], 'trigger'))) {
      S.pm = p.map((x) => ({ asset: x.asset, task: String(x.task || ''), names: demoNames(DEMO_TEXT.tasks, String(x.task || '')), trigger: x.trigger, every: x.every, unit: x.unit, nextDue: x.nextDue || null, lastDone: x.lastDone || null })).sort((a, b) => String(a.nextDue || '~').localeCompare(String(b.nextDue || '~')));
      S.dirty = true;
    }
  }
  flow.set('lineState', S);
  return null;
};

/**
 * Commands from the dashboards, checked before they reach the nodes. Bad input (empty fields,
 * text in number fields) goes back to the dashboards as a notice, never silently dropped.
 * Outputs: 1 rel-work-order, 2 rel-andon, 3 notices to the dashboards.
 */
exports.uiCommands = function () {
  const p = msg.payload && typeof msg.payload === 'object' ? msg.payload : {};
  // The sender: msg._client (Dashboard 2.0) or msg.socketid (node-red-dashboard 3.x). Every message
  // made from the command carries it, so its notice, and the error notice of the node that refuses
  // it (catch node, same msg), go to that client only.
  const from = {};
  if (msg._client !== undefined) from._client = msg._client;
  if (msg.socketid !== undefined) from.socketid = msg.socketid;
  // A notice in both languages (texts: the pages show the one of their screen; text: English, for
  // any other reader); code names what it is about (a page clears the 'name' notice once a name is typed).
  function notice(level, en, de, code) {
    return [null, null, Object.assign({ topic: 'notice', payload: { level, text: en, texts: { en, de: de || en }, code: code || '', ref: String(p.ref || ''), at: new Date().toISOString() } }, from)];
  }
  function text(v) {
    return typeof v === 'string' ? v.trim() : typeof v === 'number' ? String(v) : '';
  }
  function optNumber(v, name, min, max) {
    if (v === undefined || v === null || (typeof v === 'string' && v.trim() === '')) return { value: undefined };
    const n = typeof v === 'number' ? v : Number(String(v).trim().replace(',', '.'));
    if (!Number.isFinite(n) || n < min || n > max) return { error: [`${name.en}: enter a number from ${min} to ${max} (got "${String(v).slice(0, 40)}")`, `${name.de}: eine Zahl von ${min} bis ${max} eingeben (nicht „${String(v).slice(0, 40)}“)`] };
    return { value: n };
  }
  const action = msg.action;
  const by = text(p.by);
  const S = flow.get('lineState') || {};
  if (['assign', 'start', 'hold', 'complete', 'close', 'ack', 'resolve'].includes(action) && !by) return notice('error', 'Your name: type who you are in the name field above before you act on a work order or an Andon call.', 'Ihr Name: bitte oben eintragen, wer Sie sind, bevor Sie einen Auftrag oder einen Andon-Ruf bearbeiten.', 'name');
  if (by.length > 64) return notice('error', 'Your name: at most 64 characters.', 'Ihr Name: höchstens 64 Zeichen.', 'name');
  if (action === 'ack' || action === 'resolve') {
    const id = Number(p.id);
    if (!Number.isInteger(id) || id < 1) return notice('error', 'Pick an Andon call first.', 'Bitte zuerst einen Andon-Ruf wählen.');
    // the call named by its machine (its number is shown nowhere)
    const call = (S.andon || []).find((c) => c.id === id);
    const a = call ? (S.list || []).find((x) => x.id === call.station) : null;
    const at = call ? ' ' + (a ? a.name : call.station) : '';
    const en = `Andon call${at ? ' at' + at : ''} ${action === 'ack' ? 'acknowledged' : 'resolved'} (${by})`;
    const de = `Andon-Ruf${at ? ' an' + at : ''} ${action === 'ack' ? 'quittiert' : 'erledigt'} (${by})`;
    return [null, Object.assign({ action, payload: { id, by, note: text(p.note) || undefined } }, from), notice('ok', en, de)[2]];
  }
  const id = Number(p.id);
  if (!Number.isInteger(id) || id < 1) return notice('error', 'Pick a work order first.', 'Bitte zuerst einen Auftrag wählen.');
  const out = Object.assign({ action, payload: { id, by } }, from);
  const note = text(p.note);
  if (note) out.payload.note = note.slice(0, 2000);
  if (action === 'assign') {
    const assignee = text(p.assignee);
    if (!assignee) return notice('error', 'Assign: enter the technician\'s name.', 'Zuweisen: den Namen des Technikers eintragen.');
    if (assignee.length > 64) return notice('error', 'Assign: at most 64 characters for a name.', 'Zuweisen: höchstens 64 Zeichen für einen Namen.');
    out.payload.assignee = assignee;
  } else if (action === 'complete') {
    const r = optNumber(p.repairMin, { en: 'Repair time (min)', de: 'Reparaturzeit (min)' }, 0, 100000);
    if (r.error) return notice('error', r.error[0], r.error[1]);
    if (r.value !== undefined) out.payload.repairMin = r.value;
    const d = optNumber(p.downtimeMin, { en: 'Downtime (min)', de: 'Stillstand (min)' }, 0, 100000);
    if (d.error) return notice('error', d.error[0], d.error[1]);
    // A corrective order (not PM) counts as a failure for MTBF and availability: its downtime is
    // asked for (0 if the machine did not stop), never taken as 0 from an empty field.
    const wo = (S.wos || []).find((w) => w.id === id);
    if (wo && wo.source !== 'pm' && d.value === undefined) return notice('error', `${wo.number}: enter the downtime in minutes (0 if the machine did not stop): a corrective order counts as a failure for MTBF and availability.`, `${wo.number}: bitte den Stillstand in Minuten eintragen (0, wenn die Maschine nicht stand): ein Instandsetzungsauftrag zählt als Ausfall für MTBF und Verfügbarkeit.`, 'downtime');
    if (d.value !== undefined) out.payload.downtimeMin = d.value;
    if (typeof p.failure === 'boolean') out.payload.failure = p.failure;
    const partsText = text(p.parts);
    if (partsText) {
      const parts = [];
      for (const item of partsText.split(/[;,]/).map((x) => x.trim()).filter(Boolean)) {
        const m = /^([A-Za-z0-9][\w.-]{0,63})\s*(?:[:x*]\s*(\S+))?$/.exec(item);
        if (!m) return notice('error', `Parts used: write PART:QTY, e.g. SKF-6205-2RS:1 (could not read "${item.slice(0, 40)}")`, `Verbrauchte Teile: TEIL:MENGE schreiben, z. B. SKF-6205-2RS:1 („${item.slice(0, 40)}“ ist nicht lesbar)`);
        const q = m[2] === undefined ? 1 : Number(m[2]);
        if (!Number.isInteger(q) || q < 1 || q > 10000) return notice('error', `Parts used: the quantity of ${m[1]} must be a whole number from 1 (got "${m[2]}")`, `Verbrauchte Teile: die Menge von ${m[1]} muss eine ganze Zahl ab 1 sein (nicht „${m[2]}“)`);
        parts.push({ part: m[1], qty: q });
      }
      out.payload.parts = parts;
    }
  } else if (!['start', 'hold', 'close'].includes(action)) {
    return notice('error', `Unknown command "${String(action).slice(0, 20)}"`, `Unbekannter Befehl „${String(action).slice(0, 20)}“`);
  }
  return [out, null, null];
};

/**
 * Reactions to work-order transitions (output 1 of rel-work-order): starting a repair holds the
 * asset's simulated machine stopped (no parts: rel-oee reads the repair as lost availability from
 * the machine's own state events, with the order's number as the reason); putting it on hold,
 * completing or cancelling lets it run again; completing a condition order also repairs the
 * machine (reset). Completing resolves the machine's Andon calls; every transition refreshes the
 * dashboards' list. Outputs: 1 simulator control (hold, release, reset), 2 rel-andon (ack,
 * resolve), 3 refresh trigger, 4 notice to the dashboards.
 */
exports.afterWorkOrder = function () {
  const a = msg.action;
  const wo = msg.payload;
  if (!wo || typeof wo !== 'object' || Array.isArray(wo) || !['assign', 'start', 'hold', 'complete', 'close', 'cancel', 'create'].includes(a)) return null;
  const by = (wo.history && wo.history.length && wo.history[wo.history.length - 1].by) || '';
  // the notice in both languages, the status in words (the pages show the one of their screen)
  const STATUS = { en: { open: 'open', assigned: 'assigned', 'in-progress': 'in progress', 'on-hold': 'on hold', done: 'done, to close', closed: 'closed', cancelled: 'cancelled' }, de: { open: 'offen', assigned: 'zugewiesen', 'in-progress': 'in Arbeit', 'on-hold': 'angehalten', done: 'erledigt, abzuschließen', closed: 'abgeschlossen', cancelled: 'storniert' } };
  const texts = {};
  for (const l of ['en', 'de']) texts[l] = `${wo.number}: ${STATUS[l][wo.status] || wo.status}${by ? ' (' + by + ')' : ''}`;
  const out = [null, null, { topic: 'refresh' }, { topic: 'notice', payload: { level: 'ok', text: texts.en, texts, at: new Date().toISOString() } }];
  // Taking the order (assigning it to oneself) or starting it answers its Andon call, acknowledged
  // by that person: it stops escalating once someone works on it (a planner assigning it to
  // someone else answers nothing). The order's calls: at its machine, naming the order or no order.
  const line = flow.get('lineState');
  const taken = a === 'assign' && wo.status === 'assigned' && by && String(wo.assignee || '').toLowerCase() === by.toLowerCase();
  if (by && (taken || (a === 'start' && wo.status === 'in-progress'))) {
    const mine = (c) => c.station === wo.asset && c.state === 'open' && (String(c.text).includes(wo.number) || !/\bWO-\d+/.test(String(c.text)));
    const calls = line && Array.isArray(line.andon) ? line.andon.filter(mine) : [];
    // the person's session goes along (rel-work-order passes the message on), so rel-andon checks
    // their role for andon.ack when logins are on
    const who = msg._client !== undefined ? { _client: msg._client } : {};
    if (calls.length) out[1] = calls.map((c) => Object.assign({ action: 'ack', payload: { id: c.id, by } }, who));
  }
  // The machine stops for the repair and runs again after it: the simulator holds it (as a PLC
  // reports a machine that is switched off), and its own state events tell rel-oee, on its clock.
  // It runs again when no other order of the machine is still in progress.
  const sim = (payload) => ({ action: 'set', topic: wo.asset, payload: Object.assign({ asset: wo.asset }, payload) });
  const otherRepair = line && Array.isArray(line.wos) && line.wos.some((w) => w.asset === wo.asset && w.id !== wo.id && w.status === 'in-progress');
  const release = otherRepair ? [] : [sim({ running: true })];
  if (a === 'start') out[0] = sim({ running: false, reason: 'repair ' + wo.number });
  if ((a === 'hold' || a === 'cancel') && release.length) out[0] = release;
  if (a === 'complete') {
    out[0] = release;
    if (wo.source === 'condition') out[0] = out[0].concat([{ action: 'reset', topic: wo.asset, payload: { asset: wo.asset } }]);
    if (!out[0].length) out[0] = null;
    const calls = line && Array.isArray(line.andon) ? line.andon.filter((c) => c.station === wo.asset && c.state !== 'resolved') : [];
    if (calls.length) out[1] = calls.map((c) => ({ action: 'resolve', payload: { id: c.id, by: by || 'cmms', note: `${wo.number} completed` } }));
  }
  return out;
};

/**
 * rel-oee on one clock: every message to rel-oee passes here, in the order it is sent on. rel-oee
 * takes an asset's events in time order (a state or count earlier than its last event is refused),
 * as a PLC on its plant clock sends them. The machine's own events (the simulator's state and
 * count, also the stop and restart around a repair, on its plant clock) go on unchanged and set the
 * asset's latest event time; a report (msg.stamp 'latest') is made as of at least that time. Before
 * the machine's first event (just deployed) the report keeps its time.
 */
exports.oeeClock = function () {
  const p = msg.payload;
  if (!p || typeof p !== 'object' || Array.isArray(p) || typeof p.asset !== 'string' || typeof p.ts !== 'number') return msg;
  const last = flow.get('oeeTs') || {};
  const known = typeof last[p.asset] === 'number' ? last[p.asset] : null;
  const stamp = msg.stamp;
  delete msg.stamp;
  if (stamp === 'latest') {
    if (known !== null) p.ts = Math.max(p.ts, known);
  } else if (msg.action === 'state' || msg.action === 'count') {
    last[p.asset] = Math.max(known || 0, p.ts);
    flow.set('oeeTs', last);
  }
  return msg;
};

/**
 * Every few seconds and after every work-order transition: ask the nodes for their figures (OEE,
 * takt and buffer advice at the asset's simulated time, which lives in flow context).
 */
exports.reportTriggers = function () {
  const simTs = flow.get('simTs') || {};
  const oee = [];
  const takt = [];
  // The machines that run here (those with a simulated clock); the register may list many more.
  const running = Object.keys(simTs).sort();
  for (const id of running) {
    const ts = simTs[id];
    if (!ts) continue;
    oee.push({ action: 'report', stamp: 'latest', payload: { asset: id, ts } });
    takt.push({ action: 'report', payload: { asset: id, ts } });
  }
  // rel-kpi works on the work orders (real time); one report per running asset, so each has a row.
  // The report of all assets (payload without asset) feeds the stock KPI table of the Widgets page.
  // Also every machine with condition data (the capper press has PLC tags, no simulated clock here).
  const withData = Object.keys(((flow.get('lineState') || {}).assets) || {});
  // (at most 50 rows: a plant's register belongs on the plant page, not in this demo's table)
  const kpiIds = running.concat(withData.filter((id) => !running.includes(id))).sort().slice(0, 50);
  const kpi = kpiIds.map((id) => ({ topic: 'kpi', payload: { asset: id } })).concat([{ topic: 'kpi', payload: {} }]);
  // rel-buffer advises as of the filler's simulated day (its demand is counted in simulated days).
  const fillerTs = simTs['filler-1'];
  return [
    oee.length ? oee : null,
    takt.length ? takt : null,
    { action: 'board', payload: {} },
    // Work orders: the newest 50 done ones waiting to be closed, then every open one (a plain
    // limit on all orders would keep the oldest and hide new ones). The stock work-order table of
    // the Widgets page shows the last answer: the open orders.
    [{ action: 'list', topic: 'wo-done', payload: { status: 'done', limit: 50, newest: true, history: false } }, { action: 'list', topic: 'wo-open', payload: { open: true, limit: 10000, history: false } }],
    { action: 'list', topic: 'spares-list', payload: {} },
    { action: 'list', topic: 'pm-list', payload: {} },
    { action: 'status', payload: { item: 'caps-38mm' } },
    kpi,
    fillerTs ? { action: 'advise', payload: { item: 'caps-38mm', ts: fillerTs } } : null,
  ];
};

/**
 * The caps Kanban loop and its buffer advice, fed by the filler's good count (the "by action"
 * switch sends every count here; the other assets' are ignored): one container of caps per 250
 * good units is consumed, and the orders on the way are delivered by a simulated supplier when
 * the filler's simulated clock reaches their due time. Each delivery also tells rel-buffer its
 * observed lead time, each count its demand. Outputs: 1 rel-kanban (consume / deliver / status),
 * 2 rel-buffer (demand / delivery).
 *
 * The orders on the way live in one place: rel-kanban's stored state, which comes back here with
 * every answer of the loop (its output 1: `kanban.openOrders`). This function only remembers, in
 * memory, which orders it has sent a delivery for; an order that a later answer (of a message
 * sent after that delivery) still lists was not delivered (a failed write, a restart) and goes
 * again. After a restart the first count asks the loop for its status.
 */
exports.fillerKanban = function () {
  const p = msg.payload || {};
  const DAY = 86400000;
  const ITEM = 'caps-38mm';
  const k = p.kanban;
  if (k && typeof k === 'object' && !Array.isArray(k) && k.item === ITEM && Array.isArray(k.openOrders)) {
    // An answer of rel-kanban: its orders on the way, as stored. Answers to this function's own
    // messages carry their sequence number.
    const seq = typeof msg.fillerSeq === 'number' ? msg.fillerSeq : -1;
    const sent = context.get('sent') || {};
    const before = context.get('orders') || [];
    const open = {};
    for (const o of k.openOrders) open[o.orderId] = true;
    const buffer = [];
    // The delivery reaches rel-buffer at the filler's time (its last count; the loop's answers may
    // carry a later time from another asset's health change): rel-buffer takes events in order.
    const ts = context.get('bufferTs') || null;
    for (const id of Object.keys(sent)) {
      if (!open[id]) {
        // delivered: the loop no longer lists it
        const o = before.find((x) => x.orderId === id);
        const ordered = o ? Date.parse(o.orderedAt) : NaN;
        if (ts !== null && Number.isFinite(ordered) && ts > ordered) buffer.push({ action: 'delivery', payload: { item: ITEM, leadTimeDays: (ts - ordered) / DAY, ts } });
        delete sent[id];
      } else if (seq > sent[id]) delete sent[id]; // handled after the delivery and still on the way: send it again
    }
    context.set('sent', sent);
    context.set('orders', k.openOrders);
    return [null, buffer.length ? buffer : null];
  }
  if (msg.action !== 'count' || p.asset !== 'filler-1' || typeof p.good !== 'number' || typeof p.ts !== 'number') return null;
  const kanban = [];
  const buffer = [];
  let seq = context.get('seq') || 0;
  const orders = context.get('orders');
  const sent = context.get('sent') || {};
  if (!orders) kanban.push({ action: 'status', fillerSeq: ++seq, payload: { item: ITEM, ts: p.ts } });
  else {
    // The loop delivers first in, first out: the due orders in order, up to the first one not due.
    const due = [];
    for (const o of orders) {
      if (sent[o.orderId] !== undefined) continue;
      if (!(Date.parse(o.dueAt) <= p.ts)) break;
      due.push(o);
    }
    if (due.length) {
      kanban.push({ action: 'deliver', fillerSeq: ++seq, payload: { item: ITEM, containers: due.reduce((a, o) => a + o.containers, 0), ts: p.ts } });
      for (const o of due) sent[o.orderId] = seq;
      context.set('sent', sent);
    }
  }
  if (p.good > 0) {
    buffer.push({ action: 'demand', payload: { item: ITEM, qty: p.good, ts: p.ts } });
    context.set('bufferTs', Math.max(p.ts, context.get('bufferTs') || 0));
  }
  const carry = (context.get('caps') || 0) + p.good;
  const containers = Math.floor(carry / 250);
  context.set('caps', carry - containers * 250);
  if (containers > 0) kanban.push({ action: 'consume', fillerSeq: ++seq, payload: { item: ITEM, containers, ts: p.ts } });
  context.set('seq', seq);
  // The loop also hears health changes from the analysis chain (stamped with kanbanTs, the loop's
  // clock, once it has one): keep its events in time order.
  for (const m of kanban) {
    m.payload.ts = Math.max(m.payload.ts, flow.get('kanbanTs') || 0);
    flow.set('kanbanTs', m.payload.ts);
  }
  return [kanban.length ? kanban : null, buffer.length ? buffer : null];
};

/**
 * The capper press's production events (a PLC-tag machine: its part counter gives counts, no
 * cycle events): state and count to rel-oee (with the press's ideal cycle), and a cycle with the
 * mean cycle time of each poll (parts made since the previous count while running) to rel-takt.
 * Keeps the press's simulated clock in `simTs` so the report triggers ask for its OEE and takt.
 */
exports.pressEvents = function () {
  const IDEAL_S = 9.5; // 6 parts a minute at full speed is 10 s; ideal a little faster, as the filler's
  const p = msg.payload;
  if (!p || typeof p !== 'object' || typeof p.ts !== 'number' || typeof p.asset !== 'string') return null;
  const simTs = flow.get('simTs') || {};
  simTs[p.asset] = Math.max(simTs[p.asset] || 0, p.ts);
  flow.set('simTs', simTs);
  if (msg.action === 'state') {
    context.set('lastTs', p.state === 'running' ? p.ts : null);
    return [msg, null];
  }
  if (msg.action !== 'count' || !(p.total > 0)) return null;
  const last = context.get('lastTs');
  context.set('lastTs', p.ts);
  msg.payload = { ...p, idealCycleS: IDEAL_S };
  const cycle = typeof last === 'number' && p.ts > last ? { topic: `${p.asset}/cycle`, action: 'cycle', payload: { asset: p.asset, ts: p.ts, cycleTimeS: Math.round(((p.ts - last) / 1000 / p.total) * 100) / 100 } } : null;
  return [msg, cycle];
};
