/**
 * One rel-health stream (asset + channel) from reading to result, over the Store: learning,
 * scoring, alarm states with dwell and hysteresis, shelving, relearning and history. The node is
 * a thin shell around `HealthMonitor`; tests drive this class directly too.
 */
import { InputError } from '../errors';
import type { SyncStore as Store } from '../store/types';
import { DEFAULT_ALARM, initialAlarm, isShelved, stepAlarm, type AlarmConfig, type AlarmLevel } from './alarm';
import { featureFrame, fitBaseline, round, scoreFrame, type Contributor } from './baseline';
import {
  addLearningFrame,
  clearLearning,
  learningFrames,
  listStreams,
  loadStream,
  migrateCondition,
  recordEvent,
  recordHistory,
  saveStream,
  type StreamRow,
} from './repo';

/** Most learning frames kept per stream (hours mode stops learning here). */
export const MAX_LEARN_FRAMES = 10_000;
export const MIN_LEARN_FRAMES = 10;

export interface HealthConfig extends AlarmConfig {
  learnMode: 'frames' | 'hours';
  learnFrames: number;
  learnHours: number;
  /** History bucket width, ms. */
  historyMs: number;
}

export const DEFAULT_HEALTH: HealthConfig = { ...DEFAULT_ALARM, learnMode: 'frames', learnFrames: 100, learnHours: 24, historyMs: 10 * 60_000 };

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
}

export class HealthMonitor {
  private readonly cache = new Map<string, StreamRow>();
  constructor(
    readonly store: Store,
    readonly cfg: HealthConfig = DEFAULT_HEALTH,
    private readonly now: () => number = Date.now,
  ) {
    migrateCondition(store);
  }

  private stream(asset: string, channel: string): StreamRow | undefined {
    const key = `${asset}\u0000${channel}`;
    let s = this.cache.get(key);
    if (!s) {
      s = loadStream(this.store, asset, channel);
      if (s) this.cache.set(key, s);
    }
    return s;
  }

  private put(s: StreamRow): void {
    this.cache.set(`${s.asset}\u0000${s.channel}`, s);
    saveStream(this.store, s, this.now());
  }

  private learnedFraction(s: StreamRow, ts: number): number {
    if (s.status === 'ready') return 1;
    if (this.cfg.learnMode === 'frames') return Math.min(1, s.learnN / this.cfg.learnFrames);
    const byTime = s.learnStart === null ? 0 : (ts - s.learnStart) / (this.cfg.learnHours * 3.6e6);
    return Math.min(1, Math.max(byTime, s.learnN / MAX_LEARN_FRAMES));
  }

  private learningDone(s: StreamRow, ts: number): boolean {
    if (s.learnN >= MAX_LEARN_FRAMES) return true;
    if (this.cfg.learnMode === 'frames') return s.learnN >= this.cfg.learnFrames;
    return s.learnN >= MIN_LEARN_FRAMES && s.learnStart !== null && ts - s.learnStart >= this.cfg.learnHours * 3.6e6;
  }

