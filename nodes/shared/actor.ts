/**
 * Who did it: the dashboard user on a message, for the nodes that record an actor (work orders,
 * spares, Andon) and check a role. The dashboard auth plugin (rel-users) puts the logged-in user
 * on every message a dashboard widget sends, as `msg._client.user = { username, name, role }`,
 * and removes anything a browser tried to put there itself. Messages that did not come from a
 * dashboard (PLC tags, timers, other flows) carry no user: they keep the typed `by` and pass the
 * role check, as the flows that send them are trusted.
 */
import { InputError } from '../core/errors';
import { isRole, permissionFor, permitted, rolesWith, type Role } from '../core/auth/roles';
import { own } from '../core/validate';

export interface MsgUser {
  username: string;
  name: string;
  role: Role;
}

/** Where the user is on a message, for errors and docs. */
export const USER_PATH = 'msg._client.user';

/**
 * The authenticated dashboard user on a message, or undefined when there is none. A user field
 * that is there but malformed is an error (a flow that builds one by hand must build it right).
 */
export function msgUser(msg: unknown): MsgUser | undefined {
  const client = own(msg, '_client');
  const u = own(client, 'user');
  if (u === undefined || u === null) return undefined;
  const username = own(u, 'username');
  const role = own(u, 'role');
  const name = own(u, 'name');
  if (typeof username !== 'string' || username === '' || username.length > 64 || !isRole(role)) {
    throw new InputError(USER_PATH, 'a dashboard user { username, role } set by the dashboard login', u);
  }
  return { username, role, name: typeof name === 'string' ? name : '' };
}

/**
 * The actor to record: the logged-in user's name when the message came from a logged-in
 * dashboard, otherwise what was typed (`msg.payload.by`), unchanged, for the node's own check.
 *
 *   by: str(actor(msg, own(payload, 'by')), 'msg.payload.by', { maxLength: 200 }),
 */
export function actor(msg: unknown, typed: unknown): unknown {
  return msgUser(msg)?.username ?? typed;
}

/**
 * Refuse a message whose dashboard user's role does not permit the node's action, with an error
 * naming the user, the role, the action and the roles that may do it. Messages without a user
 * pass (see the header). Returns the user, if any.
 *
 *   authorize(msg, 'rel-work-order', action);
 */
export function authorize(msg: unknown, nodeType: string, action: string): MsgUser | undefined {
  return check(msg, permissionFor(nodeType, action), action);
}

/** The same check for one permission (e.g. `wo.complete`), whatever the action. */
export function authorizePermission(msg: unknown, permission: string): MsgUser | undefined {
  return check(msg, permission, undefined);
}

function check(msg: unknown, permission: string | null, action: string | undefined): MsgUser | undefined {
  const user = msgUser(msg);
  if (!user || permission === null || permitted(user.role, permission)) return user;
  const roles = rolesWith(permission).join(', ');
  const expected = action === undefined ? `a user whose role holds ${permission} (${roles})` : `a user whose role may ${action} (${permission}: ${roles})`;
  throw new InputError(USER_PATH, expected, `${user.username} (${user.role})`, 'refused');
}
