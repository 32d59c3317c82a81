/**
 * Whole reorder points and the crossing flags stored before them (nodes/core/cmms/spares.ts): the
 * reorder point is D*L + SS rounded up to a whole part, and a part's `below_rop` flag was set under
 * the exact figure on a box that ran the earlier version. Rounding alone must never send a pull
 * signal without a stock movement: without a move (the periodic check, master data defined again,
 * a count that changes nothing) a crossing is marked at the exact figure; a stock move marks it at
 * the whole one. Real SQLite file.
 */
import assert from 'assert';
import fs from 'fs';
import path from 'path';
import { migrateCoreAsync, openStore, type Store } from '../../nodes/core/store';
import { migrateCmms, SparesRepo, reorderPoint } from '../../nodes/core/cmms';
import { tmpDir } from '../helpers/red';

const T0 = Date.UTC(2026, 11, 7);
// D = 0.2/day, sd_D = 0.2, L = 3 d, sd_L = 1 d, z = 1.65: ROP = 0.6 + 1.65 * sqrt(0.12 + 0.04) = 1.26 -> 2 whole parts
const GREASE = { leadMeanDays: 3, leadSdDays: 1, demandPerDay: 0.2, demandSd: 0.2, z: 1.65 };

describe('spares: whole reorder points and flags stored under the exact one', () => {
  let dir: string;
  let release: () => void;
  let store: Store;
  before(async () => {
    dir = tmpDir('rel-rop-');
    const h = openStore(path.join(dir, 'store.db'));
    release = () => h.release();
    store = h.db;
    await migrateCoreAsync(store);
    await migrateCmms(store);
  });
  after(() => {
    release();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** A part as an earlier version left it: `available` on hand, not marked below (the exact rule: available > 1.26). */
  async function storedBefore(sp: SparesRepo, part: string, available: number): Promise<void> {
    await sp.define({ part, ...GREASE }, T0);
    await sp.receive({ part, qty: 10, ts: T0 });
    await store.run('UPDATE cmms_parts SET on_hand = ?, reserved = 0, below_rop = 0, signal_pending = 0 WHERE part = ?', [available, part]);
    await store.run('UPDATE cmms_parts SET signal_pending = 0'); // the other tests' parts: announced
  }

  it('the figures: exact 1.26, whole 2', async () => {
    const exact = reorderPoint({ demandPerDay: 0.2, demandSd: 0.2, leadDays: 3, leadSd: 1, z: 1.65 });
    assert.ok(Math.abs(exact - 1.26) < 1e-9, String(exact));
    const sp = new SparesRepo(store);
    await sp.define({ part: 'FIG', ...GREASE }, T0);
    assert.strictEqual((await sp.get('FIG', T0)).reorderPoint, 2);
  });

  it('at available = ceil(ROP) with the old flag: no pull signal at the periodic check, a define again or a count that changes nothing; the next stock move signals once', async () => {
    const sp = new SparesRepo(store);
    await storedBefore(sp, 'G1', 2);
    const s = await sp.get('G1', T0 + 1000);
    assert.deepStrictEqual([s.available, s.reorderPoint, s.belowReorderPoint], [2, 2, true], 'the page shows it at its reorder point');
    await sp.recheck(T0 + 1000);
    assert.deepStrictEqual(await sp.drainSignals(T0 + 1000), [], 'the periodic check after the upgrade: no signal without a stock move');
    await sp.define({ part: 'G1', ...GREASE }, T0 + 2000);
    await sp.adjust({ part: 'G1', count: 2, note: 'count', ts: T0 + 3000 });
    await sp.recheck(T0 + 4000);
    assert.deepStrictEqual(await sp.drainSignals(T0 + 4000), [], 'master data again and a count of the same stock: still no signal');
    await sp.reserve({ part: 'G1', qty: 1, wo: 1, ts: T0 + 5000 });
    const sig = await sp.drainSignals(T0 + 5000);
    assert.deepStrictEqual(sig.map((x) => [x.part, x.available, x.reorderPoint]), [['G1', 1, 2]], 'the next stock move signals');
    await sp.recheck(T0 + 6000);
    assert.deepStrictEqual(await sp.drainSignals(T0 + 6000), [], 'once per crossing');
  });

  it('a stock move onto the whole reorder point signals (available 3 -> 2, above the exact 1.26)', async () => {
    const sp = new SparesRepo(store);
    await storedBefore(sp, 'G2', 3);
    await sp.recheck(T0 + 1000);
    assert.deepStrictEqual(await sp.drainSignals(T0 + 1000), []);
    await sp.issue({ part: 'G2', qty: 1, ts: T0 + 2000 });
    const sig = await sp.drainSignals(T0 + 2000);
    assert.deepStrictEqual(sig.map((x) => [x.part, x.available, x.reorderPoint, x.quantity]), [['G2', 2, 2, 1]]);
  });

  it('without a move, the exact reorder point reaching the stock still signals (demand raised to 0.4/day: 2.07)', async () => {
    const sp = new SparesRepo(store);
    await storedBefore(sp, 'G3', 2);
    await sp.recheck(T0 + 1000);
    assert.deepStrictEqual(await sp.drainSignals(T0 + 1000), []);
    await sp.define({ part: 'G3', demandPerDay: 0.4 }, T0 + 2000);
    const sig = await sp.drainSignals(T0 + 2000);
    assert.deepStrictEqual(sig.map((x) => [x.part, x.available, x.reorderPoint]), [['G3', 2, 3]]);
  });
});
