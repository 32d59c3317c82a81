/**
 * Preventive maintenance plans: calendar (every N days / weeks, or a weekday and time as a cron
 * expression), meter (run hours or cycles from a counter reading) and condition (health or a
 * feature crossing a limit) triggers. Due occurrences open work orders with source `pm`; each
 * occurrence has a sequence number and the (plan, occurrence) pair is unique in the work-order
 * table, and the plan's progress moves in the same transaction, so every occurrence opens
 * exactly once, across restarts and missed ticks (catch-up `each`: one work order per missed
 * occurrence; `one`: a single work order carrying the count), and when every box sharing one
 * PostgreSQL database runs the tick: the plan's progress is claimed with a compare-and-set
 * update (the box that loses re-reads and finds nothing due) and the orders are inserted with
 * ON CONFLICT (plan_id, occurrence) DO NOTHING.
 *
 * Each trigger is load -> decide (pure: calendarDecision, meterDecision, conditionDecision) ->
 * save. CSV import and export of a plant's PM spreadsheet. No Node-RED.
 */
import Papa from 'papaparse';
import { CronExpressionParser } from 'cron-parser';
import { InputError, StateError } from '../errors';
import { MAX_TEXT, parseDecimal } from '../validate';
import type { Query, Store } from '../store/types';
import type { AssetFacts, WorkOrder, WorkOrderRepo } from './work-orders';
import { ChecklistRepo, formatChecklist, parseChecklist, type Step } from '../floor/checklist';

export const TRIGGERS = ['calendar', 'meter', 'condition'] as const;
export type TriggerKind = (typeof TRIGGERS)[number];
export const CATCHUP = ['each', 'one'] as const;
export type Catchup = (typeof CATCHUP)[number];
export const DAY_MS = 86_400_000;
/** Most occurrences one plan opens in one tick (a plan every minute after a year offline). */
export const MAX_CATCHUP = 1000;
export const MAX_CSV_ROWS = 10_000;

export interface PlanInput {
  asset: string;
  task: string;
  trigger: TriggerKind;
  /** calendar: days or weeks between occurrences; meter: hours or cycles; condition: the limit. */
  every?: number;
  /** calendar: `days`, `weeks` or `cron`; meter: `hours` or `cycles`; condition: the feature (`health`, `velocityRms` ...). */
  unit: string;
  /** calendar with unit `cron`: a 5-field cron expression (weekday/time, e.g. `0 6 * * 1`). */
  cron?: string;
  /** condition: `below` or `above` (default below for health, above otherwise). */
  direction?: 'below' | 'above';
  /** calendar: when the task was last done (ms); meter: the counter reading then. */
  lastDone?: number;
  durationMin?: number;
  parts?: { part: string; qty: number }[];
  catchup?: Catchup;
  /** Checklist steps copied to every order the plan opens; undefined keeps the plan's steps. */
  checklist?: Step[];
}

export interface Plan {
  id: number;
  asset: string;
  task: string;
  trigger: TriggerKind;
  every: number | null;
  unit: string;
  cron: string | null;
  direction: 'below' | 'above' | null;
  anchor: number;
  lastDue: number;
  occurrences: number;
  meterTotal: number;
  meterBase: number;
  nextDue: number | null;
  durationMin: number;
  parts: { part: string; qty: number }[];
  catchup: Catchup;
  active: boolean;
  /** Steps copied to each order the plan opens (floor domain). */
  checklist: Step[];
}

export interface PlanRow {
  id: number;
  asset: string;
  task: string;
  trigger_kind: TriggerKind;
  every: number | null;
  unit: string;
  cron: string | null;
  feature: string | null;
  limit_value: number | null;
  direction: 'below' | 'above' | null;
  anchor: number;
  last_due: number;
  seq: number;
  meter_base: number;
  meter_total: number;
  meter_raw: number | null;
  meter_ts: number | null;
  cond_active: number;
  duration_min: number;
  parts: string;
  catchup: Catchup;
  active: number;
}

const WEEKDAYS: Record<string, number> = { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 };

/** "Mon 06:00" -> "0 6 * * 1"; undefined when it is not a weekday and time. */
export function weekdayToCron(text: string): string | undefined {
  const m = /^\s*(sun|mon|tue|wed|thu|fri|sat)[a-z]*\s+([01]?\d|2[0-3]):([0-5]\d)\s*$/i.exec(text);
  if (!m) return undefined;
  return `${Number(m[3])} ${Number(m[2])} * * ${WEEKDAYS[m[1].toLowerCase()]}`;
}

