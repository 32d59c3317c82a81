/**
 * Preventive maintenance plans: calendar (every N days / weeks, or a weekday and time as a cron
 * expression), meter (run hours or cycles from a counter reading) and condition (health or a
 * feature crossing a limit) triggers. Due occurrences open work orders with source `pm`; each
 * occurrence has a sequence number and the (plan, occurrence) pair is unique in the work-order
 * table, and the plan's progress moves in the same transaction, so every occurrence opens
 * exactly once, across restarts and missed ticks (catch-up `each`: one work order per missed
 * occurrence; `one`: a single work order carrying the count).
 *
 * CSV import and export of a plant's PM spreadsheet. Pure: no Node-RED.
 */
import Papa from 'papaparse';
import { CronExpressionParser } from 'cron-parser';
import { InputError, StateError } from '../errors';
import { MAX_TEXT } from '../validate';
import type { SyncStore as Store } from '../store/types';
import type { AssetFacts, WorkOrder, WorkOrderRepo } from './work-orders';

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
}

interface PlanRow {
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

export const CSV_COLUMNS = ['asset', 'task', 'trigger', 'interval', 'unit', 'last done', 'duration', 'parts'] as const;

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
    const qty = qtyText === undefined ? 1 : Number(qtyText);
    if (!part) throw new Error(`parts: empty part name in "${s}"`);
    if (!Number.isFinite(qty) || qty <= 0) throw new Error(`parts: quantity of ${part} must be a number > 0, got "${qtyText}"`);
    out.push({ part, qty });
  }
  return out;
}

function numberCell(v: string, name: string, o: { gt?: number; min?: number }): number {
  const t = v.trim();
  const n = Number(t.replace(',', '.'));
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
  const p = Date.parse(t);
  if (t !== '' && Number.isFinite(p)) return p;
  throw new Error(`last done: expected a date (2024-05-31 or 31.05.2024), got "${v}"`);
}

const UNIT_ALIASES: Record<string, string> = { day: 'days', d: 'days', days: 'days', week: 'weeks', w: 'weeks', wk: 'weeks', weeks: 'weeks', hour: 'hours', h: 'hours', hours: 'hours', 'run hours': 'hours', cycle: 'cycles', cycles: 'cycles', cron: 'cron', weekday: 'weekday' };

/** One spreadsheet row -> a plan, or an Error whose message says why not. */
export function rowToPlan(r: Record<string, string>, knownAsset: (id: string) => boolean, now: number): PlanInput {
  const cell = (k: string) => (typeof r[k] === 'string' ? r[k] : '').trim();
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
  const base = { asset, task, trigger, durationMin, parts };
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
  facts: (asset: string) => AssetFacts;
  tz?: string;
}

