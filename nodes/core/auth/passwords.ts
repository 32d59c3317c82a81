/**
 * Password hashing (bcrypt, bcryptjs: pure JavaScript, asynchronous so a login never blocks the
 * event loop) and the rules for user names and passwords.
 */
import bcrypt from 'bcryptjs';
import { InputError } from '../errors';

/** bcrypt cost for stored passwords (about 0.1 s per hash on an edge box). */
export const BCRYPT_COST = 10;
export const MIN_PASSWORD = 8;
/** bcrypt reads at most 72 bytes of a password; longer ones are refused rather than cut. */
export const MAX_PASSWORD_BYTES = 72;
export const MAX_USERNAME = 64;
const USERNAME_RE = /^[a-z0-9][a-z0-9._@-]*$/;

/** A user name, lower-cased: letters, digits, `.`, `_`, `@`, `-`; 1 to 64 characters. */
export function username(v: unknown, path = 'username'): string {
  if (typeof v !== 'string') throw new InputError(path, `a user name (letters, digits, . _ @ -, at most ${MAX_USERNAME} characters)`, v);
  const u = v.trim().toLowerCase();
  if (u.length === 0 || u.length > MAX_USERNAME || !USERNAME_RE.test(u)) {
    throw new InputError(path, `a user name (letters, digits, . _ @ -, at most ${MAX_USERNAME} characters)`, v);
  }
  return u;
}

/** A new password: 8 to 72 bytes (UTF-8). The value is never echoed in the error. */
export function newPassword(v: unknown, path = 'password'): string {
  const expected = `a password of ${MIN_PASSWORD} to ${MAX_PASSWORD_BYTES} bytes`;
  if (typeof v !== 'string') throw new InputError(path, expected, v);
  const bytes = Buffer.byteLength(v, 'utf8');
  if (v.length < MIN_PASSWORD || bytes > MAX_PASSWORD_BYTES) throw new InputError(path, expected, bytes, 'its length in bytes');
  return v;
}

export function hashPassword(password: string, cost = BCRYPT_COST): Promise<string> {
  return bcrypt.hash(password, cost);
}

/** Compare with a stored hash; false for anything that is not a bcrypt hash. */
export async function verifyPassword(password: string, hash: string): Promise<boolean> {
  if (typeof password !== 'string' || typeof hash !== 'string' || !hash.startsWith('$2')) return false;
  if (Buffer.byteLength(password, 'utf8') > MAX_PASSWORD_BYTES) return false;
  try {
    return await bcrypt.compare(password, hash);
  } catch {
    return false;
  }
}

/** A hash no password matches, compared against for unknown users so they take as long as known ones. */
let dummy: Promise<string> | undefined;
export function dummyHash(cost = BCRYPT_COST): Promise<string> {
  dummy ??= bcrypt.hash('no user has this password ' + Math.random(), cost);
  return dummy;
}
