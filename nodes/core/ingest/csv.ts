/**
 * CSV (and CSV over HTTP): a waveform (one column of samples) or a table of readings (ts, asset,
 * channel, value ...), as text, a Buffer or already parsed (arrays of rows or row objects, as the
 * core CSV node gives). Parsed by papaparse, capped at MAX_TEXT before parsing. Pure: no Node-RED.
 */
import Papa from 'papaparse';
import { InputError } from '../errors';
import { MAX_SAMPLES, MAX_TEXT, isObject, num, time } from '../validate';
import { assetId, channelName, type Reading, type ReadingDefaults } from './reading';
import { MAX_READINGS, objectReading, type FieldMap } from './json';

export interface CsvTable {
  /** Rows as arrays of cells (text or parsed) or as objects keyed by column name. */
  rows: unknown[];
  /** key=value pairs from leading `#` comment lines (fs, ts, asset, channel, unit, quantity). */
  meta: Record<string, string>;
  /** Rows papaparse could not read: 0-based data row index and the problem. */
  errors: { row: number; error: string }[];
}

const META_RE = /\b(fs|ts|asset|channel|unit|quantity)\s*[=:]\s*([^\s,;]+)/gi;

/** Parse CSV text (or a Buffer) or accept rows that are already parsed. */
export function csvTable(payload: unknown, path = 'msg.payload'): CsvTable {
  if (Array.isArray(payload)) {
    if (payload.length > MAX_SAMPLES) throw new InputError(path, `at most ${MAX_SAMPLES} rows`, payload);
    return { rows: payload, meta: {}, errors: [] };
  }
  let text: string;
  if (typeof payload === 'string') text = payload;
  else if (Buffer.isBuffer(payload)) {
    if (payload.length > MAX_TEXT) throw new InputError(path, `CSV text of at most ${MAX_TEXT} bytes`, payload);
    text = payload.toString('utf8');
  } else throw new InputError(path, 'CSV text, a Buffer of CSV text, or parsed rows (an array)', payload);
  if (text.length > MAX_TEXT) throw new InputError(path, `CSV text of at most ${MAX_TEXT} characters`, payload);
  if (text.trim() === '') throw new InputError(path, 'CSV text with at least one row', payload);
  const meta: Record<string, string> = Object.create(null);
  for (const line of text.slice(0, 4096).split(/\r?\n/)) {
    if (!line.startsWith('#')) {
      if (line.trim() !== '') break;
      continue;
    }
    for (const m of line.matchAll(META_RE)) meta[m[1].toLowerCase()] = m[2];
  }
  const res = Papa.parse<string[]>(text, { comments: '#', skipEmptyLines: 'greedy', dynamicTyping: false, header: false });
  // A one-column file has no delimiter to detect: that is a note, not a bad row.
  const errors = res.errors.filter((e) => e.type !== 'Delimiter').map((e) => ({ row: typeof e.row === 'number' ? e.row : -1, error: `${e.code}: ${e.message}` }));
  return { rows: res.data, meta: { ...meta }, errors };
}

const isNumeric = (v: unknown) => (typeof v === 'number' && Number.isFinite(v)) || (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v)));

export interface CsvWaveformOptions {
  /** Column name (with a header row) or 0-based index; empty = the first column. */
  column?: string;
}

/**
 * A waveform from one column. The sample rate comes from a `# fs=25600` comment line or a first
 * row `fs,25600`, else from the node (`d.fs`). A header row (non-numeric cell) names the columns;
 * a cell that is not a number is an error naming its row: a waveform with a hole is not invented.
 */
export function csvWaveform(payload: unknown, o: CsvWaveformOptions, d: ReadingDefaults): Reading {
  // A plain array of numbers is already a waveform.
  if (Array.isArray(payload) && payload.length > MAX_SAMPLES) throw new InputError('msg.payload', `at most ${MAX_SAMPLES.toLocaleString('en-US')} samples`, payload, 'split the waveform into frames');
  if (Array.isArray(payload) && (payload.length === 0 || typeof payload[0] === 'number')) payload = payload.map((x) => [x]);
  const t = csvTable(payload);
  const rows = t.rows;
  const meta = t.meta;
  let start = 0;
  // Leading key/value rows: fs,25600 / ts,2024-01-01T00:00:00Z
  while (start < rows.length && Array.isArray(rows[start])) {
    const r = rows[start] as unknown[];
    const k = typeof r[0] === 'string' ? r[0].trim().toLowerCase() : '';
    const isMetaRow = r.length >= 2 && /^(fs|ts|asset|channel|unit|quantity)$/.test(k) && (typeof r[1] === 'string' || typeof r[1] === 'number');
    if (isMetaRow) {
      meta[k] = String(r[1]).trim();
      start++;
    } else break;
  }
  if (t.errors.length) {
    const e = t.errors[0];
    throw new InputError(`msg.payload[${Math.max(e.row, 0)}]`, 'a well-formed CSV row', undefined, e.error);
  }
  let col = 0;
  let header: string | undefined;
  const colSpec = (o.column ?? '').trim();
  const first = rows[start];
  if (isObject(first)) {
    // Row objects: the column is a key.
    const key = colSpec || Object.keys(first)[0];
    return waveformFrom(rows.slice(start).map((r, i) => (isObject(r) && Object.prototype.hasOwnProperty.call(r, key) ? r[key] : fail(`msg.payload[${i + start}]`, `a row with column ${key}`, r))), start, key, meta, d);
  }
  if (!Array.isArray(first)) throw new InputError(`msg.payload[${start}]`, 'a CSV row', first);
  if (colSpec !== '' && /^\d+$/.test(colSpec)) col = Number(colSpec);
  const headerRow = first.some((c) => typeof c === 'string' && c.trim() !== '' && !isNumeric(c)) ? (first as unknown[]) : undefined;
  if (headerRow) {
    start++;
    if (colSpec !== '' && !/^\d+$/.test(colSpec)) {
      col = headerRow.findIndex((h) => typeof h === 'string' && h.trim() === colSpec);
      if (col < 0) throw new InputError(`msg.payload[${start - 1}]`, `a header with a column named ${colSpec}`, headerRow.join(','));
    }
    header = typeof headerRow[col] === 'string' ? (headerRow[col] as string).trim() : undefined;
  }
  const cells = rows.slice(start).map((r, i) => (Array.isArray(r) ? r[col] : fail(`msg.payload[${i + start}]`, 'a CSV row', r)));
  return waveformFrom(cells, start, header, meta, d);
}

