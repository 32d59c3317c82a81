/**
 * rel-buffer: safety stock and reorder point from observed daily demand and supplier lead times,
 * and WIP buffer advice in days that rises with supplier variance and with falling health of
 * critical-path assets, held at the Rule-of-85 floor until rel-oee opens the gate. Every
 * recommendation carries its reasons in words.
 */
import { InputError } from '../core/errors';
import { isObject, num, own } from '../core/validate';
import { StateBook } from '../core/jit/state';
import { parseCalendar, localDayStart } from '../core/jit/calendar';
import { cfgNum, eventAction, eventTs, healthEvent, iso, listConfig } from '../core/jit/events';
import { dailyDemand, reorderPoint, safetyStock, wipAdvice, type Gate } from '../core/jit/buffer';
import { mean, round, sampleSd } from '../core/jit/stats';
import { defineNode } from '../shared/node';
import { status } from '../shared/status';
import { getClock } from '../shared/clock';
import { tableMessage } from '../shared/dashboard';
import { NodeWork, acquireJitStore, eventSubject } from '../shared/jit';
import type { NodeDef, NodeMessage, RedApi, SendFn } from '../shared/red';

interface BufferDef extends NodeDef {
  store?: string;
  item?: string;
  serviceZ?: number | string;
  windowDays?: number | string;
  targetDays?: number | string;
  floorDays?: number | string;
  cvThreshold?: number | string;
  criticalAssets?: string;
  healthThreshold?: number | string;
  healthDaysMax?: number | string;
  utcOffset?: number | string;
  /** One more output (the last) for stock dashboard widgets. */
  dashboard?: boolean | string;
}

interface ItemState {
  item: string;
  /** [local day start, units] */
  days: [number, number][];
  leadTimes: number[];
  lastTs: number;
}

interface SharedState {
  unhealthy: Record<string, number>;
  gate?: Gate & { at: string };
}

const ACTIONS = ['demand', 'delivery', 'health', 'oee', 'advise'] as const;
const MAX_ITEMS = 1000;
const SHARED = '__shared__';
const MARGIN = 5;

