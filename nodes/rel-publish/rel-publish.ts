/**
 * rel-publish: plant events for MQTT. Wire the outputs of rel-health (state changes), rel-work-order
 * (both outputs), rel-andon (all three), rel-oee (reports), rel-spares and rel-kanban (pull
 * signals) into it and its output into Node-RED's `mqtt out` (QoS and retain from the message).
 * Topics and payloads: nodes/core/events/plant-events.ts and docs/plant-events.md.
 */
import os from 'os';
import { classify, toMqtt, type Hierarchy } from '../core/events/plant-events';
import { str } from '../core/validate';
import { findAsset } from '../shared/assets';
import { getClock } from '../shared/clock';
import { defineNode } from '../shared/node';
import { status } from '../shared/status';
import type { NodeDef, RedApi } from '../shared/red';

interface PublishDef extends NodeDef {
  root?: string;
  site?: string;
  area?: string;
  line?: string;
  box?: string;
}

const setting = (v: unknown, what: string, fallback: string): string => {
  const s = typeof v === 'string' ? v.trim() : '';
  if (s === '') return fallback;
  str(s, what, { maxLength: 128 });
  if (/[+#\u0000]/.test(s) || (what !== 'root' && s.includes('/'))) throw new Error(`rel-publish: ${what} ${JSON.stringify(s)} may not contain ${what === 'root' ? '+, #' : '/, +, #'}`);
  return s;
};

export = function (RED: RedApi) {
  defineNode<PublishDef>(RED, 'rel-publish', (node, config) => {
    const root = setting(config.root, 'root', 'plant').replace(/^\/+|\/+$/g, '');
    const site = setting(config.site, 'site', 'site');
    const area = setting(config.area, 'area', 'area');
    const line = setting(config.line, 'line', 'line');
    const box = setting(config.box, 'box', os.hostname());
    const clock = getClock(RED);
    let seq = 0;
    let ignored = 0;
    status.idle(node, 'waiting for events');

    const where = (subject: string, known?: string): Hierarchy => {
      const a = findAsset(subject) as (ReturnType<typeof findAsset> & { site?: string; area?: string }) | undefined;
      return { site: a?.site || site, area: a?.area || area, line: known || a?.line || line };
    };

    return {
      input: (msg, send) => {
        const e = classify(msg as Record<string, unknown>, clock.now());
        if (!e) {
          ignored++;
          status.idle(node, `${seq} sent · ${ignored} not events`);
          return;
        }
        seq++;
        const m = toMqtt(e, where(e.subject, e.line), { root, box, seq });
        send({ _msgid: msg._msgid, topic: m.topic, payload: m.payload, qos: m.qos, retain: m.retain });
        status.ok(node, `${seq} sent · ${e.kind} ${e.event}`);
      },
    };
  });
};
