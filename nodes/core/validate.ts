/**
 * Input guards shared by every core function and node. Each reads own properties only (so
 * `__proto__` keys and prototype tricks are ignored), checks one thing and throws an InputError
 * naming the path, the expectation and what came.
 */
import { InputError } from './errors';

export type Obj = Record<string, unknown>;

/** Largest array any node accepts before allocating anything from it (4 Mi samples, ~85 s at 48 kHz). */
export const MAX_SAMPLES = 1 << 22;
/** Largest text (CSV, JSON) any node parses. */
export const MAX_TEXT = 16 * 1024 * 1024;

export function own(obj: unknown, key: string): unknown {
  if (obj === null || typeof obj !== 'object') return undefined;
  return Object.prototype.hasOwnProperty.call(obj, key) ? (obj as Obj)[key] : undefined;
}

export function isObject(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !Buffer.isBuffer(v) && !ArrayBuffer.isView(v);
}

export function object(v: unknown, path: string): Obj {
  if (!isObject(v)) throw new InputError(path, 'an object', v);
  return v;
}

export interface NumOpts {
  min?: number;
  max?: number;
  integer?: boolean;
  /** Minimum is exclusive (value must be greater). */
  gt?: number;
}

function checkRange(n: number, path: string, o: NumOpts, raw: unknown): number {
  const what = describeRange(o);
  if (!Number.isFinite(n)) throw new InputError(path, `a finite number${what}`, raw);
  if (o.integer && !Number.isInteger(n)) throw new InputError(path, `a whole number${what}`, raw);
  if (o.gt !== undefined && !(n > o.gt)) throw new InputError(path, `a number${what}`, raw);
  if (o.min !== undefined && n < o.min) throw new InputError(path, `a number${what}`, raw);
  if (o.max !== undefined && n > o.max) throw new InputError(path, `a number${what}`, raw);
  return n;
}

function describeRange(o: NumOpts): string {
  const parts: string[] = [];
  if (o.gt !== undefined) parts.push(`> ${o.gt}`);
  if (o.min !== undefined) parts.push(`>= ${o.min}`);
  if (o.max !== undefined) parts.push(`<= ${o.max}`);
  return parts.length ? ` ${parts.join(' and ')}` : '';
}

/**
 * Decimal notation only: digits with an optional sign, point and exponent. JavaScript's Number()
 * also reads "0x10" as 16, "0b11" as 3 and "" as 0; a value typed into a form or a spreadsheet
 * cell means what it shows, so those are refused.
 */
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** The number a decimal string shows, or NaN. */
export function parseDecimal(s: string): number {
  const t = s.trim();
  return DECIMAL.test(t) ? Number(t) : NaN;
}

/** A number (numeric strings from forms and CSV are accepted, in decimal notation only). */
export function num(v: unknown, path: string, o: NumOpts = {}): number {
  if (typeof v === 'number') return checkRange(v, path, o, v);
  if (typeof v === 'string' && !Number.isNaN(parseDecimal(v))) return checkRange(parseDecimal(v), path, o, v);
  const looksNumeric = typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v));
  throw new InputError(path, `a number${looksNumeric ? ' in decimal notation' : ''}${describeRange(o)}`, v);
}

export function optNum(v: unknown, path: string, o: NumOpts = {}): number | undefined {
  return v === undefined || v === null || v === '' ? undefined : num(v, path, o);
}

export function str(v: unknown, path: string, o: { maxLength?: number; allowEmpty?: boolean } = {}): string {
  const max = o.maxLength ?? 1000;
  if (typeof v !== 'string') throw new InputError(path, 'a string', v);
  if (!o.allowEmpty && v.trim() === '') throw new InputError(path, 'a non-empty string', v);
  if (v.length > max) throw new InputError(path, `a string of at most ${max} characters`, v);
  return v;
}

export function optStr(v: unknown, path: string, o: { maxLength?: number } = {}): string | undefined {
  return v === undefined || v === null ? undefined : str(v, path, { ...o, allowEmpty: true });
}

