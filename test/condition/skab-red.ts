/**
 * SKAB through rel-health in a real Node-RED runtime (machine mode, the documented defaults, the
 * first SKAB_TRAIN_ROWS rows of each file learned): the counts of every file, one asset per file.
 * Used by rel-health-machine.spec (valve1) and bench/skab-runtime (any SKAB data folder).
 */
import path from 'path';
import { collectInputs, loadFlow, receiveAndComplete, tmpDir } from '../helpers/red';
import { assetNode, storeNode } from '../helpers/fixtures';
import { count, skabPoll, SKAB_TRAIN_ROWS, type Counts, type SkabFile } from './skab';

/** Each file's counts (in the order given), scored by one rel-health node on a new SQLite file in `dir`; the caller unloads the flow. */
export async function skabThroughRelHealth(files: readonly SkabFile[], dir = tmpDir('rel-skab-runtime-')): Promise<Counts[]> {
  const assets = files.map((_, i) => assetNode({ id: `a${i}`, assetId: `skab-${i}`, machineClass: 'iso10816-3:group2:rigid' }));
  await loadFlow([storeNode(path.join(dir, 'skab.db')), ...assets, { id: 'h1', type: 'rel-health', store: 'store1', mode: 'machine', learnMode: 'frames', learnFrames: SKAB_TRAIN_ROWS, wires: [['out'], []] }, { id: 'out', type: 'helper' }]);
  const out = collectInputs('out');
  const counts: Counts[] = [];
  for (let k = 0; k < files.length; k++) {
    const f = files[k];
    const start = out.length;
    for (let i = 0; i < f.ts.length; i++) {
      const err = await receiveAndComplete('h1', { payload: skabPoll(f, i, `skab-${k}`) }, 20_000);
      if (err) throw err;
      // the poll's output reaches the helper node after done: let it arrive before the next file
      for (let j = 0; j < 3; j++) await new Promise((r) => setImmediate(r));
    }
    const pred = out.slice(start).map((m: any) => (m.payload.health.state === 'warning' || m.payload.health.state === 'alarm' ? 1 : 0));
    counts.push(count(f, pred));
  }
  return counts;
}
