/**
 * FFT plans and work buffers, built once per size and reused (fft.js). The hot path of the
 * vibration pipeline takes a plan from here and allocates nothing.
 *
 * Example: const p = fftPlan(4096); p.fft.realTransform(p.out, p.input); // p.out[2k], p.out[2k+1] = Re, Im of bin k (k <= 2048)
 */
import FFT from 'fft.js';

/** Largest transform size accepted (2^20 points: 21.8 s at 48 kHz, ~48 MB of plan and buffers). */
export const MAX_FFT_SIZE = 1 << 20;
/** Smallest frame the analysis accepts. */
export const MIN_FFT_SIZE = 64;

export interface FftPlan {
  readonly n: number;
  readonly fft: FFT;
  /** Real input (n). */
  readonly input: Float64Array;
  /** Complex input for complex transforms (2n, interleaved re/im). */
  readonly cin: Float64Array;
  /** Complex output (2n, interleaved re/im). */
  readonly out: Float64Array;
  /** A real scratch buffer (n). */
  readonly scratch: Float64Array;
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
    // refresh recency
    plans.delete(n);
    plans.set(n, p);
    return p;
  }
  if (!isPow2(n) || n > MAX_FFT_SIZE) throw new RangeError(`FFT size must be a power of two from 2 to ${MAX_FFT_SIZE}, got ${n}`);
  p = { n, fft: new FFT(n), input: new Float64Array(n), cin: new Float64Array(2 * n), out: new Float64Array(2 * n), scratch: new Float64Array(n) };
  plans.set(n, p);
  while (plans.size > MAX_PLANS) plans.delete(plans.keys().next().value as number);
  return p;
}

/** Number of cached plans (for tests). */
export function cachedPlanCount(): number {
  return plans.size;
}
