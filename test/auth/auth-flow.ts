/**
 * The small flow the dashboard login tests deploy: a rel-store and a rel-users node (first admin
 * from its credentials), one Dashboard 2.0 page with a button, a recorder for every message the
 * button sends (with the user on it), a rel-role check (wo.complete) with its own recorder and a
 * Catch recorder, and GET /auth-test/received that answers what was recorded.
 */
export const ADMIN = { username: 'admin', password: 'admin-pass-1' };
export const BUTTON = 'auth-btn';
export const EVENT = 'auth-event';

const record = (key: string, expr: string) =>
  `const list = global.get('${key}') || []; list.push(${expr}); global.set('${key}', list); return null;`;

/** `events`: a ui-event node whose messages are recorded (`events`); `includeClientData`: the ui-base's option (default on). */
export function authFlow(opts: { withUsers?: boolean; maxFailures?: number; includeClientData?: boolean; events?: boolean } = {}): object[] {
  const withUsers = opts.withUsers !== false;
  const flow: object[] = [
    { id: 'auth-tab', type: 'tab', label: 'auth test' },
    { id: 'auth-store', type: 'rel-store', name: 'auth test store', file: 'auth-test.db' },
    { id: 'auth-ub', type: 'ui-base', name: 'Auth test', path: '/dashboard', includeClientData: opts.includeClientData !== false, acceptsClientConfig: ['ui-notification', 'ui-control'], showPathInSidebar: false, headerContent: 'page', navigationStyle: 'default', titleBarStyle: 'default', showReconnectNotification: false, notificationDisplayTime: 1, showDisconnectNotification: false, allowInstall: false },
    { id: 'auth-theme', type: 'ui-theme', name: 'plain', colors: { surface: '#263238', primary: '#0d74ce', bgPage: '#eceff1', groupBg: '#ffffff', groupOutline: '#cfd8dc' }, sizes: { density: 'default', pagePadding: '10px', groupGap: '10px', groupBorderRadius: '6px', widgetGap: '10px' } },
    { id: 'auth-page', type: 'ui-page', name: 'Floor', ui: 'auth-ub', path: '/floor', icon: 'home', layout: 'grid', theme: 'auth-theme', breakpoints: [{ name: 'Default', px: '0', cols: '3' }, { name: 'Desktop', px: '1024', cols: '12' }], order: 1, className: '', visible: 'true', disabled: 'false' },
    { id: 'auth-group', type: 'ui-group', name: 'Actions', page: 'auth-page', width: '6', height: '1', order: 1, showTitle: true, className: '', visible: 'true', disabled: 'false', groupType: 'default' },
    { id: BUTTON, type: 'ui-button', z: 'auth-tab', group: 'auth-group', name: 'Complete', label: 'Complete WO 1', order: 1, width: 0, height: 0, emulateClick: false, tooltip: '', color: '', bgcolor: '', className: 'auth-complete', icon: '', iconPosition: 'left', payload: '{"id":1}', payloadType: 'json', topic: 'complete', topicType: 'str', buttonColor: '', textColor: '', iconColor: '', enableClick: true, enablePointerdown: false, enablePointerup: false, x: 120, y: 80, wires: [['auth-rec-all', 'auth-role']] },
    { id: 'auth-rec-all', type: 'function', z: 'auth-tab', name: 'record every button msg', func: record('all', '{ payload: msg.payload, topic: msg.topic, user: (msg._client && msg._client.user) || null, socketId: (msg._client && msg._client.socketId) || null }'), outputs: 1, x: 360, y: 60, wires: [[]] },
    { id: 'auth-role', type: 'rel-role', z: 'auth-tab', name: '', target: '', permission: 'wo.complete', requireUser: true, x: 340, y: 120, wires: [['auth-rec-ok']] },
    { id: 'auth-rec-ok', type: 'function', z: 'auth-tab', name: 'record permitted', func: record('ok', '(msg._client && msg._client.user && msg._client.user.username) || null'), outputs: 1, x: 560, y: 120, wires: [[]] },
    { id: 'auth-catch', type: 'catch', z: 'auth-tab', name: '', scope: ['auth-role'], uncaught: false, x: 340, y: 180, wires: [['auth-rec-err']] },
    { id: 'auth-rec-err', type: 'function', z: 'auth-tab', name: 'record refused', func: record('err', 'msg.error && msg.error.message'), outputs: 1, x: 560, y: 180, wires: [[]] },
    { id: 'auth-http', type: 'http in', z: 'auth-tab', name: '', url: '/auth-test/received', method: 'get', upload: false, swaggerDoc: '', x: 140, y: 260, wires: [['auth-answer']] },
    { id: 'auth-answer', type: 'function', z: 'auth-tab', name: 'answer', func: "msg.payload = { all: global.get('all') || [], ok: global.get('ok') || [], err: global.get('err') || [], events: global.get('events') || [] }; return msg;", outputs: 1, x: 360, y: 260, wires: [['auth-res']] },
    { id: 'auth-res', type: 'http response', z: 'auth-tab', name: '', statusCode: '', headers: {}, x: 560, y: 260, wires: [] },
  ];
  if (opts.events) {
    flow.push(
      { id: EVENT, type: 'ui-event', z: 'auth-tab', ui: 'auth-ub', name: '', x: 120, y: 340, wires: [['auth-rec-event']] },
      { id: 'auth-rec-event', type: 'function', z: 'auth-tab', name: 'record ui-event msgs', func: record('events', '{ payload: msg.payload, client: msg._client || null }'), outputs: 1, x: 360, y: 340, wires: [[]] },
    );
  }
  if (withUsers) {
    flow.push({ id: 'auth-users', type: 'rel-users', name: 'floor users', store: 'auth-store', sessionHours: 1, maxFailures: opts.maxFailures ?? 3, lockMinutes: 1, credentials: { ...ADMIN } });
  }
  return flow;
}