export function checkCron(expr: string, path: string): string {
  if (expr.trim().split(/\s+/).length !== 5) throw new InputError(path, 'a 5-field cron expression (minute hour day month weekday)', expr);
  try {
    CronExpressionParser.parse(expr, { tz: 'UTC' });
  } catch (e) {
    throw new InputError(path, 'a valid cron expression', expr, e instanceof Error ? e.message : undefined);
  }
  return expr.trim();
}

function stepMs(unit: string, every: number): number {
  return every * (unit === 'weeks' ? 7 * DAY_MS : DAY_MS);
}

/**
 * Calendar occurrences after `lastDue` up to and including `now`, oldest first (at most `max`).
 * Every N days/weeks: lastDue + k*step. Cron: the expression's fire times (in `tz`, default UTC).
 */
export function calendarOccurrences(p: { lastDue: number; every: number | null; unit: string; cron: string | null }, now: number, tz = 'UTC', max = MAX_CATCHUP): number[] {
  const out: number[] = [];
  if (p.unit === 'cron' && p.cron) {
    const it = CronExpressionParser.parse(p.cron, { currentDate: new Date(p.lastDue), tz });
    while (out.length < max) {
      const t = it.next().getTime();
      if (t > now) break;
      out.push(t);
    }
    return out;
  }
  const step = stepMs(p.unit, p.every ?? 0);
  if (!(step > 0)) return out;
  for (let t = p.lastDue + step; t <= now && out.length < max; t += step) out.push(t);
  return out;
}

function nextCalendar(p: PlanRow, tz: string): number | null {
  if (p.unit === 'cron' && p.cron) return CronExpressionParser.parse(p.cron, { currentDate: new Date(p.last_due), tz }).next().getTime();
  return p.last_due + stepMs(p.unit, p.every ?? 0);
}

export interface ImportRow {
  row: number;
  asset: string;
  task: string;
  result: 'created' | 'updated';
  plan: number;
}
export interface RejectRow {
  row: number;
  asset: string;
  task: string;
  reason: string;
}
export interface ImportReport {
  imported: ImportRow[];
  rejected: RejectRow[];
  rows: number;
}

export const CSV_COLUMNS = ['asset', 'task', 'trigger', 'interval', 'unit', 'last done', 'duration', 'parts', 'checklist'] as const;

function normHeader(h: string): string {
  return h.trim().toLowerCase().replace(/[\s_-]+/g, ' ').replace(/^lastdone$/, 'last done').replace(/ \(.*\)$/, '');
}

/** "BRG-6205:2; GREASE-EP2" -> [{part: 'BRG-6205', qty: 2}, {part: 'GREASE-EP2', qty: 1}] */
export function parseParts(text: string): { part: string; qty: number }[] {
  const out: { part: string; qty: number }[] = [];
  for (const item of text.split(/[;|]/)) {
    const s = item.trim();
    if (!s) continue;
    const m = /^(.+?)(?:\s*[:x*]\s*([^:x*]+))?$/.exec(s);
    const part = (m?.[1] ?? s).trim();
    const qtyText = m?.[2]?.trim();
    const qty = qtyText === undefined ? 1 : parseDecimal(qtyText);
    if (!part) throw new Error(`parts: empty part name in "${s}"`);
    if (!Number.isFinite(qty) || qty <= 0) throw new Error(`parts: quantity of ${part} must be a number > 0, got "${qtyText}"`);
    out.push({ part, qty });
  }
  return out;
}

/**
 * The export puts an apostrophe before a cell that a spreadsheet would run as a formula
 * (= + - @ tab CR first), and before one that starts with an apostrophe itself (a spreadsheet
 * hides a leading apostrophe); the import takes it off again, so export -> import is a no-op.
 */
export const FORMULA_START = /^[=+\-@\t\r']/;

export function unescapeFormula(v: string): string {
  return /^'[=+\-@\t\r']/.test(v) ? v.slice(1) : v;
}

function numberCell(v: string, name: string, o: { gt?: number; min?: number }): number {
  const t = v.trim();
  // Decimal notation only (a decimal comma is read as a point): "0x10" is not 16.
  const n = parseDecimal(t.replace(',', '.'));
  if (t === '' || !Number.isFinite(n)) throw new Error(`${name}: expected a number, got "${v}"`);
  if (o.gt !== undefined && !(n > o.gt)) throw new Error(`${name}: expected a number > ${o.gt}, got ${t}`);
  if (o.min !== undefined && n < o.min) throw new Error(`${name}: expected a number >= ${o.min}, got ${t}`);
  return n;
}

