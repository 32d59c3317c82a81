/**
 * Group commit of rel-health's machine mode: the polls delivered together (one PLC read, one tick
 * of a plant) are stored in one transaction, and a poll is acknowledged (its promise resolves, the
 * node sends and calls done) only once that transaction has committed. Real SQLite files; the
 * commit is checked from a second connection at the moment of each acknowledgement, and a child
 * process is SIGKILLed at random moments to show that nothing acknowledged is lost.
 */
import assert from 'assert';
import { runKilledAfterAcks } from '../helpers/child';
import fs from 'fs';
import path from 'path';
import Database from 'better-sqlite3';
import { openStore } from '../../nodes/core/store';
import { MachineMonitor } from '../../nodes/core/condition/machine-monitor';
import { migrateCondition, recordEvent, recordHistory, type ConditionEvent } from '../../nodes/core/condition/repo';
import { getNode, loadFlow, tmpDir, unloadFlow } from '../helpers/red';
import { assetNode, storeNode } from '../helpers/fixtures';
import { ScalarMachine } from './scalar-machine';
import { CFG, MACHINES, T0, assetOf } from './machine-crash-child';

const turn = () => new Promise<void>((r) => setImmediate(r));

/** What the file holds for an asset, read on a connection of its own (committed data only). */
function storedOf(db: Database.Database, asset: string): { lastTs: number | null; seen: number; healthN: number } {
  const row = db.prepare('SELECT state FROM condition_machines WHERE asset = ?').get(asset) as { state: string } | undefined;
  const st = row ? JSON.parse(row.state) : null;
  const n = db.prepare("SELECT COALESCE(SUM(n), 0) AS n FROM condition_history WHERE asset = ? AND metric = 'health'").get(asset) as { n: number };
  return { lastTs: st?.lastTs ?? null, seen: st?.bins?.all?.seen ?? 0, healthN: Number(n.n) };
}

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

