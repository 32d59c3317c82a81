/**
 * The on-call roster of a maintenance team: who covers which lines, in which shifts, on which days.
 *
 * Shifts are named local times of day (`early=06:00-14:00, late=14:00-22:00, night=22:00-06:00`);
 * a shift whose end is at or before its start crosses midnight. Local time is the plant's: a fixed
 * UTC offset (`+01:00`, `UTC-5`) or an IANA time zone (`Europe/Berlin`, read through Intl, so
 * daylight saving time is followed). The days of an entry are the days a shift STARTS on: with
 * `days Mon-Fri`, the Friday night shift (22:00-06:00) still covers Saturday 02:00.
 *
 * Entries come from a small CSV (columns name, role, email, phone, webhook, lines, shifts, days) or
 * a JSON array of objects with those fields. Every bad row is reported with its row and field.
 * Pure: no Node-RED.
 */
import Papa from 'papaparse';
import { InputError, describeValue } from '../errors';
import { isObject, own } from '../validate';

export const DAY_MS = 86_400_000;
export const MAX_ROSTER_ENTRIES = 500;
export const MAX_ROSTER_TEXT = 1024 * 1024;
const MAX_SHIFTS = 12;

export interface Shift {
  name: string;
  /** Minutes after local midnight. */
  startMin: number;
  /** Minutes after local midnight; at or before startMin: the shift ends the next day. */
  endMin: number;
}

export type Zone = { kind: 'offset'; offsetMin: number; label: string } | { kind: 'iana'; name: string; fmt: Intl.DateTimeFormat; label: string };

export interface RosterEntry {
  name: string;
  role: string;
  email?: string;
  phone?: string;
  webhook?: string;
  /** Line ids, or '*' for every line. */
  lines: string[] | '*';
  /** Shift names (of the roster's shifts), or '*' for round the clock. */
  shifts: string[] | '*';
  /** Days of week a shift starts on, 0 = Sunday ... 6 = Saturday. */
  days: number[];
}

export interface Roster {
  entries: RosterEntry[];
  shifts: Map<string, Shift>;
  zone: Zone;
}

export interface RowError {
  /** CSV: the row as a spreadsheet numbers it (header = 1); JSON: the 1-based entry. */
  row: number;
  field: string;
  error: string;
}

/** A roster with bad rows: every problem with its row and field. */
export class RosterError extends Error {
  readonly errors: RowError[];
  constructor(errors: RowError[], what: string) {
    const shown = errors.slice(0, 5).map((e) => `${what === 'CSV' ? 'row' : 'entry'} ${e.row} ${e.field}: ${e.error}`);
    super(`roster: ${errors.length} problem${errors.length === 1 ? '' : 's'}: ${shown.join('; ')}${errors.length > 5 ? `; and ${errors.length - 5} more` : ''}`);
    this.name = 'RosterError';
    this.errors = errors;
  }
}

// ---------------------------------------------------------------------------------------------
// Time zone and local time

/**
 * The plant's time zone: '' (UTC), `UTC`, `Z`, a fixed offset (`+01:00`, `-05:30`, `UTC+2`,
 * `GMT-3`) or an IANA name (`Europe/Berlin`).
 */
