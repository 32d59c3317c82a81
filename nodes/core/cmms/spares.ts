/**
 * Spare parts: stock on hand, reservations for work orders, stock moves, and the reorder point
 * with safety stock from demand and supplier lead-time variability (domain.md):
 *
 *   SS  = z * sqrt(L * sd_D^2 + D^2 * sd_L^2)
 *   ROP = D * L + SS
 *
 * D demand per day, sd_D its standard deviation, L supplier lead time in days, sd_L its standard
 * deviation, z the service factor (1.65 for 95 %). Repository over the asynchronous Store: no
 * Node-RED.
 *
 * Stock is changed only by atomic conditional updates (`UPDATE cmms_parts SET on_hand = on_hand - ?
 * ... WHERE on_hand >= ? AND ...`): with many writers on one PostgreSQL server stock never goes
 * negative, never over-reserves and no update is lost. Every move updates the part's row first,
 * so the part row is the lock its reservations are changed under. Methods that may run inside a
 * caller's transaction take an optional `q`.
 */
import { StateError } from '../errors';
import type { Query, Store } from '../store/types';
import { RECORD_KEY_SQL } from '../store/outbox';
import { woNumber } from './schema';

export interface SafetyStockInput {
  /** Mean demand per day. */
  demandPerDay: number;
  /** Standard deviation of daily demand. */
  demandSd: number;
  /** Mean supplier lead time, days. */
  leadDays: number;
  /** Standard deviation of the lead time, days. */
  leadSd: number;
  /** Service factor (1.65 = 95 %). */
  z?: number;
}

/**
 * Safety stock. Example: D = 4/day, sd_D = 2, L = 10 d, sd_L = 3 d, z = 1.65:
 * 1.65 * sqrt(10*4 + 16*9) = 1.65 * sqrt(184) = 22.38.
 */
export function safetyStock({ demandPerDay: D, demandSd: sdD, leadDays: L, leadSd: sdL, z = 1.65 }: SafetyStockInput): number {
  return z * Math.sqrt(L * sdD * sdD + D * D * sdL * sdL);
}

/** Reorder point = D*L + SS. Same example: 40 + 22.38 = 62.38. */
export function reorderPoint(i: SafetyStockInput): number {
  return i.demandPerDay * i.leadDays + safetyStock(i);
}

/** Mean and sample standard deviation of daily totals over `days` whole days (zero days count). */
export function dailyDemand(issues: readonly { ts: number; qty: number }[], from: number, days: number): { mean: number; sd: number } {
  const buckets = new Float64Array(Math.max(1, Math.floor(days)));
  for (const m of issues) {
    const d = Math.floor((m.ts - from) / 86_400_000);
    if (d >= 0 && d < buckets.length) buckets[d] += m.qty;
  }
  let sum = 0;
  for (const x of buckets) sum += x;
  const mean = sum / buckets.length;
  let ss = 0;
  for (const x of buckets) ss += (x - mean) ** 2;
  return { mean, sd: buckets.length > 1 ? Math.sqrt(ss / (buckets.length - 1)) : 0 };
}

export interface PartDef {
  part: string;
  name?: string;
  unitCost?: number;
  leadMeanDays?: number;
  leadSdDays?: number;
  /** Fixed demand; when absent it is estimated from the issues of the last `demandWindowDays`. */
  demandPerDay?: number;
  demandSd?: number;
  z?: number;
  /** Quantity ordered on top of the reorder point (default: one lead time of demand, at least 1). */
  lotSize?: number;
}

export interface PartStock {
  part: string;
  name: string;
  onHand: number;
  reserved: number;
  available: number;
  unitCost: number;
  value: number;
  leadMeanDays: number;
  leadSdDays: number;
  demandPerDay: number;
  demandSd: number;
  demandEstimated: boolean;
  z: number;
  safetyStock: number;
  reorderPoint: number;
  belowReorderPoint: boolean;
  /** What to order now to get back to reorder point + lot size (0 when above the reorder point). */
  orderQuantity: number;
}

