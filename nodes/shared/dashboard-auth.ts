/**
 * Logins on the Dashboard 2.0 pages, enforced on the server. Installed once per runtime by this
 * package's plugin (nodes/plugins/rel-dashboard-auth), which Node-RED loads before any node:
 *
 * - HTTP (RED.httpNode, in front of the dashboard's own routes): the login page
 *   `<httpNodeRoot>dashboard-login` (GET form, POST user name + password), `dashboard-logout`
 *   (POST), `dashboard-login/me` (JSON: who is logged in); with logins on, the dashboard's pages
 *   redirect to the login page and its `_setup` answers 401 without a live session.
 * - socket.io (the dashboard's server, found through its ui-base nodes): a connection middleware
 *   refuses a socket without a valid session cookie on its handshake, and a packet middleware on
 *   every socket caps each inbound event (256 KB, 32 levels deep; the dashboard's own events need a
 *   string widget id) before the dashboard's handlers, whose recursive code a hostile message
 *   could otherwise overflow; an offending socket is disconnected.
 * - Dashboard 2.0 plugin hooks: the logged-in user goes on every message a widget sends as
 *   `msg._client.user = { username, name, role }` (anything a browser put in `_client` is
 *   dropped first); messages aimed at one user (`msg._client.user` without a socket id) reach only
 *   that user's sockets and are not stored for replay.
 *
 * Logins are on while a `rel-users` config node is deployed (the realm below); without one the
 * dashboards stay open, and the caps and the `_client` clean-up still apply.
 */
import { AuthService, crossSite as fromOtherSite, DEFAULT_INBOUND, isTokenShape, loggedInPage as loggedIn, loginForm as form, packetProblem, readCookie, resetClient, safeNext as nextOr, sessionCookie, tokenHash, type AuthUser } from '../core/auth';
import type { NodeDef, RedApi } from './red';

export const LOGIN_PATH = '/dashboard-login';
export const LOGOUT_PATH = '/dashboard-logout';
export const ME_PATH = '/dashboard-login/me';
/** Largest login form body read. */
const MAX_FORM = 8 * 1024;
/** How often a connected socket's session is checked again (disabled users, logouts on other boxes). */
export const RECHECK_MS = 30_000;

/** The deployed rel-users node's service. */
export interface Realm {
  nodeId: string;
  /** Resolves when the store is migrated and the first admin bootstrapped; rejects on failure. */
  ready: Promise<AuthService>;
  sessionMs: number;
}

interface SocketAuth {
  user: AuthUser;
  tokenHash: string;
  expiresAt: number;
  checkedAt: number;
  checking?: boolean;
}

/** The slice of a socket.io socket used here. */
interface IoSocket {
  id: string;
  data: { relGuarded?: boolean; relAuth?: SocketAuth };
  handshake: { headers: Record<string, string | string[] | undefined>; address?: string };
  connected?: boolean;
  use(fn: (packet: unknown[], next: (err?: Error) => void) => void): void;
  disconnect(close?: boolean): void;
}
interface IoServer {
  use(fn: (socket: IoSocket, next: (err?: Error) => void) => void): void;
  of(ns: string): { sockets: Map<string, IoSocket> };
}

type Req = {
  method: string;
  path: string;
  url: string;
  originalUrl: string;
  baseUrl: string;
  headers: Record<string, string | string[] | undefined>;
  secure?: boolean;
  ip?: string;
  body?: unknown;
  on(ev: string, cb: (...a: any[]) => void): void;
  socket?: { remoteAddress?: string };
};
type Res = {
  status(code: number): Res;
  setHeader(name: string, value: string | string[]): void;
  end(body?: string): void;
  headersSent?: boolean;
};

const state: {
  RED?: RedApi;
  realm?: Realm;
  ios: Set<IoServer>;
  dashPaths: string[] | undefined;
  /** Whether the deployed flows hold a rel-users node (scanned again when flows start). */
  flowsHaveUsers: boolean | undefined;
} = { ios: new Set(), dashPaths: undefined, flowsHaveUsers: undefined };

