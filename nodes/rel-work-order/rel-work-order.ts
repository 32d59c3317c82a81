/**
 * rel-work-order: CMMS work orders on the shared store. Actions create / detect / assign / start /
 * hold / complete / close / cancel / get / list (msg.action or msg.topic). `detect` takes a
 * finding ({asset, mode, severity, evidence?}) or a rel-diagnose / rel-health message and keeps
 * one open work order per (asset, failure mode). Writes that arrive together share one
 * transaction (group commit). Output 1: the work order (or the list); output 2: new and
 * escalated work orders, for notification nodes; output 3 (config `andonKind`): Andon raise
 * messages for new orders; optional last output (config `dashboard`): a `list` as ui-table rows.
 * What a new or escalated order causes (parts reserved, Andon call, notification) is written in
 * the order's transaction and delivered at least once (nodes/core/cmms/follow-ups.ts).
 */
import { actor, authorize } from '../shared/actor';
import { TxBatcher } from '../core/cmms/batch';
import { SEVERITIES, TRANSITION_ACTIONS, WorkOrderRepo, type DetectResult, type Severity, type WorkOrder } from '../core/cmms/work-orders';
import { ANDON_SOURCES, FollowUps, PartsPlan } from '../core/cmms/follow-ups';
import { WO_ACTIONS, createInput, findings, listFilter, titleFindings, transitionInput, woId, type WoAction } from '../core/cmms/work-order-input';
import { ANDON_KINDS } from '../core/jit/andon';
import { isObject, object, oneOf, own } from '../core/validate';
import { acquireCmmsStore, eventTime, actionOf, assetFacts, applyDetect, applyTransition, notApplied, paintStatus, replayWith, CMMS_EVENTS } from '../shared/cmms';
import { followUpGlue } from '../shared/follow-ups';
import { findAsset } from '../shared/assets';
import { configLanguage } from '../core/text';
import { boxId, boxScope } from '../shared/box';
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
  /** Parts a new order reserves, by failure mode (PartsPlan rules). */
  parts?: string;
  /** Raise an Andon call of this kind for new orders (one more output, the third); '' none. */
  andonKind?: string;
  /** One more output, the last: `list` results as ui-table rows. */
  dashboard?: boolean | string;
  /** Language of the text written into work orders (titles of detected orders): en (default) or de. */
  language?: string;
}

/** The columns a work order table shows (history, evidence, parts ... stay on output 1). */
const TABLE_COLUMNS = ['number', 'asset', 'mode', 'title', 'priority', 'severity', 'status', 'assignee', 'source', 'detections', 'createdAt', 'updatedAt'] as const;
/** Status repaint interval (wall time: it paces the editor, not the plant). */
const STATUS_MS = 500;