export interface PullSignal {
  part: string;
  name: string;
  available: number;
  reorderPoint: number;
  safetyStock: number;
  quantity: number;
  leadMeanDays: number;
  ts: number;
}

export interface PartRow {
  part: string;
  name: string;
  on_hand: number;
  reserved: number;
  unit_cost: number;
  lead_mean_days: number;
  lead_sd_days: number;
  demand_per_day: number | null;
  demand_sd: number | null;
  z: number;
  lot_size: number | null;
  below_rop: number;
  signal_pending: number;
  pending_qty: number;
}

export type MoveKind = 'receive' | 'issue' | 'reserve' | 'release' | 'adjust';

export interface MoveInput {
  part: string;
  qty: number;
  /** Work order the move belongs to (reservations are per work order). */
  wo?: number;
  by?: string;
  note?: string;
  ts: number;
}

const EPS = 1e-9;

/** The columns of a part row (PartRow). */
const PART_COLUMNS = ['part', 'name', 'on_hand', 'reserved', 'unit_cost', 'lead_mean_days', 'lead_sd_days', 'demand_per_day', 'demand_sd', 'z', 'lot_size', 'below_rop', 'signal_pending', 'pending_qty'];

/**
 * PostgreSQL: an issue that uses no reservation in ONE statement (one round trip): the event key
 * recorded in outbox_applied (`key`: nothing changes when it was applied before), the conditional
 * update (never below zero, never into what is reserved; it locks the part row), the move row
 * with the stock the update left, and the part row after it. Parameters: [key, applied at], qty,
 * ts, part, qty - EPS, qty - EPS, then ts, qty, actor, note. Always one row: `recorded` 0 when the
 * key was applied before, `part` NULL when the update was refused (or the part is unknown).
 */
function pgIssueSql(key: boolean): string {
  return `WITH ${key ? `rec AS (${RECORD_KEY_SQL} RETURNING event_key),\n` : ''}u AS (UPDATE cmms_parts SET on_hand = on_hand - ?::double precision, updated_at = ?::bigint
     WHERE part = ?::text AND on_hand >= ?::double precision AND on_hand - reserved >= ?::double precision${key ? ' AND EXISTS (SELECT 1 FROM rec)' : ''}
     RETURNING ${PART_COLUMNS.join(', ')}),
   mv AS (INSERT INTO cmms_stock_moves (part, ts, kind, qty, wo_id, actor, note, on_hand, reserved)
     SELECT u.part, ?::bigint, 'issue', ?::double precision, NULL, ?::text, ?::text, u.on_hand, u.reserved FROM u)
   SELECT ${key ? '(SELECT COUNT(*) FROM rec)' : '1'} AS recorded, ${PART_COLUMNS.map((c) => `u.${c}`).join(', ')} FROM (SELECT 1 AS one) x LEFT JOIN u ON true`;
}
const PG_ISSUE = { key: pgIssueSql(true), plain: pgIssueSql(false) };

/** Numbers of a part row (PostgreSQL may hand BIGINT columns over as text). */
function norm(r: PartRow): PartRow {
  r.below_rop = Number(r.below_rop);
  r.signal_pending = Number(r.signal_pending);
  return r;
}

export class SparesRepo {
  constructor(
    readonly store: Store,
    readonly demandWindowDays = 90,
  ) {}

  /** Run fn in a new transaction (a stock move given to CmmsWrites.write). */
  inTx<R>(fn: (q: Query) => Promise<R>): Promise<R> {
    return this.store.tx(fn);
  }

  private within<T>(q: Query | undefined, fn: (q: Query) => Promise<T>): Promise<T> {
    return q ? fn(q) : this.store.tx(fn);
  }

