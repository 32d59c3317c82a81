/**
 * Plain language for the floor: fault modes, severities, health states, ISO 10816 zones and RUL
 * as sentences a technician understands, in English and German, for dashboards and work-order
 * titles. Pure functions over the data the nodes emit (rel-diagnose's faults, rel-health's
 * health, rel-vibration's zone, rel-rul's rul); no Node-RED import.
 *
 *   faultSentence({ mode: 'bearing-outer-race', severity: 'alarm', evidence }, { channel: 'DE-accel' })
 *   -> "Outer ring of the drive-end bearing damaged: the defect frequency 107 Hz stands 66 times above the noise"
 */
import { durationIn, durationRange, durationUnit, hz, num, timesWords, withUnit, type Lang } from './format';

/** Above this many hours a forecast is shown as "more than 1,000 h" (no interval). */
export const RUL_CAP_H = 1000;

export type FaultMode = 'bearing-outer-race' | 'bearing-inner-race' | 'bearing-ball' | 'bearing-cage' | 'imbalance' | 'misalignment' | 'looseness';
export type Severity = 'watch' | 'warning' | 'alarm';
export type HealthState = 'learning' | 'normal' | 'warning' | 'alarm' | 'stopped';
export type Zone = 'A' | 'B' | 'C' | 'D';
/** Where on the machine a sensor sits: drive end, non-drive end, or not known. */
export type Location = 'DE' | 'NDE' | undefined;

/** The bearing position a channel name tells (DE-accel, nde_vib, "drive end" ...). */
export function locationOf(channel: string | undefined): Location {
  if (typeof channel !== 'string') return undefined;
  if (/(^|[^a-z])nde([^a-z]|$)|non[-_ ]?drive/i.test(channel)) return 'NDE';
  if (/(^|[^a-z])de([^a-z]|$)|drive[-_ ]?end/i.test(channel)) return 'DE';
  return undefined;
}

const BEARING_PART: Record<Lang, Record<string, string>> = {
  en: { 'bearing-outer-race': 'Outer ring', 'bearing-inner-race': 'Inner ring', 'bearing-ball': 'Rolling elements', 'bearing-cage': 'Cage' },
  de: { 'bearing-outer-race': 'Außenring', 'bearing-inner-race': 'Innenring', 'bearing-ball': 'Wälzkörper', 'bearing-cage': 'Käfig' },
};
const OTHER: Record<Lang, Record<string, string>> = {
  en: {
    imbalance: 'Rotor out of balance', misalignment: 'Shafts misaligned at the coupling', looseness: 'Mechanical looseness (mounting, bolts or bearing fit)',
    // rel-health's state changes (detect messages from rel-health, or a flow's `machine-health` finding)
    health: 'Machine health below normal', 'machine-health': 'Machine health below normal',
  },
  de: {
    imbalance: 'Unwucht am Rotor', misalignment: 'Wellen an der Kupplung nicht fluchtend', looseness: 'Mechanische Lose (Befestigung, Schrauben oder Lagersitz)',
    health: 'Maschinenzustand unter normal', 'machine-health': 'Maschinenzustand unter normal',
  },
};

/** Whether `mode` is one faultName words (else it falls back to the code). */
export function isKnownFault(mode: string): boolean {
  return Object.prototype.hasOwnProperty.call(BEARING_PART.en, mode) || Object.prototype.hasOwnProperty.call(OTHER.en, mode);
}

/**
 * A failure-mode code as readable words when no phrase is known for it: "manual-test" -> "Manual
 * test", "temp_high" -> "Temp high" (the code is the plant's own word, the same in every language).
 */
export function modeWords(mode: string): string {
  const w = mode.replace(/[-_.]+/g, ' ').replace(/\s+/g, ' ').trim();
  return w ? w.charAt(0).toUpperCase() + w.slice(1) : mode;
}

/** What is wrong, for titles and notices: the phrase of a known mode, else the code as words. */
export function faultPhrase(mode: string, lang: Lang = 'en', location?: Location): string {
  return isKnownFault(mode) ? faultName(mode, lang, location) : modeWords(mode);
}

