/**
 * Alarm states from health, the ISA-18.2 way: thresholds with hysteresis (a state clears only
 * when health is `hysteresis` points past its threshold), a minimum dwell (the new state must
 * hold for `dwellFrames` consecutive readings and `dwellMs` of time before it is entered), and
 * shelving (state changes are still tracked and recorded, but not announced, until the shelf
 * expires). Pure: the caller persists the state and records the changes.
 */
export type AlarmLevel = 'normal' | 'warning' | 'alarm';
const RANK: Record<AlarmLevel, number> = { normal: 0, warning: 1, alarm: 2 };

export interface AlarmConfig {
  /** Warning when health is below this (default 85). */
  warnBelow: number;
  /** Alarm when health is below this (default 70, the common escalation rule). */
  alarmBelow: number;
  /** Health points above a threshold needed to clear it (default 5). */
  hysteresis: number;
  /** Consecutive readings a new state must hold (default 3). */
  dwellFrames: number;
  /** Time a new state must hold, ms (default 0). */
  dwellMs: number;
}

export const DEFAULT_ALARM: AlarmConfig = { warnBelow: 85, alarmBelow: 70, hysteresis: 5, dwellFrames: 3, dwellMs: 0 };

export interface Shelf {
  by: string;
  reason: string;
  until: number;
  at: number;
}

export interface AlarmState {
  state: AlarmLevel;
  since: number;
  /** The state last sent on the state-change output (differs from `state` while shelved). */
  announced: AlarmLevel;
  /** Pending change: direction (+1 worse, -1 better), the mildest level seen, count and start. */
  pendingDir: number;
  pendingLevel: AlarmLevel;
  pendingCount: number;
  pendingSince: number;
  shelf?: Shelf;
}

export function initialAlarm(ts: number): AlarmState {
  return { state: 'normal', since: ts, announced: 'normal', pendingDir: 0, pendingLevel: 'normal', pendingCount: 0, pendingSince: ts };
}

/** The level health asks for, given the current level (hysteresis applies when improving). */
export function targetLevel(health: number, current: AlarmLevel, c: AlarmConfig): AlarmLevel {
  const raw: AlarmLevel = health < c.alarmBelow ? 'alarm' : health < c.warnBelow ? 'warning' : 'normal';
  if (RANK[raw] >= RANK[current]) return raw;
  if (current === 'alarm') {
    if (health < c.alarmBelow + c.hysteresis) return 'alarm';
    return health < c.warnBelow + c.hysteresis ? 'warning' : 'normal';
  }
  return health < c.warnBelow + c.hysteresis ? 'warning' : 'normal';
}

export interface AlarmStep {
  next: AlarmState;
  /** Set when the state changed on this reading. */
  change?: { from: AlarmLevel; to: AlarmLevel };
}

/** Advance the state machine by one reading. */
export function stepAlarm(s: AlarmState, health: number, ts: number, c: AlarmConfig): AlarmStep {
  const next: AlarmState = { ...s };
  const target = targetLevel(health, s.state, c);
  if (target === s.state) {
    next.pendingDir = 0;
    next.pendingCount = 0;
    next.pendingLevel = s.state;
    return { next };
  }
  const dir = RANK[target] > RANK[s.state] ? 1 : -1;
  if (dir !== s.pendingDir) {
    next.pendingDir = dir;
    next.pendingCount = 1;
    next.pendingSince = ts;
    next.pendingLevel = target;
  } else {
    next.pendingCount = s.pendingCount + 1;
    // The mildest change seen during the dwell wins: a run of warning, alarm, alarm enters warning.
    next.pendingLevel = dir > 0 ? (RANK[target] < RANK[s.pendingLevel] ? target : s.pendingLevel) : RANK[target] > RANK[s.pendingLevel] ? target : s.pendingLevel;
  }
  if (next.pendingCount >= c.dwellFrames && ts - next.pendingSince >= c.dwellMs) {
    const from = s.state;
    next.state = next.pendingLevel;
    next.since = ts;
    next.pendingDir = 0;
    next.pendingCount = 0;
    next.pendingLevel = next.state;
    return { next, change: { from, to: next.state } };
  }
  return { next };
}

export function isShelved(s: AlarmState, ts: number): boolean {
  return !!s.shelf && ts < s.shelf.until;
}
