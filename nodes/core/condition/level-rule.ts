/**
 * A one-sided level rule for a degradation indicator (vibration RMS, a temperature): learned
 * mean and sd over the first `learn` readings, then a limit from a false-alarm budget, raised
 * after `persistence` consecutive readings above it. Pure; see docs/validation.md (FEMTO).
 *
 * - alpha = R k / P (R false episodes allowed per hour of healthy running, k = persistence, P
 *   readings per hour): every false episode holds at least k exceedances, so the episode rate is
 *   at most alpha P / k whatever the autocorrelation (the bound rel-health's machine mode uses).
 * - limit = mean + t(1 - alpha; n - 1) sd sqrt(1 + 1/n): the one-sided prediction limit for a new
 *   reading when mean and sd are estimated from n readings.
 * Only rises count: wear raises vibration and temperature; a fall (a run-in settling) is no alarm.
 */
import { fQuantileUpper } from './scalar';

export interface LevelRuleConfig {
  /** False episodes allowed per hour of healthy running. */
  perHour: number;
  /** Consecutive readings above the limit. */
  persistence: number;
  /** Readings learned. */
  learn: number;
  /** Readings per hour. */
  perHourReadings: number;
}

/** Upper quantile of Student's t with nu degrees of freedom (t^2 is F(1, nu)). */
export function tQuantileUpper(alpha: number, nu: number): number {
  return Math.sqrt(fQuantileUpper(2 * alpha, 1, nu));
}

export function levelAlpha(c: LevelRuleConfig): number {
  return Math.min(0.5, (c.perHour * c.persistence) / c.perHourReadings);
}

/** Mean and sample sd (n - 1) of the learned readings. */
function meanSd(xs: readonly number[]): { mean: number; sd: number } {
  const n = xs.length;
  const mean = xs.reduce((a, x) => a + x, 0) / n;
  return { mean, sd: Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (n - 1)) };
}

/** The one-sided prediction limit for a new reading: mean + t(1 - alpha; n - 1) sd sqrt(1 + 1/n). */
function predictionLimit(mean: number, sd: number, n: number, alpha: number): number {
  return mean + tQuantileUpper(alpha, n - 1) * sd * Math.sqrt(1 + 1 / n);
}

/** The limit from the learned readings. */
export function levelLimit(learned: readonly number[], c: LevelRuleConfig): { mean: number; sd: number; limit: number; alpha: number } {
  const { mean, sd } = meanSd(learned);
  const alpha = levelAlpha(c);
  return { mean, sd, alpha, limit: predictionLimit(mean, sd, learned.length, alpha) };
}

/** Index of the reading that raises the rule (the k-th in a row above the limit), -1 when none. */
export function levelRuleFires(xs: readonly number[], c: LevelRuleConfig): { index: number; limit: number } {
  if (!(c.learn >= 3) || xs.length < c.learn) return { index: -1, limit: NaN };
  const { limit } = levelLimit(xs.slice(0, c.learn), c);
  let run = 0;
  for (let i = c.learn; i < xs.length; i++) {
    if (xs[i] > limit) {
      if (++run >= c.persistence) return { index: i, limit };
    } else run = 0;
  }
  return { index: -1, limit };
}

/**
 * rel-health's level rule (config rule "level"): what a stream learns. The limits are derived
 * from it at scoring time (`levelLimits`), so a new budget or dwell applies without relearning.
 */
export interface LevelModel {
  /** The feature scored (rms for rel-vibration features; the channel for a scalar reading). */
  feature: string;
  /** Its index in the stream's feature list. */
  index: number;
  mean: number;
  sd: number;
  n: number;
  /** Readings per hour during learning ((n - 1) / learning span). */
  perHourReadings: number;
}

/**
 * The warning budget is this many times the alarm budget: a decade more false episodes are
 * tolerated for a warning (a convention, not fitted to any data).
 */
export const LEVEL_WARN_FACTOR = 10;
/**
 * The failure level in times the learned healthy mean: where rel-health's level-rule health
 * reaches 10, and rel-rul's default failure level for its level indicator (the one constant for
 * both). 6.3 is the ratio of the zone C/D boundary (damage) to the A/B boundary (a new machine) in
 * ISO 10816-1, the same for its four classes (2.5^2: each boundary 8 dB above the last); ISO 10816-3
 * gives about 3.1-3.2 (nodes/core/signal/iso10816.ts), so on such machines it is late. The zones
 * are of velocity RMS; applying the ratio to the acceleration RMS rel-vibration reports is an
 * assumption (a defect's velocity and acceleration are not in fixed proportion). Set per node:
 * rel-rul's "Failure at" (times the mean); rel-health's health 10 stays at this ratio.
 */