// --- the realm (set by the rel-users node) ---

/** Make a rel-users node the one realm; refused when another is active. */
export function setRealm(realm: Realm): void {
  if (state.realm && state.realm.nodeId !== realm.nodeId) throw new Error(`another rel-users node (${state.realm.nodeId}) already owns the dashboard logins; deploy only one`);
  state.realm = realm;
  state.flowsHaveUsers = true;
  realm.ready.catch(() => undefined);
}

export function clearRealm(nodeId: string): void {
  if (state.realm?.nodeId === nodeId) state.realm = undefined;
}

export function activeRealm(): Realm | undefined {
  return state.realm;
}

/**
 * Whether logins are required: a rel-users node is deployed (or is in the deployed flows and
 * still starting: then nobody gets in until it is ready).
 */
export function loginsRequired(): boolean {
  if (state.realm) return true;
  if (state.flowsHaveUsers === undefined) {
    let found = false;
    try {
      state.RED?.nodes.eachNode?.((n: NodeDef) => {
        if (n.type === 'rel-users' && !n.d) found = true;
      });
    } catch {
      // the flows are not loaded yet (a request or socket during start-up): nobody gets in until
      // they are, and the answer is not kept
      return true;
    }
    state.flowsHaveUsers = found;
  }
  return state.flowsHaveUsers;
}

async function service(): Promise<AuthService | undefined> {
  const r = state.realm;
  if (!r) return undefined;
  return r.ready;
}

// --- sockets ---

function eachSocket(fn: (s: IoSocket) => void): void {
  for (const io of state.ios) for (const s of io.of('/').sockets.values()) fn(s);
}

/** Disconnect the dashboard sockets of one session (by token hash) or one user. */
export function disconnectSessions(match: { tokenHash?: string; username?: string }): number {
  let n = 0;
  eachSocket((s) => {
    const a = s.data.relAuth;
    if (!a) return;
    if ((match.tokenHash && a.tokenHash === match.tokenHash) || (match.username && a.user.username === match.username)) {
      s.disconnect(true);
      n++;
    }
  });
  return n;
}

function warn(text: string): void {
  state.RED?.log.warn(`[rel-users] ${text}`);
}

/**
 * Refusals are logged at most once per 10 s for each reason (a hostile client cannot flood the
 * log); the rest are counted in the next report.
 */
const refusals = new Map<string, { last: number; skipped: number }>();
function warnRefusal(reason: string, text: string): void {
  const now = Date.now();
  const r = refusals.get(reason) ?? { last: 0, skipped: 0 };
  if (now - r.last < 10_000) {
    r.skipped++;
    refusals.set(reason, r);
    return;
  }
  const more = r.skipped ? ` (${r.skipped} more refused for this since the last report)` : '';
  refusals.set(reason, { last: now, skipped: 0 });
  warn(text + more);
}

/**
 * Every 30 s: with logins on, close the sockets whose session has expired or has no user, and
 * check the others' sessions again (a logout or a disabled user on another box), so an idle page
 * that only receives is cut too.
 */
function sweep(): void {
  if (!loginsRequired()) return;
  const now = Date.now();
  eachSocket((s) => {
    const a = s.data.relAuth;
    if (!a || a.expiresAt <= now) return s.disconnect(true);
    if (now - a.checkedAt > RECHECK_MS && !a.checking) {
      a.checking = true;
      void recheck(s, a);
    }
  });
}

function socketWho(s: IoSocket): string {
  const u = s.data.relAuth?.user;
  return `${u ? `user ${u.username}` : 'a socket'} from ${s.handshake.address ?? '?'}`;
}

