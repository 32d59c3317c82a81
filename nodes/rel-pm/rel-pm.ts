/**
 * rel-pm: preventive maintenance plans on the shared store. Calendar plans are checked on a
 * clock tick (and at start-up, so occurrences missed while Node-RED was down are caught up);
 * meter and condition plans on the readings they are sent. Due occurrences open work orders with
 * source `pm` (each occurrence exactly once), with the plan's checklist. CSV import (from msg,
 * from the node's config on deploy, or from the editor through an admin endpoint, see admin.ts)
 * with a per-row report; CSV export safe against formula injection. Optional last output (config
 * `dashboard`): a `list` as ui-table rows with when each plan is due next. The messages' logic is
 * in nodes/core/cmms/pm-msg.ts.
 */
import { PmRepo } from '../core/cmms/pm';
import { PM_ACTIONS, planRows, pmAction, pmSettings } from '../core/cmms/pm-msg';
import { WorkOrderRepo, type WorkOrder } from '../core/cmms/work-orders';
import { isObject, own } from '../core/validate';
import { deployedAssets, findAsset } from '../shared/assets';
import { authorize } from '../shared/actor';
import { acquireCmmsStore, eventTime, actionOf, inFlight, offlineError, unavailable } from '../shared/cmms';
import { getClock } from '../shared/clock';
import { defineNode } from '../shared/node';
import { tableMessage } from '../shared/dashboard';
import type { NodeDef, NodeMessage, RedApi } from '../shared/red';
import { shortError, status } from '../shared/status';
import { pmAdminRoutes, type PmNode } from './admin';

interface PmDef extends NodeDef {
  store?: string;
  catchup?: string;
  tickInterval?: number | string;
  tz?: string;
  plans?: string;
  /** One more output, the last: `list` results as ui-table rows. */
  dashboard?: boolean | string;
}

export = function (RED: RedApi) {
  defineNode<PmDef, PmNode>(RED, 'rel-pm', (node, config) => {
    const clock = getClock(RED);
    const dash = config.dashboard === true || config.dashboard === 'true';
    const { catchup, tz, tickMs } = pmSettings(config);
    const { handle: h, db, ready, settled } = acquireCmmsStore(RED, config.store, 'rel-pm');
    const pm = new PmRepo(db);
    const wo = new WorkOrderRepo(db);
    // Assets a plan may name: deployed rel-assets and the store's asset register.
    const known = async (id: string) => !!findAsset(id) || (await pm.inRegister(id));
    // facts: a deployed rel-asset; else PmRepo reads the store's asset register in the transaction
    const facts = (asset: string, a = findAsset(asset)) => (a ? { asset, line: a.line, criticality: a.criticality } : undefined);
    const ctx = { wo, tz, facts };
    let closed = false;
    let failed = false; // the last check failed: the red dot stays until one succeeds
    const announce = (opened: WorkOrder[]) => opened.map((w) => ({ topic: 'work-order/new', event: 'new', payload: w }) as NodeMessage);
    const showStatus = async () => {
      const plans = await pm.countActive();
      const open = await wo.countOpenPm();
      if (!closed && !failed) status.ok(node, `${plans} plans, ${open} PM open`);
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
    // Catch up on what came due while Node-RED was down, then keep ticking. While the plant
    // database is away a tick changes nothing: the next one after it is back opens every
    // occurrence that came due meanwhile (derived from each plan's progress), each once.
    const OFFLINE = 'PM plans are checked when it is back';
    let away = false;
    const tickAt = (now: number) =>
      serial(async () => {
        if (closed) return;
        const opened = await pm.tick(now, ctx);
        if (away && !closed) node.log('plant database back: PM plans checked');
        away = failed = false;
        if (opened.length && !closed) node.send([null, announce(opened)] as never);
        await showStatus();
      }).catch((e) => {
        if (closed) return;
        if (!unavailable(e)) {
          failed = true;
          status.error(node, `PM check failed: ${shortError(e)}`);
          return node.error(e instanceof Error ? e.message : String(e));
        }
        status.offline(node, 0);
        if (!away) node.warn(String((offlineError(e, OFFLINE) as Error).message)); // once per outage
        away = true;
      });
    tickAt(clock.now());
    const timer = clock.setInterval(() => tickAt(clock.now()), tickMs);

    return {
      input: (msg, send) =>
        serial(async () => {
          const p0 = msg.payload;
          const fallback = isObject(p0) && (own(p0, 'health') !== undefined || own(p0, 'features') !== undefined) ? 'condition' : undefined;
          const action = actionOf(msg, PM_ACTIONS, fallback);
          authorize(msg, 'rel-pm', action);
          const r = await pmAction(pm, ctx, action, p0, { now: () => clock.now(), eventTime: (p) => eventTime(p, 'ts', () => clock.now()), known, catchup, tz });
          if (r.pm) msg.pm = r.pm;
          else msg.payload = r.payload;
          const table = dash && r.plans ? tableMessage(planRows(r.plans), 'pm plans') : null;
          const announced = r.opened.length ? announce(r.opened) : null;
          send((table ? [msg, announced, table] : [msg, announced]) as never);
          if (r.lateNote && !failed) status.warn(node, r.lateNote);
          else await showStatus();
        }).catch((e) => {
          throw offlineError(e, `${OFFLINE}; nothing was changed`);
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

  pmAdminRoutes(RED);
};
