/**
 * The vibration features of one waveform frame (what rel-vibration adds as msg.payload.features):
 * time-domain statistics, the windowed amplitude spectrum, velocity RMS by spectral integration
 * and its ISO 10816 zone, order amplitudes (1X..10X and half orders), and envelope analysis with
 * the amplitudes at the bearing defect frequencies and their harmonics.
 *
 * Cost: exactly one N-point real FFT per frame, computed as the textbook real FFT (realfft.ts: the
 * frame read as N/2 interleaved complex values, one N/2-point fft.js complex transform, then the
 * split pass over the bins read). The window is applied as a short convolution of the raw spectrum
 * (window.ts); the envelope comes from the resonance band shifted to baseband and a short complex
 * FFT, its magnitude, mean and kurtosis in one pass, and its spectrum by a short real FFT
 * (envelope.ts). Plans and buffers are cached per size (fft.ts, realfft.ts); the hot path
 * allocates only the output object.
 *
 * Optional spectrum averaging over frames: options.average, a caller-owned SpectrumAverage per
 * stream (average.ts); features.averaged says over how many frames.
 *
 * The resonance band is a property of the machine, not of one frame: choosing it by spectral
 * kurtosis (nine short complex FFTs) is the costly step, so a caller that analyses a stream of
 * frames passes the band chosen earlier in `band` and re-chooses it from time to time
 * (EnvelopeBandCache below is that policy; rel-vibration keeps one per asset and channel).
 *
 * Example: analyzeVibration(samples, { fs: 12000, rpm: 1797, bearing: bearingMultiples(BEARINGS['6205-2RS']) })
 *   .bearing.lines[0] -> { defect: 'bpfo', harmonic: 1, expectedHz: 107.36, hz: 107.6, prominence: 38, ... }
 */
import { SpectrumAverage } from './average';
import { bandEnvelope, bandEnvelopeSpectrum, envelopeStats, robustKurtosis } from './envelope';
import { realForward, realPlan, realSpectrum } from './realfft';
import { fftPlan, isPow2, MAX_FFT_SIZE, MIN_FFT_SIZE, nextPow2, prevPow2 } from './fft';
import { isoZone, ISO_LIMITS, type IsoLimits, type IsoZone, type MachineClass } from './iso10816';
import type { BearingMultiples } from './bearing';
import { findPeak, type PeakFound } from './peaks';
import { timeStats, type TimeStats } from './stats';
import { WINDOW, windowedAmplitude, windowValue, type WindowName } from './window';

/** mm/s^2 per unit of acceleration; mm/s per unit of velocity. */
export const UNIT_SCALE: Readonly<Record<string, { quantity: 'acceleration' | 'velocity'; toMm: number }>> = {
  g: { quantity: 'acceleration', toMm: 9806.65 },
  'm/s2': { quantity: 'acceleration', toMm: 1000 },
  'm/s^2': { quantity: 'acceleration', toMm: 1000 },
  'm/s²': { quantity: 'acceleration', toMm: 1000 },
  'mm/s2': { quantity: 'acceleration', toMm: 1 },
  'mm/s': { quantity: 'velocity', toMm: 1 },
  'in/s': { quantity: 'velocity', toMm: 25.4 },
  'm/s': { quantity: 'velocity', toMm: 1000 },
};
export const UNITS = Object.keys(UNIT_SCALE);

export type FrameMode = 'trim' | 'pad';
export type DefectName = 'bpfo' | 'bpfi' | 'bsf' | 'ftf';
export const DEFECTS: readonly DefectName[] = ['bpfo', 'bpfi', 'bsf', 'ftf'];

