/**
 * The floor view model: the plant's machines (rel-asset config nodes and the asset register) and
 * the latest figures the nodes sent about them (rel-health / rel-rul / rel-diagnose frames, rel-oee
 * and rel-takt reports, work orders) -> tiles grouped by site, area and line, with every value
 * rounded, with its unit and as plain sentences in English and German (nodes/core/text). A machine
 * without condition data for `staleMs` (default 2 min) is a grey "no data for 2 min" tile. With the
 * state of the plant database (`opts.store`), the view carries its banner (store-banner.ts).
 * Pure: no Node-RED; the rel-view node is glue over it.
 */
import { faultName, faultSentence, healthSentence, isoZoneText, rulShort, staleText, withUnit, num, type Lang } from '../text';
import { storeBanner, type StoreBanner, type StoreState } from './store-banner';
import { orderTitleIn } from '../text/order-title';

export const LANGS: readonly Lang[] = ['en', 'de'];
/** Default: a machine without condition data for 2 min is stale. */
export const STALE_MS = 120_000;
/** Machines a view holds (figures of more assets are refused, the oldest work orders dropped). */
export const MAX_ASSETS = 5000;
const MAX_ORDERS = 20_000;
const OPEN = new Set(['open', 'assigned', 'in-progress', 'on-hold']);

/** A machine as the view knows it (from a rel-asset or a register row). */
export interface ViewAsset {
  id: string;
  name: string;
  site?: string;
  area?: string;
  line: string;
  criticality?: number;
  bearing?: string;
  /**
   * The machine's place on its line (the order the rel-asset nodes are configured in); tiles with
   * a position come first in that order, the others by name.
   */
  position?: number;
}

export interface Fault {
  mode: string;
  confidence: number | null;
  severity: string;
  evidence: string;
}

/** The latest figures of one machine. */
export interface Figures {
  health: number | null;
  state: string;
  learned: number | null;
  isoZone: string | null;
  isoLimits: { ab: number; bc: number; cd: number } | null;
  velocityRms: number | null;
  rul: { hours: number; low: number | null; high: number | null; level?: number } | null;
  rulReason: string | null;
  primary: string | null;
  faults: Fault[];
  channel?: string;
  oee: { oee: number | null; availability: number | null; performance: number | null; quality: number | null } | null;
  /** Whether `oee` is rel-oee's rolling window (a report) rather than the current shift. */
  oeeRolling?: boolean;
  takt: { taktS: number | null; cycleMedianS: number | null; overTakt: boolean; creep: number | null } | null;
  /** When condition data last arrived (ms, the view's clock). */
  seenAt: number | null;
  /** The event time of the latest frame (older ones are ignored). */
  ts: number | null;
}

/** Texts of a tile in one language. */
export interface TileText {
  velocity: string;
  rul: string;
  rulBand: string;
  /** The diagnosed fault as a short phrase, '' when normal. */
  fault: string;
  /** Every fault as a sentence with its evidence. */
  faults: string[];
  health: string;
  zone: string;
  oee: string;
  /** "no data for 2 min", or '' when fresh. */
  stale: string;
}

export interface Tile {
  id: string;
  name: string;
  line: string;
  criticality: number | null;
  /** The bearing designation (6205-2RS ...), '' when not known. */
  bearing: string;
  /** learning, normal, warning, alarm, stopped, or: stale (no data for staleMs), nodata (none yet). */
  state: string;
  /** The machine's own state while it is stale or without data. */
  lastState: string | null;
  health: number | null;
  learnedPct: number | null;
  isoZone: string | null;
  rulH: number | null;
  openWos: number;
  primary: string | null;
  /** Technical detail (one tap away on the pages): modes with confidence, the raw evidence. */
  detail: { faults: Fault[]; rulReason: string | null; velocityRms: number | null };
  text: Record<Lang, TileText>;
}

export interface Group {
  key: string;
  site: string;
  area: string;
  line: string;
  tiles: Tile[];
  /** Tiles per state. */
  counts: Record<string, number>;
}

