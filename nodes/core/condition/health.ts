/**
 * One rel-health stream (asset + channel) from reading to result, over the Store: learning,
 * scoring, alarm states with dwell and hysteresis, shelving, relearning and history. The node is
 * a thin shell around `HealthMonitor`; tests drive this class directly too.
 *
 * Every operation is one transaction in three steps: load (the stream rows, and the learning
 * frames when this reading completes learning), decide (pure and synchronous: the functions
 * `decide*` below, which also refuse bad input), save (what the decision says to write). The
 * in-memory copy of the stream rows is updated only after the transaction has committed, and
 * operations of one monitor run one after the other, in the order they were called.
 */
import { InputError } from '../errors';
import type { Query, Store } from '../store/types';
import { DEFAULT_ALARM, initialAlarm, isShelved, stepAlarm, type AlarmConfig, type AlarmLevel } from './alarm';
import { featureFrame, fitBaseline, round, scoreFrame, type BaselineModel, type Contributor, type FeatureFrame } from './baseline';
import { fitLevelModel, levelHealth, levelLimits } from './level-rule';
import {
  addLearningFrame,
  clearLearning,
  learningFrames,
  listStreams,
  loadStream,
  migrateCondition,
  queryHistory,
  recordEvent,
  recordHistory,
  saveStream,
  type ConditionEvent,
  type HistoryQuery,
  type HistoryResult,
  type StreamRow,
} from './repo';

/** Most learning frames kept per stream (hours mode stops learning here). */
export const MAX_LEARN_FRAMES = 10_000;
export const MIN_LEARN_FRAMES = 10;

/** What raises warnings and alarms: the learned profile of every feature, or the level of one (rms). */
export type HealthRule = 'profile' | 'level';
/** The feature the level rule scores in rel-vibration features. */
export const LEVEL_FEATURE = 'rms';

export interface HealthConfig extends AlarmConfig {
  /** 'profile' (default; saved flows without the field): every feature against its learned median and MAD. 'level': the level rule (level-rule.ts). */
  rule?: HealthRule;
  /** Level rule: at most one false alarm per this many running hours (default 8). */
  levelEveryHours?: number;
  learnMode: 'frames' | 'hours';
  learnFrames: number;
  learnHours: number;
  /** History bucket width, ms. */
  historyMs: number;
}

export const DEFAULT_LEVEL_EVERY_HOURS = 8;

export const DEFAULT_HEALTH: HealthConfig = { ...DEFAULT_ALARM, rule: 'profile', levelEveryHours: DEFAULT_LEVEL_EVERY_HOURS, learnMode: 'frames', learnFrames: 100, learnHours: 24, historyMs: 10 * 60_000 };

export interface HealthResult {
  asset: string;
  channel: string;
  /** 0-100, null while learning. */
  score: number | null;
  anomaly: number | null;
  state: 'learning' | AlarmLevel;
  learned: number;
  contributors: Contributor[];
  since: number;
  shelved?: { by: string; reason: string; until: string };
  /** Rule "level": the scored feature, its value, the learned mean and the warning and alarm limits. */
  level?: { feature: string; value: number; mean: number; warnLimit: number; alarmLimit: number };
  ts: number;
}

export interface StateChange {
  asset: string;
  channel: string;
  from: AlarmLevel;
  to: AlarmLevel;
  ts: number;
  health: HealthResult;
}

export interface ReadingOutcome {
  health: HealthResult;
  /** Set when the state change should be announced on the second output. */
  change?: StateChange;
  /** Something the user should be told once (rel-health: node.warn), e.g. the level rule cannot score this stream. */
  notice?: string;
}

/** What a decision writes, in this order: learning frames cleared, a learning frame, events, stream rows, history. */
export interface HealthWrites {
  clearLearning: string[];
  frame?: { channel: string; seq: number; ts: number; values: number[] };
  events: ConditionEvent[];
  rows: StreamRow[];
  history: { channel: string; metric: string; ts: number; value: number }[];
}

