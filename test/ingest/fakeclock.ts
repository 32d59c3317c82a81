/** A controllable clock for the runtime setting `reliabilityClock`: advance() runs due timers. */
import type { Clock } from '../../nodes/shared/clock';

export class FakeClock implements Clock {
  private t: number;
  private timers = new Map<number, { at: number; every?: number; fn: () => void }>();
  private next = 1;
  constructor(start = Date.UTC(2024, 0, 1)) {
    this.t = start;
  }
  now(): number {
    return this.t;
  }
  setInterval(fn: () => void, ms: number): unknown {
    const id = this.next++;
    this.timers.set(id, { at: this.t + ms, every: ms, fn });
    return id;
  }
  clearInterval(h: unknown): void {
    this.timers.delete(h as number);
  }
  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.next++;
    this.timers.set(id, { at: this.t + ms, fn });
    return id;
  }
  clearTimeout(h: unknown): void {
    this.timers.delete(h as number);
  }
  /** Move time forward, firing every timer that falls due, in time order. */
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      let due: [number, { at: number; every?: number; fn: () => void }] | undefined;
      for (const e of this.timers) if (e[1].at <= end && (!due || e[1].at < due[1].at)) due = e;
      if (!due) break;
      const [id, tm] = due;
      this.t = tm.at;
      if (tm.every) tm.at += tm.every;
      else this.timers.delete(id);
      tm.fn();
    }
    this.t = end;
  }
  get pending(): number {
    return this.timers.size;
  }
}
