/**
 * Which events notify whom, and how often.
 *
 * Events are the messages the suite's nodes already send:
 * - rel-health, second output (a state change): `to` warning -> the `warning` roles (technician),
 *   `to` alarm -> the `alarm` roles (technician + planner); other states (normal, learning,
 *   stopped) notify nobody;
 * - rel-andon, second output (`msg.action` escalate): level n -> the roles of level n of the
 *   escalation chain (levels beyond the last use the last);
 * - rel-work-order, second output (`msg.event` new / escalated): only when work-order notices are
 *   on, for priorities up to `woMaxPriority` (1 = P1 only).
 *
 * Throttling: at most one notice per (subject, kind) within `minIntervalMs`, on event time; the
 * repeats held back in between are counted and reported in the next notice that goes out.
 * Pure: no Node-RED.
 */
import { InputError } from '../errors';
import { isObject, own } from '../validate';

export type NoticeKind = 'warning' | 'alarm' | 'andon' | 'work-order';

export interface NotifyEvent {
  kind: NoticeKind;
  /** The asset (health, work orders) or the Andon station. */
  subject: string;
  /** The line when the message says it (work orders carry it). */
  line?: string;
  ts: number;
  /** Throttle key part after the subject: the state, `andon L2`, `work-order new`. */
  key: string;
  // health
  from?: string;
  state?: string;
  health?: number | null;
  channel?: string;
  evidence?: string;
  isoZone?: string;
  // andon
  level?: number;
  callKind?: string;
  text?: string;
  callId?: number;
  ageS?: number;
  // work orders
  event?: string;
  number?: string;
  title?: string;
  priority?: number;
  mode?: string;
}

export type Classified = { event: NotifyEvent } | { ignored: string };

const HEALTH_STATES = ['learning', 'normal', 'warning', 'alarm', 'stopped'];
const MAX_FIELD = 2000;

const str = (v: unknown, max = MAX_FIELD): string | undefined => (typeof v === 'string' && v !== '' ? (v.length > max ? `${v.slice(0, max - 1)}…` : v) : undefined);
const fin = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
function timeOf(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v) && v >= 0) return v;
  if (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}/.test(v)) {
    const t = Date.parse(v);
    return Number.isFinite(t) ? t : undefined;
  }
  return undefined;
}

const WHAT = 'a state change of rel-health (output 2), an escalation of rel-andon (output 2) or a work order of rel-work-order (output 2)';

/**
 * What a message is: an event to notify about, something recognised that notifies nobody
 * (`ignored` says why), or an InputError naming the property that does not fit.
 */
export function classify(msg: Record<string, unknown>, now: number, o: { workOrders: boolean; woMaxPriority: number }): Classified {
  const p = own(msg, 'payload');
  if (!isObject(p)) throw new InputError('msg.payload', WHAT, p);
  const action = own(msg, 'action');
  const woEvent = own(msg, 'event');

  // rel-andon, second output
  if (action === 'escalate') {
    const station = str(own(p, 'station'), 200);
    if (!station) throw new InputError('msg.payload.station', 'the Andon station (a non-empty string)', own(p, 'station'));
    const level = own(p, 'level');
    if (typeof level !== 'number' || !Number.isInteger(level) || level < 1 || level > 100) throw new InputError('msg.payload.level', 'an escalation level 1-100', level);
    return {
      event: {
        kind: 'andon',
        subject: station,
        line: str(own(p, 'line'), 128),
        ts: timeOf(own(p, 'escalatedAt')) ?? timeOf(own(p, 'ts')) ?? now,
        key: `andon L${level}`,
        level,
        callKind: str(own(p, 'kind'), 50),
        text: str(own(p, 'text')),
        callId: fin(own(p, 'id')),
        ageS: fin(own(p, 'ageS')),
      },
    };
  }

  // rel-work-order, second output
  if (woEvent === 'new' || woEvent === 'escalated') {
    const number = str(own(p, 'number'), 50);
    if (!number) throw new InputError('msg.payload.number', 'the work order number (rel-work-order output 2)', own(p, 'number'));
    const asset = str(own(p, 'asset'), 200);
    if (!asset) throw new InputError('msg.payload.asset', 'the asset of the work order', own(p, 'asset'));
    const priority = own(p, 'priority');
    if (typeof priority !== 'number' || !Number.isInteger(priority) || priority < 1 || priority > 9) throw new InputError('msg.payload.priority', 'a priority 1-4', priority);
    if (!o.workOrders) return { ignored: 'work-order notices are off' };
    if (priority > o.woMaxPriority) return { ignored: `P${priority} (notices for P1${o.woMaxPriority > 1 ? `-P${o.woMaxPriority}` : ''})` };
    return {
      event: {
        kind: 'work-order',
        subject: asset,
        line: str(own(p, 'line'), 128),
        ts: timeOf(own(p, 'updatedAt')) ?? timeOf(own(p, 'createdAt')) ?? now,
        key: `work-order ${woEvent}`,
        event: woEvent,
        number,
        title: str(own(p, 'title'), 200),
        priority,
        mode: str(own(p, 'mode'), 100),
        evidence: str(own(p, 'evidence')),
        state: str(own(p, 'severity'), 20),
      },
    };
  }

  // rel-health, second output
  const to = own(p, 'to') ?? own(p, 'state');
  if (to !== undefined || own(p, 'health') !== undefined) {
    const asset = str(own(p, 'asset'), 200);
    if (!asset) throw new InputError('msg.payload.asset', 'the asset of the state change', own(p, 'asset'));
    if (typeof to !== 'string' || !HEALTH_STATES.includes(to)) throw new InputError('msg.payload.to', `a health state (${HEALTH_STATES.join(', ')})`, to);
    if (to !== 'warning' && to !== 'alarm') return { ignored: `${asset} ${to}` };
    const h = own(p, 'health');
    const score = isObject(h) ? own(h, 'score') : undefined;
    return {
      event: {
        kind: to,
        subject: asset,
        line: str(own(p, 'line'), 128),
        ts: timeOf(own(p, 'ts')) ?? now,
        key: to,
        from: str(own(p, 'from'), 20),
        state: to,
        health: fin(score) ?? null,
        channel: str(own(p, 'channel'), 100),
        evidence: str(own(p, 'evidence')),
        isoZone: isObject(h) ? str(own(h, 'isoZone'), 2) : undefined,
      },
    };
  }
  throw new InputError('msg.payload', WHAT, p);
}

