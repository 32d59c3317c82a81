/**
 * rel-health's machine-mode settings from the node form (strings from the editor, numbers from
 * flows written by hand) to a MachineConfig, and the detect message of a machine state change.
 * Errors name the setting.
 */
import { InputError } from '../errors';
import { isObject, num, own } from '../validate';
import { channelName } from '../ingest/reading';
import { DEFAULT_MACHINE, type ChannelLimit, type MachineConfig, type MachineHealth } from './machine';

export interface MachineForm {
  learnMode?: unknown;
  learnFrames?: unknown;
  learnHours?: unknown;
  hysteresis?: unknown;
  /** False warnings allowed: one per this many running hours (default 8). */
  warnEveryHours?: unknown;
  /** False alarms allowed: one per this many running hours (default 168). */
  alarmEveryHours?: unknown;
  lambda?: unknown;
  persistence?: unknown;
  startupMinutes?: unknown;
  runChannel?: unknown;
  runAbove?: unknown;
  modeChannel?: unknown;
  /** Comma-separated ascending edges. */
  modeEdges?: unknown;
  /** JSON: {channel: {warnAbove, alarmAbove, warnBelow, alarmBelow}}. */
  limits?: unknown;
}

const blank = (v: unknown) => v === undefined || v === null || v === '';

function cfgNum(v: unknown, def: number, what: string, o: { min?: number; max?: number; gt?: number; integer?: boolean }): number {
  return blank(v) ? def : num(v, `config ${what}`, o);
}

function parseLimits(v: unknown): Record<string, ChannelLimit> | undefined {
  if (blank(v)) return undefined;
  let o: unknown = v;
  if (typeof v === 'string') {
    if (v.length > 64 * 1024) throw new InputError('config limits', 'at most 64 KiB of JSON', v);
    try {
      o = JSON.parse(v);
    } catch {
      throw new InputError('config limits', 'JSON: {"channel": {"warnAbove": n, "alarmAbove": n, "warnBelow": n, "alarmBelow": n}}', v);
    }
  }
  if (!isObject(o)) throw new InputError('config limits', 'an object of channel limits', o);
  const out: Record<string, ChannelLimit> = Object.create(null);
  const keys = Object.keys(o);
  if (keys.length > 64) throw new InputError('config limits', 'at most 64 channels', o);
  for (const ch of keys) {
    channelName(ch, 'config limits');
    const l = own(o, ch);
    if (!isObject(l)) throw new InputError(`config limits.${ch}`, 'an object with warnAbove, alarmAbove, warnBelow or alarmBelow', l);
    const lim: ChannelLimit = {};
    for (const k of ['warnAbove', 'alarmAbove', 'warnBelow', 'alarmBelow'] as const) {
      const x = own(l, k);
      if (!blank(x)) lim[k] = num(x, `config limits.${ch}.${k}`);
    }
    for (const k of Object.keys(l)) if (!['warnAbove', 'alarmAbove', 'warnBelow', 'alarmBelow'].includes(k)) throw new InputError(`config limits.${ch}`, 'only warnAbove, alarmAbove, warnBelow, alarmBelow', k);
    if (lim.warnAbove !== undefined && lim.alarmAbove !== undefined && lim.alarmAbove < lim.warnAbove) throw new InputError(`config limits.${ch}.alarmAbove`, `a value not below warnAbove (${lim.warnAbove})`, lim.alarmAbove);
    if (lim.warnBelow !== undefined && lim.alarmBelow !== undefined && lim.alarmBelow > lim.warnBelow) throw new InputError(`config limits.${ch}.alarmBelow`, `a value not above warnBelow (${lim.warnBelow})`, lim.alarmBelow);
    out[ch] = lim;
  }
  return out;
}

function parseEdges(v: unknown): number[] {
  const parts = Array.isArray(v) ? v : String(v).split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (!parts.length || parts.length > 16) throw new InputError('config modeEdges', '1 to 16 ascending numbers, comma-separated', v);
  const edges = parts.map((p, i) => num(p, `config modeEdges[${i}]`));
  for (let i = 1; i < edges.length; i++) if (!(edges[i] > edges[i - 1])) throw new InputError('config modeEdges', 'ascending numbers', v);
  return edges;
}

export function machineConfig(c: MachineForm): MachineConfig {
  const cfg: MachineConfig = {
    ...DEFAULT_MACHINE,
    learnMode: c.learnMode === 'frames' || c.learnMode === 'readings' ? 'readings' : 'hours',
    learnReadings: cfgNum(c.learnFrames, DEFAULT_MACHINE.learnReadings, 'learnFrames', { min: 10, max: 1_000_000, integer: true }),
    learnHours: cfgNum(c.learnHours, DEFAULT_MACHINE.learnHours, 'learnHours', { min: 0.01, max: 24 * 365 }),
    hysteresis: cfgNum(c.hysteresis, DEFAULT_MACHINE.hysteresis, 'hysteresis', { min: 0, max: 15 }),
    warnPerHour: 1 / cfgNum(c.warnEveryHours, 1 / DEFAULT_MACHINE.warnPerHour, 'warnEveryHours', { min: 0.1, max: 100_000 }),
    alarmPerHour: 1 / cfgNum(c.alarmEveryHours, 1 / DEFAULT_MACHINE.alarmPerHour, 'alarmEveryHours', { min: 0.1, max: 100_000 }),
    lambda: cfgNum(c.lambda, DEFAULT_MACHINE.lambda, 'lambda', { gt: 0, max: 1 }),
    persistence: cfgNum(c.persistence, DEFAULT_MACHINE.persistence, 'persistence', { min: 0, max: 1000, integer: true }),
    startupMs: cfgNum(c.startupMinutes, DEFAULT_MACHINE.startupMs / 60_000, 'startupMinutes', { min: 0, max: 24 * 60 }) * 60_000,
  };
  if (cfg.alarmPerHour > cfg.warnPerHour) throw new InputError('config alarmEveryHours', `at least warnEveryHours (${1 / cfg.warnPerHour}): false alarms are rarer than false warnings`, 1 / cfg.alarmPerHour);
  if (!blank(c.runChannel)) cfg.running = { channel: channelName(c.runChannel, 'config runChannel'), above: cfgNum(c.runAbove, 0, 'runAbove', {}) };
  if (!blank(c.modeChannel)) cfg.mode = { channel: channelName(c.modeChannel, 'config modeChannel'), edges: parseEdges(c.modeEdges) };
  const limits = parseLimits(c.limits);
  if (limits) cfg.limits = limits;
  return cfg;
}

/** Evidence a technician can check, for the detect message of a machine state change. */
export function machineEvidence(h: MachineHealth, from: string, to: string): string {
  if (to === 'normal') return `machine health back to ${h.score ?? '-'} (${from} cleared)`;
  const parts: string[] = [];
  if (h.isoZone) parts.push(`ISO 10816 zone ${h.isoZone}`);
  if (h.driver?.startsWith('limit:')) parts.push(`${h.driver.slice(6)} past its ${to} limit`);
  const top = h.contributors.filter((c) => c.scored && (c.share ?? 0) >= 0.1).slice(0, 3);
  if (top.length) parts.push(top.map((c) => `${c.channel} ${c.value === null ? '-' : Number(c.value.toPrecision(4))}${c.unit ? ` ${c.unit}` : ''} (baseline ${c.baseline}, ${c.deviation! > 0 ? '+' : ''}${c.deviation} sd, ${Math.round((c.share ?? 0) * 100)} %)`).join(', '));
  return `machine health ${h.score ?? '-'} (${from} -> ${to})${parts.length ? `: ${parts.join('; ')}` : ''}`;
}
