/**
 * rel-rul: remaining useful life from the trend of a degradation indicator (rel-health's health by
 * default, or the anomaly, a feature or a scalar value): robust linear and exponential fits, the
 * better one projected to the failure threshold, with an interval at a stated level. Optional last
 * output (config `dashboard`): RUL, low and high in hours as numbers for ui-gauge / ui-chart. Thin
 * shell over nodes/core/condition/rul-tracker.ts.
 */
import { InputError } from '../core/errors';
import { formatRul } from '../core/condition/rul';
import { DEFAULT_RUL, LEVEL_FAILURE_TIMES, RulTracker, defaultThresholdRange, type RulConfig } from '../core/condition/rul-tracker';
import { channelOf, historyQuery, optChannel, refuseBadQuality } from '../core/condition/query';
import { isObject, num, object, oneOf, optTime, own } from '../core/validate';
import { resolveAsset } from '../shared/assets';
import { getClock } from '../shared/clock';
import { guardWrites } from '../shared/store-writes';
import { defineNode } from '../shared/node';
import { numberMessages } from '../shared/dashboard';
import type { NodeDef, NodeMessage, RedApi } from '../shared/red';
import { shortError, status } from '../shared/status';
import { acquireStore } from '../shared/store';

interface RulDef extends NodeDef {
  asset?: string;
  store?: string;
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
  /** One more output, the last: RUL numbers for stock dashboard widgets. */
  dashboard?: boolean | string;
}

const ACTIONS = ['estimate', 'reset', 'history'] as const;

function cfgNum(v: unknown, def: number, what: string, o: { min?: number; max?: number; gt?: number; integer?: boolean }): number {
  if (v === undefined || v === '' || v === null) return def;
  return num(v, `config ${what}`, o);
}

function rulConfig(c: RulDef): RulConfig {
  const indicator = (['health', 'anomaly', 'level', 'feature', 'value'] as const).find((x) => x === c.indicator) ?? 'health';
  const feature = typeof c.feature === 'string' && c.feature.trim() ? c.feature.trim() : 'rms';
  const auto = indicator === 'health' ? 'below' : 'above';
  // the level indicator rises to its failure level (a multiple of the learned mean)
  const direction = indicator === 'level' ? 'above' : c.direction === 'below' || c.direction === 'above' ? c.direction : auto;
  if (indicator !== 'health' && indicator !== 'level' && (c.threshold === undefined || c.threshold === '')) throw new Error(`config: a failure threshold is needed for the ${indicator} indicator`);
  const threshold = cfgNum(c.threshold, indicator === 'level' ? LEVEL_FAILURE_TIMES : DEFAULT_RUL.threshold, 'threshold', indicator === 'level' ? { gt: 1, max: 1000 } : {});
  // Health: the failure level is known to within -50 % / +50 % by default (10: 5-15). Other
  // indicators: exactly the threshold unless a range is configured.
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
    historyMs: cfgNum(c.historyMinutes, 10, 'historyMinutes', { min: 1, max: 24 * 60, integer: true }) * 60_000,
  };
}

/**
 * The dashboard messages of an estimate: "<asset> RUL", "<asset> RUL low", "<asset> RUL high" in
 * hours (1 digit). Nothing without an estimate, and no "high" when the upper bound is unbounded:
 * ui-chart rejects a null payload.
 */
function dashboardMsgs(asset: string, channel: string, ts: number, rul: { hours: number; low: number; high: number } | null): NodeMessage[] | null {
  if (!rul) return null;
  const msgs = numberMessages(
    [
      { label: 'RUL', value: rul.hours, unit: 'h', digits: 1 },
      { label: 'RUL low', value: rul.low, unit: 'h', digits: 1 },
      { label: 'RUL high', value: rul.high, unit: 'h', digits: 1 },
    ],
    { asset, ts },
    true,
  ).filter((m) => m.payload !== null);
  for (const m of msgs) m.channel = channel;
  return msgs.length ? msgs : null;
}

