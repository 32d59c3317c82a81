/**
 * rel-rul's state over the Store: the indicator points of each stream (asset + channel) in the
 * window that is fitted, and the RUL history. With the health indicator and no fixed window, the
 * window is "since the asset left normal": points are kept while rel-health says warning or alarm
 * and dropped when it is back to normal (or relearning), so the fit sees the degradation only.
 */
import { InputError } from '../errors';
import type { SyncStore as Store } from '../store/types';
import { addRulPoint, clearRulPoints, migrateCondition, recordHistory, rulPoints } from './repo';
import { estimateRul, type Direction, type Rul } from './rul';

export interface RulConfig {
  /** Which number is the indicator: 'health' (msg.payload.health.score), 'anomaly', 'feature' (msg.payload.features[feature]) or 'value'. */
  indicator: 'health' | 'anomaly' | 'feature' | 'value';
  feature: string;
  threshold: number;
  /** Plausible range of the failure threshold [low, high] (see estimateRul); null: exactly `threshold`. */
  thresholdRange: readonly [number, number] | null;
  /** > 0: null with reason "plateau" when the last plateauHours show no significant trend. */
  plateauHours: number;
  direction: Direction;
  level: number;
  /** 0: since the asset left normal (health/anomaly); else the last windowHours. */
  windowHours: number;
  minPoints: number;
  maxPoints: number;
  historyMs: number;
  /**
   * Whose points these are (rel-rul passes its node id): trackers with different keys on one store
   * keep separate points, so a windowed tracker cannot delete the points another one (say, on the
   * same health with another threshold) still needs. Default: the indicator alone.
   */
  key?: string;
}

export const DEFAULT_RUL: RulConfig = {
  indicator: 'health',
  feature: 'rms',
  threshold: 10,
  thresholdRange: null,
  plateauHours: 0,
  direction: 'below',
  level: 0.9,
  windowHours: 0,
  minPoints: 10,
  maxPoints: 200,
  historyMs: 10 * 60_000,
};

/**
 * The default plausible range of the failure threshold: for health, -50 % / +50 % of the
 * threshold (10: 5-15, i.e. features on average 17 to 26 robust sigmas from the baseline, the
 * bottom of the health scale, which saturates at 3.2 when every feature is at the 30-sigma cap);
 * for other indicators none (a limit from a standard or the maker is taken as exact).
 */
export function defaultThresholdRange(indicator: RulConfig['indicator'], threshold: number): [number, number] | null {
  return indicator === 'health' ? [threshold * 0.5, threshold * 1.5] : null;
}

/** Most points kept per stream in the store and in memory. */
export const MAX_KEPT = 20_000;

export interface RulOutput {
  rul: (Omit<Rul, 'failureTs'> & { failureAt: string; indicator: string; threshold: number; thresholdRange: [number, number]; direction: Direction }) | null;
  reason?: string;
}

export class RulTracker {
  private readonly cache = new Map<string, { ts: number; y: number }[]>();
  /** The indicator (feature:rms, health, ...), reported in rul.indicator. */
  readonly scope: string;
  /** Where the points are stored: the key and the indicator. */
  private readonly pointScope: string;
  constructor(
    readonly store: Store,
    readonly cfg: RulConfig = DEFAULT_RUL,
  ) {
    const r = cfg.thresholdRange;
    if (r && !(r[0] <= cfg.threshold && cfg.threshold <= r[1])) throw new RangeError(`RulTracker: threshold range ${r[0]}-${r[1]} must contain the threshold ${cfg.threshold}`);
    migrateCondition(store);
    this.scope = cfg.indicator === 'feature' ? `feature:${cfg.feature}` : cfg.indicator;
    this.pointScope = cfg.key ? `${cfg.key}|${this.scope}` : this.scope;
  }

  private points(asset: string, channel: string): { ts: number; y: number }[] {
    const key = `${asset}\u0000${channel}`;
    let p = this.cache.get(key);
    if (!p) {
      p = rulPoints(this.store, this.pointScope, asset, channel, 0).slice(-MAX_KEPT);
      this.cache.set(key, p);
    }
    return p;
  }

  reset(asset: string, channel: string): void {
    clearRulPoints(this.store, this.pointScope, asset, channel);
    this.cache.set(`${asset}\u0000${channel}`, []);
  }

  /**
   * Add one indicator value (null: nothing to add, e.g. learning) and project. `degrading` is
   * false when rel-health reports normal or learning: the window then starts afresh.
   */
  add(asset: string, channel: string, ts: number, y: number | null, degrading: boolean | undefined, stateText?: string): RulOutput {
    const pts = this.points(asset, channel);
    const last = pts.length ? pts[pts.length - 1].ts : undefined;
    if (last !== undefined && ts < last) throw new InputError('msg.payload.ts', `a time not before this stream's last point (${new Date(last).toISOString()})`, ts, 'time went backwards');
    const sinceOnset = this.cfg.windowHours === 0 && degrading !== undefined;
    if (sinceOnset && !degrading) {
      if (pts.length) this.reset(asset, channel);
      return { rul: null, reason: `asset is ${stateText ?? 'normal'}: no degradation to project` };
    }
    if (y === null) return { rul: null, reason: `no indicator value (${stateText ?? 'learning'})` };
    return this.store.tx(() => {
      addRulPoint(this.store, this.pointScope, asset, channel, ts, y);
      if (last === ts) pts[pts.length - 1] = { ts, y };
      else pts.push({ ts, y });
      const windowHours = this.cfg.windowHours || (sinceOnset ? 0 : 48);
      if (windowHours > 0) {
        const cut = ts - windowHours * 3.6e6;
        let k = 0;
        while (k < pts.length && pts[k].ts < cut) k++;
        if (k) {
          pts.splice(0, k);
          clearRulPoints(this.store, this.pointScope, asset, channel, cut);
        }
      }
      if (pts.length > MAX_KEPT) {
        const drop = pts.length - MAX_KEPT;
        pts.splice(0, drop);
        clearRulPoints(this.store, this.pointScope, asset, channel, pts[0].ts);
      }
      const r = estimateRul(pts, { threshold: this.cfg.threshold, direction: this.cfg.direction, level: this.cfg.level, thresholdRange: this.cfg.thresholdRange ?? undefined, plateauHours: this.cfg.plateauHours, minPoints: this.cfg.minPoints, maxPoints: this.cfg.maxPoints });
      if (!r.rul) return { rul: null, reason: r.reason };
      const { failureTs, ...rest } = r.rul;
      recordHistory(this.store, asset, channel, 'rul', ts, rest.hours, this.cfg.historyMs);
      recordHistory(this.store, asset, channel, 'rul_low', ts, rest.low, this.cfg.historyMs);
      if (Number.isFinite(rest.high)) recordHistory(this.store, asset, channel, 'rul_high', ts, rest.high, this.cfg.historyMs);
      return {
        rul: {
          ...rest,
          hours: round3(rest.hours),
          low: round3(rest.low),
          high: Number.isFinite(rest.high) ? round3(rest.high) : rest.high,
          fit: round3(rest.fit),
          ratePerDay: round3(rest.ratePerDay),
          failureAt: new Date(Math.min(failureTs, 8.64e15)).toISOString(),
          indicator: this.scope,
          threshold: this.cfg.threshold,
          thresholdRange: this.cfg.thresholdRange ? [this.cfg.thresholdRange[0], this.cfg.thresholdRange[1]] : [this.cfg.threshold, this.cfg.threshold],
          direction: this.cfg.direction,
        },
      };
    });
  }
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
