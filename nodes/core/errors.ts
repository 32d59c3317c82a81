/**
 * Errors for bad input. Every one names the property path (`msg.payload.samples`), what was
 * expected and what came, so a user reading the debug sidebar or a Catch node knows what to fix.
 */
export class InputError extends Error {
  readonly path: string;
  readonly expected: string;
  readonly got: string;
  constructor(path: string, expected: string, value: unknown, hint?: string) {
    const got = describeValue(value);
    super(`${path}: expected ${expected}, got ${got}${hint ? ` (${hint})` : ''}`);
    this.name = 'InputError';
    this.path = path;
    this.expected = expected;
    this.got = got;
  }
}

/** A request that is well-formed but not allowed in the current state (illegal transition, unknown id). */
export class StateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StateError';
  }
}

/** Short, safe description of any value for an error message (never calls user toString). */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing (undefined)';
  if (value === null) return 'null';
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return 'NaN';
    if (!Number.isFinite(value)) return String(value);
    return `the number ${value}`;
  }
  if (typeof value === 'string') {
    const s = value.length > 40 ? `${value.slice(0, 37)}...` : value;
    return `the string ${JSON.stringify(s)}${value.length > 40 ? ` (${value.length} chars)` : ''}`;
  }
  if (typeof value === 'boolean') return `the boolean ${value}`;
  if (typeof value === 'bigint') return 'a bigint';
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'symbol') return 'a symbol';
  if (Buffer.isBuffer(value)) return `a Buffer of ${value.length} bytes`;
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name} of ${(value as unknown as { length: number }).length ?? value.byteLength} elements`;
  if (Array.isArray(value)) return `an array of ${value.length} items`;
  return 'an object';
}
