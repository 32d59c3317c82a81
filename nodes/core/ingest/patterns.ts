/**
 * One MQTT subscription or one OPC UA client, many machines: a machine type's topic pattern
 * (`plant/{line}/asset/{asset}/{channel}`, `+` for any level) or node-id pattern
 * (`ns=2;s={asset}.{channel}`) names where each registered machine publishes; a message's topic
 * (the MQTT topic, the OPC UA node id) is routed back to its asset and channel. A topic naming an
 * unknown machine or channel is counted and reported, never a crash and never a reading.
 * Pure: no Node-RED.
 */
import { InputError } from '../errors';
import { own } from '../validate';
import { jsonReadings, type FieldMap } from './json';
import type { MachineChannel } from './machines';
import { opcuaReading } from './opcua';
import type { Reading, Source } from './reading';

export type PatternKind = 'mqtt' | 'opcua';
/** Placeholders a pattern may use: `asset` and `channel` are required, the place is checked. */
export const PLACEHOLDERS = ['asset', 'channel', 'line', 'site', 'area'] as const;
type Placeholder = (typeof PLACEHOLDERS)[number];
export const MAX_PATTERN = 256;

/** A machine that publishes by pattern (from the register: its type's pattern and its channels). */
export interface PatternMachine {
  asset: string;
  line?: string;
  site?: string;
  area?: string;
  pattern: string;
  channels: ReadonlyMap<string, MachineChannel>;
}

/** Check a pattern; returns the problem, or undefined when it is usable. */
export function patternProblem(kind: PatternKind, p: unknown): string | undefined {
  if (typeof p !== 'string' || p.trim() === '') return 'expected a text with {asset} and {channel}';
  if (p.length > MAX_PATTERN) return `expected at most ${MAX_PATTERN} characters`;
  const names = [...p.matchAll(/\{([^}]*)\}/g)].map((m) => m[1]);
  const bad = names.find((n) => !(PLACEHOLDERS as readonly string[]).includes(n));
  if (bad !== undefined) return `unknown placeholder {${bad}}: expected ${PLACEHOLDERS.map((n) => `{${n}}`).join(', ')}`;
  for (const need of ['asset', 'channel']) if (!names.includes(need)) return `expected {${need}} in the pattern`;
  if (new Set(names).size !== names.length) return 'expected each placeholder once';
  if (/[{}]/.test(p.replace(/\{[a-z]+\}/g, ''))) return 'expected { and } only around a placeholder';
  if (kind === 'mqtt') {
    const levels = p.split('/');
    for (let i = 0; i < levels.length; i++) {
      const l = levels[i];
      if (l.includes('#') && (l !== '#' || i !== levels.length - 1)) return '# is allowed only as the whole last level';
      if (l.includes('+') && l !== '+') return '+ is allowed only as a whole level';
      if (/\{[a-z]+\}\{/.test(l)) return 'expected a separator between two placeholders';
    }
  } else if (/\}\{/.test(p)) return 'expected a separator between two placeholders';
  return undefined;
}

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A compiled pattern: its regular expression and which group binds which placeholder. */
interface Compiled {
  pattern: string;
  re: RegExp;
  groups: Placeholder[];
  wild: boolean;
}

function compile(kind: PatternKind, pattern: string): Compiled {
  const groups: Placeholder[] = [];
  let wild = false;
  let src = '';
  const parts = pattern.split(/(\{[a-z]+\})/);
  for (const part of parts) {
    const m = /^\{([a-z]+)\}$/.exec(part);
    if (m) {
      groups.push(m[1] as Placeholder);
      src += kind === 'mqtt' ? '([^/]+)' : '(.+?)';
      continue;
    }
    if (kind === 'mqtt') {
      src += part
        .split('/')
        .map((l) => (l === '+' ? ((wild = true), '[^/]+') : l === '#' ? ((wild = true), '.*') : esc(l)))
        .join('/');
    } else src += esc(part);
  }
  return { pattern, re: new RegExp(`^${src}$`), groups, wild };
}

/** The concrete topic of one machine's channel (placeholders filled in; `+`/`#` stay). */
export function fillPattern(pattern: string, m: Pick<PatternMachine, 'asset' | 'line' | 'site' | 'area'>, channel: string): string {
  return pattern.replace(/\{([a-z]+)\}/g, (_, n: string) => (n === 'channel' ? channel : n === 'asset' ? m.asset : String((m as Record<string, unknown>)[n] ?? '')));
}

export type Route =
  | { ok: true; machine: PatternMachine; channel: string; ch: MachineChannel }
  | { ok: false; why: 'topic' | 'asset' | 'channel' | 'place'; asset?: string; channel?: string; text: string };

/**
 * Routes topics to machines. Exact topics (every machine x channel of a pattern without `+`/`#`)
 * are one map lookup; wildcard patterns and unknown topics go through the patterns' expressions.
 */
export class PatternRouter {
  private exact = new Map<string, { machine: PatternMachine; channel: string; ch: MachineChannel }>();
  private compiled: Compiled[] = [];
  private byAsset = new Map<string, PatternMachine>();

  constructor(readonly kind: PatternKind, readonly machines: readonly PatternMachine[]) {
    const seen = new Map<string, Compiled>();
    for (const m of machines) {
      this.byAsset.set(m.asset, m);
      let c = seen.get(m.pattern);
      if (!c) {
        c = compile(kind, m.pattern);
        seen.set(m.pattern, c);
      }
      if (!c.wild) for (const [name, ch] of m.channels) this.exact.set(fillPattern(m.pattern, m, name), { machine: m, channel: name, ch });
    }
    this.compiled = [...seen.values()];
  }

