export * from './schema';
export * from './work-orders';
export * from './spares';
export * from './pm';
export * from './kpi';
export * from './batch';
export * from './follow-ups';