/** What is wrong, as a short phrase: "Outer ring of the drive-end bearing damaged". */
export function faultName(mode: FaultMode | string, lang: Lang = 'en', location?: Location): string {
  const part = BEARING_PART[lang][mode];
  if (part) {
    if (lang === 'de') {
      const where = location === 'DE' ? 'antriebsseitigen ' : location === 'NDE' ? 'nicht antriebsseitigen ' : '';
      return `${part} des ${where}Lagers beschädigt`;
    }
    const where = location === 'DE' ? 'drive-end ' : location === 'NDE' ? 'non-drive-end ' : '';
    return `${part} of the ${where}bearing damaged`;
  }
  const other = OTHER[lang][mode];
  if (other) return other;
  return lang === 'de' ? `Befund: ${mode}` : `Finding: ${mode}`;
}

/** The figures a technician checks, read from rel-diagnose's evidence sentence. */
export interface EvidenceFigures {
  /** Frequency of the peak found (Hz). */
  hz?: number;
  /** The defect frequency the bearing's geometry predicts for it (Hz), when the sentence gives it. */
  expectedHz?: number;
  /** How many times the peak stands above the local noise floor. */
  prominence?: number;
  /** Velocity RMS (mm/s) and ISO zone, when the sentence gives them. */
  velocity?: number;
  zone?: Zone;
}

/** Reads the first peak's frequency and prominence (and the velocity and zone) from an evidence sentence. */
export function evidenceFigures(evidence: string | undefined): EvidenceFigures {
  const out: EvidenceFigures = {};
  if (typeof evidence !== 'string') return out;
  const f = /\bat (\d+(?:\.\d+)?) Hz/.exec(evidence);
  if (f) out.hz = Number(f[1]);
  const e = /\((?:BPFO|BPFI|BSF|FTF) expected (\d+(?:\.\d+)?) Hz\)/.exec(evidence);
  if (e) out.expectedHz = Number(e[1]);
  const p = /(over 1000|\d+(?:\.\d+)?)x (?:the local|or more above)/.exec(evidence);
  if (p) out.prominence = p[1] === 'over 1000' ? 1001 : Number(p[1]);
  const v = /velocity (\d+(?:\.\d+)?) mm\/s, ISO zone ([ABCD])/.exec(evidence);
  if (v) {
    out.velocity = Number(v[1]);
    out.zone = v[2] as Zone;
  }
  return out;
}

/** The bearing part a defect frequency belongs to, for "expected 108 Hz for the outer ring". */
const FOR_PART: Record<Lang, Record<string, string>> = {
  en: { 'bearing-outer-race': 'for the outer ring', 'bearing-inner-race': 'for the inner ring', 'bearing-ball': 'for the rolling elements', 'bearing-cage': 'for the cage' },
  de: { 'bearing-outer-race': 'für den Außenring', 'bearing-inner-race': 'für den Innenring', 'bearing-ball': 'für die Wälzkörper', 'bearing-cage': 'für den Käfig' },
};

/**
 * The evidence as a short clause: "the defect frequency, measured 107 Hz (expected 108 Hz for
 * the outer ring), stands 66 times above the noise" (the measured peak and the frequency the bearing's
 * geometry predicts, which the envelope chart marks); without the expected one "the defect
 * frequency 107 Hz stands 66 times above the noise".
 */
