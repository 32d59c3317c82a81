/**
 * rel-buffer: safety stock and reorder point from observed daily demand and supplier lead times,
 * and WIP buffer advice in days that rises with supplier variance and with falling health of
 * critical-path assets, held at the Rule-of-85 floor until rel-oee opens the gate. Every
 * recommendation carries its reasons in words.
 */
import { InputError } from '../core/errors';
import { isObject, num, own } from '../core/validate';
import { StateBook } from '../core/jit/state';
import { parseCalendar } from '../core/jit/calendar';
import { cfgNum, eventAction, eventTs, healthEvent, listConfig } from '../core/jit/events';
import {
  adviseBuffer,
  bufferGate,
  bufferHealth,
  checkBufferOrder,
  newBufferItem,
  recordDelivery,
  recordDemand,
  type BufferAdvice,
  type BufferItem,
  type BufferParams,
  type BufferShared,
} from '../core/jit/buffer';
import { defineNode } from '../shared/node';
import { status } from '../shared/status';
import { getClock } from '../shared/clock';
import { guardWrites } from '../shared/store-writes';
import { tableMessage } from '../shared/dashboard';
import { NodeWork, acquireJitStore, eventSubject } from '../shared/jit';
import type { NodeDef, NodeMessage, RedApi, SendFn } from '../shared/red';

interface BufferDef extends NodeDef {
  store?: string;
  item?: string;
  serviceZ?: number | string;
  windowDays?: number | string;
  targetDays?: number | string;
  floorDays?: number | string;
  cvThreshold?: number | string;
  criticalAssets?: string;
  healthThreshold?: number | string;
  healthDaysMax?: number | string;
  utcOffset?: number | string;
  /** One more output (the last) for stock dashboard widgets. */
  dashboard?: boolean | string;
}

const ACTIONS = ['demand', 'delivery', 'health', 'oee', 'advise'] as const;
const MAX_ITEMS = 1000;
const SHARED = '__shared__';

