/**
 * A seeded machine: acceleration waveforms with the vibration signatures of the common faults
 * (imbalance, misalignment, looseness, bearing outer / inner race and ball defects at the true
 * defect frequencies, as impacts ringing a structural resonance), process values (temperature,
 * motor current), production counts and cycle times, and a degradation curve over simulated time.
 * Every output carries the ground truth. Pure: no Node-RED. See docs/simulator.md.
 *
 * Example:
 *   const f = simulateFrame({ ...DEFAULT_MODEL }, { fault: 'bearing-outer-race', severity: 0.5, seed: 7, ts: 0 });
 *   // f.samples (g), f.rpm, f.defects.bpfo === 107.36 Hz (SKF 6205 at 1797 rpm)
 */
import { BEARINGS, bearingFrequencies, type BearingGeometry } from './bearing';
import { Rng, hashSeed } from './random';
import { heldAt, nextStop, readStop, type SimStop } from './sim-stop';

export const FAULTS = ['none', 'imbalance', 'misalignment', 'looseness', 'bearing-outer-race', 'bearing-inner-race', 'bearing-ball'] as const;
export type SimFault = (typeof FAULTS)[number];
export const BEARING_FAULTS: readonly SimFault[] = ['bearing-outer-race', 'bearing-inner-race', 'bearing-ball'];

/** Largest frame the simulator generates (1 Mi samples). */
export const MAX_FRAME = 1 << 20;
export const MIN_FRAME = 64;
const HOUR_MS = 3_600_000;

export interface MachineModel {
  /** Nominal shaft speed (rpm). */
  rpm: number;
  /** Bearing at the measurement point; bearing faults need one. */
  bearing?: BearingGeometry;
  /** Sample rate (Hz). */
  fs: number;
  /** Samples per frame (any size; powers of two are not required). */
  frameSize: number;
  /** Broadband noise RMS (g). */
  noise: number;
  /** 1X peak amplitude of a healthy machine (g); 2X is 0.3 x this. */
  residual: number;
  /** Structural resonance rung by bearing impacts (Hz; clamped to 0.4 fs). */
  resonanceHz: number;
  /** Damping ratio of that resonance. */
  damping: number;
  /** Relative standard deviation of shaft speed between frames. */
  speedVariation: number;
}

export const DEFAULT_MODEL: Readonly<MachineModel> = {
  rpm: 1797,
  bearing: BEARINGS['6205-2RS'],
  fs: 12000,
  frameSize: 16384,
  noise: 0.02,
  residual: 0.02,
  resonanceHz: 3000,
  damping: 0.05,
  speedVariation: 0.001,
};

export interface FrameState {
  fault: SimFault;
  /** 0-1. */
  severity: number;
  seed: number;
  /** Simulated time of the first sample (ms); with the seed it fixes every random draw. */
  ts: number;
}

export interface DefectFrequencies {
  /** Shaft frequency (Hz). */
  fr: number;
  ftf?: number;
  bpfo?: number;
  bpfi?: number;
  bsf?: number;
}

export interface Frame {
  /** Acceleration (g). Reused between calls with the same size unless `out` is given: copy it to keep it. */
  samples: Float64Array;
  fs: number;
  /** Actual shaft speed of this frame (rpm, 0.1 rpm resolution). */
  rpm: number;
  defects: DefectFrequencies;
}

/** Signal amplitudes (g) per unit severity; see docs/simulator.md. */
export const SIGNATURE = {
  imbalance1x: 0.3,
  misalignment: { x1: 0.12, x2: 0.25, x3: 0.06 },
  looseness: { harmonic: 0.12, half: 0.05, harmonics: 10 },
  impactPeak: 2,
  impactScatter: 0.1,
  impactJitter: 0.005,
  innerModulation: 0.6,
  ballModulation: 0.8,
} as const;

