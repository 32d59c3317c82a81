/**
 * Roles on the floor pages and what each may do. A permission is `<area>.<verb>`; a node maps a
 * msg.action to one (`permissionFor`), and the user's role must hold it. Reading (lists, boards,
 * reports) needs no permission beyond being logged in.
 */
export const ROLES = ['operator', 'technician', 'planner', 'admin'] as const;
export type Role = (typeof ROLES)[number];

const OPERATOR = ['andon.raise', 'wo.request'] as const;
const TECHNICIAN = [
  ...OPERATOR,
  'andon.ack',
  'andon.resolve',
  'wo.start',
  'wo.hold',
  'wo.complete',
  'spares.issue',
  'condition.reading',
  'condition.shelve',
  'condition.relearn',
] as const;
const PLANNER = [
  ...OPERATOR,
  'andon.ack',
  'wo.create',
  'wo.assign',
  'wo.close',
  'wo.cancel',
  'wo.detect',
  'pm.plan',
  'spares.receive',
  'spares.define',
  'spares.reserve',
  'spares.adjust',
  'condition.shelve',
] as const;
const ADMIN_ONLY = ['users.manage', 'register.edit'] as const;

/** Every permission there is. */
export const PERMISSIONS = [...new Set<string>([...TECHNICIAN, ...PLANNER, ...ADMIN_ONLY])].sort();

/** Role -> permitted actions. The admin holds every permission. */
export const ROLE_PERMISSIONS: Readonly<Record<Role, ReadonlySet<string>>> = {
  operator: new Set(OPERATOR),
  technician: new Set(TECHNICIAN),
  planner: new Set(PLANNER),
  admin: new Set(PERMISSIONS),
};

export function isRole(v: unknown): v is Role {
  return typeof v === 'string' && (ROLES as readonly string[]).includes(v);
}

/** Whether a role holds a permission; the admin holds every one, including node actions not in the table. */
export function permitted(role: Role, permission: string): boolean {
  if (role === 'admin') return true;
  return ROLE_PERMISSIONS[role]?.has(permission) ?? false;
}

/** The roles that hold a permission, for error messages ("technician, admin"). */
export function rolesWith(permission: string): Role[] {
  return ROLES.filter((r) => permitted(r, permission));
}

/**
 * Which permission a node's msg.action needs; null for reading (get, list, board, ...) and for
 * actions only flows send (timer ticks). Unknown node types and actions map to
 * `<node>.<action>`, which no role but admin holds.
 */
const ACTION_PERMISSIONS: Record<string, Record<string, string | null>> = {
  'rel-work-order': {
    create: 'wo.request',
    detect: 'wo.detect',
    assign: 'wo.assign',
    start: 'wo.start',
    hold: 'wo.hold',
    complete: 'wo.complete',
    close: 'wo.close',
    cancel: 'wo.cancel',
    get: null,
    list: null,
  },
  'rel-spares': {
    define: 'spares.define',
    receive: 'spares.receive',
    issue: 'spares.issue',
    reserve: 'spares.reserve',
    release: 'spares.reserve',
    adjust: 'spares.adjust',
    get: null,
    list: null,
  },
  'rel-andon': { raise: 'andon.raise', ack: 'andon.ack', resolve: 'andon.resolve', health: 'andon.raise', board: null, stats: null, tick: null },
  // condition: a reading or a rel-health result for condition plans (a technician's hand reading goes on from rel-health with its user)
  'rel-pm': { plan: 'pm.plan', import: 'pm.plan', remove: 'pm.plan', meter: 'wo.start', condition: 'condition.reading', export: null, list: null, tick: null },
  // types: listing is reading; defining types (a payload) needs register.edit, checked by the node.
  'rel-registry': { import: 'register.edit', remove: 'register.edit', types: null, export: null, list: null, get: null },
  'rel-health': { score: 'condition.reading', relearn: 'condition.relearn', shelve: 'condition.shelve', unshelve: 'condition.shelve', history: null, status: null },
  'rel-rul': { estimate: 'condition.reading', reset: 'condition.relearn', history: null },
  'rel-request': { request: 'wo.request', approve: 'wo.create', reject: 'wo.cancel', tick: 'wo.complete', checklist: 'wo.assign', list: null, get: null, order: null },
};

const own = (o: unknown, k: string): unknown => (o !== null && typeof o === 'object' && Object.prototype.hasOwnProperty.call(o, k) ? (o as Record<string, unknown>)[k] : undefined);

/**
 * The action a node runs for a message, as the node itself reads it, for a check put in front of
 * the node (rel-role). rel-health and rel-rul: msg.action, else a reading (`score`, `estimate`;
 * rel-health's `detect` messages are readings for rel-rul), whatever the topic. rel-andon (as the
 * JIT nodes): msg.action, else `health` when the payload carries a health object; never the topic.
 * The others: msg.action; else msg.topic when it names one of the node's actions; else the node's
 * default for what rel-health and rel-diagnose send on: `detect` for rel-work-order (a diagnosis
 * or a health), `condition` for rel-pm (health or features). undefined when the node would
 * refuse the message for want of an action.
 */
export function actionFor(nodeType: string, msg: unknown): string | undefined {
  const a = own(msg, 'action');
  const p = own(msg, 'payload');
  const text = (v: unknown) => (typeof v === 'string' ? v : undefined);
  if (nodeType === 'rel-health') return a === undefined ? 'score' : text(a);
  if (nodeType === 'rel-rul') return a === undefined || a === 'detect' ? 'estimate' : text(a);
  if (nodeType === 'rel-andon') {
    if (a !== undefined && a !== null && a !== '') return text(a);
    const hv = own(p, 'health');
    return hv !== null && typeof hv === 'object' && !Array.isArray(hv) ? 'health' : undefined;
  }
  if (a !== undefined) return text(a);
  const t = own(msg, 'topic');
  const table = Object.prototype.hasOwnProperty.call(ACTION_PERMISSIONS, nodeType) ? ACTION_PERMISSIONS[nodeType] : {};
  if (typeof t === 'string' && Object.prototype.hasOwnProperty.call(table, t)) return t;
  if (nodeType === 'rel-work-order' && (own(p, 'diagnosis') !== undefined || own(p, 'health') !== undefined)) return 'detect';
  if (nodeType === 'rel-pm' && (own(p, 'health') !== undefined || own(p, 'features') !== undefined)) return 'condition';
  return undefined;
}

export function permissionFor(nodeType: string, action: string): string | null {
  const table = Object.prototype.hasOwnProperty.call(ACTION_PERMISSIONS, nodeType) ? ACTION_PERMISSIONS[nodeType] : undefined;
  if (table && Object.prototype.hasOwnProperty.call(table, action)) return table[action];
  return `${nodeType}.${action}`;
}
