/**
 * The floor routes without Node-RED (handleFloor on a real SQLite file, plain request/response
 * objects): with logins off a decision needs a typed name and is refused in the page's words and
 * language without it; with logins on the session's user decides, a typed name is ignored, and
 * refusals (no session, a role without the permission) are worded too; a request decided twice
 * names who decided; the form without a known machine lists the machines in the given order; the
 * list shows names and times, a name field only without logins, and links by permission.
 */
import assert from 'assert';
import path from 'path';
import { Readable } from 'stream';
import { migrateCoreAsync, openStore, type Store } from '../../nodes/core/store';
import { migrateCmms, WorkOrderRepo } from '../../nodes/core/cmms';
import { handleFloor, migrateFloor, PhotoRepo, RequestRepo, type FloorDeps, type FloorUser } from '../../nodes/core/floor';
import { tmpDir } from '../helpers/red';

const T0 = Date.UTC(2026, 11, 7, 9, 1, 0);
const MACHINES = [
  { id: 'conveyor-1', name: 'Conveyor drive', line: 'Line 1' },
  { id: 'pump-1', name: 'Pump', line: 'Line 1' },
  { id: 'compressor-1', name: 'Compressor', line: 'Line 1' },
];

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
  json(): any;
}

describe('floor routes (no Node-RED, SQLite file)', function () {
  this.timeout(30_000);
  let store: Store;
  let release: () => void;
  let wo: WorkOrderRepo;
  let repo: RequestRepo;
  let on = false;
  let user: FloorUser | undefined;

  before(async () => {
    const dir = tmpDir('rel-floor-routes-');
    const h = openStore(path.join(dir, 'plant.db'));
    release = () => h.release();
    store = h.db;
    await migrateCoreAsync(store);
    await migrateCmms(store);
    await migrateFloor(store);
    wo = new WorkOrderRepo(store);
    repo = new RequestRepo(store, new PhotoRepo(path.join(dir, 'photos')));
  });
  after(() => release?.());

  const deps = (): FloorDeps => ({
    repo,
    wo,
    ready: async () => undefined,
    loginsOn: () => on,
    user: async () => user,
    now: () => T0,
    root: '/',
    assets: async () => MACHINES,
    asset: async (id) => MACHINES.find((m) => m.id === id),
    facts: (id) => ({ asset: id }),
    dashboard: () => '/dashboard',
    tz: 'Europe/Berlin',
    emit: () => undefined,
  });

  async function call(method: string, url: string, body?: object): Promise<Answer> {
    const req = Object.assign(Readable.from([]), { method, url, headers: { host: 'box:1880', 'content-type': 'application/json', 'accept-language': 'en-GB' }, body });
    const out: Answer = { status: 0, headers: {}, body: '', json: () => JSON.parse(out.body) };
    const res = {
      statusCode: 200,
      headersSent: false,
      setHeader(k: string, v: string) {
        out.headers[k.toLowerCase()] = v;
      },
      end(b?: string | Buffer) {
        out.status = res.statusCode;
        out.body = b === undefined ? '' : String(b);
        res.headersSent = true;
      },
    };
    assert.strictEqual(await handleFloor(deps(), req as never, res), true);
    return out;
  }

  it('a server error answers a plain message and logs its details (no database host to whoever asks)', async () => {
    on = false;
    user = undefined;
    const warned: string[] = [];
    const list = repo.list;
    repo.list = async () => {
      throw new Error('PostgreSQL at db.plant.local:5432/reliability is unavailable: ECONNREFUSED 10.1.2.3:5432');
    };
    try {
      const req = Object.assign(Readable.from([]), { method: 'GET', url: '/floor/requests?lang=de', headers: { host: 'box:1880', 'accept-language': 'de' } });
      let status = 0;
      let body = '';
      const res = { statusCode: 200, headersSent: false, setHeader() {}, end(b?: string) { status = res.statusCode; body = String(b ?? ''); res.headersSent = true; } };
      assert.strictEqual(await handleFloor({ ...deps(), warn: (t) => warned.push(t) }, req as never, res), true);
      assert.strictEqual(status, 500);
      assert.ok(!/db\.plant|10\.1\.2\.3|ECONNREFUSED/.test(body), body);
      assert.match(JSON.parse(body).message, /Fehler auf dem Server \(Details im Node-RED-Log\)/);
      assert.deepStrictEqual(warned, ['floor GET floor/requests: PostgreSQL at db.plant.local:5432/reliability is unavailable: ECONNREFUSED 10.1.2.3:5432']);
    } finally {
      repo.list = list;
    }
  });

  it('logins off: a decision needs a typed name, refused in the page language without it; a second decision names who decided', async () => {
    on = false;
    user = undefined;
    const r = await call('POST', '/floor/requests?lang=de', { asset: 'pump-1', text: 'Pumpe tropft', by: ' Olga ' });
    assert.strictEqual(r.status, 201, r.body);
    const id = r.json().id;
    assert.strictEqual(r.json().requestedBy, 'Olga');
    const noName = await call('POST', '/floor/requests?lang=de', { asset: 'pump-1', text: 'x', by: '' });
    assert.deepStrictEqual([noName.status, noName.json().message], [400, 'Bitte Ihren Namen eingeben.']);
    for (const body of [{}, { by: '   ' }, { by: 7 }]) {
      const a = await call('POST', `/floor/requests/${id}/approve?lang=de`, body);
      assert.strictEqual(a.status, 400, JSON.stringify(body));
      assert.strictEqual(a.json().message, 'Geben Sie oben Ihren Namen ein, bevor Sie freigeben oder ablehnen.');
      assert.match(a.json().error, /^by: expected your name/);
    }
    const en = await call('POST', `/floor/requests/${id}/reject?lang=en`, { by: 'Ida' });
    assert.deepStrictEqual([en.status, en.json().message], [400, 'Give a reason before you reject.']);
    assert.strictEqual((await repo.get(id)).status, 'new', 'refused: still new');
    const ok = await call('POST', `/floor/requests/${id}/approve?lang=de`, { by: ' Pete Planer ' });
    assert.strictEqual(ok.status, 200, ok.body);
    const order = await wo.get(ok.json().order.id);
    assert.deepStrictEqual([order.asset, order.source, order.history?.[0]?.by, ok.json().request.decidedBy], ['pump-1', 'manual', 'Pete Planer', 'Pete Planer']);
    const twice = await call('POST', `/floor/requests/${id}/reject?lang=de`, { by: 'Ida', reason: 'doppelt' });
    assert.deepStrictEqual([twice.status, twice.json().message], [409, `WR-${String(id).padStart(6, '0')} wurde bereits von Pete Planer freigegeben.`]);
    // The list: the name field, names for ids, times in the plant's zone, decided by whom.
    const list = await call('GET', '/floor/requests?lang=de');
    assert.match(list.body, /<input type="text" id="by"/);
    assert.match(list.body, /· <span class="an" title="pump-1">Pump<\/span>/);
    assert.match(list.body, /Olga, 7\. Dez\., 10:01/, 'Europe/Berlin');
    assert.match(list.body, /Freigegeben von Pete Planer, 7\. Dez\., 10:01: WO-000001/);
    assert.match(list.body, /Zeiten in Europe\/Berlin/);
    assert.match(list.body, /href="\/dashboard" data-nav="dashboard"/);
    assert.match(list.body, /data-nav="form"[\s\S]*data-nav="labels"/);
  });

  it('logins on: the session user decides (a typed name ignored); no session or no permission refused in words', async () => {
    on = true;
    user = { username: 'pete', name: 'Pete Planner', role: 'planner' };
    const r = (await call('POST', '/floor/requests', { asset: 'conveyor-1', text: 'Squeak', by: 'mallory' })).json();
    assert.strictEqual(r.requestedBy, 'pete');
    const list = await call('GET', '/floor/requests?lang=en');
    assert.doesNotMatch(list.body, /id="by"/, 'no name field with logins');
    assert.match(list.body, /Logged in as Pete Planner/);
    user = { username: 'olga', name: 'Olga Operator', role: 'operator' };
    const op = await call('POST', `/floor/requests/${r.id}/approve?lang=de`, { by: 'pete' });
    assert.deepStrictEqual([op.status, op.json().message], [403, 'Olga Operator darf das nicht.']);
    const opList = await call('GET', '/floor/requests?lang=en');
    assert.doesNotMatch(opList.body, /data-approve=|data-nav="labels"/, 'an operator: no buttons, no labels link');
    user = undefined;
    const anon = await call('POST', `/floor/requests/${r.id}/approve?lang=en`, {});
    assert.deepStrictEqual([anon.status, anon.json().message], [401, 'You are not logged in (any more): log in again.']);
    user = { username: 'pete', name: 'Pete Planner', role: 'planner' };
    const ok = (await call('POST', `/floor/requests/${r.id}/approve`, { by: 'mallory' })).json();
    assert.strictEqual(ok.request.decidedBy, 'pete');
  });

  it('the form without a known machine lists the machines in the given order; names escaped; labels in that order', async () => {
    on = false;
    user = undefined;
    const none = await call('GET', '/floor/request?lang=en');
    const picks = [...none.body.matchAll(/data-pick="([^"]+)"/g)].map((m) => m[1]);
    assert.deepStrictEqual(picks, ['conveyor-1', 'pump-1', 'compressor-1']);
    assert.match(none.body, /Which machine is it about\?/);
    assert.doesNotMatch(none.body, /Unknown machine/);
    const bad = await call('GET', `/floor/request?asset=${encodeURIComponent('<img src=x>')}&lang=de`);
    assert.match(bad.body, /Unbekannte Maschine: &lt;img src=x&gt;\./);
    assert.doesNotMatch(bad.body, /<img src=x>/);
    const form = await call('GET', '/floor/request?asset=pump-1&lang=de');
    assert.match(form.body, /<b id="asset-name">Pump<\/b> <span class="muted small" id="asset-id">ID pump-1<\/span>/);
    assert.match(form.body, /data-missing="Bitte Ihren Namen eingeben\."/);
    assert.doesNotMatch(form.body, /id="photo"|Fotos/, 'no photo field or hint without logins');
    const labels = await call('GET', '/floor/labels?lang=de');
    assert.deepStrictEqual([...labels.body.matchAll(/<div class="txt"><b>([^<]+)<\/b>/g)].map((m) => m[1]), ['Conveyor drive', 'Pump', 'Compressor']);
    assert.match(labels.body, /<h1>QR-Etiketten \(3\)<\/h1>/);
  });
});
