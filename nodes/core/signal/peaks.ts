/**
 * Peak search in an amplitude spectrum: the largest local maximum within a search window around
 * an expected frequency, and its prominence over the local noise floor (the median of the
 * spectrum around it). Medians use a caller-provided scratch buffer: no allocation.
 *
 * Example: findPeak(amp, 107.3 / df, 3, scratch) returns the bin of the BPFO line and its height
 * over the median of the neighbouring bins.
 */
export interface PeakFound {
  /** Bin index of the peak (fractional after parabolic interpolation). */
  bin: number;
  amplitude: number;
  /** Median amplitude of the surrounding bins. */
  floor: number;
  /** amplitude / floor. */
  prominence: number;
  /** True when the peak is a local maximum (not the edge of a slope from a neighbouring line). */
  localMax: boolean;
}

/**
 * k-th smallest of a[0..n) (reorders a): Hoare's selection (Wirth's form: two pointers meet,
 * swapping across the pivot) with a median-of-three pivot. Exact; on amplitude spectra about
 * 1.5-1.8x faster than the out-of-place branch-free partition used before (measured on spectrum
 * and envelope-spectrum windows of 41-201 bins), and it needs no buffer of its own.
 */
export function selectKth(a: Float64Array, n: number, k: number): number {
  let l = 0;
  let r = n - 1;
  while (l < r) {
    const x0 = a[l];
    const x1 = a[k];
    const x2 = a[r];
    const x = x0 < x1 ? (x1 < x2 ? x1 : x0 < x2 ? x2 : x0) : x0 < x2 ? x0 : x1 < x2 ? x2 : x1;
    let i = l;
    let j = r;
    do {
      while (a[i] < x) i++;
      while (x < a[j]) j--;
      if (i <= j) {
        const t = a[i];
        a[i] = a[j];
        a[j] = t;
        i++;
        j--;
      }
    } while (i <= j);
    if (j < k) l = i;
    if (k < i) r = j;
  }
  return a[k];
}

/** Median of amp[from..to] (inclusive, clipped to the array), via scratch. */
export function medianOf(amp: Float64Array, from: number, to: number, scratch: Float64Array, last = amp.length - 1): number {
  const a = Math.max(1, from);
  const b = Math.min(last, to);
  const n = b - a + 1;
  if (n <= 0) return 0;
  for (let i = 0; i < n; i++) scratch[i] = amp[a + i];
  return selectKth(scratch, n, n >> 1);
}

/**
 * The largest amplitude within centre +/- half bins, with its local noise floor: the median over
 * centre +/- floorHalf bins. Bins below `minBin` are not searched. With `into`, the result is
 * written there and returned (no allocation: the pipeline reads it at once).
 */
export function findPeak(amp: Float64Array, centre: number, half: number, floorHalf: number, scratch: Float64Array, last = amp.length - 1, minBin = 1, into?: PeakFound): PeakFound {
  const a = Math.max(minBin, Math.floor(centre - half));
  const b = Math.min(last, Math.ceil(centre + half));
  let best = a;
  let bestV = -1;
  let bestLocal = -1;
  let bestLocalV = -1;
  for (let i = a; i <= b; i++) {
    const v = amp[i];
    if (v > bestV) {
      bestV = v;
      best = i;
    }
    if (i > 0 && i < last && v >= amp[i - 1] && v >= amp[i + 1] && v > bestLocalV) {
      bestLocalV = v;
      bestLocal = i;
    }
  }
  const localMax = bestLocal >= 0;
  const k = localMax ? bestLocal : best;
  const v = localMax ? bestLocalV : Math.max(0, bestV);
  // parabolic interpolation of the peak position (on amplitudes)
  let bin = k;
  if (k > 0 && k < last) {
    const l = amp[k - 1];
    const r = amp[k + 1];
    const d = l - 2 * v + r;
    if (d < 0) bin = k + (0.5 * (l - r)) / d;
  }
  const floor = medianOf(amp, Math.floor(centre - floorHalf), Math.ceil(centre + floorHalf), scratch, last);
  const prominence = floor > 0 ? v / floor : 0;
  if (!into) return { bin, amplitude: v, floor, prominence, localMax };
  into.bin = bin;
  into.amplitude = v;
  into.floor = floor;
  into.prominence = prominence;
  into.localMax = localMax;
  return into;
}
