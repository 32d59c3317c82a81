/**
 * Small readings of node forms and messages shared by many nodes (pure: no Node-RED): a checkbox
 * saved as true or "true", a name field that may be empty, a number or a choice that may be unset,
 * and the fields of a payload a node answers with its result added.
 */
import { InputError } from './errors';
import { num, oneOf, type NumOpts } from './validate';

/** A checkbox setting: true when saved as true or as the string "true". */
export function configFlag(v: unknown): boolean {
  return v === true || v === 'true';
}

/** A name setting (item, asset): trimmed, or undefined when empty or not a string. */
export function configName(v: unknown): string | undefined {
  return typeof v === 'string' && v.trim() ? v.trim() : undefined;
}

/** Whether a form field is unset: absent, null, or an empty (or blank) string as saved flows have it. */
export function configUnset(v: unknown): boolean {
  return v === undefined || v === null || (typeof v === 'string' && v.trim() === '');
}

/**
 * A number setting: unset -> `dflt`; anything else must be a number within `o`, else an
 * InputError naming the field (`o.expected` words the expectation instead of the range).
 */
export function configNum<D extends number | undefined>(v: unknown, field: string, dflt: D, o: NumOpts & { expected?: string } = {}): number | D {
  if (configUnset(v)) return dflt;
  try {
    return num(v, field, o);
  } catch (e) {
    if (o.expected && e instanceof InputError) throw new InputError(field, o.expected, v);
    throw e;
  }
}

/** A choice setting: unset -> `dflt`; anything else must be one of `allowed`, else an InputError naming the field. */
export function configChoice<T extends string>(v: unknown, field: string, allowed: readonly T[], dflt: T): T {
  return configUnset(v) ? dflt : oneOf(v, field, allowed);
}

/** The payload's own fields to keep in the answer: the payload when it is a plain object (not an array), else {}. */
export function payloadFields(payload: unknown): object {
  return payload !== null && typeof payload === 'object' && !Array.isArray(payload) ? payload : {};
}
