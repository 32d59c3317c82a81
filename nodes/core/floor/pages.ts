/**
 * The floor's HTML: the printable label sheet (A4, one label per asset: name, asset id and a QR
 * code of the request link), the request form a QR code opens on a phone, and the planner's list
 * of new requests. Every user value is escaped; the pages run no inline script (their script is
 * served from the same origin, see floorScript) under a strict Content-Security-Policy. Each page
 * is in English or German (?lang=, else the browser's Accept-Language) and has the floor pages'
 * language toggle: the choice is kept per screen (localStorage "rel-lang", as on the dashboards),
 * and a page opened without ?lang follows it.
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

const CSS = `*{box-sizing:border-box}body{font:16px/1.4 system-ui,sans-serif;margin:0;padding:12px;background:#eceff1;color:#263238;max-width:100%;overflow-wrap:anywhere}
h1{font-size:1.3rem;margin:0 0 10px}.card{background:#fff;border:1px solid #cfd8dc;border-radius:8px;padding:12px;margin:0 0 10px}
label{display:block;font-weight:600;margin:10px 0 4px}textarea,input[type=text]{width:100%;font:inherit;padding:8px;border:1px solid #90a4ae;border-radius:6px}
input[type=file]{max-width:100%}button{font:inherit;font-weight:600;padding:12px 16px;border:0;border-radius:6px;background:#0d74ce;color:#fff;min-height:44px}
button.no{background:#b71c1c}.muted{color:#607d8b;font-size:.9rem}.ok{color:#1b5e20;font-weight:600}.err{color:#b71c1c;font-weight:600}
img.ph{max-width:100%;max-height:180px;border-radius:6px;margin:4px 4px 0 0}.row{display:flex;flex-wrap:wrap;gap:8px;align-items:center}
main{max-width:760px;margin:0 auto}main.wide{max-width:none}.langbar{display:flex;justify-content:flex-end;margin:0 0 4px}
button.lang{background:#fff;color:#0d74ce;border:1px solid #0d74ce;min-width:96px}@media print{.langbar{display:none}}`;

function page(lang: FloorLang, title: string, root: string, body: string, extraCss = '', wide = false): string {
  const other: FloorLang = lang === 'de' ? 'en' : 'de';
  const toggle = `<div class="langbar"><button type="button" class="lang" id="lang" data-lang-toggle="1" data-to="${other}">${esc(DICT[lang]['lang.toggle'])}</button></div>`;
  return `<!DOCTYPE html><html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${esc(title)}</title><style>${CSS}${extraCss}</style></head><body data-root="${esc(root)}" data-lang="${lang}"><main${wide ? ' class="wide"' : ''}>${toggle}${body}</main><script src="${esc(root)}floor/floor.js"></script></body></html>`;
}

/**
 * The label sheet: A4, 3 x 7 labels of 70 x 42 mm, each with the asset's name, id and QR code. On
 * a screen narrower than the sheet (a phone) the labels flow into as many columns as fit (one at
 * 390 px) instead of a sheet to scroll sideways; print stays A4, 3 per row.
 */
export function labelSheet(assets: readonly LabelAsset[], urlOf: (id: string) => string, lang: FloorLang, root: string): string {
  const t = FLOOR_TEXT[lang];
  const labels = assets
    .map((a) => `<div class="label"><div class="qr">${qrSvg(urlOf(a.id))}</div><div class="txt"><b>${esc(a.name || a.id)}</b><span class="id">${esc(a.id)}</span>${a.line ? `<span class="muted">${esc(a.line)}</span>` : ''}<span class="muted">${esc(t.labelHint)}</span></div></div>`)
    .join('');
  const css = `@page{size:A4;margin:10mm 0 0 0}.sheet{display:grid;grid-template-columns:repeat(3,70mm);grid-auto-rows:42mm;width:210mm;background:#fff}
.label{display:flex;gap:3mm;align-items:center;padding:3mm;border:1px dashed #cfd8dc;overflow:hidden;break-inside:avoid}.qr{width:34mm;height:34mm;flex:none}.qr svg{width:100%;height:100%}
.txt{display:flex;flex-direction:column;font-size:10pt;line-height:1.2;min-width:0}.id{font-family:monospace;font-size:9pt}
@media print{body{padding:0;background:#fff}.noprint{display:none}.label{border:0}}
@media screen and (max-width:230mm){.sheet{width:auto;grid-template-columns:repeat(auto-fill,minmax(min(70mm,100%),1fr))}.label{min-width:0}}`;
  return page(lang, t.labels, root, `<div class="noprint"><h1>${esc(t.labels)} (${assets.length})</h1><p><button type="button" id="print">${esc(t.print)}</button></p></div><div class="sheet">${labels}</div>`, css, true);
}

