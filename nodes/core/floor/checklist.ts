/**
 * Checklists: the steps of a PM plan (text, required), copied to each work order the plan opens;
 * a technician ticks the order's steps (who and when are kept); completing an order with a
 * required step not ticked is refused, naming the step. Text form (the PM spreadsheet's
 * `checklist` column): steps separated by `;`, `|` or new lines, a required step starts with `*`:
 * `*Lock out and tag out; Grease both bearings; *Check belt tension`. No Node-RED.
 */
import { InputError, StateError } from '../errors';
import { own } from '../validate';
import type { Query } from '../store/types';

export interface Step {
  text: string;
  required: boolean;
}
export interface OrderStep extends Step {
  /** 0, 1, 2 ... in the order of the checklist. */
  index: number;
  done: boolean;
  doneBy: string | null;
  doneAt: string | null;
}

export const MAX_STEPS = 50;
export const MAX_STEP_TEXT = 200;

/** `*A; B | C` -> steps (throws an Error naming the problem; the caller adds the cell or path). */
export function parseChecklist(text: string): Step[] {
  const out: Step[] = [];
  for (const raw of text.split(/[;|\n\r]+/)) {
    let s = raw.trim();
    if (!s) continue;
    const required = s.startsWith('*');
    if (required) s = s.slice(1).trim();
    if (!s) throw new Error('checklist: a step marked * has no text');
    if (s.length > MAX_STEP_TEXT) throw new Error(`checklist: step "${s.slice(0, 40)}..." is longer than ${MAX_STEP_TEXT} characters`);
    out.push({ text: s, required });
  }
  if (out.length > MAX_STEPS) throw new Error(`checklist: at most ${MAX_STEPS} steps, got ${out.length}`);
  return out;
}

/** Steps back to the text form (export -> import gives the same steps). */
export function formatChecklist(steps: readonly Step[]): string {
  return steps.map((s) => (s.required ? '*' : '') + s.text).join('; ');
}

/** A checklist from a message: the text form, or an array of {text, required?} (or strings). */
export function checklistFrom(v: unknown, path: string): Step[] {
  if (typeof v === 'string') {
    if (v.length > MAX_STEPS * (MAX_STEP_TEXT + 4)) throw new InputError(path, `a checklist of at most ${MAX_STEPS} steps`, v);
    try {
      return parseChecklist(v);
    } catch (e) {
      throw new InputError(path, 'steps separated by ";" (a required step starts with *)', v, e instanceof Error ? e.message : undefined);
    }
  }
  if (!Array.isArray(v) || v.length > MAX_STEPS) throw new InputError(path, `an array of at most ${MAX_STEPS} steps {text, required} or the text form "*step; step"`, v);
  return v.map((x, i) => {
    const t = typeof x === 'string' ? x : own(x, 'text');
    const r = typeof x === 'string' ? false : own(x, 'required');
    if (typeof t !== 'string' || !t.trim() || t.length > MAX_STEP_TEXT) throw new InputError(`${path}[${i}].text`, `the step's text (1 to ${MAX_STEP_TEXT} characters)`, t);
    if (r !== undefined && typeof r !== 'boolean') throw new InputError(`${path}[${i}].required`, 'true or false', r);
    return { text: t.trim(), required: r === true };
  });
}

/** The required steps not ticked (pure). */
export function unticked(steps: readonly OrderStep[]): OrderStep[] {
  return steps.filter((s) => s.required && !s.done);
}

/** Why an order cannot be completed, or undefined (pure). */
export function completionRefusal(order: string, steps: readonly OrderStep[]): string | undefined {
  const open = unticked(steps);
  if (!open.length) return undefined;
  const names = open.map((s) => `${s.index + 1}. "${s.text}"`).join(', ');
  return `${order} cannot be completed: required checklist step${open.length > 1 ? 's' : ''} ${names} not ticked`;
}

interface StepRow {
  idx: number;
  text: string;
  required: number;
  done_by: string | null;
  done_at: number | string | null;
}

function toStep(r: StepRow): OrderStep {
  const at = r.done_at === null || r.done_at === undefined ? null : Number(r.done_at);
  return { index: Number(r.idx), text: r.text, required: Number(r.required) === 1, done: at !== null, doneBy: r.done_by ?? null, doneAt: at === null ? null : new Date(at).toISOString() };
}

const woNumber = (id: number) => `WO-${String(id).padStart(6, '0')}`;