export = function (RED: RedApi) {
  defineNode<WoDef>(RED, 'rel-work-order', (node, config) => {
    const clock = getClock(RED);
    const parts = PartsPlan.parse(config.parts, 'parts');
    const andonKind = config.andonKind ? oneOf(config.andonKind, 'andonKind', ANDON_KINDS) : undefined;
    const lang = configLanguage(config.language);
    const origin = boxScope(boxId(RED), `rel-work-order:${node.id}`);
    const { handle: h, db, ready, settled, writes } = acquireCmmsStore(RED, config.store, 'rel-work-order');
    const repo = new WorkOrderRepo(db, { followUps: new FollowUps(db, { origin, parts, andon: andonKind ? { kind: andonKind, sources: ANDON_SOURCES } : null }) });
    // Events this node queued while the plant database was away replay through this repository (its follow-ups).
    const unreplay = replayWith(origin, repo);
    // Each commit publishes the history the repository cached in that transaction.
    const batch = new TxBatcher(db, { afterCommit: (q) => repo.committed(q) });
    const minSeverity = (SEVERITIES as readonly string[]).includes(String(config.minSeverity)) ? (config.minSeverity as Severity) : 'warning';
    const dash = config.dashboard === true || config.dashboard === 'true';
    // Outputs: the answer, notifications, Andon raises (when configured), the dashboard (last, when configured).
    const count = 2 + (andonKind ? 1 : 0) + (dash ? 1 : 0);
    const emit = (main: NodeMessage, dashboard: NodeMessage | null = null) => {
      const out: (NodeMessage | null)[] = Array.from({ length: count }, () => null);
      out[0] = main;
      if (dash) out[count - 1] = dashboard;
      return out as never;
    };
    const followUps = followUpGlue(RED, node, { db, ready, origin, outputs: { notify: 1, ...(andonKind ? { andon: 2 } : {}) }, count });
    const defaultCrit = Number.isInteger(Number(config.criticality)) && Number(config.criticality) >= 1 && Number(config.criticality) <= 5 ? Number(config.criticality) : 3;
    // The status (open orders, one COUNT) at most once per STATUS_MS: the first change paints at
    // once, later ones within the interval are folded into one trailing paint.
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
    const showStatus = () => !closed && shown.show('open', paint);
    const unwatch = writes.onPending(showStatus);
    paint();

    return {
      input: async (msg: NodeMessage, send) => {
        const p = msg.payload;
        const fallback = isObject(p) && (own(p, 'diagnosis') !== undefined || own(p, 'health') !== undefined) ? 'detect' : undefined;
        const action: WoAction = actionOf(msg, WO_ACTIONS, fallback);
        // Detections and transitions also go on while the plant database is away (queued).
        if (action !== 'detect' && !(TRANSITION_ACTIONS as readonly string[]).includes(action)) await ready();
        authorize(msg, 'rel-work-order', action);
        const payload = action === 'list' && (p === undefined || p === null || p === '') ? {} : object(p, 'msg.payload');
        const ts = eventTime(payload, 'ts', () => clock.now());
        const by = () => actor(msg, own(payload, 'by'));

        if (action === 'get') {
          const id = woId(own(payload, 'id'), 'msg.payload.id');
          msg.payload = await batch.run((q) => repo.get(id, true, q));
          send(emit(msg));
          return;
        }
        if (action === 'list') {
          const filter = listFilter(payload);
          const list = await batch.run((q) => repo.list(filter, q));
          msg.payload = list;
          send(emit(msg, dash ? tableMessage(list.map((w) => Object.fromEntries(TABLE_COLUMNS.map((k) => [k, w[k]]))), 'work orders') : null));
          showStatus();
          return;
        }
        if (action === 'create') {
          const input = createInput(payload, assetFacts(RED, config.asset, msg, payload, defaultCrit), by(), ts);
          msg.payload = await batch.run((q) => repo.create(input, q));
          send(emit(msg));
          followUps.kick();
          showStatus();
          return;
        }
        if (action === 'detect') {
          const facts = assetFacts(RED, config.asset, msg, payload, defaultCrit);
          // titles in words, with the asset's name when a rel-asset or the register knows it
          const found = titleFindings(payload, findings(payload, minSeverity), { asset: facts.asset, assetName: findAsset(facts.asset)?.name, lang });
          if (!found.length) return void showStatus();
          const ev = { facts, found, ts, origin };
          const w = await writes.write(msg, CMMS_EVENTS.detect, ev, (fn) => batch.run(fn), (q) => applyDetect(repo, ev, q));
          if (!w.applied) {
            send(emit(notApplied(msg, w)));
            return void showStatus();
          }
          const results: DetectResult[] = w.value;
          msg.payload = results[0]!.workOrder;
          if (results.length > 1) msg.workOrders = results.map((r) => r.workOrder);
          send(emit(msg));
          if (results.some((r) => r.created || r.escalated)) followUps.kick();
          showStatus();
          return;
        }
        const input = transitionInput(action, payload, by(), ts);
        // Completing is refused while a required checklist step is not ticked (same transaction; applyTransition).
        const w = await writes.write(msg, CMMS_EVENTS.transition, { ...input, origin }, (fn) => batch.run(fn), (q) => applyTransition(repo, input, q));
        if (!w.applied) {
          send(emit(notApplied(msg, w)));
          return void showStatus();
        }
        const wo: WorkOrder = w.value;
        msg.payload = wo;
        send(emit(msg));
        showStatus();
      },
      close: async () => {
        closed = true;
        unwatch();
        unreplay();
        shown.close();
        try {
          await batch.drain();
          await settled;
          await followUps.close();
        } finally {
          h.release();
        }
      },
    };
  });
};
