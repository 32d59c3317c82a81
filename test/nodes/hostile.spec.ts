/**
 * Hostile input through a real runtime: no message takes Node-RED down. A payload nested 4,000
 * deep into a node with a Catch node on the flow (Catch clones the message: a recursion), 1 MB
 * strings, `__proto__` keys and NaN: the runtime stays up, the node reports a short error, the
 * next good message is served.
 */
import assert from 'assert';
import path from 'path';
import { loadFlow, unloadFlow, nextMessage, receiveAndComplete, tmpDir, sleep } from '../helpers/red';
import { storeNode } from '../helpers/fixtures';
import { nestingDepth, MAX_MSG_DEPTH } from '../../nodes/shared/node';

const catchNode = require('@node-red/nodes/core/common/25-catch.js');

function deep(n: number): unknown {
  let v: unknown = 1;
  for (let i = 0; i < n; i++) v = [v];
  return v;
}

describe('hostile input', function () {
  this.timeout(30000);
  afterEach(unloadFlow);

  it('measures nesting without recursion and stops at the cap', function () {
    assert.strictEqual(nestingDepth({ a: [{ b: 1 }] }), 3);
    assert.strictEqual(nestingDepth(deep(50)), 50);
    assert.strictEqual(nestingDepth(deep(100_000)), Infinity, 'a 100,000-deep array is measured without a stack overflow');
    const cyclic: any = { a: {} };
    cyclic.a.b = cyclic;
    assert.strictEqual(nestingDepth(cyclic), 2, 'a cycle is walked once');
    let dag: any = 1;
    for (let i = 0; i < 45; i++) dag = { a: dag, list: [dag] };
    const t0 = Date.now();
    // Each object is counted once, at the depth it is first reached (as a clone copies it once).
    assert.strictEqual(nestingDepth(dag), 46, 'shared references are walked once (2^45 paths)');
    assert.ok(Date.now() - t0 < 1000);
    assert.strictEqual(nestingDepth({ samples: new Float64Array(1 << 16) }), 2, 'typed arrays are leaves');
    assert.ok(MAX_MSG_DEPTH >= 64);
  });

  it('a 4,000-deep payload into rel-work-order with a Catch node: a short error, Catch sees it, the runtime serves the next message', async function () {
    const file = path.join(tmpDir(), 'h.db');
    await loadFlow(
      [
        { id: 'tab', type: 'tab', label: 't' },
        { ...storeNode(file), z: 'tab' },
        { id: 'wo', type: 'rel-work-order', z: 'tab', store: 'store1', wires: [['out']] },
        { id: 'c', type: 'catch', z: 'tab', scope: null, uncaught: false, wires: [['caught']] },
        { id: 'out', type: 'helper', z: 'tab' },
        { id: 'caught', type: 'helper', z: 'tab' },
      ],
      [catchNode],
    );
    const caught = nextMessage('caught');
    const err = await receiveAndComplete('wo', { action: 'create', payload: { asset: 'pump-1', title: 'x', extra: deep(4000) } });
    assert.match(String(err?.message), /^msg: expected a message nested at most 100 levels deep/);
    const c = await caught;
    assert.match(c.error.message, /nested at most 100 levels/);
    assert.strictEqual(c.payload, null, 'Catch gets the message with its payload dropped');
    // The runtime is still up and the node still works.
    const ok = nextMessage('out');
    assert.strictEqual(await receiveAndComplete('wo', { action: 'create', payload: { asset: 'pump-1', title: 'Bearing noise' } }), undefined);
    assert.strictEqual((await ok).payload.title, 'Bearing noise');
  });

  it('1 MB strings, __proto__ keys and NaN are refused or stored verbatim, never evaluated', async function () {
    const file = path.join(tmpDir(), 'h.db');
    await loadFlow([storeNode(file), { id: 'wo', type: 'rel-work-order', store: 'store1', wires: [['out']] }, { id: 'out', type: 'helper' }]);
    const big = 'x'.repeat(1 << 20);
    const e1 = await receiveAndComplete('wo', { action: 'create', payload: { asset: 'pump-1', title: big } });
    assert.match(String(e1?.message), /^msg\.payload\.title: expected a string of at most/);
    const proto = JSON.parse('{"asset":"pump-1","title":"t","__proto__":{"polluted":1}}');
    const out = nextMessage('out');
    await receiveAndComplete('wo', { action: 'create', payload: proto });
    await out;
    assert.strictEqual(({} as any).polluted, undefined, 'no prototype pollution');
    const e3 = await receiveAndComplete('wo', { action: 'create', payload: { asset: 'pump-1', title: 't', priority: NaN } });
    assert.ok(e3 === undefined || /priority/.test(e3.message), String(e3?.message));
    const text = '=HYPERLINK("http://x")<script>alert(1)</script>';
    const out2 = nextMessage('out');
    assert.strictEqual(await receiveAndComplete('wo', { action: 'create', payload: { asset: 'pump-1', title: text } }), undefined);
    assert.strictEqual((await out2).payload.title, text, 'stored and returned verbatim');
    await sleep(10);
  });
});
