/**
 * The Kanban loops of one node over the Store: load (memory, else the saved loop re-balanced for
 * the current form, else a new loop) -> decide (the pure functions of kanban.ts) -> save, every
 * loop an event touches in one transaction, the memory updated only after it commits. A pull
 * signal is therefore saved before the caller sends it: each signal leaves once, across restarts.
 */
import { InputError } from '../errors';
import type { Query, Store } from '../store/types';
import { newLoop, reconfigure, type KanbanParams, type KanbanResult, type KanbanState } from './kanban';
import { loadState, saveState, stateKeys } from './state';

export const MAX_LOOPS = 1000;

/** What an event does to one loop, given the loop as loaded (already re-balanced when it came from the store). */
export type KanbanDecide = (base: KanbanState, p: KanbanParams, item: string) => KanbanResult;

export class KanbanLoops {
  /** Loops as last committed. */
  private readonly loops = new Map<string, KanbanState>();
  /** Saved loops not touched since the start, read once for the dashboard table (display only). */
  private readonly views = new Map<string, KanbanState>();
  /** Items saved in the store at the start. */
  private known = new Set<string>();

  constructor(
    private readonly store: Store,
    readonly scope: string,
    private readonly params: (item: string) => KanbanParams,
    private readonly fixedItem: string | undefined,
  ) {}

  /** Learn which loops the store holds; the saved loop of the fixed item (for the status), if any. */
  async open(): Promise<KanbanState | undefined> {
    this.known = new Set(this.fixedItem ? [this.fixedItem] : await stateKeys(this.store, this.scope, MAX_LOOPS));
    return this.fixedItem ? loadState<KanbanState>(this.store, this.scope, this.fixedItem) : undefined;
  }

  /** The loop of an item: from memory, else the store (re-balanced for the current form), else new. */
  private async load(q: Query, item: string, ts: number): Promise<{ state: KanbanState; fresh: KanbanResult | undefined }> {
    const mem = this.loops.get(item);
    if (mem) return { state: mem, fresh: undefined };
    const saved = await loadState<KanbanState>(q, this.scope, item);
    if (saved) return { state: saved, fresh: reconfigure(saved, this.params(item), ts) };
    if (this.loops.size >= MAX_LOOPS) throw new InputError('msg.payload.item', `one of the ${MAX_LOOPS} items this node already holds`, item);
    const s = newLoop(this.params(item), ts);
    return { state: s, fresh: { state: s, pulls: [] } };
  }

  /** Every loop this node holds (in memory or saved). */
  private async allItems(q: Query): Promise<string[]> {
    if (this.fixedItem) return [this.fixedItem];
    const out: string[] = [];
    for (const k of new Set([...this.known, ...this.loops.keys()])) if (this.loops.has(k) || (await loadState(q, this.scope, k)) !== undefined) out.push(k);
    return out;
  }

  /**
   * One event on the given items ('all': every loop this node holds), in one transaction. A loop
   * that came from the store carries the pulls and alpha change of its re-balancing into the
   * result. A decision that throws leaves every loop as it was.
   */
  async apply(items: readonly string[] | 'all', ts: number, decide: KanbanDecide): Promise<{ item: string; r: KanbanResult }[]> {
    const results = await this.store.tx(async (q) => {
      const names = items === 'all' ? await this.allItems(q) : items;
      const out: { item: string; r: KanbanResult }[] = [];
      // Compute every loop first, then save all at once: one bad loop harms none.
      for (const item of names) {
        const { state, fresh } = await this.load(q, item, ts);
        const r = decide(fresh?.state ?? state, this.params(item), item);
        out.push({ item, r: fresh ? { ...r, pulls: [...fresh.pulls, ...r.pulls], alphaChange: r.alphaChange ?? fresh.alphaChange } : r });
      }
      for (const { item, r } of out) await saveState(q, this.scope, item, r.state, ts);
      return out;
    });
    for (const { item, r } of results) this.loops.set(item, r.state);
    return results;
  }

  /** Every loop of this node as it stands, sorted by item (the dashboard table). */
  async board(): Promise<KanbanState[]> {
    const names = this.fixedItem ? [this.fixedItem] : [...new Set([...this.known, ...this.loops.keys()])].sort();
    const out: KanbanState[] = [];
    for (const item of names) {
      let s = this.loops.get(item) ?? this.views.get(item);
      if (!s) {
        s = await loadState<KanbanState>(this.store, this.scope, item);
        if (!s) continue;
        this.views.set(item, s);
      }
      out.push(s);
    }
    return out;
  }
}
