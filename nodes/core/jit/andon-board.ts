/**
 * The Andon board of one node over the Store: load (the open calls in memory, a stored call by id)
 * -> decide (decideAndon, pure) -> save (the new call, the changed ones) in one transaction; the
 * open calls in memory change only after it commits.
 */
import type { Store } from '../store/types';
import { decideAndon, nextDueAt, responseStats, type AndonCall, type AndonConfig, type AndonEvent, type AndonStep } from './andon';
import { AndonRepo } from './repo';

export class AndonBoard {
  readonly repo: AndonRepo;
  private open = new Map<number, AndonCall>();

  constructor(
    private readonly store: Store,
    scope: string,
    private readonly cfg: AndonConfig,
  ) {
    this.repo = new AndonRepo(scope);
  }

  /** Load the open calls (they carry on escalating from their stored level). */
  async load(): Promise<void> {
    const calls = await this.repo.open(this.store, this.cfg.maxOpen);
    this.open = new Map(calls.map((c) => [c.id, c]));
  }

  /** The open calls as last committed (do not change them). */
  calls(): AndonCall[] {
    return [...this.open.values()];
  }

  /** Open calls that stop the line. */
  stopping(): AndonCall[] {
    return this.calls().filter((c) => c.lineStop);
  }

  /** When the next escalation is due, or undefined. */
  nextDueAt(): number | undefined {
    return nextDueAt(this.open.values(), this.cfg.levels);
  }

  /** One event, then every escalation due at `escalateAt`, in one transaction. */
  async apply(ev: AndonEvent, escalateAt: number): Promise<AndonStep> {
    const due = this.nextDueAt();
    // Nothing to do (a board or stats request, nothing due): no transaction, nothing written.
    if (ev.type === 'none' && (due === undefined || due > escalateAt)) return decideAndon(this.calls(), ev, undefined, this.cfg, escalateAt);
    const step = await this.store.tx(async (q) => {
      const id = ev.type === 'ack' || ev.type === 'resolve' ? ev.id : undefined;
      const stored = id !== undefined && !this.open.has(id) ? await this.repo.get(q, id) : undefined;
      const s = decideAndon(this.calls(), ev, stored, this.cfg, escalateAt);
      if (s.inserted) s.inserted.id = (await this.repo.insert(q, s.inserted)).id; // every reference to the new call sees its id
      for (const c of s.changed) await this.repo.update(q, c);
      return s;
    });
    this.open = new Map(step.open.map((c) => [c.id, c]));
    return step;
  }

  /** Acknowledge and resolve times of the calls raised since `from`. */
  async stats(from: number) {
    return responseStats(await this.repo.since(this.store, from));
  }
}
