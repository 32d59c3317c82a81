/**
 * rel-pm: preventive maintenance plans on the shared store. Calendar plans are checked on a
 * clock tick (and at start-up, so occurrences missed while Node-RED was down are caught up);
 * meter and condition plans on the readings they are sent. Due occurrences open work orders with
 * source `pm` (each occurrence exactly once). CSV import (from msg, from the node's config on
 * deploy, or from the editor through an admin endpoint) with a per-row report; CSV export safe
 * against formula injection. Optional last output (config `dashboard`): a `list` as ui-table rows
 * with when each plan is due next.
 */
import { CATCHUP, PmRepo, TRIGGERS, checkCron, weekdayToCron, type Catchup, type ImportReport, type Plan, type PlanInput } from '../core/cmms/pm';
import { WorkOrderRepo, type WorkOrder } from '../core/cmms/work-orders';
import { InputError } from '../core/errors';
import { isObject, MAX_TEXT, num, object, oneOf, optNum, optStr, own, str, time } from '../core/validate';
import { deployedAssets, findAsset } from '../shared/assets';
import { acquireCmmsStore, eventTime, actionOf, inFlight } from '../shared/cmms';
import { getClock } from '../shared/clock';
import { defineNode } from '../shared/node';
import { tableMessage } from '../shared/dashboard';
import type { NodeDef, NodeMessage, RedApi, RedNode } from '../shared/red';
import { status } from '../shared/status';

interface PmDef extends NodeDef {
  store?: string;
  catchup?: string;
  tickInterval?: number | string;
  tz?: string;
  plans?: string;
  /** One more output, the last: `list` results as ui-table rows. */
  dashboard?: boolean | string;
}

interface PmNode extends RedNode {
  importCsv?: (csv: string) => Promise<ImportReport>;
  exportCsv?: () => Promise<string>;
}

const ACTIONS = ['tick', 'plan', 'import', 'export', 'list', 'remove', 'meter', 'condition'] as const;
const MAX_VALUES = 200;

const r2 = (v: number) => Math.round(v * 100) / 100;

/**
 * When a plan is due next, as table text: the ISO time (calendar), the meter still to run
 * ("in 120 hours", meter) or the limit (condition: "when health below 60").
 */
function dueText(p: Plan): string {
  if (p.trigger === 'calendar') return p.nextDue === null ? '' : new Date(p.nextDue).toISOString();
  if (p.trigger === 'meter') {
    const every = p.every ?? 0;
    return `in ${r2(Math.max(0, p.meterBase + every * (p.occurrences + 1) - p.meterTotal))} ${p.unit}`;
  }
  return `when ${p.unit} ${p.direction ?? 'below'} ${p.every ?? ''}`;
}

/** The dashboard message of a list: one flat row per plan, topic "pm plans". */
function tableOf(plans: readonly Plan[]): NodeMessage {
  return tableMessage(
    plans.map((p) => ({
      id: p.id,
      asset: p.asset,
      task: p.task,
      trigger: p.trigger,
      every: p.unit === 'cron' ? p.cron : p.every,
      unit: p.unit,
      due: dueText(p),
      occurrences: p.occurrences,
      durationMin: p.durationMin,
      parts: p.parts.map((x) => `${x.part}:${x.qty}`).join('; '),
    })),
    'pm plans',
  );
}

/** Assets a plan may name: deployed rel-assets and the store's asset register. */
function assetKnown(pm: PmRepo): (id: string) => Promise<boolean> {
  return async (id) => !!findAsset(id) || (await pm.inRegister(id));
}

