/**
 * What rel-andon does besides glue: its configuration, the event a message asks for, the messages
 * a step produces (escalations, line stop / release, the board) and the escalation timer (driven
 * by a clock, so a test or a replay controls time). No Node-RED here.
 */
import { InputError } from '../errors';
import { num, oneOf, optStr, own, str } from '../validate';
import { cfgNum, healthEvent, iso, listConfig } from './events';
import { ANDON_KINDS, boardEntry, lineReason, parseLevels, type AndonCall, type AndonEvent, type AndonKind, type AndonStep, type LineChange } from './andon';
import type { AndonBoard } from './andon-board';
import { configLanguage, escalationText, type Lang } from '../text';

export const ANDON_ACTIONS = ['raise', 'ack', 'resolve', 'board', 'stats', 'tick', 'health'] as const;
export type AndonAction = (typeof ANDON_ACTIONS)[number];
export const ANDON_MAX_OPEN = 10_000;
/** After a timer's escalation failed (the store unreachable), try again this much later. */
export const ANDON_RETRY_MS = 10_000;
const MAX_KEY = 200;

export interface AndonNodeConfig {
  levels: number[];
  stations: string[];
  stopKinds: AndonKind[];
  stopLevel: number;
  statsDays: number;
  dashboard: boolean;
  /** Language of the texts the node writes (health calls, line reasons, escalations). */
  lang: Lang;
}

/** How texts name things: the language and a station's name (a known asset's), else its id. */
export interface AndonTexts {
  lang: Lang;
  nameOf?: (station: string) => string | undefined;
}

/** The node form, checked (a bad field throws, naming it). */
export function andonConfig(c: { levels?: unknown; stations?: unknown; lineStopKinds?: unknown; lineStopLevel?: unknown; statsDays?: unknown; dashboard?: unknown; language?: unknown }): AndonNodeConfig {
  const levels = parseLevels(c.levels ?? '2, 5, 10', 'levels');
  return {
    levels,
    stations: listConfig(c.stations, 1000),
    stopKinds: listConfig(c.lineStopKinds).map((k, i) => oneOf(k, `lineStopKinds[${i}]`, ANDON_KINDS)),
    stopLevel: cfgNum(c.lineStopLevel, 'lineStopLevel', 0, { min: 0, max: levels.length, integer: true }),
    statsDays: cfgNum(c.statsDays, 'statsDays', 30, { gt: 0, max: 3660 }),
    dashboard: c.dashboard === true || c.dashboard === 'true',
    lang: configLanguage(c.language),
  };
}

/**
 * The event of a raise / health / ack / resolve message (`none` for the others). `by` gives the
 * actor of an ack or resolve (the logged-in user, else msg.payload.by). A raise may carry `key`,
 * an idempotency key (a work order's follow-up): a second raise with it changes nothing.
 */
export function andonEvent(action: AndonAction, payload: unknown, ts: number, stations: readonly string[], by: () => unknown): AndonEvent {
  const station = (v: unknown, path: string): string => {
    const s = str(v, path, { maxLength: 128 });
    if (stations.length && !stations.includes(s)) throw new InputError(path, `one of the configured stations (${stations.slice(0, 20).join(', ')})`, v);
    return s;
  };
  switch (action) {
    case 'raise': {
      const ev: AndonEvent = {
        type: 'raise',
        station: station(own(payload, 'station'), 'msg.payload.station'),
        kind: oneOf(own(payload, 'kind'), 'msg.payload.kind', ANDON_KINDS),
        text: optStr(own(payload, 'text'), 'msg.payload.text', { maxLength: 500 }) ?? '',
        source: optStr(own(payload, 'source'), 'msg.payload.source', { maxLength: 64 }) || 'button',
        ts,
      };
      const key = optStr(own(payload, 'key'), 'msg.payload.key', { maxLength: MAX_KEY });
      return key ? { ...ev, key } : ev;
    }
    case 'health': {
      const h = healthEvent(payload);
      return { type: 'health', station: station(h.asset, 'msg.payload.asset'), score: h.score, state: h.state, ts };
    }
    case 'ack':
    case 'resolve': {
      const id = num(own(payload, 'id'), 'msg.payload.id', { min: 1, integer: true });
      const who = str(by(), 'msg.payload.by', { maxLength: 128 });
      if (action === 'ack') return { type: 'ack', id, by: who, ts };
      return { type: 'resolve', id, by: who, ts, note: optStr(own(payload, 'note'), 'msg.payload.note', { maxLength: 2000 }) ?? null };
    }
    default:
      return { type: 'none' };
  }
}

export interface OutMsg {
  [key: string]: unknown;
  topic: string;
  action: string;
  payload: Record<string, unknown>;
}

export function lineMessage(l: LineChange, at: number, texts: AndonTexts = { lang: 'en' }): OutMsg {
  const c = l.call;
  return { topic: 'andon/line', action: l.stop ? 'line-stop' : 'line-release', payload: { stop: l.stop, station: c.station, callId: c.id, kind: c.kind, reason: lineReason(l, texts.lang, texts.nameOf?.(c.station)), at: iso(at) } };
}