function noWrites(): HealthWrites {
  return { clearLearning: [], events: [], rows: [], history: [] };
}

export function learnedFraction(s: StreamRow, ts: number, cfg: HealthConfig): number {
  if (s.status === 'ready') return 1;
  if (cfg.learnMode === 'frames') return Math.min(1, s.learnN / cfg.learnFrames);
  const byTime = s.learnStart === null ? 0 : (ts - s.learnStart) / (cfg.learnHours * 3.6e6);
  return Math.min(1, Math.max(byTime, s.learnN / MAX_LEARN_FRAMES));
}

function learningDone(learnN: number, learnStart: number | null, ts: number, cfg: HealthConfig): boolean {
  if (learnN >= MAX_LEARN_FRAMES) return true;
  if (cfg.learnMode === 'frames') return learnN >= cfg.learnFrames;
  return learnN >= MIN_LEARN_FRAMES && learnStart !== null && ts - learnStart >= cfg.learnHours * 3.6e6;
}

/** Whether a reading at `ts` on this stream ends its learning (the stored learning frames must then be loaded). */
export function completesLearning(prev: StreamRow | undefined, ts: number, cfg: HealthConfig): boolean {
  if (prev && prev.status !== 'learning') return false;
  return learningDone((prev?.learnN ?? 0) + 1, prev?.learnStart ?? ts, ts, cfg);
}

/**
 * Whether decideReading needs the stream's stored learning frames: learning ends with this
 * reading, or the level rule scores a stream learned before it was chosen (its level is fitted
 * from the same frames, kept until a relearn).
 */
export function needsLearningFrames(prev: StreamRow | undefined, ts: number, cfg: HealthConfig): boolean {
  if (completesLearning(prev, ts, cfg)) return true;
  // level null: tried once, too few frames stored (decideReading): not read again
  return cfg.rule === 'level' && prev?.status === 'ready' && !!prev.model && prev.model.level === undefined;
}

/** The feature the level rule scores in a frame: rms (features) or the value; InputError when the frame has none. */
function levelIndex(frame: FeatureFrame): { feature: string; index: number } {
  if (frame.kind === 'value') return { feature: frame.names[0], index: 0 };
  const index = frame.names.indexOf(LEVEL_FEATURE);
  if (index < 0) throw new InputError(`msg.payload.features.${LEVEL_FEATURE}`, `a number: rule "level" scores the ${LEVEL_FEATURE} feature (rel-vibration sends it)`, undefined);
  return { feature: LEVEL_FEATURE, index };
}

/** The model with the level rule's part fitted from the learning rows, when the rule is "level". */
function withLevel(model: BaselineModel, frame: FeatureFrame, rows: readonly { ts: number; values: number[] }[], cfg: HealthConfig): BaselineModel {
  if (cfg.rule !== 'level' || model.level !== undefined || rows.length < 3) return model;
  const { feature, index } = levelIndex(frame);
  return { ...model, level: fitLevelModel(feature, index, rows.map((r) => r.values), rows[0].ts, rows[rows.length - 1].ts) };
}

/** Health of a frame: the profile score, or with rule "level" the level rule's health (anomaly: the level in prediction sds above the mean). */
function scoreOf(model: BaselineModel, values: readonly number[], cfg: HealthConfig): { health: number; anomaly: number; contributors: Contributor[]; level?: HealthResult['level'] } {
  const sc = scoreFrame(model, values);
  if (cfg.rule !== 'level' || !model.level) return sc;
  const m = model.level;
  const l = levelLimits(m, cfg.levelEveryHours ?? DEFAULT_LEVEL_EVERY_HOURS, cfg.dwellFrames);
  const x = values[m.index];
  const r6 = (v: number) => Number(v.toPrecision(6));
  return {
    health: levelHealth(m, l, x),
    anomaly: Math.max(0, (x - m.mean) / l.scale),
    contributors: sc.contributors,
    level: { feature: m.feature, value: x, mean: r6(m.mean), warnLimit: r6(l.warnLimit), alarmLimit: r6(l.alarmLimit) },
  };
}

