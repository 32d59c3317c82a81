/**
 * The storage housekeeper rel-store runs (nodes/core/store/housekeeper.ts), on a fake clock and a
 * real SQLite file: disk level reported at start, a retention pass 30 s after start that rolls up
 * old history, backups on their schedule with the newest kept, failures reported at most once a
 * minute, nothing left running after close.
 */
import assert from 'assert';
import fs from 'fs';
import path from 'path';
import { openStore, openConnections } from '../../nodes/core/store';
import { Housekeeper } from '../../nodes/core/store/housekeeper';
import { DAY_MS, DEFAULT_RETENTION } from '../../nodes/core/store/housekeeping';
import { listBackups } from '../../nodes/core/store/backup';
import { FakeClock } from '../helpers/fake-clock';
import { tmpDir } from '../helpers/red';

const until = async (what: string, ok: () => boolean) => {
  for (let i = 0; i < 200 && !ok(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(ok(), what);
};

describe('store housekeeper', function () {
  this.timeout(60_000);

  it('reports the disk, rolls up old history 30 s after start, backs up on schedule, stops on close', async () => {
    const dir = tmpDir('rel-hkr-');
    const file = path.join(dir, 'reliability.db');
    const T = Date.UTC(2026, 11, 1);
    const h = openStore(file);
    await h.db.run('CREATE TABLE condition_history (asset TEXT NOT NULL, channel TEXT NOT NULL, metric TEXT NOT NULL, bucket INTEGER NOT NULL, n INTEGER NOT NULL, sum REAL NOT NULL, min REAL NOT NULL, max REAL NOT NULL, last REAL NOT NULL, PRIMARY KEY (asset, channel, metric, bucket))');
    // 200 days of 10-minute buckets for one stream
    await h.db.tx(async (q) => {
      for (let t = T - 200 * DAY_MS; t < T; t += 600_000) await q.run('INSERT INTO condition_history VALUES (?, ?, ?, ?, 1, 1, 1, 1, 1)', ['m1', 'machine', 'health', t]);
    });
    h.release();
    const clock = new FakeClock(T);
    const reports: string[] = [];
    const hk = new Housekeeper({
      stores: () => {
        const x = openStore(file);
        return { stores: [x.db], release: () => x.release() };
      },
      retention: DEFAULT_RETENTION,
      dir,
      backup: { file, dir: path.join(dir, 'backups'), everyHours: 24, keep: 2 },
      clock,
      report: (kind, level, text) => reports.push(`${kind} ${level} ${text}`),
    });
    hk.start();
    assert.match(reports[0]!, /^disk (info|warn|error) disk (ok|low|critical): .* free of /);
    clock.advance(30_000);
    await until('the first pass ran', () => hk.lastPass !== undefined);
    assert.ok(hk.lastPass!.rolledUp > 0, 'history older than 90 days rolled up');
    assert.ok(reports.some((r) => /^housekeeping info retention at .*rows rolled into/.test(r)), reports.join('\n'));
    assert.deepStrictEqual(openConnections().filter((c) => c.file.endsWith('reliability.db')), [], 'no connection held between passes');
    for (let d = 1; d <= 3; d++) {
      clock.advance(24 * 3_600_000);
      await until(`backup ${d}`, () => reports.filter((r) => r.startsWith('backup info')).length >= d);
    }
    assert.strictEqual(listBackups(file, path.join(dir, 'backups')).length, 2, 'the newest 2 kept');
    await hk.close();
    assert.strictEqual(clock.pending, 0, 'no timer left');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a failing backup is reported once a minute at most, and the housekeeper keeps going', async () => {
    const dir = tmpDir('rel-hkr-');
    const clock = new FakeClock(Date.UTC(2026, 11, 1));
    const reports: string[] = [];
    const hk = new Housekeeper({
      stores: () => ({ stores: [], release: () => undefined }),
      retention: DEFAULT_RETENTION,
      dir,
      backup: { file: path.join(dir, 'missing.db'), dir: path.join(dir, 'b'), everyHours: 0.01, keep: 2 },
      clock,
      report: (kind, level, text) => reports.push(`${kind} ${level} ${text}`),
    });
    hk.start();
    for (let i = 0; i < 5; i++) {
      clock.advance(36_000);
      await new Promise((r) => setTimeout(r, 30));
    }
    const errors = reports.filter((r) => r.startsWith('backup error'));
    // 5 failures, 36 s apart (t = 36 ... 180 s): reported at 36, 108 and 180 s, not at 72 and 144
    assert.strictEqual(errors.length, 3, errors.join('\n'));
    await hk.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
