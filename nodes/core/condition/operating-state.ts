/**
 * Is the machine running? From a reading of quantity `state` (0 stopped, 1 running) when the
 * machine has one, else from a configured running condition (a channel above a threshold, e.g.
 * motor current above 20 % of rated), else assumed running. Also the running-time clock: only
 * time between two running polls counts, each step capped so that a gap in the data (a comms
 * loss) does not count as hours of running. Pure.
 */
export interface RunningRule {
  /** Channel whose value decides (e.g. `current`). */
  channel: string;
  /** Running when the value is above this. */
  above: number;
}

export type Operating = 'running' | 'stopped' | 'starting';

/** Largest step of running time counted between two polls, ms. */
export const MAX_RUN_STEP_MS = 5 * 60_000;

export interface HeldValue {
  value: number;
  ts: number;
  quantity?: string;
  unit?: string;
}

/** Quantities that are not analog values: never scored, never in a baseline. */
export const NON_ANALOG = new Set(['state', 'count']);

/**
 * Running or stopped from the held values. A `state` channel wins (any state channel at 0 means
 * stopped: a run bit and a ready bit both must be set); else the rule; else running.
 * Returns also what decided, for the output.
 */
export function runningNow(held: ReadonlyMap<string, HeldValue>, rule: RunningRule | undefined): { running: boolean; by: string } {
  let sawState = false;
  for (const [ch, h] of held) {
    if (h.quantity !== 'state') continue;
    sawState = true;
    if (!(h.value >= 0.5)) return { running: false, by: ch };
  }
  if (sawState) return { running: true, by: 'state' };
  if (rule) {
    const h = held.get(rule.channel);
    if (h) return { running: h.value > rule.above, by: rule.channel };
  }
  return { running: true, by: 'default' };
}

export interface OperatingClock {
  running: boolean;
  /** When the current running or stopped period began. */
  since: number;
  /** Running time counted so far, ms. */
  runMs: number;
  lastTs: number | null;
}

export function initialClock(ts: number): OperatingClock {
  return { running: false, since: ts, runMs: 0, lastTs: null };
}

/** Advance the clock to a poll at ts; returns the running time this step added (ms). */
export function stepClock(c: OperatingClock, running: boolean, ts: number): number {
  let add = 0;
  if (running && c.running && c.lastTs !== null) add = Math.min(MAX_RUN_STEP_MS, Math.max(0, ts - c.lastTs));
  if (running !== c.running || c.lastTs === null) c.since = ts;
  c.running = running;
  c.runMs += add;
  c.lastTs = ts;
  return add;
}
