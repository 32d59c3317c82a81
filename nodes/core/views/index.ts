export * from './line-view';
export * from './store-banner';
