/**
 * The same users for the Node-RED editor: an `adminAuth` for settings.js that checks user names
 * and passwords against the users of the rel-users store (same bcrypt hashes, same lockout) and
 * gives editor permissions by role. Used from settings.js, before the runtime starts:
 *
 *   const { editorAuth } = require('@jidoka/node-red-reliability/dist/nodes/shared/editor-auth');
 *   module.exports = { ..., adminAuth: editorAuth({ file: '/data/node-red/reliability.db' }) };
 *
 * By default only `admin` users may use the editor (permissions '*'); `roles` maps other roles
 * to 'read' or '*'. The file is the rel-store's database file (SQLite).
 */
import { AuthService, isRole, type AuthUser, type Role } from '../core/auth';
import { openStore } from '../core/store';

export interface EditorAuthOptions {
  /** The SQLite file of the rel-store that the rel-users node selects. */
  file: string;
  /** Editor permissions per role; roles not listed cannot log in to the editor. */
  roles?: Partial<Record<Role, '*' | 'read'>>;
}

export interface NodeRedAdminAuth {
  type: 'credentials';
  users(username: string): Promise<{ username: string; permissions: string } | null>;
  authenticate(username: string, password: string): Promise<{ username: string; permissions: string } | null>;
  close(): void;
}

export function editorAuth(o: EditorAuthOptions): NodeRedAdminAuth {
  if (!o || typeof o.file !== 'string' || o.file === '') throw new Error('editorAuth: give { file } (the rel-store database file)');
  const roles: Partial<Record<Role, '*' | 'read'>> = o.roles ?? { admin: '*' };
  for (const [r, p] of Object.entries(roles)) {
    if (!isRole(r) || (p !== '*' && p !== 'read')) throw new Error(`editorAuth: roles.${r} must be '*' or 'read' for one of operator, technician, planner, admin`);
  }
  let svc: Promise<AuthService> | undefined;
  let handle: ReturnType<typeof openStore> | undefined;
  // Opened at the first login and kept for the life of the process (settings.js has no close).
  const service = () => (svc ??= AuthService.open((handle = openStore(o.file)).db));
  const grant = (u: AuthUser | undefined) => {
    const p = u ? roles[u.role] : undefined;
    return u && p ? { username: u.username, permissions: p } : null;
  };
  return {
    type: 'credentials',
    async users(username) {
      return grant(await (await service()).activeUser(username));
    },
    async authenticate(username, password) {
      const r = await (await service()).check(username, password);
      return r.ok ? grant(r.user) : null;
    },
    /** Give the store connection back (tests, or a runtime that reloads its settings). */
    close() {
      handle?.release();
      handle = undefined;
      svc = undefined;
    },
  };
}
