/**
 * rel-kanban: a Kanban loop per item. Consumption moves cards to the queue, a pull signal on the
 * second output orders them when the queue reaches the trigger (exactly once: the loop is saved
 * before the signal leaves), deliveries bring them back and teach the lead time. Alpha rises
 * while a critical asset feeding the loop is unhealthy or the supplier is erratic.
 */
import { InputError } from '../core/errors';
import { own } from '../core/validate';
import { loadState, saveState } from '../core/store';
import { cfgNum, eventAction, eventTs, healthEvent, listConfig } from '../core/jit/events';
import {
  applyHealth,
  consume,
  deliver,
  kanbanStatus,
  newLoop,
  reconfigure,
  validateParams,
  KANBAN_DEFAULTS,
  type KanbanParams,
  type KanbanResult,
  type KanbanState,
} from '../core/jit/kanban';
import { defineNode } from '../shared/node';
import { status } from '../shared/status';
import { getClock } from '../shared/clock';
import { tableMessage } from '../shared/dashboard';
import { acquireJitStore, eventSubject, stateKeys } from '../shared/jit';
import type { NodeDef, NodeMessage, RedApi } from '../shared/red';

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
const MAX_LOOPS = 1000;

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
    const h = acquireJitStore(RED, config.store, 'rel-kanban');
    const scope = `kanban:${node.id}`;
    const loops = new Map<string, KanbanState>();

    function paramsFor(item: string): KanbanParams {
      return kanbanParams(config, item);
    }

    /** The loop of an item: from memory, else the store (re-balanced for the current form), else new. */
    function loop(item: string, ts: number): { state: KanbanState; fresh: KanbanResult | undefined } {
      const mem = loops.get(item);
      if (mem) return { state: mem, fresh: undefined };
      const saved = loadState<KanbanState>(h.store, scope, item);
      if (saved) {
        const r = reconfigure(saved, paramsFor(item), ts);
        return { state: saved, fresh: r };
      }
      if (loops.size >= MAX_LOOPS) throw new InputError('msg.payload.item', `one of the ${MAX_LOOPS} items this node already holds`, item);
      const s = newLoop(paramsFor(item), ts);
      return { state: s, fresh: { state: s, pulls: [] } };
    }

    function commit(item: string, r: KanbanResult, ts: number): void {
      saveState(h.store, scope, item, r.state, ts);
      loops.set(item, r.state);
      if (r.alphaChange) node.log(`${item}: ${r.alphaChange.reason}`);
    }

    function showStatus(s: KanbanState): void {
      const text = `${s.cards} cards · ${s.inQueue} queued · α ${s.alpha}`;
      if (s.alpha > paramsFor(s.item).baseAlpha) status.warn(node, text);
      else status.ok(node, text);
    }

    // Loops already in the store come back as they were left, re-balanced for the current form
    // at their first event (so a pull that a larger N calls for leaves with that event).
    const known = new Set(fixedItem ? [fixedItem] : stateKeys(h, scope, MAX_LOOPS));
    /** Saved loops not touched since the start, read once for the dashboard table (display only). */
    const views = new Map<string, KanbanState>();
    const first = fixedItem ? loadState<KanbanState>(h.store, scope, fixedItem) : undefined;
    if (first) showStatus(first);
    else status.idle(node, fixedItem ? `${fixedItem}: ready` : 'ready');


    /** Every loop this node holds (in memory or saved), for a health message or a status of all. */
    function allItems(): string[] {
      return fixedItem ? [fixedItem] : [...new Set([...known, ...loops.keys()])].filter((k) => loops.has(k) || loadState(h.store, scope, k) !== undefined);
    }

    /** The dashboard table: one row per loop, every loop of this node, sorted by item. */
    function board(): NodeMessage {
      const names = fixedItem ? [fixedItem] : [...new Set([...known, ...loops.keys()])].sort();
      const rows: Record<string, unknown>[] = [];
      for (const item of names) {
        let s = loops.get(item) ?? views.get(item);
        if (!s) {
          s = loadState<KanbanState>(h.store, scope, item);
          if (!s) continue;
          views.set(item, s);
        }
        const st = kanbanStatus(s, paramsFor(item));
        rows.push({
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
        });
      }
      return tableMessage(rows, 'kanban', 3);
    }

    return {
      input: (msg: NodeMessage, send) => {
        const action = eventAction(msg, ACTIONS, [{ key: 'health', action: 'health' }]);
        const payload = msg.payload;
        const ts = eventTs(payload, clock.now());
        const pulls: NodeMessage[] = [];
        const results: { item: string; r: KanbanResult }[] = [];

        // `status` without an item on a node without one configured: every loop.
        const statusAll = action === 'status' && !fixedItem && own(payload, 'item') === undefined;
        if (statusAll) {
          for (const item of allItems()) {
            const { state, fresh } = loop(item, ts);
            results.push({ item, r: fresh ?? { state, pulls: [] } });
          }
        } else if (action === 'health') {
          const ev = healthEvent(payload);
          const items = allItems();
          // Compute every loop first, then commit all at once: one bad loop harms none.
          for (const item of items) {
            const { state, fresh } = loop(item, ts);
            const base = fresh?.state ?? state;
            const r = applyHealth(base, paramsFor(item), ev, ts);
            results.push({ item, r: fresh ? { ...r, pulls: [...fresh.pulls, ...r.pulls], alphaChange: r.alphaChange ?? fresh.alphaChange } : r });
          }
        } else {
          const item = eventSubject(payload, 'item', fixedItem, 'loop');
          const { state, fresh } = loop(item, ts);
          const base = fresh?.state ?? state;
          const p = paramsFor(item);
          let r: KanbanResult;
          if (action === 'consume') r = consume(base, p, own(payload, 'containers'), ts);
          else if (action === 'deliver') r = deliver(base, p, own(payload, 'containers'), ts);
          else r = { state: base, pulls: [] };
          results.push({ item, r: fresh ? { ...r, pulls: [...fresh.pulls, ...r.pulls], alphaChange: r.alphaChange ?? fresh.alphaChange } : r });
        }

        h.store.tx(() => {
          for (const { item, r } of results) commit(item, r, ts);
        });
        for (const { item, r } of results)
          for (const p of r.pulls) pulls.push({ topic: `kanban/${item}`, action: 'pull', payload: { ...p, cards: r.state.cards, alpha: r.state.alpha } });

        const statuses = results.map(({ item, r }) => ({ ...kanbanStatus(r.state, paramsFor(item)), ...(r.note ? { note: r.note } : {}) }));
        const base = payload !== null && typeof payload === 'object' && !Array.isArray(payload) ? (payload as object) : {};
        msg.payload = { ...base, kanban: fixedItem || (action !== 'health' && !statusAll) ? (statuses[0] ?? null) : statuses };
        if (dashboard) send([msg, pulls.length ? pulls : null, board()]);
        else send([msg, pulls.length ? pulls : null]);
        const shown = results[0]?.r.state;
        if (shown) showStatus(shown);
      },
      close: () => h.release(),
    };
  });
};
