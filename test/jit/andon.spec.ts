/** rel-andon with a controllable clock: escalation at exactly the configured times, stop on acknowledge, restart mid-escalation, line stop, statistics. */
import assert from 'assert';
import fs from 'fs';
import path from 'path';
import Database from 'better-sqlite3';
import { getNode, helper, loadFlow, receiveAndComplete, recordStatus, sleep, tmpDir, unloadFlow } from '../helpers/red';
import { assetNode, storeNode } from '../helpers/fixtures';
import { fuzzNode } from '../helpers/fuzz';
import { FakeClock } from '../helpers/fake-clock';
import { at } from './shift-script';

const M = 60_000;

function flow(file: string, extra: Record<string, unknown> = {}) {
  return [
    storeNode(file),
    { id: 'andon', type: 'rel-andon', store: 'store1', levels: '2, 5, 10', stations: 'st-1, st-2, conveyor-1', lineStopKinds: 'safety', wires: [['out'], ['esc'], ['line']], ...extra },
    { id: 'out', type: 'helper' },
    { id: 'esc', type: 'helper' },
    { id: 'line', type: 'helper' },
  ];
}

function collect() {
  const c = { out: [] as any[], esc: [] as any[], line: [] as any[] };
  for (const k of ['out', 'esc', 'line'] as const) getNode(k).on('input', (m: any) => c[k].push(m));
  return c;
}

async function send(action: string | undefined, payload: unknown) {
  const msg: any = { payload };
  if (action) msg.action = action;
  const err = await receiveAndComplete('andon', msg);
  await sleep(5);
  return err;
}

/**
 * Advance the fake clock and let the node's sends arrive: a timer's escalation is stored before it
 * is sent, so when `until` is given, wait (at most 5 s) until it holds.
 */
async function advance(clock: FakeClock, ms: number, until?: () => boolean) {
  clock.advance(ms);
  await sleep(10);
  for (const end = Date.now() + 5000; until && !until() && Date.now() < end; ) await sleep(5);
}

/** Errors the node logged so far. */
const errorsOf = (id: string): string[] =>
  helper.log().args.map((a: any[]) => a[0]).filter((e: any) => e && e.id === id && e.level === 20).map((e: any) => String(e.msg));

