/**
 * CMMS benchmarks (ratios against raw better-sqlite3 in the same run, same file settings:
 * WAL, synchronous=FULL):
 *  1. `detect` throughput through the rel-work-order node (validation, group commit, output msg)
 *     vs the same statements run raw (lookup by dedup key, insert or update, one transaction per
 *     burst), and vs raw autocommit (one fsync per detection);
 *  2. `list` of one asset's open work orders with 100k and 1M stored, through the node vs the
 *     raw SELECT on the same partial index.
 *
 *   node .build-cmms/bench/run.js cmms     (or: npm run bench -- cmms)
 */
import fs from 'fs';
import os from 'os';
import path from 'path';
import { EventEmitter } from 'events';
import Database from 'better-sqlite3';
import { openStore, migrateCore } from '../nodes/core/store';
import { migrateCmms, dedupKey } from '../nodes/core/cmms';

/** Just enough of the Node-RED runtime to construct a node and feed it messages. */
function fakeRed(file: string) {
  const types = new Map<string, Function>();
  const nodes = new Map<string, unknown>([['store1', { id: 'store1', file }]]);
  const RED: any = {
    nodes: {
      createNode(node: any, def: any) {
        Object.assign(node, new EventEmitter(), { id: def.id, type: def.type });
        Object.setPrototypeOf(node, EventEmitter.prototype);
        EventEmitter.call(node);
        node.status = () => {};
        node.error = (e: unknown) => console.error(e);
        node.warn = () => {};
        node.log = () => {};
        node.send = () => {};
      },
      registerType: (t: string, ctor: Function) => types.set(t, ctor),
      getNode: (id: string) => nodes.get(id) ?? null,
    },
    util: { cloneMessage: (m: unknown) => m, evaluateNodeProperty: () => {} },
    settings: {},
    httpAdmin: { get() {}, post() {} },
    auth: { needsPermission: () => () => {} },
    log: { info() {}, warn() {}, error() {}, debug() {} },
  };
  return {
    RED,
    create(type: string, def: Record<string, unknown>): any {
      const Ctor = types.get(type) as any;
      const n = {};
      Ctor.call(n, { id: `${type}-1`, type, ...def });
      return n;
    },
  };
}

/** Send msgs into a node in bursts of `burst`, resolving when every one has called done. */
function feed(node: any, msgs: any[], burst: number): Promise<number> {
  return new Promise((resolve, reject) => {
    let i = 0;
    let finished = 0;
    const t0 = process.hrtime.bigint();
    const next = () => {
      const end = Math.min(msgs.length, i + burst);
      let pending = end - i;
      for (; i < end; i++)
        node.emit('input', msgs[i], () => {}, (err?: Error) => {
          if (err) return reject(err);
          finished++;
          if (--pending === 0) {
            if (finished === msgs.length) resolve(Number(process.hrtime.bigint() - t0) / 1e9);
            else setImmediate(next);
          }
        });
    };
    next();
  });
}

function detectMsgs(n: number, assets: number, modes: string[]): any[] {
  return Array.from({ length: n }, (_, i) => ({
    action: 'detect',
    payload: { asset: `asset-${i % assets}`, criticality: 3, mode: modes[(i >> 3) % modes.length], severity: i % 5 ? 'warning' : 'alarm', evidence: `peak ${i}` },
  }));
}

function rawDetect(db: Database.Database, readBack: boolean) {
  const find = db.prepare('SELECT id, severity, detections FROM cmms_work_orders WHERE dedup_key = ? AND is_open = 1');
  const ins = db.prepare(
    `INSERT INTO cmms_work_orders (asset, line, mode, title, description, criticality, severity, last_severity, priority, status, is_open, dedup_key,
       source, detections, evidence, first_seen, last_seen, parts, created_at, updated_at)
     VALUES (?, '', ?, ?, '', 3, ?, ?, 3, 'open', 1, ?, 'condition', 1, ?, ?, ?, '[]', ?, ?)`,
  );
  const hist = db.prepare('INSERT INTO cmms_wo_history (wo_id, ts, action, from_status, to_status, actor, note) VALUES (?, ?, ?, ?, ?, ?, ?)');
  const upd = db.prepare('UPDATE cmms_work_orders SET detections = detections + 1, last_seen = ?, severity = ?, last_severity = ?, evidence = ?, updated_at = ? WHERE id = ?');
  const full = db.prepare('SELECT * FROM cmms_work_orders WHERE dedup_key = ? AND is_open = 1');
  const hs = db.prepare('SELECT ts, action, from_status, to_status, actor, note FROM cmms_wo_history WHERE wo_id = ? ORDER BY id');
  if (readBack)
    // The same statements the node runs to answer with the work order and its history.
    return (p: any) => {
      const now = Date.now();
      const key = dedupKey(p.asset, p.mode);
      const r = full.get(key) as { id: number; severity: string } | undefined;
      let id: number;
      if (!r) {
        id = Number(ins.run(p.asset, p.mode, `${p.mode} on ${p.asset}`, p.severity, p.severity, key, p.evidence, now, now, now, now).lastInsertRowid);
        hist.run(id, now, 'detect', null, 'open', 'condition', p.evidence);
        full.get(key);
      } else {
        id = r.id;
        upd.run(now, p.severity === 'alarm' ? 'alarm' : r.severity, p.severity, p.evidence, now, r.id);
      }
      return hs.all(id);
    };
  return (p: any) => {
    const now = Date.now();
    const key = dedupKey(p.asset, p.mode);
    const r = find.get(key) as { id: number; severity: string } | undefined;
    if (!r) {
      const id = Number(ins.run(p.asset, p.mode, `${p.mode} on ${p.asset}`, p.severity, p.severity, key, p.evidence, now, now, now, now).lastInsertRowid);
      hist.run(id, now, 'detect', null, 'open', 'condition', p.evidence);
    } else upd.run(now, p.severity === 'alarm' ? 'alarm' : r.severity, p.severity, p.evidence, now, r.id);
  };
}