function dateCell(v: string): number {
  const t = v.trim();
  let m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(t);
  if (m) return Date.UTC(+m[1], +m[2] - 1, +m[3]);
  m = /^(\d{1,2})[./](\d{1,2})[./](\d{4})$/.exec(t); // 31.12.2024 or 31/12/2024 (day first)
  if (m && +m[2] >= 1 && +m[2] <= 12 && +m[1] >= 1 && +m[1] <= 31) return Date.UTC(+m[3], +m[2] - 1, +m[1]);
  // ISO 8601 with a time (2024-05-31T06:00:00Z); a bare number (seconds or ms since 1970) is refused.
  const p = /^\d{4}-\d{2}-\d{2}T/.test(t) ? Date.parse(t) : NaN;
  if (Number.isFinite(p)) return p;
  throw new Error(`last done: expected a date (2024-05-31, 31.05.2024 or 2024-05-31T06:00:00Z), got "${v}"`);
}

const UNIT_ALIASES: Record<string, string> = { day: 'days', d: 'days', days: 'days', week: 'weeks', w: 'weeks', wk: 'weeks', weeks: 'weeks', hour: 'hours', h: 'hours', hours: 'hours', 'run hours': 'hours', cycle: 'cycles', cycles: 'cycles', cron: 'cron', weekday: 'weekday' };

/** One spreadsheet row -> a plan, or an Error whose message says why not. */
export function rowToPlan(r: Record<string, string>, knownAsset: (id: string) => boolean, now: number): PlanInput {
  // An escaped cell is taken as it was exported (its leading tab or CR is part of the text);
  // any other cell is trimmed.
  const cell = (k: string) => {
    const raw = typeof r[k] === 'string' ? r[k] : '';
    const un = unescapeFormula(raw);
    return un !== raw ? un.replace(/\s+$/, '') : raw.trim();
  };
  const asset = cell('asset');
  const task = cell('task');
  if (!asset) throw new Error('asset: missing');
  if (!knownAsset(asset)) throw new Error(`asset: unknown asset "${asset}"`);
  if (!task) throw new Error('task: missing');
  if (task.length > 200) throw new Error('task: longer than 200 characters');
  const trig = (cell('trigger') || 'calendar').toLowerCase();
  if (!(TRIGGERS as readonly string[]).includes(trig)) throw new Error(`trigger: expected calendar, meter or condition, got "${cell('trigger')}"`);
  const trigger = trig as TriggerKind;
  const unitRaw = cell('unit');
  const durationText = cell('duration');
  const durationMin = durationText === '' ? 0 : numberCell(durationText, 'duration', { min: 0 });
  let parts: { part: string; qty: number }[];
  parts = parseParts(cell('parts'));
  // A sheet without the column keeps each plan's checklist; an empty cell clears it.
  const checklist = Object.prototype.hasOwnProperty.call(r, 'checklist') ? parseChecklist(cell('checklist')) : undefined;
  const base = { asset, task, trigger, durationMin, parts, ...(checklist ? { checklist } : {}) };
  if (trigger === 'calendar') {
    const unit = UNIT_ALIASES[unitRaw.toLowerCase()];
    if (unit !== 'days' && unit !== 'weeks' && unit !== 'cron' && unit !== 'weekday') throw new Error(`unit: a calendar plan needs days, weeks, weekday or cron, got "${unitRaw}"`);
    const lastDone = cell('last done') === '' ? now : dateCell(cell('last done'));
    if (unit === 'weekday') {
      const cron = weekdayToCron(cell('interval'));
      if (!cron) throw new Error(`interval: expected a weekday and time such as "Mon 06:00", got "${cell('interval')}"`);
      return { ...base, unit: 'cron', cron, lastDone };
    }
    if (unit === 'cron') {
      try {
        return { ...base, unit: 'cron', cron: checkCron(cell('interval'), 'interval'), lastDone };
      } catch (e) {
        throw new Error(e instanceof Error ? e.message : String(e));
      }
    }
    return { ...base, unit, every: numberCell(cell('interval'), 'interval', { gt: 0 }), lastDone };
  }
  if (trigger === 'meter') {
    const unit = UNIT_ALIASES[unitRaw.toLowerCase()];
    if (unit !== 'hours' && unit !== 'cycles') throw new Error(`unit: a meter plan needs hours or cycles, got "${unitRaw}"`);
    const lastDone = cell('last done') === '' ? undefined : numberCell(cell('last done'), 'last done (counter reading)', { min: 0 });
    return { ...base, unit, every: numberCell(cell('interval'), 'interval', { gt: 0 }), lastDone };
  }
  const feature = unitRaw;
  if (!/^[A-Za-z][\w.-]{0,63}$/.test(feature)) throw new Error(`unit: a condition plan names the feature (health, velocityRms ...), got "${unitRaw}"`);
  return { ...base, unit: feature, every: numberCell(cell('interval'), 'interval (limit)', {}), direction: feature === 'health' ? 'below' : 'above' };
}

