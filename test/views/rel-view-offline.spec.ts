/**
 * rel-view on a rel-store whose PostgreSQL server is down (a throwaway cluster, stopped): the
 * work orders written meanwhile wait in the box's outbox, and the floor view carries the banner
 * "Plant database offline – 3 records queued, they are sent when it is back" (and in German), its
 * status shows the count; once the server is back and the queue has drained, the banner is gone.
 */
import assert from 'assert';
import fs from 'fs';
import { pgCluster, type PgCluster } from '../helpers/pg';
import { getNode, helper, loadFlow, nextMessage, receiveAndComplete, recordStatus, sleep, tmpDir, unloadFlow } from '../helpers/red';

async function until<T>(what: string, fn: () => Promise<T | null | undefined | false>, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timeout: ${what}`);
    await sleep(200);
  }
}

describe('rel-view: the plant database banner with a real store whose server is down', function () {
  this.timeout(180_000);
  let cluster: PgCluster;
  let url: string;
  let dir: string;

  before(async () => {
    cluster = await pgCluster();
    await cluster.start();
    url = await cluster.createDatabase(`view_offline_${process.pid}`);
  });
  beforeEach(() => {
    dir = tmpDir('view-offline-');
    helper.settings({ userDir: dir });
  });
  afterEach(async () => {
    await cluster.start();
    await unloadFlow();
    helper.settings({ userDir: undefined });
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('offline: the view says how many records wait on this box (en, de), the status too; gone after the drain', async () => {
    await loadFlow(
      [
        { id: 'pg', type: 'rel-store', name: 'plant', backend: 'postgres', localFile: 'box-local.db', poolSize: 2 },
        { id: 'wo', type: 'rel-work-order', store: 'pg', wires: [['wo-out'], []] },
        { id: 'view', type: 'rel-view', store: 'pg', interval: 0, wires: [['out']] },
        { id: 'wo-out', type: 'helper' },
        { id: 'out', type: 'helper' },
      ],
      [],
      { pg: { url } },
    );
    const view = async () => {
      getNode('view').receive({ topic: 'view' });
      return (await nextMessage('out', 20_000)).payload;
    };
    const detect = async (asset: string) => {
      const got = nextMessage('wo-out', 60_000);
      const err = await receiveAndComplete('wo', { action: 'detect', payload: { asset, mode: 'imbalance', severity: 'warning', evidence: `1X high on ${asset}` } }, 60_000);
      assert.strictEqual(err, undefined, String(err));
      return (await got).payload;
    };

    // Server up: an order written directly, no banner.
    assert.strictEqual((await detect('press-1')).queued, undefined);
    assert.strictEqual((await view()).store, null);

    await cluster.stop();
    const status = recordStatus('view');
    for (const a of ['press-2', 'press-3', 'press-4']) assert.strictEqual((await detect(a)).queued, true, `${a} queued`);
    const v = await view();
    assert.deepStrictEqual(v.store, {
      state: 'offline',
      queued: 3,
      text: {
        en: 'Plant database offline – 3 records queued, they are sent when it is back',
        de: 'Anlagendatenbank nicht erreichbar – 3 Datensätze warten, sie werden gesendet, sobald sie wieder da ist',
      },
    });
    assert.ok(status.some((s: any) => s.text === 'plant database offline · 3 queued' && s.fill === 'yellow'), JSON.stringify(status));

    // Back: the outbox replays the three orders; the banner goes.
    await cluster.start();
    await until('the queue drained and the banner gone', async () => (await view()).store === null, 90_000);
    const list = await (async () => {
      const got = nextMessage('wo-out', 30_000);
      await receiveAndComplete('wo', { action: 'list', payload: {} }, 30_000);
      return (await got).payload as { asset: string }[];
    })();
    assert.deepStrictEqual(list.map((w) => w.asset).sort(), ['press-1', 'press-2', 'press-3', 'press-4']);
  });
});