export interface VibrationOptions {
  /** Sample rate, Hz. */
  fs: number;
  /** Unit of the samples (g default). */
  unit?: string;
  window?: WindowName;
  /** Velocity band in Hz (10-1000 default; 2-1000 for slow machines). */
  velocityBand?: readonly [number, number];
  /** Frames whose length is not a power of two: trim to the largest power of two (default) or zero-pad. */
  frameMode?: FrameMode;
  /** Shaft speed; without it (or 0) orders and bearing bands are skipped. */
  rpm?: number;
  /** Bearing defect frequencies as multiples of shaft speed. */
  bearing?: BearingMultiples;
  machineClass?: MachineClass;
  /** 'auto' (spectral kurtosis) or a fixed band [lo, hi] Hz. */
  envelopeBand?: 'auto' | readonly [number, number];
  /** Slip tolerance for the bearing search, fraction of the frequency (0.02). */
  bearingTolerance?: number;
  /** Harmonics searched per defect frequency (3; BSF gets one more so 2xBSF is always there). */
  harmonics?: number;
  /**
   * Top of the resonance bands spectral kurtosis chooses from, Hz (10 kHz: the flat range of a
   * general-purpose accelerometer; above it a band holds mostly noise and glitches).
   */
  envelopeTopHz?: number;
  /**
   * Highest envelope frequency of interest, Hz (sets the envelope rate, 2.5x this): 1000 Hz
   * default, raised to the highest bearing line searched (3xBPFI, 4xBSF ... with its slip and
   * noise-floor windows) when that is higher (fast machines).
   */
  envelopeMaxHz?: number;
  /**
   * A resonance band chosen by spectral kurtosis on an earlier frame of the same stream (its
   * `bearing.band`): reused instead of choosing again (only with envelopeBand 'auto').
   */
  band?: { lo: number; hi: number };
  /** Points of the decimated chart arrays (0 = none). */
  spectrumPoints?: number;
  envelopePoints?: number;
  /**
   * Spectrum averaging over frames (caller-owned, one per stream): with frames > 1 the amplitude
   * spectrum features (velocity RMS, orders, `spectrum`) and the envelope spectrum features
   * (bearing lines, sidebands, `envelope`) are read from the power average (RMS of amplitudes)
   * over the last `frames` frames; time-domain features stay per frame. See average.ts.
   */
  average?: SpectrumAverage;
}

export { SpectrumAverage };

export interface FrameInfo {
  /** Samples received. */
  samples: number;
  /** FFT size used. */
  n: number;
  handling: 'exact' | 'trimmed' | 'zero-padded';
  fs: number;
  df: number;
  window: WindowName;
}

export interface OrderLine {
  order: number;
  label: string;
  /** Frequency of the peak found, Hz. */
  hz: number;
  /** Amplitude (peak, input unit). */
  amplitude: number;
  /** Velocity amplitude, mm/s peak. */
  velocity: number;
  prominence: number;
  /** Half-width of the search window, bins. */
  searchBins: number;
}

export interface OrderAnalysis {
  rpm: number;
  fr: number;
  unit: string;
  /** Search window around each order: +/- max(1 bin, 1 % of the frequency), in bins (per line). */
  tolerance: number;
  lines: OrderLine[];
}

export interface BearingLine {
  defect: DefectName;
  harmonic: number;
  label: string;
  expectedHz: number;
  /** Frequency of the peak found within the slip tolerance, Hz. */
  hz: number;
  /** Envelope-spectrum amplitude (input unit, peak). */
  amplitude: number;
  /** Local noise floor: median of the envelope spectrum around the line. */
  floor: number;
  prominence: number;
  localMax: boolean;
  searchBins: number;
  /** n when the peak sits on the n-th shaft harmonic (ambiguous evidence), else null. */
  shaftHarmonic: number | null;
}

export interface Sideband {
  of: DefectName;
  /** Offset in shaft orders (-1 or +1). */
  offset: number;
  expectedHz: number;
  hz: number;
  amplitude: number;
  prominence: number;
  localMax: boolean;
}

