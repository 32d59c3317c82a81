/**
 * A small seeded PRNG for simulations and tests: mulberry32 (32-bit state, period 2^32, passes
 * the usual statistical batteries for this use) and Box-Muller Gaussian draws. Same seed, same
 * sequence, on every platform.
 *
 * Example: const r = new Rng(42); r.next() (uniform [0,1)), r.gauss() (N(0,1)).
 */

/** Mix 32-bit integers into one seed (murmur3 finaliser per part). */
export function hashSeed(...parts: number[]): number {
  let h = 0x9e3779b9;
  for (const p of parts) {
    // Numbers larger than 32 bits are split so the whole value counts (e.g. ms timestamps).
    const v = Number.isFinite(p) ? p : 0;
    const lo = v >>> 0;
    const hi = Math.floor(v / 4294967296) >>> 0;
    for (const w of [lo, hi]) {
      let k = Math.imul(w, 0xcc9e2d51);
      k = (k << 15) | (k >>> 17);
      k = Math.imul(k, 0x1b873593);
      h ^= k;
      h = (h << 13) | (h >>> 19);
      h = (Math.imul(h, 5) + 0xe6546b64) | 0;
    }
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export class Rng {
  private state: number;
  private spare = NaN;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) | 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Standard normal N(0, 1) by Box-Muller (the second value of each pair is kept for the next call). */
  gauss(): number {
    if (!Number.isNaN(this.spare)) {
      const s = this.spare;
      this.spare = NaN;
      return s;
    }
    let u = this.next();
    while (u <= 1e-300) u = this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** Fill `out` with N(0, sigma^2) noise, added to what is there when `add` is true. */
  fillGauss(out: Float64Array, sigma: number, add = false): Float64Array {
    const n = out.length;
    let i = 0;
    if (!add) out.fill(0);
    for (; i + 1 < n; i += 2) {
      let u = this.next();
      while (u <= 1e-300) u = this.next();
      const v = 2 * Math.PI * this.next();
      const r = sigma * Math.sqrt(-2 * Math.log(u));
      out[i] += r * Math.cos(v);
      out[i + 1] += r * Math.sin(v);
    }
    if (i < n) out[i] += sigma * this.gauss();
    return out;
  }
}
