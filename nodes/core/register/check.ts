/**
 * Checks of one register row and of a machine type, field by field, so an import report names
 * the row and the column of every problem. Pure: no Node-RED.
 */
import { checkAsset, type AssetSpec } from '../asset';
import { patternProblem } from '../ingest/patterns';
import { checkRegisterMap, REGISTER_WORDS, MAX_REGISTERS } from '../ingest/modbus';
import { bearingProblems } from '../signal/bearing';
import { MACHINE_CLASSES, type MachineClass } from '../signal/iso10816';
import { isObject, own } from '../validate';
import { MAX_CHANNELS, ROLES, type Column, type MachineType, type RegisterChannel, type RegisteredAsset, type Role } from './types';

/** A cell after reading the file: text (trimmed, spreadsheet apostrophe removed), a number (XLSX), or empty. */
export type Cell = string | number | null;

export interface FieldError {
  field: string;
  error: string;
}

export const ID_RE = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/;
const HOST_RE = /^[A-Za-z0-9_.:[\]-]{1,253}$/;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;
// eslint-disable-next-line no-control-regex
const CONTROL_BUT_LINES = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;
const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d{1,3})?$/;
const DECIMAL_COMMA = /^[+-]?\d+,\d+$/;
export const BEARING_NAMES = ['6205-2RS', '6203-2RS', 'custom', 'none'] as const;
const MAX_NAME = 200;
const MAX_PLACE = 100;
const MAX_NOTES = 2000;

const isEmpty = (v: Cell | undefined) => v === null || v === undefined || v === '';

/** Text of a cell ('' when empty); numbers from XLSX become their decimal text. */
function text(v: Cell | undefined): string {
  if (isEmpty(v)) return '';
  return typeof v === 'number' ? String(v) : (v as string);
}

export interface NumberOpts {
  min: number;
  max: number;
  integer?: boolean;
  /** A decimal comma (1,5) is a decimal point: files written with `;` separators. */
  decimalComma?: boolean;
}

/** A decimal number from a cell (1797, 0.3126, 2.5e-3): "0x10", "Infinity", "12 mm" are refused. Undefined when empty. */
export function cellNumber(v: Cell | undefined, o: NumberOpts): { value?: number; error?: string } {
  if (isEmpty(v)) return {};
  let n: number;
  if (typeof v === 'number') n = v;
  else {
    const s = v as string;
    if (DECIMAL.test(s)) n = Number(s);
    else if (o.decimalComma && DECIMAL_COMMA.test(s)) n = Number(s.replace(',', '.'));
    else return { error: `expected a decimal number${o.integer ? ' (whole)' : ''} from ${o.min} to ${o.max}, got ${JSON.stringify(s.slice(0, 40))}` };
  }
  if (!Number.isFinite(n) || (o.integer && !Number.isInteger(n)) || n < o.min || n > o.max)
    return { error: `expected a ${o.integer ? 'whole number' : 'number'} from ${o.min} to ${o.max}, got ${typeof v === 'number' ? v : JSON.stringify(v)}` };
  return { value: n };
}

function checkLabel(v: string, what: string): string | undefined {
  if (v.length > 32 || CONTROL.test(v)) return `${what}: expected at most 32 printable characters`;
  return undefined;
}

function checkChannelName(v: string): string | undefined {
  if (v === '' || v.length > 128 || CONTROL.test(v) || /[|;]/.test(v)) return `channel ${JSON.stringify(v.slice(0, 40))}: expected 1-128 printable characters without | or ;`;
  return undefined;
}

/**
 * The channels cell: entries `channel|quantity|unit|role|lo|hi` separated by `;` or new lines,
 * trailing fields optional, e.g. `DE-vel|velocity|mm/s||0|50; run|state||running`.
 */
