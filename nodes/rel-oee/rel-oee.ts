/**
 * rel-oee: availability, performance, quality and OEE per shift and rolling, from machine state
 * events and good/total count increments with the ideal cycle time; the loss breakdown in
 * minutes; shift records persisted in the store; the Rule of 85 tracker for critical assets.
 */
import { num, oneOf, optNum, optStr, own } from '../core/validate';
import { nextShiftStart, shiftAt } from '../core/jit/calendar';
import { cfgNum, eventAction, eventTs, iso, listConfig } from '../core/jit/events';
import { MACHINE_STATES, applyCount, applyState, oeeFigures, type ShiftRecord } from '../core/jit/oee';
import { OeeTracker } from '../core/jit/oee-tracker';
import { defineNode } from '../shared/node';
import { status } from '../shared/status';
import { getClock } from '../shared/clock';
import { guardWrites } from '../shared/store-writes';
import { findAsset } from '../shared/assets';
import { numberMessages } from '../shared/dashboard';
import { NodeWork, acquireJitStore, eventSubject, calendarFromConfig } from '../shared/jit';
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
}

const ACTIONS = ['state', 'count', 'report'] as const;
const pct = (x: number | null) => (x === null ? '-' : String(Math.round(x * 100)));
/** A fraction (0-1) in percent for a gauge; null stays null. */
const percent = (x: number | null) => (x === null ? null : x * 100);

