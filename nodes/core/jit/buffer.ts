/**
 * Dynamic buffers. Safety stock with demand and lead-time variability:
 *   SS = z * sqrt(L * sigma_D^2 + D^2 * sigma_L^2),   reorder point ROP = D * L + SS
 * (D, sigma_D per day; L, sigma_L in days; z = 1.65 for 95% service).
 * Worked example: D = 100/day, sigma_D = 20, L = 4 days, sigma_L = 1 day, z = 1.65:
 *   SS = 1.65 * sqrt(4*400 + 10000*1) = 1.65 * sqrt(11600) = 177.71; ROP = 400 + 177.71 = 577.71.
 *
 * WIP buffer advice in days: the lean target, held at the Rule-of-85 floor (3 days) until rel-oee
 * says every critical asset has held OEE >= 85% for 30 days, plus z * sigma_L days while the
 * supplier's lead time varies more than the threshold, plus up to `healthDaysMax` days while a
 * critical-path asset is below its health threshold (in proportion to how far below).
 */
import { InputError } from '../errors';
import { DAY_MS, localDayStart, type Calendar } from './calendar';
import { mean, round, sampleSd } from './stats';

export function safetyStock(z: number, demand: number, sdDemand: number, leadTime: number, sdLead: number): number {
  for (const [v, n] of [[z, 'z'], [demand, 'demand'], [sdDemand, 'sdDemand'], [leadTime, 'leadTime'], [sdLead, 'sdLead']] as const)
    if (!(v >= 0) || !Number.isFinite(v)) throw new InputError(n, 'a finite number >= 0', v);
  return z * Math.sqrt(leadTime * sdDemand * sdDemand + demand * demand * sdLead * sdLead);
}

export function reorderPoint(demand: number, leadTime: number, ss: number): number {
  return demand * leadTime + ss;
}

/** Daily demand totals of the completed days in the window (gaps filled with 0), oldest first. */
export function dailyDemand(days: readonly [number, number][], cal: Calendar, asOf: number, windowDays: number): number[] {
  const today = localDayStart(cal, asOf);
  const done = days.filter(([d]) => d < today).sort((a, b) => a[0] - b[0]);
  if (!done.length) return [];
  const first = Math.max(done[0]![0], today - windowDays * DAY_MS);
  const out: number[] = [];
  const by = new Map(done.map(([d, q]) => [d, q]));
  for (let d = first; d < today && out.length < windowDays; d += DAY_MS) {
    // Day starts can shift by an hour across daylight-saving changes: match the nearest stored day.
    let q = by.get(d);
    if (q === undefined) for (const [k, v] of by) if (Math.abs(k - d) < 2 * 3600_000) q = v;
    out.push(q ?? 0);
  }
  return out;
}

/** A critical asset short of its Rule of 85 streak: `days` of `requiredDays` at OEE >= `oeePct` %. */
export interface GateShort {
  asset: string;
  days: number;
  requiredDays: number;
  oeePct: number;
}

export interface Gate {
  mayCutWip: boolean;
  reason: string;
  /** The critical assets short of their streak, from rel-oee's rule85 fields (absent on a gate stored by an earlier version). */
  short?: GateShort[];
}

export interface WipInput {
  targetDays: number;
  floorDays: number;
  gate?: Gate;
  leadTimes: readonly number[];
  cvThreshold: number;
  z: number;
  /** Critical assets below threshold, with their score. */
  unhealthy: Record<string, number>;
  healthThreshold: number;
  healthDaysMax: number;
}

/**
 * The reasons of a buffer advice as fields a page words in its own language, with raw figures
 * (a page rounds them as it shows the advice and names the assets); the English `reasons` stay
 * beside them. `held.short`: the critical assets still short of the Rule of 85 streak.
 */
