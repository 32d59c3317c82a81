/**
 * HealthMonitor and RulTracker over the asynchronous Store: a transaction that fails half-way
 * leaves neither the file nor the in-memory rows and points with its state; operations of one
 * instance run in the order they were called, even when not awaited one by one.
 */
import assert from 'assert';
import fs from 'fs';
import path from 'path';
import { DEFAULT_HEALTH, HealthMonitor } from '../../nodes/core/condition/health';
import { DEFAULT_RUL, RulTracker } from '../../nodes/core/condition/rul-tracker';
import { openStore, type Query, type Store, type StoreHandle } from '../../nodes/core/store';
import { tmpDir } from '../helpers/red';

const T0 = Date.parse('2024-03-01T00:00:00Z');
const MIN = 60_000;

/** The store, with statements matching `fail` refused inside transactions while `armed`. */
function flaky(inner: Store, fail: RegExp): Store & { armed: boolean } {
  const s = {
    armed: false,
    dialect: inner.dialect,
    backend: inner.backend,
    location: inner.location,
    all: inner.all.bind(inner),
    one: inner.one.bind(inner),
    run: inner.run.bind(inner),
    insert: inner.insert.bind(inner),
    migrate: inner.migrate.bind(inner),
    versions: inner.versions.bind(inner),
    serverVersion: inner.serverVersion.bind(inner),
    tx: <T>(fn: (q: Query) => Promise<T>) =>
      inner.tx((q) =>
        fn({
          dialect: q.dialect,
          all: q.all.bind(q),
          one: q.one.bind(q),
          insert: q.insert.bind(q),
          run: (sql, params) => (s.armed && fail.test(sql) ? Promise.reject(new Error('disk full (test)')) : q.run(sql, params)),
        }),
      ),
  };
  return s;
}

function healthy(i: number) {
  const n = Math.sin(i * 1.7) * 0.02;
  return { rms: 0.1 * (1 + n), kurtosis: 3 * (1 + n / 2), crest: 4 * (1 - n) };
}

describe('condition over the async store: rollback and order', function () {
  this.timeout(60_000);
  let dir: string;
  let h: StoreHandle;
  beforeEach(() => {
    dir = tmpDir('rel-cond-tx-');
    h = openStore(path.join(dir, 'tx.db'));
  });
  afterEach(() => {
    h.release();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a reading whose transaction fails leaves the stream as it was, in the file and in memory', async () => {
    const store = flaky(h.local, /INSERT INTO condition_history/);
    const mon = new HealthMonitor(store, { ...DEFAULT_HEALTH, learnFrames: 10 });
    for (let i = 0; i < 12; i++) await mon.reading('p1', 'features', { features: healthy(i) }, T0 + i * MIN);
    const row = async () => JSON.stringify(await h.local.all('SELECT * FROM condition_streams'));
    const before = await row();
    const events = async () => (await h.local.one<{ n: number }>('SELECT COUNT(*) AS n FROM condition_events'))!.n;
    const ev0 = await events();
    store.armed = true;
    // a fault reading far in the future: would move lastTs and start the dwell towards alarm
    await assert.rejects(mon.reading('p1', 'features', { features: { ...healthy(12), rms: 0.5 } }, T0 + 1000 * MIN), /disk full \(test\)/);
    store.armed = false;
    assert.strictEqual(await row(), before, 'stream row untouched');
    assert.strictEqual(await events(), ev0, 'no event stored');
    // in memory too: an earlier time than the failed one is still accepted, and the dwell starts afresh
    const o = await mon.reading('p1', 'features', { features: healthy(13) }, T0 + 13 * MIN);
    assert.strictEqual(o.health.state, 'normal');
    const outs = [];
    for (let i = 14; i < 17; i++) outs.push(await mon.reading('p1', 'features', { features: { ...healthy(i), rms: 0.5 } }, T0 + i * MIN));
    assert.deepStrictEqual(outs.map((x) => x.health.state), ['normal', 'normal', 'alarm'], 'three readings of dwell, as if the failed one never was');
  });

  it('an RUL point whose transaction fails is not kept in memory either', async () => {
    const store = flaky(h.local, /INSERT INTO condition_history/);
    const tr = new RulTracker(store, { ...DEFAULT_RUL, minPoints: 3 });
    for (let i = 0; i < 5; i++) await tr.add('f1', 'features', T0 + i * 60 * MIN, 80 - i, true, 'alarm');
    store.armed = true;
    await assert.rejects(tr.add('f1', 'features', T0 + 5 * 60 * MIN, 75, true, 'alarm'), /disk full \(test\)/);
    store.armed = false;
    const stored = (await h.local.one<{ n: number }>('SELECT COUNT(*) AS n FROM condition_rul_points'))!.n;
    assert.strictEqual(stored, 5);
    const out = await tr.add('f1', 'features', T0 + 6 * 60 * MIN, 74, true, 'alarm');
    assert.strictEqual(out.rul!.points, 6, 'the five stored points and this one');
  });

  it('operations called without waiting run in call order', async () => {
    const mon = new HealthMonitor(h.local, { ...DEFAULT_HEALTH, learnFrames: 10 });
    const all = Array.from({ length: 15 }, (_, i) => mon.reading('p1', 'features', { features: healthy(i) }, T0 + i * MIN));
    const outs = await Promise.all(all);
    assert.deepStrictEqual(outs.map((o) => o.health.ts), Array.from({ length: 15 }, (_, i) => T0 + i * MIN));
    assert.deepStrictEqual(outs.map((o) => o.health.state), [...Array(9).fill('learning'), ...Array(6).fill('normal')]);
    const tr = new RulTracker(h.local, { ...DEFAULT_RUL, minPoints: 3 });
    const ruls = await Promise.all(Array.from({ length: 8 }, (_, i) => tr.add('f1', 'features', T0 + i * 60 * MIN, 80 - 2 * i, true, 'alarm')));
    assert.deepStrictEqual(ruls.map((r) => r.rul?.points ?? null), [null, null, 3, 4, 5, 6, 7, 8]);
  });
});
