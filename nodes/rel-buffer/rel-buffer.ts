/**
 * rel-buffer: safety stock and reorder point from observed daily demand and supplier lead times,
 * and WIP buffer advice in days that rises with supplier variance and with falling health of
 * critical-path assets, held at the Rule-of-85 floor until rel-oee opens the gate. Every
 * recommendation carries its reasons in words.
 */
import { InputError } from '../core/errors';
import { num, own } from '../core/validate';
import { configFlag, configName, payloadFields } from '../core/node-config';
import { StateBook } from '../core/jit/state';
import { eventTs, healthEvent } from '../core/jit/events';
import { adviseBuffer, bufferGate, bufferHealth, checkBufferOrder, loadBufferShared, newBufferItem, recordDelivery, recordDemand, type BufferAdvice, type BufferItem, type BufferShared } from '../core/jit/buffer';
import { bufferAction, bufferParams, bufferRows, bufferStatus, oeeGate } from '../core/jit/buffer-node';
import { defineNode } from '../shared/node';
import { status } from '../shared/status';
import { getClock } from '../shared/clock';
import { tableMessage } from '../shared/dashboard';
import { NodeWork, acquireJitStore, eventSubject } from '../shared/jit';
import { jitHandlers } from '../shared/jit-node';
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

const MAX_ITEMS = 1000;
const SHARED = '__shared__';

export = function (RED: RedApi) {
  defineNode<BufferDef>(RED, 'rel-buffer', (node, config) => {
    const clock = getClock(RED);
    const p = bufferParams(config);
    const fixedItem = configName(config.item);
    const dashboard = configFlag(config.dashboard);
    const js = acquireJitStore(RED, config.store, 'rel-buffer');
    const items = new StateBook<BufferItem>(js.store, js.scope(`buffer:${node.id}`));
    let shared: BufferShared = { unhealthy: {} };
    const work = new NodeWork(node, async () => {
      await js.ready();
      shared = loadBufferShared(await items.read<BufferShared>(SHARED));
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

    /** Send the answer (and the table of every item on the dashboard output) and show the first item's WIP. */
    function answer(msg: NodeMessage, send: SendFn, out: BufferAdvice | BufferAdvice[], ts: number): void {
      const list = Array.isArray(out) ? out : [out];
      if (dashboard) send([msg, tableMessage(bufferRows(list, items.values(), (s) => advise(s, ts)), 'buffer', 2)]);
      else send(msg);
      if (!list[0]) return;
      const st = bufferStatus(list[0].wipDays, shared, p);
      if (st.warn) status.warn(node, st.text);
      else status.ok(node, st.text);
    }

    /** Demand, a delivery or a request for advice on one item. */
    async function itemEvent(msg: NodeMessage, send: SendFn, action: 'demand' | 'delivery' | 'advise', ts: number): Promise<void> {
      const payload = msg.payload;
      const item = eventSubject(payload, 'item', fixedItem);
      let s = itemState(item, ts);
      if (action !== 'advise') {
        checkBufferOrder(s, ts);
        if (action === 'demand') s = recordDemand(s, p, num(own(payload, 'qty'), 'msg.payload.qty', { gt: 0, max: 1e12 }), ts);
        else s = recordDelivery(s, num(own(payload, 'leadTimeDays'), 'msg.payload.leadTimeDays', { gt: 0, max: 3650 }), ts);
        await items.save(item, s, ts);
      }
      const out = advise(s, ts);
      msg.payload = { ...payloadFields(payload), buffer: out };
      answer(msg, send, out, ts);
    }

    /** A health state or a Rule of 85 gate, for every item: the advice of each (of the node's item when it has one). */
    async function sharedEvent(msg: NodeMessage, send: SendFn, action: 'health' | 'oee', ts: number): Promise<void> {
      const payload = msg.payload;
      let r: { shared: BufferShared; note: string };
      if (action === 'health') r = bufferHealth(shared, p, healthEvent(payload));
      else r = bufferGate(shared, oeeGate(payload), ts);
      await items.write(js.store, SHARED, r.shared, ts);
      shared = r.shared;
      const list = [...items.values()].map((s) => advise(s, ts));
      const out = fixedItem ? (list[0] ?? advise(itemState(fixedItem, ts), ts)) : list;
      msg.payload = { ...payloadFields(payload), buffer: out, note: r.note };
      answer(msg, send, out, ts);
    }

    async function handle(msg: NodeMessage, send: SendFn, arrived: number): Promise<void> {
      const action = bufferAction(msg);
      const ts = eventTs(msg.payload, arrived);
      if (action === 'health' || action === 'oee') await sharedEvent(msg, send, action, ts);
      else await itemEvent(msg, send, action, ts);
    }

    return jitHandlers(node, clock, 'rel-buffer', { work, store: js, handle });
  });
};
