/**
 * OEE from machine state events and count increments.
 *   planned production time = time running, stopped or idle in a shift (breaks, planned stops
 *     and time before the first state event excluded)
 *   Availability = run time / planned production time
 *   Performance  = (ideal cycle time x total count) / run time
 *   Quality      = good count / total count
 *   OEE = A x P x Q = ideal cycle time x good count / planned production time
 * Losses in minutes: downtime = planned - run; speed loss = run - ideal x total;
 * scrap = ideal x (total - good). They add up to planned time less fully productive time.
 *
 * Rule of 85: do not cut WIP below a three-day buffer until every critical asset has held
 * OEE >= 85% for 30 consecutive days (days without planned production time neither count nor break
 * a streak).
 */
import { InputError } from '../errors';
import { breakOverlapMs, splitByShift, type Calendar, type ShiftSlot } from './calendar';
import { iso } from './events';
import { round } from './stats';

export const MACHINE_STATES = ['running', 'stopped', 'planned-stop', 'idle'] as const;
export type MachineState = (typeof MACHINE_STATES)[number] | 'unknown';

export interface OeeAssetState {
  asset: string;
  state: MachineState;
  since: number;
  lastTs: number;
  reason?: string;
  idealCycleS?: number;
}

export interface ShiftRecord {
  asset: string;
  shift: string;
  name: string;
  day: string;
  start: number;
  end: number;
  runMs: number;
  stoppedMs: number;
  idleMs: number;
  plannedStopMs: number;
  unknownMs: number;
  breakMs: number;
  good: number;
  total: number;
  /** Sum of ideal cycle time x count, ms. */
  idealMs: number;
  /** Downtime by stop reason, ms. */
  downByReason: Record<string, number>;
}

export interface OeeFigures {
  availability: number | null;
  performance: number | null;
  quality: number | null;
  oee: number | null;
  plannedMin: number;
  runMin: number;
  good: number;
  total: number;
  losses: { downtimeMin: number; speedLossMin: number; scrapMin: number; plannedStopMin: number };
}

export function newShiftRecord(asset: string, slot: ShiftSlot): ShiftRecord {
  return {
    asset,
    shift: slot.id,
    name: slot.name,
    day: slot.day,
    start: slot.start,
    end: slot.end,
    runMs: 0,
    stoppedMs: 0,
    idleMs: 0,
    plannedStopMs: 0,
    unknownMs: 0,
    breakMs: 0,
    good: 0,
    total: 0,
    idealMs: 0,
    downByReason: {},
  };
}

/** Accumulates shift records; `get` returns the (mutable) record for a slot, creating it if new. */
export type RecordSource = (slot: ShiftSlot) => ShiftRecord;

function checkOrder(s: OeeAssetState, ts: number): void {
  if (ts < s.lastTs) throw new InputError('msg.payload.ts', `a time at or after the last event of ${s.asset} (${iso(s.lastTs)})`, ts, 'events out of order');
}

/** Add the time [s.lastTs, to) in s.state to the shift records. Returns the records touched. */
export function advance(s: OeeAssetState, cal: Calendar, to: number, get: RecordSource): ShiftRecord[] {
  const touched: ShiftRecord[] = [];
  if (to <= s.lastTs) return touched;
  for (const piece of splitByShift(cal, s.lastTs, to)) {
    const r = get(piece.slot);
    const br = breakOverlapMs(cal, piece.from, piece.to);
    const net = piece.to - piece.from - br;
    r.breakMs += br;
    switch (s.state) {
      case 'running':
        r.runMs += net;
        break;
      case 'stopped':
        r.stoppedMs += net;
        if (net > 0) {
          const why = (s.reason || 'unspecified').slice(0, 64);
          r.downByReason[why] = (r.downByReason[why] ?? 0) + net;
        }
        break;
      case 'idle':
        r.idleMs += net;
        break;
      case 'planned-stop':
        r.plannedStopMs += net;
        break;
      default:
        r.unknownMs += net;
    }
    if (!touched.includes(r)) touched.push(r);
  }
  s.lastTs = to;
  return touched;
}

export function newAssetState(asset: string, ts: number): OeeAssetState {
  return { asset, state: 'unknown', since: ts, lastTs: ts };
}

/** A state change at ts. Returns the new asset state and the records touched. */
export function applyState(prev: OeeAssetState, cal: Calendar, ts: number, state: MachineState, reason: string | undefined, get: RecordSource) {
  checkOrder(prev, ts);
  const s = { ...prev };
  const touched = advance(s, cal, ts, get);
  if (s.state !== state) s.since = ts;
  s.state = state;
  s.reason = reason;
  return { state: s, touched };
}

