/**
 * rel-ingest's steps without Node-RED: the node's form checked into settings, a source's error or
 * status message recognised, one message decoded per source, readings grouped into output
 * messages, the status text. The node file (nodes/rel-ingest) only wires these to the runtime.
 */
import { InputError } from '../errors';
import { isObject, own } from '../validate';
import { csvReadings, csvWaveform } from './csv';
import { checkFieldMap, jsonReadings, type FieldMap } from './json';
import { checkRegisterMap, modbusReadings, registersFromMessage, type RegisterRow } from './modbus';
import { opcuaReading } from './opcua';
import { readingTopic, type Reading, type ReadingDefaults, type Source } from './reading';
import { sourceState } from './watchdog';

export const INGEST_SOURCES = ['modbus', 'mqtt', 'http', 'opcua', 'csv', 'register'] as const;
export type IngestSource = (typeof INGEST_SOURCES)[number];

/** The node's properties as flows store them (keep the names: saved flows depend on them). */
export interface IngestForm {
  source?: IngestSource;
  /** A rel-asset config node id. */
  asset?: string;
  /** Asset id when no rel-asset is selected: a typed input (str, msg, flow, global, env). */
  assetId?: string;
  assetIdType?: string;
  channel?: string;
  quantity?: string;
  unit?: string;
  /** Sample rate (Hz) for waveforms that do not carry one. */
  fs?: string | number;
  /** Modbus register map. */
  registers?: unknown;
  /** `each`: one message per reading; `array`: one message whose payload is the list. */
  output?: 'each' | 'array';
  valueField?: string;
  samplesField?: string;
  fsField?: string;
  tsField?: string;
  assetField?: string;
  channelField?: string;
  quantityField?: string;
  unitField?: string;
  qualityField?: string;
  rpmField?: string;
  csvMode?: 'waveform' | 'table';
  csvColumn?: string;
  /** Seconds without data before a channel is reported stale; 0 turns the watchdog off. */
  staleAfter?: string | number;
  /** Source `register` (and MQTT/OPC UA in register mode): the rel-store holding the asset register. */
  store?: string;
  /** MQTT / OPC UA: `register` = every registered machine whose type has a topic pattern. */
  mode?: '' | 'single' | 'register';
  plcHost?: string;
  plcPort?: string | number;
  /** Unit id and first register of the read when the message does not say (msg.input.payload). */
  unitId?: string | number;
  startAddress?: string | number;
}

export interface IngestSettings {
  source: IngestSource;
  /** Readings come from the asset register (source register, or MQTT/OPC UA in register mode). */
  registered: boolean;
  assetExpr: string;
  assetType: string;
  channel?: string;
  quantity?: string;
  unit?: string;
  fs?: number;
  staleS: number;
  plc: { host: string; port: number; unit?: number; start: number };
  rows: RegisterRow[];
  fields: FieldMap;
  output: 'each' | 'array';
  csvMode: 'waveform' | 'table';
  csvColumn?: string;
  readingSource: Source;
}

const opt = (v: unknown) => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);

/** Check the form; every problem is listed (the node refuses to start with any). */
export function ingestSettings(c: IngestForm): { settings: IngestSettings; problems: string[] } {
  const problems: string[] = [];
  const source: IngestSource = (INGEST_SOURCES as readonly string[]).includes(c.source ?? '') ? (c.source as IngestSource) : 'mqtt';
  const registered = source === 'register' || ((source === 'mqtt' || source === 'opcua') && c.mode === 'register');
  const fsRaw = opt(typeof c.fs === 'number' ? String(c.fs) : c.fs);
  const fs = fsRaw !== undefined ? Number(fsRaw) : undefined;
  if (fs !== undefined && !(fs > 0 && fs <= 10_000_000)) problems.push('sample rate: expected a number of Hz above 0');
  const staleS = c.staleAfter === undefined || c.staleAfter === '' ? 60 : Number(c.staleAfter);
  if (!(staleS >= 0 && staleS <= 86400 * 7)) problems.push('stale after: expected seconds from 0 (off) to 604800');
  const whole = (v: unknown, dflt: number | undefined, min: number, max: number, what: string): number | undefined => {
    if (v === undefined || v === null || v === '') return dflt;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) problems.push(`${what}: expected a whole number from ${min} to ${max}`);
    return n;
  };
  const plc = { host: opt(c.plcHost) ?? '', port: whole(c.plcPort, 502, 1, 65535, 'PLC port') as number, unit: whole(c.unitId, undefined, 0, 255, 'unit id'), start: whole(c.startAddress, 0, 0, 65535, 'start address') as number };
  let rows: RegisterRow[] = [];
  if (source === 'modbus') {
    const m = checkRegisterMap(c.registers ?? []);
    problems.push(...m.errors);
    rows = m.rows;
    if (!m.errors.length && rows.length === 0) problems.push('register map: add at least one row (channel, register, type)');
  }
  const fm = checkFieldMap({
    value: c.valueField, samples: c.samplesField, fs: c.fsField, ts: c.tsField, asset: c.assetField, channel: c.channelField,
    quantity: c.quantityField, unit: c.unitField, quality: c.qualityField, rpm: c.rpmField,
  });
  problems.push(...fm.errors);
  return {
    problems,
    settings: {
      source, registered,
      assetExpr: typeof c.assetId === 'string' ? c.assetId.trim() : '',
      assetType: c.assetIdType || 'str',
      channel: opt(c.channel), quantity: opt(c.quantity), unit: opt(c.unit), fs, staleS, plc, rows,
      fields: fm.fields,
      output: c.output === 'array' ? 'array' : 'each',
      csvMode: c.csvMode === 'table' ? 'table' : 'waveform',
      csvColumn: c.csvColumn,
      readingSource: source === 'register' ? 'modbus' : source,
    },
  };
}