  /** Create or update a part's master data (stock is changed only by moves). */
  async define(d: PartDef, ts: number, q?: Query): Promise<PartStock> {
    await this.within(q, async (t) => {
      // Insert, or update only the fields given (COALESCE keeps the stored value of an absent one).
      await t.run(
        `INSERT INTO cmms_parts (part, name, unit_cost, lead_mean_days, lead_sd_days, demand_per_day, demand_sd, z, lot_size, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (part) DO UPDATE SET
           name = CASE WHEN ? = 1 THEN excluded.name ELSE cmms_parts.name END,
           unit_cost = CASE WHEN ? = 1 THEN excluded.unit_cost ELSE cmms_parts.unit_cost END,
           lead_mean_days = CASE WHEN ? = 1 THEN excluded.lead_mean_days ELSE cmms_parts.lead_mean_days END,
           lead_sd_days = CASE WHEN ? = 1 THEN excluded.lead_sd_days ELSE cmms_parts.lead_sd_days END,
           demand_per_day = CASE WHEN ? = 1 THEN excluded.demand_per_day ELSE cmms_parts.demand_per_day END,
           demand_sd = CASE WHEN ? = 1 THEN excluded.demand_sd ELSE cmms_parts.demand_sd END,
           z = CASE WHEN ? = 1 THEN excluded.z ELSE cmms_parts.z END,
           lot_size = CASE WHEN ? = 1 THEN excluded.lot_size ELSE cmms_parts.lot_size END,
           updated_at = excluded.updated_at`,
        [
          d.part, d.name ?? '', d.unitCost ?? 0, d.leadMeanDays ?? 0, d.leadSdDays ?? 0, d.demandPerDay ?? null, d.demandSd ?? null, d.z ?? 1.65, d.lotSize ?? null, ts,
          ...[d.name, d.unitCost, d.leadMeanDays, d.leadSdDays, d.demandPerDay, d.demandSd, d.z, d.lotSize].map((v) => (v === undefined ? 0 : 1)),
        ],
      );
      await this.checkCrossing(t, d.part, ts);
    });
    return this.get(d.part, ts, q);
  }

  async exists(part: string, q: Query = this.store): Promise<boolean> {
    return !!(await this.row(q, part));
  }

  private async row(q: Query, part: string): Promise<PartRow | undefined> {
    const r = await q.one<PartRow>('SELECT * FROM cmms_parts WHERE part = ?', [part]);
    return r ? norm(r) : undefined;
  }

  private async need(q: Query, part: string): Promise<PartRow> {
    const r = await this.row(q, part);
    if (!r) throw new StateError(`part ${JSON.stringify(part)} not found (define it first with action "define")`);
    return r;
  }

  /** The part's row, locked for the rest of the transaction on PostgreSQL (SQLite transactions hold the whole file). */
  private async lock(q: Query, part: string): Promise<PartRow> {
    if (q.dialect !== 'postgres') return this.need(q, part);
    const r = await q.one<PartRow>('SELECT * FROM cmms_parts WHERE part = ? FOR UPDATE', [part]);
    if (!r) throw new StateError(`part ${JSON.stringify(part)} not found (define it first with action "define")`);
    return norm(r);
  }

  private async reservedFor(q: Query, part: string, wo: number): Promise<number> {
    return (await q.one<{ qty: number }>('SELECT qty FROM cmms_reservations WHERE part = ? AND wo_id = ?', [part, wo]))?.qty ?? 0;
  }

  /** Record a move with the stock it left (read back under the part's row lock), then mark a crossing. */
  private async move(q: Query, kind: MoveKind, m: MoveInput): Promise<void> {
    const r = await this.need(q, m.part);
    await q.run(
      'INSERT INTO cmms_stock_moves (part, ts, kind, qty, wo_id, actor, note, on_hand, reserved) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      [m.part, m.ts, kind, m.qty, m.wo ?? null, m.by ?? '', m.note ?? '', r.on_hand, r.reserved],
    );
    await this.checkCrossing(q, m.part, m.ts, r, m.qty !== 0);
  }

  async receive(m: MoveInput, q?: Query): Promise<PartStock> {
    await this.within(q, async (t) => {
      const res = await t.run('UPDATE cmms_parts SET on_hand = on_hand + ?, updated_at = ? WHERE part = ?', [m.qty, m.ts, m.part]);
      if (!res.changes) await this.need(t, m.part);
      await this.move(t, 'receive', m);
    });
    return this.get(m.part, m.ts, q);
  }