function fail(path: string, expected: string, v: unknown): never {
  throw new InputError(path, expected, v);
}

function waveformFrom(cells: unknown[], start: number, header: string | undefined, meta: Record<string, string>, d: ReadingDefaults): Reading {
  if (cells.length === 0) throw new InputError('msg.payload', 'at least one sample row', cells);
  if (cells.length > MAX_SAMPLES) throw new InputError('msg.payload', `at most ${MAX_SAMPLES.toLocaleString('en-US')} samples`, cells, 'split the waveform into frames');
  const s = new Float64Array(cells.length);
  for (let i = 0; i < cells.length; i++) s[i] = num(cells[i], `msg.payload[${i + start}]`);
  const fs = meta.fs !== undefined ? num(meta.fs, 'msg.payload.fs', { gt: 0, max: 10_000_000 }) : d.fs;
  if (fs === undefined) throw new InputError('msg.payload.fs', 'a sample rate: a "# fs=25600" line, a first row "fs,25600", or Sample rate in the node', undefined);
  const ts = meta.ts !== undefined ? time(meta.ts, 'msg.payload.ts') : d.now;
  const asset = assetId(d.asset ?? meta.asset, 'msg.payload.asset');
  const channel = channelName(d.channel ?? meta.channel ?? header, 'msg.payload.channel');
  const r: Reading = { asset, channel, ts, samples: s, fs, quality: 'good', source: d.source };
  const quantity = d.quantity ?? meta.quantity;
  const unit = d.unit ?? meta.unit;
  if (quantity) r.quantity = quantity;
  if (unit) r.unit = unit;
  return r;
}

export interface TableResult {
  readings: Reading[];
  /** Rows that gave no reading: 0-based data row index and why. */
  badRows: { row: number; error: string }[];
}

/**
 * A table of readings: a header row naming the columns (the field map: ts, asset, channel,
 * value, quantity, unit, quality ...) then one reading per row. Bad rows are reported, not
 * dropped silently and not passed as good; a table with no good row is an error.
 */
export function csvReadings(payload: unknown, fields: FieldMap, d: ReadingDefaults): TableResult {
  const t = csvTable(payload);
  if (t.rows.length > MAX_READINGS + 1) throw new InputError('msg.payload', `at most ${MAX_READINGS} rows`, t.rows);
  let objects: unknown[];
  let offset = 0;
  const first = t.rows[0];
  if (Array.isArray(first)) {
    const header = first.map((h) => (typeof h === 'string' ? h.trim() : String(h)));
    if (!header.some((h) => h === fields.value || h === fields.samples)) throw new InputError('msg.payload[0]', `a header row with a ${fields.value} column`, first.join(','));
    offset = 1;
    objects = t.rows.slice(1).map((r) => (Array.isArray(r) ? Object.fromEntries(header.map((h, i) => [h, r[i]]).filter(([, v]) => v !== undefined && v !== '')) : r));
  } else objects = t.rows;
  const badRows: { row: number; error: string }[] = t.errors.map((e) => ({ row: e.row - offset, error: e.error }));
  const skip = new Set(badRows.map((b) => b.row));
  const readings: Reading[] = [];
  objects.forEach((o, i) => {
    if (skip.has(i)) return;
    try {
      if (!isObject(o)) throw new InputError(`msg.payload[${i}]`, 'a row object or array', o);
      readings.push(objectReading(o, fields, d, `msg.payload[${i}]`));
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      badRows.push({ row: i, error: e.message });
    }
  });
  if (readings.length === 0) {
    if (badRows.length) throw new InputError(`msg.payload[${badRows[0].row}]`, 'at least one good row', undefined, badRows[0].error);
    throw new InputError('msg.payload', 'at least one data row', t.rows);
  }
  return { readings, badRows };
}
