export * from './types';
export { openStore, openConnections } from './sqlite';
export type { StoreHandle } from './sqlite';
export * from './core-schema';
export { openPostgres, openPools, mapPlaceholders, isUnavailable, PgStore, MAX_TX_RETRIES, DEFAULT_POOL_SIZE } from './postgres';
export type { PgConfig, PgHandle } from './postgres';
export { Outbox, OUTBOX_MIGRATIONS, MAX_EVENT_KEY, MAX_PAYLOAD_CHARS } from './outbox';
export type { OutboxHandler, OutboxOptions, SubmitResult } from './outbox';