describe('rel-andon', function () {
  let dir: string;
  let clock: FakeClock;
  const T0 = at(8);
  beforeEach(() => {
    dir = tmpDir('rel-andon-');
    clock = new FakeClock(T0);
    helper.settings({ reliabilityClock: clock });
  });
  afterEach(async () => {
    await unloadFlow();
    helper.settings({ reliabilityClock: undefined });
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('escalates an unacknowledged call at exactly 2 and 5 minutes and stops when acknowledged', async () => {
    await loadFlow(flow(path.join(dir, 'a.db')));
    const c = collect();
    assert.strictEqual(await send('raise', { station: 'st-1', kind: 'quality', text: 'burr on edge' }), undefined);
    const id = c.out[0].payload.call.id;
    assert.strictEqual(c.out[0].payload.andon.length, 1);
    await advance(clock, 2 * M - 1);
    assert.strictEqual(c.esc.length, 0, 'nothing before 2 minutes');
    await advance(clock, 1, () => c.esc.length >= 1);
    assert.strictEqual(c.esc.length, 1);
    assert.strictEqual(c.esc[0].payload.level, 1);
    assert.strictEqual(c.esc[0].payload.escalatedAt, new Date(T0 + 2 * M).toISOString());
    await advance(clock, 3 * M - 1);
    assert.strictEqual(c.esc.length, 1);
    await advance(clock, 1, () => c.esc.length >= 2);
    assert.deepStrictEqual(c.esc.map((m) => [m.payload.level, m.payload.escalatedAt]), [
      [1, new Date(T0 + 2 * M).toISOString()],
      [2, new Date(T0 + 5 * M).toISOString()],
    ]);
    await advance(clock, M);
    assert.strictEqual(await send('ack', { id, by: 'team lead' }), undefined);
    await advance(clock, 30 * M);
    assert.strictEqual(c.esc.length, 2, 'no escalation once acknowledged');
    assert.strictEqual(await send('board', {}), undefined);
    const board = c.out[c.out.length - 1].payload.andon;
    assert.deepStrictEqual(board.map((b: any) => [b.id, b.state, b.level, b.ageS]), [[id, 'acked', 2, 36 * 60]]);
    assert.strictEqual(await send('resolve', { id, by: 'team lead', note: 'deburred' }), undefined);
    const res = c.out[c.out.length - 1].payload;
    assert.strictEqual(res.andon.length, 0);
    assert.deepStrictEqual([res.call.responseS, res.call.resolveS], [6 * 60, 36 * 60]);
    assert.strictEqual(await send('stats', {}), undefined);
    const stats = c.out[c.out.length - 1].payload.stats;
    assert.deepStrictEqual([stats.calls, stats.escalated, stats.ack.meanS, stats.resolve.meanS], [1, 1, 360, 2160]);
  });

  it('survives a restart mid-escalation: levels already sent are not repeated, the next fires on time', async () => {
    const file = path.join(dir, 'restart.db');
    await loadFlow(flow(file));
    let c = collect();
    assert.strictEqual(await send('raise', { station: 'st-2', kind: 'machine', text: 'spindle noise' }), undefined);
    await advance(clock, 3 * M, () => c.esc.length >= 1);
    assert.deepStrictEqual(c.esc.map((m) => m.payload.level), [1]);
    await unloadFlow();
    await loadFlow(flow(file));
    c = collect();
    await advance(clock, 2 * M - 1); // 4:59.999
    assert.strictEqual(c.esc.length, 0);
    await advance(clock, 1, () => c.esc.length >= 1); // 5:00
    assert.deepStrictEqual(c.esc.map((m) => [m.payload.level, m.payload.escalatedAt]), [[2, new Date(T0 + 5 * M).toISOString()]]);
    // down across the 10-minute mark: level 3 fires once on start
    await unloadFlow();
    clock.t = T0 + 12 * M;
    await loadFlow(flow(file));
    c = collect();
    await advance(clock, 0, () => c.esc.length >= 1);
    assert.deepStrictEqual(c.esc.map((m) => m.payload.level), [3]);
    await advance(clock, 60 * M);
    assert.strictEqual(c.esc.length, 1);
    // every call and its escalations are in the file
    const db = new Database(file, { readonly: true });
    const row = db.prepare('SELECT station, kind, state, level, raised_at, escalations FROM jit_andon_call').get() as any;
    db.close();
    assert.deepStrictEqual([row.station, row.kind, row.state, row.level, row.raised_at], ['st-2', 'machine', 'open', 3, T0]);
    assert.deepStrictEqual(JSON.parse(row.escalations).map((e: any) => e.level), [1, 2, 3]);
  });

  it('a timer escalation the store refuses: node.error and a red status, no unhandled rejection; tried again 10 s later', async () => {
    const file = path.join(dir, 'down.db');
    await loadFlow(flow(file));
    const c = collect();
    const shown = recordStatus('andon');
    const rejections: unknown[] = [];
    const onRejection = (e: unknown) => rejections.push(e);
    process.on('unhandledRejection', onRejection);
    try {
      assert.strictEqual(await send('raise', { station: 'st-1', kind: 'machine' }), undefined);
      const other = new Database(file);
      other.exec('ALTER TABLE jit_andon_call RENAME TO jit_andon_call_away');
      await advance(clock, 2 * M, () => errorsOf('andon').length > 0); // the timer fires; its transaction fails
      assert.strictEqual(c.esc.length, 0);
      const logged = errorsOf('andon');
      assert.ok(logged.some((m) => /no such table: jit_andon_call/.test(m)), JSON.stringify(logged));
      assert.deepStrictEqual([shown[shown.length - 1]?.fill, /no such table/.test(shown[shown.length - 1]?.text)], ['red', true]);
      other.exec('ALTER TABLE jit_andon_call_away RENAME TO jit_andon_call');
      other.close();
      await advance(clock, 10_000 - 1);
      assert.strictEqual(c.esc.length, 0, 'no storm of retries');
      await advance(clock, 1, () => c.esc.length >= 1);
      assert.deepStrictEqual(c.esc.map((m) => [m.payload.level, m.payload.escalatedAt]), [[1, new Date(T0 + 2 * M + 10_000).toISOString()]]);
      await advance(clock, 3 * M - 10_000, () => c.esc.length >= 2); // level 2 back on its own time
      assert.deepStrictEqual(c.esc.map((m) => m.payload.level), [1, 2]);
      assert.strictEqual(shown[shown.length - 1]?.fill, 'yellow');
    } finally {
      process.removeListener('unhandledRejection', onRejection);
    }
    assert.deepStrictEqual(rejections, []);
  });

  it('keeps the line stop a level set across a restart', async () => {
    const file = path.join(dir, 'stop-level.db');
    await loadFlow(flow(file, { lineStopLevel: 2 }));
    let c = collect();
    assert.strictEqual(await send('raise', { station: 'st-1', kind: 'material' }), undefined);
    await advance(clock, 5 * M, () => c.esc.length >= 2);
    assert.deepStrictEqual(c.line.map((m) => [m.action, m.payload.reason]), [['line-stop', `Call ${c.out[0].payload.call.id} (material call at st-1) not acknowledged: escalation level 2 reached`]]);
    assert.deepStrictEqual(c.esc.map((m) => [m.payload.level, m.payload.lineStop]), [[1, false], [2, true]]);
    await unloadFlow();
    await loadFlow(flow(file, { lineStopLevel: 2 }));
    c = collect();
    assert.strictEqual(await send('board', {}), undefined);
    assert.strictEqual(c.out[0].payload.andon[0].lineStop, true);
    assert.strictEqual(await send('resolve', { id: c.out[0].payload.andon[0].id, by: 'lead' }), undefined);
    assert.deepStrictEqual(c.line.map((m) => m.action), ['line-release']);
  });

  it('stops the line on a safety call and releases it when resolved; a rel-health alarm raises a machine call', async () => {
    await loadFlow(flow(path.join(dir, 'line.db')));
    const c = collect();
    assert.strictEqual(await send('raise', { station: 'st-1', kind: 'safety', text: 'guard open', source: 'button' }), undefined);
    assert.deepStrictEqual(c.line.map((m) => [m.action, m.payload.stop, m.payload.station]), [['line-stop', true, 'st-1']]);
    const id = c.out[0].payload.call.id;
    assert.strictEqual(await send(undefined, { asset: 'conveyor-1', health: { score: 42, state: 'alarm' } }), undefined);
    const h = c.out[1].payload.call;
    assert.deepStrictEqual([h.station, h.kind, h.source, h.text], ['conveyor-1', 'machine', 'health', 'Machine health alarm – conveyor-1 (health 42 of 100)']);
    // the same alarm again updates the open call instead of raising another
    assert.strictEqual(await send(undefined, { asset: 'conveyor-1', health: { score: 38, state: 'alarm' } }), undefined);
    assert.strictEqual(c.out[2].payload.andon.length, 2);
    assert.strictEqual(await send('resolve', { id, by: 'safety officer' }), undefined);
    assert.deepStrictEqual(c.line.map((m) => m.payload.stop), [true, false]);
    assert.deepStrictEqual(c.line.map((m) => m.payload.reason), [`Safety call at st-1: guard open`, `Call ${id} (safety call at st-1) resolved by safety officer`]);
  });

  it('writes its texts in the node\'s language with the asset\'s name: health calls, escalations, line reasons (German)', async () => {
    await loadFlow([
      ...flow(path.join(dir, 'de.db'), { language: 'de', lineStopLevel: 2 }),
      assetNode({ id: 'asset-c1', assetId: 'conveyor-1', name: 'Förderband 1' }),
    ]);
    const c = collect();
    assert.strictEqual(await send(undefined, { asset: 'conveyor-1', health: { score: 9.4, state: 'alarm' } }), undefined);
    const h = c.out[0].payload.call;
    assert.strictEqual(h.text, 'Maschinenzustand Alarm – Förderband 1 (Zustand 9 von 100)');
    // a later state updates the open call's text
    assert.strictEqual(await send(undefined, { asset: 'conveyor-1', health: { score: 55, state: 'warning' } }), undefined);
    assert.strictEqual(c.out[1].payload.call.text, 'Maschinenzustand Warnung – Förderband 1 (Zustand 55 von 100)');
    await advance(clock, 5 * M, () => c.esc.length >= 2 && c.line.length >= 1);
    assert.deepStrictEqual(c.esc.map((m) => m.payload.message), [
      'Maschinenruf an Förderband 1 nach 2\u00a0min nicht quittiert: Eskalationsstufe 1. Maschinenzustand Warnung – Förderband 1 (Zustand 55 von 100)',
      'Maschinenruf an Förderband 1 nach 5\u00a0min nicht quittiert: Eskalationsstufe 2. Maschinenzustand Warnung – Förderband 1 (Zustand 55 von 100)',
    ]);
    assert.deepStrictEqual(c.line.map((m) => m.payload.reason), [`Ruf ${h.id} (Maschinenruf an Förderband 1) nicht quittiert: Eskalationsstufe 2 erreicht`]);
    assert.strictEqual(await send('resolve', { id: h.id, by: 'Maria' }), undefined);
    assert.strictEqual(c.line[1].payload.reason, `Ruf ${h.id} (Maschinenruf an Förderband 1) von Maria erledigt`);
  });

  it('refuses a language it does not write (a red status naming the field) and writes English for a flow saved without one', async () => {
    await loadFlow([...flow(path.join(dir, 'lang.db')), { id: 'andon-fr', type: 'rel-andon', store: 'store1', language: 'fr', wires: [] }]);
    const logged = errorsOf('andon-fr');
    assert.ok(logged.some((m) => /^language: expected en or de, got .*fr/.test(m)), JSON.stringify(logged));
    const c = collect();
    assert.strictEqual(await send('raise', { station: 'st-2', kind: 'machine' }), undefined);
    await advance(clock, 2 * M, () => c.esc.length >= 1);
    assert.strictEqual(c.esc[0].payload.message, 'Machine call at st-2 not acknowledged after 2\u00a0min: escalation level 1');
  });

  it('bad input: unknown station, unknown kind, unknown call, ack twice: clear errors, board unharmed', async () => {
    await loadFlow(flow(path.join(dir, 'bad.db')));
    const c = collect();
    assert.strictEqual(await send('raise', { station: 'st-1', kind: 'material' }), undefined);
    const id = c.out[0].payload.call.id;
    assert.strictEqual(await send('ack', { id, by: 'op' }), undefined);
    const cases: [string, unknown, RegExp][] = [
      ['raise', { station: 'st-9', kind: 'machine' }, /^msg\.payload\.station: expected one of the configured stations \(st-1, st-2, conveyor-1\), got the string "st-9"/],
      ['raise', { station: 'st-1', kind: 'fire' }, /^msg\.payload\.kind: expected one of quality, machine, material, safety/],
      ['ack', { id: 999, by: 'op' }, /^andon call 999 not found/],
      ['ack', { id, by: 'op' }, new RegExp(`^andon call ${id} is already acknowledged`)],
      ['ack', { id: -1, by: 'op' }, /^msg\.payload\.id: expected a number >= 1/],
      ['resolve', { id, by: 'op', ts: T0 - 60 * M }, /^msg\.payload\.ts: expected a time at or after .*events out of order/],
      ['page', {}, /^msg\.action: expected one of raise, ack, resolve, board, stats, tick, health/],
    ];
    for (const [action, payload, re] of cases) {
      const err = await send(action, payload);
      assert.ok(err && re.test(err.message), `${action}: ${err?.message}`);
    }
    assert.strictEqual(await send('board', {}), undefined);
    assert.deepStrictEqual(c.out[c.out.length - 1].payload.andon.map((b: any) => [b.id, b.state]), [[id, 'acked']]);
  });

  it('a call raised with a time 30 days ahead (a PLC with a wrong clock) waits quietly: no timer storm, no escalation', async () => {
    helper.settings({ reliabilityClock: undefined }); // the system clock: Node's timers, with their 2^31-1 ms limit
    await loadFlow(flow(path.join(dir, 'f.db')));
    const c = collect();
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on('warning', onWarning);
    try {
      assert.strictEqual(await send('raise', { station: 'st-1', kind: 'machine', ts: Date.now() + 30 * 24 * 60 * M }), undefined);
      await sleep(300);
    } finally {
      process.removeListener('warning', onWarning);
    }
    assert.deepStrictEqual(warnings.filter((w) => w === 'TimeoutOverflowWarning'), [], 'no timer overflow');
    assert.strictEqual(c.esc.length, 0, 'nothing escalated');
    assert.strictEqual(c.out.length, 1, 'the raise answered once');
  });

  it('survives the fuzz harness and still escalates', async () => {
    await fuzzNode({
      flow: flow(path.join(dir, 'fuzz.db'), { stations: '' }),
      nodeId: 'andon',
      keys: ['station', 'kind', 'text', 'source', 'id', 'by', 'note', 'ts', 'asset', 'health'],
      actions: ['raise', 'ack', 'resolve', 'board', 'stats', 'tick', 'health'],
      runs: 600,
      allowErrors: [/^andon call \d+ (not found|is already)/],
      keepLoaded: true,
      sanity: async () => {
        const c = collect();
        assert.strictEqual(await send('raise', { station: 'sane', kind: 'machine' }), undefined);
        const id = c.out[0].payload.call.id;
        await advance(clock, 2 * M, () => c.esc.some((m) => m.payload.id === id && m.payload.level === 1));
        assert.ok(c.esc.some((m) => m.payload.id === id && m.payload.level === 1));
      },
    });
  });
});
