/**
 * The role check in the nodes that change stored state from a message (rel-pm, rel-registry,
 * rel-health in both modes, rel-rul) on a real Node-RED runtime (node-red-node-test-helper): a
 * dashboard user whose role lacks the permission is refused with an error naming the roles that
 * may, and nothing is changed; a permitted role passes; a flow message (no user) passes as before;
 * rel-health records the logged-in user as `by`, not the typed name.
 */
import assert from 'assert';
import fs from 'fs';
import path from 'path';
import { permissionFor, rolesWith } from '../../nodes/core/auth/roles';
import { assetNode, storeNode } from '../helpers/fixtures';
import { loadFlow, nextMessage, receiveAndComplete, tmpDir, unloadFlow } from '../helpers/red';
import { ScalarMachine } from '../condition/scalar-machine';
import { PUMP_TYPE, plantRows, toCsv } from '../register/plant';

const as = (username: string, role: string) => ({ _client: { socketId: 's1', user: { username, role, name: '' } } });
const HOUR = 3_600_000;

/** Send to a node, expect no error, resolve with what reached `out`. */
async function ok(id: string, msg: any, out: string): Promise<any> {
  const got = nextMessage(out, 10_000);
  const err = await receiveAndComplete(id, msg, 10_000);
  if (err) throw err;
  return got;
}

async function refused(id: string, msg: any): Promise<string> {
  const err = await receiveAndComplete(id, msg, 10_000);
  assert.ok(err, `${id} ${msg.action}: expected a refusal`);
  return err.message;
}

describe('role table: condition monitoring and the register', () => {
  it('technicians record readings, shelve and relearn; planners shelve; operators neither; listing types is reading', () => {
    assert.deepStrictEqual(rolesWith(permissionFor('rel-health', 'shelve')!), ['technician', 'planner', 'admin']);
    assert.strictEqual(permissionFor('rel-health', 'unshelve'), 'condition.shelve');
    assert.deepStrictEqual(rolesWith(permissionFor('rel-health', 'relearn')!), ['technician', 'admin']);
    assert.strictEqual(permissionFor('rel-rul', 'reset'), 'condition.relearn');
    assert.deepStrictEqual(rolesWith(permissionFor('rel-health', 'score')!), ['technician', 'admin']);
    assert.strictEqual(permissionFor('rel-rul', 'estimate'), 'condition.reading');
    for (const [t, a] of [['rel-health', 'history'], ['rel-health', 'status'], ['rel-rul', 'history'], ['rel-registry', 'types']]) assert.strictEqual(permissionFor(t, a), null, `${t} ${a}`);
  });
});