export type BufferWhy =
  | { code: 'stock'; safetyStock: number; reorderPoint: number; z: number; demandPerDay: number; leadTimeDays: number; sdDemand: number; sdLeadTime: number }
  | { code: 'demandLearning'; days: number; needed: number }
  | { code: 'leadLearning'; deliveries: number; needed: number }
  | { code: 'ruleMet'; targetDays: number }
  | { code: 'held'; floorDays: number; noReport: boolean; short: GateShort[] }
  | { code: 'target'; targetDays: number }
  | { code: 'supplierVaries'; variationPct: number; sdDays: number; thresholdPct: number; addDays: number }
  | { code: 'supplierStable'; variationPct: number }
  | { code: 'supplierUnknown'; deliveries: number; needed: number }
  | { code: 'assetLow'; asset: string; score: number; threshold: number; addDays: number }
  | { code: 'assetsHealthy' };

export function wipAdvice(i: WipInput): { wipDays: number; reasons: string[]; why: BufferWhy[]; parts: { baseDays: number; supplierDays: number; healthDays: number } } {
  const reasons: string[] = [];
  const why: BufferWhy[] = [];
  let base = i.targetDays;
  if (i.gate?.mayCutWip) {
    reasons.push(`Rule of 85 met: ${i.gate.reason}; lean target ${i.targetDays} days`);
    why.push({ code: 'ruleMet', targetDays: i.targetDays });
  } else if (base < i.floorDays) {
    base = i.floorDays;
    reasons.push(`held at ${i.floorDays} days (Rule of 85): ${i.gate ? i.gate.reason : 'no OEE report from rel-oee yet'}`);
    why.push({ code: 'held', floorDays: i.floorDays, noReport: !i.gate, short: i.gate?.short ?? [] });
  } else {
    reasons.push(`target ${i.targetDays} days`);
    why.push({ code: 'target', targetDays: i.targetDays });
  }
  let supplierDays = 0;
  if (i.leadTimes.length >= 3) {
    const m = mean(i.leadTimes);
    const sd = sampleSd(i.leadTimes);
    const cv = m > 0 ? sd / m : 0;
    if (cv > i.cvThreshold) {
      supplierDays = i.z * sd;
      reasons.push(`supplier lead time varies ${round(cv * 100, 0)}% (sd ${round(sd, 2)} days, above ${round(i.cvThreshold * 100, 0)}%): +${round(supplierDays, 2)} days`);
      why.push({ code: 'supplierVaries', variationPct: round(cv * 100, 1), sdDays: round(sd, 3), thresholdPct: round(i.cvThreshold * 100, 1), addDays: round(supplierDays, 3) });
    } else {
      reasons.push(`supplier lead time stable (variation ${round(cv * 100, 0)}%)`);
      why.push({ code: 'supplierStable', variationPct: round(cv * 100, 1) });
    }
  } else {
    reasons.push(`supplier lead-time variation not known yet (${i.leadTimes.length} of 3 deliveries)`);
    why.push({ code: 'supplierUnknown', deliveries: i.leadTimes.length, needed: 3 });
  }
  let healthDays = 0;
  const low = Object.keys(i.unhealthy).sort();
  for (const a of low) {
    const score = i.unhealthy[a]!;
    const add = (i.healthDaysMax * Math.max(0, i.healthThreshold - score)) / i.healthThreshold;
    reasons.push(`${a} health ${round(score, 0)} below ${i.healthThreshold}: +${round(add, 2)} days`);
    why.push({ code: 'assetLow', asset: a, score, threshold: i.healthThreshold, addDays: round(add, 3) });
    healthDays = Math.max(healthDays, add);
  }
  if (!low.length) {
    reasons.push('critical-path assets healthy');
    why.push({ code: 'assetsHealthy' });
  }
  return { wipDays: round(base + supplierDays + healthDays, 2), reasons, why, parts: { baseDays: base, supplierDays: round(supplierDays, 3), healthDays: round(healthDays, 3) } };
}

/** What rel-buffer keeps per item: demand per local day and observed lead times. */
export interface BufferItem {
  item: string;
  /** [local day start, units] */
  days: [number, number][];
  leadTimes: number[];
  lastTs: number;
}

/** What rel-buffer keeps for all items: critical assets below their health limit, the Rule of 85 gate. */
export interface BufferShared {
  unhealthy: Record<string, number>;
  gate?: Gate & { at: string };
}

