/**
 * Plant events on MQTT: what the plant cares about, taken from the messages the suite's nodes
 * already send, as one documented ISA-95 topic tree (docs/plant-events.md):
 *
 *   <root>/<site>/<area>/<line>/<asset>/health              machine state changes     retained
 *   <root>/<site>/<area>/<line>/<asset>/work-order/<number> work-order transitions
 *   <root>/<site>/<area>/<line>/<asset>/oee                 OEE of a shift            retained
 *   <root>/<site>/<area>/<line>/andon/<station>             Andon calls, escalations  retained
 *   <root>/<site>/<area>/<line>/andon/line                  line stop / release       retained
 *   <root>/<site>/<area>/<line>/pull/<part or item>         pull signals (spares, Kanban)
 *
 * Payloads are JSON with a schema version `v` (1), the event `kind`, a per-publisher sequence
 * number `seq`, the publishing box, the event time `ts` (ms) and `at` (ISO 8601), the hierarchy,
 * and the event's own fields. Retained topics hold the last state a late subscriber needs. Pure:
 * no Node-RED, no MQTT client; the node hands the result to Node-RED's `mqtt out` (QoS 1).
 */

export const EVENT_SCHEMA_VERSION = 1;
export const EVENT_KINDS = ['health', 'work-order', 'oee', 'andon', 'line-stop', 'pull'] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

export interface Hierarchy {
  site: string;
  area: string;
  line: string;
}

export interface PlantEvent {
  kind: EventKind;
  /** Asset of the event; for Andon the station, for pull signals the part or item. */
  subject: string;
  /** The line when the message says it (work orders carry it); else looked up or the default. */
  line?: string;
  ts: number;
  /** What happened: the state reached, the transition, `raise` / `ack` / `resolve` / `escalate` ... */
  event: string;
  data: Record<string, unknown>;
  retain: boolean;
}

