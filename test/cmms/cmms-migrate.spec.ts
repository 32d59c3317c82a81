/**
 * The cmms migrations on a SQLite file holding data from before the latest version: the released
 * versions 1-3 applied and used (open orders, a PM occurrence, stock), then the current track.
 * The data stays, and the repositories work on the old rows.
 */
import assert from 'assert';
import fs from 'fs';
import path from 'path';
import { openStore, migrateCoreAsync, type StoreHandle } from '../../nodes/core/store';
import { CMMS_MIGRATIONS, migrateCmms, SparesRepo, WorkOrderRepo, dedupKey } from '../../nodes/core/cmms';
import { tmpDir } from '../helpers/red';

const T0 = Date.UTC(2024, 0, 1);

describe('cmms migrations on existing data', () => {
  let dir: string;
  let h: StoreHandle;
  beforeEach(async () => {
    dir = tmpDir('cmms-migrate-');
    h = openStore(path.join(dir, 'old.db'));
    await migrateCoreAsync(h.db);
  });
  afterEach(() => {
    h.release();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('every version has its PostgreSQL DDL', () => {
    for (const m of CMMS_MIGRATIONS) assert.ok(m.postgres && m.postgres.length >= 1, `version ${m.version}`);
    const pg = CMMS_MIGRATIONS.flatMap((m) => m.postgres ?? []).join('\n');
    assert.doesNotMatch(pg, /AUTOINCREMENT|\bREAL\b|INTEGER PRIMARY KEY/);
    // the partial unique indexes the invariants rest on exist on both
    for (const ddl of [CMMS_MIGRATIONS[0].up.join('\n'), pg]) {
      assert.match(ddl, /UNIQUE INDEX IF NOT EXISTS cmms_wo_open_dedup ON cmms_work_orders \(dedup_key\) WHERE is_open = 1/);
      assert.match(ddl, /UNIQUE INDEX IF NOT EXISTS cmms_wo_pm_occurrence ON cmms_work_orders \(plan_id, occurrence\) WHERE plan_id IS NOT NULL/);
    }
  });

  it('versions 1-3 with data, then the current track: old rows kept, detections and stock moves work on them', async () => {
    assert.strictEqual(await h.db.migrate('cmms', CMMS_MIGRATIONS.slice(0, 3)), 3);
    // rows as the released version wrote them (no prev_severity / prev_priority)
    await h.db.run(
      `INSERT INTO cmms_work_orders (asset, line, mode, title, criticality, severity, last_severity, priority, status, is_open, dedup_key, source, detections, evidence, first_seen, last_seen, created_at, updated_at)
       VALUES ('fan-1', 'L1', 'imbalance', 'imbalance on fan-1', 4, 'warning', 'warning', 2, 'assigned', 1, ?, 'condition', 7, 'old', ?, ?, ?, ?)`,
      [dedupKey('fan-1', 'imbalance'), T0, T0, T0, T0],
    );
    await h.db.run("INSERT INTO cmms_wo_history (wo_id, ts, action, from_status, to_status, actor, note) VALUES (1, ?, 'detect', NULL, 'open', 'condition', 'old')", [T0]);
    await h.db.run("INSERT INTO cmms_parts (part, on_hand, reserved, updated_at) VALUES ('BRG', 5, 2, ?)", [T0]);
    await h.db.run('INSERT INTO cmms_reservations (part, wo_id, qty) VALUES (?, 1, 2)', ['BRG']);

    // the next start of Node-RED (the file closed and opened again) upgrades it
    h.release();
    const h2 = openStore(path.join(dir, 'old.db'));
    try {
      assert.strictEqual(await migrateCmms(h2.db), CMMS_MIGRATIONS.length);
      assert.deepStrictEqual((await h2.db.versions()).cmms, CMMS_MIGRATIONS.length);
      const wo = new WorkOrderRepo(h2.db);
      const same = await wo.detect({ asset: 'fan-1', mode: 'imbalance', severity: 'watch', ts: T0 + 1000 });
      assert.deepStrictEqual([same.created, same.escalated, same.workOrder.id, same.workOrder.detections, same.workOrder.status], [false, false, 1, 8, 'assigned']);
      const up = await wo.detect({ asset: 'fan-1', mode: 'imbalance', severity: 'alarm', evidence: 'new', ts: T0 + 2000 });
      assert.deepStrictEqual([up.created, up.escalated, up.workOrder.detections, up.workOrder.priority, up.workOrder.evidence], [false, true, 9, 1, 'old\nlatest: new'], 'the first finding stays, the latest follows');
      assert.deepStrictEqual(
        up.workOrder.history!.map((x) => [x.action, x.note]),
        [['detect', 'old'], ['escalate', 'severity warning -> alarm; priority P2 -> P1; new']],
      );
      const sp = new SparesRepo(h2.db);
      const s = await sp.issue({ part: 'BRG', qty: 4, wo: 1, ts: T0 + 3000 });
      assert.deepStrictEqual([s.onHand, s.reserved], [1, 0], 'its own reservation of 2 used first');
    } finally {
      h2.release();
    }
  });
});
