/**
 * The users port and the login logic over the asynchronous Store (`auth` migration track):
 * users with a role and a bcrypt hash, logins with lockout, sessions with hashed tokens and a
 * fixed expiry, and the admin operations. No Node-RED here; the rel-users node and the dashboard
 * plugin are the glue.
 */
import { InputError, StateError } from '../errors';
import type { Query, Store } from '../store/types';
import { afterFailure, DEFAULT_LOCKOUT, isLocked, type FailureState, type LockoutPolicy } from './lockout';
import { BCRYPT_COST, dummyHash, hashPassword, MAX_PASSWORD_BYTES, newPassword, username as userName, verifyPassword } from './passwords';
import { isRole, ROLES, type Role } from './roles';
import { AUTH_MIGRATIONS } from './schema';
import { DEFAULT_SESSION, expiresAt, isTokenShape, newToken, tokenHash, type SessionPolicy } from './sessions';

/** What a session resolves to: the logged-in user. */
export interface AuthUser {
  username: string;
  name: string;
  role: Role;
}

export interface UserInfo extends AuthUser {
  disabled: boolean;
  createdAt: number;
  updatedAt: number;
  passwordChangedAt: number;
  /** Locked by failed logins until this time (0 = not locked). */
  lockedUntil: number;
}

export type LoginResult =
  | { ok: true; token: string; user: AuthUser; expiresAt: number }
  | { ok: false; reason: 'invalid' }
  | { ok: false; reason: 'locked'; retryAt: number };

export interface AuthOptions {
  lockout?: LockoutPolicy;
  session?: SessionPolicy;
  /** bcrypt cost (tests use 4). */
  cost?: number;
  now?: () => number;
}

interface UserRow {
  username: string;
  display_name: string;
  role: string;
  password_hash: string;
  disabled: number;
  created_at: number | string;
  updated_at: number | string;
  password_changed_at: number | string;
}

const MAX_NAME = 200;
/** Longest user name considered as a lockout key (longer typed names are cut to this). */
const MAX_KEY = 64;

function displayName(v: unknown, path: string): string {
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string' || v.length > MAX_NAME) throw new InputError(path, `a display name of at most ${MAX_NAME} characters`, v);
  return v.trim();
}

function role(v: unknown, path: string): Role {
  if (!isRole(v)) throw new InputError(path, `one of ${ROLES.join(', ')}`, v);
  return v;
}

const n = (v: number | string): number => Number(v);

export class AuthService {
  readonly lockout: LockoutPolicy;
  readonly session: SessionPolicy;
  private readonly cost: number;
  private readonly now: () => number;
  private lastPrune = 0;

  private constructor(
    private readonly db: Store,
    o: AuthOptions,
  ) {
    this.lockout = o.lockout ?? DEFAULT_LOCKOUT;
    this.session = o.session ?? DEFAULT_SESSION;
    this.cost = o.cost ?? BCRYPT_COST;
    this.now = o.now ?? Date.now;
  }

  /** Apply the `auth` migrations and return the service. */
  static async open(db: Store, o: AuthOptions = {}): Promise<AuthService> {
    await db.migrate('auth', AUTH_MIGRATIONS);
    return new AuthService(db, o);
  }

  private async row(q: Query, name: string): Promise<UserRow | undefined> {
    return q.one<UserRow>('SELECT username, display_name, role, password_hash, disabled, created_at, updated_at, password_changed_at FROM auth_users WHERE username = ?', [name]);
  }

  private async failures(q: Query, key: string): Promise<FailureState | undefined> {
    const r = await q.one<{ failures: number; window_start: number | string; locked_until: number | string }>('SELECT failures, window_start, locked_until FROM auth_failures WHERE username = ?', [key]);
    return r ? { count: n(r.failures), windowStart: n(r.window_start), lockedUntil: n(r.locked_until) } : undefined;
  }

  /** The lockout key of a typed name: trimmed, lower-cased, cut to 64 characters. */
  private static key(typed: unknown): string {
    return typeof typed === 'string' ? typed.trim().toLowerCase().slice(0, MAX_KEY) : '';
  }