export const LEVEL_FAILURE_RATIO = 6.3;
/** Alarm budgets never ask for more than this tail probability per reading. */
const MAX_ALPHA = 0.25;

/** The level model from the learning frames (rows of values), learned from `from` to `to` (ms). */
export function fitLevelModel(feature: string, index: number, rows: readonly (readonly number[])[], from: number, to: number): LevelModel {
  const n = rows.length;
  if (n < 3) throw new RangeError('fitLevelModel: need at least 3 frames');
  const { mean, sd: s } = meanSd(rows.map((r) => r[index]));
  let sd = s;
  // a constant learning window: 1 % of |mean| (or 1e-9), as the profile baseline's floor
  const floor = Math.max(1e-9, 0.01 * Math.abs(mean));
  if (!(sd >= floor)) sd = floor;
  const hours = (to - from) / 3.6e6;
  // no time span (all frames at one time): one reading a second, the strictest budget per reading
  const perHourReadings = hours > 0 ? (n - 1) / hours : 3600;
  return { feature, index, mean, sd, n, perHourReadings };
}

export interface LevelLimits {
  warnLimit: number;
  alarmLimit: number;
  /** Level at health 10 (LEVEL_FAILURE_RATIO x mean, at least 1.5 x the alarm's distance above the mean). */
  failLevel: number;
  alphaWarn: number;
  alphaAlarm: number;
  /** Scale of the prediction: sd sqrt(1 + 1/n). */
  scale: number;
}

const limitCache = new Map<string, LevelLimits>();

/** The warning and alarm limits for a budget of `alarmEveryHours` running hours per false alarm, `persistence` readings in a row. */
export function levelLimits(m: LevelModel, alarmEveryHours: number, persistence: number): LevelLimits {
  const key = `${m.mean}|${m.sd}|${m.n}|${m.perHourReadings}|${alarmEveryHours}|${persistence}`;
  const hit = limitCache.get(key);
  if (hit) return hit;
  const base = { learn: m.n, persistence, perHourReadings: m.perHourReadings };
  const alphaAlarm = Math.min(MAX_ALPHA, levelAlpha({ ...base, perHour: 1 / alarmEveryHours }));
  const alphaWarn = Math.min(MAX_ALPHA, Math.max(alphaAlarm, levelAlpha({ ...base, perHour: LEVEL_WARN_FACTOR / alarmEveryHours })));
  const scale = m.sd * Math.sqrt(1 + 1 / m.n);
  const alarmLimit = predictionLimit(m.mean, m.sd, m.n, alphaAlarm);
  const warnLimit = Math.min(alarmLimit, predictionLimit(m.mean, m.sd, m.n, alphaWarn));
  const failLevel = Math.max(m.mean > 0 ? LEVEL_FAILURE_RATIO * m.mean : -Infinity, m.mean + 1.5 * (alarmLimit - m.mean));
  const out = { warnLimit, alarmLimit, failLevel, alphaWarn, alphaAlarm, scale };
  if (limitCache.size > 1000) limitCache.clear();
  limitCache.set(key, out);
  return out;
}

/**
 * Health 0-100 from the level: 100 up to the learned mean, 85 at the warning limit, 70 at the
 * alarm limit, 10 at the failure level, 0 beyond; piecewise linear in log(level) when the mean is
 * positive (amplitudes: a doubling is the same news at any level), else in the level itself.
 * So rel-health's warning (below 85) and alarm (below 70) states, with the dwell, are the level
 * rule, and rel-rul's default failure at health 10 is the level LEVEL_FAILURE_RATIO x the mean.
 */
export function levelHealth(m: LevelModel, l: LevelLimits, x: number): number {
  if (!Number.isFinite(x)) return NaN;
  const pos = m.mean > 0;
  const g = (v: number) => (pos ? Math.log(Math.max(v, m.mean * 1e-6)) : v);
  const u = g(x) - g(m.mean);
  if (u <= 0) return 100;
  const w = Math.max(1e-12, g(l.warnLimit) - g(m.mean));
  const a = Math.max(w + 1e-12, g(l.alarmLimit) - g(m.mean));
  const f = Math.max(a + 1e-12, g(l.failLevel) - g(m.mean));
  if (u <= w) return 100 - (15 * u) / w;
  if (u <= a) return 85 - (15 * (u - w)) / (a - w);
  return Math.max(0, 70 - (60 * (u - a)) / (f - a));
}
