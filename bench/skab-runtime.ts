/**
 * SKAB through rel-health in a real Node-RED runtime (machine mode, the documented defaults, the
 * first 400 rows of each file learned), per experiment folder and over all files:
 *   npm run build && node dist/bench/skab-runtime.js [data dir]
 * The data dir as for bench/skab.ts: holding `skab/` (this repository's test data, the default)
 * or the `data/` folder of a SKAB checkout (valve1, valve2, other). The counts equal the core
 * scorer's (bench/skab.ts) file for file.
 */
import path from 'path';
import { collectInputs, loadFlow, receiveAndComplete, tmpDir, unloadFlow } from '../test/helpers/red';
import { assetNode, storeNode } from '../test/helpers/fixtures';
import { add, count, figures, skabFiles, skabPoll, SKAB_TRAIN_ROWS, type Counts } from '../test/condition/skab';

const ZERO: Counts = { tp: 0, fp: 0, fn: 0, tn: 0 };

function line(label: string, c: Counts): string {
  const g = figures(c);
  return `${label}: F1 ${g.f1.toFixed(3)}  FAR ${(100 * g.far).toFixed(1)} %  MAR ${(100 * g.mar).toFixed(1)} %  (TP ${c.tp}, FP ${c.fp}, FN ${c.fn}, TN ${c.tn})`;
}

async function main(): Promise<void> {
  const dir = path.resolve(process.argv[2] ?? path.join(__dirname, '..', '..', '..', 'shared', 'data'));
  const files = skabFiles(dir);
  const db = path.join(tmpDir('rel-skab-runtime-'), 'skab.db');
  const assets = files.map((_, i) => assetNode({ id: `a${i}`, assetId: `skab-${i}`, machineClass: 'iso10816-3:group2:rigid' }));
  await loadFlow([storeNode(db), ...assets, { id: 'h1', type: 'rel-health', store: 'store1', mode: 'machine', learnMode: 'frames', learnFrames: SKAB_TRAIN_ROWS, wires: [['out'], []] }, { id: 'out', type: 'helper' }]);
  const out = collectInputs('out');
  const perFolder = new Map<string, Counts>();
  let total = ZERO;
  for (let k = 0; k < files.length; k++) {
    const f = files[k];
    const start = out.length;
    for (let i = 0; i < f.ts.length; i++) {
      const err = await receiveAndComplete('h1', { payload: skabPoll(f, i, `skab-${k}`) }, 20_000);
      if (err) throw err;
      // the output of this poll reaches the helper node after done: let it arrive before the next file
      for (let j = 0; j < 3; j++) await new Promise((r) => setImmediate(r));
    }
    const pred = out.slice(start).map((m: any) => (m.payload.health.state === 'warning' || m.payload.health.state === 'alarm' ? 1 : 0));
    const c = count(f, pred);
    total = add(total, c);
    const folder = f.name.split('/')[0];
    perFolder.set(folder, add(perFolder.get(folder) ?? ZERO, c));
  }
  for (const [folder, c] of perFolder) console.log(line(`rel-health machine mode, ${folder}`, c));
  console.log(line(`rel-health machine mode, all ${files.length} files`, total));
  await unloadFlow();
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
