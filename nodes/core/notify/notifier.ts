/**
 * The notifier: an event in, the notices out (e-mail, webhook, dashboard), with the roster, the
 * rules and the throttle. Pure: no Node-RED; rel-notify is the glue.
 */
import { InputError } from '../errors';
import { EMAIL, parseRoster, parseShifts, parseZone, localTime, whoIsOnCall, type Roster, type RosterEntry } from './roster';
import { classify, parseChain, parseRoles, rolesFor, Throttle, DEFAULT_RULES, type NotifyEvent, type Rules } from './rules';
import { render, LANGS, type Lang, type Notice } from './render';

export interface NotifierConfig {
  roster: unknown;
  shifts?: unknown;
  timeZone?: unknown;
  warning?: unknown;
  alarm?: unknown;
  chain?: unknown;
  workOrders?: unknown;
  woRoles?: unknown;
  woMaxPriority?: unknown;
  /** Minimum minutes between two notices of one (subject, kind). */
  minInterval?: unknown;
  lang?: unknown;
  dashboardUrl?: unknown;
  webhookUrl?: unknown;
  /** Sender address (msg.from); empty: the e-mail node's user id. */
  from?: unknown;
}

/**
 * For node-red-node-email's `e-mail` node: it sends `payload` as the HTML body when it contains
 * tags, with `plaintext` as the text part (it does not read `msg.html`). So `payload` is the HTML
 * body (every value escaped: a `<` in an evidence text can never become markup), `plaintext` the
 * text body, and `html` the HTML body again for mail nodes that read it.
 */
export interface EmailOut {
  to: string;
  from?: string;
  topic: string;
  payload: string;
  plaintext: string;
  html: string;
}
export interface WebhookOut {
  url?: string;
  method: 'POST';
  headers: Record<string, string>;
  payload: Record<string, unknown>;
}
export interface DashboardOut {
  topic: string;
  payload: string;
}

export interface Outcome {
  /** What the message was, or undefined when it notifies nobody. */
  event?: NotifyEvent;
  /** Why nothing went out: `ignored` (not an event to tell), `held` (throttled). */
  skipped?: 'ignored' | 'held';
  reason?: string;
  /** The line the event was placed on. */
  line?: string;
  recipients: RosterEntry[];
  notice?: Notice;
  email: EmailOut | null;
  webhooks: WebhookOut[];
  dashboard: DashboardOut | null;
}

const text = (v: unknown, fallback: string) => (typeof v === 'string' && v.trim() !== '' ? v : fallback);

export class Notifier {
  roster: Roster;
  readonly rules: Rules;
  readonly throttle: Throttle;
  readonly lang: Lang;
  readonly baseUrl: string;
  readonly webhookUrl: string;
  readonly from: string;
  readonly workOrders: boolean;
  readonly woMaxPriority: number;

  constructor(c: NotifierConfig) {
    const zone = parseZone(c.timeZone, 'timeZone');
    const shifts = parseShifts(c.shifts, 'shifts');
    this.roster = parseRoster(c.roster, shifts, zone, 'roster');
    this.rules = {
      warning: parseRoles(text(c.warning, DEFAULT_RULES.warning), 'warning'),
      alarm: parseRoles(text(c.alarm, DEFAULT_RULES.alarm), 'alarm'),
      chain: parseChain(text(c.chain, DEFAULT_RULES.chain), 'chain'),
      workOrder: parseRoles(text(c.woRoles, DEFAULT_RULES.workOrder), 'woRoles'),
    };
    this.workOrders = c.workOrders === true || c.workOrders === 'true';
    const p = c.woMaxPriority === undefined || c.woMaxPriority === '' ? 1 : Number(c.woMaxPriority);
    if (!Number.isInteger(p) || p < 1 || p > 4) throw new InputError('woMaxPriority', 'a priority 1-4', c.woMaxPriority);
    this.woMaxPriority = p;
    const min = c.minInterval === undefined || c.minInterval === '' ? 15 : Number(c.minInterval);
    if (!Number.isFinite(min) || min < 0 || min > 7 * 24 * 60) throw new InputError('minInterval', 'minutes 0 to 10080 (a week)', c.minInterval);
    this.throttle = new Throttle(min * 60_000);
    const lang = c.lang === undefined || c.lang === '' ? 'en' : c.lang;
    if (!(LANGS as readonly unknown[]).includes(lang)) throw new InputError('lang', `one of ${LANGS.join(', ')}`, c.lang);
    this.lang = lang as Lang;
    this.baseUrl = urlOrEmpty(c.dashboardUrl, 'dashboardUrl');
    this.webhookUrl = urlOrEmpty(c.webhookUrl, 'webhookUrl');
    const from = typeof c.from === 'string' ? c.from.trim() : c.from;
    if (from !== undefined && from !== null && from !== '' && (typeof from !== 'string' || from.length > 254 || !EMAIL.test(from))) throw new InputError('from', 'an e-mail address or nothing', c.from);
    this.from = (from as string | undefined) || '';
  }

