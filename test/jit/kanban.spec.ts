/** rel-kanban in a real Node-RED runtime: a replay with a restart gives each pull signal exactly once; dynamic alpha from rel-health messages. */
import assert from 'assert';
import fs from 'fs';
import path from 'path';
import { getNode, helper, loadFlow, receiveAndComplete, sleep, tmpDir, unloadFlow } from '../helpers/red';
import { storeNode } from '../helpers/fixtures';
import { fuzzNode } from '../helpers/fuzz';
import { FakeClock } from '../helpers/fake-clock';
import { at } from './shift-script';

function flow(file: string, extra: Record<string, unknown> = {}) {
  return [
    storeNode(file),
    {
      id: 'kb', type: 'rel-kanban', store: 'store1', item: 'bolt-m8', containerQty: 50, demand: 400, leadTime: 2, alpha: 0.1,
      trigger: 3, criticalAssets: 'conveyor-1', healthThreshold: 70, wires: [['out'], ['pull']], ...extra,
    },
    { id: 'out', type: 'helper' },
    { id: 'pull', type: 'helper' },
  ];
}

/** Collect every message at the two outputs while the flow is loaded. */
function collect() {
  const status: any[] = [];
  const pulls: any[] = [];
  getNode('out').on('input', (m: any) => status.push(m));
  getNode('pull').on('input', (m: any) => pulls.push(m));
  return { status, pulls };
}

async function send(action: string | undefined, payload: unknown) {
  const msg: any = { payload };
  if (action) msg.action = action;
  const err = await receiveAndComplete('kb', msg);
  await sleep(5);
  return err;
}

