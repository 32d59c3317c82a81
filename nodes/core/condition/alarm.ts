/**
 * Alarm states from health, the ISA-18.2 way: thresholds with hysteresis (a state clears only
 * when health is `hysteresis` points past its threshold), a minimum dwell (a new state must
 * hold for `dwellFrames` consecutive readings and `dwellMs` of time before it is entered), and
 * shelving (state changes are still tracked and recorded, but not announced, until the shelf
 * expires). Pure: the caller persists the state and records the changes.
 *
 * Dwell per level: for each level worse than the current state the run of consecutive readings
 * at that level or worse is counted, for each better level the run at that level or better (with
 * hysteresis, as `targetLevel`). The state entered is the most severe level whose run has held
 * (when worsening; the best one when improving): warning, alarm, alarm, alarm with a dwell of 3
 * enters warning at the 3rd reading and alarm at the 4th, when alarm has held 3 in a row.
 */
export type AlarmLevel = 'normal' | 'warning' | 'alarm';
const RANK: Record<AlarmLevel, number> = { normal: 0, warning: 1, alarm: 2 };
const LEVELS: readonly AlarmLevel[] = ['normal', 'warning', 'alarm'];

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

/** A run of consecutive readings at a level or beyond it (away from the current state). */
export interface AlarmRun {
  count: number;
  /** Time of the run's first reading. */
  since: number;
}

export interface AlarmState {
  state: AlarmLevel;
  since: number;
  /** The state last sent on the state-change output (differs from `state` while shelved). */
  announced: AlarmLevel;
  /**
   * Pending change, as earlier versions stored it (and still read by them): direction (+1 worse,
   * -1 better), the mildest level seen during it, its count of readings and its start.
   */
  pendingDir: number;
  pendingLevel: AlarmLevel;
  pendingCount: number;
  pendingSince: number;
  /**
   * The run of each level other than the current state (levels without a run left out). Absent
   * in states stored before runs per level: read from the pending fields (`runsOf`).
   */
  runs?: Partial<Record<AlarmLevel, AlarmRun>>;
  shelf?: Shelf;
}

export function initialAlarm(ts: number): AlarmState {
  return { state: 'normal', since: ts, announced: 'normal', pendingDir: 0, pendingLevel: 'normal', pendingCount: 0, pendingSince: ts, runs: {} };
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

/**
 * The runs of a stored state. A state stored before runs per level had one pending run, of the
 * mildest level seen: every reading in it was at that level or beyond, so each level from the
 * current state up to it (in the pending direction) gets that run; levels beyond it start at 0.
 */
export function runsOf(s: AlarmState): Partial<Record<AlarmLevel, AlarmRun>> {
  if (s.runs && pendingAgrees(s, s.runs)) return s.runs;
  return runsFromPending(s);
}

/**
 * Whether stored runs still match the stored pending fields. An earlier version that ran on a
 * state written by this one copied `runs` along untouched while it moved the pending fields (and
 * maybe the state): such runs are stale, and the pending fields are the truth.
 */
function pendingAgrees(s: AlarmState, runs: Partial<Record<AlarmLevel, AlarmRun>>): boolean {
  const p = withPending({ ...s, runs }, s.pendingSince);
  return p.pendingDir === s.pendingDir && p.pendingCount === s.pendingCount && p.pendingSince === s.pendingSince;
}

function runsFromPending(s: AlarmState): Partial<Record<AlarmLevel, AlarmRun>> {
  const runs: Partial<Record<AlarmLevel, AlarmRun>> = {};
  const dir = Math.sign(s.pendingDir);
  if (dir === 0 || s.pendingCount <= 0 || !(s.pendingLevel in RANK)) return runs;
  for (let r = RANK[s.state] + dir; dir > 0 ? r <= RANK[s.pendingLevel] : r >= RANK[s.pendingLevel]; r += dir) {
    runs[LEVELS[r]] = { count: s.pendingCount, since: s.pendingSince };
  }
  return runs;
}

/** Extend or break each level's run with a reading asking for `target` (current state `state`). */
function extendRuns(prev: Partial<Record<AlarmLevel, AlarmRun>>, state: AlarmLevel, target: AlarmLevel, ts: number): Partial<Record<AlarmLevel, AlarmRun>> {
  const runs: Partial<Record<AlarmLevel, AlarmRun>> = {};
  for (const level of LEVELS) {
    const worse = RANK[level] > RANK[state];
    const better = RANK[level] < RANK[state];
    const holds = (worse && RANK[target] >= RANK[level]) || (better && RANK[target] <= RANK[level]);
    if (!holds) continue;
    const run = prev[level];
    runs[level] = run ? { count: run.count + 1, since: run.since } : { count: 1, since: ts };
  }
  return runs;
}

/** The level to enter: the most severe held run when worsening, the best when improving; null if none held. */
function heldLevel(runs: Partial<Record<AlarmLevel, AlarmRun>>, state: AlarmLevel, dir: number, ts: number, c: AlarmConfig): AlarmLevel | null {
  let found: AlarmLevel | null = null;
  for (let r = RANK[state] + dir; r >= 0 && r < LEVELS.length; r += dir) {
    const run = runs[LEVELS[r]];
    if (!run) break;
    if (run.count >= c.dwellFrames && ts - run.since >= c.dwellMs) found = LEVELS[r];
  }
  return found;
}

/**
 * The pending fields as earlier versions wrote them: the run of the level next to the state (its
 * count and start) and the mildest level seen in it, the farthest level whose run is as long.
 */
function withPending(s: AlarmState, ts: number): AlarmState {
  const runs = s.runs ?? {};
  for (const dir of [1, -1]) {
    const next = RANK[s.state] + dir;
    const first = next >= 0 && next < LEVELS.length ? runs[LEVELS[next]] : undefined;
    if (!first) continue;
    let r = next;
    while (r + dir >= 0 && r + dir < LEVELS.length && runs[LEVELS[r + dir]]?.count === first.count) r += dir;
    return { ...s, pendingDir: dir, pendingLevel: LEVELS[r], pendingCount: first.count, pendingSince: first.since };
  }
  return { ...s, pendingDir: 0, pendingLevel: s.state, pendingCount: 0, pendingSince: ts };
}

/** Advance the state machine by one reading. */
export function stepAlarm(s: AlarmState, health: number, ts: number, c: AlarmConfig): AlarmStep {
  const target = targetLevel(health, s.state, c);
  const runs = extendRuns(runsOf(s), s.state, target, ts);
  const dir = Math.sign(RANK[target] - RANK[s.state]);
  const enter = dir === 0 ? null : heldLevel(runs, s.state, dir, ts, c);
  if (!enter) return { next: withPending({ ...s, runs }, ts) };
  // The runs beyond the new state go on (alarm may hold one reading after warning was entered);
  // the others counted readings on the far side of the new state.
  const kept: Partial<Record<AlarmLevel, AlarmRun>> = {};
  for (const level of LEVELS) {
    const run = runs[level];
    if (run && (RANK[level] - RANK[enter]) * dir > 0) kept[level] = run;
  }
  const next = withPending({ ...s, state: enter, since: ts, runs: kept }, ts);
  return { next, change: { from: s.state, to: enter } };
}

export function isShelved(s: AlarmState, ts: number): boolean {
  return !!s.shelf && ts < s.shelf.until;
}
