/**
 * A simulated machine held stopped by hand: a repair, a lockout, a planned stop sent by a flow
 * (`set` with `running: false`). While held it makes no parts; the waveform machine sends no
 * frames (a vibration monitor measures a running machine), the scalar one reads its run bit 0,
 * near-zero current and vibration, and cools. `running: true` lets it run again (the scalar
 * machine back on its own run and stop schedule).
 */

/** Held stopped since `since` (simulated ms), with the reason given. */
export interface SimStop {
  since: number;
  reason?: string;
}

/** Longest reason kept (characters). */
export const STOP_REASON_MAX = 200;

/** A saved stop (null or absent: running), or the problem found. */
export function readStop(s: unknown): { stop: SimStop | null } | { problem: string } {
  if (s === undefined || s === null) return { stop: null };
  const o = s as Record<string, unknown>;
  if (typeof s !== 'object' || Array.isArray(s) || typeof o.since !== 'number' || !Number.isFinite(o.since)) return { problem: 'snapshot.stop: expected null or { since, reason }' };
  if (o.reason !== undefined && (typeof o.reason !== 'string' || o.reason.length > STOP_REASON_MAX)) return { problem: `snapshot.stop.reason: expected text of at most ${STOP_REASON_MAX} characters` };
  return { stop: { since: o.since, ...(o.reason ? { reason: o.reason } : {}) } };
}

/** The stop after `set running` at ts: a stop already held keeps its start and reason. */
export function nextStop(prev: SimStop | null, ts: number, running: boolean, reason?: string): SimStop | null {
  if (running) return null;
  return prev ?? { since: ts, ...(reason ? { reason } : {}) };
}
