/**
 * rel-andon: raise, acknowledge and resolve Andon calls; unacknowledged calls escalate by time on
 * the second output (driven by the clock's timers, so a test or a replay controls time); an
 * optional line-stop signal on the third; the board for dashboards; every call persisted with its
 * timestamps, response-time statistics, and open calls carry on escalating after a restart. A raise
 * with `msg.payload.key` (a work order's follow-up) is applied once: a second one changes nothing.
 */
import { actor, authorize } from '../shared/actor';
import { own } from '../core/validate';
import { eventAction, eventTs } from '../core/jit/events';
import { AndonBoard } from '../core/jit/andon-board';
import { ANDON_ACTIONS, ANDON_MAX_OPEN, AndonEscalator, andonConfig, andonEvent, boardStatus, openBoard, resultPayload, stepMessages } from '../core/jit/andon-control';
import type { AndonStep } from '../core/jit/andon';
import { defineNode } from '../shared/node';
import { shortError, status } from '../shared/status';
import { getClock } from '../shared/clock';
import { guardWrites } from '../shared/store-writes';
import { tableMessage } from '../shared/dashboard';
import { NodeWork, acquireJitStore } from '../shared/jit';
import { findAsset } from '../shared/assets';
import type { NodeDef, NodeMessage, RedApi, SendFn } from '../shared/red';

interface AndonDef extends NodeDef {
  store?: string;
  levels?: string;
  stations?: string;
  lineStopKinds?: string;
  lineStopLevel?: number | string;
  statsDays?: number | string;
  /** One more output (the last) for stock dashboard widgets. */
  dashboard?: boolean | string;
  /** Language of the texts the node writes (health calls, line reasons, escalations): en (default) or de. */
  language?: string;
}

export = function (RED: RedApi) {
  defineNode<AndonDef>(RED, 'rel-andon', (node, config) => {
    const clock = getClock(RED);
    const cfg = andonConfig(config);
    const js = acquireJitStore(RED, config.store, 'rel-andon');
    // texts name a station by its asset's name when it is a known asset
    const texts = { lang: cfg.lang, nameOf: (station: string) => findAsset(station)?.name };
    const board = new AndonBoard(js.store, js.scope(`andon:${node.id}`), { levels: cfg.levels, stopKinds: cfg.stopKinds, stopLevel: cfg.stopLevel, maxOpen: ANDON_MAX_OPEN, ...texts });

    function show(): void {
      const [level, text] = boardStatus(board);
      status[level](node, text);
    }

    /** The outputs of a step: [msg, escalations, line changes, (board table)]. */
    function outputs(msg: NodeMessage | null, step: AndonStep, at: number, now: number, andon: Record<string, unknown>[]): (NodeMessage | NodeMessage[] | null)[] {
      const [esc, line] = stepMessages(step, at, now, cfg.levels, texts);
      const out: (NodeMessage | NodeMessage[] | null)[] = [msg, esc.length ? esc : null, line.length ? line : null];
      if (cfg.dashboard) out.push(tableMessage(andon, 'andon', 0));
      return out;
    }

    const escalator = new AndonEscalator(board, clock, {
      emit: (step, at) => node.send(outputs(null, step, at, at, openBoard(board.calls(), at))),
      after: show,
      detach: (fn) => work.detach(fn),
    });

    // Open calls carry on from their stored level; a level that fell due while the box was down fires once, now.
    const work = new NodeWork(node, async () => {
      await js.ready();
      await board.load(clock.now());
      show();
      await escalator.start((e) => {
        status.error(node, shortError(e));
        node.error(e instanceof Error ? e.message : String(e));
      });
    });

    async function handle(msg: NodeMessage, send: SendFn, now: number): Promise<void> {
      const action = eventAction(msg, ANDON_ACTIONS, [{ key: 'health', action: 'health' }]);
      authorize(msg, 'rel-andon', action);
      const payload = msg.payload;
      const ts = eventTs(payload, now);
      const base = payload !== null && typeof payload === 'object' && !Array.isArray(payload) ? (payload as object) : {};
      const ev = andonEvent(action, payload, ts, cfg.stations, () => actor(msg, own(payload, 'by')));
      const stats = action === 'stats' ? { days: cfg.statsDays, ...(await board.stats(now - cfg.statsDays * 86_400_000)) } : undefined;
      // The event and anything due (a replayed raise with a past ts, a tick, a late timer), in one step.
      const at = Math.max(now, action === 'tick' ? ts : now);
      const step = await board.apply(ev, at);
      const andon = openBoard(board.calls(), now);
      msg.payload = resultPayload(base, step, now, stats, andon);
      send(outputs(msg, step, at, now, andon));
      show();
      escalator.schedule();
    }

    return guardWrites(node, clock, 'rel-andon', {
      // "now" is when the message arrived, not when its turn in the queue came
      input: (msg: NodeMessage, send) => {
        const arrived = clock.now();
        return work.run(() => handle(msg, send, arrived));
      },
      close: async () => {
        escalator.close();
        await work.idle();
        js.release();
      },
    });
  });
};
