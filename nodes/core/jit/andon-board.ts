/**
 * The Andon board of one node over the Store: load (the open calls in memory, a stored call by id)
 * -> decide (decideAndon, pure) -> save (the new call, the changed ones) in one transaction; the
 * open calls in memory change only after it commits.
 *
 * A raise may carry an idempotency key (a work order's follow-up id): the key is stored with the
 * call in the same transaction (`jit_andon_key`, its own migration track `andon`), and a raise
 * whose key is already there changes nothing and answers the call it raised. Keys are kept
 * KEEP_KEYS_MS (pruned on load).
 */
import type { Migration, Query, Store } from '../store/types';
import { decideAndon, nextDueAt, responseStats, type AndonCall, type AndonConfig, type AndonEvent, type AndonStep } from './andon';
import { AndonRepo } from './repo';

export const ANDON_KEY_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'idempotency keys of raised Andon calls',
    up: [
      `CREATE TABLE IF NOT EXISTS jit_andon_key (
        scope TEXT NOT NULL,
        key TEXT NOT NULL,
        call_id INTEGER NOT NULL,
        at INTEGER NOT NULL,
        PRIMARY KEY (scope, key)
      )`,
      'CREATE INDEX IF NOT EXISTS jit_andon_key_at ON jit_andon_key (at)',
    ],
    postgres: [
      `CREATE TABLE IF NOT EXISTS jit_andon_key (
        scope TEXT NOT NULL,
        key TEXT NOT NULL,
        call_id BIGINT NOT NULL,
        at BIGINT NOT NULL,
        PRIMARY KEY (scope, key)
      )`,
      'CREATE INDEX IF NOT EXISTS jit_andon_key_at ON jit_andon_key (at)',
    ],
  },
];

/** How long a raise key is remembered (a redelivery comes within minutes; 90 days is generous). */
export const KEEP_KEYS_MS = 90 * 86_400_000;

/** The call a key raised, if any. */
async function keyedCall(q: Query, scope: string, key: string): Promise<number | undefined> {
  const r = await q.one<{ call_id: number }>('SELECT call_id FROM jit_andon_key WHERE scope = ? AND key = ?', [scope, key]);
  return r ? Number(r.call_id) : undefined;
}

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

  /** Load the open calls (they carry on escalating from their stored level); `now` prunes old raise keys. */
  async load(now = Date.now()): Promise<void> {
    await this.store.migrate('andon', ANDON_KEY_MIGRATIONS);
    await this.store.run('DELETE FROM jit_andon_key WHERE scope = ? AND at < ?', [this.repo.scope, now - KEEP_KEYS_MS]);
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
    const key = ev.type === 'raise' ? ev.key : undefined;
    const step = await this.store.tx(async (q) => {
      if (key !== undefined) {
        const had = await keyedCall(q, this.repo.scope, key);
        if (had !== undefined) return this.duplicate(q, had, key);
      }
      const id = ev.type === 'ack' || ev.type === 'resolve' ? ev.id : undefined;
      const stored = id !== undefined && !this.open.has(id) ? await this.repo.get(q, id) : undefined;
      const s = decideAndon(this.calls(), ev, stored, this.cfg, escalateAt);
      if (s.inserted) s.inserted.id = (await this.repo.insert(q, s.inserted)).id; // every reference to the new call sees its id
      for (const c of s.changed) await this.repo.update(q, c);
      if (key !== undefined && s.inserted) await q.run('INSERT INTO jit_andon_key (scope, key, call_id, at) VALUES (?, ?, ?, ?)', [this.repo.scope, key, s.inserted.id, escalateAt]);
      return s;
    });
    this.open = new Map(step.open.map((c) => [c.id, c]));
    return step;
  }

  /** A raise whose key already raised a call: nothing changes; the step names that call. */
  private async duplicate(q: Query, callId: number, key: string): Promise<AndonStep> {
    const call = this.open.get(callId) ?? (await this.repo.get(q, callId));
    return { open: this.calls(), call, changed: [], line: [], escalations: [], note: `call ${callId} was already raised for ${key}: nothing changed` };
  }

  /** The call a raise key raised (undefined: none, or forgotten after KEEP_KEYS_MS). */
  async callOfKey(key: string): Promise<number | undefined> {
    return keyedCall(this.store, this.repo.scope, key);
  }

  /** Acknowledge and resolve times of the calls raised since `from`. */
  async stats(from: number) {
    return responseStats(await this.repo.since(this.store, from));
  }
}
