/**
 * Small readings of node forms and messages shared by many nodes (pure: no Node-RED): a checkbox
 * saved as true or "true", a name field that may be empty, and the fields of a payload a node
 * answers with its result added.
 */

/** A checkbox setting: true when saved as true or as the string "true". */
export function configFlag(v: unknown): boolean {
  return v === true || v === 'true';
}

/** A name setting (item, asset): trimmed, or undefined when empty or not a string. */
export function configName(v: unknown): string | undefined {
  return typeof v === 'string' && v.trim() ? v.trim() : undefined;
}

/** The payload's own fields to keep in the answer: the payload when it is a plain object (not an array), else {}. */
export function payloadFields(payload: unknown): object {
  return payload !== null && typeof payload === 'object' && !Array.isArray(payload) ? payload : {};
}
