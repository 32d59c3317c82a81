/**
 * Caps on what a dashboard client may send, checked on the decoded socket.io event before any
 * dashboard code walks it: total size and nesting depth, with an explicit stack (no recursion,
 * so a hostile message cannot overflow the stack here either), stopping at the first excess.
 */
export interface InboundLimits {
  /** Approximate size in bytes (strings as UTF-16 length, numbers 8, keys counted). */
  maxBytes: number;
  /** Deepest nesting of arrays and objects (the event's argument list is depth 0). */
  maxDepth: number;
}

export const DEFAULT_INBOUND: InboundLimits = { maxBytes: 256 * 1024, maxDepth: 32 };

/** The reason an event's arguments are refused, or undefined when they are within the limits. */
export function inboundProblem(args: readonly unknown[], limits: InboundLimits = DEFAULT_INBOUND): string | undefined {
  let bytes = 0;
  const stack: [unknown, number][] = [[args, 0]];
  const seen = new Set<object>();
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (v === null || v === undefined || typeof v === 'boolean') bytes += 4;
    else if (typeof v === 'number' || typeof v === 'bigint') bytes += 8;
    else if (typeof v === 'string') bytes += v.length + 2;
    else if (typeof v === 'object') {
      if (depth > limits.maxDepth) return `nested deeper than ${limits.maxDepth} levels`;
      if (seen.has(v)) continue;
      seen.add(v);
      if (ArrayBuffer.isView(v)) bytes += v.byteLength;
      else if (v instanceof ArrayBuffer) bytes += v.byteLength;
      else if (Array.isArray(v)) {
        bytes += 2;
        for (let i = v.length - 1; i >= 0; i--) {
          stack.push([v[i], depth + 1]);
          if (stack.length > limits.maxBytes) return `larger than ${limits.maxBytes} bytes`;
        }
      } else {
        bytes += 2;
        for (const k of Object.keys(v)) {
          bytes += k.length + 3;
          stack.push([(v as Record<string, unknown>)[k], depth + 1]);
          if (bytes > limits.maxBytes || stack.length > limits.maxBytes) return `larger than ${limits.maxBytes} bytes`;
        }
      }
    } else bytes += 8;
    if (bytes > limits.maxBytes) return `larger than ${limits.maxBytes} bytes`;
  }
  return undefined;
}

/** The dashboard's own events and the widget id each carries first. */
export const DASHBOARD_EVENTS = ['widget-action', 'widget-change', 'widget-send', 'widget-load'] as const;

/**
 * A decoded socket.io packet ([event, ...args]) that a dashboard client may send: a string event
 * name, a string widget id of at most 200 characters for the dashboard's events, and the caps.
 */
export function packetProblem(packet: readonly unknown[], limits: InboundLimits = DEFAULT_INBOUND): string | undefined {
  const event = packet[0];
  if (typeof event !== 'string' || event.length > 200) return 'the event name is not a short string';
  if ((DASHBOARD_EVENTS as readonly string[]).includes(event)) {
    const id = packet[1];
    if (typeof id !== 'string' || id.length === 0 || id.length > 200) return `${event}: the widget id is not a string of 1 to 200 characters`;
  }
  return inboundProblem(packet.slice(1), limits);
}

/**
 * Set `_client` on the messages of a decoded packet that is not one of the dashboard's own events
 * (`ui-event`, widgets' own socket events): what the browser put there is removed, and the
 * logged-in user, if any, put in its place. The dashboard adds the user to those messages only
 * through its client-data option (off on some bases), so a browser's `_client.user` would
 * otherwise reach the flow. Every object argument, and the objects in array arguments (several
 * outputs), nested arrays included; the caps above bound the nesting. The dashboard's own events
 * are left alone: their hooks do the same.
 */
export function resetClient(packet: unknown[], user?: object): void {
  if ((DASHBOARD_EVENTS as readonly unknown[]).includes(packet[0])) return;
  const fix = (v: unknown): void => {
    if (v === null || typeof v !== 'object' || ArrayBuffer.isView(v) || v instanceof ArrayBuffer) return;
    if (Array.isArray(v)) return v.forEach(fix);
    const m = v as Record<string, unknown>;
    delete m._client;
    if (user) m._client = { user: { ...user } };
  };
  for (let i = 1; i < packet.length; i++) fix(packet[i]);
}
