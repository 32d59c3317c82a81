/**
 * rel-work-order: CMMS work orders on the shared store. Actions create / detect / assign / start /
 * hold / complete / close / cancel / get / list (msg.action or msg.topic). `detect` takes a
 * finding ({asset, mode, severity, evidence?}) or a rel-diagnose / rel-health message and keeps
 * one open work order per (asset, failure mode). Writes that arrive together share one
 * transaction (group commit). Output 1: the work order (or the list); output 2: new and
 * escalated work orders, for notification nodes; optional last output (config `dashboard`): a
 * `list` as ui-table rows.
 */
import { actor, authorize } from '../shared/actor';
import { TxBatcher } from '../core/cmms/batch';
import { SEVERITIES, SOURCES, STATUSES, TRANSITION_ACTIONS, WorkOrderRepo, severityRank, type DetectResult, type Severity, type TransitionAction, type WorkOrder } from '../core/cmms/work-orders';
import { InputError } from '../core/errors';
import { isObject, num, object, oneOf, optNum, optStr, own, str, time } from '../core/validate';
import { acquireCmmsStore, eventTime, actionOf, assetFacts, applyDetect, applyTransition, notApplied, paintStatus, CMMS_EVENTS } from '../shared/cmms';
import { getClock, systemClock } from '../shared/clock';
import { defineNode } from '../shared/node';
import { tableMessage } from '../shared/dashboard';
import type { NodeDef, NodeMessage, RedApi } from '../shared/red';
import { status, throttledStatus } from '../shared/status';

interface WoDef extends NodeDef {
  store?: string;
  asset?: string;
  minSeverity?: string;
  criticality?: number | string;
  /** One more output, the last: `list` results as ui-table rows. */
  dashboard?: boolean | string;
}

/** The columns a work order table shows (history, evidence, parts ... stay on output 1). */
const TABLE_COLUMNS = ['number', 'asset', 'mode', 'title', 'priority', 'severity', 'status', 'assignee', 'source', 'detections', 'createdAt', 'updatedAt'] as const;

/** The dashboard message of a list: one flat row per work order, topic "work orders". */
function tableOf(list: readonly WorkOrder[]): NodeMessage {
  return tableMessage(
    list.map((w) => Object.fromEntries(TABLE_COLUMNS.map((k) => [k, w[k]]))),
    'work orders',
  );
}

const ACTIONS = ['create', 'detect', ...TRANSITION_ACTIONS, 'get', 'list'] as const;
type Action = (typeof ACTIONS)[number];
const MAX_NOTE = 4000;
const MAX_PARTS = 100;
const MAX_FAULTS = 50;
/** Status repaint interval (wall time: it paces the editor, not the plant). */
const STATUS_MS = 500;

/** A work order id: 12 or "WO-000012". */
function woId(v: unknown, path: string): number {
  if (typeof v === 'string') {
    const m = /^\s*(?:WO-)?0*(\d{1,15})\s*$/i.exec(v);
    if (m) return num(m[1], path, { min: 1, integer: true });
    throw new InputError(path, 'a work order id (12 or "WO-000012")', v);
  }
  return num(v, path, { min: 1, integer: true, max: Number.MAX_SAFE_INTEGER });
}

function partsOf(v: unknown, path: string): { part: string; qty: number }[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) throw new InputError(path, `an array of {part, qty} (at most ${MAX_PARTS})`, v);
  if (v.length > MAX_PARTS) throw new InputError(path, `at most ${MAX_PARTS} parts`, v);
  return v.map((p, i) => ({ part: str(own(p, 'part'), `${path}[${i}].part`, { maxLength: 200 }), qty: num(own(p, 'qty'), `${path}[${i}].qty`, { gt: 0, max: 1e9 }) }));
}

function text(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return '';
}