export function evidenceClause(mode: FaultMode | string, fig: EvidenceFigures, lang: Lang = 'en'): string {
  const bearing = mode.startsWith('bearing-');
  const parts: string[] = [];
  const forPart = bearing && fig.expectedHz !== undefined ? FOR_PART[lang][mode] : undefined;
  if (fig.hz !== undefined && fig.prominence !== undefined && forPart && fig.expectedHz !== undefined) {
    if (lang === 'de') parts.push(`die Schadensfrequenz, gemessen ${hz(fig.hz, lang)} (erwartet ${hz(fig.expectedHz, lang)} ${forPart}), steht ${timesWords(fig.prominence, lang)} über dem Rauschen`);
    else parts.push(`the defect frequency, measured ${hz(fig.hz, lang)} (expected ${hz(fig.expectedHz, lang)} ${forPart}), stands ${timesWords(fig.prominence, lang)} above the noise`);
  } else if (fig.hz !== undefined && fig.prominence !== undefined) {
    if (lang === 'de') parts.push(`${bearing ? 'die Schadensfrequenz' : 'die Linie bei'} ${hz(fig.hz, lang)} steht ${timesWords(fig.prominence, lang)} über dem Rauschen`);
    else parts.push(`${bearing ? 'the defect frequency' : 'the line at'} ${hz(fig.hz, lang)} stands ${timesWords(fig.prominence, lang)} above the noise`);
  } else if (fig.hz !== undefined) parts.push(lang === 'de' ? `Linie bei ${hz(fig.hz, lang)}` : `line at ${hz(fig.hz, lang)}`);
  if (fig.velocity !== undefined && fig.zone) {
    parts.push(lang === 'de' ? `Schwinggeschwindigkeit ${withUnit(fig.velocity, 'mm/s', lang)}, Zone ${fig.zone}` : `vibration ${withUnit(fig.velocity, 'mm/s', lang)}, zone ${fig.zone}`);
  }
  return parts.join(lang === 'de' ? '; ' : '; ');
}

/** A fault of rel-diagnose (or any {mode, evidence}) as one sentence. */
export function faultSentence(fault: { mode: FaultMode | string; evidence?: string; severity?: Severity }, opts: { lang?: Lang; channel?: string; location?: Location } = {}): string {
  const lang = opts.lang ?? 'en';
  const name = faultName(fault.mode, lang, opts.location ?? locationOf(opts.channel));
  const clause = evidenceClause(fault.mode, evidenceFigures(fault.evidence), lang);
  return clause ? `${name}: ${clause}` : name;
}

const SEVERITY: Record<Lang, Record<Severity, string>> = {
  en: { watch: 'Watch: check at the next round', warning: 'Warning: plan the repair', alarm: 'Alarm: act now' },
  de: { watch: 'Beobachten: beim nächsten Rundgang prüfen', warning: 'Warnung: Reparatur planen', alarm: 'Alarm: sofort handeln' },
};

/** What a severity asks of the technician: "Alarm: act now". */
export function severityText(s: Severity | string, lang: Lang = 'en'): string {
  return SEVERITY[lang][s as Severity] ?? s;
}

const STATE: Record<Lang, Record<HealthState, string>> = {
  en: { learning: 'Learning: the machine\'s normal state is being learned', normal: 'Normal: nothing to do', warning: 'Warning: plan maintenance', alarm: 'Alarm: act now', stopped: 'Stopped: the machine is not running' },
  de: { learning: 'Lernphase: der Normalzustand der Maschine wird gelernt', normal: 'Normal: nichts zu tun', warning: 'Warnung: Wartung planen', alarm: 'Alarm: sofort handeln', stopped: 'Stillstand: die Maschine läuft nicht' },
};

/** A health state for people: "Alarm: act now". */
export function healthState(state: HealthState | string, lang: Lang = 'en'): string {
  return STATE[lang][state as HealthState] ?? state;
}

/** rel-health's health as a sentence: "Health 62 of 100. Warning: plan maintenance". */
export function healthSentence(h: { score?: number | null; state: HealthState | string; learned?: number }, lang: Lang = 'en'): string {
  const st = healthState(h.state, lang);
  if (h.state === 'learning') {
    const pct = typeof h.learned === 'number' && Number.isFinite(h.learned) ? ` (${num(Math.round(h.learned * 100), lang, { decimals: 0 })} %)` : '';
    return `${st}${pct}`;
  }
  if (typeof h.score !== 'number' || !Number.isFinite(h.score)) return st;
  const score = num(Math.round(h.score), lang, { decimals: 0 });
  return lang === 'de' ? `Zustand ${score} von 100. ${st}` : `Health ${score} of 100. ${st}`;
}