/**
 * The escalation and line messages of a step; escalations as of `at`, line changes as of `now`.
 * An escalation says itself in `message` ("Machine call at Press 1 not acknowledged after 5 min:
 * escalation level 2. …").
 */
export function stepMessages(step: AndonStep, at: number, now: number, levels: readonly number[], texts: AndonTexts = { lang: 'en' }): [OutMsg[], OutMsg[]] {
  const esc = step.escalations.map((e) => {
    const afterMin = levels[e.level - 1]! / 60000;
    const message = escalationText({ kind: e.call.kind, station: e.call.station, name: texts.nameOf?.(e.call.station), level: e.level, afterMin, text: e.call.text }, texts.lang);
    return {
      topic: `andon/${e.call.station}`,
      action: 'escalate',
      payload: { ...boardEntry(e.call, at), lineStop: e.lineStop, level: e.level, dueAt: iso(e.dueAt), escalatedAt: iso(at), afterMin, message },
    };
  });
  return [esc, step.line.map((l) => lineMessage(l, now, texts))];
}

/** The open calls for a board: highest level first, then oldest. */
export function openBoard(calls: readonly AndonCall[], now: number) {
  return [...calls].sort((a, b) => b.level - a.level || a.raisedAt - b.raisedAt).map((c) => boardEntry(c, now));
}

/** msg.payload of a handled message: the incoming fields, the call (with its times once resolved), stats, note, the board. */
export function resultPayload(base: object, step: AndonStep, now: number, stats: unknown, andon: unknown): Record<string, unknown> {
  const call = step.call;
  const entry = !call
    ? undefined
    : call.state === 'resolved'
      ? { ...boardEntry(call, now), resolvedAt: iso(call.resolvedAt!), responseS: Math.round((call.ackedAt! - call.raisedAt) / 1000), resolveS: Math.round((call.resolvedAt! - call.raisedAt) / 1000) }
      : boardEntry(call, now);
  return { ...base, ...(entry ? { call: entry } : {}), ...(stats ? { stats } : {}), ...(step.note ? { note: step.note } : {}), andon };
}

/** Status of the board: [level, text]. */
export function boardStatus(board: AndonBoard): ['ok' | 'warn' | 'error', string] {
  const open = board.calls();
  const n = open.length;
  if (n === 0) return ['ok', 'no open calls'];
  const maxLevel = Math.max(0, ...open.map((c) => c.level));
  const text = `${n} open call${n === 1 ? '' : 's'}${maxLevel ? ` · L${maxLevel}` : ''}`;
  return board.stopping().length ? ['error', `LINE STOP · ${text}`] : ['warn', text];
}

export interface TimerClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/**
 * The escalation timer of a board: one timer for the next due escalation. Its job runs through
 * `detach` (the node's work queue); `emit` gets each step that escalated or changed the line.
 */
export class AndonEscalator {
  private timer: unknown;
  private closed = false;

  constructor(
    private readonly board: AndonBoard,
    private readonly clock: TimerClock,
    private readonly o: { emit: (step: AndonStep, at: number) => void; after: () => void; detach: (fn: () => Promise<void>) => void; retryMs?: number },
  ) {}

  /**
   * Escalate as of the time the timer fired, then as of each due time the clock passed while the
   * job waited its turn (a test's clock may jump past several), then wait for the next.
   */
  async escalateFrom(fired: number): Promise<void> {
    let at = fired;
    for (;;) {
      const step = await this.board.apply({ type: 'none' }, at);
      if (step.escalations.length || step.line.length) this.o.emit(step, at);
      this.o.after();
      const next = this.board.nextDueAt();
      if (this.closed || next === undefined || next <= at || next > this.clock.now()) break;
      at = next;
    }
    this.schedule();
  }

  /** After load: a level that fell due while the box was down fires once, now; else wait for the next. */
  async start(onError: (e: unknown) => void): Promise<void> {
    const due = this.board.nextDueAt();
    if (due === undefined || due > this.clock.now()) return this.schedule();
    try {
      await this.escalateFrom(this.clock.now());
    } catch (e) {
      onError(e);
      this.arm(this.o.retryMs ?? ANDON_RETRY_MS);
    }
  }

  /** Wait for the next due escalation (none: no timer). The clock caps long waits: then it re-checks. */
  schedule(): void {
    const due = this.board.nextDueAt();
    this.arm(due === undefined ? undefined : Math.max(0, due - this.clock.now()));
  }

  /** Set the one timer; a failed job (the store unreachable) is tried again retryMs later. */
  private arm(delay: number | undefined): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    if (this.closed || delay === undefined) return;
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      const fired = this.clock.now();
      this.o.detach(() =>
        this.escalateFrom(fired).catch((e) => {
          this.arm(this.o.retryMs ?? ANDON_RETRY_MS);
          throw e;
        }),
      );
    }, delay);
  }

  close(): void {
    this.closed = true;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }
}
