/**
 * One flows.json on several edge boxes sharing one database file: the box id (setting
 * `reliabilityBoxId`, else env RELIABILITY_BOX_ID, else none) scopes every JIT node's state, so the
 * boxes keep separate Kanban loops, Andon calls, OEE records, takt windows and buffers; without a
 * box id the keys are as before, so state saved by earlier versions still loads.
 */
import assert from 'assert';
import { spawn } from 'child_process';
import fs from 'fs';
import path from 'path';
import Database from 'better-sqlite3';
import { getNode, helper, loadFlow, receiveAndComplete, sleep, tmpDir, unloadFlow } from '../helpers/red';
import { FakeClock } from '../helpers/fake-clock';
import { boxId, boxScope, parseBoxId, BOX_ENV } from '../../nodes/shared/box';
import type { RedApi } from '../../nodes/shared/red';
import { boxFlow } from './box-child';
import { at } from './shift-script';

/** The box flow plus rel-oee, rel-takt and rel-buffer on the same store. */
function flow(file: string): object[] {
  return [
    ...boxFlow(file),
    { id: 'oee', type: 'rel-oee', store: 'store1', shifts: 'early=06:00-14:00', breaks: '', utcOffset: '0', idealCycleS: 30, wires: [['oee-out']] },
    { id: 'oee-out', type: 'helper' },
    { id: 'tk', type: 'rel-takt', store: 'store1', shifts: 'early=06:00-14:00', breaks: '', utcOffset: '0', demand: 480, wires: [['tk-out'], []] },
    { id: 'tk-out', type: 'helper' },
    { id: 'buf', type: 'rel-buffer', store: 'store1', utcOffset: '0', wires: [['buf-out']] },
    { id: 'buf-out', type: 'helper' },
  ];
}

/** Send one event and return the node's main-output message. */
async function ask(node: string, out: string, action: string, payload: object): Promise<any> {
  let got: any;
  const on = (m: any) => (got = m);
  getNode(out).on('input', on);
  try {
    const err = await receiveAndComplete(node, { action, payload });
    if (err) throw err;
    await sleep(5);
  } finally {
    getNode(out).removeListener('input', on);
  }
  return got;
}

/** Load the flow as box `box` ('' = no id), run `fn`, unload. */
async function asBox(file: string, box: string, fn: () => Promise<void>): Promise<void> {
  helper.settings({ reliabilityClock: new FakeClock(at(6)), ...(box ? { reliabilityBoxId: box } : {}) });
  await loadFlow(flow(file));
  try {
    await fn();
  } finally {
    await unloadFlow();
  }
}

/** Consume n containers; the pull order ids that came out. */
async function consume(n: number, from: number): Promise<string[]> {
  const pulls: string[] = [];
  const on = (m: any) => pulls.push(m.payload.orderId);
  getNode('kb-pull').on('input', on);
  for (let i = 0; i < n; i++) {
    const err = await receiveAndComplete('kb', { action: 'consume', payload: { ts: from + i * 60_000 } });
    if (err) throw err;
  }
  await sleep(5);
  getNode('kb-pull').removeListener('input', on);
  return pulls;
}