describe('rel-kanban', function () {
  let dir: string;
  beforeEach(() => {
    dir = tmpDir('rel-kanban-');
    helper.settings({ reliabilityClock: new FakeClock(at(6)) });
  });
  afterEach(async () => {
    await unloadFlow();
    helper.settings({ reliabilityClock: undefined });
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('replays consumption across a restart: each pull signal exactly once, with item, cards, quantity and due time', async () => {
    const file = path.join(dir, 'kb.db');
    // N = ceil(400 x 2 x 1.1 / 50) = 18 cards; trigger 3 -> a pull every third container
    const events = Array.from({ length: 10 }, (_, i) => ({ item: 'bolt-m8', ts: at(7 + i) }));
    const all: any[] = [];
    await loadFlow(flow(file));
    let c = collect();
    for (const e of events.slice(0, 7)) assert.strictEqual(await send('consume', e), undefined);
    all.push(...c.pulls);
    await unloadFlow();
    await loadFlow(flow(file));
    c = collect();
    for (const e of events.slice(7)) assert.strictEqual(await send('consume', e), undefined);
    assert.strictEqual(await send('status', { item: 'bolt-m8' }), undefined);
    all.push(...c.pulls);
    const day = 86_400_000;
    assert.deepStrictEqual(
      all.map((m) => [m.payload.orderId, m.payload.item, m.payload.containers, m.payload.quantity, m.payload.dueAt]),
      [
        ['bolt-m8#1', 'bolt-m8', 3, 150, new Date(at(9) + 2 * day).toISOString()],
        ['bolt-m8#2', 'bolt-m8', 3, 150, new Date(at(12) + 2 * day).toISOString()],
        ['bolt-m8#3', 'bolt-m8', 3, 150, new Date(at(15) + 2 * day).toISOString()],
      ],
    );
    const st = c.status[c.status.length - 1].payload.kanban;
    assert.deepStrictEqual([st.cards, st.onHand, st.inQueue, st.inTransit, st.pulls], [18, 8, 1, 9, 3]);
    // a delivery brings the oldest order back and records its lead time (2 days)
    assert.strictEqual(await send('deliver', { item: 'bolt-m8', ts: at(9) + 2 * day }), undefined);
    const d = c.status[c.status.length - 1].payload.kanban;
    assert.deepStrictEqual([d.onHand, d.inTransit, d.openOrders.length], [11, 6, 2]);
  });

  it('a redeploy with a higher demand grows the loop and orders the new cards with the next event', async () => {
    const file = path.join(dir, 'redeploy.db');
    await loadFlow(flow(file));
    assert.strictEqual(await send('consume', { ts: at(7) }), undefined);
    await unloadFlow();
    await loadFlow(flow(file, { demand: 500 })); // ceil(500 x 2 x 1.1 / 50) = 22 cards
    const c = collect();
    assert.strictEqual(await send('status', { ts: at(8) }), undefined);
    const st = c.status[0].payload.kanban;
    assert.deepStrictEqual([st.cards, st.onHand, st.inQueue, st.inTransit], [22, 17, 0, 5]);
    assert.deepStrictEqual(c.pulls.map((m) => m.payload.containers), [5], '1 queued + 4 new cards, ordered once');
  });

  it('raises alpha when a critical asset feeding the loop falls below its health threshold, lowers it on recovery, with reasons', async () => {
    await loadFlow(flow(path.join(dir, 'alpha.db')));
    const c = collect();
    const healthMsg = (score: number, state: string, asset = 'conveyor-1') => ({ asset, channel: 'DE-accel', health: { score, state, anomaly: 1, learned: 1 } });
    // a rel-health message needs no action
    assert.strictEqual(await send(undefined, healthMsg(55, 'warning')), undefined);
    const low = c.status[0].payload.kanban;
    assert.strictEqual(low.alpha, 0.3);
    assert.strictEqual(low.cards, 21); // ceil(400 x 2 x 1.3 / 50) = ceil(20.8)
    assert.match(low.reason, /alpha raised 0.1 -> 0.3 \(18 -> 21 cards\): conveyor-1 health 55 below 70/);
    assert.strictEqual(c.pulls.length, 1, 'the three new cards are ordered at once');
    assert.strictEqual(c.pulls[0].payload.containers, 3);
    // another asset does not move it
    assert.strictEqual(await send('health', healthMsg(20, 'alarm', 'fan-9')), undefined);
    assert.strictEqual(c.status[1].payload.kanban.alpha, 0.3);
    assert.match(c.status[1].payload.kanban.note, /fan-9 is not a critical asset/);
    assert.strictEqual(await send('health', healthMsg(92, 'normal')), undefined);
    const up = c.status[2].payload.kanban;
    assert.strictEqual(up.alpha, 0.1);
    assert.strictEqual(up.cards, 18);
    assert.strictEqual(up.retiring, 3);
    assert.match(up.reason, /alpha lowered 0.3 -> 0.1 \(21 -> 18 cards\): critical assets healthy/);
    assert.deepStrictEqual(up.alphaLog.map((x: any) => [x.from, x.to]), [[0.1, 0.3], [0.3, 0.1]]);
  });

  it('learns demand only once consumption spans max(1 day, L): no jump from five consumptions in one shift', async () => {
    // D 400/day, L 2 d, C 50, alpha 0.1: 18 cards. One container an hour from 06:00 on an 8 h shift
    // (400/day); day 1 takes one more at 13:00. Extrapolating 4 h to a day would read 1200/day and 53 cards.
    await loadFlow(flow(path.join(dir, 'learn.db'), { learn: true, trigger: 1 }));
    const c = collect();
    const events: [number, number][] = [];
    for (let d = 0; d < 2; d++) for (let h = 6; h < 14; h++) events.push([at(h, 0, d), d === 1 && h === 13 ? 2 : 1]);
    events.push([at(6, 0, 2), 1]);
    for (const [ts, containers] of events) assert.strictEqual(await send('consume', { ts, containers }), undefined);
    const st = c.status.map((m) => m.payload.kanban);
    const fifth = st[4];
    assert.deepStrictEqual([fifth.cards, fifth.demandPerDay, fifth.learned.demand], [18, 400, false]);
    assert.match(fifth.reason, /demand still being learned \(5 consumption\(s\) over 0.17 of the 2 days .*configured D 400\/day in force/);
    // one day of history is not yet L = 2 days
    assert.deepStrictEqual([st[8].cards, st[8].learned.demand], [18, false]);
    // until the span is reached every pull orders just the emptied container
    assert.deepStrictEqual(c.pulls.slice(0, 16).map((m) => m.payload.containers), [...Array(15).fill(1), 2]);
    assert.ok(st.slice(0, 16).every((k) => k.cards === 18), JSON.stringify(st.map((k) => k.cards)));
    // day 2 06:00: two days of history, 17 containers after the first = 850 units / 2 d = 425/day -> ceil(18.7) = 19 cards
    const last = st[st.length - 1];
    assert.deepStrictEqual([last.learned.demand, last.demandPerDay, last.cards], [true, 425, 19]);
    assert.doesNotMatch(last.reason, /still being learned/);
    assert.strictEqual(c.pulls[c.pulls.length - 1].payload.containers, 2, 'the emptied container and the one new card');
  });

  it('applies a rel-health reading stamped before the last consumption; ignores one older than the last reading', async () => {
    await loadFlow(flow(path.join(dir, 'health-ts.db')));
    const c = collect();
    const healthMsg = (score: number, state: string, ts: number) => ({ asset: 'conveyor-1', channel: 'DE-accel', ts, health: { score, state, anomaly: 1, learned: 1 } });
    assert.strictEqual(await send('consume', { ts: at(10) }), undefined);
    // rel-health keeps the waveform's first-sample time, 5 min before the consumption
    assert.strictEqual(await send(undefined, healthMsg(55, 'warning', at(9, 55))), undefined);
    const low = c.status[1].payload.kanban;
    assert.deepStrictEqual([low.alpha, low.cards], [0.3, 21]);
    assert.match(low.reason, /alpha raised 0.1 -> 0.3 \(18 -> 21 cards\): conveyor-1 health 55 below 70/);
    // 1 queued + 3 new cards, ordered at the loop's time (the consumption), not the reading's
    assert.deepStrictEqual(c.pulls.map((m) => [m.payload.containers, m.payload.orderedAt]), [[4, new Date(at(10)).toISOString()]]);
    // an older reading than the last applied one: ignored, not an error
    assert.strictEqual(await send(undefined, healthMsg(95, 'normal', at(9, 50))), undefined);
    const stale = c.status[2].payload.kanban;
    assert.strictEqual(stale.alpha, 0.3);
    assert.match(stale.note, /conveyor-1 health reading of .* is older than the last one applied .*: ignored/);
    // stock events are still ordered among themselves only
    assert.strictEqual(await send('consume', { ts: at(10, 5) }), undefined);
    assert.strictEqual(await send(undefined, healthMsg(92, 'normal', at(10, 1))), undefined);
    const up = c.status[c.status.length - 1].payload.kanban;
    assert.deepStrictEqual([up.alpha, up.cards], [0.1, 18]);
    assert.match(up.reason, /alpha lowered 0.3 -> 0.1 \(21 -> 18 cards\): critical assets healthy/);
  });

  it('bad input: clear errors and the loop unharmed', async () => {
    await loadFlow(flow(path.join(dir, 'bad.db')));
    const c = collect();
    assert.strictEqual(await send('consume', { ts: at(8) }), undefined);
    const cases: [string, unknown, RegExp][] = [
      ['consume', { containers: -2, ts: at(9) }, /^msg\.payload\.containers: expected a whole number of containers from 1 to 10000, got the number -2/],
      ['consume', { containers: 40, ts: at(9) }, /^msg\.payload\.containers: expected at most the 17 full containers on hand/],
      ['consume', { item: 'nut-m8', ts: at(9) }, /^msg\.payload\.item: expected the item of this loop \(bolt-m8\), got the string "nut-m8"/],
      ['consume', { ts: at(7) }, /^msg\.payload\.ts: expected a time at or after the loop's last event .*events out of order/],
      ['deliver', { ts: at(9) }, /^msg\.payload\.containers: expected a delivery against an open order/],
      ['order', { ts: at(9) }, /^msg\.action: expected one of consume, deliver, status, health, got the string "order"/],
      ['health', { asset: 'conveyor-1', health: { score: -5 } }, /^msg\.payload\.health\.score: expected a number >= 0 and <= 100/],
    ];
    for (const [action, payload, re] of cases) {
      const err = await send(action, payload);
      assert.ok(err && re.test(err.message), `${action}: ${err?.message}`);
    }
    assert.strictEqual(await send('status', {}), undefined);
    const st = c.status[c.status.length - 1].payload.kanban;
    assert.deepStrictEqual([st.cards, st.onHand, st.inQueue, st.inTransit, st.alpha], [18, 17, 1, 0, 0.1]);
  });

  it('refuses a form with zero demand, saying why', async () => {
    await loadFlow(flow(path.join(dir, 'zero.db'), { demand: 0 }));
    const logged = helper.log().args.map((a: any[]) => a[0]).filter((e: any) => e && e.id === 'kb' && e.level === 20);
    assert.ok(logged.some((e: any) => /^demand: expected a number > 0, got the number 0/.test(String(e.msg))), JSON.stringify(logged));
  });

  it('survives the fuzz harness and still pulls', async () => {
    await fuzzNode({
      flow: flow(path.join(dir, 'fuzz.db')),
      nodeId: 'kb',
      keys: ['item', 'containers', 'ts', 'asset', 'health'],
      actions: ['consume', 'deliver', 'status', 'health'],
      runs: 600,
      keepLoaded: true,
      sanity: async () => {
        const c = collect();
        const far = at(0, 0, 400);
        for (let i = 0; i < 3; i++) assert.strictEqual(await send('consume', { ts: far + i }), undefined);
        assert.ok(c.pulls.length >= 1, 'a pull after three consumptions');
        assert.ok(c.status[c.status.length - 1].payload.kanban.cards >= 1);
      },
    });
  });
});
