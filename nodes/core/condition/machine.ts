/**
 * One health per machine from its scalar tags (velocity RMS, temperatures, current, pressure,
 * flow, a run bit, a counter) and, optionally, rel-vibration features. See docs/scalar-health.md.
 *
 * - Operating state gates everything: while the machine is stopped (a `state` reading at 0, or
 *   the running rule false) nothing is scored, learned or alarmed and health.state is `stopped`;
 *   the first `startupMs` after a start are not scored either (transients).
 * - `state` and `count` readings are never analog channels.
 * - Learning: the first `learnReadings` running polls, or `learnHours` of running time.
 *   Per channel: mean and sd; the batch-means effective sample size decides whether the
 *   channel's level can be learned from the window (a temperature drifting through a short
 *   window cannot: it stays a contributor but is not in the statistic).
 * - Statistic: MEWMA (Lowry et al. 1992): an EWMA (lambda) of the standardised channels, and
 *   Hotelling's T2 of that vector against the mean and Ledoit-Wolf shrinkage covariance of the
 *   EWMA over the learning window (which carries the autocorrelation of the data).
 * - Limits from a false-alarm budget per running hour R: a state needs `persistence` (k)
 *   consecutive polls above its limit, so every false episode holds at least k exceedances and
 *   the episode rate is at most alpha * polls per hour / k; alpha = R k / (polls per hour).
 *   The limit is the T2 upper control limit for estimated parameters (F quantile) with the
 *   effective sample size of the EWMA series, n lambda / (2 - lambda).
 * - Health 0-100: 100 at the typical healthy distance, 85 at the warning limit, 70 at the alarm
 *   limit, decreasing beyond without a floor. The ISO 10816 zone of a velocity channel and
 *   absolute limits cap it: zone C is a warning, D an alarm, whatever the baseline says.
 * Pure: the caller persists `snapshot()` and restores it with `MachineScorer.restore`.
 */
import { InputError } from '../errors';
import { isObject, own, time } from '../validate';
import { channelName, label } from '../ingest/reading';
import { isoZone, ISO_LIMITS, type IsoZone, type MachineClass } from '../signal/iso10816';
import { DEFAULT_ALARM, initialAlarm, isShelved, stepAlarm, type AlarmConfig, type AlarmLevel, type AlarmState } from './alarm';
import { batchMeansNeff, chi2QuantileUpper, invertSpd, shrinkageCov, t2Limit } from './scalar';
import { initialClock, NON_ANALOG, runningNow, stepClock, type HeldValue, type OperatingClock, type RunningRule } from './operating-state';
import { round } from './baseline';

export const MAX_READINGS_PER_POLL = 256;
export const MAX_CHANNELS = 64;
/** Learning frames kept; beyond, every other frame is dropped and the stride doubles. */
export const MAX_LEARN_FRAMES = 20_000;

export interface ChannelLimit {
  warnAbove?: number;
  alarmAbove?: number;
  warnBelow?: number;
  alarmBelow?: number;
}

export interface MachineConfig {
  /** EWMA weight per poll (MEWMA lambda). */
  lambda: number;
  /** False warnings allowed per hour of healthy running. */
  warnPerHour: number;
  /** False alarms allowed per hour of healthy running. */
  alarmPerHour: number;
  /** Consecutive polls a state must hold (k); 0 = ceil(1 / lambda), the EWMA's time constant. */
  persistence: number;
  learnMode: 'readings' | 'hours';
  learnReadings: number;
  learnHours: number;
  /** Smallest effective sample size for a channel's level to be learned. */
  minNeff: number;
  /** Health points above a threshold needed to clear it. */
  hysteresis: number;
  running?: RunningRule;
  /** Polls after a start that are not scored, ms. */
  startupMs: number;
  /** A held value older than this is missing, ms. */
  staleMs: number;
  machineClass?: MachineClass;
  limits?: Record<string, ChannelLimit>;
  /** Separate baselines per operating mode: bins of a channel's value (edges ascending). */
  mode?: { channel: string; edges: number[] };
}