const ZONE: Record<Lang, Record<Zone, string>> = {
  en: {
    A: 'as good as a new machine',
    B: 'fine for long-term operation',
    C: 'not for long-term operation: plan a repair',
    D: 'severe enough to damage the machine: act now',
  },
  de: {
    A: 'so gut wie eine neue Maschine',
    B: 'für den Dauerbetrieb in Ordnung',
    C: 'nicht für den Dauerbetrieb: Reparatur planen',
    D: 'stark genug, die Maschine zu schädigen: sofort handeln',
  },
};

const LOW_BUT_TROUBLED: Record<Lang, string> = {
  en: 'the overall vibration is still low; the fault shows in the spectrum before the level rises',
  de: 'die Gesamtschwingung ist noch niedrig; der Schaden zeigt sich im Spektrum, bevor der Pegel steigt',
};

/**
 * An ISO 10816 zone explained; with the velocity and the class limits (mm/s RMS at A/B, B/C,
 * C/D) it names where the value stands: "4.49 mm/s is in zone C (2.8 to 4.5 mm/s): not for
 * long-term operation: plan a repair".
 */
export function isoZoneText(zone: Zone | string, lang: Lang = 'en', velocity?: number, limits?: { ab: number; bc: number; cd: number }, opts: { state?: string } = {}): string {
  // A machine in warning or alarm with a low overall level (a bearing fault shows in the envelope
  // long before the velocity rises): say that, instead of "as good as a new machine".
  const troubled = (opts.state === 'warning' || opts.state === 'alarm') && (zone === 'A' || zone === 'B');
  const what = troubled ? LOW_BUT_TROUBLED[lang] : ZONE[lang][zone as Zone];
  if (!what) return lang === 'de' ? `Zone ${zone}` : `zone ${zone}`;
  if (velocity === undefined || !Number.isFinite(velocity)) return `${lang === 'de' ? 'Zone' : 'Zone'} ${zone}: ${what}`;
  const v = withUnit(velocity, 'mm/s', lang);
  let range = '';
  if (limits) {
    const to = lang === 'de' ? 'bis' : 'to';
    const b = (x: number) => num(x, lang, { decimals: x < 1 ? 2 : x < 10 ? 1 : 0 });
    range =
      zone === 'A' ? ` (${lang === 'de' ? 'unter' : 'below'} ${b(limits.ab)} mm/s)`
      : zone === 'B' ? ` (${b(limits.ab)} ${to} ${b(limits.bc)} mm/s)`
      : zone === 'C' ? ` (${b(limits.bc)} ${to} ${b(limits.cd)} mm/s)`
      : ` (${lang === 'de' ? 'ab' : 'from'} ${b(limits.cd)} mm/s)`;
  }
  return lang === 'de' ? `${v} liegt in Zone ${zone}${range}: ${what}` : `${v} is in zone ${zone}${range}: ${what}`;
}

const RUL_REASON: Record<Lang, Record<string, string>> = {
  en: { 'asset normal': 'no wear trend: the machine is normal', 'too little data': 'not enough readings yet for a forecast', 'no significant trend': 'no clear wear trend', plateau: 'the wear has levelled off' },
  de: { 'asset normal': 'kein Verschleißtrend: die Maschine ist normal', 'too little data': 'noch zu wenige Messungen für eine Prognose', 'no significant trend': 'kein klarer Verschleißtrend', plateau: 'der Verschleiß ist zum Stillstand gekommen' },
};

