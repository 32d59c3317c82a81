/** Source adapters: what real sources emit -> the canonical reading. Pure: no Node-RED. */
export * from './reading';
export * from './modbus';
export * from './json';
export * from './opcua';
export * from './csv';
export * from './watchdog';
export * from './machines';
export * from './patterns';
export * from './steps';
export * from './registered';
