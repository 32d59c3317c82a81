/**
 * Work requests: someone on the floor says what is wrong with an asset (text, photos); a planner
 * approves the request into a work order (source `manual`, the request's photos go with it) or
 * rejects it with a reason. A request is decided once: the decision is a compare-and-set on its
 * status, in the same transaction as the work order it opens. No Node-RED.
 */
import { InputError, StateError } from '../errors';
import type { Query, Store } from '../store/types';
import type { AssetFacts, WorkOrder, WorkOrderRepo } from '../cmms/work-orders';
import { ChecklistRepo, type Step } from './checklist';
import { PhotoRepo, type PhotoInfo } from './photos';

export const REQUEST_STATUSES = ['new', 'approved', 'rejected'] as const;
export type RequestStatus = (typeof REQUEST_STATUSES)[number];
export const MAX_REQUEST_TEXT = 2000;

export interface WorkRequest {
  id: number;
  number: string;
  asset: string;
  text: string;
  status: RequestStatus;
  requestedBy: string;
  requestedAt: string;
  decidedBy: string | null;
  decidedAt: string | null;
  reason: string;
  order: number | null;
  photos: PhotoInfo[];
}

interface RequestRow {
  id: number;
  asset: string;
  text: string;
  status: RequestStatus;
  requested_by: string;
  requested_at: number;
  decided_by: string | null;
  decided_at: number | null;
  reason: string;
  order_id: number | null;
}

/** A request someone decided already (the message names who): the pages word it in their language. */
export class AlreadyDecidedError extends StateError {
  constructor(
    readonly number: string,
    readonly status: RequestStatus,
    readonly by: string | null,
  ) {
    super(`work request ${number} is already ${status}${by ? ` (by ${by})` : ''}`);
  }
}

/** A request's number as people read it: WR-000012. */
export function requestNumber(id: number): string {
  return `WR-${String(id).padStart(6, '0')}`;
}

/** The work order title of a request: its first line, at most 200 characters. */
export function titleOf(text: string): string {
  const first = text.trim().split(/\r?\n/)[0].trim();
  return first.length > 200 ? first.slice(0, 197) + '...' : first;
}

const iso = (v: unknown) => (v === null || v === undefined ? null : new Date(Number(v)).toISOString());

export interface NewRequest {
  asset: string;
  text: string;
  by: string;
  ts: number;
  photos?: readonly string[];
}
export interface Decision {
  id: number;
  by: string;
  ts: number;
}

export class RequestRepo {
  readonly checklists = new ChecklistRepo();
  constructor(
    readonly store: Store,
    readonly photos: PhotoRepo,
  ) {}

  private async toRequest(q: Query, r: RequestRow): Promise<WorkRequest> {
    const id = Number(r.id);
    return {
      id,
      number: requestNumber(id),
      asset: r.asset,
      text: r.text,
      status: r.status,
      requestedBy: r.requested_by,
      requestedAt: iso(r.requested_at) as string,
      decidedBy: r.decided_by,
      decidedAt: iso(r.decided_at),
      reason: r.reason,
      order: r.order_id === null || r.order_id === undefined ? null : Number(r.order_id),
      photos: await this.photos.ofRequest(q, id),
    };
  }

  async get(id: number, q: Query = this.store): Promise<WorkRequest> {
    const r = await q.one<RequestRow>('SELECT * FROM floor_requests WHERE id = ?', [id]);
    if (!r) throw new StateError(`work request ${requestNumber(id)} not found`);
    return this.toRequest(q, r);
  }

  async list(f: { status?: RequestStatus; asset?: string; limit?: number } = {}, q: Query = this.store): Promise<WorkRequest[]> {
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (f.status) {
      where.push('status = ?');
      args.push(f.status);
    }
    if (f.asset) {
      where.push('asset = ?');
      args.push(f.asset);
    }
    args.push(f.limit ?? 200);
    const rows = await q.all<RequestRow>(`SELECT * FROM floor_requests ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY id DESC LIMIT ?`, args);
    const out: WorkRequest[] = [];
    for (const r of rows) out.push(await this.toRequest(q, r));
    return out;
  }

  /** A new request; the photos named (uploaded by the same user, not attached yet) become its own. */
  async create(i: NewRequest): Promise<WorkRequest> {
    const text = i.text.trim();
    if (!text) throw new InputError('msg.payload.text', 'what is wrong (1 to 2000 characters)', i.text);
    if (text.length > MAX_REQUEST_TEXT) throw new InputError('msg.payload.text', `at most ${MAX_REQUEST_TEXT} characters`, i.text);
    return this.store.tx(async (q) => {
      const id = await q.insert('INSERT INTO floor_requests (asset, text, status, requested_by, requested_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)', [i.asset, text, 'new', i.by, i.ts, i.ts]);
      if (id === undefined) throw new StateError('work request not stored');
      if (i.photos?.length) await this.photos.attachToRequest(q, i.photos, i.by, Number(id));
      return this.get(Number(id), q);
    });
  }