/** The packet middleware: caps, then the session's expiry and a periodic re-check, then `_client` of events the hooks do not see. */
function packetGuard(socket: IoSocket) {
  return (packet: unknown[], next: (err?: Error) => void) => {
    const problem = packetProblem(packet, DEFAULT_INBOUND);
    if (problem) {
      warnRefusal(problem, `dashboard: refused a message from ${socketWho(socket)} and closed its connection: ${problem}`);
      socket.disconnect(true);
      return;
    }
    const a = socket.data.relAuth;
    if (loginsRequired()) {
      const now = Date.now();
      if (!a || a.expiresAt <= now) {
        socket.disconnect(true);
        return;
      }
      if (now - a.checkedAt > RECHECK_MS && !a.checking) {
        a.checking = true;
        void recheck(socket, a);
      }
    }
    // ui-event and widgets' own events: the browser's _client out, the logged-in user in
    resetClient(packet, loginsRequired() ? userOf(socket) : undefined);
    next();
  };
}

async function recheck(socket: IoSocket, a: SocketAuth): Promise<void> {
  try {
    const svc = await service();
    const token = readCookie(socket.handshake.headers.cookie);
    const user = svc && isTokenShape(token) ? await svc.validate(token) : undefined;
    if (!user) {
      socket.disconnect(true);
      return;
    }
    a.user = { username: user.username, name: user.name, role: user.role };
    a.expiresAt = user.expiresAt;
    a.checkedAt = Date.now();
  } catch {
    socket.disconnect(true);
  } finally {
    a.checking = false;
  }
}

/** The connection middleware: every socket gets the packet guard; with logins on, a session. */
function connectionGuard(socket: IoSocket, next: (err?: Error) => void): void {
  socket.data.relGuarded = true;
  socket.use(packetGuard(socket));
  if (!loginsRequired()) return next();
  const token = readCookie(socket.handshake.headers.cookie);
  const refuse = (why: string) => next(Object.assign(new Error(why), { data: { login: LOGIN_PATH } }));
  if (!isTokenShape(token)) return refuse('not logged in');
  service()
    .then(async (svc) => {
      if (!svc) return refuse('logins are not ready');
      const user = await svc.validate(token);
      if (!user) return refuse('not logged in');
      socket.data.relAuth = { user: { username: user.username, name: user.name, role: user.role }, tokenHash: tokenHash(token), expiresAt: user.expiresAt, checkedAt: Date.now() };
      next();
    })
    .catch(() => refuse('logins are not available'));
}

/** Attach the guards to every dashboard socket.io server not yet guarded. */
export function guardDashboardSockets(): void {
  const RED = state.RED;
  if (!RED) return;
  const paths: string[] = [];
  RED.nodes.eachNode?.((def: NodeDef) => {
    if (def.type !== 'ui-base' || def.d) return;
    if (typeof def.path === 'string') paths.push(def.path);
    const node = RED.nodes.getNode(def.id) as { uiShared?: { ioServer?: IoServer } } | null;
    const io = node?.uiShared?.ioServer;
    if (!io || state.ios.has(io)) return;
    state.ios.add(io);
    io.use(connectionGuard);
    // Sockets that connected before the guard (a browser reconnecting during start-up) go through it again.
    for (const s of io.of('/').sockets.values()) if (!s.data.relGuarded) s.disconnect(true);
  });
  state.dashPaths = paths;
}

/** A socket the hooks may pass messages from; others are disconnected (they come back through the guard). */
function admitted(conn: IoSocket): boolean {
  if (!conn?.data?.relGuarded) {
    guardDashboardSockets();
    conn?.disconnect?.(true);
    return false;
  }
  if (loginsRequired() && !conn.data.relAuth) {
    conn.disconnect(true);
    return false;
  }
  return true;
}

function userOf(conn: IoSocket): AuthUser | undefined {
  const u = conn?.data?.relAuth?.user;
  return u ? { username: u.username, name: u.name, role: u.role } : undefined;
}

/** Drop what a browser put in `_client` and add the logged-in user. Arrays (several outputs) element by element. */
function stampUser(msg: unknown, conn: IoSocket): unknown {
  const user = userOf(conn);
  const stamp = (m: unknown): unknown => {
    if (m === null || typeof m !== 'object') return m;
    if (Array.isArray(m)) return m.map(stamp);
    const out = m as Record<string, unknown>;
    delete out._client;
    if (user) out._client = { user };
    return out;
  };
  return stamp(msg);
}