/** The level rule's health is 85 at its warning limit and 70 at its alarm limit (level-rule.ts): its thresholds, whatever the form says. */
export const LEVEL_WARN_BELOW = 85;
export const LEVEL_ALARM_BELOW = 70;

/** The warning and alarm thresholds in force for a rule: the configured ones (profile), 85 and 70 (level). */
export function thresholdsInForce(rule: HealthRule | undefined, warnBelow: number, alarmBelow: number): { warnBelow: number; alarmBelow: number } {
  return rule === 'level' ? { warnBelow: LEVEL_WARN_BELOW, alarmBelow: LEVEL_ALARM_BELOW } : { warnBelow, alarmBelow };
}

const levelAlarmConfigs = new WeakMap<HealthConfig, AlarmConfig>();
/** The alarm config in force (thresholdsInForce): the config itself for the profile rule; for the level rule a copy made once per config. */
function alarmConfig(cfg: HealthConfig): AlarmConfig {
  if (cfg.rule !== 'level') return cfg;
  let a = levelAlarmConfigs.get(cfg);
  if (!a) levelAlarmConfigs.set(cfg, (a = { ...cfg, ...thresholdsInForce(cfg.rule, cfg.warnBelow, cfg.alarmBelow) }));
  return a;
}

/**
 * Decide one reading (pure). `stored`: the stream's learning frames, when completesLearning says
 * they are needed. Throws InputError for a reading the stream must refuse (nothing is written).
 */
