/**
 * FFT plans and work buffers, built once per size and reused (fft.js). The hot path of the
 * vibration pipeline takes a plan from here and allocates nothing.
 *
 * The buffers are plain arrays of doubles, not Float64Array: fft.js runs about 1.3-1.5x faster on
 * them (measured, fft.js 4.0.4, Node 20), and using one element kind everywhere keeps its inner
 * loops monomorphic (mixing typed and plain arrays in one process slows every transform).
 *
 * Example: const p = fftPlan(4096); p.fft.realTransform(p.out, p.input); // p.out[2k], p.out[2k+1] = Re, Im of bin k (k <= 2048)
 */
import FFT from 'fft.js';

/** Largest transform size accepted (2^20 points: 21.8 s at 48 kHz, ~48 MB of plan and buffers). */
export const MAX_FFT_SIZE = 1 << 20;
/** Smallest frame the analysis accepts. */
export const MIN_FFT_SIZE = 64;

/** A transform buffer: a packed plain array of doubles (see above). */
export type FftBuf = number[];

/** A zeroed buffer of `len` doubles in the element kind fft.js is fastest on. */
export function fftBuffer(len: number): FftBuf {
  const a: number[] = new Array(len);
  for (let i = 0; i < len; i++) a[i] = 0.5;
  for (let i = 0; i < len; i++) a[i] = 0; // doubles from the start: never transitions later
  return a;
}

export interface FftPlan {
  readonly n: number;
  readonly fft: FFT;
  /** Real input (n). */
  readonly input: FftBuf;
  /** Complex input for complex transforms (2n, interleaved re/im). */
  readonly cin: FftBuf;
  /** Complex output (2n, interleaved re/im). */
  readonly out: FftBuf;
  /** A real scratch buffer (n). */
  readonly scratch: FftBuf;
}

const plans = new Map<number, FftPlan>();
/** Plans kept at once (least recently used dropped): bounds memory when sizes vary. */
const MAX_PLANS = 12;

export function isPow2(n: number): boolean {
  return Number.isInteger(n) && n >= 2 && (n & (n - 1)) === 0;
}

export function nextPow2(n: number): number {
  let p = 2;
  while (p < n) p *= 2;
  return p;
}

export function prevPow2(n: number): number {
  let p = 2;
  while (p * 2 <= n) p *= 2;
  return p;
}

/** The cached plan and buffers for a power-of-two size. */
export function fftPlan(n: number): FftPlan {
  let p = plans.get(n);
  if (p) {
    if (plans.size < MAX_PLANS) return p; // recency matters only once the cache is full
    // refresh recency
    plans.delete(n);
    plans.set(n, p);
    return p;
  }
  if (!isPow2(n) || n > MAX_FFT_SIZE) throw new RangeError(`FFT size must be a power of two from 2 to ${MAX_FFT_SIZE}, got ${n}`);
  p = { n, fft: new FFT(n), input: fftBuffer(n), cin: fftBuffer(2 * n), out: fftBuffer(2 * n), scratch: fftBuffer(n) };
  plans.set(n, p);
  while (plans.size > MAX_PLANS) plans.delete(plans.keys().next().value as number);
  return p;
}

/** Number of cached plans (for tests). */
export function cachedPlanCount(): number {
  return plans.size;
}
