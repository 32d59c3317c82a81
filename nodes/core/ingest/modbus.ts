/**
 * Modbus register decoding and the register map (one row per channel). Works on what
 * node-red-contrib-modbus read nodes emit: `msg.payload` as an array of 16-bit register values
 * (or booleans for coils), or `msg.responseBuffer = { data, buffer }` (the raw bytes, big-endian
 * per register as on the wire). Pure: no Node-RED.
 */
import { InputError } from '../errors';
import { isObject, own } from '../validate';
import { badReading, type Reading, type ReadingDefaults } from './reading';

export const REGISTER_TYPES = ['int16', 'uint16', 'int32', 'uint32', 'float32', 'float64', 'bool'] as const;
export type RegisterType = (typeof REGISTER_TYPES)[number];
/** BE: high word first (ABCD) / high byte first (AB); LE: low word first (CDAB) / swapped bytes (BA). */
export type Order = 'BE' | 'LE';

/** Registers a type spans. */
export const REGISTER_WORDS: Record<RegisterType, number> = { int16: 1, uint16: 1, bool: 1, int32: 2, uint32: 2, float32: 2, float64: 4 };

/** Most registers one message may carry (a Modbus read is at most 125; flex getters chain them). */
export const MAX_REGISTERS = 65536;

/**
 * Decode one value from 16-bit registers.
 * @param words register values 0..65535 in the order the device sent them
 * @param at index of the first register of the value
 * @param wordOrder BE = most significant register first (ABCD), LE = least significant first (CDAB)
 * @param byteOrder BE = high byte first in each register (AB), LE = bytes swapped (BA)
 * @example decodeRegisters([0x4060, 0x0000], 0, 'float32') === 3.5
 */
export function decodeRegisters(words: ArrayLike<number>, at: number, type: RegisterType, wordOrder: Order = 'BE', byteOrder: Order = 'BE'): number {
  const n = REGISTER_WORDS[type];
  if (at < 0 || at + n > words.length) throw new RangeError(`registers ${at}..${at + n - 1} are outside the ${words.length} registers read`);
  const bytes = new Uint8Array(n * 2);
  for (let i = 0; i < n; i++) {
    const w = words[wordOrder === 'BE' ? at + i : at + n - 1 - i] & 0xffff;
    bytes[2 * i] = byteOrder === 'BE' ? w >> 8 : w & 0xff;
    bytes[2 * i + 1] = byteOrder === 'BE' ? w & 0xff : w >> 8;
  }
  const dv = new DataView(bytes.buffer);
  switch (type) {
    case 'int16':
      return dv.getInt16(0);
    case 'uint16':
      return dv.getUint16(0);
    case 'bool':
      return dv.getUint16(0) !== 0 ? 1 : 0;
    case 'int32':
      return dv.getInt32(0);
    case 'uint32':
      return dv.getUint32(0);
    case 'float32':
      return dv.getFloat32(0);
    case 'float64':
      return dv.getFloat64(0);
  }
}

/** Encode a value into registers (the inverse of decodeRegisters): used by tests and simulators. */
export function encodeRegisters(value: number, type: RegisterType, wordOrder: Order = 'BE', byteOrder: Order = 'BE'): number[] {
  const n = REGISTER_WORDS[type];
  const bytes = new Uint8Array(n * 2);
  const dv = new DataView(bytes.buffer);
  if (type === 'int16') dv.setInt16(0, value);
  else if (type === 'uint16' || type === 'bool') dv.setUint16(0, value);
  else if (type === 'int32') dv.setInt32(0, value);
  else if (type === 'uint32') dv.setUint32(0, value);
  else if (type === 'float32') dv.setFloat32(0, value);
  else dv.setFloat64(0, value);
  const words: number[] = [];
  for (let i = 0; i < n; i++) {
    const hi = bytes[2 * i];
    const lo = bytes[2 * i + 1];
    words.push(byteOrder === 'BE' ? (hi << 8) | lo : (lo << 8) | hi);
  }
  return wordOrder === 'BE' ? words : words.reverse();
}

/** One row of the register map: which registers make which channel. */
export interface RegisterRow {
  channel: string;
  /** Index of the first register, counted from the first register of the read (0 = the read's start address). */
  register: number;
  type: RegisterType;
  wordOrder: Order;
  byteOrder: Order;
  /** Engineering value = raw * scale + offset. */
  scale: number;
  offset: number;
  quantity?: string;
  unit?: string;
}

function toNum(v: unknown, dflt: number): number {
  if (v === undefined || v === null || v === '') return dflt;
  return typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : NaN;
}

