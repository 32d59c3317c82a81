/**
 * The floor domain without Node-RED, on a real SQLite file and a real PostgreSQL database:
 * checklists (text form, PM plan -> order copy, ticking, completion refused naming the step),
 * work requests (create with a photo, approve into a work order once, reject with a reason),
 * photos (magic bytes, size cap before reading, files beside the store), the label sheet.
 */
import assert from 'assert';
import fs from 'fs';
import path from 'path';
import { Readable } from 'stream';
import { migrateCoreAsync, type Store } from '../../nodes/core/store';
import { migrateCmms, PmRepo, WorkOrderRepo } from '../../nodes/core/cmms';
import { ChecklistRepo, checklistFrom, completionRefusal, formatChecklist, labelSheet, MAX_PHOTO_BYTES, migrateFloor, parseChecklist, PhotoError, PhotoRepo, photoDir, readCapped, RequestRepo, requestForm, sniffImage } from '../../nodes/core/floor';
import { InputError, StateError } from '../../nodes/core/errors';
import { forEachBackend } from '../helpers/backends';
import { tmpDir } from '../helpers/red';
import { tinyPng } from './png';

const T0 = Date.UTC(2026, 0, 5, 6, 0, 0);
const DAY = 86_400_000;

describe('floor: checklist text form and photos (pure)', () => {
  it('parses steps, * marks a required one, and formats back to the same text', () => {
    const steps = parseChecklist('*Lock out and tag out; Grease both bearings | *Check belt tension\nWipe down');
    assert.deepStrictEqual(steps, [
      { text: 'Lock out and tag out', required: true },
      { text: 'Grease both bearings', required: false },
      { text: 'Check belt tension', required: true },
      { text: 'Wipe down', required: false },
    ]);
    assert.deepStrictEqual(parseChecklist(formatChecklist(steps)), steps);
    assert.deepStrictEqual(parseChecklist(''), []);
    assert.throws(() => parseChecklist('*; a'), /a step marked \* has no text/);
    assert.throws(() => checklistFrom([{ text: '', required: true }], 'msg.payload.checklist'), (e: Error) => e instanceof InputError && /msg\.payload\.checklist\[0\]\.text/.test(e.message));
    assert.throws(() => checklistFrom(42, 'msg.payload.checklist'), /msg\.payload\.checklist: expected an array of at most 50 steps/);
    assert.deepStrictEqual(checklistFrom(['a', { text: 'b', required: true }], 'x'), [{ text: 'a', required: false }, { text: 'b', required: true }]);
  });

  it('names every required step not ticked', () => {
    const s = (index: number, text: string, required: boolean, done: boolean) => ({ index, text, required, done, doneBy: null, doneAt: null });
    assert.strictEqual(completionRefusal('WO-000001', [s(0, 'a', true, true), s(1, 'b', false, false)]), undefined);
    assert.strictEqual(completionRefusal('WO-000001', [s(0, 'a', true, false), s(1, 'b', true, false)]), 'WO-000001 cannot be completed: required checklist steps 1. "a", 2. "b" not ticked');
  });

  it('tells JPEG, PNG and WebP by their first bytes, nothing else', () => {
    assert.strictEqual(sniffImage(tinyPng()), 'image/png');
    assert.strictEqual(sniffImage(Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10])), 'image/jpeg');
    assert.strictEqual(sniffImage(Buffer.from('RIFF\x10\x00\x00\x00WEBPVP8 ', 'latin1')), 'image/webp');
    assert.strictEqual(sniffImage(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"></svg>')), undefined);
    assert.strictEqual(sniffImage(Buffer.from('GIF89a')), undefined);
  });

  it('refuses a body declared over the cap before reading any of it, and stops one that grows over it', async () => {
    let read = false;
    const declared = Object.assign(
      new Readable({
        read() {
          read = true;
          this.push(null);
        },
      }),
      { headers: { 'content-length': String(MAX_PHOTO_BYTES + 1) } },
    );
    await assert.rejects(readCapped(declared), (e: unknown) => e instanceof PhotoError && e.status === 413 && /at most 5242880/.test(e.message));
    assert.strictEqual(read, false, 'nothing read');
    const chunks = [...Array(6)].map(() => Buffer.alloc(1024 * 1024));
    const big = Object.assign(Readable.from(chunks), { headers: {} });
    await assert.rejects(readCapped(big), (e: unknown) => e instanceof PhotoError && e.status === 413);
    const ok = Object.assign(Readable.from([tinyPng()]), { headers: {} });
    assert.deepStrictEqual(await readCapped(ok), tinyPng());
  });

  it('puts the photo folder beside a SQLite file, in the user directory for PostgreSQL', () => {
    assert.strictEqual(photoDir('/data/nr/reliability.db', 'sqlite', '/home/nr/.node-red'), '/data/nr/reliability-photos');
    assert.strictEqual(photoDir('db.plant:5432/rel', 'postgres', '/home/nr/.node-red'), '/home/nr/.node-red/reliability-photos');
  });

  it('label sheet: one label per asset with its name, id and a QR code of the request link; user text escaped', () => {
    const html = labelSheet([{ id: 'press-01', name: 'Press <1>', line: 'L1' }, { id: 'conv-02', name: 'Conveyor' }], (id) => `http://box:1880/floor/request?asset=${id}`, 'en', '/');
    assert.strictEqual((html.match(/class="label"/g) ?? []).length, 2);
    assert.strictEqual((html.match(/<svg/g) ?? []).length, 2);
    assert.match(html, /Press &lt;1&gt;/);
    assert.doesNotMatch(html, /Press <1>/);
    assert.match(html, /size:A4/);
    const de = requestForm({ asset: 'press-01', assetName: 'Presse', known: true, photosAllowed: true, lang: 'de', root: '/' });
    assert.match(de, /Was ist los\?/);
    assert.match(de, /accept="image\/\*" capture="environment"/);
    assert.doesNotMatch(de, /<script>/, 'no inline script');
  });
});

