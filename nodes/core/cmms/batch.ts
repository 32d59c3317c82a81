/**
 * Group commit: writes that arrive together (in the same turn of the event loop) run in one
 * transaction, so with synchronous=FULL a burst of detections costs one fsync instead of one
 * each. If the batch fails (one write was illegal), it is rolled back and every write re-runs
 * alone in its own transaction, so only the bad one fails. Order is kept.
 */
import type { SyncStore as Store } from '../store/types';

interface Item {
  fn: () => unknown;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

export class TxBatcher {
  private queue: Item[] = [];
  private scheduled = false;
  /** Transactions committed and writes run (for status and benchmarks). */
  commits = 0;
  writes = 0;

  constructor(
    private readonly store: Store,
    private readonly maxBatch = 1000,
    private readonly defer: (fn: () => void) => void = (fn) => setImmediate(fn),
  ) {}

  run<T>(fn: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ fn, resolve: resolve as (v: unknown) => void, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        this.defer(() => this.flush());
      }
    });
  }

  /** Run everything queued now (also called by the deferred flush). */
  flush(): void {
    this.scheduled = false;
    while (this.queue.length) {
      const batch = this.queue.splice(0, this.maxBatch);
      let results: unknown[] | undefined;
      try {
        results = this.store.tx(() => batch.map((it) => it.fn()));
        this.commits++;
      } catch {
        results = undefined;
      }
      if (results) {
        this.writes += batch.length;
        batch.forEach((it, i) => it.resolve(results![i]));
        continue;
      }
      for (const it of batch) {
        try {
          const r = this.store.tx(() => it.fn());
          this.commits++;
          this.writes++;
          it.resolve(r);
        } catch (e) {
          it.reject(e);
        }
      }
    }
  }

  /** Reject what is still queued (node closing). */
  drain(): void {
    this.flush();
  }
}
