/**
 * The production-event vocabulary shared by the JIT nodes: `msg.action` names the event,
 * `msg.payload` carries its fields and an optional `ts` (ms or ISO); an unknown action is an
 * error. Messages from rel-health (payload.health) and rel-oee (payload.oee) are recognised
 * without an action so the nodes can be wired directly.
 */
import { InputError } from '../errors';
import { isObject, num, own, str, time } from '../validate';

export function eventAction<T extends string>(msg: unknown, allowed: readonly T[], implicit: { key: string; action: T }[] = []): T {
  const a = own(msg, 'action');
  if (a === undefined || a === null || a === '') {
    const p = own(msg, 'payload');
    for (const im of implicit) if (isObject(own(p, im.key))) return im.action;
  }
  if (typeof a === 'string' && (allowed as readonly string[]).includes(a)) return a as T;
  throw new InputError('msg.action', `one of ${allowed.join(', ')}`, a);
}

/** The event's time: payload.ts when present (time() keeps it before the year 10000), else now. */
export function eventTs(payload: unknown, now: number): number {
  const v = own(payload, 'ts');
  if (v === undefined || v === null) return now;
  return time(v, 'msg.payload.ts');
}

/** A health reading as rel-health emits it: payload.asset and payload.health {score, state}. */
export interface HealthEvent {
  asset: string;
  score: number;
  state: string;
}

export function healthEvent(payload: unknown, path = 'msg.payload'): HealthEvent {
  const asset = str(own(payload, 'asset'), `${path}.asset`, { maxLength: 128 });
  const h = own(payload, 'health');
  if (!isObject(h)) throw new InputError(`${path}.health`, 'the health object from rel-health ({score, state})', h);
  const score = num(own(h, 'score'), `${path}.health.score`, { min: 0, max: 100 });
  const st = own(h, 'state');
  const state = st === undefined ? (score < 70 ? 'warning' : 'normal') : str(st, `${path}.health.state`, { maxLength: 32 });
  return { asset, score, state };
}

/** Comma-separated list from a config field. */
export function listConfig(v: unknown, max = 200): string[] {
  if (typeof v !== 'string') return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string').slice(0, max) : [];
  return v.split(/[,;\n]/).map((s) => s.trim()).filter(Boolean).slice(0, max);
}

/** A config number with a default (NaN = required); throws a clear error for a bad value. */
export function cfgNum(v: unknown, name: string, dflt: number, o: { min?: number; max?: number; gt?: number; integer?: boolean } = {}): number {
  if (v === undefined || v === null || v === '') {
    if (Number.isNaN(dflt)) throw new InputError(name, 'a number (required setting)', v);
    return dflt;
  }
  return num(v, name, o);
}

export function iso(ts: number): string {
  return new Date(ts).toISOString();
}
