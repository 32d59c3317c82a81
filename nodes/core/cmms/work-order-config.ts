/**
 * rel-work-order's form, read once at deploy, and what its outputs carry (pure: no Node-RED):
 * the lowest severity that opens an order, the default criticality, the Andon kind and dashboard
 * output that add outputs, the rows of a work order table, and the action a message without one
 * implies.
 */
import { ANDON_KINDS, type AndonKind } from '../jit/andon';
import { configChoice, configFlag, configNum } from '../node-config';
import { isObject, oneOf, own } from '../validate';
import { SEVERITIES, type Severity, type WorkOrder } from './work-orders';

export interface WorkOrderForm {
  minSeverity?: unknown;
  criticality?: unknown;
  andonKind?: unknown;
  dashboard?: unknown;
}

export interface WorkOrderSettings {
  /** Findings below this severity open no order (default warning; an unknown value is an error naming `minSeverity`). */
  minSeverity: Severity;
  /** Criticality of an asset nobody describes (1-5, default 3; else an error naming `criticality`). */
  defaultCriticality: number;
  /** Andon raises for new orders, of this kind (an unknown kind is an error naming `andonKind`). */
  andonKind?: AndonKind;
  dashboard: boolean;
  /** The output index of each follow-up: notifications on output 2, Andon raises on 3 (when configured). */
  followUpOutputs: { notify: number; andon?: number };
  /** Outputs in all: the answer, notifications, Andon raises (when configured), the dashboard (last, when configured). */
  outputs: number;
}

export function workOrderSettings(c: WorkOrderForm): WorkOrderSettings {
  const andonKind = c.andonKind ? oneOf(c.andonKind, 'andonKind', ANDON_KINDS) : undefined;
  // Empty fields are unset (the default); any other value must be valid, else an error naming the field.
  const minSeverity = configChoice<Severity>(c.minSeverity, 'minSeverity', SEVERITIES, 'warning');
  const defaultCriticality = configNum(c.criticality, 'criticality', 3, { min: 1, max: 5, integer: true });
  const dashboard = configFlag(c.dashboard);
  return {
    minSeverity,
    defaultCriticality,
    andonKind,
    dashboard,
    followUpOutputs: { notify: 1, ...(andonKind ? { andon: 2 } : {}) },
    outputs: 2 + (andonKind ? 1 : 0) + (dashboard ? 1 : 0),
  };
}

/** The columns a work order table shows (history, evidence, parts ... stay on output 1). */
export const WO_TABLE_COLUMNS = ['number', 'asset', 'mode', 'title', 'priority', 'severity', 'status', 'assignee', 'source', 'detections', 'createdAt', 'updatedAt'] as const;

/** One row per work order with the table's columns. */
export function workOrderRows(list: readonly WorkOrder[]): Record<string, unknown>[] {
  return list.map((w) => Object.fromEntries(WO_TABLE_COLUMNS.map((k) => [k, w[k]])));
}

/** The action of a message that names none: `detect` for a rel-diagnose or rel-health message, else none. */
export function impliedWoAction(payload: unknown): 'detect' | undefined {
  return isObject(payload) && (own(payload, 'diagnosis') !== undefined || own(payload, 'health') !== undefined) ? 'detect' : undefined;
}
