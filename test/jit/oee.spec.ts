/** rel-oee in a real Node-RED runtime: a scripted shift replayed to the hand-computed figures, persisted shifts, the Rule of 85. */
import assert from 'assert';
import fs from 'fs';
import path from 'path';
import Database from 'better-sqlite3';
import { getNode, recordStatus, helper, loadFlow, nextMessage, receiveAndComplete, sleep, tmpDir, unloadFlow } from '../helpers/red';
import { storeNode } from '../helpers/fixtures';
import { fuzzNode } from '../helpers/fuzz';
import { FakeClock } from '../helpers/fake-clock';
import { SCRIPTED_SHIFT, at } from './shift-script';

const H = 3600_000;
const M = 60_000;

function flow(file: string, extra: Record<string, unknown> = {}) {
  return [
    storeNode(file),
    { id: 'oee', type: 'rel-oee', store: 'store1', shifts: 'early=06:00-14:00', breaks: '10:00-10:30', utcOffset: '0', idealCycleS: 30, wires: [['out']], ...extra },
    { id: 'out', type: 'helper' },
  ];
}

async function send(id: string, action: string, payload: object): Promise<any> {
  const got = nextMessage('out');
  const err = await receiveAndComplete(id, { action, payload });
  if (err) throw err;
  return got;
}