/** Problems with a model, in words (empty when it can be simulated). */
export function modelProblems(m: MachineModel): string[] {
  const p: string[] = [];
  const pos = (v: number) => typeof v === 'number' && Number.isFinite(v);
  if (!pos(m.rpm) || m.rpm < 1 || m.rpm > 100000) p.push('rpm: expected a number from 1 to 100000');
  if (!pos(m.fs) || m.fs < 100 || m.fs > 1_000_000) p.push('fs: expected a sample rate from 100 to 1000000 Hz');
  if (!Number.isInteger(m.frameSize) || m.frameSize < MIN_FRAME || m.frameSize > MAX_FRAME) p.push(`frame size: expected a whole number from ${MIN_FRAME} to ${MAX_FRAME}`);
  if (!pos(m.noise) || m.noise < 0 || m.noise > 100) p.push('noise: expected 0 to 100 g RMS');
  if (!pos(m.residual) || m.residual < 0 || m.residual > 100) p.push('residual: expected 0 to 100 g');
  if (!pos(m.resonanceHz) || m.resonanceHz <= 0) p.push('resonance: expected a frequency > 0 Hz');
  if (!pos(m.damping) || m.damping <= 0 || m.damping >= 1) p.push('damping: expected a ratio between 0 and 1');
  if (!pos(m.speedVariation) || m.speedVariation < 0 || m.speedVariation > 0.1) p.push('speed variation: expected 0 to 0.1');
  return p;
}

/** Defect frequencies (Hz) at a speed. */
export function defectFrequencies(bearing: BearingGeometry | undefined, rpm: number): DefectFrequencies {
  const fr = rpm / 60;
  if (!bearing) return { fr };
  return { fr, ...bearingFrequencies(bearing, rpm) };
}

// ---- buffers and kernels, built once per size ------------------------------------------------

const frameBuffers = new Map<number, Float64Array>();
function frameBuffer(n: number): Float64Array {
  let b = frameBuffers.get(n);
  if (!b) {
    if (frameBuffers.size > 8) frameBuffers.clear();
    b = new Float64Array(n);
    frameBuffers.set(n, b);
  }
  return b;
}

const kernels = new Map<string, Float64Array>();
/** Impulse response of the structural resonance (peak 1), until it has decayed to 1e-3. */
export function resonanceKernel(fs: number, resonanceHz: number, damping: number): Float64Array {
  const fn = Math.min(resonanceHz, 0.4 * fs);
  const key = `${fs}|${fn}|${damping}`;
  let k = kernels.get(key);
  if (k) return k;
  const wn = 2 * Math.PI * fn;
  const wd = wn * Math.sqrt(1 - damping * damping);
  const decay = damping * wn;
  const len = Math.max(4, Math.min(Math.ceil((Math.log(1000) / decay) * fs), 1 << 16));
  k = new Float64Array(len);
  let peak = 0;
  for (let j = 0; j < len; j++) {
    const t = j / fs;
    k[j] = Math.exp(-decay * t) * Math.sin(wd * t);
    peak = Math.max(peak, Math.abs(k[j]));
  }
  for (let j = 0; j < len; j++) k[j] /= peak;
  if (kernels.size > 16) kernels.clear();
  kernels.set(key, k);
  return k;
}

/** Add amp * sin(2 pi f t + phase) by phasor rotation (no sin() per sample). */
function addTone(out: Float64Array, fs: number, freq: number, amp: number, phase: number): void {
  if (!(amp > 0) || !(freq > 0) || freq >= fs / 2) return;
  const w = (2 * Math.PI * freq) / fs;
  const c = Math.cos(w);
  const s = Math.sin(w);
  const n = out.length;
  for (let start = 0; start < n; start += 1024) {
    // Restart the phasor exactly every 1024 samples so rounding cannot build up.
    const ph = phase + w * start;
    let re = Math.cos(ph);
    let im = Math.sin(ph);
    const end = Math.min(n, start + 1024);
    for (let i = start; i < end; i++) {
      out[i] += amp * im;
      const r = re * c - im * s;
      im = re * s + im * c;
      re = r;
    }
  }
}

interface ImpactTrain {
  /** Impacts per second. */
  rate: number;
  /** Peak amplitude (g). */
  amp: number;
  /** Amplitude modulation frequency (Hz) and depth 0-1 (0 = none). */
  modFreq: number;
  modDepth: number;
}

