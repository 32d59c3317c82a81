/**
 * What rel-kanban's node file needs besides the Kanban model (pure: no Node-RED): its form as
 * the loop's parameters, the pull messages of a step, the answer's loop status, the dashboard rows
 * and the status text.
 */
import { configFlag } from '../node-config';
import { cfgNum, listConfig } from './events';
import { kanbanStatus, validateParams, KANBAN_DEFAULTS, type KanbanParams, type KanbanResult, type KanbanState } from './kanban';

export const KANBAN_ACTIONS = ['consume', 'deliver', 'status', 'health'] as const;
export type KanbanAction = (typeof KANBAN_ACTIONS)[number];

export interface KanbanForm {
  containerQty?: unknown;
  demand?: unknown;
  leadTime?: unknown;
  learn?: unknown;
  alpha?: unknown;
  healthAlpha?: unknown;
  supplierAlpha?: unknown;
  trigger?: unknown;
  criticalAssets?: unknown;
  healthThreshold?: unknown;
  cvThreshold?: unknown;
}

/** The loop parameters of `item` from the form; a bad value is an error naming its setting. */
export function kanbanParams(c: KanbanForm, item: string): KanbanParams {
  return validateParams({
    item,
    containerQty: cfgNum(c.containerQty, 'containerQty', NaN, { gt: 0 }),
    demandPerDay: cfgNum(c.demand, 'demand', NaN, { gt: 0 }),
    leadTimeDays: cfgNum(c.leadTime, 'leadTime', NaN, { gt: 0 }),
    learn: configFlag(c.learn),
    baseAlpha: cfgNum(c.alpha, 'alpha', KANBAN_DEFAULTS.baseAlpha, { min: 0, max: 10 }),
    healthAlpha: cfgNum(c.healthAlpha, 'healthAlpha', KANBAN_DEFAULTS.healthAlpha, { min: 0, max: 10 }),
    supplierAlpha: cfgNum(c.supplierAlpha, 'supplierAlpha', KANBAN_DEFAULTS.supplierAlpha, { min: 0, max: 10 }),
    trigger: cfgNum(c.trigger, 'trigger', KANBAN_DEFAULTS.trigger, { min: 1, integer: true }),
    criticalAssets: listConfig(c.criticalAssets),
    healthThreshold: cfgNum(c.healthThreshold, 'healthThreshold', KANBAN_DEFAULTS.healthThreshold, { min: 0, max: 100 }),
    healthMargin: KANBAN_DEFAULTS.healthMargin,
    cvThreshold: cfgNum(c.cvThreshold, 'cvThreshold', KANBAN_DEFAULTS.cvThreshold, { gt: 0 }),
  });
}

type Results = readonly { item: string; r: KanbanResult }[];

/** One message per pull signal (topic kanban/<item>, action pull), with the loop's cards and alpha after the step. */
export function pullMessages(results: Results): { topic: string; action: 'pull'; payload: Record<string, unknown> }[] {
  const out: { topic: string; action: 'pull'; payload: Record<string, unknown> }[] = [];
  for (const { item, r } of results) {
    for (const p of r.pulls) out.push({ topic: `kanban/${item}`, action: 'pull', payload: { ...p, cards: r.state.cards, alpha: r.state.alpha } });
  }
  return out;
}

/** The status of each loop after the step (with the step's note); `one`: the first only (null when none). */
export function loopStatuses(results: Results, paramsFor: (item: string) => KanbanParams, one: boolean) {
  const statuses = results.map(({ item, r }) => ({ ...kanbanStatus(r.state, paramsFor(item)), ...(r.note ? { note: r.note } : {}) }));
  return one ? (statuses[0] ?? null) : statuses;
}

/** The dashboard rows: one per loop, in the order given. */
export function kanbanRows(loops: readonly KanbanState[], paramsFor: (item: string) => KanbanParams): Record<string, unknown>[] {
  return loops.map((s) => {
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
}

/** The status: cards, queued and alpha; warn while alpha is above the form's base alpha. */
export function kanbanStatusText(s: KanbanState, baseAlpha: number): { warn: boolean; text: string } {
  return { warn: s.alpha > baseAlpha, text: `${s.cards} cards · ${s.inQueue} queued · α ${s.alpha}` };
}