export interface MqttMessage {
  topic: string;
  payload: Record<string, unknown>;
  qos: 1;
  retain: boolean;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const own = (o: unknown, k: string): unknown => (isObj(o) && Object.prototype.hasOwnProperty.call(o, k) ? o[k] : undefined);
const text = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const numOrNull = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

const WO_TRANSITIONS = new Set(['assign', 'start', 'hold', 'complete', 'close', 'cancel']);
const ANDON_ACTIONS = new Set(['raise', 'ack', 'resolve']);

/** A time from a ts (ms) or an ISO string field, else `now`. */
function timeOf(...candidates: unknown[]): number | undefined {
  for (const c of candidates) {
    if (typeof c === 'number' && Number.isFinite(c)) return c;
    if (typeof c === 'string') {
      const t = Date.parse(c);
      if (Number.isFinite(t)) return t;
    }
  }
  return undefined;
}

/**
 * Which plant event a message of the suite's nodes is, or null when it is none (a list, a board
 * request, a detection that neither opened nor escalated an order). Needs `msg.action`,
 * `msg.event` and `msg.topic` as the nodes set them; see docs/plant-events.md for the outputs to wire.
 */
export function classify(msg: Obj, now: number): PlantEvent | null {
  const p = own(msg, 'payload');
  const action = text(own(msg, 'action'));
  const topic = text(own(msg, 'topic')) ?? '';
  if (!isObj(p)) return null;

  // rel-health, second output: a state change.
  const health = own(p, 'health');
  if (isObj(health) && text(own(p, 'from')) && text(own(p, 'to')) && text(own(p, 'asset'))) {
    return {
      kind: 'health',
      subject: own(p, 'asset') as string,
      ts: timeOf(own(p, 'ts')) ?? now,
      event: own(p, 'to') as string,
      retain: true,
      data: { from: own(p, 'from'), state: own(p, 'to'), score: numOrNull(own(health, 'score')), channel: own(p, 'channel') ?? null, isoZone: own(health, 'isoZone') ?? null, evidence: own(p, 'evidence') ?? null },
    };
  }

  // rel-work-order: the second output announces new and escalated orders (msg.event); the first
  // output answers every action, of which only the transitions are events.
  const number = text(own(p, 'number'));
  const status = text(own(p, 'status'));
  const woEvent = text(own(msg, 'event'));
  if (number && status && text(own(p, 'asset')) && ((woEvent && (woEvent === 'new' || woEvent === 'escalated')) || (action && WO_TRANSITIONS.has(action)))) {
    const event = woEvent ?? (action as string);
    return {
      kind: 'work-order',
      subject: own(p, 'asset') as string,
      line: text(own(p, 'line')),
      ts: timeOf(own(p, 'updatedAt'), own(p, 'createdAt')) ?? now,
      event,
      retain: false,
      data: {
        number,
        id: own(p, 'id'),
        status,
        mode: own(p, 'mode') ?? null,
        title: own(p, 'title') ?? null,
        priority: own(p, 'priority') ?? null,
        severity: own(p, 'severity') ?? null,
        assignee: own(p, 'assignee') ?? null,
        source: own(p, 'source') ?? null,
        detections: own(p, 'detections') ?? null,
      },
    };
  }

  // rel-oee: a report (the shift's figures).
  const oee = own(p, 'oee');
  if (action === 'report' && isObj(oee) && text(own(p, 'asset'))) {
    return {
      kind: 'oee',
      subject: own(p, 'asset') as string,
      ts: timeOf(own(oee, 'to'), own(p, 'ts')) ?? now,
      event: 'shift',
      retain: true,
      data: { shift: own(oee, 'shift') ?? null, availability: numOrNull(own(oee, 'availability')), performance: numOrNull(own(oee, 'performance')), quality: numOrNull(own(oee, 'quality')), oee: numOrNull(own(oee, 'oee')), losses: own(oee, 'losses') ?? null, from: own(oee, 'from') ?? null, to: own(oee, 'to') ?? null },
    };
  }

  // rel-andon: raise / ack / resolve on the first output (payload.call), escalations on the
  // second, line stop and release on the third.
  const call = own(p, 'call');
  if (action && ANDON_ACTIONS.has(action) && isObj(call) && text(own(call, 'station'))) {
    return andonEvent(call, action, now);
  }
  if (action === 'escalate' && text(own(p, 'station'))) return andonEvent(p, 'escalate', now);
  if (action === 'line-stop' || action === 'line-release') {
    if (!text(own(p, 'station'))) return null;
    return {
      kind: 'line-stop',
      subject: own(p, 'station') as string,
      ts: timeOf(own(p, 'at')) ?? now,
      event: action,
      retain: true,
      data: { stop: own(p, 'stop') === true, station: own(p, 'station'), callId: own(p, 'callId') ?? null, callKind: own(p, 'kind') ?? null, reason: own(p, 'reason') ?? null },
    };
  }

  // Pull signals: rel-spares (topic spares/pull/<part>) and rel-kanban's second output.
  if (topic.startsWith('spares/pull/') && text(own(p, 'part'))) {
    return { kind: 'pull', subject: own(p, 'part') as string, ts: timeOf(own(p, 'ts')) ?? now, event: 'spares', retain: false, data: { source: 'spares', ...pick(p, ['part', 'name', 'available', 'quantity', 'reorderPoint', 'safetyStock', 'leadMeanDays']) } };
  }
  if (action === 'pull' && topic.startsWith('kanban/') && text(own(p, 'item'))) {
    return { kind: 'pull', subject: own(p, 'item') as string, ts: timeOf(own(p, 'orderedAt')) ?? now, event: 'kanban', retain: false, data: { source: 'kanban', ...pick(p, ['orderId', 'item', 'containers', 'quantity', 'orderedAt', 'dueAt', 'cards', 'alpha']) } };
  }
  return null;
}

function pick(o: Obj, keys: string[]): Obj {
  const out: Obj = {};
  for (const k of keys) if (own(o, k) !== undefined) out[k] = own(o, k);
  return out;
}

function andonEvent(call: Obj, event: string, now: number): PlantEvent {
  return {
    kind: 'andon',
    subject: own(call, 'station') as string,
    ts: timeOf(own(call, 'escalatedAt'), own(call, 'resolvedAt'), own(call, 'ackedAt'), own(call, 'raisedAt')) ?? now,
    event,
    retain: true,
    // the call's kind (machine, quality, material, safety) as callKind: `kind` is the event's
    data: { ...pick(call, ['id', 'station', 'state', 'level', 'text', 'source', 'ageS', 'ackedBy', 'resolvedBy', 'dueAt', 'afterMin', 'responseS', 'resolveS']), callKind: own(call, 'kind') ?? null },
  };
}

/** A topic level: no `/`, `+`, `#` or NUL (they would split or widen the tree), never empty. */
export function level(s: string): string {
  const t = s.replace(/[/+#\u0000]/g, '_').trim();
  return t === '' ? '_' : t.slice(0, 128);
}

/** The MQTT message of an event, under `root` with the asset's place in the hierarchy. */
export function toMqtt(e: PlantEvent, h: Hierarchy, o: { root: string; box: string; seq: number }): MqttMessage {
  const base = [o.root, h.site, h.area, h.line].map(level);
  let path: string[];
  switch (e.kind) {
    case 'health':
      path = [...base, level(e.subject), 'health'];
      break;
    case 'work-order':
      path = [...base, level(e.subject), 'work-order', level(String(e.data.number))];
      break;
    case 'oee':
      path = [...base, level(e.subject), 'oee'];
      break;
    case 'andon':
      path = [...base, 'andon', level(e.subject)];
      break;
    case 'line-stop':
      path = [...base, 'andon', 'line'];
      break;
    case 'pull':
      path = [...base, 'pull', level(e.subject)];
      break;
  }
  return {
    topic: path.join('/'),
    qos: 1,
    retain: e.retain,
    payload: { v: EVENT_SCHEMA_VERSION, kind: e.kind, event: e.event, seq: o.seq, box: o.box, ts: e.ts, at: new Date(e.ts).toISOString(), site: h.site, area: h.area, line: h.line, subject: e.subject, ...e.data },
  };
}
