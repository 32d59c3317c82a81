/**
 * Kanban loop for one item: N = ceil(D x L x (1 + alpha) / C) cards circulate between the line
 * (full containers on hand), the queue (empty containers waiting to be ordered) and the supplier
 * (ordered, in transit). A consumption moves cards to the queue; when the queue reaches the
 * trigger a pull signal orders them, each signal exactly once. Dynamic alpha: raised while a
 * critical asset feeding the loop is below its health threshold or the supplier's lead-time
 * variation is high, lowered when both are stable; every change is logged with its reason.
 *
 * Worked example: D = 400 units/day, L = 2 days, alpha = 0.1, C = 50 units -> 400*2*1.1/50 = 17.6
 * -> 18 cards.
 *
 * Every function takes a state and returns a new one: a rejected event leaves the state as it was.
 */
import { InputError } from '../errors';
import { DAY_MS } from './calendar';
import { iso, type HealthEvent } from './events';
import { mean, round, sampleSd } from './stats';

export interface KanbanParams {
  item: string;
  /** C: units per container. */
  containerQty: number;
  /** D: configured demand, units per day (the starting value when learning). */
  demandPerDay: number;
  /** L: configured replenishment lead time, days (the starting value when learning). */
  leadTimeDays: number;
  /** Learn D from consumption and L from deliveries once there is enough data. */
  learn: boolean;
  baseAlpha: number;
  /** Added to alpha while a critical asset is below its health threshold. */
  healthAlpha: number;
  /** Added to alpha while the supplier's lead-time coefficient of variation exceeds cvThreshold. */
  supplierAlpha: number;
  /** Cards in the queue that trigger a pull signal. */
  trigger: number;
  criticalAssets: readonly string[];
  healthThreshold: number;
  /** Health must come back above threshold + margin to count as recovered. */
  healthMargin: number;
  cvThreshold: number;
}

export const KANBAN_DEFAULTS = {
  baseAlpha: 0.1,
  healthAlpha: 0.2,
  supplierAlpha: 0.2,
  trigger: 1,
  healthThreshold: 70,
  healthMargin: 5,
  cvThreshold: 0.2,
  learn: false,
};

const WINDOW = 50;
const MIN_DEMAND_SAMPLES = 5;
const MIN_LEAD_SAMPLES = 3;
export const MAX_CARDS = 10_000;

export interface PullSignal {
  orderId: string;
  item: string;
  containers: number;
  quantity: number;
  orderedAt: string;
  dueAt: string;
}

export interface AlphaChange {
  ts: number;
  from: number;
  to: number;
  cards: number;
  reason: string;
}

export interface KanbanState {
  item: string;
  cards: number;
  onHand: number;
  inQueue: number;
  inTransit: number;
  /** Cards still circulating that are withdrawn at the next consumption (after N fell). */
  retire: number;
  alpha: number;
  reason: string;
  lastTs: number;
  seq: number;
  orders: { id: string; containers: number; orderedAt: number; dueAt: number }[];
  /** Recent consumption: [ts, units]. */
  consumption: [number, number][];
  /** Recent lead times, days. */
  leadTimes: number[];
  /** Critical assets currently below threshold, with their last score. */
  unhealthy: Record<string, number>;
  /** Time of the last health reading applied, per critical asset (absent in loops saved before it). */
  healthTs?: Record<string, number>;
  supplierUnstable: boolean;
  alphaLog: AlphaChange[];
  pulls: number;
}

export interface KanbanResult {
  state: KanbanState;
  pulls: PullSignal[];
  alphaChange?: AlphaChange;
  note?: string;
}

