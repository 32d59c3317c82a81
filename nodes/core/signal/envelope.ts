/**
 * Envelope (demodulation) analysis from one raw spectrum: the bins of a resonance band are
 * shifted to baseband and inverse-transformed with a short complex FFT, which gives the analytic
 * signal of the band-passed frame (its magnitude is the envelope) at a reduced rate. When the band
 * has more bins than the short transform, bins are folded modulo its size: that samples the same
 * analytic signal at fewer instants (exact values, coarser time grid). The envelope spectrum
 * (mean removed, Hann, real FFT) has the same resolution df = fs/N as the frame's spectrum.
 *
 * The band is fixed or chosen by spectral kurtosis: SK = E|z|^4 / (E|z|^2)^2 - 2 of the band's
 * analytic signal z (0 for Gaussian noise, > 0 for repeated impacts; Antoni 2006).
 *
 * Example: bandEnvelope(X, 16384, 2000 / df, 4000 / df, 2048, env) fills env with |z| at 2048
 * instants over the frame (fs_env = 2048 df).
 */
import { fftPlan } from './fft';
import { realForward, realPlan, realSpectrum } from './realfft';
import { WINDOW, windowedAmplitude } from './window';

/**
 * Envelope |z| of the band [loBin, hiBin) of the raw half spectrum x (interleaved, from an
 * n-point real FFT), sampled at m instants; written to env[0..m). Returns nothing; uses the
 * m-point plan's complex buffers.
 */
export function bandEnvelope(x: ArrayLike<number>, n: number, loBin: number, hiBin: number, m: number, env: Float64Array): void {
  const p = fftPlan(m);
  const cin = p.cin;
  // z[r] = (2/n) sum_j X[lo + j] e^{+2 pi i j r / m}; its magnitude equals that of the forward
  // transform of the conjugated bins (|conj(z)| = |z|), which fft.js computes faster than an
  // inverse transform (no final 1/m pass)
  const scale = 2 / n;
  const lo = Math.max(1, Math.floor(loBin));
  const hi = Math.min(n >> 1, Math.ceil(hiBin));
  // the first m bins are written, the rest of the buffer zeroed; further bins (more bins than
  // instants) are folded modulo m onto them, which samples z at m instants
  const first = Math.max(lo, Math.min(hi, lo + m));
  let t = 0;
  for (let k = lo; k < first; k++, t += 2) {
    cin[t] = x[2 * k] * scale;
    cin[t + 1] = -x[2 * k + 1] * scale;
  }
  for (let i = t; i < 2 * m; i++) cin[i] = 0;
  t = 0;
  for (let k = first; k < hi; k++) {
    cin[t] += x[2 * k] * scale;
    cin[t + 1] -= x[2 * k + 1] * scale;
    t += 2;
    if (t === 2 * m) t = 0;
  }
  p.fft.transform(p.out, cin);
  const o = p.out;
  for (let r = 0; r < m; r++) {
    const re = o[2 * r];
    const im = o[2 * r + 1];
    env[r] = Math.sqrt(re * re + im * im);
  }
}

/** What bandEnvelopeSpectrum measured on the envelope (module state, overwritten per call). */
export const envelopeStats = { mean: 0, kurtosis: 0 };

/**
 * The chosen band's envelope and its spectrum in one go (the pipeline's path): bandEnvelope's |z|
 * is written straight into the real-FFT input of the envelope spectrum while its mean and robust
 * spectral kurtosis (8 segments) are summed in the same pass (the same sums, in the same order, as
 * envelopeKurtosis/robustKurtosis and envelopeSpectrum: equal results); the spectrum is one m-point
 * real FFT (realfft.ts), the mean removed in the spectrum (bin 0 set to 0, which is what removing
 * it from the samples does), Hann-windowed and amplitude-corrected into amp[0..upTo] (bins above
 * are left as they were). Results in envelopeStats.
 */
