/**
 * An asset's own baseline and the anomaly score and health index measured against it.
 *
 * - Features: every finite number in msg.payload.features (rel-vibration: rms, peak, crest,
 *   kurtosis, velocityRms ...); nested objects (orders, bearing, spectrum) and strings (isoZone)
 *   are ignored. A scalar reading (msg.payload.value) is one feature named after its channel.
 * - Baseline: per feature, the median and the MAD (x 1.4826) of the learning frames, on the log
 *   scale when every learning value is positive (amplitudes are log-normal-ish and a doubling is
 *   the same news at any level). Median and MAD have a 50 % breakdown point, so a few start-up
 *   spikes in the learning window do not move the baseline.
 * - Anomaly: A = sqrt(mean_j min(z_j^2, cap^2)) with z_j the robust z of feature j; the cap
 *   (30 robust sigmas) keeps one broken feature from dominating. A is about 1 for baseline data.
 * - Health: 100 * exp(-max(0, A - 1) / TAU), TAU chosen so that A = 4 gives 70: monotone,
 *   100 at the baseline, 70 when features sit 4 robust sigmas away on average.
 */
import { InputError } from '../errors';
import { isObject, own } from '../validate';
import type { LevelModel } from './level-rule';
import { mad, median, quantile } from './robust';

export const MAX_FEATURES = 64;
const RESERVED = new Set(['__proto__', 'constructor', 'prototype']);
const NAME_RE = /^[A-Za-z0-9_.:-]{1,64}$/;

/** Per-feature z above which a feature is reported as a contributor. */
export const CONTRIBUTOR_Z = 2;
/** Anomaly at which health is 70. */
export const A70 = 4;
/** Anomaly up to which health is 100 (baseline noise). */
export const A0 = 1;
export const TAU = (A70 - A0) / Math.log(100 / 70);
export const DEFAULT_CAP = 30;

export interface FeatureFrame {
  /** 'features' (vibration features) or 'value' (a scalar reading). */
  kind: 'features' | 'value';
  names: string[];
  values: number[];
}

/**
 * The numeric features of a reading, names sorted. Throws an InputError naming the path for NaN,
 * infinities, too many features, or a payload with neither features nor value.
 */
export function featureFrame(payload: unknown, channel: string): FeatureFrame {
  const feats = own(payload, 'features');
  if (feats !== undefined) {
    if (!isObject(feats)) throw new InputError('msg.payload.features', 'an object of numeric features (as rel-vibration sends)', feats);
    const keys = Object.keys(feats);
    if (keys.length > 4 * MAX_FEATURES) throw new InputError('msg.payload.features', `at most ${4 * MAX_FEATURES} properties`, feats);
    const names: string[] = [];
    for (const k of keys) {
      if (RESERVED.has(k)) continue;
      const v = own(feats, k);
      if (typeof v !== 'number') continue; // nested objects (orders, bearing, spectrum), strings (isoZone): ignored
      if (!NAME_RE.test(k)) throw new InputError('msg.payload.features', 'feature names of 1-64 letters, digits, _ . : -', k);
      if (!Number.isFinite(v)) throw new InputError(`msg.payload.features.${k}`, 'a finite number', v);
      names.push(k);
    }
    if (!names.length) throw new InputError('msg.payload.features', 'at least one numeric feature (rms, kurtosis, ...)', feats);
    if (names.length > MAX_FEATURES) throw new InputError('msg.payload.features', `at most ${MAX_FEATURES} numeric features`, feats);
    names.sort();
    return { kind: 'features', names, values: names.map((k) => own(feats, k) as number) };
  }
  const value = own(payload, 'value');
  if (value === undefined) throw new InputError('msg.payload', 'features (an object of numbers from rel-vibration) or value (a number)', payload);
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new InputError('msg.payload.value', 'a finite number', value);
  return { kind: 'value', names: [channel], values: [value] };
}

