/**
 * Session tokens: 32 random bytes (base64url in the cookie); the store keeps only their SHA-256,
 * so a copy of the database gives no usable session. Sessions end at a fixed time after login.
 */
import crypto from 'crypto';

export const TOKEN_BYTES = 32;
/** base64url of 32 bytes. */
const TOKEN_RE = /^[A-Za-z0-9_-]{43}$/;

export function newToken(): string {
  return crypto.randomBytes(TOKEN_BYTES).toString('base64url');
}

/** Whether a cookie value has the shape of a token (checked before any hashing or store lookup). */
export function isTokenShape(v: unknown): v is string {
  return typeof v === 'string' && TOKEN_RE.test(v);
}

export function tokenHash(token: string): string {
  return crypto.createHash('sha256').update(token, 'utf8').digest('hex');
}

export interface SessionPolicy {
  /** How long a session lasts after login, ms. */
  lifetimeMs: number;
}

export const DEFAULT_SESSION: SessionPolicy = { lifetimeMs: 12 * 3600_000 };

export function expiresAt(now: number, policy: SessionPolicy = DEFAULT_SESSION): number {
  return now + policy.lifetimeMs;
}

export function isExpired(expires: number, now: number): boolean {
  return !(now < expires);
}
