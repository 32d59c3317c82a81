/**
 * A work order's checklist steps as the rel-request node changes them: each change in its own
 * transaction (the floor routes do the same in theirs). ChecklistRepo's methods join a caller's
 * transaction; these open one.
 */
import type { OrderStep, RequestRepo, Step } from '../floor';

export class OrderSteps {
  constructor(private readonly repo: RequestRepo) {}

  /** Tick (or untick) step `index` (0-based) of an open order; who and when are recorded. */
  tick(order: number, index: number, by: string, ts: number, done: boolean): Promise<OrderStep[]> {
    return this.repo.store.tx((q) => this.repo.checklists.tick(q, order, index, by, ts, done));
  }

  /** Give an open order its own steps (ticks kept for steps whose text is unchanged). */
  set(order: number, steps: readonly Step[]): Promise<OrderStep[]> {
    return this.repo.store.tx((q) => this.repo.checklists.setOrderSteps(q, order, steps));
  }
}
