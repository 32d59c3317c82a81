/**
 * What rel-buffer's node file needs besides the buffer model (pure: no Node-RED): its form as
 * BufferParams, the action of a message, the Rule of 85 gate of a rel-oee report, the dashboard
 * rows and the status text.
 */
import { InputError } from '../errors';
import { isObject, own } from '../validate';
import { parseCalendar } from './calendar';
import { cfgNum, eventAction, listConfig } from './events';
import { GATE_SHORT_MAX, type BufferAdvice, type BufferItem, type BufferParams, type BufferShared, type Gate, type GateShort } from './buffer';

export const BUFFER_ACTIONS = ['demand', 'delivery', 'health', 'oee', 'advise'] as const;
export type BufferAction = (typeof BUFFER_ACTIONS)[number];

export interface BufferForm {
  serviceZ?: unknown;
  windowDays?: unknown;
  targetDays?: unknown;
  floorDays?: unknown;
  cvThreshold?: unknown;
  criticalAssets?: unknown;
  healthThreshold?: unknown;
  healthDaysMax?: unknown;
  utcOffset?: unknown;
}

/** The form as the model's parameters; a bad value is an error naming its setting. */
export function bufferParams(c: BufferForm): BufferParams {
  const off = c.utcOffset === undefined || c.utcOffset === '' ? undefined : Number(c.utcOffset);
  return {
    z: cfgNum(c.serviceZ, 'serviceZ', 1.65, { min: 0, max: 6 }),
    windowDays: cfgNum(c.windowDays, 'windowDays', 30, { min: 2, max: 365, integer: true }),
    targetDays: cfgNum(c.targetDays, 'targetDays', 1, { min: 0, max: 365 }),
    floorDays: cfgNum(c.floorDays, 'floorDays', 3, { min: 0, max: 365 }),
    cvThreshold: cfgNum(c.cvThreshold, 'cvThreshold', 0.2, { gt: 0 }),
    critical: listConfig(c.criticalAssets),
    healthThreshold: cfgNum(c.healthThreshold, 'healthThreshold', 70, { gt: 0, max: 100 }),
    healthDaysMax: cfgNum(c.healthDaysMax, 'healthDaysMax', 2, { min: 0, max: 365 }),
    cal: parseCalendar('', '', off, 'calendar'),
  };
}

/** The action of a message; a rel-oee report wired straight in (action 'report' with payload.oee) is the gate. */
export function bufferAction(msg: unknown): BufferAction {
  const fromOee = own(msg, 'action') === 'report' && isObject(own(own(msg, 'payload'), 'oee'));
  if (fromOee) return 'oee';
  return eventAction(msg, BUFFER_ACTIONS, [
    { key: 'health', action: 'health' },
    { key: 'oee', action: 'oee' },
  ]);
}

/** The Rule of 85 result of a rel-oee report: whether WIP may be cut and why (at most 1000 characters). */
export function oeeGate(payload: unknown): Gate {
  const r85 = own(own(payload, 'oee'), 'rule85');
  if (!isObject(r85) || typeof own(r85, 'mayCutWip') !== 'boolean') throw new InputError('msg.payload.oee.rule85', 'the Rule of 85 result of a rel-oee report ({mayCutWip, reason})', r85);
  const reason = typeof own(r85, 'reason') === 'string' ? String(own(r85, 'reason')).slice(0, 1000) : '';
  return { mayCutWip: own(r85, 'mayCutWip') === true, reason, short: gateShort(r85) };
}

const int = (v: unknown, min: number, max: number): v is number => typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;

/**
 * The critical assets short of their streak, from rel-oee's rule85 fields (`assets` with
 * `streakDays`, `requiredDays` 1-365, `threshold` in (0, 1]), sorted by name, at most
 * GATE_SHORT_MAX (names cut at 100 characters); none when the report does not carry them (an
 * earlier rel-oee, a hand-made message): the reason text still says it.
 */
function gateShort(r85: unknown): GateShort[] {
  const assets = own(r85, 'assets');
  const requiredDays = own(r85, 'requiredDays');
  const threshold = own(r85, 'threshold');
  if (!isObject(assets) || !int(requiredDays, 1, 365) || typeof threshold !== 'number' || !(threshold > 0 && threshold <= 1)) return [];
  const names = Object.keys(assets);
  const out: GateShort[] = [];
  for (const asset of (names.length > 1000 ? names.slice(0, 1000) : names).sort()) {
    const days = own(own(assets, asset), 'streakDays');
    if (int(days, 0, 100_000) && days < requiredDays) out.push({ asset: asset.slice(0, 100), days, requiredDays, oeePct: Math.round(threshold * 100) });
    if (out.length >= GATE_SHORT_MAX) break;
  }
  return out;
}

/**
 * The dashboard rows: one per item (the advice just computed for the event's items, `advise` for
 * the other items tracked), sorted by item; reasons joined by '; '.
 */
export function bufferRows(computed: readonly BufferAdvice[], tracked: Iterable<BufferItem>, advise: (s: BufferItem) => BufferAdvice): Record<string, unknown>[] {
  const byItem = new Map<string, BufferAdvice>();
  for (const a of computed) byItem.set(a.item, a);
  for (const s of tracked) if (!byItem.has(s.item)) byItem.set(s.item, advise(s));
  return [...byItem.keys()].sort().map((k) => {
    const a = byItem.get(k)!;
    return {
      item: a.item,
      safetyStock: a.safetyStock,
      reorderPoint: a.reorderPoint,
      wipDays: a.wipDays,
      wipUnits: a.wipUnits,
      demandPerDay: a.demandPerDay,
      leadTimeDays: a.leadTimeDays,
      reasons: a.reasons.join('; '),
    };
  });
}

/** The status: WIP days, "health ↓" while a critical asset is unhealthy, "R85 hold" until the gate opens; warn above target and floor. */
export function bufferStatus(wipDays: number, shared: BufferShared, p: BufferParams): { warn: boolean; text: string } {
  const text = `WIP ${wipDays} d${Object.keys(shared.unhealthy).length ? ' · health ↓' : ''}${shared.gate?.mayCutWip ? '' : ' · R85 hold'}`;
  return { warn: wipDays > Math.max(p.targetDays, p.floorDays), text };
}
