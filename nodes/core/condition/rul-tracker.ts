/**
 * rel-rul's state over the Store: the indicator points of each stream (asset + channel) in the
 * window that is fitted, and the RUL history. With the health indicator and no fixed window, the
 * window is "since the asset left normal": points are kept while rel-health says warning or alarm
 * and dropped when it is back to normal (or relearning), so the fit sees the degradation only.
 *
 * Each add is one transaction: load the stream's points (from memory once read), decide (pure,
 * `decideRul`), save the point, the cuts and the RUL history; the in-memory points are replaced
 * only after the commit. Operations of one tracker run one after the other, in call order.
 */
import { InputError } from '../errors';
import type { Query, Store } from '../store/types';
import { addRulPoint, clearRulPoints, migrateCondition, queryHistory, recordHistory, rulPoints, type HistoryQuery, type HistoryResult } from './repo';
import { estimateRul, type Direction, type Rul, type RulModel } from './rul';

export interface RulConfig {
  /**
   * Which number is the indicator: 'health' (msg.payload.health.score), 'anomaly', 'level'
   * (msg.payload.health.level.value, from rel-health's level rule; the threshold and its range
   * are multiples of the learned mean msg.payload.health.level.mean), 'feature'
   * (msg.payload.features[feature]) or 'value'.
   */
  indicator: 'health' | 'anomaly' | 'level' | 'feature' | 'value';
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
  /** Models fitted (default linear and exponential; rel-rul's level indicator: excess, Gebraeel's model on the defect's power above the healthy level). */
  models?: readonly RulModel[];
  /**
   * true: while rel-health reports warning or alarm, a trend that is not significant but points to
   * the threshold gives an open interval (high Infinity, with a reason) instead of null
   * (estimateRul). Without that state (feature and value indicators) a stalled trend stays null:
   * a healthy machine's noise is no degradation to bound.
   */
  openEnded?: boolean;
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
  if (indicator === 'level') return [threshold / LEVEL_ZONE_HALF, threshold * LEVEL_ZONE_HALF];
  return indicator === 'health' ? [threshold * 0.5, threshold * 1.5] : null;
}

/**
 * Half an ISO 10816-1 zone step (its zone boundaries are 2.5 x apart, 8 dB; ISO 10816-3's about
 * 2 x): the level indicator's default failure range is the failure level / 1.58 to x 1.58. The
 * failure level defaults to LEVEL_FAILURE_RATIO (level-rule.ts: 6.3 x the learned mean, so
 * 4.0-10), set per node by rel-rul's "Failure at".
 */
export const LEVEL_ZONE_HALF = Math.sqrt(2.5);

/** Most points kept per stream in the store and in memory. */
export const MAX_KEPT = 20_000;

export interface RulOutput {
  rul: (Omit<Rul, 'failureTs'> & { failureAt: string; indicator: string; threshold: number; thresholdRange: [number, number]; direction: Direction }) | null;
  /** Why there is no estimate, or why its interval is open (high Infinity). */
  reason?: string;
}

type Point = { ts: number; y: number };

/** What a decision writes: the point, the points cut before a time (or all), the RUL history. */
export interface RulWrites {
  /** Delete every stored point of the stream first (the window starts afresh). */
  clearAll: boolean;
  point?: Point;
  /** Delete the stored points before each of these times. */
  cutBefore: number[];
  history: { metric: string; value: number }[];
}

/** One indicator reading as decideRul takes it. */
export interface RulReading {
  /** The indicator (feature:rms, health, ...), reported in rul.indicator. */
  scope: string;
  ts: number;
  /** The value; null: nothing to add (e.g. learning). */
  y: number | null;
  /** false when rel-health reports normal or learning (the since-onset window starts afresh); undefined: no state. */
  degrading: boolean | undefined;
  /** rel-health's state, for the reasons. */
  stateText?: string;
  /** The level indicator: the learned mean the threshold and its range multiply. */
  base?: number;
}

/**
 * Decide one indicator value (pure): `pts` are the stream's points as stored (not changed); the
 * result has the points to keep, the writes and the output. Throws InputError when time goes back.
 */
