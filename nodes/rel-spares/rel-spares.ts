/**
 * rel-spares: spare parts stock on the shared store. Actions define / receive / issue / reserve /
 * release / adjust / get / list. Reorder point and safety stock from demand and supplier
 * lead-time variability; a pull signal on output 2 when the available stock falls to the reorder
 * point (once per crossing, also when a work order's completion issued the parts), naming the
 * quantity to order. Optional last output (config `dashboard`): a `list` as ui-table rows.
 */
import { actor, authorize } from '../shared/actor';
import { SparesRepo, type PartStock, type PullSignal } from '../core/cmms/spares';
import { InputError } from '../core/errors';
import { num, object, optNum, optStr, own, str, time } from '../core/validate';
import { acquireCmmsStore, eventTime, actionOf, inFlight, unavailable, applyMove, moveWrite, notApplied, paintStatus, CMMS_EVENTS, MOVE_ACTIONS, type MoveEvent } from '../shared/cmms';
import { getClock, systemClock } from '../shared/clock';
import { defineNode } from '../shared/node';
import { tableMessage } from '../shared/dashboard';
import type { NodeDef, NodeMessage, RedApi } from '../shared/red';
import { status, throttledStatus } from '../shared/status';

interface SparesDef extends NodeDef {
  store?: string;
  demandWindowDays?: number | string;
  checkInterval?: number | string;
  /** One more output, the last: `list` results as ui-table rows. */
  dashboard?: boolean | string;
}

/** The columns a stock table shows (demandSd, leadSdDays, z, demandEstimated stay on output 1). */
const TABLE_COLUMNS = ['part', 'name', 'onHand', 'reserved', 'available', 'safetyStock', 'reorderPoint', 'belowReorderPoint', 'orderQuantity', 'demandPerDay', 'leadMeanDays', 'unitCost', 'value'] as const;

/** The dashboard message of a list: one flat row per part (numbers to 2 decimals), topic "spares". */
function tableOf(parts: readonly PartStock[]): NodeMessage {
  return tableMessage(
    parts.map((x) => Object.fromEntries(TABLE_COLUMNS.map((k) => [k, x[k]]))),
    'spares',
    2,
  );
}

/** Status repaint interval after moves (wall time: it paces the editor, not the plant). */
const STATUS_MS = 500;

const ACTIONS = ['define', 'receive', 'issue', 'reserve', 'release', 'adjust', 'get', 'list'] as const;
const QTY = { gt: 0, max: 1e9 };