/** Checklists on the store (floor domain). Every method takes the caller's Query (a store or a transaction). */
export class ChecklistRepo {
  /** Replace a plan's steps. */
  async setPlanSteps(q: Query, planId: number, steps: readonly Step[]): Promise<void> {
    await q.run('DELETE FROM floor_plan_steps WHERE plan_id = ?', [planId]);
    for (const [i, s] of steps.entries()) await q.run('INSERT INTO floor_plan_steps (plan_id, idx, text, required) VALUES (?, ?, ?, ?)', [planId, i, s.text, s.required ? 1 : 0]);
  }

  async planSteps(q: Query, planId: number): Promise<Step[]> {
    const rows = await q.all<StepRow>('SELECT idx, text, required FROM floor_plan_steps WHERE plan_id = ? ORDER BY idx', [planId]);
    return rows.map((r) => ({ text: r.text, required: Number(r.required) === 1 }));
  }

  /** Every plan's steps (for the export), by plan id. */
  async allPlanSteps(q: Query): Promise<Map<number, Step[]>> {
    const rows = await q.all<StepRow & { plan_id: number }>('SELECT plan_id, idx, text, required FROM floor_plan_steps ORDER BY plan_id, idx');
    const out = new Map<number, Step[]>();
    for (const r of rows) {
      const id = Number(r.plan_id);
      if (!out.has(id)) out.set(id, []);
      out.get(id)!.push({ text: r.text, required: Number(r.required) === 1 });
    }
    return out;
  }

  /** Copy a plan's steps to the order it opened (in the same transaction); an order that has steps keeps them. */
  async copyToOrder(q: Query, planId: number, orderId: number): Promise<number> {
    const steps = await this.planSteps(q, planId);
    for (const [i, s] of steps.entries()) {
      await q.run('INSERT INTO floor_order_steps (order_id, idx, text, required) VALUES (?, ?, ?, ?) ON CONFLICT (order_id, idx) DO NOTHING', [orderId, i, s.text, s.required ? 1 : 0]);
    }
    return steps.length;
  }

  /** Give an order its own steps (an order from a request or a manual one); ticks are kept for steps whose text is unchanged. */
  async setOrderSteps(q: Query, orderId: number, steps: readonly Step[]): Promise<OrderStep[]> {
    await this.needOpenOrder(q, orderId);
    const old = await this.orderSteps(q, orderId);
    await q.run('DELETE FROM floor_order_steps WHERE order_id = ?', [orderId]);
    for (const [i, s] of steps.entries()) {
      const was = old.find((o) => o.text === s.text && o.done);
      await q.run('INSERT INTO floor_order_steps (order_id, idx, text, required, done_by, done_at) VALUES (?, ?, ?, ?, ?, ?)', [orderId, i, s.text, s.required ? 1 : 0, was?.doneBy ?? null, was?.doneAt ? Date.parse(was.doneAt) : null]);
    }
    return this.orderSteps(q, orderId);
  }

  async orderSteps(q: Query, orderId: number): Promise<OrderStep[]> {
    const rows = await q.all<StepRow>('SELECT idx, text, required, done_by, done_at FROM floor_order_steps WHERE order_id = ? ORDER BY idx', [orderId]);
    return rows.map(toStep);
  }

  private async needOpenOrder(q: Query, orderId: number): Promise<void> {
    const w = await q.one<{ status: string }>('SELECT status FROM cmms_work_orders WHERE id = ?', [orderId]);
    if (!w) throw new StateError(`work order ${orderId} not found`);
    if (['done', 'closed', 'cancelled'].includes(w.status)) throw new StateError(`${woNumber(orderId)} is ${w.status}: its checklist can no longer change`);
  }

  /** Tick (or untick) step `index` of an order: who and when are recorded. Only while the order is open. */
  async tick(q: Query, orderId: number, index: number, by: string, ts: number, done = true): Promise<OrderStep[]> {
    await this.needOpenOrder(q, orderId);
    const r = await q.run('UPDATE floor_order_steps SET done_by = ?, done_at = ? WHERE order_id = ? AND idx = ?', [done ? by : null, done ? ts : null, orderId, index]);
    if (!r.changes) {
      const n = (await this.orderSteps(q, orderId)).length;
      throw new InputError('msg.payload.step', n ? `a step number from 1 to ${n} of ${woNumber(orderId)}` : `a step of ${woNumber(orderId)}, which has no checklist`, index + 1);
    }
    return this.orderSteps(q, orderId);
  }

  /** Refuse to complete an order while a required step is not ticked (call in the completing transaction). */
  async assertCompletable(q: Query, orderId: number): Promise<void> {
    const why = completionRefusal(woNumber(orderId), await this.orderSteps(q, orderId));
    if (why) throw new StateError(why);
  }
}