// ---------------------------------------------------------------------------------------------
// Rules

export interface Rules {
  warning: string[];
  alarm: string[];
  /** Roles per Andon escalation level (index 0 = level 1); later levels use the last. */
  chain: string[][];
  /** Roles told about new / escalated work orders (when work-order notices are on). */
  workOrder: string[];
}

const ROLE = /^[A-Za-z][A-Za-z0-9_.-]{0,31}$/;

/** `technician, planner` or `technician+planner`. */
export function parseRoles(v: unknown, path: string): string[] {
  if (typeof v !== 'string' || v.length > 500) throw new InputError(path, 'roles like "technician, planner"', v);
  const roles = v.split(/[,;+\s]+/).map((x) => x.trim().toLowerCase()).filter(Boolean);
  for (const r of roles) if (!ROLE.test(r)) throw new InputError(path, 'roles of letters, digits, _ . -', r);
  if (!roles.length) throw new InputError(path, 'at least one role', v);
  return [...new Set(roles)];
}

/** `1=technician, 2=technician+planner, 3=technician+planner+manager` (levels 1..n in order). */
export function parseChain(v: unknown, path = 'chain'): string[][] {
  if (typeof v !== 'string' || v.length > 2000) throw new InputError(path, 'a chain like "1=technician, 2=technician+planner"', v);
  const items = v.split(/[,;\n]/).map((x) => x.trim()).filter(Boolean);
  if (!items.length || items.length > 20) throw new InputError(path, 'a chain of 1 to 20 levels like "1=technician, 2=technician+planner"', v);
  return items.map((it, i) => {
    const m = /^(\d{1,2})\s*=\s*(.+)$/.exec(it);
    if (!m || Number(m[1]) !== i + 1) throw new InputError(`${path}[${i}]`, `level ${i + 1}=roles (levels in order from 1)`, it);
    return parseRoles(m[2]!.replace(/\+/g, ' '), `${path}[${i}]`);
  });
}

export const DEFAULT_RULES = { warning: 'technician', alarm: 'technician, planner', chain: '1=technician, 2=technician+planner, 3=technician+planner+manager', workOrder: 'technician, planner' };

/** The roles an event goes to. */
export function rolesFor(rules: Rules, e: NotifyEvent): string[] {
  if (e.kind === 'warning') return rules.warning;
  if (e.kind === 'alarm') return rules.alarm;
  if (e.kind === 'work-order') return rules.workOrder;
  return rules.chain[Math.min(e.level ?? 1, rules.chain.length) - 1]!;
}

// ---------------------------------------------------------------------------------------------
// Throttle

export interface ThrottleDecision {
  send: boolean;
  /** When sending: repeats held back since the previous notice of this key. */
  suppressed: number;
  /** When sending after held repeats: time of the first one held. */
  heldSince?: number;
  /** When holding: how many are held for this key now. */
  held: number;
}

interface Slot {
  lastSent: number;
  held: number;
  heldSince?: number;
}

/**
 * At most one notice per key within `minMs` (on event time). Remembers at most `maxKeys` keys (the
 * least recently sent go first). `minMs` 0 sends everything.
 */
export class Throttle {
  private slots = new Map<string, Slot>();
  /** Repeats held back in total since the start. */
  heldTotal = 0;
  constructor(readonly minMs: number, readonly maxKeys = 10_000) {}

  check(key: string, ts: number): ThrottleDecision {
    const s = this.slots.get(key);
    if (s && ts - s.lastSent < this.minMs) {
      s.held++;
      s.heldSince ??= ts;
      this.heldTotal++;
      return { send: false, suppressed: 0, held: s.held };
    }
    const d: ThrottleDecision = { send: true, suppressed: s?.held ?? 0, heldSince: s?.heldSince, held: 0 };
    this.slots.delete(key);
    this.slots.set(key, { lastSent: ts, held: 0 });
    while (this.slots.size > this.maxKeys) this.slots.delete(this.slots.keys().next().value as string);
    return d;
  }

  get size(): number {
    return this.slots.size;
  }
}
