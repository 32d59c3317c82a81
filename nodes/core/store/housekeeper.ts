/**
 * The storage housekeeper of one store: retention passes (housekeep) every hour in slices of at
 * most 200 ms, a disk-space check every minute that reports when the level changes, and online
 * backups of a SQLite file on a schedule. Timers through the given clock; every failure goes to
 * `report`, at most once a minute per kind, never out of a timer.
 */
import path from 'path';
import { backupSqlite } from './backup';
import { diskStatus, type DiskLimits, type DiskStatus } from './disk';
import { housekeep, type RetentionSettings } from './housekeeping';
import type { Store } from './types';

export interface HousekeeperClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(h: unknown): void;
}

export interface HousekeeperOptions {
  /** The stores to keep, acquired for one pass and released after it (no connection held between passes). */
  stores: () => { stores: Store[]; release(): void };
  retention: RetentionSettings;
  /** Folder whose free space is watched (the store file's folder). */
  dir: string;
  /** Disk levels (default: the automatic ones of disk.ts). */
  disk?: DiskLimits;
  /** SQLite file to back up, with where and how often; undefined = no backups. */
  backup?: { file: string; dir: string; everyHours: number; keep: number };
  everyMs?: number;
  diskEveryMs?: number;
  clock: HousekeeperClock;
  report(kind: 'disk' | 'housekeeping' | 'backup', level: 'info' | 'warn' | 'error', text: string): void;
}

export class Housekeeper {
  disk: DiskStatus | undefined;
  lastBackup: { file: string; at: number } | undefined;
  lastPass: { at: number; complete: boolean; deleted: number; rolledUp: number } | undefined;
  /** The pending timer of each loop (one entry per loop, replaced at each tick). */
  private readonly timers = new Map<string, unknown>();
  private closed = false;
  /** Every job under way (a pass may still run while the disk check ticks). */
  private readonly running = new Set<Promise<unknown>>();
  private readonly lastError = new Map<string, number>();

  /** The options it runs with (read by the editor info and tests). */
  constructor(readonly o: HousekeeperOptions) {}

  start(): void {
    this.checkDisk();
    this.loop('disk', () => this.checkDisk(), this.o.diskEveryMs ?? 60_000);
    this.loop('pass', () => this.pass(), this.o.everyMs ?? 3_600_000, 30_000);
    if (this.o.backup) this.loop('backup', () => this.backup(), this.o.backup.everyHours * 3_600_000);
  }

  /** Stop the timers and wait for a pass or backup under way. */
  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.timers.values()) this.o.clock.clearTimeout(t);
    this.timers.clear();
    await Promise.allSettled([...this.running]);
  }

  private loop(name: string, fn: () => unknown, every: number, first = every): void {
    const tick = () => {
      if (this.closed) return;
      const job: Promise<unknown> = Promise.resolve()
        .then(fn)
        .catch(() => undefined)
        .then(() => {
          this.running.delete(job);
          if (!this.closed) this.timers.set(name, this.o.clock.setTimeout(tick, every));
        });
      this.running.add(job);
    };
    this.timers.set(name, this.o.clock.setTimeout(tick, first));
  }

  private fail(kind: 'disk' | 'housekeeping' | 'backup', e: unknown): void {
    const now = this.o.clock.now();
    if (now - (this.lastError.get(kind) ?? -Infinity) < 60_000) return;
    this.lastError.set(kind, now);
    this.o.report(kind, 'error', e instanceof Error ? e.message : String(e));
  }

  checkDisk(): DiskStatus | undefined {
    try {
      const d = diskStatus(this.o.dir, this.o.disk);
      if (d.level !== this.disk?.level) this.o.report('disk', d.level === 'ok' ? 'info' : d.level === 'low' ? 'warn' : 'error', `disk ${d.level}: ${d.text} at ${this.o.dir}`);
      this.disk = d;
      return d;
    } catch (e) {
      this.fail('disk', e);
      return undefined;
    }
  }

  async pass(): Promise<void> {
    let acquired: { stores: Store[]; release(): void } | undefined;
    try {
      acquired = this.o.stores();
      for (const s of acquired.stores) {
        let rep;
        let slices = 0;
        do {
          rep = await housekeep(s, this.o.retention, this.o.clock.now(), { budgetMs: 200 });
          slices++;
          if (!rep.complete) await new Promise((r) => setImmediate(r));
        } while (!rep.complete && !this.closed && slices < 10_000);
        const deleted = Object.values(rep.deleted).reduce((a, b) => a + b, 0);
        this.lastPass = { at: this.o.clock.now(), complete: rep.complete, deleted, rolledUp: rep.rolledUp };
        if (deleted || rep.rolledUp) this.o.report('housekeeping', 'info', `retention at ${s.location}: ${deleted} rows past their retention removed, ${rep.rolledUp} history rows rolled into ${rep.hourlyWritten} hourly rows`);
      }
    } catch (e) {
      this.fail('housekeeping', e);
    } finally {
      acquired?.release();
    }
  }

  async backup(): Promise<void> {
    const b = this.o.backup;
    if (!b) return;
    try {
      const r = await backupSqlite(b.file, b.dir, { keep: b.keep, now: this.o.clock.now() });
      this.lastBackup = { file: r.file, at: this.o.clock.now() };
      this.o.report('backup', 'info', `backup ${path.basename(r.file)} (${(r.bytes / 1024 ** 2).toFixed(1)} MB, ${r.ms} ms)${r.removed.length ? `, ${r.removed.length} older removed` : ''}`);
    } catch (e) {
      this.fail('backup', e);
    }
  }
}
