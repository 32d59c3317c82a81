/**
 * SKAB through rel-health in a real Node-RED runtime (machine mode, the documented defaults, the
 * first 400 rows of each file learned), per experiment folder and over all files:
 *   npm run build && node dist/bench/skab-runtime.js [data dir]
 * The data dir as for bench/skab.ts: holding `skab/` (this repository's test data, the default)
 * or the `data/` folder of a SKAB checkout (valve1, valve2, other). The counts equal the core
 * scorer's (bench/skab.ts) file for file.
 */
import path from 'path';
import { unloadFlow } from '../test/helpers/red';
import { add, figures, folderTotals, skabFiles, type Counts } from '../test/condition/skab';
import { skabThroughRelHealth } from '../test/condition/skab-red';

function line(label: string, c: Counts): string {
  const g = figures(c);
  return `${label}: F1 ${g.f1.toFixed(3)}  FAR ${(100 * g.far).toFixed(1)} %  MAR ${(100 * g.mar).toFixed(1)} %  (TP ${c.tp}, FP ${c.fp}, FN ${c.fn}, TN ${c.tn})`;
}

async function main(): Promise<void> {
  const dir = path.resolve(process.argv[2] ?? path.join(__dirname, '..', '..', '..', 'shared', 'data'));
  const files = skabFiles(dir);
  const counts = await skabThroughRelHealth(files);
  await unloadFlow();
  for (const [folder, { c }] of folderTotals(files, counts)) console.log(line(`rel-health machine mode, ${folder}`, c));
  console.log(line(`rel-health machine mode, all ${files.length} files`, counts.reduce(add, { tp: 0, fp: 0, fn: 0, tn: 0 })));
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
