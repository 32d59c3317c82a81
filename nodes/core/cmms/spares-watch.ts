/**
 * rel-spares' periodic check (pure of Node-RED; the node's clock calls `check`): every part is
 * re-evaluated, so crossings caused elsewhere (a work order's completion) or by the reorder point
 * moving (demand estimated from issues) are announced, each crossing once. Checks run one after
 * the other: a slow one is not overtaken by the next.
 */
import type { PullSignal, SparesRepo } from './spares';

export interface SparesWatchHooks {
  /** Resolves once the store is migrated (rejects while it cannot be). */
  ready: () => Promise<unknown>;
  /** True once the node is closing for good: a check then does nothing more. */
  closed: () => boolean;
  /** New pull signals (never called with none). */
  signals: (s: PullSignal[]) => Promise<void> | void;
  /** A check failed (the plant database away, or another error); the next check catches up. */
  failed: (e: unknown) => void;
  /** A check ran to its end (after a failure: the node shows its normal status again). */
  ok?: () => void;
}

export class SparesWatch {
  private chain: Promise<void> = Promise.resolve();
  constructor(
    private readonly repo: SparesRepo,
    private readonly hooks: SparesWatchHooks,
  ) {}

  /** Queue a check as of `now` behind the checks before it; resolves when it has run. */
  check(now: number): Promise<void> {
    this.chain = this.chain.then(() => this.run(now));
    return this.chain;
  }

  /** Resolves once every check queued so far has run. */
  idle(): Promise<void> {
    return this.chain;
  }

  private async run(now: number): Promise<void> {
    const h = this.hooks;
    try {
      await h.ready();
      if (h.closed()) return;
      await this.repo.recheck(now);
      const sig = await this.repo.drainSignals(now);
      if (sig.length && !h.closed()) await h.signals(sig);
      if (!h.closed()) h.ok?.();
    } catch (e) {
      h.failed(e);
    }
  }
}
