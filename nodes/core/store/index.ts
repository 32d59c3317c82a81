export * from './types';
export { openStore, openConnections } from './sqlite';
export type { StoreHandle } from './sqlite';
export * from './core-schema';
