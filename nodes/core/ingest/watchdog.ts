/**
 * Staleness per channel, and what a source's own status says. A channel that has not reported for
 * `staleMs` is stale: the node emits one bad reading for it (no value, quality bad, the reason)
 * and shows "stale 60 s" until data returns. Pure: the node passes "now" in.
 */
export interface WatchedChannel {
  asset: string;
  channel: string;
  quantity?: string;
  unit?: string;
  /** Last time data arrived (or the time watching began). */
  lastSeen: number;
  /** True from the bad reading until data returns. */
  stale: boolean;
  /** The source said it is down (client status, error message) and the bad reading went out. */
  down: boolean;
}

/** Most channels one node watches (more are still decoded, just not watched). */
export const MAX_WATCHED = 1000;

export class Watchdog {
  private readonly channels = new Map<string, WatchedChannel>();
  constructor(readonly staleMs: number) {}

  private key(asset: string, channel: string): string {
    return `${asset}\u0000${channel}`;
  }

  /** Start watching a channel before its first value (configured channels). */
  watch(c: { asset: string; channel: string; quantity?: string; unit?: string }, now: number): void {
    const k = this.key(c.asset, c.channel);
    if (this.channels.has(k) || this.channels.size >= MAX_WATCHED) return;
    this.channels.set(k, { asset: c.asset, channel: c.channel, quantity: c.quantity, unit: c.unit, lastSeen: now, stale: false, down: false });
  }

  /** Data arrived for a channel. Returns true if it was stale or down (it has recovered). */
  seen(c: { asset: string; channel: string; quantity?: string; unit?: string }, now: number): boolean {
    const k = this.key(c.asset, c.channel);
    const w = this.channels.get(k);
    if (!w) {
      this.watch(c, now);
      return false;
    }
    const recovered = w.stale || w.down;
    w.lastSeen = now;
    w.stale = false;
    w.down = false;
    if (c.quantity) w.quantity = c.quantity;
    if (c.unit) w.unit = c.unit;
    return recovered;
  }

  /** Channels that have just become stale (each is reported once per outage). */
  check(now: number): WatchedChannel[] {
    if (!(this.staleMs > 0)) return [];
    const out: WatchedChannel[] = [];
    for (const w of this.channels.values()) {
      if (!w.stale && !w.down && now - w.lastSeen >= this.staleMs) {
        w.stale = true;
        out.push(w);
      }
    }
    return out;
  }

  /** The source reported an outage: every channel not already reported goes down. */
  down(): WatchedChannel[] {
    const out: WatchedChannel[] = [];
    for (const w of this.channels.values()) {
      if (!w.down && !w.stale) out.push(w);
      w.down = true;
    }
    return out;
  }

  /** Channels currently without data (stale or down). */
  missing(): WatchedChannel[] {
    return [...this.channels.values()].filter((w) => w.stale || w.down);
  }

  get size(): number {
    return this.channels.size;
  }
}

export type SourceState = 'up' | 'down' | 'unknown';

/**
 * What a status text from a source node means. Covers node-red-contrib-modbus (client and read
 * nodes: "initialized", "init", "broken", "reconnecting after 2000 msec.", "failure", "timeout",
 * "closed", "waiting ...", "error ..."; "active", "connected", "polling", "queue", "reading done"),
 * node-red-contrib-opcua ("connected", "active reading", "disconnected", "error", "reconnecting")
 * and the core MQTT nodes ("connected", "disconnected", "connecting").
 */
export function sourceState(text: unknown): SourceState {
  if (typeof text !== 'string') return 'unknown';
  const t = text.trim().toLowerCase();
  if (t === '') return 'unknown';
  if (/\berror\b/.test(t)) return 'down';
  if (/^(active|connected|polling|queue|queueing|reading done|reading|registered|subscribed|session active|keepalive|changed)\b/.test(t)) return 'up';
  if (/^(init|initialized|initialize|broken|reconnect|reconnecting|failure|failed|timeout|closed|close|session closed|disconnected|terminated|stopped|waiting|not ready|connecting|no client|cannot|invalid)\b/.test(t)) return 'down';
  return 'unknown';
}