export = function (RED: RedApi) {
  defineNode<RulDef>(RED, 'rel-rul', (node, config) => {
    const cfg = rulConfig(config);
    const dash = config.dashboard === true || config.dashboard === 'true';
    // The main output, plus the dashboard one (last) when configured.
    const emit = (main: NodeMessage, dashboard: NodeMessage[] | null = null) => (dash ? [main, dashboard] : main) as never;
    const clock = getClock(RED);
    const h = acquireStore(RED, config.store, 'rel-rul');
    // per-box high-rate state: the local store (a SQLite file on this box)
    const tracker = new RulTracker(h.local, { ...cfg, key: node.id });
    status.idle(node, `${tracker.scope} ${cfg.direction} ${cfg.threshold}`);
    tracker.ready.catch((e) => {
      status.error(node, shortError(e));
      node.error(`rel-rul: ${e instanceof Error ? e.message : String(e)}`);
    });
    return guardWrites(node, clock, 'rel-rul', {
      input: async (msg, send) => {
        const rawAction = own(msg, 'action');
        // rel-health's state-change msgs carry action "detect": treat them as readings too.
        const action = rawAction === undefined || rawAction === 'detect' ? 'estimate' : oneOf(rawAction, 'msg.action', ACTIONS);
        const p = object(msg.payload, 'msg.payload');
        const asset = resolveAsset(RED, config.asset, msg).assetId;
        const now = clock.now();
        if (action === 'history') {
          msg.payload = { asset, history: await tracker.history(historyQuery(p, asset, now)) };
          send(emit(msg));
          return;
        }
        if (action === 'estimate') refuseBadQuality(p, 'does not enter the trend');
        if (action === 'reset') {
          const channel = optChannel(p) ?? (cfg.indicator === 'value' ? 'value' : 'features');
          await tracker.reset(asset, channel);
          msg.payload = { asset, channel, rul: null, reason: 'reset' };
          status.idle(node, 'reset');
          send(emit(msg));
          return;
        }
        let y: number | null;
        let degrading: boolean | undefined;
        let stateText: string | undefined;
        let channel: string;
        let ts: number;
        let base: number | undefined;
        if (cfg.indicator === 'health' || cfg.indicator === 'anomaly' || cfg.indicator === 'level') {
          const hv = own(p, 'health');
          if (!isObject(hv)) throw new InputError('msg.payload.health', 'the health object rel-health adds (wire rel-rul after rel-health)', hv);
          channel = channelOf(hv, channelOf(p, 'features'));
          ts = optTime(own(hv, 'ts') ?? own(p, 'ts'), 'msg.payload.health.ts', now);
          const st = oneOf(own(hv, 'state'), 'msg.payload.health.state', ['learning', 'normal', 'warning', 'alarm', 'stopped'] as const);
          if (st === 'stopped') {
            // rel-health's machine mode while the machine is stopped: no point, the trend waits
            msg.payload = { ...p, asset, rul: null, reason: 'machine stopped' };
            status.idle(node, 'machine stopped');
            send(emit(msg));
            return;
          }
          degrading = st === 'warning' || st === 'alarm';
          stateText = st;
          if (cfg.indicator === 'level') {
            // rel-health with rule "level": its level and learned mean (none while learning)
            const lv = own(hv, 'level');
            if (lv === undefined || lv === null) {
              if (st !== 'learning') throw new InputError('msg.payload.health.level', 'the level rel-health reports with "Alarm on: the RMS level" (rule level)', lv);
              y = null;
            } else {
              const l = object(lv, 'msg.payload.health.level');
              y = Math.max(num(own(l, 'value'), 'msg.payload.health.level.value'), 1e-12); // log-linear fit needs > 0
              base = num(own(l, 'mean'), 'msg.payload.health.level.mean', { gt: 0 });
            }
          } else {
            const key = cfg.indicator === 'health' ? 'score' : 'anomaly';
            const v = own(hv, key);
            y = v === null ? null : num(v, `msg.payload.health.${key}`, cfg.indicator === 'health' ? { min: 0, max: 100 } : { min: 0 });
            if (cfg.indicator === 'health' && y !== null) y = Math.max(y, 0.01); // log-linear fit needs > 0
          }
        } else if (cfg.indicator === 'feature') {
          const f = object(own(p, 'features'), 'msg.payload.features');
          y = num(own(f, cfg.feature), `msg.payload.features.${cfg.feature}`);
          channel = channelOf(p, 'features');
          ts = optTime(own(p, 'ts'), 'msg.payload.ts', now);
        } else {
          y = num(own(p, 'value'), 'msg.payload.value');
          channel = channelOf(p, 'value');
          ts = optTime(own(p, 'ts'), 'msg.payload.ts', now);
        }
        const out = await tracker.add(asset, channel, ts, y, degrading, stateText, base);
        msg.payload = { ...p, asset, rul: out.rul };
        if (out.rul) {
          status.ok(node, `RUL ${formatRul({ ...out.rul, failureTs: 0 })}`);
        } else {
          (msg.payload as Record<string, unknown>).reason = out.reason;
          status.idle(node, out.reason!.startsWith('asset is') ? `no RUL: ${stateText}` : out.reason!.startsWith('too little') ? out.reason!.replace('too little data: ', 'data ') : 'no trend');
        }
        send(emit(msg, dash ? dashboardMsgs(asset, channel, ts, out.rul) : null));
      },
      close: async () => {
        // let the readings already accepted finish before the store goes
        await tracker.drain();
        h.release();
      },
    });
  });
};
