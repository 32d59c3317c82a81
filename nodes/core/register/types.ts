/**
 * The asset register as data: machines (an ISA-95 style place: site, area, line), their ISO 10816
 * class, speed, bearing and channels, and machine types (a Modbus register map relative to a base
 * address) so one rel-ingest serves every machine on a PLC. Pure: no Node-RED.
 */
import type { MachineClass } from '../signal/iso10816';
import type { RegisterRow } from '../ingest/modbus';

/** What a channel is for: a measured value (default), the running indicator (0/1), a counter, the shaft speed. */
export const ROLES = ['measure', 'running', 'counter', 'speed'] as const;
export type Role = (typeof ROLES)[number];

export interface RegisterChannel {
  channel: string;
  quantity?: string;
  unit?: string;
  /** Absent = measure. */
  role?: Exclude<Role, 'measure'>;
  /** Absolute limits: a value outside them is not believed (quality uncertain). */
  lo?: number;
  hi?: number;
}

/** One machine of the register, with rel-asset's field names. Empty text fields are '', unknown numbers null. */
export interface RegisteredAsset {
  asset: string;
  name: string;
  site: string;
  area: string;
  line: string;
  criticality: number;
  machineClass: MachineClass;
  rpm: number | null;
  /** `6205-2RS`, `6203-2RS`, `custom` (geometry below) or `none`. */
  bearing: string;
  balls: number | null;
  ballDiameter: number | null;
  pitchDiameter: number | null;
  contactAngle: number | null;
  /** A machine type name, or ''. */
  machineType: string;
  plcHost: string;
  /** null = 502. */
  plcPort: number | null;
  /** null = 1. */
  unitId: number | null;
  baseAddress: number | null;
  notes: string;
  /** Channels of this machine beyond (or overriding) its type's. */
  channels: RegisterChannel[];
}

/** A kind of machine: the register map relative to the machine's base address, and its channels. */
export interface MachineType {
  name: string;
  /** `register` counts from the machine's base address (0 = the base address). */
  registers: RegisterRow[];
  /** Roles and limits of the mapped channels (a mapped channel without an entry is a measure). */
  channels: RegisterChannel[];
  /** MQTT topic pattern of this type's machines, e.g. `plant/{line}/asset/{asset}/{channel}`. */
  mqtt?: string;
  /** OPC UA node-id pattern of this type's machines, e.g. `ns=2;s={asset}.{channel}`. */
  opcua?: string;
}

/** The columns of the register file, in export order. */
export const COLUMNS = [
  'asset',
  'name',
  'site',
  'area',
  'line',
  'criticality',
  'machineClass',
  'rpm',
  'bearing',
  'balls',
  'ballDiameter',
  'pitchDiameter',
  'contactAngle',
  'machineType',
  'plcHost',
  'plcPort',
  'unitId',
  'baseAddress',
  'channels',
  'notes',
] as const;
export type Column = (typeof COLUMNS)[number];
export const REQUIRED_COLUMNS: readonly Column[] = ['asset', 'name', 'line', 'criticality', 'machineClass', 'rpm', 'bearing'];

/** Largest register file accepted (checked before parsing). */
export const MAX_FILE_BYTES = 10 * 1024 * 1024;
/** Most data rows in one file. */
export const MAX_ROWS = 10_000;
/** Most machine types. */
export const MAX_TYPES = 1000;
/** Most channels on one machine or type. */
export const MAX_CHANNELS = 200;

export interface ImportError {
  /** Spreadsheet row (the header is row 1); 0 for the file as a whole. */
  row: number;
  /** The column (rel-asset's field name), or '' for the whole row or file. */
  field: string;
  error: string;
}

export interface ImportReport {
  added: number;
  updated: number;
  unchanged: number;
  errors: ImportError[];
  /** The import was a dry run: checked and counted, nothing written. */
  dryRun: boolean;
  /** Whether the good rows were written (false on a dry run, and with errors unless `partial`). */
  applied: boolean;
  /** Data rows read (empty rows not counted). */
  rows: number;
  /** Ids added or updated (at most 1000 listed). */
  changed: string[];
}
