/**
 * nodes/shared/actor.ts (the actor and role check the node files call) and the rel-role node on a
 * real Node-RED runtime (node-red-node-test-helper), with the shared bad-input harness.
 */
import assert from 'assert';
import { actor, authorize, authorizePermission, msgUser } from '../../nodes/shared/actor';
import { fuzzNode } from '../helpers/fuzz';
import { getNode, helper, loadFlow, nextMessage, receiveAndComplete, unloadFlow } from '../helpers/red';

const user = (username: string, role: string, name = '') => ({ _client: { socketId: 's1', user: { username, role, name } } });

describe('actor and role check (nodes/shared/actor)', () => {
  it('the actor is the logged-in user, else what was typed', () => {
    assert.strictEqual(actor({ ...user('tom', 'technician'), payload: { by: 'somebody else' } }, 'somebody else'), 'tom');
    assert.strictEqual(actor({ payload: { by: 'Line PLC' } }, 'Line PLC'), 'Line PLC');
    assert.strictEqual(actor({ _client: { socketId: 'x' } }, undefined), undefined, 'a dashboard msg without logins keeps the typed value (the node then checks it)');
  });
  it('a malformed user field is an error naming msg._client.user', () => {
    for (const bad of [{ username: 'x', role: 'boss' }, { username: 42, role: 'admin' }, 'admin', { role: 'admin' }, { username: 'x'.repeat(65), role: 'admin' }]) {
      assert.throws(() => msgUser({ _client: { user: bad } }), /^InputError: msg\._client\.user: expected a dashboard user \{ username, role \} set by the dashboard login, got /);
    }
    assert.strictEqual(msgUser({ _client: { user: null } }), undefined);
    assert.strictEqual(msgUser(Object.create({ _client: { user: { username: 'proto', role: 'admin' } } })), undefined, 'inherited fields are not read');
  });
  it('authorize maps a node action to its permission and refuses with the roles that may', () => {
    assert.deepStrictEqual(authorize(user('tom', 'technician', 'Tom'), 'rel-work-order', 'complete'), { username: 'tom', role: 'technician', name: 'Tom' });
    assert.throws(
      () => authorize(user('olga', 'operator'), 'rel-work-order', 'complete'),
      (e: Error) => e.message === 'msg._client.user: expected a user whose role may complete (wo.complete: technician, admin), got the string "olga (operator)" (refused)',
    );
    assert.throws(() => authorize(user('tom', 'technician'), 'rel-spares', 'receive'), /may receive \(spares\.receive: planner, admin\)/);
    assert.throws(() => authorize(user('pat', 'planner'), 'rel-andon', 'resolve'), /may resolve \(andon\.resolve: technician, admin\)/);
    assert.ok(authorize(user('olga', 'operator'), 'rel-andon', 'raise'));
    assert.ok(authorize(user('olga', 'operator'), 'rel-work-order', 'list'), 'reading is open');
    assert.strictEqual(authorize({ payload: {} }, 'rel-work-order', 'complete'), undefined, 'no user: a flow message passes');
    assert.throws(() => authorizePermission(user('tom', 'technician'), 'users.manage'), /holds users\.manage \(admin\)/);
  });
});