export const DEFAULT_MACHINE: MachineConfig = {
  lambda: 0.1,
  warnPerHour: 1 / 8,
  alarmPerHour: 1 / 168,
  persistence: 0,
  learnMode: 'hours',
  learnReadings: 400,
  learnHours: 8,
  minNeff: 30,
  hysteresis: 5,
  startupMs: 5 * 60_000,
  staleMs: 5 * 60_000,
};

export function persistenceOf(c: MachineConfig): number {
  return c.persistence > 0 ? c.persistence : Math.ceil(1 / c.lambda);
}

export interface ChannelModel {
  channel: string;
  unit?: string;
  quantity?: string;
  mean: number;
  sd: number;
  neff: number;
  /** In the T2 statistic. */
  scored: boolean;
  /** Why not scored. */
  reason?: string;
}

export interface MachineModel {
  channels: ChannelModel[];
  /** Indices into channels of the scored ones, in statistic order. */
  scored: number[];
  /** Mean of the standardised EWMA over learning, per scored channel. */
  center: number[];
  /** Inverse shrinkage covariance (row-major). */
  inv: number[];
  shrinkage: number;
  /** Effective sample size of the EWMA series, polls per running hour, alpha per limit. */
  neff: number;
  pollsPerHour: number;
  alphaWarn: number;
  alphaAlarm: number;
  /** T2 limits. */
  warnLimit: number;
  alarmLimit: number;
  /** Typical healthy T2 (chi-square median). */
  typical: number;
  readings: number;
  runHours: number;
  from: number;
  to: number;
  notes: string[];
}

export interface BinState {
  status: 'learning' | 'ready';
  /** Learning frames: ts, values per channel name (missing = absent), EWMA per channel, EWMA age. */
  frames: { ts: number; v: Record<string, number>; e: Record<string, number>; age: number }[];
  stride: number;
  seen: number;
  runMs: number;
  model: MachineModel | null;
}

export interface MachineState {
  asset: string;
  held: Record<string, HeldValue>;
  clock: OperatingClock;
  /** When scoring may start after the last start. */
  settledAt: number;
  ewma: Record<string, number>;
  ewmaAge: number;
  /**
   * After a start seen in the data: the temperature channels still warming up (below their
   * baseline since the start; see `warmingUp`). Absent in states saved by earlier versions and
   * on a machine first seen running: none warming.
   */
  warming?: Record<string, true>;
  bins: Record<string, BinState>;
  alarm: AlarmState;
  lastTs: number | null;
}

export interface Contributor {
  channel: string;
  value: number | null;
  unit?: string;
  /** Learned mean. */
  baseline: number | null;
  /** (value - baseline) / learned sd. */
  deviation: number | null;
  /** Share of the statistic (0-1), for scored channels. */
  share: number | null;
  scored: boolean;
  reason?: string;
}

export interface MachineHealth {
  asset: string;
  score: number | null;
  /** T2 / warning limit (1 = at the warning limit); null when not scored. */
  anomaly: number | null;
  state: 'learning' | 'stopped' | AlarmLevel;
  operating: 'running' | 'stopped' | 'starting';
  learned: number;
  contributors: Contributor[];
  isoZone?: IsoZone;
  /** The velocity RMS (mm/s) the zone was judged on: the machine's largest velocity reading. */
  isoVelocity?: number;
  /** The zone limits (mm/s RMS at A/B, B/C, C/D) of the machine's class, beside the zone. */
  isoLimits?: { ab: number; bc: number; cd: number };
  /** What capped health: `iso`, `limit:<channel>`, or `baseline`. */
  driver?: string;
  mode?: string;
  since: number;
  ts: number;
  shelved?: { by: string; reason: string; until: string };
}

export interface MachineOutcome {
  health: MachineHealth;
  change?: { from: AlarmLevel; to: AlarmLevel };
  /** Readings skipped (quality bad) with the reason. */
  skipped: { channel: string; reason: string }[];
}

export interface ParsedReading {
  channel: string;
  ts: number;
  value: number;
  quantity?: string;
  unit?: string;
}

