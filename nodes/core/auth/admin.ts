/**
 * The admin operations on users as one request shape, shared by the admin HTTP routes:
 * `{ action, username?, password?, role?, name? }`. Returns the result and, for changes that
 * must end a user's live dashboard connections (disable, new password, new role, end sessions),
 * the user name whose connections to close.
 */
import { InputError } from '../errors';
import { isObject, own } from '../validate';
import type { AuthService, UserInfo } from './service';

export const ADMIN_ACTIONS = ['list', 'get', 'add', 'disable', 'enable', 'set-role', 'set-name', 'reset-password', 'unlock', 'end-sessions'] as const;
export type AdminAction = (typeof ADMIN_ACTIONS)[number];

export interface AdminResult {
  result: UserInfo | UserInfo[] | { ended: number };
  /** Close this user's dashboard connections (they must log in again or get the new role). */
  disconnect?: string;
}

export async function adminAction(svc: AuthService, body: unknown, path = 'body'): Promise<AdminResult> {
  if (!isObject(body)) throw new InputError(path, 'an object { action, username, ... }', body);
  const action = own(body, 'action');
  if (typeof action !== 'string' || !(ADMIN_ACTIONS as readonly string[]).includes(action)) throw new InputError(`${path}.action`, `one of ${ADMIN_ACTIONS.join(', ')}`, action);
  const user = own(body, 'username');
  switch (action as AdminAction) {
    case 'list':
      return { result: await svc.listUsers() };
    case 'get':
      return { result: await svc.user(user) };
    case 'add':
      return { result: await svc.addUser({ username: user, password: own(body, 'password'), role: own(body, 'role'), name: own(body, 'name') }) };
    case 'disable': {
      const u = await svc.disable(user);
      return { result: u, disconnect: u.username };
    }
    case 'enable':
      return { result: await svc.enable(user) };
    case 'set-role': {
      const u = await svc.setRole(user, own(body, 'role'));
      return { result: u, disconnect: u.username };
    }
    case 'set-name':
      return { result: await svc.setName(user, own(body, 'name')) };
    case 'reset-password': {
      const u = await svc.resetPassword(user, own(body, 'password'));
      return { result: u, disconnect: u.username };
    }
    case 'unlock':
      return { result: await svc.unlock(user) };
    case 'end-sessions': {
      const ended = await svc.endSessions(user);
      return { result: { ended }, disconnect: String(user).trim().toLowerCase() };
    }
  }
}