export function parseChannels(cell: string, decimalComma = false): { channels: RegisterChannel[]; errors: string[] } {
  const channels: RegisterChannel[] = [];
  const errors: string[] = [];
  const entries = cell.split(/[;\r\n]+/).map((s) => s.trim()).filter((s) => s !== '');
  if (entries.length > MAX_CHANNELS) return { channels, errors: [`at most ${MAX_CHANNELS} channels`] };
  const seen = new Set<string>();
  for (const entry of entries) {
    const parts = entry.split('|').map((s) => s.trim());
    if (parts.length > 6) {
      errors.push(`${JSON.stringify(entry.slice(0, 40))}: expected channel|quantity|unit|role|lo|hi`);
      continue;
    }
    const [channel, quantity = '', unit = '', role = '', lo = '', hi = ''] = parts;
    const r = channelOf({ channel, quantity, unit, role, lo, hi }, decimalComma);
    if (r.error) errors.push(r.error);
    else if (seen.has(channel)) errors.push(`channel ${channel} is listed twice`);
    else {
      seen.add(channel);
      channels.push(r.channel as RegisterChannel);
    }
  }
  return { channels, errors };
}

/** The channels cell of a machine (the inverse of parseChannels). */
export function formatChannels(list: readonly RegisterChannel[]): string {
  return list
    .map((c) => {
      const f = [c.channel, c.quantity ?? '', c.unit ?? '', c.role ?? '', c.lo === undefined ? '' : String(c.lo), c.hi === undefined ? '' : String(c.hi)];
      while (f.length > 1 && f[f.length - 1] === '') f.pop();
      return f.join('|');
    })
    .join('; ');
}

function channelOf(raw: { channel: unknown; quantity?: unknown; unit?: unknown; role?: unknown; lo?: unknown; hi?: unknown }, decimalComma = false): { channel?: RegisterChannel; error?: string } {
  const name = typeof raw.channel === 'string' ? raw.channel.trim() : '';
  const e = checkChannelName(name);
  if (e) return { error: e };
  const out: RegisterChannel = { channel: name };
  for (const k of ['quantity', 'unit'] as const) {
    const v = raw[k];
    if (v === undefined || v === null || v === '') continue;
    if (typeof v !== 'string') return { error: `channel ${name}: ${k}: expected text` };
    const le = checkLabel(v.trim(), `channel ${name}: ${k}`);
    if (le) return { error: le };
    if (v.trim()) out[k] = v.trim();
  }
  const role = raw.role === undefined || raw.role === null ? '' : raw.role;
  if (role !== '' && role !== 'measure') {
    if (typeof role !== 'string' || !(ROLES as readonly string[]).includes(role)) return { error: `channel ${name}: role: expected one of ${ROLES.join(', ')}, got ${JSON.stringify(String(role).slice(0, 40))}` };
    out.role = role as Exclude<Role, 'measure'>;
  }
  for (const k of ['lo', 'hi'] as const) {
    const v = raw[k];
    if (v === undefined || v === null || v === '') continue;
    const n = typeof v === 'number' || typeof v === 'string' ? cellNumber(typeof v === 'string' ? v.trim() : v, { min: -1e15, max: 1e15, decimalComma }) : { error: 'expected a number' };
    if (n.error) return { error: `channel ${name}: ${k}: ${n.error}` };
    if (n.value !== undefined) out[k] = n.value;
  }
  if (out.lo !== undefined && out.hi !== undefined && !(out.lo < out.hi)) return { error: `channel ${name}: expected lo below hi, got ${out.lo} and ${out.hi}` };
  return { channel: out };
}

/** Registers a type spans from the base address (the highest register used + 1). */
export function typeSpan(t: MachineType): number {
  let end = 0;
  for (const r of t.registers) end = Math.max(end, r.register + REGISTER_WORDS[r.type]);
  return end;
}

export interface RowContext {
  /** Machine types known to the store. */
  types: ReadonlyMap<string, MachineType>;
  decimalComma?: boolean;
}