/** N = ceil(D x L x (1 + alpha) / C), at least 1. */
export function cardCount(demandPerDay: number, leadTimeDays: number, alpha: number, containerQty: number): number {
  if (!(demandPerDay > 0)) throw new InputError('demand', 'a demand > 0 units per day', demandPerDay);
  if (!(leadTimeDays > 0)) throw new InputError('leadTime', 'a lead time > 0 days', leadTimeDays);
  if (!(containerQty > 0)) throw new InputError('containerQty', 'a container capacity > 0', containerQty);
  if (!(alpha >= 0)) throw new InputError('alpha', 'a safety factor >= 0', alpha);
  const n = Math.ceil((demandPerDay * leadTimeDays * (1 + alpha)) / containerQty - 1e-9);
  return Math.min(MAX_CARDS, Math.max(1, n));
}

export function validateParams(p: KanbanParams): KanbanParams {
  cardCount(p.demandPerDay, p.leadTimeDays, p.baseAlpha, p.containerQty);
  if (!(Number.isInteger(p.trigger) && p.trigger >= 1)) throw new InputError('trigger', 'a whole number of cards >= 1', p.trigger);
  return p;
}

/**
 * Demand (units/day) and lead time (days) in force: learned when enabled and known, else configured.
 * D is learned only once the consumption history spans at least max(1 day, L): a few consumptions
 * inside one shift say nothing about a day's demand. Until then the configured D stays in force and
 * `demandNote` says so.
 */
export function effectiveDL(s: KanbanState, p: KanbanParams): { demandPerDay: number; leadTimeDays: number; learnedDemand: boolean; learnedLead: boolean; demandNote?: string } {
  let D = p.demandPerDay;
  let L = p.leadTimeDays;
  let learnedDemand = false;
  let learnedLead = false;
  let demandNote: string | undefined;
  if (p.learn) {
    const learned = learnedLeadTime(s);
    if (learned !== undefined) {
      L = learned;
      learnedLead = true;
    }
    const c = s.consumption;
    const need = minDemandSpanDays(L);
    const span = c.length ? (c[c.length - 1]![0] - c[0]![0]) / DAY_MS : 0;
    if (c.length >= MIN_DEMAND_SAMPLES && span >= need - 1e-9) {
      let units = 0;
      for (let i = 1; i < c.length; i++) units += c[i]![1];
      if (span > 0 && units > 0) {
        D = units / span;
        learnedDemand = true;
      }
    }
    if (!learnedDemand)
      demandNote = `demand still being learned (${c.length} consumption(s) over ${round(span, 2)} of the ${round(need, 2)} days and ${MIN_DEMAND_SAMPLES} events needed): configured D ${p.demandPerDay}/day in force`;
  }
  return { demandPerDay: D, leadTimeDays: L, learnedDemand, learnedLead, demandNote };
}

/** The mean of the observed lead times, once there are enough of them (days). */
function learnedLeadTime(s: KanbanState): number | undefined {
  if (s.leadTimes.length < MIN_LEAD_SAMPLES) return undefined;
  const m = mean(s.leadTimes);
  return m > 0 ? m : undefined;
}

/** Days of consumption history needed before D is learned: max(1 day, L). */
export function minDemandSpanDays(leadTimeDays: number): number {
  return Math.max(1, leadTimeDays);
}

/**
 * Keep the last WINDOW consumptions, but never less history than learning needs (max(1 day, L)):
 * when dropping the oldest would shorten the span below that, the two oldest consumptions after the
 * first are merged instead (D = units after the first / span is unchanged by the merge). Mutates s.
 */
function trimConsumption(s: KanbanState, p: KanbanParams): void {
  const c = s.consumption;
  const need = minDemandSpanDays((p.learn ? learnedLeadTime(s) : undefined) ?? p.leadTimeDays) * DAY_MS;
  while (c.length > WINDOW) {
    const last = c[c.length - 1]![0];
    if (last - c[1]![0] >= need) c.shift();
    else {
      const [merged] = c.splice(1, 1);
      c[1]![1] += merged![1];
    }
  }
}

export function leadTimeCv(s: KanbanState): number | undefined {
  if (s.leadTimes.length < MIN_LEAD_SAMPLES) return undefined;
  const m = mean(s.leadTimes);
  return m > 0 ? sampleSd(s.leadTimes) / m : undefined;
}

