/**
 * rel-health's machine mode over the store: one MachineScorer per asset, loaded from and saved
 * to the local store (MachineRepo) together with the state-change events and the history buckets
 * (through a recorder the caller supplies: the condition repo's recordEvent / recordHistory).
 *
 * Group commit: a poll is scored at once (operations run one after the other per monitor) and its
 * writes (the machine's state taken at that moment, its event, its history) join the open batch.
 * The batch commits on the next event-loop turn, unless polls of more than one machine came in the
 * last second (a plant scanning its machines, not one machine or a replay of one machine after
 * another): then it stays open up to `flushMs` (MACHINE_FLUSH_MS, 50 ms) so the polls of a whole
 * scan (every PLC read of the second) share one commit (one fsync on SQLite with synchronous=FULL, which
 * better-sqlite3 waits for on the event loop) instead of one each; a batch of MAX_BATCH polls
 * commits at once. A poll's promise resolves only after the
 * commit that holds its writes: nothing is acknowledged (sent, done) before it is stored. While a
 * batch commits, the next one collects. When a batch fails, its machines are tried again one
 * transaction each, so one bad write fails only its machine's polls; a machine whose write failed
 * is dropped from memory with its later uncommitted polls (they reject too) and reloaded from what
 * was committed. Relearn, shelve and unshelve commit the pending batches first, then run alone.
 */
import { InputError } from '../errors';
import type { Query, Store } from '../store/types';
import type { MachineClass } from '../signal/iso10816';
import type { AlarmLevel } from './alarm';
import { MachineScorer, type MachineConfig, type MachineHealth, type MachineOutcome } from './machine';
import { MachineRepo, type StagedMachine } from './machine-repo';

/** The channel name machine-level events and history use. */
export const MACHINE_CHANNEL = 'machine';

export interface MachineEvent {
  asset: string;
  channel: string;
  ts: number;
  kind: string;
  from?: string | null;
  to?: string | null;
  health?: number | null;
  anomaly?: number | null;
  actor?: string | null;
  reason?: string | null;
  until?: number | null;
  shelved?: boolean;
  detail?: unknown;
}

export interface MachineRecorder {
  event(q: Query, e: MachineEvent): Promise<void>;
  history(q: Query, asset: string, channel: string, metric: string, ts: number, value: number): Promise<void>;
}

export interface MachineChange {
  asset: string;
  from: AlarmLevel;
  to: AlarmLevel;
  ts: number;
  health: MachineHealth;
}

/** How long a monitor of several machines keeps a batch open for more polls (ms). */
export const MACHINE_FLUSH_MS = 50;
/** A batch this large commits without waiting. */
export const MAX_BATCH = 2000;

/** One poll's writes, waiting in a batch for its commit. */
interface Entry {
  asset: string;
  staged: StagedMachine;
  records: (q: Query) => Promise<void>;
  resolve: () => void;
  reject: (e: unknown) => void;
}

export class MachineMonitor {
  private readonly repo: MachineRepo;
  private readonly cache = new Map<string, MachineScorer>();
  private chain: Promise<unknown> = Promise.resolve();
  /** Writes collecting for the next commit. */
  private open: Entry[] = [];
  /** The pending flush of the open batch: next turn (one machine) or flushMs (several). */
  private timer: { kind: 'turn'; h: NodeJS.Immediate } | { kind: 'delay'; h: NodeJS.Timeout } | null = null;
  private readonly flushMs: number;
  /** The commit running now (never rejects: failures go to the entries). */
  private flushing: Promise<void> | null = null;
  /** Per asset: writes staged and not yet committed or failed. */
  private readonly unsettled = new Map<string, number>();
  /** The asset of the last poll, and when (performance.now()) a poll last named another. */
  private lastAsset = '';
  private switchedAt = -Infinity;
  /** Commits done (batches, and the per-machine retries after a failed batch). */
  commits = 0;

  constructor(
    readonly store: Store,
    readonly cfg: MachineConfig,
    private readonly recorder?: MachineRecorder,
    opts: { flushMs?: number } = {},
  ) {
    this.repo = new MachineRepo(store);
    this.flushMs = opts.flushMs ?? MACHINE_FLUSH_MS;
  }

  /** Run operations one after the other, in call order. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn, fn);
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** Wait for every operation accepted so far, and for the commit of its writes. */
  async drain(): Promise<void> {
    await this.chain;
    await this.settle();
  }

  private configFor(machineClass: MachineClass | undefined): MachineConfig {
    return machineClass ? { ...this.cfg, machineClass } : this.cfg;
  }

  private async scorer(asset: string, machineClass: MachineClass | undefined): Promise<MachineScorer> {
    let m = this.cache.get(asset);
    const cfg = this.configFor(machineClass);
    if (m && m.cfg.machineClass !== cfg.machineClass) m = MachineScorer.restore(cfg, m.snapshot());
    if (!m) m = (await this.load(asset, cfg)) ?? MachineScorer.create(asset, cfg);
    this.cache.set(asset, m);
    return m;
  }

