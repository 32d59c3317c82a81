/**
 * What rel-vibration keeps between frames, without Node-RED: the form resolved into analysis
 * options, the latest shaft speed per asset (rpm source "speed channel"), and per stream (asset +
 * channel + fs + frame length) the envelope band chosen by spectral kurtosis and the spectrum
 * average, within a byte budget. Also the per-frame helpers: the samples check, the payload with
 * features, a chart array re-decimated for the message.
 */
import type { AssetSpec } from '../asset';
import { InputError } from '../errors';
import { num, oneOf, optNum, own, samples, time } from '../validate';
import { MAX_FFT_SIZE, MIN_FFT_SIZE } from './fft';
import { analyzeVibration, decimate, EnvelopeBandCache, SpectrumAverage, UNITS, type ChartArray, type FrameMode, type VibrationFeatures, type VibrationOptions } from './vibration';
import { MAX_AVERAGE_FRAMES } from './average';
import { WINDOWS, type WindowName } from './window';

/** The analysis fields of rel-vibration's form. */
export interface VibrationForm {
  window?: WindowName;
  frameMode?: FrameMode;
  bandLow?: number | string;
  bandHigh?: number | string;
  envelopeBand?: 'auto' | 'fixed';
  envLow?: number | string;
  envHigh?: number | string;
  spectrumPoints?: number | string;
  envelopePoints?: number | string;
}

export const RPM_MAX = 1_000_000;
const SPEED_UNITS = ['rpm', 'Hz'] as const;
const QUALITIES = ['good', 'uncertain', 'bad'] as const;
/** Assets whose latest speed is kept (oldest dropped beyond). */
const MAX_SPEEDS = 4096;
/** Streams with a spectrum average; the least recently used is dropped beyond. */
const MAX_AVERAGED_STREAMS = 32;
/** Bytes the averaged streams' rings may hold together; the least recently used streams are dropped beyond (the current one is kept). */
const MAX_AVERAGE_BYTES = 256 * 1024 * 1024;

/** Resolve the node's form into analysis options (throws on a bad form). */
export function vibrationConfig(c: VibrationForm): Omit<VibrationOptions, 'fs'> {
  const window = oneOf(c.window || 'hann', 'window', WINDOWS);
  const frameMode = oneOf(c.frameMode || 'trim', 'frame handling', ['trim', 'pad'] as const);
  const lo = num(c.bandLow ?? 10, 'velocity band low', { gt: 0, max: 100000 });
  const hi = num(c.bandHigh ?? 1000, 'velocity band high', { gt: lo, max: 1000000 });
  const o: Omit<VibrationOptions, 'fs'> = { window, frameMode, velocityBand: [lo, hi] };
  if (c.envelopeBand === 'fixed') {
    const el = num(c.envLow, 'envelope band low', { gt: 0 });
    const eh = num(c.envHigh, 'envelope band high', { gt: el });
    o.envelopeBand = [el, eh];
  } else o.envelopeBand = 'auto';
  o.spectrumPoints = num(c.spectrumPoints === '' || c.spectrumPoints === undefined ? 0 : c.spectrumPoints, 'spectrum points', { min: 0, max: 65536, integer: true });
  o.envelopePoints = num(c.envelopePoints === '' || c.envelopePoints === undefined ? 0 : c.envelopePoints, 'envelope points', { min: 0, max: 65536, integer: true });
  return o;
}

export type RpmSourceMode = 'reading' | 'speed' | 'typed';
export type DashboardMode = '' | 'velocity' | 'spectrum' | 'envelope';
const TYPED = ['msg', 'flow', 'global', 'env', 'num'] as const;

/** rel-vibration's whole form (the analysis fields and how the node gets its rpm and what it sends). */
export interface VibrationNodeForm extends VibrationForm {
  /** Where the shaft speed comes from (default `reading`). */
  rpmSource?: RpmSourceMode;
  /** `speed`: a speed reading older than this (s, on event time) is not used (default 10). */
  speedMaxAge?: number | string;
  /** `typed`: the typed input (value and type: msg, flow, global, env, num). */
  rpmValue?: string | number;
  rpmValueType?: string;
  /** Frames the spectrum features are averaged over, per stream (1 = off, up to 64). */
  averages?: number | string;
  /** One more output, the last, for stock dashboard widgets ('' = none; 0.1.0 saved a boolean). */
  dashboard?: DashboardMode | boolean | 'true' | 'false';
}

