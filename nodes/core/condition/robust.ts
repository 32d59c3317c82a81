/**
 * Robust statistics used by the baseline, anomaly and remaining-life code: median, MAD,
 * quantiles, the Theil-Sen line with Sen's slope interval, lag-1 autocorrelation and the
 * standard normal quantile. Pure functions, no allocation beyond one sorted copy.
 */

/** Median of a non-empty list (NaN for an empty one). Example: median([3, 1, 2]) = 2. */
export function median(xs: ArrayLike<number>): number {
  return quantile(xs, 0.5);
}

/** Linear-interpolated quantile (type 7, as numpy's default) of a list; p in [0, 1]. */
export function quantile(xs: ArrayLike<number>, p: number): number {
  const n = xs.length;
  if (n === 0) return NaN;
  const s = Float64Array.from(xs as ArrayLike<number>).sort();
  const h = (n - 1) * Math.min(1, Math.max(0, p));
  const lo = Math.floor(h);
  const hi = Math.min(n - 1, lo + 1);
  return s[lo] + (h - lo) * (s[hi] - s[lo]);
}

/** Median absolute deviation around the median, scaled by 1.4826 so it estimates sigma for Gaussian data. */
export function mad(xs: ArrayLike<number>, center = median(xs)): number {
  const d = new Float64Array(xs.length);
  for (let i = 0; i < xs.length; i++) d[i] = Math.abs(xs[i] - center);
  return 1.4826 * median(d);
}

/** Standard normal quantile (Acklam's rational approximation, |error| < 1.2e-9). */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError('normalQuantile: p must be in (0, 1)');
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const pl = 0.02425;
  if (p < pl) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  if (p > 1 - pl) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

export interface TheilSen {
  /** Median of pairwise slopes (y units per x unit). */
  slope: number;
  /** Median of y - slope * x. */
  intercept: number;
  /** Sen's distribution-free interval for the slope at `level`, widened by `inflate`. */
  slopeLow: number;
  slopeHigh: number;
  /** Points used. */
  n: number;
  /** The pairwise slopes, sorted (for senBounds at another level or inflation). */
  slopes: Float64Array;
}

/**
 * Theil-Sen line y = intercept + slope * x with Sen's (1968) slope interval: the pairwise slopes
 * ranked, bounds at ranks (N -/+ C)/2 with C = z * sqrt(n(n-1)(2n+5)/18). `inflate` widens C for
 * autocorrelated residuals (sqrt((1+rho)/(1-rho)), the effective-sample-size correction).
 * Breakdown point 29 %: up to 29 % of the points may be outliers. O(n^2 log n); callers cap n.
 * Example: x = [0,1,2,3], y = [1,3,5,7] gives slope 2, intercept 1.
 */
export function theilSen(x: ArrayLike<number>, y: ArrayLike<number>, level = 0.9, inflate = 1): TheilSen {
  const n = x.length;
  if (n < 2 || y.length !== n) throw new RangeError('theilSen: need at least 2 points of (x, y)');
  const slopes: number[] = [];
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) {
    const dx = x[j] - x[i];
    if (dx !== 0) slopes.push((y[j] - y[i]) / dx);
  }
  if (!slopes.length) throw new RangeError('theilSen: all x are equal');
  const s = Float64Array.from(slopes).sort();
  const N = s.length;
  const slope = N % 2 ? s[(N - 1) / 2] : (s[N / 2 - 1] + s[N / 2]) / 2;
  const r = new Float64Array(n);
  for (let i = 0; i < n; i++) r[i] = y[i] - slope * x[i];
  const intercept = median(r);
  const [slopeLow, slopeHigh] = senBounds(s, n, level, inflate);
  return { slope, intercept, slopeLow, slopeHigh, n, slopes: s };
}

/** Sen's slope interval from the sorted pairwise slopes of n points. */
export function senBounds(sorted: Float64Array, n: number, level: number, inflate = 1): [number, number] {
  const N = sorted.length;
  const C = normalQuantile(1 - (1 - level) / 2) * Math.sqrt((n * (n - 1) * (2 * n + 5)) / 18) * inflate;
  const lo = Math.max(0, Math.floor((N - C) / 2));
  const hi = Math.min(N - 1, Math.ceil((N + C) / 2));
  return [sorted[lo], sorted[hi]];
}

/** Lag-1 autocorrelation of a series (0 for fewer than 3 points or zero variance). */
export function lag1(xs: ArrayLike<number>): number {
  const n = xs.length;
  if (n < 3) return 0;
  let m = 0;
  for (let i = 0; i < n; i++) m += xs[i];
  m /= n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    const d = xs[i] - m;
    den += d * d;
    if (i > 0) num += d * (xs[i - 1] - m);
  }
  return den > 0 ? num / den : 0;
}
