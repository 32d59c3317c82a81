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
 * Statistics of x[0..len), copying the samples into `out` as x - mean (the FFT input). Two passes,
 * no allocation beyond the result.
 */
export function timeStats(x: ArrayLike<number>, len: number, out?: Float64Array): TimeStats {
  let sum = 0;
  let sumsq = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < len; i++) {
    const v = +x[i];
    sum += v;
    sumsq += v * v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const mean = sum / len;
  let m2 = 0;
  let m3 = 0;
  let m4 = 0;
  if (out) {
    for (let i = 0; i < len; i++) {
      const d = x[i] - mean;
      out[i] = d;
      const d2 = d * d;
      m2 += d2;
      m3 += d2 * d;
      m4 += d2 * d2;
    }
  } else {
    for (let i = 0; i < len; i++) {
      const d = x[i] - mean;
      const d2 = d * d;
      m2 += d2;
      m3 += d2 * d;
      m4 += d2 * d2;
    }
  }
  m2 /= len;
  m3 /= len;
  m4 /= len;
  const rms = Math.sqrt(sumsq / len);
  const peak = Math.max(Math.abs(min), Math.abs(max));
  // A constant frame has no shape: report 0 rather than NaN.
  const flat = m2 <= 1e-30 * Math.max(1, mean * mean);
  return {
    rms,
    peak,
    peakToPeak: max - min,
    crest: rms > 0 ? peak / rms : 0,
    kurtosis: flat ? 0 : m4 / (m2 * m2),
    skewness: flat ? 0 : m3 / Math.pow(m2, 1.5),
    std: Math.sqrt(m2),
    mean,
  };
}