describe('box id: one flows.json on several boxes', function () {
  let dir: string;
  const envBefore = process.env[BOX_ENV];
  beforeEach(() => {
    dir = tmpDir('rel-box-');
    delete process.env[BOX_ENV];
  });
  afterEach(async () => {
    await unloadFlow();
    helper.settings({ reliabilityClock: undefined });
    if (envBefore === undefined) delete process.env[BOX_ENV];
    else process.env[BOX_ENV] = envBefore;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('reads the setting, else RELIABILITY_BOX_ID, else none; refuses a malformed id naming where it came from', () => {
    const red = (settings: Record<string, unknown>) => ({ settings }) as unknown as RedApi;
    assert.strictEqual(boxId(red({})), '');
    process.env[BOX_ENV] = 'line-2';
    assert.strictEqual(boxId(red({})), 'line-2');
    assert.strictEqual(boxId(red({ reliabilityBoxId: ' plant.7_a ' })), 'plant.7_a', 'the setting wins, trimmed');
    assert.strictEqual(boxId(red({ reliabilityBoxId: '' })), 'line-2', 'an empty setting falls back to the environment');
    assert.throws(() => boxId(red({ reliabilityBoxId: 'a:b' })), /^InputError: settings\.reliabilityBoxId: expected a box id of letters, digits, "\.", "_" or "-" \(at most 64 characters\), got the string "a:b"$/);
    assert.throws(() => boxId(red({ reliabilityBoxId: 7 })), /settings\.reliabilityBoxId: expected a box id .*got the number 7/);
    assert.throws(() => boxId(red({ reliabilityBoxId: 'x'.repeat(65) })), /settings\.reliabilityBoxId: expected a box id/);
    process.env[BOX_ENV] = 'two words';
    assert.throws(() => boxId(red({})), /^InputError: env RELIABILITY_BOX_ID: expected a box id .*got the string "two words"$/);
    assert.strictEqual(parseBoxId('   ', 'x'), '');
    assert.strictEqual(boxScope('', 'kanban:kb'), 'kanban:kb');
    assert.strictEqual(boxScope('line-2', 'kanban:kb'), 'line-2:kanban:kb');
  });

  it('two boxes on one database file keep separate Kanban, Andon, OEE, takt and buffer state; each finds its own again', async () => {
    const file = path.join(dir, 'shared.db');
    await asBox(file, 'A', async () => {
      assert.deepStrictEqual(await consume(4, at(7)), ['bolt-m8#1']);
      await ask('an', 'an-out', 'raise', { station: 'st-1', kind: 'machine', text: 'from A' });
      await ask('oee', 'oee-out', 'state', { asset: 'press-1', state: 'running', ts: at(6) });
      await ask('oee', 'oee-out', 'count', { asset: 'press-1', good: 100, total: 100, ts: at(7) });
      await ask('tk', 'tk-out', 'cycle', { asset: 'press-1', cycleTimeS: 50, ts: at(7) });
      await ask('buf', 'buf-out', 'delivery', { item: 'gear', leadTimeDays: 4, ts: at(7) });
    });
    await asBox(file, 'B', async () => {
      // B's loop is new: 18 cards full, its own order numbers from #1
      const k = (await ask('kb', 'kb-out', 'status', {})).payload.kanban;
      assert.deepStrictEqual([k.cards, k.onHand, k.inTransit, k.pulls], [18, 18, 0, 0]);
      assert.deepStrictEqual(await consume(3, at(8)), ['bolt-m8#1']);
      assert.deepStrictEqual((await ask('an', 'an-out', 'board', {})).payload.andon, [], "A's call is not on B's board");
      await ask('an', 'an-out', 'raise', { station: 'st-1', kind: 'quality', text: 'from B' });
      const o = (await ask('oee', 'oee-out', 'report', { asset: 'press-1', ts: at(8) })).payload.oee;
      assert.deepStrictEqual([o.total, o.state, o.rolling.shifts], [0, 'unknown', 0], "A's counts, state and shift record are not B's");
      const t = (await ask('tk', 'tk-out', 'report', { asset: 'press-1', ts: at(8) })).payload.takt;
      assert.deepStrictEqual([t.cycles, t.cycleMedianS], [0, null]);
      const b = (await ask('buf', 'buf-out', 'advise', { item: 'gear', ts: at(8) })).payload.buffer;
      assert.strictEqual(b.deliveries, 0);
    });
    await asBox(file, 'A', async () => {
      const k = (await ask('kb', 'kb-out', 'status', { ts: at(9) })).payload.kanban;
      assert.deepStrictEqual([k.onHand, k.inQueue, k.inTransit, k.pulls], [14, 1, 3, 1], "A's loop as A left it");
      assert.deepStrictEqual(await consume(2, at(9)), ['bolt-m8#2']);
      assert.deepStrictEqual((await ask('an', 'an-out', 'board', {})).payload.andon.map((c: any) => c.text), ['from A']);
      const o = (await ask('oee', 'oee-out', 'report', { asset: 'press-1', ts: at(8) })).payload.oee;
      assert.deepStrictEqual([o.total, o.state, o.rolling.shifts], [100, 'running', 1]);
      const t = (await ask('tk', 'tk-out', 'report', { asset: 'press-1', ts: at(8) })).payload.takt;
      assert.deepStrictEqual([t.cycles, t.cycleMedianS], [1, 50]);
      assert.strictEqual((await ask('buf', 'buf-out', 'advise', { item: 'gear', ts: at(8) })).payload.buffer.deliveries, 1);
    });
    const db = new Database(file, { readonly: true });
    try {
      const scopes = db.prepare('SELECT DISTINCT scope FROM node_state ORDER BY scope').all().map((r: any) => r.scope);
      assert.deepStrictEqual(scopes, ['A:buffer:buf', 'A:kanban:kb', 'A:oee:oee', 'A:takt:tk', 'B:kanban:kb']);
      const calls = db.prepare('SELECT scope, text FROM jit_andon_call ORDER BY id').all().map((r: any) => [r.scope, r.text]);
      assert.deepStrictEqual(calls, [['A:andon:an', 'from A'], ['B:andon:an', 'from B']]);
      const shifts = db.prepare('SELECT DISTINCT scope FROM jit_oee_shift ORDER BY scope').all().map((r: any) => r.scope);
      assert.deepStrictEqual(shifts, ['A:oee:oee']);
    } finally {
      db.close();
    }
  });

  it('without a box id the keys are as before: state saved by an earlier version loads', async () => {
    const file = path.join(dir, 'old.db');
    // what an earlier version left: the loop of rel-kanban "kb" under scope kanban:kb, 2 containers queued
    await asBox(file, '', async () => {
      assert.deepStrictEqual(await consume(2, at(7)), []);
    });
    let db = new Database(file, { readonly: true });
    const rows = db.prepare('SELECT scope, state_key FROM node_state').all().map((r: any) => `${r.scope}/${r.state_key}`);
    db.close();
    assert.deepStrictEqual(rows, ['kanban:kb/bolt-m8']);
    db = new Database(file);
    const saved = JSON.parse((db.prepare("SELECT value FROM node_state WHERE scope = 'kanban:kb'").get() as any).value);
    db.prepare("UPDATE node_state SET value = ? WHERE scope = 'kanban:kb'").run(JSON.stringify({ ...saved, seq: 41, pulls: 41 }));
    db.close();
    await asBox(file, '', async () => {
      assert.deepStrictEqual(await consume(1, at(8)), ['bolt-m8#42'], 'the saved loop continues: third container, order #42');
    });
    // a box that is given an id starts its own state
    await asBox(file, 'line-2', async () => {
      assert.deepStrictEqual(await consume(3, at(8)), ['bolt-m8#1']);
    });
  });

  it('a malformed box id refuses the JIT nodes at deploy, saying which setting and why', async () => {
    const file = path.join(dir, 'bad.db');
    helper.settings({ reliabilityBoxId: 'line 2' });
    await loadFlow(flow(file));
    const logged = helper.log().args.map((a: any[]) => a[0]).filter((e: any) => e && e.level === 20);
    for (const id of ['kb', 'an', 'oee', 'tk', 'buf'])
      assert.ok(logged.some((e: any) => e.id === id && /^settings\.reliabilityBoxId: expected a box id .*got the string "line 2"/.test(String(e.msg))), `${id}: ${JSON.stringify(logged)}`);
    const err = await receiveAndComplete('kb', { action: 'consume', payload: {} }, 300).catch((e) => e);
    assert.ok(err instanceof Error && /did not call done/.test(err.message), 'a refused node takes no input');
  });

  it('two boxes running at the same time on one file (two processes): each gets its own pulls and board', async function () {
    this.timeout(60_000);
    const file = path.join(dir, 'live.db');
    const start = path.join(dir, 'start');
    const child = path.join(__dirname, 'box-child.js');
    /** Start a box; `ready` once its runtime is up, `done` with what it printed. */
    const run = (env: Record<string, string>, box?: string) => {
      const p = spawn(process.execPath, [child, file, start, '7', ...(box ? [box] : [])], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      let up: () => void = () => {};
      const ready = new Promise<void>((r) => (up = r));
      p.stdout.on('data', (d) => {
        out += d;
        if (out.startsWith('ready\n')) up();
      });
      p.stderr.on('data', (d) => (err += d));
      const done = new Promise<any>((resolve, reject) =>
        p.on('exit', (code) => {
          up();
          const last = out.trim().split('\n').pop() ?? '';
          if (code === 0 && last.startsWith('{')) resolve(JSON.parse(last));
          else reject(new Error(`box ${box ?? env[BOX_ENV]} exited ${code}: ${err.slice(-2000)}`));
        }),
      );
      return { ready, done };
    };
    const a = run({}, 'north');
    const b = run({ [BOX_ENV]: 'south' }); // the second box takes its id from the environment
    await Promise.all([a.ready, b.ready]); // both runtimes are up before either starts
    fs.writeFileSync(start, '');
    const [ra, rb] = await Promise.all([a.done, b.done]);
    for (const r of [ra, rb]) {
      assert.deepStrictEqual(r.pulls, ['bolt-m8#1', 'bolt-m8#2'], 'each box orders its own 6 containers, each once');
      assert.deepStrictEqual([r.onHand, r.inTransit], [11, 6]);
    }
    assert.deepStrictEqual(ra.board, ['north']);
    assert.deepStrictEqual(rb.board, ['south']);
    const db = new Database(file, { readonly: true });
    const loops = db.prepare("SELECT scope, value FROM node_state WHERE state_key = 'bolt-m8' ORDER BY scope").all().map((r: any) => [r.scope, JSON.parse(r.value).pulls]);
    db.close();
    assert.deepStrictEqual(loops, [['north:kanban:kb', 2], ['south:kanban:kb', 2]]);
  });
});