/** The rpm source, speed max age, dashboard output, averages and typed rpm of the form (throws on a bad form). */
export function vibrationSettings(c: VibrationNodeForm) {
  const mode = oneOf(c.rpmSource || 'reading', 'rpm source', ['reading', 'speed', 'typed'] as const);
  const maxAgeMs = 1000 * num(c.speedMaxAge === '' || c.speedMaxAge === undefined ? 10 : c.speedMaxAge, 'speed max age (s)', { gt: 0, max: 86400 * 365 });
  const dashRaw = c.dashboard === true || c.dashboard === 'true' ? 'velocity' : c.dashboard === false || c.dashboard === 'false' || c.dashboard === undefined ? '' : c.dashboard;
  const dashboard = oneOf(dashRaw, 'dashboard output', ['', 'velocity', 'spectrum', 'envelope'] as const);
  const averages = num(c.averages === '' || c.averages === undefined ? 1 : c.averages, 'averages', { min: 1, max: MAX_AVERAGE_FRAMES, integer: true });
  // typed rpm: a constant (num) is checked once; other types are evaluated per frame
  const typed: { type: (typeof TYPED)[number]; expr: string; constant?: number; path: string } = { type: 'num', expr: '', path: '' };
  if (mode === 'typed') {
    typed.type = oneOf(c.rpmValueType || 'num', 'rpm type', TYPED);
    typed.expr = String(c.rpmValue ?? '').trim();
    if (typed.type === 'num') typed.constant = num(typed.expr, 'rpm', { min: 0, max: RPM_MAX });
    else if (!typed.expr) throw new Error(`rpm: a ${typed.type} property name is required`);
    typed.path = typed.type === 'msg' ? `msg.${typed.expr}` : `${typed.type}.${typed.expr}`;
  }
  return { mode, maxAgeMs, dashboard, averages, typed };
}

/** The latest speed of an asset: rpm (null when a `bad` reading had no value), event time, quality. */
export interface Speed {
  rpm: number | null;
  ts: number;
  quality: (typeof QUALITIES)[number];
}

/**
 * A canonical speed reading (`quantity: 'speed'`): `value` in rpm (default) or Hz (x60), `ts`
 * (default now), `quality` (default good; a `bad` reading may come without a value).
 */
export function speedReading(p: Record<string, unknown>, now: number): Speed {
  const q = own(p, 'quality');
  const quality = q === undefined || q === null ? 'good' : oneOf(q, 'msg.payload.quality', QUALITIES);
  const u = own(p, 'unit');
  const unit = u === undefined || u === null || u === '' ? 'rpm' : oneOf(u, 'msg.payload.unit', SPEED_UNITS);
  const v = own(p, 'value');
  let rpm: number | null = null;
  if (!(quality === 'bad' && (v === undefined || v === null))) {
    const what = unit === 'Hz' ? 'a shaft speed in Hz (a number >= 0)' : 'a shaft speed in rpm (a number >= 0)';
    if (typeof v !== 'number') throw new InputError('msg.payload.value', what, v);
    const x = num(v, 'msg.payload.value', { min: 0, max: unit === 'Hz' ? Math.floor(RPM_MAX / 60) : RPM_MAX });
    rpm = unit === 'Hz' ? x * 60 : x;
  }
  const t = own(p, 'ts');
  const ts = t === undefined || t === null ? now : time(t, 'msg.payload.ts');
  return { rpm, ts, quality };
}

/** The latest speed per asset, at most MAX_SPEEDS assets (least recently updated dropped). */
export class SpeedTable {
  private readonly speeds = new Map<string, Speed>();
  constructor(private readonly maxAgeMs: number) {}

  /**
   * Newest event time wins (an older reading arriving late is ignored), unless time went back by
   * more than the max age (a replay restarted).
   */
  update(assetId: string, s: Speed): void {
    const prev = this.speeds.get(assetId);
    if (prev && s.ts < prev.ts && prev.ts - s.ts <= this.maxAgeMs) return;
    this.speeds.delete(assetId);
    this.speeds.set(assetId, s);
    if (this.speeds.size > MAX_SPEEDS) this.speeds.delete(this.speeds.keys().next().value as string);
  }

  /** The asset's speed usable for a frame at `ts`, else why not ('no speed', 'speed bad', 'speed stale'). */
  at(assetId: string, ts: number): { rpm: number } | { why: string } {
    const s = this.speeds.get(assetId);
    if (s && s.rpm !== null && s.quality !== 'bad' && Math.abs(ts - s.ts) <= this.maxAgeMs) return { rpm: s.rpm };
    return { why: !s ? 'no speed' : s.rpm === null || s.quality === 'bad' ? 'speed bad' : 'speed stale' };
  }

  clear(): void {
    this.speeds.clear();
  }
}

/**
 * The analysis of frames stream by stream: the envelope band cache and, with `averages` > 1, one
 * spectrum average per stream. The options object is reused (analyzeVibration keeps no
 * reference) and the stream key is rebuilt only when the stream changes.
 */
export class VibrationStreams {
  private readonly bands = new EnvelopeBandCache();
  private readonly avgs = new Map<string, SpectrumAverage>();
  private readonly o: VibrationOptions;
  private kAsset = '';
  private kCh = '';
  private kFs = NaN;
  private kLen = -1;
  private key = '';

