/**
 * Glue of the work-order follow-ups (nodes/core/cmms/follow-ups.ts): rel-work-order's dispatcher
 * sends each follow-up on its output and counts it delivered when a node wired straight to that
 * output has handled the message without an error (the runtime's `onComplete` hook), or at once
 * when nothing is wired there. Unacknowledged follow-ups go out again after `resendMs`, and every
 * undelivered one goes out when the node starts.
 */
import { FollowUpDispatcher, FollowUpRepo, followUpMessage, type FollowUp, type FollowUpKind } from '../core/cmms/follow-ups';
import type { Store } from '../core/store/types';
import { systemClock } from './clock';
import type { NodeMessage, RedApi, RedNode } from './red';

interface Hooks {
  add(id: string, cb: (ev: { msg?: NodeMessage; node?: { id?: string }; error?: unknown }) => void): void;
  remove(id: string): void;
}

/**
 * The runtime's hooks when the node API does not hand them over (node-red-node-test-helper builds
 * its own API object): the same module the runtime uses, if it can be found.
 */
function runtimeHooks(): Hooks | undefined {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return (require('@node-red/util') as { hooks?: Hooks }).hooks;
  } catch {
    return undefined;
  }
}

/** Delivered follow-ups are kept this long (then pruned on start). */
const KEEP_MS = 30 * 86_400_000;

export interface FollowUpGlue {
  /** Send what is due (after a commit that wrote follow-ups). */
  kick(): void;
  close(): Promise<void>;
}

/**
 * The kinds of follow-up whose sending from `node` is their delivery: no node is wired to its
 * output (or the runtime gives no hooks to hear an acknowledgement). FollowUpPolicy.delivered.
 */
export function deliveredAtSend(RED: RedApi, node: RedNode, outputs: Partial<Record<FollowUpKind, number>>): FollowUpKind[] {
  const hooks = (RED as unknown as { hooks?: Hooks }).hooks ?? runtimeHooks();
  const wires = (node as unknown as { wires?: string[][] }).wires ?? [];
  return (['andon', 'notify'] as const).filter((k) => {
    const at = outputs[k];
    return at !== undefined && (!hooks || !wires[at]?.length);
  });
}

/**
 * Start delivering the follow-ups of `origin` from `node`: `outputs` maps a kind to its output
 * index, `count` is the node's number of outputs. `ready` resolves once the cmms migrations are
 * applied; then every undelivered follow-up goes out.
 */
export function followUpGlue(RED: RedApi, node: RedNode, o: { db: Store; ready: () => Promise<unknown>; origin: string; outputs: Partial<Record<FollowUpKind, number>>; count: number; resendMs?: number }): FollowUpGlue {
  const hooks = (RED as unknown as { hooks?: Hooks }).hooks ?? runtimeHooks();
  const wires = (node as unknown as { wires?: string[][] }).wires ?? [];
  const label = `relFollowUps_${node.id.replace(/[^A-Za-z0-9_-]/g, '_')}`;
  let closed = false;
  const fail = (e: unknown) => {
    if (!closed) node.error(`follow-ups: ${e instanceof Error ? e.message : String(e)}`);
  };
  const atOnce = (kind: FollowUpKind) => {
    const at = o.outputs[kind];
    return at === undefined || !hooks || !wires[at]?.length;
  };
  const dispatcher = new FollowUpDispatcher(new FollowUpRepo(o.db), {
    origin: o.origin,
    now: () => systemClock.now(),
    resendMs: o.resendMs,
    onFailed: (f, why) => node.warn(`follow-up ${f.id} (${f.kind} of work order ${f.wo}) given up: ${why}`),
    // Nothing wired (or no such output, or no hooks to hear from the receiver): delivered as sent.
    atOnce: (f) => atOnce(f.kind),
    send: (batch: FollowUp[]) => {
      const out: NodeMessage[][] = Array.from({ length: o.count }, () => []);
      const applied: number[] = [];
      for (const f of batch) {
        const at = o.outputs[f.kind];
        if (atOnce(f.kind)) applied.push(f.id);
        if (at === undefined) continue;
        const m = followUpMessage(f);
        out[at]!.push({ ...m, followUp: { ...m.followUp, from: node.id } } as NodeMessage);
      }
      if (out.some((x) => x.length)) node.send(out.map((x) => (x.length ? x : null)) as never);
      return applied;
    },
  });
  if (hooks) {
    try {
      hooks.remove(`*.${label}`);
    } catch {
      // none registered
    }
    hooks.add(`onComplete.${label}`, (ev) => {
      const fu = ev.msg?.followUp as { id?: unknown; from?: unknown; kind?: FollowUpKind } | undefined;
      if (closed || !fu || fu.from !== node.id || ev.error || typeof fu.id !== 'number' || !fu.kind) return;
      const at = o.outputs[fu.kind];
      if (at === undefined || !wires[at]?.includes(ev.node?.id ?? '')) return;
      dispatcher.ack(fu.id).catch(fail);
    });
  }
  const start = o
    .ready()
    .then(() => new FollowUpRepo(o.db).prune(systemClock.now() - KEEP_MS))
    .then(() => dispatcher.kick(true))
    .catch(fail);
  const kick = () => void start.then(() => dispatcher.kick()).catch(fail);
  // Sent and not acknowledged: again after resendMs (the store may have been away at the start too).
  const timer = systemClock.setInterval(kick, dispatcher.resendMs);
  return {
    kick,
    close: async () => {
      closed = true;
      systemClock.clearInterval(timer);
      if (hooks) hooks.remove(`*.${label}`);
      await start;
      await dispatcher.close();
    },
  };
}
