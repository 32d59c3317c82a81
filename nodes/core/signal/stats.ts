/**
 * Time-domain statistics of a frame (domain.md): RMS, peak, peak-to-peak, crest factor,
 * kurtosis (3 for Gaussian noise, not excess), skewness and standard deviation.
 *
 * Example: a sine of amplitude A has rms = A/sqrt(2), crest = 1.414, kurtosis = 1.5.
 */
export interface TimeStats {
  /** sqrt(mean(x^2)), mean included (the sensor's reading). */
  rms: number;
  /** max |x|. */
  peak: number;
  peakToPeak: number;
  /** peak / rms (0 for a silent frame). */
  crest: number;
  /** m4 / m2^2 of the mean-removed frame (0 for a constant frame). */
  kurtosis: number;
  /** m3 / m2^1.5 of the mean-removed frame. */
  skewness: number;
  /** Population standard deviation. */
  std: number;
  mean: number;
}

/**
 * Statistics of x[0..len) in one pass, no allocation beyond the result. With `out`, the samples
 * are copied into it as x - shift (returned as `shift`: the mean of the first 64 samples, close
 * to the frame's mean), the FFT input: a constant offset changes only bin 0 of the transform.
 * The moments are accumulated about that shift, so a large DC offset costs no precision.
 */
export function timeStats(x: ArrayLike<number>, len: number, out?: number[] | Float64Array): TimeStats & { shift: number } {
  const head = Math.min(len, 64);
  let c = 0;
  for (let i = 0; i < head; i++) c += +x[i];
  c /= head;
  // one loop per array kind, so each stays monomorphic in V8 (frames arrive as plain arrays from
  // messages, as typed arrays from files and tests)
  if (x instanceof Float64Array) sumsF64(x, len, c, out);
  else if (Array.isArray(x)) sumsArray(x as number[], len, c, out);
  else sumsAny(x, len, c, out);
  return finish(len, c);
}

/** Power sums of the last pass (module state: no allocation per frame). */
let s1 = 0;
let s2 = 0;
let s3 = 0;
let s4 = 0;
let min = 0;
let max = 0;

// The three loops below are the same code (see timeStats); `out` receives x - c when given.
// Two samples per step, their terms added first: each power sum then takes one dependent add
// per two samples (the single-sample loop was bound by those adds' latency), about 30 % faster.
function sumsF64(x: Float64Array, len: number, c: number, out?: number[] | Float64Array): void {
  let a1 = 0;
  let a2 = 0;
  let a3 = 0;
  let a4 = 0;
  let lo = +x[0];
  let hi = lo;
  const even = len & ~1;
  if (out) {
    for (let i = 0; i < even; i += 2) {
      const v = x[i];
      const w = x[i + 1];
      // new extremes are rare: these branches are predictable (ordering v and w first is not)
      if (v < lo) lo = v;
      else if (v > hi) hi = v;
      if (w < lo) lo = w;
      else if (w > hi) hi = w;
      const d = v - c;
      const e = w - c;
      out[i] = d;
      out[i + 1] = e;
      const d2 = d * d;
      const e2 = e * e;
      a1 += d + e;
      a2 += d2 + e2;
      a3 += d2 * d + e2 * e;
      a4 += d2 * d2 + e2 * e2;
    }
  } else {
    for (let i = 0; i < even; i += 2) {
      const v = x[i];
      const w = x[i + 1];
      // new extremes are rare: these branches are predictable (ordering v and w first is not)
      if (v < lo) lo = v;
      else if (v > hi) hi = v;
      if (w < lo) lo = w;
      else if (w > hi) hi = w;
      const d = v - c;
      const e = w - c;
      const d2 = d * d;
      const e2 = e * e;
      a1 += d + e;
      a2 += d2 + e2;
      a3 += d2 * d + e2 * e;
      a4 += d2 * d2 + e2 * e2;
    }
  }
  if (even < len) {
    const v = +x[even];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
    const d = v - c;
    if (out) out[even] = d;
    const d2 = d * d;
    a1 += d;
    a2 += d2;
    a3 += d2 * d;
    a4 += d2 * d2;
  }
  s1 = a1;
  s2 = a2;
  s3 = a3;
  s4 = a4;
  min = lo;
  max = hi;
}

