/**
 * The N-point real FFT as the textbook algorithm: the N real samples, read as N/2 interleaved
 * complex values z[n] = x[2n] + i x[2n+1] (which is exactly fft.js's complex input layout: no
 * copy), go through one N/2-point complex fft.js transform, then a split pass gives the half
 * spectrum X[0..N/2]:
 *
 *   E[k] = (Z[k] + conj Z[N/2-k]) / 2,  O[k] = (Z[k] - conj Z[N/2-k]) / (2i),  X[k] = E[k] + e^{-2 pi i k/N} O[k].
 *
 * The split is done only over the bins the caller reads (`realSpectrum(p, from, to)`, ranges may be
 * called several times per transform; every bin gets the same value whichever ranges computed it).
 * Same spectrum as fft.js `realTransform` to rounding (tested: max abs difference <= 1e-13 of the
 * spectrum's scale, N = 4..65536) at about 0.75x its cost, plus the split pass.
 *
 * Example: const p = realPlan(16384); copy the frame into p.input; realForward(p); realSpectrum(p, 0, 1400);
 *   p.out[2k], p.out[2k+1] = Re, Im of bin k (k in 0..1400), as realTransform would write them.
 */
import FFT from 'fft.js';
import { fftBuffer, isPow2, MAX_FFT_SIZE, type FftBuf } from './fft';

export interface RealPlan {
  readonly n: number;
  /** The N/2-point complex transform. */
  readonly fft: FFT;
  /** Real input, N samples (= N/2 interleaved complex values). */
  readonly input: FftBuf;
  /** The complex transform's output, N/2 interleaved complex values. */
  readonly z: FftBuf;
  /** Half spectrum, interleaved re/im, bins 0..N/2 (N + 2 values): only the bins split are valid. */
  readonly out: FftBuf;
  /** cos(2 pi k / N), sin(2 pi k / N) for k = 0..N/2. */
  readonly cos: Float64Array;
  readonly sin: Float64Array;
}

const plans = new Map<number, RealPlan>();
const MAX_PLANS = 8;

/** The cached real-FFT plan for a power-of-two size n >= 4. */
export function realPlan(n: number): RealPlan {
  let p = plans.get(n);
  if (p) {
    if (plans.size < MAX_PLANS) return p; // recency matters only once the cache is full
    plans.delete(n);
    plans.set(n, p);
    return p;
  }
  if (!isPow2(n) || n < 4 || n > MAX_FFT_SIZE) throw new RangeError(`real FFT size must be a power of two from 4 to ${MAX_FFT_SIZE}, got ${n}`);
  const h = n >> 1;
  const cos = new Float64Array(h + 1);
  const sin = new Float64Array(h + 1);
  for (let k = 0; k <= h; k++) {
    cos[k] = Math.cos((2 * Math.PI * k) / n);
    sin[k] = Math.sin((2 * Math.PI * k) / n);
  }
  // exact values where they are known (symmetry of the table)
  cos[h >> 1] = 0;
  sin[h >> 1] = 1;
  cos[h] = -1;
  sin[h] = 0;
  p = { n, fft: new FFT(h), input: fftBuffer(n), z: fftBuffer(n), out: fftBuffer(n + 2), cos, sin };
  plans.set(n, p);
  while (plans.size > MAX_PLANS) plans.delete(plans.keys().next().value as number);
  return p;
}

/** The N/2-point complex transform of p.input into p.z (then realSpectrum for the bins wanted). */
export function realForward(p: RealPlan): void {
  p.fft.transform(p.z, p.input);
}

/**
 * Split pass: bins from..to (inclusive, clipped to 0..N/2) of the real spectrum into p.out. Bins k
 * and N/2 - k read the same two values of Z, so where both are in the range they are computed
 * together (half the loads and twiddles).
 */
