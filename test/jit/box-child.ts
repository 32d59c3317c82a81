/**
 * Another edge box for box.spec: a Node-RED runtime in its own process that loads the one JIT
 * flow on a database file shared with other boxes, waits for a start file (so the boxes run at
 * the same time), sends its events and prints what came out as one JSON line.
 * Usage: node box-child.js <db file> <start file> <consumptions> [reliabilityBoxId setting]
 * (without the setting, RELIABILITY_BOX_ID from the environment applies).
 */
import fs from 'fs';
import { getNode, helper, loadFlow, receiveAndComplete, sleep, unloadFlow } from '../helpers/red';
import { storeNode } from '../helpers/fixtures';
import { FakeClock } from '../helpers/fake-clock';
import { at } from './shift-script';

/** One flows.json for every box: a Kanban loop (18 cards, a pull every 3 containers) and an Andon board. */
export function boxFlow(file: string): object[] {
  return [
    storeNode(file),
    { id: 'kb', type: 'rel-kanban', store: 'store1', item: 'bolt-m8', containerQty: 50, demand: 400, leadTime: 2, alpha: 0.1, trigger: 3, wires: [['kb-out'], ['kb-pull']] },
    { id: 'kb-out', type: 'helper' },
    { id: 'kb-pull', type: 'helper' },
    { id: 'an', type: 'rel-andon', store: 'store1', levels: '2, 5, 10', wires: [['an-out'], ['an-esc'], ['an-line']] },
    { id: 'an-out', type: 'helper' },
    { id: 'an-esc', type: 'helper' },
    { id: 'an-line', type: 'helper' },
  ];
}

async function main(): Promise<void> {
  const [file, start, n, box] = process.argv.slice(2);
  helper.settings({ reliabilityClock: new FakeClock(at(6)), ...(box ? { reliabilityBoxId: box } : {}) });
  await loadFlow(boxFlow(file!));
  const pulls: unknown[] = [];
  const status: any[] = [];
  const calls: any[] = [];
  getNode('kb-pull').on('input', (m: any) => pulls.push(m.payload.orderId));
  getNode('kb-out').on('input', (m: any) => status.push(m.payload.kanban));
  getNode('an-out').on('input', (m: any) => calls.push(m.payload));
  process.stdout.write('ready\n');
  for (const until = Date.now() + 30_000; !fs.existsSync(start!) && Date.now() < until; ) await sleep(5);
  // Each input may wait for the other box's write lock (the store's busy timeout is 5 s): wait
  // longer than that, so a lock the store gives up on fails as the store's own error, not as a
  // missing done on a loaded machine.
  const WAIT_MS = 20_000;
  for (let i = 0; i < Number(n); i++) {
    const err = await receiveAndComplete('kb', { action: 'consume', payload: { ts: at(7) + i * 60_000 } }, WAIT_MS);
    if (err) throw err;
    await sleep(1);
  }
  const err = await receiveAndComplete('an', { action: 'raise', payload: { station: 'st-1', kind: 'material', text: String(box ?? process.env.RELIABILITY_BOX_ID) } }, WAIT_MS);
  if (err) throw err;
  await sleep(20);
  await unloadFlow();
  const last = status[status.length - 1];
  process.stdout.write(`${JSON.stringify({ pulls, onHand: last.onHand, inTransit: last.inTransit, board: calls[0].andon.map((c: any) => c.text) })}\n`);
}

if (require.main === module)
  main().then(
    () => process.exit(0),
    (e) => {
      process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
      process.exit(1);
    },
  );
