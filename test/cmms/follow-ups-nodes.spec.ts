/**
 * Follow-ups between the nodes in a real Node-RED runtime on a real SQLite file: a new work order
 * reserves its parts in its transaction, raises its Andon call through rel-andon (acknowledged
 * when rel-andon has applied it) and is announced; after a restart the follow-ups left undelivered
 * go out again and a raise rel-andon had already applied changes nothing; an unwired output counts
 * as delivered, a receiver's error does not.
 */
import assert from 'assert';
import fs from 'fs';
import path from 'path';
import Database from 'better-sqlite3';
import { openStore, openConnections, migrateCoreAsync } from '../../nodes/core/store';
import { migrateCmms, SparesRepo } from '../../nodes/core/cmms';
import { getNode, helper, loadFlow, nextMessage, sleep, tmpDir, unloadFlow } from '../helpers/red';
import { storeNode } from '../helpers/fixtures';

const RULES = 'misalignment: SHIM-SET, BOLT-KIT-M12 x4';

function flow(file: string, o: { stations?: string; andonWired?: boolean; notifyWired?: boolean } = {}): object[] {
  return [
    storeNode(file),
    { id: 'wo', type: 'rel-work-order', store: 'store1', parts: RULES, andonKind: 'machine', wires: [['out1'], o.notifyWired === false ? [] : ['out2'], o.andonWired === false ? [] : ['andon']] },
    { id: 'andon', type: 'rel-andon', store: 'store1', levels: '', stations: o.stations ?? '', wires: [['andonOut'], [], []] },
    { id: 'out1', type: 'helper' },
    { id: 'out2', type: 'helper' },
    { id: 'andonOut', type: 'helper' },
  ];
}

function query<T>(file: string, sql: string, params: unknown[] = []): T[] {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare(sql).all(...params) as T[];
  } finally {
    db.close();
  }
}

async function until(what: string, fn: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > end) throw new Error(`timeout waiting for ${what}`);
    await sleep(20);
  }
}