  constructor(base: Omit<VibrationOptions, 'fs'>, private readonly averages: number) {
    this.o = { ...base, fs: 1 };
  }

  /** Chart points asked of the core (0 = none; MAX_FFT_SIZE for the whole spectrum). */
  chartPoints(spectrum: number, envelope: number): void {
    this.o.spectrumPoints = spectrum;
    this.o.envelopePoints = envelope;
  }

  analyse(x: ArrayLike<number>, fs: number, unit: string, asset: Pick<AssetSpec, 'assetId' | 'bearingMultiples' | 'machineClass'>, ch: string, rpm: number | undefined): VibrationFeatures {
    const o = this.o;
    let newStream = false;
    if (asset.assetId !== this.kAsset || ch !== this.kCh || fs !== this.kFs || x.length !== this.kLen) {
      newStream = true;
      this.kAsset = asset.assetId;
      this.kCh = ch;
      this.kFs = fs;
      this.kLen = x.length;
      this.key = `${this.kAsset}\u0000${ch}\u0000${fs}\u0000${this.kLen}`;
      if (this.averages > 1) o.average = this.averageOf(this.key);
    }
    o.fs = fs;
    o.unit = unit;
    o.rpm = rpm;
    o.bearing = asset.bearingMultiples;
    o.machineClass = asset.machineClass;
    o.band = this.bands.band(this.key);
    const features = analyzeVibration(x, o);
    // a new stream's rings were allocated by that frame: keep all of them within the byte budget
    if (newStream && this.averages > 1) this.capAverages(this.key);
    this.bands.record(this.key, features);
    return features;
  }

  clear(): void {
    this.bands.clear();
    this.avgs.clear();
    this.o.average = undefined;
    this.kLen = -1;
  }

  /** The stream's average, most recently used last. */
  private averageOf(key: string): SpectrumAverage {
    let avg = this.avgs.get(key);
    if (avg) this.avgs.delete(key);
    else avg = new SpectrumAverage(this.averages);
    this.avgs.set(key, avg);
    if (this.avgs.size > MAX_AVERAGED_STREAMS) this.avgs.delete(this.avgs.keys().next().value as string);
    return avg;
  }

  /** Drops the least recently used averaged streams (never `keep`) while their rings together exceed MAX_AVERAGE_BYTES. */
  private capAverages(keep: string): void {
    let total = 0;
    for (const a of this.avgs.values()) total += a.bytes;
    for (const [k, a] of this.avgs) {
      if (total <= MAX_AVERAGE_BYTES) break;
      if (k === keep) continue;
      total -= a.bytes;
      this.avgs.delete(k);
    }
  }
}

/**
 * The frame's samples, checked: the shared guard (samples(): type, size cap, every element a
 * finite number, the error naming the first bad one). Float64Array / Float32Array frames of a valid
 * size take a branch-free pass first (x * 0 is 0 for every finite x and NaN for NaN and
 * ±Infinity; about 3x cheaper than a test per element at N = 16384); only when it finds a bad
 * element does the shared guard run, to throw its exact error.
 */
export function frameSamples(v: unknown): ArrayLike<number> {
  if ((v instanceof Float64Array || v instanceof Float32Array) && v.length >= MIN_FFT_SIZE && v.length <= MAX_FFT_SIZE) {
    const len = v.length;
    let a0 = 0;
    let a1 = 0;
    let a2 = 0;
    let a3 = 0;
    let i = 0;
    for (; i + 3 < len; i += 4) {
      a0 += v[i] * 0;
      a1 += v[i + 1] * 0;
      a2 += v[i + 2] * 0;
      a3 += v[i + 3] * 0;
    }
    for (; i < len; i++) a0 += v[i] * 0;
    if (a0 + a1 + a2 + a3 === 0) return v;
  }
  return samples(v, 'msg.payload.samples', { min: MIN_FFT_SIZE, max: MAX_FFT_SIZE });
}

/** A waveform reading's frame: samples (checked), fs, its own rpm, unit and channel. */
export interface WaveformFrame {
  x: ArrayLike<number>;
  fs: number;
  rpmIn: number | undefined;
  unit: string;
  ch: string;
}

/**
 * The frame of a waveform reading (quantity acceleration or velocity, or none), each field checked
 * with an error naming it; the channel is `channel`, else the message's topic.
 */