function addImpacts(out: Float64Array, fs: number, kernel: Float64Array, train: ImpactTrain, rng: Rng): void {
  if (!(train.amp > 0) || !(train.rate > 0)) return;
  const n = out.length;
  const L = kernel.length;
  const period = fs / train.rate;
  const back = Math.ceil(L / period) + 1;
  const first = rng.next() * period - back * period;
  const modPhase = 2 * Math.PI * rng.next();
  const wm = 2 * Math.PI * train.modFreq;
  const norm = 1 / (1 + train.modDepth);
  const count = Math.ceil((n - first) / period) + 1;
  for (let k = 0; k < count; k++) {
    const pos = first + k * period + SIGNATURE.impactJitter * period * rng.gauss();
    const scatter = 1 + SIGNATURE.impactScatter * rng.gauss();
    const idx = Math.round(pos);
    if (idx >= n || idx + L <= 0) continue;
    const mod = train.modDepth > 0 ? (1 + train.modDepth * Math.cos(wm * (pos / fs) + modPhase)) * norm : 1;
    const a = train.amp * scatter * mod;
    const j0 = Math.max(0, -idx);
    const j1 = Math.min(L, n - idx);
    for (let j = j0; j < j1; j++) out[idx + j] += a * kernel[j];
  }
}

/**
 * One acceleration frame (g). Deterministic: the same model, state (fault, severity, seed, ts)
 * give the same samples. Allocates nothing after the first call of a size (pass `out` to own
 * the buffer).
 */
export function simulateFrame(model: MachineModel, state: FrameState, out?: Float64Array): Frame {
  const problems = modelProblems(model);
  if (problems.length) throw new Error(`simulator: ${problems.join('; ')}`);
  const { fault } = state;
  if (!FAULTS.includes(fault)) throw new Error(`simulator: unknown fault ${String(fault)}`);
  if (BEARING_FAULTS.includes(fault) && !model.bearing) throw new Error(`simulator: fault ${fault} needs a bearing geometry (the asset has none)`);
  const s = Math.min(1, Math.max(0, Number.isFinite(state.severity) ? state.severity : 0));
  const { fs, frameSize: n } = model;
  const buf = out && out.length === n ? out : frameBuffer(n);
  const stream = (k: number) => new Rng(hashSeed(state.seed, state.ts, k));

  const rpm = Math.round(model.rpm * (1 + model.speedVariation * stream(1).gauss()) * 10) / 10;
  const defects = defectFrequencies(model.bearing, rpm);
  const fr = defects.fr;

  // Broadband noise first (it sets every sample), then the deterministic parts on top.
  const noisy = BEARING_FAULTS.includes(fault) || fault === 'looseness';
  stream(2).fillGauss(buf, model.noise * (noisy ? 1 + s : 1));

  const ph = stream(3);
  const tone = (order: number, amp: number) => addTone(buf, fs, order * fr, amp, 2 * Math.PI * ph.next());
  let a1 = model.residual;
  let a2 = 0.3 * model.residual;
  let a3 = 0;
  if (fault === 'imbalance') a1 += SIGNATURE.imbalance1x * s;
  if (fault === 'misalignment') {
    a1 += SIGNATURE.misalignment.x1 * s;
    a2 += SIGNATURE.misalignment.x2 * s;
    a3 += SIGNATURE.misalignment.x3 * s;
  }
  if (fault === 'looseness') {
    const L = SIGNATURE.looseness;
    a1 += L.harmonic * s;
    a2 += (L.harmonic / Math.SQRT2) * s;
    a3 += (L.harmonic / Math.sqrt(3)) * s;
    for (let k = 4; k <= L.harmonics; k++) tone(k, (L.harmonic / Math.sqrt(k)) * s);
    for (let k = 0; k < L.harmonics; k++) tone(k + 0.5, (L.half / Math.sqrt(k + 0.5)) * s);
  }
  tone(1, a1);
  tone(2, a2);
  tone(3, a3);

  if (BEARING_FAULTS.includes(fault) && s > 0) {
    const kernel = resonanceKernel(fs, model.resonanceHz, model.damping);
    const amp = SIGNATURE.impactPeak * s;
    const train: ImpactTrain =
      fault === 'bearing-outer-race'
        ? { rate: defects.bpfo as number, amp, modFreq: 0, modDepth: 0 }
        : fault === 'bearing-inner-race'
          ? { rate: defects.bpfi as number, amp, modFreq: fr, modDepth: SIGNATURE.innerModulation }
          : { rate: 2 * (defects.bsf as number), amp, modFreq: defects.ftf as number, modDepth: SIGNATURE.ballModulation };
    addImpacts(buf, fs, kernel, train, stream(4));
  }
  return { samples: buf, fs, rpm, defects };
}

