/**
 * The login and logout pages: plain HTML with inline CSS, no script and no external asset (served
 * with a Content-Security-Policy that allows nothing else), every value escaped.
 */
import type { AuthUser } from './service';

export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** Where to go after login: a path on this server only (no //host, no scheme, no spaces), else the fallback. */
export function safeNext(v: unknown, fallback: string): string {
  if (typeof v !== 'string' || v.length > 2000 || !/^\/(?![/\\])[\x21-\x7e]*$/.test(v)) return fallback;
  return v;
}

/** Whether a POST came from another site: an Origin (or Referer) naming another host, or Origin "null". */
export function crossSite(host: string | undefined, origin: string | undefined, referer: string | undefined): boolean {
  const from = origin ?? referer;
  if (!from) return false;
  if (from === 'null') return true;
  try {
    return new URL(from).host !== host;
  } catch {
    return true;
  }
}

export interface PageUrls {
  login: string;
  logout: string;
}

function page(title: string, inner: string): string {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${esc(title)}</title>
<style>
body{font-family:Roboto,Arial,sans-serif;background:#eceff1;color:#111;margin:0;display:flex;min-height:100vh;align-items:center;justify-content:center}
main{background:#fff;border:1px solid #cfd8dc;border-radius:8px;padding:24px 28px;width:min(360px,92vw);box-shadow:0 1px 3px rgba(0,0,0,.2)}
h1{font-size:22px;margin:0 0 16px}label{display:block;font-size:14px;margin:12px 0 4px}
input{width:100%;box-sizing:border-box;font-size:18px;padding:10px;border:1px solid #9ca3af;border-radius:4px}
button{margin-top:18px;width:100%;font-size:18px;padding:12px;border:0;border-radius:4px;background:#0d74ce;color:#fff;cursor:pointer}
.err{background:#fde7e9;color:#8a1020;border:1px solid #e57383;padding:8px 10px;border-radius:4px;margin-bottom:8px}
.ok{background:#e6f4ea;color:#1e5631;border:1px solid #8bc79a;padding:8px 10px;border-radius:4px;margin-bottom:8px}
a{color:#0d74ce}
</style></head><body><main>${inner}</main></body></html>`;
}

export function loginForm(urls: PageUrls, next: string, message?: { kind: 'err' | 'ok'; text: string }, user = ''): string {
  return page(
    'Log in',
    `<h1>Log in</h1>${message ? `<div class="${message.kind}" role="alert" id="message">${esc(message.text)}</div>` : ''}
<form method="post" action="${esc(urls.login)}">
<input type="hidden" name="next" value="${esc(next)}">
<label for="username">User name</label><input id="username" name="username" autocomplete="username" autocapitalize="none" spellcheck="false" maxlength="64" required value="${esc(user)}">
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" maxlength="200" required>
<button type="submit" id="login">Log in</button></form>`,
  );
}

export function loggedInPage(urls: PageUrls, user: AuthUser, next: string): string {
  return page(
    'Logged in',
    `<h1>Logged in</h1><p id="who">${esc(user.name || user.username)} (${esc(user.username)}, ${esc(user.role)})</p>
<p><a id="continue" href="${esc(next)}">Continue to the dashboard</a></p>
<form method="post" action="${esc(urls.logout)}"><button type="submit" id="logout">Log out</button></form>`,
  );
}
