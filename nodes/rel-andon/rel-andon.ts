/**
 * rel-andon: raise, acknowledge and resolve Andon calls; unacknowledged calls escalate by time on
 * the second output (driven by the clock's timers, so a test or a replay controls time); an
 * optional line-stop signal on the third; the board for dashboards; every call persisted with its
 * timestamps, response-time statistics, and open calls carry on escalating after a restart.
 */
import { actor, authorize } from '../shared/actor';
import { InputError } from '../core/errors';
import { num, oneOf, optStr, own, str } from '../core/validate';
import { cfgNum, eventAction, eventTs, healthEvent, iso, listConfig } from '../core/jit/events';
import { ANDON_KINDS, boardEntry, lineReason, parseLevels, type AndonEvent, type AndonStep, type LineChange } from '../core/jit/andon';
import { AndonBoard } from '../core/jit/andon-board';
import { defineNode } from '../shared/node';
import { shortError, status } from '../shared/status';
import { getClock } from '../shared/clock';
import { guardWrites } from '../shared/store-writes';
import { tableMessage } from '../shared/dashboard';
import { NodeWork, acquireJitStore } from '../shared/jit';
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
}

const ACTIONS = ['raise', 'ack', 'resolve', 'board', 'stats', 'tick', 'health'] as const;
const MAX_OPEN = 10_000;
/** After a timer's escalation failed (the store unreachable), try again this much later. */
const RETRY_MS = 10_000;