/** good/total increments at ts, counted with the ideal cycle time in force. */
export function applyCount(prev: OeeAssetState, cal: Calendar, ts: number, good: number, total: number, idealCycleS: number, get: RecordSource, slot: ShiftSlot | undefined) {
  checkOrder(prev, ts);
  if (good > total) throw new InputError('msg.payload.good', `at most the total count (${total})`, good);
  const s = { ...prev };
  const touched = advance(s, cal, ts, get);
  if (slot) {
    const r = get(slot);
    r.good += good;
    r.total += total;
    r.idealMs += idealCycleS * 1000 * total;
    if (!touched.includes(r)) touched.push(r);
  }
  return { state: s, touched };
}

function ratio(a: number, b: number): number | null {
  return b > 0 ? a / b : null;
}

/** Figures of one record or the sum of several. */
export function oeeFigures(records: readonly ShiftRecord[]): OeeFigures {
  let run = 0, stopped = 0, idle = 0, plannedStop = 0, good = 0, total = 0, ideal = 0;
  for (const r of records) {
    run += r.runMs;
    stopped += r.stoppedMs;
    idle += r.idleMs;
    plannedStop += r.plannedStopMs;
    good += r.good;
    total += r.total;
    ideal += r.idealMs;
  }
  const planned = run + stopped + idle;
  const A = ratio(run, planned);
  const P = ratio(ideal, run);
  const Q = ratio(good, total);
  const oee = A !== null && P !== null && Q !== null ? A * P * Q : null;
  const scrapMs = total > 0 ? (ideal * (total - good)) / total : 0;
  return {
    availability: A === null ? null : round(A, 6),
    performance: P === null ? null : round(P, 6),
    quality: Q === null ? null : round(Q, 6),
    oee: oee === null ? null : round(oee, 6),
    plannedMin: round(planned / 60000, 3),
    runMin: round(run / 60000, 3),
    good,
    total,
    losses: {
      downtimeMin: round((stopped + idle) / 60000, 3),
      speedLossMin: round((run - ideal) / 60000, 3),
      scrapMin: round(scrapMs / 60000, 3),
      plannedStopMin: round(plannedStop / 60000, 3),
    },
  };
}

export interface DayOee {
  day: string;
  oee: number | null;
  plannedMin: number;
}

/** Daily OEE from shift records (grouped by the day each shift starts on), oldest first. */
export function dailyOee(records: readonly ShiftRecord[]): DayOee[] {
  const byDay = new Map<string, ShiftRecord[]>();
  for (const r of records) {
    const l = byDay.get(r.day);
    if (l) l.push(r);
    else byDay.set(r.day, [r]);
  }
  return [...byDay.keys()].sort().map((day) => {
    const f = oeeFigures(byDay.get(day)!);
    return { day, oee: f.oee, plannedMin: f.plannedMin };
  });
}

/** Consecutive days (latest first) at OEE >= threshold; days without planned time are skipped. */
export function oeeStreak(days: readonly DayOee[], threshold = 0.85): { streakDays: number; lastDay: string | null; lastOee: number | null } {
  let streak = 0;
  let lastDay: string | null = null;
  let lastOee: number | null = null;
  for (let i = days.length - 1; i >= 0; i--) {
    const d = days[i]!;
    if (!(d.plannedMin > 0) || d.oee === null) continue;
    if (lastDay === null) {
      lastDay = d.day;
      lastOee = d.oee;
    }
    if (d.oee >= threshold - 1e-12) streak++;
    else break;
  }
  return { streakDays: streak, lastDay, lastOee };
}

export interface Rule85 {
  requiredDays: number;
  threshold: number;
  bufferDays: number;
  assets: Record<string, { streakDays: number; lastDay: string | null; lastOee: number | null }>;
  mayCutWip: boolean;
  reason: string;
}

/** The Rule of 85 gate over critical assets. */
export function rule85(streaks: Record<string, { streakDays: number; lastDay: string | null; lastOee: number | null }>, requiredDays = 30, threshold = 0.85, bufferDays = 3): Rule85 {
  const names = Object.keys(streaks).sort();
  const short = names.filter((a) => streaks[a]!.streakDays < requiredDays);
  const pct = Math.round(threshold * 100);
  const mayCutWip = names.length > 0 && short.length === 0;
  const reason = names.length === 0
    ? `no critical asset has OEE data yet: keep at least ${bufferDays} days of WIP`
    : mayCutWip
      ? `every critical asset (${names.join(', ')}) has held OEE >= ${pct}% for ${requiredDays} consecutive days: WIP may go below ${bufferDays} days`
      : `keep at least ${bufferDays} days of WIP: ${short.map((a) => `${a} ${streaks[a]!.streakDays}/${requiredDays} days at OEE >= ${pct}%`).join(', ')}`;
  return { requiredDays, threshold, bufferDays, assets: streaks, mayCutWip, reason };
}
