/**
 * Remaining useful life on NASA C-MAPSS FD001 (not a test: prints figures to compare with the
 * literature). Protocol of the literature: learn on train only, RUL target capped at 125,
 * evaluate at the last cycle of each test unit against RUL_FD001.txt (RMSE and NASA score).
 * A linear health indicator is learned on train (nodes/core/condition/similarity-rul.ts: least
 * squares from the informative sensors to 1 - min(RUL,125)/125: 0 healthy, 1 failed). Then:
 * - similarity (the fleet method, similarity-rul.ts): the test unit's indicator is matched
 *   against the smoothed train trajectories; weighted median of the neighbours' remaining lives,
 *   interval from their spread;
 * - trend projection (rel-rul's single-asset method, rul.ts: estimateRul with robust linear
 *   and exponential fits on the last 60 cycles, failure at the median indicator of the train
 *   units' last cycles), capped at 125; no significant trend means 125.
 * Baseline: the constant mean of the true RULs (75.52; a generous baseline, it uses the truth).
 *   node .build-condition/bench/run.js rul
 */
import path from 'path';
import { median } from '../nodes/core/condition/robust';
import { estimateRul } from '../nodes/core/condition/rul';
import { buildLibrary, healthIndicator, learnHealthIndicator, similarityRul } from '../nodes/core/condition/similarity-rul';
import { loadCmapss, loadCmapssRul } from '../test/condition/data';

const DATA = process.env.RELIABILITY_DATA ? path.resolve(process.env.RELIABILITY_DATA) : path.resolve(__dirname, '..', '..', '..', 'shared', 'data');
const CAP = 125;
/** Trend projection window (cycles). */
const WINDOW = 60;
/** Similarity: window compared, neighbours, moving-average half width (chosen a priori, the sensitivity is printed). */
const SIM_WINDOW = 50;
const K = 10;
const SMOOTH = 5;

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
  const model = learnHealthIndicator(train.map((u) => ({ rows: u.sensors })), CAP);
  const hi = (rows: number[][]) => healthIndicator(model, rows);
  const used = model.columns.map((c) => `s${c + 1}`).join(' ');
  const tLearn = Date.now() - t0;

  // 1. Similarity with the train trajectories.
  const lib = buildLibrary(model, train.map((u) => ({ rows: u.sensors })), SMOOTH);
  const truthCap = truth.map((t) => Math.min(t, CAP));
  const results: { k: number; window: number; pred: number[]; cov: number; width: number }[] = [];
  for (const window of [30, 50, 80]) for (const k of [5, 10, 20]) {
    const pred: number[] = [];
    let cov = 0;
    const widths: number[] = [];
    test.forEach((u, i) => {
      const r = similarityRul(lib, hi(u.sensors), { window, k, level: 0.9 });
      pred.push(r.rul);
      if (r.low <= truthCap[i] && truthCap[i] <= r.high) cov++;
      widths.push(r.high - r.low);
    });
    results.push({ k, window, pred, cov: cov / test.length, width: median(widths) });
  }
  const tSim = Date.now() - t0 - tLearn;

  // 2. rel-rul's trend projection on the same indicator.
  const failAt = median(train.map((u) => median(hi(u.sensors.slice(-5)))));
  const trendPred: number[] = [];
  let nulls = 0;
  for (const u of test) {
    const pts = hi(u.sensors).map((y, i) => ({ ts: u.cycles[i] * 3.6e6, y: 1 + y })).slice(-WINDOW); // +1 so the exponential fit sees positive values
    const r = estimateRul(pts, { threshold: 1 + failAt, direction: 'above', level: 0.9, minPoints: 10 });
    if (!r.rul) nulls++;
    trendPred.push(r.rul ? Math.min(CAP, r.rul.hours) : CAP);
  }
  const trend = score(trendPred, truth);
  const mean = truth.reduce((a, x) => a + x, 0) / truth.length;
  const base = score(truth.map(() => mean), truth);
  const main = results.find((r) => r.k === K && r.window === SIM_WINDOW)!;
  const sim = score(main.pred, truth);

  console.log(`C-MAPSS FD001: learned on 100 train units, evaluated at the last cycle of 100 test units against RUL_FD001.txt, RUL capped at ${CAP}`);
  console.log(`  health indicator: least squares on ${model.columns.length} sensors (${used}), data read and indicator learned in ${tLearn} ms`);
  console.log(`  similarity (window ${SIM_WINDOW}, k ${K}, smoothing ${2 * SMOOTH + 1}): RMSE ${sim.rmse.toFixed(2)}, NASA score ${sim.nasa.toFixed(0)}; 90 % interval covers the (capped) truth for ${(100 * main.cov).toFixed(0)} % of units, median width ${main.width.toFixed(0)} cycles`);
  console.log(`  rel-rul trend projection (Theil-Sen linear/exponential, last ${WINDOW} cycles): RMSE ${trend.rmse.toFixed(2)}, NASA score ${trend.nasa.toFixed(0)} (${nulls} units without a significant trend -> ${CAP})`);
  console.log(`  mean baseline (constant ${mean.toFixed(2)}): RMSE ${base.rmse.toFixed(2)}, NASA score ${base.nasa.toFixed(0)}`);
  console.log(`  ratio RMSE similarity / baseline ${(sim.rmse / base.rmse).toFixed(3)}, trend / baseline ${(trend.rmse / base.rmse).toFixed(3)}`);
  console.log('  published (README): LSTM 16.14 (Zheng 2017), CNN 18.45 (Babu 2016), DCNN 12.61 (Li 2018); MLP 37.56, SVR 20.96, RVR 23.80 (quoted by Babu 2016)');
  console.log(`  sensitivity of the similarity method (${tSim} ms for all):`);
  for (const r of results) {
    const s = score(r.pred, truth);
    console.log(`    window ${String(r.window).padStart(2)}, k ${String(r.k).padStart(2)}: RMSE ${s.rmse.toFixed(2)}, NASA ${s.nasa.toFixed(0)}, coverage ${(100 * r.cov).toFixed(0)} %`);
  }
}
