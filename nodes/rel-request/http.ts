/**
 * The floor routes of rel-request on Node-RED's HTTP node app (httpNodeRoot), installed once per
 * runtime: they answer for the rel-request node deployed last (none deployed: passed on). The
 * user is the dashboard session's (rel-users), read from the cookie through the auth service.
 * Also what the pages need of the flows: the line's order of the rel-asset nodes and the
 * dashboard's path for the link back.
 */
import { isTokenShape, readCookie } from '../core/auth';
import { handleFloor, type FloorDeps, type FloorReq, type FloorRes, type FloorUser, type LabelAsset } from '../core/floor';
import { deployedAssets } from '../shared/assets';
import { activeRealm, loginsRequired } from '../shared/dashboard-auth';
import type { RedApi } from '../shared/red';

/** Runs one route's work: the node tracks it so its close waits for it (inFlight().run). */
export type RunRoute = <T>(fn: () => Promise<T>) => Promise<T>;

/** A request still receiving its body can be cut off at close (a slow upload does not hold up a redeploy). */
type LiveReq = FloorReq & { complete?: boolean; destroy?: (e?: Error) => void };
const live: { deps: FloorDeps; run: RunRoute; active: Set<LiveReq> }[] = [];
let installed: RedApi | undefined;

/** The session's user of a request, or undefined (no cookie, ended session, logins off). */
export async function sessionUser(req: FloorReq): Promise<FloorUser | undefined> {
  const h = req.headers.cookie;
  const token = readCookie(Array.isArray(h) ? h[0] : h);
  const realm = activeRealm();
  if (!isTokenShape(token) || !realm) return undefined;
  const svc = await realm.ready;
  const u = await svc.validate(token);
  return u ? { username: u.username, name: u.name, role: u.role } : undefined;
}

export const loginsOn = loginsRequired;

/**
 * Serve the floor routes with `deps` until the returned function is called (the node's close);
 * each request's work runs through `run`, so the node's close can wait for it. The stop cuts off
 * the requests still receiving their body (an upload from a phone on a slow network): they end
 * at once with an error, and the client tries again; the others finish.
 */
export function serveFloor(RED: RedApi, deps: FloorDeps, run: RunRoute = (fn) => fn()): () => void {
  const entry = { deps, run, active: new Set<LiveReq>() };
  live.push(entry);
  if (installed !== RED && RED.settings.httpNodeRoot !== false) {
    installed = RED;
    const app = (RED as unknown as { httpNode?: { use(fn: (req: FloorReq, res: FloorRes, next: () => void) => void): void } }).httpNode;
    app?.use((req, res, next) => {
      const d = live[live.length - 1];
      if (!d || !/^\/floor\//.test(new URL(req.url ?? '/', 'http://x').pathname)) return next();
      const r = req as LiveReq;
      d.active.add(r);
      d.run(() => handleFloor(d.deps, req, res).finally(() => d.active.delete(r))).then(
        (handled) => {
          if (!handled) next();
        },
        (e) => {
          RED.log.warn(`[rel-request] ${e instanceof Error ? e.message : String(e)}`);
          if (!res.headersSent) {
            res.statusCode = 500;
            res.end();
          }
        },
      );
    });
  }
  return () => {
    const i = live.indexOf(entry);
    if (i >= 0) live.splice(i, 1);
    for (const r of entry.active) if (r.complete === false) r.destroy?.(new Error('the floor routes closed (redeploy) while the request was being received'));
  };
}

/** The deployed rel-asset nodes by line, each line in the nodes' order in the flows (as the line overview orders its tiles). */
export function deployedInLineOrder(RED: RedApi): LabelAsset[] {
  const place = new Map<string, number>();
  RED.nodes.eachNode?.((n) => {
    const a = n.type === 'rel-asset' ? (n as unknown as { assetId?: unknown }).assetId : undefined;
    if (typeof a === 'string' && !place.has(a.trim())) place.set(a.trim(), place.size);
  });
  return deployedAssets()
    .map((s) => ({ id: s.assetId, name: s.name || s.assetId, line: s.line, at: place.get(s.assetId) ?? place.size }))
    .sort((a, b) => (a.line || '').localeCompare(b.line || '') || a.at - b.at)
    .map(({ id, name, line }) => ({ id, name, line }));
}

/** The path of the deployed Dashboard 2.0 (its ui-base), under httpNodeRoot; undefined without one. */
export function dashboardPath(RED: RedApi): string | undefined {
  let p: string | undefined;
  RED.nodes.eachNode?.((n) => {
    const v = n.type === 'ui-base' ? (n as unknown as { path?: unknown }).path : undefined;
    if (p === undefined && typeof v === 'string' && /^\/?[\w\-/]{1,100}$/.test(v)) p = v;
  });
  if (p === undefined) return undefined;
  const root = typeof RED.settings.httpNodeRoot === 'string' ? RED.settings.httpNodeRoot : '/';
  return `${root.replace(/\/+$/, '')}/${p.replace(/^\/+/, '')}`;
}