describe('work-order follow-ups between nodes', function () {
  this.timeout(60_000);
  let dir: string;
  let file: string;
  beforeEach(async () => {
    dir = tmpDir('follow-ups-nodes-');
    file = path.join(dir, 'plant.db');
    const h = openStore(file);
    try {
      await migrateCoreAsync(h.db);
      await migrateCmms(h.db);
      const spares = new SparesRepo(h.db);
      for (const part of ['SHIM-SET', 'BOLT-KIT-M12']) {
        await spares.define({ part }, 0);
        await spares.adjust({ part, count: 10, by: 'test', note: 'count', ts: 0 });
      }
    } finally {
      h.release();
    }
  });
  afterEach(async () => {
    await unloadFlow();
    assert.deepStrictEqual(openConnections().filter((c) => c.file === file), [], 'store released');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a new order: parts reserved, one Andon call raised by rel-andon, announced; delivered once acknowledged', async () => {
    await loadFlow(flow(file));
    const o1 = nextMessage('out1');
    const o2 = nextMessage('out2');
    const call = nextMessage('andonOut');
    getNode('wo').receive({ action: 'detect', payload: { asset: 'pump-1', mode: 'misalignment', severity: 'warning' } });
    const wo = (await o1).payload;
    const note = await o2;
    assert.strictEqual(note.topic, 'work-order/new');
    assert.strictEqual(note.payload.id, wo.id);
    assert.deepStrictEqual(note.reserved, [{ part: 'SHIM-SET', qty: 1 }, { part: 'BOLT-KIT-M12', qty: 4 }]);
    const c = (await call).payload.call;
    assert.deepStrictEqual([c.station, c.kind, c.source, c.text], ['pump-1', 'machine', 'work-order', `${wo.number} Shafts misaligned at the coupling – pump-1`]);
    await until('the Andon follow-up acknowledged by rel-andon', () => query<{ n: number }>(file, "SELECT COUNT(*) AS n FROM cmms_follow_ups WHERE kind = 'andon' AND delivered_at IS NOT NULL")[0]!.n === 1);
    // the test helper node never completes a message: the notification stays sent, unacknowledged
    assert.deepStrictEqual(query(file, "SELECT attempts, delivered_at FROM cmms_follow_ups WHERE kind = 'notify'"), [{ attempts: 1, delivered_at: null }]);
    assert.deepStrictEqual(query(file, 'SELECT part, qty FROM cmms_reservations WHERE wo_id = ? ORDER BY part', [wo.id]), [{ part: 'BOLT-KIT-M12', qty: 4 }, { part: 'SHIM-SET', qty: 1 }]);
  });

  it('after a restart: undelivered follow-ups go out, a raise already applied changes nothing', async () => {
    await loadFlow(flow(file));
    const call = nextMessage('andonOut');
    getNode('wo').receive({ action: 'detect', payload: { asset: 'pump-1', mode: 'misalignment', severity: 'warning' } });
    await call;
    await until('delivered', () => query<{ n: number }>(file, "SELECT COUNT(*) AS n FROM cmms_follow_ups WHERE kind = 'andon' AND delivered_at IS NULL")[0]!.n === 0);
    await unloadFlow();
    // As if the box died after rel-andon committed the call but before the acknowledgement was
    // stored, and after a second order committed but before its follow-ups went out.
    const db = new Database(file);
    db.prepare('UPDATE cmms_follow_ups SET delivered_at = NULL').run();
    db.close();
    const h = openStore(file);
    const { WorkOrderRepo, FollowUps, PartsPlan, ANDON_SOURCES } = await import('../../nodes/core/cmms');
    const repo = new WorkOrderRepo(h.db, { followUps: new FollowUps(h.db, { origin: 'rel-work-order:wo', parts: PartsPlan.parse(RULES), andon: { kind: 'machine', sources: ANDON_SOURCES } }) });
    const second = await repo.detect({ asset: 'pump-2', mode: 'misalignment', severity: 'alarm', ts: Date.now() });
    h.release();

    const notes: any[] = [];
    const calls: any[] = [];
    await loadFlow(flow(file));
    getNode('out2').on('input', (m: any) => notes.push(m));
    getNode('andonOut').on('input', (m: any) => calls.push(m));
    await until('every Andon follow-up delivered again', () => query<{ n: number }>(file, "SELECT COUNT(*) AS n FROM cmms_follow_ups WHERE kind = 'andon' AND delivered_at IS NULL")[0]!.n === 0);
    await until('two raises handled', () => calls.length === 2);
    assert.match(calls[0].payload.note, /already raised for wo-follow-up:\d+: nothing changed/);
    assert.strictEqual(calls[1].payload.call.text, `${second.workOrder.number} misalignment on pump-2`);
    await until('both notifications sent again', () => notes.length === 2);
    assert.deepStrictEqual(notes.map((m) => m.topic), ['work-order/new', 'work-order/new']);
    assert.deepStrictEqual(query(file, "SELECT attempts FROM cmms_follow_ups WHERE kind = 'notify' ORDER BY id"), [{ attempts: 1 }, { attempts: 1 }], 'sent again on start: a new series of attempts');
    assert.deepStrictEqual(query(file, "SELECT station FROM jit_andon_call WHERE source = 'work-order' ORDER BY id"), [{ station: 'pump-1' }, { station: 'pump-2' }], 'one call per order');
  });

  it('an unwired output counts as delivered; a receiver that fails does not acknowledge', async () => {
    await loadFlow(flow(file, { notifyWired: false, stations: 'press-1' }));
    const err = new Promise<any>((resolve) => getNode('andon').on('call:error', resolve));
    getNode('wo').receive({ action: 'detect', payload: { asset: 'pump-1', mode: 'misalignment', severity: 'warning' } });
    await until('the notification delivered at send', () => query<{ n: number }>(file, "SELECT COUNT(*) AS n FROM cmms_follow_ups WHERE kind = 'notify' AND delivered_at IS NOT NULL")[0]!.n === 1);
    const e = await err;
    assert.match(String(e.args?.[0] ?? e), /msg\.payload\.station: expected one of the configured stations \(press-1\)/);
    await sleep(200);
    const rows = query<{ sent_at: number | null; attempts: number; delivered_at: number | null }>(file, "SELECT sent_at, attempts, delivered_at FROM cmms_follow_ups WHERE kind = 'andon'");
    assert.strictEqual(rows.length, 1);
    assert.ok(rows[0]!.sent_at !== null && rows[0]!.attempts === 1 && rows[0]!.delivered_at === null, JSON.stringify(rows));
  });
});
