/**
 * The demo's command functions as shipped in flows/demo-line.json (check UI commands, after a
 * transition), run with a fake flow context, against the CMMS core on a real SQLite file:
 * - a corrective order completed from the technician or maintenance page with its fields empty is
 *   refused (downtime asked for, in English and German) instead of being stored as "no failure";
 * - completed as the page sends it (downtime 0, the failure box left ticked) the failure counts:
 *   rel-kpi's figures show 1 failure and an availability below 100 %;
 * - the notices carry both languages with the status in words; taking or starting an order
 *   acknowledges its open Andon call.
 */
import assert from 'assert';
import fs from 'fs';
import path from 'path';
import { migrateCoreAsync, openStore, type Store } from '../../nodes/core/store';
import { migrateCmms, WorkOrderRepo, computeKpi } from '../../nodes/core/cmms';
import { transitionInput } from '../../nodes/core/cmms/work-order-input';
import { tmpDir } from '../helpers/red';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const DAY = 86_400_000;
const T0 = Date.UTC(2026, 11, 1);

type Out = any[] | null;
/** A function node of the demo flow, as Node-RED runs it (msg, flow, node, env, context). */
function fnOf(id: string): (msg: any, flowCtx: Record<string, unknown>) => Out {
  const flow = JSON.parse(fs.readFileSync(path.join(ROOT, 'flows', 'demo-line.json'), 'utf8')) as any[];
  const n = flow.find((x) => x.id === id);
  assert.ok(n && n.type === 'function', `function node ${id} in flows/demo-line.json`);
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  const f = new Function('msg', 'flow', 'node', 'env', 'context', n.func);
  return (msg, ctx) => {
    const flowApi = { get: (k: string) => ctx[k], set: (k: string, v: unknown) => { ctx[k] = v; } };
    const mem: Record<string, unknown> = {};
    return f(msg, flowApi, { warn() {}, error() {} }, { get: () => undefined }, { get: (k: string) => mem[k], set: (k: string, v: unknown) => { mem[k] = v; } });
  };
}