export function oneOf<T extends string>(v: unknown, path: string, allowed: readonly T[]): T {
  if (typeof v === 'string' && (allowed as readonly string[]).includes(v)) return v as T;
  throw new InputError(path, `one of ${allowed.join(', ')}`, v);
}

/** Latest time accepted (9999-12-31T23:59:59.999Z): beyond it a Date cannot show it, and such a value is a unit mistake (microseconds) or a clock glitch. */
export const MAX_TIME_MS = 253_402_300_799_999;

/**
 * Numbers of ms in this range are 1970-01-12 .. 1973-03-03: no plant clock says that, but seconds
 * since 1970 between 2001 and 5138 do. Such a number is refused unless the unit is said.
 */
export const SECONDS_LIKE_MIN = 1e9;
export const SECONDS_LIKE_MAX = 1e11;

/**
 * A time in ms since the epoch (0 to MAX_TIME_MS): a number, a decimal string, an ISO string or a
 * Date. A number that looks like seconds since 1970 (1e9 to 1e11, e.g. 1765000000) is refused
 * unless `unit: 's'` says it is seconds (then it is scaled) or `unit: 'ms'` says it is not.
 */
export function time(v: unknown, path: string, o: { unit?: 's' | 'ms' } = {}): number {
  let t = NaN;
  let numeric = false;
  if (v instanceof Date) t = v.getTime();
  else if (typeof v === 'number') {
    t = v;
    numeric = true;
  } else if (typeof v === 'string' && v.trim() !== '') {
    const n = parseDecimal(v);
    numeric = Number.isFinite(n);
    // Text other than a decimal number must be ISO 8601 (2026-12-06, 2026-12-06T08:00:00Z):
    // Date.parse also reads "1/2/2026" and "March 7", whose meaning depends on who typed them.
    t = numeric ? n : /^\s*\d{4}-\d{2}-\d{2}/.test(v) ? Date.parse(v) : NaN;
  }
  if (numeric && o.unit === 's') t *= 1000;
  else if (numeric && o.unit !== 'ms' && t >= SECONDS_LIKE_MIN && t < SECONDS_LIKE_MAX) {
    throw new InputError(path, 'a time in ms since 1970 (this looks like seconds: multiply by 1000, or give an ISO 8601 time)', v);
  }
  if (Number.isFinite(t) && t >= 0) {
    if (t <= MAX_TIME_MS) return t;
    throw new InputError(path, 'a time in ms since 1970 before the year 10000 (microseconds or a clock glitch?)', v);
  }
  throw new InputError(path, 'a time (ms since 1970 or an ISO 8601 string)', v);
}

export function optTime(v: unknown, path: string, fallback: number, o: { unit?: 's' | 'ms' } = {}): number {
  return v === undefined || v === null ? fallback : time(v, path, o);
}

/**
 * A numeric series: number[] or a typed array, capped at `max` before anything is allocated.
 * Every element must be finite. Returns a Float64Array view or copy.
 */
export function samples(v: unknown, path: string, o: { min?: number; max?: number } = {}): ArrayLike<number> {
  const min = o.min ?? 1;
  const max = o.max ?? MAX_SAMPLES;
  let len: number;
  if (Array.isArray(v)) len = v.length;
  else if (v instanceof Float64Array || v instanceof Float32Array || v instanceof Int16Array || v instanceof Int32Array || v instanceof Uint16Array) len = v.length;
  else throw new InputError(path, 'an array of numbers or a Float32Array/Float64Array', v);
  if (len > max) throw new InputError(path, `at most ${max.toLocaleString('en-US')} samples`, v, 'split the waveform into frames');
  if (len < min) throw new InputError(path, `at least ${min} samples`, v);
  // Number.isFinite is false for anything that is not a finite number, so one test per element
  // covers wrong types (plain arrays) and NaN/Infinity (typed arrays).
  const arr = v as ArrayLike<unknown>;
  for (let i = 0; i < len; i++) {
    if (!Number.isFinite(arr[i])) throw new InputError(`${path}[${i}]`, 'a finite number', arr[i]);
  }
  return v as ArrayLike<number>;
}