export function decideRul(pts: readonly Point[], cfg: RulConfig, reading: RulReading): { points: Point[]; writes: RulWrites; out: RulOutput } {
  const { scope, ts, y, degrading, stateText, base } = reading;
  const last = pts.length ? pts[pts.length - 1].ts : undefined;
  if (last !== undefined && ts < last) throw new InputError('msg.payload.ts', `a time not before this stream's last point (${new Date(last).toISOString()})`, ts, 'time went backwards');
  const w: RulWrites = { clearAll: false, cutBefore: [], history: [] };
  const sinceOnset = cfg.windowHours === 0 && degrading !== undefined;
  if (sinceOnset && !degrading) {
    if (pts.length) w.clearAll = true;
    return { points: [], writes: w, out: { rul: null, reason: `asset is ${stateText ?? 'normal'}: no degradation to project` } };
  }
  if (y === null) return { points: [...pts], writes: w, out: { rul: null, reason: `no indicator value (${stateText ?? 'learning'})` } };
  const next = [...pts];
  w.point = { ts, y };
  if (last === ts) next[next.length - 1] = { ts, y };
  else next.push({ ts, y });
  const windowHours = cfg.windowHours || (sinceOnset ? 0 : 48);
  if (windowHours > 0) {
    const cut = ts - windowHours * 3.6e6;
    let k = 0;
    while (k < next.length && next[k].ts < cut) k++;
    if (k) {
      next.splice(0, k);
      w.cutBefore.push(cut);
    }
  }
  if (next.length > MAX_KEPT) {
    next.splice(0, next.length - MAX_KEPT);
    w.cutBefore.push(next[0].ts);
  }
  const k = cfg.indicator === 'level' ? base ?? NaN : 1;
  if (!(k > 0)) return { points: next, writes: w, out: { rul: null, reason: 'no learned level (msg.payload.health.level.mean) to scale the failure level' } };
  const threshold = cfg.threshold * k;
  const range: [number, number] | undefined = cfg.thresholdRange ? [cfg.thresholdRange[0] * k, cfg.thresholdRange[1] * k] : undefined;
  const r = estimateRul(next, { threshold, direction: cfg.direction, level: cfg.level, thresholdRange: range, plateauHours: cfg.plateauHours, minPoints: cfg.minPoints, maxPoints: cfg.maxPoints, models: cfg.models, offset: cfg.indicator === 'level' ? k : undefined, openEnded: cfg.openEnded === true && degrading === true });
  if (!r.rul) return { points: next, writes: w, out: { rul: null, reason: r.reason } };
  const { failureTs, ...rest } = r.rul;
  w.history.push({ metric: 'rul', value: rest.hours }, { metric: 'rul_low', value: rest.low });
  if (Number.isFinite(rest.high)) w.history.push({ metric: 'rul_high', value: rest.high });
  return {
    points: next,
    writes: w,
    out: {
      ...(r.reason ? { reason: r.reason } : {}),
      rul: {
        ...rest,
        hours: round3(rest.hours),
        low: round3(rest.low),
        high: Number.isFinite(rest.high) ? round3(rest.high) : rest.high,
        fit: round3(rest.fit),
        ratePerDay: round3(rest.ratePerDay),
        failureAt: new Date(Math.min(failureTs, 8.64e15)).toISOString(),
        indicator: scope,
        threshold: round6(threshold),
        thresholdRange: range ? [round6(range[0]), round6(range[1])] : [round6(threshold), round6(threshold)],
        direction: cfg.direction,
      },
    },
  };
}

const key = (asset: string, channel: string) => `${asset}\u0000${channel}`;

export class RulTracker {
  private readonly cache = new Map<string, Point[]>();
  /** The indicator (feature:rms, health, ...), reported in rul.indicator. */
  readonly scope: string;
  /** Where the points are stored: the key and the indicator. */
  private readonly pointScope: string;
  /** Resolves when the condition schema is in place (rejects with why it is not). */
  readonly ready: Promise<void>;
  private queue: Promise<unknown> = Promise.resolve();
  constructor(
    readonly store: Store,
    readonly cfg: RulConfig = DEFAULT_RUL,
  ) {
    const r = cfg.thresholdRange;
    if (r && !(r[0] <= cfg.threshold && cfg.threshold <= r[1])) throw new RangeError(`RulTracker: threshold range ${r[0]}-${r[1]} must contain the threshold ${cfg.threshold}`);
    this.scope = cfg.indicator === 'feature' ? `feature:${cfg.feature}` : cfg.indicator;
    this.pointScope = cfg.key ? `${cfg.key}|${this.scope}` : this.scope;
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

  private async points(q: Query, asset: string, channel: string): Promise<readonly Point[]> {
    return this.cache.get(key(asset, channel)) ?? (await rulPoints(q, this.pointScope, asset, channel, 0)).slice(-MAX_KEPT);
  }

  reset(asset: string, channel: string): Promise<void> {
    return this.serial(async () => {
      await clearRulPoints(this.store, this.pointScope, asset, channel);
      this.cache.set(key(asset, channel), []);
    });
  }

  /**
   * Add one indicator value (null: nothing to add, e.g. learning) and project. `degrading` is
   * false when rel-health reports normal or learning: the window then starts afresh.
   */
  add(asset: string, channel: string, ts: number, y: number | null, degrading: boolean | undefined, stateText?: string, base?: number): Promise<RulOutput> {
    return this.serial(async () => {
      const d = await this.store.tx(async (q) => {
        const r = decideRul(await this.points(q, asset, channel), this.cfg, { scope: this.scope, ts, y, degrading, stateText, base });
        const w = r.writes;
        if (w.clearAll) await clearRulPoints(q, this.pointScope, asset, channel);
        if (w.point) await addRulPoint(q, this.pointScope, asset, channel, w.point.ts, w.point.y);
        for (const cut of w.cutBefore) await clearRulPoints(q, this.pointScope, asset, channel, cut);
        for (const h of w.history) await recordHistory(q, asset, channel, h.metric, ts, h.value, this.cfg.historyMs);
        return r;
      });
      this.cache.set(key(asset, channel), d.points);
      return d.out;
    });
  }

  /** Stored history and events of an asset, merged to at most q.maxPoints per metric. */
  history(q: HistoryQuery): Promise<HistoryResult> {
    return this.serial(() => queryHistory(this.store, q, this.cfg.historyMs));
  }
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

function round6(x: number): number {
  return Number.isFinite(x) ? Number(x.toPrecision(6)) : x;
}
