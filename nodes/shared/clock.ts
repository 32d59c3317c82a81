/**
 * Time source for nodes. Production uses the wall clock; tests (and replays) pass a controllable
 * clock through the runtime settings as `reliabilityClock`, so PM schedules, Andon escalation and
 * staleness watchdogs can be driven through days in milliseconds.
 */
import type { RedApi } from './red';

export interface Clock {
  now(): number;
  setInterval(fn: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Longest delay Node's timers take (2^31 - 1 ms, 24.8 days); a longer one fires after 1 ms. */
export const MAX_TIMER_MS = 2_147_483_647;

export const systemClock: Clock = {
  now: () => Date.now(),
  setInterval: (fn, ms) => setInterval(fn, Math.min(ms, MAX_TIMER_MS)),
  clearInterval: (h) => clearInterval(h as NodeJS.Timeout),
  // capped (a longer wait would fire at once): callers that wait longer re-check when it fires and schedule again
  setTimeout: (fn, ms) => setTimeout(fn, Math.min(ms, MAX_TIMER_MS)),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

export function getClock(RED: RedApi): Clock {
  const c = RED.settings?.reliabilityClock as Clock | undefined;
  return c && typeof c.now === 'function' ? c : systemClock;
}