/** The request form of one asset (the page a QR code opens). */
export function requestForm(o: { asset: string; assetName?: string; known: boolean; user?: { username: string; name: string }; photosAllowed: boolean; lang: FloorLang; root: string }): string {
  const t = FLOOR_TEXT[o.lang];
  if (!o.known) return page(o.lang, t.requestTitle, o.root, `<h1>${esc(t.requestTitle)}</h1><div class="card err" id="unknown">${esc(fill(t.unknownAsset, { asset: o.asset }))}</div>`);
  const who = o.user
    ? `<p class="muted" id="who">${esc(fill(t.loggedInAs, { user: o.user.name || o.user.username }))}</p>`
    : `<label for="by">${esc(t.yourName)}</label><input type="text" id="by" name="by" maxlength="200" required autocomplete="name">`;
  const photo = o.photosAllowed
    ? `<label for="photo">${esc(t.photo)}</label><input type="file" id="photo" name="photo" accept="image/*" capture="environment">`
    : `<p class="muted">${esc(t.photosNeedLogin)}</p>`;
  return page(
    o.lang,
    t.requestTitle,
    o.root,
    `<h1>${esc(t.requestTitle)}</h1><form id="req" class="card" data-asset="${esc(o.asset)}" data-sending="${esc(t.sending)}" data-sent="${esc(t.sent)}" data-error="${esc(t.error)}">
<div><span class="muted">${esc(t.asset)}</span><br><b id="asset-name">${esc(o.assetName || o.asset)}</b> <span class="muted" id="asset-id">${esc(o.asset)}</span></div>${who}
<label for="text">${esc(t.whatIsWrong)}</label><textarea id="text" name="text" rows="4" maxlength="2000" required placeholder="${esc(t.whatIsWrongHint)}"></textarea>${photo}
<p><button type="submit" id="send">${esc(t.send)}</button></p><p id="result" role="status"></p></form>
<p id="again" hidden><a href="">${esc(t.another)}</a></p>`,
  );
}

/** The planner's list: new requests with Approve, and Reject with a reason; the latest decided below. */
export function requestList(reqs: readonly WorkRequest[], lang: FloorLang, root: string, canDecide: boolean): string {
  const t = FLOOR_TEXT[lang];
  const card = (r: WorkRequest) => {
    const photos = r.photos.map((p) => `<img class="ph" alt="" src="${esc(root)}floor/photos/${esc(p.name)}">`).join('');
    const state =
      r.status === 'new'
        ? canDecide
          ? `<div class="row"><button type="button" data-approve="${r.id}">${esc(t.approve)}</button><input type="text" data-reason="${r.id}" placeholder="${esc(t.reason)}" maxlength="500" style="flex:1;min-width:8em"><button type="button" class="no" data-reject="${r.id}">${esc(t.reject)}</button></div>`
          : ''
        : r.status === 'approved'
          ? `<p class="ok">${esc(fill(t.approved, { order: `WO-${String(r.order).padStart(6, '0')}` }))}</p>`
          : `<p class="err">${esc(fill(t.rejected, { reason: r.reason }))}</p>`;
    return `<div class="card" id="req-${r.id}" data-status="${r.status}"><b>${esc(r.number)}</b> · ${esc(r.asset)}<p style="white-space:pre-wrap">${esc(r.text)}</p><p class="muted">${esc(fill(t.requestedBy, { user: r.requestedBy, at: r.requestedAt.slice(0, 16).replace('T', ' ') }))}</p>${photos}${state}</div>`;
  };
  const body = reqs.length ? reqs.map(card).join('') : `<p class="muted">${esc(t.noRequests)}</p>`;
  return page(lang, t.requests, root, `<h1>${esc(t.requests)}</h1><div id="list" data-error="${esc(t.error)}">${body}</div>`);
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
  async function call(method, url, body, type) {
    var r = await fetch(root + url, { method: method, credentials: 'same-origin', headers: { 'content-type': type || 'application/json' }, body: body });
    var j = null; try { j = await r.json(); } catch (e) { j = null; }
    if (!r.ok) throw new Error((j && j.error) || ('HTTP ' + r.status));
    return j;
  }
  var pr = document.getElementById('print');
  if (pr) pr.addEventListener('click', function () { window.print(); });
  var f = document.getElementById('req');
  if (f) f.addEventListener('submit', async function (ev) {
    ev.preventDefault();
    var out = document.getElementById('result');
    var btn = document.getElementById('send');
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
      if (by) body.by = by.value;
      var r = await call('POST', 'floor/requests', JSON.stringify(body));
      out.className = 'ok'; out.textContent = fill(f.getAttribute('data-sent'), { number: r.number });
      document.getElementById('text').value = ''; if (input) input.value = '';
      document.getElementById('again').hidden = false;
    } catch (e) {
      out.className = 'err'; out.textContent = fill(f.getAttribute('data-error'), { text: e.message });
    } finally { btn.disabled = false; }
  });
  var list = document.getElementById('list');
  if (list) list.addEventListener('click', async function (ev) {
    var b = ev.target.closest('button'); if (!b) return;
    var id = b.getAttribute('data-approve') || b.getAttribute('data-reject'); if (!id) return;
    var reject = b.hasAttribute('data-reject');
    b.disabled = true;
    try {
      var reason = reject ? list.querySelector('[data-reason="' + id + '"]').value : undefined;
      await call('POST', 'floor/requests/' + id + '/' + (reject ? 'reject' : 'approve'), JSON.stringify(reject ? { reason: reason } : {}));
      location.reload();
    } catch (e) {
      b.disabled = false;
      var m = document.createElement('p'); m.className = 'err'; m.textContent = fill(list.getAttribute('data-error'), { text: e.message });
      document.getElementById('req-' + id).appendChild(m);
    }
  });
})();
`;
