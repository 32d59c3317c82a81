/**
 * Shift calendar: named shifts by local start/end time of day (a shift may cross midnight) and
 * breaks that are not production time. Times of day are in the plant's local time, given as a
 * fixed offset from UTC in minutes (or the box's own time zone when no offset is given), so a
 * recorded shift replays to the same figures anywhere.
 *
 * Example: shifts "early=06:00-14:00, late=14:00-22:00", breaks "10:00-10:30, 18:00-18:30":
 * the early shift is 480 min long, 450 min of it available for production.
 */
import { InputError } from '../errors';

export const DAY_MS = 86_400_000;
export const MIN_MS = 60_000;

export interface ShiftDef {
  name: string;
  /** Minutes after local midnight. */
  startMin: number;
  /** Minutes after local midnight; at or before startMin means the shift ends the next day. */
  endMin: number;
}

export interface Calendar {
  shifts: ShiftDef[];
  breaks: { startMin: number; endMin: number }[];
  /** Fixed offset of local time from UTC in minutes; undefined = the box's time zone. */
  offsetMin?: number;
}

export interface ShiftSlot {
  /** `YYYY-MM-DD/name`, the local date the shift starts on. */
  id: string;
  name: string;
  /** Local date the shift started on, `YYYY-MM-DD`. */
  day: string;
  start: number;
  end: number;
}

const MAX_SHIFTS = 12;
const MAX_BREAKS = 24;

function parseClock(s: string, path: string): number {
  const m = /^\s*(\d{1,2}):(\d{2})\s*$/.exec(s);
  if (!m) throw new InputError(path, 'a time of day HH:MM', s);
  const h = Number(m[1]);
  const mi = Number(m[2]);
  if (h > 24 || mi > 59 || (h === 24 && mi !== 0)) throw new InputError(path, 'a time of day 00:00-24:00', s);
  return h * 60 + mi;
}

function parseRange(s: string, path: string): { startMin: number; endMin: number } {
  const parts = s.split('-');
  if (parts.length !== 2) throw new InputError(path, 'a range HH:MM-HH:MM', s);
  return { startMin: parseClock(parts[0]!, path), endMin: parseClock(parts[1]!, path) };
}

/**
 * Parse "early=06:00-14:00, late=14:00-22:00" (names optional: S1, S2 ...) and breaks
 * "10:00-10:30, 18:00-18:30". An empty shift list means one shift per day, 00:00-24:00.
 */
export function parseCalendar(shiftsText: unknown, breaksText: unknown, offsetMin?: number, path = 'calendar'): Calendar {
  const shiftsStr = typeof shiftsText === 'string' ? shiftsText.trim() : '';
  const breaksStr = typeof breaksText === 'string' ? breaksText.trim() : '';
  if (shiftsStr.length > 2000 || breaksStr.length > 2000) throw new InputError(path, 'a calendar of at most 2000 characters', shiftsStr.length > 2000 ? shiftsText : breaksText);
  const shifts: ShiftDef[] = [];
  const items = shiftsStr === '' ? ['day=00:00-24:00'] : shiftsStr.split(/[,;\n]/).map((x) => x.trim()).filter(Boolean);
  if (items.length > MAX_SHIFTS) throw new InputError(`${path}.shifts`, `at most ${MAX_SHIFTS} shifts`, shiftsText);
  items.forEach((it, i) => {
    const eq = it.indexOf('=');
    const name = eq >= 0 ? it.slice(0, eq).trim() : `S${i + 1}`;
    if (!/^[A-Za-z0-9_.-]{1,32}$/.test(name)) throw new InputError(`${path}.shifts[${i}]`, 'a shift name of letters, digits, _ . -', name);
    const r = parseRange(eq >= 0 ? it.slice(eq + 1) : it, `${path}.shifts[${i}]`);
    if (r.startMin === r.endMin && !(r.startMin === 0)) throw new InputError(`${path}.shifts[${i}]`, 'a shift that ends after it starts', it);
    shifts.push({ name, startMin: r.startMin % 1440, endMin: r.endMin === 1440 ? 1440 : r.endMin });
  });
  const breaks = breaksStr === '' ? [] : breaksStr.split(/[,;\n]/).map((x) => x.trim()).filter(Boolean).map((b, i) => parseRange(b, `${path}.breaks[${i}]`));
  if (breaks.length > MAX_BREAKS) throw new InputError(`${path}.breaks`, `at most ${MAX_BREAKS} breaks`, breaksText);
  const cal: Calendar = { shifts, breaks };
  if (offsetMin !== undefined) {
    if (!Number.isFinite(offsetMin) || Math.abs(offsetMin) > 14 * 60) throw new InputError(`${path}.utcOffset`, 'minutes between -840 and 840', offsetMin);
    cal.offsetMin = offsetMin;
  }
  // Shifts must not overlap (each instant belongs to at most one shift).
  const spans = shifts.map((s) => [s.startMin, shiftLenMin(s)] as const);
  for (let i = 0; i < spans.length; i++)
    for (let j = 0; j < spans.length; j++) {
      if (i === j) continue;
      const [a, la] = spans[i]!;
      const [b] = spans[j]!;
      const d = (b - a + 1440) % 1440;
      if (d < la && !(d === 0 && i > j)) throw new InputError(`${path}.shifts`, 'shifts that do not overlap', shiftsText);
    }
  return cal;
}

