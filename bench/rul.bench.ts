/**
 * rel-rul's approach on NASA C-MAPSS FD001 (not a test: prints figures to compare with the
 * literature). A health indicator is learned on train (least squares from the 14 informative
 * sensors to 1 - min(RUL,125)/125: 0 healthy, 1 failed), then for each test unit the core
 * trend + projection of rel-rul (estimateRul, robust linear and exponential fits on the last 60 cycles, failure
 * at the median indicator of the train units' last cycles) gives the remaining cycles, capped at
 * 125 as the literature does; no significant trend means 125. Baseline: the constant 75.52.
 *   node .build-condition/bench/run.js rul
 */
import path from 'path';
import { median } from '../nodes/core/condition/robust';
import { estimateRul } from '../nodes/core/condition/rul';
import { loadCmapss, loadCmapssRul } from '../test/condition/data';

const DATA = process.env.RELIABILITY_DATA ? path.resolve(process.env.RELIABILITY_DATA) : path.resolve(__dirname, '..', '..', '..', 'shared', 'data');
/** 1-based sensor numbers with information in FD001 (the usual 14). */
const SENSORS = [2, 3, 4, 7, 8, 9, 11, 12, 13, 14, 15, 17, 20, 21];
const CAP = 125;
const WINDOW = 60;

function solve(A: number[][], b: number[]): number[] {
  const n = b.length;
  const M = A.map((r, i) => [...r, b[i]]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(M[r][c]) > Math.abs(M[p][c])) p = r;
    [M[c], M[p]] = [M[p], M[c]];
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = M[r][c] / M[c][c];
      for (let k = c; k <= n; k++) M[r][k] -= f * M[c][k];
    }
  }
  return M.map((r, i) => r[n] / r[i]);
}

export function score(pred: number[], truth: number[]): { rmse: number; nasa: number } {
  let se = 0;
  let s = 0;
  for (let i = 0; i < pred.length; i++) {
    const d = pred[i] - truth[i];
    se += d * d;
    s += d < 0 ? Math.exp(-d / 13) - 1 : Math.exp(d / 10) - 1;
  }
  return { rmse: Math.sqrt(se / pred.length), nasa: s };
}

export async function run(): Promise<void> {
  const t0 = Date.now();
  const train = loadCmapss(DATA, 'train_FD001.txt');
  const test = loadCmapss(DATA, 'test_FD001.txt');
  const truth = loadCmapssRul(DATA);
  // Standardise on train.
  const cols = SENSORS.map((s) => s - 1);
  const all = train.flatMap((u) => u.sensors);
  const mu = cols.map((c) => all.reduce((a, r) => a + r[c], 0) / all.length);
  const sd = cols.map((c, j) => Math.sqrt(all.reduce((a, r) => a + (r[c] - mu[j]) ** 2, 0) / all.length));
  const feat = (r: number[]) => [1, ...cols.map((c, j) => (r[c] - mu[j]) / sd[j])];
  // Least squares: HI = w . x, target 1 - min(RUL, CAP)/CAP.
  const k = cols.length + 1;
  const A = Array.from({ length: k }, () => new Array(k).fill(0));
  const b = new Array(k).fill(0);
  for (const u of train) {
    const life = u.cycles[u.cycles.length - 1];
    u.sensors.forEach((r, i) => {
      const x = feat(r);
      const y = 1 - Math.min(life - u.cycles[i], CAP) / CAP;
      for (let p = 0; p < k; p++) {
        b[p] += x[p] * y;
        for (let q = 0; q < k; q++) A[p][q] += x[p] * x[q];
      }
    });
  }
  const w = solve(A, b);
  const hi = (r: number[]) => feat(r).reduce((a, x, i) => a + x * w[i], 0);
  const failAt = median(train.map((u) => median(u.sensors.slice(-5).map(hi))));
  const pred: number[] = [];
  let nulls = 0;
  for (const u of test) {
    const pts = u.sensors.map((r, i) => ({ ts: u.cycles[i] * 3.6e6, y: 1 + hi(r) })).slice(-WINDOW); // shifted by 1 so the exponential fit sees positive values
    const r = estimateRul(pts, { threshold: 1 + failAt, direction: 'above', level: 0.9, minPoints: 10 });
    if (!r.rul) nulls++;
    pred.push(r.rul ? Math.min(CAP, r.rul.hours) : CAP);
  }
  const ours = score(pred, truth);
  const mean = truth.reduce((a, x) => a + x, 0) / truth.length;
  const base = score(truth.map(() => mean), truth);
  console.log(`C-MAPSS FD001, 100 test units, last cycle, RUL capped at ${CAP} (${Date.now() - t0} ms)`);
  console.log(`  indicator learned on train: 14 sensors, least squares; failure level ${failAt.toFixed(3)}`);
  console.log(`  rel-rul trend + projection (Theil-Sen linear/exponential, last ${WINDOW} cycles): RMSE ${ours.rmse.toFixed(2)}, NASA score ${ours.nasa.toFixed(0)} (${nulls} units without a significant trend -> ${CAP})`);
  console.log(`  mean baseline (constant ${mean.toFixed(2)}):                 RMSE ${base.rmse.toFixed(2)}, NASA score ${base.nasa.toFixed(0)}`);
  console.log(`  ratio RMSE ours / baseline: ${(ours.rmse / base.rmse).toFixed(3)}; published: LSTM 16.14 (Zheng 2017), CNN 18.45 (Babu 2016), DCNN 12.61 (Li 2018)`);
}
