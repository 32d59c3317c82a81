/**
 * rel-role: passes a message on only when the dashboard user on it (msg._client.user, set by the
 * rel-users login) may do the action; otherwise an error naming the user, the role and the roles
 * that may (a Catch node sees it). For flows that put a check in front of a node, e.g. between a
 * dashboard form and rel-work-order.
 */
import { defineNode } from '../shared/node';
import { status } from '../shared/status';
import { authorize, authorizePermission, msgUser, USER_PATH } from '../shared/actor';
import { InputError } from '../core/errors';
import { own } from '../core/validate';
import { actionFor, PERMISSIONS } from '../core/auth/roles';
import type { NodeDef, RedApi } from '../shared/red';

interface RoleDef extends NodeDef {
  /** A node type whose msg.action table decides (rel-work-order, ...), or '' to use `permission`. */
  target?: string;
  /** A fixed permission (e.g. wo.complete) when no target is set. */
  permission?: string;
  /** Refuse messages that carry no dashboard user (default true). */
  requireUser?: boolean;
}

const TARGETS = ['rel-work-order', 'rel-request', 'rel-spares', 'rel-andon', 'rel-pm', 'rel-registry', 'rel-health', 'rel-rul'] as const;

export = function (RED: RedApi) {
  defineNode<RoleDef>(RED, 'rel-role', (node, config) => {
    const target = typeof config.target === 'string' ? config.target : '';
    if (target && !(TARGETS as readonly string[]).includes(target)) throw new InputError('target', `one of ${TARGETS.join(', ')} or empty`, target);
    const permission = typeof config.permission === 'string' ? config.permission.trim() : '';
    if (!target && !PERMISSIONS.includes(permission)) throw new InputError('permission', `one of ${PERMISSIONS.join(', ')}`, permission);
    const requireUser = config.requireUser !== false;
    let passed = 0;
    let refused = 0;
    return {
      input: (msg, send) => {
        const user = msgUser(msg);
        if (!user && requireUser) {
          refused++;
          throw new InputError(USER_PATH, 'a logged-in dashboard user (rel-users)', undefined, 'refused');
        }
        try {
          if (target) {
            // the action the target node would run for this message (its default when it has one)
            const a = actionFor(target, msg);
            if (typeof a !== 'string' || a === '' || a.length > 100) throw new InputError('msg.action', `the ${target} action to check`, own(msg, 'action') ?? own(msg, 'topic'));
            authorize(msg, target, a);
          } else authorizePermission(msg, permission);
        } catch (e) {
          refused++;
          throw e;
        }
        passed++;
        send(msg);
        status.ok(node, `${passed} passed, ${refused} refused`);
      },
    };
  });
};
