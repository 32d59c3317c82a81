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

/** Partition buffers of selectKth, grown to the largest n seen (no allocation per call after that). */
let partA: Float64Array = new Float64Array(512);
let partB: Float64Array = new Float64Array(512);

/**
 * k-th smallest of a[0..n) (reorders a). Quickselect with a median-of-three pivot, partitioning
 * out of place into two buffers with branch-free index updates: on amplitude spectra the
 * classic in-place swap loop mispredicts about every other comparison, this one does not.
 */
export function selectKth(a: Float64Array, n: number, k: number): number {
  if (partA.length < n) {
    partA = new Float64Array(n);
    partB = new Float64Array(n);
  }
  let src: Float64Array = a;
  let dst: Float64Array = partA;
  let len = n;
  while (len > 12) {
    const x = src[0];
    const y = src[len >> 1];
    const z = src[len - 1];
    const p = x < y ? (y < z ? y : x < z ? z : x) : x < z ? x : y < z ? z : y;
    // dst[0..lt) < p, dst[lt..len) >= p
    let lt = 0;
    let ge = len;
    for (let i = 0; i < len; i++) {
      const v = src[i];
      const c = v < p ? 1 : 0;
      dst[lt] = v;
      dst[ge - 1] = v;
      lt += c;
      ge -= 1 - c;
    }
    if (k < lt) len = lt;
    else {
      let eq = 0;
      for (let i = lt; i < len; i++) if (dst[i] === p) eq++;
      if (k < lt + eq || eq === 0) return p; // eq === 0 only for NaN: stop rather than loop
      let m = 0;
      for (let i = lt; i < len; i++) {
        const v = dst[i];
        if (v !== p) dst[m++] = v;
      }
      k -= lt + eq;
      len = m;
    }
    const t = src === a ? partB : src;
    src = dst;
    dst = t;
  }
  for (let i = 1; i < len; i++) {
    const v = src[i];
    let j = i - 1;
    while (j >= 0 && src[j] > v) {
      src[j + 1] = src[j];
      j--;
    }
    src[j + 1] = v;
  }
  return src[k];
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
 * centre +/- floorHalf bins. Bins below `minBin` are not searched.
 */
export function findPeak(amp: Float64Array, centre: number, half: number, floorHalf: number, scratch: Float64Array, last = amp.length - 1, minBin = 1): PeakFound {
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
  return { bin, amplitude: v, floor, prominence: floor > 0 ? v / floor : 0, localMax };
}