forEachBackend('floor core', (be) => {
  let store: Store;
  let wo: WorkOrderRepo;
  let dir: string;
  before(async () => {
    store = be.store;
    await migrateCoreAsync(store);
    await migrateCmms(store);
    assert.strictEqual(await migrateFloor(store), 1);
    assert.strictEqual(await migrateFloor(store), 1, 'idempotent');
    wo = new WorkOrderRepo(store);
    dir = path.join(tmpDir('rel-floor-'), 'photos');
  });

  it('a PM plan with a required step opens an order with its checklist; completing is refused until the step is ticked', async () => {
    const pm = new PmRepo(store);
    const csv = 'asset,task,trigger,interval,unit,last done,checklist\r\npress-01,Grease bearings,calendar,7,days,2026-01-01,"*Lock out; Grease DE and NDE; *Check belt tension"\r\n';
    const rep = await pm.importCsv(csv, () => true, T0);
    assert.deepStrictEqual(rep.rejected, []);
    const plan = await pm.get(rep.imported[0].plan);
    assert.deepStrictEqual(plan.checklist.map((s) => [s.text, s.required]), [['Lock out', true], ['Grease DE and NDE', false], ['Check belt tension', true]]);
    assert.match(await pm.exportCsv(), /\*Lock out; Grease DE and NDE; \*Check belt tension/);
    // Export -> import keeps the steps; a sheet without the column keeps them too.
    await pm.importCsv('asset,task,trigger,interval,unit\r\npress-01,Grease bearings,calendar,7,days\r\n', () => true, T0);
    assert.strictEqual((await pm.get(plan.id)).checklist.length, 3);

    const opened = await pm.tick(Date.UTC(2026, 0, 8, 0, 0, 1), { wo });
    assert.strictEqual(opened.length, 1);
    const id = opened[0].id;
    const cl = new ChecklistRepo();
    const steps = await cl.orderSteps(store, id);
    assert.deepStrictEqual(steps.map((s) => [s.index, s.text, s.required, s.done]), [[0, 'Lock out', true, false], [1, 'Grease DE and NDE', false, false], [2, 'Check belt tension', true, false]]);
    await wo.transition({ id, action: 'assign', by: 'pete', assignee: 'tom', ts: T0 + DAY });
    await wo.transition({ id, action: 'start', by: 'tom', ts: T0 + DAY });
    const complete = () =>
      store.tx(async (q) => {
        await cl.assertCompletable(q, id);
        return wo.transition({ id, action: 'complete', by: 'tom', ts: T0 + DAY + 60_000, repairMin: 30 }, q);
      });
    await assert.rejects(complete(), (e: Error) => e instanceof StateError && e.message === `WO-${String(id).padStart(6, '0')} cannot be completed: required checklist steps 1. "Lock out", 3. "Check belt tension" not ticked`);
    assert.strictEqual((await wo.get(id)).status, 'in-progress', 'refused: nothing changed');
    await store.tx((q) => cl.tick(q, id, 0, 'tom', T0 + DAY + 1000));
    await assert.rejects(complete(), /required checklist step 3\. "Check belt tension" not ticked/);
    const after = await store.tx((q) => cl.tick(q, id, 2, 'tom', T0 + DAY + 2000));
    assert.deepStrictEqual([after[2].done, after[2].doneBy, after[2].doneAt], [true, 'tom', new Date(T0 + DAY + 2000).toISOString()]);
    await assert.rejects(store.tx((q) => cl.tick(q, id, 7, 'tom', T0)), /msg\.payload\.step: expected a step number from 1 to 3/);
    assert.strictEqual((await complete()).status, 'done');
    await assert.rejects(store.tx((q) => cl.tick(q, id, 1, 'tom', T0)), /is done: its checklist can no longer change/);
  });

  it('a request with a photo becomes a work order once; the photo goes with it; a rejection needs a reason', async () => {
    const photos = new PhotoRepo(dir);
    const repo = new RequestRepo(store, photos);
    const png = tinyPng();
    const p = await photos.save(store, png, 'olga', T0);
    assert.match(p.name, /^[0-9a-f]{32}\.png$/);
    assert.deepStrictEqual(fs.readFileSync(path.join(dir, p.name)), png);
    await assert.rejects(photos.save(store, Buffer.from('<svg onload=alert(1)>'), 'olga', T0), (e: unknown) => e instanceof PhotoError && e.status === 415);
    // Only the uploader may attach an unattached photo.
    await assert.rejects(repo.create({ asset: 'press-01', text: 'Leaking oil', by: 'mallory', ts: T0, photos: [p.name] }), /not an unattached photo uploaded by mallory/);
    const r = await repo.create({ asset: 'press-01', text: 'Leaking oil at the gearbox\nsince the morning shift', by: 'olga', ts: T0, photos: [p.name] });
    assert.deepStrictEqual([r.status, r.requestedBy, r.photos.map((x) => x.name)], ['new', 'olga', [p.name]]);
    const { request, order } = await repo.approve({ id: r.id, by: 'pete', ts: T0 + 1000 }, wo);
    assert.deepStrictEqual([request.status, request.order, order.title, order.source, order.asset], ['approved', order.id, 'Leaking oil at the gearbox', 'manual', 'press-01']);
    const detail = await repo.orderDetail(order.id);
    assert.deepStrictEqual(detail.photos.map((x) => x.name), [p.name]);
    assert.strictEqual(detail.request, r.id);
    assert.deepStrictEqual((await photos.read(store, p.name))!.body, png);
    await assert.rejects(repo.approve({ id: r.id, by: 'pete', ts: T0 }, wo), /is already approved \(by pete\)/);
    const r2 = await repo.create({ asset: 'press-01', text: 'Noise', by: 'olga', ts: T0 });
    await assert.rejects(repo.reject({ id: r2.id, by: 'pete', ts: T0, reason: '  ' }), /msg\.payload\.reason/);
    const rej = await repo.reject({ id: r2.id, by: 'pete', ts: T0, reason: 'Normal noise of the new gearbox' });
    assert.deepStrictEqual([rej.status, rej.reason, rej.order], ['rejected', 'Normal noise of the new gearbox', null]);
    assert.deepStrictEqual((await repo.list({ status: 'new' })).length, 0);
    await assert.rejects(repo.create({ asset: 'press-01', text: '   ', by: 'olga', ts: T0 }), /msg\.payload\.text/);
  });

  it('photos waiting for a request: 10 per user at a time; never sent, they are removed after a day (row and file), sent ones kept', async () => {
    const photos = new PhotoRepo(dir);
    const repo = new RequestRepo(store, photos);
    const png = tinyPng();
    const TB = T0 + 30 * 24 * 3600_000;
    await photos.purgeUnsent(store, TB); // what earlier cases left waiting
    const up = (by: string, ts: number) => photos.save(store, png, by, ts);
    const waiting = [];
    for (let i = 0; i < 10; i++) waiting.push(await up('una', TB));
    await assert.rejects(up('una', TB + 60_000), (e: unknown) => e instanceof PhotoError && e.status === 409 && /at most 10 photos waiting to be sent with a request/.test(e.message));
    await up('ulf', TB + 60_000); // another user is not held up
    // one goes with a request; the other nine are never sent
    const r = await repo.create({ asset: 'press-01', text: 'Guard cracked', by: 'una', ts: TB + 120_000, photos: [waiting[0].name] });
    const day = TB + 24 * 3600_000;
    assert.strictEqual(await photos.purgeUnsent(store, day - 1), 0, 'none removed before a day has passed');
    const tenth = await up('una', day - 1); // the sent one no longer counts: 9 waiting, room for one
    await assert.rejects(up('una', day - 1), (e: unknown) => e instanceof PhotoError && e.status === 409);
    // another box on a shared store (its own folder) leaves these alone: their files are here
    assert.strictEqual(await new PhotoRepo(path.join(dir, '..', 'other-box-photos'), { shared: true }).purgeUnsent(store, day), 0);
    assert.strictEqual(await photos.purgeUnsent(store, day), 9);
    for (const p of waiting.slice(1)) {
      assert.strictEqual(fs.existsSync(path.join(dir, p.name)), false, `${p.name} removed`);
      assert.strictEqual(await photos.info(store, p.name), undefined);
    }
    assert.ok(await photos.info(store, tenth.name), 'a photo of the last day stays');
    assert.deepStrictEqual((await repo.get(r.id)).photos.map((x) => x.name), [waiting[0].name], 'the sent photo kept');
    assert.ok(fs.existsSync(path.join(dir, waiting[0].name)));
    const last = await up('una', day);
    assert.ok(last.name, 'una can upload again (1 waiting)');
    // a stale row whose file is gone: a box's own store drops it, a shared store leaves it to the box that has the folder
    fs.rmSync(path.join(dir, last.name));
    const later = day + 25 * 3600_000;
    assert.strictEqual(await new PhotoRepo(dir, { shared: true }).purgeUnsent(store, later), 2, 'the tenth and ulf\'s (their files are here)');
    assert.ok(await photos.info(store, last.name), 'the row without a file stays on a shared store');
    assert.strictEqual(await photos.purgeUnsent(store, later), 1);
    assert.strictEqual(await photos.info(store, last.name), undefined, 'and goes on a box\'s own store');
  });

  it('the caps hold when 24 uploads come at once from six boxes: 10 waiting per user, 10 per work order', async () => {
    const boxes = await Promise.all([...Array(6)].map((_, i) => be.another(`photo-box-${i}`)));
    const photos = new PhotoRepo(dir);
    const png = tinyPng();
    const TC = T0 + 90 * DAY;
    const order = (await wo.create({ asset: 'press-02', title: 'Guard bent', ts: TC })).id;
    const burst = (link: { order?: number }) => Promise.allSettled([...Array(24)].map((_, i) => photos.save(boxes[i % boxes.length], png, 'vera', TC, link)));
    for (const [what, link, sql] of [
      ['vera\'s photos waiting', {}, 'SELECT COUNT(*) AS n FROM floor_photos WHERE uploaded_by = ? AND request_id IS NULL AND order_id IS NULL'],
      [`order ${order}`, { order }, `SELECT COUNT(*) AS n FROM floor_photos WHERE uploaded_by = ? AND order_id = ${order}`],
    ] as const) {
      const r = await burst(link);
      const refused = r.filter((x) => x.status === 'rejected').map((x) => (x as PromiseRejectedResult).reason as unknown);
      for (const e of refused) assert.ok(e instanceof PhotoError && e.status === 409, `${what}: ${String(e)}`);
      const rows = (await store.one<{ n: number }>(sql, ['vera']))!.n;
      console.log(`      ${be.dialect}, ${what}: ${r.length - refused.length} kept, ${refused.length} refused, ${rows} rows`);
      assert.deepStrictEqual([r.length - refused.length, refused.length, rows], [10, 14, 10], what);
    }
  });

  it('a transaction the store runs again leaves one file and one row; a refused photo leaves no file', async () => {
    const photos = new PhotoRepo(path.join(dir, '..', 'retry-photos'));
    const png = tinyPng();
    const TD = T0 + 120 * DAY;
    const files = () => (fs.existsSync(photos.dir) ? fs.readdirSync(photos.dir).length : 0);
    let attempts = 0;
    const p = await photos.save(store, png, 'wanda', TD, {}, async (q) => {
      attempts++;
      // PostgreSQL: a serialisation failure on the first attempt, raised by the server; the store runs the transaction again
      if (be.dialect === 'postgres' && attempts === 1) await q.run(`DO $$ BEGIN RAISE EXCEPTION 'conflict' USING ERRCODE = '40001'; END $$`);
    });
    assert.strictEqual(attempts, be.dialect === 'postgres' ? 2 : 1);
    assert.deepStrictEqual([files(), fs.readdirSync(photos.dir)[0]], [1, p.name], 'one file, the recorded one');
    assert.strictEqual((await store.one<{ n: number }>('SELECT COUNT(*) AS n FROM floor_photos WHERE uploaded_by = ?', ['wanda']))!.n, 1);
    await assert.rejects(
      photos.save(store, png, 'wanda', TD, {}, async () => {
        throw new StateError('work order 999 not found');
      }),
      /work order 999 not found/,
    );
    assert.strictEqual(files(), 1, 'the refused photo\'s file is removed');
  });
});
