export * from './roles';
export * from './passwords';
export * from './sessions';
export * from './lockout';
export * from './schema';
export * from './service';
export * from './inbound';
export * from './cookies';
