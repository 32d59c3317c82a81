/**
 * Small node state that must survive a restart (the core schema's `node_state` table), over the
 * asynchronous Store: JSON values by scope and key, taking a `Query` (the store itself or the `q`
 * of a caller's transaction). One implementation, in the core schema; per-box state lives in the
 * handle's `local` store.
 */
export { getState, putState, dropState } from './store/core-schema';
