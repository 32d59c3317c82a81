/**
 * rel-oee: availability, performance, quality and OEE per shift and rolling, from machine state
 * events and good/total count increments with the ideal cycle time; the loss breakdown in
 * minutes; shift records persisted in the store; the Rule of 85 tracker for critical assets.
 */
import { InputError } from '../core/errors';
import { num, oneOf, optNum, optStr, own } from '../core/validate';
import { loadState, saveState } from '../core/store';
import { DAY_MS, localDate, localDayStart, nextShiftStart, shiftAt, type ShiftSlot } from '../core/jit/calendar';
import { cfgNum, eventAction, eventTs, iso, listConfig } from '../core/jit/events';
import {
  MACHINE_STATES,
  advance,
  applyCount,
  applyState,
  dailyOee,
  newAssetState,
  newShiftRecord,
  oeeFigures,
  oeeStreak,
  rule85,
  type OeeAssetState,
  type ShiftRecord,
} from '../core/jit/oee';
import { OeeRepo } from '../core/jit/repo';
import { defineNode } from '../shared/node';
import { status } from '../shared/status';
import { getClock } from '../shared/clock';
import { findAsset } from '../shared/assets';
import { numberMessages } from '../shared/dashboard';
import { acquireJitStore, eventSubject, calendarFromConfig, stateKeys } from '../shared/jit';
import type { NodeDef, NodeMessage, RedApi } from '../shared/red';

interface OeeDef extends NodeDef {
  store?: string;
  asset?: string;
  shifts?: string;
  breaks?: string;
  utcOffset?: string | number;
  idealCycleS?: number | string;
  rollingHours?: number | string;
  criticalAssets?: string;
  rule85Days?: number | string;
  rule85Oee?: number | string;
  bufferDays?: number | string;
  /** One more output (the last) for stock dashboard widgets. */
  dashboard?: boolean | string;
}

const ACTIONS = ['state', 'count', 'report'] as const;
const MAX_ASSETS = 1000;
/** Pages of (rule85Days + 7) days the Rule of 85 reads back at most (a plant producing one day a week still reaches its streak). */
const RULE85_PAGES = 8;
const pct = (x: number | null) => (x === null ? '-' : String(Math.round(x * 100)));
/** A fraction (0-1) in percent for a gauge; null stays null. */
const percent = (x: number | null) => (x === null ? null : x * 100);

