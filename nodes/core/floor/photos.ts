/**
 * Photos from the floor (a request, a work order): size-capped, type-checked by their first
 * bytes (JPEG, PNG, WebP; what the browser claims is not trusted), written under a generated
 * name in a folder beside the store, and recorded in `floor_photos` (who uploaded it, the request
 * or order it belongs to). No Node-RED.
 */
import crypto from 'crypto';
import fs from 'fs';
import path from 'path';
import type { Query, Store } from '../store/types';

/** Largest photo accepted (a phone camera JPEG is 2-4 MB). */
export const MAX_PHOTO_BYTES = 5 * 1024 * 1024;
/** Most photos on one request or order, and waiting per user to be sent with a request. */
export const MAX_PHOTOS = 10;
/** How long a photo uploaded for a request that was never sent is kept (then removed). */
export const UNSENT_PHOTO_MS = 24 * 3600_000;

export type PhotoType = 'image/jpeg' | 'image/png' | 'image/webp';
const EXT: Record<PhotoType, string> = { 'image/jpeg': 'jpg', 'image/png': 'png', 'image/webp': 'webp' };
/** A generated photo name: 32 hex characters and the type's extension. */
export const PHOTO_NAME = /^[0-9a-f]{32}\.(jpg|png|webp)$/;

/** The image type of a file by its magic bytes, or undefined. */
export function sniffImage(b: Uint8Array): PhotoType | undefined {
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'image/jpeg';
  if (b.length >= 8 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47 && b[4] === 0x0d && b[5] === 0x0a && b[6] === 0x1a && b[7] === 0x0a) return 'image/png';
  if (b.length >= 12) {
    const ascii = (from: number, to: number) => String.fromCharCode(...b.subarray(from, to));
    if (ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP') return 'image/webp';
  }
  return undefined;
}

export class PhotoError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'PhotoError';
  }
}

/**
 * Read a request body up to `max` bytes: refused before reading when the declared length is over
 * it, and stopped (the rest not kept) as soon as more arrives than allowed. A request closed
 * before its body ended (cut off at a redeploy, the phone gone) is an error, also when it was
 * closed before this started reading (no event would come then).
 */
export function readCapped(req: NodeJS.ReadableStream & { headers?: Record<string, unknown>; destroyed?: boolean; complete?: boolean }, max = MAX_PHOTO_BYTES): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers?.['content-length']);
    if (Number.isFinite(declared) && declared > max) return reject(new PhotoError(413, `photo too large: ${declared} bytes, at most ${max} (${max / 1024 / 1024} MB)`));
    if (req.destroyed && !req.complete) return reject(new Error('the request was closed before its body was read'));
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on('data', (c: Buffer) => {
      if (done) return;
      size += c.length;
      if (size > max) {
        done = true;
        chunks.length = 0;
        (req as unknown as { pause?: () => void }).pause?.();
        return reject(new PhotoError(413, `photo too large: more than ${max} bytes (${max / 1024 / 1024} MB)`));
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (done) return;
      done = true;
      resolve(Buffer.concat(chunks));
    });
    req.on('error', (e: Error) => {
      if (done) return;
      done = true;
      reject(e);
    });
    req.on('close', () => {
      if (done) return;
      done = true;
      reject(new Error('the request was closed before its body ended'));
    });
  });
}

export interface PhotoInfo {
  name: string;
  type: PhotoType;
  size: number;
  by: string;
  at: string;
  request: number | null;
  order: number | null;
}

interface PhotoRow {
  name: string;
  type: PhotoType;
  size: number;
  uploaded_by: string;
  created_at: number;
  request_id: number | null;
  order_id: number | null;
}

const n = (v: unknown) => (v === null || v === undefined ? null : Number(v));
function toInfo(r: PhotoRow): PhotoInfo {
  return { name: r.name, type: r.type, size: Number(r.size), by: r.uploaded_by, at: new Date(Number(r.created_at)).toISOString(), request: n(r.request_id), order: n(r.order_id) };
}

