/**
 * Notices in plain language (English or German): a subject line, a plain-text body, an HTML body
 * (every value from a message or the roster escaped) and a one-line text for chats and dashboard
 * toasts. Pure: no Node-RED.
 */
import type { NotifyEvent } from './rules';
import type { RosterEntry } from './roster';
import { faultName, isKnownFault, locationOf } from '../text';

export type Lang = 'en' | 'de';
export const LANGS: readonly Lang[] = ['en', 'de'];

export interface RenderOptions {
  lang: Lang;
  /** The plant's local time of the event, `YYYY-MM-DD HH:MM`. */
  localTime: string;
  /** Zone label (UTC+01:00, Europe/Berlin). */
  zone: string;
  /** Dashboard base URL (http://edge-1:1880/dashboard), or '' for no link. */
  baseUrl: string;
  /** Repeats held back since the previous notice, and when the first was. */
  suppressed: number;
  heldSince?: string;
  /** The line the event was placed on. */
  line?: string;
}

export interface Notice {
  subject: string;
  text: string;
  html: string;
  /** One paragraph for chat webhooks and dashboard toasts. */
  short: string;
  link?: string;
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** One line of text: control characters (CR, LF: header injection in a subject) become spaces. */
export function oneLine(s: string, max = 200): string {
  const t = s.replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' ').trim();
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
}

const T = {
  en: {
    line: 'line',
    states: { normal: 'normal', learning: 'learning', warning: 'warning', alarm: 'alarm', stopped: 'stopped' } as Record<string, string>,
    kinds: { quality: 'quality', machine: 'machine', material: 'material', safety: 'safety' } as Record<string, string>,
    health: 'Health',
    evidence: 'Evidence',
    channel: 'Channel',
    zone: 'ISO 10816 zone',
    open: 'Open',
    onCall: 'On call',
    nobody: 'Nobody on call for these roles',
    at: 'at',
    plantTime: 'plant time',
    changed: (a: string, l: string, from: string, to: string) => `${a} (${l}) went from ${from} to ${to}`,
    subjHealth: (st: string, a: string, l: string, h: string) => `[${st.toUpperCase()}] ${a} (${l}): health ${h}`,
    subjAndon: (lv: number, s: string, l: string, k: string, age: string) => `[ANDON level ${lv}] ${s} (${l}): ${k} call unacknowledged${age ? ` for ${age}` : ''}`,
    andonBody: (s: string, l: string, k: string, lv: number, age: string) => `The ${k} Andon call at ${s} (${l}) is unacknowledged${age ? ` after ${age}` : ''} and escalated to level ${lv}.`,
    callText: 'Call text',
    subjWo: (ev: string, p: number, n: string, a: string, t: string) => `[P${p}] ${ev === 'new' ? 'New work order' : 'Work order escalated'} ${n}: ${a}${t ? ` - ${t}` : ''}`,
    woBody: (ev: string, n: string, a: string, l: string, p: number) => `Work order ${n} for ${a} (${l}) ${ev === 'new' ? 'was opened' : 'was escalated'} with priority P${p}.`,
    title: 'Title',
    mode: 'Failure mode',
    held: (n: number, since: string) => `${n} repeat${n === 1 ? '' : 's'} of this notice held back since ${since}.`,
    unknownLine: 'line ?',
  },
  de: {
    line: 'Linie',
    states: { normal: 'Normal', learning: 'lernt', warning: 'Warnung', alarm: 'Alarm', stopped: 'steht' } as Record<string, string>,
    kinds: { quality: 'Qualitäts', machine: 'Maschinen', material: 'Material', safety: 'Sicherheits' } as Record<string, string>,
    health: 'Zustand',
    evidence: 'Befund',
    channel: 'Kanal',
    zone: 'ISO-10816-Zone',
    open: 'Öffnen',
    onCall: 'Bereitschaft',
    nobody: 'Niemand in Bereitschaft für diese Rollen',
    at: 'um',
    plantTime: 'Werkszeit',
    changed: (a: string, l: string, from: string, to: string) => `${a} (${l}) ist von ${from} auf ${to} gegangen`,
    subjHealth: (st: string, a: string, l: string, h: string) => `[${st.toUpperCase()}] ${a} (${l}): Zustand ${h}`,
    subjAndon: (lv: number, s: string, l: string, k: string, age: string) => `[ANDON Stufe ${lv}] ${s} (${l}): ${k}-Ruf nicht quittiert${age ? ` seit ${age}` : ''}`,
    andonBody: (s: string, l: string, k: string, lv: number, age: string) => `Der ${k}-Andon-Ruf an ${s} (${l}) ist${age ? ` nach ${age}` : ''} nicht quittiert und auf Stufe ${lv} eskaliert.`,
    callText: 'Text des Rufs',
    subjWo: (ev: string, p: number, n: string, a: string, t: string) => `[P${p}] ${ev === 'new' ? 'Neuer Auftrag' : 'Auftrag eskaliert'} ${n}: ${a}${t ? ` - ${t}` : ''}`,
    woBody: (ev: string, n: string, a: string, l: string, p: number) => `Der Instandhaltungsauftrag ${n} für ${a} (${l}) ${ev === 'new' ? 'wurde eröffnet' : 'wurde eskaliert'}, Priorität P${p}.`,
    title: 'Titel',
    mode: 'Schadensbild',
    held: (n: number, since: string) => `${n} Wiederholung${n === 1 ? '' : 'en'} dieser Meldung seit ${since} zurückgehalten.`,
    unknownLine: 'Linie ?',
  },
};

