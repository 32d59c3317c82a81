/**
 * rel-vibration: a waveform reading in, vibration features out (msg.payload.features): time
 * domain, velocity RMS and ISO 10816 zone, order lines, envelope spectrum and bearing bands.
 * Thin glue over nodes/core/signal/vibration.ts.
 *
 * Per frame the glue does one validation pass over the samples (no copy), keeps the resonance band
 * chosen by spectral kurtosis per asset + channel + fs + frame length (EnvelopeBandCache: chosen on
 * the first frame, reused until it is 30 frames old or the band's level or kurtosis moves), and
 * updates the status dot at most every 500 ms (at once when the zone or rpm state changes; the
 * latest value is shown when the burst ends).
 *
 * Shaft speed for the order and bearing analysis (config `rpmSource`, `features.rpmSource` says
 * which one a frame used):
 * - `reading` (default): the frame's `rpm`, else the asset's nominal rpm;
 * - `speed`: speed readings (`quantity: 'speed'`, rpm or Hz) wired into the same input update the
 *   latest speed per asset (consumed, no output); frames use it while it is fresh (at most
 *   `speedMaxAge` s from the frame's ts) and not `bad`, else fall back as `reading` with a
 *   warning status;
 * - `typed`: a typed input (msg, flow, global, env, num) evaluated per frame.
 * Optional last output (config `dashboard`): velocity RMS as a number, or the spectrum / envelope
 * spectrum as one ui-chart curve.
 */
import { InputError } from '../core/errors';
import { MAX_AVERAGE_FRAMES } from '../core/signal/average';
import { MAX_FFT_SIZE, MIN_FFT_SIZE } from '../core/signal/fft';
import { analyzeVibration, decimate, EnvelopeBandCache, SpectrumAverage, UNITS, type ChartArray, type FrameMode, type VibrationFeatures, type VibrationOptions } from '../core/signal/vibration';
import { WINDOWS, type WindowName } from '../core/signal/window';
import { num, object, oneOf, optNum, own, samples, time } from '../core/validate';
import { resolveAsset, type AssetSpec } from '../shared/assets';
import { getClock } from '../shared/clock';
import { curveMessage, numberMessages } from '../shared/dashboard';
import { defineNode, evalTyped } from '../shared/node';
import type { NodeDef, NodeMessage, RedApi, SendFn } from '../shared/red';
import { status, throttledStatus } from '../shared/status';

type RpmSourceMode = 'reading' | 'speed' | 'typed';
type RpmSource = 'reading' | 'speed-channel' | 'typed' | 'asset';
type DashboardMode = '' | 'velocity' | 'spectrum' | 'envelope';

interface VibrationDef extends NodeDef {
  asset?: string;
  window?: WindowName;
  frameMode?: FrameMode;
  bandLow?: number | string;
  bandHigh?: number | string;
  envelopeBand?: 'auto' | 'fixed';
  envLow?: number | string;
  envHigh?: number | string;
  spectrumPoints?: number | string;
  envelopePoints?: number | string;
  /** Where the shaft speed comes from (default `reading`). */
  rpmSource?: RpmSourceMode;
  /** `speed`: a speed reading older than this (s, on event time) is not used (default 10). */
  speedMaxAge?: number | string;
  /** `typed`: the typed input (value and type: msg, flow, global, env, num). */
  rpmValue?: string | number;
  rpmValueType?: string;
  /** Frames the spectrum features are averaged over, per stream (1 = off, up to 64). */
  averages?: number | string;
  /** One more output, the last, for stock dashboard widgets ('' = none). */
  dashboard?: DashboardMode | boolean | 'true' | 'false';
}

/** Least time between two status updates of the same kind, ms. */
const STATUS_MS = 500;
/** Points of a dashboard curve (decimated on the server, peaks kept). */
const CURVE_POINTS = 400;
/** Chart points asked of the core when the dashboard needs the whole spectrum (step 1 at any N). */
const FULL = MAX_FFT_SIZE;
/** Assets whose latest speed is kept (oldest dropped beyond). */
const MAX_SPEEDS = 4096;
const RPM_MAX = 1_000_000;
const SPEED_UNITS = ['rpm', 'Hz'] as const;
const QUALITIES = ['good', 'uncertain', 'bad'] as const;
const TYPED = ['msg', 'flow', 'global', 'env', 'num'] as const;
/** Streams (asset + channel + fs + frame length) with a spectrum average; the least recently used is dropped beyond. */
const MAX_AVERAGED_STREAMS = 32;
/** Bytes the averaged streams' rings may hold together; the least recently used streams are dropped beyond (the current one is kept). */
const MAX_AVERAGE_BYTES = 256 * 1024 * 1024;