/** The findings in a detect message: explicit, rel-diagnose faults, or a rel-health state. */
function findings(p: Record<string, unknown>, minSeverity: Severity): { mode: string; severity: Severity; evidence: string }[] {
  const diagnosis = own(p, 'diagnosis');
  if (diagnosis !== undefined) {
    const d = object(diagnosis, 'msg.payload.diagnosis');
    const faults = own(d, 'faults');
    if (!Array.isArray(faults)) throw new InputError('msg.payload.diagnosis.faults', 'an array of {mode, confidence, severity, evidence}', faults);
    if (faults.length > MAX_FAULTS) throw new InputError('msg.payload.diagnosis.faults', `at most ${MAX_FAULTS} faults`, faults);
    const out: { mode: string; severity: Severity; evidence: string }[] = [];
    faults.forEach((f, i) => {
      const path = `msg.payload.diagnosis.faults[${i}]`;
      object(f, path);
      const mode = str(own(f, 'mode'), `${path}.mode`, { maxLength: 100 });
      const severity = oneOf(own(f, 'severity'), `${path}.severity`, SEVERITIES);
      const conf = optNum(own(f, 'confidence'), `${path}.confidence`, { min: 0, max: 1 });
      const ev = optStr(own(f, 'evidence'), `${path}.evidence`, { maxLength: MAX_NOTE }) ?? '';
      if (severityRank(severity) >= severityRank(minSeverity)) out.push({ mode, severity, evidence: conf === undefined ? ev : `${ev}${ev ? ' ' : ''}(confidence ${Math.round(conf * 100)} %)` });
    });
    return out;
  }
  const health = own(p, 'health');
  if (health !== undefined) {
    const h = object(health, 'msg.payload.health');
    const state = oneOf(own(h, 'state'), 'msg.payload.health.state', ['learning', 'normal', 'warning', 'alarm', 'stopped'] as const);
    if (state !== 'warning' && state !== 'alarm') return [];
    if (severityRank(state) < severityRank(minSeverity)) return [];
    const score = optNum(own(h, 'score'), 'msg.payload.health.score', { min: 0, max: 100 });
    const c = own(h, 'contributors');
    const names = Array.isArray(c) ? c.slice(0, 5).map((x) => (isObject(x) ? text(own(x, 'feature')) || text(own(x, 'channel')) || text(own(x, 'name')) : text(x))).filter(Boolean) : [];
    // rel-health's own evidence (values with units, baselines, deviations, the ISO zone) when it
    // sends one; else a short one from the contributors' names.
    const given = optStr(own(p, 'evidence'), 'msg.payload.evidence', { maxLength: MAX_NOTE });
    const ev = given || `health ${score === undefined ? '?' : Math.round(score)} (${state})${names.length ? `; contributors: ${names.join(', ')}` : ''}`;
    return [{ mode: 'health', severity: state, evidence: ev }];
  }
  return [
    {
      mode: str(own(p, 'mode'), 'msg.payload.mode', { maxLength: 100 }),
      severity: oneOf(own(p, 'severity'), 'msg.payload.severity', SEVERITIES),
      evidence: optStr(own(p, 'evidence'), 'msg.payload.evidence', { maxLength: MAX_NOTE }) ?? '',
    },
  ];
}