export interface BufferParams {
  cal: Calendar;
  windowDays: number;
  z: number;
  targetDays: number;
  floorDays: number;
  cvThreshold: number;
  critical: readonly string[];
  healthThreshold: number;
  healthDaysMax: number;
}

/** Health must come back this far above the limit to count as recovered. */
const HEALTH_MARGIN = 5;

export function newBufferItem(item: string, ts: number): BufferItem {
  return { item, days: [], leadTimes: [], lastTs: ts };
}

/** Demand and delivery events of an item must not go back in time. */
export function checkBufferOrder(prev: BufferItem, ts: number): void {
  if (ts < prev.lastTs) throw new InputError('msg.payload.ts', `a time at or after the last event of ${prev.item} (${new Date(prev.lastTs).toISOString()})`, ts, 'events out of order');
}

function copyItem(prev: BufferItem, ts: number): BufferItem {
  return { ...prev, days: prev.days.map((d) => [d[0], d[1]] as [number, number]), leadTimes: [...prev.leadTimes], lastTs: ts };
}

/** `qty` units used at ts, added to its local day; the last windowDays + 2 days kept. */
export function recordDemand(prev: BufferItem, p: BufferParams, qty: number, ts: number): BufferItem {
  checkBufferOrder(prev, ts);
  const s = copyItem(prev, ts);
  const day = localDayStart(p.cal, ts);
  const last = s.days[s.days.length - 1];
  if (last && last[0] === day) last[1] += qty;
  else s.days.push([day, qty]);
  if (s.days.length > p.windowDays + 2) s.days.splice(0, s.days.length - p.windowDays - 2);
  return s;
}

/** A delivery's lead time (days); the last 50 kept. */
export function recordDelivery(prev: BufferItem, leadTimeDays: number, ts: number): BufferItem {
  checkBufferOrder(prev, ts);
  const s = copyItem(prev, ts);
  s.leadTimes.push(leadTimeDays);
  if (s.leadTimes.length > 50) s.leadTimes.splice(0, s.leadTimes.length - 50);
  return s;
}

/** A health reading: a critical-path asset below the limit raises WIP days, one back above limit + 5 lowers them. */
export function bufferHealth(prev: BufferShared, p: BufferParams, ev: { asset: string; score: number; state: string }): { shared: BufferShared; note: string } {
  const next: BufferShared = { unhealthy: { ...prev.unhealthy }, gate: prev.gate };
  let note: string;
  if (p.critical.length && !p.critical.includes(ev.asset)) note = `${ev.asset} is not on the critical path (${p.critical.join(', ')}): buffers unchanged`;
  else if (ev.score < p.healthThreshold || ev.state === 'alarm') {
    next.unhealthy[ev.asset] = ev.score;
    note = `${ev.asset} health ${round(ev.score, 0)} below ${p.healthThreshold}: buffers raised`;
  } else if (ev.score >= p.healthThreshold + HEALTH_MARGIN && ev.state !== 'warning' && ev.state !== 'alarm') {
    if (next.unhealthy[ev.asset] !== undefined) note = `${ev.asset} recovered to health ${round(ev.score, 0)}: buffers lowered`;
    else note = `${ev.asset} healthy (${round(ev.score, 0)})`;
    delete next.unhealthy[ev.asset];
  } else note = `${ev.asset} health ${round(ev.score, 0)}: within the recovery margin, unchanged`;
  return { shared: next, note };
}

/**
 * The shared state as stored. A gate stored by an earlier version has no `short`: its assets are
 * read once from the reason that version stored ("conveyor-1 1/30 days at OEE >= 85%"), so an
 * upgraded box names them until rel-oee's next report replaces the gate.
 */
export function loadBufferShared(stored: BufferShared | undefined): BufferShared {
  if (!stored) return { unhealthy: {} };
  const g = stored.gate;
  if (!g || Array.isArray(g.short)) return stored;
  return { ...stored, gate: { ...g, short: shortFromReason(typeof g.reason === 'string' ? g.reason : '') } };
}

function shortFromReason(reason: string): GateShort[] {
  const out: GateShort[] = [];
  const re = /([^\s,:][^\s,]*) (\d+)\/(\d+) days at OEE >= (\d+(?:\.\d+)?)%/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(reason.slice(0, 2000))) !== null && out.length < GATE_SHORT_MAX) out.push({ asset: m[1]!, days: Number(m[2]), requiredDays: Number(m[3]), oeePct: Number(m[4]) });
  return out;
}