describe('rel-oee', function () {
  let dir: string;
  let clock: FakeClock;
  beforeEach(() => {
    dir = tmpDir('rel-oee-');
    clock = new FakeClock(at(15));
    helper.settings({ reliabilityClock: clock });
  });
  afterEach(async () => {
    await unloadFlow();
    helper.settings({ reliabilityClock: undefined });
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('replays a scripted shift to A, P, Q and OEE within 0.1% of the hand computation, across a restart', async () => {
    const file = path.join(dir, 'oee.db');
    await loadFlow(flow(file));
    const events = [
      ...SCRIPTED_SHIFT.states.map(([ts, state, reason]) => ({ ts, action: 'state', payload: { asset: 'press-1', state, reason, ts } })),
      ...SCRIPTED_SHIFT.counts.map(([ts, good, total]) => ({ ts, action: 'count', payload: { asset: 'press-1', good, total, ts } })),
    ].sort((a, b) => a.ts - b.ts || (a.action === 'count' ? -1 : 1));
    for (const [i, e] of events.entries()) {
      await send('oee', e.action, e.payload);
      if (i === 4) {
        // restart mid-shift: the running state and the shift record come back from the file
        await unloadFlow();
        await loadFlow(flow(file));
      }
    }
    const shown = recordStatus('oee');
    const rep = (await send('oee', 'report', { asset: 'press-1', ts: at(14) })).payload.oee;
    assert.strictEqual(shown[shown.length - 1]?.text, 'OEE 74% · A 87 P 88 Q 97');
    const within = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) / b < 0.001, `${what}: ${a} vs ${b}`);
    within(rep.availability, 365 / 420, 'A');
    within(rep.performance, 320 / 365, 'P');
    within(rep.quality, 620 / 640, 'Q');
    within(rep.oee, 310 / 420, 'OEE');
    assert.deepStrictEqual(rep.losses, { downtimeMin: 55, speedLossMin: 45, scrapMin: 10, plannedStopMin: 30 });
    assert.strictEqual(rep.shift, '2024-03-04/early');
    assert.deepStrictEqual(rep.stopsByReason, { jam: 45 });
    assert.strictEqual(rep.rolling.oee, rep.oee);
    // the shift record is in the file, readable after another restart, by shift id
    await unloadFlow();
    clock.t = at(9, 0, 1);
    // (the next day's first event would also complete the stored record; the report reads it as of now)
    await loadFlow(flow(file));
    const past = (await send('oee', 'report', { asset: 'press-1', shift: '2024-03-04/early' })).payload.oee;
    within(past.oee, 310 / 420, 'stored OEE');
  });

  it('rejects negative counts, good > total, unknown states and events out of order, leaving the figures unharmed', async () => {
    await loadFlow(flow(path.join(dir, 'bad.db')));
    await send('oee', 'state', { asset: 'm1', state: 'running', ts: at(6) });
    await send('oee', 'count', { asset: 'm1', good: 100, total: 100, ts: at(7) });
    const before = (await send('oee', 'report', { asset: 'm1', ts: at(8) })).payload.oee;
    const cases: [string, object, RegExp][] = [
      ['count', { asset: 'm1', good: -5, total: 10, ts: at(7, 30) }, /^msg\.payload\.good: expected a number >= 0/],
      ['count', { asset: 'm1', good: 5, total: -10, ts: at(7, 30) }, /^msg\.payload\.total: expected a number >= 0/],
      ['count', { asset: 'm1', good: 11, total: 10, ts: at(7, 30) }, /^msg\.payload\.good: expected at most the total count \(10\)/],
      ['state', { asset: 'm1', state: 'broken', ts: at(7, 30) }, /^msg\.payload\.state: expected one of running, stopped, planned-stop, idle, got the string "broken"/],
      ['state', { asset: 'm1', state: 'stopped', ts: at(6, 30) }, /^msg\.payload\.ts: expected a time at or after the last event of m1 .*events out of order/],
      ['explode', { asset: 'm1' }, /^msg\.action: expected one of state, count, report, got the string "explode"/],
    ];
    for (const [action, payload, re] of cases) {
      const err = await receiveAndComplete('oee', { action, payload });
      assert.ok(err && re.test(err.message), `${action} ${JSON.stringify(payload)}: ${err?.message}`);
    }
    const after = (await send('oee', 'report', { asset: 'm1', ts: at(8) })).payload.oee;
    assert.deepStrictEqual(after, before);
    assert.strictEqual(after.availability, 1);
    assert.ok(Math.abs(after.performance - (100 * 30) / 7200) < 1e-6);
  });

  it('Rule of 85: 30 consecutive days at OEE >= 85% on the critical asset open the WIP gate', async () => {
    await loadFlow(flow(path.join(dir, 'r85.db'), { criticalAssets: 'press-1' }));
    await send('oee', 'state', { asset: 'press-1', state: 'running', ts: at(6) });
    // 450 available minutes at 30 s ideal = 900 parts at full speed
    for (let d = 0; d < 30; d++) {
      const day0 = d === 0; // day 0: OEE 600 x 0.5 / 450 = 0.667; then 870 x 0.5 / 450 = 0.967
      await send('oee', 'count', { asset: 'press-1', good: day0 ? 600 : 870, total: day0 ? 600 : 900, ts: at(13, 0, d) });
    }
    const r30 = (await send('oee', 'report', { asset: 'press-1', ts: at(7, 0, 30) })).payload.oee.rule85;
    assert.strictEqual(r30.assets['press-1'].streakDays, 29);
    assert.strictEqual(r30.mayCutWip, false);
    assert.match(r30.reason, /keep at least 3 days of WIP: press-1 29\/30 days/);
    await send('oee', 'count', { asset: 'press-1', good: 870, total: 900, ts: at(13, 0, 30) });
    const r31 = (await send('oee', 'report', { asset: 'press-1', ts: at(7, 0, 31) })).payload.oee.rule85;
    assert.strictEqual(r31.assets['press-1'].streakDays, 30);
    assert.ok(Math.abs(r31.assets['press-1'].lastOee - 870 / 900) < 1e-6);
    assert.strictEqual(r31.mayCutWip, true);
  });

  it('Rule of 85 on a Mon-Fri plant: weekends without planned time are skipped and the 30-day streak is reached', async () => {
    await loadFlow(flow(path.join(dir, 'r85-weekdays.db'), { criticalAssets: 'press-1' }));
    // DAY0 is a Monday. Weekdays run the early shift; Friday 14:00 to Monday 06:00 is a planned stop.
    // Day 0 at OEE 66.7%, every later weekday at 96.7%: the 30th good weekday is Monday day 42.
    let r42: any;
    for (let d = 0; d <= 42; d++) {
      const wd = d % 7;
      if (wd >= 5) continue;
      if (wd === 0) await send('oee', 'state', { asset: 'press-1', state: 'running', ts: at(6, 0, d) });
      if (d === 42) r42 = (await send('oee', 'report', { asset: 'press-1', ts: at(7, 0, 42) })).payload.oee.rule85;
      await send('oee', 'count', { asset: 'press-1', good: d === 0 ? 600 : 870, total: d === 0 ? 600 : 900, ts: at(13, 0, d) });
      if (wd === 4) await send('oee', 'state', { asset: 'press-1', state: 'planned-stop', reason: 'weekend', ts: at(14, 0, d) });
    }
    assert.strictEqual(r42.assets['press-1'].streakDays, 29, 'day 0 below 85% ends the streak');
    assert.strictEqual(r42.mayCutWip, false);
    const r43 = (await send('oee', 'report', { asset: 'press-1', ts: at(7, 0, 43) })).payload.oee.rule85;
    assert.strictEqual(r43.assets['press-1'].streakDays, 30);
    assert.strictEqual(r43.assets['press-1'].lastDay, '2024-04-15');
    assert.ok(Math.abs(r43.assets['press-1'].lastOee - 870 / 900) < 1e-6);
    assert.strictEqual(r43.mayCutWip, true);
  });

  it('closes each shift in the store at its end on the clock, without waiting for the next event', async () => {
    const file = path.join(dir, 'live.db');
    clock.t = at(5, 30);
    await loadFlow(flow(file));
    clock.advance(30 * M);
    await send('oee', 'state', { asset: 'press-1', state: 'running' }); // 06:00, no ts: now
    clock.advance(4 * H);
    await send('oee', 'count', { asset: 'press-1', good: 420, total: 420 }); // 10:00
    clock.advance(4 * H + 5 * M); // past 14:00: the shift-end timer fires
    // the timer's store work runs after it fires: wait (at most 5 s) until the record is rewritten at 14:00
    const db = new Database(file, { readonly: true });
    const read = () => db.prepare('SELECT data, updated_at FROM jit_oee_shift WHERE shift_id = ?').get('2024-03-04/early') as any;
    let row = read();
    for (const until = Date.now() + 5000; row.updated_at < at(14) && Date.now() < until; row = read()) await sleep(5);
    db.close();
    const rec = JSON.parse(row.data);
    assert.deepStrictEqual([rec.runMs / M, rec.breakMs / M, rec.good], [450, 30, 420]);
  });

  it('a shift close the store refuses: node.error and a red status, no unhandled rejection; the next event still counts the time', async () => {
    const file = path.join(dir, 'down.db');
    clock.t = at(5, 30);
    await loadFlow(flow(file));
    const shown = recordStatus('oee');
    const rejections: unknown[] = [];
    const onRejection = (e: unknown) => rejections.push(e);
    process.on('unhandledRejection', onRejection);
    try {
      clock.advance(30 * M);
      await send('oee', 'state', { asset: 'press-1', state: 'running' }); // 06:00
      const other = new Database(file);
      other.exec('ALTER TABLE jit_oee_shift RENAME TO jit_oee_shift_away');
      clock.advance(8 * H + 5 * M); // the shift-end timer fires at 14:00; its transaction fails
      const errors = () => helper.log().args.map((a: any[]) => a[0]).filter((e: any) => e && e.id === 'oee' && e.level === 20);
      for (const until = Date.now() + 5000; errors().length === 0 && Date.now() < until; ) await sleep(5);
      const logged = errors();
      assert.ok(logged.some((e: any) => /^closing shift 2024-03-04\/early: no such table: jit_oee_shift/.test(String(e.msg))), JSON.stringify(logged));
      assert.strictEqual(shown[shown.length - 1]?.fill, 'red');
      other.exec('ALTER TABLE jit_oee_shift_away RENAME TO jit_oee_shift');
      other.close();
    } finally {
      process.removeListener('unhandledRejection', onRejection);
    }
    assert.deepStrictEqual(rejections, []);
    // nothing was lost: the asset's state still starts at 06:00, so the next event adds the whole shift
    await send('oee', 'state', { asset: 'press-1', state: 'running', ts: at(6, 0, 1) });
    const rep = (await send('oee', 'report', { asset: 'press-1', shift: '2024-03-04/early' })).payload.oee;
    assert.deepStrictEqual([rep.runMin, rep.availability], [450, 1]);
  });

  it('survives the fuzz harness and still computes', async () => {
    const file = path.join(dir, 'fuzz.db');
    await fuzzNode({
      flow: flow(file),
      nodeId: 'oee',
      keys: ['asset', 'state', 'good', 'total', 'ts', 'reason', 'shift', 'idealCycleS'],
      actions: ['state', 'count', 'report'],
      runs: 600,
      keepLoaded: true,
      sanity: async () => {
        await send('oee', 'state', { asset: 'sane', state: 'running', ts: at(6, 0, 40) });
        await send('oee', 'count', { asset: 'sane', good: 90, total: 100, ts: at(7, 0, 40) });
        const r = (await send('oee', 'report', { asset: 'sane', ts: at(7, 0, 40) })).payload.oee;
        assert.strictEqual(r.quality, 0.9);
        assert.strictEqual(r.availability, 1);
        assert.ok(Math.abs(r.performance - (100 * 30) / 3600) < 1e-6);
      },
    });
  });
});