export = function (RED: RedApi) {
  defineNode<OeeDef>(RED, 'rel-oee', (node, config) => {
    const clock = getClock(RED);
    const cal = calendarFromConfig(config);
    const idealDefault = cfgNum(config.idealCycleS, 'idealCycleS', NaN, { gt: 0, max: 1e6 });
    const rollingHours = cfgNum(config.rollingHours, 'rollingHours', 24, { gt: 0, max: 24 * 366 });
    const requiredDays = cfgNum(config.rule85Days, 'rule85Days', 30, { min: 1, max: 365, integer: true });
    const threshold = cfgNum(config.rule85Oee, 'rule85Oee', 0.85, { gt: 0, max: 1 });
    const bufferDays = cfgNum(config.bufferDays, 'bufferDays', 3, { min: 0, max: 365 });
    const critical = listConfig(config.criticalAssets);
    const fixedAsset = typeof config.asset === 'string' && config.asset.trim() ? config.asset.trim() : undefined;
    const dashboard = config.dashboard === true || config.dashboard === 'true';
    const js = acquireJitStore(RED, config.store, 'rel-oee');
    const tracker = new OeeTracker(js.store, js.scope(`oee:${node.id}`), {
      cal,
      rollingHours,
      requiredDays,
      threshold,
      bufferDays,
      critical,
      criticality: (a) => findAsset(a)?.criticality,
    });
    const work = new NodeWork(node, async () => {
      await js.ready();
      const n = await tracker.open();
      status.idle(node, n ? `${n} assets` : 'waiting for events');
    });

    /** At each shift end, close the shift of every asset last heard of during it, so its record is complete in the store. */
    let timer: unknown;
    function scheduleShiftEnd(): void {
      const now = clock.now();
      const cur = shiftAt(cal, now);
      const next = cur ? cur.end : nextShiftStart(cal, now);
      if (next === undefined) return;
      timer = clock.setTimeout(() => {
        timer = undefined;
        const end = clock.now();
        const done = shiftAt(cal, end - 1);
        if (done)
          work.detach(async () => {
            try {
              await tracker.closeShift(done, end);
            } catch (e) {
              throw new Error(`closing shift ${done.id}: ${e instanceof Error ? e.message : String(e)}`);
            }
          });
        scheduleShiftEnd();
      }, Math.max(1, next - now));
    }
    scheduleShiftEnd();

    function show(rec: ShiftRecord | undefined): void {
      if (!rec) return;
      const f = oeeFigures([rec]);
      if (f.oee === null) {
        status.info(node, `A ${pct(f.availability)} · ${f.total} parts`);
        return;
      }
      const text = `OEE ${pct(f.oee)}% · A ${pct(f.availability)} P ${pct(f.performance)} Q ${pct(f.quality)}`;
      if (f.oee >= threshold) status.ok(node, text);
      else status.warn(node, text);
    }

    async function handle(msg: NodeMessage, send: SendFn, arrived: number): Promise<void> {
      const action = eventAction(msg, ACTIONS);
      const payload = msg.payload;
      const ts = eventTs(payload, arrived);
      const asset = eventSubject(payload, 'asset', fixedAsset);
      const base = payload !== null && typeof payload === 'object' && !Array.isArray(payload) ? (payload as object) : {};
      if (action === 'report') {
        const shiftId = optStr(own(payload, 'shift'), 'msg.payload.shift', { maxLength: 64 });
        const rep = await tracker.report(asset, ts, shiftId || undefined);
        msg.payload = { ...base, oee: rep };
        if (dashboard) {
          // The shift's figures in percent, one message each (topic = the label) for ui-chart / ui-gauge.
          const values = [
            { label: 'Availability', value: percent(rep.availability), unit: '%' },
            { label: 'Performance', value: percent(rep.performance), unit: '%' },
            { label: 'Quality', value: percent(rep.quality), unit: '%' },
            { label: 'OEE', value: percent(rep.oee), unit: '%' },
          ];
          send([msg, numberMessages(values, { asset, ts })]);
        } else send(msg);
        if (rep.oee !== null) status.info(node, `OEE ${pct(rep.oee)}% · A ${pct(rep.availability)} P ${pct(rep.performance)} Q ${pct(rep.quality)}`);
        return;
      }
      let note: string | undefined;
      const slot = shiftAt(cal, ts);
      let r: Awaited<ReturnType<typeof tracker.event>>;
      if (action === 'state') {
        const st = oneOf(own(payload, 'state'), 'msg.payload.state', MACHINE_STATES);
        const reason = optStr(own(payload, 'reason'), 'msg.payload.reason', { maxLength: 200 });
        r = await tracker.event(asset, ts, (prev, get) => applyState(prev, cal, ts, st, reason, get).state);
      } else {
        const good = num(own(payload, 'good'), 'msg.payload.good', { min: 0, max: 1e9, integer: true });
        const total = num(own(payload, 'total'), 'msg.payload.total', { min: 0, max: 1e9, integer: true });
        const given = optNum(own(payload, 'idealCycleS'), 'msg.payload.idealCycleS', { gt: 0, max: 1e6 });
        r = await tracker.event(asset, ts, (prev, get) => {
          const ideal = given ?? prev.idealCycleS ?? idealDefault;
          const next = applyCount(prev, cal, ts, good, total, ideal, get, slot).state;
          if (given !== undefined) next.idealCycleS = ideal;
          return next;
        });
        if (!slot) note = 'count outside every shift of the calendar: not counted';
      }
      const { state: next, current } = r;
      const f = current ? oeeFigures([current]) : undefined;
      msg.payload = {
        ...base,
        oee: f ? { asset, ...f, shift: current!.shift, from: iso(current!.start), to: iso(ts), state: next.state } : { asset, shift: null, state: next.state, note: note ?? 'outside every shift' },
        ...(note ? { note } : {}),
      };
      send(dashboard ? [msg, null] : msg);
      show(current);
    }

    return guardWrites(node, clock, 'rel-oee', {
      // "now" is when the message arrived, not when its turn in the queue came
      input: (msg: NodeMessage, send) => {
        const arrived = clock.now();
        return work.run(() => handle(msg, send, arrived));
      },
      close: async () => {
        if (timer !== undefined) clock.clearTimeout(timer);
        timer = undefined;
        await work.idle();
        js.release();
      },
    });
  });
};
