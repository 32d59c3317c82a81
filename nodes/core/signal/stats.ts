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
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let s4 = 0;
  let min = Infinity;
  let max = -Infinity;
  if (out) {
    for (let i = 0; i < len; i++) {
      const v = +x[i];
      if (v < min) min = v;
      if (v > max) max = v;
      const d = v - c;
      out[i] = d;
      const d2 = d * d;
      s1 += d;
      s2 += d2;
      s3 += d2 * d;
      s4 += d2 * d2;
    }
  } else {
    for (let i = 0; i < len; i++) {
      const v = +x[i];
      if (v < min) min = v;
      if (v > max) max = v;
      const d = v - c;
      const d2 = d * d;
      s1 += d;
      s2 += d2;
      s3 += d2 * d;
      s4 += d2 * d2;
    }
  }
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
