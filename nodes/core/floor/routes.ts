/**
 * The floor's HTTP routes (under httpNodeRoot), on plain Node request/response objects so they
 * are tested without Node-RED:
 *
 *   GET  floor/request?asset=ID      request form (the QR link); without    any user (logins off: anyone, typed name)
 *                                    a known machine the machines to pick
 *   POST floor/requests              {asset, text, photos?, by?} -> request  wo.request
 *   GET  floor/requests              planner list (HTML; ?format=json)      logged in; buttons for wo.create
 *   POST floor/requests/:id/approve  {priority?, title?} -> {request, order} wo.create
 *   POST floor/requests/:id/reject   {reason}                               wo.cancel
 *   GET  floor/labels                A4 label sheet                         wo.create (planner, admin)
 *   POST floor/photos[?order=ID]     raw image body (<= 5 MB) -> photo      login; wo.request, with order wo.start
 *   GET  floor/photos/:name          the photo                              login
 *   GET  floor/orders/:id            checklist, photos, reserved parts      any user
 *   POST floor/orders/:id/steps/:n   {done?, by?} tick a step               wo.complete
 *   GET  floor/text, floor/floor.js  page strings (en, de), page script
 *
 * With logins on (a rel-users node), the user is the session's (cookie) and the typed `by` is
 * ignored; with logins off the routes are open like the dashboards, except photos, which need a
 * login, and a decision or request carries the typed name (refused without one). POSTs from
 * another site (Origin / Referer) are refused; JSON bodies are capped at 64 KB. A refusal answers
 * `{error, message}`: `error` the technical text, `message` the same in the page's words and
 * language (?lang=, else Accept-Language), which the pages show.
 */
import { permitted, type Role } from '../auth/roles';
import { crossSite } from '../auth/pages';
import { InputError, StateError } from '../errors';
import type { AssetFacts, WorkOrderRepo } from '../cmms/work-orders';
import { num, optNum, optStr, own, str } from '../validate';
import { FLOOR_TEXT, fill, floorLang, type FloorLang } from '../text/floor-requests';
import { FLOOR_SCRIPT, PAGE_CSP, labelSheet, requestForm, requestList, type FloorNav, type LabelAsset } from './pages';
import { MAX_PHOTO_BYTES, PhotoError, readCapped } from './photos';
import { AlreadyDecidedError, REQUEST_STATUSES, type RequestRepo } from './requests';

export interface FloorUser {
  username: string;
  name: string;
  role: Role;
}

export interface FloorReq extends NodeJS.ReadableStream {
  method?: string;
  url?: string;
  headers: Record<string, string | string[] | undefined>;
  body?: unknown;
}
export interface FloorRes {
  statusCode: number;
  setHeader(name: string, value: string): unknown;
  end(body?: string | Buffer): unknown;
  headersSent?: boolean;
}

export interface FloorDeps {
  repo: RequestRepo;
  wo: WorkOrderRepo;
  /** Resolves when the store is migrated. */
  ready(): Promise<unknown>;
  /** Whether dashboard logins are on. */
  loginsOn(): boolean;
  /** The session's user (cookie), or undefined. */
  user(req: FloorReq): Promise<FloorUser | undefined>;
  now(): number;
  /** httpNodeRoot with a trailing slash. */
  root: string;
  /** Every asset for labels and the machine picker (deployed rel-assets and the register), in the line's order. */
  assets(): Promise<LabelAsset[]>;
  asset(id: string): Promise<LabelAsset | undefined>;
  facts(id: string): AssetFacts | undefined;
  /** The request link's origin for labels (`https://box:1880`); else from the request's Host. */
  baseUrl?: string;
  /** The deployed dashboard's path (`/dashboard`) for the link back, or undefined (none deployed). */
  dashboard?(): string | undefined;
  /** The plant's time zone for the times on the pages (IANA name; default UTC). */
  tz?: string;
  /** A request was created or decided (the node sends it on). */
  emit(event: 'new' | 'approved' | 'rejected' | 'step' | 'photo', payload: unknown, user?: FloorUser): void;
  /** Where a server error's details go (the Node-RED log); the phone gets a plain message only. */
  warn?(text: string): void;
}

