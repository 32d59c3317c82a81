/**
 * rel-andon: raise, acknowledge and resolve Andon calls; unacknowledged calls escalate by time on
 * the second output (driven by the clock's timers, so a test or a replay controls time); an
 * optional line-stop signal on the third; the board for dashboards; every call persisted with its
 * timestamps, response-time statistics, and open calls carry on escalating after a restart.
 */
import { InputError, StateError } from '../core/errors';
import { num, oneOf, optStr, own, str } from '../core/validate';
import { cfgNum, eventAction, eventTs, healthEvent, iso, listConfig } from '../core/jit/events';
import {
  ANDON_KINDS,
  acknowledge,
  boardEntry,
  escalate,
  nextDueAt,
  parseLevels,
  resolve,
  responseStats,
  type AndonCall,
  type AndonKind,
} from '../core/jit/andon';
import { AndonRepo } from '../core/jit/repo';
import { defineNode } from '../shared/node';
import { status } from '../shared/status';
import { getClock } from '../shared/clock';
import { tableMessage } from '../shared/dashboard';
import { acquireJitStore } from '../shared/jit';
import type { NodeDef, NodeMessage, RedApi } from '../shared/red';

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

export = function (RED: RedApi) {
  defineNode<AndonDef>(RED, 'rel-andon', (node, config) => {
    const clock = getClock(RED);
    const levels = parseLevels(config.levels ?? '2, 5, 10', 'levels');
    const stations = listConfig(config.stations, 1000);
    const stopKinds = listConfig(config.lineStopKinds).map((k, i) => oneOf(k, `lineStopKinds[${i}]`, ANDON_KINDS));
    const stopLevel = cfgNum(config.lineStopLevel, 'lineStopLevel', 0, { min: 0, max: levels.length, integer: true });
    const statsDays = cfgNum(config.statsDays, 'statsDays', 30, { gt: 0, max: 3660 });
    const dashboard = config.dashboard === true || config.dashboard === 'true';
    const h = acquireJitStore(RED, config.store, 'rel-andon');
    const repo = new AndonRepo(h.store, `andon:${node.id}`);
    const open = new Map<number, AndonCall>();
    for (const c of repo.open()) open.set(c.id, c);
    let timer: unknown;
    let closed = false;

    function stopping(): AndonCall[] {
      return [...open.values()].filter((c) => c.lineStop);
    }

    function show(): void {
      const n = open.size;
      const maxLevel = Math.max(0, ...[...open.values()].map((c) => c.level));
      if (n === 0) return status.ok(node, 'no open calls');
      const text = `${n} open call${n === 1 ? '' : 's'}${maxLevel ? ` · L${maxLevel}` : ''}`;
      if (stopping().length) status.error(node, `LINE STOP · ${text}`);
      else status.warn(node, text);
    }

    function lineMsg(stop: boolean, c: AndonCall, reason: string): NodeMessage {
      return { topic: 'andon/line', action: stop ? 'line-stop' : 'line-release', payload: { stop, station: c.station, callId: c.id, kind: c.kind, reason, at: iso(clock.now()) } };
    }

    /** Escalate every due call at `now`; returns [escalation msgs, line-stop msgs]. Persists. */
    function runEscalation(now: number): [NodeMessage[], NodeMessage[]] {
      const wasStopped = stopping().length > 0;
      const esc = escalate(open.values(), now, levels);
      const out: NodeMessage[] = [];
      const line: NodeMessage[] = [];
      for (const e of esc) {
        if (stopLevel > 0 && e.level >= stopLevel && !e.call.lineStop) {
          e.call.lineStop = true;
          if (!wasStopped && line.length === 0) line.push(lineMsg(true, e.call, `call ${e.call.id} at ${e.call.station} unacknowledged for level ${e.level}`));
        }
        out.push({
          topic: `andon/${e.call.station}`,
          action: 'escalate',
          payload: { ...boardEntry(e.call, now), level: e.level, dueAt: iso(e.dueAt), escalatedAt: iso(now), afterMin: levels[e.level - 1]! / 60000 },
        });
      }
      if (esc.length) h.store.tx(() => new Set(esc.map((e) => e.call)).forEach((c) => repo.update(c)));
      return [out, line];
    }

    function schedule(): void {
      if (timer !== undefined) clock.clearTimeout(timer);
      timer = undefined;
      if (closed) return;
      const due = nextDueAt(open.values(), levels);
      if (due === undefined) return;
      timer = clock.setTimeout(() => {
        timer = undefined;
        try {
          const [esc, line] = runEscalation(clock.now());
          if (esc.length || line.length) {
            const out: (NodeMessage | NodeMessage[] | null)[] = [null, esc.length ? esc : null, line.length ? line : null];
            if (dashboard) out.push(tableMessage(board(clock.now()), 'andon', 0));
            node.send(out);
          }
          show();
        } catch (e) {
          node.error(e instanceof Error ? e.message : String(e));
        }
        schedule();
      }, Math.max(0, due - clock.now())); // the clock caps long waits (a call raised with a far-future ts): then it re-checks and waits again
    }

    function find(id: number): AndonCall {
      const c = open.get(id);
      if (c) return c;
      const stored = repo.get(id);
      if (stored) throw new StateError(`andon call ${id} is already resolved`);
      throw new StateError(`andon call ${id} not found`);
    }

    function board(now: number) {
      return [...open.values()].sort((a, b) => b.level - a.level || a.raisedAt - b.raisedAt).map((c) => boardEntry(c, now));
    }

    show();
    schedule();

    return {
      input: (msg: NodeMessage, send) => {
        const action = eventAction(msg, ACTIONS, [{ key: 'health', action: 'health' }]);
        const payload = msg.payload;
        const now = clock.now();
        const ts = eventTs(payload, now);
        const base = payload !== null && typeof payload === 'object' && !Array.isArray(payload) ? (payload as object) : {};
        const line: NodeMessage[] = [];
        let esc: NodeMessage[] = [];
        let call: AndonCall | undefined;
        let note: string | undefined;
        let stats: unknown;

        const raise = (station: string, kind: AndonKind, text: string, source: string) => {
          if (open.size >= MAX_OPEN) throw new StateError(`andon: ${MAX_OPEN} calls are open; resolve some first`);
          const c = repo.insert({
            station, kind, text, source, state: 'open', level: 0, raisedAt: ts,
            ackedAt: null, ackedBy: null, resolvedAt: null, resolvedBy: null, note: null,
            lineStop: stopKinds.includes(kind), escalations: [],
          });
          open.set(c.id, c);
          if (c.lineStop && stopping().length === 1) line.push(lineMsg(true, c, `${kind} call at ${station}${text ? `: ${text}` : ''}`));
          return c;
        };
        const checkStation = (v: unknown, path: string): string => {
          const s = str(v, path, { maxLength: 128 });
          if (stations.length && !stations.includes(s)) throw new InputError(path, `one of the configured stations (${stations.slice(0, 20).join(', ')})`, v);
          return s;
        };

        switch (action) {
          case 'raise': {
            const station = checkStation(own(payload, 'station'), 'msg.payload.station');
            const kind = oneOf(own(payload, 'kind'), 'msg.payload.kind', ANDON_KINDS);
            const text = optStr(own(payload, 'text'), 'msg.payload.text', { maxLength: 500 }) ?? '';
            const source = optStr(own(payload, 'source'), 'msg.payload.source', { maxLength: 64 }) || 'button';
            call = raise(station, kind, text, source);
            break;
          }
          case 'health': {
            const ev = healthEvent(payload);
            const station = checkStation(ev.asset, 'msg.payload.asset');
            const existing = [...open.values()].find((c) => c.station === station && c.source === 'health');
            const text = `health ${Math.round(ev.score)} (${ev.state})`;
            if (ev.state === 'warning' || ev.state === 'alarm') {
              if (existing) {
                existing.text = text;
                repo.update(existing);
                call = existing;
                note = `call ${existing.id} already open for ${station}: updated`;
              } else call = raise(station, 'machine', text, 'health');
            } else note = `${station} is ${ev.state}: no call raised${existing ? ` (call ${existing.id} stays open until resolved)` : ''}`;
            break;
          }
          case 'ack':
          case 'resolve': {
            const id = num(own(payload, 'id'), 'msg.payload.id', { min: 1, integer: true });
            const by = str(own(payload, 'by'), 'msg.payload.by', { maxLength: 128 });
            const c = find(id);
            if (action === 'ack') call = acknowledge(c, by, ts);
            else call = resolve(c, by, ts, optStr(own(payload, 'note'), 'msg.payload.note', { maxLength: 2000 }) ?? null);
            repo.update(call);
            if (call.state === 'resolved') {
              open.delete(id);
              if (c.lineStop && stopping().length === 0) line.push(lineMsg(false, call, `call ${id} at ${call.station} resolved by ${by}`));
            } else open.set(id, call);
            break;
          }
          case 'stats':
            stats = { days: statsDays, ...responseStats(repo.since(now - statsDays * 86_400_000)) };
            break;
          case 'tick':
          case 'board':
            break;
        }
        // Escalate anything due (a replayed raise with a past ts, a tick, a late timer).
        const [e2, l2] = runEscalation(Math.max(now, action === 'tick' ? ts : now));
        esc = e2;
        line.push(...l2);
        const openCalls = board(now);
        msg.payload = {
          ...base,
          ...(call ? { call: boardEntry(call, now) } : {}),
          ...(call && call.state === 'resolved' ? { call: { ...boardEntry(call, now), resolvedAt: iso(call.resolvedAt!), responseS: Math.round((call.ackedAt! - call.raisedAt) / 1000), resolveS: Math.round((call.resolvedAt! - call.raisedAt) / 1000) } } : {}),
          ...(stats ? { stats } : {}),
          ...(note ? { note } : {}),
          andon: openCalls,
        };
        const out: (NodeMessage | NodeMessage[] | null)[] = [msg, esc.length ? esc : null, line.length ? line : null];
        if (dashboard) out.push(tableMessage(openCalls, 'andon', 0));
        send(out);
        show();
        schedule();
      },
      close: () => {
        closed = true;
        if (timer !== undefined) clock.clearTimeout(timer);
        timer = undefined;
        h.release();
      },
    };
  });
};
