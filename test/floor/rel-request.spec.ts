/**
 * rel-request in a real Node-RED runtime (node-red-node-test-helper) on a real SQLite file: a
 * request by message, approved into a work order (events on output 2), a rejection, checklist
 * and tick; a rel-work-order on the same store refuses to complete the order until the required
 * step is ticked; the shared bad-input harness.
 */
import assert from 'assert';
import path from 'path';
import { RequestRepo } from '../../nodes/core/floor';
import { openStore } from '../../nodes/core/store';
import { assetNode, storeNode } from '../helpers/fixtures';
import { closeWhileHeld } from '../helpers/close-gate';
import { fuzzNode } from '../helpers/fuzz';
import { getNode, loadFlow, nextMessage, nextMessages, receiveAndComplete, tmpDir, unloadFlow } from '../helpers/red';

function flow(file: string): object[] {
  return [
    storeNode(file),
    assetNode({ id: 'asset1', assetId: 'press-01', name: 'Press 1', criticality: 4 }),
    { id: 'rq', type: 'rel-request', store: 'store1', wires: [['out1'], ['out2']] },
    { id: 'wo', type: 'rel-work-order', store: 'store1', wires: [['wo1'], []] },
    { id: 'out1', type: 'helper' },
    { id: 'out2', type: 'helper' },
    { id: 'wo1', type: 'helper' },
  ];
}

describe('rel-request node (real runtime, SQLite file)', function () {
  this.timeout(60_000);
  afterEach(() => unloadFlow());

  it('request -> approve opens a work order; reject needs a reason; a required step blocks completion until ticked', async () => {
    const file = path.join(tmpDir('rel-rq-'), 'plant.db');
    await loadFlow(flow(file));
    const send = async (id: string, msg: object, out = 'out1') => {
      const got = nextMessage(out);
      const err = await receiveAndComplete(id, msg);
      if (err) {
        got.catch(() => undefined);
        throw err;
      }
      return (await got).payload;
    };
    const r1 = await send('rq', { action: 'request', payload: { asset: 'press-01', text: 'Oil under the gearbox', by: 'olga' } });
    assert.deepStrictEqual([r1.number, r1.status, r1.requestedBy], ['WR-000001', 'new', 'olga']);
    const events = nextMessages('out2', 2);
    const ap = await send('rq', { action: 'approve', payload: { id: 1, by: 'pete', checklist: '*Lock out; Clean' } });
    assert.deepStrictEqual([ap.request.status, ap.order.title, ap.order.criticality], ['approved', 'Oil under the gearbox', 4]);
    assert.deepStrictEqual((await events).map((m) => m.topic), ['request/approved', 'work-order/new']);
    assert.match(String(await receiveAndComplete('rq', { action: 'approve', payload: { id: 1, by: 'pete' } })), /WR-000001 is already approved/);
    await send('rq', { action: 'request', payload: { asset: 'press-01', text: 'Squeak', by: 'olga' } });
    assert.match(String(await receiveAndComplete('rq', { action: 'reject', payload: { id: 2, by: 'pete' } })), /msg\.payload\.reason: expected a string/);
    assert.strictEqual((await send('rq', { action: 'reject', payload: { id: 2, by: 'pete', reason: 'runs in' } })).status, 'rejected');
    const id = ap.order.id;
    for (const [action, extra] of [['assign', { assignee: 'tom' }], ['start', {}]] as const) await send('wo', { action, payload: { id, by: 'tom', ...extra } }, 'wo1');
    const err = await receiveAndComplete('wo', { action: 'complete', payload: { id, by: 'tom', repairMin: 20 } });
    assert.match(String(err), /WO-000001 cannot be completed: required checklist step 1\. "Lock out" not ticked/);
    const ticked = await send('rq', { action: 'tick', payload: { order: id, step: 1, by: 'tom' } });
    assert.deepStrictEqual([ticked.checklist[0].done, ticked.checklist[0].doneBy], [true, 'tom']);
    assert.strictEqual((await send('wo', { action: 'complete', payload: { id, by: 'tom', repairMin: 20 } }, 'wo1')).status, 'done');
    const detail = await send('rq', { action: 'order', payload: { order: id } });
    assert.deepStrictEqual([detail.request, detail.checklist.length], [1, 2]);
    // A dashboard user's role is checked: an operator may not approve.
    assert.match(String(await receiveAndComplete('rq', { action: 'approve', payload: { id: 3 }, _client: { user: { username: 'olga', role: 'operator' } } })), /msg\._client\.user: expected a user whose role may approve \(wo\.create/);
    assert.ok(getNode('rq'));
  });

  it('a close (redeploy) while an approve is mid-way waits for it: the approval is stored, done without an error, the store released after', async () => {
    const file = path.join(tmpDir('rel-rq-'), 'plant.db');
    await loadFlow(flow(file));
    assert.strictEqual(await receiveAndComplete('rq', { action: 'request', payload: { asset: 'press-01', text: 'Oil under the gearbox', by: 'olga' } }), undefined);
    const done = await closeWhileHeld(RequestRepo.prototype, 'approve', () => receiveAndComplete('rq', { action: 'approve', payload: { id: 1, by: 'pete' } }), 'approve');
    assert.strictEqual(done, undefined, 'the approve finished on the open store');
    const h = openStore(file);
    try {
      const row = await h.db.one<{ status: string; order_id: number | null }>('SELECT status, order_id FROM floor_requests WHERE id = 1');
      assert.deepStrictEqual([row?.status, typeof row?.order_id], ['approved', 'number']);
    } finally {
      h.release();
    }
  });

  it('bad input: clear errors, done once, the node still works after', async () => {
    const file = path.join(tmpDir('rel-rq-'), 'plant.db');
    const rep = await fuzzNode({
      flow: flow(file),
      nodeId: 'rq',
      keys: ['asset', 'text', 'by', 'photos', 'id', 'reason', 'priority', 'title', 'checklist', 'order', 'step', 'done', 'status', 'limit', 'ts'],
      actions: ['request', 'approve', 'reject', 'list', 'get', 'order', 'tick', 'checklist'],
      allowErrors: [/^work request WR-\d+ (not found|is already)/, /^work order \d+ not found/, /^photo /, /^WO-\d+ is (done|closed|cancelled)/],
      runs: 300,
      sanity: async () => {
        const out = nextMessage('out1');
        assert.strictEqual(await receiveAndComplete('rq', { action: 'request', payload: { asset: 'press-01', text: 'still works', by: 'olga' } }), undefined);
        assert.strictEqual((await out).payload.status, 'new');
      },
    });
    assert.ok(rep.errors > 0 && rep.ok > 0, JSON.stringify(rep));
  });
});
