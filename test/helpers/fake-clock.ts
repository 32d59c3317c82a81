/**
 * A controllable clock for node specs, passed to the runtime as the setting `reliabilityClock`:
 * time moves only when the test says so; timers fire at their own time, in order.
 */
import type { Clock } from '../../nodes/shared/clock';

interface Timer {
  id: number;
  fn: () => void;
  every: number;
  next: number;
}

export class FakeClock implements Clock {
  private timers = new Map<number, Timer>();
  private seq = 0;
  constructor(public t: number = Date.UTC(2024, 0, 1)) {}
  now(): number {
    return this.t;
  }
  setInterval(fn: () => void, ms: number): unknown {
    const id = ++this.seq;
    this.timers.set(id, { id, fn, every: Math.max(1, ms), next: this.t + ms });
    return id;
  }
  clearInterval(h: unknown): void {
    this.timers.delete(h as number);
  }
  setTimeout(fn: () => void, ms: number): unknown {
    const id = ++this.seq;
    this.timers.set(id, { id, fn, every: 0, next: this.t + Math.max(0, ms) });
    return id;
  }
  clearTimeout(h: unknown): void {
    this.timers.delete(h as number);
  }
  get pending(): number {
    return this.timers.size;
  }
  /** Move time forward by ms, firing every timer due on the way at its own time. */
  advance(ms: number): void {
    this.advanceTo(this.t + ms);
  }
  advanceTo(end: number): void {
    for (;;) {
      let first: Timer | undefined;
      for (const x of this.timers.values()) if (x.next <= end && (!first || x.next < first.next || (x.next === first.next && x.id < first.id))) first = x;
      if (!first) break;
      this.t = first.next;
      if (first.every > 0) first.next += first.every;
      else this.timers.delete(first.id);
      first.fn();
    }
    this.t = end;
  }
}