// ---- degradation ------------------------------------------------------------------------------

export interface DegradationCurve {
  /** Simulated hours of healthy running before the fault starts. */
  onsetHours: number;
  /** Simulated hours at which severity reaches 1 (functional failure). */
  failureHours: number;
  /** Exponential shape: 0 is linear, 4 (default) is slow at first and fast near the end. */
  growth: number;
}

export const DEFAULT_CURVE: Readonly<DegradationCurve> = { onsetHours: 24, failureHours: 96, growth: 4 };

export function curveProblems(c: DegradationCurve): string[] {
  const p: string[] = [];
  if (!Number.isFinite(c.onsetHours) || c.onsetHours < 0) p.push('onset: expected hours >= 0');
  if (!Number.isFinite(c.failureHours) || !(c.failureHours > c.onsetHours)) p.push('failure: expected hours greater than the onset');
  if (!Number.isFinite(c.growth) || c.growth < 0 || c.growth > 50) p.push('growth: expected 0 to 50');
  return p;
}

/** Severity 0-1 after `hours` of simulated running: 0 before onset, 1 at failure, exponential between. */
export function severityAt(c: DegradationCurve, hours: number): number {
  const x = Math.min(1, Math.max(0, (hours - c.onsetHours) / (c.failureHours - c.onsetHours)));
  if (c.growth < 1e-9) return x;
  return Math.expm1(c.growth * x) / Math.expm1(c.growth);
}

/** The hours at which the curve reaches severity s (inverse of severityAt on the rising part). */
export function hoursAtSeverity(c: DegradationCurve, s: number): number {
  const v = Math.min(1, Math.max(0, s));
  const x = c.growth < 1e-9 ? v : Math.log1p(v * Math.expm1(c.growth)) / c.growth;
  return c.onsetHours + x * (c.failureHours - c.onsetHours);
}

// ---- the machine ------------------------------------------------------------------------------

export interface MachineOptions extends MachineModel, DegradationCurve {
  assetId: string;
  fault: SimFault;
  seed: number;
  /** Nominal cycle time of the healthy machine (s). */
  cycleTimeS: number;
  /** Counter reads on a grid of this many seconds of event time (0: one count per emission). */
  countStepS: number;
  baseTempC: number;
  baseCurrentA: number;
}

export const DEFAULT_MACHINE: Readonly<Omit<MachineOptions, 'assetId'>> = {
  ...DEFAULT_MODEL,
  ...DEFAULT_CURVE,
  fault: 'bearing-outer-race',
  seed: 1,
  cycleTimeS: 30,
  countStepS: 0,
  baseTempC: 45,
  baseCurrentA: 12,
};

export interface Truth {
  fault: SimFault;
  severity: number;
  health: number;
  failureAt: string | null;
  failureTs: number | null;
  hoursToFailure: number | null;
  hours: number;
  held: boolean;
  seed: number;
  defects: DefectFrequencies;
}

export interface Reading {
  asset: string;
  channel: string;
  ts: number;
  quantity: string;
  unit: string;
  value?: number;
  samples?: number[];
  fs?: number;
  rpm: number;
  quality: 'good';
  source: 'simulator';
  simulation: Truth;
}

export interface ProductionEvent {
  action: 'cycle' | 'count';
  payload: { asset: string; ts: number; simulation: Truth; cycleTimeS?: number; cycles?: number; good?: number; total?: number };
}

/** The machine's resumable state (simulated ms times). */
export interface MachineSnapshot {
  startTs: number;
  fault: SimFault;
  held: number | null;
  lastTs: number;
  cycleCarry: number;
  scrapCarry: number;
  /** Held stopped by hand (absent in snapshots of earlier versions: running). */
  stop?: SimStop | null;
}

