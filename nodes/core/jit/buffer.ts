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

export interface Gate {
  mayCutWip: boolean;
  reason: string;
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

export function wipAdvice(i: WipInput): { wipDays: number; reasons: string[]; parts: { baseDays: number; supplierDays: number; healthDays: number } } {
  const reasons: string[] = [];
  let base = i.targetDays;
  if (i.gate?.mayCutWip) reasons.push(`Rule of 85 met: ${i.gate.reason}; lean target ${i.targetDays} days`);
  else if (base < i.floorDays) {
    base = i.floorDays;
    reasons.push(`held at ${i.floorDays} days (Rule of 85): ${i.gate ? i.gate.reason : 'no OEE report from rel-oee yet'}`);
  } else reasons.push(`target ${i.targetDays} days`);
  let supplierDays = 0;
  if (i.leadTimes.length >= 3) {
    const m = mean(i.leadTimes);
    const sd = sampleSd(i.leadTimes);
    const cv = m > 0 ? sd / m : 0;
    if (cv > i.cvThreshold) {
      supplierDays = i.z * sd;
      reasons.push(`supplier lead time varies ${round(cv * 100, 0)}% (sd ${round(sd, 2)} days, above ${round(i.cvThreshold * 100, 0)}%): +${round(supplierDays, 2)} days`);
    } else reasons.push(`supplier lead time stable (variation ${round(cv * 100, 0)}%)`);
  } else reasons.push(`supplier lead-time variation not known yet (${i.leadTimes.length} of 3 deliveries)`);
  let healthDays = 0;
  const low = Object.keys(i.unhealthy).sort();
  for (const a of low) {
    const score = i.unhealthy[a]!;
    const add = (i.healthDaysMax * Math.max(0, i.healthThreshold - score)) / i.healthThreshold;
    reasons.push(`${a} health ${round(score, 0)} below ${i.healthThreshold}: +${round(add, 2)} days`);
    healthDays = Math.max(healthDays, add);
  }
  if (!low.length) reasons.push('critical-path assets healthy');
  return { wipDays: round(base + supplierDays + healthDays, 2), reasons, parts: { baseDays: base, supplierDays: round(supplierDays, 3), healthDays: round(healthDays, 3) } };
}
