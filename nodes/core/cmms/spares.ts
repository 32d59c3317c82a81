/**
 * Spare parts: stock on hand, reservations for work orders, stock moves, and the reorder point
 * with safety stock from demand and supplier lead-time variability (domain.md):
 *
 *   SS  = z * sqrt(L * sd_D^2 + D^2 * sd_L^2)
 *   ROP = D * L + SS
 *
 * D demand per day, sd_D its standard deviation, L supplier lead time in days, sd_L its standard
 * deviation, z the service factor (1.65 for 95 %). Pure repository over a Store: no Node-RED.
 */
import { StateError } from '../errors';
import type { SyncStore as Store } from '../store/types';
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

interface PartRow {
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

export class SparesRepo {
  constructor(
    readonly store: Store,
    readonly demandWindowDays = 90,
  ) {}

  /** Create or update a part's master data (stock is changed only by moves). */
  define(d: PartDef, ts: number): PartStock {
    this.store.tx(() => {
      const row = this.row(d.part);
      if (!row) {
        this.store.run(
          `INSERT INTO cmms_parts (part, name, unit_cost, lead_mean_days, lead_sd_days, demand_per_day, demand_sd, z, lot_size, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          [d.part, d.name ?? '', d.unitCost ?? 0, d.leadMeanDays ?? 0, d.leadSdDays ?? 0, d.demandPerDay ?? null, d.demandSd ?? null, d.z ?? 1.65, d.lotSize ?? null, ts],
        );
      } else {
        this.store.run(
          `UPDATE cmms_parts SET name = ?, unit_cost = ?, lead_mean_days = ?, lead_sd_days = ?, demand_per_day = ?, demand_sd = ?, z = ?, lot_size = ?, updated_at = ? WHERE part = ?`,
          [
            d.name ?? row.name,
            d.unitCost ?? row.unit_cost,
            d.leadMeanDays ?? row.lead_mean_days,
            d.leadSdDays ?? row.lead_sd_days,
            d.demandPerDay ?? row.demand_per_day,
            d.demandSd ?? row.demand_sd,
            d.z ?? row.z,
            d.lotSize ?? row.lot_size,
            ts,
            d.part,
          ],
        );
      }
      this.checkCrossing(d.part, ts);
    });
    return this.get(d.part, ts);
  }

  exists(part: string): boolean {
    return !!this.row(part);
  }

  private row(part: string): PartRow | undefined {
    return this.store.get<PartRow>('SELECT * FROM cmms_parts WHERE part = ?', [part]);
  }

  private need(part: string): PartRow {
    const r = this.row(part);
    if (!r) throw new StateError(`part ${JSON.stringify(part)} not found (define it first with action "define")`);
    return r;
  }

  private reservedFor(part: string, wo: number): number {
    return this.store.get<{ qty: number }>('SELECT qty FROM cmms_reservations WHERE part = ? AND wo_id = ?', [part, wo])?.qty ?? 0;
  }

  private setReservation(part: string, wo: number, qty: number): void {
    if (qty <= EPS) this.store.run('DELETE FROM cmms_reservations WHERE part = ? AND wo_id = ?', [part, wo]);
    else
      this.store.run(
        `INSERT INTO cmms_reservations (part, wo_id, qty) VALUES (?, ?, ?) ON CONFLICT (part, wo_id) DO UPDATE SET qty = excluded.qty`,
        [part, wo, qty],
      );
  }

  private move(kind: MoveKind, m: MoveInput, onHand: number, reserved: number): void {
    this.store.run('UPDATE cmms_parts SET on_hand = ?, reserved = ?, updated_at = ? WHERE part = ?', [onHand, reserved, m.ts, m.part]);
    this.store.run(
      'INSERT INTO cmms_stock_moves (part, ts, kind, qty, wo_id, actor, note, on_hand, reserved) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      [m.part, m.ts, kind, m.qty, m.wo ?? null, m.by ?? '', m.note ?? '', onHand, reserved],
    );
    this.checkCrossing(m.part, m.ts);
  }

  receive(m: MoveInput): PartStock {
    this.store.tx(() => {
      const r = this.need(m.part);
      this.move('receive', m, r.on_hand + m.qty, r.reserved);
    });
    return this.get(m.part, m.ts);
  }

  /**
   * Take parts out of stock. Parts reserved for the same work order are used first; what others
   * have reserved is not available. Never drives stock negative.
   */
  issue(m: MoveInput): PartStock {
    this.store.tx(() => {
      const r = this.need(m.part);
      const mine = m.wo !== undefined ? this.reservedFor(m.part, m.wo) : 0;
      const usable = r.on_hand - (r.reserved - mine);
      if (m.qty > usable + EPS)
        throw new StateError(`part ${JSON.stringify(m.part)}: cannot issue ${m.qty}, only ${round(usable)} available (on hand ${round(r.on_hand)}, reserved by others ${round(r.reserved - mine)})`);
      const fromReserved = Math.min(mine, m.qty);
      if (m.wo !== undefined && fromReserved > 0) this.setReservation(m.part, m.wo, mine - fromReserved);
      this.move('issue', m, r.on_hand - m.qty, r.reserved - fromReserved);
    });
    return this.get(m.part, m.ts);
  }

  reserve(m: MoveInput): PartStock {
    this.store.tx(() => {
      const r = this.need(m.part);
      if (m.wo !== undefined) {
        // Done, closed and cancelled orders have released their reservations (releaseAllFor); a new
        // one would never be released. Numbers unknown here (orders kept in another system) are allowed.
        const w = this.store.get<{ status: string; is_open: number }>('SELECT status, is_open FROM cmms_work_orders WHERE id = ?', [m.wo]);
        if (w && w.is_open !== 1)
          throw new StateError(`work order ${woNumber(m.wo)} is ${w.status}: cannot reserve part ${JSON.stringify(m.part)} for it (wo: expected an open work order or a number this store does not know, got ${m.wo})`);
      }
      const available = r.on_hand - r.reserved;
      if (m.qty > available + EPS) throw new StateError(`part ${JSON.stringify(m.part)}: cannot reserve ${m.qty}, only ${round(available)} available`);
      const wo = m.wo ?? 0;
      this.setReservation(m.part, wo, this.reservedFor(m.part, wo) + m.qty);
      this.move('reserve', m, r.on_hand, r.reserved + m.qty);
    });
    return this.get(m.part, m.ts);
  }

  release(m: MoveInput): PartStock {
    this.store.tx(() => {
      const r = this.need(m.part);
      const wo = m.wo ?? 0;
      const held = this.reservedFor(m.part, wo);
      if (m.qty > held + EPS) throw new StateError(`part ${JSON.stringify(m.part)}: cannot release ${m.qty}, only ${round(held)} reserved${m.wo !== undefined ? ` for work order ${m.wo}` : ''}`);
      this.setReservation(m.part, wo, held - m.qty);
      this.move('release', m, r.on_hand, r.reserved - m.qty);
    });
    return this.get(m.part, m.ts);
  }

  /**
   * Releases everything still reserved for work order `wo` (each part one `release` move), as a
   * completed or cancelled order must: parts it did not use go back to available stock. Returns
   * what was released.
   */
  releaseAllFor(wo: number, by: string, note: string, ts: number): { part: string; qty: number }[] {
    const out: { part: string; qty: number }[] = [];
    this.store.tx(() => {
      for (const res of this.store.all<{ part: string; qty: number }>('SELECT part, qty FROM cmms_reservations WHERE wo_id = ? ORDER BY part', [wo])) {
        const r = this.need(res.part);
        this.setReservation(res.part, wo, 0);
        this.move('release', { part: res.part, qty: res.qty, wo, by, note, ts }, r.on_hand, Math.max(0, r.reserved - res.qty));
        out.push({ part: res.part, qty: res.qty });
      }
    });
    return out;
  }

  /** Physical count: set on-hand to `count` (>= 0); the move records the difference and why. */
  adjust(m: Omit<MoveInput, 'qty'> & { count: number }): PartStock {
    this.store.tx(() => {
      const r = this.need(m.part);
      this.move('adjust', { ...m, qty: m.count - r.on_hand }, m.count, Math.min(r.reserved, m.count));
      if (r.reserved > m.count) {
        // Reservations beyond what exists are cut back, largest first.
        let over = r.reserved - m.count;
        for (const res of this.store.all<{ wo_id: number; qty: number }>('SELECT wo_id, qty FROM cmms_reservations WHERE part = ? ORDER BY qty DESC', [m.part])) {
          if (over <= EPS) break;
          const cut = Math.min(over, res.qty);
          this.setReservation(m.part, res.wo_id, res.qty - cut);
          over -= cut;
        }
      }
    });
    return this.get(m.part, m.ts);
  }

  private demand(r: PartRow, now: number): { mean: number; sd: number; estimated: boolean } {
    if (r.demand_per_day !== null) return { mean: r.demand_per_day, sd: r.demand_sd ?? 0, estimated: false };
    // The window (now - days, now] in whole ms: buckets [from + k days, from + (k+1) days) with
    // from = now - days + 1 ms, so the last bucket ends with (and counts) an issue made at `now`.
    const from = now - this.demandWindowDays * 86_400_000 + 1;
    const issues = this.store.all<{ ts: number; qty: number }>("SELECT ts, qty FROM cmms_stock_moves WHERE part = ? AND kind = 'issue' AND ts >= ? AND ts <= ?", [r.part, from, now]);
    return { ...dailyDemand(issues, from, this.demandWindowDays), estimated: true };
  }

  private stock(r: PartRow, now: number): PartStock {
    const d = this.demand(r, now);
    const input = { demandPerDay: d.mean, demandSd: d.sd, leadDays: r.lead_mean_days, leadSd: r.lead_sd_days, z: r.z };
    const ss = safetyStock(input);
    const rop = reorderPoint(input);
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

  /** Mark a crossing of the reorder point (once per crossing) for the next drainSignals(). */
  private checkCrossing(part: string, ts: number): void {
    const r = this.need(part);
    const s = this.stock(r, ts);
    if (s.belowReorderPoint && !r.below_rop) {
      this.store.run('UPDATE cmms_parts SET below_rop = 1, signal_pending = 1, pending_qty = ? WHERE part = ?', [s.orderQuantity, part]);
    } else if (!s.belowReorderPoint && r.below_rop) {
      this.store.run('UPDATE cmms_parts SET below_rop = 0, signal_pending = 0 WHERE part = ?', [part]);
    }
  }

  /**
   * Re-evaluate every part's crossing at `ts` (the periodic check): with demand estimated from
   * issues the reorder point moves with time and with moves written by another repository, not
   * only with this one's stock moves. A new crossing is marked for drainSignals() like any other;
   * a part already below stays marked once (no second signal).
   */
  recheck(ts: number): void {
    this.store.tx(() => {
      for (const { part } of this.store.all<{ part: string }>('SELECT part FROM cmms_parts ORDER BY part')) this.checkCrossing(part, ts);
    });
  }

  /** Pull signals not yet announced (each crossing once), marked as announced. */
  drainSignals(ts: number): PullSignal[] {
    return this.store.tx(() => {
      const rows = this.store.all<PartRow>('SELECT * FROM cmms_parts WHERE signal_pending = 1 ORDER BY part');
      const out: PullSignal[] = [];
      for (const r of rows) {
        const s = this.stock(r, ts);
        this.store.run('UPDATE cmms_parts SET signal_pending = 0 WHERE part = ?', [r.part]);
        out.push({ part: r.part, name: r.name, available: s.available, reorderPoint: s.reorderPoint, safetyStock: s.safetyStock, quantity: Math.max(r.pending_qty, s.orderQuantity), leadMeanDays: r.lead_mean_days, ts });
      }
      return out;
    });
  }

  get(part: string, now: number): PartStock {
    return this.stock(this.need(part), now);
  }

  list(now: number, o: { belowOnly?: boolean } = {}): PartStock[] {
    const all = this.store.all<PartRow>('SELECT * FROM cmms_parts ORDER BY part').map((r) => this.stock(r, now));
    return o.belowOnly ? all.filter((p) => p.belowReorderPoint) : all;
  }

  moves(part: string, limit = 100): { ts: number; kind: string; qty: number; wo: number | null; by: string; note: string; onHand: number; reserved: number }[] {
    return this.store
      .all<{ ts: number; kind: string; qty: number; wo_id: number | null; actor: string; note: string; on_hand: number; reserved: number }>(
        'SELECT ts, kind, qty, wo_id, actor, note, on_hand, reserved FROM cmms_stock_moves WHERE part = ? ORDER BY id DESC LIMIT ?',
        [part, limit],
      )
      .map((m) => ({ ts: m.ts, kind: m.kind, qty: m.qty, wo: m.wo_id, by: m.actor, note: m.note, onHand: m.on_hand, reserved: m.reserved }));
  }
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
