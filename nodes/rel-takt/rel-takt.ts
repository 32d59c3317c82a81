/**
 * rel-takt: takt from the shift calendar and demand, cycle time from cycle-complete events
 * (rolling median and P90), the count of cycles over takt, and an alert on the second output when
 * the median cycle creeps above a configured fraction of takt.
 */
import { InputError } from '../core/errors';
import { num, optNum, own } from '../core/validate';
import { StateBook } from '../core/jit/state';
import { cfgNum, eventAction, eventTs } from '../core/jit/events';
import { figures, newTaktState, recordCycle, shiftTakt, taktTime, type TaktParams, type TaktState } from '../core/jit/takt';
import { defineNode } from '../shared/node';
import { status } from '../shared/status';
import { getClock } from '../shared/clock';
import { guardWrites } from '../shared/store-writes';
import { numberMessages } from '../shared/dashboard';
import { NodeWork, acquireJitStore, eventSubject, calendarFromConfig } from '../shared/jit';
import type { NodeDef, NodeMessage, RedApi, SendFn } from '../shared/red';

interface TaktDef extends NodeDef {
  store?: string;
  asset?: string;
  shifts?: string;
  breaks?: string;
  utcOffset?: string | number;
  demand?: number | string;
  window?: number | string;
  creepAlert?: number | string;
  minCycles?: number | string;
  /** One more output (the last) for stock dashboard widgets. */
  dashboard?: boolean | string;
}

const ACTIONS = ['cycle', 'report', 'demand'] as const;
const MAX_ASSETS = 1000;
const SETTINGS_KEY = '__settings__';

export = function (RED: RedApi) {
  defineNode<TaktDef>(RED, 'rel-takt', (node, config) => {
    const clock = getClock(RED);
    const cal = calendarFromConfig(config);
    const params: TaktParams = {
      demandPerShift: cfgNum(config.demand, 'demand', NaN, { gt: 0 }),
      window: cfgNum(config.window, 'window', 50, { min: 3, max: 10_000, integer: true }),
      creepAlert: cfgNum(config.creepAlert, 'creepAlert', 0.95, { gt: 0, max: 2 }),
      minCycles: cfgNum(config.minCycles, 'minCycles', 5, { min: 1, max: 10_000, integer: true }),
    };
    shiftTakt(cal, clock.now(), params.demandPerShift); // the calendar must give available time
    const fixedAsset = typeof config.asset === 'string' && config.asset.trim() ? config.asset.trim() : undefined;
    const dashboard = config.dashboard === true || config.dashboard === 'true';
    /** The output slots: the dashboard one (last) only when configured. */
    const slots = (main: (NodeMessage | NodeMessage[] | null)[], dash: NodeMessage[] | null = null) => (dashboard ? [...main, dash] : main);
    const js = acquireJitStore(RED, config.store, 'rel-takt');
    const book = new StateBook<TaktState>(js.store, js.scope(`takt:${node.id}`));

    function show(f: { taktS: number; cycleMedianS: number | null; overTakt: number; creep: number | null }, alerting: boolean) {
      const text = f.cycleMedianS === null ? `takt ${f.taktS} s` : `takt ${f.taktS} s · cycle ${f.cycleMedianS} s · ${f.overTakt} over`;
      if (alerting) status.warn(node, text);
      else status.ok(node, text);
    }
    const work = new NodeWork(node, async () => {
      await js.ready();
      const saved = await book.read<{ demandPerShift: number }>(SETTINGS_KEY);
      if (saved && saved.demandPerShift > 0) params.demandPerShift = saved.demandPerShift;
      await book.load(MAX_ASSETS + 1, [SETTINGS_KEY]);
      status.idle(node, `takt ${Math.round(shiftTakt(cal, clock.now(), params.demandPerShift).taktS * 10) / 10} s`);
    });

    async function handle(msg: NodeMessage, send: SendFn, arrived: number): Promise<void> {
      const action = eventAction(msg, ACTIONS);
      const payload = msg.payload;
      const ts = eventTs(payload, arrived);
      const base = payload !== null && typeof payload === 'object' && !Array.isArray(payload) ? (payload as object) : {};
      if (action === 'demand') {
        const d = num(own(payload, 'demand'), 'msg.payload.demand', { min: 0, max: 1e9 });
        const { availableS } = shiftTakt(cal, ts, params.demandPerShift);
        taktTime(availableS, d); // zero demand: a clear error, nothing changed
        await book.write(js.store, SETTINGS_KEY, { demandPerShift: d }, ts); // kept across restarts
        params.demandPerShift = d;
        const t = shiftTakt(cal, ts, d);
        const taktS = Math.round(t.taktS * 1000) / 1000;
        msg.payload = { ...base, takt: { taktS, availableS: t.availableS, demand: d, shift: t.slot.id } };
        send(slots([msg, null], numberMessages([{ label: 'Takt', value: taktS, unit: 's' }], { ts })));
        status.ok(node, `takt ${Math.round(t.taktS * 10) / 10} s`);
        return;
      }
      const asset = eventSubject(payload, 'asset', fixedAsset);
      let s = book.get(asset);
      if (!s) {
        if (book.size >= MAX_ASSETS) throw new InputError('msg.payload.asset', `one of the ${MAX_ASSETS} assets this node already tracks`, asset);
        s = newTaktState(asset);
      }
      if (action === 'report') {
        const f = figures(s, cal, params, ts);
        msg.payload = { ...base, takt: f };
        const values = [
          { label: 'Takt', value: f.taktS, unit: 's' },
          { label: 'Cycle median', value: f.cycleMedianS, unit: 's' },
          { label: 'Cycle P90', value: f.cycleP90S, unit: 's' },
        ];
        send(slots([msg, null], numberMessages(values, { asset, ts })));
        show(f, s.alerting);
        return;
      }
      const given = optNum(own(payload, 'cycleTimeS'), 'msg.payload.cycleTimeS', { gt: 0, max: 1e7 });
      const r = recordCycle(s, cal, params, ts, given);
      await book.save(asset, r.state, ts);
      msg.payload = { ...base, takt: { ...r.figures, cycleS: r.cycleS ?? null, ...(r.note ? { note: r.note } : {}) } };
      const alert = r.alert ? { topic: `takt/${asset}`, action: 'creep', payload: r.alert } : null;
      send(slots([msg, alert]));
      show(r.figures, r.state.alerting);
    }

    return guardWrites(node, clock, 'rel-takt', {
      // "now" is when the message arrived, not when its turn in the queue came
      input: (msg: NodeMessage, send) => {
        const arrived = clock.now();
        return work.run(() => handle(msg, send, arrived));
      },
      close: async () => {
        await work.idle();
        js.release();
      },
    });
  });
};
