/**
 * Andon calls: raise, acknowledge, resolve; escalation levels by time unacknowledged (e.g. 2, 5
 * and 10 minutes), optional line stop, the board for dashboards, response-time statistics.
 * Pure functions over call records; the node persists them and drives the timers.
 */
import { InputError, StateError } from '../errors';
import { quantile, round, mean } from './stats';

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