export = function (RED: RedApi) {
  defineNode<OeeDef>(RED, 'rel-oee', (node, config) => {
    const clock = getClock(RED);
    const cal = calendarFromConfig(config);
    const idealDefault = cfgNum(config.idealCycleS, 'idealCycleS', NaN, { gt: 0, max: 1e6 });
    const rollingHours = cfgNum(config.rollingHours, 'rollingHours', 24, { gt: 0, max: 24 * 366 });
    const requiredDays = cfgNum(config.rule85Days, 'rule85Days', 30, { min: 1, max: 365, integer: true });
    const threshold = cfgNum(config.rule85Oee, 'rule85Oee', 0.85, { gt: 0, max: 1 });
    const bufferDays = cfgNum(config.bufferDays, 'bufferDays', 3, { min: 0, max: 365 });
    const critical = listConfig(config.criticalAssets);
    const fixedAsset = typeof config.asset === 'string' && config.asset.trim() ? config.asset.trim() : undefined;
    const dashboard = config.dashboard === true || config.dashboard === 'true';
    const h = acquireJitStore(RED, config.store, 'rel-oee');
    const scope = `oee:${node.id}`;
    const repo = new OeeRepo(h.store, scope);
    const assets = new Map<string, OeeAssetState>();
    for (const k of stateKeys(h, scope, MAX_ASSETS)) {
      const s = loadState<OeeAssetState>(h.store, scope, k);
      if (s) assets.set(k, s);
    }
    status.idle(node, assets.size ? `${assets.size} assets` : 'waiting for events');


    /** Records touched while handling one event: read from the store once, saved together. */
    function recordSource(asset: string) {
      const cache = new Map<string, ShiftRecord>();
      const get = (slot: ShiftSlot): ShiftRecord => {
        let r = cache.get(slot.id);
        if (!r) {
          r = repo.get(asset, slot.id) ?? newShiftRecord(asset, slot);
          cache.set(slot.id, r);
        }
        return r;
      };
      return { get, cache };
    }

    function criticalAssets(): string[] {
      if (critical.length) return critical;
      const seen = [...new Set([...repo.assets(), ...assets.keys()])].sort();
      const crit = seen.filter((a) => (findAsset(a)?.criticality ?? 0) >= 4);
      return crit.length ? crit : seen;
    }

    /** Records of an asset as they stand at `to`: the stored ones, with the time since its last event added (not saved). */
    function view(asset: string, to: number): Map<string, ShiftRecord> {
      const s = assets.get(asset);
      const { get, cache } = recordSource(asset);
      if (s && to > s.lastTs) advance({ ...s }, cal, to, get);
      return cache;
    }

    function records(asset: string, from: number, to: number, over = view(asset, to)): ShiftRecord[] {
      const m = new Map(repo.range(asset, from, to).map((r) => [r.shift, r] as const));
      for (const r of over.values()) if (r.start >= from && r.start < to) m.set(r.shift, r);
      return [...m.values()].sort((x, y) => x.start - y.start);
    }

    /**
     * Days without planned time are skipped, so requiredDays planned days may take far more
     * calendar days (a Mon-Fri plant: 42 for 30). Read back page by page (requiredDays + 7 local
     * days each, cut at local midnight so a day is never split) until the streak reaches
     * requiredDays, breaks, or a page holds no records; at most RULE85_PAGES pages.
     */
    function ruleOf85(to: number) {
      const today = localDate(cal, localDayStart(cal, to));
      const streaks: Record<string, { streakDays: number; lastDay: string | null; lastOee: number | null }> = {};
      for (const a of criticalAssets()) {
        let recs: ShiftRecord[] = [];
        let upTo = to;
        for (let page = 0; page < RULE85_PAGES; page++) {
          const from = localDayStart(cal, upTo - (requiredDays + 7) * DAY_MS);
          const got = page === 0 ? records(a, from, upTo) : repo.range(a, from, upTo);
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

    function report(asset: string, to: number, shiftId: string | undefined) {
      const s = assets.get(asset);
      if (s && !shiftId && to < s.lastTs) throw new InputError('msg.payload.ts', `a time at or after the last event of ${asset} (${iso(s.lastTs)})`, to, 'events out of order');
      const over = view(asset, to);
      let rec: ShiftRecord | undefined;
      if (shiftId) {
        rec = over.get(shiftId) ?? repo.get(asset, shiftId);
        if (!rec) throw new InputError('msg.payload.shift', `a shift id with records for ${asset} (like ${localDate(cal, localDayStart(cal, to))}/${cal.shifts[0]?.name})`, shiftId);
      } else {
        const slot = shiftAt(cal, to) ?? shiftAt(cal, to - 1);
        if (slot) rec = over.get(slot.id) ?? repo.get(asset, slot.id) ?? newShiftRecord(asset, slot);
        else rec = records(asset, to - 2 * DAY_MS, to, over).pop(); // between shifts: the last one
      }
      const f = rec ? oeeFigures([rec]) : oeeFigures([]);
      const from = to - rollingHours * 3600_000;
      const rolled = records(asset, from - 2 * DAY_MS, to + 1, over).filter((r) => r.end > from);
      return {
        asset,
        ...f,
        shift: rec?.shift ?? null,
        from: rec ? iso(rec.start) : null,
        to: rec ? iso(Math.min(to, rec.end)) : iso(to),
        state: s?.state ?? 'unknown',
        stopsByReason: rec ? Object.fromEntries(Object.entries(rec.downByReason).map(([k, v]) => [k, Math.round(v / 600) / 100])) : {},
        rolling: { hours: rollingHours, shifts: rolled.length, ...oeeFigures(rolled) },
        rule85: ruleOf85(to),
      };
    }

    /** At each shift end, close the shift of every asset last heard of during it, so its record is complete in the store. */
    let timer: unknown;
    function scheduleShiftEnd(): void {
      const now = clock.now();
      const cur = shiftAt(cal, now);
      const next = cur ? cur.end : nextShiftStart(cal, now);
      if (next === undefined) return;
      timer = clock.setTimeout(() => {
        timer = undefined;
        try {
          const end = clock.now();
          const done = shiftAt(cal, end - 1);
          if (done) {
            h.store.tx(() => {
              for (const [asset, st] of assets) {
                if (st.lastTs < done.start || st.lastTs >= done.end) continue;
                const { get, cache } = recordSource(asset);
                const nextState = { ...st };
                advance(nextState, cal, done.end, get);
                for (const r of cache.values()) repo.save(r, end);
                saveState(h.store, scope, asset, nextState, end);
                assets.set(asset, nextState);
              }
            });
          }
        } catch (e) {
          node.error(e instanceof Error ? e.message : String(e));
        }
        scheduleShiftEnd();
      }, Math.max(1, next - now));
    }
    scheduleShiftEnd();

    function show(rec: ShiftRecord | undefined): void {
      if (!rec) return;
      const f = oeeFigures([rec]);
      if (f.oee === null) {
        status.info(node, `A ${pct(f.availability)} · ${f.total} parts`);
        return;
      }
      const text = `OEE ${pct(f.oee)}% · A ${pct(f.availability)} P ${pct(f.performance)} Q ${pct(f.quality)}`;
      if (f.oee >= threshold) status.ok(node, text);
      else status.warn(node, text);
    }

    return {
      input: (msg: NodeMessage, send) => {
        const action = eventAction(msg, ACTIONS);
        const payload = msg.payload;
        const ts = eventTs(payload, clock.now());
        const asset = eventSubject(payload, 'asset', fixedAsset);
        const base = payload !== null && typeof payload === 'object' && !Array.isArray(payload) ? (payload as object) : {};
        if (action === 'report') {
          const shiftId = optStr(own(payload, 'shift'), 'msg.payload.shift', { maxLength: 64 });
          const rep = report(asset, ts, shiftId || undefined);
          msg.payload = { ...base, oee: rep };
          if (dashboard) {
            // The shift's figures in percent, one message each (topic = the label) for ui-chart / ui-gauge.
            const values = [
              { label: 'Availability', value: percent(rep.availability), unit: '%' },
              { label: 'Performance', value: percent(rep.performance), unit: '%' },
              { label: 'Quality', value: percent(rep.quality), unit: '%' },
              { label: 'OEE', value: percent(rep.oee), unit: '%' },
            ];
            send([msg, numberMessages(values, { asset, ts })]);
          } else send(msg);
          if (rep.oee !== null) status.info(node, `OEE ${pct(rep.oee)}% · A ${pct(rep.availability)} P ${pct(rep.performance)} Q ${pct(rep.quality)}`);
          return;
        }
        let prev = assets.get(asset);
        if (!prev) {
          if (assets.size >= MAX_ASSETS) throw new InputError('msg.payload.asset', `one of the ${MAX_ASSETS} assets this node already tracks`, asset);
          prev = newAssetState(asset, ts);
        }
        const { get, cache } = recordSource(asset);
        let next: OeeAssetState;
        let note: string | undefined;
        const slot = shiftAt(cal, ts);
        if (action === 'state') {
          const st = oneOf(own(payload, 'state'), 'msg.payload.state', MACHINE_STATES);
          const reason = optStr(own(payload, 'reason'), 'msg.payload.reason', { maxLength: 200 });
          next = applyState(prev, cal, ts, st, reason, get).state;
        } else {
          const good = num(own(payload, 'good'), 'msg.payload.good', { min: 0, max: 1e9, integer: true });
          const total = num(own(payload, 'total'), 'msg.payload.total', { min: 0, max: 1e9, integer: true });
          const ideal = optNum(own(payload, 'idealCycleS'), 'msg.payload.idealCycleS', { gt: 0, max: 1e6 }) ?? prev.idealCycleS ?? idealDefault;
          next = applyCount(prev, cal, ts, good, total, ideal, get, slot).state;
          if (own(payload, 'idealCycleS') !== undefined) next.idealCycleS = ideal;
          if (!slot) note = 'count outside every shift of the calendar: not counted';
        }
        const current = slot ? get(slot) : undefined;
        h.store.tx(() => {
          for (const r of cache.values()) repo.save(r, ts);
          saveState(h.store, scope, asset, next, ts);
        });
        assets.set(asset, next);
        const f = current ? oeeFigures([current]) : undefined;
        msg.payload = {
          ...base,
          oee: f ? { asset, ...f, shift: current!.shift, from: iso(current!.start), to: iso(ts), state: next.state } : { asset, shift: null, state: next.state, note: note ?? 'outside every shift' },
          ...(note ? { note } : {}),
        };
        send(dashboard ? [msg, null] : msg);
        show(current);
      },
      close: () => {
        if (timer !== undefined) clock.clearTimeout(timer);
        h.release();
      },
    };
  });
};
