/**
 * The plant tier without its server: two boxes (two rel-store configurations on one PostgreSQL
 * database, each with its own local file) keep accepting detections, manual work orders,
 * work-order transitions and stock moves while the PostgreSQL server is stopped for 60 s in the
 * middle of a burst, queue them in their local outbox, show it on the status dot, and replay them
 * when the server is back: every event a node acknowledged is in the database exactly once.
 */
import assert from 'assert';
import fs from 'fs';
import { Client } from 'pg';
import { pgCluster, type PgCluster } from '../helpers/pg';
import { getNode, helper, loadFlow, recordStatus, receiveAndComplete, sleep, tmpDir, unloadFlow } from '../helpers/red';

const OUTAGE_MS = 60_000;
const OFFLINE = /^plant database offline · (\d+) queued$/;

async function until(what: string, cond: () => boolean | Promise<boolean>, ms = 120_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timeout: ${what}`);
    await sleep(100);
  }
}

describe('offline outbox in the nodes: the PostgreSQL server stopped for 60 s mid-burst', function () {
  this.timeout(600_000);
  let cluster: PgCluster;
  let url: string;
  let dir: string;
  const query = async <T>(sql: string, params: unknown[] = []): Promise<T[]> => {
    const c = new Client({ connectionString: url });
    await c.connect();
    try {
      return (await c.query(sql, params)).rows as T[];
    } finally {
      await c.end();
    }
  };
  const pgStore = (id: string, localFile: string) => ({ id, type: 'rel-store', name: `box ${id}`, backend: 'postgres', localFile, poolSize: 4 });

  before(async () => {
    cluster = await pgCluster();
    await cluster.start();
    url = await cluster.createDatabase(`offline_nodes_${process.pid}`);
  });
  beforeEach(() => {
    dir = tmpDir('offline-nodes-');
    helper.settings({ userDir: dir, reliabilityBoxId: 'line3-box' });
  });
  afterEach(async () => {
    await cluster.start();
    await unloadFlow();
    helper.settings({ userDir: undefined, reliabilityBoxId: undefined });
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('detections, manual work orders, transitions and stock moves on two boxes: acknowledged while the server is away (queued, yellow ring with the count), each in the database exactly once after the drain, one open order per (asset, mode)', async () => {
    await loadFlow(
      [
        pgStore('pgA', 'a-local.db'),
        pgStore('pgB', 'b-local.db'),
        { id: 'woA', type: 'rel-work-order', store: 'pgA', wires: [['out'], []] },
        { id: 'woB', type: 'rel-work-order', store: 'pgB', wires: [['out'], []] },
        { id: 'spA', type: 'rel-spares', store: 'pgA', wires: [['out'], []] },
        { id: 'spB', type: 'rel-spares', store: 'pgB', wires: [['out'], []] },
        { id: 'out', type: 'helper' },
      ],
      [],
      { pgA: { url }, pgB: { url } },
    );
    const outputs = new Map<string, any>();
    getNode('out').on('input', (m: any) => outputs.set(m._msgid, m));
    let seq = 0;
    /** Send and wait for done(); the node's output for it. Throws what done() reported. */
    const send = async (id: string, msg: any): Promise<any> => {
      msg._msgid = `t${++seq}`;
      const err = await receiveAndComplete(id, msg, 120_000);
      if (err) throw new Error(`${id} ${msg.action ?? 'detect'}: ${err.message}`);
      // The output is delivered asynchronously (it may follow done()).
      await until(`the output of ${msg._msgid}`, () => outputs.has(msg._msgid), 30_000);
      return outputs.get(msg._msgid);
    };

    // Before the burst, with the server up: parts in stock and orders for the transition lanes.
    assert.ok((await send('spA', { action: 'define', payload: { part: 'brg-6205', leadMeanDays: 5 } })).payload.part);
    await send('spA', { action: 'receive', payload: { part: 'brg-6205', qty: 1000, by: 'stores' } });
    const orders: Record<'A' | 'B', number[]> = { A: [], B: [] };
    for (const box of ['A', 'B'] as const)
      for (let i = 0; i < 40; i++) orders[box].push((await send(`wo${box}`, { action: 'create', payload: { asset: `press-${box}${i}`, title: `overhaul ${i}`, by: 'planner' } })).payload.id);
    const statusA = recordStatus('woA');
    const statusB = recordStatus('spB');

    // The burst: five lanes, each waiting for its node's acknowledgement before its next event.
    let stop = false;
    const acked = { detections: new Map<string, number>(), transitions: new Map<number, string[]>(), moves: { receive: 0, issue: 0 }, creates: [] as string[], createsQueued: 0, queued: 0, direct: 0 };
    const note = (out: any) => (out?.queued === true ? acked.queued++ : acked.direct++);
    const pairs = [
      ['pump-1', 'imbalance'],
      ['pump-2', 'misalignment'],
      ['pump-3', 'bearing-outer-race'],
      ['pump-4', 'health'],
    ] as const;
    const detectLane = async (box: 'A' | 'B') => {
      for (let i = 0; !stop; i++) {
        const [asset, mode] = pairs[i % pairs.length];
        // The three shapes rel-work-order reads: a finding, a rel-diagnose message, a rel-health message.
        const payload =
          mode === 'health'
            ? { asset, ts: Date.now(), health: { score: 61, state: 'warning', contributors: [{ feature: 'rms' }] } }
            : i % 2
              ? { asset, diagnosis: { primary: mode, faults: [{ mode, confidence: 0.8, severity: 'warning', evidence: `box ${box} #${i}` }] } }
              : { asset, mode, severity: 'warning', evidence: `box ${box} #${i}` };
        // A finding needs action detect; rel-diagnose and rel-health messages are read as detections.
        note(await send(`wo${box}`, 'mode' in payload ? { action: 'detect', payload } : { payload }));
        acked.detections.set(`${asset}/${mode}`, (acked.detections.get(`${asset}/${mode}`) ?? 0) + 1);
        await sleep(150);
      }
    };
    const STEPS = ['assign', 'start', 'hold', 'start', 'complete', 'close'] as const;
    const transitionLane = async (box: 'A' | 'B') => {
      for (const id of orders[box]) {
        for (const action of STEPS) {
          if (stop) return;
          const payload: any = { id, by: `tech-${box}`, note: `${action} on box ${box}` };
          if (action === 'assign') payload.assignee = 'ann';
          if (action === 'complete') payload.downtimeMin = 5;
          note(await send(`wo${box}`, { action, payload }));
          acked.transitions.set(id, [...(acked.transitions.get(id) ?? []), action]);
          await sleep(150);
        }
      }
    };
    const sparesLane = async () => {
      for (let i = 0; !stop; i++) {
        const kind = i % 3 === 2 ? 'issue' : 'receive';
        note(await send(kind === 'issue' ? 'spB' : 'spA', { action: kind, payload: { part: 'brg-6205', qty: 1, by: 'stores', note: `move ${i}` } }));
        acked.moves[kind]++;
        await sleep(150);
      }
    };
    const createLane = async () => {
      for (let i = 0; !stop; i++) {
        const title = `rebuild ${i}`;
        const out = await send(i % 2 ? 'woB' : 'woA', { action: 'create', payload: { asset: `conveyor-${i}`, title, by: 'planner' } });
        note(out);
        if (out?.queued === true) acked.createsQueued++;
        else assert.strictEqual(out.payload.title, title, 'applied at once: the order');
        acked.creates.push(title);
        await sleep(300);
      }
    };
    const lanes = Promise.all([detectLane('A'), detectLane('B'), transitionLane('A'), transitionLane('B'), sparesLane(), createLane()]);
    const failed = lanes.then(
      () => undefined,
      (e) => {
        stop = true;
        return e;
      },
    );

    const wait = async (ms: number) => {
      const end = Date.now() + ms;
      while (Date.now() < end && !stop) await sleep(200);
    };
    await wait(8_000);
    const beforeOutage = acked.direct;
    await cluster.stop();
    const stoppedAt = Date.now();
    let queuedSeen = 0;
    while (Date.now() - stoppedAt < OUTAGE_MS && !stop) {
      queuedSeen = Math.max(queuedSeen, getNode('pgA').queued() + getNode('pgB').queued());
      await sleep(500);
    }
    const queuedDuringOutage = acked.queued;
    await cluster.start();
    await wait(8_000);
    stop = true;
    const laneError = await failed;
    await lanes.catch(() => undefined);
    assert.strictEqual(laneError, undefined, `every event was acknowledged: ${laneError}`);
    await until('both boxes drained', () => getNode('pgA').queued() === 0 && getNode('pgB').queued() === 0);
    await until('the status is back to normal', () => {
      const last = statusA[statusA.length - 1];
      return last?.fill === 'green' && /open WOs?$/.test(last.text);
    });
    await until('the spares status is back to normal', () => {
      const last = statusB[statusB.length - 1];
      return (last?.fill === 'green' || last?.fill === 'yellow') && last.shape === 'dot';
    });

    // Both paths ran; the outage was seen by the nodes and the rel-store.
    assert.ok(beforeOutage > 20, `events applied before the outage: ${beforeOutage}`);
    assert.ok(queuedDuringOutage > 100, `events queued during the outage: ${queuedDuringOutage}`);
    assert.ok(queuedSeen > 0, 'rel-store queued() counted them');
    const offlineCounts = [...statusA, ...statusB].map((s) => OFFLINE.exec(s.text ?? '')).filter(Boolean).map((m) => Number(m![1]));
    assert.ok(offlineCounts.some((n) => n > 0), `the status showed "plant database offline · N queued": ${JSON.stringify(statusA.slice(-5))}`);
    for (const s of [...statusA, ...statusB].filter((x) => OFFLINE.test(x.text ?? ''))) assert.deepStrictEqual([s.fill, s.shape], ['yellow', 'ring']);

    // Detections: one open order per (asset, mode), detections = every acknowledged one of both boxes, one 'detect' history row.
    const det = await query<{ asset: string; mode: string; n: number; open: number; d: number }>(
      "SELECT asset, mode, COUNT(*)::int AS n, SUM(is_open)::int AS open, SUM(detections)::int AS d FROM cmms_work_orders WHERE source = 'condition' GROUP BY asset, mode ORDER BY asset",
    );
    assert.deepStrictEqual(
      det.map((r) => [r.asset, r.mode, r.n, r.open, r.d]),
      pairs.map(([a, m]) => [a, m, 1, 1, acked.detections.get(`${a}/${m}`)]),
    );
    const detHist = await query<{ n: number }>("SELECT COUNT(*)::int AS n FROM cmms_wo_history h JOIN cmms_work_orders w ON w.id = h.wo_id WHERE w.source = 'condition'");
    assert.strictEqual(detHist[0].n, pairs.length, 'one detect history row per order, nothing else');

    // Transitions: each order's history is its creation and exactly the acknowledged transitions, in order.
    const hist = await query<{ wo_id: number; action: string }>("SELECT h.wo_id::int AS wo_id, h.action FROM cmms_wo_history h JOIN cmms_work_orders w ON w.id = h.wo_id WHERE w.source = 'manual' ORDER BY h.id");
    const byOrder = new Map<number, string[]>();
    for (const h of hist) byOrder.set(h.wo_id, [...(byOrder.get(h.wo_id) ?? []), h.action]);
    let transitions = 0;
    for (const id of [...orders.A, ...orders.B]) {
      const want = ['create', ...(acked.transitions.get(id) ?? [])];
      transitions += want.length - 1;
      assert.deepStrictEqual(byOrder.get(id), want, `history of order ${id}`);
    }
    assert.ok(transitions > 100, `transitions acknowledged: ${transitions}`);

    // Manual work orders: every acknowledged one once, with its creation in its history (queued ones too).
    const made = await query<{ title: string; n: number; h: number }>(
      "SELECT w.title, COUNT(DISTINCT w.id)::int AS n, COUNT(h.id)::int AS h FROM cmms_work_orders w LEFT JOIN cmms_wo_history h ON h.wo_id = w.id WHERE w.title LIKE 'rebuild %' GROUP BY w.title",
    );
    assert.deepStrictEqual(made.map((r) => [r.title, r.n, r.h]).sort(), acked.creates.map((t) => [t, 1, 1]).sort());
    assert.ok(acked.createsQueued > 5, `manual work orders queued during the outage: ${acked.createsQueued}`);

    // Stock moves: every acknowledged move once, the stock agrees.
    const moves = await query<{ kind: string; n: number }>("SELECT kind, COUNT(*)::int AS n FROM cmms_stock_moves WHERE part = 'brg-6205' GROUP BY kind ORDER BY kind");
    assert.deepStrictEqual(moves, [
      ...(acked.moves.issue ? [{ kind: 'issue', n: acked.moves.issue }] : []),
      { kind: 'receive', n: acked.moves.receive + 1 },
    ]);
    const part = await query<{ on_hand: number }>("SELECT on_hand FROM cmms_parts WHERE part = 'brg-6205'");
    assert.strictEqual(Number(part[0].on_hand), 1000 + acked.moves.receive - acked.moves.issue);

    // Each event's key once on the server; nothing left or set aside in either local file.
    const keys = await query<{ n: number }>("SELECT COUNT(*)::int AS n FROM outbox_applied WHERE event_key LIKE 'line3-box:%'");
    const writes = [...acked.detections.values()].reduce((a, b) => a + b, 0) + transitions + acked.moves.receive + acked.moves.issue + acked.creates.length;
    assert.strictEqual(keys[0].n, writes + 1 + 80, 'one applied key per acknowledged write (and the first receive and the 80 orders made before the burst)');
    for (const f of ['a-local.db', 'b-local.db']) {
      const Database = require('better-sqlite3');
      const db = new Database(`${dir}/${f}`, { readonly: true });
      try {
        assert.deepStrictEqual(db.prepare('SELECT COUNT(*) AS n FROM outbox').get(), { n: 0 }, `${f}: outbox empty`);
      } finally {
        db.close();
      }
    }
    // eslint-disable-next-line no-console
    console.log(`      ${writes} writes acknowledged (${acked.queued} queued, ${acked.direct} applied at once; ${acked.creates.length} manual work orders, ${acked.createsQueued} of them queued); largest queue ${queuedSeen}; status counts up to ${Math.max(...offlineCounts)}`);
  });
});