export interface EnvelopeBand {
  lo: number;
  hi: number;
  method: 'spectral kurtosis' | 'fixed';
  /** True when the band was chosen on an earlier frame and reused (options.band), false when chosen (or fixed) now. */
  reused: boolean;
  /** Spectral kurtosis of this frame's envelope in the band (median over 8 segments). */
  kurtosis: number;
  /** Mean envelope in the band (input unit): the band's vibration level. */
  level: number;
  /** Samples of the envelope over the frame (a power of two): its rate is samples × the frame's df. */
  samples: number;
}

export interface BearingAnalysis {
  fr: number;
  tolerance: number;
  band: EnvelopeBand;
  df: number;
  lines: BearingLine[];
  sidebands: Sideband[];
}

export interface ChartArray {
  /** Spacing of the points, Hz. */
  df: number;
  unit: string;
  /** Max-hold decimated amplitudes (peaks stay visible), from 0 Hz. */
  amplitudes: number[];
  /** The resonance band demodulated (envelope chart only). */
  band?: EnvelopeBand;
}

export interface VibrationFeatures extends Omit<TimeStats, 'mean'> {
  unit: string;
  velocityRms: number;
  velocityBand: [number, number];
  isoZone: IsoZone | null;
  isoLimits: IsoLimits | null;
  machineClass: MachineClass | null;
  frame: FrameInfo;
  rpm: number | null;
  orders: OrderAnalysis | null;
  bearing: BearingAnalysis | null;
  /** What was skipped and why. */
  notes: string[];
  /** Frames the spectrum features were averaged over (1 without averaging). */
  averaged: number;
  spectrum?: ChartArray;
  envelope?: ChartArray;
}

interface Workspace {
  n: number;
  amp: Float64Array;
  scratch: Float64Array;
}
const workspaces = new Map<number, Workspace>();
function workspace(n: number): Workspace {
  let w = workspaces.get(n);
  if (!w) {
    w = { n, amp: new Float64Array(n / 2 + 1), scratch: new Float64Array(n / 2 + 1) };
    workspaces.set(n, w);
    if (workspaces.size > 12) workspaces.delete(workspaces.keys().next().value as number);
  }
  return w;
}
const envBufs = new Map<number, { env: Float64Array; amp: Float64Array }>();
function envBuf(m: number) {
  let b = envBufs.get(m);
  if (!b) {
    b = { env: new Float64Array(m), amp: new Float64Array(m / 2 + 1) };
    envBufs.set(m, b);
    if (envBufs.size > 12) envBufs.delete(envBufs.keys().next().value as number);
  }
  return b;
}

/** The peak searches' result, reused (read at once into the output lines). */
const PK: PeakFound = { bin: 0, amplitude: 0, floor: 0, prominence: 0, localMax: false };

/** FFT size and handling for a frame of `len` samples. */
export function frameSize(len: number, mode: FrameMode): { n: number; handling: FrameInfo['handling'] } {
  if (isPow2(len)) return { n: len, handling: 'exact' };
  if (mode === 'pad') return { n: nextPow2(len), handling: 'zero-padded' };
  return { n: prevPow2(len), handling: 'trimmed' };
}

const LABELS: Record<DefectName, string> = { bpfo: 'BPFO', bpfi: 'BPFI', bsf: 'BSF', ftf: 'FTF' };
/** Labels built once (number-to-string conversion per frame is not free): ORDER_LABELS[h] = `${h / 2}X`. */
const ORDER_LABELS: readonly string[] = Array.from({ length: 21 }, (_, h) => `${h / 2}X`);
const defectLabels = (d: DefectName): readonly string[] => Array.from({ length: 10 }, (_, h) => (h === 1 ? LABELS[d] : `${h}x${LABELS[d]}`));
const DEFECT_LABELS: Readonly<Record<DefectName, readonly string[]>> = { bpfo: defectLabels('bpfo'), bpfi: defectLabels('bpfi'), bsf: defectLabels('bsf'), ftf: defectLabels('ftf') };

