/**
 * Spectrum averaging over frames for a stream (rel-vibration keeps one per asset and channel):
 * a linear moving power average, i.e. the RMS of each bin's amplitude over the last `frames`
 * frames, of the amplitude spectrum and of the envelope spectrum. The time-domain features stay
 * per frame.
 *
 * Linear (a ring of the last K power spectra with a running sum), not exponential, because:
 * - every frame held weighs the same and the output says exactly how many it holds
 *   (`features.averaged`): the textbook K-average, whose noise-floor spread shrinks as 1/sqrt(K)
 *   (an exponential average with weight 1/K only reaches 1/sqrt(2K - 1) and never forgets);
 * - a frame leaves the average after K frames: a transient (a knock, a start) is gone after K
 *   frames instead of decaying forever.
 * Its cost is memory: K spectra per stream (K x (N/2 + 1) doubles, 4.2 MB at N = 16384 and K =
 * 64), capped at 2^22 doubles (32 MB) per ring: beyond it the ring holds as many frames as fit
 * (`capacity`, and `features.averaged` says how many are held).
 *
 * The average resets itself when fs, N (or the samples used), window, unit, the envelope band
 * or its rate, or the rpm (by more than 1 % from the rpm the average started with) changes.
 *
 * Example: const avg = new SpectrumAverage(8); for (const x of frames) f = analyzeVibration(x, { fs, average: avg }); // f.averaged -> 1, 2, ... 8, 8
 */

/** Doubles one ring may hold (32 MB). */
export const MAX_AVERAGE_DOUBLES = 1 << 22;
/** Largest number of frames averaged. */
export const MAX_AVERAGE_FRAMES = 64;

/** The last `cap` power spectra of `len` bins, their running sum, and where the next goes. */
class PowerRing {
  readonly cap: number;
  readonly data: Float64Array;
  readonly sum: Float64Array;
  slot = 0;
  count = 0;
  /** `maxFrames` caps the ring below what MAX_AVERAGE_DOUBLES allows (the envelope ring holds as many frames as the spectrum ring). */
  constructor(
    readonly len: number,
    frames: number,
    maxFrames = frames,
  ) {
    this.cap = Math.max(1, Math.min(frames, maxFrames, Math.floor(MAX_AVERAGE_DOUBLES / len)));
    this.data = new Float64Array(this.cap * len);
    this.sum = new Float64Array(len);
  }

  /**
   * Adds amp[0..len) as powers and writes the RMS over the frames held back into amp. Count is
   * taken from `count` (the caller increments it once per frame for both rings).
   */
  push(amp: Float64Array, count: number): void {
    const len = this.len;
    const data = this.data;
    const sum = this.sum;
    const base = this.slot * len;
    const full = this.count === this.cap;
    if (full) {
      for (let k = 0; k < len; k++) {
        const v = amp[k];
        const q = v * v;
        const s = sum[k] + q - data[base + k];
        sum[k] = s;
        data[base + k] = q;
      }
    } else {
      for (let k = 0; k < len; k++) {
        const v = amp[k];
        const q = v * v;
        sum[k] += q;
        data[base + k] = q;
      }
      this.count++;
    }
    this.slot = this.slot + 1 === this.cap ? 0 : this.slot + 1;
    // once per turn of the ring, the sums are recomputed from the powers held, so the rounding
    // of the running add-and-subtract cannot accumulate (amortised: one pass per frame)
    if (full && this.slot === 0) {
      sum.fill(0);
      for (let j = 0; j < this.cap; j++) {
        const b = j * len;
        for (let k = 0; k < len; k++) sum[k] += data[b + k];
      }
    }
    const inv = 1 / count;
    for (let k = 0; k < len; k++) {
      const s = sum[k];
      amp[k] = s > 0 ? Math.sqrt(s * inv) : 0;
    }
  }
}

