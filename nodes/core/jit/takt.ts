/**
 * Takt and cycle time. Takt = available production time of the shift (breaks excluded) / the
 * shift's demand. Cycle times come from cycle-complete events (given, or the time since the
 * previous one in the same shift less planned breaks; the first event of a shift or after a
 * non-working gap starts the measurement and records no cycle); a rolling window gives the median
 * and P90. Creep = median cycle / takt: a cycle time creeping up towards takt is a machine slowing
 * down before it fails.
 *
 * Worked example: shift 06:00-14:00 with a 30 min break = 450 min = 27,000 s; demand 450 units
 * -> takt 60 s. Cycles 50, 52, 54, 56, 58 s -> median 54 s, creep 0.9.
 */
import { InputError } from '../errors';
import { availableMs, breakOverlapMs, nextShiftStart, shiftAt, type Calendar, type ShiftSlot } from './calendar';
import { iso } from './events';
import { quantile, round } from './stats';

export interface TaktParams {
  /** Units the customer needs per shift. */
  demandPerShift: number;
  /** Cycles in the rolling window. */
  window: number;
  /** Alert when median cycle / takt reaches this fraction (e.g. 0.95). */
  creepAlert: number;
  /** Cycles needed before creep can alert. */
  minCycles: number;
}

export interface TaktState {
  asset: string;
  lastTs?: number;
  cycles: number[];
  total: number;
  overTaktTotal: number;
  shiftId?: string;
  shiftCycles: number;
  shiftOverTakt: number;
  alerting: boolean;
}

export interface TaktFigures {
  asset: string;
  taktS: number;
  availableS: number;
  demand: number;
  shift: string | null;
  cycleMedianS: number | null;
  cycleP90S: number | null;
  /** P90 - median: how far the slow cycles stray. */
  cycleSpreadS: number | null;
  cycles: number;
  overTakt: number;
  overTaktTotal: number;
  creep: number | null;
}

/** takt (s) = available time (s) / demand. */
export function taktTime(availableS: number, demand: number): number {
  if (!(demand > 0) || !Number.isFinite(demand)) throw new InputError('msg.payload.demand', 'a demand > 0 units per shift', demand, 'takt is undefined for zero demand');
  if (!(availableS > 0)) throw new InputError('calendar', 'a shift with available time > 0 (breaks cover it all)', availableS);
  return availableS / demand;
}

/** The shift a time belongs to, or the next one when between shifts. */
export function slotFor(cal: Calendar, ts: number): ShiftSlot {
  const s = shiftAt(cal, ts);
  if (s) return s;
  const n = nextShiftStart(cal, ts);
  const slot = n === undefined ? undefined : shiftAt(cal, n);
  if (!slot) throw new InputError('calendar', 'a calendar with at least one shift', cal.shifts.length);
  return slot;
}

export function shiftTakt(cal: Calendar, ts: number, demand: number): { slot: ShiftSlot; taktS: number; availableS: number } {
  const slot = slotFor(cal, ts);
  const availableS = availableMs(cal, slot.start, slot.end) / 1000;
  return { slot, taktS: taktTime(availableS, demand), availableS };
}

export function newTaktState(asset: string): TaktState {
  return { asset, cycles: [], total: 0, overTaktTotal: 0, shiftCycles: 0, shiftOverTakt: 0, alerting: false };
}

export interface CycleResult {
  state: TaktState;
  figures: TaktFigures;
  cycleS?: number;
  /** Set when creep crossed the alert fraction (once per crossing). */
  alert?: { asset: string; taktS: number; cycleMedianS: number; cycleP90S: number; creep: number; threshold: number; text: string; at: string };
  note?: string;
}

export function figures(s: TaktState, cal: Calendar, p: TaktParams, ts: number): TaktFigures {
  const { slot, taktS, availableS } = shiftTakt(cal, ts, p.demandPerShift);
  const inShift = s.shiftId === slot.id;
  const med = s.cycles.length ? quantile(s.cycles, 0.5) : null;
  const p90 = s.cycles.length ? quantile(s.cycles, 0.9) : null;
  return {
    asset: s.asset,
    taktS: round(taktS, 3),
    availableS: round(availableS, 3),
    demand: p.demandPerShift,
    shift: slot.id,
    cycleMedianS: med === null ? null : round(med, 3),
    cycleP90S: p90 === null ? null : round(p90, 3),
    cycleSpreadS: med === null || p90 === null ? null : round(p90 - med, 3),
    cycles: inShift ? s.shiftCycles : 0,
    overTakt: inShift ? s.shiftOverTakt : 0,
    overTaktTotal: s.overTaktTotal,
    creep: med === null ? null : round(med / taktS, 4),
  };
}