  /**
   * Check a user name and password. Wrong names and wrong passwords give the same answer and take
   * as long; `maxFailures` failures within the window lock the name for `lockMs` (a correct
   * password is refused while locked). A disabled user cannot log in.
   */
  async login(typedName: unknown, password: unknown, address = ''): Promise<LoginResult> {
    const r = await this.check(typedName, password);
    if (!r.ok) return r;
    const now = this.now();
    const token = newToken();
    const exp = expiresAt(now, this.session);
    await this.db.run('INSERT INTO auth_sessions (token_hash, username, created_at, expires_at, address) VALUES (?, ?, ?, ?, ?)', [tokenHash(token), r.user.username, now, exp, address.slice(0, 100)]);
    await this.prune(now);
    return { ok: true, token, user: r.user, expiresAt: exp };
  }

  /**
   * The password check of a login without a session (e.g. for Node-RED's editor login, see
   * nodes/shared/editor-auth): the same answers, lockout and failure counting.
   */
  async check(typedName: unknown, password: unknown): Promise<{ ok: true; user: AuthUser } | Exclude<LoginResult, { ok: true }>> {
    const now = this.now();
    const key = AuthService.key(typedName);
    const pw = typeof password === 'string' ? password : '';
    const state = key ? await this.failures(this.db, key) : undefined;
    if (isLocked(state, now)) return { ok: false, reason: 'locked', retryAt: state!.lockedUntil };
    let name: string | undefined;
    try {
      name = userName(typedName);
    } catch {
      name = undefined;
    }
    const row = name ? await this.row(this.db, name) : undefined;
    let good = false;
    if (row && pw.length > 0 && Buffer.byteLength(pw, 'utf8') <= MAX_PASSWORD_BYTES) good = await verifyPassword(pw, row.password_hash);
    else await verifyPassword('x', await dummyHash(this.cost)); // as long as a real check
    if (good && row && !n(row.disabled) && isRole(row.role)) {
      if (state) await this.db.run('DELETE FROM auth_failures WHERE username = ?', [key]);
      return { ok: true, user: { username: row.username, name: row.display_name, role: row.role } };
    }
    if (!key) return { ok: false, reason: 'invalid' };
    const next = await this.db.tx(async (q) => {
      const s = afterFailure(await this.failures(q, key), now, this.lockout);
      await q.run(
        `INSERT INTO auth_failures (username, failures, window_start, locked_until) VALUES (?, ?, ?, ?)
         ON CONFLICT (username) DO UPDATE SET failures = excluded.failures, window_start = excluded.window_start, locked_until = excluded.locked_until`,
        [key, s.count, s.windowStart, s.lockedUntil],
      );
      return s;
    });
    return isLocked(next, now) ? { ok: false, reason: 'locked', retryAt: next.lockedUntil } : { ok: false, reason: 'invalid' };
  }

  /** A user by name if enabled (for Node-RED's editor user lookup). */
  async activeUser(name: unknown): Promise<AuthUser | undefined> {
    let u: string;
    try {
      u = userName(name);
    } catch {
      return undefined;
    }
    const r = await this.row(this.db, u);
    if (!r || n(r.disabled) || !isRole(r.role)) return undefined;
    return { username: r.username, name: r.display_name, role: r.role };
  }

  /** The user of a live session, or undefined (unknown, expired, user disabled). */
  async validate(token: unknown): Promise<(AuthUser & { expiresAt: number }) | undefined> {
    if (!isTokenShape(token)) return undefined;
    const r = await this.db.one<{ username: string; display_name: string; role: string; expires_at: number | string }>(
      `SELECT u.username, u.display_name, u.role, s.expires_at FROM auth_sessions s JOIN auth_users u ON u.username = s.username
       WHERE s.token_hash = ? AND s.expires_at > ? AND u.disabled = 0`,
      [tokenHash(token), this.now()],
    );
    if (!r || !isRole(r.role)) return undefined;
    return { username: r.username, name: r.display_name, role: r.role, expiresAt: n(r.expires_at) };
  }

  async logout(token: unknown): Promise<boolean> {
    if (!isTokenShape(token)) return false;
    return (await this.db.run('DELETE FROM auth_sessions WHERE token_hash = ?', [tokenHash(token)])).changes > 0;
  }

