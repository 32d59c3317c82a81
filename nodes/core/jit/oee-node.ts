/**
 * What rel-oee's node file needs besides the OEE model (pure: no Node-RED): its form, the timer
 * that closes each shift at its end, a count event checked, the answer to a state or count event,
 * the status text and the gauge values of a report.
 */
import { num, oneOf, optNum, own } from '../validate';
import { nextShiftStart, shiftAt, type Calendar, type ShiftSlot } from './calendar';
import type { TimerClock } from './andon-control';
import { cfgNum, iso, listConfig } from './events';
import { oeeFigures, type OeeAssetState, type ShiftRecord } from './oee';

export interface OeeForm {
  idealCycleS?: unknown;
  rollingHours?: unknown;
  rule85Days?: unknown;
  rule85Oee?: unknown;
  bufferDays?: unknown;
  criticalAssets?: unknown;
  dashboardFigures?: unknown;
}

/** What the dashboard output's four figures are of: the reported shift, or the rolling window. */
export const DASHBOARD_FIGURES = ['shift', 'rolling'] as const;

export interface OeeSettings {
  /** Ideal cycle time when an event gives none (NaN: none set; a count then needs one). */
  idealDefault: number;
  rollingHours: number;
  requiredDays: number;
  threshold: number;
  bufferDays: number;
  critical: string[];
  dashboardFigures: (typeof DASHBOARD_FIGURES)[number];
}

/** The form; a bad value is an error naming its setting. */
export function oeeSettings(c: OeeForm): OeeSettings {
  return {
    idealDefault: cfgNum(c.idealCycleS, 'idealCycleS', NaN, { gt: 0, max: 1e6 }),
    rollingHours: cfgNum(c.rollingHours, 'rollingHours', 24, { gt: 0, max: 24 * 366 }),
    requiredDays: cfgNum(c.rule85Days, 'rule85Days', 30, { min: 1, max: 365, integer: true }),
    threshold: cfgNum(c.rule85Oee, 'rule85Oee', 0.85, { gt: 0, max: 1 }),
    bufferDays: cfgNum(c.bufferDays, 'bufferDays', 3, { min: 0, max: 365 }),
    critical: listConfig(c.criticalAssets),
    // saved flows from before the choice have none: the shift, as then
    dashboardFigures: c.dashboardFigures === undefined || c.dashboardFigures === '' ? 'shift' : oneOf(c.dashboardFigures, 'dashboardFigures', DASHBOARD_FIGURES),
  };
}

/** The timer half of a clock (the node's: the wall clock, or a test's fake one). */
export type ShiftTimers = TimerClock;

/**
 * At each shift end, `ended(shift, end)` (to close the shift of every asset last heard of during
 * it, so its record is complete in the store), then the next shift end is scheduled. No timer
 * when the calendar has no shift to come.
 */
export class ShiftEnds {
  private timer: unknown;
  private stopped = false;
  constructor(
    private readonly cal: Calendar,
    private readonly clock: ShiftTimers,
    private readonly ended: (shift: ShiftSlot, end: number) => void,
  ) {
    this.schedule();
  }

  /** Whether a shift end is scheduled. */
  get scheduled(): boolean {
    return this.timer !== undefined;
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    const now = this.clock.now();
    const cur = shiftAt(this.cal, now);
    const next = cur ? cur.end : nextShiftStart(this.cal, now);
    if (next === undefined || this.stopped) return;
    this.timer = this.clock.setTimeout(() => this.fire(), Math.max(1, next - now));
  }

  private fire(): void {
    this.timer = undefined;
    const end = this.clock.now();
    const done = shiftAt(this.cal, end - 1);
    if (done) this.ended(done, end);
    this.schedule();
  }
}

/** A count event: good and total parts, and the ideal cycle time when the event gives one. */
export function countEvent(payload: unknown): { good: number; total: number; idealCycleS?: number } {
  const good = num(own(payload, 'good'), 'msg.payload.good', { min: 0, max: 1e9, integer: true });
  const total = num(own(payload, 'total'), 'msg.payload.total', { min: 0, max: 1e9, integer: true });
  const idealCycleS = optNum(own(payload, 'idealCycleS'), 'msg.payload.idealCycleS', { gt: 0, max: 1e6 });
  return { good, total, idealCycleS };
}

/** The `oee` of the answer to a state or count event: the current shift's figures so far, or why there are none. */
export function oeeAnswer(asset: string, next: OeeAssetState, current: ShiftRecord | undefined, ts: number, note: string | undefined): Record<string, unknown> {
  if (!current) return { asset, shift: null, state: next.state, note: note ?? 'outside every shift' };
  return { asset, ...oeeFigures([current]), shift: current.shift, from: iso(current.start), to: iso(ts), state: next.state };
}

const pct = (x: number | null) => (x === null ? '-' : String(Math.round(x * 100)));

/** The OEE line of a status: "OEE 82% · A 90 P 95 Q 96". */
export function oeeLine(f: { oee: number | null; availability: number | null; performance: number | null; quality: number | null }): string {
  return `OEE ${pct(f.oee)}% · A ${pct(f.availability)} P ${pct(f.performance)} Q ${pct(f.quality)}`;
}

/** The status of a shift record: info without counts yet, ok at or above the threshold, else warn. */
export function oeeStatus(rec: ShiftRecord, threshold: number): { level: 'info' | 'ok' | 'warn'; text: string } {
  const f = oeeFigures([rec]);
  if (f.oee === null) return { level: 'info', text: `A ${pct(f.availability)} · ${f.total} parts` };
  return { level: f.oee >= threshold ? 'ok' : 'warn', text: oeeLine(f) };
}

/** A report's figures in percent for gauges and charts (null stays null), one value each. */
export function oeeGauges(rep: { availability: number | null; performance: number | null; quality: number | null; oee: number | null }): { label: string; value: number | null; unit: string }[] {
  const percent = (x: number | null) => (x === null ? null : x * 100);
  return [
    { label: 'Availability', value: percent(rep.availability), unit: '%' },
    { label: 'Performance', value: percent(rep.performance), unit: '%' },
    { label: 'Quality', value: percent(rep.quality), unit: '%' },
    { label: 'OEE', value: percent(rep.oee), unit: '%' },
  ];
}
