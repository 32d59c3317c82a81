/**
 * Andon calls: raise, acknowledge, resolve; escalation levels by time unacknowledged (e.g. 2, 5
 * and 10 minutes), optional line stop, the board for dashboards, response-time statistics.
 * Pure functions over call records; the node persists them and drives the timers.
 */
import { InputError, StateError } from '../errors';
import { quantile, round, mean } from './stats';
import { andonHealthText, lineReasonText, type Lang } from '../text';

export const ANDON_KINDS = ['quality', 'machine', 'material', 'safety'] as const;
export type AndonKind = (typeof ANDON_KINDS)[number];
export type AndonState = 'open' | 'acked' | 'resolved';

export interface AndonCall {
  id: number;
  station: string;
  kind: AndonKind;
  text: string;
  source: string;
  state: AndonState;
  /** Escalation level reached (0 = none). */
  level: number;
  raisedAt: number;
  ackedAt: number | null;
  ackedBy: string | null;
  resolvedAt: number | null;
  resolvedBy: string | null;
  note: string | null;
  lineStop: boolean;
  escalations: { level: number; at: number }[];
}

export const MAX_LEVELS = 10;

/** "2, 5, 10" (minutes) -> [120000, 300000, 600000]; strictly increasing, > 0. */
export function parseLevels(text: unknown, path = 'levels'): number[] {
  const s = typeof text === 'number' ? String(text) : typeof text === 'string' ? text : '';
  if (s.length > 200) throw new InputError(path, 'at most 200 characters', text);
  const parts = s.split(/[,; ]+/).map((x) => x.trim()).filter(Boolean);
  if (parts.length === 0) return [];
  if (parts.length > MAX_LEVELS) throw new InputError(path, `at most ${MAX_LEVELS} levels`, text);
  const out: number[] = [];
  for (const p of parts) {
    const m = Number(p);
    if (!Number.isFinite(m) || m <= 0 || m > 7 * 24 * 60) throw new InputError(path, 'minutes > 0, comma separated (e.g. 2, 5, 10)', text);
    const ms = Math.round(m * 60000);
    if (out.length && ms <= out[out.length - 1]!) throw new InputError(path, 'increasing minutes (e.g. 2, 5, 10)', text);
    out.push(ms);
  }
  return out;
}

/** The level an unacknowledged call should be at: how many thresholds its age has reached. */
export function dueLevel(call: AndonCall, now: number, levelsMs: readonly number[]): number {
  if (call.state !== 'open') return call.level;
  const age = now - call.raisedAt;
  let l = 0;
  while (l < levelsMs.length && age >= levelsMs[l]!) l++;
  return Math.max(l, call.level);
}

/** When the next escalation of any open call is due, or undefined. */
export function nextDueAt(calls: Iterable<AndonCall>, levelsMs: readonly number[]): number | undefined {
  let best: number | undefined;
  for (const c of calls) {
    if (c.state !== 'open' || c.level >= levelsMs.length) continue;
    const at = c.raisedAt + levelsMs[c.level]!;
    if (best === undefined || at < best) best = at;
  }
  return best;
}

/** Raise the level of every open call that is due; one escalation per level reached, in order. */
export function escalate(calls: Iterable<AndonCall>, now: number, levelsMs: readonly number[]): { call: AndonCall; level: number; dueAt: number }[] {
  const out: { call: AndonCall; level: number; dueAt: number }[] = [];
  for (const c of calls) {
    const target = dueLevel(c, now, levelsMs);
    while (c.level < target) {
      c.level += 1;
      const dueAt = c.raisedAt + levelsMs[c.level - 1]!;
      c.escalations.push({ level: c.level, at: now });
      out.push({ call: c, level: c.level, dueAt });
    }
  }
  return out.sort((a, b) => a.dueAt - b.dueAt || a.call.id - b.call.id);
}

export function acknowledge(call: AndonCall, by: string, at: number): AndonCall {
  if (call.state !== 'open') throw new StateError(`andon call ${call.id} is ${call.state === 'acked' ? 'already acknowledged' : 'resolved'}`);
  if (at < call.raisedAt) throw new InputError('msg.payload.ts', `a time at or after the call was raised (${new Date(call.raisedAt).toISOString()})`, at, 'events out of order');
  return { ...call, state: 'acked', ackedAt: at, ackedBy: by };
}