describe('demo: completing a corrective order keeps the failure in the KPIs; notices in both languages', function () {
  this.timeout(30_000);
  const uiCommands = fnOf('ui-commands');
  const afterWo = fnOf('after-wo');
  let dir: string;
  let release: () => void;
  let store: Store;
  let wo: WorkOrderRepo;

  before(async () => {
    dir = tmpDir('rel-techmaint-');
    const h = openStore(path.join(dir, 'store.db'));
    release = () => h.release();
    store = h.db;
    await migrateCoreAsync(store);
    await migrateCmms(store);
    wo = new WorkOrderRepo(store);
  });
  after(() => {
    release();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('an empty complete form of a corrective order is refused in both languages; as the page sends it the failure counts (1 failure, availability below 100 %)', async () => {
    const w = await wo.create({ asset: 'conveyor-1', line: 'L1', title: 'Outer ring of the drive-end bearing damaged', mode: 'bearing-outer-race', ts: T0 });
    await wo.transition({ id: w.id, action: 'assign', by: 'Maria', assignee: 'Maria', ts: T0 + 60e3 });
    await wo.transition({ id: w.id, action: 'start', by: 'Maria', ts: T0 + 120e3 });
    const ctx = { lineState: { wos: [{ id: w.id, number: w.number, asset: 'conveyor-1', source: w.source, status: 'in-progress' }], andon: [], list: [{ id: 'conveyor-1', name: 'Conveyor drive' }] } };
    // every field empty (the finding: this used to complete with downtime 0, failure not counted)
    const empty = uiCommands({ action: 'complete', payload: { id: w.id, by: 'Maria', ref: w.number, repairMin: '', downtimeMin: '', parts: '', note: '' } }, ctx);
    assert.ok(empty && empty[0] === null && empty[2], 'refused, a notice instead of a command');
    const n = empty[2].payload;
    assert.strictEqual(n.level, 'error');
    assert.strictEqual(n.code, 'downtime');
    assert.match(n.texts.en, /downtime in minutes \(0 if the machine did not stop\)/);
    assert.match(n.texts.de, /Stillstand in Minuten/);
    // as the page sends it with the downtime typed as 0 and the failure box left ticked
    const ok = uiCommands({ action: 'complete', payload: { id: w.id, by: 'Maria', ref: w.number, repairMin: '', downtimeMin: '0', parts: '', note: '', failure: true } }, ctx);
    assert.ok(ok && ok[0], 'a command for rel-work-order');
    assert.deepStrictEqual(ok[0].payload, { id: w.id, by: 'Maria', downtimeMin: 0, failure: true });
    const done = await wo.transition(transitionInput('complete', ok[0].payload, 'Maria', T0 + 45 * 60e3));
    assert.strictEqual(done.status, 'done');
    assert.strictEqual(done.failure, true);
    const k = await computeKpi(store, { asset: 'conveyor-1' }, { from: T0 - 29 * DAY, to: T0 + DAY });
    assert.strictEqual(k.failures, 1, 'the failure counts');
    assert.ok(k.mttrH !== null && k.mttrH > 0.7 && k.mttrH < 0.8, `MTTR ${k.mttrH} h (43 min in progress)`);
    assert.ok(k.availability < 1, `availability ${k.availability}`);
    // a PM order needs no downtime (planned work is no failure)
    const pm = uiCommands({ action: 'complete', payload: { id: 99, by: 'Maria', downtimeMin: '' } }, { lineState: { wos: [{ id: 99, number: 'WO-000099', source: 'pm' }] } });
    assert.ok(pm && pm[0] && pm[0].payload.downtimeMin === undefined);
    // the technician says it was no failure: not counted, as told
    const w2 = await wo.create({ asset: 'pump-1', line: 'L1', title: 'Check the coupling', ts: T0 });
    await wo.transition({ id: w2.id, action: 'assign', by: 'Maria', assignee: 'Maria', ts: T0 + 60e3 });
    await wo.transition({ id: w2.id, action: 'start', by: 'Maria', ts: T0 + 120e3 });
    const no = uiCommands({ action: 'complete', payload: { id: w2.id, by: 'Maria', downtimeMin: '0', failure: false } }, { lineState: { wos: [{ id: w2.id, number: w2.number, source: w2.source }] } });
    await wo.transition(transitionInput('complete', no![0].payload, 'Maria', T0 + 600e3));
    assert.strictEqual((await computeKpi(store, { asset: 'pump-1' }, { from: T0 - 29 * DAY, to: T0 + DAY })).failures, 0);
  });

  it('the name notice in both languages with its code; an Andon acknowledgement names the machine, not the call number', () => {
    const ctx = { lineState: { wos: [], andon: [{ id: 3, station: 'conveyor-1', text: 'WO-000001 …', state: 'open' }], list: [{ id: 'conveyor-1', name: 'Conveyor drive' }] } };
    const r = uiCommands({ action: 'start', payload: { id: 1, by: '  ' } }, ctx);
    assert.strictEqual(r![2].payload.code, 'name');
    assert.match(r![2].payload.texts.de, /^Ihr Name: bitte oben eintragen/);
    assert.match(r![2].payload.texts.en, /^Your name: type who you are/);
    const a = uiCommands({ action: 'ack', payload: { id: 3, by: 'Maria' } }, ctx);
    assert.deepStrictEqual(a![1].payload, { id: 3, by: 'Maria', note: undefined });
    assert.deepStrictEqual(a![2].payload.texts, { en: 'Andon call at Conveyor drive acknowledged (Maria)', de: 'Andon-Ruf an Conveyor drive quittiert (Maria)' });
  });

  it('taking or starting an order acknowledges its open Andon call (not another order\'s, not on a planner\'s assignment); the notice says the status in words', () => {
    const andon = [
      { id: 3, station: 'conveyor-1', text: 'WO-000001 Outer ring damaged – Conveyor drive', state: 'open', level: 3 },
      { id: 4, station: 'conveyor-1', text: 'WO-000007 Rotor out of balance – Conveyor drive', state: 'open', level: 1 },
      { id: 5, station: 'pump-1', text: 'WO-000002 …', state: 'open', level: 0 },
      { id: 6, station: 'conveyor-1', text: 'WO-000001 earlier call', state: 'acked', level: 0 },
    ];
    const ctx = { lineState: { andon }, simTs: {} };
    const order = { id: 1, number: 'WO-000001', asset: 'conveyor-1', source: 'condition', status: 'in-progress', assignee: 'Maria', history: [{ action: 'start', by: 'Maria' }] };
    const out = afterWo({ action: 'start', payload: order }, ctx);
    assert.deepStrictEqual(out![1], [{ action: 'ack', payload: { id: 3, by: 'Maria' } }]);
    assert.deepStrictEqual(out![3].payload.texts, { en: 'WO-000001: in progress (Maria)', de: 'WO-000001: in Arbeit (Maria)' });
    const taken = afterWo({ action: 'assign', payload: { ...order, status: 'assigned', history: [{ action: 'assign', by: 'Maria' }] } }, ctx);
    assert.deepStrictEqual(taken![1], [{ action: 'ack', payload: { id: 3, by: 'Maria' } }]);
    assert.strictEqual(taken![3].payload.texts.de, 'WO-000001: zugewiesen (Maria)');
    // with logins on, the person's session goes along, so rel-andon checks their role
    const client = { user: { username: 'maria', role: 'technician' } };
    const viaPage = afterWo({ action: 'start', payload: order, _client: client }, ctx);
    assert.deepStrictEqual(viaPage![1], [{ action: 'ack', payload: { id: 3, by: 'Maria' }, _client: client }]);
    // a planner assigning it to Maria answers nothing in her name
    const assigned = afterWo({ action: 'assign', payload: { ...order, status: 'assigned', history: [{ action: 'assign', by: 'Lead' }] } }, ctx);
    assert.strictEqual(assigned![1], null);
    const done = afterWo({ action: 'complete', payload: { ...order, status: 'done', history: [{ action: 'complete', by: 'Maria' }] } }, ctx);
    assert.strictEqual(done![3].payload.texts.de, 'WO-000001: erledigt, abzuschließen (Maria)');
    assert.doesNotMatch(JSON.stringify(done![3].payload.texts), /in-progress|\bdone\b(?!,)/);
  });
});
