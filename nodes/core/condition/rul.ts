/**
 * Remaining useful life from the trend of a degradation indicator.
 *
 * Two robust fits on the window of points (time in hours before the latest point):
 * - linear: Theil-Sen on the indicator;
 * - exponential: Theil-Sen on log(indicator) (a log-linear fit: constant relative change per hour);
 * - excess (an RMS level with a known healthy level `offset`, rising): Theil-Sen on
 *   log(indicator^2 - offset^2). Uncorrelated vibration sources add in power, so a defect's own
 *   RMS is sqrt(level^2 - healthy^2); its growth is taken as exponential (Gebraeel's degradation
 *   model on the defect's power; the plain exponential is the special case offset 0).
 * The one with the smaller median absolute residual (in the indicator's own unit) is used. The
 * trend must be significant: Sen's slope interval at the stated level, widened for autocorrelated
 * residuals, must lie entirely on the side of the threshold; otherwise `rul` is null with a reason.
 * With `openEnded`, a trend whose median slope points to the threshold but whose slowest plausible
 * slope does not gives an open interval instead: the point estimate and the earliest crossing
 * (fastest slope) as usual, `high` Infinity (the data bound no latest crossing), and a reason that
 * says so. A latest crossing would need an assumption the data do not support; none is invented.
 * The interval combines the slope interval with the residual quantile at the same level: the
 * earliest crossing is the fastest slope from the level shifted towards the threshold by that
 * quantile, the latest the slowest slope from the level shifted away. When the other model fits
 * almost as well (median error within MODEL_SPREAD x), its projection is included in the
 * interval too: the data cannot tell the two shapes apart, so the interval should not either.
 *
 * The failure threshold itself is rarely known exactly. `thresholdRange` [a, b] states its
 * plausible range: the point estimate projects to `threshold`, the earliest crossing to the end
 * of the range met first and the latest to the end met last. On a plateau (the indicator flat
 * near the threshold) this gives a wide interval starting at 0, not a confident date. With
 * `plateauHours` > 0 the trend over that recent span must be significant too; else `rul` is null
 * with the reason "plateau" (no trend to project right now).
 */
import { lag1, median, quantile, senBounds, theilSen } from './robust';

export type Direction = 'below' | 'above';

/** A second model within this factor of the best model's median error widens the interval. */
export const MODEL_SPREAD = 2;

export interface RulOptions {
  /** Failure threshold in the indicator's unit. */
  threshold: number;
  /** 'below': failure when the indicator falls below (health); 'above': when it rises above (rms). */
  direction: Direction;
  /** Interval level (default 0.8). */
  level?: number;
  /** Fewest points for a fit (default 10). */
  minPoints?: number;
  /** Most points used (older points are thinned evenly; default 200). */
  maxPoints?: number;
  /**
   * Plausible range [a, b] of the failure threshold (indicator unit, a <= threshold <= b);
   * default [threshold, threshold]. The interval spans the projections to both ends.
   */
  thresholdRange?: readonly [number, number];
  /** > 0: the trend over the last plateauHours must also point to the threshold, else null (default 0). */
  plateauHours?: number;
  /** Models to try (default linear and exponential). */
  models?: readonly RulModel[];
  /** The healthy level under the excess model (indicator unit, >= 0; direction "above" only). */
  offset?: number;
  /**
   * true: a trend whose median slope points to the threshold but is not significant gives an open
   * interval (low and hours as usual, high Infinity, with a reason) instead of null (default false).
   */
  openEnded?: boolean;
}

export type RulModel = 'linear' | 'exponential' | 'excess';

/** The excess model reads a defect RMS below this fraction of the healthy level as this fraction (log needs > 0). */
export const EXCESS_FLOOR = 0.01;

export interface Rul {
  /** Median projection, hours from the latest point. */
  hours: number;
  low: number;
  high: number;
  level: number;
  /** Time of the projected crossing, ms. */
  failureTs: number;
  model: RulModel;
  /** Robust R^2 of the fit, 0-1. */
  fit: number;
  /** Indicator change per day of the fitted trend at the latest point. */
  ratePerDay: number;
  points: number;
}

/** `reason` beside an estimate: why its interval is open (high Infinity). */
export type RulResult = { rul: Rul; reason?: string } | { rul: null; reason: string };

interface Fit {
  model: RulModel;
  a: number;
  b: number;
  bLo: number;
  bHi: number;
  q: number;
  err: number;
  fit: number;
  th: number;
  /** Offset of another threshold from th in the transformed scale. */
  thu: (t: number) => number;
  /** d(indicator) / d(transformed value) at the fitted latest point (for the rate). */
  dInv: number;
}

