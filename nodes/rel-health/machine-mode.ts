/**
 * rel-health's machine mode (config `mode: 'machine'`): one health per asset from all its
 * readings (rel-ingest's array output, single readings, rel-vibration features), quiet while the
 * machine is stopped, with the ISO 10816 zone of its velocity tag. Glue only: the logic is
 * nodes/core/condition/machine*.ts; state lives in the box's local store. The polls that arrive
 * together are stored in one transaction (group commit, machine-monitor.ts); a poll's messages are
 * sent, and done called, only after the commit that holds it.
 */
import { InputError } from '../core/errors';
import { object, oneOf, optTime, own, str, time } from '../core/validate';
import { machineConfig, machineEvidence, type MachineForm } from '../core/condition/machine-config';
import { MACHINE_CHANNEL, MachineMonitor, type MachineChange } from '../core/condition/machine-monitor';
import { historyQuery, optText, refuseBadQuality } from '../core/condition/query';
import { migrateCondition, queryHistory, recordEvent, recordHistory, type ConditionEvent } from '../core/condition/repo';
import { resolveAsset } from '../shared/assets';
import type { Clock } from '../shared/clock';
import type { NodeMessage, RedApi, RedNode, SendFn } from '../shared/red';
import type { Store } from '../core/store/types';
import { shortError, status } from '../shared/status';
import { numberMessages } from '../shared/dashboard';
import { actor, authorize } from '../shared/actor';

const ACTIONS = ['score', 'relearn', 'shelve', 'unshelve', 'history', 'status'] as const;

function changeMsg(c: MachineChange): NodeMessage {
  const severity = c.to === 'normal' ? 'normal' : c.to;
  return {
    topic: `${c.asset}/${MACHINE_CHANNEL}`,
    action: 'detect',
    payload: { asset: c.asset, channel: MACHINE_CHANNEL, ts: c.ts, from: c.from, to: c.to, state: c.to, severity, evidence: machineEvidence(c.health, c.from, c.to), health: c.health },
  };
}

/** The asset of a poll: the selected one, else the one the readings name (the first; the core checks the rest). */
function assetOf(RED: RedApi, configured: unknown, msg: NodeMessage) {
  const p = msg.payload;
  if (!Array.isArray(p)) return resolveAsset(RED, configured, msg);
  const first = p.find((r) => own(r, 'asset') !== undefined);
  return resolveAsset(RED, configured, { payload: first === undefined ? {} : { asset: own(first, 'asset') } } as NodeMessage);
}

export function machineMode(RED: RedApi, node: RedNode, config: MachineForm & { asset?: string }, local: Store, clock: Clock, historyMs: number, dash: boolean) {
  const cfg = machineConfig(config);
  const emit = (main: unknown, changes: unknown, dashboard: NodeMessage[] | null = null) => (dash ? [main, changes, dashboard] : [main, changes]) as never;
  const mon = new MachineMonitor(local, cfg, {
    event: (q, e) => recordEvent(q, e as ConditionEvent),
    history: (q, asset, channel, metric, ts, value) => recordHistory(q, asset, channel, metric, ts, value, historyMs),
  });
  const ready = migrateCondition(local);
  ready.catch((e) => {
    status.error(node, shortError(e));
    node.error(`rel-health: ${e instanceof Error ? e.message : String(e)}`);
  });
  status.idle(node, cfg.learnMode === 'readings' ? `machine: learns ${cfg.learnReadings} polls` : `machine: learns ${cfg.learnHours} h`);
  return {
    input: async (msg: NodeMessage, send: SendFn) => {
      const rawAction = own(msg, 'action');
      const action = rawAction === undefined ? 'score' : oneOf(rawAction, 'msg.action', ACTIONS);
      const user = authorize(msg, 'rel-health', action);
      const spec = assetOf(RED, config.asset, msg);
      const asset = spec.assetId;
      const now = clock.now();
      await ready;
      if (action === 'score') {
        if (!Array.isArray(msg.payload)) {
          object(msg.payload, 'msg.payload');
          refuseBadQuality(msg.payload, 'is not scored');
        }
        const res = await mon.poll(asset, spec.machineClass, msg.payload, now);
        const h = res.health;
        msg.payload = Array.isArray(msg.payload) ? { asset, ts: h.ts, readings: msg.payload, health: h } : { ...(msg.payload as object), asset, health: h };
        if (h.state === 'stopped') status.idle(node, 'stopped');
        else if (h.operating === 'starting') status.idle(node, 'starting');
        else if (h.state === 'learning') status.busy(node, `learning ${Math.floor(h.learned * 100)}%`);
        else if (h.shelved) status.idle(node, `health ${Math.round(h.score ?? 0)} shelved`);
        else if (h.state === 'alarm') status.error(node, `alarm: health ${Math.round(h.score ?? 0)}${h.isoZone ? ` zone ${h.isoZone}` : ''}`);
        else if (h.state === 'warning') status.warn(node, `warning: health ${Math.round(h.score ?? 0)}${h.isoZone ? ` zone ${h.isoZone}` : ''}`);
        else status.ok(node, `health ${Math.round(h.score ?? 100)}${h.isoZone ? ` zone ${h.isoZone}` : ''}`);
        let d: NodeMessage[] | null = null;
        // No score (stopped, starting, learning): nothing for the chart, which rejects a null payload.
        const [m] = dash ? numberMessages([{ label: 'health', value: h.score, digits: 0 }], { asset, ts: h.ts }) : [];
        if (m) {
          m.channel = MACHINE_CHANNEL;
          m.state = h.state;
          d = [m];
        }
        send(emit(msg, res.announce ? changeMsg(res.announce) : null, d));
        return;
      }
      const p = object(msg.payload, 'msg.payload');
      if (action === 'history') {
        msg.payload = { asset, history: await queryHistory(local, historyQuery(p, asset, now), historyMs) };
        send(emit(msg, null));
        return;
      }
      if (action === 'status') {
        msg.payload = { asset, machine: await mon.status(asset) };
        send(emit(msg, null));
        return;
      }
      const ts = optTime(own(p, 'ts'), 'msg.payload.ts', now);
      if (action === 'relearn') {
        await mon.relearn(asset, user?.username ?? optText(p, 'by', 100), optText(p, 'reason'), ts);
        msg.payload = { asset, relearn: [MACHINE_CHANNEL] };
        status.busy(node, `relearning ${asset}`);
        send(emit(msg, null));
        return;
      }
      const by = str(actor(msg, own(p, 'by')), 'msg.payload.by', { maxLength: 100 });
      if (action === 'shelve') {
        const reason = str(own(p, 'reason'), 'msg.payload.reason', { maxLength: 500 });
        const until = time(own(p, 'until'), 'msg.payload.until');
        if (!(until > ts)) throw new InputError('msg.payload.until', `a time after the shelving time (${new Date(ts).toISOString()})`, own(p, 'until'));
        if (until - ts > 30 * 86_400_000) throw new InputError('msg.payload.until', 'at most 30 days ahead (shelving must expire)', own(p, 'until'));
        await mon.shelve(asset, by, reason, until, ts);
        msg.payload = { asset, shelved: [MACHINE_CHANNEL], by, reason, until: new Date(until).toISOString() };
        status.idle(node, `${asset} shelved`);
        send(emit(msg, null));
        return;
      }
      const change = await mon.unshelve(asset, by, ts);
      msg.payload = { asset, unshelved: true, by };
      send(emit(msg, change ? changeMsg(change) : null));
    },
    close: async () => {
      await mon.drain();
    },
  };
}
