/**
 * rel-request: work requests from the floor. A QR code per asset (label sheet at
 * <httpNodeRoot>floor/labels) opens a request form on the phone; the request (text, photo) is
 * stored as the logged-in user; a planner approves it into a work order or rejects it with a
 * reason. Also photos on work orders and checklist ticking (routes: nodes/core/floor/routes.ts).
 * Messages: msg.action request, approve, reject, list, get, order (checklist, photos, reserved
 * parts of a work order), tick, checklist (give an open order its steps). Output 1 the result,
 * output 2 events (request/new, request/approved with the work order, request/rejected, ...).
 */
import { OrderSteps } from '../core/cmms/order-steps';
import { WorkOrderRepo } from '../core/cmms/work-orders';
import { photoDir, PhotoRepo, RequestRepo, type FloorUser } from '../core/floor';
import { REQUEST_ACTIONS as ACTIONS, requestAction } from '../core/floor/request-msg';
import { own, str, object } from '../core/validate';
import { actor, authorize } from '../shared/actor';
import { findAsset } from '../shared/assets';
import { acquireCmmsStore, actionOf, eventTime, inFlight } from '../shared/cmms';
import { getClock } from '../shared/clock';
import { defineNode } from '../shared/node';
import type { NodeDef, NodeMessage, RedApi, SendFn } from '../shared/red';
import { status } from '../shared/status';
import { dashboardPath, deployedInLineOrder, loginsOn, serveFloor, sessionUser } from './http';

interface RequestDef extends NodeDef {
  store?: string;
  /** Origin put in the QR codes (https://box.plant:1880); empty: the one the label sheet was opened on. */
  baseUrl?: string;
}

export = function (RED: RedApi) {
  defineNode<RequestDef>(RED, 'rel-request', (node, config) => {
    const clock = getClock(RED);
    const { handle: h, db, ready, settled } = acquireCmmsStore(RED, config.store, 'rel-request');
    const dir = photoDir(db.location, db.backend, RED.settings.userDir || process.cwd());
    const repo = new RequestRepo(db, new PhotoRepo(dir, { shared: db.backend === 'postgres' }));
    const wo = new WorkOrderRepo(db);
    const steps = new OrderSteps(repo);
    let closed = false;
    // Messages, floor routes and status reads in flight: close waits for them before it releases the store.
    const work = inFlight();
    const facts = (a: string) => {
      const s = findAsset(a);
      return s ? { asset: a, line: s.line, criticality: s.criticality } : undefined;
    };
    const showStatus = () =>
      work.run(() =>
        ready()
          .then(() => repo.list({ status: 'new', limit: 1000 }))
          .then((l) => !closed && status.ok(node, `${l.length} new request${l.length === 1 ? '' : 's'}`))
          .catch((e) => !closed && status.error(node, e instanceof Error ? e.message : String(e))),
      );
    const event = (ev: string, payload: unknown, user?: FloorUser) => {
      const msg: NodeMessage = { topic: `request/${ev}`, event: ev, payload };
      if (user) msg._client = { user };
      node.send([null, ev === 'approved' ? [msg, { topic: 'work-order/new', event: 'new', payload: (payload as { order: unknown }).order }] : msg] as never);
      if (ev !== 'step' && ev !== 'photo') void showStatus();
    };
    const stop = serveFloor(RED, {
      repo,
      wo,
      ready,
      loginsOn,
      user: sessionUser,
      now: () => clock.now(),
      root: typeof RED.settings.httpNodeRoot === 'string' ? RED.settings.httpNodeRoot.replace(/\/?$/, '/') : '/',
      baseUrl: typeof config.baseUrl === 'string' && /^https?:\/\/[^\s/]+$/.test(config.baseUrl.trim().replace(/\/$/, '')) ? config.baseUrl.trim().replace(/\/$/, '') : undefined,
      facts,
      asset: async (a) => {
        const s = findAsset(a);
        return s ? { id: a, name: s.name || a, line: s.line } : repo.registerAsset(a);
      },
      assets: async () => {
        // The line's order: the rel-asset nodes as placed in the flows, then the register's machines.
        const out = new Map(deployedInLineOrder(RED).map((a) => [a.id, a]));
        for (const r of await repo.registerAssets()) if (!out.has(r.id)) out.set(r.id, r);
        return [...out.values()];
      },
      dashboard: () => dashboardPath(RED),
      tz: process.env.TZ || 'UTC',
      emit: event,
      warn: (t) => node.warn(t),
    }, work.run);
    void showStatus();

    return {
      input: (msg, send) => work.run(() => handle(msg, send)),
      close: async () => {
        stop();
        try {
          // What came before the close (messages, floor routes) finishes on the open store.
          await work.idle();
          await settled;
        } finally {
          closed = true;
          h.release();
        }
      },
    };

    async function handle(msg: NodeMessage, send: SendFn): Promise<void> {
      await ready();
      const action = actionOf(msg, ACTIONS);
      authorize(msg, 'rel-request', action);
      const p = action === 'list' && (msg.payload === undefined || msg.payload === null || msg.payload === '') ? {} : object(msg.payload, 'msg.payload');
      const ts = eventTime(p, 'ts', () => clock.now());
      const by = () => str(actor(msg, own(p, 'by')), 'msg.payload.by', { maxLength: 200 });
      const r = await requestAction(action, p, { repo, wo, steps, facts, by, ts });
      msg.payload = r.payload;
      if (r.event) event(r.event, msg.payload);
      send([msg, null]);
    }
  });
};