function planFromPayload(p: Record<string, unknown>, now: number): PlanInput {
  const trigger = oneOf(own(p, 'trigger'), 'msg.payload.trigger', TRIGGERS);
  const unit = str(own(p, 'unit'), 'msg.payload.unit', { maxLength: 64 });
  const base = {
    asset: str(own(p, 'asset'), 'msg.payload.asset', { maxLength: 200 }),
    task: str(own(p, 'task'), 'msg.payload.task', { maxLength: 200 }),
    trigger,
    durationMin: optNum(own(p, 'durationMin'), 'msg.payload.durationMin', { min: 0, max: 1e6 }),
    catchup: own(p, 'catchup') === undefined ? undefined : oneOf(own(p, 'catchup'), 'msg.payload.catchup', CATCHUP),
    parts: undefined as { part: string; qty: number }[] | undefined,
  };
  const parts = own(p, 'parts');
  if (parts !== undefined) {
    if (!Array.isArray(parts) || parts.length > 100) throw new InputError('msg.payload.parts', 'an array of at most 100 {part, qty}', parts);
    base.parts = parts.map((x, i) => ({ part: str(own(x, 'part'), `msg.payload.parts[${i}].part`, { maxLength: 200 }), qty: num(own(x, 'qty'), `msg.payload.parts[${i}].qty`, { gt: 0, max: 1e9 }) }));
  }
  const ld = own(p, 'lastDone');
  if (trigger === 'calendar') {
    const u = oneOf(unit, 'msg.payload.unit', ['days', 'weeks', 'cron', 'weekday'] as const);
    const lastDone = ld === undefined || ld === null ? now : time(ld, 'msg.payload.lastDone');
    if (u === 'cron') return { ...base, unit: 'cron', cron: checkCron(str(own(p, 'cron'), 'msg.payload.cron', { maxLength: 100 }), 'msg.payload.cron'), lastDone };
    if (u === 'weekday') {
      const at = str(own(p, 'at'), 'msg.payload.at', { maxLength: 30 });
      const cron = weekdayToCron(at);
      if (!cron) throw new InputError('msg.payload.at', 'a weekday and time such as "Mon 06:00"', at);
      return { ...base, unit: 'cron', cron, lastDone };
    }
    return { ...base, unit: u, every: num(own(p, 'every'), 'msg.payload.every', { gt: 0, max: 36500 }), lastDone };
  }
  if (trigger === 'meter') {
    const u = oneOf(unit, 'msg.payload.unit', ['hours', 'cycles'] as const);
    return { ...base, unit: u, every: num(own(p, 'every'), 'msg.payload.every', { gt: 0, max: 1e12 }), lastDone: optNum(ld, 'msg.payload.lastDone', { min: 0, max: 1e15 }) };
  }
  if (!/^[A-Za-z][\w.-]{0,63}$/.test(unit)) throw new InputError('msg.payload.unit', 'the feature a condition plan watches (health, velocityRms ...)', unit);
  const dir = own(p, 'direction');
  return { ...base, unit, every: num(own(p, 'every'), 'msg.payload.every', { min: -1e12, max: 1e12 }), direction: dir === undefined ? undefined : oneOf(dir, 'msg.payload.direction', ['below', 'above'] as const) };
}

/** Feature values in a rel-health / rel-vibration message, or {feature, value}. */
function conditionValues(p: Record<string, unknown>): Record<string, number> {
  const out: Record<string, number> = Object.create(null);
  const health = own(p, 'health');
  if (health !== undefined) {
    const hs = own(object(health, 'msg.payload.health'), 'score');
    if (hs !== undefined && hs !== null) out.health = num(hs, 'msg.payload.health.score', { min: 0, max: 100 });
  }
  const features = own(p, 'features');
  if (features !== undefined) {
    const f = object(features, 'msg.payload.features');
    const keys = Object.keys(f);
    if (keys.length > MAX_VALUES) throw new InputError('msg.payload.features', `at most ${MAX_VALUES} features`, f);
    for (const k of keys) {
      const v = own(f, k);
      if (typeof v === 'number' && Number.isFinite(v)) out[k] = v;
    }
  }
  if (own(p, 'feature') !== undefined) out[str(own(p, 'feature'), 'msg.payload.feature', { maxLength: 64 })] = num(own(p, 'value'), 'msg.payload.value');
  if (!Object.keys(out).length) throw new InputError('msg.payload', 'a rel-health msg (health.score), features, or {feature, value}', p);
  return out;
}

