/**
 * JSON readings (MQTT, HTTP, CSV table rows): a configurable field mapping whose defaults accept a
 * canonical reading as it is. Pure: no Node-RED.
 */
import { InputError } from '../errors';
import { MAX_TEXT, isObject, num, oneOf, optNum, samples, time } from '../validate';
import { assetId, badReading, channelName, label, ownPath, QUALITIES, type Quality, type Reading, type ReadingDefaults } from './reading';

/** Which payload field holds what. Dotted paths ("data.temp") reach into nested objects. */
export interface FieldMap {
  value: string;
  samples: string;
  fs: string;
  ts: string;
  asset: string;
  channel: string;
  quantity: string;
  unit: string;
  quality: string;
  rpm: string;
}

export const DEFAULT_FIELDS: FieldMap = {
  value: 'value',
  samples: 'samples',
  fs: 'fs',
  ts: 'ts',
  asset: 'asset',
  channel: 'channel',
  quantity: 'quantity',
  unit: 'unit',
  quality: 'quality',
  rpm: 'rpm',
};

/** Most readings one message (a JSON array or a CSV table) may carry. */
export const MAX_READINGS = 100_000;

const FIELD_RE = /^[A-Za-z0-9_$@-]+(\.[A-Za-z0-9_$@-]+)*$/;

/** The field map from the editor: empty fields take the defaults; bad names are config errors. */
export function checkFieldMap(form: Partial<Record<keyof FieldMap, unknown>>): { fields: FieldMap; errors: string[] } {
  const fields = { ...DEFAULT_FIELDS };
  const errors: string[] = [];
  for (const k of Object.keys(DEFAULT_FIELDS) as (keyof FieldMap)[]) {
    const v = form[k];
    if (v === undefined || v === null || v === '') continue;
    if (typeof v !== 'string' || !FIELD_RE.test(v) || v.split('.').some((p) => p === '__proto__' || p === 'constructor' || p === 'prototype')) {
      errors.push(`${k} field: expected a property name or dotted path (like data.temp)`);
      continue;
    }
    fields[k] = v;
  }
  return { fields, errors };
}

/** Parse JSON text (or a Buffer of it), capped at MAX_TEXT before parsing. */
export function parseJsonText(v: string | Uint8Array, path: string): unknown {
  const len = typeof v === 'string' ? v.length : v.byteLength;
  if (len > MAX_TEXT) throw new InputError(path, `JSON text of at most ${MAX_TEXT} bytes`, v);
  const text = typeof v === 'string' ? v : Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    throw new InputError(path, 'JSON text (an object, an array of objects or a number)', v);
  }
}

function present(v: unknown): boolean {
  return v !== undefined && v !== '';
}

/**
 * One reading from one object, using the field map and the node's defaults.
 * `path` names the object in errors (msg.payload, msg.payload[3]).
 */
export function objectReading(o: Record<string, unknown>, fields: FieldMap, d: ReadingDefaults, path: string): Reading {
  const p = (f: string) => `${path}.${f}`;
  const assetRaw = d.asset ?? ownPath(o, fields.asset);
  const asset = assetId(assetRaw, d.asset ? 'asset' : p(fields.asset));
  const chRaw = ownPath(o, fields.channel);
  const channel = channelName(present(chRaw) ? chRaw : d.channel, p(fields.channel));
  const quantity = label(ownPath(o, fields.quantity), p(fields.quantity)) ?? d.quantity;
  const unit = label(ownPath(o, fields.unit), p(fields.unit)) ?? d.unit;
  const tsRaw = ownPath(o, fields.ts);
  const ts = present(tsRaw) && tsRaw !== null ? time(tsRaw, p(fields.ts)) : d.now;
  const qRaw = ownPath(o, fields.quality);
  const said: Quality | undefined = present(qRaw) && qRaw !== null ? oneOf(qRaw, p(fields.quality), QUALITIES) : undefined;
  const base = { asset, channel, quantity, unit };
  const rpm = optNum(ownPath(o, fields.rpm), p(fields.rpm), { min: 0, max: 1e6 });

  const sRaw = ownPath(o, fields.samples);
  const vRaw = ownPath(o, fields.value);
  let r: Reading;
  if (said === 'bad') {
    // The source says its value is not a measurement: a bad reading carries no value (nor samples).
    return badReading(base, ts, d.source, 'the source reports bad quality');
  }
  if (present(sRaw) && sRaw !== null) {
    const s = samples(sRaw, p(fields.samples));
    const fsRaw = ownPath(o, fields.fs);
    const fs = present(fsRaw) && fsRaw !== null ? num(fsRaw, p(fields.fs), { gt: 0, max: 10_000_000 }) : d.fs;
    if (fs === undefined) throw new InputError(p(fields.fs), 'the sample rate in Hz with samples (or set Sample rate in the node)', fsRaw);
    r = { asset, channel, ts, samples: s, fs, quality: said ?? 'good', source: d.source };
  } else if (present(vRaw) && vRaw !== null) {
    const value = typeof vRaw === 'boolean' ? (vRaw ? 1 : 0) : num(vRaw, p(fields.value));
    r = { asset, channel, ts, value, quality: said ?? 'good', source: d.source };
  } else if (vRaw === null) {
    // The source says it has no value: pass that on, never a made-up one.
    return badReading(base, ts, d.source, `${p(fields.value)} is null`);
  } else {
    throw new InputError(p(fields.value), `a number (or ${fields.samples} with ${fields.fs} for a waveform)`, vRaw);
  }
  if (quantity) r.quantity = quantity;
  if (unit) r.unit = unit;
  if (rpm !== undefined) r.rpm = rpm;
  return r;
}

/**
 * Readings from a JSON payload: an object (one reading), an array of objects (several), a
 * number or boolean (a scalar on the configured channel), an array of numbers (a waveform on the
 * configured channel, needs the configured sample rate), or the same as JSON text / Buffer.
 */
export function jsonReadings(payload: unknown, fields: FieldMap, d: ReadingDefaults): Reading[] {
  let v = payload;
  if (typeof v === 'string') {
    const t = v.trim();
    if (t !== '' && !Number.isNaN(Number(t)) && t.length < 40) v = Number(t);
    else v = parseJsonText(v, 'msg.payload');
  } else if (Buffer.isBuffer(v)) v = parseJsonText(v, 'msg.payload');
  if (typeof v === 'number' || typeof v === 'boolean') return [objectReading({ value: v }, { ...fields, value: 'value' }, d, 'msg.payload')];
  if (isObject(v)) return [objectReading(v, fields, d, 'msg.payload')];
  if (Array.isArray(v)) {
    if (v.length === 0) throw new InputError('msg.payload', 'at least one reading', v);
    if (typeof v[0] === 'number') return [objectReading({ samples: v }, { ...fields, samples: 'samples', fs: 'fs' }, d, 'msg.payload')];
    if (v.length > MAX_READINGS) throw new InputError('msg.payload', `at most ${MAX_READINGS} readings`, v);
    return v.map((item, i) => objectReading(objectAt(item, `msg.payload[${i}]`), fields, d, `msg.payload[${i}]`));
  }
  if (ArrayBuffer.isView(v)) return [objectReading({ samples: v }, { ...fields, samples: 'samples', fs: 'fs' }, d, 'msg.payload')];
  throw new InputError('msg.payload', 'a JSON reading (an object, an array of objects, a number or JSON text)', v);
}

function objectAt(v: unknown, path: string): Record<string, unknown> {
  if (!isObject(v)) throw new InputError(path, 'an object (one reading)', v);
  return v;
}