export function parseZone(text: unknown, path = 'timeZone'): Zone {
  if (text === undefined || text === null) return { kind: 'offset', offsetMin: 0, label: 'UTC' };
  if (typeof text !== 'string' || text.length > 64) throw new InputError(path, 'a UTC offset (+01:00) or an IANA time zone (Europe/Berlin)', text);
  const t = text.trim();
  if (t === '' || /^(utc|gmt|z)$/i.test(t)) return { kind: 'offset', offsetMin: 0, label: 'UTC' };
  const m = /^(?:utc|gmt)?\s*([+-])(\d{1,2})(?::?(\d{2}))?$/i.exec(t);
  if (m) {
    const min = Number(m[2]) * 60 + Number(m[3] ?? 0);
    if (min > 14 * 60 || Number(m[3] ?? 0) > 59) throw new InputError(path, 'a UTC offset between -14:00 and +14:00', text);
    const offsetMin = m[1] === '-' ? -min : min;
    const hh = String(Math.floor(min / 60)).padStart(2, '0');
    const mm = String(min % 60).padStart(2, '0');
    return { kind: 'offset', offsetMin, label: `UTC${m[1]}${hh}:${mm}` };
  }
  if (!/^[A-Za-z][A-Za-z0-9_+\-/]*$/.test(t)) throw new InputError(path, 'a UTC offset (+01:00) or an IANA time zone (Europe/Berlin)', text);
  let fmt: Intl.DateTimeFormat;
  try {
    fmt = new Intl.DateTimeFormat('en-US', { timeZone: t, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric' });
  } catch {
    throw new InputError(path, 'a UTC offset (+01:00) or an IANA time zone this box knows (Europe/Berlin)', text);
  }
  return { kind: 'iana', name: fmt.resolvedOptions().timeZone, fmt, label: fmt.resolvedOptions().timeZone };
}

export interface LocalTime {
  /** Days since 1970-01-01 of the local date. */
  day: number;
  /** 0 = Sunday ... 6 = Saturday. */
  weekday: number;
  /** Minutes after local midnight. */
  minute: number;
  /** `YYYY-MM-DD HH:MM` */
  text: string;
}

/** The plant's local date and time of day at `ts`. */
export function localTime(zone: Zone, ts: number): LocalTime {
  let y: number, mo: number, d: number, h: number, mi: number;
  if (zone.kind === 'offset') {
    const dt = new Date(ts + zone.offsetMin * 60_000);
    [y, mo, d, h, mi] = [dt.getUTCFullYear(), dt.getUTCMonth() + 1, dt.getUTCDate(), dt.getUTCHours(), dt.getUTCMinutes()];
  } else {
    const parts: Record<string, number> = {};
    for (const p of zone.fmt.formatToParts(new Date(ts))) if (p.type !== 'literal') parts[p.type] = Number(p.value);
    [y, mo, d, h, mi] = [parts.year!, parts.month!, parts.day!, parts.hour! % 24, parts.minute!];
  }
  const day = Math.round(Date.UTC(y, mo - 1, d) / DAY_MS);
  const p2 = (n: number) => String(n).padStart(2, '0');
  return { day, weekday: (((day + 4) % 7) + 7) % 7, minute: h * 60 + mi, text: `${y}-${p2(mo)}-${p2(d)} ${p2(h)}:${p2(mi)}` };
}

// ---------------------------------------------------------------------------------------------
// Shifts and days

function clock(s: string, path: string): number {
  const m = /^\s*(\d{1,2}):(\d{2})\s*$/.exec(s);
  if (!m || Number(m[1]) > 24 || Number(m[2]) > 59 || (Number(m[1]) === 24 && m[2] !== '00')) throw new InputError(path, 'a time of day HH:MM (00:00-24:00)', s);
  return Number(m[1]) * 60 + Number(m[2]);
}

/** `early=06:00-14:00, late=14:00-22:00, night=22:00-06:00` (separated by `,` `;` or new lines). */
export function parseShifts(text: unknown, path = 'shifts'): Map<string, Shift> {
  const out = new Map<string, Shift>();
  if (text === undefined || text === null || (typeof text === 'string' && text.trim() === '')) return out;
  if (typeof text !== 'string' || text.length > 2000) throw new InputError(path, 'shifts like "early=06:00-14:00, late=14:00-22:00" (at most 2000 characters)', text);
  const items = text.split(/[,;\n]/).map((x) => x.trim()).filter(Boolean);
  if (items.length > MAX_SHIFTS) throw new InputError(path, `at most ${MAX_SHIFTS} shifts`, text);
  items.forEach((it, i) => {
    const m = /^([A-Za-z0-9_.-]{1,32})\s*=\s*([^=]+)$/.exec(it);
    if (!m) throw new InputError(`${path}[${i}]`, 'name=HH:MM-HH:MM (a name of letters, digits, _ . -)', it);
    const range = m[2]!.split('-');
    if (range.length !== 2) throw new InputError(`${path}[${i}]`, 'name=HH:MM-HH:MM', it);
    const startMin = clock(range[0]!, `${path}[${i}]`) % 1440;
    const endMin = clock(range[1]!, `${path}[${i}]`) % 1440;
    const name = m[1]!.toLowerCase();
    if (out.has(name)) throw new InputError(`${path}[${i}]`, 'a shift name used once', m[1]);
    out.set(name, { name, startMin, endMin });
  });
  return out;
}

/**
 * The local day a shift that covers `t` started on, or undefined when it does not cover `t`. A
 * shift ending at or before its start crosses midnight (equal start and end: 24 hours).
 */
export function shiftStartDay(s: Shift, t: LocalTime): number | undefined {
  if (s.startMin < s.endMin) return t.minute >= s.startMin && t.minute < s.endMin ? t.day : undefined;
  if (t.minute >= s.startMin) return t.day;
  if (t.minute < s.endMin) return t.day - 1;
  return undefined;
}

const DAY_NAMES: Record<string, number> = {
  sun: 0, su: 0, so: 0, sunday: 0, sonntag: 0,
  mon: 1, mo: 1, monday: 1, montag: 1,
  tue: 2, tu: 2, di: 2, tuesday: 2, dienstag: 2,
  wed: 3, we: 3, mi: 3, wednesday: 3, mittwoch: 3,
  thu: 4, th: 4, do: 4, thursday: 4, donnerstag: 4,
  fri: 5, fr: 5, friday: 5, freitag: 5,
  sat: 6, sa: 6, saturday: 6, samstag: 6,
};
const ALL_DAYS = [0, 1, 2, 3, 4, 5, 6];

/** `Mon-Fri`, `Mon, Wed, Sat`, `Fri-Mon` (wraps), `Mo-Fr`, `*` or empty (every day). */
export function parseDays(v: unknown): number[] | string {
  const list = typeof v === 'string' ? v.split(/[,;|]/) : Array.isArray(v) ? v : v === undefined || v === null ? [] : null;
  if (list === null) return 'days like Mon-Fri or Mon, Wed, Sat';
  const days = new Set<number>();
  for (const raw of list) {
    if (typeof raw !== 'string') return 'day names (Mon, Tue ...)';
    const item = raw.trim().toLowerCase();
    if (item === '') continue;
    if (item === '*') return ALL_DAYS;
    const [a, b, extra] = item.split('-').map((x) => x.trim());
    const dayOf = (x: string | undefined) => (x !== undefined && Object.prototype.hasOwnProperty.call(DAY_NAMES, x) ? DAY_NAMES[x] : undefined);
    const from = dayOf(a);
    const to = b === undefined ? from : dayOf(b);
    if (from === undefined || to === undefined || extra !== undefined) return `day names like Mon-Fri, got ${JSON.stringify(raw.slice(0, 20))}`;
    for (let d = from; ; d = (d + 1) % 7) {
      days.add(d);
      if (d === to) break;
    }
  }
  return days.size ? [...days].sort((x, y) => x - y) : ALL_DAYS;
}

// ---------------------------------------------------------------------------------------------
// Entries

export const EMAIL = /^[^\s@<>,;:"'()\\[\]]+@[^\s@<>,;:"'()\\[\]]+\.[^\s@<>,;:"'()\\[\]]+$/;
const PHONE = /^\+?[0-9][0-9 ()/.-]{2,29}$/;
const ROLE = /^[A-Za-z][A-Za-z0-9_.-]{0,31}$/;
const LINE = /^[^\u0000-\u001f,;|*]{1,128}$/;
export const FIELDS = ['name', 'role', 'email', 'phone', 'webhook', 'lines', 'shifts', 'days'] as const;

const plain = (v: unknown) => (typeof v === 'string' ? v.trim() : v);

function list(v: unknown): string[] | '*' | null {
  if (typeof v === 'string') {
    const parts = v.split(/[,;|]/).map((x) => x.trim()).filter(Boolean);
    if (parts.includes('*')) return '*';
    return parts;
  }
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return list(v.join(';'));
  return null;
}

/** One roster entry from a row (CSV cells or a JSON object); problems are pushed to `errs`. */
function entryOf(r: Record<string, unknown>, row: number, shifts: Map<string, Shift>, errs: RowError[]): RosterEntry | undefined {
  const before = errs.length;
  const bad = (field: string, expected: string, got: unknown) => errs.push({ row, field, error: `expected ${expected}, got ${describeValue(got)}` });
  const text = (field: string, max: number, required: boolean): string | undefined => {
    const v = plain(own(r, field));
    if (v === undefined || v === null || v === '') {
      if (required) bad(field, 'a value', v);
      return undefined;
    }
    if (typeof v !== 'string' || v.length > max || /[\u0000-\u001f\u007f]/.test(v)) {
      bad(field, `text of at most ${max} characters on one line`, v);
      return undefined;
    }
    return v;
  };
  const name = text('name', 100, true);
  const roleText = text('role', 32, true);
  if (roleText !== undefined && !ROLE.test(roleText)) bad('role', 'a role of letters, digits, _ . - (technician, planner ...)', roleText);
  const email = text('email', 254, false);
  if (email !== undefined && !EMAIL.test(email)) bad('email', 'an e-mail address (name@example.com)', email);
  const phone = text('phone', 30, false);
  if (phone !== undefined && !PHONE.test(phone)) bad('phone', 'a phone number (+49 170 1234567)', phone);
  const webhook = text('webhook', 2000, false);
  if (webhook !== undefined && !/^https?:\/\/[^\s]+$/i.test(webhook)) bad('webhook', 'an http(s):// URL', webhook);

  const linesRaw = plain(own(r, 'lines'));
  const lines = list(linesRaw);
  if (lines === null || (lines !== '*' && lines.length === 0)) bad('lines', 'line ids (L1; L2) or * for every line', linesRaw);
  else if (lines !== '*') for (const l of lines) if (!LINE.test(l)) bad('lines', 'line ids of at most 128 characters', l);

  const shiftsRaw = plain(own(r, 'shifts'));
  let shiftList = shiftsRaw === undefined || shiftsRaw === null || shiftsRaw === '' ? '*' : list(shiftsRaw);
  if (shiftList === null) bad('shifts', 'shift names (early; late) or *', shiftsRaw);
  else if (shiftList !== '*') {
    shiftList = shiftList.map((s) => s.toLowerCase());
    for (const s of shiftList)
      if (!shifts.has(s)) bad('shifts', `a shift of the roster (${[...shifts.keys()].join(', ') || 'none defined: use *'})`, s);
  }
  const days = parseDays(plain(own(r, 'days')));
  if (typeof days === 'string') bad('days', days, own(r, 'days'));

  if (errs.length > before) return undefined;
  const e: RosterEntry = { name: name!, role: roleText!.toLowerCase(), lines: lines as string[] | '*', shifts: shiftList as string[] | '*', days: days as number[] };
  if (email) e.email = email;
  if (phone) e.phone = phone;
  if (webhook) e.webhook = webhook;
  return e;
}

/**
 * Parse a roster: `source` is CSV text (header row with the field names), JSON text of an array,
 * or an array of objects. `shifts` and `zone` as parsed by parseShifts and parseZone. Throws a
 * RosterError listing every bad row and field; an InputError when the source itself is unusable.
 */
export function parseRoster(source: unknown, shifts: Map<string, Shift>, zone: Zone, path = 'roster'): Roster {
  let rows: unknown[];
  let what: 'CSV' | 'JSON';
  let firstRow = 1;
  if (typeof source === 'string') {
    if (source.length > MAX_ROSTER_TEXT) throw new InputError(path, `a roster of at most ${MAX_ROSTER_TEXT} characters`, source);
    const t = source.replace(/^\uFEFF/, '').trim();
    if (t === '') throw new InputError(path, 'a roster: CSV with a header row (name,role,email,phone,webhook,lines,shifts,days) or a JSON array', source);
    if (t.startsWith('[')) {
      try {
        rows = JSON.parse(t);
      } catch (e) {
        throw new InputError(path, 'a JSON array of roster entries', source, e instanceof Error ? e.message : undefined);
      }
      what = 'JSON';
    } else {
      const parsed = Papa.parse<Record<string, string>>(t, { header: true, skipEmptyLines: 'greedy', transformHeader: (h) => h.trim().toLowerCase() });
      const fields = parsed.meta.fields ?? [];
      for (const f of ['name', 'role', 'lines']) if (!fields.includes(f)) throw new InputError(`${path}`, `a CSV header with the columns name, role, lines (and email, phone, webhook, shifts, days)`, fields.join(','));
      const unknown = fields.filter((f) => !(FIELDS as readonly string[]).includes(f) && f !== '');
      if (unknown.length) throw new InputError(path, `CSV columns among ${FIELDS.join(', ')}`, unknown.join(','));
      const rowErr = parsed.errors.find((e) => e.type !== 'FieldMismatch' || e.code === 'TooManyFields');
      if (rowErr) throw new RosterError([{ row: (rowErr.row ?? 0) + 2, field: 'row', error: rowErr.message }], 'CSV');
      rows = parsed.data;
      what = 'CSV';
      firstRow = 2;
    }
  } else if (Array.isArray(source)) {
    rows = source;
    what = 'JSON';
  } else throw new InputError(path, 'a roster: CSV text or a JSON array of entries', source);
  if (!Array.isArray(rows)) throw new InputError(path, 'a JSON array of roster entries', rows);
  if (rows.length === 0) throw new InputError(path, 'a roster with at least one entry', rows);
  if (rows.length > MAX_ROSTER_ENTRIES) throw new InputError(path, `at most ${MAX_ROSTER_ENTRIES} entries`, rows);
  const errs: RowError[] = [];
  const entries: RosterEntry[] = [];
  rows.forEach((r, i) => {
    const row = i + firstRow;
    if (!isObject(r)) {
      errs.push({ row, field: 'entry', error: `expected an object, got ${describeValue(r)}` });
      return;
    }
    const e = entryOf(r, row, shifts, errs);
    if (e) entries.push(e);
  });
  if (errs.length) throw new RosterError(errs, what);
  return { entries, shifts, zone };
}

/** Does `entry` cover `line` at local time `t`? */
function covers(roster: Roster, e: RosterEntry, line: string | undefined, t: LocalTime): boolean {
  if (e.lines !== '*' && (line === undefined || !e.lines.includes(line))) return false;
  if (e.shifts === '*') return e.days.includes(t.weekday);
  for (const name of e.shifts) {
    const s = roster.shifts.get(name);
    const start = s && shiftStartDay(s, t);
    if (start !== undefined && e.days.includes((((start + 4) % 7) + 7) % 7)) return true;
  }
  return false;
}

/** Who is on call for `line` at `ts` (optionally only these roles), in roster order. */
export function whoIsOnCall(roster: Roster, line: string | undefined, ts: number, roles?: readonly string[]): RosterEntry[] {
  const t = localTime(roster.zone, ts);
  return roster.entries.filter((e) => (!roles || roles.includes(e.role)) && covers(roster, e, line, t));
}
