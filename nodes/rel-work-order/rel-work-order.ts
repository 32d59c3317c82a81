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
import { WorkOrderRepo, type DetectResult } from '../core/cmms/work-orders';
import { ANDON_SOURCES, FollowUps, PartsPlan } from '../core/cmms/follow-ups';
import { WO_ACTIONS, createInput, findings, listFilter, titleFindings, transitionInput, woId, type WoAction } from '../core/cmms/work-order-input';
import { impliedWoAction, workOrderRows, workOrderSettings } from '../core/cmms/work-order-config';
import { object, own } from '../core/validate';
import { acquireCmmsStore, eventTime, actionOf, assetFacts, applyCreate, applyDetect, applyTransition, detectWrite, notApplied, replayWith, CMMS_EVENTS, type Written } from '../shared/cmms';
import { CmmsStatus } from '../shared/cmms-status';
import { deliveredAtSend, followUpGlue } from '../shared/follow-ups';
import { findAsset } from '../shared/assets';
import { configLanguage } from '../core/text';
import { boxId, boxScope } from '../shared/box';
import { getClock } from '../shared/clock';
import { defineNode } from '../shared/node';
import { tableMessage } from '../shared/dashboard';
import { outputs } from '../shared/outputs';
import type { NodeDef, NodeMessage, RedApi, SendFn } from '../shared/red';
import { status } from '../shared/status';

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

export = function (RED: RedApi) {
  defineNode<WoDef>(RED, 'rel-work-order', (node, config) => {
    const clock = getClock(RED);
    const parts = PartsPlan.parse(config.parts, 'parts');
    const cfg = workOrderSettings(config);
    const { andonKind, dashboard: dash, outputs: count, followUpOutputs: fuOutputs } = cfg;
    const lang = configLanguage(config.language);
    const origin = boxScope(boxId(RED), `rel-work-order:${node.id}`);
    const { handle: h, db, ready, settled, writes } = acquireCmmsStore(RED, config.store, 'rel-work-order');
    // Follow-ups wired to nothing are delivered as they are sent.
    const delivered = deliveredAtSend(RED, node, fuOutputs);
    const repo = new WorkOrderRepo(db, { followUps: new FollowUps(db, { origin, parts, andon: andonKind ? { kind: andonKind, sources: ANDON_SOURCES } : null, delivered }) });
    // Events this node queued while the plant database was away replay through this repository (its follow-ups).
    const unreplay = replayWith(origin, repo);
    const emit = (main: NodeMessage, dashboard: NodeMessage | null = null) => outputs(count, dash ? { 0: main, [count - 1]: dashboard } : { 0: main });
    const followUps = followUpGlue(RED, node, { db, ready, origin, outputs: fuOutputs, count });
    // The status: open orders (one COUNT), at most once per CMMS_STATUS_MS after messages; while
    // the plant database is away: "plant database offline · 12 queued".
    const shown: CmmsStatus = new CmmsStatus(node, writes, async () => {
      const n = await ready().then(() => repo.countOpen());
      if (!shown.closed) status.ok(node, `${n} open WO${n === 1 ? '' : 's'}`);
    }, true);
    shown.paint();

    /** Send the write's result (`put` puts it in msg; `kick`: follow-ups are due), or the message saying it was queued (or a duplicate). */
    function answer<T>(msg: NodeMessage, send: SendFn, w: Written<T>, kick: (v: T) => boolean, put: (v: T) => void = (v) => (msg.payload = v)): void {
      if (!w.applied) send(emit(notApplied(msg, w)));
      else {
        put(w.value);
        send(emit(msg));
        if (kick(w.value)) followUps.kick();
      }
      shown.soon();
    }
    /** A detection's answer: the first order in msg.payload, all of them in msg.workOrders when there are several. */
    const putDetected = (msg: NodeMessage, results: DetectResult[]): void => {
      msg.payload = results[0]!.workOrder;
      if (results.length > 1) msg.workOrders = results.map((r) => r.workOrder);
    };

    return {
      input: async (msg: NodeMessage, send) => {
        const p = msg.payload;
        const action: WoAction = actionOf(msg, WO_ACTIONS, impliedWoAction(p));
        // Creations, detections and transitions also go on while the plant database is away (queued).
        if (action === 'get' || action === 'list') await ready();
        authorize(msg, 'rel-work-order', action);
        const payload = action === 'list' && (p === undefined || p === null || p === '') ? {} : object(p, 'msg.payload');
        const ts = eventTime(payload, 'ts', () => clock.now());
        const by = () => actor(msg, own(payload, 'by'));
        const facts = () => assetFacts(RED, config.asset, msg, payload, cfg.defaultCriticality);

        if (action === 'get') {
          const id = woId(own(payload, 'id'), 'msg.payload.id');
          msg.payload = await repo.inTx((q) => repo.get(id, true, q));
          send(emit(msg));
        } else if (action === 'list') {
          const filter = listFilter(payload);
          const list = await repo.inTx((q) => repo.list(filter, q));
          msg.payload = list;
          send(emit(msg, dash ? tableMessage(workOrderRows(list), 'work orders') : null));
          shown.soon();
        } else if (action === 'create') {
          const ev = { ...createInput(payload, facts(), by(), ts), origin };
          const w = await writes.write(msg, CMMS_EVENTS.create, ev, repo, (q) => applyCreate(repo, ev, q));
          answer(msg, send, w, () => true);
        } else if (action === 'detect') {
          const f = facts();
          // titles in words, with the asset's name when a rel-asset or the register knows it
          const found = titleFindings(payload, findings(payload, cfg.minSeverity), { asset: f.asset, assetName: findAsset(f.asset)?.name, lang });
          if (!found.length) return void shown.soon();
          const ev = { facts: f, found, ts, origin };
          const w = await writes.write(msg, CMMS_EVENTS.detect, ev, repo, (q) => applyDetect(repo, ev, q), detectWrite(repo, ev));
          answer(msg, send, w, (results) => results.some((r) => r.created || r.escalated), (results) => putDetected(msg, results));
        } else {
          const input = transitionInput(action, payload, by(), ts);
          // Completing is refused while a required checklist step is not ticked (same transaction; applyTransition).
          const w = await writes.write(msg, CMMS_EVENTS.transition, { ...input, origin }, repo, (q) => applyTransition(repo, input, q));
          answer(msg, send, w, () => false);
        }
      },
      close: async () => {
        shown.close();
        unreplay();
        try {
          await repo.drain();
          await settled;
          await followUps.close();
        } finally {
          h.release();
        }
      },
    };
  });
};
