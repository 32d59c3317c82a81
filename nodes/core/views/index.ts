export * from './line-view';
