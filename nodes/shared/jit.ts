/** Glue shared by the JIT nodes (rel-kanban, rel-takt, rel-oee, rel-andon, rel-buffer). */
import { parseCalendar, type Calendar } from '../core/jit/calendar';
import { migrateJit } from '../core/jit/repo';
import { InputError } from '../core/errors';
import { own, str } from '../core/validate';
import { acquireStore, type StoreHandle } from './store';
import type { RedApi } from './red';

/** Open the configured store with the jit migration track applied. */
export function acquireJitStore(RED: RedApi, storeId: unknown, what: string): StoreHandle {
  return acquireStore(RED, storeId, what, migrateJit);
}

/** Shift calendar from the node form: shifts, breaks and the UTC offset (empty = the box's zone). */
export function calendarFromConfig(config: { shifts?: unknown; breaks?: unknown; utcOffset?: unknown }): Calendar {
  const off = config.utcOffset;
  const offsetMin = off === undefined || off === null || off === '' ? undefined : Number(off);
  return parseCalendar(config.shifts, config.breaks, offsetMin, 'calendar');
}

/** Keys stored under a node_state scope (portable SQL, bound parameters). */
export function stateKeys(h: StoreHandle, scope: string, limit = 10_000): string[] {
  return h.store.all<{ state_key: string }>('SELECT state_key FROM node_state WHERE scope = ? ORDER BY state_key LIMIT ?', [scope, limit]).map((r) => r.state_key);
}

/**
 * The asset or item a production event is about: the node's own when it has one (a different one
 * in the payload is an error naming both), else the payload's.
 */
export function eventSubject(payload: unknown, field: 'asset' | 'item', fixed: string | undefined, owner = 'node'): string {
  const v = own(payload, field);
  if (fixed) {
    if (v !== undefined && v !== null && v !== fixed) throw new InputError(`msg.payload.${field}`, `the ${field} of this ${owner} (${fixed})`, v);
    return fixed;
  }
  return str(v, `msg.payload.${field}`, { maxLength: 128 });
}
