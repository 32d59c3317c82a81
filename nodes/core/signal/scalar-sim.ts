/**
 * A machine seen only through PLC tags (no waveform): run bit, part counter, velocity RMS through
 * a 4-20 mA transmitter and an analog card (quantised), motor and bearing temperature (first order
 * towards ambient + rise while running, towards ambient while stopped), motor current. Planned
 * stops every `runHours` for `stopMinutes`; step shifts at given hours, and shifts set at run time
 * (`set`). Stateful (temperatures, counter); times are simulated ms. See docs/simulator.md.
 */
import { Rng, hashSeed } from './random';
import { heldAt, nextStop, readStop, releasePending, type SimStop } from './sim-stop';

const HOUR_MS = 3_600_000;
const round = (v: number, d: number) => Math.round(v * 10 ** d) / 10 ** d;

export interface ScalarShift {
  atHours: number;
  velocityFactor?: number;
  currentFactor?: number;
}

export interface ScalarSimOptions {
  assetId: string;
  seed: number;
  /** Healthy velocity RMS, mm/s. */
  velocityMmS: number;
  /** Span of the 4-20 mA velocity transmitter: 20 mA = this many mm/s. */
  rangeMmS: number;
  /** Resolution of the analog input card (bits over 0-20 mA). */
  adcBits: number;
  ambientC: number;
  /** Motor temperature rise over ambient when running at steady state. */
  tempRiseC: number;
  /** Bearing temperature rise over ambient when running healthy; friction adds with the velocity factor. */
  bearingRiseC: number;
  /** Thermal time constant, minutes (heating and cooling). */
  thermalTauMin: number;
  currentA: number;
  /** Running period between planned stops, hours (0: never stops). */
  runHours: number;
  /** Length of each planned stop, minutes. */
  stopMinutes: number;
  /** Parts per running minute. */
  partsPerMin: number;
  /** Shifts: from `atHours` of simulated time, velocity x velocityFactor and current x currentFactor. */
  shifts: ScalarShift[];
}

export const DEFAULT_SCALAR_SIM: Readonly<Omit<ScalarSimOptions, 'assetId'>> = {
  seed: 1,
  velocityMmS: 1.6,
  rangeMmS: 25,
  adcBits: 12,
  ambientC: 25,
  tempRiseC: 30,
  bearingRiseC: 20,
  thermalTauMin: 20,
  currentA: 38,
  runHours: 4,
  stopMinutes: 20,
  partsPerMin: 6,
  shifts: [],
};

export const SCALAR_CHANNELS = { run: 'run', parts: 'parts', velocity: 'velocity', temp: 'motor-temp', bearingTemp: 'bearing-temp', current: 'motor-current' } as const;

export interface ScalarTruth {
  running: boolean;
  velocityTrue: number;
  /** Shifts in force (configured and set). */
  shift: number;
  velocityFactor: number;
  currentFactor: number;
  hours: number;
}

export interface ScalarReading {
  asset: string;
  channel: string;
  ts: number;
  quantity: string;
  unit: string;
  value: number;
  quality: 'good';
  source: 'simulator';
  simulation: ScalarTruth;
}

/** The scalar machine's resumable state (simulated ms times). */
export interface ScalarSnapshot {
  startTs: number;
  lastTs: number;
  temp: number;
  bearingTemp: number;
  parts: number;
  partCarry: number;
  /** Shifts set at run time, in hours since the start. */
  extra: ScalarShift[];
  /** Held stopped by hand (absent in snapshots of earlier versions: on its schedule). */
  stop?: SimStop | null;
  /** Parts are counted up to this time (absent in snapshots of earlier versions: lastTs). */
  partsTs?: number;
}

export function scalarSimProblems(o: ScalarSimOptions): string[] {
  const p: string[] = [];
  const pos = (v: number, what: string) => {
    if (!(Number.isFinite(v) && v > 0)) p.push(`${what}: expected a number > 0`);
  };
  pos(o.velocityMmS, 'velocity');
  pos(o.rangeMmS, 'transmitter range');
  pos(o.thermalTauMin, 'thermal time constant');
  if (!Number.isInteger(o.adcBits) || o.adcBits < 8 || o.adcBits > 24) p.push('ADC bits: expected a whole number from 8 to 24');
  if (!Number.isInteger(o.seed) || o.seed < 0 || o.seed > 0xffffffff) p.push('seed: expected a whole number from 0 to 4294967295');
  if (!(o.runHours >= 0) || !(o.stopMinutes >= 0)) p.push('run hours and stop minutes: expected numbers >= 0');
  if (!(o.partsPerMin >= 0)) p.push('parts per minute: expected a number >= 0');
  for (const s of o.shifts) {
    if (!(s.atHours >= 0)) p.push('shift: atHours expected >= 0');
    for (const f of [s.velocityFactor, s.currentFactor]) if (f !== undefined && !(Number.isFinite(f) && f > 0 && f <= 100)) p.push('shift: factors expected > 0 and <= 100');
  }
  return p;
}

