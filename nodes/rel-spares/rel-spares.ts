/**
 * rel-spares: spare parts stock on the shared store. Actions define / receive / issue / reserve /
 * release / adjust / get / list. Reorder point and safety stock from demand and supplier
 * lead-time variability; a pull signal on output 2 when the available stock falls to the reorder
 * point (once per crossing, also when a work order's completion issued the parts), naming the
 * quantity to order. Optional last output (config `dashboard`): a `list` as ui-table rows.
 */
import { actor, authorize } from '../shared/actor';
import { SparesRepo, type PartStock, type PullSignal } from '../core/cmms/spares';
import { SPARES_ACTIONS, belowOnly, partDefinition, partRequest, spareRows, sparesSettings, stockMove } from '../core/cmms/spares-input';
import { SparesWatch } from '../core/cmms/spares-watch';
import { object, own } from '../core/validate';
import { acquireCmmsStore, eventTime, actionOf, inFlight, unavailable, applyMove, moveWrite, notApplied, CMMS_EVENTS, MOVE_ACTIONS, type MoveAction, type MoveEvent } from '../shared/cmms';
import { CmmsStatus } from '../shared/cmms-status';
import { getClock } from '../shared/clock';
import { defineNode } from '../shared/node';
import { tableMessage } from '../shared/dashboard';
import type { NodeDef, NodeMessage, RedApi, SendFn } from '../shared/red';
import { shortError, status } from '../shared/status';

interface SparesDef extends NodeDef {
  store?: string;
  demandWindowDays?: number | string;
  checkInterval?: number | string;
  /** One more output, the last: `list` results as ui-table rows. */
  dashboard?: boolean | string;
}

const signalMsgs = (signals: PullSignal[]): NodeMessage[] => signals.map((s) => ({ topic: `spares/pull/${s.part}`, payload: s }));

export = function (RED: RedApi) {
  defineNode<SparesDef>(RED, 'rel-spares', (node, config) => {
    const clock = getClock(RED);
    const { windowDays: window, checkMs, dashboard: dash } = sparesSettings(config);
    const { handle: h, db, ready, settled, writes } = acquireCmmsStore(RED, config.store, 'rel-spares');
    const repo = new SparesRepo(db, window);
    // A periodic check that failed (not the plant database away): red until a check succeeds.
    let checkFailed: string | undefined;
    // Parts and parts to order; while the plant database is away: "plant database offline · 12 queued".
    const shown: CmmsStatus = new CmmsStatus(node, writes, async () => {
      if (checkFailed !== undefined) return void status.error(node, `check failed: ${checkFailed}`);
      await ready();
      const parts = await repo.list(clock.now());
      if (shown.closed) return;
      const below = parts.filter((p) => p.belowReorderPoint).length;
      if (below) status.warn(node, `${parts.length} parts, ${below} to order`);
      else status.ok(node, `${parts.length} parts`);
    });
    const work = inFlight();
    const watch = new SparesWatch(repo, {
      ready,
      closed: () => shown.closed,
      signals: (sig) => {
        node.send([null, signalMsgs(sig)] as never);
        shown.paint();
      },
      // While the plant database is away the status says so; the next check catches up.
      failed: (e) => {
        if (!unavailable(e) && !shown.closed) {
          checkFailed = shortError(e);
          node.error(`stock check failed: ${e instanceof Error ? e.message : String(e)}`);
        }
        shown.paint();
      },
      ok: () => {
        if (checkFailed === undefined) return;
        checkFailed = undefined;
        shown.paint();
      },
    });
    const timer = clock.setInterval(() => void watch.check(clock.now()), checkMs);
    shown.paint();

    /** The answer to one message: the part (or the list), and pull signals its move caused. */
    async function handle(msg: NodeMessage, send: SendFn): Promise<void> {
      const action = actionOf(msg, SPARES_ACTIONS);
      // Stock moves also go on while the plant database is away (queued).
      const move = (MOVE_ACTIONS as readonly string[]).includes(action);
      if (!move) await ready();
      authorize(msg, 'rel-spares', action);
      const p = action === 'list' && (msg.payload === undefined || msg.payload === null || msg.payload === '') ? {} : object(msg.payload, 'msg.payload');
      const ts = eventTime(p, 'ts', () => clock.now());
      if (action === 'list') {
        const parts = await repo.list(ts, { belowOnly: belowOnly(p) });
        msg.payload = parts;
        send((dash ? [msg, null, tableMessage(spareRows(parts), 'spares', 2)] : [msg, null]) as never);
        return;
      }
      const r = partRequest(p, actor(msg, own(p, 'by')));
      let result: PartStock;
      if (action === 'define') result = await repo.define(partDefinition(p, r.part), ts);
      else if (action === 'get') result = await repo.get(r.part, ts);
      else {
        const ev: MoveEvent = { ...stockMove(action as MoveAction, p, r, ts), window };
        const w = await writes.write(msg, CMMS_EVENTS.move, ev, repo, (q) => applyMove(repo, ev, q), moveWrite(repo, ev));
        if (!w.applied) {
          send([notApplied(msg, w), null] as never);
          return shown.soon();
        }
        result = w.value;
      }
      msg.payload = result;
      const sig = await repo.drainSignals(ts);
      send([msg, sig.length ? signalMsgs(sig) : null] as never);
      shown.soon();
    }

    return {
      input: (msg, send) => work.run(() => handle(msg, send)),
      close: async () => {
        clock.clearInterval(timer);
        shown.stop();
        try {
          // Checks that came due and messages received before the close still run.
          await watch.idle();
          await work.idle();
          await settled;
        } finally {
          shown.close();
          h.release();
        }
      },
    };
  });
};
