/**
 * The canonical reading (docs/api.md) and the small checks every source adapter shares.
 * Pure: no Node-RED.
 */
import { InputError } from '../errors';
import { own } from '../validate';

export type Quality = 'good' | 'uncertain' | 'bad';
export const QUALITIES: readonly Quality[] = ['good', 'uncertain', 'bad'];
export type Source = 'modbus' | 'mqtt' | 'opcua' | 'csv' | 'http' | 'simulator';

export interface Reading {
  asset: string;
  channel: string;
  /** ms since the epoch: time of the value, or of the first sample of a waveform. */
  ts: number;
  quantity?: string;
  unit?: string;
  value?: number;
  samples?: ArrayLike<number>;
  fs?: number;
  rpm?: number;
  quality: Quality;
  source: Source;
  /** Why a reading is not good (bad status code, stale source, NaN register ...). */
  reason?: string;
}

/** What a source adapter falls back to when the message does not say. */
export interface ReadingDefaults {
  asset?: string;
  channel?: string;
  quantity?: string;
  unit?: string;
  fs?: number;
  /** "now" for values without their own time. */
  now: number;
  source: Source;
}

const ASSET_RE = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

/** An asset id as rel-asset accepts it. */
export function assetId(v: unknown, path: string): string {
  if (typeof v === 'string' && ASSET_RE.test(v)) return v;
  throw new InputError(path, 'an asset id (1-64 letters, digits, - _ . or :; or select an asset in the node)', v);
}

/** A channel name: 1-128 printable characters. */
export function channelName(v: unknown, path: string): string {
  if (typeof v === 'string' && v.trim() !== '' && v.length <= 128 && !CONTROL.test(v)) return v;
  throw new InputError(path, 'a channel name (1-128 printable characters; or set Channel in the node)', v);
}

/** A short label (quantity, unit): a string of at most 32 characters, or undefined. */
export function label(v: unknown, path: string): string | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v === 'string' && v.length <= 32 && !CONTROL.test(v)) return v;
  throw new InputError(path, 'a short text (at most 32 characters)', v);
}

/** Read a dotted path ("data.temp") through own properties only. */
export function ownPath(obj: unknown, path: string): unknown {
  if (!path) return undefined;
  let cur: unknown = obj;
  for (const key of path.split('.')) {
    cur = own(cur, key);
    if (cur === undefined) return undefined;
  }
  return cur;
}

/** The topic of a reading: `<asset>/<channel>`. */
export function readingTopic(r: Pick<Reading, 'asset' | 'channel'>): string {
  return `${r.asset}/${r.channel}`;
}

/** A reading that says a value is missing: quality bad, no value, with the reason. */
export function badReading(base: { asset: string; channel: string; quantity?: string; unit?: string }, ts: number, source: Source, reason: string): Reading {
  const r: Reading = { asset: base.asset, channel: base.channel, ts, quality: 'bad', source, reason };
  if (base.quantity) r.quantity = base.quantity;
  if (base.unit) r.unit = base.unit;
  return r;
}
