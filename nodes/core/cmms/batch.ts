/**
 * Group commit: writes that arrive together (in the same turn of the event loop) run in one
 * transaction, so with synchronous=FULL a burst of detections costs one fsync instead of one
 * each. Each write receives the transaction's `q`. If the batch fails (one write was illegal), it
 * is rolled back and every write re-runs alone in its own transaction, so only the bad one fails.
 * Order is kept: batches run one after the other. `afterCommit(q)` runs after each commit (a
 * repository publishing what it cached in that transaction), before the writes' promises resolve.
 *
 * A write may also give a `solo` form: the same change as ONE statement, atomic on its own (the
 * one-statement detection on PostgreSQL). When it is alone in its batch, that runs instead, with
 * no BEGIN and COMMIT: one round trip instead of three. A deadlock or serialisation failure of it
 * (nothing applied) runs the transaction form, which is retried.
 */
import type { Query, Store } from '../store/types';

interface Item {
  fn: (q: Query) => Promise<unknown>;
  solo?: () => Promise<unknown>;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

export interface TxBatcherOptions {
  maxBatch?: number;
  defer?: (fn: () => void) => void;
  afterCommit?: (q: Query) => void;
}

export class TxBatcher {
  private queue: Item[] = [];
  private scheduled = false;
  private running: Promise<void> = Promise.resolve();
  private readonly maxBatch: number;
  private readonly defer: (fn: () => void) => void;
  private readonly afterCommit?: (q: Query) => void;
  /** Transactions committed and writes run (for status and benchmarks). */
  commits = 0;
  writes = 0;

  constructor(
    private readonly store: Store,
    o: TxBatcherOptions = {},
  ) {
    this.maxBatch = o.maxBatch ?? 1000;
    this.defer = o.defer ?? ((fn) => setImmediate(fn));
    this.afterCommit = o.afterCommit;
  }

  run<T>(fn: (q: Query) => Promise<T>, solo?: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ fn, solo, resolve: resolve as (v: unknown) => void, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        this.defer(() => void this.flush());
      }
    });
  }

  /** One transaction; afterCommit after it. */
  private async commit<T>(fn: (q: Query) => Promise<T>): Promise<T> {
    let handle: Query | undefined;
    const out = await this.store.tx(async (q) => {
      handle = q;
      return fn(q);
    });
    this.commits++;
    if (handle && this.afterCommit) this.afterCommit(handle);
    return out;
  }

  private async runBatch(batch: Item[]): Promise<void> {
    const only = batch.length === 1 ? batch[0]! : undefined;
    if (only?.solo) {
      try {
        let r: unknown;
        try {
          r = await only.solo();
        } catch (e) {
          const code = (e as { code?: unknown } | null)?.code;
          if (code !== '40001' && code !== '40P01') throw e;
          r = await this.commit(only.fn);
        }
        this.writes++;
        only.resolve(r);
      } catch (e) {
        only.reject(e);
      }
      return;
    }
    let results: unknown[] | undefined;
    try {
      results = await this.commit(async (q) => {
        const out: unknown[] = [];
        for (const it of batch) out.push(await it.fn(q));
        return out;
      });
    } catch {
      results = undefined;
    }
    if (results) {
      this.writes += batch.length;
      batch.forEach((it, i) => it.resolve(results![i]));
      return;
    }
    for (const it of batch) {
      try {
        const r = await this.commit(it.fn);
        this.writes++;
        it.resolve(r);
      } catch (e) {
        it.reject(e);
      }
    }
  }

  /** Run everything queued now (also called by the deferred flush); resolves when it has run. */
  flush(): Promise<void> {
    this.scheduled = false;
    const batches: Item[][] = [];
    while (this.queue.length) batches.push(this.queue.splice(0, this.maxBatch));
    this.running = this.running.then(async () => {
      for (const b of batches) await this.runBatch(b);
    });
    return this.running;
  }

  /** Run what is still queued and wait for it (node closing). */
  drain(): Promise<void> {
    return this.flush();
  }
}