/** The folder of the photos of a store: beside a SQLite file, else in the box's user directory. */
export function photoDir(storeLocation: string, backend: 'sqlite' | 'postgres', userDir: string): string {
  if (backend === 'sqlite' && path.isAbsolute(storeLocation)) return path.join(path.dirname(storeLocation), path.basename(storeLocation).replace(/\.[^.]*$/, '') + '-photos');
  return path.join(userDir, 'reliability-photos');
}

/** Photos on disk (`dir`) and their rows in the store. */
export class PhotoRepo {
  /** `shared`: the rows are shared by several boxes, each with its own folder (a PostgreSQL store). */
  constructor(
    readonly dir: string,
    private readonly o: { shared?: boolean } = {},
  ) {}

  /**
   * Check and keep one photo, for a work order (`link.order`) or waiting to be sent with a request
   * (attachToRequest links it then): its file is written first, outside any transaction, then its row in
   * one transaction on `store` (after `before`, e.g. a check that the order exists, and the caps).
   * The store may run a transaction again (PostgreSQL, on a serialisation failure or deadlock): the
   * one file serves every attempt. When the row is not written, the file is removed.
   */
  async save(store: Store, body: Buffer, by: string, ts: number, link: { order?: number } = {}, before?: (q: Query) => Promise<void>): Promise<PhotoInfo> {
    if (body.length > MAX_PHOTO_BYTES) throw new PhotoError(413, `photo too large: ${body.length} bytes, at most ${MAX_PHOTO_BYTES}`);
    if (body.length === 0) throw new PhotoError(400, 'photo: the body is empty');
    const type = sniffImage(body);
    if (!type) throw new PhotoError(415, 'photo: expected a JPEG, PNG or WebP image (checked by its first bytes)');
    const name = `${crypto.randomBytes(16).toString('hex')}.${EXT[type]}`;
    await fs.promises.mkdir(this.dir, { recursive: true, mode: 0o750 });
    const file = path.join(this.dir, name);
    await fs.promises.writeFile(file, body, { flag: 'wx', mode: 0o640 });
    try {
      await store.tx(async (q) => {
        if (before) await before(q);
        await this.checkCap(q, by, ts, link.order);
        await q.run('INSERT INTO floor_photos (name, type, size, uploaded_by, created_at, request_id, order_id) VALUES (?, ?, ?, ?, ?, ?, ?)', [name, type, body.length, by, ts, null, link.order ?? null]);
      });
    } catch (e) {
      await fs.promises.rm(file, { force: true });
      throw e;
    }
    return { name, type, size: body.length, by, at: new Date(ts).toISOString(), request: null, order: link.order ?? null };
  }

  /**
   * On PostgreSQL, the count and the insert of one cap (an order's photos, a user's photos
   * waiting) run one transaction at a time across every box: without it, uploads at once each count
   * the rows committed before them and all pass. Held to the end of the transaction; SQLite
   * transactions hold the whole file already.
   */
  private async lockCap(q: Query, cap: string): Promise<void> {
    if (q.dialect === 'postgres') await q.one('SELECT pg_advisory_xact_lock(hashtext(?))', [`floor_photos:${cap}`]);
  }

  /** Refuse a photo when its cap is full: MAX_PHOTOS on its work order, else waiting for a request from its uploader (of the last UNSENT_PHOTO_MS). */
  private async checkCap(q: Query, by: string, ts: number, order: number | undefined): Promise<void> {
    const [cap, where, params, refusal] =
      order !== undefined
        ? [`order:${order}`, 'order_id = ?', [order], 'per work order']
        : [`unsent:${by}`, 'uploaded_by = ? AND request_id IS NULL AND order_id IS NULL AND created_at > ?', [by, ts - UNSENT_PHOTO_MS], 'waiting to be sent with a request: send the request first (photos not sent within 24 h are removed)'];
    await this.lockCap(q, cap);
    const c = Number((await q.one<{ n: number }>(`SELECT COUNT(*) AS n FROM floor_photos WHERE ${where}`, params))?.n ?? 0);
    if (c >= MAX_PHOTOS) throw new PhotoError(409, `at most ${MAX_PHOTOS} photos ${refusal}`);
  }