/** Check the register map from the editor; errors name the row and the field. */
export function checkRegisterMap(rows: unknown): { rows: RegisterRow[]; errors: string[] } {
  const errors: string[] = [];
  const out: RegisterRow[] = [];
  if (!Array.isArray(rows)) return { rows: out, errors: ['register map: expected a list of rows'] };
  if (rows.length > 1000) return { rows: out, errors: ['register map: at most 1000 rows'] };
  const seen = new Set<string>();
  rows.forEach((raw, i) => {
    const at = `register map row ${i + 1}`;
    if (!isObject(raw)) {
      errors.push(`${at}: expected an object`);
      return;
    }
    const channel = own(raw, 'channel');
    const register = toNum(own(raw, 'register'), NaN);
    const type = own(raw, 'type') ?? 'uint16';
    const wordOrder = own(raw, 'wordOrder') || 'BE';
    const byteOrder = own(raw, 'byteOrder') || 'BE';
    const scale = toNum(own(raw, 'scale'), 1);
    const offset = toNum(own(raw, 'offset'), 0);
    const quantity = own(raw, 'quantity');
    const unit = own(raw, 'unit');
    const e0 = errors.length;
    if (typeof channel !== 'string' || channel.trim() === '' || channel.length > 128) errors.push(`${at}: channel: expected a name`);
    else if (seen.has(channel)) errors.push(`${at}: channel ${channel} is mapped twice`);
    if (!Number.isInteger(register) || register < 0 || register >= MAX_REGISTERS) errors.push(`${at}: register: expected a whole number from 0 to ${MAX_REGISTERS - 1}`);
    if (!(REGISTER_TYPES as readonly unknown[]).includes(type)) errors.push(`${at}: type: expected one of ${REGISTER_TYPES.join(', ')}`);
    if (wordOrder !== 'BE' && wordOrder !== 'LE') errors.push(`${at}: word order: expected BE or LE`);
    if (byteOrder !== 'BE' && byteOrder !== 'LE') errors.push(`${at}: byte order: expected BE or LE`);
    if (!Number.isFinite(scale)) errors.push(`${at}: scale: expected a number`);
    if (!Number.isFinite(offset)) errors.push(`${at}: offset: expected a number`);
    if (quantity !== undefined && typeof quantity !== 'string') errors.push(`${at}: quantity: expected text`);
    if (unit !== undefined && typeof unit !== 'string') errors.push(`${at}: unit: expected text`);
    if (errors.length > e0) return;
    seen.add(channel as string);
    const row: RegisterRow = { channel: channel as string, register, type: type as RegisterType, wordOrder: wordOrder as Order, byteOrder: byteOrder as Order, scale, offset };
    if (quantity) row.quantity = quantity as string;
    if (unit) row.unit = unit as string;
    out.push(row);
  });
  return { rows: out, errors };
}

function bufferBytes(v: unknown): Uint8Array | undefined {
  if (Buffer.isBuffer(v)) return v;
  // A Buffer that went through JSON (MQTT, link nodes, context): { type: 'Buffer', data: [...] }.
  if (isObject(v) && own(v, 'type') === 'Buffer' && Array.isArray(own(v, 'data'))) {
    const data = own(v, 'data') as unknown[];
    if (data.length > MAX_REGISTERS * 2) return undefined;
    if (!data.every((b) => typeof b === 'number' && Number.isInteger(b) && b >= 0 && b <= 255)) return undefined;
    return Uint8Array.from(data as number[]);
  }
  return undefined;
}

function wordsFromBytes(bytes: Uint8Array, path: string, raw: unknown): number[] {
  if (bytes.length === 0 || bytes.length % 2 !== 0) throw new InputError(path, 'an even, non-zero number of bytes (16-bit registers)', raw);
  if (bytes.length > MAX_REGISTERS * 2) throw new InputError(path, `at most ${MAX_REGISTERS} registers`, raw);
  const words: number[] = [];
  for (let i = 0; i < bytes.length; i += 2) words.push((bytes[i] << 8) | bytes[i + 1]);
  return words;
}

function wordsFromArray(arr: unknown[], path: string): number[] {
  if (arr.length > MAX_REGISTERS) throw new InputError(path, `at most ${MAX_REGISTERS} registers`, arr);
  if (arr.length === 0) throw new InputError(path, 'at least one register', arr);
  const words: number[] = new Array(arr.length);
  for (let i = 0; i < arr.length; i++) {
    const x = arr[i];
    if (typeof x === 'boolean') words[i] = x ? 1 : 0;
    else if (typeof x === 'number' && Number.isInteger(x) && x >= -32768 && x <= 65535) words[i] = x & 0xffff;
    else throw new InputError(`${path}[${i}]`, 'a 16-bit register value (a whole number from -32768 to 65535) or a coil (true/false)', x);
  }
  return words;
}