export = function (RED: RedApi) {
  defineNode<WoDef>(RED, 'rel-work-order', (node, config) => {
    const clock = getClock(RED);
    const { handle: h, db, ready, settled, writes } = acquireCmmsStore(RED, config.store, 'rel-work-order');
    const repo = new WorkOrderRepo(db);
    // Each commit publishes the history the repository cached in that transaction.
    const batch = new TxBatcher(db, { afterCommit: (q) => repo.committed(q) });
    const minSeverity = (SEVERITIES as readonly string[]).includes(String(config.minSeverity)) ? (config.minSeverity as Severity) : 'warning';
    const dash = config.dashboard === true || config.dashboard === 'true';
    // The existing outputs, plus the dashboard one (last) when configured.
    const emit = (main: NodeMessage, announce: unknown, dashboard: NodeMessage | null = null) => (dash ? [main, announce, dashboard] : [main, announce]) as never;
    const defaultCrit = Number.isInteger(Number(config.criticality)) && Number(config.criticality) >= 1 && Number(config.criticality) <= 5 ? Number(config.criticality) : 3;
    // The status (open orders, one COUNT) at most once per STATUS_MS: the first change paints at
    // once, later ones within the interval are folded into one trailing paint (wall-clock timers:
    // it is only the display).
    const shown = throttledStatus(systemClock, STATUS_MS);
    let closed = false;
    // While the plant database is away: "plant database offline · 12 queued" (shared/cmms.ts).
    const paint = () => {
      if (closed) return;
      paintStatus(node, writes, async () => {
        const n = await ready().then(() => repo.countOpen());
        if (!closed) status.ok(node, `${n} open WO${n === 1 ? '' : 's'}`);
      }, () => closed);
    };
    const showStatus = () => {
      if (!closed) shown.show('open', paint);
    };
    const unwatch = writes.onPending(showStatus);
    paint();

    return {
      input: async (msg: NodeMessage, send) => {
        const p = msg.payload;
        const fallback = isObject(p) && (own(p, 'diagnosis') !== undefined || own(p, 'health') !== undefined) ? 'detect' : undefined;
        const action: Action = actionOf(msg, ACTIONS, fallback);
        // Detections and transitions also go on while the plant database is away (queued).
        if (action !== 'detect' && !(TRANSITION_ACTIONS as readonly string[]).includes(action)) await ready();
        authorize(msg, 'rel-work-order', action);
        const payload = action === 'list' && (p === undefined || p === null || p === '') ? {} : object(p, 'msg.payload');
        const ts = eventTime(payload, 'ts', () => clock.now());

        if (action === 'get') {
          const id = woId(own(payload, 'id'), 'msg.payload.id');
          msg.payload = await batch.run((q) => repo.get(id, true, q));
          send(emit(msg, null));
          return;
        }
        if (action === 'list') {
          const st = own(payload, 'status');
          const open = own(payload, 'open');
          const src = own(payload, 'source');
          const newest = own(payload, 'newest');
          if (open !== undefined && typeof open !== 'boolean') throw new InputError('msg.payload.open', 'true or false', open);
          if (newest !== undefined && typeof newest !== 'boolean') throw new InputError('msg.payload.newest', 'true or false', newest);
          const filter = {
            asset: optStr(own(payload, 'asset'), 'msg.payload.asset', { maxLength: 200 }),
            line: optStr(own(payload, 'line'), 'msg.payload.line', { maxLength: 200 }),
            status: st === undefined ? undefined : oneOf(st, 'msg.payload.status', STATUSES),
            source: src === undefined ? undefined : oneOf(src, 'msg.payload.source', SOURCES),
            open: open as boolean | undefined,
            limit: optNum(own(payload, 'limit'), 'msg.payload.limit', { min: 1, max: 10_000, integer: true }),
            history: own(payload, 'history') === false ? false : undefined,
            newest: newest as boolean | undefined,
          };
          const list = await batch.run((q) => repo.list(filter, q));
          msg.payload = list;
          send(emit(msg, null, dash ? tableOf(list) : null));
          showStatus();
          return;
        }
        if (action === 'create') {
          const facts = assetFacts(RED, config.asset, msg, payload, defaultCrit);
          const sev = own(payload, 'severity');
          const src = own(payload, 'source');
          const input = {
            ...facts,
            title: str(own(payload, 'title'), 'msg.payload.title', { maxLength: 200 }),
            mode: optStr(own(payload, 'mode'), 'msg.payload.mode', { maxLength: 100 }),
            description: optStr(own(payload, 'description'), 'msg.payload.description', { maxLength: MAX_NOTE }),
            priority: optNum(own(payload, 'priority'), 'msg.payload.priority', { min: 1, max: 4, integer: true }),
            severity: sev === undefined ? undefined : oneOf(sev, 'msg.payload.severity', SEVERITIES),
            source: src === undefined ? 'manual' : oneOf(src, 'msg.payload.source', ['manual', 'andon'] as const),
            by: optStr(actor(msg, own(payload, 'by')), 'msg.payload.by', { maxLength: 200 }),
            ts,
          };
          const wo = await batch.run((q) => repo.create(input, q));
          msg.payload = wo;
          send(emit(msg, { topic: 'work-order/new', event: 'new', payload: wo }));
          showStatus();
          return;
        }
        if (action === 'detect') {
          const facts = assetFacts(RED, config.asset, msg, payload, defaultCrit);
          const found = findings(payload, minSeverity);
          if (!found.length) {
            showStatus();
            return;
          }
          const ev = { facts, found, ts };
          const w = await writes.write(msg, CMMS_EVENTS.detect, ev, (fn) => batch.run(fn), (q) => applyDetect(repo, ev, q));
          if (!w.applied) {
            send(emit(notApplied(msg, w), null));
            showStatus();
            return;
          }
          const results: DetectResult[] = w.value;
          const announce = results
            .filter((r) => r.created || r.escalated)
            .map((r) => ({ topic: `work-order/${r.created ? 'new' : 'escalated'}`, event: r.created ? 'new' : 'escalated', payload: r.workOrder }));
          msg.payload = results[0].workOrder;
          if (results.length > 1) msg.workOrders = results.map((r) => r.workOrder);
          send(emit(msg, announce.length ? (announce as NodeMessage[]) : null));
          showStatus();
          return;
        }
        // Transitions.
        const t: TransitionAction = action;
        const input = {
          id: woId(own(payload, 'id'), 'msg.payload.id'),
          action: t,
          by: str(actor(msg, own(payload, 'by')), 'msg.payload.by', { maxLength: 200 }),
          note: optStr(own(payload, 'note'), 'msg.payload.note', { maxLength: MAX_NOTE }),
          ts,
          assignee: t === 'assign' ? (optStr(own(payload, 'assignee'), 'msg.payload.assignee', { maxLength: 200 }) ?? optStr(own(payload, 'to'), 'msg.payload.to', { maxLength: 200 })) : undefined,
          repairMin: t === 'complete' ? optNum(own(payload, 'repairMin'), 'msg.payload.repairMin', { min: 0, max: 1e7 }) : undefined,
          downtimeMin: t === 'complete' ? optNum(own(payload, 'downtimeMin'), 'msg.payload.downtimeMin', { min: 0, max: 1e7 }) : undefined,
          failure: undefined as boolean | undefined,
          parts: t === 'complete' ? partsOf(own(payload, 'parts'), 'msg.payload.parts') : undefined,
        };
        if (t === 'complete') {
          const f = own(payload, 'failure');
          if (f !== undefined && typeof f !== 'boolean') throw new InputError('msg.payload.failure', 'true or false', f);
          input.failure = f as boolean | undefined;
        }
        const w = await writes.write(msg, CMMS_EVENTS.transition, input, (fn) => batch.run(fn), (q) => applyTransition(repo, input, q));
        if (!w.applied) {
          send(emit(notApplied(msg, w), null));
          showStatus();
          return;
        }
        const wo: WorkOrder = w.value;
        msg.payload = wo;
        send(emit(msg, null));
        showStatus();
      },
      close: async () => {
        closed = true;
        unwatch();
        shown.close();
        try {
          await batch.drain();
          await settled;
        } finally {
          h.release();
        }
      },
    };
  });
};
