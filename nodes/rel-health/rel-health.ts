/**
 * rel-health: learns each asset's own baseline from its first readings, then scores every
 * reading: anomaly, health 0-100, state normal/warning/alarm with hysteresis, dwell and shelving.
 * Output 1: every reading with msg.payload.health. Output 2: state changes only (for
 * rel-work-order `detect` and rel-andon). Optional last output (config `dashboard`): the score as
 * a number for ui-gauge / ui-chart. Thin shell over nodes/core/condition/health.ts.
 */
import { InputError } from '../core/errors';
import { object, oneOf, optTime, own, str, time } from '../core/validate';
import { HealthMonitor } from '../core/condition/health';
import { changeMsg, healthConfig, healthStatus, type HealthForm } from '../core/condition/health-node';
import { channelOf, historyQuery, optChannel, optText, refuseBadQuality } from '../core/condition/query';
import { resolveAsset } from '../shared/assets';
import { getClock } from '../shared/clock';
import { defineNode } from '../shared/node';
import type { NodeDef, NodeMessage, RedApi } from '../shared/red';
import { shortError, status } from '../shared/status';
import { acquireStore } from '../shared/store';
import { numberMessages } from '../shared/dashboard';
import { machineMode } from './machine-mode';
import { guardWrites } from '../shared/store-writes';
import { actor, authorize } from '../shared/actor';

interface HealthDef extends NodeDef, HealthForm {
  asset?: string;
  store?: string;
  /** `channel` (a baseline per asset and channel, the default for saved flows) or `machine` (one health per asset). */
  mode?: string;
  warnEveryHours?: number | string;
  alarmEveryHours?: number | string;
  lambda?: number | string;
  persistence?: number | string;
  startupMinutes?: number | string;
  runChannel?: string;
  runAbove?: number | string;
  modeChannel?: string;
  modeEdges?: string;
  limits?: string;
  /** One more output, the last: the score for stock dashboard widgets. */
  dashboard?: boolean | string;
}

const ACTIONS = ['score', 'relearn', 'shelve', 'unshelve', 'history', 'status'] as const;

/**
 * The dashboard message of a scored reading: the score (0 digits), topic = the asset (its
 * `features` channel) or "asset channel" (other channels), so one ui-chart draws a line per
 * asset and stream. Nothing while learning (no score yet; ui-chart rejects a null payload).
 */
function dashboardMsgs(asset: string, channel: string, ts: number, r: { score: number | null; state: string }): NodeMessage[] | null {
  if (r.score === null || r.score === undefined || !Number.isFinite(r.score)) return null;
  const [m] = numberMessages([{ label: 'health', value: r.score, digits: 0 }], { asset, ts });
  if (channel !== 'features') m.topic = `${asset} ${channel}`;
  m.channel = channel;
  m.state = r.state;
  return [m];
}

export = function (RED: RedApi) {
  defineNode<HealthDef>(RED, 'rel-health', (node, config) => {
    const cfg = healthConfig(config);
    const dash = config.dashboard === true || config.dashboard === 'true';
    // The existing outputs, plus the dashboard one (last) when configured.
    const emit = (main: unknown, changes: unknown, dashboard: NodeMessage[] | null = null) => (dash ? [main, changes, dashboard] : [main, changes]) as never;
    const clock = getClock(RED);
    const h = acquireStore(RED, config.store, 'rel-health');
    if (config.mode === 'machine') {
      const m = machineMode(RED, node, config, h.local, clock, cfg.historyMs, dash);
      return guardWrites(node, clock, 'rel-health', { input: m.input, close: async () => (await m.close(), h.release()) });
    }
    // per-box high-rate state: the local store (a SQLite file on this box)
    const mon = new HealthMonitor(h.local, cfg, () => clock.now());
    status.idle(node, `${cfg.rule === 'level' ? 'level rule, ' : ''}${cfg.learnMode === 'frames' ? `learns ${cfg.learnFrames} frames` : `learns ${cfg.learnHours} h`}`);
    mon.ready.catch((e) => {
      status.error(node, shortError(e));
      node.error(`rel-health: ${e instanceof Error ? e.message : String(e)}`);
    });
    return guardWrites(node, clock, 'rel-health', {
      input: async (msg, send) => {
        const rawAction = own(msg, 'action');
        const action = rawAction === undefined ? 'score' : oneOf(rawAction, 'msg.action', ACTIONS);
        const user = authorize(msg, 'rel-health', action);
        const p = object(msg.payload, 'msg.payload');
        const asset = resolveAsset(RED, config.asset, msg).assetId;
        const now = clock.now();
        if (action === 'score') {
          refuseBadQuality(p, 'is not scored');
          const feats = own(p, 'features');
          const quantity = own(p, 'quantity');
          const fallback = feats !== undefined ? 'features' : typeof quantity === 'string' && /^[A-Za-z0-9_.:/-]{1,64}$/.test(quantity) ? quantity : 'value';
          const channel = channelOf(p, fallback);
          const ts = optTime(own(p, 'ts'), 'msg.payload.ts', now);
          const res = await mon.reading(asset, channel, p, ts);
          msg.payload = { ...p, asset, health: res.health };
          if (res.notice) node.warn(`rel-health: ${res.notice}`);
          const st = healthStatus(res.health);
          status[st.kind](node, st.text);
          send(emit(msg, res.change ? changeMsg(res.change) : null, dash ? dashboardMsgs(asset, channel, ts, res.health) : null));
          return;
        }
        if (action === 'history') {
          msg.payload = { asset, history: await mon.history(historyQuery(p, asset, now)) };
          send(emit(msg, null));
          return;
        }
        if (action === 'status') {
          msg.payload = { asset, streams: await mon.streams(asset) };
          send(emit(msg, null));
          return;
        }
        const channel = optChannel(p);
        const ts = optTime(own(p, 'ts'), 'msg.payload.ts', now);
        if (action === 'relearn') {
          const channels = await mon.relearn(asset, channel, user?.username ?? optText(p, 'by', 100), optText(p, 'reason'), ts);
          msg.payload = { asset, relearn: channels };
          status.busy(node, `relearning ${asset}`);
          send(emit(msg, null));
          return;
        }
        // the logged-in user, else the typed name (flow messages)
        const by = str(actor(msg, own(p, 'by')), 'msg.payload.by', { maxLength: 100 });
        if (action === 'shelve') {
          const reason = str(own(p, 'reason'), 'msg.payload.reason', { maxLength: 500 });
          const until = time(own(p, 'until'), 'msg.payload.until');
          if (!(until > ts)) throw new InputError('msg.payload.until', `a time after the shelving time (${new Date(ts).toISOString()})`, own(p, 'until'));
          if (until - ts > 30 * 86_400_000) throw new InputError('msg.payload.until', 'at most 30 days ahead (shelving must expire)', own(p, 'until'));
          const channels = await mon.shelve(asset, channel, by, reason, until, ts);
          msg.payload = { asset, shelved: channels, by, reason, until: new Date(until).toISOString() };
          status.idle(node, `${asset} shelved`);
          send(emit(msg, null));
          return;
        }
        // unshelve
        const changes = await mon.unshelve(asset, channel, by, ts);
        msg.payload = { asset, unshelved: true, by };
        send(emit(msg, changes.length ? changes.map(changeMsg) : null));
      },
      close: async () => {
        // let the readings already accepted finish before the store goes
        await mon.drain();
        h.release();
      },
    });
  });
};