export = function (RED: RedApi) {
  defineNode<BufferDef>(RED, 'rel-buffer', (node, config) => {
    const clock = getClock(RED);
    const z = cfgNum(config.serviceZ, 'serviceZ', 1.65, { min: 0, max: 6 });
    const windowDays = cfgNum(config.windowDays, 'windowDays', 30, { min: 2, max: 365, integer: true });
    const targetDays = cfgNum(config.targetDays, 'targetDays', 1, { min: 0, max: 365 });
    const floorDays = cfgNum(config.floorDays, 'floorDays', 3, { min: 0, max: 365 });
    const cvThreshold = cfgNum(config.cvThreshold, 'cvThreshold', 0.2, { gt: 0 });
    const critical = listConfig(config.criticalAssets);
    const healthThreshold = cfgNum(config.healthThreshold, 'healthThreshold', 70, { gt: 0, max: 100 });
    const healthDaysMax = cfgNum(config.healthDaysMax, 'healthDaysMax', 2, { min: 0, max: 365 });
    const off = config.utcOffset === undefined || config.utcOffset === '' ? undefined : Number(config.utcOffset);
    const cal = parseCalendar('', '', off, 'calendar');
    const fixedItem = typeof config.item === 'string' && config.item.trim() ? config.item.trim() : undefined;
    const dashboard = config.dashboard === true || config.dashboard === 'true';
    const js = acquireJitStore(RED, config.store, 'rel-buffer');
    const items = new StateBook<ItemState>(js.store, js.scope(`buffer:${node.id}`));
    let shared: SharedState = { unhealthy: {} };
    const work = new NodeWork(node, async () => {
      await js.ready();
      shared = (await items.read<SharedState>(SHARED)) ?? { unhealthy: {} };
      const n = await items.load(MAX_ITEMS + 1, [SHARED]);
      status.idle(node, n ? `${n} items` : 'learning');
    });

    function itemState(item: string, ts: number): ItemState {
      const s = items.get(item);
      if (s) return s;
      if (items.size >= MAX_ITEMS) throw new InputError('msg.payload.item', `one of the ${MAX_ITEMS} items this node already tracks`, item);
      return { item, days: [], leadTimes: [], lastTs: ts };
    }

    function advise(s: ItemState, asOf: number) {
      const daily = dailyDemand(s.days, cal, asOf, windowDays);
      const reasons: string[] = [];
      let D: number | null = null;
      let sdD: number | null = null;
      if (daily.length >= 2) {
        D = mean(daily);
        sdD = sampleSd(daily);
      } else reasons.push(`demand: ${daily.length} of 2 completed days observed`);
      let L: number | null = null;
      let sdL: number | null = null;
      if (s.leadTimes.length >= 2) {
        L = mean(s.leadTimes);
        sdL = sampleSd(s.leadTimes);
      } else reasons.push(`lead time: ${s.leadTimes.length} of 2 deliveries observed`);
      let ss: number | null = null;
      let rop: number | null = null;
      if (D !== null && L !== null) {
        ss = safetyStock(z, D, sdD!, L, sdL!);
        rop = reorderPoint(D, L, ss);
        reasons.unshift(`safety stock ${round(ss, 1)} = ${z} x sqrt(${round(L, 2)} d x ${round(sdD!, 2)}² + ${round(D, 2)}² x ${round(sdL!, 2)}² d²); reorder at ${round(rop, 1)} = ${round(D, 2)}/day x ${round(L, 2)} d + safety stock`);
      }
      const w = wipAdvice({ targetDays, floorDays, gate: shared.gate, leadTimes: s.leadTimes, cvThreshold, z, unhealthy: shared.unhealthy, healthThreshold, healthDaysMax });
      return {
        item: s.item,
        safetyStock: ss === null ? null : round(ss, 3),
        reorderPoint: rop === null ? null : round(rop, 3),
        wipDays: w.wipDays,
        wipUnits: D === null ? null : round(w.wipDays * D, 1),
        reasons: [...reasons, ...w.reasons],
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

    type Advice = ReturnType<typeof advise>;

    /**
     * The dashboard table: one row per item this node tracks (the advice just computed for the
     * event's items, the others as of `ts`), sorted by item; reasons joined by '; '.
     */
    function table(computed: Advice[], ts: number): NodeMessage {
      const byItem = new Map<string, Advice>();
      for (const a of computed) byItem.set(a.item, a);
      for (const s of items.values()) if (!byItem.has(s.item)) byItem.set(s.item, advise(s, ts));
      const rows = [...byItem.keys()].sort().map((k) => {
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
      return tableMessage(rows, 'buffer', 2);
    }

    function show(wipDays: number): void {
      const text = `WIP ${wipDays} d${Object.keys(shared.unhealthy).length ? ' · health ↓' : ''}${shared.gate?.mayCutWip ? '' : ' · R85 hold'}`;
      if (wipDays > Math.max(targetDays, floorDays)) status.warn(node, text);
      else status.ok(node, text);
    }

    async function handle(msg: NodeMessage, send: SendFn): Promise<void> {
      // A rel-oee report wired straight in keeps its action 'report': it is the gate.
      const fromOee = own(msg, 'action') === 'report' && isObject(own(msg.payload, 'oee'));
      const action = fromOee ? 'oee' : eventAction(msg, ACTIONS, [
        { key: 'health', action: 'health' },
        { key: 'oee', action: 'oee' },
      ]);
      const payload = msg.payload;
      const ts = eventTs(payload, clock.now());
      const base = payload !== null && typeof payload === 'object' && !Array.isArray(payload) ? (payload as object) : {};
      let out: unknown;
      if (action === 'demand' || action === 'delivery' || action === 'advise') {
        const item = eventSubject(payload, 'item', fixedItem);
        const prev = itemState(item, ts);
        if (action !== 'advise') {
          if (ts < prev.lastTs) throw new InputError('msg.payload.ts', `a time at or after the last event of ${item} (${iso(prev.lastTs)})`, ts, 'events out of order');
          const s: ItemState = { ...prev, days: prev.days.map((d) => [d[0], d[1]] as [number, number]), leadTimes: [...prev.leadTimes], lastTs: ts };
          if (action === 'demand') {
            const qty = num(own(payload, 'qty'), 'msg.payload.qty', { gt: 0, max: 1e12 });
            const day = localDayStart(cal, ts);
            const last = s.days[s.days.length - 1];
            if (last && last[0] === day) last[1] += qty;
            else s.days.push([day, qty]);
            if (s.days.length > windowDays + 2) s.days.splice(0, s.days.length - windowDays - 2);
          } else {
            const lt = num(own(payload, 'leadTimeDays'), 'msg.payload.leadTimeDays', { gt: 0, max: 3650 });
            s.leadTimes.push(lt);
            if (s.leadTimes.length > 50) s.leadTimes.splice(0, s.leadTimes.length - 50);
          }
          await items.save(item, s, ts);
          out = advise(s, ts);
        } else out = advise(prev, ts);
      } else {
        const next: SharedState = { unhealthy: { ...shared.unhealthy }, gate: shared.gate };
        let note: string;
        if (action === 'health') {
          const ev = healthEvent(payload);
          if (critical.length && !critical.includes(ev.asset)) note = `${ev.asset} is not on the critical path (${critical.join(', ')}): buffers unchanged`;
          else if (ev.score < healthThreshold || ev.state === 'alarm') {
            next.unhealthy[ev.asset] = ev.score;
            note = `${ev.asset} health ${round(ev.score, 0)} below ${healthThreshold}: buffers raised`;
          } else if (ev.score >= healthThreshold + MARGIN && ev.state !== 'warning' && ev.state !== 'alarm') {
            if (next.unhealthy[ev.asset] !== undefined) note = `${ev.asset} recovered to health ${round(ev.score, 0)}: buffers lowered`;
            else note = `${ev.asset} healthy (${round(ev.score, 0)})`;
            delete next.unhealthy[ev.asset];
          } else note = `${ev.asset} health ${round(ev.score, 0)}: within the recovery margin, unchanged`;
        } else {
          const oee = own(payload, 'oee');
          const r85 = own(oee, 'rule85');
          if (!isObject(r85) || typeof own(r85, 'mayCutWip') !== 'boolean') throw new InputError('msg.payload.oee.rule85', 'the Rule of 85 result of a rel-oee report ({mayCutWip, reason})', r85);
          const reason = typeof own(r85, 'reason') === 'string' ? String(own(r85, 'reason')).slice(0, 1000) : '';
          next.gate = { mayCutWip: own(r85, 'mayCutWip') === true, reason, at: iso(ts) };
          note = next.gate.mayCutWip ? 'Rule of 85 met: WIP may go below the floor' : 'Rule of 85 not met: WIP held at the floor';
        }
        await items.write(js.store, SHARED, next, ts);
        shared = next;
        const list = [...items.values()].map((s) => advise(s, ts));
        out = fixedItem ? (list[0] ?? advise(itemState(fixedItem, ts), ts)) : list;
        msg.payload = { ...base, buffer: out, note };
        if (dashboard) send([msg, table((Array.isArray(out) ? out : [out]) as Advice[], ts)]);
        else send(msg);
        const first = Array.isArray(out) ? out[0] : out;
        if (first) show((first as { wipDays: number }).wipDays);
        return;
      }
      msg.payload = { ...base, buffer: out };
      if (dashboard) send([msg, table([out as Advice], ts)]);
      else send(msg);
      show((out as { wipDays: number }).wipDays);
    }

    return {
      input: (msg: NodeMessage, send) => work.run(() => handle(msg, send)),
      close: async () => {
        await work.idle();
        js.release();
      },
    };
  });
};
