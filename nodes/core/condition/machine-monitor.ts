/**
 * rel-health's machine mode over the store: one MachineScorer per asset, loaded from and saved
 * to the local store (MachineRepo) in one transaction per poll together with the state-change
 * events and the history buckets (through a recorder the caller supplies: the condition repo's
 * recordEvent / recordHistory). Operations run one after the other per monitor; the in-memory
 * scorer of an asset is dropped when its transaction fails, so the next poll reloads what was
 * committed.
 */
import { InputError } from '../errors';
import type { Query, Store } from '../store/types';
import type { MachineClass } from '../signal/iso10816';
import type { AlarmLevel } from './alarm';
import { MachineScorer, type MachineConfig, type MachineHealth, type MachineOutcome } from './machine';
import { MachineRepo } from './machine-repo';

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

export class MachineMonitor {
  private readonly repo: MachineRepo;
  private readonly cache = new Map<string, MachineScorer>();
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    readonly store: Store,
    readonly cfg: MachineConfig,
    private readonly recorder?: MachineRecorder,
  ) {
    this.repo = new MachineRepo(store);
  }

  /** Run operations one after the other, in call order. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn, fn);
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** Wait for every operation accepted so far. */
  async drain(): Promise<void> {
    await this.chain;
  }

  private configFor(machineClass: MachineClass | undefined): MachineConfig {
    return machineClass ? { ...this.cfg, machineClass } : this.cfg;
  }

  private async scorer(asset: string, machineClass: MachineClass | undefined): Promise<MachineScorer> {
    let m = this.cache.get(asset);
    const cfg = this.configFor(machineClass);
    if (m && m.cfg.machineClass !== cfg.machineClass) m = MachineScorer.restore(cfg, m.snapshot());
    if (!m) m = (await this.repo.load(asset, cfg)) ?? MachineScorer.create(asset, cfg);
    this.cache.set(asset, m);
    return m;
  }

  /** Score one poll; persists the state, events and history in one transaction. */
  poll(asset: string, machineClass: MachineClass | undefined, payload: unknown, now: number): Promise<MachineOutcome & { announce?: MachineChange }> {
    return this.serial(async () => {
      const m = await this.scorer(asset, machineClass);
      let out: MachineOutcome;
      try {
        out = m.poll(payload, now);
      } catch (e) {
        // refused input: nothing stored, and the in-memory state may have moved (held values)
        this.cache.delete(asset);
        throw e;
      }
      const h = out.health;
      try {
        const commit = await this.store.tx(async (q) => {
          const c = await this.repo.write(q, m, now);
          if (this.recorder) {
            if (out.change) {
              await this.recorder.event(q, { asset, channel: MACHINE_CHANNEL, ts: h.ts, kind: 'state', from: out.change.from, to: out.change.to, health: h.score, anomaly: h.anomaly, shelved: !!h.shelved, detail: { contributors: h.contributors.slice(0, 5), isoZone: h.isoZone ?? null, driver: h.driver ?? null } });
            }
            if (h.score !== null) await this.recorder.history(q, asset, MACHINE_CHANNEL, 'health', h.ts, h.score);
            if (h.anomaly !== null) await this.recorder.history(q, asset, MACHINE_CHANNEL, 'anomaly', h.ts, h.anomaly);
          }
          return c;
        });
        commit();
      } catch (e) {
        this.cache.delete(asset);
        this.repo.forget(asset);
        throw e;
      }
      return { ...out, announce: out.change ? { asset, from: out.change.from, to: out.change.to, ts: h.ts, health: h } : undefined };
    });
  }

  /** Forget the asset's baselines; learn again from its next running polls. */
  relearn(asset: string, by: string | undefined, reason: string | undefined, ts: number): Promise<void> {
    return this.serial(async () => {
      const m = this.cache.get(asset) ?? (await this.repo.load(asset, this.cfg));
      if (!m) throw new InputError('msg.payload.asset', 'an asset this node has readings for (to relearn)', asset);
      const from = m.snapshot().alarm.state;
      await this.store.tx(async (q) => {
        await this.repo.remove(asset, q);
        if (this.recorder) await this.recorder.event(q, { asset, channel: MACHINE_CHANNEL, ts, kind: 'relearn', from, to: 'learning', actor: by ?? null, reason: reason ?? null });
      });
      this.cache.delete(asset);
      this.repo.forget(asset);
    });
  }

  /** Shelve: state changes are tracked but not announced until `until`. */
  shelve(asset: string, by: string, reason: string, until: number, ts: number): Promise<boolean> {
    return this.serial(async () => {
      const known = this.cache.get(asset) ?? (await this.repo.load(asset, this.cfg));
      if (!known || !Object.values(known.snapshot().bins).some((b) => b.status === 'ready')) {
        throw new InputError('msg.payload.asset', 'an asset with a learned baseline (nothing to shelve while learning)', asset);
      }
      const m = await this.scorer(asset, known.cfg.machineClass);
      const prev = m.snapshot().alarm;
      m.shelve(by, reason, until, ts);
      try {
        const commit = await this.store.tx(async (q) => {
          const c = await this.repo.write(q, m, ts);
          if (this.recorder) await this.recorder.event(q, { asset, channel: MACHINE_CHANNEL, ts, kind: 'shelve', from: prev.state, actor: by, reason, until });
          return c;
        });
        commit();
      } catch (e) {
        this.cache.delete(asset);
        throw e;
      }
      return true;
    });
  }

  /** End a shelf; the change to announce when the state differs from the last announced one. */
  unshelve(asset: string, by: string, ts: number): Promise<MachineChange | undefined> {
    return this.serial(async () => {
      const known = this.cache.get(asset) ?? (await this.repo.load(asset, this.cfg));
      if (!known) throw new InputError('msg.payload.asset', 'an asset this node has readings for (to unshelve)', asset);
      const m = await this.scorer(asset, known.cfg.machineClass);
      const shelf = m.snapshot().alarm.shelf;
      const change = m.unshelve();
      try {
        const commit = await this.store.tx(async (q) => {
          const c = await this.repo.write(q, m, ts);
          if (this.recorder && shelf) await this.recorder.event(q, { asset, channel: MACHINE_CHANNEL, ts, kind: 'unshelve', actor: by, reason: shelf.reason, until: shelf.until });
          return c;
        });
        commit();
      } catch (e) {
        this.cache.delete(asset);
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
      const m = this.cache.get(asset) ?? (await this.repo.load(asset, this.cfg));
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