  /** Mark a new request decided (compare-and-set): refused when someone decided it already. */
  private async decide(q: Query, d: Decision, status: RequestStatus, reason: string): Promise<RequestRow> {
    const r = await q.one<RequestRow>('SELECT * FROM floor_requests WHERE id = ?', [d.id]);
    if (!r) throw new StateError(`work request ${requestNumber(d.id)} not found`);
    const moved = await q.run('UPDATE floor_requests SET status = ?, decided_by = ?, decided_at = ?, reason = ?, updated_at = ? WHERE id = ? AND status = ?', [status, d.by, d.ts, reason, d.ts, d.id, 'new']);
    if (!moved.changes) {
      const now = await q.one<RequestRow>('SELECT status, decided_by FROM floor_requests WHERE id = ?', [d.id]);
      throw new AlreadyDecidedError(requestNumber(d.id), (now ?? r).status, (now ?? r).decided_by);
    }
    return r;
  }

  /**
   * Approve: a work order on the request's asset (its text as title and description, the
   * requester in its history), the photos linked to it, optionally a checklist; one transaction.
   */
  async approve(d: Decision & { facts?: AssetFacts; priority?: number; title?: string; checklist?: readonly Step[] }, wo: WorkOrderRepo): Promise<{ request: WorkRequest; order: WorkOrder }> {
    let handle: Query | undefined;
    const out = await this.store.tx(async (q) => {
      handle = q;
      const r = await this.decide(q, d, 'approved', '');
      const order = await wo.create(
        {
          ...(d.facts ?? { asset: r.asset }),
          asset: r.asset,
          title: d.title ?? titleOf(r.text),
          description: `${requestNumber(Number(r.id))} from ${r.requested_by}: ${r.text}`,
          priority: d.priority,
          source: 'manual',
          by: d.by,
          ts: d.ts,
        },
        q,
      );
      await q.run('UPDATE floor_requests SET order_id = ? WHERE id = ?', [order.id, d.id]);
      await this.photos.linkRequestToOrder(q, d.id, order.id);
      if (d.checklist?.length) await this.checklists.setOrderSteps(q, order.id, d.checklist);
      return { request: await this.get(d.id, q), order };
    });
    if (handle) wo.committed(handle);
    return out;
  }

  async reject(d: Decision & { reason: string }): Promise<WorkRequest> {
    const reason = d.reason.trim();
    if (!reason) throw new InputError('msg.payload.reason', 'why the request is rejected (1 to 500 characters)', d.reason);
    return this.store.tx(async (q) => {
      await this.decide(q, d, 'rejected', reason.slice(0, 500));
      return this.get(d.id, q);
    });
  }

  /** The assets of the store's asset register, for labels. */
  async registerAssets(q: Query = this.store): Promise<{ id: string; name: string; line: string }[]> {
    const rows = await q.all<{ asset_id: string; name: string; line: string }>('SELECT asset_id, name, line FROM assets ORDER BY line, asset_id');
    return rows.map((r) => ({ id: r.asset_id, name: r.name, line: r.line }));
  }

  async registerAsset(id: string, q: Query = this.store): Promise<{ id: string; name: string; line: string } | undefined> {
    const r = await q.one<{ asset_id: string; name: string; line: string }>('SELECT asset_id, name, line FROM assets WHERE asset_id = ?', [id]);
    return r ? { id: r.asset_id, name: r.name, line: r.line } : undefined;
  }

  /** What the technician page needs of an order: checklist, photos, parts reserved for it. */
  async orderDetail(orderId: number, q: Query = this.store): Promise<{ order: number; checklist: Awaited<ReturnType<ChecklistRepo['orderSteps']>>; photos: PhotoInfo[]; reserved: { part: string; qty: number }[]; planned: { part: string; qty: number }[]; request: number | null }> {
    const w = await q.one<{ parts: string }>('SELECT parts FROM cmms_work_orders WHERE id = ?', [orderId]);
    if (!w) throw new StateError(`work order ${orderId} not found`);
    const reserved = await q.all<{ part: string; qty: number }>('SELECT part, qty FROM cmms_reservations WHERE wo_id = ? ORDER BY part', [orderId]);
    const req = await q.one<{ id: number }>('SELECT id FROM floor_requests WHERE order_id = ?', [orderId]);
    let planned: { part: string; qty: number }[] = [];
    try {
      planned = JSON.parse(w.parts || '[]');
    } catch {
      planned = [];
    }
    return {
      order: orderId,
      checklist: await this.checklists.orderSteps(q, orderId),
      photos: await this.photos.ofOrder(q, orderId),
      reserved: reserved.map((r) => ({ part: r.part, qty: Number(r.qty) })),
      planned: Array.isArray(planned) ? planned.map((p) => ({ part: String(p.part), qty: Number(p.qty) })) : [],
      request: req ? Number(req.id) : null,
    };
  }
}