  /** From the store, once the asset's uncommitted writes are committed (or failed). */
  private async load(asset: string, cfg: MachineConfig): Promise<MachineScorer | undefined> {
    if (this.unsettled.has(asset)) await this.settle();
    return this.repo.load(asset, cfg);
  }

  /** Commit everything staged so far; resolves when no write is pending. */
  private async settle(): Promise<void> {
    for (;;) {
      if (this.flushing) await this.flushing;
      else if (this.open.length) this.flush();
      else return;
    }
  }

  private enqueue(asset: string, staged: StagedMachine, records: Entry['records']): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.open.push({ asset, staged, records, resolve, reject });
      this.unsettled.set(asset, (this.unsettled.get(asset) ?? 0) + 1);
      const now = performance.now();
      if (asset !== this.lastAsset) {
        if (this.lastAsset) this.switchedAt = now;
        this.lastAsset = asset;
      }
      if (this.open.length >= MAX_BATCH) this.flush();
      else if (!this.timer && !this.flushing) {
        const go = () => {
          this.timer = null;
          this.flush();
        };
        // Node-RED delivers each message in a setImmediate of its own: the next turn takes every
        // poll delivered in this one; while several machines poll, the polls of the next few turns too
        if (this.flushMs > 0 && now - this.switchedAt < 1000) this.timer = { kind: 'delay', h: setTimeout(go, this.flushMs) };
        else this.timer = { kind: 'turn', h: setImmediate(go) };
      }
    });
  }

  /** Start committing the open batch, unless a commit runs (it takes the open batch when it ends). */
  private flush(): void {
    if (this.flushing || !this.open.length) return;
    if (this.timer) {
      if (this.timer.kind === 'turn') clearImmediate(this.timer.h);
      else clearTimeout(this.timer.h);
      this.timer = null;
    }
    const batch = this.open;
    this.open = [];
    this.flushing = this.commit(batch).finally(() => {
      this.flushing = null;
      this.flush();
    });
  }

  private settled(e: Entry): void {
    const n = (this.unsettled.get(e.asset) ?? 1) - 1;
    if (n > 0) this.unsettled.set(e.asset, n);
    else this.unsettled.delete(e.asset);
  }

  private async commit(batch: Entry[]): Promise<void> {
    try {
      await this.write(batch);
    } catch (err) {
      if (batch.length === 1) return this.failed(batch, err);
      // one transaction per machine, so a bad write fails only its machine's polls
      const byAsset = new Map<string, Entry[]>();
      for (const e of batch) {
        const list = byAsset.get(e.asset);
        if (list) list.push(e);
        else byAsset.set(e.asset, [e]);
      }
      for (const list of byAsset.values()) {
        try {
          await this.write(list);
        } catch (e) {
          this.failed(list, e);
          continue;
        }
        this.acknowledge(list);
      }
      return;
    }
    this.acknowledge(batch);
  }

  /** The staged writes of `list` in one transaction. */
  private async write(list: readonly Entry[]): Promise<void> {
    await this.store.tx(async (q) => {
      for (const e of list) {
        await this.repo.apply(q, e.staged);
        await e.records(q);
      }
    });
    this.commits++;
  }

  /** Polls whose writes committed: acknowledged now. */
  private acknowledge(list: readonly Entry[]): void {
    for (const e of list) {
      this.settled(e);
      e.resolve();
    }
  }

  /**
   * Writes that did not commit: their machines leave memory (the next poll reloads what was
   * committed), with the polls staged after them on the state that was not stored.
   */
  private failed(list: Entry[], err: unknown): void {
    const assets = new Set(list.map((e) => e.asset));
    const later = this.open.filter((e) => assets.has(e.asset));
    this.open = this.open.filter((e) => !assets.has(e.asset));
    for (const a of assets) {
      this.cache.delete(a);
      this.repo.forget(a);
    }
    for (const e of [...list, ...later]) {
      this.settled(e);
      e.reject(err);
    }
  }

  /**
   * Score one poll; its state, event and history are committed with the other polls of this
   * event-loop turn. Resolves after that commit.
   */
  poll(asset: string, machineClass: MachineClass | undefined, payload: unknown, now: number): Promise<MachineOutcome & { announce?: MachineChange }> {
    const scored = this.serial(async () => {
      let m = await this.scorer(asset, machineClass);
      // a failed commit may have dropped it meanwhile: score on what was committed
      while (this.cache.get(asset) !== m) m = await this.scorer(asset, machineClass);
      let out: MachineOutcome;
      try {
        out = m.poll(payload, now);
      } catch (e) {
        // refused input: nothing stored, and the in-memory state may have moved (held values)
        this.cache.delete(asset);
        throw e;
      }
      const h = out.health;
      const change = out.change;
      const recorder = this.recorder;
      const stored = this.enqueue(asset, this.repo.stage(m, now), async (q) => {
        if (!recorder) return;
        if (change) {
          await recorder.event(q, { asset, channel: MACHINE_CHANNEL, ts: h.ts, kind: 'state', from: change.from, to: change.to, health: h.score, anomaly: h.anomaly, shelved: !!h.shelved, detail: { contributors: h.contributors.slice(0, 5), isoZone: h.isoZone ?? null, driver: h.driver ?? null } });
        }
        if (h.score !== null) await recorder.history(q, asset, MACHINE_CHANNEL, 'health', h.ts, h.score);
        if (h.anomaly !== null) await recorder.history(q, asset, MACHINE_CHANNEL, 'anomaly', h.ts, h.anomaly);
      });
      return { out, stored };
    });
    return scored.then(async ({ out, stored }) => {
      await stored;
      return { ...out, announce: out.change ? { asset, from: out.change.from, to: out.change.to, ts: out.health.ts, health: out.health } : undefined };
    });
  }

  /** Forget the asset's baselines; learn again from its next running polls. */
  relearn(asset: string, by: string | undefined, reason: string | undefined, ts: number): Promise<void> {
    return this.serial(async () => {
      await this.settle();
      const m = this.cache.get(asset) ?? (await this.repo.load(asset, this.cfg));
      if (!m) throw new InputError('msg.payload.asset', 'an asset this node has readings for (to relearn)', asset);
      const from = m.snapshot().alarm.state;
      await this.store.tx(async (q) => {
        await this.repo.remove(asset, q);
        if (this.recorder) await this.recorder.event(q, { asset, channel: MACHINE_CHANNEL, ts, kind: 'relearn', from, to: 'learning', actor: by ?? null, reason: reason ?? null });
      });
      this.commits++;
      this.cache.delete(asset);
      this.repo.forget(asset);
    });
  }

  /** Shelve: state changes are tracked but not announced until `until`. */
  shelve(asset: string, by: string, reason: string, until: number, ts: number): Promise<boolean> {
    return this.serial(async () => {
      await this.settle();
      const known = this.cache.get(asset) ?? (await this.repo.load(asset, this.cfg));
      if (!known || !Object.values(known.snapshot().bins).some((b) => b.status === 'ready')) {
        throw new InputError('msg.payload.asset', 'an asset with a learned baseline (nothing to shelve while learning)', asset);
      }
      const m = await this.scorer(asset, known.cfg.machineClass);
      const prev = m.snapshot().alarm;
      m.shelve(by, reason, until, ts);
      const staged = this.repo.stage(m, ts);
      try {
        await this.store.tx(async (q) => {
          await this.repo.apply(q, staged);
          if (this.recorder) await this.recorder.event(q, { asset, channel: MACHINE_CHANNEL, ts, kind: 'shelve', from: prev.state, actor: by, reason, until });
        });
        this.commits++;
      } catch (e) {
        this.cache.delete(asset);
        this.repo.forget(asset);
        throw e;
      }
      return true;
    });
  }

  /** End a shelf; the change to announce when the state differs from the last announced one. */
  unshelve(asset: string, by: string, ts: number): Promise<MachineChange | undefined> {
    return this.serial(async () => {
      await this.settle();
      const known = this.cache.get(asset) ?? (await this.repo.load(asset, this.cfg));
      if (!known) throw new InputError('msg.payload.asset', 'an asset this node has readings for (to unshelve)', asset);
      const m = await this.scorer(asset, known.cfg.machineClass);
      const shelf = m.snapshot().alarm.shelf;
      const change = m.unshelve();
      const staged = this.repo.stage(m, ts);
      try {
        await this.store.tx(async (q) => {
          await this.repo.apply(q, staged);
          if (this.recorder && shelf) await this.recorder.event(q, { asset, channel: MACHINE_CHANNEL, ts, kind: 'unshelve', actor: by, reason: shelf.reason, until: shelf.until });
        });
        this.commits++;
      } catch (e) {
        this.cache.delete(asset);
        this.repo.forget(asset);
        throw e;
      }
      if (!change) return undefined;
      const st = m.snapshot();
      return { asset, from: change.from, to: change.to, ts, health: { asset, score: null, anomaly: null, state: change.to, operating: st.clock.running ? 'running' : 'stopped', learned: 1, contributors: [], since: st.alarm.since, ts } };
    });
  }

  /** The machine's state for `status`: learning per bin, operating state, alarm, channels. */
  status(asset: string): Promise<unknown> {
    return this.serial(async () => {
      const m = this.cache.get(asset) ?? (await this.load(asset, this.cfg));
      if (!m) return { asset, known: false };
      const st = m.snapshot();
      return {
        asset,
        known: true,
        operating: st.clock.running ? 'running' : 'stopped',
        runHours: Math.round((st.clock.runMs / 3.6e6) * 1000) / 1000,
        state: st.alarm.state,
        since: st.alarm.since,
        shelf: st.alarm.shelf,
        bins: Object.fromEntries(
          Object.entries(st.bins).map(([k, b]) => [
            k,
            { status: b.status, readings: b.seen, runHours: Math.round((b.runMs / 3.6e6) * 1000) / 1000, channels: b.model?.channels.map((c) => ({ channel: c.channel, scored: c.scored, mean: c.mean, sd: c.sd, neff: c.neff, reason: c.reason })), warnLimit: b.model?.warnLimit ?? null, alarmLimit: b.model?.alarmLimit ?? null, notes: b.model?.notes },
          ]),
        ),
      };
    });
  }
}