  /**
   * Take parts out of stock. Parts reserved for the same work order are used first; what others
   * have reserved is not available. One conditional update: never drives stock negative.
   */
  async issue(m: MoveInput, q?: Query): Promise<PartStock> {
    if (this.store.dialect === 'postgres' && m.wo === undefined) return this.within(q, async (t) => (await this.issuePg(t, m)) as PartStock);
    await this.within(q, async (t) => {
      await this.lock(t, m.part);
      const mine = m.wo !== undefined ? await this.reservedFor(t, m.part, m.wo) : 0;
      const fromReserved = Math.min(mine, m.qty);
      const res = await t.run(
        `UPDATE cmms_parts SET on_hand = on_hand - ?, reserved = CASE WHEN reserved - ? < 0 THEN 0 ELSE reserved - ? END, updated_at = ?
         WHERE part = ? AND on_hand >= ? AND on_hand - reserved + ? >= ?`,
        [m.qty, fromReserved, fromReserved, m.ts, m.part, m.qty - EPS, mine, m.qty - EPS],
      );
      if (!res.changes) {
        const r = await this.need(t, m.part);
        const usable = r.on_hand - (r.reserved - mine);
        throw new StateError(`part ${JSON.stringify(m.part)}: cannot issue ${m.qty}, only ${round(usable)} available (on hand ${round(r.on_hand)}, reserved by others ${round(r.reserved - mine)})`);
      }
      if (m.wo !== undefined && fromReserved > 0) await this.takeReservation(t, m.part, m.wo, fromReserved);
      await this.move(t, 'issue', m);
    });
    return this.get(m.part, m.ts, q);
  }

  /**
   * issue(), applied once per event key: the key is recorded in `outbox_applied` with the issue
   * (the offline outbox's table, nodes/core/store/outbox.ts); undefined when it was applied before.
   * On PostgreSQL an issue for no work order is one statement (pgIssueSql) in the transaction.
   */
  async issueOnce(m: MoveInput, key: string, q?: Query): Promise<PartStock | undefined> {
    return this.within(q, async (t) => {
      if (t.dialect === 'postgres' && m.wo === undefined) return this.issuePg(t, m, key);
      if ((await t.run(RECORD_KEY_SQL, [key, Date.now()])).changes === 0) return undefined;
      return this.issue(m, t);
    });
  }

  /** The one-statement issue on PostgreSQL (no work order): the move, the crossing, the stock; undefined when the key was applied before. */
  private async issuePg(t: Query, m: MoveInput, key?: string): Promise<PartStock | undefined> {
    const params = [...(key !== undefined ? [key, Date.now()] : []), m.qty, m.ts, m.part, m.qty - EPS, m.qty - EPS, m.ts, m.qty, m.by ?? '', m.note ?? ''];
    const r = await t.one<Omit<PartRow, 'part'> & { part: string | null; recorded: number }>(key !== undefined ? PG_ISSUE.key : PG_ISSUE.plain, params);
    if (!r || Number(r.recorded) === 0) return undefined;
    if (r.part === null) {
      const p = await this.need(t, m.part);
      throw new StateError(`part ${JSON.stringify(m.part)}: cannot issue ${m.qty}, only ${round(p.on_hand - p.reserved)} available (on hand ${round(p.on_hand)}, reserved by others ${round(p.reserved)})`);
    }
    const { recorded: _recorded, ...rest } = r;
    const row = norm(rest as PartRow);
    await this.checkCrossing(t, m.part, m.ts, row);
    return this.stock(t, row, m.ts);
  }

  /** Take qty off a reservation (deleted when nothing is left). */
  private async takeReservation(q: Query, part: string, wo: number, qty: number): Promise<boolean> {
    const res = await q.run('UPDATE cmms_reservations SET qty = qty - ? WHERE part = ? AND wo_id = ? AND qty >= ?', [qty, part, wo, qty - EPS]);
    if (!res.changes) return false;
    await q.run('DELETE FROM cmms_reservations WHERE part = ? AND wo_id = ? AND qty <= ?', [part, wo, EPS]);
    return true;
  }