/** The most assets a gate names as short of their streak (each item's advice repeats them). */
export const GATE_SHORT_MAX = 30;

/** The Rule of 85 result of a rel-oee report opens or closes the gate below the WIP floor. */
export function bufferGate(prev: BufferShared, g: Gate, ts: number): { shared: BufferShared; note: string } {
  const { mayCutWip } = g;
  const gate = { mayCutWip, reason: g.reason, short: g.short ?? [], at: new Date(ts).toISOString() };
  return { shared: { unhealthy: { ...prev.unhealthy }, gate }, note: mayCutWip ? 'Rule of 85 met: WIP may go below the floor' : 'Rule of 85 not met: WIP held at the floor' };
}

/** Safety stock, reorder point and WIP days of an item as of `asOf`, each with its reasons. */
export function adviseBuffer(s: BufferItem, shared: BufferShared, p: BufferParams, asOf: number) {
  const { z } = p;
  const daily = dailyDemand(s.days, p.cal, asOf, p.windowDays);
  const reasons: string[] = [];
  const why: BufferWhy[] = [];
  let D: number | null = null;
  let sdD: number | null = null;
  if (daily.length >= 2) {
    D = mean(daily);
    sdD = sampleSd(daily);
  } else {
    reasons.push(`demand: ${daily.length} of 2 completed days observed`);
    why.push({ code: 'demandLearning', days: daily.length, needed: 2 });
  }
  let L: number | null = null;
  let sdL: number | null = null;
  if (s.leadTimes.length >= 2) {
    L = mean(s.leadTimes);
    sdL = sampleSd(s.leadTimes);
  } else {
    reasons.push(`lead time: ${s.leadTimes.length} of 2 deliveries observed`);
    why.push({ code: 'leadLearning', deliveries: s.leadTimes.length, needed: 2 });
  }
  let ss: number | null = null;
  let rop: number | null = null;
  if (D !== null && L !== null) {
    ss = safetyStock(z, D, sdD!, L, sdL!);
    rop = reorderPoint(D, L, ss);
    why.unshift({ code: 'stock', safetyStock: round(ss, 3), reorderPoint: round(rop, 3), z, demandPerDay: round(D, 4), leadTimeDays: round(L, 4), sdDemand: round(sdD!, 4), sdLeadTime: round(sdL!, 4) });
    reasons.unshift(`safety stock ${round(ss, 1)} = ${z} x sqrt(${round(L, 2)} d x ${round(sdD!, 2)}² + ${round(D, 2)}² x ${round(sdL!, 2)}² d²); reorder at ${round(rop, 1)} = ${round(D, 2)}/day x ${round(L, 2)} d + safety stock`);
  }
  const w = wipAdvice({ targetDays: p.targetDays, floorDays: p.floorDays, gate: shared.gate, leadTimes: s.leadTimes, cvThreshold: p.cvThreshold, z, unhealthy: shared.unhealthy, healthThreshold: p.healthThreshold, healthDaysMax: p.healthDaysMax });
  return {
    item: s.item,
    safetyStock: ss === null ? null : round(ss, 3),
    reorderPoint: rop === null ? null : round(rop, 3),
    wipDays: w.wipDays,
    wipUnits: D === null ? null : round(w.wipDays * D, 1),
    reasons: [...reasons, ...w.reasons],
    /** The reasons as fields (BufferWhy), in the order of `reasons`, for a page to word in its language. */
    why: [...why, ...w.why],
    demandPerDay: D === null ? null : round(D, 4),
    sdDemand: sdD === null ? null : round(sdD, 4),
    leadTimeDays: L === null ? null : round(L, 4),
    sdLeadTime: sdL === null ? null : round(sdL, 4),
    z,
    days: daily.length,
    deliveries: s.leadTimes.length,
    parts: w.parts,
    gate: shared.gate ?? null,
  };
}

export type BufferAdvice = ReturnType<typeof adviseBuffer>;