/** What a counter reading did: the work orders it opened, the plans for which it was late or repeated. */
export interface MeterResult {
  opened: WorkOrder[];
  ignored: { plan: number; task: string; lastReading: number; lastTs: number; reason: string }[];
}

export interface TickContext {
  wo: WorkOrderRepo;
  /** The asset's facts (a deployed rel-asset); undefined: the store's asset register, else criticality 3. */
  facts?: (asset: string) => AssetFacts | undefined;
  tz?: string;
}

/** Occurrences to open: their due times, and the plan's progress to write. */
export interface Occurrences {
  dues: number[];
  why: string;
}

/** Calendar plan: the occurrences due by `now` (pure). */
export function calendarDecision(r: Pick<PlanRow, 'last_due' | 'every' | 'unit' | 'cron'>, now: number, tz = 'UTC'): Occurrences {
  const dues = calendarOccurrences({ lastDue: r.last_due, every: r.every, unit: r.unit, cron: r.cron }, now, tz);
  return { dues, why: dues.length ? `due ${new Date(dues[dues.length - 1]).toISOString()}` : '' };
}

export type MeterDecision =
  | { ignored: string }
  | { total: number; base: number; n: number; why: string };

/** Meter plan and one counter reading at event time `now` (pure; see PmRepo.meterReading). */
export function meterDecision(r: Pick<PlanRow, 'meter_total' | 'meter_base' | 'meter_raw' | 'meter_ts' | 'every' | 'seq'>, unit: string, reading: number, now: number): MeterDecision {
  if (r.meter_ts !== null && r.meter_raw !== null && (now < r.meter_ts || (now === r.meter_ts && reading <= r.meter_raw)))
    return { ignored: now < r.meter_ts ? 'older than the last reading' : 'same time as the last reading, not above it' };
  let total = r.meter_total;
  let base = r.meter_base;
  if (r.meter_raw === null) {
    total = reading;
    base = reading;
  } else total += reading >= r.meter_raw ? reading - r.meter_raw : reading;
  const every = r.every ?? 0;
  const k = every > 0 ? Math.floor((total - base) / every + 1e-9) : 0;
  const n = Math.min(Math.max(0, k - r.seq), MAX_CATCHUP);
  return { total, base, n, why: `${unit} ${Math.round((total - base) * 100) / 100} since last done (every ${every})` };
}

/** Condition plan and feature values: open (a new crossing), reset (back inside), or nothing (pure). */
export function conditionDecision(r: Pick<PlanRow, 'feature' | 'limit_value' | 'direction' | 'cond_active'>, values: Record<string, number>): { open: string } | 'reset' | null {
  const f = r.feature ?? '';
  if (!Object.prototype.hasOwnProperty.call(values, f)) return null;
  const v = values[f];
  const limit = r.limit_value ?? 0;
  const crossed = r.direction === 'below' ? v < limit : v > limit;
  if (crossed && !r.cond_active) return { open: `${f} ${v} ${r.direction} ${limit}` };
  if (!crossed && r.cond_active) return 'reset';
  return null;
}

/** A plan's progress changed under a box more often than this in one call: give up (it is being ticked elsewhere). */
const MAX_CLAIM_TRIES = 5;

/** Integer columns as numbers (PostgreSQL BIGINT may arrive as text). */
function norm(r: PlanRow): PlanRow {
  r.id = Number(r.id);
  r.anchor = Number(r.anchor);
  r.last_due = Number(r.last_due);
  r.seq = Number(r.seq);
  r.cond_active = Number(r.cond_active);
  r.active = Number(r.active);
  r.meter_ts = r.meter_ts === null ? null : Number(r.meter_ts);
  return r;
}

export class PmRepo {
  readonly checklists = new ChecklistRepo();
  constructor(readonly store: Store) {}