function freshFile(name: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cmms-bench-'));
  const file = path.join(dir, name);
  const h = openStore(file);
  migrateCore(h.store);
  migrateCmms(h.store);
  h.release();
  return file;
}

function rawDb(file: string): Database.Database {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  return db;
}

async function benchDetect(): Promise<void> {
  const N = 20_000;
  const BURST = 100;
  const modes = ['imbalance', 'misalignment', 'looseness', 'bearing-outer-race', 'bearing-inner-race'];
  const msgs = detectMsgs(N, 500, modes);

  const nodeFile = freshFile('node.db');
  const { RED, create } = fakeRed(nodeFile);
  (require('../nodes/rel-work-order/rel-work-order') as (r: unknown) => void)(RED);
  const node = create('rel-work-order', { store: 'store1' });
  const tNode = await feed(node, msgs, BURST);
  await new Promise<void>((r) => node.emit('close', false, r));

  const rawFile = freshFile('raw.db');
  const db = rawDb(rawFile);
  const detect = rawDetect(db, false);
  const batch = db.transaction((ps: any[]) => ps.forEach(detect));
  let t0 = process.hrtime.bigint();
  for (let i = 0; i < N; i += BURST) batch(msgs.slice(i, i + BURST).map((m) => m.payload));
  const tRaw = Number(process.hrtime.bigint() - t0) / 1e9;
  const rawFile2 = freshFile('raw2.db');
  const db2 = rawDb(rawFile2);
  const detect2 = rawDetect(db2, true);
  const batch2 = db2.transaction((ps: any[]) => ps.forEach(detect2));
  t0 = process.hrtime.bigint();
  for (let i = 0; i < N; i += BURST) batch2(msgs.slice(i, i + BURST).map((m) => m.payload));
  const tRaw2 = Number(process.hrtime.bigint() - t0) / 1e9;
  db2.close();
  // one fsync per detection (no group commit), on 2,000 of them
  const M = 2000;
  t0 = process.hrtime.bigint();
  for (let i = 0; i < M; i++) db.transaction(() => detect(msgs[i].payload)).immediate();
  const tAuto = (Number(process.hrtime.bigint() - t0) / 1e9) * (N / M);
  const check = (f: string) => {
    const d = new Database(f, { readonly: true });
    const r = d.prepare('SELECT COUNT(*) AS n, SUM(detections) AS s FROM cmms_work_orders').get() as { n: number; s: number };
    d.close();
    return r;
  };
  db.close();
  const a = check(nodeFile);
  console.log(`detect, ${N.toLocaleString('en-US')} msgs in bursts of ${BURST} (synchronous=FULL), ${a.n} work orders, ${a.s} detections:`);
  console.log(`  node (rel-work-order, group commit)  ${(N / tNode).toFixed(0).padStart(8)} /s`);
  console.log(`  raw, same statements incl. read-back ${(N / tRaw2).toFixed(0).padStart(8)} /s   node/raw time ratio ${(tNode / tRaw2).toFixed(2)}x (target <= 2x)`);
  console.log(`  raw, writes only (no read-back)      ${(N / tRaw).toFixed(0).padStart(8)} /s   node/raw time ratio ${(tNode / tRaw).toFixed(2)}x`);
  console.log(`  raw, one commit per detection        ${(N / tAuto).toFixed(0).padStart(8)} /s   (why group commit: ${(tAuto / tNode).toFixed(1)}x slower than the node)`);
  console.log(`  target >= 2,000/s through the node: ${N / tNode >= 2000 ? 'met' : 'NOT met'}`);
  for (const f of [nodeFile, rawFile, rawFile2]) fs.rmSync(path.dirname(f), { recursive: true, force: true });
}