export class ScalarSimMachine {
  readonly opts: ScalarSimOptions;
  private rng: Rng;
  private temp: number;
  private bearingTemp: number;
  private parts = 0;
  private partCarry = 0;
  private lastTs: number;
  private startTs: number;
  private extra: ScalarShift[] = [];
  private stop: SimStop | null = null;
  /** Parts are counted up to here (a hold or a release settles them at its own time). */
  private partsTs: number;

  constructor(opts: ScalarSimOptions, startTs: number) {
    const p = scalarSimProblems(opts);
    if (p.length) throw new Error(`simulator: ${p.join('; ')}`);
    this.opts = { ...opts, shifts: [...opts.shifts].sort((a, b) => a.atHours - b.atHours) };
    this.rng = new Rng(opts.seed);
    this.temp = opts.ambientC + opts.tempRiseC;
    this.bearingTemp = opts.ambientC + opts.bearingRiseC;
    this.startTs = startTs;
    this.lastTs = startTs;
    this.partsTs = startTs;
  }

  get start(): number {
    return this.startTs;
  }

  running(ts: number): boolean {
    const o = this.opts;
    if (heldAt(this.stop, ts)) return false;
    if (!(o.runHours > 0) || !(o.stopMinutes > 0)) return true;
    const period = o.runHours * HOUR_MS + o.stopMinutes * 60_000;
    const into = (ts - this.startTs) % period;
    return (into < 0 ? into + period : into) < o.runHours * HOUR_MS;
  }

  /** Velocity and current factors, and how many shifts are in force, at `hours` since the start. */
  private factors(hours: number): { vf: number; cf: number; shift: number } {
    let vf = 1;
    let cf = 1;
    let shift = 0;
    for (const s of [...this.opts.shifts, ...this.extra]) {
      if (hours >= s.atHours) {
        vf = s.velocityFactor ?? vf;
        cf = s.currentFactor ?? cf;
        shift++;
      }
    }
    return { vf, cf, shift };
  }

  truth(ts: number): ScalarTruth {
    const hours = (ts - this.startTs) / HOUR_MS;
    const f = this.factors(hours);
    const run = this.running(ts);
    return { running: run, velocityTrue: run ? round(this.opts.velocityMmS * f.vf, 4) : 0, shift: f.shift, velocityFactor: f.vf, currentFactor: f.cf, hours };
  }

  /** A shift from now on (a wearing bearing: velocityFactor 2; an overload: currentFactor 1.3). */
  set(ts: number, s: { velocityFactor?: number; currentFactor?: number }): void {
    const shift: ScalarShift = { atHours: Math.max(0, (ts - this.startTs) / HOUR_MS), ...s };
    const p = scalarSimProblems({ ...this.opts, shifts: [shift] });
    if (p.length) throw new Error(`simulator: ${p.join('; ')}`);
    this.extra = [...this.extra, shift].slice(-32);
  }

  /** Put the machine at `hours` since its start, as seen at simulated time ts. */
  setHours(ts: number, hours: number): void {
    const moved = ts - Math.max(0, hours) * HOUR_MS - this.startTs;
    this.startTs += moved;
    this.extra = this.extra.map((s) => ({ ...s, atHours: Math.max(0, s.atHours - moved / HOUR_MS) }));
  }

  /** Held stopped by hand since when and why, or null (on its schedule). */
  get stopped(): SimStop | null {
    return this.stop;
  }

  /** The hold's `stopped` event has gone out (kept in the snapshot: not sent again after a restart). */
  markSent(): void {
    if (this.stop) this.stop = { ...this.stop, sent: true };
  }

  /**
   * Hold the machine stopped from ts (`running` false; see sim-stop.ts), or put it back on its run
   * and stop schedule. The parts made up to ts are counted first, as the machine ran until then.
   */
  hold(ts: number, running: boolean, reason?: string): void {
    // a hold again before a release was polled merges with the one before (no parts between), as on a waveform machine
    const merges = !running && releasePending(this.stop);
    this.countParts(Math.max(ts, this.partsTs), !merges && this.running(ts));
    this.stop = nextStop(this.stop, ts, running, reason);
  }

  /** Count the parts made from partsTs to ts, when running. */
  private countParts(ts: number, run: boolean): void {
    if (run) {
      this.partCarry += (this.opts.partsPerMin * Math.max(0, ts - this.partsTs)) / 60_000;
      const whole = Math.floor(this.partCarry);
      this.parts += whole;
      this.partCarry -= whole;
    }
    this.partsTs = Math.max(this.partsTs, ts);
  }

  /** A repaired machine: hour 0 at ts, the shifts set at run time gone (the configured ones come again at their hours). */
  reset(ts: number): void {
    this.startTs = ts;
    this.extra = [];
  }