export function decideReading(
  prev: StreamRow | undefined,
  asset: string,
  channel: string,
  frame: FeatureFrame,
  ts: number,
  cfg: HealthConfig,
  stored: readonly { ts: number; values: number[] }[] = [],
): { row: StreamRow; writes: HealthWrites; outcome: ReadingOutcome } {
  if (prev && prev.lastTs !== null && ts < prev.lastTs) {
    throw new InputError('msg.payload.ts', `a time not before this stream's last reading (${new Date(prev.lastTs).toISOString()})`, ts, 'time went backwards; the baseline is untouched');
  }
  if (prev && prev.features.length && (prev.features.length !== frame.names.length || prev.features.some((f, i) => f !== frame.names[i]))) {
    throw new InputError(
      frame.kind === 'features' ? 'msg.payload.features' : 'msg.payload.channel',
      `the feature set this stream learned (${prev.features.join(', ')}); send action "relearn" to change it`,
      frame.names.join(', '),
    );
  }
  if (cfg.rule === 'level') levelIndex(frame);
  const w = noWrites();
  const s: StreamRow = prev
    ? { ...prev }
    : { asset, channel, kind: frame.kind, features: [], status: 'learning', learnN: 0, learnStart: null, model: null, alarm: null, lastTs: null };
  s.features = frame.names;
  s.kind = frame.kind;
  s.lastTs = ts;
  if (s.status === 'learning') {
    w.frame = { channel, seq: s.learnN, ts, values: frame.values };
    s.learnN++;
    if (s.learnStart === null) s.learnStart = ts;
    if (learningDone(s.learnN, s.learnStart, ts, cfg)) {
      const rows = [...stored, { ts, values: frame.values }];
      s.model = withLevel(fitBaseline(s.features, rows.map((r) => r.values), rows[0].ts, rows[rows.length - 1].ts), frame, rows, cfg);
      s.status = 'ready';
      s.alarm = initialAlarm(ts);
      w.events.push({ asset, channel, ts, kind: 'learned', to: 'normal', detail: { frames: s.learnN, from: s.model.from, to: s.model.to, learnedAnomaly: s.model.learned, ...(s.model.level ? { level: s.model.level } : {}) } });
    }
    w.rows.push(s);
    const health: HealthResult = { asset, channel, score: null, anomaly: null, state: 'learning', learned: round(learnedFraction(s, ts, cfg), 3), contributors: [], since: s.learnStart ?? ts, ts };
    if (s.status === 'ready') {
      const sc = scoreOf(s.model!, frame.values, cfg);
      health.state = 'normal';
      health.learned = 1;
      health.since = ts;
      health.score = round(sc.health, 1);
      health.anomaly = round(sc.anomaly, 3);
      if (sc.level) health.level = sc.level;
    }
    return { row: s, writes: w, outcome: { health } };
  }
  // a stream learned before rule "level" was chosen: its level from the stored learning frames;
  // with fewer than 3 stored the stream keeps the profile score (level null: said once, not re-read)
  let notice: string | undefined;
  if (cfg.rule === 'level' && s.model && s.model.level === undefined) {
    if (stored.length >= 3) s.model = withLevel(s.model, frame, stored, cfg);
    else {
      s.model = { ...s.model, level: null };
      notice = `${asset}/${channel} was learned before rule "level" and only ${stored.length} of its learning readings are stored (3 needed): it keeps the profile score; send action "relearn" to learn its level`;
    }
  }
  const model = s.model!;
  const sc = scoreOf(model, frame.values, cfg);
  let alarm = s.alarm ?? initialAlarm(ts);
  let expired = false;
  if (alarm.shelf && ts >= alarm.shelf.until) {
    w.events.push({ asset, channel, ts, kind: 'unshelve', actor: 'expiry', reason: alarm.shelf.reason, until: alarm.shelf.until });
    alarm = { ...alarm, shelf: undefined };
    expired = true;
  }
  const step = stepAlarm(alarm, sc.health, ts, alarmConfig(cfg));
  alarm = step.next;
  const shelved = isShelved(alarm, ts);
  if (step.change) {
    w.events.push({ asset, channel, ts, kind: 'state', from: step.change.from, to: step.change.to, health: sc.health, anomaly: sc.anomaly, shelved, detail: { contributors: sc.contributors } });
  }
  let change: StateChange | undefined;
  const health: HealthResult = {
    asset,
    channel,
    score: round(sc.health, 1),
    anomaly: round(sc.anomaly, 3),
    state: alarm.state,
    learned: 1,
    contributors: sc.contributors,
    since: alarm.since,
    ts,
  };
  if (sc.level) health.level = sc.level;
  if (shelved && alarm.shelf) health.shelved = { by: alarm.shelf.by, reason: alarm.shelf.reason, until: new Date(alarm.shelf.until).toISOString() };
  if (!shelved && (step.change || expired) && alarm.announced !== alarm.state) {
    change = { asset, channel, from: alarm.announced, to: alarm.state, ts, health };
    alarm = { ...alarm, announced: alarm.state };
  }
  s.alarm = alarm;
  w.rows.push(s);
  w.history.push({ channel, metric: 'health', ts, value: sc.health }, { channel, metric: 'anomaly', ts, value: sc.anomaly });
  return { row: s, writes: w, outcome: { health, change, ...(notice ? { notice } : {}) } };
}

/** The streams an action is about (all of the asset's, or the one named); error when there is none. */
function targets(list: StreamRow[], asset: string, channel: string | undefined, what: string): StreamRow[] {
  if (!list.length) {
    throw new InputError(channel === undefined ? 'msg.payload.asset' : 'msg.payload.channel', `an asset/channel this node has readings for (to ${what})`, channel ?? asset);
  }
  return list;
}

