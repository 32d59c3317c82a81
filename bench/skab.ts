/**
 * SKAB per-file figures of the machine-level scorer (docs/scalar-health.md):
 *   npm run build && node dist/bench/skab.js [data dir]
 * The data dir holds `skab/` (this repository's test data, the default) or is the `data/` folder
 * of a SKAB checkout (valve1, valve2, other). Prints TP/FP/FN/TN, F1, FAR and MAR per file, per
 * experiment folder and over all files (the published protocol), and the same totals for other
 * false-alarm budgets and EWMA weights to show how sensitive they are.
 */
import fs from 'fs';
import path from 'path';
import { DEFAULT_MACHINE } from '../nodes/core/condition/machine';
import { add, count, figures, folderTotals, readSkab, runFile, skabDir, skabFiles, SKAB_CONFIG, SKAB_TRAIN_ROWS, type Counts } from '../test/condition/skab';

const pct = (x: number) => `${(100 * x).toFixed(1)} %`;

function main(): void {
  const dir = path.resolve(process.argv[2] ?? path.join(__dirname, '..', '..', '..', 'shared', 'data'));
  const files = skabFiles(dir);
  const counts = files.map((f) => count(f, runFile(f)));
  const tot: Counts = counts.reduce(add, { tp: 0, fp: 0, fn: 0, tn: 0 });
  console.log('file            TP   FP   FN   TN    F1     FAR      MAR');
  files.forEach((f, k) => {
    const c = counts[k];
    const g = figures(c);
    console.log(`${f.name.padEnd(14)} ${String(c.tp).padStart(4)} ${String(c.fp).padStart(4)} ${String(c.fn).padStart(4)} ${String(c.tn).padStart(4)}  ${(g.f1 || 0).toFixed(3)}  ${pct(g.far).padStart(7)}  ${pct(g.mar).padStart(7)}`);
  });
  for (const [folder, { files: n, c }] of folderTotals(files, counts)) {
    const h = figures(c);
    console.log(`${folder} (${n} files)      ${c.tp} ${c.fp} ${c.fn} ${c.tn}  F1 ${(h.f1 || 0).toFixed(3)}  FAR ${pct(h.far)}  MAR ${pct(h.mar)}`);
  }
  const g = figures(tot);
  console.log(`all ${files.length} files      ${tot.tp} ${tot.fp} ${tot.fn} ${tot.tn}  F1 ${g.f1.toFixed(3)}  FAR ${pct(g.far)}  MAR ${pct(g.mar)}`);
  console.log('\nsensitivity (totals over all files; defaults marked *):');
  const variants: [string, object][] = [
    ['warn budget 1/h', { warnPerHour: 1 }],
    ['warn budget 1/8 h *', {}],
    ['warn budget 1/24 h', { warnPerHour: 1 / 24 }],
    ['warn budget 1/168 h', { warnPerHour: 1 / 168, alarmPerHour: 1 / 168 }],
    ['lambda 0.05', { lambda: 0.05 }],
    ['lambda 0.2', { lambda: 0.2 }],
    ['persistence 3', { persistence: 3 }],
    ['min n_eff 0 (every channel)', { minNeff: 0 }],
  ];
  for (const [label, v] of variants) {
    let t: Counts = { tp: 0, fp: 0, fn: 0, tn: 0 };
    for (const f of files) t = add(t, count(f, runFile(f, { ...SKAB_CONFIG, ...v })));
    const h = figures(t);
    console.log(`${label.padEnd(30)} F1 ${h.f1.toFixed(3)}  FAR ${pct(h.far).padStart(7)}  MAR ${pct(h.mar).padStart(7)}`);
  }
  // the anomaly-free run (9,405 s of healthy running): learn the first 400 rows, count false episodes
  const freeFile = path.join(skabDir(dir), 'anomaly-free', 'anomaly-free.csv');
  if (!fs.existsSync(freeFile)) return;
  const free = readSkab(freeFile, 'anomaly-free', false);
  const pred = runFile(free);
  let episodes = 0;
  let flagged = 0;
  for (let i = SKAB_TRAIN_ROWS; i < pred.length; i++) {
    if (pred[i]) flagged++;
    if (pred[i] && !pred[i - 1]) episodes++;
  }
  const hours = (pred.length - SKAB_TRAIN_ROWS) / 3600;
  console.log(`\nanomaly-free run: ${hours.toFixed(2)} h scored, ${episodes} false warning episode(s), ${pct(flagged / (pred.length - SKAB_TRAIN_ROWS))} of the points flagged`);
  void DEFAULT_MACHINE;
}

main();
