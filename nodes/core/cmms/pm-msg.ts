/**
 * rel-pm's messages without Node-RED: a plan from msg.payload (with its checklist), feature
 * values of a condition message, the dashboard rows of a list, and one action run on the
 * repository (`pmAction`): what to answer, which work orders it opened, what to report.
 */
import { InputError } from '../errors';
import { configChoice, configNum, configUnset } from '../node-config';
import { checklistFrom } from '../floor/checklist';
import { MAX_TEXT, num, object, oneOf, optNum, optStr, own, str, time } from '../validate';
import { CATCHUP, checkCron, TRIGGERS, weekdayToCron, type Catchup, type Plan, type PlanInput, type PmRepo, type TickContext } from './pm';
import type { WorkOrder } from './work-orders';

export const PM_ACTIONS = ['tick', 'plan', 'import', 'export', 'list', 'remove', 'meter', 'condition'] as const;
export type PmAction = (typeof PM_ACTIONS)[number];
const MAX_VALUES = 200;

const r2 = (v: number) => Math.round(v * 100) / 100;

/** rel-pm's form: how missed occurrences are caught up, the plans' time zone, seconds between checks. */
export interface PmSettings {
  catchup: Catchup;
  tz: string;
  tickMs: number;
}

/**
 * The form's settings, checked at deploy: an empty field takes its default (each, UTC, 60 s); a
 * wrong one is an error naming it (a misspelt time zone would fail every check of every cron plan).
 */
export function pmSettings(c: { catchup?: unknown; tz?: unknown; tickInterval?: unknown }): PmSettings {
  const catchup = configChoice(c.catchup, 'catchup', CATCHUP, 'each');
  let tz = 'UTC';
  if (!configUnset(c.tz)) {
    tz = typeof c.tz === 'string' ? c.tz.trim() : '';
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: tz });
    } catch {
      throw new InputError('tz', 'an IANA time zone such as Europe/Berlin, or UTC', c.tz);
    }
  }
  const sec = configNum(c.tickInterval, 'tickInterval', 60, { min: 1, max: 86400, expected: 'seconds between checks, from 1 to 86400' });
  return { catchup, tz, tickMs: sec * 1000 };
}

/**
 * When a plan is due next, as table text: the ISO time (calendar), the meter still to run
 * ("in 120 hours", meter) or the limit (condition: "when health below 60").
 */
export function dueText(p: Plan): string {
  if (p.trigger === 'calendar') return p.nextDue === null ? '' : new Date(p.nextDue).toISOString();
  if (p.trigger === 'meter') {
    const every = p.every ?? 0;
    return `in ${r2(Math.max(0, p.meterBase + every * (p.occurrences + 1) - p.meterTotal))} ${p.unit}`;
  }
  return `when ${p.unit} ${p.direction ?? 'below'} ${p.every ?? ''}`;
}

