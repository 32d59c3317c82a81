/**
 * Numbers for people: sensible digits, units, durations, in English or German (decimal comma,
 * thin grouping as a technician reads it on a form). Pure, no Node-RED import.
 */
import { InputError } from '../errors';

export type Lang = 'en' | 'de';

export const LANGUAGES: readonly Lang[] = ['en', 'de'];

/**
 * A node's `language` setting (the text it writes into records and messages): 'en' or 'de'; empty
 * or missing (a flow saved before the setting) is 'en'; anything else is an InputError naming it.
 */
export function configLanguage(v: unknown, path = 'language'): Lang {
  if (v === undefined || v === null || v === '') return 'en';
  if (v === 'en' || v === 'de') return v;
  throw new InputError(path, 'en or de', v);
}

/** 'en', 'en-US', 'de', 'de-DE', 'de_AT' ... -> 'en' | 'de' (anything else: 'en'). */
export function langOf(locale: string | undefined | null): Lang {
  return typeof locale === 'string' && /^de([-_].*)?$/i.test(locale.trim()) ? 'de' : 'en';
}

/**
 * `x` rounded to `sig` significant digits (default 3), never to fewer than the integer part:
 * 107.36 -> 107, 4.4871 -> 4.49, 0.012345 -> 0.0123, 12345.6 -> 12346.
 */
export function roundSig(x: number, sig = 3): number {
  if (!Number.isFinite(x) || x === 0) return x;
  const mag = Math.floor(Math.log10(Math.abs(x)));
  const decimals = Math.max(0, sig - 1 - mag);
  const f = 10 ** decimals;
  // half away from zero, past the binary error of x * f (0.5555 -> 0.556, -0.5555 -> -0.556)
  const r = Math.round(Math.abs(x) * f * (1 + 4 * Number.EPSILON)) / f;
  return x < 0 ? -r : r;
}

/** Decimals `roundSig` keeps for `x` (for fixed formatting). */
function decimalsFor(x: number, sig: number): number {
  if (!Number.isFinite(x) || x === 0) return 0;
  return Math.max(0, sig - 1 - Math.floor(Math.log10(Math.abs(roundSig(x, sig)))));
}

/**
 * A number as text with sensible digits: 3 significant (at least the integer part), grouping of
 * thousands, the language's decimal sign. NaN / Infinity -> '-'.
 * en: 1,234.5 -> "1,235"; 4.4871 -> "4.49". de: "1.235"; "4,49".
 */