/** Candidate resonance bands for spectral-kurtosis selection: [lo, hi] as fractions of fs. */
const SK_BANDS: ReadonlyArray<readonly [number, number]> = [
  [1 / 16, 3 / 16],
  [2 / 16, 4 / 16],
  [3 / 16, 5 / 16],
  [4 / 16, 6 / 16],
  [5 / 16, 7 / 16],
  [6 / 16, 8 / 16],
  [1 / 16, 5 / 16],
  [3 / 16, 7 / 16],
  [4 / 16, 8 / 16],
];

/**
 * Analyse one frame. Inputs are trusted here (the node validates them): samples finite, length
 * MIN_FFT_SIZE..MAX_FFT_SIZE (after trim/pad), fs > 0.
 */
export function analyzeVibration(x: ArrayLike<number>, o: VibrationOptions): VibrationFeatures {
  const fs = o.fs;
  const unit = o.unit ?? 'g';
  const us = UNIT_SCALE[unit];
  if (!us) throw new RangeError(`unit must be one of ${UNITS.join(', ')}`);
  const win = WINDOW[o.window ?? 'hann'];
  const L = x.length;
  const { n, handling } = frameSize(L, o.frameMode ?? 'trim');
  if (n < MIN_FFT_SIZE || n > MAX_FFT_SIZE) throw new RangeError(`frame of ${L} samples: the FFT size ${n} is outside ${MIN_FFT_SIZE}..${MAX_FFT_SIZE}`);
  const used = Math.min(L, n);
  const df = fs / n;
  const half = n >> 1;
  const rp = realPlan(n);
  const ws = workspace(n);
  const amp = ws.amp;
  const notes: string[] = [];
  const band: [number, number] = [o.velocityBand?.[0] ?? 10, o.velocityBand?.[1] ?? 1000];
  const rpm = o.rpm && o.rpm > 0 ? o.rpm : null;
  // highest spectrum bin any feature reads: the velocity band, the 10X search with its floor
  // window; everything when the chart is asked for
  let ampTop = Math.ceil(band[1] / df) + 1;
  if (rpm) ampTop = Math.max(ampTop, Math.ceil((10.1 * rpm) / 60 / df) + Math.max(8, Math.round((0.5 * rpm) / 60 / df)) + 2);
  if (o.spectrumPoints && o.spectrumPoints > 0) ampTop = half;
  const avg = o.average && o.average.frames > 1 ? o.average : null;
  if (avg) ampTop = half; // every bin goes into the average
  ampTop = Math.min(half, ampTop);

  // 1. time domain (over the samples used), one pass, copying x - shift into the FFT input (a
  // constant offset changes only bin 0, which is zeroed below)
  const inp0 = rp.input;
  const st = timeStats(x, used, inp0);
  if (used < n) {
    // zero-padding: the mean must be removed exactly, or the padding edge leaks into low bins
    const u = st.mean - st.shift;
    for (let i = 0; i < used; i++) inp0[i] -= u;
    for (let i = used; i < n; i++) inp0[i] = 0;
  }

  // 2. the one N-point real FFT (realfft.ts: an N/2-point complex transform of the frame read as
  // interleaved complex values, then the split pass over the bins read): raw spectrum of the
  // mean-removed frame. Bins split here: those the amplitude spectrum reads (up to ampTop plus the
  // window's taps); the envelope's band is split below, once chosen.
  realForward(rp);
  const X = rp.out;
  const taps = win.coeffs.length - 1;
  realSpectrum(rp, 0, ampTop + taps + 1);
  X[0] = 0;
  X[1] = 0;
  if (handling === 'zero-padded') {
    // the window must span the samples, not the padding: window in time, second transform
    const p = fftPlan(n);
    const inp = p.scratch;
    for (let i = 0; i < used; i++) inp[i] = inp0[i] * windowValue(win, i, used);
    for (let i = used; i < n; i++) inp[i] = 0;
    const q = p.cin; // complex buffer as output of the second real transform
    p.fft.realTransform(q, inp);
    const scale = (2 / (used * win.coherentGain));
    for (let k = 1; k <= half; k++) amp[k] = Math.hypot(q[2 * k], q[2 * k + 1]) * scale;
    amp[0] = 0;
    amp[half] /= 2;
  } else {
    windowedAmplitude(X, n, win, amp, ampTop);
  }

  // 3. the resonance band and the envelope rate (from the raw spectrum; needed before the
  // spectrum features so the average knows what its frames were computed with)
  const wantEnv = !!(o.bearing || o.envelopePoints);
  let lo = 0;
  let hi = 0;
  let method: 'spectral kurtosis' | 'fixed' = 'fixed';
  let reused = false;
  let m = 0;
  if (wantEnv) {
    const fixed = o.envelopeBand && o.envelopeBand !== 'auto' ? o.envelopeBand : null;
    const prior = !fixed && o.band && o.band.hi > o.band.lo && o.band.lo >= 0 && o.band.hi <= fs / 2 ? o.band : null;
    if (fixed) {
      lo = Math.max(df, Math.min(fixed[0], fs / 2 - 2 * df));
      hi = Math.min(fs / 2, Math.max(fixed[1], lo + 2 * df));
      method = 'fixed';
    } else if (prior) {
      lo = prior.lo;
      hi = prior.hi;
      method = 'spectral kurtosis';
      reused = true;
    } else {
      method = 'spectral kurtosis';
      // candidate bands are fractions of 2 * top, top = min(fs/2, envelopeTopHz)
      const span = 2 * Math.min(fs / 2, o.envelopeTopHz ?? 10000);
      lo = SK_BANDS[0][0] * span;
      hi = SK_BANDS[0][1] * span;
      realSpectrum(rp, Math.floor(span / 16 / df) - 1, Math.ceil(span / 2 / df) + 1);
      let sk = -Infinity;
      const mc = Math.max(256, n >> 3);
      for (const [a, b] of SK_BANDS) {
        const bl = (a * span) / df;
        const bh = (b * span) / df;
        const m = Math.min(mc, nextPow2(Math.ceil(bh - bl)));
        const e = envBuf(m).env;
        bandEnvelope(X, n, bl, bh, m, e);
        const k = robustKurtosis(e, m);
        if (k > sk) {
          sk = k;
          lo = a * span;
          hi = b * span;
        }
      }
    }
    // envelope rate: 2.5x the highest frequency read from the envelope spectrum (1000 Hz, or the
    // top bearing line + its slip and noise-floor windows if higher). Not less: |z| is not
    // band-limited, and at 2x (1500 Hz at 12 kHz) its aliases cost CWRU 48 kHz outer-race frames.
    let maxHz = o.envelopeMaxHz ?? 1000;
    if (rpm && o.bearing) {
      const fr = rpm / 60;
      const H = o.harmonics ?? 3;
      let top = o.bearing.bpfi * fr + fr;
      for (const d of DEFECTS) top = Math.max(top, o.bearing[d] * fr * (d === 'bsf' ? Math.max(2, H + 1) : H));
      maxHz = Math.max(maxHz, top * (1 + Math.max(0.15, o.bearingTolerance ?? 0.02)) + 24 * df);
    }
    // from the rate rule only (a narrow band does not lower it: |z| is not band-limited to the
    // band's width); capped at N/2 samples, and lines above the envelope's Nyquist are noted below
    m = Math.max(16, Math.min(nextPow2(Math.ceil((2.5 * maxHz) / df)), n >> 1));
    if (method !== 'spectral kurtosis' || reused) realSpectrum(rp, Math.floor(lo / df) - 1, Math.ceil(hi / df) + 1);
  }
  let averaged = 1;
  if (avg) {
    avg.begin(fs, n, used, win.name, unit, rpm ?? NaN, lo, hi, m);
    averaged = avg.pushSpectrum(amp);
  }

  // 4. velocity RMS by spectral integration over the band
  const kLo = Math.max(1, Math.ceil(band[0] / df));
  const kHi = Math.min(half, Math.floor(band[1] / df));
  let vsum = 0;
  const accel = us.quantity === 'acceleration';
  const w2pi = 2 * Math.PI * df;
  const toMm = us.toMm;
  if (accel) {
    for (let k = kLo; k <= kHi; k++) {
      const v = (amp[k] * toMm) / (w2pi * k);
      vsum += v * v;
    }
  } else {
    for (let k = kLo; k <= kHi; k++) {
      const v = amp[k] * toMm;
      vsum += v * v;
    }
  }
  // amp is peak amplitude: power = A^2 / 2 per line, divided by the window's noise bandwidth
  const enbw = handling === 'zero-padded' ? (win.enbw * n) / used : win.enbw;
  const velocityRms = Math.sqrt(vsum / 2 / enbw);
  const cls = o.machineClass;
  const zone = cls ? isoZone(velocityRms, cls) : null;

  // 5. orders
  let orders: OrderAnalysis | null = null;
  let bearing: BearingAnalysis | null = null;
  const scratch = ws.scratch;
  if (!rpm) notes.push(o.rpm === 0 ? 'machine stopped (rpm 0): orders and bearing bands skipped' : 'no rpm (asset or reading): orders and bearing bands skipped');
  else {
    const fr = rpm / 60;
    const lines: OrderLine[] = [];
    const floorHalf = Math.max(8, Math.round((0.5 * fr) / df));
    // an order below 2 bins is not resolved: bin 1 holds what mean removal leaves of everything
    // below df, and every such order's window would report that one peak. Such orders are
    // skipped (said in notes), and the search starts at bin 2.
    let unresolvedFrom = 0;
    let unresolvedTo = 0;
    for (let h = 1; h <= 20; h++) {
      const order = h / 2;
      const f = order * fr;
      if (f >= fs / 2 - df) break;
      const sb = Math.max(1, Math.ceil((0.01 * f) / df));
      const c = f / df;
      if (c < 2 || c > ampTop) {
        if (!unresolvedFrom) unresolvedFrom = h;
        unresolvedTo = h;
        continue;
      }
      const pk = findPeak(amp, c, sb, floorHalf, scratch, ampTop, 2, PK);
      const hz = pk.bin * df;
      lines.push({
        order,
        label: ORDER_LABELS[h],
        hz,
        amplitude: pk.amplitude,
        velocity: accel ? (pk.amplitude * us.toMm) / (2 * Math.PI * Math.max(hz, df)) : pk.amplitude * us.toMm,
        prominence: pk.prominence,
        searchBins: sb,
      });
    }
    orders = { rpm, fr, unit, tolerance: 0.01, lines };
    if (unresolvedFrom)
      notes.push(
        `orders ${ORDER_LABELS[unresolvedFrom]}${unresolvedTo > unresolvedFrom ? `-${ORDER_LABELS[unresolvedTo]}` : ''} skipped: below 2 spectral lines (${(2 * df).toFixed(2)} Hz at df ${df.toFixed(2)} Hz), not resolved; a longer frame resolves them`,
      );
    if (fr < band[0] || fr > band[1])
      notes.push(
        `1X (${fr.toFixed(1)} Hz) is outside the velocity band (${band[0]}-${band[1]} Hz): orders outside it are not in velocityRms${band[0] > 2 && fr >= 2 ? '; a 2-1000 Hz band suits slow machines' : ''}`,
      );
    if (!o.bearing) notes.push('no bearing geometry: bearing bands skipped');
  }

  // 6. envelope analysis
  let envAmp: Float64Array | null = null;
  let envHalf = 0;
  let envDf = df;
  let envBand: EnvelopeBand | null = null;
  if (wantEnv) {
    const eb = envBuf(m);
    // envelope-spectrum bins read: up to the top bearing line searched with its slip and
    // noise-floor windows (+2 for the local-maximum test and interpolation); all for the chart
    let envTop = m >> 1;
    if (rpm && o.bearing && !avg && !(o.envelopePoints && o.envelopePoints > 0)) {
      const fr = rpm / 60;
      const H = o.harmonics ?? 3;
      let fTop = o.bearing.bpfi * fr + fr;
      for (const d of DEFECTS) fTop = Math.max(fTop, o.bearing[d] * fr * (d === 'bsf' ? Math.max(2, H + 1) : H));
      const reach = Math.max(20, Math.ceil((Math.max(0.15, o.bearingTolerance ?? 0.02) * fTop) / df) + 1);
      envTop = Math.min(envTop, Math.ceil(fTop / df) + reach + 3);
    }
    bandEnvelopeSpectrum(X, n, lo / df, hi / df, m, eb.amp, envTop);
    const level = envelopeStats.mean;
    const sk = envelopeStats.kurtosis;
    if (avg) avg.pushEnvelope(eb.amp);
    const bandInfo: EnvelopeBand = { lo, hi, method, reused, kurtosis: sk, level, samples: m };
    envAmp = eb.amp;
    envHalf = m >> 1;
    envDf = df; // m samples over the frame duration: resolution fs_env / m = df
    if (rpm && o.bearing) {
      const fr = rpm / 60;
      const tol = o.bearingTolerance ?? 0.02;
      const H = o.harmonics ?? 3;
      const lines: BearingLine[] = [];
      const sidebands: Sideband[] = [];
      const last = envHalf - 1;
      let above: string[] | undefined; // lines beyond the envelope's reach (rare: no array otherwise)
      for (const d of DEFECTS) {
        const f1 = o.bearing[d] * fr;
        const hmax = d === 'bsf' ? Math.max(2, H + 1) : H;
        for (let h = 1; h <= hmax; h++) {
          const f = f1 * h;
          if (f / envDf >= last - 2) {
            above ??= [];
            for (let g = h; g <= hmax; g++) above.push(`${g < 10 ? DEFECT_LABELS[d][g] : `${g}x${LABELS[d]}`} (${(f1 * g).toFixed(0)} Hz)`);
            break;
          }
          const sb = Math.max(2, Math.ceil((tol * f) / envDf));
          const fh = Math.max(20, Math.ceil((0.15 * f) / envDf));
          const pk = findPeak(envAmp, f / envDf, sb, fh, scratch, last, 2, PK);
          const hz = pk.bin * envDf;
          const nh = Math.round(hz / fr);
          const near = nh >= 1 && Math.abs(hz - nh * fr) <= Math.max(1.5 * envDf, 0.005 * hz);
          lines.push({
            defect: d,
            harmonic: h,
            label: h < 10 ? DEFECT_LABELS[d][h] : `${h}x${LABELS[d]}`,
            expectedHz: f,
            hz,
            amplitude: pk.amplitude,
            floor: pk.floor,
            prominence: pk.prominence,
            localMax: pk.localMax,
            searchBins: sb,
            shaftHarmonic: near ? nh : null,
          });
        }
      }
      // inner race: 1X sidebands around BPFI (the race turns with the shaft)
      const fi = o.bearing.bpfi * fr;
      for (const off of [-1, 1]) {
        const f = fi + off * fr;
        if (f / envDf >= last - 2) {
          (above ??= []).push(`BPFI${off < 0 ? '-' : '+'}1X (${f.toFixed(0)} Hz)`);
          continue;
        }
        const sb = Math.max(2, Math.ceil((tol * fi) / envDf));
        const fh = Math.max(20, Math.ceil((0.15 * f) / envDf));
        const pk = findPeak(envAmp, f / envDf, sb, fh, scratch, last, 2, PK);
        sidebands.push({ of: 'bpfi', offset: off, expectedHz: f, hz: pk.bin * envDf, amplitude: pk.amplitude, prominence: pk.prominence, localMax: pk.localMax });
      }
      if (above) notes.push(`bearing lines above the envelope's reach (${((last - 2) * envDf).toFixed(0)} Hz, envelope rate ${(m * df).toFixed(0)} Hz = fs/${n / m}) not searched: ${above.join(', ')}`);
      bearing = { fr, tolerance: tol, band: bandInfo, df: envDf, lines, sidebands };
    }
    envBand = bandInfo;
  }

  const features: VibrationFeatures = {
    rms: st.rms,
    peak: st.peak,
    peakToPeak: st.peakToPeak,
    crest: st.crest,
    kurtosis: st.kurtosis,
    skewness: st.skewness,
    std: st.std,
    unit,
    velocityRms,
    velocityBand: band,
    isoZone: zone,
    isoLimits: cls ? ISO_LIMITS[cls] : null,
    machineClass: cls ?? null,
    frame: { samples: L, n, handling, fs, df, window: win.name },
    rpm,
    orders,
    bearing,
    notes,
    averaged,
  };
  if (o.spectrumPoints && o.spectrumPoints > 0) features.spectrum = decimate(amp, half + 1, o.spectrumPoints, df, unit);
  if (o.envelopePoints && o.envelopePoints > 0 && envAmp) {
    features.envelope = decimate(envAmp, envHalf + 1, o.envelopePoints, envDf, unit);
    if (envBand) features.envelope.band = envBand;
  }
  return features;
}