const MAX_JSON = 64 * 1024;

function header(req: FloorReq, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function send(res: FloorRes, code: number, type: string, body: string | Buffer, extra: Record<string, string> = {}): void {
  res.statusCode = code;
  res.setHeader('Content-Type', type);
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  for (const [k, v] of Object.entries(extra)) res.setHeader(k, v);
  res.end(body);
}
const json = (res: FloorRes, code: number, v: unknown) => send(res, code, 'application/json; charset=utf-8', JSON.stringify(v));
const html = (res: FloorRes, body: string) => send(res, 200, 'text/html; charset=utf-8', body, { 'Content-Security-Policy': PAGE_CSP, 'X-Frame-Options': 'DENY' });

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** The refusal in the page's words and language. */
    readonly text?: string,
  ) {
    super(message);
  }
}

/** What a refusal says to the person on the page (their language, no property paths). */
function worded(e: unknown, lang: FloorLang, route: 'send' | 'decide' | 'other'): string {
  const t = FLOOR_TEXT[lang];
  if (e instanceof HttpError && e.text) return e.text;
  if (e instanceof AlreadyDecidedError) {
    const rejected = e.status === 'rejected';
    if (!e.by) return fill(rejected ? t.alreadyRejectedAnon : t.alreadyApprovedAnon, { number: e.number });
    return fill(rejected ? t.alreadyRejected : t.alreadyApproved, { number: e.number, by: e.by });
  }
  if (e instanceof InputError) {
    const what = e.path.replace(/^msg\.payload\./, '');
    if (what === 'by') return route === 'decide' ? t.needName : t.nameMissing;
    if (what === 'reason') return t.needReason;
    if (what === 'text') return t.textMissing;
  }
  return fill(t.error, { text: e instanceof Error ? e.message : String(e) });
}

async function readJson(req: FloorReq): Promise<Record<string, unknown>> {
  if (req.body && typeof req.body === 'object' && !Buffer.isBuffer(req.body)) return req.body as Record<string, unknown>;
  if (!(header(req, 'content-type') ?? '').startsWith('application/json')) throw new HttpError(415, 'body: expected application/json');
  let buf: Buffer;
  try {
    buf = await readCapped(req as never, MAX_JSON);
  } catch (e) {
    if (e instanceof PhotoError) throw new HttpError(413, `body: at most ${MAX_JSON} bytes of JSON`);
    throw e; // the request closed before its body ended
  }
  try {
    const v = JSON.parse(buf.toString('utf8') || '{}');
    if (!v || typeof v !== 'object' || Array.isArray(v)) throw new Error('not an object');
    return v;
  } catch {
    throw new HttpError(400, 'body: expected a JSON object');
  }
}