/** A model's scale: g maps the indicator to where its trend is a line, inv maps back, dInv is inv's derivative. */
interface Scale {
  g: (v: number) => number;
  inv: (x: number) => number;
  dInv: (x: number) => number;
  /** Thresholds the scale can hold (log needs > 0; the excess model a level above the healthy one). */
  valid: (t: number) => boolean;
}

/** The models' scales; phi is the excess model's healthy level. */
const SCALES: Record<RulModel, (phi: number) => Scale> = {
  linear: () => ({ g: (v) => v, inv: (x) => x, dInv: () => 1, valid: () => true }),
  exponential: () => ({ g: Math.log, inv: Math.exp, dInv: Math.exp, valid: (t) => t > 0 }),
  excess: (phi) => {
    const floor2 = (EXCESS_FLOOR * phi) ** 2;
    const inv = (x: number) => Math.sqrt(phi * phi + Math.exp(x));
    return { g: (v) => Math.log(Math.max(v * v - phi * phi, floor2)), inv, dInv: (x) => Math.exp(x) / (2 * inv(x)), valid: (t) => t > phi };
  },
};

/** Why a model cannot be fitted to these values, or undefined. */
function refusal(model: RulModel, y: readonly number[], o: { threshold: number; direction: Direction; offset?: number }): string | undefined {
  const phi = o.offset ?? NaN;
  if (model === 'excess' && !(phi > 0 && o.direction === 'above' && o.threshold > phi)) return 'excess fit needs a healthy level below the threshold (rising indicator)';
  if (model === 'exponential' && (!(o.threshold > 0) || y.some((v) => !(v > 0)))) return 'exponential fit needs positive values and threshold';
  return undefined;
}

function fitModel(model: RulModel, xh: number[], y: number[], o: Required<Pick<RulOptions, 'threshold' | 'direction' | 'level'>> & { offset?: number }): Fit | string {
  const no = refusal(model, y, o);
  if (no) return no;
  const sgn = o.direction === 'above' ? 1 : -1;
  const sc = SCALES[model](o.offset ?? NaN);
  // u rises towards the threshold thu in both directions.
  const u = y.map((v) => sgn * sc.g(v));
  const thu = sgn * sc.g(o.threshold);
  const ts = theilSen(xh, u, o.level);
  const res = u.map((v, i) => v - (ts.intercept + ts.slope * xh[i]));
  const rho = Math.min(0.95, Math.max(0, lag1(res)));
  [ts.slopeLow, ts.slopeHigh] = senBounds(ts.slopes, ts.n, o.level, Math.sqrt((1 + rho) / (1 - rho)));
  const q = quantile(res.map(Math.abs), o.level);
  // Error in the indicator's own unit, so the models compare fairly.
  const err = median(y.map((v, i) => Math.abs(v - sc.inv(sgn * (ts.intercept + ts.slope * xh[i])))));
  const my = median(y);
  const spread = median(y.map((v) => Math.abs(v - my)));
  const fit = spread > 0 ? Math.max(0, Math.min(1, 1 - (err / spread) ** 2)) : 0;
  const thu2 = (t: number) => (sc.valid(t) ? sgn * sc.g(t) - thu : Infinity);
  return { model, a: ts.intercept, b: ts.slope, bLo: ts.slopeLow, bHi: ts.slopeHigh, q, err, fit, th: thu, thu: thu2, dInv: sc.dInv(sgn * ts.intercept) };
}

/**
 * Project when the indicator crosses the threshold. `points` are (ts ms, value), in time order.
 * Example: health falling 1 point per hour from 60 with threshold 10 gives about 50 h.
 */