  /** Replace the roster (same shifts and zone); the throttle keeps its memory. */
  setRoster(source: unknown, path = 'msg.payload'): Roster {
    this.roster = parseRoster(source, this.roster.shifts, this.roster.zone, path);
    return this.roster;
  }

  /**
   * Handle one message. `lineOf(subject)` places an event on a line when the message does not say
   * it (the asset's rel-asset line, else the node's line).
   */
  handle(msg: Record<string, unknown>, now: number, lineOf: (subject: string) => string | undefined): Outcome {
    const c = classify(msg, now, { workOrders: this.workOrders, woMaxPriority: this.woMaxPriority });
    const none = { recipients: [], email: null, webhooks: [], dashboard: null };
    if ('ignored' in c) return { ...none, skipped: 'ignored', reason: c.ignored };
    const e = c.event;
    const line = e.line ?? lineOf(e.subject);
    const d = this.throttle.check(`${e.subject}\u0000${e.key}`, e.ts);
    if (!d.send) return { ...none, event: e, skipped: 'held', reason: `${d.held} held` };
    const recipients = whoIsOnCall(this.roster, line, e.ts, rolesFor(this.rules, e));
    const zone = this.roster.zone;
    const notice = render(e, recipients, {
      lang: this.lang,
      localTime: localTime(zone, e.ts).text,
      zone: zone.label,
      baseUrl: this.baseUrl,
      suppressed: d.suppressed,
      heldSince: d.heldSince === undefined ? undefined : localTime(zone, d.heldSince).text,
      line,
    });
    const emails = [...new Set(recipients.map((r) => r.email).filter((x): x is string => !!x))];
    const email = emails.length ? { to: emails.join(', '), ...(this.from ? { from: this.from } : {}), topic: notice.subject, payload: notice.html, plaintext: notice.text, html: notice.html } : null;
    const body = {
      // Slack reads <...> as links and asks for &, <, > escaped; Teams shows the entities as characters
      text: notice.short.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;'),
      title: notice.subject,
      kind: e.kind,
      subject: e.subject,
      line: line ?? null,
      ts: e.ts,
      at: new Date(e.ts).toISOString(),
      ...(notice.link ? { link: notice.link } : {}),
      recipients: recipients.map((r) => ({ name: r.name, role: r.role })),
      suppressed: d.suppressed,
    };
    const urls = [...new Set([this.webhookUrl, ...recipients.map((r) => r.webhook ?? '')].filter(Boolean))];
    const hook = (url?: string): WebhookOut => ({ ...(url ? { url } : {}), method: 'POST', headers: { 'content-type': 'application/json' }, payload: body });
    const webhooks = urls.length ? urls.map(hook) : [hook()];
    return { event: e, line, recipients, notice, email, webhooks, dashboard: { topic: notice.subject, payload: notice.short } };
  }
}

function urlOrEmpty(v: unknown, path: string): string {
  if (v === undefined || v === null || (typeof v === 'string' && v.trim() === '')) return '';
  if (typeof v !== 'string' || v.length > 2000 || !/^https?:\/\/[^\s]+$/i.test(v.trim())) throw new InputError(path, 'an http(s):// URL or nothing', v);
  return v.trim();
}