  /** The plan with its checklist read through q. */
  private async withSteps(q: Query, p: Plan): Promise<Plan> {
    p.checklist = await this.checklists.planSteps(q, p.id);
    return p;
  }

  private toPlan(r: PlanRow, tz = 'UTC'): Plan {
    let nextDue: number | null = null;
    if (r.trigger_kind === 'calendar') nextDue = nextCalendar(r, tz);
    return {
      id: r.id,
      asset: r.asset,
      task: r.task,
      trigger: r.trigger_kind,
      every: r.trigger_kind === 'condition' ? r.limit_value : r.every,
      unit: r.trigger_kind === 'condition' ? (r.feature ?? '') : r.unit,
      cron: r.cron,
      direction: r.direction,
      anchor: r.anchor,
      lastDue: r.last_due,
      occurrences: r.seq,
      meterTotal: r.meter_total,
      meterBase: r.meter_base,
      nextDue,
      durationMin: r.duration_min,
      parts: JSON.parse(r.parts),
      catchup: r.catchup,
      active: r.active === 1,
      checklist: [],
    };
  }

  private async row(q: Query, id: number): Promise<PlanRow | undefined> {
    const r = await q.one<PlanRow>('SELECT * FROM cmms_pm_plans WHERE id = ?', [id]);
    return r ? norm(r) : undefined;
  }

  /** Create a plan or update the one with the same (asset, task); its progress is kept. */
  /** Add a plan or update the one of the same (asset, task); the answer's next due in `tz`. */
  async upsert(p: PlanInput, ts: number, defaultCatchup: Catchup = 'each', q?: Query, tz = 'UTC'): Promise<{ plan: Plan; created: boolean }> {
    const run = async (t: Query) => {
      const isCond = p.trigger === 'condition';
      const feature = isCond ? p.unit : null;
      const limit = isCond ? (p.every ?? null) : null;
      const direction = isCond ? (p.direction ?? (p.unit === 'health' ? 'below' : 'above')) : null;
      const every = isCond ? null : (p.every ?? null);
      const unit = isCond ? 'condition' : p.unit;
      const cron = p.unit === 'cron' ? (p.cron ?? null) : null;
      const catchup = p.catchup ?? defaultCatchup;
      const parts = JSON.stringify(p.parts ?? []);
      const anchor = p.trigger === 'calendar' ? (p.lastDone ?? ts) : ts;
      const meter = p.trigger === 'meter' ? (p.lastDone ?? null) : null;
      // A new plan, or the same (asset, task) updated in place by the unique index: its progress
      // (last_due, seq, meter) stays, duration only when given.
      const id = await t.insert(
        `INSERT INTO cmms_pm_plans (asset, task, trigger_kind, every, unit, cron, feature, limit_value, direction, anchor, last_due, seq,
           meter_base, meter_total, meter_raw, duration_min, parts, catchup, active, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?, 1, ?, ?)
         ON CONFLICT (asset, task) DO NOTHING`,
        [p.asset, p.task, p.trigger, every, unit, cron, feature, limit, direction, anchor, anchor, meter ?? 0, meter ?? 0, meter, p.durationMin ?? 0, parts, catchup, ts, ts],
      );
      if (id !== undefined) {
        if (p.checklist !== undefined) await this.checklists.setPlanSteps(t, Number(id), p.checklist);
        return { plan: await this.withSteps(t, this.toPlan((await this.row(t, Number(id)))!, tz)), created: true };
      }
      const old = await t.one<{ id: number; duration_min: number }>('SELECT id, duration_min FROM cmms_pm_plans WHERE asset = ? AND task = ?', [p.asset, p.task]);
      if (!old) throw new StateError(`PM plan ${p.asset} / ${p.task} not found`);
      await t.run(
        `UPDATE cmms_pm_plans SET trigger_kind = ?, every = ?, unit = ?, cron = ?, feature = ?, limit_value = ?, direction = ?, duration_min = ?, parts = ?, catchup = ?, active = 1, updated_at = ? WHERE id = ?`,
        [p.trigger, every, unit, cron, feature, limit, direction, p.durationMin ?? old.duration_min, parts, catchup, ts, old.id],
      );
      if (p.checklist !== undefined) await this.checklists.setPlanSteps(t, Number(old.id), p.checklist);
      return { plan: await this.withSteps(t, this.toPlan((await this.row(t, Number(old.id)))!, tz)), created: false };
    };
    return q ? run(q) : this.store.tx(run);
  }