/** Check one row (cells by column name) and build the machine; errors name the column. */
export function checkRow(cells: Partial<Record<Column, Cell>>, ctx: RowContext): { asset?: RegisteredAsset; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const err = (field: string, error: string) => errors.push({ field, error });
  const dc = ctx.decimalComma ?? false;
  const numField = (field: Column, o: NumberOpts): number | null => {
    const r = cellNumber(cells[field], { ...o, decimalComma: dc });
    if (r.error) err(field, r.error);
    return r.value ?? null;
  };
  const textField = (field: Column, max: number, required: boolean, allowLines = false): string => {
    const v = text(cells[field]);
    if (v === '') {
      if (required) err(field, 'required: expected a value');
      return '';
    }
    if (v.length > max) err(field, `expected at most ${max} characters, got ${v.length}`);
    else if ((allowLines ? CONTROL_BUT_LINES : CONTROL).test(v)) err(field, 'expected printable text (no control characters)');
    return v;
  };

  const asset = text(cells.asset);
  if (asset === '') err('asset', 'required: expected an asset id');
  else if (!ID_RE.test(asset)) err('asset', `expected 1-64 letters, digits, - _ . or :, starting with a letter or digit, got ${JSON.stringify(asset.slice(0, 70))}`);
  const name = textField('name', MAX_NAME, true);
  const site = textField('site', MAX_PLACE, false);
  const area = textField('area', MAX_PLACE, false);
  const line = textField('line', MAX_PLACE, true);
  let criticality = 0;
  if (isEmpty(cells.criticality)) err('criticality', 'required: expected a whole number from 1 to 5');
  else criticality = numField('criticality', { min: 1, max: 5, integer: true }) ?? 0;
  const mc = text(cells.machineClass);
  if (mc === '') err('machineClass', `required: expected one of ${MACHINE_CLASSES.join(', ')}`);
  else if (!(MACHINE_CLASSES as readonly string[]).includes(mc)) err('machineClass', `unknown class ${JSON.stringify(mc.slice(0, 60))}: expected one of ${MACHINE_CLASSES.join(', ')}`);
  const rpm = numField('rpm', { min: 1, max: 100000 });
  const bearing = text(cells.bearing);
  const geometry = { balls: cells.balls, ballDiameter: cells.ballDiameter, pitchDiameter: cells.pitchDiameter, contactAngle: cells.contactAngle };
  let balls: number | null = null;
  let ballDiameter: number | null = null;
  let pitchDiameter: number | null = null;
  let contactAngle: number | null = null;
  if (bearing === '') err('bearing', `required: expected one of ${BEARING_NAMES.join(', ')}`);
  else if (!(BEARING_NAMES as readonly string[]).includes(bearing)) err('bearing', `expected one of ${BEARING_NAMES.join(', ')}, got ${JSON.stringify(bearing.slice(0, 40))}`);
  else if (bearing === 'custom') {
    balls = numField('balls', { min: 3, max: 200, integer: true });
    ballDiameter = numField('ballDiameter', { min: 0, max: 1e6 });
    pitchDiameter = numField('pitchDiameter', { min: 0, max: 1e6 });
    contactAngle = numField('contactAngle', { min: 0, max: 89.999 });
    const missing = (['balls', 'ballDiameter', 'pitchDiameter'] as const).filter((k) => isEmpty(cells[k]));
    for (const k of missing) err(k, 'required with bearing custom: expected a number');
    if (!missing.length && balls !== null && ballDiameter !== null && pitchDiameter !== null) {
      for (const p of bearingProblems({ balls, ballDiameter, pitchDiameter, contactAngle: contactAngle ?? 0 })) {
        const field = p.startsWith('balls') ? 'balls' : p.startsWith('pitch') ? 'pitchDiameter' : p.startsWith('contact') ? 'contactAngle' : 'ballDiameter';
        err(field, p);
      }
    }
  } else {
    for (const [k, v] of Object.entries(geometry)) if (!isEmpty(v)) err(k, `only with bearing custom (bearing is ${bearing}): leave it empty`);
  }

  const machineType = text(cells.machineType);
  const type = machineType ? ctx.types.get(machineType) : undefined;
  if (machineType && !type) err('machineType', `unknown machine type ${JSON.stringify(machineType.slice(0, 60))}: expected one of ${[...ctx.types.keys()].slice(0, 20).join(', ') || '(no types defined: define them with the types action first)'}`);
  const plcHost = text(cells.plcHost);
  if (plcHost !== '' && !HOST_RE.test(plcHost)) err('plcHost', `expected a host name or IP address, got ${JSON.stringify(plcHost.slice(0, 60))}`);
  const plcPort = numField('plcPort', { min: 1, max: 65535, integer: true });
  const unitId = numField('unitId', { min: 0, max: 255, integer: true });
  const baseAddress = numField('baseAddress', { min: 0, max: MAX_REGISTERS - 1, integer: true });
  if (machineType && (!type || type.registers.length)) {
    if (plcHost === '' && !errors.some((e) => e.field === 'plcHost')) err('plcHost', `required with a machine type: the PLC's host name or IP address`);
    if (isEmpty(cells.baseAddress)) err('baseAddress', 'required with a machine type: the first register of this machine');
    else if (type && baseAddress !== null && baseAddress + typeSpan(type) > MAX_REGISTERS)
      err('baseAddress', `machine type ${type.name} spans ${typeSpan(type)} registers: base ${baseAddress} runs past ${MAX_REGISTERS - 1}`);
  }
  const parsed = parseChannels(text(cells.channels), dc);
  for (const e of parsed.errors) err('channels', e);
  const notes = textField('notes', MAX_NOTES, false, true);

  if (errors.length) return { errors };
  return {
    errors,
    asset: {
      asset,
      name,
      site,
      area,
      line,
      criticality,
      machineClass: mc as MachineClass,
      rpm,
      bearing,
      balls,
      ballDiameter,
      pitchDiameter,
      contactAngle,
      machineType,
      plcHost,
      plcPort,
      unitId,
      baseAddress,
      notes,
      channels: parsed.channels,
    },
  };
}