export = function (RED: RedApi) {
  defineNode<PmDef, PmNode>(RED, 'rel-pm', (node, config) => {
    const clock = getClock(RED);
    const dash = config.dashboard === true || config.dashboard === 'true';
    const { handle: h, db, ready, settled } = acquireCmmsStore(RED, config.store, 'rel-pm');
    const pm = new PmRepo(db);
    const wo = new WorkOrderRepo(db);
    const catchup: Catchup = config.catchup === 'one' ? 'one' : 'each';
    const tz = typeof config.tz === 'string' && config.tz.trim() ? config.tz.trim() : 'UTC';
    const known = assetKnown(pm);
    const ctx = {
      wo,
      tz,
      // A deployed rel-asset; else PmRepo reads the store's asset register in the transaction.
      facts: (asset: string) => {
        const a = findAsset(asset);
        return a ? { asset, line: a.line, criticality: a.criticality } : undefined;
      },
    };
    let closed = false;
    const announce = (opened: WorkOrder[]) => opened.map((w) => ({ topic: 'work-order/new', event: 'new', payload: w }) as NodeMessage);
    const showStatus = async () => {
      const plans = await pm.countActive();
      const open = await wo.countOpenPm();
      if (!closed) status.ok(node, `${plans} plans, ${open} PM open`);
    };
    // Ticks, imports and messages run one after the other, in the order they came (a tick's
    // catch-up is done before the next message sees the plans); close waits for them.
    const work = inFlight();
    let chain: Promise<unknown> = Promise.resolve();
    const serial = <T>(fn: () => Promise<T>): Promise<T> =>
      work.run(() => {
        const p = chain.then(async () => {
          await ready();
          return fn();
        });
        chain = p.catch(() => undefined);
        return p;
      });
    node.importCsv = (csv) =>
      serial(async () => {
        const r = await pm.importCsv(csv, known, clock.now(), catchup);
        await showStatus();
        return r;
      });
    node.exportCsv = () => serial(() => pm.exportCsv(tz));

    // Plans kept in the node's config are imported on deploy (their progress is kept).
    if (typeof config.plans === 'string' && config.plans.trim()) {
      const plans = config.plans;
      serial(async () => {
        const r = await pm.importCsv(plans, async (id) => (await known(id)) || deployedAssets().some((a) => a.assetId === id), clock.now(), catchup);
        for (const bad of r.rejected) node.warn(`PM plans row ${bad.row} (${bad.asset} / ${bad.task}): ${bad.reason}`);
      }).catch((e) => node.error(e instanceof Error ? e.message : String(e)));
    }
    // Catch up on what came due while Node-RED was down, then keep ticking.
    const tickAt = (now: number) =>
      serial(async () => {
        if (closed) return;
        const opened = await pm.tick(now, ctx);
        if (opened.length && !closed) node.send([null, announce(opened)] as never);
        await showStatus();
      }).catch((e) => {
        if (!closed) node.error(e instanceof Error ? e.message : String(e));
      });
    tickAt(clock.now());
    const sec = Number(config.tickInterval);
    const timer = clock.setInterval(() => tickAt(clock.now()), (Number.isFinite(sec) && sec >= 1 ? sec : 60) * 1000);

    return {
      input: (msg, send) =>
        serial(async () => {
          const p0 = msg.payload;
          const fallback = isObject(p0) && (own(p0, 'health') !== undefined || own(p0, 'features') !== undefined) ? 'condition' : undefined;
          const action = actionOf(msg, ACTIONS, fallback);
          if (action === 'import') {
            const csv = typeof p0 === 'string' ? p0 : own(p0, 'csv');
            if (typeof csv !== 'string') throw new InputError('msg.payload', 'CSV text (or {csv})', p0);
            if (csv.length > MAX_TEXT) throw new InputError('msg.payload', `CSV of at most ${MAX_TEXT} characters`, csv);
            msg.payload = await pm.importCsv(csv, known, clock.now(), catchup, typeof p0 === 'string' ? 'msg.payload' : 'msg.payload.csv');
            send([msg, null]);
            await showStatus();
            return;
          }
          if (action === 'export') {
            msg.payload = await pm.exportCsv(tz);
            send([msg, null]);
            return;
          }
          const p = (action === 'tick' || action === 'list') && (p0 === undefined || p0 === null || p0 === '' || typeof p0 === 'number') ? {} : object(p0, 'msg.payload');
          const ts = eventTime(p, 'ts', () => clock.now());
          let opened: WorkOrder[] = [];
          let table: NodeMessage | null = null;
          let lateNote: string | undefined;
          switch (action) {
            case 'tick':
              opened = await pm.tick(ts, ctx);
              msg.payload = { ts, opened };
              break;
            case 'plan': {
              const input = planFromPayload(p, ts);
              if (!(await known(input.asset))) throw new InputError('msg.payload.asset', 'a deployed rel-asset or one in the store asset register', input.asset);
              msg.payload = (await pm.upsert(input, ts, catchup)).plan;
              break;
            }
            case 'list': {
              const plans = await pm.list(optStr(own(p, 'asset'), 'msg.payload.asset', { maxLength: 200 }), tz);
              msg.payload = plans;
              if (dash) table = tableOf(plans);
              break;
            }
            case 'remove':
              await pm.remove(num(own(p, 'id'), 'msg.payload.id', { min: 1, integer: true, max: Number.MAX_SAFE_INTEGER }));
              msg.payload = { removed: own(p, 'id') };
              break;
            case 'meter': {
              const asset = str(own(p, 'asset'), 'msg.payload.asset', { maxLength: 200 });
              const unit = oneOf(own(p, 'unit') ?? 'hours', 'msg.payload.unit', ['hours', 'cycles'] as const);
              const value = num(own(p, 'value'), 'msg.payload.value', { min: 0, max: 1e15 });
              const r = await pm.meterReading(asset, unit, value, ts, ctx);
              opened = r.opened;
              // A late or repeated reading is not an error: it is reported and changes nothing.
              msg.payload = { ...p, ts, opened, ignored: r.ignored };
              if (r.ignored.length) lateNote = `late ${unit} reading ignored`;
              break;
            }
            case 'condition': {
              const asset = str(own(p, 'asset'), 'msg.payload.asset', { maxLength: 200 });
              opened = await pm.condition(asset, conditionValues(p), ts, ctx);
              msg.pm = { opened };
              break;
            }
          }
          const announced = opened.length ? announce(opened) : null;
          send((table ? [msg, announced, table] : [msg, announced]) as never);
          if (lateNote) status.warn(node, lateNote);
          else await showStatus();
        }),
      close: async () => {
        clock.clearInterval(timer);
        delete node.importCsv;
        delete node.exportCsv;
        try {
          // What was queued before the close (ticks that came due, messages) still runs.
          await work.idle();
          await settled;
        } finally {
          closed = true;
          h.release();
        }
      },
    };
  });

  // Editor: import a spreadsheet into a deployed node, export its plans.
  RED.httpAdmin.post('/rel-pm/:id/import', RED.auth.needsPermission('rel-pm.write'), async (req: any, res: any) => {
    const n = RED.nodes.getNode(String(req.params.id)) as PmNode | null;
    if (!n || !n.importCsv) return res.status(404).json({ error: 'rel-pm node not deployed: deploy it first, then import' });
    const csv = typeof req.body?.csv === 'string' ? req.body.csv : undefined;
    if (csv === undefined) return res.status(400).json({ error: 'body: expected {"csv": "..."}' });
    try {
      res.json(await n.importCsv(csv));
    } catch (e) {
      res.status(400).json({ error: e instanceof Error ? e.message : String(e) });
    }
  });
  RED.httpAdmin.get('/rel-pm/:id/export', RED.auth.needsPermission('rel-pm.read'), (req: any, res: any) => {
    const n = RED.nodes.getNode(String(req.params.id)) as PmNode | null;
    if (!n || !n.exportCsv) return res.status(404).json({ error: 'rel-pm node not deployed' });
    n.exportCsv().then(
      (csv) => {
        res.set('Content-Type', 'text/csv; charset=utf-8');
        res.set('Content-Disposition', 'attachment; filename="pm-plans.csv"');
        res.send(csv);
      },
      (e) => res.status(500).json({ error: e instanceof Error ? e.message : String(e) }),
    );
  });
};