  async get(id: number, tz = 'UTC', q: Query = this.store): Promise<Plan> {
    const r = await this.row(q, id);
    if (!r) throw new StateError(`PM plan ${id} not found`);
    return this.withSteps(q, this.toPlan(r, tz));
  }

  async list(asset?: string, tz = 'UTC', q: Query = this.store): Promise<Plan[]> {
    const rows =
      asset === undefined
        ? await q.all<PlanRow>('SELECT * FROM cmms_pm_plans WHERE active = 1 ORDER BY asset, task')
        : await q.all<PlanRow>('SELECT * FROM cmms_pm_plans WHERE active = 1 AND asset = ? ORDER BY task', [asset]);
    const steps = await this.checklists.allPlanSteps(q);
    return rows.map((r) => {
      const p = this.toPlan(norm(r), tz);
      p.checklist = steps.get(p.id) ?? [];
      return p;
    });
  }

  /** Active plans (for status). */
  async countActive(q: Query = this.store): Promise<number> {
    return Number((await q.one<{ n: number }>('SELECT COUNT(*) AS n FROM cmms_pm_plans WHERE active = 1'))?.n ?? 0);
  }

  /** Deactivate a plan (its work orders stay). */
  async remove(id: number, q: Query = this.store): Promise<void> {
    const r = await q.run('UPDATE cmms_pm_plans SET active = 0 WHERE id = ?', [id]);
    if (!r.changes) throw new StateError(`PM plan ${id} not found`);
  }

  /** Whether the store's asset register holds the asset. */
  async inRegister(asset: string, q: Query = this.store): Promise<boolean> {
    return !!(await q.one('SELECT asset_id FROM assets WHERE asset_id = ?', [asset]));
  }

  /** An asset's line and criticality from the store's asset register (criticality 3 when it is not there). */
  async registerFacts(asset: string, q: Query = this.store): Promise<AssetFacts> {
    const r = await q.one<{ line: string; criticality: number }>('SELECT line, criticality FROM assets WHERE asset_id = ?', [asset]);
    return { asset, line: r?.line ?? '', criticality: r ? Number(r.criticality) : 3 };
  }

  /**
   * Open work orders for new occurrences of a plan (the due times given), in the caller's
   * transaction; an occurrence that already has its order (opened by another box) is skipped.
   */
  private async open(q: Query, r: PlanRow, dues: number[], ctx: TickContext, ts: number, why: string): Promise<WorkOrder[]> {
    const out: WorkOrder[] = [];
    const facts = ctx.facts?.(r.asset) ?? (await this.registerFacts(r.asset, q));
    const mk = async (occurrence: number, due: number, missed: number) => {
      const w = await ctx.wo.createPmOccurrence(
        {
          ...facts,
          title: r.task,
          description: missed ? `${why}; ${missed + 1} occurrences due (catch-up)` : why,
          source: 'pm',
          severity: 'watch',
          by: 'pm',
          ts,
          planId: r.id,
          occurrence,
          missed,
          dueAt: due,
          parts: JSON.parse(r.parts),
        },
        q,
      );
      if (w) {
        // The plan's checklist goes with the order, in the same transaction.
        if (await this.checklists.copyToOrder(q, r.id, w.id)) (w as WorkOrder & { checklist?: unknown }).checklist = await this.checklists.orderSteps(q, w.id);
        out.push(w);
      }
    };
    if (r.catchup === 'one' && dues.length > 1) await mk(r.seq + dues.length, dues[dues.length - 1], dues.length - 1);
    else for (const [i, d] of dues.entries()) await mk(r.seq + i + 1, d, 0);
    return out;
  }

  /** Run `fn` in the caller's transaction, or in a new one whose work-order history is published after the commit. */
  private async within<T>(q: Query | undefined, ctx: TickContext, fn: (q: Query) => Promise<T>): Promise<T> {
    if (q) return fn(q);
    let handle: Query | undefined;
    const out = await this.store.tx(async (t) => {
      handle = t;
      return fn(t);
    });
    if (handle) ctx.wo.committed(handle);
    return out;
  }

