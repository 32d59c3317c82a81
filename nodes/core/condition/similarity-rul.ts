/**
 * Similarity-based remaining useful life for a fleet with run-to-failure history (C-MAPSS
 * style). Not used by rel-rul's online projection (one asset, no history: see rul.ts); this is
 * the method for when the failures of similar units are on record. Pure functions.
 *
 * 1. Health indicator (learnHealthIndicator): the informative sensors (columns with at least
 *    MIN_DISTINCT distinct values in train: constant and two-level columns are dropped) are
 *    standardised on train and regressed by least squares (small ridge) onto the capped life
 *    fraction 1 - min(RUL, cap) / cap: 0 while healthy, rising to 1 at failure. Explainable:
 *    one weight per sensor.
 * 2. Library (buildLibrary): each train unit's indicator, smoothed by a centred moving average,
 *    with its life.
 * 3. Matching (similarityRul): the last `window` points of a unit's indicator are compared with
 *    every position of every library trajectory (mean squared difference); each library unit
 *    gives its best-matching position and the life it had left from there. The `k` closest
 *    units vote with weights exp(-d / d_k) (d_k the k-th smallest distance); the estimate is
 *    the weighted median of their remaining lives, the interval the weighted quantiles at
 *    (1 -/+ level) / 2. All capped at `cap`, as in the literature protocol.
 * Reference: T. Wang, J. Yu, D. Siegel, J. Lee, "A similarity-based prognostics approach for
 * remaining useful life estimation of engineered systems", PHM 2008.
 */

/** A unit's record: one row of sensor values per cycle, in time order. */
export interface UnitRecord {
  rows: readonly (readonly number[])[];
}

export interface HiModel {
  /** Column indexes used. */
  columns: number[];
  mean: number[];
  sd: number[];
  /** Intercept then one weight per used column (standardised units). */
  weights: number[];
  cap: number;
}

/** A column needs this many distinct values in train to be used. */
export const MIN_DISTINCT = 5;

/** Solve the symmetric system A x = b (Gaussian elimination with partial pivoting). */
export function solveLinear(A: number[][], b: number[]): number[] {
  const n = b.length;
  const M = A.map((r, i) => [...r, b[i]]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(M[r][c]) > Math.abs(M[p][c])) p = r;
    [M[c], M[p]] = [M[p], M[c]];
    if (M[c][c] === 0) throw new RangeError('solveLinear: singular system');
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = M[r][c] / M[c][c];
      if (f === 0) continue;
      for (let k = c; k <= n; k++) M[r][k] -= f * M[c][k];
    }
  }
  return M.map((r, i) => r[n] / r[i]);
}

/** Learn the linear health indicator on run-to-failure units (each ends at failure). */
export function learnHealthIndicator(train: readonly UnitRecord[], cap = 125, ridge = 1e-6): HiModel {
  if (!train.length) throw new RangeError('learnHealthIndicator: no units');
  const width = train[0].rows[0]?.length ?? 0;
  const columns: number[] = [];
  const mean: number[] = [];
  const sd: number[] = [];
  for (let c = 0; c < width; c++) {
    const seen = new Set<number>();
    let s = 0;
    let s2 = 0;
    let n = 0;
    for (const u of train) for (const r of u.rows) {
      if (seen.size < MIN_DISTINCT) seen.add(r[c]);
      s += r[c];
      s2 += r[c] * r[c];
      n++;
    }
    if (seen.size < MIN_DISTINCT) continue;
    const m = s / n;
    const v = Math.max(0, s2 / n - m * m);
    if (!(v > 0)) continue;
    columns.push(c);
    mean.push(m);
    sd.push(Math.sqrt(v));
  }
  const k = columns.length + 1;
  const A = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  const b = new Array<number>(k).fill(0);
  const x = new Array<number>(k);
  let rows = 0;
  for (const u of train) {
    const L = u.rows.length;
    u.rows.forEach((r, i) => {
      x[0] = 1;
      for (let j = 0; j < columns.length; j++) x[j + 1] = (r[columns[j]] - mean[j]) / sd[j];
      const y = 1 - Math.min(L - 1 - i, cap) / cap;
      for (let p = 0; p < k; p++) {
        b[p] += x[p] * y;
        for (let q = 0; q < k; q++) A[p][q] += x[p] * x[q];
      }
      rows++;
    });
  }
  for (let p = 1; p < k; p++) A[p][p] += ridge * rows;
  return { columns, mean, sd, weights: solveLinear(A, b), cap };
}

