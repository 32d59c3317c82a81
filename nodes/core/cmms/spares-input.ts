/**
 * The messages and form of rel-spares, checked (pure: no Node-RED): the settings, what a part
 * definition and a stock move carry, the `below` filter of a list, and the rows of a stock table.
 * Every bad field throws an InputError naming it.
 */
import { InputError } from '../errors';
import { configFlag, configNum } from '../node-config';
import { num, optNum, optStr, own, str } from '../validate';
import type { MoveInput, PartDef, PartStock } from './spares';

export const SPARES_ACTIONS = ['define', 'receive', 'issue', 'reserve', 'release', 'adjust', 'get', 'list'] as const;
export type SparesAction = (typeof SPARES_ACTIONS)[number];

export interface SparesSettings {
  /** Days of issues the demand is estimated from (1-3650, default 90; out of range: an error naming demandWindowDays). */
  windowDays: number;
  /** Interval of the periodic re-check of every part (1 to 86400 s, default 60 s; else an error naming checkInterval). */
  checkMs: number;
  dashboard: boolean;
}

export function sparesSettings(c: { demandWindowDays?: unknown; checkInterval?: unknown; dashboard?: unknown }): SparesSettings {
  // Empty fields are unset (the default); a value out of range is an error naming the field.
  return {
    windowDays: Math.round(configNum(c.demandWindowDays, 'demandWindowDays', 90, { min: 1, max: 3650 })),
    checkMs: configNum(c.checkInterval, 'checkInterval', 60, { min: 1, max: 86400 }) * 1000,
    dashboard: configFlag(c.dashboard),
  };
}

/** The fields every action on one part carries: the part, the work order, who and a note. */
export interface PartRequest {
  part: string;
  wo?: number;
  by?: string;
  note?: string;
}

/** The part request of a payload; `by` is the actor (the logged-in user, else msg.payload.by). */
export function partRequest(p: unknown, by: unknown): PartRequest {
  const part = str(own(p, 'part'), 'msg.payload.part', { maxLength: 200 });
  const woRaw = own(p, 'wo');
  const wo = woRaw === undefined || woRaw === null ? undefined : num(woRaw, 'msg.payload.wo', { min: 1, integer: true, max: Number.MAX_SAFE_INTEGER });
  return { part, wo, by: optStr(by, 'msg.payload.by', { maxLength: 200 }), note: optStr(own(p, 'note'), 'msg.payload.note', { maxLength: 4000 }) };
}

/** A part's definition from a `define` payload (absent fields keep their stored values). */
export function partDefinition(p: unknown, part: string): PartDef {
  return {
    part,
    name: optStr(own(p, 'name'), 'msg.payload.name', { maxLength: 200 }),
    unitCost: optNum(own(p, 'unitCost'), 'msg.payload.unitCost', { min: 0, max: 1e9 }),
    leadMeanDays: optNum(own(p, 'leadMeanDays'), 'msg.payload.leadMeanDays', { min: 0, max: 3650 }),
    leadSdDays: optNum(own(p, 'leadSdDays'), 'msg.payload.leadSdDays', { min: 0, max: 3650 }),
    demandPerDay: optNum(own(p, 'demandPerDay'), 'msg.payload.demandPerDay', { min: 0, max: 1e9 }),
    demandSd: optNum(own(p, 'demandSd'), 'msg.payload.demandSd', { min: 0, max: 1e9 }),
    z: optNum(own(p, 'z'), 'msg.payload.z', { min: 0, max: 10 }),
    lotSize: optNum(own(p, 'lotSize'), 'msg.payload.lotSize', { gt: 0, max: 1e9 }),
  };
}

/** A stock move: `adjust` sets the count (a note required), the others move `qty`. */
export type StockMove =
  | { action: 'receive' | 'issue' | 'reserve' | 'release'; move: MoveInput }
  | { action: 'adjust'; move: Omit<MoveInput, 'qty'> & { count: number } };

export function stockMove(action: StockMove['action'], p: unknown, r: PartRequest, ts: number): StockMove {
  const { part, wo, by } = r;
  if (action === 'adjust') {
    const count = num(own(p, 'count'), 'msg.payload.count', { min: 0, max: 1e12 });
    return { action, move: { part, count, wo, by, note: str(own(p, 'note'), 'msg.payload.note', { maxLength: 4000 }), ts } };
  }
  return { action, move: { part, qty: num(own(p, 'qty'), 'msg.payload.qty', { gt: 0, max: 1e9 }), wo, by, note: r.note, ts } };
}

/** A list's `below` filter: true lists only the parts at or below their reorder point. */
export function belowOnly(p: unknown): boolean {
  const below = own(p, 'below');
  if (below !== undefined && typeof below !== 'boolean') throw new InputError('msg.payload.below', 'true or false', below);
  return below === true;
}

/** The columns a stock table shows (demandSd, leadSdDays, z, demandEstimated stay on output 1). */
export const SPARES_TABLE_COLUMNS = ['part', 'name', 'onHand', 'reserved', 'available', 'safetyStock', 'reorderPoint', 'belowReorderPoint', 'orderQuantity', 'demandPerDay', 'leadMeanDays', 'unitCost', 'value'] as const;

/** One row per part with the table's columns. */
export function spareRows(parts: readonly PartStock[]): Record<string, unknown>[] {
  return parts.map((x) => Object.fromEntries(SPARES_TABLE_COLUMNS.map((k) => [k, x[k]])));
}
