/**
 * The CMMS nodes on a PostgreSQL store in a real Node-RED runtime: two rel-store configurations
 * on one database stand for two boxes (each its own pool), their nodes write at once.
 */
import assert from 'assert';
import fs from 'fs';
import { Client } from 'pg';
import { assetNode } from '../helpers/fixtures';
import { pgCluster } from '../helpers/pg';
import { getNode, helper, loadFlow, nextMessage, nextMessages, receiveAndComplete, tmpDir, unloadFlow } from '../helpers/red';

describe('cmms nodes on PostgreSQL (two boxes on one database)', function () {
  this.timeout(120_000);
  let url: string;
  let dir: string;
  const pgStore = (id: string) => ({ id, type: 'rel-store', name: `box ${id.slice(2)}`, backend: 'postgres', version: 2, poolSize: 4 });
  const query = async <T>(sql: string): Promise<T[]> => {
    const c = new Client({ connectionString: url });
    await c.connect();
    try {
      return (await c.query(sql)).rows as T[];
    } finally {
      await c.end();
    }
  };
  before(async () => {
    const cluster = await pgCluster();
    url = await cluster.createDatabase(`cmms_nodes_${process.pid}`);
  });
  beforeEach(() => {
    dir = tmpDir('cmms-pg-nodes-');
    helper.settings({ userDir: dir });
  });
  afterEach(async () => {
    await unloadFlow();
    helper.settings({ userDir: undefined });
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('500 detections of one (asset, mode) on each box at once: one open order with 1,000 detections; then the lifecycle and a PM tick on both boxes', async () => {
    await loadFlow(
      [
        pgStore('pgA'),
        pgStore('pgB'),
        assetNode({ id: 'asset1', assetId: 'pump-1', criticality: 4, store: 'pgA' }),
        { id: 'woA', type: 'rel-work-order', store: 'pgA', wires: [['outA'], []] },
        { id: 'woB', type: 'rel-work-order', store: 'pgB', wires: [['outB'], []] },
        { id: 'pmA', type: 'rel-pm', store: 'pgA', tickInterval: 3600, wires: [['pa'], []] },
        { id: 'pmB', type: 'rel-pm', store: 'pgB', tickInterval: 3600, wires: [['pb'], []] },
        { id: 'outA', type: 'helper' },
        { id: 'outB', type: 'helper' },
        { id: 'pa', type: 'helper' },
        { id: 'pb', type: 'helper' },
      ],
      [],
      { pgA: { url }, pgB: { url } },
    );
    const a = nextMessages('outA', 500, 90_000);
    const b = nextMessages('outB', 500, 90_000);
    for (let i = 0; i < 500; i++)
      for (const id of ['woA', 'woB']) getNode(id).receive({ action: 'detect', payload: { asset: 'pump-1', criticality: 4, mode: 'imbalance', severity: i === 499 ? 'alarm' : 'warning', evidence: `${id} ${i}` } });
    const got = [...(await a), ...(await b)];
    assert.strictEqual(new Set(got.map((m) => m.payload.id)).size, 1, 'one order');
    const rows = await query<{ n: number; d: number; s: string }>("SELECT COUNT(*)::int AS n, SUM(detections)::int AS d, MAX(severity) AS s FROM cmms_work_orders WHERE source = 'condition'");
    assert.deepStrictEqual(rows[0], { n: 1, d: 1000, s: 'alarm' });
    // the lifecycle across boxes: assigned on one, started on the other
    const id = got[0].payload.id;
    for (const [node, out, action] of [['woA', 'outA', 'assign'], ['woB', 'outB', 'start']] as const) {
      const o = nextMessage(out);
      assert.strictEqual(await receiveAndComplete(node, { action, payload: { id, by: 'ann' } }), undefined);
      await o;
    }
    assert.match(String((await receiveAndComplete('woA', { action: 'start', payload: { id, by: 'bob' } }))?.message), /cannot start from status in-progress/);
    // one plan, both boxes tick the same day: one order
    const planned = nextMessage('pa');
    assert.strictEqual(await receiveAndComplete('pmA', { action: 'plan', payload: { asset: 'pump-1', task: 'grease', trigger: 'calendar', every: 1, unit: 'days', lastDone: Date.UTC(2024, 0, 1) } }), undefined);
    await planned;
    const ts = Date.UTC(2024, 0, 2, 12);
    const ta = nextMessage('pa');
    const tb = nextMessage('pb');
    getNode('pmA').receive({ action: 'tick', payload: { ts } });
    getNode('pmB').receive({ action: 'tick', payload: { ts } });
    const opened = [...(await ta).payload.opened, ...(await tb).payload.opened];
    assert.strictEqual(opened.length, 1, 'announced by one box');
    assert.deepStrictEqual(await query("SELECT occurrence::int AS o FROM cmms_work_orders WHERE source = 'pm'"), [{ o: 1 }]);
  });
});