/** The cells of a machine as the export writes them (numbers as numbers, empty as ''). */
export function rowOf(a: RegisteredAsset): Record<Column, string | number> {
  const n = (v: number | null) => (v === null ? '' : v);
  return {
    asset: a.asset,
    name: a.name,
    site: a.site,
    area: a.area,
    line: a.line,
    criticality: a.criticality,
    machineClass: a.machineClass,
    rpm: n(a.rpm),
    bearing: a.bearing,
    balls: n(a.balls),
    ballDiameter: n(a.ballDiameter),
    pitchDiameter: n(a.pitchDiameter),
    contactAngle: n(a.contactAngle),
    machineType: a.machineType,
    plcHost: a.plcHost,
    plcPort: n(a.plcPort),
    unitId: n(a.unitId),
    baseAddress: n(a.baseAddress),
    channels: formatChannels(a.channels),
    notes: a.notes,
  };
}

/** The asset as analysis nodes see it (the same AssetSpec a rel-asset gives). */
export function specOf(a: RegisteredAsset): AssetSpec | undefined {
  return checkAsset({
    assetId: a.asset,
    name: a.name,
    line: a.line,
    criticality: a.criticality,
    machineClass: a.machineClass,
    rpm: a.rpm ?? undefined,
    bearing: a.bearing,
    balls: a.balls ?? undefined,
    ballDiameter: a.ballDiameter ?? undefined,
    pitchDiameter: a.pitchDiameter ?? undefined,
    contactAngle: a.contactAngle ?? undefined,
  }).asset;
}