  async reserve(m: MoveInput, q?: Query): Promise<PartStock> {
    await this.within(q, async (t) => {
      if (m.wo !== undefined) {
        // Done, closed and cancelled orders have released their reservations (releaseAllFor); a new
        // one would never be released. Numbers unknown here (orders kept in another system) are allowed.
        // FOR SHARE on PostgreSQL: a completion or cancellation of this order running at the same
        // time (which releases its reservations) either waits for this reservation or is seen here.
        const share = t.dialect === 'postgres' ? ' FOR SHARE' : '';
        const w = await t.one<{ status: string; is_open: number }>(`SELECT status, is_open FROM cmms_work_orders WHERE id = ?${share}`, [m.wo]);
        if (w && Number(w.is_open) !== 1)
          throw new StateError(`work order ${woNumber(m.wo)} is ${w.status}: cannot reserve part ${JSON.stringify(m.part)} for it (wo: expected an open work order or a number this store does not know, got ${m.wo})`);
      }
      const res = await t.run('UPDATE cmms_parts SET reserved = reserved + ?, updated_at = ? WHERE part = ? AND on_hand - reserved >= ?', [m.qty, m.ts, m.part, m.qty - EPS]);
      if (!res.changes) {
        const r = await this.need(t, m.part);
        throw new StateError(`part ${JSON.stringify(m.part)}: cannot reserve ${m.qty}, only ${round(r.on_hand - r.reserved)} available`);
      }
      await t.run(`INSERT INTO cmms_reservations (part, wo_id, qty) VALUES (?, ?, ?) ON CONFLICT (part, wo_id) DO UPDATE SET qty = cmms_reservations.qty + excluded.qty`, [m.part, m.wo ?? 0, m.qty]);
      await this.move(t, 'reserve', m);
    });
    return this.get(m.part, m.ts, q);
  }

  async release(m: MoveInput, q?: Query): Promise<PartStock> {
    await this.within(q, async (t) => {
      const wo = m.wo ?? 0;
      await this.lock(t, m.part);
      const held = await this.reservedFor(t, m.part, wo);
      if (m.qty > held + EPS || !(await this.takeReservation(t, m.part, wo, m.qty)))
        throw new StateError(`part ${JSON.stringify(m.part)}: cannot release ${m.qty}, only ${round(held)} reserved${m.wo !== undefined ? ` for work order ${m.wo}` : ''}`);
      await t.run('UPDATE cmms_parts SET reserved = CASE WHEN reserved - ? < 0 THEN 0 ELSE reserved - ? END, updated_at = ? WHERE part = ?', [m.qty, m.qty, m.ts, m.part]);
      await this.move(t, 'release', m);
    });
    return this.get(m.part, m.ts, q);
  }

  /**
   * Releases everything still reserved for work order `wo` (each part one `release` move), as a
   * completed or cancelled order must: parts it did not use go back to available stock. Returns
   * what was released.
   */
  async releaseAllFor(wo: number, by: string, note: string, ts: number, q?: Query): Promise<{ part: string; qty: number }[]> {
    return this.within(q, async (t) => {
      const out: { part: string; qty: number }[] = [];
      for (const { part } of await t.all<{ part: string }>('SELECT part FROM cmms_reservations WHERE wo_id = ? ORDER BY part', [wo])) {
        await this.lock(t, part);
        const qty = await this.reservedFor(t, part, wo);
        if (qty <= 0) continue;
        await t.run('DELETE FROM cmms_reservations WHERE part = ? AND wo_id = ?', [part, wo]);
        await t.run('UPDATE cmms_parts SET reserved = CASE WHEN reserved - ? < 0 THEN 0 ELSE reserved - ? END, updated_at = ? WHERE part = ?', [qty, qty, ts, part]);
        await this.move(t, 'release', { part, qty, wo, by, note, ts });
        out.push({ part, qty });
      }
      return out;
    });
  }