export function resolve(call: AndonCall, by: string, at: number, note: string | null): AndonCall {
  if (call.state === 'resolved') throw new StateError(`andon call ${call.id} is already resolved`);
  const since = call.ackedAt ?? call.raisedAt;
  if (at < since) throw new InputError('msg.payload.ts', `a time at or after ${new Date(since).toISOString()}`, at, 'events out of order');
  // Resolving an unacknowledged call answers it too.
  return { ...call, state: 'resolved', ackedAt: call.ackedAt ?? at, ackedBy: call.ackedBy ?? by, resolvedAt: at, resolvedBy: by, note };
}

export function boardEntry(c: AndonCall, now: number) {
  return {
    id: c.id,
    station: c.station,
    kind: c.kind,
    text: c.text,
    source: c.source,
    state: c.state,
    level: c.level,
    ageS: Math.max(0, Math.round((now - c.raisedAt) / 1000)),
    raisedAt: new Date(c.raisedAt).toISOString(),
    ackedAt: c.ackedAt === null ? null : new Date(c.ackedAt).toISOString(),
    ackedBy: c.ackedBy,
    lineStop: c.lineStop,
  };
}

function summary(xsMs: number[]) {
  if (!xsMs.length) return { count: 0, meanS: null, medianS: null, p90S: null, maxS: null };
  const s = xsMs.map((x) => x / 1000);
  return { count: s.length, meanS: round(mean(s), 1), medianS: round(quantile(s, 0.5), 1), p90S: round(quantile(s, 0.9), 1), maxS: round(Math.max(...s), 1) };
}

/** Response times: raise -> acknowledge and raise -> resolve, overall and per kind. */
export function responseStats(calls: readonly AndonCall[]) {
  const ack = (cs: readonly AndonCall[]) => cs.filter((c) => c.ackedAt !== null).map((c) => c.ackedAt! - c.raisedAt);
  const res = (cs: readonly AndonCall[]) => cs.filter((c) => c.resolvedAt !== null).map((c) => c.resolvedAt! - c.raisedAt);
  const byKind: Record<string, { calls: number; ack: ReturnType<typeof summary>; resolve: ReturnType<typeof summary> }> = {};
  for (const k of ANDON_KINDS) {
    const cs = calls.filter((c) => c.kind === k);
    if (cs.length) byKind[k] = { calls: cs.length, ack: summary(ack(cs)), resolve: summary(res(cs)) };
  }
  return {
    calls: calls.length,
    open: calls.filter((c) => c.state !== 'resolved').length,
    escalated: calls.filter((c) => c.level > 0).length,
    ack: summary(ack(calls)),
    resolve: summary(res(calls)),
    byKind,
  };
}

/** What a board needs to decide: escalation times, line-stop kinds and level, the open-call cap. */
export interface AndonConfig {
  levels: readonly number[];
  stopKinds: readonly AndonKind[];
  /** Escalation level that stops the line (0 = none). */
  stopLevel: number;
  maxOpen: number;
  /** Language of the texts the board writes (a health call's text): en (default) or de. */
  lang?: Lang;
  /** A station's name (a known asset's), for those texts; undefined: its id. */
  nameOf?: (station: string) => string | undefined;
}

/** One event on the board; `none` only escalates (board, stats, tick, the timer). */
export type AndonEvent =
  | { type: 'raise'; station: string; kind: AndonKind; text: string; source: string; ts: number; key?: string }
  | { type: 'health'; station: string; score: number; state: string; ts: number }
  | { type: 'ack'; id: number; by: string; ts: number }
  | { type: 'resolve'; id: number; by: string; note: string | null; ts: number }
  | { type: 'none' };

/** A line stop or release, and why. */
export interface LineChange {
  stop: boolean;
  call: AndonCall;
  cause: { why: 'raised' } | { why: 'level'; level: number } | { why: 'resolved'; by: string };
}

export interface AndonStep {
  /** The open calls after the step, in id order (a new call last). */
  open: AndonCall[];
  /** The call the event is about, as it stands after the step. */
  call?: AndonCall;
  /** A call to insert: its id is NEW_CALL_ID until the store gives it one (set in place). */
  inserted?: AndonCall;
  /** Stored calls that changed (resolved ones included). */
  changed: AndonCall[];
  line: LineChange[];
  /** Escalations in order, each with the call's line stop as it was when that level was reached. */
  escalations: { call: AndonCall; level: number; dueAt: number; lineStop: boolean }[];
  note?: string;
}

/** The id a new call carries until it is stored (sorts after every stored one). */
export const NEW_CALL_ID = Number.MAX_SAFE_INTEGER;

/** Why the line stops or runs again, in words: "Machine call at Press 1: …", "Call 3 (machine call at Press 1) resolved by Maria". */
export function lineReason(l: LineChange, lang: Lang = 'en', name?: string): string {
  return lineReasonText(l.call, l.cause, lang, name);
}

