/**
 * rel-request's messages without Node-RED: one action on the request repository with its payload
 * checked (every error names the property), the answer and the event it announces.
 */
import type { OrderSteps } from '../cmms/order-steps';
import type { AssetFacts, WorkOrderRepo } from '../cmms/work-orders';
import { InputError } from '../errors';
import { num, oneOf, optNum, optStr, own, str } from '../validate';
import { checklistFrom } from './checklist';
import { REQUEST_STATUSES, type RequestRepo } from './requests';

export const REQUEST_ACTIONS = ['request', 'approve', 'reject', 'list', 'get', 'order', 'tick', 'checklist'] as const;
export type RequestAction = (typeof REQUEST_ACTIONS)[number];

const id = (v: unknown, path: string) => num(v, path, { min: 1, integer: true, max: Number.MAX_SAFE_INTEGER });

export interface RequestDeps {
  repo: RequestRepo;
  wo: WorkOrderRepo;
  steps: OrderSteps;
  facts: (asset: string) => AssetFacts | undefined;
  /** Who does it: the logged-in user, else msg.payload.by (checked when called). */
  by: () => string;
  ts: number;
}

/** Run one action: the answer (msg.payload) and the event to announce, if any. */
export async function requestAction(action: RequestAction, p: object, d: RequestDeps): Promise<{ payload: unknown; event?: 'new' | 'approved' | 'rejected' }> {
  const { repo, ts } = d;
  switch (action) {
    case 'request': {
      const asset = str(own(p, 'asset'), 'msg.payload.asset', { maxLength: 200 });
      const photos = own(p, 'photos') ?? [];
      if (!Array.isArray(photos) || photos.length > 10 || photos.some((x) => typeof x !== 'string')) throw new InputError('msg.payload.photos', 'an array of at most 10 photo names', photos);
      return { payload: await repo.create({ asset, text: str(own(p, 'text'), 'msg.payload.text', { maxLength: 2000 }), by: d.by(), ts, photos: photos as string[] }), event: 'new' };
    }
    case 'approve': {
      const rid = id(own(p, 'id'), 'msg.payload.id');
      const r0 = await repo.get(rid);
      const cl = own(p, 'checklist');
      const payload = await repo.approve(
        {
          id: rid,
          by: d.by(),
          ts,
          facts: d.facts(r0.asset),
          priority: optNum(own(p, 'priority'), 'msg.payload.priority', { min: 1, max: 4, integer: true }),
          title: optStr(own(p, 'title'), 'msg.payload.title', { maxLength: 200 }),
          checklist: cl === undefined ? undefined : checklistFrom(cl, 'msg.payload.checklist'),
        },
        d.wo,
      );
      return { payload, event: 'approved' };
    }
    case 'reject':
      return { payload: await repo.reject({ id: id(own(p, 'id'), 'msg.payload.id'), by: d.by(), ts, reason: str(own(p, 'reason'), 'msg.payload.reason', { maxLength: 500 }) }), event: 'rejected' };
    case 'list': {
      const st = own(p, 'status');
      return { payload: await repo.list({ status: st === undefined ? undefined : oneOf(st, 'msg.payload.status', REQUEST_STATUSES), asset: optStr(own(p, 'asset'), 'msg.payload.asset', { maxLength: 200 }), limit: optNum(own(p, 'limit'), 'msg.payload.limit', { min: 1, max: 1000, integer: true }) }) };
    }
    case 'get':
      return { payload: await repo.get(id(own(p, 'id'), 'msg.payload.id')) };
    case 'order':
      return { payload: await repo.orderDetail(id(own(p, 'order'), 'msg.payload.order')) };
    case 'tick': {
      const order = id(own(p, 'order'), 'msg.payload.order');
      const step = num(own(p, 'step'), 'msg.payload.step', { min: 1, max: 50, integer: true });
      const done = own(p, 'done');
      if (done !== undefined && typeof done !== 'boolean') throw new InputError('msg.payload.done', 'true or false', done);
      const who = d.by();
      return { payload: { order, checklist: await d.steps.tick(order, step - 1, who, ts, done !== false) } };
    }
    case 'checklist': {
      const order = id(own(p, 'order'), 'msg.payload.order');
      return { payload: { order, checklist: await d.steps.set(order, checklistFrom(own(p, 'checklist'), 'msg.payload.checklist')) } };
    }
  }
}