export = function (RED: RedApi) {
  defineNode<BufferDef>(RED, 'rel-buffer', (node, config) => {
    const clock = getClock(RED);
    const off = config.utcOffset === undefined || config.utcOffset === '' ? undefined : Number(config.utcOffset);
    const p: BufferParams = {
      z: cfgNum(config.serviceZ, 'serviceZ', 1.65, { min: 0, max: 6 }),
      windowDays: cfgNum(config.windowDays, 'windowDays', 30, { min: 2, max: 365, integer: true }),
      targetDays: cfgNum(config.targetDays, 'targetDays', 1, { min: 0, max: 365 }),
      floorDays: cfgNum(config.floorDays, 'floorDays', 3, { min: 0, max: 365 }),
      cvThreshold: cfgNum(config.cvThreshold, 'cvThreshold', 0.2, { gt: 0 }),
      critical: listConfig(config.criticalAssets),
      healthThreshold: cfgNum(config.healthThreshold, 'healthThreshold', 70, { gt: 0, max: 100 }),
      healthDaysMax: cfgNum(config.healthDaysMax, 'healthDaysMax', 2, { min: 0, max: 365 }),
      cal: parseCalendar('', '', off, 'calendar'),
    };
    const fixedItem = typeof config.item === 'string' && config.item.trim() ? config.item.trim() : undefined;
    const dashboard = config.dashboard === true || config.dashboard === 'true';
    const js = acquireJitStore(RED, config.store, 'rel-buffer');
    const items = new StateBook<BufferItem>(js.store, js.scope(`buffer:${node.id}`));
    let shared: BufferShared = { unhealthy: {} };
    const work = new NodeWork(node, async () => {
      await js.ready();
      shared = (await items.read<BufferShared>(SHARED)) ?? { unhealthy: {} };
      const n = await items.load(MAX_ITEMS + 1, [SHARED]);
      status.idle(node, n ? `${n} items` : 'learning');
    });

    function itemState(item: string, ts: number): BufferItem {
      const s = items.get(item);
      if (s) return s;
      if (items.size >= MAX_ITEMS) throw new InputError('msg.payload.item', `one of the ${MAX_ITEMS} items this node already tracks`, item);
      return newBufferItem(item, ts);
    }

    const advise = (s: BufferItem, asOf: number) => adviseBuffer(s, shared, p, asOf);

    /**
     * The dashboard table: one row per item this node tracks (the advice just computed for the
     * event's items, the others as of `ts`), sorted by item; reasons joined by '; '.
     */
    function table(computed: BufferAdvice[], ts: number): NodeMessage {
      const byItem = new Map<string, BufferAdvice>();
      for (const a of computed) byItem.set(a.item, a);
      for (const s of items.values()) if (!byItem.has(s.item)) byItem.set(s.item, advise(s, ts));
      const rows = [...byItem.keys()].sort().map((k) => {
        const a = byItem.get(k)!;
        return {
          item: a.item,
          safetyStock: a.safetyStock,
          reorderPoint: a.reorderPoint,
          wipDays: a.wipDays,
          wipUnits: a.wipUnits,
          demandPerDay: a.demandPerDay,
          leadTimeDays: a.leadTimeDays,
          reasons: a.reasons.join('; '),
        };
      });
      return tableMessage(rows, 'buffer', 2);
    }

    function show(wipDays: number): void {
      const text = `WIP ${wipDays} d${Object.keys(shared.unhealthy).length ? ' · health ↓' : ''}${shared.gate?.mayCutWip ? '' : ' · R85 hold'}`;
      if (wipDays > Math.max(p.targetDays, p.floorDays)) status.warn(node, text);
      else status.ok(node, text);
    }

    async function handle(msg: NodeMessage, send: SendFn, arrived: number): Promise<void> {
      // A rel-oee report wired straight in keeps its action 'report': it is the gate.
      const fromOee = own(msg, 'action') === 'report' && isObject(own(msg.payload, 'oee'));
      const action = fromOee ? 'oee' : eventAction(msg, ACTIONS, [
        { key: 'health', action: 'health' },
        { key: 'oee', action: 'oee' },
      ]);
      const payload = msg.payload;
      const ts = eventTs(payload, arrived);
      const base = payload !== null && typeof payload === 'object' && !Array.isArray(payload) ? (payload as object) : {};
      if (action === 'demand' || action === 'delivery' || action === 'advise') {
        const item = eventSubject(payload, 'item', fixedItem);
        let s = itemState(item, ts);
        if (action !== 'advise') {
          checkBufferOrder(s, ts);
          if (action === 'demand') s = recordDemand(s, p, num(own(payload, 'qty'), 'msg.payload.qty', { gt: 0, max: 1e12 }), ts);
          else s = recordDelivery(s, num(own(payload, 'leadTimeDays'), 'msg.payload.leadTimeDays', { gt: 0, max: 3650 }), ts);
          await items.save(item, s, ts);
        }
        const out = advise(s, ts);
        msg.payload = { ...base, buffer: out };
        if (dashboard) send([msg, table([out], ts)]);
        else send(msg);
        show(out.wipDays);
        return;
      }
      let r: { shared: BufferShared; note: string };
      if (action === 'health') r = bufferHealth(shared, p, healthEvent(payload));
      else {
        const r85 = own(own(payload, 'oee'), 'rule85');
        if (!isObject(r85) || typeof own(r85, 'mayCutWip') !== 'boolean') throw new InputError('msg.payload.oee.rule85', 'the Rule of 85 result of a rel-oee report ({mayCutWip, reason})', r85);
        const reason = typeof own(r85, 'reason') === 'string' ? String(own(r85, 'reason')).slice(0, 1000) : '';
        r = bufferGate(shared, own(r85, 'mayCutWip') === true, reason, ts);
      }
      await items.write(js.store, SHARED, r.shared, ts);
      shared = r.shared;
      const list = [...items.values()].map((s) => advise(s, ts));
      const out = fixedItem ? (list[0] ?? advise(itemState(fixedItem, ts), ts)) : list;
      msg.payload = { ...base, buffer: out, note: r.note };
      if (dashboard) send([msg, table(Array.isArray(out) ? out : [out], ts)]);
      else send(msg);
      const first = Array.isArray(out) ? out[0] : out;
      if (first) show(first.wipDays);
    }

    return guardWrites(node, clock, 'rel-buffer', {
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