export interface LineViewModel {
  groups: Group[];
  total: number;
  /** Work-order sentences (id -> en / de) for the orders the view has seen with a mode. */
  orders: Record<string, Record<Lang, string>>;
  /** Work-order titles (id -> en / de) in each language, for the orders the view has seen (orderTitleIn). */
  titles: Record<string, Record<Lang, string>>;
  staleMs: number;
  /** The plant database offline (records queued on this box) or back and sending them; null while it answers. */
  store: StoreBanner | null;
  updatedAt: string;
  ts: number;
}

type Obj = Record<string, unknown>;
const isObj = (x: unknown): x is Obj => typeof x === 'object' && x !== null && !Array.isArray(x);
const get = (o: unknown, k: string): unknown => (isObj(o) && Object.prototype.hasOwnProperty.call(o, k) ? o[k] : undefined);
const numOr = (x: unknown): number | null => (typeof x === 'number' && Number.isFinite(x) ? x : null);
const str = (x: unknown, max = 200): string => (typeof x === 'string' ? x.slice(0, max) : '');

/**
 * The ISO 10816 velocity of a machine-mode frame of rel-health (PLC tags, no rel-vibration
 * features): `health.isoVelocity`, the value rel-health judged the zone on; from a sender without
 * it, the largest reading of quantity velocity in mm/s, else the largest contributor in mm/s;
 * null when the frame has none.
 */
function tagVelocity(payload: Obj, health: Obj): number | null {
  const judged = numOr(get(health, 'isoVelocity'));
  if (judged !== null) return judged;
  let v: number | null = null;
  const readings = get(payload, 'readings');
  if (Array.isArray(readings))
    for (const r of readings.slice(0, 1000)) {
      const x = numOr(get(r, 'value'));
      const unit = get(r, 'unit');
      if (get(r, 'quantity') === 'velocity' && (unit === undefined || unit === '' || unit === 'mm/s') && x !== null) v = Math.max(v ?? -Infinity, x);
    }
  if (v !== null) return v;
  const contributors = get(health, 'contributors');
  if (Array.isArray(contributors))
    for (const c of contributors.slice(0, 1000)) {
      const x = numOr(get(c, 'value'));
      if (get(c, 'unit') === 'mm/s' && x !== null) v = Math.max(v ?? -Infinity, x);
    }
  return v;
}

function empty(): Figures {
  return { health: null, state: 'learning', learned: null, isoZone: null, isoLimits: null, velocityRms: null, rul: null, rulReason: null, primary: null, faults: [], oee: null, takt: null, seenAt: null, ts: null };
}

/** Natural order: "M-2" before "M-10". */
const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });

/**
 * The latest figures per machine, fed message by message. `take` returns true when something a
 * page shows changed.
 */
export class LineFigures {
  readonly figures = new Map<string, Figures>();
  /** Work orders seen: id -> asset, status, mode, evidence. */
  private orders = new Map<string, { asset: string; status: string; mode: string; evidence: string; title: string }>();

  private of(id: string): Figures | undefined {
    let f = this.figures.get(id);
    if (!f) {
      if (this.figures.size >= MAX_ASSETS) return undefined;
      f = empty();
      this.figures.set(id, f);
    }
    return f;
  }

