/**
 * The OEE of one node over the Store: asset states (node_state) and shift records (jit_oee_shift).
 * An event loads the records of the shifts it reaches, decides with the pure functions of oee.ts
 * and saves the touched records and the asset state in one transaction; the asset states in memory
 * change only after it commits. Reports read the records as they stand (nothing saved).
 */
import { InputError } from '../errors';
import type { Query, Store } from '../store/types';
import { DAY_MS, localDate, localDayStart, shiftAt, splitByShift, type Calendar, type ShiftSlot } from './calendar';
import { iso } from './events';
import { advance, dailyOee, newAssetState, newShiftRecord, oeeFigures, oeeStreak, rule85, type OeeAssetState, type RecordSource, type ShiftRecord } from './oee';
import { OeeRepo } from './repo';
import { StateBook } from './state';

export const MAX_ASSETS = 1000;
/** Pages of (rule85Days + 7) days the Rule of 85 reads back at most (a plant producing one day a week still reaches its streak). */
const RULE85_PAGES = 8;

export interface OeeOptions {
  cal: Calendar;
  rollingHours: number;
  requiredDays: number;
  threshold: number;
  bufferDays: number;
  /** Configured critical assets; when empty, the assets of criticality >= 4, else every asset seen. */
  critical: readonly string[];
  /** An asset's criticality (1-5) when known. */
  criticality: (asset: string) => number | undefined;
}

/** Decide an event for an asset: the new asset state, given the previous one and the records it may touch. */
export type OeeDecide = (prev: OeeAssetState, get: RecordSource) => OeeAssetState;

/** Ids of the shifts the time since `from` up to `to` reaches, and the shift at `to`. */
function slotsReached(cal: Calendar, from: number, to: number): ShiftSlot[] {
  const slots = splitByShift(cal, from, to).map((p) => p.slot);
  const at = shiftAt(cal, to);
  if (at) slots.push(at);
  return slots;
}

/**
 * A record source over records loaded beforehand: the stored record of a slot, else a new one.
 * `touched` holds every record handed out. A slot that was not loaded is a programming error.
 */
function preloaded(asset: string, slots: readonly ShiftSlot[], stored: Map<string, ShiftRecord>) {
  const ids = new Set(slots.map((s) => s.id));
  const touched = new Map<string, ShiftRecord>();
  const get = (slot: ShiftSlot): ShiftRecord => {
    let r = touched.get(slot.id);
    if (!r) {
      if (!ids.has(slot.id)) throw new Error(`oee: shift ${slot.id} was not loaded for ${asset}`);
      r = stored.get(slot.id) ?? newShiftRecord(asset, slot);
      touched.set(slot.id, r);
    }
    return r;
  };
  return { get, touched };
}

export class OeeTracker {
  readonly repo: OeeRepo;
  private readonly assets: StateBook<OeeAssetState>;

  constructor(
    private readonly store: Store,
    scope: string,
    private readonly o: OeeOptions,
  ) {
    this.repo = new OeeRepo(scope);
    this.assets = new StateBook<OeeAssetState>(store, scope);
  }

  /** Load the saved asset states; returns how many. */
  open(): Promise<number> {
    return this.assets.load(MAX_ASSETS);
  }

  state(asset: string): OeeAssetState | undefined {
    return this.assets.get(asset);
  }

  /** The records an asset's time since its last event up to `to` reaches, loaded from q. */
  private async source(q: Query, asset: string, from: number, to: number) {
    const slots = slotsReached(this.o.cal, from, to);
    const stored = await this.repo.getMany(q, asset, slots.map((s) => s.id));
    return preloaded(asset, slots, stored);
  }

  /**
   * A state or count event of an asset at ts: load -> decide -> save in one transaction. Returns
   * the new state and the record of the shift at ts (undefined between shifts).
   */
  async event(asset: string, ts: number, decide: OeeDecide): Promise<{ state: OeeAssetState; current: ShiftRecord | undefined }> {
    let prev = this.assets.get(asset);
    if (!prev) {
      if (this.assets.size >= MAX_ASSETS) throw new InputError('msg.payload.asset', `one of the ${MAX_ASSETS} assets this node already tracks`, asset);
      prev = newAssetState(asset, ts);
    }
    const from = prev;
    const out = await this.store.tx(async (q) => {
      const { get, touched } = await this.source(q, asset, from.lastTs, ts);
      const next = decide(from, get);
      const slot = shiftAt(this.o.cal, ts);
      const current = slot ? get(slot) : undefined;
      for (const r of touched.values()) await this.repo.save(q, r, ts);
      await this.assets.write(q, asset, next, ts);
      return { state: next, current };
    });
    this.assets.commit(asset, out.state);
    return out;
  }

  /**
   * Close a shift that ended at `end`: every asset last heard of during it gets the time up to the
   * shift's end added to its records, saved in one transaction. Returns how many assets.
   */
  async closeShift(done: ShiftSlot, end: number): Promise<number> {
    const closed = await this.store.tx(async (q) => {
      const out: [string, OeeAssetState][] = [];
      for (const [asset, st] of this.assets.entries()) {
        if (st.lastTs < done.start || st.lastTs >= done.end) continue;
        const { get, touched } = await this.source(q, asset, st.lastTs, done.end);
        const next = { ...st };
        advance(next, this.o.cal, done.end, get);
        for (const r of touched.values()) await this.repo.save(q, r, end);
        await this.assets.write(q, asset, next, end);
        out.push([asset, next]);
      }
      return out;
    });
    for (const [asset, next] of closed) this.assets.commit(asset, next);
    return closed.length;
  }

