/** Small statistics used by the JIT nodes (pure, tested with known values). */

export function mean(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  let s = 0;
  for (const x of xs) s += x;
  return s / xs.length;
}

/** Sample standard deviation (n - 1); 0 for fewer than two values. */
export function sampleSd(xs: readonly number[]): number {
  if (xs.length < 2) return 0;
  const m = mean(xs);
  let s = 0;
  for (const x of xs) s += (x - m) * (x - m);
  return Math.sqrt(s / (xs.length - 1));
}

/**
 * Quantile with linear interpolation between order statistics (the common "type 7" definition,
 * as in spreadsheets and numpy's default): q(0.5) of [1,2,3,4] = 2.5, q(0.9) of 1..10 = 9.1.
 */
export function quantile(xs: readonly number[], q: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const h = (s.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.ceil(h);
  return s[lo]! + (h - lo) * (s[hi]! - s[lo]!);
}

export const median = (xs: readonly number[]) => quantile(xs, 0.5);

/** Round to n decimals for reports. */
export function round(x: number, n = 3): number {
  const f = 10 ** n;
  return Math.round(x * f) / f;
}