/** The Dashboard 2.0 plugin hooks. */
export function dashboardHooks() {
  return {
    onAction(conn: IoSocket, _id: string, msg: unknown) {
      if (!admitted(conn)) return null;
      return stampUser(msg, conn);
    },
    onSend(conn: IoSocket, _id: string, msg: unknown) {
      if (!admitted(conn)) return null;
      return stampUser(msg, conn);
    },
    onChange(conn: IoSocket, _id: string, msg: unknown) {
      if (!admitted(conn)) return null;
      // msg is the widget's stored message (the browser's value is added after this hook).
      const user = userOf(conn);
      const m = { ...((msg ?? {}) as Record<string, unknown>) };
      delete m._client;
      if (user) m._client = { user };
      return m;
    },
    onLoad(conn: IoSocket, _id: string, msg: unknown) {
      if (!admitted(conn)) return null;
      return msg;
    },
    onAddConnectionCredentials(conn: IoSocket, msg: Record<string, unknown>) {
      // the dashboard adds socketId and socketIp after this hook
      if (msg && typeof msg === 'object') {
        const user = userOf(conn);
        if (user) msg._client = { user };
        else delete msg._client;
      }
      return msg;
    },
    onIsValidConnection(conn: IoSocket, msg: { _client?: { socketId?: unknown; user?: { username?: unknown } } }) {
      if (loginsRequired() && !conn?.data?.relAuth) return false;
      const target = msg?._client?.user?.username;
      if (typeof target === 'string' && !msg._client?.socketId) return conn?.data?.relAuth?.user.username === target;
      return true;
    },
    onCanSaveInStore(msg: { _client?: { user?: unknown } }) {
      return !msg?._client?.user;
    },
  };
}

// --- HTTP ---

