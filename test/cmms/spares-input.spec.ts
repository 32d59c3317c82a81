import assert from 'assert';
import path from 'path';
import { SPARES_TABLE_COLUMNS, belowOnly, partDefinition, partRequest, spareRows, sparesSettings, stockMove } from '../../nodes/core/cmms/spares-input';
import { SparesWatch } from '../../nodes/core/cmms/spares-watch';
import { SparesRepo, type PartStock, type PullSignal } from '../../nodes/core/cmms/spares';
import { migrateCmms } from '../../nodes/core/cmms/schema';
import { openStore, migrateCoreAsync } from '../../nodes/core/store';
import { StoreUnavailableError } from '../../nodes/core/store/types';
import { tmpDir } from '../helpers/red';

const T0 = Date.UTC(2026, 0, 5);

describe('rel-spares form, messages and periodic check (core)', () => {
  it('settings: demand window 1-3650 days (default 90), check every 1-86400 s (default 60 s), dashboard flag; empty is unset, a bad value an error naming the field', () => {
    assert.deepStrictEqual(sparesSettings({}), { windowDays: 90, checkMs: 60_000, dashboard: false });
    assert.deepStrictEqual(sparesSettings({ demandWindowDays: '', checkInterval: ' ', dashboard: '' }), { windowDays: 90, checkMs: 60_000, dashboard: false }, 'a saved flow with empty fields');
    assert.deepStrictEqual(sparesSettings({ demandWindowDays: '30.4', checkInterval: '5', dashboard: 'true' }), { windowDays: 30, checkMs: 5000, dashboard: true });
    assert.throws(() => sparesSettings({ demandWindowDays: 0 }), /^InputError: demandWindowDays: expected a number >= 1 and <= 3650, got the number 0$/);
    assert.throws(() => sparesSettings({ demandWindowDays: 4000 }), /^InputError: demandWindowDays: expected a number >= 1 and <= 3650/);
    assert.throws(() => sparesSettings({ demandWindowDays: 'ninety' }), /^InputError: demandWindowDays: expected a number/);
    assert.throws(() => sparesSettings({ checkInterval: 0.5 }), /^InputError: checkInterval: expected a number >= 1 and <= 86400, got the number 0\.5$/);
  });

  it('a part request, a definition and the moves: each bad field named', () => {
    assert.deepStrictEqual(partRequest({ part: 'SEAL', wo: '12', note: 'n' }, 'ann'), { part: 'SEAL', wo: 12, by: 'ann', note: 'n' });
    assert.deepStrictEqual(partRequest({ part: 'SEAL', wo: null }, undefined), { part: 'SEAL', wo: undefined, by: undefined, note: undefined });
    assert.throws(() => partRequest({}, undefined), /msg\.payload\.part: expected/);
    assert.throws(() => partRequest({ part: 'S', wo: 0 }, undefined), /msg\.payload\.wo: expected/);
    const d = partDefinition({ name: 'Seal', leadMeanDays: 30, z: 2 }, 'SEAL');
    assert.deepStrictEqual(Object.entries(d).filter(([, v]) => v !== undefined), [['part', 'SEAL'], ['name', 'Seal'], ['leadMeanDays', 30], ['z', 2]]);
    assert.throws(() => partDefinition({ z: 11 }, 'SEAL'), /msg\.payload\.z: expected/);
    assert.throws(() => partDefinition({ lotSize: 0 }, 'SEAL'), /msg\.payload\.lotSize: expected/);
    const r = { part: 'SEAL', wo: 3, by: 'ann', note: 'x' };
    assert.deepStrictEqual(stockMove('issue', { qty: 2 }, r, T0), { action: 'issue', move: { part: 'SEAL', qty: 2, wo: 3, by: 'ann', note: 'x', ts: T0 } });
    assert.throws(() => stockMove('receive', { qty: 0 }, r, T0), /msg\.payload\.qty: expected/);
    assert.deepStrictEqual(stockMove('adjust', { count: 7, note: 'counted' }, r, T0), { action: 'adjust', move: { part: 'SEAL', count: 7, wo: 3, by: 'ann', note: 'counted', ts: T0 } });
    assert.throws(() => stockMove('adjust', { count: 7 }, r, T0), /msg\.payload\.note: expected/, 'an adjustment says why');
    assert.strictEqual(belowOnly({ below: true }), true);
    assert.strictEqual(belowOnly({}), false);
    assert.throws(() => belowOnly({ below: 'yes' }), /msg\.payload\.below: expected true or false, got/);
  });

  it('table rows: the table columns only, in order', () => {
    const [row] = spareRows([{ part: 'SEAL', name: 'Seal', onHand: 3, demandSd: 1, z: 1.65 } as unknown as PartStock]);
    assert.deepStrictEqual(Object.keys(row), [...SPARES_TABLE_COLUMNS]);
    assert.strictEqual(row.part, 'SEAL');
    assert.strictEqual('z' in row, false);
  });

  it('periodic check on a SQLite file: a crossing made elsewhere is signalled once; checks run in order; errors go to failed', async () => {
    const h = openStore(path.join(tmpDir(), 'spares-watch.db'));
    try {
      await migrateCoreAsync(h.db);
      await migrateCmms(h.db);
      const other = new SparesRepo(h.db);
      await other.define({ part: 'SEAL', leadMeanDays: 10, leadSdDays: 0, demandPerDay: 1, demandSd: 0 }, T0);
      await other.receive({ part: 'SEAL', qty: 50, ts: T0 });
      await other.drainSignals(T0);
      // a move by another node sets the crossing; this one's check announces it
      await h.db.run('UPDATE cmms_parts SET on_hand = 5 WHERE part = ?', ['SEAL']);
      const got: PullSignal[][] = [];
      const order: number[] = [];
      const failures: unknown[] = [];
      let closed = false;
      let ready: () => Promise<unknown> = async () => undefined;
      const watch = new SparesWatch(new SparesRepo(h.db), {
        ready: () => ready(),
        closed: () => closed,
        signals: async (s) => {
          await new Promise((r) => setTimeout(r, 20));
          got.push(s);
        },
        failed: (e) => failures.push(e),
      });
      for (const t of [1, 2, 3]) void watch.check(T0 + t).then(() => order.push(t));
      await watch.idle();
      assert.deepStrictEqual(order, [1, 2, 3]);
      assert.strictEqual(got.length, 1, 'one signal per crossing');
      assert.deepStrictEqual([got[0][0].part, got[0][0].available], ['SEAL', 5]);
      ready = async () => {
        throw new StoreUnavailableError('away');
      };
      await watch.check(T0 + 4);
      assert.strictEqual(failures.length, 1);
      assert.ok(failures[0] instanceof StoreUnavailableError);
      ready = async () => undefined;
      closed = true;
      await h.db.run('UPDATE cmms_parts SET on_hand = 50, below_rop = 0 WHERE part = ?', ['SEAL']);
      await watch.check(T0 + 5);
      assert.strictEqual(got.length, 1, 'nothing once closed');
    } finally {
      h.release();
    }
  });
});