  private async criticalAssets(): Promise<string[]> {
    if (this.o.critical.length) return [...this.o.critical];
    const seen = [...new Set([...(await this.repo.assets(this.store)), ...[...this.assets.entries()].map(([k]) => k)])].sort();
    const crit = seen.filter((a) => (this.o.criticality(a) ?? 0) >= 4);
    return crit.length ? crit : seen;
  }

  /** Records of an asset as they stand at `to`: the stored ones, with the time since its last event added (not saved). */
  private async view(asset: string, to: number): Promise<Map<string, ShiftRecord>> {
    const s = this.assets.get(asset);
    if (!s || !(to > s.lastTs)) return new Map();
    const { get, touched } = await this.source(this.store, asset, s.lastTs, to);
    advance({ ...s }, this.o.cal, to, get);
    return touched;
  }

  private async records(asset: string, from: number, to: number, over: Map<string, ShiftRecord>): Promise<ShiftRecord[]> {
    const m = new Map((await this.repo.range(this.store, asset, from, to)).map((r) => [r.shift, r] as const));
    for (const r of over.values()) if (r.start >= from && r.start < to) m.set(r.shift, r);
    return [...m.values()].sort((x, y) => x.start - y.start);
  }

  /**
   * Days without planned time are skipped, so requiredDays planned days may take far more
   * calendar days (a Mon-Fri plant: 42 for 30). Read back page by page (requiredDays + 7 local
   * days each, cut at local midnight so a day is never split) until the streak reaches
   * requiredDays, breaks, or a page holds no records; at most RULE85_PAGES pages.
   */
  private async ruleOf85(to: number) {
    const { cal, requiredDays, threshold, bufferDays } = this.o;
    const today = localDate(cal, localDayStart(cal, to));
    const streaks: Record<string, { streakDays: number; lastDay: string | null; lastOee: number | null }> = {};
    for (const a of await this.criticalAssets()) {
      let recs: ShiftRecord[] = [];
      let upTo = to;
      for (let page = 0; page < RULE85_PAGES; page++) {
        const from = localDayStart(cal, upTo - (requiredDays + 7) * DAY_MS);
        const got = page === 0 ? await this.records(a, from, upTo, await this.view(a, upTo)) : await this.repo.range(this.store, a, from, upTo);
        recs = [...got, ...recs];
        upTo = from;
        const days = dailyOee(recs.filter((r) => r.day < today));
        streaks[a] = oeeStreak(days, threshold);
        const planned = days.filter((d) => d.plannedMin > 0 && d.oee !== null).length;
        if (streaks[a]!.streakDays >= requiredDays || streaks[a]!.streakDays < planned || got.length === 0) break;
      }
    }
    return rule85(streaks, requiredDays, threshold, bufferDays);
  }

  /** The report of an asset as of `to`: the shift at `to` (or `shiftId`), rolling figures, the Rule of 85. */
  async report(asset: string, to: number, shiftId: string | undefined) {
    const { cal, rollingHours } = this.o;
    const s = this.assets.get(asset);
    if (s && !shiftId && to < s.lastTs) throw new InputError('msg.payload.ts', `a time at or after the last event of ${asset} (${iso(s.lastTs)})`, to, 'events out of order');
    const over = await this.view(asset, to);
    let rec: ShiftRecord | undefined;
    if (shiftId) {
      rec = over.get(shiftId) ?? (await this.repo.get(this.store, asset, shiftId));
      if (!rec) throw new InputError('msg.payload.shift', `a shift id with records for ${asset} (like ${localDate(cal, localDayStart(cal, to))}/${cal.shifts[0]?.name})`, shiftId);
    } else {
      const slot = shiftAt(cal, to) ?? shiftAt(cal, to - 1);
      if (slot) rec = over.get(slot.id) ?? (await this.repo.get(this.store, asset, slot.id)) ?? newShiftRecord(asset, slot);
      else rec = (await this.records(asset, to - 2 * DAY_MS, to, over)).pop(); // between shifts: the last one
    }
    const f = rec ? oeeFigures([rec]) : oeeFigures([]);
    const from = to - rollingHours * 3600_000;
    const rolled = (await this.records(asset, from - 2 * DAY_MS, to + 1, over)).filter((r) => r.end > from);
    return {
      asset,
      ...f,
      shift: rec?.shift ?? null,
      from: rec ? iso(rec.start) : null,
      to: rec ? iso(Math.min(to, rec.end)) : iso(to),
      state: s?.state ?? 'unknown',
      stopsByReason: rec ? Object.fromEntries(Object.entries(rec.downByReason).map(([k, v]) => [k, Math.round(v / 600) / 100])) : {},
      rolling: { hours: rollingHours, shifts: rolled.length, ...oeeFigures(rolled) },
      rule85: await this.ruleOf85(to),
    };
  }
}