/** Forget the baseline and learn again from the next readings (pure); history and events stay. */
export function decideRelearn(list: StreamRow[], asset: string, channel: string | undefined, by: string | undefined, reason: string | undefined, ts: number): HealthWrites {
  const w = noWrites();
  for (const s of targets(list, asset, channel, 'relearn')) {
    w.clearLearning.push(s.channel);
    w.events.push({ asset, channel: s.channel, ts, kind: 'relearn', from: s.alarm?.state ?? 'learning', to: 'learning', actor: by ?? null, reason: reason ?? null });
    // lastTs too: a stream stuck behind a wrong future time (a clock glitch) starts again here
    w.rows.push({ ...s, features: [], status: 'learning', learnN: 0, learnStart: null, model: null, alarm: null, lastTs: null });
  }
  return w;
}

/** Shelve (pure; ISA-18.2): state changes are recorded but not announced until `until`. */
export function decideShelve(list: StreamRow[], asset: string, channel: string | undefined, by: string, reason: string, until: number, ts: number): HealthWrites {
  const ready = targets(list, asset, channel, 'shelve').filter((s) => s.status === 'ready' && s.alarm);
  if (!ready.length) throw new InputError('msg.payload.asset', 'an asset with a learned baseline (nothing to shelve while learning)', asset);
  const w = noWrites();
  for (const s of ready) {
    w.events.push({ asset, channel: s.channel, ts, kind: 'shelve', from: s.alarm!.state, actor: by, reason, until });
    w.rows.push({ ...s, alarm: { ...s.alarm!, shelf: { by, reason, until, at: ts } } });
  }
  return w;
}

/** End a shelf early (pure): the writes and the state changes to announce (state differs from the last announced one). */
export function decideUnshelve(list: StreamRow[], asset: string, channel: string | undefined, by: string, ts: number): { writes: HealthWrites; changes: StateChange[] } {
  const w = noWrites();
  const changes: StateChange[] = [];
  for (const s of targets(list, asset, channel, 'unshelve').filter((x) => x.alarm?.shelf)) {
    const a = s.alarm!;
    w.events.push({ asset, channel: s.channel, ts, kind: 'unshelve', actor: by, reason: a.shelf!.reason, until: a.shelf!.until });
    const next = { ...a, shelf: undefined, announced: a.state };
    if (a.announced !== a.state) {
      changes.push({
        asset,
        channel: s.channel,
        from: a.announced,
        to: a.state,
        ts,
        health: { asset, channel: s.channel, score: null, anomaly: null, state: a.state, learned: 1, contributors: [], since: a.since, ts },
      });
    }
    w.rows.push({ ...s, alarm: next });
  }
  return { writes: w, changes };
}

const key = (asset: string, channel: string) => `${asset}\u0000${channel}`;

export class HealthMonitor {
  private readonly cache = new Map<string, StreamRow>();
  /** Resolves when the condition schema is in place (rejects with why it is not). */
  readonly ready: Promise<void>;
  private queue: Promise<unknown> = Promise.resolve();
  constructor(
    readonly store: Store,
    readonly cfg: HealthConfig = DEFAULT_HEALTH,
    private readonly now: () => number = Date.now,
  ) {
    this.ready = migrateCondition(store).then(() => undefined);
    this.ready.catch(() => undefined); // reported by each operation (and by whoever awaits ready)
  }

  /** Resolves when every operation called so far has finished (close waits for it before releasing the store). */
  drain(): Promise<void> {
    return this.queue.then(() => undefined);
  }