export = function (RED: RedApi) {
  defineNode<SparesDef>(RED, 'rel-spares', (node, config) => {
    const clock = getClock(RED);
    const dash = config.dashboard === true || config.dashboard === 'true';
    const { handle: h, db, ready, settled, writes } = acquireCmmsStore(RED, config.store, 'rel-spares');
    const win = Number(config.demandWindowDays);
    const window = Number.isFinite(win) && win >= 1 && win <= 3650 ? Math.round(win) : 90;
    const repo = new SparesRepo(db, window);
    let closed = false;
    // While the plant database is away: "plant database offline · 12 queued" (shared/cmms.ts).
    const showStatus = async () =>
      paintStatus(node, writes, async () => {
        await ready();
        const parts = await repo.list(clock.now());
        if (closed) return;
        const below = parts.filter((p) => p.belowReorderPoint).length;
        if (below) status.warn(node, `${parts.length} parts, ${below} to order`);
        else status.ok(node, `${parts.length} parts`);
      }, () => closed);
    // After a message: at most once per STATUS_MS (the first at once, later ones folded into one trailing paint).
    const shown = throttledStatus(systemClock, STATUS_MS);
    const statusAfterMessage = () => shown.show('parts', () => void showStatus());
    const unwatch = writes.onPending(() => void showStatus());
    const fail = (e: unknown) => {
      if (!closed) node.error(e instanceof Error ? e.message : String(e));
    };
    // The periodic checks, one after the other (a slow one is not overtaken by the next).
    let checks: Promise<void> = Promise.resolve();
    const work = inFlight();
    const signalMsgs = (signals: PullSignal[]): NodeMessage[] => signals.map((s) => ({ topic: `spares/pull/${s.part}`, payload: s }));
    // Crossings caused elsewhere (a work order's completion) or by the reorder point moving (demand
    // estimated from issues) are announced on the next check: every part is re-evaluated, each
    // crossing is signalled once.
    const sec = Number(config.checkInterval);
    const timer = clock.setInterval(() => {
      const now = clock.now();
      checks = checks.then(async () => {
        try {
          await ready();
          if (closed) return;
          await repo.recheck(now);
          const sig = await repo.drainSignals(now);
          if (sig.length && !closed) {
            node.send([null, signalMsgs(sig)] as never);
            await showStatus();
          }
        } catch (e) {
          // While the plant database is away the status says so; the next check catches up.
          if (unavailable(e)) void showStatus();
          else fail(e);
        }
      });
    }, (Number.isFinite(sec) && sec >= 1 ? sec : 60) * 1000);
    void showStatus();

    return {
      input: (msg, send) =>
        work.run(async () => {
          const action = actionOf(msg, ACTIONS);
          // Stock moves also go on while the plant database is away (queued).
          const move = (MOVE_ACTIONS as readonly string[]).includes(action);
          if (!move) await ready();
          authorize(msg, 'rel-spares', action);
          const p = action === 'list' && (msg.payload === undefined || msg.payload === null || msg.payload === '') ? {} : object(msg.payload, 'msg.payload');
          const ts = eventTime(p, 'ts', () => clock.now());
          if (action === 'list') {
            const below = own(p, 'below');
            if (below !== undefined && typeof below !== 'boolean') throw new InputError('msg.payload.below', 'true or false', below);
            const parts = await repo.list(ts, { belowOnly: below === true });
            msg.payload = parts;
            send((dash ? [msg, null, tableOf(parts)] : [msg, null]) as never);
            return;
          }
          const part = str(own(p, 'part'), 'msg.payload.part', { maxLength: 200 });
          const woRaw = own(p, 'wo');
          const wo = woRaw === undefined || woRaw === null ? undefined : num(woRaw, 'msg.payload.wo', { min: 1, integer: true, max: Number.MAX_SAFE_INTEGER });
          const by = optStr(actor(msg, own(p, 'by')), 'msg.payload.by', { maxLength: 200 });
          const note = optStr(own(p, 'note'), 'msg.payload.note', { maxLength: 4000 });
          let result;
          switch (action) {
            case 'define':
              result = await repo.define(
                {
                  part,
                  name: optStr(own(p, 'name'), 'msg.payload.name', { maxLength: 200 }),
                  unitCost: optNum(own(p, 'unitCost'), 'msg.payload.unitCost', { min: 0, max: 1e9 }),
                  leadMeanDays: optNum(own(p, 'leadMeanDays'), 'msg.payload.leadMeanDays', { min: 0, max: 3650 }),
                  leadSdDays: optNum(own(p, 'leadSdDays'), 'msg.payload.leadSdDays', { min: 0, max: 3650 }),
                  demandPerDay: optNum(own(p, 'demandPerDay'), 'msg.payload.demandPerDay', { min: 0, max: 1e9 }),
                  demandSd: optNum(own(p, 'demandSd'), 'msg.payload.demandSd', { min: 0, max: 1e9 }),
                  z: optNum(own(p, 'z'), 'msg.payload.z', { min: 0, max: 10 }),
                  lotSize: optNum(own(p, 'lotSize'), 'msg.payload.lotSize', { gt: 0, max: 1e9 }),
                },
                ts,
              );
              break;
            case 'get':
              result = await repo.get(part, ts);
              break;
            default: {
              const ev: MoveEvent =
                action === 'adjust'
                  ? { action, move: { part, count: num(own(p, 'count'), 'msg.payload.count', { min: 0, max: 1e12 }), wo, by, note: str(own(p, 'note'), 'msg.payload.note', { maxLength: 4000 }), ts }, window }
                  : { action: action as Exclude<MoveEvent['action'], 'adjust'>, move: { part, qty: num(own(p, 'qty'), 'msg.payload.qty', QTY), wo, by, note, ts }, window };
              const w = await writes.write(msg, CMMS_EVENTS.move, ev, (fn) => db.tx(fn), (q) => applyMove(repo, ev, q), moveWrite(repo, ev));
              if (!w.applied) {
                send([notApplied(msg, w), null] as never);
                statusAfterMessage();
                return;
              }
              result = w.value;
            }
          }
          msg.payload = result;
          const sig = await repo.drainSignals(ts);
          send([msg, sig.length ? signalMsgs(sig) : null] as never);
          statusAfterMessage();
        }),
      close: async () => {
        clock.clearInterval(timer);
        unwatch();
        shown.close();
        try {
          // Checks that came due and messages received before the close still run.
          await checks;
          await work.idle();
          await settled;
        } finally {
          closed = true;
          h.release();
        }
      },
    };
  });
};
