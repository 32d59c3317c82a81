/**
 * Crash child of follow-ups-crash.spec: a burst of detections through the core work-order
 * repository with follow-ups (parts reserved in the order's transaction, an Andon call and a
 * notification through the outbox), the dispatcher delivering them to an Andon board as the node
 * glue would (asynchronously, acknowledged once the board has committed). Cancels every order at
 * its third detection, so the burst opens many orders. The parent SIGKILLs it at random moments;
 * on start it delivers everything undelivered (kick(true)) and carries on where the burst stopped.
 *
 *   node follow-ups-child.js <sqlite file (Andon calls; also cmms without a url)> [postgres url for cmms] [finish]
 *
 * stdout: `ready`, `ack <i>` after each detection, `dup <key>` for a raise the board had already
 * applied, `done <detections>`.
 */
import fs from 'fs';
import { openStore, openPostgres, migrateCoreAsync, type Store } from '../../nodes/core/store';
import { migrateCmms, WorkOrderRepo, FollowUps, FollowUpDispatcher, FollowUpRepo, PartsPlan, followUpMessage, ANDON_SOURCES, type FollowUp } from '../../nodes/core/cmms';
import { migrateJit } from '../../nodes/core/jit/repo';
import { AndonBoard } from '../../nodes/core/jit/andon-board';

export const BURST = 600;
export const ASSETS = ['conveyor-1', 'pump-1', 'compressor-1', 'filler-1', 'mixer-1'];
export const MODES = ['bearing-outer-race', 'imbalance', 'misalignment', 'looseness'];
export const PARTS_RULES = ['bearing-outer-race: SKF-6205-2RS', 'filler-1/bearing-outer-race: SKF-6203-2RS', 'imbalance: BALANCE-KIT x2', 'misalignment: SHIM-SET, BOLT-KIT-M12 x4', 'looseness: BOLT-KIT-M12 x2'].join('\n');
export const PART_IDS = ['SKF-6205-2RS', 'SKF-6203-2RS', 'BALANCE-KIT', 'SHIM-SET', 'BOLT-KIT-M12'];
export const ORIGIN = 'crash-box:rel-work-order:wo';
export const ANDON_SCOPE = 'crash-box:andon:andon';
/** Detections per order before the child cancels it. */
export const PER_ORDER = 3;

/** Detection i of the burst (deterministic, so a restarted child carries on the same sequence). */
export function detection(i: number): { asset: string; mode: string; severity: 'warning' | 'alarm' } {
  return { asset: ASSETS[i % ASSETS.length]!, mode: MODES[(i * 3 + Math.floor(i / 7)) % MODES.length]!, severity: i % 4 === 3 ? 'alarm' : 'warning' };
}

const out = (line: string) => fs.writeSync(1, `${line}\n`);
const tick = () => new Promise<void>((r) => setImmediate(r));

async function main(): Promise<void> {
  const [file, url, finish] = process.argv.slice(2);
  const local = openStore(file!).db;
  const db: Store = url && url !== '-' ? openPostgres({ url, poolSize: 4 }).db : local;
  await migrateCoreAsync(db);
  await migrateCmms(db);
  await migrateJit(local);
  const repo = new WorkOrderRepo(db, { followUps: new FollowUps(db, { origin: ORIGIN, parts: PartsPlan.parse(PARTS_RULES), andon: { kind: 'machine', sources: ANDON_SOURCES } }) });
  // Stock enough for every reservation of the burst (one transaction: all or nothing).
  await db.tx(async (q) => {
    if (await repo.spares.exists(PART_IDS[PART_IDS.length - 1]!, q)) return;
    for (const part of PART_IDS) {
      await repo.spares.define({ part, name: part }, 0, q);
      await repo.spares.adjust({ part, count: 100_000, by: 'child', note: 'stock', ts: 0 }, q);
    }
  });
  const board = new AndonBoard(local, ANDON_SCOPE, { levels: [], stopKinds: [], stopLevel: 0, maxOpen: 10_000 });
  await board.load();
  // What rel-work-order's glue and rel-andon do, without Node-RED: the message goes out, the
  // receiver applies it later in its own transaction, the acknowledgement marks it delivered.
  const send = async (batch: FollowUp[]): Promise<number[]> => {
    await tick();
    for (const f of batch) {
      if (f.kind !== 'andon') continue;
      const m = followUpMessage(f);
      const p = m.payload as { station: string; kind: 'machine'; text: string; source: string; key: string };
      const now = Date.now();
      const step = await board.apply({ type: 'raise', station: p.station, kind: p.kind, text: p.text, source: p.source, key: p.key, ts: now }, now);
      if (step.changed.length === 0 && !step.inserted) out(`dup ${p.key}`);
    }
    return batch.map((f) => f.id);
  };
  const dispatcher = new FollowUpDispatcher(new FollowUpRepo(db), { origin: ORIGIN, now: () => Date.now(), send, batchSize: 25 });
  out('ready');
  await dispatcher.kick(true);
  const cancelDue = async () => {
    for (const r of await db.all<{ id: number }>('SELECT id FROM cmms_work_orders WHERE is_open = 1 AND detections >= ? ORDER BY id', [PER_ORDER]))
      await repo.transition({ id: Number(r.id), action: 'cancel', by: 'child', ts: Date.now() });
  };
  await cancelDue();
  let i = Number((await db.one<{ n: number }>('SELECT COALESCE(SUM(detections), 0) AS n FROM cmms_work_orders'))!.n);
  for (; i < BURST; i++) {
    const r = await repo.detect({ ...detection(i), criticality: 3, evidence: `detection ${i}`, ts: Date.now() });
    out(`ack ${i}`);
    if (r.created || r.escalated) void dispatcher.kick();
    if (r.workOrder.detections >= PER_ORDER) await cancelDue();
  }
  await dispatcher.kick();
  await dispatcher.kick(true);
  out(`done ${i}`);
  if (finish === 'finish') process.exit(0);
  setInterval(() => undefined, 1000);
}

if (require.main === module) void main();