/** rel-rul's estimate: "About 3.1 days left (1.5 to 5.2 days)" or why there is none. */
export function rulSentence(rul: { hours: number; low?: number; high?: number | null } | null, lang: Lang = 'en', reason?: string): string {
  if (!rul || !Number.isFinite(rul.hours)) {
    const r = reason ? RUL_REASON[lang][reason] ?? reason : undefined;
    return lang === 'de' ? `Keine Restlebensdauer${r ? `: ${r}` : ''}` : `No remaining life estimate${r ? `: ${r}` : ''}`;
  }
  // the value and its interval in one unit (that of the larger end)
  const lowH = typeof rul.low === 'number' && Number.isFinite(rul.low) ? rul.low : undefined;
  const highH = typeof rul.high === 'number' && Number.isFinite(rul.high) ? rul.high : undefined;
  const unit = durationUnit(Math.max(rul.hours, highH ?? 0));
  const main = durationIn(rul.hours, unit, lang);
  const range = lowH !== undefined && highH !== undefined ? ` (${durationRange(lowH, highH, lang)})` : lowH !== undefined ? (lang === 'de' ? ` (mindestens ${durationIn(lowH, unit, lang)})` : ` (at least ${durationIn(lowH, unit, lang)})`) : '';
  return lang === 'de' ? `Noch etwa ${main}${range}` : `About ${main} left${range}`;
}

/** What a work-order title is made of: the finding's mode, the asset (id and, when known, name), where the sensor sits. */
export interface TitleInput {
  mode: string;
  /** The asset id (used when there is no name). */
  asset: string;
  /** The asset's name (rel-asset or the asset register), when known. */
  assetName?: string;
  /** The channel the finding came from ("DE-accel"): gives the bearing position. */
  channel?: string;
  location?: Location;
  /** A health score (0-100) at the detection, for health findings. */
  score?: number;
}

/** Longest title a work order stores (rel-work-order's `create` accepts the same). */
export const MAX_TITLE = 200;

/**
 * A work-order title in words: what is wrong, then the machine (its name when known, else its
 * id): "Outer ring of the drive-end bearing damaged – Conveyor 1" / "Außenring des
 * antriebsseitigen Lagers beschädigt – Förderband 1"; a health finding with its score:
 * "Machine health below normal – Press 1 (health 9 of 100)"; an unknown mode as words:
 * "Manual test – pump-1". At most MAX_TITLE characters.
 * (The older form `workOrderTitle(assetName, {mode}, {lang, channel})` gives the same text.)
 */
export function workOrderTitle(input: TitleInput, lang?: Lang): string;
export function workOrderTitle(assetName: string, fault: { mode: FaultMode | string }, opts?: { lang?: Lang; channel?: string; location?: Location }): string;
export function workOrderTitle(a: TitleInput | string, b?: Lang | { mode: FaultMode | string }, c: { lang?: Lang; channel?: string; location?: Location } = {}): string {
  const i: TitleInput = typeof a === 'string' ? { asset: a, mode: (b as { mode: string }).mode, channel: c.channel, location: c.location } : a;
  const lang: Lang = typeof a === 'string' ? (c.lang ?? 'en') : b === 'de' ? 'de' : 'en';
  const what = faultPhrase(i.mode, lang, i.location ?? locationOf(i.channel));
  const name = typeof i.assetName === 'string' && i.assetName.trim() ? i.assetName.trim() : i.asset;
  const score = typeof i.score === 'number' && Number.isFinite(i.score) ? ` (${lang === 'de' ? 'Zustand' : 'health'} ${num(Math.round(i.score), lang, { decimals: 0 })} ${lang === 'de' ? 'von' : 'of'} 100)` : '';
  const t = `${what} \u2013 ${name}${score}`;
  return t.length > MAX_TITLE ? `${t.slice(0, MAX_TITLE - 1)}\u2026` : t;
}

/** The RUL as a tile shows it: a value and an interval, or a short reason, never an absurd figure. */
export interface RulShort {
  /** "35 h", "3.1 days", "no wear trend", "estimate after more readings". */
  value: string;
  /** "20 to 45 h", "at least 2.1 days" (the value's unit), "" when there is none to show. */
  band: string;
  /** true when value is a figure (not a reason). */
  figure: boolean;
}

