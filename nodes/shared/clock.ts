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

export const systemClock: Clock = {
  now: () => Date.now(),
  setInterval: (fn, ms) => setInterval(fn, ms),
  clearInterval: (h) => clearInterval(h as NodeJS.Timeout),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

export function getClock(RED: RedApi): Clock {
  const c = RED.settings?.reliabilityClock as Clock | undefined;
  return c && typeof c.now === 'function' ? c : systemClock;
}