export class SpectrumAverage {
  /** Frames averaged when the stream is steady (1..64). */
  readonly frames: number;
  private held = 0;
  private spec: PowerRing | null = null;
  private env: PowerRing | null = null;
  // what the frames held were computed with
  private fs = NaN;
  private n = 0;
  private used = 0;
  private window = '';
  private unit = '';
  private rpm0 = NaN;
  private lo = NaN;
  private hi = NaN;
  private m = 0;

  constructor(frames: number) {
    if (!Number.isInteger(frames) || frames < 1 || frames > MAX_AVERAGE_FRAMES) throw new RangeError(`frames must be an integer 1..${MAX_AVERAGE_FRAMES}, got ${frames}`);
    this.frames = frames;
  }

  /** Frames held now (0 after reset; at most `capacity`). */
  get count(): number {
    return this.held;
  }

  /** Frames the ring can hold at the current N (frames, or fewer when N is very large: see MAX_AVERAGE_DOUBLES). */
  get capacity(): number {
    return this.spec ? this.spec.cap : this.frames;
  }

  /** Bytes its rings hold (0 before the first frame). */
  get bytes(): number {
    const ring = (r: PowerRing | null) => (r ? (r.data.length + r.sum.length) * 8 : 0);
    return ring(this.spec) + ring(this.env);
  }

  /** Forget every frame held (the buffers are kept for the next frame of the same size). */
  reset(): void {
    this.held = 0;
    if (this.spec) this.spec.count = this.spec.slot = 0;
    if (this.env) this.env.count = this.env.slot = 0;
    this.fs = NaN;
  }

  /**
   * Called by analyzeVibration once per frame before push(): resets the average when the frame's
   * parameters differ from those of the frames held (envelope m = 0 when there is no envelope;
   * rpm NaN when there is none). Returns true when it reset (or was empty).
   * @internal
   */
  begin(fs: number, n: number, used: number, window: string, unit: string, rpm: number, lo: number, hi: number, m: number): boolean {
    const same =
      this.held > 0 &&
      fs === this.fs &&
      n === this.n &&
      used === this.used &&
      window === this.window &&
      unit === this.unit &&
      m === this.m &&
      (m === 0 || (lo === this.lo && hi === this.hi)) &&
      (Number.isNaN(rpm) ? Number.isNaN(this.rpm0) : Math.abs(rpm - this.rpm0) <= 0.01 * this.rpm0);
    if (same) return false;
    this.reset();
    this.fs = fs;
    this.n = n;
    this.used = used;
    this.window = window;
    this.unit = unit;
    this.rpm0 = rpm;
    this.lo = lo;
    this.hi = hi;
    this.m = m;
    const specLen = (n >> 1) + 1;
    if (!this.spec || this.spec.len !== specLen) this.spec = new PowerRing(specLen, this.frames);
    const envLen = m ? (m >> 1) + 1 : 0;
    // The envelope ring holds exactly the frames the spectrum ring holds: both are divided by
    // `held`, which the spectrum ring's capacity bounds (with a very large N it holds fewer than
    // `frames`, and a larger envelope ring would then be divided by too few frames).
    if (envLen && (!this.env || this.env.len !== envLen || this.env.cap !== this.spec.cap)) this.env = new PowerRing(envLen, this.frames, this.spec.cap);
    return true;
  }

  /**
   * Adds this frame's amplitude spectrum amp[0..N/2] and replaces it in place by the RMS over the
   * frames held. Returns the number of frames now held. Call after begin().
   * @internal
   */
  pushSpectrum(amp: Float64Array): number {
    const spec = this.spec!;
    if (this.held < spec.cap) this.held++;
    spec.push(amp, this.held);
    return this.held;
  }

  /**
   * The same for this frame's envelope spectrum env[0..m/2] (after pushSpectrum of the same frame).
   * @internal
   */
  pushEnvelope(env: Float64Array): void {
    if (this.env && this.m) this.env.push(env, this.held);
  }
}