  /** Physical count: set on-hand to `count` (>= 0); the move records the difference and why. */
  async adjust(m: Omit<MoveInput, 'qty'> & { count: number }, q?: Query): Promise<PartStock> {
    await this.within(q, async (t) => {
      const r = await this.lock(t, m.part);
      await t.run('UPDATE cmms_parts SET on_hand = ?, reserved = CASE WHEN reserved > ? THEN ? ELSE reserved END, updated_at = ? WHERE part = ?', [m.count, m.count, m.count, m.ts, m.part]);
      if (r.reserved > m.count) {
        // Reservations beyond what exists are cut back, largest first.
        let over = r.reserved - m.count;
        for (const res of await t.all<{ wo_id: number; qty: number }>('SELECT wo_id, qty FROM cmms_reservations WHERE part = ? ORDER BY qty DESC', [m.part])) {
          if (over <= EPS) break;
          const cut = Math.min(over, res.qty);
          await this.takeReservation(t, m.part, Number(res.wo_id), cut);
          over -= cut;
        }
      }
      await this.move(t, 'adjust', { ...m, qty: m.count - r.on_hand });
    });
    return this.get(m.part, m.ts, q);
  }

  private async demand(q: Query, r: PartRow, now: number): Promise<{ mean: number; sd: number; estimated: boolean }> {
    if (r.demand_per_day !== null) return { mean: r.demand_per_day, sd: r.demand_sd ?? 0, estimated: false };
    // The window (now - days, now] in whole ms: buckets [from + k days, from + (k+1) days) with
    // from = now - days + 1 ms, so the last bucket ends with (and counts) an issue made at `now`.
    const from = now - this.demandWindowDays * 86_400_000 + 1;
    const issues = await q.all<{ ts: number; qty: number }>("SELECT ts, qty FROM cmms_stock_moves WHERE part = ? AND kind = 'issue' AND ts >= ? AND ts <= ?", [r.part, from, now]);
    return { ...dailyDemand(issues.map((x) => ({ ts: Number(x.ts), qty: x.qty })), from, this.demandWindowDays), estimated: true };
  }

  private async stock(q: Query, r: PartRow, now: number): Promise<PartStock> {
    return stockOf(r, await this.demand(q, r, now));
  }

  /**
   * Mark a crossing of the reorder point (once per crossing) for the next drainSignals(). After a
   * stock move (`moved`) at the whole reorder point; without one (the periodic check, new master
   * data, a count that changes nothing) only at the exact D*L + SS: rounding up alone never sends
   * a pull signal without a stock movement (a part at available = ceil(ROP) whose flag was stored
   * under the exact rule is signalled at its next move, or when the exact figure reaches it).
   */
  private async checkCrossing(q: Query, part: string, ts: number, row?: PartRow, moved = false): Promise<void> {
    const r = row ?? (await this.need(q, part));
    const d = await this.demand(q, r, ts);
    const s = stockOf(r, d);
    if (s.belowReorderPoint && !r.below_rop && (moved || s.available <= reorderPoint(ropInput(r, d)) + EPS)) {
      await q.run('UPDATE cmms_parts SET below_rop = 1, signal_pending = 1, pending_qty = ? WHERE part = ? AND below_rop = 0', [s.orderQuantity, part]);
    } else if (!s.belowReorderPoint && r.below_rop) {
      await q.run('UPDATE cmms_parts SET below_rop = 0, signal_pending = 0 WHERE part = ? AND below_rop = 1', [part]);
    }
  }

  /**
   * Re-evaluate every part's crossing at `ts` (the periodic check): with demand estimated from
   * issues the reorder point moves with time and with moves written by another repository, not
   * only with this one's stock moves. A new crossing is marked for drainSignals() like any other;
   * a part already below stays marked once (no second signal).
   */
  async recheck(ts: number, q?: Query): Promise<void> {
    await this.within(q, async (t) => {
      for (const r of await t.all<PartRow>('SELECT * FROM cmms_parts ORDER BY part')) await this.checkCrossing(t, r.part, ts, norm(r));
    });
  }

