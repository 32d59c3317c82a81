/**
 * rel-rul: remaining useful life from the trend of a degradation indicator (rel-health's health by
 * default, or the anomaly, a feature or a scalar value): robust linear and exponential fits, the
 * better one projected to the failure threshold, with an interval at a stated level. Optional last
 * output (config `dashboard`): RUL, low and high in hours as numbers for ui-gauge / ui-chart. Thin
 * shell over nodes/core/condition/rul-tracker.ts.
 */
import { formatRul } from '../core/condition/rul';
import { RulTracker } from '../core/condition/rul-tracker';
import { indicatorOf, rulConfig, type RulForm } from '../core/condition/rul-node';
import { historyQuery, optChannel, refuseBadQuality } from '../core/condition/query';
import { object, oneOf, own } from '../core/validate';
import { resolveAsset } from '../shared/assets';
import { getClock } from '../shared/clock';
import { guardWrites } from '../shared/store-writes';
import { authorize } from '../shared/actor';
import { defineNode } from '../shared/node';
import { numberMessages } from '../shared/dashboard';
import type { NodeDef, NodeMessage, RedApi } from '../shared/red';
import { shortError, status } from '../shared/status';
import { acquireStore } from '../shared/store';

interface RulDef extends NodeDef, RulForm {
  asset?: string;
  store?: string;
  /** One more output, the last: RUL numbers for stock dashboard widgets. */
  dashboard?: boolean | string;
}

const ACTIONS = ['estimate', 'reset', 'history'] as const;

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
        authorize(msg, 'rel-rul', action);
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
        const r = indicatorOf(cfg, p, now);
        if (r.state === 'stopped') {
          msg.payload = { ...p, asset, rul: null, reason: 'machine stopped' };
          status.idle(node, 'machine stopped');
          send(emit(msg));
          return;
        }
        const { channel, ts, state: stateText } = r;
        const out = await tracker.add(asset, channel, ts, r.y, r.degrading, stateText, r.base);
        msg.payload = { ...p, asset, rul: out.rul };
        // beside an estimate: why its interval is open (no upper bound)
        if (out.reason) (msg.payload as Record<string, unknown>).reason = out.reason;
        if (out.rul) {
          status.ok(node, `RUL ${formatRul({ ...out.rul, failureTs: 0 })}`);
        } else {
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