function header(req: Req, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function root(): string {
  const r = state.RED?.settings.httpNodeRoot;
  return typeof r === 'string' && r.startsWith('/') ? (r.endsWith('/') ? r : r + '/') : '/';
}

/** Where to go after login: a path on this server only (no //host, no scheme). */
function safeNext(v: unknown): string {
  return nextOr(v, root() + (dashboardPaths()[0] ?? '/dashboard').replace(/^\//, ''));
}

function urls() {
  return { login: root() + LOGIN_PATH.slice(1), logout: root() + LOGOUT_PATH.slice(1) };
}

function loginForm(next: string, message?: { kind: 'err' | 'ok'; text: string }, user = ''): string {
  return form(urls(), next, message, user);
}

function loggedInPage(user: AuthUser, next: string): string {
  return loggedIn(urls(), user, next);
}

function dashboardPaths(): string[] {
  if (!state.dashPaths) guardDashboardSockets();
  return state.dashPaths ?? [];
}

/**
 * A request path as Express routes it, for comparing: Express matches routes whatever the case
 * (`/DASHBOARD/_setup` reaches the dashboard's `/dashboard/_setup`), so the comparison ignores
 * case; percent-escapes are decoded and repeated slashes collapsed, so that no spelling of a
 * dashboard path gets past the guard (one that Express would not route there only asks for a
 * login it did not need).
 */
export function routeKey(p: string): string {
  let d = p;
  try {
    d = decodeURIComponent(p);
  } catch {
    // a malformed escape: compared as it came
  }
  return d.replace(/\/{2,}/g, '/').toLowerCase();
}

function onDashboard(path: string): boolean {
  const p = routeKey(path);
  return dashboardPaths().some((dash) => {
    const d = routeKey(dash);
    return p === d || p.startsWith(d.endsWith('/') ? d : d + '/');
  });
}

function secure(req: Req): boolean {
  return req.secure === true;
}

function send(res: Res, code: number, type: string, body: string): void {
  res.status(code);
  res.setHeader('Content-Type', type);
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
  res.end(body);
}

function readForm(req: Req): Promise<URLSearchParams | undefined> {
  return new Promise((resolve) => {
    const type = header(req, 'content-type') ?? '';
    if (!type.startsWith('application/x-www-form-urlencoded')) return resolve(undefined);
    // A body parser in front (settings.httpNodeMiddleware) may have read it already.
    if (req.body && typeof req.body === 'object') {
      const p = new URLSearchParams();
      for (const [k, v] of Object.entries(req.body as Record<string, unknown>)) if (typeof v === 'string') p.set(k, v);
      return resolve(p);
    }
    let size = 0;
    const chunks: Buffer[] = [];
    let done = false;
    req.on('data', (c: Buffer) => {
      if (done) return;
      size += c.length;
      if (size > MAX_FORM) {
        done = true;
        resolve(undefined);
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (done) return;
      done = true;
      resolve(new URLSearchParams(Buffer.concat(chunks).toString('utf8')));
    });
    req.on('error', () => {
      if (!done) {
        done = true;
        resolve(undefined);
      }
    });
  });
}

/** A POST from another site (Origin or Referer naming another host) is refused. */
function crossSite(req: Req): boolean {
  return fromOtherSite(header(req, 'host'), header(req, 'origin'), header(req, 'referer'));
}

async function currentUser(req: Req): Promise<(AuthUser & { expiresAt: number }) | undefined> {
  const token = readCookie(header(req, 'cookie'));
  if (!isTokenShape(token)) return undefined;
  const svc = await service();
  return svc ? svc.validate(token) : undefined;
}

function clientAddress(req: Req): string {
  return String(req.ip ?? req.socket?.remoteAddress ?? '');
}

async function handleLogin(req: Req, res: Res): Promise<void> {
  const url = new URL(req.url, 'http://x');
  if (req.method === 'GET' || req.method === 'HEAD') {
    const next = safeNext(url.searchParams.get('next'));
    if (!state.realm) return send(res, 503, 'text/html; charset=utf-8', loginForm(next, { kind: 'err', text: 'Logins are not set up on this Node-RED: deploy a rel-users node.' }));
    const user = await currentUser(req).catch(() => undefined);
    if (user) return send(res, 200, 'text/html; charset=utf-8', loggedInPage(user, next));
    return send(res, 200, 'text/html; charset=utf-8', loginForm(next));
  }
  if (req.method !== 'POST') return send(res, 405, 'text/plain; charset=utf-8', 'GET or POST');
  if (crossSite(req)) return send(res, 403, 'text/plain; charset=utf-8', 'login form posted from another site');
  const form = await readForm(req);
  if (!form) return send(res, 400, 'text/html; charset=utf-8', loginForm(safeNext(undefined), { kind: 'err', text: 'The form could not be read (expected user name and password, at most 8 KB).' }));
  const next = safeNext(form.get('next'));
  const typed = (form.get('username') ?? '').slice(0, 64);
  let svc: AuthService | undefined;
  try {
    svc = await service();
  } catch {
    svc = undefined;
  }
  if (!svc) return send(res, 503, 'text/html; charset=utf-8', loginForm(next, { kind: 'err', text: 'Logins are not available: the user store is not ready (see the Node-RED log).' }, typed));
  const r = await svc.login(typed, form.get('password') ?? '', clientAddress(req));
  if (!r.ok) {
    if (r.reason === 'locked') {
      const min = Math.max(1, Math.ceil((r.retryAt - Date.now()) / 60_000));
      return send(res, 429, 'text/html; charset=utf-8', loginForm(next, { kind: 'err', text: `Too many failed logins for this user name: try again in ${min} min.` }, typed));
    }
    return send(res, 401, 'text/html; charset=utf-8', loginForm(next, { kind: 'err', text: 'Wrong user name or password.' }, typed));
  }
  const maxAgeS = Math.floor((r.expiresAt - Date.now()) / 1000);
  res.setHeader('Set-Cookie', sessionCookie(r.token, { path: root(), maxAgeS, secure: secure(req) }));
  state.RED?.log.info(`[rel-users] ${r.user.username} (${r.user.role}) logged in from ${clientAddress(req)}`);
  res.status(303);
  res.setHeader('Location', next);
  res.setHeader('Cache-Control', 'no-store');
  res.end();
}

async function handleLogout(req: Req, res: Res): Promise<void> {
  if (req.method === 'GET' || req.method === 'HEAD') {
    const user = await currentUser(req).catch(() => undefined);
    if (user) return send(res, 200, 'text/html; charset=utf-8', loggedInPage(user, safeNext(undefined)));
    return send(res, 200, 'text/html; charset=utf-8', loginForm(safeNext(undefined), { kind: 'ok', text: 'You are logged out.' }));
  }
  if (req.method !== 'POST') return send(res, 405, 'text/plain; charset=utf-8', 'POST');
  if (crossSite(req)) return send(res, 403, 'text/plain; charset=utf-8', 'logout posted from another site');
  const token = readCookie(header(req, 'cookie'));
  if (isTokenShape(token)) {
    try {
      const svc = await service();
      await svc?.logout(token);
    } catch {
      /* the cookie goes anyway */
    }
    disconnectSessions({ tokenHash: tokenHash(token) });
  }
  res.setHeader('Set-Cookie', sessionCookie('', { path: root(), maxAgeS: 0, secure: secure(req) }));
  send(res, 200, 'text/html; charset=utf-8', loginForm(safeNext(undefined), { kind: 'ok', text: 'You are logged out.' }));
}

async function handleMe(req: Req, res: Res): Promise<void> {
  const user = await currentUser(req).catch(() => undefined);
  if (!user) return send(res, 401, 'application/json', JSON.stringify({ user: null, login: root() + LOGIN_PATH.slice(1) }));
  send(res, 200, 'application/json', JSON.stringify({ user: { username: user.username, name: user.name, role: user.role }, expiresAt: user.expiresAt, logout: root() + LOGOUT_PATH.slice(1) }));
}

/** In front of the dashboard's routes: the login routes, and the session check on its pages. */
function httpGuard(req: Req, res: Res, next: () => void): void {
  const p = req.path;
  const fail = (e: unknown) => {
    warn(`login route failed: ${e instanceof Error ? e.message : String(e)}`);
    if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', 'login failed on the server');
  };
  if (p === LOGIN_PATH) return void handleLogin(req, res).catch(fail);
  if (p === LOGOUT_PATH) return void handleLogout(req, res).catch(fail);
  if (p === ME_PATH) return void handleMe(req, res).catch(fail);
  if (!onDashboard(p)) return next();
  guardDashboardSockets();
  if (!loginsRequired()) return next();
  currentUser(req)
    .catch(() => undefined)
    .then((user) => {
      if (user) return next();
      const html = (header(req, 'accept') ?? '').includes('text/html');
      if ((req.method === 'GET' || req.method === 'HEAD') && html && !p.endsWith('/_setup')) {
        res.status(302);
        res.setHeader('Location', `${root()}${LOGIN_PATH.slice(1)}?next=${encodeURIComponent(req.originalUrl)}`);
        res.setHeader('Cache-Control', 'no-store');
        return res.end();
      }
      send(res, 401, 'application/json', JSON.stringify({ error: 'not logged in', login: root() + LOGIN_PATH.slice(1) }));
    });
}

/** Install the plugin's HTTP routes, hooks and socket guards once per runtime. */
export function installDashboardAuth(RED: RedApi & { plugins?: { registerPlugin(id: string, def: object): void }; events?: { on(ev: string, cb: () => void): void }; httpNode?: { use(fn: Function): void } }): void {
  if (state.RED) return;
  state.RED = RED;
  if (RED.settings.httpNodeRoot !== false && RED.httpNode) RED.httpNode.use(httpGuard);
  RED.events?.on('flows:started', () => {
    state.dashPaths = undefined;
    state.flowsHaveUsers = undefined;
    guardDashboardSockets();
  });
  RED.plugins?.registerPlugin('rel-dashboard-auth', { type: 'node-red-dashboard-2', hooks: dashboardHooks() });
  setInterval(sweep, RECHECK_MS).unref();
}

/** For the rel-users node: the runtime this was installed in (undefined before the plugin loaded). */
export function installedRuntime(): RedApi | undefined {
  return state.RED;
}