export function planFromPayload(p: Record<string, unknown>, now: number): PlanInput {
  const trigger = oneOf(own(p, 'trigger'), 'msg.payload.trigger', TRIGGERS);
  const unit = str(own(p, 'unit'), 'msg.payload.unit', { maxLength: 64 });
  const base = {
    asset: str(own(p, 'asset'), 'msg.payload.asset', { maxLength: 200 }),
    task: str(own(p, 'task'), 'msg.payload.task', { maxLength: 200 }),
    trigger,
    durationMin: optNum(own(p, 'durationMin'), 'msg.payload.durationMin', { min: 0, max: 1e6 }),
    catchup: own(p, 'catchup') === undefined ? undefined : oneOf(own(p, 'catchup'), 'msg.payload.catchup', CATCHUP),
    parts: undefined as { part: string; qty: number }[] | undefined,
    checklist: own(p, 'checklist') === undefined ? undefined : checklistFrom(own(p, 'checklist'), 'msg.payload.checklist'),
  };
  const parts = own(p, 'parts');
  if (parts !== undefined) {
    if (!Array.isArray(parts) || parts.length > 100) throw new InputError('msg.payload.parts', 'an array of at most 100 {part, qty}', parts);
    base.parts = parts.map((x, i) => ({ part: str(own(x, 'part'), `msg.payload.parts[${i}].part`, { maxLength: 200 }), qty: num(own(x, 'qty'), `msg.payload.parts[${i}].qty`, { gt: 0, max: 1e9 }) }));
  }
  const ld = own(p, 'lastDone');
  if (trigger === 'calendar') {
    const u = oneOf(unit, 'msg.payload.unit', ['days', 'weeks', 'cron', 'weekday'] as const);
    const lastDone = ld === undefined || ld === null ? now : time(ld, 'msg.payload.lastDone');
    if (u === 'cron') return { ...base, unit: 'cron', cron: checkCron(str(own(p, 'cron'), 'msg.payload.cron', { maxLength: 100 }), 'msg.payload.cron'), lastDone };
    if (u === 'weekday') {
      const at = str(own(p, 'at'), 'msg.payload.at', { maxLength: 30 });
      const cron = weekdayToCron(at);
      if (!cron) throw new InputError('msg.payload.at', 'a weekday and time such as "Mon 06:00"', at);
      return { ...base, unit: 'cron', cron, lastDone };
    }
    return { ...base, unit: u, every: num(own(p, 'every'), 'msg.payload.every', { gt: 0, max: 36500 }), lastDone };
  }
  if (trigger === 'meter') {
    const u = oneOf(unit, 'msg.payload.unit', ['hours', 'cycles'] as const);
    return { ...base, unit: u, every: num(own(p, 'every'), 'msg.payload.every', { gt: 0, max: 1e12 }), lastDone: optNum(ld, 'msg.payload.lastDone', { min: 0, max: 1e15 }) };
  }
  if (!/^[A-Za-z][\w.-]{0,63}$/.test(unit)) throw new InputError('msg.payload.unit', 'the feature a condition plan watches (health, velocityRms ...)', unit);
  const dir = own(p, 'direction');
  return { ...base, unit, every: num(own(p, 'every'), 'msg.payload.every', { min: -1e12, max: 1e12 }), direction: dir === undefined ? undefined : oneOf(dir, 'msg.payload.direction', ['below', 'above'] as const) };
}

/** Feature values in a rel-health / rel-vibration message, or {feature, value}. */
export function conditionValues(p: Record<string, unknown>): Record<string, number> {
  const out: Record<string, number> = Object.create(null);
  const health = own(p, 'health');
  if (health !== undefined) {
    const hs = own(object(health, 'msg.payload.health'), 'score');
    if (hs !== undefined && hs !== null) out.health = num(hs, 'msg.payload.health.score', { min: 0, max: 100 });
  }
  const features = own(p, 'features');
  if (features !== undefined) {
    const f = object(features, 'msg.payload.features');
    const keys = Object.keys(f);
    if (keys.length > MAX_VALUES) throw new InputError('msg.payload.features', `at most ${MAX_VALUES} features`, f);
    for (const k of keys) {
      const v = own(f, k);
      if (typeof v === 'number' && Number.isFinite(v)) out[k] = v;
    }
  }
  if (own(p, 'feature') !== undefined) out[str(own(p, 'feature'), 'msg.payload.feature', { maxLength: 64 })] = num(own(p, 'value'), 'msg.payload.value');
  if (!Object.keys(out).length) throw new InputError('msg.payload', 'a rel-health msg (health.score), features, or {feature, value}', p);
  return out;
}

/** One flat ui-table row per plan (the dashboard output of a list). */
export function planRows(plans: readonly Plan[]): Record<string, string | number | null>[] {
  return plans.map((p) => ({
    id: p.id,
    asset: p.asset,
    task: p.task,
    trigger: p.trigger,
    every: p.unit === 'cron' ? p.cron : p.every,
    unit: p.unit,
    due: dueText(p),
    occurrences: p.occurrences,
    durationMin: p.durationMin,
    parts: p.parts.map((x) => `${x.part}:${x.qty}`).join('; '),
  }));
}

