/**
 * Persistence of the machine-level scorer (machine.ts) over the asynchronous Store (the box's
 * `local` store: per-box, high-rate state). One row per asset with the scorer state as JSON
 * (without the learning frames), and the learning frames one row each, appended as they come
 * (rewritten only when the scorer thins them). Portable SQL, bound parameters only.
 */
import type { Query, Store } from '../store/types';
import { MachineScorer, type MachineConfig, type MachineState } from './machine';

/** DDL of the condition migration that adds the machine tables (SQLite). */
export const MACHINE_DDL_SQLITE: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS condition_machines (
    asset TEXT NOT NULL PRIMARY KEY,
    state TEXT NOT NULL,
    updated_at INTEGER NOT NULL
  )`,
  `CREATE TABLE IF NOT EXISTS condition_machine_frames (
    asset TEXT NOT NULL,
    bin TEXT NOT NULL,
    seq INTEGER NOT NULL,
    frame TEXT NOT NULL,
    PRIMARY KEY (asset, bin, seq)
  )`,
];

/** The same tables on PostgreSQL. */
export const MACHINE_DDL_POSTGRES: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS condition_machines (
    asset TEXT NOT NULL PRIMARY KEY,
    state TEXT NOT NULL,
    updated_at BIGINT NOT NULL
  )`,
  `CREATE TABLE IF NOT EXISTS condition_machine_frames (
    asset TEXT NOT NULL,
    bin TEXT NOT NULL,
    seq INTEGER NOT NULL,
    frame TEXT NOT NULL,
    PRIMARY KEY (asset, bin, seq)
  )`,
];

type Frames = MachineState['bins'][string]['frames'];

/**
 * One write of a machine's state, taken at once (synchronously) from the scorer: the state JSON
 * without the learning frames, and per bin the frames to append (or to rewrite from 0 after the
 * scorer thinned or dropped them). Applying it is idempotent, so a staged write can wait for a
 * group commit, and a transaction that runs again (PostgreSQL retry) writes the same rows.
 */
export interface StagedMachine {
  asset: string;
  state: string;
  at: number;
  bins: { key: string; reset: boolean; from: number; frames: string[] }[];
}

export class MachineRepo {
  /**
   * Per asset and bin: frames written or staged so far and the stride they were taken at. Staging
   * advances it; after a rolled-back transaction the caller calls forget(asset) and reloads.
   */
  private readonly stored = new Map<string, { n: number; stride: number }>();
  constructor(readonly store: Store) {}

  async load(asset: string, cfg: MachineConfig): Promise<MachineScorer | undefined> {
    const row = await this.store.one<{ state: string }>('SELECT state FROM condition_machines WHERE asset = ?', [asset]);
    if (!row) return undefined;
    const state = JSON.parse(row.state) as MachineState;
    const frames = await this.store.all<{ bin: string; frame: string }>('SELECT bin, frame FROM condition_machine_frames WHERE asset = ? ORDER BY bin, seq', [asset]);
    const byBin = new Map<string, Frames>();
    for (const f of frames) {
      let list = byBin.get(f.bin);
      if (!list) byBin.set(f.bin, (list = []));
      list.push(JSON.parse(f.frame));
    }
    for (const [key, bin] of Object.entries(state.bins)) {
      bin.frames = byBin.get(key) ?? [];
      this.stored.set(`${asset}\u0000${key}`, { n: bin.frames.length, stride: bin.stride });
    }
    return MachineScorer.restore(cfg, state);
  }

  /** Take the scorer's state now (what `apply` will write), advancing the stored-frames marks. */
  stage(m: MachineScorer, now: number): StagedMachine {
    const st = m.snapshot();
    const bins: Record<string, unknown> = {};
    const out: StagedMachine['bins'] = [];
    for (const [key, bin] of Object.entries(st.bins)) {
      bins[key] = { ...bin, frames: [] };
      const id = `${st.asset}\u0000${key}`;
      const had = this.stored.get(id) ?? { n: 0, stride: 1 };
      const reset = bin.stride !== had.stride || bin.frames.length < had.n;
      const from = reset ? 0 : had.n;
      const frames: string[] = [];
      for (let i = from; i < bin.frames.length; i++) frames.push(JSON.stringify(bin.frames[i]));
      if (reset || frames.length) out.push({ key, reset, from, frames });
      this.stored.set(id, { n: bin.frames.length, stride: bin.stride });
    }
    return { asset: st.asset, state: JSON.stringify({ ...st, bins }), at: now, bins: out };
  }

  /** Write a staged state with `q` (inside the caller's transaction). */
  async apply(q: Query, s: StagedMachine): Promise<void> {
    for (const b of s.bins) {
      if (b.reset) await q.run('DELETE FROM condition_machine_frames WHERE asset = ? AND bin = ?', [s.asset, b.key]);
      for (let i = 0; i < b.frames.length; i++) {
        await q.run('INSERT INTO condition_machine_frames (asset, bin, seq, frame) VALUES (?, ?, ?, ?) ON CONFLICT (asset, bin, seq) DO UPDATE SET frame = excluded.frame', [s.asset, b.key, b.from + i, b.frames[i]]);
      }
    }
    await q.run('INSERT INTO condition_machines (asset, state, updated_at) VALUES (?, ?, ?) ON CONFLICT (asset) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at', [s.asset, s.state, s.at]);
  }

  /** Store the scorer's state in a transaction of its own. */
  async save(m: MachineScorer, now: number): Promise<void> {
    const s = this.stage(m, now);
    try {
      await this.store.tx((q) => this.apply(q, s));
    } catch (e) {
      this.forget(s.asset);
      throw e;
    }
  }

  /** Forget the marks of stored frames (after a rolled-back transaction: the next load sets them). */
  forget(asset: string): void {
    for (const k of [...this.stored.keys()]) if (k.startsWith(`${asset}\u0000`)) this.stored.delete(k);
  }

  async remove(asset: string, q: Query = this.store): Promise<void> {
    await q.run('DELETE FROM condition_machine_frames WHERE asset = ?', [asset]);
    await q.run('DELETE FROM condition_machines WHERE asset = ?', [asset]);
    this.forget(asset);
  }
}