export interface BaselineModel {
  features: string[];
  /** Feature j is scored on the log scale. */
  log: boolean[];
  center: number[];
  scale: number[];
  cap: number;
  /** Frames learned from, first and last ts. */
  n: number;
  from: number;
  to: number;
  /** Anomaly of the learning frames themselves: median, 95th percentile, max. */
  learned: { p50: number; p95: number; max: number };
  /**
   * rel-health's level rule (config rule "level"): the learned level of one feature; null when the
   * rule was chosen after learning and fewer than 3 learning frames were stored (the stream keeps
   * the profile score until a relearn).
   */
  level?: LevelModel | null;
}

/** Fit the baseline from learning frames (rows of values in `features` order). */
export function fitBaseline(features: string[], rows: readonly (readonly number[])[], from: number, to: number, cap = DEFAULT_CAP): BaselineModel {
  if (rows.length < 2) throw new RangeError('fitBaseline: need at least 2 frames');
  const k = features.length;
  const log: boolean[] = [];
  const center: number[] = [];
  const scale: number[] = [];
  for (let j = 0; j < k; j++) {
    const col = rows.map((r) => r[j]);
    const isLog = col.every((v) => v > 0);
    const t = isLog ? col.map(Math.log) : col;
    const c = median(t);
    let s = mad(t, c);
    // Floor: 1 % relative for log features, 1 % of |median| (or 1e-9) for linear ones, so a
    // constant feature in the learning window does not make every later wiggle infinite.
    const floor = isLog ? 0.01 : Math.max(1e-9, 0.01 * Math.abs(c));
    if (!(s >= floor)) s = floor;
    log.push(isLog);
    center.push(c);
    scale.push(s);
  }
  const model: BaselineModel = { features: [...features], log, center, scale, cap, n: rows.length, from, to, learned: { p50: 0, p95: 0, max: 0 } };
  const as = rows.map((r) => scoreFrame(model, r).anomaly);
  model.learned = { p50: quantile(as, 0.5), p95: quantile(as, 0.95), max: Math.max(...as) };
  return model;
}

export interface Contributor {
  feature: string;
  /** Robust z (signed: positive = above baseline). */
  z: number;
  value: number;
  /** Baseline median in the feature's own unit. */
  baseline: number;
}

export interface Score {
  anomaly: number;
  health: number;
  z: number[];
  contributors: Contributor[];
}

/** Score one frame against the baseline. */
export function scoreFrame(model: BaselineModel, values: readonly number[]): Score {
  const k = model.features.length;
  const z: number[] = new Array(k);
  let ss = 0;
  for (let j = 0; j < k; j++) {
    const v = values[j];
    const t = model.log[j] ? Math.log(Math.max(v, Math.exp(model.center[j]) * 1e-6)) : v;
    z[j] = (t - model.center[j]) / model.scale[j];
    const zc = Math.min(Math.abs(z[j]), model.cap);
    ss += zc * zc;
  }
  const anomaly = Math.sqrt(ss / k);
  const contributors = z
    .map((zj, j) => ({ feature: model.features[j], z: round(zj, 2), value: values[j], baseline: round(model.log[j] ? Math.exp(model.center[j]) : model.center[j], 6) }))
    .filter((c) => Math.abs(c.z) >= CONTRIBUTOR_Z)
    .sort((a, b) => Math.abs(b.z) - Math.abs(a.z))
    .slice(0, 5);
  return { anomaly, health: healthFromAnomaly(anomaly), z, contributors };
}

/** Health 0-100 from the anomaly: 100 up to A0, 70 at A70, towards 0 beyond; monotone decreasing. */
export function healthFromAnomaly(a: number): number {
  if (!(a >= 0)) return NaN;
  return 100 * Math.exp(-Math.max(0, a - A0) / TAU);
}

export function round(x: number, d: number): number {
  const f = 10 ** d;
  return Math.round(x * f) / f;
}