  /** Score one reading. Nothing is stored when the reading is rejected. */
  reading(asset: string, channel: string, payload: unknown, ts: number): ReadingOutcome {
    const frame = featureFrame(payload, channel);
    const prev = this.stream(asset, channel);
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
    return this.store.tx(() => {
      const s: StreamRow = prev
        ? { ...prev }
        : { asset, channel, kind: frame.kind, features: [], status: 'learning', learnN: 0, learnStart: null, model: null, alarm: null, lastTs: null };
      s.features = frame.names;
      s.kind = frame.kind;
      s.lastTs = ts;
      if (s.status === 'learning') {
        addLearningFrame(this.store, asset, channel, s.learnN, ts, frame.values);
        s.learnN++;
        if (s.learnStart === null) s.learnStart = ts;
        if (this.learningDone(s, ts)) {
          const rows = learningFrames(this.store, asset, channel);
          s.model = fitBaseline(s.features, rows.map((r) => r.values), rows[0].ts, rows[rows.length - 1].ts);
          s.status = 'ready';
          s.alarm = initialAlarm(ts);
          recordEvent(this.store, { asset, channel, ts, kind: 'learned', to: 'normal', detail: { frames: s.learnN, from: s.model.from, to: s.model.to, learnedAnomaly: s.model.learned } });
        }
        this.put(s);
        const health: HealthResult = { asset, channel, score: null, anomaly: null, state: 'learning', learned: round(this.learnedFraction(s, ts), 3), contributors: [], since: s.learnStart ?? ts, ts };
        if (s.status === 'ready') {
          const sc = scoreFrame(s.model!, frame.values);
          health.state = 'normal';
          health.learned = 1;
          health.since = ts;
          health.score = round(sc.health, 1);
          health.anomaly = round(sc.anomaly, 3);
        }
        return { health };
      }
      const model = s.model!;
      const sc = scoreFrame(model, frame.values);
      let alarm = s.alarm ?? initialAlarm(ts);
      let expired = false;
      if (alarm.shelf && ts >= alarm.shelf.until) {
        recordEvent(this.store, { asset, channel, ts, kind: 'unshelve', actor: 'expiry', reason: alarm.shelf.reason, until: alarm.shelf.until });
        alarm = { ...alarm, shelf: undefined };
        expired = true;
      }
      const step = stepAlarm(alarm, sc.health, ts, this.cfg);
      alarm = step.next;
      const shelved = isShelved(alarm, ts);
      if (step.change) {
        recordEvent(this.store, { asset, channel, ts, kind: 'state', from: step.change.from, to: step.change.to, health: sc.health, anomaly: sc.anomaly, shelved, detail: { contributors: sc.contributors } });
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
      if (shelved && alarm.shelf) health.shelved = { by: alarm.shelf.by, reason: alarm.shelf.reason, until: new Date(alarm.shelf.until).toISOString() };
      if (!shelved && (step.change || expired) && alarm.announced !== alarm.state) {
        change = { asset, channel, from: alarm.announced, to: alarm.state, ts, health };
        alarm = { ...alarm, announced: alarm.state };
      }
      s.alarm = alarm;
      this.put(s);
      recordHistory(this.store, asset, channel, 'health', ts, sc.health, this.cfg.historyMs);
      recordHistory(this.store, asset, channel, 'anomaly', ts, sc.anomaly, this.cfg.historyMs);
      return { health, change };
    });
  }

  /** The streams of an asset, or the one named; error when there is none. */
  private targets(asset: string, channel: string | undefined, what: string): StreamRow[] {
    const list = channel === undefined ? listStreams(this.store, asset) : [this.stream(asset, channel)].filter((s): s is StreamRow => !!s);
    if (!list.length) {
      throw new InputError(channel === undefined ? 'msg.payload.asset' : 'msg.payload.channel', `an asset/channel this node has readings for (to ${what})`, channel ?? asset);
    }
    return list;
  }

  /** Forget the baseline and learn again from the next readings; history and events stay. */
  relearn(asset: string, channel: string | undefined, by: string | undefined, reason: string | undefined, ts: number): string[] {
    const list = this.targets(asset, channel, 'relearn');
    this.store.tx(() => {
      for (const s of list) {
        clearLearning(this.store, s.asset, s.channel);
        recordEvent(this.store, { asset, channel: s.channel, ts, kind: 'relearn', from: s.alarm?.state ?? 'learning', to: 'learning', actor: by ?? null, reason: reason ?? null });
        // lastTs too: a stream stuck behind a wrong future time (a clock glitch) starts again here
        this.put({ ...s, features: [], status: 'learning', learnN: 0, learnStart: null, model: null, alarm: null, lastTs: null });
      }
    });
    return list.map((s) => s.channel);
  }

  /** Shelve (ISA-18.2): state changes are recorded but not announced until `until`. */
  shelve(asset: string, channel: string | undefined, by: string, reason: string, until: number, ts: number): string[] {
    const list = this.targets(asset, channel, 'shelve');
    const ready = list.filter((s) => s.status === 'ready' && s.alarm);
    if (!ready.length) throw new InputError('msg.payload.asset', 'an asset with a learned baseline (nothing to shelve while learning)', asset);
    this.store.tx(() => {
      for (const s of ready) {
        recordEvent(this.store, { asset, channel: s.channel, ts, kind: 'shelve', from: s.alarm!.state, actor: by, reason, until });
        this.put({ ...s, alarm: { ...s.alarm!, shelf: { by, reason, until, at: ts } } });
      }
    });
    return ready.map((s) => s.channel);
  }

  /** End a shelf early. Returns the state changes to announce (state differs from the last announced one). */
  unshelve(asset: string, channel: string | undefined, by: string, ts: number): StateChange[] {
    const list = this.targets(asset, channel, 'unshelve').filter((s) => s.alarm?.shelf);
    const out: StateChange[] = [];
    this.store.tx(() => {
      for (const s of list) {
        const a = s.alarm!;
        recordEvent(this.store, { asset, channel: s.channel, ts, kind: 'unshelve', actor: by, reason: a.shelf!.reason, until: a.shelf!.until });
        const next = { ...a, shelf: undefined, announced: a.state };
        if (a.announced !== a.state) {
          out.push({
            asset,
            channel: s.channel,
            from: a.announced,
            to: a.state,
            ts,
            health: { asset, channel: s.channel, score: null, anomaly: null, state: a.state, learned: 1, contributors: [], since: a.since, ts },
          });
        }
        this.put({ ...s, alarm: next });
      }
    });
    return out;
  }

  /** Current state of every stream of an asset. */
  streams(asset: string): { channel: string; status: string; state: string; learned: number; features: string[]; lastTs: number | null; shelf?: unknown }[] {
    return listStreams(this.store, asset).map((s) => ({
      channel: s.channel,
      status: s.status,
      state: s.status === 'ready' ? s.alarm?.state ?? 'normal' : 'learning',
      learned: this.learnedFraction(s, s.lastTs ?? 0),
      features: s.features,
      lastTs: s.lastTs,
      shelf: s.alarm?.shelf,
    }));
  }
}
