/**
 * The box (site) id: which edge box this runtime is, so one flows.json can run on several boxes
 * that share a database without their node state colliding. From the runtime setting
 * `reliabilityBoxId` (settings.js), else the environment variable `RELIABILITY_BOX_ID`, else ''
 * (a single box: state keys stay as they were, so state saved before still loads).
 */
import { InputError } from '../core/errors';
import type { RedApi } from './red';

export const BOX_SETTING = 'reliabilityBoxId';
export const BOX_ENV = 'RELIABILITY_BOX_ID';
/** Letters, digits, '.', '_' and '-', at most 64: no ':' (the separator of scoped keys), no spaces. */
const BOX_RE = /^[A-Za-z0-9._-]{1,64}$/;

/** Check a configured box id; '' (or nothing) is the single box. */
export function parseBoxId(value: unknown, path: string): string {
  if (value === undefined || value === null) return '';
  if (typeof value !== 'string') throw new InputError(path, 'a box id of letters, digits, ".", "_" or "-" (at most 64 characters)', value);
  const v = value.trim();
  if (v === '') return '';
  if (!BOX_RE.test(v)) throw new InputError(path, 'a box id of letters, digits, ".", "_" or "-" (at most 64 characters)', value);
  return v;
}

/** This runtime's box id: the setting, else the environment variable, else ''. Throws for a malformed one. */
export function boxId(RED: RedApi): string {
  const fromSettings = parseBoxId(RED.settings?.[BOX_SETTING], `settings.${BOX_SETTING}`);
  if (fromSettings) return fromSettings;
  return parseBoxId(process.env[BOX_ENV], `env ${BOX_ENV}`);
}

/** A state scope for this box: `<box>:<scope>`, or the scope unchanged on a single box. */
export function boxScope(box: string, scope: string): string {
  return box ? `${box}:${scope}` : scope;
}
