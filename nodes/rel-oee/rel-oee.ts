/**
 * rel-oee: availability, performance, quality and OEE per shift and rolling, from machine state
 * events and good/total count increments with the ideal cycle time; the loss breakdown in
 * minutes; shift records persisted in the store; the Rule of 85 tracker for critical assets.
 */
import { oneOf, optStr, own } from '../core/validate';
import { configFlag, configName, payloadFields } from '../core/node-config';
import { shiftAt } from '../core/jit/calendar';
import { eventAction, eventTs } from '../core/jit/events';
import { MACHINE_STATES, applyCount, applyState } from '../core/jit/oee';
import { ShiftEnds, countEvent, oeeAnswer, oeeGauges, oeeLine, oeeSettings, oeeStatus } from '../core/jit/oee-node';
import { OeeTracker } from '../core/jit/oee-tracker';
import { defineNode } from '../shared/node';
import { status } from '../shared/status';
import { getClock } from '../shared/clock';
import { findAsset } from '../shared/assets';
import { numberMessages } from '../shared/dashboard';
import { NodeWork, acquireJitStore, eventSubject, calendarFromConfig } from '../shared/jit';
import { jitHandlers } from '../shared/jit-node';
import type { NodeDef, NodeMessage, RedApi, SendFn } from '../shared/red';

interface OeeDef extends NodeDef {
  store?: string;
  asset?: string;
  shifts?: string;
  breaks?: string;
  utcOffset?: string | number;
  idealCycleS?: number | string;
  rollingHours?: number | string;
  criticalAssets?: string;
  rule85Days?: number | string;
  rule85Oee?: number | string;
  bufferDays?: number | string;
  /** One more output (the last) for stock dashboard widgets. */
  dashboard?: boolean | string;
  /** The figures the dashboard output sends: `shift` (default) or `rolling`. */
  dashboardFigures?: string;
}

const ACTIONS = ['state', 'count', 'report'] as const;

export = function (RED: RedApi) {
  defineNode<OeeDef>(RED, 'rel-oee', (node, config) => {
    const clock = getClock(RED);
    const cal = calendarFromConfig(config);
    const { idealDefault, rollingHours, requiredDays, threshold, bufferDays, critical, dashboardFigures } = oeeSettings(config);
    const fixedAsset = configName(config.asset);
    const dashboard = configFlag(config.dashboard);
    const js = acquireJitStore(RED, config.store, 'rel-oee');
    const criticality = (a: string) => findAsset(a)?.criticality;
    const tracker = new OeeTracker(js.store, js.scope(`oee:${node.id}`), { cal, rollingHours, requiredDays, threshold, bufferDays, critical, criticality });
    const work = new NodeWork(node, async () => {
      await js.ready();
      const n = await tracker.open();
      status.idle(node, n ? `${n} assets` : 'waiting for events');
    });

    // At each shift end, close the shift of every asset last heard of during it, so its record is complete in the store.
    const shiftEnds = new ShiftEnds(cal, clock, (done, end) =>
      work.detach(async () => {
        try {
          await tracker.closeShift(done, end);
        } catch (e) {
          throw new Error(`closing shift ${done.id}: ${e instanceof Error ? e.message : String(e)}`);
        }
      }),
    );

    /** A report of the shift (or the one named): the figures, and one gauge message each on the dashboard output (the shift's or the rolling window's). */
    async function report(msg: NodeMessage, send: SendFn, asset: string, ts: number): Promise<void> {
      const payload = msg.payload;
      const shiftId = optStr(own(payload, 'shift'), 'msg.payload.shift', { maxLength: 64 });
      const rep = await tracker.report(asset, ts, shiftId || undefined);
      msg.payload = { ...payloadFields(payload), oee: rep };
      if (dashboard) send([msg, numberMessages(oeeGauges(dashboardFigures === 'rolling' ? rep.rolling : rep), { asset, ts })]);
      else send(msg);
      if (rep.oee !== null) status.info(node, oeeLine(rep));
    }

    /** A machine state or a count: the asset's state and the current shift's figures so far. */
    async function event(msg: NodeMessage, send: SendFn, action: 'state' | 'count', asset: string, ts: number): Promise<void> {
      const payload = msg.payload;
      let note: string | undefined;
      const slot = shiftAt(cal, ts);
      let r: Awaited<ReturnType<typeof tracker.event>>;
      if (action === 'state') {
        const st = oneOf(own(payload, 'state'), 'msg.payload.state', MACHINE_STATES);
        const reason = optStr(own(payload, 'reason'), 'msg.payload.reason', { maxLength: 200 });
        r = await tracker.event(asset, ts, (prev, get) => applyState(prev, cal, ts, st, reason, get).state);
      } else {
        const c = countEvent(payload);
        r = await tracker.event(asset, ts, (prev, get) => {
          const ideal = c.idealCycleS ?? prev.idealCycleS ?? idealDefault;
          const next = applyCount(prev, cal, ts, c.good, c.total, ideal, get, slot).state;
          if (c.idealCycleS !== undefined) next.idealCycleS = ideal;
          return next;
        });
        if (!slot) note = 'count outside every shift of the calendar: not counted';
      }
      msg.payload = { ...payloadFields(payload), oee: oeeAnswer(asset, r.state, r.current, ts, note), ...(note ? { note } : {}) };
      send(dashboard ? [msg, null] : msg);
      if (!r.current) return;
      const st = oeeStatus(r.current, threshold);
      status[st.level](node, st.text);
    }

    async function handle(msg: NodeMessage, send: SendFn, arrived: number): Promise<void> {
      const action = eventAction(msg, ACTIONS);
      const ts = eventTs(msg.payload, arrived);
      const asset = eventSubject(msg.payload, 'asset', fixedAsset);
      if (action === 'report') await report(msg, send, asset, ts);
      else await event(msg, send, action, asset, ts);
    }

    return jitHandlers(node, clock, 'rel-oee', { work, store: js, handle, beforeIdle: () => shiftEnds.stop() });
  });
};
