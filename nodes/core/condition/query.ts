/** Message parsing shared by rel-health and rel-rul: channel names and the history query. */
import { InputError } from '../errors';
import { num, optStr, own, time } from '../validate';
import { channelName } from '../ingest/reading';
import type { HistoryQuery } from './repo';

export const MAX_HISTORY_POINTS = 5000;

/** A reading whose source says its value was not measured (quality bad) is refused: it must not move a baseline or a trend. */
export function refuseBadQuality(payload: unknown, what: string): void {
  if (own(payload, 'quality') === 'bad') throw new InputError('msg.payload.quality', `a measured reading (quality good or uncertain): a bad reading ${what}`, 'bad');
}

export function channelOf(payload: unknown, fallback: string): string {
  const c = own(payload, 'channel');
  if (c === undefined || c === null || c === '') return fallback;
  // the names rel-ingest emits (an OPC UA node id such as ns=2;s=Motor.Temperature is one)
  return channelName(c, 'msg.payload.channel');
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
