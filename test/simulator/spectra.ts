/**
 * Reference spectra for the simulator proofs, computed here with fft.js on purpose: the
 * production spectrum and envelope code (nodes/core/signal/) is written by another engineer, and
 * the simulator must be proven against an independent computation.
 */
// eslint-disable-next-line @typescript-eslint/no-var-requires
const FFT = require('fft.js');

function nextPow2(n: number): number {
  let p = 1;
  while (p < n) p <<= 1;
  return p;
}

/** One-sided amplitude spectrum of a Hann-windowed, mean-removed frame (length must be a power of 2). */
export function amplitudeSpectrum(x: ArrayLike<number>, fs: number): { amp: Float64Array; df: number } {
  const n = x.length;
  if (nextPow2(n) !== n) throw new Error(`test spectrum needs a power of two, got ${n}`);
  let mean = 0;
  for (let i = 0; i < n; i++) mean += x[i];
  mean /= n;
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) w[i] = (x[i] - mean) * (0.5 - 0.5 * Math.cos((2 * Math.PI * i) / n));
  const f = new FFT(n);
  const out = f.createComplexArray();
  f.realTransform(out, w);
  const amp = new Float64Array(n / 2);
  // Hann coherent gain 0.5: amplitude = 2|X| / (n * 0.5).
  for (let k = 0; k < n / 2; k++) amp[k] = (4 * Math.hypot(out[2 * k], out[2 * k + 1])) / n;
  return { amp, df: fs / n };
}

/**
 * Envelope of the frame band-passed to [lo, hi] Hz: analytic signal by FFT Hilbert (positive
 * bins in the band doubled, all others zeroed, inverse FFT), magnitude.
 */
export function envelope(x: ArrayLike<number>, fs: number, lo: number, hi: number): Float64Array {
  const n = x.length;
  const f = new FFT(n);
  const input = f.createComplexArray();
  for (let i = 0; i < n; i++) input[2 * i] = x[i];
  const spec = f.createComplexArray();
  f.transform(spec, input);
  const df = fs / n;
  const kLo = Math.max(1, Math.ceil(lo / df));
  const kHi = Math.min(n / 2 - 1, Math.floor(hi / df));
  const band = f.createComplexArray();
  for (let k = kLo; k <= kHi; k++) {
    band[2 * k] = 2 * spec[2 * k];
    band[2 * k + 1] = 2 * spec[2 * k + 1];
  }
  const analytic = f.createComplexArray();
  f.inverseTransform(analytic, band);
  const env = new Float64Array(n);
  for (let i = 0; i < n; i++) env[i] = Math.hypot(analytic[2 * i], analytic[2 * i + 1]);
  return env;
}

/** Frequency (Hz) of the highest line of `amp` between lo and hi Hz. */
export function peakIn(amp: Float64Array, df: number, lo: number, hi: number): { freq: number; amp: number; bin: number } {
  let best = -1;
  for (let k = Math.ceil(lo / df); k <= Math.min(amp.length - 1, Math.floor(hi / df)); k++) if (best < 0 || amp[k] > amp[best]) best = k;
  return { freq: best * df, amp: amp[best], bin: best };
}

export function rms(x: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * x[i];
  return Math.sqrt(s / x.length);
}