export function waveformFrame(p: Record<string, unknown>, topic: unknown, frameMode: FrameMode | undefined, speedChannel: boolean): WaveformFrame {
  const q = own(p, 'quantity');
  if (q !== undefined && q !== null && q !== 'acceleration' && q !== 'velocity')
    throw new InputError('msg.payload.quantity', speedChannel ? 'acceleration, velocity (a waveform) or speed' : 'acceleration or velocity (a waveform; speed readings need the rpm source "speed channel")', q);
  const x = frameSamples(own(p, 'samples'));
  const fs = num(own(p, 'fs'), 'msg.payload.fs', { gt: 0, max: 10_000_000 });
  const rpmIn = optNum(own(p, 'rpm'), 'msg.payload.rpm', { min: 0, max: RPM_MAX });
  const u = own(p, 'unit');
  const unit = u === undefined || u === null || u === '' ? (q === 'velocity' ? 'mm/s' : 'g') : oneOf(u, 'msg.payload.unit', UNITS);
  if (frameMode === 'pad' && x.length > MAX_FFT_SIZE / 2 && (x.length & (x.length - 1)) !== 0)
    throw new InputError('msg.payload.samples', `at most ${MAX_FFT_SIZE / 2} samples when zero-padding`, own(p, 'samples'));
  const c = own(p, 'channel');
  const ch = typeof c === 'string' ? c : typeof topic === 'string' ? topic : '';
  return { x, fs, rpmIn, unit, ch };
}

/**
 * The payload with `features` added. A plain, extensible payload object (every message that came
 * through a wire or JSON) gets the field in place: it is this node's message, and `{ ...p, features }`
 * costs about 1.5 us per frame in V8 (its generic path), more than the rest of the glue. Anything
 * else (a frozen object, a class instance, a read-only or accessor `features`) is copied.
 */
export function withFeatures(p: Record<string, unknown>, features: VibrationFeatures): Record<string, unknown> {
  const proto = Object.getPrototypeOf(p);
  if ((proto === Object.prototype || proto === null) && Object.isExtensible(p)) {
    const d = Object.getOwnPropertyDescriptor(p, 'features');
    if (!d || (d.writable === true && d.configurable === true)) {
      p.features = features;
      return p;
    }
  }
  return { ...p, features };
}

/** The chart array the form asked for, from the full-resolution one (same values as the core's). */
export function redecimate(a: ChartArray, points: number): ChartArray {
  const r = decimate(Float64Array.from(a.amplitudes), a.amplitudes.length, points, a.df, a.unit);
  if (a.band) r.band = a.band;
  return r;
}

/** Short number for a status dot: "4.2", "12". */
const statusNum = (v: number) => (v >= 10 ? v.toFixed(0) : v.toFixed(1));

/**
 * The status dot of an analysed frame: a `kind` (shown at once when it changes: the zone, the rpm
 * state, averaging or the speed channel) and the dot itself, made only when shown. Without an rpm
 * the frame says "stopped" (rpm 0 asked) or "no rpm"; a fallback's reason (`why`: a stale speed
 * channel, a missing typed rpm) warns; else the zone, with the averaging progress or the speed
 * channel's rpm after it.
 */
export function frameStatus(
  f: Pick<VibrationFeatures, 'velocityRms' | 'isoZone' | 'rpm' | 'averaged'>,
  rpmAsked: number | undefined,
  why: string | null,
  averages: number,
  source: string | null,
): { kind: string; dot: () => { level: 'ok' | 'warn'; text: string } } {
  const v = statusNum(f.velocityRms);
  const zone = f.isoZone;
  if (!f.rpm) {
    const w = rpmAsked === 0 ? 'stopped' : 'no rpm';
    return { kind: `${zone}${w}`, dot: () => ({ level: 'warn', text: `${v} mm/s · zone ${zone} · ${w}` }) };
  }
  // without "zone" here: the dot's text is cut at 32 characters, and the reason must show
  if (why) return { kind: `${zone}${why}`, dot: () => ({ level: 'warn', text: `${v} mm/s · ${zone} · ${why}` }) };
  const kind = averages > 1 ? 'avg' : source === 'speed-channel' ? 'rpm' : '';
  const r = f.rpm;
  const n = f.averaged;
  return {
    kind: zone + kind,
    dot: () => {
      const tail = kind === 'avg' ? ` · avg ${n}/${averages}` : kind === 'rpm' ? ` · ${Math.round(r)} rpm` : '';
      return { level: zone === 'C' || zone === 'D' ? 'warn' : 'ok', text: `${v} mm/s · zone ${zone}${tail}` };
    },
  };
}

/** The status of a speed reading: "speed 1480 rpm", "(uncertain)" after it, or "<asset> speed bad". */
export function speedStatus(assetId: string, s: Speed): { kind: string; level: 'info' | 'warn'; text: string } {
  const text = s.rpm === null ? `${assetId} speed bad` : `speed ${statusNum(s.rpm)} rpm${s.quality === 'good' ? '' : ` (${s.quality})`}`;
  return { kind: `speed${s.quality}`, level: s.quality === 'bad' ? 'warn' : 'info', text };
}
