/** rel-registry's message fields, checked (no Node-RED): a flag, the asset of get/remove, a list filter. */
import { InputError } from '../errors';
import { isObject, optStr, own, str } from '../validate';
import type { ListFilter } from './repo';

/** msg[key] as true or false (absent: false). */
export function msgFlag(msg: object, key: string): boolean {
  const v = own(msg, key);
  if (v === undefined || v === null) return false;
  if (typeof v !== 'boolean') throw new InputError(`msg.${key}`, 'true or false', v);
  return v;
}

/** The asset id of a get/remove: msg.payload as a string, or msg.payload.asset. */
export function assetOf(p: unknown): string {
  return typeof p === 'string' ? str(p, 'msg.payload', { maxLength: 64 }) : str(own(p, 'asset'), 'msg.payload.asset', { maxLength: 64 });
}

/** A list or export filter {site?, area?, line?}, or none. */
export function filterOf(p: unknown): ListFilter {
  if (p === undefined || p === null || p === '') return {};
  if (!isObject(p)) throw new InputError('msg.payload', 'a filter {site?, area?, line?} or nothing', p);
  return { site: optStr(own(p, 'site'), 'msg.payload.site', { maxLength: 100 }), area: optStr(own(p, 'area'), 'msg.payload.area', { maxLength: 100 }), line: optStr(own(p, 'line'), 'msg.payload.line', { maxLength: 100 }) };
}
