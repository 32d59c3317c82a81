/**
 * rel-kanban: a Kanban loop per item. Consumption moves cards to the queue, a pull signal on the
 * second output orders them when the queue reaches the trigger (exactly once: the loop is saved
 * before the signal leaves), deliveries bring them back and teach the lead time. Alpha rises
 * while a critical asset feeding the loop is unhealthy or the supplier is erratic.
 */
import { own } from '../core/validate';
import { cfgNum, eventAction, eventTs, healthEvent, listConfig } from '../core/jit/events';
import {
  applyHealth,
  consume,
  deliver,
  kanbanStatus,
  validateParams,
  KANBAN_DEFAULTS,
  type KanbanParams,
  type KanbanResult,
  type KanbanState,
} from '../core/jit/kanban';
import { KanbanLoops } from '../core/jit/kanban-loops';
import { defineNode } from '../shared/node';
import { status } from '../shared/status';
import { getClock } from '../shared/clock';
import { guardWrites } from '../shared/store-writes';
import { tableMessage } from '../shared/dashboard';
import { NodeWork, acquireJitStore, eventSubject } from '../shared/jit';
import type { NodeDef, NodeMessage, RedApi, SendFn } from '../shared/red';

interface KanbanDef extends NodeDef {
  store?: string;
  item?: string;
  containerQty?: number | string;
  demand?: number | string;
  leadTime?: number | string;
  learn?: boolean;
  alpha?: number | string;
  healthAlpha?: number | string;
  supplierAlpha?: number | string;
  trigger?: number | string;
  criticalAssets?: string;
  healthThreshold?: number | string;
  cvThreshold?: number | string;
  /** One more output (the last) for stock dashboard widgets. */
  dashboard?: boolean | string;
}

const ACTIONS = ['consume', 'deliver', 'status', 'health'] as const;

function kanbanParams(config: KanbanDef, item: string): KanbanParams {
  return validateParams({
    item,
    containerQty: cfgNum(config.containerQty, 'containerQty', NaN, { gt: 0 }),
    demandPerDay: cfgNum(config.demand, 'demand', NaN, { gt: 0 }),
    leadTimeDays: cfgNum(config.leadTime, 'leadTime', NaN, { gt: 0 }),
    learn: config.learn === true || (config.learn as unknown) === 'true',
    baseAlpha: cfgNum(config.alpha, 'alpha', KANBAN_DEFAULTS.baseAlpha, { min: 0, max: 10 }),
    healthAlpha: cfgNum(config.healthAlpha, 'healthAlpha', KANBAN_DEFAULTS.healthAlpha, { min: 0, max: 10 }),
    supplierAlpha: cfgNum(config.supplierAlpha, 'supplierAlpha', KANBAN_DEFAULTS.supplierAlpha, { min: 0, max: 10 }),
    trigger: cfgNum(config.trigger, 'trigger', KANBAN_DEFAULTS.trigger, { min: 1, integer: true }),
    criticalAssets: listConfig(config.criticalAssets),
    healthThreshold: cfgNum(config.healthThreshold, 'healthThreshold', KANBAN_DEFAULTS.healthThreshold, { min: 0, max: 100 }),
    healthMargin: KANBAN_DEFAULTS.healthMargin,
    cvThreshold: cfgNum(config.cvThreshold, 'cvThreshold', KANBAN_DEFAULTS.cvThreshold, { gt: 0 }),
  });
}

