/**
 * rel-rul's node-level logic without Node-RED: the form config checked into a RulConfig, and the
 * indicator value read from a message payload (rel-health's health object, a feature or a value).
 * nodes/rel-rul/rel-rul.ts is the glue around it.
 */
import { InputError } from '../errors';
import { isObject, num, object, oneOf, optTime, own } from '../validate';
import { LEVEL_FAILURE_RATIO } from './level-rule';
import { channelOf } from './query';
import { DEFAULT_RUL, defaultThresholdRange, type RulConfig } from './rul-tracker';
import { cfgNum } from './health-node';

/** The fields of rel-rul's form that rulConfig reads (strings or numbers, as saved). */
export interface RulForm {
  indicator?: string;
  feature?: string;
  threshold?: number | string;
  thresholdLow?: number | string;
  thresholdHigh?: number | string;
  plateauHours?: number | string;
  direction?: string;
  level?: number | string;
  windowHours?: number | string;
  minPoints?: number | string;
  historyMinutes?: number | string;
}

/**
 * The form checked into a RulConfig; error naming the field. The level indicator rises to its
 * failure level, a multiple (> 1, default LEVEL_FAILURE_RATIO) of the learned healthy mean: its
 * direction is "above" (auto), and a direction "below" is refused rather than overridden.
 */
export function rulConfig(c: RulForm): RulConfig {
  const indicator = (['health', 'anomaly', 'level', 'feature', 'value'] as const).find((x) => x === c.indicator) ?? 'health';
  const feature = typeof c.feature === 'string' && c.feature.trim() ? c.feature.trim() : 'rms';
  const auto = indicator === 'health' ? 'below' : 'above';
  if (indicator === 'level' && c.direction === 'below') throw new Error('config direction: expected auto or above with the level indicator (the level rises to its failure level), got "below"');
  const direction = c.direction === 'below' || c.direction === 'above' ? c.direction : auto;
  if (indicator !== 'health' && indicator !== 'level' && (c.threshold === undefined || c.threshold === '')) throw new Error(`config: a failure threshold is needed for the ${indicator} indicator`);
  const threshold =
    indicator === 'level'
      ? cfgNum(c.threshold, LEVEL_FAILURE_RATIO, 'threshold (times the learned healthy level)', { gt: 1, max: 1000 })
      : cfgNum(c.threshold, DEFAULT_RUL.threshold, 'threshold', {});
  // Health: the failure level is known to within -50 % / +50 % by default (10: 5-15). Level: half
  // a zone either side. Other indicators: exactly the threshold unless a range is configured.
  const def = defaultThresholdRange(indicator, threshold) ?? [threshold, threshold];
  const lo = cfgNum(c.thresholdLow, def[0], 'thresholdLow', {});
  const hi = cfgNum(c.thresholdHigh, def[1], 'thresholdHigh', {});
  if (!(lo <= threshold && threshold <= hi)) throw new Error(`config: the threshold range ${lo}-${hi} must contain the threshold ${threshold}`);
  return {
    indicator,
    feature,
    direction,
    threshold,
    thresholdRange: lo === threshold && hi === threshold ? null : [lo, hi],
    plateauHours: cfgNum(c.plateauHours, 0, 'plateauHours', { min: 0, max: 24 * 30 }),
    level: cfgNum(c.level, DEFAULT_RUL.level, 'level', { gt: 0.5, max: 0.99 }),
    windowHours: cfgNum(c.windowHours, 0, 'windowHours', { min: 0, max: 24 * 365 }),
    minPoints: cfgNum(c.minPoints, DEFAULT_RUL.minPoints, 'minPoints', { min: 3, max: 1000, integer: true }),
    maxPoints: DEFAULT_RUL.maxPoints,
    // the level: Gebraeel's exponential model on the defect's power above the healthy level (rul.ts)
    models: indicator === 'level' ? ['excess'] : undefined,
    // while rel-health reports warning or alarm, no significant trend but one towards the threshold:
    // the earliest crossing, no upper bound (high Infinity)
    openEnded: true,
    historyMs: cfgNum(c.historyMinutes, 10, 'historyMinutes', { min: 1, max: 24 * 60, integer: true }) * 60_000,
  };
}

/** One indicator reading from a payload: the value (null: none yet), its stream and time, rel-health's state. */
export interface IndicatorReading {
  y: number | null;
  channel: string;
  ts: number;
  /** rel-health's state (health, anomaly and level indicators): warning or alarm is degrading. */
  state?: 'learning' | 'normal' | 'warning' | 'alarm' | 'stopped';
  degrading?: boolean;
  /** The level indicator: the learned healthy mean the failure level multiplies. */
  base?: number;
}

/**
 * The level indicator's value from rel-health's health object (rule "level"): its level and
 * learned mean; null while learning (no level yet). InputError naming the property otherwise.
 */
export function levelIndicator(hv: Record<string, unknown>, state: string): { y: number | null; base?: number } {
  const lv = own(hv, 'level');
  if (lv === undefined || lv === null) {
    if (state !== 'learning') throw new InputError('msg.payload.health.level', 'the level rel-health reports with "Alarm on: the RMS level" (rule level)', lv);
    return { y: null };
  }
  const l = object(lv, 'msg.payload.health.level');
  return {
    y: Math.max(num(own(l, 'value'), 'msg.payload.health.level.value'), 1e-12), // log-linear fit needs > 0
    base: num(own(l, 'mean'), 'msg.payload.health.level.mean', { gt: 0 }),
  };
}

/** The indicator reading of a payload for this config (`now`: the time of a reading without ts). */
export function indicatorOf(cfg: Pick<RulConfig, 'indicator' | 'feature'>, p: Record<string, unknown>, now: number): IndicatorReading {
  if (cfg.indicator === 'feature') {
    const f = object(own(p, 'features'), 'msg.payload.features');
    return { y: num(own(f, cfg.feature), `msg.payload.features.${cfg.feature}`), channel: channelOf(p, 'features'), ts: optTime(own(p, 'ts'), 'msg.payload.ts', now) };
  }
  if (cfg.indicator === 'value') return { y: num(own(p, 'value'), 'msg.payload.value'), channel: channelOf(p, 'value'), ts: optTime(own(p, 'ts'), 'msg.payload.ts', now) };
  const hv = own(p, 'health');
  if (!isObject(hv)) throw new InputError('msg.payload.health', 'the health object rel-health adds (wire rel-rul after rel-health)', hv);
  const channel = channelOf(hv, channelOf(p, 'features'));
  const ts = optTime(own(hv, 'ts') ?? own(p, 'ts'), 'msg.payload.health.ts', now);
  const state = oneOf(own(hv, 'state'), 'msg.payload.health.state', ['learning', 'normal', 'warning', 'alarm', 'stopped'] as const);
  const degrading = state === 'warning' || state === 'alarm';
  // rel-health's machine mode while the machine is stopped: no point, the trend waits
  if (state === 'stopped') return { y: null, channel, ts, state, degrading };
  if (cfg.indicator === 'level') return { ...levelIndicator(hv, state), channel, ts, state, degrading };
  const key = cfg.indicator === 'health' ? 'score' : 'anomaly';
  const v = own(hv, key);
  let y = v === null ? null : num(v, `msg.payload.health.${key}`, cfg.indicator === 'health' ? { min: 0, max: 100 } : { min: 0 });
  if (cfg.indicator === 'health' && y !== null) y = Math.max(y, 0.01); // log-linear fit needs > 0
  return { y, channel, ts, state, degrading };
}
