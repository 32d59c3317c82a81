/**
 * The numeric limits of the nodes' configuration forms: ONE table for the editor and the runtime.
 * scripts/build.js writes it as resources/limits.js (served to the editor at
 * resources/@jidoka/node-red-reliability/limits.js), where the shared editor module builds the
 * forms' validators from it; nodes/core/migrate.ts fills missing fields of old flows with the
 * defaults below; test/package/limits.spec.ts deploys every limit just inside and just outside
 * in a real runtime, so a node that drifts from this table fails a test.
 *
 * Pure data and one pure check (`checkField`), no Node-RED import.
 */
import { MAX_AVERAGE_FRAMES } from './signal/average';

export interface FieldLimit {
  /** The value a new node gets and a saved flow without the field is upgraded to. */
  default: number | '';
  min?: number;
  /** Strictly greater than. */
  gt?: number;
  max?: number;
  integer?: boolean;
  /** '' (or a missing field) is accepted: the runtime uses its default or "off". */
  optional?: boolean;
  /** 0 is accepted besides the range (0 = off). */
  zero?: boolean;
  /** Must be greater than this other field of the same node. */
  above?: string;
  /** '' (or a missing field) is accepted only while the other field has this value (or one of these values). */
  optionalWhen?: { field: string; is: string | string[] };
  /** Checked only when the other field has this value (else anything goes: the runtime ignores it). */
  when?: { field: string; is: string };
  /**
   * Other bounds while another field has a value: the first variant whose `when` matches replaces
   * min, gt and max (the rest of the limit stays). E.g. rel-rul's threshold is a multiple of the
   * learned mean (> 1) with the level indicator.
   */
  variants?: LimitVariant[];
}

export interface LimitVariant {
  when: { field: string; is: string };
  min?: number;
  gt?: number;
  max?: number;
}

/** The limit in force for a config: the base limit, or its first matching variant's bounds. */
export function limitFor(limit: FieldLimit, config: Record<string, unknown>): FieldLimit {
  const v = limit.variants?.find((x) => String(config[x.when.field] ?? '') === x.when.is);
  return v ? { ...limit, min: v.min, gt: v.gt, max: v.max, variants: undefined } : limit;
}

export type NodeLimits = Record<string, FieldLimit>;

/**
 * Current shape of every node's saved config (the `version` property). 0.1.0 flows have none.
 * 2: rel-simulator has `kind` (waveform / scalar) and the scalar machine's fields; a version 1
 * simulator is a waveform machine (its migrate hook, migrateSimulatorConfig).
 * 3: rel-work-order and rel-andon have `language` (en / de: the text they write into records and
 * messages); an older config gets `en`, the language they wrote before (nodes/core/migrate.ts).
 */
export const CONFIG_VERSION = 3;