  /** One message's payload (and topic). Unknown payloads change nothing. */
  take(payload: unknown, now: number): boolean {
    if (Array.isArray(payload)) return this.takeOrders(payload);
    if (!isObj(payload)) return false;
    const id = get(payload, 'asset');
    const health = get(payload, 'health');
    const features = get(payload, 'features');
    const diagnosis = get(payload, 'diagnosis');
    const hasRul = Object.prototype.hasOwnProperty.call(payload, 'rul');
    // Nodes that answer a health event with their own result (rel-kanban, rel-buffer, rel-oee ...)
    // pass the frame on beside it: that is their result, not a new frame.
    const echo = ['kanban', 'buffer', 'oee', 'takt', 'andon', 'kpi'].some((k) => get(payload, k) !== undefined);
    if (!echo && typeof id === 'string' && id && (isObj(health) || isObj(features) || isObj(diagnosis) || hasRul)) {
      const f = this.of(id);
      if (!f) return false;
      // an older frame (a replay, a message that took a longer path) changes nothing
      const ts = numOr(get(payload, 'ts'));
      if (ts !== null) {
        if (f.ts !== null && ts < f.ts) return false;
        f.ts = ts;
      }
      f.seenAt = now;
      if (typeof get(payload, 'channel') === 'string') f.channel = str(get(payload, 'channel'), 64);
      if (isObj(features)) {
        f.velocityRms = numOr(get(features, 'velocityRms'));
        const z = get(features, 'isoZone');
        if (typeof z === 'string') f.isoZone = z;
        const lim = get(features, 'isoLimits');
        if (isObj(lim) && [lim.ab, lim.bc, lim.cd].every((v) => typeof v === 'number')) f.isoLimits = { ab: lim.ab as number, bc: lim.bc as number, cd: lim.cd as number };
      }
      if (isObj(health)) {
        f.health = numOr(get(health, 'score'));
        f.state = str(get(health, 'state'), 32) || f.state;
        f.learned = numOr(get(health, 'learned'));
        const z = get(health, 'isoZone');
        if (!isObj(features) && (Array.isArray(get(health, 'contributors')) || Array.isArray(get(payload, 'readings')))) {
          // rel-health in machine mode (PLC tags): the zone and the velocity it was judged on come
          // together in this frame; without a velocity reading there is no zone
          f.velocityRms = tagVelocity(payload, health);
          f.isoZone = typeof z === 'string' && f.velocityRms !== null ? z : null;
          // the class's limits beside it (rel-health's health.isoLimits), for "zone B (1.4 to 2.8 mm/s)"
          const lim = get(health, 'isoLimits');
          const [ab, bc, cd] = [get(lim, 'ab'), get(lim, 'bc'), get(lim, 'cd')];
          if ([ab, bc, cd].every((v) => typeof v === 'number' && Number.isFinite(v))) f.isoLimits = { ab: ab as number, bc: bc as number, cd: cd as number };
        } else if (typeof z === 'string') f.isoZone = z;
        // A stopped machine has no operating vibration: no zone and no velocity until it runs again.
        if (f.state === 'stopped') {
          f.isoZone = null;
          f.velocityRms = null;
        }
      }
      if (isObj(diagnosis)) {
        f.primary = str(get(diagnosis, 'primary'), 64) || null;
        const faults = get(diagnosis, 'faults');
        f.faults = Array.isArray(faults)
          ? faults.filter(isObj).slice(0, 5).map((x) => ({ mode: str(x.mode, 64), confidence: numOr(x.confidence), severity: str(x.severity, 16), evidence: str(x.evidence, 1000) }))
          : [];
      }
      if (hasRul) {
        const r = get(payload, 'rul');
        const hours = numOr(get(r, 'hours'));
        f.rul = isObj(r) && hours !== null ? { hours, low: numOr(r.low), high: numOr(r.high), level: numOr(r.level) ?? undefined } : null;
        f.rulReason = f.rul ? null : str(get(payload, 'rulReason') ?? get(payload, 'reason'), 300) || null;
      }
      return true;
    }
    const oee = get(payload, 'oee');
    if (isObj(oee)) {
      const a = str(get(oee, 'asset') || id, 64);
      const f = a ? this.of(a) : undefined;
      if (!f) return false;
      // One basis: the rolling window (24 h) when rel-oee keeps one (steadier than the current
      // shift, which starts from zero), even while it has no figure yet; else the shift.
      const r = isObj(oee.rolling) ? oee.rolling : oee;
      // the answers to state and count events carry the current shift only: they do not replace a report's window
      if (r === oee && f.oeeRolling) return false;
      f.oeeRolling = r !== oee;
      f.oee = { oee: numOr(r.oee), availability: numOr(r.availability), performance: numOr(r.performance), quality: numOr(r.quality) };
      return true;
    }
    const takt = get(payload, 'takt');
    if (isObj(takt)) {
      const a = str(get(takt, 'asset') || id, 64);
      const f = a ? this.of(a) : undefined;
      if (!f) return false;
      f.takt = { taktS: numOr(takt.taktS), cycleMedianS: numOr(takt.cycleMedianS), overTakt: takt.overTakt === true, creep: numOr(takt.creep) };
      return true;
    }
    // one work order (a transition of rel-work-order)
    if (typeof get(payload, 'number') === 'string' && typeof get(payload, 'status') === 'string') return this.takeOrders([payload]);
    return false;
  }

