/**
 * The storage settings of one rel-store: its form (retention per kind of data, backups, disk
 * warning threshold) over the plant-wide `reliabilityStorage` of settings.js, over the built-in
 * defaults. Which wins, per field:
 *   1. settings.js `housekeeping: false` switches the housekeeper off, whatever the form says;
 *   2. settings.js `lock: true`: a value set in settings.js wins over the form (plant IT fixes it);
 *   3. else a value set in the form wins; an empty field takes the settings.js value;
 *   4. else the built-in default (DEFAULT_RETENTION; backups off; automatic disk levels).
 * Also the upgrade of saved rel-store configs (the form's own `version`, STORE_CONFIG_VERSION).
 * Pure: no Node-RED import.
 */
import { DEFAULT_DISK_LIMITS, type DiskLimits } from './disk';
import { DEFAULT_RETENTION, retentionSettings, type RetentionSettings } from './housekeeping';

/** The shape of a saved rel-store config (`version` of its form; the other nodes use CONFIG_VERSION). */
export const STORE_CONFIG_VERSION = 3;

export const RETENTION_FIELDS = Object.keys(DEFAULT_RETENTION) as (keyof RetentionSettings)[];
/** The storage fields of the rel-store form (all optional: '' = the plant default). */
export const STORAGE_FIELDS = [...RETENTION_FIELDS, 'backupDir', 'backupEveryHours', 'backupKeep', 'diskWarnPercent'] as const;
export type StorageField = (typeof STORAGE_FIELDS)[number];

export const DEFAULT_BACKUP_KEEP = 7;
export const DEFAULT_BACKUP_EVERY_HOURS = 24;

/** settings.js `reliabilityStorage`. */
export interface PlantStorage {
  housekeeping?: boolean;
  lock?: boolean;
  retention?: Partial<Record<keyof RetentionSettings, unknown>>;
  backup?: { dir?: unknown; everyHours?: unknown; keep?: unknown };
  diskWarnPercent?: unknown;
}

export interface StorageSettings {
  housekeeping: boolean;
  retention: RetentionSettings;
  /** Backups of the SQLite file: folder as given (resolved by the node), every hours, copies kept; undefined = none. */
  backup?: { dir: string; everyHours: number; keep: number };
  disk: DiskLimits;
  /** Warn below this share of the volume free (undefined = the automatic levels of disk.ts). */
  diskWarnPercent?: number;
  /** Where each value came from. */
  source: Partial<Record<StorageField, 'form' | 'settings' | 'default'>>;
}

const empty = (v: unknown) => v === undefined || v === null || (typeof v === 'string' && v.trim() === '');

function number(v: unknown, what: string, o: { min: number; max: number; integer?: boolean; zero?: boolean }): number {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(v) ? Number(v) : NaN;
  const ok = Number.isFinite(n) && ((o.zero && n === 0) || (n >= o.min && n <= o.max && (!o.integer || Number.isInteger(n))));
  if (!ok) throw new Error(`${what}: expected ${o.integer ? 'a whole number' : 'a number'} from ${o.min} to ${o.max}${o.zero ? ' or 0 (off)' : ''}, got ${JSON.stringify(v)}`);
  return n;
}

/**
 * The storage settings of a rel-store from its form (`form`, the node config) and settings.js
 * (`plant`). Throws naming the field (`rel-store: rawHistoryDays: ...` for the form,
 * `reliabilityStorage.retention.rawHistoryDays: ...` for settings.js).
 */
export function storageSettings(form: Record<string, unknown>, plant: PlantStorage = {}): StorageSettings {
  const source: StorageSettings['source'] = {};
  const lock = plant.lock === true;
  const pick = (field: StorageField, fromForm: unknown, fromPlant: unknown): { v: unknown; from: 'form' | 'settings' | 'default' } => {
    const r: { v: unknown; from: 'form' | 'settings' | 'default' } =
      !empty(fromPlant) && (lock || empty(fromForm)) ? { v: fromPlant, from: 'settings' } : !empty(fromForm) ? { v: fromForm, from: 'form' } : { v: undefined, from: 'default' };
    source[field] = r.from;
    return r;
  };
  const ret: Partial<Record<keyof RetentionSettings, unknown>> = {};
  for (const k of RETENTION_FIELDS) {
    const r = pick(k, form[k], plant.retention?.[k]);
    if (r.from === 'default') continue;
    const label = r.from === 'form' ? `rel-store: ${k}` : `reliabilityStorage.retention.${k}`;
    ret[k] = number(r.v, label, { min: 0, max: 36_525, integer: true });
  }
  let retention: RetentionSettings;
  try {
    retention = retentionSettings(ret);
  } catch (e) {
    throw new Error(`rel-store: ${e instanceof Error ? e.message : String(e)}`);
  }
  const pb = plant.backup ?? {};
  const dir = pick('backupDir', form.backupDir, pb.dir);
  const every = pick('backupEveryHours', form.backupEveryHours, pb.everyHours);
  const keep = pick('backupKeep', form.backupKeep, pb.keep);
  const label = (f: string, from: string, plantName: string) => (from === 'form' ? `rel-store: ${f}` : `reliabilityStorage.${plantName}`);
  const everyHours = every.from === 'default' ? DEFAULT_BACKUP_EVERY_HOURS : number(every.v, label('backupEveryHours', every.from, 'backup.everyHours'), { min: 1, max: 8760, zero: true });
  const keepN = keep.from === 'default' ? DEFAULT_BACKUP_KEEP : number(keep.v, label('backupKeep', keep.from, 'backup.keep'), { min: 1, max: 1000, integer: true });
  if (dir.from !== 'default' && typeof dir.v !== 'string') throw new Error(`${label('backupDir', dir.from, 'backup.dir')}: expected a folder name, got ${JSON.stringify(dir.v)}`);
  const backup = dir.from !== 'default' && everyHours > 0 ? { dir: String(dir.v).trim(), everyHours, keep: keepN } : undefined;
  const warn = pick('diskWarnPercent', form.diskWarnPercent, plant.diskWarnPercent);
  const diskWarnPercent = warn.from === 'default' ? undefined : number(warn.v, label('diskWarnPercent', warn.from, 'diskWarnPercent'), { min: 1, max: 90 });
  const disk: DiskLimits = diskWarnPercent === undefined ? DEFAULT_DISK_LIMITS : { ...DEFAULT_DISK_LIMITS, lowShare: diskWarnPercent / 100, lowBytes: 0, lowCapShare: 0 };
  return { housekeeping: plant.housekeeping !== false, retention, backup, disk, diskWarnPercent, source };
}

/** A saved rel-store config in the current shape, and what was added. The input is not modified. */
export function migrateStoreConfig<C extends Record<string, unknown>>(config: C): { config: C; from: number; changed: string[] } {
  const v = Number(config.version);
  const from = Number.isInteger(v) && v >= 0 ? v : 0;
  if (from >= STORE_CONFIG_VERSION) return { config, from, changed: [] };
  const c: Record<string, unknown> = { ...config };
  const changed: string[] = [];
  // before version 2 there was only the SQLite file
  if (from < 2 && empty(c.backend)) (c.backend = 'sqlite'), changed.push('backend');
  // version 3: storage fields in the form, empty = the plant default (what the node did before)
  if (from < 3) for (const k of STORAGE_FIELDS) if (c[k] === undefined) (c[k] = ''), changed.push(k);
  c.version = STORE_CONFIG_VERSION;
  return { config: c as C, from, changed };
}