export function realSpectrum(p: RealPlan, from: number, to: number): void {
  const h = p.n >> 1;
  let a = Math.max(0, Math.floor(from));
  let b = Math.min(h, Math.ceil(to));
  if (a > b) return;
  const z = p.z;
  const out = p.out;
  if (a === 0) {
    out[0] = z[0] + z[1];
    out[1] = 0;
    a = 1;
  }
  if (b === h) {
    out[2 * h] = z[0] - z[1];
    out[2 * h + 1] = 0;
    b = h - 1;
  }
  if (a > b) return;
  // [s0, s1]: the part of [a, b] whose partner N/2 - k is in [a, b] too (symmetric about N/4)
  const s0 = Math.max(a, h - b);
  const s1 = Math.min(b, h - a);
  if (s0 > s1) {
    splitSingle(p, a, b);
    return;
  }
  if (a < s0) splitSingle(p, a, s0 - 1);
  if (s1 < b) splitSingle(p, s1 + 1, b);
  splitPairs(p, s0, h >> 1);
}

/**
 * Bins a..b one at a time (1 <= a <= b < N/2). A bin above N/4 is computed with the very
 * expression splitPairs uses for it (from its partner's twiddle), so every bin has the same value
 * whichever ranges were asked: the features do not depend, even in the last bit, on whether a
 * chart asked for the whole spectrum.
 */
function splitSingle(p: RealPlan, a: number, b: number): void {
  const n = p.n;
  const q = n >> 2;
  const z = p.z;
  const out = p.out;
  const cs = p.cos;
  const sn = p.sin;
  const e1 = Math.min(b, q);
  for (let k = a; k <= e1; k++) {
    const k2 = 2 * k;
    const zr = z[k2];
    const zi = z[k2 + 1];
    const j = n - k2;
    const br = z[j];
    const bi = z[j + 1];
    const er = zr + br;
    const ei = zi - bi;
    const or = zi + bi;
    const oi = br - zr;
    const c = cs[k];
    const s = sn[k];
    // X = (E + W O) / 2 with W = c - i s; E = (er, ei), O = (or, oi) (both x2)
    const tr = c * or + s * oi;
    const ti = c * oi - s * or;
    out[k2] = 0.5 * (er + tr);
    out[k2 + 1] = 0.5 * (ei + ti);
  }
  for (let kk = Math.max(a, q + 1); kk <= b; kk++) {
    // bin kk = N/2 - k: the upper element of splitPairs' pair k
    const k2 = n - 2 * kk;
    const k = k2 >> 1;
    const zr = z[k2];
    const zi = z[k2 + 1];
    const j = n - k2;
    const br = z[j];
    const bi = z[j + 1];
    const er = zr + br;
    const ei = zi - bi;
    const or = zi + bi;
    const oi = br - zr;
    const c = cs[k];
    const s = sn[k];
    const tr = c * or + s * oi;
    const ti = c * oi - s * or;
    out[j] = 0.5 * (er - tr);
    out[j + 1] = 0.5 * (ti - ei);
  }
}

/** Bins k and N/2 - k for k = a..b (1 <= a, b = N/4: X[N/2 - k] = conj(E) - conj(W O)). */
function splitPairs(p: RealPlan, a: number, b: number): void {
  const n = p.n;
  const z = p.z;
  const out = p.out;
  const cs = p.cos;
  const sn = p.sin;
  for (let k = a; k <= b; k++) {
    const k2 = 2 * k;
    const zr = z[k2];
    const zi = z[k2 + 1];
    const j = n - k2;
    const br = z[j];
    const bi = z[j + 1];
    const er = zr + br;
    const ei = zi - bi;
    const or = zi + bi;
    const oi = br - zr;
    const c = cs[k];
    const s = sn[k];
    const tr = c * or + s * oi;
    const ti = c * oi - s * or;
    out[k2] = 0.5 * (er + tr);
    out[k2 + 1] = 0.5 * (ei + ti);
    out[j] = 0.5 * (er - tr);
    out[j + 1] = 0.5 * (ti - ei);
  }
}
