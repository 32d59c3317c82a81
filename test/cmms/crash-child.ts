/**
 * Crash-safety child (run by cmms-crash.spec): writes work-order transitions through the core
 * repository on the asynchronous store over a real SQLite file, one transaction each, and after each commit prints
 * `ack <historyId> <woId> <action> <to>` to stdout (synchronously). The parent SIGKILLs it at a
 * random moment. On start it resumes the orders it finds open, so restarts exercise recovery.
 *
 *   node crash-child.js <db file>
 */
import fs from 'fs';
import { openStore, migrateCore } from '../../nodes/core/store';
import { migrateCmms, WorkOrderRepo, type TransitionAction, type WoStatus } from '../../nodes/core/cmms';

const NEXT: Partial<Record<WoStatus, TransitionAction>> = { open: 'assign', assigned: 'start', 'in-progress': 'complete', done: 'close' };

async function main(): Promise<void> {
  const file = process.argv[2];
  const h = openStore(file);
  migrateCore(h.store);
  await migrateCmms(h.db);
  const repo = new WorkOrderRepo(h.db);
  const lastHistory = async () => (await h.db.one<{ id: number }>('SELECT MAX(id) AS id FROM cmms_wo_history'))!.id;
  const ack = async (wo: number, action: string, to: string) => fs.writeSync(1, `ack ${await lastHistory()} ${wo} ${action} ${to}\n`);
  fs.writeSync(1, 'ready\n');
  for (let i = 0; ; i++) {
    // Resume the oldest order that is not closed, else open a new one (every third as a detection).
    const pending = await h.db.one<{ id: number; status: WoStatus }>("SELECT id, status FROM cmms_work_orders WHERE status <> 'closed' ORDER BY id LIMIT 1");
    if (!pending) {
      const now = Date.now();
      if (i % 3 === 0) {
        const r = await repo.detect({ asset: `pump-${i % 5}`, mode: 'imbalance', severity: 'warning', ts: now });
        await ack(r.workOrder.id, 'detect', 'open');
      } else {
        const w = await repo.create({ asset: `pump-${i % 5}`, title: `crash test ${i}`, ts: now, by: 'child' });
        await ack(w.id, 'create', 'open');
      }
      continue;
    }
    const action = NEXT[pending.status]!;
    const w = await repo.transition({ id: pending.id, action, by: 'child', note: `step ${i}`, ts: Date.now(), downtimeMin: action === 'complete' ? 1 : undefined });
    await ack(w.id, action, w.status);
  }
}

void main();