  snapshot(): ScalarSnapshot {
    return { startTs: this.startTs, lastTs: this.lastTs, temp: this.temp, bearingTemp: this.bearingTemp, parts: this.parts, partCarry: this.partCarry, extra: this.extra.map((s) => ({ ...s })), stop: this.stop ? { ...this.stop } : null, partsTs: this.partsTs };
  }

  /** Resume from a snapshot; returns the problems found (nothing is changed then). */
  restore(s: unknown): string[] {
    if (!s || typeof s !== 'object' || Array.isArray(s)) return ['snapshot: expected an object'];
    const o = s as Record<string, unknown>;
    const p: string[] = [];
    for (const k of ['startTs', 'lastTs', 'temp', 'bearingTemp', 'parts', 'partCarry']) if (typeof o[k] !== 'number' || !Number.isFinite(o[k] as number)) p.push(`snapshot.${k}: expected a number`);
    const extra = Array.isArray(o.extra) ? (o.extra as ScalarShift[]) : null;
    if (!extra || extra.length > 32) p.push('snapshot.extra: expected at most 32 shifts');
    else p.push(...scalarSimProblems({ ...this.opts, shifts: extra }).map((x) => `snapshot.${x}`));
    const stop = readStop(o.stop);
    if ('problem' in stop) p.push(stop.problem);
    if (o.partsTs !== undefined && !(typeof o.partsTs === 'number' && Number.isFinite(o.partsTs))) p.push('snapshot.partsTs: expected a number');
    if (p.length || 'problem' in stop) return p;
    this.stop = stop.stop;
    // never before lastTs: after a crash the runner resumes past the gap, which makes no parts
    this.partsTs = Math.max(typeof o.partsTs === 'number' ? o.partsTs : -Infinity, o.lastTs as number);
    this.startTs = o.startTs as number;
    this.lastTs = o.lastTs as number;
    this.temp = o.temp as number;
    this.bearingTemp = o.bearingTemp as number;
    this.parts = Math.max(0, Math.floor(o.parts as number));
    this.partCarry = Math.max(0, o.partCarry as number);
    this.extra = extra!.map((x) => ({ atHours: x.atHours, velocityFactor: x.velocityFactor, currentFactor: x.currentFactor }));
    this.rng = new Rng(hashSeed(this.opts.seed, this.lastTs));
    return [];
  }

  /** One poll of every tag at ts (not before the previous poll). */
  poll(ts: number): ScalarReading[] {
    const o = this.opts;
    const dt = Math.max(0, ts - this.lastTs);
    this.lastTs = Math.max(this.lastTs, ts);
    const sim = this.truth(ts);
    const run = sim.running;
    const g = () => this.rng.gauss();
    const decay = Math.exp(-dt / (o.thermalTauMin * 60_000));
    const target = o.ambientC + (run ? o.tempRiseC * sim.currentFactor ** 2 : 0);
    this.temp = target + (this.temp - target) * decay;
    // bearing friction grows with the vibration: the healthy rise x (1 + half the velocity increase)
    const bTarget = o.ambientC + (run ? o.bearingRiseC * (1 + 0.5 * (sim.velocityFactor - 1)) : 0);
    this.bearingTemp = bTarget + (this.bearingTemp - bTarget) * decay;
    const vTrue = run ? o.velocityMmS * sim.velocityFactor * Math.exp(0.04 * g()) : 0.02 * Math.abs(g());
    const mA = Math.min(20.5, Math.max(3.8, 4 + (16 * vTrue) / o.rangeMmS + 0.005 * g()));
    const lsb = 20 / 2 ** o.adcBits;
    const vRead = Math.max(0, ((Math.round(mA / lsb) * lsb - 4) / 16) * o.rangeMmS);
    const current = run ? o.currentA * sim.currentFactor * (1 + 0.015 * g()) : 0.1 * Math.abs(g());
    this.countParts(ts, run);
    // a release seen by this poll is done with
    if (this.stop?.until !== undefined && ts >= this.stop.until) this.stop = null;
    const truth: ScalarTruth = { ...sim, velocityTrue: round(vTrue, 4) };
    const base = { asset: o.assetId, ts, quality: 'good' as const, source: 'simulator' as const, simulation: truth };
    return [
      { ...base, channel: SCALAR_CHANNELS.run, quantity: 'state', unit: '', value: run ? 1 : 0 },
      { ...base, channel: SCALAR_CHANNELS.parts, quantity: 'count', unit: 'parts', value: this.parts },
      { ...base, channel: SCALAR_CHANNELS.velocity, quantity: 'velocity', unit: 'mm/s', value: round(vRead, 3) },
      { ...base, channel: SCALAR_CHANNELS.temp, quantity: 'temperature', unit: 'degC', value: round(this.temp + 0.1 * g(), 2) },
      { ...base, channel: SCALAR_CHANNELS.bearingTemp, quantity: 'temperature', unit: 'degC', value: round(this.bearingTemp + 0.1 * g(), 2) },
      { ...base, channel: SCALAR_CHANNELS.current, quantity: 'current', unit: 'A', value: round(current, 3) },
    ];
  }
}