function readingValues(item: unknown, path: string, asset: string, fallbackTs: number, out: ParsedReading[], skipped: { channel: string; reason: string }[]): void {
  if (!isObject(item)) throw new InputError(path, 'a reading object (asset, channel, value or features)', item);
  const a = own(item, 'asset');
  if (a !== undefined && a !== asset) throw new InputError(`${path}.asset`, `the asset of this poll (${asset})`, a);
  const feats = own(item, 'features');
  const chRaw = own(item, 'channel');
  const ts = own(item, 'ts') === undefined ? fallbackTs : time(own(item, 'ts'), `${path}.ts`);
  const quantity = label(own(item, 'quantity'), `${path}.quantity`);
  const unit = label(own(item, 'unit'), `${path}.unit`);
  if (feats !== undefined) {
    if (!isObject(feats)) throw new InputError(`${path}.features`, 'an object of numeric features (as rel-vibration sends)', feats);
    const base = chRaw === undefined || chRaw === '' ? 'vibration' : channelName(chRaw, `${path}.channel`);
    for (const k of Object.keys(feats)) {
      const v = own(feats, k);
      if (typeof v !== 'number') continue;
      if (!Number.isFinite(v)) throw new InputError(`${path}.features.${k}`, 'a finite number', v);
      const isVel = k === 'velocityRms';
      out.push({ channel: `${base}.${k}`, ts, value: v, quantity: isVel ? 'velocity' : undefined, unit: isVel ? 'mm/s' : undefined });
    }
    return;
  }
  const channel = channelName(chRaw ?? quantity, `${path}.channel`);
  if (own(item, 'quality') === 'bad') {
    skipped.push({ channel, reason: 'quality bad' });
    return;
  }
  const value = own(item, 'value');
  if (value === undefined && own(item, 'samples') !== undefined) throw new InputError(`${path}.samples`, 'a scalar value or rel-vibration features (send waveforms through rel-vibration first)', own(item, 'samples'));
  if (typeof value === 'boolean') {
    out.push({ channel, ts, value: value ? 1 : 0, quantity: quantity ?? 'state', unit });
    return;
  }
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new InputError(`${path}.value`, 'a finite number', value);
  out.push({ channel, ts, value, quantity, unit });
}

/** The readings of one poll: an array of canonical readings, one reading, or a rel-vibration msg. */
export function parsePoll(payload: unknown, asset: string, now: number): { readings: ParsedReading[]; skipped: { channel: string; reason: string }[]; ts: number } {
  const readings: ParsedReading[] = [];
  const skipped: { channel: string; reason: string }[] = [];
  if (Array.isArray(payload)) {
    if (payload.length === 0) throw new InputError('msg.payload', 'at least one reading', payload);
    if (payload.length > MAX_READINGS_PER_POLL) throw new InputError('msg.payload', `at most ${MAX_READINGS_PER_POLL} readings in one poll`, payload);
    payload.forEach((r, i) => readingValues(r, `msg.payload[${i}]`, asset, now, readings, skipped));
  } else readingValues(payload, 'msg.payload', asset, now, readings, skipped);
  const ts = readings.length ? Math.max(...readings.map((r) => r.ts)) : now;
  return { readings, skipped, ts };
}

function zoneOf(v: number, cls: MachineClass): IsoZone {
  return isoZone(v, cls);
}

/** Health from an ISO velocity: 100 at 0, 85 at the B/C boundary, 70 at C/D, 70 cd / v beyond (no floor). */
export function isoHealth(v: number, cls: MachineClass): number {
  const l = ISO_LIMITS[cls];
  if (v <= 0) return 100;
  if (v < l.ab) return 100 - (7.5 * v) / l.ab;
  if (v < l.bc) return 92.5 - (7.5 * (v - l.ab)) / (l.bc - l.ab);
  if (v < l.cd) return 85 - (15 * (v - l.bc)) / (l.cd - l.bc);
  return (70 * l.cd) / v;
}

/** Health cap from absolute limits: 84.9 past a warning limit, 69.9 past an alarm limit. */
function limitHealth(v: number, l: ChannelLimit): number {
  if ((l.alarmAbove !== undefined && v >= l.alarmAbove) || (l.alarmBelow !== undefined && v <= l.alarmBelow)) return 69.9;
  if ((l.warnAbove !== undefined && v >= l.warnAbove) || (l.warnBelow !== undefined && v <= l.warnBelow)) return 84.9;
  return 100;
}

