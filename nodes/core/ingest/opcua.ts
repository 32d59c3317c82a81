/**
 * OPC UA: the message shape of node-red-contrib-opcua's client node (read and subscribe):
 * `msg.payload` = the value, `msg.statusCode` = a node-opcua StatusCode, `msg.sourceTimestamp` /
 * `msg.serverTimestamp` = Dates, `msg.topic` = the nodeId. Pure: no Node-RED.
 */
import { InputError } from '../errors';
import { isObject, num, own, samples } from '../validate';
import { assetId, badReading, channelName, type Quality, type Reading, type ReadingDefaults } from './reading';

export interface StatusInfo {
  quality: Quality;
  /** The 32-bit status code, when known. */
  code?: number;
  name?: string;
}

/** OPC UA severity from the top two bits of the status code: 00 Good, 01 Uncertain, 10/11 Bad. */
export function severityOf(code: number): Quality {
  const s = (code >>> 30) & 3;
  return s === 0 ? 'good' : s === 1 ? 'uncertain' : 'bad';
}

function fromName(name: string): Quality | undefined {
  if (/^good/i.test(name)) return 'good';
  if (/^uncertain/i.test(name)) return 'uncertain';
  if (/^bad/i.test(name)) return 'bad';
  return undefined;
}

const isCode = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= 0xffffffff;

/**
 * The quality a status code stands for. Accepts a node-opcua StatusCode (ConstantStatusCode with
 * `_value`/`_name`, ModifiableStatusCode with `_base`/`_extraBits`), its JSON form `{ value }`,
 * a number, or a name ("BadCommunicationError", "UncertainLastUsableValue", "Good").
 * Undefined means the message carried no status: the value came, so it counts as good.
 */
export function statusQuality(sc: unknown, path = 'msg.statusCode'): StatusInfo {
  if (sc === undefined || sc === null) return { quality: 'good' };
  if (isCode(sc)) return { quality: severityOf(sc), code: sc };
  if (typeof sc === 'string') {
    const q = fromName(sc);
    if (q) return { quality: q, name: sc };
    const n = Number(sc);
    if (sc.trim() !== '' && isCode(n)) return { quality: severityOf(n), code: n };
  }
  if (isObject(sc)) {
    const nameRaw = own(sc, '_name') ?? own(sc, 'name');
    const name = typeof nameRaw === 'string' ? nameRaw : undefined;
    let code: number | undefined;
    const v = own(sc, '_value') ?? own(sc, 'value');
    if (isCode(v)) code = v;
    else {
      const base = own(sc, '_base');
      const bv = own(base, '_value') ?? own(base, 'value');
      const extra = own(sc, '_extraBits');
      if (isCode(bv)) code = (bv | (isCode(extra) ? extra : 0)) >>> 0;
    }
    if (code !== undefined) return { quality: severityOf(code), code, name: name ?? (typeof own(own(sc, '_base'), '_name') === 'string' ? (own(own(sc, '_base'), '_name') as string) : undefined) };
    const q = name ? fromName(name) : undefined;
    if (q) return { quality: q, name };
  }
  throw new InputError(path, 'an OPC UA status code (a node-opcua StatusCode, a number or a name like BadCommunicationError)', sc);
}

function tsOf(v: unknown): number | undefined {
  if (v instanceof Date) return Number.isFinite(v.getTime()) ? v.getTime() : undefined;
  if (typeof v === 'number' && Number.isFinite(v) && v > 0) return v;
  if (typeof v === 'string') {
    const t = Date.parse(v);
    return Number.isFinite(t) ? t : undefined;
  }
  return undefined;
}

/**
 * One reading from an OPC UA client message. Good and Uncertain values keep their value (quality
 * good / uncertain); a Bad status gives a bad reading without a value (a Bad value is not a
 * measurement). The time is the source timestamp, else the server timestamp, else now.
 */
export function opcuaReading(msg: Record<string, unknown>, d: ReadingDefaults): Reading {
  const st = statusQuality(own(msg, 'statusCode'));
  const ts = tsOf(own(msg, 'sourceTimestamp')) ?? tsOf(own(msg, 'serverTimestamp')) ?? d.now;
  const topic = own(msg, 'topic');
  const channel = channelName(d.channel ?? (typeof topic === 'string' && topic !== '' ? topic : undefined), 'msg.topic');
  const asset = assetId(d.asset, 'msg.payload.asset');
  const base = { asset, channel, quantity: d.quantity, unit: d.unit };
  const statusText = st.name ?? (st.code !== undefined ? `0x${st.code.toString(16).padStart(8, '0')}` : '');
  if (st.quality === 'bad') return badReading(base, ts, d.source, `OPC UA status ${statusText}`);
  const p = own(msg, 'payload');
  let r: Reading;
  if (typeof p === 'number' || typeof p === 'boolean' || typeof p === 'string' || (isObject(p) && !Array.isArray(p))) {
    // Variants sometimes arrive wrapped ({ value, dataType }); numbers as strings for Int64.
    const raw = isObject(p) ? own(p, 'value') : p;
    const value = typeof raw === 'boolean' ? (raw ? 1 : 0) : num(raw, isObject(p) ? 'msg.payload.value' : 'msg.payload');
    r = { asset, channel, ts, value, quality: st.quality, source: d.source };
  } else if (Array.isArray(p) || ArrayBuffer.isView(p)) {
    const s = samples(p, 'msg.payload');
    if (d.fs === undefined) throw new InputError('msg.payload', 'a scalar value (set Sample rate in the node to read an array as a waveform)', p);
    r = { asset, channel, ts, samples: s, fs: d.fs, quality: st.quality, source: d.source };
  } else if (p === undefined || p === null) {
    return badReading(base, ts, d.source, 'OPC UA value is empty');
  } else throw new InputError('msg.payload', 'an OPC UA value (a number, a boolean or an array of numbers)', p);
  if (st.quality === 'uncertain') r.reason = `OPC UA status ${statusText}`;
  if (base.quantity) r.quantity = base.quantity;
  if (base.unit) r.unit = base.unit;
  return r;
}
