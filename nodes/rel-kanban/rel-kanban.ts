/**
 * rel-kanban: a Kanban loop per item. Consumption moves cards to the queue, a pull signal on the
 * second output orders them when the queue reaches the trigger (exactly once: the loop is saved
 * before the signal leaves), deliveries bring them back and teach the lead time. Alpha rises
 * while a critical asset feeding the loop is unhealthy or the supplier is erratic.
 */
import { own } from '../core/validate';
import { configFlag, configName, payloadFields } from '../core/node-config';
import { eventAction, eventTs, healthEvent } from '../core/jit/events';
import { applyHealth, consume, deliver, type KanbanParams, type KanbanResult, type KanbanState } from '../core/jit/kanban';
import { KANBAN_ACTIONS, kanbanParams, kanbanRows, kanbanStatusText, loopStatuses, pullMessages } from '../core/jit/kanban-node';
import { KanbanLoops } from '../core/jit/kanban-loops';
import { defineNode } from '../shared/node';
import { status } from '../shared/status';
import { getClock } from '../shared/clock';
import { tableMessage } from '../shared/dashboard';
import { NodeWork, acquireJitStore, eventSubject } from '../shared/jit';
import { jitHandlers } from '../shared/jit-node';
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

export = function (RED: RedApi) {
  defineNode<KanbanDef>(RED, 'rel-kanban', (node, config) => {
    const clock = getClock(RED);
    const fixedItem = configName(config.item);
    // Check the form now (a bad C, D or L shows on deploy, not on the first event).
    kanbanParams(config, fixedItem ?? 'item');
    const dashboard = configFlag(config.dashboard);
    const js = acquireJitStore(RED, config.store, 'rel-kanban');
    const paramsFor = (item: string): KanbanParams => kanbanParams(config, item);
    const loops = new KanbanLoops(js.store, js.scope(`kanban:${node.id}`), paramsFor, fixedItem);

    function showStatus(s: KanbanState): void {
      const st = kanbanStatusText(s, paramsFor(s.item).baseAlpha);
      if (st.warn) status.warn(node, st.text);
      else status.ok(node, st.text);
    }

    // Loops already in the store come back as they were left, re-balanced for the current form
    // at their first event (so a pull that a larger N calls for leaves with that event).
    const work = new NodeWork(node, async () => {
      await js.ready();
      const first = await loops.open();
      if (first) showStatus(first);
      else status.idle(node, fixedItem ? `${fixedItem}: ready` : 'ready');
    });

    /** The dashboard table: one row per loop, every loop of this node, sorted by item (null, with a warning, when it cannot be read). */
    async function board(): Promise<NodeMessage | null> {
      try {
        return tableMessage(kanbanRows(await loops.board(), paramsFor), 'kanban', 3);
      } catch (e) {
        node.warn(`dashboard table: ${e instanceof Error ? e.message : String(e)}`);
        return null;
      }
    }

    /** Apply the event to its loops: every loop for health and for a status without an item, else the event's item. */
    function step(action: (typeof KANBAN_ACTIONS)[number], payload: unknown, ts: number, statusAll: boolean): Promise<{ item: string; r: KanbanResult }[]> {
      if (statusAll) return loops.apply('all', ts, (base) => ({ state: base, pulls: [] }));
      if (action === 'health') {
        const ev = healthEvent(payload);
        return loops.apply('all', ts, (base, p) => applyHealth(base, p, ev, ts));
      }
      const item = eventSubject(payload, 'item', fixedItem, 'loop');
      const containers = own(payload, 'containers');
      return loops.apply([item], ts, (base, p) => {
        if (action === 'consume') return consume(base, p, containers, ts);
        if (action === 'deliver') return deliver(base, p, containers, ts);
        return { state: base, pulls: [] };
      });
    }

    async function handle(msg: NodeMessage, send: SendFn, arrived: number): Promise<void> {
      const action = eventAction(msg, KANBAN_ACTIONS, [{ key: 'health', action: 'health' }]);
      const payload = msg.payload;
      const ts = eventTs(payload, arrived);
      // `status` without an item on a node without one configured: every loop.
      const statusAll = action === 'status' && !fixedItem && own(payload, 'item') === undefined;
      const results = await step(action, payload, ts, statusAll);
      for (const { item, r } of results) if (r.alphaChange) node.log(`${item}: ${r.alphaChange.reason}`);
      const pulls = pullMessages(results);
      const one = !!fixedItem || (action !== 'health' && !statusAll);
      msg.payload = { ...payloadFields(payload), kanban: loopStatuses(results, paramsFor, one) };
      // the pulls are stored: they leave even if the table cannot be read
      if (dashboard) send([msg, pulls.length ? pulls : null, await board()]);
      else send([msg, pulls.length ? pulls : null]);
      const shown = results[0]?.r.state;
      if (shown) showStatus(shown);
    }

    return jitHandlers(node, clock, 'rel-kanban', { work, store: js, handle });
  });
};