  /** Forget expired sessions and stale failure counters (at most once a minute). */
  async prune(now = this.now()): Promise<void> {
    if (now - this.lastPrune < 60_000) return;
    this.lastPrune = now;
    await this.db.run('DELETE FROM auth_sessions WHERE expires_at <= ?', [now]);
    await this.db.run('DELETE FROM auth_failures WHERE locked_until <= ? AND window_start <= ?', [now, now - this.lockout.windowMs]);
  }

  // --- admin ---

  async addUser(input: { username: unknown; password: unknown; role: unknown; name?: unknown }): Promise<UserInfo> {
    const name = userName(input.username, 'username');
    const r = role(input.role, 'role');
    const hash = await hashPassword(newPassword(input.password, 'password'), this.cost);
    const dn = displayName(input.name, 'name');
    const now = this.now();
    const id = await this.db.tx(async (q) => {
      if (await this.row(q, name)) throw new StateError(`user ${name} already exists`);
      await q.run('INSERT INTO auth_users (username, display_name, role, password_hash, disabled, created_at, updated_at, password_changed_at) VALUES (?, ?, ?, ?, 0, ?, ?, ?)', [name, dn, r, hash, now, now, now]);
      return name;
    });
    return this.user(id);
  }

  async user(name: unknown): Promise<UserInfo> {
    const u = userName(name, 'username');
    const r = await this.row(this.db, u);
    if (!r) throw new StateError(`no user ${u}`);
    return this.info(r, await this.failures(this.db, u));
  }

  private info(r: UserRow, f: FailureState | undefined): UserInfo {
    const now = this.now();
    return {
      username: r.username,
      name: r.display_name,
      role: isRole(r.role) ? r.role : 'operator',
      disabled: !!n(r.disabled),
      createdAt: n(r.created_at),
      updatedAt: n(r.updated_at),
      passwordChangedAt: n(r.password_changed_at),
      lockedUntil: f && isLocked(f, now) ? f.lockedUntil : 0,
    };
  }

  async listUsers(): Promise<UserInfo[]> {
    const rows = await this.db.all<UserRow>('SELECT username, display_name, role, password_hash, disabled, created_at, updated_at, password_changed_at FROM auth_users ORDER BY username');
    const fails = await this.db.all<{ username: string; failures: number; window_start: number | string; locked_until: number | string }>('SELECT username, failures, window_start, locked_until FROM auth_failures WHERE locked_until > ?', [this.now()]);
    const byName = new Map(fails.map((f) => [f.username, { count: n(f.failures), windowStart: n(f.window_start), lockedUntil: n(f.locked_until) }]));
    return rows.map((r) => this.info(r, byName.get(r.username)));
  }

  /** Refuse a change that would leave no enabled admin (nobody could manage users any more). */
  private async keepAnAdmin(q: Query, name: string): Promise<void> {
    const r = await q.one<{ c: number | string }>("SELECT COUNT(*) AS c FROM auth_users WHERE role = 'admin' AND disabled = 0 AND username <> ?", [name]);
    if (n(r?.c ?? 0) === 0) throw new StateError(`user ${name} is the last enabled admin; add or enable another admin first`);
  }

  private async change(name: unknown, fn: (q: Query, row: UserRow, u: string) => Promise<void>): Promise<UserInfo> {
    const u = userName(name, 'username');
    await this.db.tx(async (q) => {
      const r = await this.row(q, u);
      if (!r) throw new StateError(`no user ${u}`);
      await fn(q, r, u);
    });
    return this.user(u);
  }

  async setRole(name: unknown, newRole: unknown): Promise<UserInfo> {
    const r = role(newRole, 'role');
    return this.change(name, async (q, row, u) => {
      if (row.role === 'admin' && r !== 'admin' && !n(row.disabled)) await this.keepAnAdmin(q, u);
      await q.run('UPDATE auth_users SET role = ?, updated_at = ? WHERE username = ?', [r, this.now(), u]);
    });
  }

  async setName(name: unknown, display: unknown): Promise<UserInfo> {
    const dn = displayName(display, 'name');
    return this.change(name, async (q, _row, u) => {
      await q.run('UPDATE auth_users SET display_name = ?, updated_at = ? WHERE username = ?', [dn, this.now(), u]);
    });
  }

