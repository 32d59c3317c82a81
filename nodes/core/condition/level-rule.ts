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

/** The limit from the learned readings. */
export function levelLimit(learned: readonly number[], c: LevelRuleConfig): { mean: number; sd: number; limit: number; alpha: number } {
  const n = learned.length;
  const mean = learned.reduce((a, x) => a + x, 0) / n;
  const sd = Math.sqrt(learned.reduce((a, x) => a + (x - mean) ** 2, 0) / (n - 1));
  const alpha = levelAlpha(c);
  return { mean, sd, alpha, limit: mean + tQuantileUpper(alpha, n - 1) * sd * Math.sqrt(1 + 1 / n) };
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