const RUL_WAIT: Record<Lang, string> = { en: 'estimate after more readings', de: 'Prognose nach weiteren Messungen' };
const RUL_CALM: Record<Lang, string> = { en: 'no wear trend', de: 'kein Verschleiß\u00adtrend' };

/** rel-rul's reason (which may carry detail after a colon) as a short phrase. */
export function rulReasonShort(reason: string | null | undefined, lang: Lang = 'en'): string {
  const r = typeof reason === 'string' ? reason.toLowerCase() : '';
  if (r.startsWith('asset normal') || r.startsWith('no significant trend') || r.startsWith('plateau')) return RUL_CALM[lang];
  if (r.startsWith('machine stopped')) return lang === 'de' ? 'Maschine steht' : 'machine stopped';
  return RUL_WAIT[lang];
}

/**
 * The remaining useful life for a tile (and the asset page), every figure of it in one unit.
 * Rules: no estimate -> the reason ("no wear trend", "estimate after more readings"); an estimate
 * of 0 h next to a healthy machine (health >= 70: after a repair the old trend still crosses the
 * limit) -> "estimate after more readings"; 1,000 h or more -> "no wear trend" (one wording with a
 * normal machine rel-rul fits no trend to). A machine in warning or alarm (`ctx.state`) whose
 * forecast is open (no upper end from rel-rul, or one past 1,000 h: the trend since the fault
 * does not bound it yet), or that has no trend -> "estimate after more readings" rather than a figure that contradicts the
 * alarm. Otherwise the value and its interval in the unit of the larger end ("10 days", "4.2 to
 * 30 days"); an open interval reads "at least 2.1 days".
 */
export function rulShort(rul: { hours: number; low?: number | null; high?: number | null } | null | undefined, lang: Lang = 'en', ctx: { health?: number | null; reason?: string | null; state?: string | null } = {}): RulShort {
  const de = lang === 'de';
  const troubled = ctx.state === 'warning' || ctx.state === 'alarm';
  const wait: RulShort = { value: RUL_WAIT[lang], band: '', figure: false };
  if (!rul || typeof rul.hours !== 'number' || !Number.isFinite(rul.hours) || rul.hours < 0) {
    const r = rulReasonShort(ctx.reason, lang);
    return troubled && r === RUL_CALM[lang] ? wait : { value: r, band: '', figure: false };
  }
  const healthy = typeof ctx.health === 'number' && ctx.health >= 70;
  if (rul.hours < 0.5 && healthy) return wait;
  // At the failure level ("0.0 h"): the machine may still run, but the forecast says its time is up.
  if (rul.hours < 0.05) return { value: de ? 'jetzt fällig' : 'due now', band: de ? 'Ausfallgrenze erreicht' : 'failure level reached', figure: false };
  if (rul.hours >= RUL_CAP_H) return troubled ? wait : { value: RUL_CALM[lang], band: '', figure: false };
  const lo = typeof rul.low === 'number' && Number.isFinite(rul.low) && rul.low >= 0 && rul.low <= rul.hours ? rul.low : undefined;
  const hi = typeof rul.high === 'number' && Number.isFinite(rul.high) && rul.high >= rul.hours ? rul.high : undefined;
  // an interval open past RUL_CAP_H, or open at the top (rel-rul's `high: null` / Infinity: the
  // trend stalls, "not before `low`"): the trend does not bound the failure yet
  const open = lo !== undefined && (rul.high === null || rul.high === Infinity || (hi !== undefined && hi >= RUL_CAP_H));
  if (troubled && open) return wait;
  if (open) {
    const unit = durationUnit(rul.hours);
    return { value: durationIn(rul.hours, unit, lang), band: `${de ? 'mindestens' : 'at least'} ${durationIn(lo, unit, lang)}`, figure: true };
  }
  if (lo === undefined || hi === undefined || hi - lo < 0.05) return { value: durationIn(rul.hours, durationUnit(rul.hours), lang), band: '', figure: true };
  return { value: durationIn(rul.hours, durationUnit(hi), lang), band: durationRange(lo, hi, lang), figure: true };
}
