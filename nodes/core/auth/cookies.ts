/** The session cookie: read from a Cookie header, written as a Set-Cookie value. */
export const SESSION_COOKIE = 'rel_session';

/** The value of one cookie in a Cookie header (the first of that name), or undefined. */
export function readCookie(header: unknown, name: string = SESSION_COOKIE): string | undefined {
  if (typeof header !== 'string' || header.length > 16_384) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() !== name) continue;
    let v = part.slice(eq + 1).trim();
    if (v.startsWith('"') && v.endsWith('"') && v.length >= 2) v = v.slice(1, -1);
    return v;
  }
  return undefined;
}

export interface CookieOptions {
  /** Path the cookie covers (the Node-RED http root, so the dashboard and its socket get it). */
  path: string;
  /** Seconds; 0 deletes the cookie. */
  maxAgeS: number;
  /** Only over HTTPS (set when the login request came over HTTPS). */
  secure: boolean;
}

/** A Set-Cookie value: HttpOnly, SameSite=Lax, Secure over HTTPS. */
export function sessionCookie(value: string, o: CookieOptions, name: string = SESSION_COOKIE): string {
  if (!/^[A-Za-z0-9_-]*$/.test(value)) throw new Error('session cookie: the value must be base64url');
  const path = /^\/[\x21-\x3a\x3c-\x7e]*$/.test(o.path) ? o.path : '/';
  const parts = [`${name}=${value}`, `Path=${path}`, `Max-Age=${Math.max(0, Math.floor(o.maxAgeS))}`, 'HttpOnly', 'SameSite=Lax'];
  if (o.maxAgeS <= 0) parts.push('Expires=Thu, 01 Jan 1970 00:00:00 GMT');
  if (o.secure) parts.push('Secure');
  return parts.join('; ');
}