export const LIMITS: Record<string, NodeLimits> = {
  'rel-andon': {
    lineStopLevel: { default: 0, min: 0, max: 100, integer: true, optional: true },
    statsDays: { default: 30, gt: 0, max: 3660, optional: true },
  },
  'rel-asset': {
    criticality: { default: 3, min: 1, max: 5, integer: true },
    rpm: { default: '', min: 1, max: 100000, optional: true, zero: true },
    balls: { default: '', min: 3, integer: true, when: { field: 'bearing', is: 'custom' } },
    ballDiameter: { default: '', gt: 0, max: 1e6, when: { field: 'bearing', is: 'custom' } },
    pitchDiameter: { default: '', gt: 0, max: 1e6, above: 'ballDiameter', when: { field: 'bearing', is: 'custom' } },
    contactAngle: { default: 0, min: 0, max: 89.999, optional: true, when: { field: 'bearing', is: 'custom' } },
  },
  'rel-buffer': {
    serviceZ: { default: 1.65, min: 0, max: 6, optional: true },
    windowDays: { default: 30, min: 2, max: 365, integer: true, optional: true },
    targetDays: { default: 1, min: 0, max: 365, optional: true },
    floorDays: { default: 3, min: 0, max: 365, optional: true },
    cvThreshold: { default: 0.2, gt: 0, optional: true },
    healthThreshold: { default: 70, gt: 0, max: 100, optional: true },
    healthDaysMax: { default: 2, min: 0, max: 365, optional: true },
  },
  'rel-diagnose': {
    detect: { default: 4, min: 2, max: 100, optional: true },
  },
  'rel-health': {
    learnFrames: { default: 100, min: 10, max: 10000, integer: true, optional: true, when: { field: 'learnMode', is: 'frames' } },
    learnHours: { default: 24, min: 0.01, max: 8760, optional: true, when: { field: 'learnMode', is: 'hours' } },
    warnBelow: { default: 85, min: 1, max: 100, optional: true },
    alarmBelow: { default: 70, min: 0, max: 100, optional: true },
    // the level rule warns below 85: a warning clears at 85 + hysteresis, at most 100
    hysteresis: { default: 5, min: 0, max: 50, optional: true, variants: [{ when: { field: 'rule', is: 'level' }, min: 0, max: 15 }] },
    levelEveryHours: { default: 8, min: 0.01, max: 100000, optional: true, when: { field: 'rule', is: 'level' } },
  },
  'rel-ingest': {
    fs: { default: '', gt: 0, max: 10_000_000, optional: true },
    staleAfter: { default: 60, min: 0, max: 604800, optional: true },
    plcPort: { default: 502, min: 1, max: 65535, integer: true, optional: true },
    unitId: { default: '', min: 0, max: 255, integer: true, optional: true },
    startAddress: { default: '', min: 0, max: 65535, integer: true, optional: true },
  },
  'rel-kanban': {
    containerQty: { default: 50, gt: 0 },
    demand: { default: 400, gt: 0 },
    leadTime: { default: 2, gt: 0 },
    alpha: { default: 0.1, min: 0, max: 10, optional: true },
    healthAlpha: { default: 0.2, min: 0, max: 10, optional: true },
    supplierAlpha: { default: 0.2, min: 0, max: 10, optional: true },
    trigger: { default: 1, min: 1, integer: true, optional: true },
    healthThreshold: { default: 70, min: 0, max: 100, optional: true },
    cvThreshold: { default: 0.2, gt: 0, optional: true },
  },
  'rel-kpi': {
    windowDays: { default: 30, min: 1 / 24, max: 3650, optional: true },
    hoursPerDay: { default: 24, min: 0.1, max: 24, optional: true },
    downtimeLimit: { default: 3, min: 0, max: 100, optional: true },
    mttrReduction: { default: 30, min: 0, max: 100, optional: true },
    baselineMttrH: { default: '', min: 0, max: 1e6, optional: true },
  },
  'rel-view': {
    staleAfter: { default: 120, min: 5, max: 86400, optional: true },
    interval: { default: 1, min: 0, max: 3600, optional: true },
  },
  'rel-notify': {
    woMaxPriority: { default: 1, min: 1, max: 4, integer: true },
    minInterval: { default: 15, min: 0, max: 10080, optional: true },
  },
  'rel-oee': {
    idealCycleS: { default: 30, gt: 0, max: 1e6, optional: true },
    rollingHours: { default: 24, gt: 0, max: 8784, optional: true },
    rule85Days: { default: 30, min: 1, max: 365, integer: true, optional: true },
    rule85Oee: { default: 0.85, gt: 0, max: 1, optional: true },
    bufferDays: { default: 3, min: 0, max: 365, optional: true },
  },
  'rel-pm': {
    tickInterval: { default: 60, min: 1, max: 86400, optional: true },
  },
  'rel-rul': {
    // the level indicator: a multiple of the learned healthy mean (default LEVEL_FAILURE_RATIO, 6.3)
    threshold: { default: 10, optionalWhen: { field: 'indicator', is: ['health', 'level'] }, variants: [{ when: { field: 'indicator', is: 'level' }, gt: 1, max: 1000 }] },
    thresholdLow: { default: '', optional: true },
    thresholdHigh: { default: '', optional: true },
    plateauHours: { default: 0, min: 0, max: 720, optional: true },
    level: { default: 0.9, gt: 0.5, max: 0.99, optional: true },
    windowHours: { default: 0, min: 0, max: 8760, optional: true },
    minPoints: { default: 10, min: 3, max: 1000, integer: true, optional: true },
    historyMinutes: { default: 10, min: 1, max: 1440, integer: true, optional: true },
  },
  'rel-simulator': {
    rpm: { default: 1797, min: 1, max: 100000, optional: true },
    seed: { default: 1, min: 0, max: 4294967295, integer: true, optional: true },
    fs: { default: 12000, min: 100, max: 1000000, optional: true },
    frameSize: { default: 16384, min: 64, max: 1048576, integer: true, optional: true },
    interval: { default: 5, min: 0.05, max: 86400, zero: true, optional: true },
    timeScale: { default: 3600, gt: 0, max: 10000000, optional: true },
    onsetHours: { default: 24, min: 0, optional: true },
    failureHours: { default: 96, gt: 0, above: 'onsetHours', optional: true },
    growth: { default: 4, min: 0, max: 50, optional: true },
    noise: { default: 0.02, min: 0, max: 100, optional: true },
    resonanceHz: { default: 3000, gt: 0, optional: true },
    cycleTimeS: { default: 30, gt: 0, optional: true },
    countStepMin: { default: '', min: 0, max: 1440, optional: true },
    // scalar-only machines (kind = scalar, config version 2)
    velocityMmS: { default: 1.6, gt: 0, max: 100, optional: true, when: { field: 'kind', is: 'scalar' } },
    rangeMmS: { default: 25, gt: 0, max: 1000, optional: true, when: { field: 'kind', is: 'scalar' } },
    runHours: { default: 4, min: 0, max: 8760, optional: true, when: { field: 'kind', is: 'scalar' } },
    stopMinutes: { default: 20, min: 0, max: 10080, optional: true, when: { field: 'kind', is: 'scalar' } },
    partsPerMin: { default: 6, min: 0, max: 100000, optional: true, when: { field: 'kind', is: 'scalar' } },
    shiftAtHours: { default: '', min: 0, max: 1000000, optional: true, when: { field: 'kind', is: 'scalar' } },
    shiftVelocity: { default: 2.5, gt: 0, max: 100, optional: true, when: { field: 'kind', is: 'scalar' } },
    shiftCurrent: { default: 1, gt: 0, max: 100, optional: true, when: { field: 'kind', is: 'scalar' } },
  },
  'rel-spares': {
    demandWindowDays: { default: 90, min: 1, max: 3650, optional: true },
    checkInterval: { default: 60, min: 1, max: 86400, optional: true },
  },
  // rel-store's storage fields: empty = the plant default (settings.js reliabilityStorage, else
  // the built-in one); days 0 = kept forever; checked by nodes/core/store/housekeeping-config.ts
  'rel-store': {
    rawHistoryDays: { default: '', min: 0, max: 36525, integer: true, optional: true },
    hourlyHistoryDays: { default: '', min: 0, max: 36525, integer: true, optional: true },
    conditionEventDays: { default: '', min: 0, max: 36525, integer: true, optional: true },
    rulPointDays: { default: '', min: 0, max: 36525, integer: true, optional: true },
    andonDays: { default: '', min: 0, max: 36525, integer: true, optional: true },
    oeeShiftDays: { default: '', min: 0, max: 36525, integer: true, optional: true },
    backupEveryHours: { default: '', min: 1, max: 8760, zero: true, optional: true },
    backupKeep: { default: '', min: 1, max: 1000, integer: true, optional: true },
    diskWarnPercent: { default: '', min: 1, max: 90, optional: true },
  },
  'rel-takt': {
    demand: { default: 450, gt: 0 },
    window: { default: 50, min: 3, max: 10000, integer: true, optional: true },
    creepAlert: { default: 0.95, gt: 0, max: 2, optional: true },
    minCycles: { default: 5, min: 1, max: 10000, integer: true, optional: true },
  },
  'rel-users': {
    sessionHours: { default: 12, min: 0.05, max: 744 },
    maxFailures: { default: 5, min: 1, max: 100, integer: true },
    lockMinutes: { default: 15, min: 0.05, max: 1440 },
  },
  'rel-vibration': {
    bandLow: { default: 10, gt: 0, max: 100000 },
    bandHigh: { default: 1000, gt: 0, max: 1000000, above: 'bandLow' },
    envLow: { default: 2000, gt: 0, when: { field: 'envelopeBand', is: 'fixed' } },
    envHigh: { default: 5000, gt: 0, above: 'envLow', when: { field: 'envelopeBand', is: 'fixed' } },
    spectrumPoints: { default: 0, min: 0, max: 65536, integer: true, optional: true },
    envelopePoints: { default: 0, min: 0, max: 65536, integer: true, optional: true },
    speedMaxAge: { default: 10, gt: 0, max: 86400 * 365, optional: true, when: { field: 'rpmSource', is: 'speed' } },
    averages: { default: 1, min: 1, max: MAX_AVERAGE_FRAMES, integer: true, optional: true },
  },
  'rel-work-order': {
    criticality: { default: 3, min: 1, max: 5, integer: true, optional: true },
  },
};