/** Health from T2: piecewise linear in the distance sqrt(T2) through (typical, 100), (warn, 85), (alarm, 70), then exponential, no floor. */
export function t2Health(t2: number, m: Pick<MachineModel, 'typical' | 'warnLimit' | 'alarmLimit'>): number {
  // NaN (never expected) reads as off the scale rather than healthy
  if (!(t2 < Infinity)) return 0;
  const d = Math.sqrt(Math.max(0, t2));
  const d0 = Math.sqrt(m.typical);
  const dw = Math.max(d0 + 1e-9, Math.sqrt(m.warnLimit));
  const da = Math.max(dw + 1e-9, Math.sqrt(m.alarmLimit));
  if (d <= d0) return 100;
  if (d <= dw) return 100 - (15 * (d - d0)) / (dw - d0);
  if (d <= da) return 85 - (15 * (d - dw)) / (da - dw);
  return 70 * Math.exp(-(15 / 70) * ((d - da) / (da - dw)));
}

export class MachineScorer {
  readonly k: number;
  private constructor(
    readonly cfg: MachineConfig,
    readonly state: MachineState,
  ) {
    this.k = persistenceOf(cfg);
  }

  static create(asset: string, cfg: MachineConfig = DEFAULT_MACHINE, ts = 0): MachineScorer {
    return new MachineScorer(cfg, { asset, held: {}, clock: initialClock(ts), settledAt: ts, ewma: {}, ewmaAge: 0, bins: {}, alarm: initialAlarm(ts), lastTs: null });
  }

  /** From a snapshot (after JSON: infinite limits come back as null). */
  static restore(cfg: MachineConfig, state: MachineState): MachineScorer {
    for (const bin of Object.values(state.bins)) {
      const m = bin.model;
      if (!m) continue;
      if (typeof m.warnLimit !== 'number') m.warnLimit = Infinity;
      if (typeof m.alarmLimit !== 'number') m.alarmLimit = Infinity;
      // a model saved without a covariance for its scored channels (learned from runs too short
      // for the poll interval by an earlier version) scores nothing rather than NaN
      if (m.scored.length > 0 && m.inv.length !== m.scored.length ** 2) {
        for (const i of m.scored) {
          m.channels[i].scored = false;
          m.channels[i].reason = 'the EWMA never settled while learning: runs are too short for the poll interval';
        }
        m.scored = [];
        m.center = [];
      }
    }
    return new MachineScorer(cfg, state);
  }

  snapshot(): MachineState {
    return this.state;
  }

  private alarmCfg(): AlarmConfig {
    return { ...DEFAULT_ALARM, hysteresis: this.cfg.hysteresis, dwellFrames: this.k, dwellMs: 0 };
  }

  private binOf(): string {
    const m = this.cfg.mode;
    if (!m) return 'all';
    const h = this.state.held[m.channel];
    if (!h) return 'unknown';
    let i = 0;
    while (i < m.edges.length && h.value >= m.edges[i]) i++;
    return `bin${i}`;
  }

  private learnedFraction(b: BinState): number {
    if (b.status === 'ready') return 1;
    if (this.cfg.learnMode === 'readings') return Math.min(1, b.seen / this.cfg.learnReadings);
    return Math.min(1, b.runMs / (this.cfg.learnHours * 3.6e6));
  }