function sumsArray(x: number[], len: number, c: number, out?: number[] | Float64Array): void {
  let a1 = 0;
  let a2 = 0;
  let a3 = 0;
  let a4 = 0;
  let lo = +x[0];
  let hi = lo;
  const even = len & ~1;
  if (out) {
    for (let i = 0; i < even; i += 2) {
      const v = +x[i];
      const w = +x[i + 1];
      // new extremes are rare: these branches are predictable (ordering v and w first is not)
      if (v < lo) lo = v;
      else if (v > hi) hi = v;
      if (w < lo) lo = w;
      else if (w > hi) hi = w;
      const d = v - c;
      const e = w - c;
      out[i] = d;
      out[i + 1] = e;
      const d2 = d * d;
      const e2 = e * e;
      a1 += d + e;
      a2 += d2 + e2;
      a3 += d2 * d + e2 * e;
      a4 += d2 * d2 + e2 * e2;
    }
  } else {
    for (let i = 0; i < even; i += 2) {
      const v = +x[i];
      const w = +x[i + 1];
      // new extremes are rare: these branches are predictable (ordering v and w first is not)
      if (v < lo) lo = v;
      else if (v > hi) hi = v;
      if (w < lo) lo = w;
      else if (w > hi) hi = w;
      const d = v - c;
      const e = w - c;
      const d2 = d * d;
      const e2 = e * e;
      a1 += d + e;
      a2 += d2 + e2;
      a3 += d2 * d + e2 * e;
      a4 += d2 * d2 + e2 * e2;
    }
  }
  if (even < len) {
    const v = +x[even];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
    const d = v - c;
    if (out) out[even] = d;
    const d2 = d * d;
    a1 += d;
    a2 += d2;
    a3 += d2 * d;
    a4 += d2 * d2;
  }
  s1 = a1;
  s2 = a2;
  s3 = a3;
  s4 = a4;
  min = lo;
  max = hi;
}

function sumsAny(x: ArrayLike<number>, len: number, c: number, out?: number[] | Float64Array): void {
  let a1 = 0;
  let a2 = 0;
  let a3 = 0;
  let a4 = 0;
  let lo = +x[0];
  let hi = lo;
  const even = len & ~1;
  if (out) {
    for (let i = 0; i < even; i += 2) {
      const v = +x[i];
      const w = +x[i + 1];
      // new extremes are rare: these branches are predictable (ordering v and w first is not)
      if (v < lo) lo = v;
      else if (v > hi) hi = v;
      if (w < lo) lo = w;
      else if (w > hi) hi = w;
      const d = v - c;
      const e = w - c;
      out[i] = d;
      out[i + 1] = e;
      const d2 = d * d;
      const e2 = e * e;
      a1 += d + e;
      a2 += d2 + e2;
      a3 += d2 * d + e2 * e;
      a4 += d2 * d2 + e2 * e2;
    }
  } else {
    for (let i = 0; i < even; i += 2) {
      const v = +x[i];
      const w = +x[i + 1];
      // new extremes are rare: these branches are predictable (ordering v and w first is not)
      if (v < lo) lo = v;
      else if (v > hi) hi = v;
      if (w < lo) lo = w;
      else if (w > hi) hi = w;
      const d = v - c;
      const e = w - c;
      const d2 = d * d;
      const e2 = e * e;
      a1 += d + e;
      a2 += d2 + e2;
      a3 += d2 * d + e2 * e;
      a4 += d2 * d2 + e2 * e2;
    }
  }
  if (even < len) {
    const v = +x[even];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
    const d = v - c;
    if (out) out[even] = d;
    const d2 = d * d;
    a1 += d;
    a2 += d2;
    a3 += d2 * d;
    a4 += d2 * d2;
  }
  s1 = a1;
  s2 = a2;
  s3 = a3;
  s4 = a4;
  min = lo;
  max = hi;
}

function finish(len: number, c: number): TimeStats & { shift: number } {
  const u = s1 / len; // mean - shift
  const e2 = s2 / len;
  const e3 = s3 / len;
  const e4 = s4 / len;
  const u2 = u * u;
  const m2 = Math.max(0, e2 - u2);
  const m3 = e3 - 3 * u * e2 + 2 * u2 * u;
  const m4 = Math.max(0, e4 - 4 * u * e3 + 6 * u2 * e2 - 3 * u2 * u2);
  const mean = c + u;
  const rms = Math.sqrt(m2 + mean * mean);
  const peak = Math.max(Math.abs(min), Math.abs(max));
  // A constant frame has no shape: report 0 rather than NaN.
  const flat = m2 <= 1e-30 * Math.max(1, mean * mean) || max === min;
  return {
    rms,
    peak,
    peakToPeak: max - min,
    crest: rms > 0 ? peak / rms : 0,
    kurtosis: flat ? 0 : m4 / (m2 * m2),
    skewness: flat ? 0 : m3 / Math.pow(m2, 1.5),
    std: flat ? 0 : Math.sqrt(m2),
    mean,
    shift: c,
  };
}
