/**
 * The CMMS nodes' forms at deploy (real runtime, SQLite file): a bad value is an error naming the
 * field, logged at deploy with a red status (as rel-view, rel-takt and rel-health do), and the
 * store is released; a saved flow whose unset fields are empty strings deploys with the defaults.
 */
import assert from 'assert';
import fs from 'fs';
import path from 'path';
import { openConnections } from '../../nodes/core/store';
import { storeNode } from '../helpers/fixtures';
import { helper, loadFlow, receiveAndComplete, tmpDir, unloadFlow } from '../helpers/red';

const errorsOf = (id: string): string[] =>
  helper
    .log()
    .args.map((a: any[]) => a[0])
    .filter((e: any) => e && e.id === id && e.level === 20)
    .map((e: any) => String(e.msg));

describe('CMMS node forms at deploy', function () {
  this.timeout(60_000);
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = tmpDir('cmms-config-');
    file = path.join(dir, 'plant.db');
  });
  afterEach(async () => {
    await unloadFlow();
    assert.deepStrictEqual(openConnections().filter((c) => c.file === file), [], 'store released');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a bad value is an error naming the field, logged at deploy (the store released)', async () => {
    await loadFlow([
      storeNode(file),
      { id: 'kpi', type: 'rel-kpi', store: 'store1', windowDays: 0, wires: [[]] },
      { id: 'kpi2', type: 'rel-kpi', store: 'store1', hoursPerDay: '25', wires: [[]] },
      { id: 'sp', type: 'rel-spares', store: 'store1', demandWindowDays: 0, wires: [[], []] },
      { id: 'wo', type: 'rel-work-order', store: 'store1', minSeverity: 'panic', wires: [[], []] },
      { id: 'wo2', type: 'rel-work-order', store: 'store1', criticality: 7, wires: [[], []] },
    ]);
    assert.deepStrictEqual(errorsOf('kpi'), ['windowDays: expected a number of days from 0.0417 (one hour) to 3650, got the number 0']);
    assert.deepStrictEqual(errorsOf('kpi2'), ['hoursPerDay: expected a number >= 0.1 and <= 24, got the string "25"']);
    assert.deepStrictEqual(errorsOf('sp'), ['demandWindowDays: expected a number >= 1 and <= 3650, got the number 0']);
    assert.deepStrictEqual(errorsOf('wo'), ['minSeverity: expected one of watch, warning, alarm, got the string "panic"']);
    assert.deepStrictEqual(errorsOf('wo2'), ['criticality: expected a number >= 1 and <= 5, got the number 7']);
  });

  it('a saved flow with empty strings for unset fields deploys with the defaults', async () => {
    await loadFlow([
      storeNode(file),
      { id: 'kpi', type: 'rel-kpi', store: 'store1', windowDays: '', hoursPerDay: '', downtimeLimit: '', mttrReduction: '', baselineMttrH: '', wires: [['k1']] },
      { id: 'sp', type: 'rel-spares', store: 'store1', demandWindowDays: '', checkInterval: '', wires: [['s1'], []] },
      { id: 'wo', type: 'rel-work-order', store: 'store1', minSeverity: '', criticality: '', wires: [['w1'], []] },
      { id: 'k1', type: 'helper' },
      { id: 's1', type: 'helper' },
      { id: 'w1', type: 'helper' },
    ]);
    for (const id of ['kpi', 'sp', 'wo']) assert.deepStrictEqual(errorsOf(id), [], id);
    assert.strictEqual(await receiveAndComplete('kpi', { payload: {} }), undefined);
    assert.strictEqual(await receiveAndComplete('sp', { action: 'list' }), undefined);
    assert.strictEqual(await receiveAndComplete('wo', { action: 'detect', payload: { asset: 'pump-1', mode: 'bearing', severity: 'warning', evidence: 'BPFO' } }), undefined);
  });
});