  /** Score one poll (see parsePoll for what the payload may be). */
  poll(payload: unknown, now: number): MachineOutcome {
    const { readings, skipped, ts } = parsePoll(payload, this.state.asset, now);
    const st = this.state;
    if (st.lastTs !== null && ts < st.lastTs) {
      throw new InputError('msg.payload.ts', `a time not before this machine's last poll (${new Date(st.lastTs).toISOString()})`, ts);
    }
    for (const r of readings) {
      if (!(r.channel in st.held) && Object.keys(st.held).length >= MAX_CHANNELS) throw new InputError('msg.payload', `at most ${MAX_CHANNELS} channels per machine`, r.channel);
      const prev = st.held[r.channel];
      st.held[r.channel] = { value: r.value, ts: r.ts, quantity: r.quantity ?? prev?.quantity, unit: r.unit ?? prev?.unit };
    }
    st.lastTs = ts;
    const fresh = new Map<string, HeldValue>();
    for (const [ch, h] of Object.entries(st.held)) if (ts - h.ts <= this.cfg.staleMs) fresh.set(ch, h);
    const run = runningNow(fresh, this.cfg.running);
    const wasRunning = st.clock.running;
    const known = st.clock.lastTs !== null;
    const added = stepClock(st.clock, run.running, ts);
    // a start seen in the data (not the first poll of a machine already running) settles first
    if (run.running && !wasRunning && known) {
      st.settledAt = ts + this.cfg.startupMs;
      st.ewma = {};
      st.ewmaAge = 0;
      // a machine that stood has cooled: its temperatures warm up over the run (see warmingUp)
      st.warming = {};
      for (const [ch, h] of fresh) if (h.quantity === 'temperature') st.warming[ch] = true;
    }
    const analog = [...fresh].filter(([, h]) => !NON_ANALOG.has(h.quantity ?? ''));
    const iso = this.isoOf(analog);
    const limit = this.limitsOf(analog);
    const binKey = this.binOf();
    const bin = (st.bins[binKey] ??= { status: 'learning', frames: [], stride: 1, seen: 0, runMs: 0, model: null });
    const base = { asset: st.asset, ts, mode: this.cfg.mode ? binKey : undefined, isoZone: iso?.zone, isoVelocity: iso ? round(iso.value, 4) : undefined, isoLimits: iso && this.cfg.machineClass ? { ...ISO_LIMITS[this.cfg.machineClass] } : undefined };
    if (!run.running) {
      return { skipped, health: { ...base, score: null, anomaly: null, state: 'stopped', operating: 'stopped', learned: round(this.learnedFraction(bin), 3), contributors: this.contributors(bin.model, analog, null), since: st.clock.since } };
    }
    if (ts < st.settledAt) {
      return { skipped, health: { ...base, score: null, anomaly: null, state: bin.status === 'ready' ? st.alarm.state : 'learning', operating: 'starting', learned: round(this.learnedFraction(bin), 3), contributors: this.contributors(bin.model, analog, null), since: st.clock.since } };
    }
    // EWMA of every analog channel (raw scale)
    const lam = this.cfg.lambda;
    for (const [ch, h] of analog) st.ewma[ch] = ch in st.ewma ? lam * h.value + (1 - lam) * st.ewma[ch] : h.value;
    st.ewmaAge++;
    let stat: { t2: number; health: number; shares: Map<string, number> } | null = null;
    if (bin.status === 'learning') {
      bin.seen++;
      bin.runMs += added;
      this.addFrame(bin, ts, analog);
      const done = this.cfg.learnMode === 'readings' ? bin.seen >= this.cfg.learnReadings : bin.runMs >= this.cfg.learnHours * 3.6e6 && bin.seen >= 10;
      if (done) {
        bin.model = fitMachine(bin, this.cfg, this.k);
        bin.status = 'ready';
        bin.frames = [];
      }
    } else if (bin.model && bin.model.scored.length > 0) stat = this.statistic(bin.model);
    // health: the statistic, capped by the ISO zone and the absolute limits
    let health = stat ? stat.health : 100;
    let driver = stat ? 'baseline' : undefined;
    if (iso && iso.health < health) {
      health = iso.health;
      driver = 'iso';
    }
    if (limit && limit.health < health) {
      health = limit.health;
      driver = `limit:${limit.channel}`;
    }
    const judged = stat !== null || driver !== undefined;
    const step = stepAlarm(st.alarm, health, ts, this.alarmCfg());
    st.alarm = step.next;
    let change: MachineOutcome['change'];
    const shelved = isShelved(st.alarm, ts);
    if (step.change && !shelved && st.alarm.announced !== st.alarm.state) {
      change = { from: st.alarm.announced, to: st.alarm.state };
      st.alarm = { ...st.alarm, announced: st.alarm.state };
    }
    const learning = bin.status === 'learning' || !bin.model;
    const state: MachineHealth['state'] = learning && st.alarm.state === 'normal' ? 'learning' : st.alarm.state;
    const out: MachineHealth = {
      ...base,
      score: judged ? round(health, 1) : null,
      anomaly: stat && bin.model ? round(stat.t2 / bin.model.warnLimit, 3) : null,
      state,
      operating: 'running',
      learned: round(this.learnedFraction(bin), 3),
      contributors: this.contributors(bin.model, analog, stat ? stat.shares : null),
      driver,
      since: st.alarm.since,
    };
    if (shelved && st.alarm.shelf) out.shelved = { by: st.alarm.shelf.by, reason: st.alarm.shelf.reason, until: new Date(st.alarm.shelf.until).toISOString() };
    return { health: out, change, skipped };
  }