export function num(x: number, lang: Lang = 'en', opts: { sig?: number; decimals?: number } = {}): string {
  if (!Number.isFinite(x)) return '-';
  const decimals = opts.decimals ?? decimalsFor(x, opts.sig ?? 3);
  const v = opts.decimals !== undefined ? x : roundSig(x, opts.sig ?? 3);
  return v.toLocaleString(lang === 'de' ? 'de-DE' : 'en-US', { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
}

/** Units as written in each language (the rest are the same). */
const UNIT: Record<Lang, Record<string, string>> = {
  en: { rpm: 'rpm', degC: '°C', h: 'h', min: 'min', s: 's', d: 'days', pct: '%' },
  de: { rpm: '1/min', degC: '°C', h: 'h', min: 'min', s: 's', d: 'Tage', pct: '%' },
};

/** A value with its unit: "4.49 mm/s", "1.797 1/min", "72 %". */
export function withUnit(x: number, unit: string, lang: Lang = 'en', opts: { sig?: number; decimals?: number } = {}): string {
  const u = UNIT[lang][unit] ?? unit;
  return `${num(x, lang, opts)}\u00a0${u}`;
}

/** A frequency: whole Hz from 100 Hz, else 3 significant digits ("107 Hz", "29.9 Hz"). */
export function hz(x: number, lang: Lang = 'en'): string {
  return withUnit(x, 'Hz', lang, Math.abs(x) >= 100 ? { decimals: 0 } : {});
}

/** How many times above: "66x", "4.2x", "over 1000x" / "über 1000x". */
export function times(x: number, lang: Lang = 'en'): string {
  if (x > 1000) return lang === 'de' ? 'über 1000x' : 'over 1000x';
  return `${num(x, lang, { decimals: x >= 10 ? 0 : 1 })}x`;
}

/**
 * How many times above, in words for people: "66 times", "4.2 times", "more than 1,000 times" /
 * "66-fach", "4,2-fach", "über 1.000-fach". `times()` keeps the short "66x" of the stored evidence.
 */
export function timesWords(x: number, lang: Lang = 'en'): string {
  const de = lang === 'de';
  if (x > 1000) return de ? 'über 1.000-fach' : 'more than 1,000 times';
  const n = num(x, lang, { decimals: x >= 10 ? 0 : 1 });
  return de ? `${n}-fach` : `${n} times`;
}

/**
 * A duration in hours as a person says it: "45 min", "5.5 h", "3 days" / "45 min", "5,5 h",
 * "3 Tage", "about 6 weeks" / "etwa 6 Wochen".
 */
export function duration(hours: number, lang: Lang = 'en'): string {
  if (!Number.isFinite(hours)) return '-';
  const de = lang === 'de';
  if (hours < 1) return `${num(Math.max(0, hours * 60), lang, { decimals: 0 })}\u00a0min`;
  if (hours < 48) return `${num(hours, lang, { decimals: hours < 10 ? 1 : 0 })}\u00a0h`;
  const days = hours / 24;
  if (days < 14) return `${num(days, lang, { decimals: days < 10 ? 1 : 0 })}\u00a0${de ? 'Tage' : 'days'}`;
  const weeks = Math.round(days / 7);
  if (days < 120) return de ? `etwa ${weeks} Wochen` : `about ${weeks} weeks`;
  const months = Math.round(days / 30.4);
  return de ? `etwa ${months} Monate` : `about ${months} months`;
}

/** The unit a duration range is written in: minutes below 1 h, hours below 48 h, else days. */
export type DurationUnit = 'min' | 'h' | 'd';

/** The unit for a duration of `hours` (the larger end of a range decides for the whole range). */
export function durationUnit(hours: number): DurationUnit {
  return hours < 1 ? 'min' : hours < 48 ? 'h' : 'd';
}

/** `hours` as a figure in `unit` without the unit: whole minutes; hours and days with one decimal below 10. */
function durationFigure(hours: number, unit: DurationUnit, lang: Lang): string {
  const v = unit === 'min' ? Math.max(0, hours * 60) : unit === 'h' ? hours : hours / 24;
  return num(v, lang, { decimals: unit === 'min' || v >= 10 ? 0 : 1 });
}

/** `hours` in a given unit with the unit: "4.2 days", "20 h", "45 min" / "4,2 Tage". */
export function durationIn(hours: number, unit: DurationUnit, lang: Lang = 'en'): string {
  if (!Number.isFinite(hours)) return '-';
  return `${durationFigure(hours, unit, lang)}\u00a0${unit === 'd' ? (lang === 'de' ? 'Tage' : 'days') : unit}`;
}

/**
 * A range of durations in ONE unit (the one the larger end needs): "4.2 to 42 days",
 * "9.1 to 25 h", "20 to 45 min" / "4,2 bis 42 Tage". Never "7.0 days to 1,000 h".
 */
export function durationRange(lowHours: number, highHours: number, lang: Lang = 'en'): string {
  if (!Number.isFinite(lowHours) || !Number.isFinite(highHours)) return '-';
  const lo = Math.min(lowHours, highHours);
  const hi = Math.max(lowHours, highHours);
  const unit = durationUnit(hi);
  return `${durationFigure(lo, unit, lang)} ${lang === 'de' ? 'bis' : 'to'} ${durationIn(hi, unit, lang)}`;
}

/**
 * A time of day in the plant's time zone (an IANA name such as `Europe/Berlin`; an unknown or
 * empty zone falls back to UTC): "14:05:09" (24 h in both languages, as a floor screen shows it);
 * with `date`, "6 Dec 2026, 14:05" / "6. Dez. 2026, 14:05".
 */
export function localTime(ts: number, lang: Lang = 'en', tz?: string, opts: { date?: boolean; seconds?: boolean } = {}): string {
  if (!Number.isFinite(ts)) return '-';
  const o: Intl.DateTimeFormatOptions = { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' };
  if (opts.seconds ?? !opts.date) o.second = '2-digit';
  if (opts.date) Object.assign(o, { day: 'numeric', month: 'short', year: 'numeric' });
  const locale = lang === 'de' ? 'de-DE' : 'en-GB';
  try {
    return new Date(ts).toLocaleString(locale, { ...o, timeZone: tz || 'UTC' });
  } catch {
    return new Date(ts).toLocaleString(locale, { ...o, timeZone: 'UTC' });
  }
}

/** How long there has been no data: "no data for 2 min" / "seit 2 min keine Daten" (40 s, 2 min, 3.5 h, 2.1 days). */
export function staleText(ageMs: number, lang: Lang = 'en'): string {
  const s = Math.max(0, ageMs) / 1000;
  const age = s < 60 ? `${Math.floor(s)}\u00a0s` : s < 7200 ? `${Math.floor(s / 60)}\u00a0min` : duration(s / 3600, lang);
  return lang === 'de' ? `seit ${age} keine Daten` : `no data for ${age}`;
}