  /** MQTT: the topic filters to subscribe to (placeholders as `+`); OPC UA: every node id to read. */
  subscriptions(): string[] {
    if (this.kind === 'opcua') return [...this.exact.keys()];
    return [...new Set(this.compiled.map((c) => c.pattern.replace(/\{[a-z]+\}/g, '+')))];
  }

  route(topic: string): Route {
    const hit = this.exact.get(topic);
    if (hit) return { ok: true, ...hit };
    let nearest: Route | undefined;
    for (const c of this.compiled) {
      const m = c.re.exec(topic);
      if (!m) continue;
      const b: Partial<Record<Placeholder, string>> = {};
      c.groups.forEach((g, i) => (b[g] = m[i + 1]));
      const asset = b.asset as string;
      const channel = b.channel as string;
      const machine = this.byAsset.get(asset);
      if (!machine || machine.pattern !== c.pattern) {
        nearest ??= { ok: false, why: 'asset', asset, channel, text: `no registered machine ${asset} with the pattern ${c.pattern}` };
        continue;
      }
      for (const k of ['line', 'site', 'area'] as const) {
        if (b[k] !== undefined && b[k] !== (machine[k] ?? '')) return { ok: false, why: 'place', asset, channel, text: `machine ${asset} is on ${k} ${machine[k] || '(none)'}, the topic says ${b[k]}` };
      }
      const ch = machine.channels.get(channel);
      if (!ch) return { ok: false, why: 'channel', asset, channel, text: `machine ${asset} has no channel ${channel} (it has ${[...machine.channels.keys()].slice(0, 10).join(', ')})` };
      return { ok: true, machine, channel, ch };
    }
    return nearest ?? { ok: false, why: 'topic', text: `the topic matches no machine type's pattern (${this.compiled.slice(0, 3).map((c) => c.pattern).join(', ') || 'none registered'})` };
  }
}

/** Unknown topics, counted per asset/channel, for the status and a report. */
export class UnknownTopics {
  total = 0;
  readonly counts = new Map<string, { count: number; text: string; first: number; last: number }>();
  static readonly MAX_KEYS = 1000;

  /** Count one; true the first time this key is seen (report it then). */
  add(r: Extract<Route, { ok: false }>, topic: string, now: number): boolean {
    this.total++;
    const key = r.why === 'topic' ? `topic ${topic.slice(0, 120)}` : r.why === 'channel' ? `channel ${r.asset}/${r.channel}` : `${r.why} ${r.asset}`;
    const e = this.counts.get(key);
    if (e) {
      e.count++;
      e.last = now;
      return false;
    }
    if (this.counts.size < UnknownTopics.MAX_KEYS) this.counts.set(key, { count: 1, text: r.text, first: now, last: now });
    return true;
  }

  /** The report: most frequent first. */
  report(): { total: number; unknown: { key: string; count: number; text: string; first: number; last: number }[] } {
    return { total: this.total, unknown: [...this.counts].map(([key, e]) => ({ key, ...e })).sort((a, b) => b.count - a.count) };
  }
}

/** A reading outside a channel's absolute limits is not believed: uncertain, with the reason. */
export function applyLimits(r: Reading, ch: MachineChannel | undefined): Reading {
  if (r.quality === 'good' && r.value !== undefined && ch && ((ch.lo !== undefined && r.value < ch.lo) || (ch.hi !== undefined && r.value > ch.hi))) {
    r.quality = 'uncertain';
    r.reason = `${r.value} outside the absolute limits ${ch.lo ?? '-inf'}..${ch.hi ?? 'inf'}`;
  }
  return r;
}

const ROLE_QUANTITY: Record<string, string> = { running: 'state', counter: 'count', speed: 'speed' };

/**
 * The readings of one message routed by pattern: the topic names the asset and channel, the
 * channel's quantity and unit come from the register. MQTT payloads: a number, numeric text, or
 * JSON (an object with the field map's names; its asset and channel fields are ignored: the topic
 * says). OPC UA: node-red-contrib-opcua's client message (value, statusCode, timestamps).
 */
export function routedReadings(kind: PatternKind, route: Extract<Route, { ok: true }>, msg: Record<string, unknown>, fields: FieldMap, now: number, fs?: number): Reading[] {
  const ch = route.ch;
  const d = {
    asset: route.machine.asset,
    channel: route.channel,
    quantity: ch.quantity ?? (ch.role ? ROLE_QUANTITY[ch.role] : undefined),
    unit: ch.unit ?? (ch.role === 'speed' ? 'rpm' : undefined),
    fs,
    now,
    source: kind as Source,
  };
  const list = kind === 'opcua' ? [opcuaReading(msg, d)] : jsonReadings(own(msg, 'payload'), { ...fields, asset: '', channel: '' }, d);
  return list.map((r) => applyLimits(r, ch));
}

/** The topic of a message (MQTT topic or OPC UA node id), checked. */
export function messageTopic(msg: Record<string, unknown>, kind: PatternKind): string {
  const t = own(msg, 'topic');
  if (typeof t !== 'string' || t === '' || t.length > 1024) throw new InputError('msg.topic', kind === 'mqtt' ? 'the MQTT topic the value came on' : 'the OPC UA node id the value came from', t);
  return t;
}

/** Pattern machines from the register's machines (asset place, type pattern, channels). */
export function toPatternMachines(
  kind: PatternKind,
  list: readonly { asset: { asset: string; line?: string; site?: string; area?: string }; type: { mqtt?: string; opcua?: string }; channels: readonly MachineChannel[] }[],
): PatternMachine[] {
  const out: PatternMachine[] = [];
  for (const m of list) {
    const pattern = m.type[kind];
    if (!pattern) continue;
    out.push({ asset: m.asset.asset, line: m.asset.line, site: m.asset.site, area: m.asset.area, pattern, channels: new Map(m.channels.map((c) => [c.channel, c])) });
  }
  return out;
}
