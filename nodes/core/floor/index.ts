/** The floor domain: work requests, photos, checklists, label sheet and request pages. No Node-RED. */
export * from './schema';
export * from './checklist';
export * from './photos';
export * from './requests';
export * from './pages';
export * from './routes';