/** Check machine types as `types` receives them: `{ name, registers: [...], channels?: [...] }`. */
export function checkMachineType(raw: unknown, at: string): { type?: MachineType; errors: string[] } {
  if (!isObject(raw)) return { errors: [`${at}: expected an object {name, registers, channels?}`] };
  const errors: string[] = [];
  const name = own(raw, 'name');
  if (typeof name !== 'string' || !ID_RE.test(name)) errors.push(`${at}.name: expected 1-64 letters, digits, - _ . or :, starting with a letter or digit`);
  // Topic patterns: a type may publish by MQTT or OPC UA instead of (or beside) a register map.
  const patterns: { mqtt?: string; opcua?: string } = {};
  for (const kind of ['mqtt', 'opcua'] as const) {
    const p = own(raw, kind);
    if (p === undefined || p === null || p === '') continue;
    const problem = patternProblem(kind, p);
    if (problem) errors.push(`${at}.${kind}: ${problem}`);
    else patterns[kind] = (p as string).trim();
  }
  const hasPattern = patterns.mqtt !== undefined || patterns.opcua !== undefined;
  const rawRegisters = own(raw, 'registers');
  const m = hasPattern && (rawRegisters === undefined || rawRegisters === null) ? { rows: [], errors: [] } : checkRegisterMap(rawRegisters);
  errors.push(...m.errors.map((e) => `${at}.registers: ${e}`));
  if (!m.errors.length && !m.rows.length && !hasPattern) errors.push(`${at}.registers: expected at least one row (channel, register, type), or an mqtt or opcua topic pattern`);
  for (const r of m.rows) {
    const e = checkChannelName(r.channel);
    if (e) errors.push(`${at}.registers: ${e}`);
  }
  const rawChannels = own(raw, 'channels') ?? [];
  const channels: RegisterChannel[] = [];
  if (!Array.isArray(rawChannels) || rawChannels.length > MAX_CHANNELS) errors.push(`${at}.channels: expected a list of at most ${MAX_CHANNELS} {channel, role?, lo?, hi?, quantity?, unit?}`);
  else {
    const mapped = new Set(m.rows.map((r) => r.channel));
    const seen = new Set<string>();
    rawChannels.forEach((c, i) => {
      if (!isObject(c)) return void errors.push(`${at}.channels[${i}]: expected an object`);
      const r = channelOf({ channel: own(c, 'channel'), quantity: own(c, 'quantity'), unit: own(c, 'unit'), role: own(c, 'role'), lo: own(c, 'lo'), hi: own(c, 'hi') });
      if (r.error) return void errors.push(`${at}.channels[${i}]: ${r.error}`);
      const ch = r.channel as RegisterChannel;
      if (!m.errors.length && !hasPattern && !mapped.has(ch.channel)) return void errors.push(`${at}.channels[${i}]: channel ${ch.channel} has no row in the register map`);
      if (seen.has(ch.channel)) return void errors.push(`${at}.channels[${i}]: channel ${ch.channel} is listed twice`);
      seen.add(ch.channel);
      channels.push(ch);
    });
  }
  if (errors.length) return { errors };
  return { type: { name: name as string, registers: m.rows, channels, ...patterns }, errors };
}

/** Every channel of a machine: its type's mapped channels (role and limits from the type), then its own, its own winning. */
export function machineChannels(a: RegisteredAsset, type: MachineType | undefined): RegisterChannel[] {
  const out = new Map<string, RegisterChannel>();
  if (type) {
    const extra = new Map(type.channels.map((c) => [c.channel, c]));
    for (const r of type.registers) {
      const c: RegisterChannel = { channel: r.channel, ...extra.get(r.channel) };
      if (r.quantity && !c.quantity) c.quantity = r.quantity;
      if (r.unit && !c.unit) c.unit = r.unit;
      out.set(r.channel, c);
    }
    // Channels a type publishes by topic pattern, without a register row.
    for (const c of type.channels) if (!out.has(c.channel)) out.set(c.channel, { ...c });
  }
  for (const c of a.channels) out.set(c.channel, { ...out.get(c.channel), ...c });
  return [...out.values()];
}