/**
 * A completed cycle at ts; cycleTimeS given, or the time since the previous cycle less the breaks
 * between them. Without cycleTimeS, a previous cycle in another shift (or outside every shift)
 * gives no cycle: this one starts the measurement, with a note.
 */
export function recordCycle(prev: TaktState, cal: Calendar, p: TaktParams, ts: number, cycleTimeS: number | undefined): CycleResult {
  if (prev.lastTs !== undefined && ts < prev.lastTs) throw new InputError('msg.payload.ts', `a time at or after the last cycle (${iso(prev.lastTs)})`, ts, 'events out of order');
  const s: TaktState = { ...prev, cycles: [...prev.cycles] };
  const { slot, taktS } = shiftTakt(cal, ts, p.demandPerShift);
  let c = cycleTimeS;
  if (c === undefined) {
    if (prev.lastTs === undefined) {
      s.lastTs = ts;
      return { state: s, figures: figures(s, cal, p, ts), note: 'first cycle: cycle time is measured from here on' };
    }
    if (!(ts > prev.lastTs)) throw new InputError('msg.payload.ts', 'a time after the previous cycle (or a cycleTimeS)', ts, 'two cycles at the same instant');
    const prevSlot = shiftAt(cal, prev.lastTs);
    const curSlot = shiftAt(cal, ts);
    if (!prevSlot || !curSlot || prevSlot.id !== curSlot.id) {
      // The time since the previous cycle spans a shift change or a non-working gap: not a cycle.
      s.lastTs = ts;
      const why = !curSlot ? 'this cycle is outside every shift' : prevSlot ? `the previous cycle was in shift ${prevSlot.id}` : 'the previous cycle was outside every shift';
      return { state: s, figures: figures(s, cal, p, ts), note: `first cycle of ${curSlot ? `shift ${curSlot.id}` : 'this stretch'} (${why}): cycle time is measured from here on` };
    }
    // Planned breaks between the two cycles are not cycle time.
    c = (ts - prev.lastTs - breakOverlapMs(cal, prev.lastTs, ts)) / 1000;
    if (!(c > 0)) {
      s.lastTs = ts;
      return { state: s, figures: figures(s, cal, p, ts), note: 'no production time since the previous cycle (a break): no cycle time recorded, measured from here on' };
    }
  }
  s.lastTs = ts;
  if (s.shiftId !== slot.id) {
    s.shiftId = slot.id;
    s.shiftCycles = 0;
    s.shiftOverTakt = 0;
  }
  s.cycles.push(c);
  if (s.cycles.length > p.window) s.cycles.splice(0, s.cycles.length - p.window);
  s.total += 1;
  s.shiftCycles += 1;
  if (c > taktS) {
    s.overTaktTotal += 1;
    s.shiftOverTakt += 1;
  }
  const f = figures(s, cal, p, ts);
  let alert: CycleResult['alert'];
  if (f.creep !== null && s.cycles.length >= p.minCycles) {
    if (!s.alerting && f.creep >= p.creepAlert) {
      s.alerting = true;
      alert = {
        asset: s.asset,
        taktS: f.taktS,
        cycleMedianS: f.cycleMedianS!,
        cycleP90S: f.cycleP90S!,
        creep: f.creep,
        threshold: p.creepAlert,
        at: iso(ts),
        text: `${s.asset}: median cycle ${f.cycleMedianS} s is ${round(f.creep * 100, 1)}% of takt ${f.taktS} s (alert at ${round(p.creepAlert * 100, 1)}%)`,
      };
    } else if (s.alerting && f.creep < p.creepAlert - 0.05) s.alerting = false;
  }
  return { state: s, figures: f, cycleS: c, alert };
}
