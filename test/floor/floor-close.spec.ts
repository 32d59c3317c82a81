/**
 * The floor routes at a redeploy (rel-request's close): a request still receiving its body (a
 * slow upload from a phone) is cut off at once, so the close does not wait for the client; a
 * request already received finishes on the open store. serveFloor on a real HTTP server and a
 * real SQLite file.
 */
import assert from 'assert';
import fs from 'fs';
import http from 'http';
import path from 'path';
import { migrateCmms, WorkOrderRepo } from '../../nodes/core/cmms';
import { migrateFloor, PhotoRepo, RequestRepo } from '../../nodes/core/floor';
import { migrateCoreAsync, openStore, type StoreHandle } from '../../nodes/core/store';
import { serveFloor } from '../../nodes/rel-request/http';
import { inFlight } from '../../nodes/shared/cmms';
import type { RedApi } from '../../nodes/shared/red';
import { sleep, tmpDir } from '../helpers/red';

describe('floor routes at a close', function () {
  this.timeout(20_000);
  let dir: string;
  let h: StoreHandle;
  let server: http.Server;
  let port: number;
  let mw: (req: http.IncomingMessage, res: http.ServerResponse, next: () => void) => void;
  const warns: string[] = [];

  before(async () => {
    dir = tmpDir('floor-close-');
    h = openStore(path.join(dir, 'plant.db'));
    await migrateCoreAsync(h.db);
    await migrateCmms(h.db);
    await migrateFloor(h.db);
    server = http.createServer((req, res) => mw(req, res, () => ((res.statusCode = 404), res.end())));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as { port: number }).port;
  });
  after(async () => {
    await new Promise((r) => server.close(r));
    h.release();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('cuts off a request still sending its body; one already received finishes; the close waits for nothing else', async () => {
    const { repo, work, stop } = serve();

    // a request sent whole goes through
    const whole = await post(JSON.stringify({ asset: 'pump-1', text: 'Drips', by: 'olga' }));
    assert.strictEqual(whole.status, 201, whole.body);

    // a request that says 2000 bytes and sends 20, then waits
    const slow = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/floor/requests', headers: { 'content-type': 'application/json', 'content-length': '2000' } });
    const outcome = new Promise<string>((resolve) => {
      slow.on('response', (r) => resolve(`HTTP ${r.statusCode}`));
      slow.on('error', (e) => resolve(`error ${(e as NodeJS.ErrnoException).code ?? e.message}`));
    });
    slow.write('{"asset":"pump-1",  ');
    await sleep(200);

    const t0 = Date.now();
    stop();
    const idle = await Promise.race([work.idle().then(() => 'idle'), sleep(3000).then(() => 'still waiting')]);
    assert.strictEqual(idle, 'idle', 'the close waits for no slow client');
    assert.ok(Date.now() - t0 < 1000, `${Date.now() - t0} ms`);
    assert.match(await outcome, /^error (ECONNRESET|socket hang up)/);
    assert.strictEqual((await repo.list({})).length, 1, 'the whole request stored, the cut one not');
  });

  it('cuts off a request closed while the route still waited for the store (before its body was read): the close does not hang', async () => {
    // the route waits for the store until the test lets it go on
    let lookedUp!: () => void;
    let answer!: () => void;
    const asked = new Promise<void>((r) => (lookedUp = r));
    const gate = new Promise<void>((r) => (answer = r));
    const ready = async () => {
      lookedUp();
      await gate;
    };
    const { work, stop } = serve(ready);
    const slow = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/floor/requests', headers: { 'content-type': 'application/json', 'content-length': '2000' } });
    slow.on('error', () => undefined);
    slow.write('{"asset":"pump-1",  ');
    await asked;
    stop(); // cut off before the route reads the body
    await sleep(50);
    answer();
    const idle = await Promise.race([work.idle().then(() => 'idle'), sleep(3000).then(() => 'still waiting')]);
    assert.strictEqual(idle, 'idle', 'the route ends once the store answers: the body will never come');
  });

  /** The floor routes on the test's server, as rel-request serves them; `ready` may hold a route at the store. */
  function serve(ready: () => Promise<unknown> = async () => undefined) {
    const repo = new RequestRepo(h.db, new PhotoRepo(path.join(dir, 'photos')));
    const RED = { settings: { httpNodeRoot: '/' }, httpNode: { use: (fn: typeof mw) => (mw = fn) }, log: { warn: (m: string) => warns.push(m) } } as unknown as RedApi;
    const work = inFlight();
    const stop = serveFloor(RED, { repo, wo: new WorkOrderRepo(h.db), ready, loginsOn: () => false, user: async () => undefined, now: () => Date.now(), root: '/', assets: async () => [], asset: async (id) => ({ id, name: id }), facts: () => undefined, emit: () => undefined }, work.run);
    return { repo, work, stop };
  }

  function post(body: string): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const r = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/floor/requests', headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) } }, (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      });
      r.on('error', reject);
      r.end(body);
    });
  }
});
