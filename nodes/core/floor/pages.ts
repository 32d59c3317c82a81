/**
 * The floor's HTML: the printable label sheet (A4, one label per asset: name, asset id and a QR
 * code of the request link), the request form a QR code opens on a phone, and the planner's list
 * of new requests. Every user value is escaped; the pages run no inline script (their script is
 * served from the same origin, see floorScript) under a strict Content-Security-Policy. Each page
 * is in English or German (?lang=, else the browser's Accept-Language) and has the floor pages'
 * language toggle: the choice is kept per screen (localStorage "rel-lang", as on the dashboards),
 * and a page opened without ?lang follows it. A row on top links the floor pages the user may open
 * and the dashboard (when one is deployed).
 */
import qrcode from 'qrcode-generator';
import DICT from '../text/dashboard.json';
import { FLOOR_TEXT, fill, type FloorLang } from '../text/floor-requests';
import type { WorkRequest } from './requests';

export const PAGE_CSP = "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

export function esc(v: unknown): string {
  return String(v ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

/** A QR code of `text` as an SVG element (scalable, no margin: the label leaves the quiet zone). */
export function qrSvg(text: string): string {
  const qr = qrcode(0, 'M');
  qr.addData(text);
  qr.make();
  return qr.createSvgTag({ cellSize: 4, margin: 0, scalable: true });
}

export interface LabelAsset {
  id: string;
  name: string;
  line?: string;
}

/** The links on top of a floor page: the dashboard's path (none deployed: no link) and the floor pages the user may open. */
export interface FloorNav {
  dashboard?: string;
  form?: boolean;
  requests?: boolean;
  labels?: boolean;
}

/** A valid IANA time zone, else UTC. */
export function floorZone(tz: string | undefined): string {
  if (!tz) return 'UTC';
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return tz;
  } catch {
    return 'UTC';
  }
}

/** A time as the floor reads it: `7 Dec, 09:01` (de `7. Dez., 09:01`), with the year when it is not this year's. */
export function floorTime(iso: string | null | undefined, lang: FloorLang, tz: string, now = Date.now()): string {
  const t = iso ? Date.parse(iso) : NaN;
  if (!Number.isFinite(t)) return '';
  const zone = floorZone(tz);
  const year = (v: number) => new Intl.DateTimeFormat('en', { year: 'numeric', timeZone: zone }).format(v);
  return new Intl.DateTimeFormat(lang === 'de' ? 'de-DE' : 'en-GB', { day: 'numeric', month: 'short', ...(year(t) === year(now) ? {} : { year: 'numeric' }), hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: zone }).format(t);
}

const CSS = `*{box-sizing:border-box}body{font:16px/1.4 system-ui,sans-serif;margin:0;padding:12px;background:#eceff1;color:#263238;max-width:100%;overflow-wrap:anywhere}
h1{font-size:1.3rem;margin:0 0 10px}.card{background:#fff;border:1px solid #cfd8dc;border-radius:8px;padding:12px;margin:0 0 10px}
label{display:block;font-weight:600;margin:10px 0 4px}textarea,input[type=text]{width:100%;font:inherit;padding:8px;border:1px solid #90a4ae;border-radius:6px}
input[type=file]{max-width:100%}button{font:inherit;font-weight:600;padding:12px 16px;border:0;border-radius:6px;background:#0d74ce;color:#fff;min-height:44px}
button.no{background:#b71c1c}.muted{color:#607d8b;font-size:.9rem}.ok{color:#1b5e20;font-weight:600}.err{color:#b71c1c;font-weight:600}
img.ph{max-width:100%;max-height:180px;border-radius:6px;margin:4px 4px 0 0}.row{display:flex;flex-wrap:wrap;gap:8px;align-items:center}
main{max-width:760px;margin:0 auto}main.wide{max-width:none}.langbar{display:flex;flex-wrap:wrap;justify-content:space-between;align-items:center;gap:4px 8px;margin:0 0 4px}
button.lang{background:#fff;color:#0d74ce;border:1px solid #0d74ce;min-width:96px;margin-left:auto}@media print{.langbar{display:none}}
nav.floor{display:contents}nav.floor a{display:inline-flex;align-items:center;min-height:44px;padding:0 8px;color:#0d74ce;font-weight:600;text-decoration:none;border-radius:6px}nav.floor a:hover{background:#e3f2fd}
ul.pick{list-style:none;margin:0;padding:0}ul.pick li{margin:0 0 8px}ul.pick a{display:flex;flex-wrap:wrap;justify-content:space-between;gap:4px 12px;align-items:center;min-height:48px;padding:8px 12px;background:#fff;border:1px solid #90a4ae;border-radius:8px;color:#263238;text-decoration:none}ul.pick a b{color:#0d74ce}
.small{font-size:.8rem}`;

function navBar(lang: FloorLang, root: string, nav: FloorNav | undefined): string {
  if (!nav) return '';
  const t = FLOOR_TEXT[lang];
  const q = `?lang=${lang}`;
  const links = [
    nav.dashboard ? `<a href="${esc(nav.dashboard)}" data-nav="dashboard">${esc(t.navDashboard)}</a>` : '',
    nav.form ? `<a href="${esc(root)}floor/request${q}" data-nav="form">${esc(t.requestTitle)}</a>` : '',
    nav.requests ? `<a href="${esc(root)}floor/requests${q}" data-nav="requests">${esc(t.requests)}</a>` : '',
    nav.labels ? `<a href="${esc(root)}floor/labels${q}" data-nav="labels">${esc(t.labels)}</a>` : '',
  ].join('');
  return links ? `<nav class="floor" aria-label="${esc(t.nav)}">${links}</nav>` : '';
}

function page(lang: FloorLang, title: string, root: string, body: string, extraCss = '', wide = false, nav?: FloorNav): string {
  const other: FloorLang = lang === 'de' ? 'en' : 'de';
  const toggle = `<div class="langbar">${navBar(lang, root, nav)}<button type="button" class="lang" id="lang" data-lang-toggle="1" data-to="${other}">${esc(DICT[lang]['lang.toggle'])}</button></div>`;
  return `<!DOCTYPE html><html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${esc(title)}</title><style>${CSS}${extraCss}</style></head><body data-root="${esc(root)}" data-lang="${lang}"><main${wide ? ' class="wide"' : ''}>${toggle}${body}</main><script src="${esc(root)}floor/floor.js"></script></body></html>`;
}

/**
 * The label sheet: A4, 3 x 7 labels of 70 x 42 mm, each with the asset's name, id and QR code. On
 * a screen narrower than the sheet (a phone) the labels flow into as many columns as fit (one at
 * 390 px) instead of a sheet to scroll sideways; print stays A4, 3 per row.
 */
export function labelSheet(assets: readonly LabelAsset[], urlOf: (id: string) => string, lang: FloorLang, root: string, nav?: FloorNav): string {
  const t = FLOOR_TEXT[lang];
  const labels = assets
    .map((a) => `<div class="label"><div class="qr">${qrSvg(urlOf(a.id))}</div><div class="txt"><b>${esc(a.name || a.id)}</b>${a.name && a.name !== a.id ? `<span class="id">${esc(fill(t.machineId, { id: a.id }))}</span>` : ''}${a.line ? `<span class="muted">${esc(a.line)}</span>` : ''}<span class="muted">${esc(t.labelHint)}</span></div></div>`)
    .join('');
  const css = `@page{size:A4;margin:10mm 0 0 0}.sheet{display:grid;grid-template-columns:repeat(3,70mm);grid-auto-rows:42mm;width:210mm;background:#fff}
.label{display:flex;gap:3mm;align-items:center;padding:3mm;border:1px dashed #cfd8dc;overflow:hidden;break-inside:avoid}.qr{width:34mm;height:34mm;flex:none}.qr svg{width:100%;height:100%}
.txt{display:flex;flex-direction:column;font-size:10pt;line-height:1.2;min-width:0}.id{font-size:8pt;color:#607d8b}
@media print{body{padding:0;background:#fff}.noprint{display:none}.label{border:0}}
@media screen and (max-width:230mm){.sheet{width:auto;grid-template-columns:repeat(auto-fill,minmax(min(70mm,100%),1fr))}.label{min-width:0}}`;
  return page(lang, t.labels, root, `<div class="noprint"><h1>${esc(t.labels)} (${assets.length})</h1><p><button type="button" id="print">${esc(t.print)}</button></p></div><div class="sheet">${labels}</div>`, css, true, nav);
}

/** The machines to pick from (the request form without a known machine): names in the line's order, each a link to its form. */
function machinePicker(machines: readonly LabelAsset[], lang: FloorLang, root: string): string {
  const t = FLOOR_TEXT[lang];
  if (!machines.length) return `<p class="muted" id="no-machines">${esc(t.noMachines)}</p>`;
  const items = machines
    .map((a) => `<li><a href="${esc(root)}floor/request?asset=${esc(encodeURIComponent(a.id))}&amp;lang=${lang}" data-pick="${esc(a.id)}"><b>${esc(a.name || a.id)}</b>${a.line ? `<span class="muted small">${esc(a.line)}</span>` : ''}</a></li>`)
    .join('');
  return `<h2 style="font-size:1.1rem">${esc(t.pickMachine)}</h2><ul class="pick" id="pick">${items}</ul>`;
}

/**
 * The request form of one asset (the page a QR code opens). Without a machine, or with one that
 * is not known, the machines to pick from. A photo field only with logins (photos need them);
 * the name field (logins off) is kept on the screen; an empty field says so in the page's language.
 */
export function requestForm(o: { asset: string; assetName?: string; known: boolean; user?: { username: string; name: string }; photosAllowed: boolean; lang: FloorLang; root: string; machines?: readonly LabelAsset[]; nav?: FloorNav }): string {
  const t = FLOOR_TEXT[o.lang];
  if (!o.known) {
    const unknown = o.asset ? `<div class="card err" id="unknown">${esc(fill(t.unknownAsset, { asset: o.asset }))}</div>` : '';
    return page(o.lang, t.requestTitle, o.root, `<h1>${esc(t.requestTitle)}</h1>${unknown}${machinePicker(o.machines ?? [], o.lang, o.root)}`, '', false, o.nav);
  }
  const who = o.user
    ? `<p class="muted" id="who">${esc(fill(t.loggedInAs, { user: o.user.name || o.user.username }))}</p>`
    : `<label for="by">${esc(t.yourName)}</label><input type="text" id="by" name="by" maxlength="200" required autocomplete="name" data-missing="${esc(t.nameMissing)}" data-keep="rel-by">`;
  const photo = o.photosAllowed ? `<label for="photo">${esc(t.photo)}</label><input type="file" id="photo" name="photo" accept="image/*" capture="environment">` : '';
  const name = o.assetName && o.assetName !== o.asset ? o.assetName : o.asset;
  return page(
    o.lang,
    t.requestTitle,
    o.root,
    `<h1>${esc(t.requestTitle)}</h1><form id="req" class="card" data-asset="${esc(o.asset)}" data-sending="${esc(t.sending)}" data-sent="${esc(t.sent)}" data-error="${esc(t.error)}">
<div><span class="muted">${esc(t.asset)}</span><br><b id="asset-name">${esc(name)}</b>${name !== o.asset ? ` <span class="muted small" id="asset-id">${esc(fill(t.machineId, { id: o.asset }))}</span>` : ''}</div>${who}
<label for="text">${esc(t.whatIsWrong)}</label><textarea id="text" name="text" rows="4" maxlength="2000" required placeholder="${esc(t.whatIsWrongHint)}" data-missing="${esc(t.textMissing)}"></textarea>${photo}
<p><button type="submit" id="send">${esc(t.send)}</button></p><p id="result" role="status"></p></form>
<p id="again" hidden><a href="">${esc(t.another)}</a></p>`,
    '',
    false,
    o.nav,
  );
}

/**
 * The planner's list: requests newest first, each with its machine's name and the time in the
 * plant's zone; new ones with Approve, and Reject with a reason; decided ones say by whom and when.
 * With logins off (`askName`) a name field on top, kept on the screen: the decisions are recorded
 * under it, and a click without it is refused in the page's language.
 */
export function requestList(reqs: readonly WorkRequest[], lang: FloorLang, root: string, canDecide: boolean, o: { names?: ReadonlyMap<string, string>; tz?: string; askName?: boolean; user?: { username: string; name: string }; nav?: FloorNav; now?: number } = {}): string {
  const t = FLOOR_TEXT[lang];
  const tz = floorZone(o.tz);
  const at = (iso: string | null) => floorTime(iso, lang, tz, o.now);
  const card = (r: WorkRequest) => {
    const photos = r.photos.map((p) => `<img class="ph" alt="" src="${esc(root)}floor/photos/${esc(p.name)}">`).join('');
    const order = `WO-${String(r.order).padStart(6, '0')}`;
    const state =
      r.status === 'new'
        ? canDecide
          ? `<div class="row"><button type="button" data-approve="${r.id}">${esc(t.approve)}</button><input type="text" data-reason="${r.id}" placeholder="${esc(t.reason)}" aria-label="${esc(t.reason)}" maxlength="500" style="flex:1;min-width:8em"><button type="button" class="no" data-reject="${r.id}">${esc(t.reject)}</button></div>`
          : ''
        : r.status === 'approved'
          ? `<p class="ok">${esc(fill(t.approved, { by: r.decidedBy ?? '', at: at(r.decidedAt), order }))}</p>`
          : `<p class="err">${esc(fill(t.rejected, { by: r.decidedBy ?? '', at: at(r.decidedAt), reason: r.reason }))}</p>`;
    const name = o.names?.get(r.asset) || r.asset;
    return `<div class="card" id="req-${r.id}" data-status="${r.status}"><b>${esc(r.number)}</b> · <span class="an" title="${esc(r.asset)}">${esc(name)}</span><p style="white-space:pre-wrap">${esc(r.text)}</p><p class="muted">${esc(fill(t.requestedBy, { user: r.requestedBy, at: at(r.requestedAt) }))}</p>${photos}${state}<p class="err" data-msg="${r.id}" role="alert" hidden></p></div>`;
  };
  const who =
    canDecide && o.askName
      ? `<div class="card"><label for="by" style="margin-top:0">${esc(t.yourName)}</label><input type="text" id="by" maxlength="200" autocomplete="name" data-keep="rel-by"><p class="muted" style="margin:4px 0 0">${esc(t.decideAs)}</p></div>`
      : o.user
        ? `<p class="muted" id="who">${esc(fill(t.loggedInAs, { user: o.user.name || o.user.username }))}</p>`
        : '';
  const body = reqs.length ? reqs.map(card).join('') : `<p class="muted">${esc(t.noRequests)}</p>`;
  return page(
    lang,
    t.requests,
    root,
    `<h1>${esc(t.requests)}</h1>${who}<p class="muted small">${esc(fill(t.timesIn, { tz }))}</p><div id="list" data-error="${esc(t.error)}" data-need-name="${esc(t.needName)}" data-need-reason="${esc(t.needReason)}">${body}</div>`,
    '',
    false,
    o.nav,
  );
}

/** The pages' script (served as floor/floor.js): the request form, the planner buttons, print. */
export const FLOOR_SCRIPT = `(function () {
  'use strict';
  var root = document.body.getAttribute('data-root') || '/';
  var lang = document.body.getAttribute('data-lang');
  // The screen's language (localStorage "rel-lang", as on the dashboards): ?lang= sets it, a page without it follows it.
  try {
    var u = new URL(location.href);
    var q = u.searchParams.get('lang');
    var saved = localStorage.getItem('rel-lang');
    if (q === 'de' || q === 'en') localStorage.setItem('rel-lang', q);
    else if ((saved === 'de' || saved === 'en') && saved !== lang) { u.searchParams.set('lang', saved); location.replace(u.toString()); return; }
  } catch (e) { /* private mode */ }
  var lt = document.getElementById('lang');
  if (lt) lt.addEventListener('click', function () {
    var to = lt.getAttribute('data-to');
    try { localStorage.setItem('rel-lang', to); } catch (e) { /* private mode */ }
    var u = new URL(location.href); u.searchParams.set('lang', to); location.replace(u.toString());
  });
  function fill(s, v) { return s.replace(/\\{(\\w+)\\}/g, function (m, k) { return Object.prototype.hasOwnProperty.call(v, k) ? String(v[k]) : m; }); }
  // A refusal of the server in the page's language (its "message"), else the technical error.
  async function call(method, url, body, type) {
    var r = await fetch(root + url + (url.indexOf('?') < 0 ? '?' : '&') + 'lang=' + encodeURIComponent(lang || 'en'), { method: method, credentials: 'same-origin', headers: { 'content-type': type || 'application/json' }, body: body });
    var j = null; try { j = await r.json(); } catch (e) { j = null; }
    if (!r.ok) { var err = new Error((j && (j.message || j.error)) || ('HTTP ' + r.status)); err.worded = !!(j && j.message); throw err; }
    return j;
  }
  // A name typed once is kept on the screen (localStorage "rel-by", as on the dashboards).
  document.querySelectorAll('[data-keep]').forEach(function (el) {
    var key = el.getAttribute('data-keep');
    try { if (!el.value) el.value = localStorage.getItem(key) || ''; } catch (e) { /* private mode */ }
    el.addEventListener('change', function () { try { localStorage.setItem(key, el.value.trim()); } catch (e) { /* private mode */ } });
  });
  // An empty required field says so in the page's language (not the browser's).
  document.querySelectorAll('[data-missing]').forEach(function (el) {
    el.addEventListener('invalid', function () { if (!el.value.trim()) el.setCustomValidity(el.getAttribute('data-missing')); });
    el.addEventListener('input', function () { el.setCustomValidity(''); });
  });
  var pr = document.getElementById('print');
  if (pr) pr.addEventListener('click', function () { window.print(); });
  var f = document.getElementById('req');
  if (f) f.addEventListener('submit', async function (ev) {
    ev.preventDefault();
    var out = document.getElementById('result');
    var btn = document.getElementById('send');
    var empty = Array.prototype.filter.call(f.querySelectorAll('[data-missing]'), function (el) { return !el.value.trim(); })[0];
    if (empty) { empty.setCustomValidity(empty.getAttribute('data-missing')); empty.reportValidity(); return; }
    btn.disabled = true; out.className = ''; out.textContent = f.getAttribute('data-sending');
    try {
      var photos = [];
      var input = document.getElementById('photo');
      var file = input && input.files && input.files[0];
      if (file) {
        var p = await call('POST', 'floor/photos', file, file.type || 'application/octet-stream');
        photos.push(p.name);
      }
      var by = document.getElementById('by');
      var body = { asset: f.getAttribute('data-asset'), text: document.getElementById('text').value, photos: photos };
      if (by) body.by = by.value.trim();
      var r = await call('POST', 'floor/requests', JSON.stringify(body));
      out.className = 'ok'; out.textContent = fill(f.getAttribute('data-sent'), { number: r.number });
      document.getElementById('text').value = ''; if (input) input.value = '';
      document.getElementById('again').hidden = false;
    } catch (e) {
      out.className = 'err'; out.textContent = e.worded ? e.message : fill(f.getAttribute('data-error'), { text: e.message });
    } finally { btn.disabled = false; }
  });
  var list = document.getElementById('list');
  if (list) list.addEventListener('click', async function (ev) {
    var b = ev.target.closest('button'); if (!b) return;
    var id = b.getAttribute('data-approve') || b.getAttribute('data-reject'); if (!id) return;
    var reject = b.hasAttribute('data-reject');
    var msg = list.querySelector('[data-msg="' + id + '"]');
    function say(text) { msg.textContent = text; msg.hidden = !text; }
    say('');
    // With logins off the decision is recorded under the name typed on top.
    var by = document.getElementById('by');
    if (by && !by.value.trim()) { say(list.getAttribute('data-need-name')); by.focus(); return; }
    var reasonEl = list.querySelector('[data-reason="' + id + '"]');
    var reason = reject ? reasonEl.value.trim() : undefined;
    if (reject && !reason) { say(list.getAttribute('data-need-reason')); reasonEl.focus(); return; }
    var body = reject ? { reason: reason } : {};
    if (by) { body.by = by.value.trim(); try { localStorage.setItem('rel-by', body.by); } catch (e) { /* private mode */ } }
    b.disabled = true;
    try {
      await call('POST', 'floor/requests/' + id + '/' + (reject ? 'reject' : 'approve'), JSON.stringify(body));
      location.reload();
    } catch (e) {
      b.disabled = false;
      say(e.worded ? e.message : fill(list.getAttribute('data-error'), { text: e.message }));
    }
  });
})();
`;