/** An array of register values or coils (not, say, the named values of an IO file). */
function isRegisterArray(arr: unknown[]): boolean {
  return arr.length > 0 && arr.every((x) => typeof x === 'number' || typeof x === 'boolean');
}

/**
 * The registers in a message from a node-red-contrib-modbus read node (modbus-read,
 * modbus-getter, modbus-flex-getter), first output (`payload` = values, `responseBuffer` =
 * `{ data, buffer }`) or second output (`payload` = `{ data, buffer }`, `values`). For coils and
 * discrete inputs `data` holds one boolean per coil and `buffer` the coils packed 8 per byte, so
 * `data` is used whenever it is there; `buffer` only without it.
 */
export function registersFromMessage(msg: Record<string, unknown>): number[] {
  const words = registersOf(msg);
  // modbus-serial returns coils and discrete inputs a whole byte at a time (a read of 6 coils gives
  // 8): what lies past the quantity asked (msg.input, the read request contrib-modbus passes on) was
  // not read, so a row mapped there is "not in the read", never a made-up 0.
  const q = own(own(own(msg, 'input'), 'payload'), 'quantity');
  const quantity = typeof q === 'string' && q.trim() !== '' ? Number(q) : q;
  return typeof quantity === 'number' && Number.isInteger(quantity) && quantity > 0 && quantity < words.length ? words.slice(0, quantity) : words;
}

function registersOf(msg: Record<string, unknown>): number[] {
  const payload = own(msg, 'payload');
  const rb = own(msg, 'responseBuffer');
  if (Array.isArray(payload)) {
    // With the IO-file option payload holds the named values (objects): the registers are in responseBuffer.
    if (isRegisterArray(payload) || !isObject(rb)) return wordsFromArray(payload, 'msg.payload');
    return fromResponse(rb, 'msg.responseBuffer');
  }
  const payloadBytes = bufferBytes(payload);
  if (payloadBytes) return wordsFromBytes(payloadBytes, 'msg.payload', payload);
  // Second output: payload is the response { data, buffer }.
  if (isObject(payload) && (own(payload, 'buffer') !== undefined || Array.isArray(own(payload, 'data')))) return fromResponse(payload, 'msg.payload');
  // IO-file naming replaces payload with named values; the response is still there.
  if (isObject(rb)) return fromResponse(rb, 'msg.responseBuffer');
  const values = own(msg, 'values');
  if (Array.isArray(values)) return wordsFromArray(values, 'msg.values');
  throw new InputError('msg.payload', 'Modbus registers (an array of 16-bit values or the responseBuffer of a node-red-contrib-modbus read node)', payload);
}

function fromResponse(resp: Record<string, unknown>, path: string): number[] {
  // data first: booleans for coils and discrete inputs (buffer packs them 8 per byte), the 16-bit values for registers.
  const data = own(resp, 'data');
  if (Array.isArray(data)) return wordsFromArray(data, `${path}.data`);
  const buf = own(resp, 'buffer');
  const bytes = bufferBytes(buf);
  if (bytes) return wordsFromBytes(bytes, `${path}.buffer`, buf);
  if (buf !== undefined) throw new InputError(`${path}.buffer`, 'a Buffer of register bytes (or register values or coils in data)', buf);
  throw new InputError(`${path}.data`, 'an array of register values or coils (or a Buffer of register bytes in buffer)', data);
}

/** Decode every row of the map from one read: one reading per channel. */
export function modbusReadings(words: ArrayLike<number>, rows: readonly RegisterRow[], d: ReadingDefaults & { asset: string }): Reading[] {
  const out: Reading[] = [];
  for (const row of rows) {
    const base = { asset: d.asset, channel: row.channel, quantity: row.quantity ?? d.quantity, unit: row.unit ?? d.unit };
    const n = REGISTER_WORDS[row.type];
    if (row.register + n > words.length) {
      out.push(badReading(base, d.now, d.source, `registers ${row.register}..${row.register + n - 1} not in the ${words.length} registers read`));
      continue;
    }
    const raw = decodeRegisters(words, row.register, row.type, row.wordOrder, row.byteOrder);
    const value = raw * row.scale + row.offset;
    if (!Number.isFinite(value)) {
      out.push(badReading(base, d.now, d.source, `register ${row.register} holds ${raw} (${row.type}), not a measured value`));
      continue;
    }
    const r: Reading = { asset: d.asset, channel: row.channel, ts: d.now, value, quality: 'good', source: d.source };
    if (base.quantity) r.quantity = base.quantity;
    if (base.unit) r.unit = base.unit;
    out.push(r);
  }
  return out;
}
