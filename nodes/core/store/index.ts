export * from './types';
export { openStore, openConnections } from './sqlite';
export type { StoreHandle } from './sqlite';
export * from './core-schema';
export { openPostgres, openPools, mapPlaceholders, isUnavailable, PgStore, MAX_TX_RETRIES, DEFAULT_POOL_SIZE } from './postgres';
export type { PgConfig, PgHandle } from './postgres';