export function newLoop(p: KanbanParams, ts: number): KanbanState {
  const cards = cardCount(p.demandPerDay, p.leadTimeDays, p.baseAlpha, p.containerQty);
  return {
    item: p.item,
    cards,
    onHand: cards,
    inQueue: 0,
    inTransit: 0,
    retire: 0,
    alpha: p.baseAlpha,
    reason: `base alpha ${p.baseAlpha}`,
    lastTs: ts,
    seq: 0,
    orders: [],
    consumption: [],
    leadTimes: [],
    unhealthy: {},
    healthTs: {},
    supplierUnstable: false,
    alphaLog: [],
    pulls: 0,
  };
}

function clone(s: KanbanState): KanbanState {
  return JSON.parse(JSON.stringify(s)) as KanbanState;
}

function checkOrder(s: KanbanState, ts: number): void {
  if (ts < s.lastTs) throw new InputError('msg.payload.ts', `a time at or after the loop's last event (${iso(s.lastTs)})`, ts, 'events out of order');
}

function containersArg(v: unknown, dflt: number): number {
  if (v === undefined || v === null) return dflt;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > MAX_CARDS) throw new InputError('msg.payload.containers', `a whole number of containers from 1 to ${MAX_CARDS}`, v);
  return v;
}

/** Recompute alpha and N; resize the loop; log the change. Mutates s (a clone). */
function rebalance(s: KanbanState, p: KanbanParams, ts: number): AlphaChange | undefined {
  const reasons: string[] = [];
  let alpha = p.baseAlpha;
  const low = Object.keys(s.unhealthy).sort();
  if (low.length) {
    alpha += p.healthAlpha;
    reasons.push(`${low.map((a) => `${a} health ${round(s.unhealthy[a]!, 0)}`).join(', ')} below ${p.healthThreshold}`);
  }
  const cv = leadTimeCv(s);
  if (s.supplierUnstable) {
    alpha += p.supplierAlpha;
    reasons.push(`supplier lead-time variation ${round((cv ?? 0) * 100, 0)}% above ${round(p.cvThreshold * 100, 0)}%`);
  }
  alpha = round(alpha, 6);
  const why = reasons.length
    ? reasons.join('; ')
    : `critical assets healthy and supplier lead time stable${cv !== undefined ? ` (variation ${round(cv * 100, 0)}%)` : ''}`;
  const { demandPerDay, leadTimeDays, demandNote } = effectiveDL(s, p);
  const n = cardCount(demandPerDay, leadTimeDays, alpha, p.containerQty);
  let change: AlphaChange | undefined;
  if (alpha !== s.alpha) {
    const verb = alpha > s.alpha ? 'raised' : 'lowered';
    change = { ts, from: s.alpha, to: alpha, cards: n, reason: `alpha ${verb} ${s.alpha} -> ${alpha} (${s.cards} -> ${n} cards): ${why}` };
    s.alphaLog.push(change);
    if (s.alphaLog.length > 50) s.alphaLog.splice(0, s.alphaLog.length - 50);
    s.reason = change.reason;
  } else s.reason = `alpha ${alpha}: ${why}`;
  if (demandNote) s.reason += `; ${demandNote}`;
  s.alpha = alpha;
  resize(s, n);
  return change;
}

function resize(s: KanbanState, n: number): void {
  if (n > s.cards) {
    let add = n - s.cards;
    const keep = Math.min(s.retire, add);
    s.retire -= keep;
    add -= keep;
    s.inQueue += add; // new cards start empty: they must be ordered
  } else if (n < s.cards) {
    let remove = s.cards - n;
    const fromQueue = Math.min(s.inQueue, remove);
    s.inQueue -= fromQueue;
    remove -= fromQueue;
    s.retire += remove;
  }
  s.cards = n;
}