export interface Emission {
  /** Simulated time of the previous emission (or of the start or resume): the span these events cover is (from, waveform.ts]. */
  from: number;
  waveform: Reading;
  process: Reading[];
  events: ProductionEvent[];
  truth: Truth;
}

export const CHANNELS = { accel: 'DE-accel', temp: 'motor-temp', current: 'motor-current' } as const;

/** Problems with machine options, in words. */
export function machineProblems(o: MachineOptions): string[] {
  const p = [...modelProblems(o), ...curveProblems(o)];
  if (!FAULTS.includes(o.fault)) p.push(`fault: expected one of ${FAULTS.join(', ')}`);
  if (BEARING_FAULTS.includes(o.fault) && !o.bearing) p.push(`fault ${o.fault}: the asset has no bearing geometry`);
  if (!Number.isInteger(o.seed) || o.seed < 0 || o.seed > 0xffffffff) p.push('seed: expected a whole number from 0 to 4294967295');
  if (!Number.isFinite(o.cycleTimeS) || o.cycleTimeS <= 0) p.push('cycle time: expected seconds > 0');
  if (!Number.isFinite(o.baseTempC)) p.push('base temperature: expected a number');
  if (!Number.isFinite(o.baseCurrentA) || o.baseCurrentA < 0) p.push('base current: expected a number >= 0');
  return p;
}

const round = (v: number, d: number) => Math.round(v * 10 ** d) / 10 ** d;

/** Where a standing machine's motor cools to (degC). */
const STANDING_C = 25;

/**
 * The stateful machine: degradation since its start, held severity and fault overrides,
 * production counters. All times are simulated ms; the caller maps its clock to simulated time.
 */
export class SimMachine {
  readonly opts: MachineOptions;
  private startTs: number;
  private fault: SimFault;
  private held: number | null = null;
  private lastTs: number;
  private cycleCarry = 0;
  private scrapCarry = 0;
  private stop: SimStop | null = null;

  constructor(opts: MachineOptions, startTs: number) {
    const p = machineProblems(opts);
    if (p.length) throw new Error(`simulator: ${p.join('; ')}`);
    this.opts = { ...opts };
    this.fault = opts.fault;
    this.startTs = startTs;
    this.lastTs = startTs;
  }

  get currentFault(): SimFault {
    return this.fault;
  }

  get start(): number {
    return this.startTs;
  }

  /** Restart the degradation at `ts` (a repaired machine): hour 0, configured fault, counters zeroed. */
  reset(ts: number): void {
    this.startTs = ts;
    // while held, the hold settles the production span (the parts before it are still counted)
    if (!this.stop) this.lastTs = ts;
    this.fault = this.opts.fault;
    this.held = null;
    this.cycleCarry = 0;
    this.scrapCarry = 0;
  }

  /** Switch the fault and/or hold the severity (null releases it to the curve). */
  set(o: { fault?: SimFault; severity?: number | null }): void {
    if (o.fault !== undefined) {
      if (!FAULTS.includes(o.fault)) throw new Error(`simulator: unknown fault ${String(o.fault)}`);
      if (BEARING_FAULTS.includes(o.fault) && !this.opts.bearing) throw new Error(`simulator: fault ${o.fault} needs a bearing geometry (the asset has none)`);
      this.fault = o.fault;
    }
    if (o.severity !== undefined) this.held = o.severity === null ? null : Math.min(1, Math.max(0, o.severity));
  }

  /** Put the machine at `hours` since its start, as seen at simulated time ts (moves the start, not the clock). */
  setHours(ts: number, hours: number): void {
    this.startTs = ts - Math.max(0, hours) * HOUR_MS;
  }

  /** Held stopped by hand since when and why (with `until` once released, until that is emitted), or null (running). */
  get stopped(): SimStop | null {
    return this.stop;
  }

  /**
   * Hold the machine stopped from ts (`running` false: no parts, no frames; see sim-stop.ts) or
   * let it run again from ts. Degradation goes on by calendar time (a repair that fixes the
   * machine is a `reset`, which leaves a hold as it is).
   */
  hold(ts: number, running: boolean, reason?: string): void {
    this.stop = nextStop(this.stop, ts, running, reason);
  }