export = function (RED: RedApi) {
  defineNode<KanbanDef>(RED, 'rel-kanban', (node, config) => {
    const clock = getClock(RED);
    const fixedItem = typeof config.item === 'string' && config.item.trim() ? config.item.trim() : undefined;
    // Check the form now (a bad C, D or L shows on deploy, not on the first event).
    kanbanParams(config, fixedItem ?? 'item');
    const dashboard = config.dashboard === true || config.dashboard === 'true';
    const js = acquireJitStore(RED, config.store, 'rel-kanban');
    const paramsFor = (item: string): KanbanParams => kanbanParams(config, item);
    const loops = new KanbanLoops(js.store, js.scope(`kanban:${node.id}`), paramsFor, fixedItem);

    function showStatus(s: KanbanState): void {
      const text = `${s.cards} cards · ${s.inQueue} queued · α ${s.alpha}`;
      if (s.alpha > paramsFor(s.item).baseAlpha) status.warn(node, text);
      else status.ok(node, text);
    }

    // Loops already in the store come back as they were left, re-balanced for the current form
    // at their first event (so a pull that a larger N calls for leaves with that event).
    const work = new NodeWork(node, async () => {
      await js.ready();
      const first = await loops.open();
      if (first) showStatus(first);
      else status.idle(node, fixedItem ? `${fixedItem}: ready` : 'ready');
    });

    /** The dashboard table: one row per loop, every loop of this node, sorted by item. */
    async function board(): Promise<NodeMessage> {
      const rows = (await loops.board()).map((s) => {
        const st = kanbanStatus(s, paramsFor(s.item));
        return {
          item: st.item,
          cards: st.cards,
          onHand: st.onHand,
          inQueue: st.inQueue,
          inTransit: st.inTransit,
          alpha: st.alpha,
          demandPerDay: st.demandPerDay,
          leadTimeDays: st.leadTimeDays,
          openOrders: st.openOrders.length,
          reason: st.reason,
        };
      });
      return tableMessage(rows, 'kanban', 3);
    }

    async function handle(msg: NodeMessage, send: SendFn, arrived: number): Promise<void> {
      const action = eventAction(msg, ACTIONS, [{ key: 'health', action: 'health' }]);
      const payload = msg.payload;
      const ts = eventTs(payload, arrived);
      const pulls: NodeMessage[] = [];
      let results: { item: string; r: KanbanResult }[];

      // `status` without an item on a node without one configured: every loop.
      const statusAll = action === 'status' && !fixedItem && own(payload, 'item') === undefined;
      if (statusAll) results = await loops.apply('all', ts, (base) => ({ state: base, pulls: [] }));
      else if (action === 'health') {
        const ev = healthEvent(payload);
        results = await loops.apply('all', ts, (base, p) => applyHealth(base, p, ev, ts));
      } else {
        const item = eventSubject(payload, 'item', fixedItem, 'loop');
        const containers = own(payload, 'containers');
        results = await loops.apply([item], ts, (base, p) => {
          if (action === 'consume') return consume(base, p, containers, ts);
          if (action === 'deliver') return deliver(base, p, containers, ts);
          return { state: base, pulls: [] };
        });
      }
      for (const { item, r } of results) if (r.alphaChange) node.log(`${item}: ${r.alphaChange.reason}`);
      for (const { item, r } of results)
        for (const p of r.pulls) pulls.push({ topic: `kanban/${item}`, action: 'pull', payload: { ...p, cards: r.state.cards, alpha: r.state.alpha } });

      const statuses = results.map(({ item, r }) => ({ ...kanbanStatus(r.state, paramsFor(item)), ...(r.note ? { note: r.note } : {}) }));
      const base = payload !== null && typeof payload === 'object' && !Array.isArray(payload) ? (payload as object) : {};
      msg.payload = { ...base, kanban: fixedItem || (action !== 'health' && !statusAll) ? (statuses[0] ?? null) : statuses };
      if (dashboard) {
        // the pulls are stored: they leave even if the table cannot be read
        const table = await board().catch((e) => {
          node.warn(`dashboard table: ${e instanceof Error ? e.message : String(e)}`);
          return null;
        });
        send([msg, pulls.length ? pulls : null, table]);
      } else send([msg, pulls.length ? pulls : null]);
      const shown = results[0]?.r.state;
      if (shown) showStatus(shown);
    }

    return guardWrites(node, clock, 'rel-kanban', {
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
