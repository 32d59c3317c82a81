/**
 * Upgrades of saved node configs. Every node's editor saves `version` (CONFIG_VERSION in
 * limits.ts); a config without one was saved by 0.1.0. `defineNode` (nodes/shared/node.ts) runs
 * `migrateConfig` before a node's init, so each node only ever sees the current shape; the
 * editor reaches the same shape through the same defaults (resources/rel-editor.js) and writes
 * `version` when a node is saved.
 *
 * Pure: no Node-RED import; the input config is never modified.
 */
import { CONFIG_VERSION, LIMITS } from './limits';

export interface Migrated<C> {
  config: C;
  /** The version the config was saved with (0 for a 0.1.0 config without one). */
  from: number;
  /** Fields added or rewritten. */
  changed: string[];
}

type Config = Record<string, unknown>;

/** Per type, what changed between 0.1.0 (no version) and version 1, beyond the missing defaults. */
const V0_TO_V1: Record<string, (c: Config, changed: string[]) => void> = {
  // 0.1.0 had a "Dashboard output" checkbox (velocity RMS); version 1 has a choice of curve.
  'rel-vibration': (c, changed) => {
    const d = c.dashboard;
    if (d === true || d === 'true') (c.dashboard = 'velocity'), changed.push('dashboard');
    else if (d === false || d === 'false' || d === undefined || d === null) (c.dashboard = ''), changed.push('dashboard');
    for (const [k, v] of [['rpmSource', 'reading'], ['rpmValue', 'rpm'], ['rpmValueType', 'msg'], ['window', 'hann'], ['frameMode', 'trim'], ['envelopeBand', 'auto']] as const) {
      if (c[k] === undefined) (c[k] = v), changed.push(k);
    }
  },
};

/**
 * Per type, what version 3 added to a version 1 or 2 config (and so to a 0.1.0 one): rel-work-order
 * and rel-andon write their texts in `language`; a config saved before keeps English.
 */
const TO_V3: Record<string, (c: Config, changed: string[]) => void> = {
  'rel-work-order': (c, changed) => {
    if (c.language === undefined || c.language === null || c.language === '') (c.language = 'en'), changed.push('language');
  },
  'rel-andon': (c, changed) => {
    if (c.language === undefined || c.language === null || c.language === '') (c.language = 'en'), changed.push('language');
  },
};

/**
 * Config nodes that version their own form (rel-store: STORE_CONFIG_VERSION, upgraded by
 * migrateStoreConfig): passed through untouched, so their own upgrade still sees the saved version.
 */
const OWN_VERSION = new Set(['rel-store']);

/** Checkboxes a 0.1.0 flow may hold as the strings 'true' / 'false'. */
const BOOLEANS = ['dashboard', 'startEvent', 'learn'];

/** The version a config was saved with: 0 when absent or not a whole number. */
export function configVersion(config: Config): number {
  const v = config.version;
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  return Number.isInteger(n) && n >= 0 ? n : 0;
}

/**
 * The config of node `type` in the current shape. A config from a newer version than this
 * package knows is passed through unchanged (from > CONFIG_VERSION): the node reads what it can.
 */
export function migrateConfig<C extends Config>(type: string, config: C): Migrated<C> {
  const from = configVersion(config);
  if (from >= CONFIG_VERSION || OWN_VERSION.has(type)) return { config, from, changed: [] };
  const c: Config = { ...config };
  const changed: string[] = [];
  if (from < 1) {
    // fields added after 0.1.0 saved the flow: the default the runtime used for a missing field
    for (const [k, l] of Object.entries(LIMITS[type] ?? {})) {
      if (c[k] === undefined && l.optional) (c[k] = l.default), changed.push(k);
    }
    for (const k of BOOLEANS) {
      if (type !== 'rel-vibration' || k !== 'dashboard') {
        if (c[k] === 'true') (c[k] = true), changed.push(k);
        else if (c[k] === 'false') (c[k] = false), changed.push(k);
      }
    }
    V0_TO_V1[type]?.(c, changed);
  }
  if (from < 3) TO_V3[type]?.(c, changed);
  c.version = CONFIG_VERSION;
  return { config: c as C, from, changed };
}