export = function (RED: RedApi) {
  defineNode<AndonDef>(RED, 'rel-andon', (node, config) => {
    const clock = getClock(RED);
    const levels = parseLevels(config.levels ?? '2, 5, 10', 'levels');
    const stations = listConfig(config.stations, 1000);
    const stopKinds = listConfig(config.lineStopKinds).map((k, i) => oneOf(k, `lineStopKinds[${i}]`, ANDON_KINDS));
    const stopLevel = cfgNum(config.lineStopLevel, 'lineStopLevel', 0, { min: 0, max: levels.length, integer: true });
    const statsDays = cfgNum(config.statsDays, 'statsDays', 30, { gt: 0, max: 3660 });
    const dashboard = config.dashboard === true || config.dashboard === 'true';
    const js = acquireJitStore(RED, config.store, 'rel-andon');
    const board = new AndonBoard(js.store, js.scope(`andon:${node.id}`), { levels, stopKinds: stopKinds, stopLevel, maxOpen: MAX_OPEN });
    let timer: unknown;
    let closed = false;

    function show(): void {
      const open = board.calls();
      const n = open.length;
      const maxLevel = Math.max(0, ...open.map((c) => c.level));
      if (n === 0) return status.ok(node, 'no open calls');
      const text = `${n} open call${n === 1 ? '' : 's'}${maxLevel ? ` · L${maxLevel}` : ''}`;
      if (board.stopping().length) status.error(node, `LINE STOP · ${text}`);
      else status.warn(node, text);
    }

    function lineMsg(l: LineChange, at: number): NodeMessage {
      const c = l.call;
      return { topic: 'andon/line', action: l.stop ? 'line-stop' : 'line-release', payload: { stop: l.stop, station: c.station, callId: c.id, kind: c.kind, reason: lineReason(l), at: iso(at) } };
    }

    /** The escalation and line messages of a step; escalations as of `at`. */
    function messages(step: AndonStep, at: number, now: number): [NodeMessage[], NodeMessage[]] {
      const esc = step.escalations.map((e) => ({
        topic: `andon/${e.call.station}`,
        action: 'escalate',
        payload: { ...boardEntry(e.call, at), lineStop: e.lineStop, level: e.level, dueAt: iso(e.dueAt), escalatedAt: iso(at), afterMin: levels[e.level - 1]! / 60000 },
      }));
      return [esc, step.line.map((l) => lineMsg(l, now))];
    }

    function openBoard(now: number) {
      return board.calls().sort((a, b) => b.level - a.level || a.raisedAt - b.raisedAt).map((c) => boardEntry(c, now));
    }

    /**
     * The timer's job: escalate as of the time it fired, then as of each due time the clock passed
     * while the job waited its turn (a test's clock may jump past several), then wait for the next.
     */
    async function escalateFrom(fired: number): Promise<void> {
      let at = fired;
      for (;;) {
        const step = await board.apply({ type: 'none' }, at);
        const [esc, line] = messages(step, at, at);
        if (esc.length || line.length) {
          const out: (NodeMessage | NodeMessage[] | null)[] = [null, esc.length ? esc : null, line.length ? line : null];
          if (dashboard) out.push(tableMessage(openBoard(at), 'andon', 0));
          node.send(out);
        }
        show();
        const next = board.nextDueAt();
        if (closed || next === undefined || next <= at || next > clock.now()) break;
        at = next;
      }
      schedule();
    }

    /** Wait for the next due escalation (none: no timer). */
    function schedule(): void {
      const due = board.nextDueAt();
      arm(due === undefined ? undefined : Math.max(0, due - clock.now())); // the clock caps long waits (a call raised with a far-future ts): then it re-checks and waits again
    }

    /**
     * Set the one timer. Its job's error (the store unreachable) goes to node.error and the status;
     * the escalation is tried again RETRY_MS later (not at once: the calls are still due).
     */
    function arm(delay: number | undefined): void {
      if (timer !== undefined) clock.clearTimeout(timer);
      timer = undefined;
      if (closed || delay === undefined) return;
      timer = clock.setTimeout(() => {
        timer = undefined;
        const fired = clock.now();
        work.detach(() => escalateFrom(fired).catch((e) => {
          arm(RETRY_MS);
          throw e;
        }));
      }, delay);
    }

    // Open calls carry on from their stored level; a level that fell due while the box was down fires once, now.
    const work = new NodeWork(node, async () => {
      await js.ready();
      await board.load();
      show();
      const due = board.nextDueAt();
      if (due === undefined || due > clock.now()) return schedule();
      try {
        await escalateFrom(clock.now());
      } catch (e) {
        status.error(node, shortError(e));
        node.error(e instanceof Error ? e.message : String(e));
        arm(RETRY_MS);
      }
    });

    const checkStation = (v: unknown, path: string): string => {
      const s = str(v, path, { maxLength: 128 });
      if (stations.length && !stations.includes(s)) throw new InputError(path, `one of the configured stations (${stations.slice(0, 20).join(', ')})`, v);
      return s;
    };

    async function handle(msg: NodeMessage, send: SendFn, arrived: number): Promise<void> {
      const action = eventAction(msg, ACTIONS, [{ key: 'health', action: 'health' }]);
      authorize(msg, 'rel-andon', action);
      const payload = msg.payload;
      const now = arrived;
      const ts = eventTs(payload, now);
      const base = payload !== null && typeof payload === 'object' && !Array.isArray(payload) ? (payload as object) : {};
      let ev: AndonEvent = { type: 'none' };
      let stats: unknown;

      switch (action) {
        case 'raise': {
          const station = checkStation(own(payload, 'station'), 'msg.payload.station');
          const kind = oneOf(own(payload, 'kind'), 'msg.payload.kind', ANDON_KINDS);
          const text = optStr(own(payload, 'text'), 'msg.payload.text', { maxLength: 500 }) ?? '';
          const source = optStr(own(payload, 'source'), 'msg.payload.source', { maxLength: 64 }) || 'button';
          ev = { type: 'raise', station, kind, text, source, ts };
          break;
        }
        case 'health': {
          const h = healthEvent(payload);
          ev = { type: 'health', station: checkStation(h.asset, 'msg.payload.asset'), score: h.score, state: h.state, ts };
          break;
        }
        case 'ack':
        case 'resolve': {
          const id = num(own(payload, 'id'), 'msg.payload.id', { min: 1, integer: true });
          const by = str(actor(msg, own(payload, 'by')), 'msg.payload.by', { maxLength: 128 });
          if (action === 'ack') ev = { type: 'ack', id, by, ts };
          else ev = { type: 'resolve', id, by, ts, note: optStr(own(payload, 'note'), 'msg.payload.note', { maxLength: 2000 }) ?? null };
          break;
        }
        case 'stats':
          stats = { days: statsDays, ...(await board.stats(now - statsDays * 86_400_000)) };
          break;
        case 'tick':
        case 'board':
          break;
      }
      // The event and anything due (a replayed raise with a past ts, a tick, a late timer), in one step.
      const at = Math.max(now, action === 'tick' ? ts : now);
      const step = await board.apply(ev, at);
      const [esc, line] = messages(step, at, now);
      const call = step.call;
      const openCalls = openBoard(now);
      msg.payload = {
        ...base,
        ...(call ? { call: boardEntry(call, now) } : {}),
        ...(call && call.state === 'resolved' ? { call: { ...boardEntry(call, now), resolvedAt: iso(call.resolvedAt!), responseS: Math.round((call.ackedAt! - call.raisedAt) / 1000), resolveS: Math.round((call.resolvedAt! - call.raisedAt) / 1000) } } : {}),
        ...(stats ? { stats } : {}),
        ...(step.note ? { note: step.note } : {}),
        andon: openCalls,
      };
      const out: (NodeMessage | NodeMessage[] | null)[] = [msg, esc.length ? esc : null, line.length ? line : null];
      if (dashboard) out.push(tableMessage(openCalls, 'andon', 0));
      send(out);
      show();
      schedule();
    }

    return guardWrites(node, clock, 'rel-andon', {
      // "now" is when the message arrived, not when its turn in the queue came
      input: (msg: NodeMessage, send) => {
        const arrived = clock.now();
        return work.run(() => handle(msg, send, arrived));
      },
      close: async () => {
        closed = true;
        if (timer !== undefined) clock.clearTimeout(timer);
        timer = undefined;
        await work.idle();
        js.release();
      },
    });
  });
};