  private isoOf(analog: [string, HeldValue][]): { zone: IsoZone; health: number; value: number } | undefined {
    const cls = this.cfg.machineClass;
    let v = -Infinity;
    for (const [, h] of analog) if (h.quantity === 'velocity' && (h.unit === undefined || h.unit === 'mm/s')) v = Math.max(v, h.value);
    if (!cls || v === -Infinity) return undefined;
    return { zone: zoneOf(v, cls), health: isoHealth(v, cls), value: v };
  }

  private limitsOf(analog: [string, HeldValue][]): { channel: string; health: number } | undefined {
    const lim = this.cfg.limits;
    if (!lim) return undefined;
    let best: { channel: string; health: number } | undefined;
    for (const [ch, h] of analog) {
      const l = own(lim, ch) as ChannelLimit | undefined;
      if (!l) continue;
      const hv = limitHealth(h.value, l);
      if (hv < 100 && (!best || hv < best.health)) best = { channel: ch, health: hv };
    }
    return best;
  }

  private addFrame(bin: BinState, ts: number, analog: [string, HeldValue][]): void {
    if ((bin.seen - 1) % bin.stride !== 0) return;
    const v: Record<string, number> = {};
    const e: Record<string, number> = {};
    for (const [ch, h] of analog) {
      v[ch] = h.value;
      e[ch] = this.state.ewma[ch];
    }
    bin.frames.push({ ts, v, e, age: this.state.ewmaAge });
    if (bin.frames.length >= MAX_LEARN_FRAMES) {
      bin.frames = bin.frames.filter((_, i) => i % 2 === 0);
      bin.stride *= 2;
    }
  }

  private statistic(m: MachineModel): { t2: number; health: number; shares: Map<string, number> } {
    const p = m.scored.length;
    const d = new Float64Array(p);
    const scale = ewmaScale(this.cfg.lambda, this.state.ewmaAge);
    const warming = this.state.warming;
    for (let a = 0; a < p; a++) {
      const c = m.channels[m.scored[a]];
      const e = this.state.ewma[c.channel];
      d[a] = e === undefined ? 0 : ((e - c.mean) / c.sd - m.center[a]) * scale;
      if (warming && Object.prototype.hasOwnProperty.call(warming, c.channel)) d[a] = warmingUp(warming, c.channel, d[a]);
    }
    let t2 = 0;
    const contrib = new Float64Array(p);
    for (let a = 0; a < p; a++) {
      let s = 0;
      for (let b = 0; b < p; b++) s += m.inv[a * p + b] * d[b];
      contrib[a] = d[a] * s;
      t2 += contrib[a];
    }
    let pos = 0;
    for (const c of contrib) pos += Math.max(0, c);
    const shares = new Map<string, number>();
    for (let a = 0; a < p; a++) shares.set(m.channels[m.scored[a]].channel, pos > 0 ? Math.max(0, contrib[a]) / pos : 0);
    return { t2, health: p ? t2Health(t2, m) : 100, shares };
  }