  /** The hold's `stopped` event has gone out (saved with it: not sent again after a restart). */
  markSent(): void {
    if (this.stop) this.stop = { ...this.stop, sent: true };
  }

  /**
   * Settle a hold at emission time ts: the parts made before it started (once), then, while it
   * holds, time passes with nothing made; once released, the machine runs again from the release
   * (the hold is cleared). `held`: still held at ts.
   */
  settleHold(ts: number): { events: ProductionEvent[]; stop: SimStop | null; held: boolean } {
    const stop = this.stop;
    if (!stop) return { events: [], stop: null, held: false };
    const events = this.lastTs < stop.since ? this.produce(stop.since, this.truth(stop.since), new Rng(hashSeed(this.opts.seed, stop.since, 5))) : [];
    if (heldAt(stop, ts)) {
      this.lastTs = Math.max(this.lastTs, ts);
      return { events, stop, held: true };
    }
    this.lastTs = Math.max(this.lastTs, stop.until ?? ts);
    this.stop = null;
    return { events, stop, held: false };
  }

  /**
   * The process readings of the machine standing at ts (held since stop.since): the motor cooling
   * from its running temperature towards 25 degC (time constant 20 min), current near 0.
   */
  standing(ts: number, stop: SimStop): Reading[] {
    const o = this.opts;
    const truth = this.truth(ts);
    const rng = new Rng(hashSeed(o.seed, ts, 5));
    const running = o.baseTempC + 30 * this.truth(stop.since).severity;
    const temp = STANDING_C + (running - STANDING_C) * Math.exp(-Math.max(0, ts - stop.since) / (20 * 60_000)) + 0.2 * rng.gauss();
    const base = { asset: o.assetId, ts, rpm: 0, quality: 'good' as const, source: 'simulator' as const, simulation: truth };
    return [
      { ...base, channel: CHANNELS.temp, quantity: 'temperature', unit: 'degC', value: round(temp, 2) },
      { ...base, channel: CHANNELS.current, quantity: 'current', unit: 'A', value: round(0.05 * Math.abs(rng.gauss()), 3) },
    ];
  }

  /** The ground truth at simulated time ts (defects at nominal speed unless given). */
  truth(ts: number, defects?: DefectFrequencies): Truth {
    const hours = (ts - this.startTs) / HOUR_MS;
    const d = defects ?? defectFrequencies(this.opts.bearing, this.opts.rpm);
    if (this.fault === 'none') {
      const sev = this.held ?? 0;
      return { fault: 'none', severity: sev, health: 100 * (1 - sev), failureAt: null, failureTs: null, hoursToFailure: null, hours, held: this.held !== null, seed: this.opts.seed, defects: d };
    }
    if (this.held !== null) {
      return { fault: this.fault, severity: this.held, health: 100 * (1 - this.held), failureAt: null, failureTs: null, hoursToFailure: null, hours, held: true, seed: this.opts.seed, defects: d };
    }
    const severity = severityAt(this.opts, hours);
    const failureTs = this.startTs + this.opts.failureHours * HOUR_MS;
    return {
      fault: this.fault,
      severity,
      health: 100 * (1 - severity),
      failureAt: isoOrNull(failureTs),
      failureTs,
      hoursToFailure: Math.max(0, (failureTs - ts) / HOUR_MS),
      hours,
      held: false,
      seed: this.opts.seed,
      defects: d,
    };
  }

  /** What the machine needs to resume after a restart (plain JSON; see restore). */
  snapshot(): MachineSnapshot {
    return { startTs: this.startTs, fault: this.fault, held: this.held, lastTs: this.lastTs, cycleCarry: this.cycleCarry, scrapCarry: this.scrapCarry, stop: this.stop ? { ...this.stop } : null };
  }