function age(s: number | undefined, lang: Lang): string {
  if (s === undefined) return '';
  if (s < 120) return `${Math.round(s)} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  return `${(s / 3600).toFixed(1)} ${lang === 'de' ? 'Std.' : 'h'}`;
}

/** The dashboard page of an event: the asset page for health, the line for Andon, maintenance for work orders. */
export function linkFor(e: NotifyEvent, baseUrl: string): string | undefined {
  const b = baseUrl.trim().replace(/\/+$/, '');
  if (!b) return undefined;
  if (e.kind === 'warning' || e.kind === 'alarm') return `${b}/asset?asset=${encodeURIComponent(e.subject)}`;
  if (e.kind === 'andon') return `${b}/line`;
  return `${b}/maintenance`;
}

/** Render an event for `recipients` (named in the notice so everyone sees who else was told). */
export function render(e: NotifyEvent, recipients: RosterEntry[], o: RenderOptions): Notice {
  const t = T[o.lang];
  const u = (s: string | undefined, max = 200) => oneLine(s ?? '', max);
  const subj = u(e.subject, 200);
  const lineTxt = o.line ? `${t.line} ${u(o.line, 128)}` : t.unknownLine;
  const st = (s: string | undefined) => (s ? (t.states[s] ?? u(s, 20)) : '?');
  const rows: [string, string][] = [];
  let subject: string;
  let lead: string;
  if (e.kind === 'warning' || e.kind === 'alarm') {
    const h = e.health === null || e.health === undefined ? '?' : String(Math.round(e.health));
    subject = t.subjHealth(st(e.state), subj, lineTxt, h);
    lead = `${t.changed(subj, lineTxt, st(e.from), st(e.state))} ${t.at} ${o.localTime} (${t.plantTime}, ${o.zone}).`;
    rows.push([t.health, `${h} / 100`]);
    if (e.isoZone) rows.push([t.zone, u(e.isoZone, 2)]);
    if (e.channel) rows.push([t.channel, u(e.channel, 100)]);
    if (e.evidence) rows.push([t.evidence, u(e.evidence, 1000)]);
  } else if (e.kind === 'andon') {
    const k = e.callKind ? (t.kinds[e.callKind] ?? u(e.callKind, 50)) : 'Andon';
    subject = t.subjAndon(e.level ?? 1, subj, lineTxt, k, age(e.ageS, o.lang));
    lead = `${t.andonBody(subj, lineTxt, k, e.level ?? 1, age(e.ageS, o.lang))} (${o.localTime}, ${o.zone})`;
    if (e.text) rows.push([t.callText, u(e.text, 1000)]);
  } else {
    subject = t.subjWo(e.event ?? 'new', e.priority ?? 1, u(e.number, 50), subj, u(e.title, 120));
    lead = `${t.woBody(e.event ?? 'new', u(e.number, 50), subj, lineTxt, e.priority ?? 1)} (${o.localTime}, ${o.zone})`;
    if (e.title) rows.push([t.title, u(e.title)]);
    // the failure mode in words when it is a known one, its code after it
    if (e.mode) rows.push([t.mode, isKnownFault(e.mode) ? `${faultName(e.mode, o.lang, locationOf(e.channel))} (${u(e.mode, 100)})` : u(e.mode, 100)]);
    if (e.evidence) rows.push([t.evidence, u(e.evidence, 1000)]);
  }
  const link = linkFor(e, o.baseUrl);
  const who = recipients.length ? recipients.map((r) => `${u(r.name, 100)} (${r.role}${r.phone ? `, ${r.phone}` : ''})`).join(', ') : t.nobody;
  const held = o.suppressed > 0 ? t.held(o.suppressed, o.heldSince ?? '?') : '';
  subject = oneLine(subject, 250);

  const text = [lead, '', ...rows.map(([k, v]) => `${k}: ${v}`), ...(link ? [`${t.open}: ${link}`] : []), `${t.onCall}: ${who}`, ...(held ? ['', held] : [])].join('\n');
  const html = [
    `<p>${escapeHtml(lead)}</p>`,
    rows.length ? `<table>${rows.map(([k, v]) => `<tr><th align="left">${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`).join('')}</table>` : '',
    link ? `<p><a href="${escapeHtml(link)}">${escapeHtml(t.open)}: ${escapeHtml(link)}</a></p>` : '',
    `<p>${escapeHtml(t.onCall)}: ${escapeHtml(who)}</p>`,
    held ? `<p><i>${escapeHtml(held)}</i></p>` : '',
  ]
    .filter(Boolean)
    .join('\n');
  const short = [subject, ...(e.evidence && e.kind !== 'work-order' ? [u(e.evidence, 300)] : e.text ? [u(e.text, 300)] : []), ...(link ? [link] : []), ...(held ? [held] : [])].join(' · ');
  return { subject, text, html, short, link };
}