  private contributors(m: MachineModel | null, analog: [string, HeldValue][], shares: Map<string, number> | null): Contributor[] {
    const out: Contributor[] = [];
    const byName = new Map(m ? m.channels.map((c) => [c.channel, c]) : []);
    for (const [ch, h] of analog) {
      const c = byName.get(ch);
      const item: Contributor = {
        channel: ch,
        value: h.value,
        unit: h.unit,
        baseline: c ? round(c.mean, 6) : null,
        deviation: c && c.sd > 0 ? round((h.value - c.mean) / c.sd, 2) : null,
        share: shares && c?.scored ? round(shares.get(ch) ?? 0, 3) : null,
        scored: !!c?.scored,
      };
      if (c && !c.scored && c.reason) item.reason = c.reason;
      if (!c && m) item.reason = 'not seen while learning';
      out.push(item);
    }
    return out.sort((a, b) => (b.share ?? -1) - (a.share ?? -1) || Math.abs(b.deviation ?? 0) - Math.abs(a.deviation ?? 0));
  }

  shelve(by: string, reason: string, until: number, ts: number): void {
    this.state.alarm = { ...this.state.alarm, shelf: { by, reason, until, at: ts } };
  }

  unshelve(): { from: AlarmLevel; to: AlarmLevel } | undefined {
    const a = this.state.alarm;
    this.state.alarm = { ...a, shelf: undefined, announced: a.state };
    return a.announced !== a.state ? { from: a.announced, to: a.state } : undefined;
  }

  /** Forget every baseline; learn again from the next running polls. */
  relearn(ts: number): void {
    this.state.bins = {};
    this.state.alarm = initialAlarm(ts);
    this.state.lastTs = null;
  }
}

/** Fit the machine model from a bin's learning frames. */
export function fitMachine(bin: BinState, cfg: MachineConfig, k: number): MachineModel {
  const frames = bin.frames;
  const notes: string[] = [];
  const names = new Set<string>();
  for (const f of frames) for (const ch of Object.keys(f.v)) names.add(ch);
  const channels: ChannelModel[] = [];
  for (const ch of [...names].sort()) {
    const xs = frames.map((f) => f.v[ch]).filter((x) => x !== undefined);
    const n = xs.length;
    const mean = xs.reduce((a, x) => a + x, 0) / n;
    const sd = Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / n);
    const c: ChannelModel = { channel: ch, mean, sd, neff: 0, scored: false };
    if (n < 0.9 * frames.length) c.reason = `present in ${n} of ${frames.length} learning polls`;
    else if (!(sd > 1e-12 * Math.max(1, Math.abs(mean)))) c.reason = 'constant while learning';
    else {
      c.neff = round(batchMeansNeff(xs), 1);
      if (c.neff < cfg.minNeff) c.reason = `drifts through the learning window (effective sample size ${c.neff} < ${cfg.minNeff})`;
      else c.scored = true;
    }
    channels.push(c);
  }
  const scored = channels.map((c, i) => (c.scored ? i : -1)).filter((i) => i >= 0);
  let p = scored.length;
  const warm = Math.ceil(1 / cfg.lambda);
  const rows: Float64Array[] = [];
  for (const f of frames) {
    if (f.age <= warm) continue;
    const r = new Float64Array(p);
    let ok = true;
    for (let a = 0; a < p; a++) {
      const c = channels[scored[a]];
      const e = f.e[c.channel];
      if (e === undefined) ok = false;
      r[a] = (e - c.mean) / c.sd;
    }
    if (ok) rows.push(r);
  }
  const center = new Array<number>(p).fill(0);
  for (const r of rows) for (let a = 0; a < p; a++) center[a] += r[a] / rows.length;
  let inv: number[] = [];
  let shrink = 0;
  const readings = bin.seen;
  const runHours = bin.runMs / 3.6e6;
  const pollsPerHour = runHours > 0 ? readings / runHours : 3600;
  // effective sample size of the EWMA series: n lambda / (2 - lambda), not more than the rows kept
  const neff = Math.min(rows.length, ((rows.length * bin.stride) * cfg.lambda) / (2 - cfg.lambda));
  const alphaWarn = Math.min(0.5, (cfg.warnPerHour * k) / pollsPerHour);
  const alphaAlarm = Math.min(alphaWarn, (cfg.alarmPerHour * k) / pollsPerHour);
  let warnLimit = Infinity;
  let alarmLimit = Infinity;
  let typical = 0;
  // The EWMA restarts at every start and its first ceil(1 / lambda) polls are a transient, so
  // a row needs a run longer than that many polls after the start-up. When polls are slow
  // against the runs (e.g. 30 min polls and 4 h runs with lambda 0.1) no row qualifies: there is
  // no covariance to test against, so no channel is scored (rather than a T2 from an empty
  // inverse, which is NaN) and health comes from the ISO zone and absolute limits only.
  const unscore = (why: string): void => {
    for (const i of scored) {
      channels[i].scored = false;
      channels[i].reason = why;
    }
    scored.length = 0;
    center.length = 0;
    p = 0;
    notes.push(why);
  };
  if (p > 0 && rows.length <= 2) unscore(`the EWMA never settled while learning (${rows.length} of ${frames.length} learning polls came more than ${warm} polls after a start): runs are too short for the poll interval; raise lambda or poll faster`);
  if (p > 0) {
    const centred = rows.map((r) => r.map((x, a) => x - center[a]));
    const sc = shrinkageCov(centred, p);
    let iv: number[] = [];
    try {
      iv = Array.from(invertSpd(sc.cov, p));
    } catch {
      iv = [];
    }
    // a covariance that cannot be inverted (the EWMA rows all alike) gives no statistic either
    if (iv.length !== p * p || !iv.every(Number.isFinite)) unscore('the EWMA did not vary while learning: no covariance to test against');
    else {
      shrink = sc.intensity;
      inv = iv;
      warnLimit = t2Limit(alphaWarn, p, neff);
      alarmLimit = t2Limit(alphaAlarm, p, neff);
      typical = chi2QuantileUpper(0.5, p);
      if (!Number.isFinite(warnLimit)) notes.push(`too few effective samples (${round(neff, 1)}) for ${p} channels: learn longer`);
    }
  }
  if (p === 0) notes.push(notes.length ? 'only the ISO zone and absolute limits apply' : 'no channel could be learned: only the ISO zone and absolute limits apply');
  return {
    channels,
    scored,
    center,
    inv,
    shrinkage: round(shrink, 4),
    neff: round(neff, 1),
    pollsPerHour: round(pollsPerHour, 1),
    alphaWarn,
    alphaAlarm,
    warnLimit,
    alarmLimit,
    typical,
    readings,
    runHours: round(runHours, 3),
    from: frames[0]?.ts ?? 0,
    to: frames[frames.length - 1]?.ts ?? 0,
    notes,
  };
}