/**
 * Decide one event on the open calls (pure: the given calls are not changed), then escalate every
 * call due at `escalateAt`. `stored` is the stored call of an ack/resolve id that is not open.
 */
export function decideAndon(openCalls: readonly AndonCall[], ev: AndonEvent, stored: AndonCall | undefined, cfg: AndonConfig, escalateAt: number): AndonStep {
  const work = new Map(openCalls.map((c) => [c.id, c] as const));
  /** Ids whose object in `work` is this step's own copy (free to change). */
  const owned = new Set<number>();
  const changed = new Set<number>();
  const removed = new Map<number, AndonCall>();
  const line: LineChange[] = [];
  let callId: number | undefined;
  let note: string | undefined;
  const stopping = () => [...work.values()].filter((c) => c.lineStop).length;
  const put = (c: AndonCall): AndonCall => {
    const own = owned.has(c.id) ? c : { ...c, escalations: [...c.escalations] };
    work.set(own.id, own);
    owned.add(own.id);
    changed.add(own.id);
    return own;
  };
  const raise = (station: string, kind: AndonKind, text: string, source: string, ts: number): number => {
    if (work.size >= cfg.maxOpen) throw new StateError(`andon: ${cfg.maxOpen} calls are open; resolve some first`);
    const c = put({
      id: NEW_CALL_ID, station, kind, text, source, state: 'open', level: 0, raisedAt: ts,
      ackedAt: null, ackedBy: null, resolvedAt: null, resolvedBy: null, note: null,
      lineStop: cfg.stopKinds.includes(kind), escalations: [],
    });
    if (c.lineStop && stopping() === 1) line.push({ stop: true, call: c, cause: { why: 'raised' } });
    return c.id;
  };

  switch (ev.type) {
    case 'raise':
      callId = raise(ev.station, ev.kind, ev.text, ev.source, ev.ts);
      break;
    case 'health': {
      const existing = [...work.values()].find((c) => c.station === ev.station && c.source === 'health');
      const text = andonHealthText({ station: ev.station, name: cfg.nameOf?.(ev.station), state: ev.state, score: ev.score }, cfg.lang ?? 'en');
      if (ev.state === 'warning' || ev.state === 'alarm') {
        if (existing) {
          callId = put({ ...existing, text }).id;
          note = `call ${existing.id} already open for ${ev.station}: updated`;
        } else callId = raise(ev.station, 'machine', text, 'health', ev.ts);
      } else note = `${ev.station} is ${ev.state}: no call raised${existing ? ` (call ${existing.id} stays open until resolved)` : ''}`;
      break;
    }
    case 'ack':
    case 'resolve': {
      const c = work.get(ev.id);
      if (!c) throw new StateError(stored ? `andon call ${ev.id} is already resolved` : `andon call ${ev.id} not found`);
      const next = ev.type === 'ack' ? acknowledge(c, ev.by, ev.ts) : resolve(c, ev.by, ev.ts, ev.note);
      const own = put(next);
      callId = own.id;
      if (own.state === 'resolved') {
        work.delete(own.id);
        removed.set(own.id, own);
        if (c.lineStop && stopping() === 0) line.push({ stop: false, call: own, cause: { why: 'resolved', by: ev.by } });
      }
      break;
    }
    case 'none':
      break;
  }

  // Escalate anything due (a replayed raise with a past ts, a tick, the timer).
  const wasStopped = stopping() > 0;
  const due = [...work.values()].filter((c) => dueLevel(c, escalateAt, cfg.levels) > c.level).map(put);
  const escalations: AndonStep['escalations'] = [];
  let stopped = false;
  for (const e of escalate(due, escalateAt, cfg.levels)) {
    if (cfg.stopLevel > 0 && e.level >= cfg.stopLevel && !e.call.lineStop) {
      e.call.lineStop = true;
      if (!wasStopped && !stopped) {
        stopped = true;
        line.push({ stop: true, call: e.call, cause: { why: 'level', level: e.level } });
      }
    }
    escalations.push({ ...e, lineStop: e.call.lineStop });
  }

  const final = (id: number) => work.get(id) ?? removed.get(id);
  return {
    open: [...work.values()],
    call: callId === undefined ? undefined : final(callId),
    inserted: work.get(NEW_CALL_ID),
    changed: [...changed].filter((id) => id !== NEW_CALL_ID).map((id) => final(id)!),
    line,
    escalations,
    note,
  };
}