  /**
   * Pull signals not yet announced (each crossing once), marked as announced. Claimed with a
   * conditional update, so with several boxes on one database each crossing is announced by one.
   */
  async drainSignals(ts: number, q?: Query): Promise<PullSignal[]> {
    // On its own: one read when nothing is pending (the usual case), no transaction.
    if (!q && !(await this.store.one<{ part: string }>('SELECT part FROM cmms_parts WHERE signal_pending = 1 LIMIT 1'))) return [];
    return this.within(q, async (t) => {
      const out: PullSignal[] = [];
      for (const row of await t.all<PartRow>('SELECT * FROM cmms_parts WHERE signal_pending = 1 ORDER BY part')) {
        const r = norm(row);
        const claimed = await t.run('UPDATE cmms_parts SET signal_pending = 0 WHERE part = ? AND signal_pending = 1', [r.part]);
        if (!claimed.changes) continue;
        const s = await this.stock(t, r, ts);
        out.push({ part: r.part, name: r.name, available: s.available, reorderPoint: s.reorderPoint, safetyStock: s.safetyStock, quantity: Math.max(r.pending_qty, s.orderQuantity), leadMeanDays: r.lead_mean_days, ts });
      }
      return out;
    });
  }

  async get(part: string, now: number, q: Query = this.store): Promise<PartStock> {
    return this.stock(q, await this.need(q, part), now);
  }

  async list(now: number, o: { belowOnly?: boolean } = {}, q: Query = this.store): Promise<PartStock[]> {
    const all: PartStock[] = [];
    for (const r of await q.all<PartRow>('SELECT * FROM cmms_parts ORDER BY part')) all.push(await this.stock(q, norm(r), now));
    return o.belowOnly ? all.filter((p) => p.belowReorderPoint) : all;
  }

  async moves(part: string, limit = 100, q: Query = this.store): Promise<{ ts: number; kind: string; qty: number; wo: number | null; by: string; note: string; onHand: number; reserved: number }[]> {
    const rows = await q.all<{ ts: number; kind: string; qty: number; wo_id: number | null; actor: string; note: string; on_hand: number; reserved: number }>(
      'SELECT ts, kind, qty, wo_id, actor, note, on_hand, reserved FROM cmms_stock_moves WHERE part = ? ORDER BY id DESC LIMIT ?',
      [part, limit],
    );
    return rows.map((m) => ({ ts: Number(m.ts), kind: m.kind, qty: m.qty, wo: m.wo_id === null ? null : Number(m.wo_id), by: m.actor, note: m.note, onHand: m.on_hand, reserved: m.reserved }));
  }
}

/** The reorder-point inputs of a part's row and its demand. */
function ropInput(r: PartRow, d: { mean: number; sd: number }): SafetyStockInput {
  return { demandPerDay: d.mean, demandSd: d.sd, leadDays: r.lead_mean_days, leadSd: r.lead_sd_days, z: r.z };
}

/** A part's stock figures from its row and its demand (pure). */
export function stockOf(r: PartRow, d: { mean: number; sd: number; estimated: boolean }): PartStock {
  const input = ropInput(r, d);
  const ss = safetyStock(input);
  // A part is counted in whole pieces: the reorder point is D*L + SS rounded up (1.5 -> 2; never
  // below the service level of z). The pure reorderPoint() keeps the exact figure.
  const rop = Math.ceil(reorderPoint(input) - EPS);
  const available = r.on_hand - r.reserved;
  const lot = r.lot_size ?? Math.max(1, Math.ceil(d.mean * r.lead_mean_days));
  const below = available <= rop + EPS;
  return {
    part: r.part,
    name: r.name,
    onHand: r.on_hand,
    reserved: r.reserved,
    available,
    unitCost: r.unit_cost,
    value: r.on_hand * r.unit_cost,
    leadMeanDays: r.lead_mean_days,
    leadSdDays: r.lead_sd_days,
    demandPerDay: d.mean,
    demandSd: d.sd,
    demandEstimated: d.estimated,
    z: r.z,
    safetyStock: ss,
    reorderPoint: rop,
    belowReorderPoint: below,
    orderQuantity: below ? Math.max(1, Math.ceil(rop + lot - available - EPS)) : 0,
  };
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