  private takeOrders(list: unknown[]): boolean {
    let changed = false;
    for (const w of list.slice(0, MAX_ORDERS)) {
      if (!isObj(w) || (typeof w.id !== 'number' && typeof w.id !== 'string') || typeof w.asset !== 'string' || typeof w.status !== 'string') continue;
      const key = String(w.id);
      const next = { asset: w.asset, status: w.status, mode: str(w.mode, 64), evidence: str(w.evidence, 1000), title: str(w.title, 200) };
      const had = this.orders.get(key);
      if (had && had.status === next.status && had.evidence === next.evidence) continue;
      this.orders.delete(key);
      this.orders.set(key, next);
      changed = true;
    }
    while (this.orders.size > MAX_ORDERS) this.orders.delete(this.orders.keys().next().value as string);
    return changed;
  }

  openOrders(asset: string): number {
    let n = 0;
    for (const o of this.orders.values()) if (o.asset === asset && OPEN.has(o.status)) n++;
    return n;
  }

  /** Titles in both languages (orderTitleIn) for the open and done orders, newest last, at most `max`; `names`: asset id -> its names, the current one first. */
  orderTitles(names: ReadonlyMap<string, readonly string[]>, max = 300): Record<string, Record<Lang, string>> {
    const out: Record<string, Record<Lang, string>> = {};
    const list = [...this.orders.entries()].filter(([, o]) => o.title && o.status !== 'closed' && o.status !== 'cancelled').slice(-max);
    for (const [id, o] of list) {
      const known = names.get(o.asset) ?? [];
      const stored = { title: o.title, mode: o.mode, asset: o.asset, assetName: known[0], names: known.slice(1) };
      out[id] = { en: orderTitleIn(stored, 'en'), de: orderTitleIn(stored, 'de') };
    }
    return out;
  }

  /** Sentences for the orders with a fault mode (open and done ones), newest last, at most `max`. */
  orderSentences(max = 300): Record<string, Record<Lang, string>> {
    const out: Record<string, Record<Lang, string>> = {};
    const list = [...this.orders.entries()].filter(([, o]) => o.mode && o.status !== 'closed' && o.status !== 'cancelled').slice(-max);
    for (const [id, o] of list) {
      const ch = this.figures.get(o.asset)?.channel;
      out[id] = { en: faultSentence({ mode: o.mode, evidence: o.evidence }, { lang: 'en', channel: ch }), de: faultSentence({ mode: o.mode, evidence: o.evidence }, { lang: 'de', channel: ch }) };
    }
    return out;
  }
}

function tileText(f: Figures | undefined, state: string, lang: Lang, now: number): TileText {
  if (!f) return { velocity: '-', rul: '', rulBand: '', fault: '', faults: [], health: '', zone: '', oee: '-', stale: '' };
  const rul = f.seenAt === null ? { value: '', band: '' } : rulShort(f.rul, lang, { health: f.health, reason: f.rulReason, state: f.state });
  const faults = f.faults.filter((x) => x.mode && x.mode !== 'normal');
  const main = f.primary && f.primary !== 'normal' ? f.primary : null;
  return {
    velocity: f.velocityRms === null ? '-' : withUnit(f.velocityRms, 'mm/s', lang),
    rul: rul.value,
    rulBand: rul.band,
    fault: main ? faultName(main, lang, undefined) : '',
    faults: faults.map((x) => faultSentence({ mode: x.mode, evidence: x.evidence }, { lang, channel: f.channel })),
    health: f.seenAt === null ? '' : healthSentence({ score: f.health, state: f.state, learned: f.learned ?? undefined }, lang),
    zone: f.isoZone && f.velocityRms !== null ? isoZoneText(f.isoZone, lang, f.velocityRms ?? undefined, f.isoLimits ?? undefined, { state: f.state }) : '',
    oee: f.oee && f.oee.oee !== null ? `${num(f.oee.oee * 100, lang, { decimals: 1 })}\u00a0%` : '-',
    stale: (state === 'stale' || state === 'nodata') && f.seenAt !== null ? staleText(now - f.seenAt, lang) : '',
  };
}