/** Resolve the node's form into analysis options (throws on a bad form). */
function vibrationConfig(c: VibrationDef): Omit<VibrationOptions, 'fs'> {
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

/** The latest speed of an asset: rpm (null when a `bad` reading had no value), event time, quality. */
interface Speed {
  rpm: number | null;
  ts: number;
  quality: (typeof QUALITIES)[number];
}

/**
 * A canonical speed reading (`quantity: 'speed'`): `value` in rpm (default) or Hz (x60), `ts`
 * (default now), `quality` (default good; a `bad` reading may come without a value).
 */
function speedReading(p: Record<string, unknown>, now: number): Speed {
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

/** Short number for a status dot. */
const short = (v: number) => (v >= 10 ? v.toFixed(0) : v.toFixed(1));

export = function (RED: RedApi) {
  defineNode<VibrationDef>(RED, 'rel-vibration', (node, config) => {
    const base = vibrationConfig(config);
    const spectrumPoints = base.spectrumPoints ?? 0;
    const envelopePoints = base.envelopePoints ?? 0;
    const mode = oneOf(config.rpmSource || 'reading', 'rpm source', ['reading', 'speed', 'typed'] as const);
    const maxAgeMs = 1000 * num(config.speedMaxAge === '' || config.speedMaxAge === undefined ? 10 : config.speedMaxAge, 'speed max age (s)', { gt: 0, max: 86400 * 365 });
    const dashRaw = config.dashboard === true || config.dashboard === 'true' ? 'velocity' : config.dashboard === false || config.dashboard === 'false' || config.dashboard === undefined ? '' : config.dashboard;
    const dashboard = oneOf(dashRaw, 'dashboard output', ['', 'velocity', 'spectrum', 'envelope'] as const);
    const averages = num(config.averages === '' || config.averages === undefined ? 1 : config.averages, 'averages', { min: 1, max: MAX_AVERAGE_FRAMES, integer: true });
    // typed rpm: a constant (num) is checked once; other types are evaluated per frame
    let typedType: (typeof TYPED)[number] = 'num';
    let typedExpr = '';
    let typedConst: number | undefined;
    let typedPath = '';
    if (mode === 'typed') {
      typedType = oneOf(config.rpmValueType || 'num', 'rpm type', TYPED);
      typedExpr = String(config.rpmValue ?? '').trim();
      if (typedType === 'num') typedConst = num(typedExpr, 'rpm', { min: 0, max: RPM_MAX });
      else if (!typedExpr) throw new Error(`rpm: a ${typedType} property name is required`);
      typedPath = typedType === 'msg' ? `msg.${typedExpr}` : `${typedType}.${typedExpr}`;
    }

    const bands = new EnvelopeBandCache();
    const speeds = new Map<string, Speed>();
    // one spectrum average per stream (same key as the band cache), most recently used last
    const avgs = new Map<string, SpectrumAverage>();
    /** Drops the least recently used averaged streams (never `keep`) while their rings together exceed MAX_AVERAGE_BYTES. */
    const capAverages = (keep: string) => {
      let total = 0;
      for (const a of avgs.values()) total += a.bytes;
      for (const [k, a] of avgs) {
        if (total <= MAX_AVERAGE_BYTES) break;
        if (k === keep) continue;
        total -= a.bytes;
        avgs.delete(k);
      }
    };
    let avg: SpectrumAverage | undefined;
    let lastFrameAt = -Infinity;
    const clock = getClock(RED);
    // shown at once when its kind changes (zone, rpm state), else at most every STATUS_MS
    const shown = throttledStatus(clock, STATUS_MS);
    const show = shown.show;

    // Per-message glue kept cheap: the configured asset is looked up once (a changed rel-asset
    // redeploys this node), the band-cache key is rebuilt only when the stream changes, and the
    // analysis options are one object updated in place (analyzeVibration keeps no reference).
    let fixedAsset: AssetSpec | undefined;
    const assetOf = (msg: NodeMessage): AssetSpec => {
      if (fixedAsset) return fixedAsset;
      const a = resolveAsset(RED, config.asset, msg);
      if (config.asset) fixedAsset = a;
      return a;
    };
    let kAsset = '';
    let kCh = '';
    let kFs = NaN;
    let kLen = -1;
    let key = '';
    const o: VibrationOptions = { ...base, fs: 1 };
    if (dashboard === 'spectrum') o.spectrumPoints = FULL;
    if (dashboard === 'envelope') o.envelopePoints = FULL;

    /** The analysis of one validated frame with its rpm; sends and updates the status. */
    const analyse = (msg: NodeMessage, p: Record<string, unknown>, x: ArrayLike<number>, fs: number, unit: string, asset: AssetSpec, ch: string, rpm: number | undefined, source: RpmSource | null, why: string | null, send: SendFn) => {
      let newStream = false;
      if (asset.assetId !== kAsset || ch !== kCh || fs !== kFs || x.length !== kLen) {
        newStream = true;
        kAsset = asset.assetId;
        kCh = ch;
        kFs = fs;
        kLen = x.length;
        key = `${kAsset}\u0000${ch}\u0000${fs}\u0000${kLen}`;
        if (averages > 1) {
          avg = avgs.get(key);
          if (avg) avgs.delete(key);
          else avg = new SpectrumAverage(averages);
          avgs.set(key, avg);
          if (avgs.size > MAX_AVERAGED_STREAMS) avgs.delete(avgs.keys().next().value as string);
          o.average = avg;
        }
      }
      o.fs = fs;
      o.unit = unit;
      o.rpm = rpm;
      o.bearing = asset.bearingMultiples;
      o.machineClass = asset.machineClass;
      o.band = bands.band(key);
      const features = analyzeVibration(x, o) as VibrationFeatures & { rpmSource: RpmSource | null };
      // a new stream's rings were allocated by that frame: keep all of them within the byte budget
      if (newStream && averages > 1) capAverages(key);
      bands.record(key, features);
      features.rpmSource = source;
      let dash: NodeMessage[] | NodeMessage | null = null;
      if (dashboard === 'velocity') {
        const ts = own(p, 'ts');
        dash = numberMessages([{ label: 'velocity RMS', value: features.velocityRms, unit: 'mm/s', digits: 2 }], { asset: asset.assetId, ts: typeof ts === 'number' && Number.isFinite(ts) ? ts : undefined });
      } else if (dashboard === 'spectrum' && features.spectrum) {
        dash = curve(features.spectrum, `${asset.assetId} spectrum`, asset.assetId, p);
        features.spectrum = spectrumPoints > 0 ? redecimate(features.spectrum, spectrumPoints) : undefined;
        if (!features.spectrum) delete features.spectrum;
      } else if (dashboard === 'envelope') {
        if (features.envelope) {
          dash = curve(features.envelope, `${asset.assetId} envelope`, asset.assetId, p);
          features.envelope = envelopePoints > 0 ? redecimate(features.envelope, envelopePoints) : undefined;
          if (!features.envelope) delete features.envelope;
        }
      }
      msg.payload = withFeatures(p, features);
      send(dashboard ? [msg, dash] : msg);
      lastFrameAt = clock.now();
      const v = features.velocityRms;
      const zone = features.isoZone;
      if (!features.rpm) {
        const w = rpm === 0 ? 'stopped' : 'no rpm';
        show(`${zone}${w}`, () => status.warn(node, `${short(v)} mm/s · zone ${zone} · ${w}`));
      } else if (why) show(`${zone}${why}`, () => status.warn(node, `${short(v)} mm/s · ${zone} · ${why}`));
      else {
        // the state that matters after mm/s and zone: averaging progress, else the speed-channel rpm
        const n = features.averaged;
        const r = features.rpm;
        const kind = averages > 1 ? 'avg' : source === 'speed-channel' ? 'rpm' : '';
        show(zone + kind, () => {
          const tail = kind === 'avg' ? ` · avg ${n}/${averages}` : kind === 'rpm' ? ` · ${Math.round(r)} rpm` : '';
          (zone === 'C' || zone === 'D' ? status.warn : status.ok)(node, `${short(v)} mm/s · zone ${zone}${tail}`);
        });
      }
    };

    return {
      close: () => {
        shown.close();
        bands.clear();
        speeds.clear();
        avgs.clear();
        avg = undefined;
        o.average = undefined;
        kLen = -1;
        fixedAsset = undefined;
      },
      input: (msg, send) => {
        const p = object(msg.payload, 'msg.payload');
        const q = own(p, 'quantity');
        if (q === 'speed' && mode === 'speed') {
          // a speed reading: remember the latest per asset; no output
          const asset = assetOf(msg);
          const s = speedReading(p, clock.now());
          const prev = speeds.get(asset.assetId);
          // newest event time wins (an older reading arriving late is ignored), unless time
          // went back by more than the max age (a replay restarted)
          if (!prev || s.ts >= prev.ts || prev.ts - s.ts > maxAgeMs) {
            speeds.delete(asset.assetId);
            speeds.set(asset.assetId, s);
            if (speeds.size > MAX_SPEEDS) speeds.delete(speeds.keys().next().value as string);
          }
          const text = s.rpm === null ? `${asset.assetId} speed bad` : `speed ${short(s.rpm)} rpm${s.quality === 'good' ? '' : ` (${s.quality})`}`;
          // shown until frames come (then the frame status carries the rpm it used), and when bad
          if (s.quality === 'bad' || clock.now() - lastFrameAt > maxAgeMs) show(`speed${s.quality}`, () => (s.quality === 'bad' ? status.warn(node, text) : status.info(node, text)));
          return;
        }
        if (q !== undefined && q !== null && q !== 'acceleration' && q !== 'velocity')
          throw new InputError('msg.payload.quantity', mode === 'speed' ? 'acceleration, velocity (a waveform) or speed' : 'acceleration or velocity (a waveform; speed readings need the rpm source "speed channel")', q);
        const x = frameSamples(own(p, 'samples'));
        const fs = num(own(p, 'fs'), 'msg.payload.fs', { gt: 0, max: 10_000_000 });
        const rpmIn = optNum(own(p, 'rpm'), 'msg.payload.rpm', { min: 0, max: RPM_MAX });
        const u = own(p, 'unit');
        const unit = u === undefined || u === null || u === '' ? (q === 'velocity' ? 'mm/s' : 'g') : oneOf(u, 'msg.payload.unit', UNITS);
        const asset = assetOf(msg);
        if (base.frameMode === 'pad' && x.length > MAX_FFT_SIZE / 2 && (x.length & (x.length - 1)) !== 0)
          throw new InputError('msg.payload.samples', `at most ${MAX_FFT_SIZE / 2} samples when zero-padding`, own(p, 'samples'));
        const c = own(p, 'channel');
        const ch = typeof c === 'string' ? c : typeof msg.topic === 'string' ? msg.topic : '';
        // the frame's own rpm, else the asset's nominal rpm (also the fallback of the other modes)
        const fallback = rpmIn !== undefined ? rpmIn : asset.rpm;
        const fbSource: RpmSource | null = rpmIn !== undefined ? 'reading' : asset.rpm !== undefined ? 'asset' : null;
        if (mode === 'reading') return analyse(msg, p, x, fs, unit, asset, ch, fallback, fbSource, null, send);
        if (mode === 'speed') {
          const t = own(p, 'ts');
          const ts = t === undefined || t === null ? clock.now() : time(t, 'msg.payload.ts');
          const s = speeds.get(asset.assetId);
          if (s && s.rpm !== null && s.quality !== 'bad' && Math.abs(ts - s.ts) <= maxAgeMs) return analyse(msg, p, x, fs, unit, asset, ch, s.rpm, 'speed-channel', null, send);
          const why = !s ? 'no speed' : s.rpm === null || s.quality === 'bad' ? 'speed bad' : 'speed stale';
          return analyse(msg, p, x, fs, unit, asset, ch, fallback, fbSource, why, send);
        }
        if (typedConst !== undefined) return analyse(msg, p, x, fs, unit, asset, ch, typedConst, 'typed', null, send);
        // a msg path through a missing object (msg.speed.rpm without msg.speed) is "no rpm", not a crash
        const typed = evalTyped(RED, node, typedExpr, typedType, msg);
        return (typedType === 'msg' ? typed.catch(() => undefined) : typed).then((v) => {
          if (v === undefined || v === null || v === '') return analyse(msg, p, x, fs, unit, asset, ch, fallback, fbSource, `no ${typedPath}`, send);
          return analyse(msg, p, x, fs, unit, asset, ch, num(v, typedPath, { min: 0, max: RPM_MAX }), 'typed', null, send);
        });
      },
    };
  });
};

/**
 * The frame's samples, checked: the shared guard (samples(): type, size cap, every element a
 * finite number, the error naming the first bad one). Float64Array / Float32Array frames of a valid
 * size take a branch-free pass first (x * 0 is 0 for every finite x and NaN for NaN and
 * ±Infinity; about 3x cheaper than a test per element at N = 16384); only when it finds a bad
 * element does the shared guard run, to throw its exact error.
 */
function frameSamples(v: unknown): ArrayLike<number> {
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

/**
 * The payload with `features` added. A plain, extensible payload object (every message that came
 * through a wire or JSON) gets the field in place: it is this node's message, and `{ ...p, features }`
 * costs about 1.5 us per frame in V8 (its generic path), more than the rest of the glue. Anything
 * else (a frozen object, a class instance, a read-only or accessor `features`) is copied as before.
 */
function withFeatures(p: Record<string, unknown>, features: VibrationFeatures): Record<string, unknown> {
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

/** A dashboard curve (ui-chart) from a full-resolution chart array; asset and ts beside it. */
function curve(a: ChartArray, topic: string, asset: string, p: Record<string, unknown>): NodeMessage {
  const m = curveMessage(a.amplitudes, a.df, topic, CURVE_POINTS);
  m.asset = asset;
  m.unit = a.unit;
  const ts = own(p, 'ts');
  if (typeof ts === 'number' && Number.isFinite(ts)) m.ts = ts;
  return m;
}

/** The chart array the form asked for, from the full-resolution one (same values as the core's). */
function redecimate(a: ChartArray, points: number): ChartArray {
  const r = decimate(Float64Array.from(a.amplitudes), a.amplitudes.length, points, a.df, a.unit);
  if (a.band) r.band = a.band;
  return r;
}