/**
 * The factor that brings an EWMA of age `age` (polls since it restarted at a start, initialised to
 * the first reading) to the spread of a settled one: for independent readings its variance is
 * f(i) = (1 - lambda)^(2(i - 1)) + f * (1 - (1 - lambda)^(2(i - 1))), with f = lambda / (2 - lambda)
 * settled (Lowry et al. 1992's exact MEWMA covariance), so the deviation is scaled by
 * sqrt(f / f(i)): a raw reading just after a start is not read as a 19-fold (lambda 0.1) excursion
 * against the covariance learned from settled EWMA rows. 1 once settled, and for age 0 (none yet).
 */
export function ewmaScale(lambda: number, age: number): number {
  if (!(age > 1)) return age === 1 ? Math.sqrt(lambda / (2 - lambda)) : 1;
  const settled = lambda / (2 - lambda);
  const w = (1 - lambda) ** (2 * (age - 1));
  return Math.sqrt(settled / (w + settled * (1 - w)));
}

/**
 * A temperature channel after a start: a machine that stood has cooled, and its temperatures
 * climb back to their running level over tens of minutes, longer than the start-up time. Being
 * colder than the baseline then is no fault (wear and overload heat a machine), so the channel's
 * deviation counts only upwards until its EWMA has reached the baseline once in this run; from
 * then on it counts both ways, as every other channel. Returns the deviation that counts.
 */
export function warmingUp(warming: Record<string, true>, channel: string, d: number): number {
  if (d < 0) return 0;
  delete warming[channel];
  return d;
}
