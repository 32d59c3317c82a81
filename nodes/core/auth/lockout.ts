/**
 * Lockout after repeated failed logins: `maxFailures` failures within `windowMs` lock the name
 * for `lockMs`. Kept per typed user name (known or not, so the answer never tells which names
 * exist), in the store so every box on a shared PostgreSQL sees the same count.
 */
export interface LockoutPolicy {
  maxFailures: number;
  windowMs: number;
  lockMs: number;
}

export const DEFAULT_LOCKOUT: LockoutPolicy = { maxFailures: 5, windowMs: 15 * 60_000, lockMs: 15 * 60_000 };

export interface FailureState {
  /** Failures counted in the current window. */
  count: number;
  /** When the current window started (first failure in it). */
  windowStart: number;
  /** Locked until this time (0 = not locked). */
  lockedUntil: number;
}

export const NO_FAILURES: FailureState = { count: 0, windowStart: 0, lockedUntil: 0 };

export function isLocked(s: FailureState | undefined, now: number): boolean {
  return !!s && s.lockedUntil > now;
}

/** The state after one more failure at `now`. */
export function afterFailure(s: FailureState | undefined, now: number, p: LockoutPolicy = DEFAULT_LOCKOUT): FailureState {
  const cur = s ?? NO_FAILURES;
  const inWindow = cur.count > 0 && now - cur.windowStart < p.windowMs && now >= cur.windowStart;
  const count = inWindow ? cur.count + 1 : 1;
  const windowStart = inWindow ? cur.windowStart : now;
  if (count >= p.maxFailures) return { count: 0, windowStart: now, lockedUntil: now + p.lockMs };
  return { count, windowStart, lockedUntil: isLocked(cur, now) ? cur.lockedUntil : 0 };
}

/** Whether a stored state can be forgotten (its window and lock are over). */
export function isStale(s: FailureState, now: number, p: LockoutPolicy = DEFAULT_LOCKOUT): boolean {
  return s.lockedUntil <= now && now - s.windowStart >= p.windowMs;
}