export interface PmActionResult {
  /** What goes into msg.payload (for condition: the payload is kept and `pm` set). */
  payload?: unknown;
  pm?: { opened: WorkOrder[] };
  opened: WorkOrder[];
  /** list: the plans (the node may add its dashboard table). */
  plans?: Plan[];
  lateNote?: string;
}

/** Run one action on the repository: import (CSV text or {csv}, a report per row), export (CSV), or one of the plan actions. */
export async function pmAction(
  pm: PmRepo,
  ctx: TickContext,
  action: PmAction,
  p0: unknown,
  o: { now: () => number; eventTime: (p: unknown) => number; known: (id: string) => Promise<boolean>; catchup: Catchup; tz: string },
): Promise<PmActionResult> {
  // CSV in (the text, or {csv}) with a per-row report; CSV out
  if (action === 'import') {
    const { csv, path } = importText(p0);
    return { payload: await pm.importCsv(csv, o.known, o.now(), o.catchup, path), opened: [] };
  }
  if (action === 'export') return { payload: await pm.exportCsv(o.tz), opened: [] };
  const p = (action === 'tick' || action === 'list') && (p0 === undefined || p0 === null || p0 === '' || typeof p0 === 'number') ? {} : object(p0, 'msg.payload');
  const ts = o.eventTime(p);
  switch (action) {
    case 'tick': {
      const opened = await pm.tick(ts, ctx);
      return { payload: { ts, opened }, opened };
    }
    case 'plan': {
      const input = planFromPayload(p, ts);
      if (!(await o.known(input.asset))) throw new InputError('msg.payload.asset', 'a deployed rel-asset or one in the store asset register', input.asset);
      return { payload: (await pm.upsert(input, ts, o.catchup, undefined, o.tz)).plan, opened: [] };
    }
    case 'list': {
      const plans = await pm.list(optStr(own(p, 'asset'), 'msg.payload.asset', { maxLength: 200 }), o.tz);
      return { payload: plans, plans, opened: [] };
    }
    case 'remove':
      await pm.remove(num(own(p, 'id'), 'msg.payload.id', { min: 1, integer: true, max: Number.MAX_SAFE_INTEGER }));
      return { payload: { removed: own(p, 'id') }, opened: [] };
    case 'meter': {
      const asset = str(own(p, 'asset'), 'msg.payload.asset', { maxLength: 200 });
      const unit = oneOf(own(p, 'unit') ?? 'hours', 'msg.payload.unit', ['hours', 'cycles'] as const);
      const value = num(own(p, 'value'), 'msg.payload.value', { min: 0, max: 1e15 });
      const r = await pm.meterReading(asset, unit, value, ts, ctx);
      // A late or repeated reading is not an error: it is reported and changes nothing.
      return { payload: { ...p, ts, opened: r.opened, ignored: r.ignored }, opened: r.opened, lateNote: r.ignored.length ? `late ${unit} reading ignored` : undefined };
    }
    case 'condition': {
      const asset = str(own(p, 'asset'), 'msg.payload.asset', { maxLength: 200 });
      const opened = await pm.condition(asset, conditionValues(p), ts, ctx);
      return { pm: { opened }, opened };
    }
  }
}

/** The CSV of an import message: msg.payload as text, or msg.payload.csv; capped. */
export function importText(p0: unknown): { csv: string; path: string } {
  const csv = typeof p0 === 'string' ? p0 : own(p0, 'csv');
  if (typeof csv !== 'string') throw new InputError('msg.payload', 'CSV text (or {csv})', p0);
  if (csv.length > MAX_TEXT) throw new InputError('msg.payload', `CSV of at most ${MAX_TEXT} characters`, csv);
  return { csv, path: typeof p0 === 'string' ? 'msg.payload' : 'msg.payload.csv' };
}