  /**
   * Resume from a snapshot (degradation progress, fault, held severity, production counters).
   * Returns the problems found (nothing is changed then): a snapshot from another version or a
   * fault this asset cannot have is refused, not half applied.
   */
  restore(s: unknown): string[] {
    const p: string[] = [];
    if (!s || typeof s !== 'object' || Array.isArray(s)) return ['snapshot: expected an object'];
    const o = s as Record<string, unknown>;
    const fin = (k: string) => typeof o[k] === 'number' && Number.isFinite(o[k] as number);
    for (const k of ['startTs', 'lastTs', 'cycleCarry', 'scrapCarry']) if (!fin(k)) p.push(`snapshot.${k}: expected a number`);
    const fault = o.fault as SimFault;
    if (typeof fault !== 'string' || !FAULTS.includes(fault)) p.push('snapshot.fault: expected a known fault');
    else if (BEARING_FAULTS.includes(fault) && !this.opts.bearing) p.push(`snapshot.fault: ${fault} needs a bearing geometry`);
    if (o.held !== null && !(fin('held') && (o.held as number) >= 0 && (o.held as number) <= 1)) p.push('snapshot.held: expected null or 0-1');
    const stop = readStop(o.stop);
    if ('problem' in stop) p.push(stop.problem);
    if (p.length || 'problem' in stop) return p;
    this.stop = stop.stop;
    this.startTs = o.startTs as number;
    this.lastTs = o.lastTs as number;
    this.fault = fault;
    this.held = o.held as number | null;
    this.cycleCarry = Math.max(0, o.cycleCarry as number);
    this.scrapCarry = Math.max(0, o.scrapCarry as number);
    return [];
  }

  /** Everything the machine emits at simulated time ts. */
  emit(ts: number): Emission {
    const o = this.opts;
    const sev0 = this.truth(ts).severity;
    const frame = simulateFrame(o, { fault: this.fault, severity: sev0, seed: o.seed, ts });
    const truth = this.truth(ts, frame.defects);
    const s = truth.severity;
    const asset = o.assetId;
    const samples = new Array<number>(frame.samples.length);
    for (let i = 0; i < samples.length; i++) samples[i] = Math.round(frame.samples[i] * 1e6) / 1e6;
    const base = { asset, ts, rpm: frame.rpm, quality: 'good' as const, source: 'simulator' as const, simulation: truth };
    const waveform: Reading = { ...base, channel: CHANNELS.accel, quantity: 'acceleration', unit: 'g', samples, fs: frame.fs };

    const rng = new Rng(hashSeed(o.seed, ts, 5));
    const temp = o.baseTempC + 30 * s + 0.2 * rng.gauss();
    const current = o.baseCurrentA * (1 + 0.25 * s) + 0.05 * rng.gauss();
    const process: Reading[] = [
      { ...base, channel: CHANNELS.temp, quantity: 'temperature', unit: 'degC', value: round(temp, 2) },
      { ...base, channel: CHANNELS.current, quantity: 'current', unit: 'A', value: round(current, 3) },
    ];

    const from = Math.min(this.lastTs, ts);
    const events = this.produce(ts, truth, rng);
    return { from, waveform, process, events, truth };
  }

  /** The cycles and counts made from the last emission to ts (lastTs moves to ts). */
  private produce(ts: number, truth: Truth, rng: Rng): ProductionEvent[] {
    const o = this.opts;
    const s = truth.severity;
    const asset = o.assetId;
    const events: ProductionEvent[] = [];
    const meanCycle = o.cycleTimeS * (1 + 0.25 * s);
    const elapsedS = Math.max(0, (ts - this.lastTs) / 1000);
    this.lastTs = Math.max(this.lastTs, ts);
    const exact = this.cycleCarry + elapsedS / meanCycle;
    const cycles = Math.floor(exact + 1e-9);
    this.cycleCarry = Math.max(0, exact - cycles);
    if (cycles > 0) {
      const scrapExact = this.scrapCarry + cycles * (0.01 + 0.09 * s);
      const scrap = Math.min(cycles, Math.floor(scrapExact + 1e-9));
      this.scrapCarry = Math.max(0, scrapExact - scrap);
      const cycleTimeS = round(meanCycle * (1 + 0.01 * rng.gauss()), 3);
      events.push({ action: 'cycle', payload: { asset, ts, cycleTimeS, cycles, simulation: truth } });
      const pieces = o.countStepS > 0 ? countPieces(ts - elapsedS * 1000, ts, cycles, scrap, o.countStepS * 1000) : [{ ts, good: cycles - scrap, total: cycles }];
      for (const c of pieces) events.push({ action: 'count', payload: { asset, ts: c.ts, good: c.good, total: c.total, simulation: truth } });
    }
    return events;
  }
}

