/**
 * PM plans while the plant database (PostgreSQL) is away: a tick changes nothing and fails with
 * StoreUnavailableError (rel-pm shows "plant database offline" and logs once that PM plans are
 * checked when it is back); the first tick after the server is back opens every occurrence that
 * came due meanwhile, each once, derived from each plan's progress, also when several boxes tick
 * at once; a KPI or plan message gets an error saying so.
 */
import assert from 'assert';
import { pgCluster, type PgCluster } from '../helpers/pg';
import { openPostgres, migrateCoreAsync, StoreUnavailableError, type PgHandle } from '../../nodes/core/store';
import { PmRepo, WorkOrderRepo, migrateCmms } from '../../nodes/core/cmms';
import { offlineError } from '../../nodes/shared/cmms';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 5, 6);

describe('PM ticks while the plant database is away (PostgreSQL stopped and started)', function () {
  this.timeout(240_000);
  let cluster: PgCluster;
  const handles: PgHandle[] = [];
  before(async () => {
    cluster = await pgCluster();
    await cluster.start();
  });
  after(async () => {
    await cluster.start();
    for (const h of handles) await h.release();
  });

  it('ticks during the outage change nothing; the first ticks after it open each missed occurrence once, on two boxes at once', async () => {
    const url = await cluster.createDatabase(`pm_offline_${process.pid}`);
    const boxes = ['a', 'b'].map((b) => {
      const h = openPostgres({ url: `${url}?application_name=pm-${b}`, connectTimeoutMs: 2000 });
      handles.push(h);
      const wo = new WorkOrderRepo(h.db);
      return { pm: new PmRepo(h.db), ctx: { wo, facts: (asset: string) => ({ asset, criticality: 3 }) }, wo };
    });
    await migrateCoreAsync(handles[0]!.db);
    await migrateCmms(handles[0]!.db);
    const [a, b] = boxes as [(typeof boxes)[0], (typeof boxes)[0]];
    await a.pm.upsert({ asset: 'press-1', task: 'lubricate', trigger: 'calendar', every: 1, unit: 'days', lastDone: T0 }, T0);
    await a.pm.upsert({ asset: 'press-2', task: 'inspect', trigger: 'calendar', every: 2, unit: 'days', lastDone: T0 }, T0);
    assert.strictEqual((await a.pm.tick(T0 + 0.5 * DAY, a.ctx)).length, 0);
    assert.strictEqual((await a.pm.tick(T0 + 1.5 * DAY, a.ctx)).length, 1, 'day 1 of the daily plan');

    await cluster.stop();
    for (const t of [2.5, 3.5, 4.5]) {
      for (const box of [a, b]) {
        const e = await box.pm.tick(T0 + t * DAY, box.ctx).then(() => undefined, (x: unknown) => x);
        assert.ok(e instanceof StoreUnavailableError, `a tick while the server is away fails as unavailable: ${e}`);
        assert.match(String((offlineError(e, 'PM plans are checked when it is back') as Error).message), /^plant database offline: PM plans are checked when it is back \(store: PostgreSQL at .* is unavailable/);
      }
    }
    await cluster.start();

    // Both boxes tick for the same moment at once: days 2, 3, 4 of the daily plan, days 2 and 4 of the other.
    const opened = (await Promise.all([a.pm.tick(T0 + 4.5 * DAY, a.ctx), b.pm.tick(T0 + 4.5 * DAY, b.ctx)])).flat();
    const due = (w: { asset: string; dueAt: string | null }) => `${w.asset} ${w.dueAt}`;
    const want = ['press-1 2', 'press-1 3', 'press-1 4', 'press-2 2', 'press-2 4'].map((x) => {
      const [asset, d] = x.split(' ');
      return `${asset} ${new Date(T0 + Number(d) * DAY).toISOString()}`;
    });
    assert.deepStrictEqual(opened.map(due).sort(), want);
    assert.strictEqual((await a.pm.tick(T0 + 4.5 * DAY, a.ctx)).length + (await b.pm.tick(T0 + 4.6 * DAY, b.ctx)).length, 0, 'nothing twice');
    const stored = await a.wo.list({ source: 'pm' });
    assert.deepStrictEqual(stored.map(due).sort(), [`press-1 ${new Date(T0 + DAY).toISOString()}`, ...want].sort());
  });
});
