/**
 * rel-users (config): the users and roles of the floor dashboards and their logins. While one is
 * deployed, every Dashboard 2.0 page and socket needs a login (enforced by this package's plugin,
 * nodes/shared/dashboard-auth). Users live in the selected rel-store (`auth` track; shared by every
 * box when that store is on PostgreSQL). The first admin comes from this node's credentials.
 * Admin API: GET/POST <httpAdminRoot>rel-users/users (editor permission rel-users.read / .write).
 */
import { defineNode } from '../shared/node';
import { acquireStore } from '../shared/store';
import { adminAction, AuthService } from '../core/auth';
import { num } from '../core/validate';
import { activeRealm, clearRealm, disconnectSessions, installedRuntime, setRealm } from '../shared/dashboard-auth';
import type { NodeDef, RedApi, RedNode } from '../shared/red';

interface UsersDef extends NodeDef {
  store?: string;
  sessionHours?: number | string;
  maxFailures?: number | string;
  lockMinutes?: number | string;
}

type UsersNode = RedNode & { credentials?: { username?: string; password?: string } };

/** Settings for tests: `relUsersBcryptCost` (default 10). */
function cost(RED: RedApi): number | undefined {
  const c = RED.settings.relUsersBcryptCost;
  return typeof c === 'number' && Number.isInteger(c) && c >= 4 && c <= 14 ? c : undefined;
}

export = function (RED: RedApi) {
  defineNode<UsersDef, UsersNode>(
    RED,
    'rel-users',
    (node, config) => {
      const sessionHours = num(config.sessionHours ?? 12, 'sessionHours', { min: 0.05, max: 24 * 31 });
      const maxFailures = num(config.maxFailures ?? 5, 'maxFailures', { min: 1, max: 100, integer: true });
      const lockMinutes = num(config.lockMinutes ?? 15, 'lockMinutes', { min: 0.05, max: 24 * 60 });
      if (!installedRuntime()) {
        throw new Error('rel-users: the dashboard login plugin (rel-dashboard-auth) is not loaded, so logins would not be enforced; install the package so Node-RED loads its plugins');
      }
      // dashboard logins do not protect the editor, which can add users and read every credential
      if (!RED.settings.adminAuth) node.warn('the editor has no login (adminAuth is not set in settings.js): anyone who can reach it can change the flows and the users; see the security guide');
      const h = acquireStore(RED, config.store, 'rel-users');
      const creds = node.credentials ?? {};
      const sessionMs = sessionHours * 3600_000;
      const ready = (async () => {
        const svc = await AuthService.open(h.db, {
          session: { lifetimeMs: sessionMs },
          lockout: { maxFailures, windowMs: lockMinutes * 60_000, lockMs: lockMinutes * 60_000 },
          cost: cost(RED),
        });
        if (creds.username || creds.password) {
          const did = await svc.bootstrap(creds.username, creds.password);
          if (did !== 'unchanged') node.log(`admin ${String(creds.username).trim().toLowerCase()} ${did === 'created' ? 'created' : 'reset'} from this node's credentials`);
        } else if (!(await svc.hasUsers())) {
          node.warn('no users yet, so nobody can log in: set the first admin user name and password in this node\'s settings');
        }
        return svc;
      })();
      ready.catch((e) => node.error(`logins are not available: ${e instanceof Error ? e.message : String(e)}`));
      setRealm({ nodeId: node.id, ready, sessionMs });
      return {
        close: async () => {
          clearRealm(node.id);
          await ready.catch(() => undefined);
          h.release();
        },
      };
    },
    { credentials: { username: { type: 'text' }, password: { type: 'password' } } },
  );

  // Admin API for the users (editor users with rel-users.read / rel-users.write).
  const withService = async (res: any, fn: (svc: AuthService) => Promise<unknown>) => {
    const realm = activeRealm();
    if (!realm) return res.status(404).json({ error: 'no rel-users node is deployed' });
    try {
      res.json(await fn(await realm.ready));
    } catch (e) {
      const name = e instanceof Error ? e.name : '';
      res.status(name === 'InputError' || name === 'StateError' ? 400 : 500).json({ error: e instanceof Error ? e.message : String(e) });
    }
  };
  RED.httpAdmin.get('/rel-users/users', RED.auth.needsPermission('rel-users.read'), (_req: any, res: any) => withService(res, (svc) => svc.listUsers()));
  RED.httpAdmin.post('/rel-users/users', RED.auth.needsPermission('rel-users.write'), (req: any, res: any) =>
    withService(res, async (svc) => {
      const r = await adminAction(svc, req.body, 'body');
      if (r.disconnect) disconnectSessions({ username: r.disconnect });
      return r.result;
    }),
  );
};