export class PmRepo {
  constructor(readonly store: Store) {}

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
    };
  }

  /** Create a plan or update the one with the same (asset, task); its progress is kept. */
  upsert(p: PlanInput, ts: number, defaultCatchup: Catchup = 'each'): { plan: Plan; created: boolean } {
    return this.store.tx(() => {
      const old = this.store.get<PlanRow>('SELECT * FROM cmms_pm_plans WHERE asset = ? AND task = ?', [p.asset, p.task]);
      const isCond = p.trigger === 'condition';
      const feature = isCond ? p.unit : null;
      const limit = isCond ? (p.every ?? null) : null;
      const direction = isCond ? (p.direction ?? (p.unit === 'health' ? 'below' : 'above')) : null;
      const every = isCond ? null : (p.every ?? null);
      const unit = isCond ? 'condition' : p.unit;
      const cron = p.unit === 'cron' ? (p.cron ?? null) : null;
      const catchup = p.catchup ?? defaultCatchup;
      const parts = JSON.stringify(p.parts ?? []);
      if (!old) {
        const anchor = p.trigger === 'calendar' ? (p.lastDone ?? ts) : ts;
        const meter = p.trigger === 'meter' ? (p.lastDone ?? null) : null;
        const r = this.store.run(
          `INSERT INTO cmms_pm_plans (asset, task, trigger_kind, every, unit, cron, feature, limit_value, direction, anchor, last_due, seq,
             meter_base, meter_total, meter_raw, duration_min, parts, catchup, active, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?, 1, ?, ?)`,
          [p.asset, p.task, p.trigger, every, unit, cron, feature, limit, direction, anchor, anchor, meter ?? 0, meter ?? 0, meter, p.durationMin ?? 0, parts, catchup, ts, ts],
        );
        return { plan: this.get(Number(r.lastInsertRowid)), created: true };
      }
      this.store.run(
        `UPDATE cmms_pm_plans SET trigger_kind = ?, every = ?, unit = ?, cron = ?, feature = ?, limit_value = ?, direction = ?, duration_min = ?, parts = ?, catchup = ?, active = 1, updated_at = ? WHERE id = ?`,
        [p.trigger, every, unit, cron, feature, limit, direction, p.durationMin ?? old.duration_min, parts, catchup, ts, old.id],
      );
      return { plan: this.get(old.id), created: false };
    });
  }

  get(id: number, tz = 'UTC'): Plan {
    const r = this.store.get<PlanRow>('SELECT * FROM cmms_pm_plans WHERE id = ?', [id]);
    if (!r) throw new StateError(`PM plan ${id} not found`);
    return this.toPlan(r, tz);
  }

  list(asset?: string, tz = 'UTC'): Plan[] {
    const rows = asset === undefined ? this.store.all<PlanRow>('SELECT * FROM cmms_pm_plans WHERE active = 1 ORDER BY asset, task') : this.store.all<PlanRow>('SELECT * FROM cmms_pm_plans WHERE active = 1 AND asset = ? ORDER BY task', [asset]);
    return rows.map((r) => this.toPlan(r, tz));
  }

  /** Deactivate a plan (its work orders stay). */
  remove(id: number): void {
    const r = this.store.run('UPDATE cmms_pm_plans SET active = 0 WHERE id = ?', [id]);
    if (!r.changes) throw new StateError(`PM plan ${id} not found`);
  }

  /** Open work orders for `count` new occurrences of a plan (the due times given), in one transaction. */
  private open(r: PlanRow, dues: number[], ctx: TickContext, ts: number, why: string): WorkOrder[] {
    const out: WorkOrder[] = [];
    const facts = ctx.facts(r.asset);
    const mk = (occurrence: number, due: number, missed: number) =>
      ctx.wo.create({
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
      });
    if (r.catchup === 'one' && dues.length > 1) out.push(mk(r.seq + dues.length, dues[dues.length - 1], dues.length - 1));
    else dues.forEach((d, i) => out.push(mk(r.seq + i + 1, d, 0)));
    return out;
  }

  /** Calendar plans: open every occurrence due by `now` (catch-up after downtime). */
  tick(now: number, ctx: TickContext): WorkOrder[] {
    const out: WorkOrder[] = [];
    const plans = this.store.all<PlanRow>("SELECT * FROM cmms_pm_plans WHERE active = 1 AND trigger_kind = 'calendar' ORDER BY id");
    for (const p0 of plans) {
      this.store.tx(() => {
        const r = this.store.get<PlanRow>('SELECT * FROM cmms_pm_plans WHERE id = ?', [p0.id]) as PlanRow;
        const dues = calendarOccurrences({ lastDue: r.last_due, every: r.every, unit: r.unit, cron: r.cron }, now, ctx.tz ?? 'UTC');
        if (!dues.length) return;
        out.push(...this.open(r, dues, ctx, now, `due ${new Date(dues[dues.length - 1]).toISOString()}`));
        this.store.run('UPDATE cmms_pm_plans SET last_due = ?, seq = ?, updated_at = ? WHERE id = ?', [dues[dues.length - 1], r.seq + dues.length, now, r.id]);
      });
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
  meterReading(asset: string, unit: 'hours' | 'cycles', reading: number, now: number, ctx: TickContext): MeterResult {
    const out: WorkOrder[] = [];
    const ignored: MeterResult['ignored'] = [];
    this.store.tx(() => {
      const plans = this.store.all<PlanRow>("SELECT * FROM cmms_pm_plans WHERE active = 1 AND trigger_kind = 'meter' AND asset = ? AND unit = ? ORDER BY id", [asset, unit]);
      for (const r of plans) {
        let total = r.meter_total;
        let base = r.meter_base;
        if (r.meter_ts !== null && r.meter_raw !== null && (now < r.meter_ts || (now === r.meter_ts && reading <= r.meter_raw))) {
          ignored.push({ plan: r.id, task: r.task, lastReading: r.meter_raw, lastTs: r.meter_ts, reason: now < r.meter_ts ? 'older than the last reading' : 'same time as the last reading, not above it' });
          continue;
        }
        if (r.meter_raw === null) {
          total = reading;
          base = reading;
        } else total += reading >= r.meter_raw ? reading - r.meter_raw : reading;
        const every = r.every ?? 0;
        const k = every > 0 ? Math.floor((total - base) / every + 1e-9) : 0;
        const n = Math.min(Math.max(0, k - r.seq), MAX_CATCHUP);
        if (n > 0) {
          const dues = Array.from({ length: n }, () => now);
          out.push(...this.open(r, dues, ctx, now, `${unit} ${Math.round((total - base) * 100) / 100} since last done (every ${every})`));
        }
        this.store.run('UPDATE cmms_pm_plans SET meter_total = ?, meter_base = ?, meter_raw = ?, meter_ts = ?, seq = ?, last_due = ?, updated_at = ? WHERE id = ?', [
          total,
          base,
          reading,
          now,
          r.seq + n,
          n > 0 ? now : r.last_due,
          now,
          r.id,
        ]);
      }
    });
    return { opened: out, ignored };
  }

  /** Feature values for an asset (health score, features): plans whose limit is crossed open once per crossing. */
  condition(asset: string, values: Record<string, number>, now: number, ctx: TickContext): WorkOrder[] {
    const out: WorkOrder[] = [];
    this.store.tx(() => {
      const plans = this.store.all<PlanRow>("SELECT * FROM cmms_pm_plans WHERE active = 1 AND trigger_kind = 'condition' AND asset = ? ORDER BY id", [asset]);
      for (const r of plans) {
        const f = r.feature ?? '';
        if (!Object.prototype.hasOwnProperty.call(values, f)) continue;
        const v = values[f];
        const limit = r.limit_value ?? 0;
        const crossed = r.direction === 'below' ? v < limit : v > limit;
        if (crossed && !r.cond_active) {
          out.push(...this.open(r, [now], ctx, now, `${f} ${v} ${r.direction} ${limit}`));
          this.store.run('UPDATE cmms_pm_plans SET cond_active = 1, seq = ?, last_due = ?, updated_at = ? WHERE id = ?', [r.seq + 1, now, now, r.id]);
        } else if (!crossed && r.cond_active) this.store.run('UPDATE cmms_pm_plans SET cond_active = 0, updated_at = ? WHERE id = ?', [now, r.id]);
      }
    });
    return out;
  }

  /** Import a PM spreadsheet: good rows become plans (in one transaction), bad rows are reported with why. */
  importCsv(text: string, knownAsset: (id: string) => boolean, now: number, catchup: Catchup = 'each', path = 'csv'): ImportReport {
    if (text.length > MAX_TEXT) throw new InputError(path, `at most ${MAX_TEXT} characters`, text);
    const parsed = Papa.parse<Record<string, string>>(text.replace(/^\uFEFF/, ''), { header: true, skipEmptyLines: 'greedy', transformHeader: normHeader, delimitersToGuess: [',', ';', '\t'] });
    const fields = parsed.meta.fields ?? [];
    const missing = ['asset', 'task', 'interval', 'unit'].filter((c) => !fields.includes(c));
    if (missing.length) throw new InputError(path, `a header row with the columns ${CSV_COLUMNS.join(', ')}`, fields.join(','), `missing ${missing.join(', ')}`);
    if (parsed.data.length > MAX_CSV_ROWS) throw new InputError(path, `at most ${MAX_CSV_ROWS} rows`, parsed.data, 'split the file');
    const report: ImportReport = { imported: [], rejected: [], rows: parsed.data.length };
    const seen = new Map<string, number>();
    const good: { row: number; plan: PlanInput }[] = [];
    parsed.data.forEach((rec, i) => {
      const row = i + 2; // spreadsheet row: 1 is the header
      const asset = String(rec.asset ?? '').trim();
      const task = String(rec.task ?? '').trim();
      try {
        const plan = rowToPlan(rec, knownAsset, now);
        const key = JSON.stringify([plan.asset, plan.task.toLowerCase()]);
        const first = seen.get(key);
        if (first !== undefined) throw new Error(`duplicate task: asset ${plan.asset} already has "${plan.task}" in row ${first}`);
        seen.set(key, row);
        good.push({ row, plan });
      } catch (e) {
        report.rejected.push({ row, asset, task, reason: e instanceof Error ? e.message : String(e) });
      }
    });
    this.store.tx(() => {
      for (const g of good) {
        const r = this.upsert({ ...g.plan, catchup }, now, catchup);
        report.imported.push({ row: g.row, asset: g.plan.asset, task: g.plan.task, result: r.created ? 'created' : 'updated', plan: r.plan.id });
      }
    });
    return report;
  }

  /** The plans as a spreadsheet, safe to open in Excel: text cells starting with = + - @ tab or CR get a leading '. */
  exportCsv(tz = 'UTC'): string {
    const rows = this.list(undefined, tz).map((p) => ({
      asset: p.asset,
      task: p.task,
      trigger: p.trigger,
      interval: p.unit === 'cron' ? (p.cron ?? '') : (p.every ?? ''),
      unit: p.trigger === 'condition' ? p.unit : p.unit,
      'last done': p.trigger === 'calendar' ? new Date(p.lastDue).toISOString().slice(0, 10) : p.trigger === 'meter' ? p.meterBase + (p.every ?? 0) * p.occurrences : '',
      duration: p.durationMin,
      parts: p.parts.map((x) => `${x.part}:${x.qty}`).join('; '),
      'next due': p.nextDue === null ? '' : new Date(p.nextDue).toISOString(),
      occurrences: p.occurrences,
    }));
    return Papa.unparse({ fields: [...CSV_COLUMNS, 'next due', 'occurrences'], data: rows.map((r) => Object.values(r)) }, { escapeFormulae: /^[=+\-@\t\r]/, newline: '\r\n' });
  }
}