function firePulls(s: KanbanState, p: KanbanParams, ts: number): PullSignal[] {
  if (s.inQueue < p.trigger) return [];
  const { leadTimeDays } = effectiveDL(s, p);
  const containers = s.inQueue;
  s.seq += 1;
  const id = `${s.item}#${s.seq}`;
  const due = ts + Math.round(leadTimeDays * DAY_MS);
  s.orders.push({ id, containers, orderedAt: ts, dueAt: due });
  s.inQueue = 0;
  s.inTransit += containers;
  s.pulls += 1;
  return [{ orderId: id, item: s.item, containers, quantity: containers * p.containerQty, orderedAt: iso(ts), dueAt: iso(due) }];
}

/** Containers emptied at the line (default 1). */
export function consume(prev: KanbanState, p: KanbanParams, containersIn: unknown, ts: number): KanbanResult {
  checkOrder(prev, ts);
  const k = containersArg(containersIn, 1);
  if (k > prev.onHand) throw new InputError('msg.payload.containers', `at most the ${prev.onHand} full containers on hand`, containersIn ?? k, 'more consumed than the loop holds');
  const s = clone(prev);
  s.lastTs = ts;
  s.onHand -= k;
  const withdrawn = Math.min(s.retire, k);
  s.retire -= withdrawn;
  s.inQueue += k - withdrawn;
  s.consumption.push([ts, k * p.containerQty]);
  trimConsumption(s, p);
  const alphaChange = p.learn ? rebalance(s, p, ts) : undefined;
  const pulls = firePulls(s, p, ts);
  return { state: s, pulls, alphaChange, note: withdrawn ? `${withdrawn} card(s) withdrawn (loop shrinking)` : undefined };
}

/** Containers delivered by the supplier (default: the oldest open order). */
export function deliver(prev: KanbanState, p: KanbanParams, containersIn: unknown, ts: number): KanbanResult {
  checkOrder(prev, ts);
  if (prev.inTransit === 0) throw new InputError('msg.payload.containers', 'a delivery against an open order (none is in transit)', containersIn);
  const k = containersArg(containersIn, prev.orders[0]?.containers ?? 1);
  if (k > prev.inTransit) throw new InputError('msg.payload.containers', `at most the ${prev.inTransit} containers in transit`, containersIn);
  const s = clone(prev);
  s.lastTs = ts;
  let left = k;
  while (left > 0 && s.orders.length) {
    const o = s.orders[0]!;
    const take = Math.min(left, o.containers);
    o.containers -= take;
    left -= take;
    if (o.containers === 0) {
      s.orders.shift();
      s.leadTimes.push((ts - o.orderedAt) / DAY_MS);
      if (s.leadTimes.length > WINDOW) s.leadTimes.splice(0, s.leadTimes.length - WINDOW);
    }
  }
  s.inTransit -= k;
  s.onHand += k;
  const cv = leadTimeCv(s);
  if (cv !== undefined) s.supplierUnstable = cv > p.cvThreshold;
  const alphaChange = rebalance(s, p, ts);
  const pulls = firePulls(s, p, ts);
  return { state: s, pulls, alphaChange };
}

/**
 * A health reading of an asset: only critical assets feeding the loop move alpha. Health readings
 * are not ordered against stock events (rel-health stamps a reading with its sample time, which may
 * lag a consumption stamped now); only a reading older than the last one applied for the same asset
 * is ignored (a note, not an error). Pulls it causes are placed at the loop's time or later.
 */
export function applyHealth(prev: KanbanState, p: KanbanParams, ev: HealthEvent, ts: number): KanbanResult {
  if (!p.criticalAssets.includes(ev.asset)) return { state: prev, pulls: [], note: `${ev.asset} is not a critical asset of this loop (${p.criticalAssets.join(', ') || 'none configured'}): alpha unchanged` };
  const lastHealth = prev.healthTs?.[ev.asset];
  if (lastHealth !== undefined && ts < lastHealth)
    return { state: prev, pulls: [], note: `${ev.asset} health reading of ${iso(ts)} is older than the last one applied (${iso(lastHealth)}): ignored` };
  const s = clone(prev);
  s.healthTs = { ...(s.healthTs ?? {}), [ev.asset]: ts };
  const at = Math.max(ts, s.lastTs);
  const low = ev.score < p.healthThreshold || ev.state === 'alarm';
  const recovered = ev.score >= p.healthThreshold + p.healthMargin && ev.state !== 'alarm' && ev.state !== 'warning' && ev.state !== 'learning';
  if (low) s.unhealthy[ev.asset] = ev.score;
  else if (recovered) delete s.unhealthy[ev.asset];
  else if (s.unhealthy[ev.asset] !== undefined) s.unhealthy[ev.asset] = ev.score;
  const alphaChange = rebalance(s, p, at);
  const pulls = firePulls(s, p, at);
  if (pulls.length) s.lastTs = at; // an order is a stock event: later deliveries are measured from it
  return { state: s, pulls, alphaChange };
}