describe('role check in the nodes that change state (real runtime)', function () {
  this.timeout(60_000);
  let dir: string;
  beforeEach(() => {
    dir = tmpDir('rel-node-roles-');
  });
  afterEach(async () => {
    await unloadFlow();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('rel-pm: an operator or technician cannot plan or remove, a planner can, a flow message can', async () => {
    await loadFlow([storeNode(path.join(dir, 'pm.db')), assetNode(), { id: 'pm', type: 'rel-pm', store: 'store1', tickInterval: 3600, wires: [['out'], []] }, { id: 'out', type: 'helper' }]);
    const plan = (task: string) => ({ action: 'plan', payload: { asset: 'pump-1', task, trigger: 'calendar', every: 7, unit: 'days', lastDone: Date.now() } });
    assert.strictEqual(await refused('pm', { ...as('olga', 'operator'), ...plan('Grease') }), 'msg._client.user: expected a user whose role may plan (pm.plan: planner, admin), got the string "olga (operator)" (refused)');
    assert.match(await refused('pm', { ...as('tom', 'technician'), ...plan('Grease') }), /may plan \(pm\.plan: planner, admin\)/);
    assert.deepStrictEqual((await ok('pm', { ...as('olga', 'operator'), action: 'list' }, 'out')).payload, [], 'reading is open, and the refused plans were not stored');
    await ok('pm', { ...as('pat', 'planner'), ...plan('Grease') }, 'out');
    await ok('pm', plan('Inspect belt'), 'out');
    const list = (await ok('pm', { action: 'list' }, 'out')).payload;
    assert.deepStrictEqual(list.map((p: any) => p.task).sort(), ['Grease', 'Inspect belt']);
    assert.match(await refused('pm', { ...as('tom', 'technician'), action: 'remove', payload: { id: list[0].id } }), /may remove \(pm\.plan: planner, admin\)/);
    assert.strictEqual((await ok('pm', { action: 'list' }, 'out')).payload.length, 2);
  });

  it('rel-registry: only the admin imports, removes or defines types; anyone logged in lists types; a flow message imports', async () => {
    await loadFlow([storeNode(path.join(dir, 'reg.db')), { id: 'reg', type: 'rel-registry', store: 'store1', wires: [['out']] }, { id: 'out', type: 'helper' }]);
    const TYPE = PUMP_TYPE;
    const csv = toCsv(plantRows({ machines: 1, plcs: 1 }));
    assert.strictEqual(await refused('reg', { ...as('pat', 'planner'), action: 'types', payload: TYPE }), 'msg._client.user: expected a user whose role holds register.edit (admin), got the string "pat (planner)" (refused)');
    assert.deepStrictEqual((await ok('reg', { ...as('olga', 'operator'), action: 'types' }, 'out')).payload, [], 'listing types is reading; the refused type was not stored');
    assert.match(await refused('reg', { ...as('pat', 'planner'), action: 'import', payload: csv }), /may import \(register\.edit: admin\)/);
    assert.deepStrictEqual((await ok('reg', { ...as('olga', 'operator'), action: 'list' }, 'out')).payload, []);
    assert.deepStrictEqual((await ok('reg', { ...as('root', 'admin'), action: 'types', payload: TYPE }, 'out')).payload.map((t: any) => t.name), ['pump-skid']);
    assert.strictEqual((await ok('reg', { action: 'import', payload: csv }, 'out')).payload.applied, true, 'a flow message (no user) imports as before');
    assert.match(await refused('reg', { ...as('tom', 'technician'), action: 'remove', payload: 'M-001' }), /may remove \(register\.edit: admin\)/);
    assert.strictEqual((await ok('reg', { ...as('olga', 'operator'), action: 'list' }, 'out')).payload.length, 1);
  });

  for (const mode of ['channel', 'machine'] as const) {
    it(`rel-health (${mode}): an operator cannot shelve, a planner cannot relearn; the logged-in user is recorded as by, a flow keeps its typed by`, async () => {
      const extra = mode === 'machine' ? { mode: 'machine', asset: 'asset1', learnMode: 'frames', learnFrames: 10, startupMinutes: 0 } : { learnFrames: 10 };
      await loadFlow([storeNode(path.join(dir, 'h.db')), assetNode(), { id: 'h1', type: 'rel-health', store: 'store1', ...extra, wires: [['out'], ['changes']] }, { id: 'out', type: 'helper' }, { id: 'changes', type: 'helper' }]);
      // a learned baseline from readings a flow sends (no user)
      const sim = new ScalarMachine('pump-1');
      const t0 = Date.now() - 60_000;
      for (let i = 0; i < 12; i++) {
        const t = t0 + i * 1000;
        await ok('h1', { payload: mode === 'machine' ? sim.poll(t, { running: true }) : { asset: 'pump-1', ts: t, features: { rms: 0.1 * (1 + Math.sin(i) * 0.02), crest: 4 * (1 - Math.sin(i) * 0.02) } } }, 'out');
      }
      const shelve = { action: 'shelve', payload: { asset: 'pump-1', by: 'mallory', reason: 'sensor swap', until: Date.now() + HOUR } };
      const streams = async () => JSON.stringify((await ok('h1', { action: 'status', payload: { asset: 'pump-1' } }, 'out')).payload.streams);
      const before = await streams();
      assert.strictEqual(await refused('h1', { ...as('olga', 'operator'), ...shelve }), 'msg._client.user: expected a user whose role may shelve (condition.shelve: technician, planner, admin), got the string "olga (operator)" (refused)');
      assert.match(await refused('h1', { ...as('pat', 'planner'), action: 'relearn', payload: { asset: 'pump-1', reason: 'repair' } }), /may relearn \(condition\.relearn: technician, admin\)/);
      assert.match(await refused('h1', { ...as('olga', 'operator'), payload: { asset: 'pump-1', features: { rms: 1 } } }), /may score \(condition\.reading: technician, admin\)/);
      assert.strictEqual(await streams(), before, 'a refused message changes nothing');
      if (mode === 'channel') {
        // the streams show a scored reading (the machine's state is kept apart), so the check above can fail
        await ok('h1', { ...as('tom', 'technician'), payload: { asset: 'pump-1', ts: t0 + 12_000, features: { rms: 0.1, crest: 4 } } }, 'out');
        assert.notStrictEqual(await streams(), before, 'a technician\'s reading is scored');
      }
      const shelved = (await ok('h1', { ...as('tom', 'technician'), ...shelve }, 'out')).payload;
      assert.strictEqual(shelved.by, 'tom', 'the logged-in user, not the typed name');
      assert.strictEqual((await ok('h1', { ...as('pat', 'planner'), action: 'unshelve', payload: { asset: 'pump-1', by: 'mallory' } }, 'out')).payload.by, 'pat');
      assert.strictEqual((await ok('h1', shelve, 'out')).payload.by, 'mallory', 'a flow message keeps its typed by');
      await ok('h1', { ...as('tom', 'technician'), action: 'relearn', payload: { asset: 'pump-1', reason: 'bearing replaced' } }, 'out');
      await ok('h1', { ...as('olga', 'operator'), action: 'status', payload: { asset: 'pump-1' } }, 'out');
    });
  }

  it('rel-rul: an operator or planner cannot reset the trend, a technician and a flow message can', async () => {
    await loadFlow([storeNode(path.join(dir, 'r.db')), assetNode(), { id: 'r1', type: 'rel-rul', store: 'store1', wires: [['out']] }, { id: 'out', type: 'helper' }]);
    const reset = { action: 'reset', payload: { asset: 'pump-1' } };
    assert.strictEqual(await refused('r1', { ...as('olga', 'operator'), ...reset }), 'msg._client.user: expected a user whose role may reset (condition.relearn: technician, admin), got the string "olga (operator)" (refused)');
    assert.match(await refused('r1', { ...as('pat', 'planner'), ...reset }), /may reset/);
    assert.match(await refused('r1', { ...as('olga', 'operator'), payload: { asset: 'pump-1', ts: Date.now(), health: { score: 50, state: 'warning' } } }), /may estimate \(condition\.reading: technician, admin\)/);
    assert.strictEqual((await ok('r1', { ...as('tom', 'technician'), ...reset }, 'out')).payload.reason, 'reset');
    assert.strictEqual((await ok('r1', reset, 'out')).payload.reason, 'reset');
    await ok('r1', { ...as('olga', 'operator'), action: 'history', payload: { asset: 'pump-1' } }, 'out');
  });
});