  /** Run fn after the schema is ready and after every operation called before it. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(() => this.ready).then(fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async stream(q: Query, asset: string, channel: string): Promise<StreamRow | undefined> {
    return this.cache.get(key(asset, channel)) ?? (await loadStream(q, asset, channel));
  }

  private async streamsOf(q: Query, asset: string, channel: string | undefined): Promise<StreamRow[]> {
    if (channel === undefined) return listStreams(q, asset);
    const s = await this.stream(q, asset, channel);
    return s ? [s] : [];
  }

  private async save(q: Query, asset: string, w: HealthWrites): Promise<void> {
    for (const channel of w.clearLearning) await clearLearning(q, asset, channel);
    if (w.frame) await addLearningFrame(q, asset, w.frame.channel, w.frame.seq, w.frame.ts, w.frame.values);
    for (const e of w.events) await recordEvent(q, e);
    const now = this.now();
    for (const r of w.rows) await saveStream(q, r, now);
    for (const h of w.history) await recordHistory(q, asset, h.channel, h.metric, h.ts, h.value, this.cfg.historyMs);
  }

  /** After the commit: the stream rows as stored. */
  private committed(w: HealthWrites): void {
    for (const r of w.rows) this.cache.set(key(r.asset, r.channel), r);
  }

  /** Score one reading. Nothing is stored when the reading is rejected. */
  reading(asset: string, channel: string, payload: unknown, ts: number): Promise<ReadingOutcome> {
    let frame: FeatureFrame;
    try {
      frame = featureFrame(payload, channel);
    } catch (e) {
      return Promise.reject(e);
    }
    return this.serial(async () => {
      const { writes, outcome } = await this.store.tx(async (q) => {
        const prev = await this.stream(q, asset, channel);
        const stored = needsLearningFrames(prev, ts, this.cfg) ? await learningFrames(q, asset, channel) : [];
        const d = decideReading(prev, asset, channel, frame, ts, this.cfg, stored);
        await this.save(q, asset, d.writes);
        return d;
      });
      this.committed(writes);
      return outcome;
    });
  }

  /** Forget the baseline and learn again from the next readings; history and events stay. */
  relearn(asset: string, channel: string | undefined, by: string | undefined, reason: string | undefined, ts: number): Promise<string[]> {
    return this.serial(async () => {
      const w = await this.store.tx(async (q) => {
        const d = decideRelearn(await this.streamsOf(q, asset, channel), asset, channel, by, reason, ts);
        await this.save(q, asset, d);
        return d;
      });
      this.committed(w);
      return w.rows.map((s) => s.channel);
    });
  }

  /** Shelve (ISA-18.2): state changes are recorded but not announced until `until`. */
  shelve(asset: string, channel: string | undefined, by: string, reason: string, until: number, ts: number): Promise<string[]> {
    return this.serial(async () => {
      const w = await this.store.tx(async (q) => {
        const d = decideShelve(await this.streamsOf(q, asset, channel), asset, channel, by, reason, until, ts);
        await this.save(q, asset, d);
        return d;
      });
      this.committed(w);
      return w.rows.map((s) => s.channel);
    });
  }

  /** End a shelf early. Returns the state changes to announce (state differs from the last announced one). */
  unshelve(asset: string, channel: string | undefined, by: string, ts: number): Promise<StateChange[]> {
    return this.serial(async () => {
      const d = await this.store.tx(async (q) => {
        const r = decideUnshelve(await this.streamsOf(q, asset, channel), asset, channel, by, ts);
        await this.save(q, asset, r.writes);
        return r;
      });
      this.committed(d.writes);
      return d.changes;
    });
  }

  /** Current state of every stream of an asset. */
  streams(asset: string): Promise<{ channel: string; status: string; state: string; learned: number; features: string[]; lastTs: number | null; shelf?: unknown }[]> {
    return this.serial(async () =>
      (await listStreams(this.store, asset)).map((s) => ({
        channel: s.channel,
        status: s.status,
        state: s.status === 'ready' ? s.alarm?.state ?? 'normal' : 'learning',
        learned: learnedFraction(s, s.lastTs ?? 0, this.cfg),
        features: s.features,
        lastTs: s.lastTs,
        shelf: s.alarm?.shelf,
      })),
    );
  }

  /** Stored history and events of an asset, merged to at most q.maxPoints per metric. */
  history(q: HistoryQuery): Promise<HistoryResult> {
    return this.serial(() => queryHistory(this.store, q, this.cfg.historyMs));
  }
}
