export * from './types';
export * from './check';
export * from './table';
export * from './repo';
export * from './lookup';
export { REGISTER_MIGRATIONS } from './schema';