/** The raw indicator of each row. */
export function healthIndicator(model: HiModel, rows: readonly (readonly number[])[]): number[] {
  return rows.map((r) => {
    let h = model.weights[0];
    for (let j = 0; j < model.columns.length; j++) h += model.weights[j + 1] * ((r[model.columns[j]] - model.mean[j]) / model.sd[j]);
    return h;
  });
}

/** Centred moving average over 2 * half + 1 points, shrinking at the ends. */
export function smooth(xs: readonly number[], half: number): number[] {
  const n = xs.length;
  const c = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) c[i + 1] = c[i] + xs[i];
  return Array.from({ length: n }, (_, i) => {
    const a = Math.max(0, i - half);
    const b = Math.min(n - 1, i + half);
    return (c[b + 1] - c[a]) / (b - a + 1);
  });
}

export interface Library {
  units: { hi: number[]; life: number }[];
  cap: number;
}

export function buildLibrary(model: HiModel, train: readonly UnitRecord[], half = 5): Library {
  return { units: train.map((u) => ({ hi: smooth(healthIndicator(model, u.rows), half), life: u.rows.length })), cap: model.cap };
}

export interface SimilarityOptions {
  /** Last points of the unit compared (default 50; fewer when the unit is shorter). */
  window?: number;
  /** Neighbours that vote (default 10). */
  k?: number;
  /** Interval level (default 0.9). */
  level?: number;
}

export interface SimilarityRul {
  /** Weighted median remaining life, in cycles (or the unit of the records' step). */
  rul: number;
  low: number;
  high: number;
  level: number;
  /** The voting library units: index, distance, remaining life, weight. */
  neighbours: { unit: number; d: number; rul: number; w: number }[];
}

function weightedQuantile(v: { x: number; w: number }[], p: number): number {
  const s = [...v].sort((a, b) => a.x - b.x);
  const total = s.reduce((a, e) => a + e.w, 0);
  let acc = 0;
  for (const e of s) {
    acc += e.w;
    if (acc >= p * total) return e.x;
  }
  return s[s.length - 1].x;
}

/** Remaining life of a unit from its (raw) indicator so far, by similarity with the library. */
export function similarityRul(lib: Library, hi: readonly number[], opts: SimilarityOptions = {}): SimilarityRul {
  if (!hi.length) throw new RangeError('similarityRul: empty indicator');
  const level = opts.level ?? 0.9;
  const W = Math.min(hi.length, Math.max(1, opts.window ?? 50));
  const k = Math.max(1, Math.min(lib.units.length, opts.k ?? 10));
  const q = hi.slice(hi.length - W);
  const cand: { unit: number; d: number; rul: number }[] = [];
  lib.units.forEach((u, idx) => {
    let best = Infinity;
    let bestEnd = -1;
    for (let e = W - 1; e < u.hi.length; e++) {
      let d = 0;
      const off = e - W + 1;
      for (let j = 0; j < W && d < best * W; j++) {
        const r = q[j] - u.hi[off + j];
        d += r * r;
      }
      d /= W;
      if (d < best) {
        best = d;
        bestEnd = e;
      }
    }
    if (bestEnd >= 0) cand.push({ unit: idx, d: best, rul: Math.min(lib.cap, u.life - 1 - bestEnd) });
  });
  if (!cand.length) throw new RangeError('similarityRul: no library unit is long enough for the window');
  cand.sort((a, b) => a.d - b.d);
  const top = cand.slice(0, k);
  const dk = Math.max(top[top.length - 1].d, 1e-12);
  const neighbours = top.map((c) => ({ ...c, w: Math.exp(-c.d / dk) }));
  const v = neighbours.map((n) => ({ x: n.rul, w: n.w }));
  return { rul: weightedQuantile(v, 0.5), low: weightedQuantile(v, (1 - level) / 2), high: weightedQuantile(v, (1 + level) / 2), level, neighbours };
}