/** Max-hold decimation of a[0..len) to at most `points` values. */
export function decimate(a: Float64Array, len: number, points: number, df: number, unit: string): ChartArray {
  const step = Math.max(1, Math.ceil(len / points));
  const out: number[] = [];
  for (let i = 0; i < len; i += step) {
    let m = 0;
    const e = Math.min(len, i + step);
    for (let j = i; j < e; j++) if (a[j] > m) m = a[j];
    out.push(m);
  }
  return { df: df * step, unit, amplitudes: out };
}

/**
 * When to choose the resonance band again, for a stream of frames (one cache per stream, keyed
 * by the caller, e.g. asset + channel + fs + frame length). The band is chosen by spectral
 * kurtosis on the first frame, then reused (`options.band`) until one of:
 * - `every` frames have used it (30 default: about 20 s of 0.68 s frames);
 * - the band's level (mean envelope) moved by more than 2x (6 dB) either way since the choice;
 * - its spectral kurtosis moved by more than max(1, half of its value at the choice).
 * Then the next frame chooses again. Pure logic (no Node-RED); rel-vibration and the accuracy
 * specs use the same class, so the specs measure what the node does.
 *
 * Example: const b = cache.band(key); const f = analyzeVibration(x, { ...o, band: b }); cache.record(key, f);
 */