/**
 * A source's error output (Modbus "empty message on fail", the OPC UA client's second output) or
 * its status (a Status node wired in, the OPC UA status output): `down` with the text when the
 * source is out, `status` for any other status message (nothing to decode), else undefined.
 */
export function sourceSignal(msg: Record<string, unknown>): { kind: 'down'; text: string; reason: string } | { kind: 'status' } | undefined {
  const p0 = own(msg, 'payload');
  const err = own(msg, 'error');
  if (err !== undefined && err !== null && err !== '' && (p0 === '' || p0 === undefined)) {
    const m = own(err, 'message');
    const text = (typeof m === 'string' ? m : typeof err === 'string' ? err : 'error').slice(0, 60);
    return { kind: 'down', text, reason: `source error: ${text}` };
  }
  const st = own(msg, 'status');
  if ((isObject(st) || typeof st === 'string') && p0 === undefined) {
    const text = isObject(st) ? own(st, 'text') : st;
    if (sourceState(text) !== 'down') return { kind: 'status' };
    const src = own(st, 'source');
    const who = isObject(src) && typeof own(src, 'type') === 'string' ? `${own(src, 'type')}: ` : '';
    const t = String(text).slice(0, 40);
    return { kind: 'down', text: t, reason: `source status ${who}${t}` };
  }
  return undefined;
}

/** One message of a single-machine source (every source but the register ones). */
export function decodeMessage(s: IngestSettings, msg: Record<string, unknown>, d: ReadingDefaults): { readings: Reading[]; badRows: { row: number; error: string }[] } {
  const table = (p: unknown) => (s.csvMode === 'waveform' ? { readings: [csvWaveform(p, { column: s.csvColumn }, d)], badRows: [] } : csvReadings(p, s.fields, d));
  switch (s.source) {
    case 'modbus':
      if (!d.asset) throw new InputError('msg.payload.asset', 'an asset for Modbus registers (select a rel-asset or set Asset id in the node)', undefined);
      return { readings: modbusReadings(registersFromMessage(msg), s.rows, { ...d, asset: d.asset }), badRows: [] };
    case 'opcua':
      return { readings: [opcuaReading(msg, d)], badRows: [] };
    case 'csv':
      return table(own(msg, 'payload'));
    case 'http': {
      const p = own(msg, 'payload');
      const text = typeof p === 'string' ? p : Buffer.isBuffer(p) ? p.subarray(0, 64).toString('utf8') : undefined;
      const looksCsv = text !== undefined && !/^\s*[[{"\d.-]/.test(text);
      const rowsLike = Array.isArray(p) && p.length > 0 && Array.isArray(p[0]);
      return looksCsv || rowsLike ? table(p) : { readings: jsonReadings(p, s.fields, d), badRows: [] };
    }
    default:
      return { readings: jsonReadings(own(msg, 'payload'), s.fields, d), badRows: [] };
  }
}

/**
 * Output messages (topic, payload) for readings: `each` one per reading; `array` one whose payload
 * is the list, or, when the readings come from the register (many machines), one per machine
 * (topic = the asset id), which is what rel-health takes.
 */
export function outputMessages(readings: readonly Reading[], output: 'each' | 'array', perMachine: boolean): { topic: string; payload: Reading | Reading[] }[] {
  if (output === 'each') return readings.map((r) => ({ topic: readingTopic(r), payload: r }));
  if (!perMachine) return readings.length ? [{ topic: readings[0].asset, payload: [...readings] }] : [];
  const byAsset = new Map<string, Reading[]>();
  for (const r of readings) {
    const l = byAsset.get(r.asset);
    if (l) l.push(r);
    else byAsset.set(r.asset, [r]);
  }
  return [...byAsset].map(([topic, payload]) => ({ topic, payload }));
}

export function fmt(v: number): string {
  const a = Math.abs(v);
  return a !== 0 && (a >= 1e6 || a < 1e-3) ? v.toExponential(2) : String(Math.round(v * 1000) / 1000);
}

/** The status text after a message: the reading, or counts. */
export function summaryText(readings: readonly Reading[], badRows: number, unknown = 0): string {
  const bad = readings.filter((r) => r.quality !== 'good').length;
  if (readings.length === 1 && !unknown) {
    const r = readings[0];
    if (r.quality === 'bad') return `${r.channel} bad`;
    if (r.samples) return `${r.channel} ${r.samples.length} @ ${fmt(r.fs ?? 0)} Hz`;
    return `${r.channel} ${fmt(r.value ?? NaN)}${r.unit ? ` ${r.unit}` : ''}`;
  }
  return `${readings.length} readings${bad ? `, ${bad} not good` : ''}${badRows ? `, ${badRows} bad rows` : ''}${unknown ? `, ${unknown} unknown` : ''}`;
}
