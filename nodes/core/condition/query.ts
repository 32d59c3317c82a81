/** Message parsing shared by rel-health and rel-rul: channel names and the history query. */
import { InputError } from '../errors';
import { num, optStr, own, time } from '../validate';
import type { HistoryQuery } from './repo';

/** Control characters (a channel name is printable text). */
const CONTROL = /[\u0000-\u001f\u007f]/;
export const MAX_HISTORY_POINTS = 5000;

export function channelOf(payload: unknown, fallback: string): string {
  const c = own(payload, 'channel');
  if (c === undefined || c === null || c === '') return fallback;
  // what rel-ingest emits: 1-128 printable characters (an OPC UA node id such as ns=2;s=Motor.Temperature)
  if (typeof c !== 'string' || c.trim() === '' || c.length > 128 || CONTROL.test(c)) throw new InputError('msg.payload.channel', 'a channel name (1-128 printable characters)', c);
  return c;
}

export function optChannel(payload: unknown): string | undefined {
  const c = own(payload, 'channel');
  return c === undefined || c === null || c === '' ? undefined : channelOf(payload, '');
}

/** {from?, to?, maxPoints?, channel?, metrics?}: default the last 7 days, 500 points. */
export function historyQuery(payload: unknown, asset: string, now: number): HistoryQuery {
  const to = own(payload, 'to') === undefined ? now : time(own(payload, 'to'), 'msg.payload.to');
  const from = own(payload, 'from') === undefined ? to - 7 * 86_400_000 : time(own(payload, 'from'), 'msg.payload.from');
  if (!(from < to)) throw new InputError('msg.payload.from', 'a time before msg.payload.to', own(payload, 'from'));
  const mp = own(payload, 'maxPoints');
  const maxPoints = mp === undefined ? 500 : num(mp, 'msg.payload.maxPoints', { min: 1, max: MAX_HISTORY_POINTS, integer: true });
  const m = own(payload, 'metrics');
  let metrics: string[] | undefined;
  if (m !== undefined) {
    if (!Array.isArray(m) || m.length > 16 || m.some((x) => typeof x !== 'string')) throw new InputError('msg.payload.metrics', 'an array of metric names (health, anomaly, rul, rul_low, rul_high)', m);
    metrics = m as string[];
  }
  return { asset, channel: optChannel(payload), from, to, maxPoints, metrics };
}

export function optText(payload: unknown, key: string, max = 500): string | undefined {
  const v = optStr(own(payload, key), `msg.payload.${key}`, { maxLength: max });
  return v === undefined || v.trim() === '' ? undefined : v;
}