/** Re-apply changed parameters (a redeploy with a new D, L, C or alpha). */
export function reconfigure(prev: KanbanState, p: KanbanParams, ts: number): KanbanResult {
  const s = clone(prev);
  const alphaChange = rebalance(s, p, Math.max(ts, s.lastTs));
  return { state: s, pulls: firePulls(s, p, Math.max(ts, s.lastTs)), alphaChange };
}

/**
 * Why the loop has its safety factor, as fields a page words in its own language (the English
 * `reason` stays beside it): the margin in force and its base; each critical asset below its health
 * limit (raw score; a page rounds it and names the asset); an unstable supplier; or both calm; and
 * whether the configured demand is still in force while it is being learned.
 */
export type KanbanWhy =
  | { code: 'margin'; alpha: number; baseAlpha: number }
  | { code: 'assetLow'; asset: string; score: number; threshold: number; addAlpha: number }
  | { code: 'supplierVaries'; variationPct: number | null; thresholdPct: number; addAlpha: number }
  | { code: 'steady'; variationPct: number | null }
  | { code: 'demandLearning'; configuredPerDay: number };

export function kanbanWhy(s: KanbanState, p: KanbanParams): KanbanWhy[] {
  const out: KanbanWhy[] = [{ code: 'margin', alpha: s.alpha, baseAlpha: p.baseAlpha }];
  const low = Object.keys(s.unhealthy).sort();
  for (const a of low) out.push({ code: 'assetLow', asset: a, score: s.unhealthy[a]!, threshold: p.healthThreshold, addAlpha: p.healthAlpha });
  const cv = leadTimeCv(s);
  const pct = cv === undefined ? null : round(cv * 100, 1);
  if (s.supplierUnstable) out.push({ code: 'supplierVaries', variationPct: pct, thresholdPct: round(p.cvThreshold * 100, 1), addAlpha: p.supplierAlpha });
  if (!low.length && !s.supplierUnstable) out.push({ code: 'steady', variationPct: pct });
  if (effectiveDL(s, p).demandNote) out.push({ code: 'demandLearning', configuredPerDay: p.demandPerDay });
  return out;
}

export function kanbanStatus(s: KanbanState, p: KanbanParams) {
  const dl = effectiveDL(s, p);
  return {
    item: s.item,
    cards: s.cards,
    onHand: s.onHand,
    inQueue: s.inQueue,
    inTransit: s.inTransit,
    retiring: s.retire,
    alpha: s.alpha,
    reason: s.reason,
    /** The reason as fields (kanbanWhy), for a page to word in its language. */
    why: kanbanWhy(s, p),
    /** C: units per container (one card). */
    containerQty: p.containerQty,
    demandPerDay: round(dl.demandPerDay, 3),
    leadTimeDays: round(dl.leadTimeDays, 3),
    learned: { demand: dl.learnedDemand, leadTime: dl.learnedLead },
    leadTimeCv: leadTimeCv(s) === undefined ? null : round(leadTimeCv(s)!, 4),
    openOrders: s.orders.map((o) => ({ orderId: o.id, containers: o.containers, orderedAt: iso(o.orderedAt), dueAt: iso(o.dueAt) })),
    pulls: s.pulls,
    alphaLog: s.alphaLog.slice(-10),
  };
}
