/**
 * rel-notify: tells the maintenance team. Wire rel-health's second output (state changes),
 * rel-andon's second output (escalations) and, optionally, rel-work-order's second output (new and
 * escalated orders) into it; its outputs feed node-red-node-email's `e-mail` node, Node-RED's
 * `http request` node (a Teams / Slack incoming webhook) and a dashboard ui-notification.
 * Roster, rules, throttling and wording: nodes/core/notify/ and docs/notifications.md.
 */
import { Notifier } from '../core/notify/notifier';
import { findAsset } from '../shared/assets';
import { getClock } from '../shared/clock';
import { defineNode } from '../shared/node';
import { status } from '../shared/status';
import { own } from '../core/validate';
import type { NodeDef, NodeMessage, RedApi } from '../shared/red';

interface NotifyDef extends NodeDef {
  roster?: string;
  shifts?: string;
  timeZone?: string;
  line?: string;
  warning?: string;
  alarm?: string;
  chain?: string;
  workOrders?: boolean | string;
  woRoles?: string;
  woMaxPriority?: string | number;
  minInterval?: string | number;
  lang?: string;
  dashboardUrl?: string;
  webhookUrl?: string;
  from?: string;
}

export = function (RED: RedApi) {
  defineNode<NotifyDef>(RED, 'rel-notify', (node, config) => {
    const clock = getClock(RED);
    // the team channel's URL is a secret (whoever has it can post): a credential, not exported with
    // the flow; a URL an earlier version saved in the flow still works until the form is saved again
    const secret = (node as unknown as { credentials?: { webhook?: string } }).credentials?.webhook;
    const legacy = typeof config.webhookUrl === 'string' ? config.webhookUrl.trim() : '';
    if (!secret && legacy) node.warn('the webhook URL is saved in the flow file, readable by anyone with the flow: open this node and deploy to keep it as a credential');
    const n = new Notifier({
      roster: config.roster,
      shifts: config.shifts,
      timeZone: config.timeZone,
      warning: config.warning,
      alarm: config.alarm,
      chain: config.chain,
      workOrders: config.workOrders,
      woRoles: config.woRoles,
      woMaxPriority: config.woMaxPriority,
      minInterval: config.minInterval,
      lang: config.lang,
      dashboardUrl: config.dashboardUrl,
      webhookUrl: secret || legacy,
      from: config.from,
    });
    const defaultLine = typeof config.line === 'string' && config.line.trim() !== '' ? config.line.trim() : undefined;
    let sent = 0;
    const show = () => (n.throttle.heldTotal ? status.warn : status.ok)(node, `${sent} sent · ${n.throttle.heldTotal} held back`);
    status.idle(node, `${n.roster.entries.length} on the roster`);

    return {
      input: (msg, send) => {
        if (own(msg, 'action') === 'roster') {
          const r = n.setRoster(msg.payload, 'msg.payload');
          status.ok(node, `${r.entries.length} on the roster`);
          return;
        }
        const out = n.handle(msg as Record<string, unknown>, clock.now(), (subject) => findAsset(subject)?.line || defaultLine);
        if (out.skipped === 'ignored') return;
        if (out.skipped === 'held') return show();
        const e = out.event!;
        const notify = { kind: e.kind, subject: e.subject, line: out.line ?? null, ts: e.ts, recipients: out.recipients.map((r) => ({ name: r.name, role: r.role, email: r.email ?? null })) };
        const base = (): NodeMessage => ({ _msgid: msg._msgid, notify });
        // what goes to every dashboard browser names the people, not their addresses
        const shown = { ...notify, recipients: notify.recipients.map((r) => ({ name: r.name, role: r.role })) };
        send([
          out.email ? { ...base(), ...out.email } : null,
          out.webhooks.map((w) => ({ ...base(), ...w })),
          out.dashboard ? { _msgid: msg._msgid, notify: shown, ...out.dashboard } : null,
        ]);
        sent++;
        show();
      },
    };
  }, { credentials: { webhook: { type: 'password' } } });
};
