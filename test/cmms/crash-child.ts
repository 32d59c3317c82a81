/**
 * Crash-safety child (run by cmms-crash.spec): a box process writing work-order transitions
 * through the core repository on the asynchronous store, one transaction each, and after each
 * commit printing `ack <historyId> <woId> <action> <to> <eventKey>` to stdout (synchronously).
 * The parent SIGKILLs it at a random moment. On start it resumes the orders it finds open, so
 * restarts exercise recovery.
 *
 *   node crash-child.js <db file>                    SQLite: the database is the file
 *   node crash-child.js --pg <url> <local file>      PostgreSQL: the way the nodes write there,
 *        each write records its event key in `outbox_applied` in the same transaction (the
 *        offline outbox's key, nodes/shared/cmms.ts), the local file holding the outbox queue
 */
import fs from 'fs';
import { Outbox, openPostgres, openStore, migrateCoreAsync, type Query, type Store } from '../../nodes/core/store';
import { migrateCmms, WorkOrderRepo, type TransitionAction, type WoStatus } from '../../nodes/core/cmms';

const NEXT: Partial<Record<WoStatus, TransitionAction>> = { open: 'assign', assigned: 'start', 'in-progress': 'complete', done: 'close' };

async function main(): Promise<void> {
  const pg = process.argv[2] === '--pg';
  const local = openStore(pg ? process.argv[4] : process.argv[2]);
  const db: Store = pg ? openPostgres({ url: process.argv[3], poolSize: 2 }).db : local.db;
  await migrateCoreAsync(db);
  await migrateCmms(db);
  const outbox = pg ? new Outbox({ db, local: local.db, handlers: {} }) : undefined;
  if (outbox) {
    await outbox.init();
    await outbox.ready();
  }
  const repo = new WorkOrderRepo(db);
  let seq = 0;
  const run = `${process.pid}-${Date.now().toString(36)}`;
  /** One write: its event key recorded in the same transaction on PostgreSQL. */
  const write = async <T>(fn: (q: Query) => Promise<T>): Promise<{ value: T; key: string; hid: number }> => {
    const key = `crash:${run}:${++seq}`;
    return db.tx(async (q) => {
      if (outbox && !(await outbox.record(q, key))) throw new Error(`key ${key} applied twice`);
      const value = await fn(q);
      const hid = Number((await q.one<{ id: number }>('SELECT MAX(id) AS id FROM cmms_wo_history'))!.id);
      return { value, key, hid };
    });
  };
  const ack = (hid: number, wo: number, action: string, to: string, key: string) => fs.writeSync(1, `ack ${hid} ${wo} ${action} ${to} ${key}\n`);
  fs.writeSync(1, 'ready\n');
  for (let i = 0; ; i++) {
    // Resume the oldest order that is not closed, else open a new one (every third as a detection).
    const pending = await db.one<{ id: number; status: WoStatus }>("SELECT id, status FROM cmms_work_orders WHERE status <> 'closed' ORDER BY id LIMIT 1");
    if (!pending) {
      const now = Date.now();
      if (i % 3 === 0) {
        const r = await write((q) => repo.detect({ asset: `pump-${i % 5}`, mode: 'imbalance', severity: 'warning', ts: now }, q));
        ack(r.hid, r.value.workOrder.id, 'detect', 'open', r.key);
      } else {
        const r = await write((q) => repo.create({ asset: `pump-${i % 5}`, title: `crash test ${i}`, ts: now, by: 'child' }, q));
        ack(r.hid, r.value.id, 'create', 'open', r.key);
      }
      continue;
    }
    const action = NEXT[pending.status]!;
    const r = await write((q) => repo.transition({ id: Number(pending.id), action, by: 'child', note: `step ${i}`, ts: Date.now(), downtimeMin: action === 'complete' ? 1 : undefined }, q));
    ack(r.hid, r.value.id, action, r.value.status, r.key);
  }
}

void main();