export function bandEnvelopeSpectrum(x: ArrayLike<number>, n: number, loBin: number, hiBin: number, m: number, amp: Float64Array, upTo = m >> 1): void {
  const p = fftPlan(m);
  const cin = p.cin;
  const scale = 2 / n;
  const lo = Math.max(1, Math.floor(loBin));
  const hi = Math.min(n >> 1, Math.ceil(hiBin));
  const first = Math.max(lo, Math.min(hi, lo + m));
  let t = 0;
  for (let k = lo; k < first; k++, t += 2) {
    cin[t] = x[2 * k] * scale;
    cin[t + 1] = -x[2 * k + 1] * scale;
  }
  for (let i = t; i < 2 * m; i++) cin[i] = 0;
  t = 0;
  for (let k = first; k < hi; k++) {
    cin[t] += x[2 * k] * scale;
    cin[t + 1] -= x[2 * k + 1] * scale;
    t += 2;
    if (t === 2 * m) t = 0;
  }
  p.fft.transform(p.out, cin);
  const o = p.out;
  const rp = realPlan(m);
  const env = rp.input;
  const segs = m >> 3 >= 8 ? 8 : 1;
  const len = segs === 8 ? m >> 3 : m;
  let sum = 0;
  const k = SEG;
  for (let s = 0; s < segs; s++) {
    let s2 = 0;
    let s4 = 0;
    const end = (s + 1) * len;
    for (let r = s * len; r < end; r++) {
      const re = o[2 * r];
      const im = o[2 * r + 1];
      const e = Math.sqrt(re * re + im * im);
      env[r] = e;
      sum += e;
      const e2 = e * e;
      s2 += e2;
      s4 += e2 * e2;
    }
    s2 /= len;
    s4 /= len;
    k[s] = s2 > 0 ? s4 / (s2 * s2) - 2 : 0;
  }
  let kurt: number;
  if (segs === 8) {
    k.length = 8;
    k.sort(ascending);
    kurt = (k[3] + k[4]) / 2;
  } else kurt = k[0];
  envelopeStats.mean = sum / m;
  envelopeStats.kurtosis = kurt;
  realForward(rp);
  const top = Math.min(m >> 1, Math.floor(upTo) + 1);
  realSpectrum(rp, 0, top);
  const X = rp.out;
  X[0] = 0;
  X[1] = 0;
  windowedAmplitude(X, m, WINDOW.hann, amp, upTo);
}

/** Spectral kurtosis of an envelope segment: E|z|^4 / (E|z|^2)^2 - 2. */
export function envelopeKurtosis(env: Float64Array, m: number, from = 0): number {
  let s2 = 0;
  let s4 = 0;
  for (let i = from; i < from + m; i++) {
    const e2 = env[i] * env[i];
    s2 += e2;
    s4 += e2 * e2;
  }
  s2 /= m;
  s4 /= m;
  return s2 > 0 ? s4 / (s2 * s2) - 2 : 0;
}

/**
 * Spectral kurtosis that rewards repeated impacts, not one spike: the median of the SK of
 * `segments` equal parts of the envelope. A bearing defect strikes every revolution, so every
 * part is impulsive; an isolated glitch raises only one part.
 */
export function robustKurtosis(env: Float64Array, m: number, segments = 8): number {
  const len = Math.floor(m / segments);
  if (len < 8) return envelopeKurtosis(env, m);
  const k: number[] = SEG;
  for (let s = 0; s < segments; s++) k[s] = envelopeKurtosis(env, len, s * len);
  k.length = segments;
  k.sort(ascending);
  return segments % 2 ? k[segments >> 1] : (k[segments / 2 - 1] + k[segments / 2]) / 2;
}
const SEG: number[] = [];
/** Numeric order for sort (one function, not a closure per call). */
const ascending = (a: number, b: number): number => a - b;

/**
 * Amplitude spectrum of the envelope env[0..m) (mean removed, Hann, amplitude-corrected) into
 * amp[0..m/2] (only bins 0..upTo when upTo < m/2: the rest is left as it was). Returns the envelope mean (the DC level of the demodulated band).
 */
export function envelopeSpectrum(env: Float64Array, m: number, amp: Float64Array, upTo = m >> 1): number {
  const p = fftPlan(m);
  let mean = 0;
  for (let i = 0; i < m; i++) mean += env[i];
  mean /= m;
  const inp = p.input;
  for (let i = 0; i < m; i++) inp[i] = env[i] - mean;
  p.fft.realTransform(p.out, inp);
  windowedAmplitude(p.out, m, WINDOW.hann, amp, upTo);
  return mean;
}