describe('machine health group commit (SQLite file)', function () {
  this.timeout(120_000);
  let dir: string;
  beforeEach(() => {
    dir = tmpDir('rel-machine-gc-');
  });
  afterEach(async () => {
    await unloadFlow();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  function monitor(file: string, failOn?: (asset: string, ts: number) => boolean) {
    const h = openStore(file);
    const mon = new MachineMonitor(h.local, CFG, {
      event: (q, e) => recordEvent(q, e as ConditionEvent),
      history: async (q, asset, channel, metric, ts, value) => {
        if (failOn?.(asset, ts)) throw new Error(`disk says no for ${asset}`);
        await recordHistory(q, asset, channel, metric, ts, value, 600_000);
      },
    });
    return { h, mon };
  }

  it('the polls of one tick share one commit; each resolves only once a second connection sees its state and history', async () => {
    const file = path.join(dir, 'gc.db');
    const { h, mon } = monitor(file);
    await migrateCondition(h.local);
    const reader = new Database(file, { readonly: true });
    const sims = Array.from({ length: 20 }, (_, i) => new ScalarMachine(assetOf(i), i + 1));
    const seenAtAck: { asset: string; ts: number; lastTs: number | null; healthN: number }[] = [];
    const before = mon.commits;
    for (let k = 0; k < 10; k++) {
      const t = T0 + k * 1000;
      await Promise.all(
        sims.map((s) =>
          turn()
            .then(() => mon.poll(s.asset, undefined, s.poll(t, { running: true }), t))
            .then(() => {
              // synchronously, when the poll is acknowledged: what another connection can read
              const st = storedOf(reader, s.asset);
              seenAtAck.push({ asset: s.asset, ts: t, lastTs: st.lastTs, healthN: st.healthN });
            }),
        ),
      );
    }
    assert.strictEqual(seenAtAck.length, 200);
    for (const a of seenAtAck) {
      assert.strictEqual(a.lastTs, a.ts, `${a.asset} at ${a.ts}: acknowledged before its state was committed`);
      assert.strictEqual(a.healthN, (a.ts - T0) / 1000 + 1, `${a.asset} at ${a.ts}: acknowledged before its history was committed`);
    }
    assert.strictEqual(mon.commits - before, 10, 'one commit per tick of 20 machines, not one per poll');
    await mon.drain();
    reader.close();
    h.release();
    // a restart: new connection, new monitor; every machine carries on from its 10 stored polls
    const again = monitor(file);
    const status = (await again.mon.status(assetOf(7))) as { bins: { all: { readings: number } } };
    assert.strictEqual(status.bins.all.readings, 10);
    await again.mon.poll(assetOf(7), undefined, sims[7].poll(T0 + 10_000, { running: true }), T0 + 10_000);
    assert.strictEqual(((await again.mon.status(assetOf(7))) as { bins: { all: { readings: number } } }).bins.all.readings, 11);
    await assert.rejects(again.mon.poll(assetOf(3), undefined, sims[3].poll(T0 + 8000, { running: true }), T0 + 8000), /msg\.payload\.ts/, 'the stored last poll time came back');
    await again.mon.drain();
    again.h.release();
  });

  it('a write that fails fails only its machine\'s poll; the others of the batch commit; that machine carries on from what was committed', async () => {
    const file = path.join(dir, 'fail.db');
    const bad = assetOf(3);
    const { h, mon } = monitor(file, (asset, ts) => asset === bad && ts === T0 + 5000);
    await migrateCondition(h.local);
    const sims = Array.from({ length: 8 }, (_, i) => new ScalarMachine(assetOf(i), i + 1));
    const results: Record<number, Record<string, string>> = {};
    for (let k = 0; k < 8; k++) {
      const t = T0 + k * 1000;
      results[k] = {};
      await Promise.all(
        sims.map((s) =>
          turn()
            .then(() => mon.poll(s.asset, undefined, s.poll(t, { running: true }), t))
            .then(
              () => (results[k][s.asset] = 'ok'),
              (e: Error) => (results[k][s.asset] = e.message),
            ),
        ),
      );
    }
    for (let k = 0; k < 8; k++) for (const s of sims) assert.strictEqual(results[k][s.asset], k === 5 && s.asset === bad ? `disk says no for ${bad}` : 'ok', `tick ${k} ${s.asset}`);
    await mon.drain();
    const reader = new Database(file, { readonly: true });
    for (const s of sims) {
      const st = storedOf(reader, s.asset);
      assert.strictEqual(st.lastTs, T0 + 7000);
      // the refused poll left nothing: 7 polls stored for the failed machine, state and history together
      assert.strictEqual(st.seen, s.asset === bad ? 7 : 8, s.asset);
      assert.strictEqual(st.healthN, st.seen, s.asset);
    }
    reader.close();
    h.release();
  });

  it('relearn after polls still waiting for their commit: the relearn wins, the polls are not written back over it', async () => {
    const file = path.join(dir, 'relearn.db');
    const { h, mon } = monitor(file);
    await migrateCondition(h.local);
    const sim = new ScalarMachine(assetOf(0), 1);
    const polls: Promise<unknown>[] = [];
    for (let k = 0; k < 5; k++) polls.push(mon.poll(assetOf(0), undefined, sim.poll(T0 + k * 1000, { running: true }), T0 + k * 1000));
    const relearnt = mon.relearn(assetOf(0), 'tech', 'bearing replaced', T0 + 5000);
    await Promise.all([...polls, relearnt]);
    await mon.drain();
    const reader = new Database(file, { readonly: true });
    assert.strictEqual(storedOf(reader, assetOf(0)).lastTs, null, 'no state row after the relearn');
    reader.close();
    await mon.poll(assetOf(0), undefined, sim.poll(T0 + 6000, { running: true }), T0 + 6000);
    assert.strictEqual(((await mon.status(assetOf(0))) as { bins: { all: { readings: number } } }).bins.all.readings, 1, 'learning again from the first poll after the relearn');
    await mon.drain();
    h.release();
  });

  it('nothing acknowledged is lost: a plant process SIGKILLed at random moments holds every poll it acknowledged, state and history together', async () => {
    const file = path.join(dir, 'crash.db');
    const TICKS = 80;
    const r = rng(Number(process.env.CRASH_SEED ?? 20261207));
    const acked = new Map<string, number>();
    const run = async (killAfter: number | undefined): Promise<{ killed: boolean; done?: [number, number] }> => {
      const c = await runKilledAfterAcks([path.join(__dirname, 'machine-crash-child.js'), file, String(TICKS)], killAfter);
      for (const m of c.out.matchAll(/^ack (\S+) (\d+)$/gm)) acked.set(m[1], Math.max(acked.get(m[1]) ?? 0, Number(m[2])));
      const done = /^done (\d+) (\d+)$/m.exec(c.out);
      if (c.signal === 'SIGKILL' ? !c.killed : c.code !== 0) throw new Error(`child ended with ${c.code ?? c.signal}: ${c.err}`);
      return { killed: c.signal === 'SIGKILL', done: done ? [Number(done[1]), Number(done[2])] : undefined };
    };
    const check = () => {
      const db = new Database(file);
      try {
        for (const [asset, ts] of acked) {
          const st = storedOf(db, asset);
          assert.ok(st.lastTs !== null && st.lastTs >= ts, `${asset}: acknowledged the poll at ${ts}, the file holds ${st.lastTs}`);
          assert.strictEqual(st.healthN, st.seen, `${asset}: state and history committed together`);
        }
      } finally {
        db.close();
      }
    };
    let kills = 0;
    for (let i = 0; i < 4; i++) {
      // kill inside the next 2 to 14 ticks, at a random poll of the tick
      const res = await run(MACHINES * (2 + Math.floor(r() * 12)) + Math.floor(r() * MACHINES));
      assert.ok(res.killed, 'killed while polling');
      kills++;
      check();
    }
    const last = await run(undefined);
    assert.ok(last.done, 'the last run finishes');
    const [commits, polls] = last.done!;
    assert.ok(polls > 0 && polls % MACHINES === 0, `whole ticks polled: ${polls}`);
    assert.ok(commits <= polls / MACHINES + 1, `about one commit per tick of ${MACHINES} machines: ${commits} commits for ${polls} polls`);
    check();
    const db = new Database(file, { readonly: true });
    for (let i = 0; i < MACHINES; i++) {
      const st = storedOf(db, assetOf(i));
      assert.strictEqual(st.lastTs, T0 + (TICKS - 1) * 1000);
      // learning carried on across the restarts; a kill loses at most the one tick not yet committed
      assert.ok(st.seen <= TICKS && st.seen >= TICKS - kills, `${assetOf(i)}: ${st.seen} polls stored of ${TICKS}`);
    }
    db.close();
  });

  it('rel-health in machine mode sends a poll\'s message only after its commit (three machines polled together)', async () => {
    const file = path.join(dir, 'node.db');
    const assets = ['pump-1', 'pump-2', 'pump-3'];
    await loadFlow([
      storeNode(file),
      ...assets.map((a, i) => assetNode({ id: `a${i}`, assetId: a, machineClass: 'iso10816-3:group2:rigid' })),
      { id: 'h1', type: 'rel-health', store: 'store1', mode: 'machine', learnMode: 'hours', learnHours: 0.25, wires: [['out'], []] },
      { id: 'out', type: 'helper' },
    ]);
    const reader = new Database(file, { readonly: true, fileMustExist: true });
    const checked: string[] = [];
    const problems: string[] = [];
    // checked synchronously when the node calls send (before Node-RED's asynchronous delivery):
    // the poll's state is already readable from another connection
    const h1 = getNode('h1');
    const send = h1.send.bind(h1);
    h1.send = (msgs: any) => {
      const m = Array.isArray(msgs) ? msgs[0] : msgs;
      const asset = m.payload.asset as string;
      const st = storedOf(reader, asset);
      if (st.lastTs !== m.payload.health.ts) problems.push(`${asset} at ${m.payload.health.ts}: file holds ${st.lastTs}`);
      checked.push(asset);
      return send(msgs);
    };
    let delivered = 0;
    getNode('out').on('input', () => delivered++);
    const sims = assets.map((a, i) => new ScalarMachine(a, i + 3));
    for (let k = 0; k < 30; k++) {
      const t = T0 + k * 1000;
      for (const s of sims) getNode('h1').receive({ payload: s.poll(t, { running: true }) });
      const want = (k + 1) * assets.length;
      for (let w = 0; checked.length < want && w < 500; w++) await new Promise((r) => setTimeout(r, 10));
      assert.strictEqual(checked.length, want, `tick ${k}`);
    }
    assert.deepStrictEqual(problems, []);
    for (let w = 0; delivered < checked.length && w < 500; w++) await new Promise((r) => setTimeout(r, 10));
    assert.strictEqual(delivered, 90);
    reader.close();
  });
});
