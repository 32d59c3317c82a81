/**
 * The shared limiter of store-write failures (nodes/core/store/write-failures.ts): which errors
 * count, one report a minute, the count, the end of an episode. The nodes' behaviour on a full
 * disk is test/store/disk-full.spec.ts.
 */
import assert from 'assert';
import Database from 'better-sqlite3';
import fs from 'fs';
import path from 'path';
import { WriteFailures, storeWriteFailure, writeFailureText } from '../../nodes/core/store/write-failures';
import { InputError } from '../../nodes/core/errors';
import { tmpDir } from '../helpers/red';

describe('store write failures', () => {
  it('tells store-write failures from other errors', () => {
    const full = Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
    assert.strictEqual(storeWriteFailure(full), 'disk full');
    assert.strictEqual(storeWriteFailure(Object.assign(new Error('disk I/O error'), { code: 'SQLITE_IOERR_WRITE' })), 'disk I/O error');
    assert.strictEqual(storeWriteFailure(Object.assign(new Error('could not extend file'), { code: '53100' })), 'disk full');
    assert.strictEqual(storeWriteFailure(new Error('closing shift A: x', { cause: full })), 'disk full');
    assert.strictEqual(storeWriteFailure(new Error('closing shift A: attempt to write a readonly database')), 'database read-only');
    assert.strictEqual(storeWriteFailure(new InputError('msg.payload.value', 'a number', 'x')), undefined);
    assert.strictEqual(storeWriteFailure(Object.assign(new Error('UNIQUE constraint failed'), { code: 'SQLITE_CONSTRAINT_PRIMARYKEY' })), undefined);
    assert.strictEqual(storeWriteFailure('a string'), undefined);
  });

  it('a real read-only SQLite file gives an error it counts', () => {
    const dir = tmpDir('rel-wf-');
    const file = path.join(dir, 'ro.db');
    new Database(file).exec('CREATE TABLE t (x INTEGER)');
    const ro = new Database(file, { readonly: true });
    try {
      assert.throws(
        () => ro.prepare('INSERT INTO t VALUES (1)').run(),
        (e: unknown) => storeWriteFailure(e) === 'database read-only',
      );
    } finally {
      ro.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reports the first failure, then at most once a minute, counting every reading; the episode ends once', () => {
    let t = 1_000_000;
    const wf = new WriteFailures(() => t);
    const reports: number[] = [];
    for (let i = 0; i < 600; i++) {
      const r = wf.failed('disk full');
      if (r.report) reports.push(r.notStored);
      t += 1000; // a reading a second for 10 minutes
    }
    assert.deepStrictEqual(reports, [1, 61, 121, 181, 241, 301, 361, 421, 481, 541]);
    assert.strictEqual(wf.notStored, 600);
    const r = wf.failed('disk full');
    assert.match(writeFailureText('rel-health', r, 'database or disk is full'), /^not stored: 601 readings since 1970-01-01T00:16:40\.000Z \(disk full: database or disk is full\); rel-health keeps running/);
    const back = wf.succeeded();
    assert.deepStrictEqual(back, { notStored: 601, since: 1_000_000, ms: 600_000 });
    assert.strictEqual(wf.succeeded(), undefined, 'once');
    assert.strictEqual(wf.notStored, 0);
    assert.strictEqual(wf.failed('disk full').report, true, 'a new episode reports at once');
    assert.strictEqual(wf.total, 602);
  });
});