  /** Disable a user and end their sessions. */
  async disable(name: unknown): Promise<UserInfo> {
    return this.change(name, async (q, row, u) => {
      if (row.role === 'admin' && !n(row.disabled)) await this.keepAnAdmin(q, u);
      await q.run('UPDATE auth_users SET disabled = 1, updated_at = ? WHERE username = ?', [this.now(), u]);
      await q.run('DELETE FROM auth_sessions WHERE username = ?', [u]);
    });
  }

  async enable(name: unknown): Promise<UserInfo> {
    return this.change(name, async (q, _row, u) => {
      await q.run('UPDATE auth_users SET disabled = 0, updated_at = ? WHERE username = ?', [this.now(), u]);
    });
  }

  /** Set a new password: ends the user's sessions and clears a lockout. */
  async resetPassword(name: unknown, password: unknown): Promise<UserInfo> {
    const hash = await hashPassword(newPassword(password, 'password'), this.cost);
    return this.change(name, async (q, _row, u) => {
      const now = this.now();
      await q.run('UPDATE auth_users SET password_hash = ?, password_changed_at = ?, updated_at = ? WHERE username = ?', [hash, now, now, u]);
      await q.run('DELETE FROM auth_sessions WHERE username = ?', [u]);
      await q.run('DELETE FROM auth_failures WHERE username = ?', [u]);
    });
  }

  async unlock(name: unknown): Promise<UserInfo> {
    return this.change(name, async (q, _row, u) => {
      await q.run('DELETE FROM auth_failures WHERE username = ?', [u]);
    });
  }

  /** End every session of a user (e.g. a lost badge); returns how many ended. */
  async endSessions(name: unknown): Promise<number> {
    const u = userName(name, 'username');
    return (await this.db.run('DELETE FROM auth_sessions WHERE username = ?', [u])).changes;
  }

  /**
   * The first admin, from the node's credentials. The named user is created as an enabled admin
   * when missing; when the password in the credentials changes (compared with the hash recorded
   * at the last bootstrap), the user's password is reset to it, the user is made an enabled admin
   * and unlocked: the editor is the way back in when every admin password is lost. Returns what
   * it did.
   */
  async bootstrap(adminName: unknown, password: unknown): Promise<'created' | 'reset' | 'unchanged'> {
    const u = userName(adminName, 'credentials.username');
    const pw = newPassword(password, 'credentials.password');
    const meta = await this.db.one<{ value: string }>('SELECT value FROM auth_meta WHERE meta_key = ?', ['bootstrap']);
    let recorded: { username?: string; hash?: string } = {};
    try {
      recorded = meta ? JSON.parse(meta.value) : {};
    } catch {
      recorded = {};
    }
    const exists = await this.row(this.db, u);
    const same = recorded.username === u && typeof recorded.hash === 'string' && (await verifyPassword(pw, recorded.hash));
    if (exists && same) return 'unchanged';
    const hash = await hashPassword(pw, this.cost);
    const now = this.now();
    await this.db.tx(async (q) => {
      if (await this.row(q, u)) {
        await q.run("UPDATE auth_users SET password_hash = ?, role = 'admin', disabled = 0, password_changed_at = ?, updated_at = ? WHERE username = ?", [hash, now, now, u]);
        await q.run('DELETE FROM auth_sessions WHERE username = ?', [u]);
        await q.run('DELETE FROM auth_failures WHERE username = ?', [u]);
      } else {
        await q.run("INSERT INTO auth_users (username, display_name, role, password_hash, disabled, created_at, updated_at, password_changed_at) VALUES (?, '', 'admin', ?, 0, ?, ?, ?)", [u, hash, now, now, now]);
      }
      await q.run(
        `INSERT INTO auth_meta (meta_key, value, updated_at) VALUES (?, ?, ?)
         ON CONFLICT (meta_key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
        ['bootstrap', JSON.stringify({ username: u, hash }), now],
      );
    });
    return exists ? 'reset' : 'created';
  }

  /** Whether any user exists (a store with none and no bootstrap credentials lets nobody in). */
  async hasUsers(): Promise<boolean> {
    return !!(await this.db.one('SELECT username FROM auth_users LIMIT 1'));
  }
}