  /** Calendar plans: open every occurrence due by `now` (catch-up after downtime). One transaction per plan. */
  async tick(now: number, ctx: TickContext): Promise<WorkOrder[]> {
    const out: WorkOrder[] = [];
    const plans = await this.store.all<{ id: number }>("SELECT id FROM cmms_pm_plans WHERE active = 1 AND trigger_kind = 'calendar' ORDER BY id");
    for (const { id } of plans) {
      const opened = await this.within(undefined, ctx, async (q) => {
        for (let attempt = 1; attempt <= MAX_CLAIM_TRIES; attempt++) {
          const r = await this.row(q, Number(id));
          if (!r || r.active !== 1) return [];
          const d = calendarDecision(r, now, ctx.tz ?? 'UTC');
          if (!d.dues.length) return [];
          // Claim the occurrences: only the writer that still sees the progress it read moves it.
          const last = d.dues[d.dues.length - 1];
          const claim = await q.run('UPDATE cmms_pm_plans SET last_due = ?, seq = ?, updated_at = ? WHERE id = ? AND seq = ? AND last_due = ?', [last, r.seq + d.dues.length, now, r.id, r.seq, r.last_due]);
          if (claim.changes) return this.open(q, r, d.dues, ctx, now, d.why);
        }
        return [];
      });
      out.push(...opened);
    }
    return out;
  }

  /**
   * A counter reading (run hours or cycles) for an asset, taken at event time `now`. Readings are
   * ordered by their time, per plan:
   * - older than the plan's last reading, or at the same time and not above it: a late or
   *   redelivered message (MQTT QoS 1 resend, a second source); ignored, listed in `ignored`;
   * - later and not below the last reading: the difference runs on the meter;
   * - later and below the last reading: a counter reset, the whole reading runs on the meter
   *   (also when it is only slightly below: a second source reporting a lower value later in time
   *   is indistinguishable from a reset, so feed one source per counter).
   */
  async meterReading(asset: string, unit: 'hours' | 'cycles', reading: number, now: number, ctx: TickContext, q?: Query): Promise<MeterResult> {
    return this.within(q, ctx, async (t) => {
      const out: WorkOrder[] = [];
      const ignored: MeterResult['ignored'] = [];
      const plans = await t.all<{ id: number }>("SELECT id FROM cmms_pm_plans WHERE active = 1 AND trigger_kind = 'meter' AND asset = ? AND unit = ? ORDER BY id", [asset, unit]);
      for (const { id } of plans) {
        for (let attempt = 1; attempt <= MAX_CLAIM_TRIES; attempt++) {
          const r = (await this.row(t, Number(id)))!;
          const d = meterDecision(r, unit, reading, now);
          if ('ignored' in d) {
            ignored.push({ plan: r.id, task: r.task, lastReading: r.meter_raw as number, lastTs: r.meter_ts as number, reason: d.ignored });
            break;
          }
          // Compare-and-set on the reading the decision was made from.
          const claim = await t.run(
            `UPDATE cmms_pm_plans SET meter_total = ?, meter_base = ?, meter_raw = ?, meter_ts = ?, seq = ?, last_due = ?, updated_at = ?
             WHERE id = ? AND seq = ? AND COALESCE(meter_ts, -1) = ? AND COALESCE(meter_raw, -1) = ?`,
            [d.total, d.base, reading, now, r.seq + d.n, d.n > 0 ? now : r.last_due, now, r.id, r.seq, r.meter_ts ?? -1, r.meter_raw ?? -1],
          );
          if (!claim.changes) continue;
          if (d.n > 0) out.push(...(await this.open(t, r, Array.from({ length: d.n }, () => now), ctx, now, d.why)));
          break;
        }
      }
      return { opened: out, ignored };
    });
  }

  /** Feature values for an asset (health score, features): plans whose limit is crossed open once per crossing. */
  async condition(asset: string, values: Record<string, number>, now: number, ctx: TickContext, q?: Query): Promise<WorkOrder[]> {
    return this.within(q, ctx, async (t) => {
      const out: WorkOrder[] = [];
      const plans = await t.all<{ id: number }>("SELECT id FROM cmms_pm_plans WHERE active = 1 AND trigger_kind = 'condition' AND asset = ? ORDER BY id", [asset]);
      for (const { id } of plans) {
        for (let attempt = 1; attempt <= MAX_CLAIM_TRIES; attempt++) {
          const r = (await this.row(t, Number(id)))!;
          const d = conditionDecision(r, values);
          if (d === null) break;
          if (d === 'reset') {
            await t.run('UPDATE cmms_pm_plans SET cond_active = 0, updated_at = ? WHERE id = ? AND cond_active = 1', [now, r.id]);
            break;
          }
          const claim = await t.run('UPDATE cmms_pm_plans SET cond_active = 1, seq = ?, last_due = ?, updated_at = ? WHERE id = ? AND seq = ? AND cond_active = 0', [r.seq + 1, now, now, r.id, r.seq]);
          if (!claim.changes) continue;
          out.push(...(await this.open(t, r, [now], ctx, now, d.open)));
          break;
        }
      }
      return out;
    });
  }