/**
 * Tile order on a line: the machines with a position (the configured order of the rel-asset
 * nodes: the line's order) first, by position; then the others (register rows) by name in
 * natural order ("Press 2" before "Press 10"), then by id. Never by the hidden id alone, and
 * independent of the order the machines arrive in, so a tile keeps its place on a floor screen.
 */
function tileOrder(x: { name: string; id: string; position: number | null }, y: { name: string; id: string; position: number | null }): number {
  if (x.position !== null || y.position !== null) {
    if (x.position === null) return 1;
    if (y.position === null) return -1;
    if (x.position !== y.position) return x.position - y.position;
  }
  return collator.compare(x.name, y.name) || collator.compare(x.id, y.id);
}

/**
 * The view of `assets` (groups by site, area and line in natural order; tiles as tileOrder says)
 * at `now`.
 */
export function buildLineView(assets: readonly ViewAsset[], figs: LineFigures, now: number, opts: { staleMs?: number; store?: StoreState | null } = {}): LineViewModel {
  const staleMs = opts.staleMs ?? STALE_MS;
  const groups = new Map<string, Group>();
  const seen = new Set<string>();
  const positions = new Map<string, number | null>();
  // every name a machine goes by (rel-asset's, the register's): a title written with either is the node's own
  const names = new Map<string, string[]>();
  for (const a of assets) {
    names.set(a.id, [...(names.get(a.id) ?? []), a.name || a.id]); // the first: the tile's name
    if (seen.has(a.id)) continue; // the first wins (rel-asset before the register)
    seen.add(a.id);
    positions.set(a.id, typeof a.position === 'number' && Number.isFinite(a.position) ? a.position : null);
    const site = a.site ?? '';
    const area = a.area ?? '';
    const key = `${site}\u0000${area}\u0000${a.line}`;
    let g = groups.get(key);
    if (!g) {
      g = { key: [site, area, a.line].filter(Boolean).join(' / '), site, area, line: a.line, tiles: [], counts: {} };
      groups.set(key, g);
    }
    const f = figs.figures.get(a.id);
    const state = !f || f.seenAt === null ? 'nodata' : now - f.seenAt >= staleMs ? 'stale' : f.state;
    const fresh = state !== 'stale' && state !== 'nodata';
    const tile: Tile = {
      id: a.id,
      name: a.name || a.id,
      line: a.line,
      criticality: a.criticality ?? null,
      bearing: a.bearing ?? '',
      state,
      lastState: f && !fresh ? f.state : null,
      health: f && f.health !== null ? Math.round(f.health) : null,
      learnedPct: f && f.learned !== null ? Math.round(f.learned * 100) : null,
      // a zone only beside the velocity it was judged on
      isoZone: f && f.velocityRms !== null ? f.isoZone : null,
      rulH: f?.rul ? Math.round(f.rul.hours * 10) / 10 : null,
      openWos: figs.openOrders(a.id),
      primary: f?.primary ?? null,
      detail: { faults: f?.faults ?? [], rulReason: f?.rulReason ?? null, velocityRms: f?.velocityRms ?? null },
      text: { en: tileText(f, state, 'en', now), de: tileText(f, state, 'de', now) },
    };
    g.tiles.push(tile);
    g.counts[state] = (g.counts[state] ?? 0) + 1;
  }
  const list = [...groups.values()].sort((x, y) => collator.compare(x.site, y.site) || collator.compare(x.area, y.area) || collator.compare(x.line, y.line));
  for (const g of list) g.tiles.sort((x, y) => tileOrder({ ...x, position: positions.get(x.id) ?? null }, { ...y, position: positions.get(y.id) ?? null }));
  return { groups: list, total: seen.size, orders: figs.orderSentences(), titles: figs.orderTitles(names), staleMs, store: storeBanner(opts.store), updatedAt: new Date(now).toISOString(), ts: now };
}