/** Fill a file with `rows` work orders over 1,000 assets: 3 open per asset, the rest closed. */
function fill(file: string, rows: number): void {
  const db = rawDb(file);
  db.pragma('synchronous = OFF');
  const ins = db.prepare(
    `INSERT INTO cmms_work_orders (asset, line, mode, title, criticality, severity, last_severity, priority, status, is_open, dedup_key, source, detections, created_at, updated_at, done_at, closed_at)
     VALUES (?, 'line-1', ?, ?, 3, 'warning', 'warning', 3, ?, ?, ?, 'condition', 1, ?, ?, ?, ?)`,
  );
  const hist = db.prepare("INSERT INTO cmms_wo_history (wo_id, ts, action, from_status, to_status, actor, note) VALUES (?, ?, 'detect', NULL, 'open', 'condition', '')");
  const ASSETS = 1000;
  const openFrom = rows - ASSETS * 3;
  const t = Date.UTC(2020, 0, 1);
  db.transaction(() => {
    for (let i = 0; i < rows; i++) {
      const asset = `asset-${i % ASSETS}`;
      const open = i >= openFrom;
      const mode = open ? `mode-${Math.floor((i - openFrom) / ASSETS)}` : 'imbalance';
      const id = Number(ins.run(asset, mode, `wo ${i}`, open ? 'open' : 'closed', open ? 1 : 0, open ? dedupKey(asset, mode) : null, t + i * 1000, t + i * 1000, open ? null : t + i * 1000, open ? null : t + i * 1000).lastInsertRowid);
      hist.run(id, t + i * 1000);
    }
  })();
  db.close();
}

async function benchList(rows: number): Promise<void> {
  const file = freshFile(`list-${rows}.db`);
  const tf = process.hrtime.bigint();
  fill(file, rows);
  const fillS = Number(process.hrtime.bigint() - tf) / 1e9;
  const { RED, create } = fakeRed(file);
  (require('../nodes/rel-work-order/rel-work-order') as (r: unknown) => void)(RED);
  const node = create('rel-work-order', { store: 'store1' });
  const Q = 2000;
  let got = 0;
  const one = (i: number) =>
    new Promise<void>((resolve, reject) =>
      node.emit('input', { action: 'list', payload: { asset: `asset-${(i * 7) % 1000}`, open: true } }, (m: any) => (got = m[0].payload.length), (e?: Error) => (e ? reject(e) : resolve())),
    );
  for (let i = 0; i < 200; i++) await one(i); // warm up
  let t0 = process.hrtime.bigint();
  for (let i = 0; i < Q; i++) await one(i);
  const usNode = Number(process.hrtime.bigint() - t0) / 1e3 / Q;
  await new Promise<void>((r) => node.emit('close', false, r));

  const db = rawDb(file);
  const sel = db.prepare('SELECT * FROM cmms_work_orders WHERE asset = ? AND is_open = 1 ORDER BY id LIMIT ?');
  const hs = db.prepare('SELECT ts, action, from_status, to_status, actor, note FROM cmms_wo_history WHERE wo_id = ? ORDER BY id');
  let n = 0;
  const rawOne = (i: number) => {
    const r = sel.all(`asset-${(i * 7) % 1000}`, 1000) as { id: number }[];
    for (const w of r) hs.all(w.id);
    n = r.length;
  };
  for (let i = 0; i < 200; i++) rawOne(i);
  t0 = process.hrtime.bigint();
  for (let i = 0; i < Q; i++) rawOne(i);
  const usRaw = Number(process.hrtime.bigint() - t0) / 1e3 / Q;
  // the same query without the partial index, to show what it buys
  const plan = db.prepare('EXPLAIN QUERY PLAN SELECT * FROM cmms_work_orders WHERE asset = ? AND is_open = 1 ORDER BY id LIMIT ?').all('asset-1', 1000) as { detail: string }[];
  db.close();
  console.log(`list one asset's open work orders (${got} with history) among ${rows.toLocaleString('en-US')} stored (filled in ${fillS.toFixed(1)} s):`);
  console.log(`  node (rel-work-order list, msg in -> msg out)  ${usNode.toFixed(1).padStart(8)} us`);
  console.log(`  raw better-sqlite3 (same SELECTs)               ${usRaw.toFixed(1).padStart(8)} us   node/raw ${(usNode / usRaw).toFixed(2)}x; rows ${n}`);
  console.log(`  plan: ${plan.map((p) => p.detail).join('; ')}`);
  console.log(`  target < 1 ms: ${usNode < 1000 ? 'met' : 'NOT met'}`);
  fs.rmSync(path.dirname(file), { recursive: true, force: true });
}

export async function run(): Promise<void> {
  await benchDetect();
  await benchList(100_000);
  await benchList(1_000_000);
}