/**
 * Splits the parts made over (from, to] into counter reads on a grid of event time (`stepMs`, e.g.
 * 15 minutes), as a PLC counter polled on that grid would report them: one read at each grid point
 * crossed (stamped 1 ms before it, so the parts of 05:45-06:00 belong to the shift that ends at
 * 06:00) and one at `to` for the rest. Parts are spread in proportion to time; pieces with no part are left
 * out. Without this, an accelerated simulator reporting an hour of parts at one time stamp puts
 * parts made before a shift change into the new shift (performance above 100 % early in a shift).
 */
export function countPieces(from: number, to: number, total: number, scrap: number, stepMs: number): { ts: number; good: number; total: number }[] {
  const span = to - from;
  if (!(span > 0) || total <= 0) return total > 0 ? [{ ts: to, good: total - scrap, total }] : [];
  const out: { ts: number; good: number; total: number }[] = [];
  let doneT = 0;
  let doneS = 0;
  let a = from;
  while (a < to) {
    const g = (Math.floor(a / stepMs) + 1) * stepMs;
    const b = Math.min(g, to);
    const f = (b - from) / span;
    const t = b === to ? total : Math.round(total * f);
    if (t > doneT) {
      // Scrap in proportion too, but a piece never holds more scrap than parts, and the scrap
      // still owed never exceeds the parts still to come (so none is left over at the end).
      const sc = b === to ? scrap : Math.round(scrap * f);
      const lo = Math.max(doneS, scrap - (total - t));
      const hi = doneS + (t - doneT);
      const s = Math.min(hi, Math.max(lo, sc));
      out.push({ ts: b === g && b - 1 > a ? b - 1 : b, good: t - doneT - (s - doneS), total: t - doneT });
      doneT = t;
      doneS = s;
    }
    a = b;
  }
  return out;
}

/**
 * Maps a real clock to simulated time: sim = simStart + (now - realStart) * timeScale.
 * Simulated time never runs backwards (a reset or a jump moves the machine's start instead): when
 * the real clock is stepped back (NTP), it goes on from the latest time it has returned, at the
 * same scale. A new clock starts at the real time `now`, or at `simStart` when it resumes
 * a saved one.
 */
/**
 * The latest simulated time (ms): the end of JavaScript's Date range (year 275760). At the
 * largest time scale (1e7) the simulated clock gets there after about 10 real days; it then
 * stays there instead of running into times no Date can hold.
 */
export const SIM_TIME_MAX = 8.64e15;

/** An ISO time, or null for a time outside the Date range (never throws). */
export function isoOrNull(ts: number): string | null {
  return Number.isFinite(ts) && Math.abs(ts) <= SIM_TIME_MAX ? new Date(ts).toISOString() : null;
}

export class SimClock {
  private realStart: number;
  private simStart: number;
  private last: number;
  constructor(
    readonly timeScale: number,
    now: number,
    simStart: number = now,
  ) {
    if (!Number.isFinite(timeScale) || timeScale <= 0 || timeScale > 1e7) throw new Error('simulator: time scale: expected a factor > 0 and <= 10000000');
    if (!Number.isFinite(simStart)) throw new Error('simulator: simulated start: expected a time in ms');
    this.realStart = now;
    this.simStart = Math.min(simStart, SIM_TIME_MAX);
    this.last = Math.round(this.simStart);
  }

  /** Simulated time at real time now: never back, never past SIM_TIME_MAX. */
  sim(now: number): number {
    const t = Math.min(SIM_TIME_MAX, Math.round(this.simStart + (now - this.realStart) * this.timeScale));
    if (t < this.last) {
      // the real clock was stepped back: go on from the latest time returned, at the same scale
      this.simStart = this.last;
      this.realStart = now;
      return this.last;
    }
    this.last = t;
    return t;
  }
}

export type { BearingGeometry };

// ---- scalar-only machines (PLC tags, no waveform): nodes/core/signal/scalar-sim.ts ----------
export * from './scalar-sim';