describe('rel-role node', function () {
  this.timeout(60_000);
  const flow = (cfg: object) => [
    { id: 'role', type: 'rel-role', name: '', target: 'rel-work-order', permission: '', requireUser: true, ...cfg, wires: [['out']] },
    { id: 'out', type: 'helper' },
  ];
  afterEach(() => unloadFlow());

  it('passes a permitted message unchanged and refuses others, naming user and roles', async () => {
    await loadFlow(flow({}));
    const permitted = { ...user('tom', 'technician'), action: 'complete', payload: { id: 1, by: 'tom' } };
    const got = nextMessage('out');
    assert.strictEqual(await receiveAndComplete('role', permitted), undefined);
    assert.deepStrictEqual((await got).payload, { id: 1, by: 'tom' });
    const refused = await receiveAndComplete('role', { ...user('olga', 'operator'), action: 'complete', payload: { id: 1 } });
    assert.match(String(refused?.message), /msg\._client\.user: expected a user whose role may complete \(wo\.complete: technician, admin\), got the string "olga \(operator\)"/);
    const anonymous = await receiveAndComplete('role', { action: 'complete', payload: { id: 1 } });
    assert.match(String(anonymous?.message), /^msg\._client\.user: expected a logged-in dashboard user \(rel-users\), got nothing/);
    const noAction = await receiveAndComplete('role', { ...user('tom', 'technician'), payload: {} });
    assert.match(String(noAction?.message), /^msg\.action: expected the rel-work-order action to check, got nothing/);
  });

  it('checks the actions of rel-request, rel-health and rel-rul too', async () => {
    for (const [target, yes, no, refusal] of [
      ['rel-request', user('olga', 'operator'), 'request', /may approve \(wo\.create: planner, admin\)/],
      ['rel-health', user('tom', 'technician'), 'shelve', /may relearn \(condition\.relearn: technician, admin\)/],
      ['rel-rul', user('tom', 'technician'), 'reset', /may reset \(condition\.relearn: technician, admin\)/],
    ] as const) {
      await loadFlow(flow({ target }));
      const got = nextMessage('out');
      assert.strictEqual(await receiveAndComplete('role', { ...yes, action: no, payload: {} }), undefined, `${target} ${no}`);
      assert.strictEqual((await got).action, no);
      const refusedAction = target === 'rel-request' ? 'approve' : target === 'rel-health' ? 'relearn' : 'reset';
      assert.match(String((await receiveAndComplete('role', { ...user('pat', target === 'rel-request' ? 'operator' : 'planner'), action: refusedAction, payload: {} }))?.message), refusal);
      await unloadFlow();
    }
  });

  it('reads the action as the target node does: a reading without msg.action (any topic) is rel-health\'s score and rel-rul\'s estimate, a rel-health result is rel-pm\'s condition', async () => {
    const reading = { ...user('tom', 'technician'), topic: 'pump-1/rms', payload: { asset: 'pump-1', value: 3.1 } };
    for (const target of ['rel-health', 'rel-rul'] as const) {
      await loadFlow(flow({ target }));
      const got = nextMessage('out');
      assert.strictEqual(await receiveAndComplete('role', reading), undefined, `${target}: a technician's hand reading`);
      assert.strictEqual((await got).topic, 'pump-1/rms');
      if (target === 'rel-rul') assert.strictEqual(await receiveAndComplete('role', { ...reading, action: 'detect' }), undefined, 'rel-health\'s detect messages are readings for rel-rul');
      assert.match(String((await receiveAndComplete('role', { ...reading, ...user('olga', 'operator') }))?.message), /may (score|estimate) \(condition\.reading: technician, admin\)/);
      await unloadFlow();
    }
    // what rel-health sends on: the reading with its health, and the technician still on it
    await loadFlow(flow({ target: 'rel-pm' }));
    const got = nextMessage('out');
    assert.strictEqual(await receiveAndComplete('role', { ...reading, payload: { asset: 'pump-1', value: 3.1, health: { score: 55 } } }), undefined);
    assert.strictEqual((await got).payload.health.score, 55);
    assert.match(String((await receiveAndComplete('role', { ...user('tom', 'technician'), payload: { asset: 'pump-1' } }))?.message), /^msg\.action: expected the rel-pm action to check, got nothing/);
    await unloadFlow();
    // rel-work-order: what rel-health and rel-diagnose send on is a detection (a planner's may, a technician's may not)
    await loadFlow(flow({ target: 'rel-work-order' }));
    const detected = nextMessage('out');
    assert.strictEqual(await receiveAndComplete('role', { ...user('pat', 'planner'), topic: 'pump-1/rms', payload: { asset: 'pump-1', health: { score: 40, state: 'alarm' } } }), undefined);
    assert.strictEqual((await detected).payload.health.score, 40);
    assert.match(String((await receiveAndComplete('role', { ...user('tom', 'technician'), payload: { asset: 'pump-1', diagnosis: { mode: 'outer-race' } } }))?.message), /may detect \(wo\.detect: planner, admin\)/);
    await unloadFlow();
    // rel-andon reads no topic: a health message is its health action whatever the topic says
    await loadFlow(flow({ target: 'rel-andon' }));
    const raised = nextMessage('out');
    assert.strictEqual(await receiveAndComplete('role', { ...user('olga', 'operator'), topic: 'board', payload: { asset: 'pump-1', health: { state: 'alarm' } } }), undefined);
    assert.strictEqual((await raised).topic, 'board');
    assert.match(String((await receiveAndComplete('role', { ...user('olga', 'operator'), topic: 'ack', payload: { station: 'st-1' } }))?.message), /^msg\.action: expected the rel-andon action to check/);
  });

  it('one permission; without "require a user", flow messages pass', async () => {
    await loadFlow(flow({ target: '', permission: 'spares.receive', requireUser: false }));
    const got = nextMessage('out');
    assert.strictEqual(await receiveAndComplete('role', { payload: 'from a PLC' }), undefined);
    assert.strictEqual((await got).payload, 'from a PLC');
    assert.match(String((await receiveAndComplete('role', { ...user('tom', 'technician'), payload: 1 }))?.message), /holds spares\.receive \(planner, admin\)/);
  });

  it('refuses a bad configuration with a logged error and ignores input', async () => {
    await loadFlow(flow({ target: '', permission: 'everything' }));
    const logged = helper.log().args.map((a: any[]) => a[0]).filter((e: any) => e && e.id === 'role' && e.level === 20).map((e: any) => String(e.msg));
    assert.ok(logged.some((m: string) => /^permission: expected one of andon\.ack, .*users\.manage.*, got the string "everything"/.test(m)), logged.join('\n'));
    let out = 0;
    getNode('out').on('input', () => out++);
    getNode('role').receive({ ...user('tom', 'technician'), payload: 1 });
    await new Promise((r) => setTimeout(r, 200));
    assert.strictEqual(out, 0);
  });

  it('bad input: done once, errors name the property', async () => {
    await fuzzNode({
      flow: flow({ requireUser: false }),
      nodeId: 'role',
      keys: ['id', 'by'],
      actions: ['create', 'complete', 'list', 'assign'],
      runs: 400,
      keepLoaded: true,
      sanity: async () => {
        const got = nextMessage('out');
        assert.strictEqual(await receiveAndComplete('role', { ...user('tom', 'technician'), action: 'start', payload: { id: 1 } }), undefined);
        assert.strictEqual((await got).action, 'start');
      },
    });
  });
});