/** A form value as a number: undefined for '' / null / absent, NaN for anything not numeric. */
export function formNumber(v: unknown): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'number') return v;
  if (typeof v === 'string') return v.trim() === '' ? undefined : Number(v);
  return NaN;
}

/**
 * Whether `value` passes `limit` within the node config `config` (for `above` and `when`). The
 * editor's validators (resources/rel-editor.js) implement the same rules from the same table.
 */
export function checkField(field: FieldLimit, value: unknown, config: Record<string, unknown>): boolean {
  const limit = limitFor(field, config);
  if (limit.when && String(config[limit.when.field] ?? '') !== limit.when.is) return true;
  const n = formNumber(value);
  if (n === undefined) return limit.optional === true || (limit.optionalWhen !== undefined && ([] as string[]).concat(limit.optionalWhen.is).includes(String(config[limit.optionalWhen.field] ?? '')));
  if (!Number.isFinite(n)) return false;
  if (limit.zero && n === 0) return true;
  if (limit.integer && !Number.isInteger(n)) return false;
  if (limit.min !== undefined && n < limit.min) return false;
  if (limit.gt !== undefined && !(n > limit.gt)) return false;
  if (limit.max !== undefined && n > limit.max) return false;
  if (limit.above !== undefined) {
    const other = formNumber(config[limit.above]);
    const base = other === undefined ? Number(defaultOf(limit.above, config)) : other;
    if (Number.isFinite(base) && !(n > base)) return false;
  }
  return true;
}

/** The default of a sibling field, found through the config's type. */
function defaultOf(field: string, config: Record<string, unknown>): number | '' {
  const t = typeof config.type === 'string' ? LIMITS[config.type] : undefined;
  return t?.[field]?.default ?? '';
}

/** The fields of a node config that fail their limits (empty when valid). */
export function invalidFields(type: string, config: Record<string, unknown>): string[] {
  const lim = LIMITS[type];
  if (!lim) return [];
  return Object.entries(lim)
    .filter(([k, l]) => !checkField(l, config[k], { type, ...config }))
    .map(([k]) => k);
}
