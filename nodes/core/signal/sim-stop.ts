/**
 * A simulated machine held stopped by hand: a repair, a lockout, a planned stop sent by a flow
 * (`set` with `running: false`). While held it makes no parts; the waveform machine sends no
 * frames (a vibration monitor measures a running machine) and its process readings show it
 * standing (current near 0, cooling); the scalar one reads its run bit 0, near-zero current and
 * vibration, and cools. `running: true` lets it run again (the scalar machine back on its own run
 * and stop schedule). The parts made before the hold are counted up to its start; the time it
 * stood makes none.
 */

/**
 * Held stopped since `since` (simulated ms), with the reason given; `until`: released then, the
 * release not yet emitted (a hold and a release between two emissions still announce both);
 * `sent`: its `stopped` event has gone out (not sent again after a restart).
 */
export interface SimStop {
  since: number;
  reason?: string;
  until?: number;
  sent?: boolean;
}

/** Longest reason kept (characters). */
export const STOP_REASON_MAX = 200;

/** A saved stop (null or absent: running), or the problem found. */
export function readStop(s: unknown): { stop: SimStop | null } | { problem: string } {
  if (s === undefined || s === null) return { stop: null };
  const o = s as Record<string, unknown>;
  if (typeof s !== 'object' || Array.isArray(s) || typeof o.since !== 'number' || !Number.isFinite(o.since)) return { problem: 'snapshot.stop: expected null or { since, reason, until }' };
  if (o.reason !== undefined && (typeof o.reason !== 'string' || o.reason.length > STOP_REASON_MAX)) return { problem: `snapshot.stop.reason: expected text of at most ${STOP_REASON_MAX} characters` };
  if (o.until !== undefined && !(typeof o.until === 'number' && Number.isFinite(o.until) && o.until >= o.since)) return { problem: 'snapshot.stop.until: expected a time not before since' };
  return { stop: { since: o.since, ...(o.reason ? { reason: o.reason } : {}), ...(o.until !== undefined ? { until: o.until as number } : {}), ...(o.sent === true ? { sent: true } : {}) } };
}

/**
 * The stop after `set running` at ts. A hold while held keeps its start and takes the new reason;
 * a release marks `until` (cleared once emitted); a hold again before that release was emitted
 * goes on from the first start: the short run between is not simulated (no parts, no events).
 */
export function nextStop(prev: SimStop | null, ts: number, running: boolean, reason?: string): SimStop | null {
  if (running) return prev && prev.until === undefined ? { ...prev, until: Math.max(ts, prev.since) } : prev;
  if (!prev) return { since: ts, ...(reason ? { reason } : {}) };
  const why = reason ?? prev.reason;
  return { since: prev.since, ...(why ? { reason: why } : {}), ...(prev.sent ? { sent: true } : {}) };
}

/** Whether a release is marked and not yet emitted (a hold now merges with the one before). */
export function releasePending(stop: SimStop | null): boolean {
  return !!stop && stop.until !== undefined;
}

/** Whether a stop holds the machine at ts. */
export function heldAt(stop: SimStop | null, ts: number): boolean {
  return !!stop && ts >= stop.since && (stop.until === undefined || ts < stop.until);
}