/** Handle a floor route; false when the path is not one (the caller passes it on). */
export async function handleFloor(d: FloorDeps, req: FloorReq, res: FloorRes): Promise<boolean> {
  const url = new URL(req.url ?? '/', 'http://x');
  const rel = url.pathname.startsWith(d.root) ? url.pathname.slice(d.root.length) : url.pathname.replace(/^\//, '');
  if (!rel.startsWith('floor/')) return false;
  const method = (req.method ?? 'GET').toUpperCase();
  const lang = floorLang(url.searchParams.get('lang') ?? header(req, 'accept-language'));
  try {
    if (method === 'GET' && rel === 'floor/floor.js') {
      send(res, 200, 'text/javascript; charset=utf-8', FLOOR_SCRIPT);
      return true;
    }
    if (method === 'GET' && rel === 'floor/text') {
      json(res, 200, FLOOR_TEXT[lang]);
      return true;
    }
    if (method === 'POST' && crossSite(header(req, 'host'), header(req, 'origin'), header(req, 'referer'))) throw new HttpError(403, 'posted from another site');
    await d.ready();
    const on = d.loginsOn();
    const user = on ? await d.user(req) : undefined;
    const t = FLOOR_TEXT[lang];
    const need = (permission: string | null): FloorUser | undefined => {
      if (!on) return undefined;
      if (!user) throw new HttpError(401, 'not logged in', t.notLoggedIn);
      if (permission && !permitted(user.role, permission)) throw new HttpError(403, `${user.username} (${user.role}) may not do this (${permission})`, fill(t.notAllowed, { user: user.name || user.username }));
      return user;
    };
    const can = (permission: string | null): boolean => !on || (!!user && (permission === null || permitted(user.role, permission)));
    // The links on top of a page: the dashboard and the other floor pages this user may open.
    const nav = (here: 'form' | 'requests' | 'labels'): FloorNav => ({ dashboard: d.dashboard?.(), form: here !== 'form' && can('wo.request'), requests: here !== 'requests' && can(null), labels: here !== 'labels' && can('wo.create') });
    // With logins on the session's user acts (a typed name is ignored); with logins off the typed name, which must not be empty.
    const actor = (body: Record<string, unknown>): string => {
      if (user) return user.username;
      const v = own(body, 'by');
      if (typeof v !== 'string' || !v.trim()) throw new InputError('by', 'your name (1 to 200 characters)', v);
      return str(v.trim(), 'by', { maxLength: 200 });
    };
    const loginPage = () => {
      res.statusCode = 302;
      res.setHeader('Location', `${d.root}dashboard-login?next=${encodeURIComponent(url.pathname + url.search)}`);
      res.setHeader('Cache-Control', 'no-store');
      res.end();
    };
    let m: RegExpExecArray | null;

    if (method === 'GET' && rel === 'floor/request') {
      if (on && !user) return loginPage(), true;
      need('wo.request');
      const id = (url.searchParams.get('asset') ?? '').slice(0, 200);
      const a = id ? await d.asset(id) : undefined;
      html(res, requestForm({ asset: id, assetName: a?.name, known: !!a, user, photosAllowed: on, lang, root: d.root, machines: a ? undefined : await d.assets(), nav: nav('form') }));
      return true;
    }
    if (rel === 'floor/requests') {
      if (method === 'POST') {
        const u = need('wo.request');
        const body = await readJson(req);
        const asset = str(own(body, 'asset'), 'asset', { maxLength: 200 });
        if (!(await d.asset(asset))) throw new InputError('asset', 'a deployed rel-asset or one in the asset register', asset);
        const photos = own(body, 'photos') ?? [];
        if (!Array.isArray(photos) || photos.some((p) => typeof p !== 'string')) throw new InputError('photos', 'an array of photo names', photos);
        const r = await d.repo.create({ asset, text: str(own(body, 'text'), 'text', { maxLength: 2000 }), by: actor(body), ts: d.now(), photos: photos as string[] });
        d.emit('new', r, u);
        json(res, 201, r);
        return true;
      }
      if (on && !user && (header(req, 'accept') ?? '').includes('text/html')) return loginPage(), true;
      need(null);
      const st = url.searchParams.get('status');
      const status = st && (REQUEST_STATUSES as readonly string[]).includes(st) ? (st as 'new') : undefined;
      const list = await d.repo.list({ status, limit: 100 });
      if (url.searchParams.get('format') === 'json') json(res, 200, list);
      else {
        const names = new Map((await d.assets()).map((a) => [a.id, a.name]));
        html(res, requestList(list, lang, d.root, can('wo.create'), { names, tz: d.tz, askName: !on, user, nav: nav('requests'), now: d.now() }));
      }
      return true;
    }
    if (method === 'POST' && (m = /^floor\/requests\/(\d{1,15})\/(approve|reject)$/.exec(rel))) {
      const approve = m[2] === 'approve';
      const u = need(approve ? 'wo.create' : 'wo.cancel');
      const body = await readJson(req);
      const id = Number(m[1]);
      if (approve) {
        const r0 = await d.repo.get(id);
        const out = await d.repo.approve(
          { id, by: actor(body), ts: d.now(), facts: d.facts(r0.asset), priority: optNum(own(body, 'priority'), 'priority', { min: 1, max: 4, integer: true }), title: optStr(own(body, 'title'), 'title', { maxLength: 200 }) },
          d.wo,
        );
        d.emit('approved', out, u);
        json(res, 200, out);
      } else {
        const out = await d.repo.reject({ id, by: actor(body), ts: d.now(), reason: str(own(body, 'reason'), 'reason', { maxLength: 500 }) });
        d.emit('rejected', out, u);
        json(res, 200, out);
      }
      return true;
    }
    if (method === 'GET' && rel === 'floor/labels') {
      if (on && !user) return loginPage(), true;
      need('wo.create');
      const base = d.baseUrl || `${header(req, 'x-forwarded-proto') === 'https' ? 'https' : 'http'}://${header(req, 'host') ?? 'localhost'}`;
      const assets = await d.assets();
      html(res, labelSheet(assets, (id) => `${base.replace(/\/$/, '')}${d.root}floor/request?asset=${encodeURIComponent(id)}`, lang, d.root, nav('labels')));
      return true;
    }
    if (method === 'POST' && rel === 'floor/photos') {
      if (!on) throw new HttpError(403, 'photos need logins: deploy a rel-users node');
      const orderText = url.searchParams.get('order');
      const order = orderText === null ? undefined : num(Number(orderText), 'order', { min: 1, integer: true, max: Number.MAX_SAFE_INTEGER });
      const u = need(order === undefined ? 'wo.request' : 'wo.start')!;
      const body = await readCapped(req as never, MAX_PHOTO_BYTES);
      // photos uploaded for a request never sent go after a day (before the cap is counted)
      await d.repo.photos.purgeUnsent(d.repo.store, d.now());
      const info = await d.repo.photos.save(d.repo.store, body, u.username, d.now(), { order }, async (q) => {
        if (order === undefined) return;
        const w = await q.one<{ status: string }>('SELECT status FROM cmms_work_orders WHERE id = ?', [order]);
        if (!w) throw new StateError(`work order ${order} not found`);
      });
      if (order !== undefined) d.emit('photo', info, u);
      json(res, 201, info);
      return true;
    }
    if (method === 'GET' && (m = /^floor\/photos\/([^/]{1,100})$/.exec(rel))) {
      if (!on) throw new HttpError(403, 'photos need logins: deploy a rel-users node');
      need(null);
      const p = await d.repo.photos.read(d.repo.store, m[1]);
      if (!p) throw new HttpError(404, 'no such photo');
      send(res, 200, p.info.type, p.body, { 'Content-Security-Policy': "default-src 'none'", 'Cache-Control': 'private, no-store' });
      return true;
    }
    if (method === 'GET' && (m = /^floor\/orders\/(\d{1,15})$/.exec(rel))) {
      need(null);
      json(res, 200, await d.repo.orderDetail(Number(m[1])));
      return true;
    }
    if (method === 'POST' && (m = /^floor\/orders\/(\d{1,15})\/steps\/(\d{1,3})$/.exec(rel))) {
      const u = need('wo.complete');
      const body = await readJson(req);
      const done = own(body, 'done');
      if (done !== undefined && typeof done !== 'boolean') throw new InputError('done', 'true or false', done);
      const order = Number(m[1]);
      const steps = await d.repo.store.tx((q) => d.repo.checklists.tick(q, order, Number(m![2]) - 1, actor(body), d.now(), done !== false));
      d.emit('step', { order, checklist: steps }, u);
      json(res, 200, { order, checklist: steps });
      return true;
    }
    throw new HttpError(404, `no floor route ${method} ${rel}`);
  } catch (e) {
    if (res.headersSent) return true;
    const code = e instanceof HttpError || e instanceof PhotoError ? e.status : e instanceof InputError ? 400 : e instanceof StateError ? 409 : 500;
    const route = /^floor\/requests\/\d+\/(approve|reject)$/.test(rel) ? 'decide' : rel === 'floor/requests' ? 'send' : 'other';
    if (code === 500) {
      // the details (a database host, a file path) go to the log, not to whoever is asking
      d.warn?.(`floor ${method} ${rel}: ${e instanceof Error ? e.message : String(e)}`);
      const plain = FLOOR_TEXT[lang].serverError;
      json(res, 500, { error: plain, message: fill(FLOOR_TEXT[lang].error, { text: plain }) });
      return true;
    }
    json(res, code, { error: e instanceof Error ? e.message : String(e), message: worded(e, lang, route) });
    return true;
  }
}