  /**
   * Remove photos never sent with a request within UNSENT_PHOTO_MS: the row (each in its own
   * statement, so one attached meanwhile stays), then the file. On a shared store only those whose
   * file is in this box's folder (each box purges its own); on a box's own store also the rows
   * whose file is gone. At most 100 removed and 1000 rows looked at a call, in pages; returns how
   * many were removed.
   */
  async purgeUnsent(q: Query, ts: number): Promise<number> {
    let n = 0;
    let after = 0;
    for (let seen = 0; n < 100 && seen < 1000; ) {
      const page = await q.all<{ id: number; name: string }>('SELECT id, name FROM floor_photos WHERE request_id IS NULL AND order_id IS NULL AND created_at <= ? AND id > ? ORDER BY id LIMIT 200', [ts - UNSENT_PHOTO_MS, after]);
      if (!page.length) break;
      seen += page.length;
      after = Number(page[page.length - 1].id);
      for (const { name } of page) {
        if (n >= 100) break;
        const file = PHOTO_NAME.test(name) ? path.join(this.dir, name) : undefined;
        const here = !!file && (await fs.promises.access(file).then(() => true, () => false));
        if (!here && this.o.shared) continue;
        const r = await q.run('DELETE FROM floor_photos WHERE name = ? AND request_id IS NULL AND order_id IS NULL', [name]);
        if (!r.changes) continue;
        n++;
        if (here) await fs.promises.rm(file!, { force: true });
      }
    }
    return n;
  }

  async info(q: Query, name: string): Promise<PhotoInfo | undefined> {
    if (!PHOTO_NAME.test(name)) return undefined;
    const r = await q.one<PhotoRow>('SELECT * FROM floor_photos WHERE name = ?', [name]);
    return r ? toInfo(r) : undefined;
  }

  /** The bytes of a recorded photo and its checked type, or undefined. */
  async read(q: Query, name: string): Promise<{ info: PhotoInfo; body: Buffer } | undefined> {
    const info = await this.info(q, name);
    if (!info) return undefined;
    try {
      return { info, body: await fs.promises.readFile(path.join(this.dir, info.name)) };
    } catch {
      return undefined;
    }
  }

  async ofOrder(q: Query, orderId: number): Promise<PhotoInfo[]> {
    return (await q.all<PhotoRow>('SELECT * FROM floor_photos WHERE order_id = ? ORDER BY id', [orderId])).map(toInfo);
  }

  async ofRequest(q: Query, requestId: number): Promise<PhotoInfo[]> {
    return (await q.all<PhotoRow>('SELECT * FROM floor_photos WHERE request_id = ? ORDER BY id', [requestId])).map(toInfo);
  }

  /** Photos uploaded by `by` and not attached yet become the request's. Unknown or foreign names are an error. */
  async attachToRequest(q: Query, names: readonly string[], by: string, requestId: number): Promise<void> {
    if (names.length > MAX_PHOTOS) throw new PhotoError(400, `at most ${MAX_PHOTOS} photos per request`);
    for (const name of names) {
      const r = await q.run('UPDATE floor_photos SET request_id = ? WHERE name = ? AND uploaded_by = ? AND request_id IS NULL AND order_id IS NULL', [requestId, name, by]);
      if (!r.changes) throw new PhotoError(400, `photo ${name}: not an unattached photo uploaded by ${by}`);
    }
  }

  /** A request's photos also belong to the order it became. */
  async linkRequestToOrder(q: Query, requestId: number, orderId: number): Promise<void> {
    await q.run('UPDATE floor_photos SET order_id = ? WHERE request_id = ?', [orderId, requestId]);
  }
}