export function shiftLenMin(s: ShiftDef): number {
  const len = s.endMin - s.startMin;
  return len <= 0 ? len + 1440 : len;
}

function offsetAt(cal: Calendar, ts: number): number {
  return cal.offsetMin !== undefined ? cal.offsetMin : -new Date(ts).getTimezoneOffset();
}

/** Local midnight (as a UTC ms instant) of the local day containing ts. */
export function localDayStart(cal: Calendar, ts: number): number {
  const off = offsetAt(cal, ts) * MIN_MS;
  return Math.floor((ts + off) / DAY_MS) * DAY_MS - off;
}

export function localDate(cal: Calendar, dayStart: number): string {
  const off = offsetAt(cal, dayStart + DAY_MS / 2) * MIN_MS;
  return new Date(dayStart + off).toISOString().slice(0, 10);
}

/** The shift containing ts, or undefined when ts falls between shifts. */
export function shiftAt(cal: Calendar, ts: number): ShiftSlot | undefined {
  const today = localDayStart(cal, ts);
  for (const day of [today, today - DAY_MS]) {
    for (const s of cal.shifts) {
      const start = day + s.startMin * MIN_MS;
      const end = start + shiftLenMin(s) * MIN_MS;
      if (ts >= start && ts < end) {
        const date = localDate(cal, day);
        return { id: `${date}/${s.name}`, name: s.name, day: date, start, end };
      }
    }
  }
  return undefined;
}

/** Break time (ms) inside [from, to). */
export function breakOverlapMs(cal: Calendar, from: number, to: number): number {
  if (!(to > from) || cal.breaks.length === 0) return 0;
  let total = 0;
  for (let day = localDayStart(cal, from) - DAY_MS; day < to; day += DAY_MS) {
    for (const b of cal.breaks) {
      const len = (b.endMin - b.startMin + 1440) % 1440;
      const bs = day + b.startMin * MIN_MS;
      const be = bs + len * MIN_MS;
      total += Math.max(0, Math.min(be, to) - Math.max(bs, from));
    }
  }
  return total;
}

/** Production time (ms) available in [from, to): the span less its breaks. */
export function availableMs(cal: Calendar, from: number, to: number): number {
  return Math.max(0, to - from - breakOverlapMs(cal, from, to));
}

/**
 * Split [from, to) at shift boundaries: each piece inside one shift (with that shift), pieces
 * between shifts are dropped.
 */
export function splitByShift(cal: Calendar, from: number, to: number, maxPieces = 10_000): { slot: ShiftSlot; from: number; to: number }[] {
  const out: { slot: ShiftSlot; from: number; to: number }[] = [];
  let t = from;
  while (t < to && out.length < maxPieces) {
    const slot = shiftAt(cal, t);
    if (slot) {
      const e = Math.min(to, slot.end);
      out.push({ slot, from: t, to: e });
      t = e;
    } else {
      t = nextShiftStart(cal, t) ?? to;
    }
  }
  return out;
}

/** Start of the first shift after ts (within two days), or undefined. */
export function nextShiftStart(cal: Calendar, ts: number): number | undefined {
  const today = localDayStart(cal, ts);
  let best: number | undefined;
  for (const day of [today, today + DAY_MS, today + 2 * DAY_MS]) {
    for (const s of cal.shifts) {
      const start = day + s.startMin * MIN_MS;
      if (start > ts && (best === undefined || start < best)) best = start;
    }
  }
  return best;
}