export class EnvelopeBandCache {
  private readonly entries = new Map<string, { lo: number; hi: number; kurtosis: number; level: number; uses: number; stale: boolean }>();
  constructor(
    readonly every = 30,
    readonly maxEntries = 1024,
  ) {}

  /** The band to reuse for this stream, or undefined when a new choice is due. */
  band(key: string): { lo: number; hi: number } | undefined {
    const e = this.entries.get(key);
    return e && !e.stale ? e : undefined;
  }

  /** Record the band a frame of this stream used (from its features); returns whether it was reused. */
  record(key: string, f: VibrationFeatures): boolean {
    const b = f.bearing?.band ?? f.envelope?.band;
    if (!b || b.method !== 'spectral kurtosis') return false;
    const e = this.entries.get(key);
    if (!b.reused || !e) {
      this.entries.delete(key);
      this.entries.set(key, { lo: b.lo, hi: b.hi, kurtosis: b.kurtosis, level: b.level, uses: 1, stale: false });
      while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
      return false;
    }
    e.uses++;
    const levelMoved = !(b.level <= 2 * e.level && b.level >= 0.5 * e.level);
    const skMoved = !(Math.abs(b.kurtosis - e.kurtosis) <= Math.max(1, 0.5 * Math.abs(e.kurtosis)));
    if (e.uses >= this.every || levelMoved || skMoved) e.stale = true;
    return true;
  }

  get size(): number {
    return this.entries.size;
  }

  clear(): void {
    this.entries.clear();
  }
}