export function estimateRul(points: readonly { ts: number; y: number }[], opts: RulOptions): RulResult {
  const level = opts.level ?? 0.8;
  const minPoints = Math.max(3, opts.minPoints ?? 10);
  const maxPoints = Math.max(minPoints, opts.maxPoints ?? 200);
  if (points.length < minPoints) return { rul: null, reason: `too little data: ${points.length} of ${minPoints} points` };
  let pts = points;
  if (pts.length > maxPoints) {
    // Keep the latest point; thin the rest evenly.
    const step = (pts.length - 1) / (maxPoints - 1);
    pts = Array.from({ length: maxPoints }, (_, i) => points[Math.round(i * step)]);
  }
  const t1 = pts[pts.length - 1].ts;
  const span = (t1 - pts[0].ts) / 3.6e6;
  if (!(span > 0)) return { rul: null, reason: 'no time span: all points have the same time' };
  const xh = pts.map((p) => (p.ts - t1) / 3.6e6);
  const y = pts.map((p) => p.y);
  const o = { threshold: opts.threshold, direction: opts.direction, level, offset: opts.offset };
  const fits: Fit[] = [];
  const why: string[] = [];
  for (const m of opts.models ?? ['linear', 'exponential']) {
    const f = fitModel(m, xh, y, o);
    if (typeof f === 'string') why.push(f);
    else fits.push(f);
  }
  if (!fits.length) return { rul: null, reason: why.join('; ') };
  fits.sort((a, b) => a.err - b.err);
  const f = fits[0];
  const rate = ratePerDay(f, opts.direction);
  const [ra, rb] = opts.thresholdRange ?? [opts.threshold, opts.threshold];
  // Threshold range in the fit's transformed scale: the first end is met first, the second last.
  const thEnds = (g: Fit) => {
    const e1 = g.th + g.thu(ra);
    const e2 = g.th + g.thu(rb);
    return [Math.min(e1, e2, g.th), Math.max(e1, e2, g.th)];
  };
  if (f.a >= thEnds(f)[1]) {
    return { rul: { hours: 0, low: 0, high: 0, level, failureTs: t1, model: f.model, fit: f.fit, ratePerDay: rate, points: pts.length } };
  }
  // Not significant: null, or with openEnded and a median slope towards the threshold, an open interval.
  const open = !(f.bLo > 0);
  const noTrend = `no significant trend towards the threshold (${opts.direction} ${opts.threshold}) in ${pts.length} points over ${span.toFixed(1)} h`;
  if (open && !(opts.openEnded && f.b > 0 && f.bHi > 0)) return { rul: null, reason: noTrend };
  const plateauH = opts.plateauHours ?? 0;
  if (plateauH > 0) {
    const k = xh.findIndex((x) => x >= -plateauH);
    const xr = xh.slice(k);
    if (xr.length >= minPoints && xr[xr.length - 1] > xr[0]) {
      const fr = fitModel(f.model, xr, y.slice(k), o);
      if (typeof fr !== 'string' && !(fr.bLo > 0)) {
        return { rul: null, reason: `plateau: no significant trend towards the threshold over the last ${plateauH} h (${xr.length} points)` };
      }
    }
  }
  const hours = Math.max(0, (f.th - f.a) / f.b);
  const [e0, l0] = thEnds(f);
  let low = Math.max(0, (e0 - f.a - f.q) / f.bHi);
  let high = open ? Infinity : (l0 - f.a + f.q) / f.bLo;
  // Model uncertainty: a second model that fits almost as well (median error within
  // MODEL_SPREAD x the best) and also trends towards the threshold widens the interval to
  // include its own interval.
  for (const g of fits.slice(1)) {
    if (!(g.err <= MODEL_SPREAD * f.err) || !(g.bLo > 0)) continue;
    const [e, l] = thEnds(g);
    low = Math.min(low, Math.max(0, (e - g.a - g.q) / g.bHi));
    high = Math.max(high, (l - g.a + g.q) / g.bLo);
  }
  const rul = { hours, low: Math.min(low, hours), high: Math.max(high, hours), level, failureTs: t1 + hours * 3.6e6, model: f.model, fit: f.fit, ratePerDay: rate, points: pts.length };
  return open ? { rul, reason: `${noTrend}: the earliest crossing only, no upper bound` } : { rul };
}

/** d/dt inv(sgn (a + b t)) at t = 0, per day. */
function ratePerDay(f: Fit, dir: Direction): number {
  return (dir === 'above' ? 1 : -1) * f.b * f.dInv * 24;
}

/** "9.5 d (6-14)" or "14 h (8-20)". */
export function formatRul(r: Rul): string {
  const days = r.hours >= 48;
  const k = days ? 1 / 24 : 1;
  const fmt = (v: number) => (v * k >= 100 || !Number.isFinite(v) ? (Number.isFinite(v) ? Math.round(v * k).toString() : '∞') : (Math.round(v * k * 10) / 10).toString());
  const lo = (v: number) => Math.round(v * k).toString();
  return `${fmt(r.hours)} ${days ? 'd' : 'h'} (${lo(r.low)}-${Number.isFinite(r.high) ? Math.round(r.high * k) : '∞'})`;
}
