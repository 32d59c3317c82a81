/**
 * Dashboard-shaped messages: what a node sends on its optional "dashboard" output so stock
 * widgets take it with no function node in between.
 *
 * One vocabulary for every node (docs/dashboards.md, "Stock widgets"):
 * - numbers: one message per value, `msg.payload` the number (ui-gauge, ui-text, ui-chart append),
 *   `msg.topic` the series name, `msg.label`, `msg.unit`, `msg.asset`, `msg.ts` beside it;
 * - a table: one message, `msg.payload` an array of flat rows (strings, numbers, booleans, null)
 *   for ui-table; nested values are flattened one level (`rul.hours` -> `rulHours`), arrays joined;
 * - a curve: one message, `msg.payload` an array of `{x, y}` points and `msg.action = 'replace'`
 *   (ui-chart, linear x axis, x key `x`, y key `y`), decimated on the server to `maxPoints`.
 * Values are rounded for display (`digits`). A value that is not known (null, NaN) is not sent: a
 * ui-chart throws on a null payload, and a gauge keeps its last value while the reason for the
 * gap is on the node's main output.
 */
import type { ChartArray } from '../core/signal/vibration';
import type { NodeMessage } from './red';

export interface WidgetValue {
  /** Series name part: "Availability", "health", "RUL". */
  label: string;
  value: number | null | undefined;
  unit?: string;
  /** Decimal places kept (default 1). */
  digits?: number;
}

export interface WidgetContext {
  asset?: string;
  ts?: number;
}

function round(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

/**
 * One message per value. `topic` is the asset when there is one value and an asset (so one chart
 * draws every asset's health as its own line), else `label` (one chart draws A, P, Q, OEE), or
 * `asset label` when `topicWithAsset` is set.
 */
export function numberMessages(values: WidgetValue[], ctx: WidgetContext = {}, topicWithAsset = false): NodeMessage[] {
  const out: NodeMessage[] = [];
  for (const v of values) {
    if (v.value === undefined || v.value === null || !Number.isFinite(v.value)) continue;
    const value = round(v.value, v.digits ?? 1);
    const topic = topicWithAsset && ctx.asset ? `${ctx.asset} ${v.label}` : values.length === 1 && ctx.asset ? ctx.asset : v.label;
    const m: NodeMessage = { topic, payload: value, label: v.label };
    if (v.unit !== undefined) m.unit = v.unit;
    if (ctx.asset !== undefined) m.asset = ctx.asset;
    if (ctx.ts !== undefined) m.ts = ctx.ts;
    out.push(m);
  }
  return out;
}

type Cell = string | number | boolean | null;

function cell(v: unknown, digits: number): Cell | undefined {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number') return Number.isFinite(v) ? round(v, digits) : null;
  if (typeof v === 'string' || typeof v === 'boolean') return v;
  if (Array.isArray(v)) {
    if (v.every((x) => x === null || typeof x !== 'object')) return v.map((x) => (typeof x === 'number' ? round(x, digits) : String(x))).join(', ');
    return `${v.length}`;
  }
  return undefined;
}

/** A flat row: scalars kept, one level of nesting flattened to camelCase, arrays of scalars joined. */
export function flatRow(o: Record<string, unknown>, digits = 2, omit: readonly string[] = []): Record<string, Cell> {
  const row: Record<string, Cell> = {};
  for (const k of Object.keys(o)) {
    if (omit.includes(k)) continue;
    const v = o[k];
    const c = cell(v, digits);
    if (c !== undefined) {
      row[k] = c;
      continue;
    }
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      const inner = v as Record<string, unknown>;
      for (const j of Object.keys(inner)) {
        if (omit.includes(`${k}.${j}`)) continue;
        const ci = cell(inner[j], digits);
        if (ci !== undefined) row[k + j.charAt(0).toUpperCase() + j.slice(1)] = ci;
      }
    }
  }
  return row;
}

/** One message for ui-table: the rows flattened. */
export function tableMessage(rows: readonly Record<string, unknown>[], topic: string, digits = 2, omit: readonly string[] = []): NodeMessage {
  return { topic, payload: rows.map((r) => flatRow(r, digits, omit)) };
}

/**
 * One message for ui-chart: `{x, y}` points from a uniformly spaced curve (x = i * dx + x0),
 * decimated to at most `maxPoints` by keeping each group's largest value (peaks stay visible).
 */
export function curveMessage(y: ArrayLike<number>, dx: number, topic: string, maxPoints = 400, x0 = 0, digits = 6): NodeMessage {
  const n = y.length;
  const pts: { x: number; y: number }[] = [];
  const groups = Math.max(1, Math.min(n, Math.floor(maxPoints)));
  const step = n / groups;
  for (let g = 0; g < groups; g++) {
    const a = Math.floor(g * step);
    const b = Math.max(a + 1, Math.floor((g + 1) * step));
    let best = a;
    for (let i = a + 1; i < b && i < n; i++) if (y[i] > y[best]) best = i;
    if (best < n) pts.push({ x: round(x0 + best * dx, 4), y: Number(y[best].toPrecision(digits)) });
  }
  return { topic, payload: pts, action: 'replace' };
}

/** A ui-chart curve of a full-resolution chart array (a spectrum), `maxPoints` at most, with its unit, the asset and a finite `ts` beside it. */
export function chartCurve(a: ChartArray, topic: string, asset: string, ts: unknown, maxPoints: number): NodeMessage {
  const m = curveMessage(a.amplitudes, a.df, topic, maxPoints);
  m.asset = asset;
  m.unit = a.unit;
  if (typeof ts === 'number' && Number.isFinite(ts)) m.ts = ts;
  return m;
}