  /**
   * Import a PM spreadsheet: good rows become plans (in one transaction), bad rows are reported
   * with why. `knownAsset` may answer from the store (asynchronously); it is asked once per asset,
   * before the transaction.
   */
  async importCsv(text: string, knownAsset: (id: string) => boolean | Promise<boolean>, now: number, catchup: Catchup = 'each', path = 'csv'): Promise<ImportReport> {
    if (text.length > MAX_TEXT) throw new InputError(path, `at most ${MAX_TEXT} characters`, text);
    const parsed = Papa.parse<Record<string, string>>(text.replace(/^\uFEFF/, ''), { header: true, skipEmptyLines: 'greedy', transformHeader: normHeader, delimitersToGuess: [',', ';', '\t'] });
    const fields = parsed.meta.fields ?? [];
    const missing = ['asset', 'task', 'interval', 'unit'].filter((c) => !fields.includes(c));
    if (missing.length) throw new InputError(path, `a header row with the columns ${CSV_COLUMNS.join(', ')}`, fields.join(','), `missing ${missing.join(', ')}`);
    if (parsed.data.length > MAX_CSV_ROWS) throw new InputError(path, `at most ${MAX_CSV_ROWS} rows`, parsed.data, 'split the file');
    const known = new Map<string, boolean>();
    for (const rec of parsed.data) {
      const a = (typeof rec.asset === 'string' ? rec.asset : '').trim();
      if (a && !known.has(a)) known.set(a, await knownAsset(a));
    }
    const report: ImportReport = { imported: [], rejected: [], rows: parsed.data.length };
    const seen = new Map<string, number>();
    const good: { row: number; plan: PlanInput }[] = [];
    parsed.data.forEach((rec, i) => {
      const row = i + 2; // spreadsheet row: 1 is the header
      const asset = String(rec.asset ?? '').trim();
      const task = String(rec.task ?? '').trim();
      try {
        const plan = rowToPlan(rec, (id) => known.get(id) === true, now);
        const key = JSON.stringify([plan.asset, plan.task.toLowerCase()]);
        const first = seen.get(key);
        if (first !== undefined) throw new Error(`duplicate task: asset ${plan.asset} already has "${plan.task}" in row ${first}`);
        seen.set(key, row);
        good.push({ row, plan });
      } catch (e) {
        report.rejected.push({ row, asset, task, reason: e instanceof Error ? e.message : String(e) });
      }
    });
    const imported = await this.store.tx(async (q) => {
      const out: ImportRow[] = [];
      for (const g of good) {
        const r = await this.upsert({ ...g.plan, catchup }, now, catchup, q);
        out.push({ row: g.row, asset: g.plan.asset, task: g.plan.task, result: r.created ? 'created' : 'updated', plan: r.plan.id });
      }
      return out;
    });
    report.imported.push(...imported);
    return report;
  }

  /** The plans as a spreadsheet, safe to open in Excel: text cells starting with = + - @ tab or CR get a leading '. */
  async exportCsv(tz = 'UTC'): Promise<string> {
    const plans = await this.list(undefined, tz);
    // The checklist column only when a plan has steps (a sheet without it keeps them on import).
    const withSteps = plans.some((p) => p.checklist.length > 0);
    const rows = plans.map((p) => ({
      asset: p.asset,
      task: p.task,
      trigger: p.trigger,
      interval: p.unit === 'cron' ? (p.cron ?? '') : (p.every ?? ''),
      unit: p.trigger === 'condition' ? p.unit : p.unit,
      'last done': p.trigger === 'calendar' ? new Date(p.lastDue).toISOString().slice(0, 10) : p.trigger === 'meter' ? p.meterBase + (p.every ?? 0) * p.occurrences : '',
      duration: p.durationMin,
      parts: p.parts.map((x) => `${x.part}:${x.qty}`).join('; '),
      ...(withSteps ? { checklist: formatChecklist(p.checklist) } : {}),
      'next due': p.nextDue === null ? '' : new Date(p.nextDue).toISOString(),
      occurrences: p.occurrences,
    }));
    const cols = CSV_COLUMNS.filter((c) => withSteps || c !== 'checklist');
    return Papa.unparse({ fields: [...cols, 'next due', 'occurrences'], data: rows.map((r) => Object.values(r)) }, { escapeFormulae: FORMULA_START, newline: '\r\n' });
  }
}
