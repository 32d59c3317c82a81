/**
 * Store benchmark: the CMMS nodes' hot paths on each backend, against the raw SQL statements in
 * the same run.
 *  1. `detect` through rel-work-order (validation, group commit, the dedup upsert, history, the
 *     output msg with the order and its history) vs the raw upsert (INSERT ... ON CONFLICT ... DO
 *     UPDATE ... RETURNING *, a history row when it opened or escalated), one transaction per
 *     burst of 100 on both sides; on a SQLite file (WAL, synchronous=FULL) and on a PostgreSQL 15
 *     throwaway cluster (Debian's server binaries, test/helpers/pg.ts); node and raw on fresh
 *     databases take turns every 500 messages (so both see the same machine load), the raw
 *     SQLite connection with the store's settings (WAL, synchronous=FULL, foreign_keys=ON);
 *     several rounds, the median ratio is printed.
 *  2. Round trips per detect on PostgreSQL: every statement sent through any pg client of this
 *     process is counted (pg's Client.prototype.query wrapped), BEGIN and COMMIT included, also
 *     the follow-up dispatcher's and the status count's; in bursts and one message at a time.
 *  3. detects/s for 1 box and for 3 boxes (3 rel-store configurations, 3 pools on PostgreSQL,
 *     each with its own rel-work-order node, fed at once, each its own assets).
 *  4. `issue` of one part through rel-spares vs the raw conditional UPDATE ... RETURNING and the
 *     move row, one transaction per issue on both sides, one after the other.
 * On PostgreSQL the raw statements are prepared (named) like the store's (nodes/core/store/postgres.ts),
 * so neither side pays parsing and planning per execution; on SQLite both sides use cached prepared statements.
 *
 *   npm run bench -- store     (or: node dist/bench/run.js store)
 *   STORE_BENCH_N (detects per run, 5,000), STORE_BENCH_ROUNDS (3), STORE_BENCH_ISSUES (1,000),
 *   STORE_BENCH_BACKENDS (sqlite,postgres)
 */
import fs from 'fs';
import os from 'os';
import path from 'path';
import { fakeRed } from './fake-red';
import Database from 'better-sqlite3';
import { Pool, Client } from 'pg';
import { openStore, migrateCoreAsync } from '../nodes/core/store';
import { openPostgres, type PgHandle } from '../nodes/core/store/postgres';
import { migrateCmms, dedupKey } from '../nodes/core/cmms';
import { pgCluster, type PgCluster } from '../test/helpers/pg';

// ------------------------------------------------------------------------------------------
// Round trips: every statement any pg client of this process sends.
let roundTrips = 0;
const origQuery = Client.prototype.query;
(Client.prototype as any).query = function (this: Client, ...args: unknown[]) {
  roundTrips++;
  return (origQuery as any).apply(this, args);
};

type Backend = 'sqlite' | 'postgres';

/** rel-work-order and rel-spares on the given rel-store configurations. */
const cmmsNodes = (stores: Record<string, unknown>) => {
  const { create } = fakeRed(stores, [require.resolve('../nodes/rel-work-order/rel-work-order'), require.resolve('../nodes/rel-spares/rel-spares')]);
  return create;
};

const close = (node: any) => new Promise<void>((r) => node.emit('close', false, r));

/** Send msgs into a node in bursts of `burst` (the next burst when the last has called done); resolves with the seconds. */
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

/** One message, its first output (or the error). */
function ask(node: any, msg: any): Promise<any> {
  return new Promise((resolve, reject) => {
    let out: any;
    node.emit('input', msg, (m: any) => (out = Array.isArray(m) ? m[0] : m), (e?: Error) => (e ? reject(e) : resolve(out)));
  });
}

const MODES = ['imbalance', 'misalignment', 'looseness', 'bearing-outer-race', 'bearing-inner-race'];

/** n detections over `assets` assets (prefix per box) x 5 modes, some escalating to alarm. */
function detectMsgs(n: number, prefix: string, assets = 200): any[] {
  return Array.from({ length: n }, (_, i) => ({
    action: 'detect',
    payload: { asset: `${prefix}-${i % assets}`, criticality: 3, mode: MODES[(i >> 3) % MODES.length], severity: i % 7 === 3 ? 'alarm' : 'warning', evidence: `peak ${i}` },
  }));
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

// ------------------------------------------------------------------------------------------
// Databases

interface Db {
  backend: Backend;
  /** A rel-store configuration node for it (a fresh pool per call on PostgreSQL: a box). */
  storeNode(tag: string): { cfg: unknown; release(): Promise<void> };
  /** Raw statements: run sql with ? placeholders. */
  raw: RawConn;
  /** Totals for the cross-check: orders, detections, history rows. */
  counts(): Promise<string>;
  drop(): Promise<void>;
}

interface RawConn {
  tx<T>(fn: (q: (sql: string, params: unknown[]) => Promise<any[]>) => Promise<T>): Promise<T>;
  end(): Promise<void>;
}

let seqDb = 0;

async function sqliteDb(): Promise<Db> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'store-bench-'));
  const file = path.join(dir, 'bench.db');
  const h = openStore(file);
  await migrateCoreAsync(h.db);
  await migrateCmms(h.db);
  h.release();
  const raw = new Database(file);
  // The connection settings of the store's own connection (nodes/core/store/sqlite.ts).
  raw.pragma('journal_mode = WAL');
  raw.pragma('synchronous = FULL');
  raw.pragma('foreign_keys = ON');
  raw.pragma('busy_timeout = 5000');
  const cache = new Map<string, Database.Statement>();
  const st = (sql: string) => {
    let s = cache.get(sql);
    if (!s) cache.set(sql, (s = raw.prepare(sql)));
    return s;
  };
  const conn: RawConn = {
    // better-sqlite3 is synchronous: BEGIN IMMEDIATE ... COMMIT around the (synchronous) statements
    async tx(fn) {
      st('BEGIN IMMEDIATE').run();
      try {
        const out = await fn(async (sql, params) => (st(sql).reader ? st(sql).all(...(params as any[])) : (st(sql).run(...(params as any[])), [])));
        st('COMMIT').run();
        return out;
      } catch (e) {
        st('ROLLBACK').run();
        throw e;
      }
    },
    async end() {
      raw.close();
    },
  };
  return {
    backend: 'sqlite',
    storeNode: () => ({ cfg: { id: 'store', file, backend: 'sqlite' }, release: async () => undefined }),
    raw: conn,
    async counts() {
      const d = new Database(file, { readonly: true });
      const r = d.prepare('SELECT COUNT(*) AS n, SUM(detections) AS s FROM cmms_work_orders').get() as { n: number; s: number };
      const hh = d.prepare('SELECT COUNT(*) AS n FROM cmms_wo_history').get() as { n: number };
      d.close();
      return `${r.n} orders, ${r.s} detections, ${hh.n} history rows`;
    },
    async drop() {
      await conn.end();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** ? -> $1, $2 ... (the raw statements have no ? inside strings). */
const dollar = (sql: string) => {
  let i = 0;
  return sql.replace(/\?/g, () => `$${++i}`);
};

/** The raw statements are prepared too (named, parsed and planned once per connection), as the store prepares the node's. */
const rawNames = new Map<string, string>();
const rawQuery = (sql: string, values: unknown[]) => {
  let name = rawNames.get(sql);
  if (!name) rawNames.set(sql, (name = `raw_${rawNames.size + 1}`));
  return { name, text: dollar(sql), values };
};

async function postgresDb(cluster: PgCluster): Promise<Db> {
  const name = `store_bench_${process.pid}_${++seqDb}`;
  const url = await cluster.createDatabase(name);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'store-bench-pg-'));
  const first = openPostgres({ url });
  await migrateCmms(first.db);
  await first.release();
  const pool = new Pool({ connectionString: url, max: 10 });
  const conn: RawConn = {
    async tx(fn) {
      const c = await pool.connect();
      try {
        await c.query('BEGIN');
        const out = await fn(async (sql, params) => (await c.query(rawQuery(sql, params))).rows);
        await c.query('COMMIT');
        return out;
      } catch (e) {
        await c.query('ROLLBACK').catch(() => undefined);
        throw e;
      } finally {
        c.release();
      }
    },
    end: () => pool.end(),
  };
  let box = 0;
  return {
    backend: 'postgres',
    storeNode(tag) {
      // a pool of its own per box (pools are shared per connection: the application name makes each box's its own)
      const pg: PgHandle = openPostgres({ url: `${url}?application_name=${encodeURIComponent(`bench-${tag}-${++box}`)}`, poolSize: 10 });
      return { cfg: { id: 'store', file: path.join(dir, `local-${box}.db`), backend: 'postgres', pg }, release: () => pg.release() };
    },
    raw: conn,
    async counts() {
      const r = (await pool.query('SELECT COUNT(*)::int AS n, SUM(detections)::int AS s FROM cmms_work_orders')).rows[0];
      const hh = (await pool.query('SELECT COUNT(*)::int AS n FROM cmms_wo_history')).rows[0];
      return `${r.n} orders, ${r.s} detections, ${hh.n} history rows`;
    },
    async drop() {
      await conn.end();
      const c = new Client({ connectionString: cluster.url });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

// ------------------------------------------------------------------------------------------
// Raw detect: the same logical work as the node in plain SQL.

const RAW_UPSERT = `INSERT INTO cmms_work_orders (asset, line, mode, title, description, criticality, severity, last_severity, priority, status, is_open, dedup_key,
     source, detections, evidence, first_seen, last_seen, parts, created_at, updated_at)
   VALUES (?, '', ?, ?, '', 3, ?, ?, ?, 'open', 1, ?, 'condition', 1, ?, ?, ?, '[]', ?, ?)
   ON CONFLICT (dedup_key) WHERE is_open = 1 DO UPDATE SET
     detections = cmms_work_orders.detections + 1,
     last_seen = excluded.last_seen, updated_at = excluded.updated_at,
     prev_severity = cmms_work_orders.severity,
     severity = CASE WHEN excluded.severity = 'alarm' THEN 'alarm' ELSE cmms_work_orders.severity END,
     priority = CASE WHEN excluded.severity = 'alarm' AND excluded.priority < cmms_work_orders.priority THEN excluded.priority ELSE cmms_work_orders.priority END,
     last_severity = excluded.last_severity, evidence = excluded.evidence
   RETURNING *`;
const RAW_HISTORY = 'INSERT INTO cmms_wo_history (wo_id, ts, action, from_status, to_status, actor, note) VALUES (?, ?, ?, ?, ?, ?, ?)';

async function rawDetect(q: (sql: string, params: unknown[]) => Promise<any[]>, p: any, now: number): Promise<unknown> {
  const prio = p.severity === 'alarm' ? 2 : 3;
  const [r] = await q(RAW_UPSERT, [p.asset, p.mode, `${p.mode} on ${p.asset}`, p.severity, p.severity, prio, dedupKey(p.asset, p.mode), p.evidence, now, now, now, now]);
  if (r.prev_severity === null || r.prev_severity === undefined) await q(RAW_HISTORY, [r.id, now, 'detect', null, 'open', 'condition', p.evidence]);
  else if (r.prev_severity !== r.severity) await q(RAW_HISTORY, [r.id, now, 'escalate', r.status, r.status, 'condition', `severity ${r.prev_severity} -> ${r.severity}`]);
  return r;
}

/** Raw detects in bursts, one transaction per burst. */
async function rawFeed(db: Db, msgs: any[], burst: number): Promise<number> {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < msgs.length; i += burst) {
    const now = Date.now();
    await db.raw.tx(async (q) => {
      for (let j = i; j < Math.min(msgs.length, i + burst); j++) await rawDetect(q, msgs[j].payload, now);
    });
  }
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

// ------------------------------------------------------------------------------------------

async function benchDetect(make: () => Promise<Db>, backend: Backend, N: number, ROUNDS: number): Promise<{ nodeRate: number; ratio: number; rtPerDetect?: number }> {
  const BURST = 100;
  // Node and raw take turns every CHUNK messages, so both see the same machine load (other
  // processes on a shared machine swing absolute rates by 2-4x within seconds).
  const CHUNK = 500;
  const msgs = detectMsgs(N, 'asset');
  const rows: { node: number; raw: number; rt?: number }[] = [];
  const copy = (m: any[]) => m.map((x) => ({ action: x.action, payload: { ...x.payload } }));
  for (let r = -1; r < ROUNDS; r++) {
    const warm = r < 0;
    const use = warm ? msgs.slice(0, 1000) : msgs;
    const dbNode = await make();
    const dbRaw = await make();
    const s = dbNode.storeNode('node');
    const create = cmmsNodes({ store: s.cfg });
    const node = create('rel-work-order', { store: 'store' });
    let tNode = 0;
    let tRaw = 0;
    let rt = 0;
    for (let c = 0; c * CHUNK < use.length; c++) {
      const part = use.slice(c * CHUNK, (c + 1) * CHUNK);
      const runNode = async () => {
        const rt0 = roundTrips;
        tNode += await feed(node, copy(part), BURST);
        rt += roundTrips - rt0;
      };
      const runRaw = async () => {
        tRaw += await rawFeed(dbRaw, part, BURST);
      };
      if ((c + r) % 2) {
        await runRaw();
        await runNode();
      } else {
        await runNode();
        await runRaw();
      }
    }
    await close(node);
    await s.release();
    const [a, b] = [await dbNode.counts(), await dbRaw.counts()];
    if (a !== b) throw new Error(`${backend}: node and raw disagree: ${a} vs ${b}`);
    await dbNode.drop();
    await dbRaw.drop();
    if (warm) continue;
    rows.push({ node: use.length / tNode, raw: use.length / tRaw, rt: backend === 'postgres' ? rt / use.length : undefined });
    console.log(
      `  ${backend} round ${r + 1}: node ${(use.length / tNode).toFixed(0).padStart(6)} /s, raw ${(use.length / tRaw).toFixed(0).padStart(6)} /s, node/raw ${(tNode / tRaw).toFixed(2)}x${backend === 'postgres' ? `, ${(rt / use.length).toFixed(3)} round trips per detect through the node` : ''}; both stores: ${a}`,
    );
  }
  const ratio = median(rows.map((x) => x.raw / x.node));
  const nodeRate = median(rows.map((x) => x.node));
  const rtPerDetect = backend === 'postgres' ? median(rows.map((x) => x.rt!)) : undefined;
  console.log(`  ${backend} median: node ${nodeRate.toFixed(0)} detects/s, raw ${median(rows.map((x) => x.raw)).toFixed(0)} /s, node/raw time ${ratio.toFixed(2)}x (goal <= 2x: ${ratio <= 2 ? 'met' : `NOT met, ${((ratio / 2 - 1) * 100).toFixed(1)} % over`})`);
  return { nodeRate, ratio, rtPerDetect };
}

/** One message at a time on PostgreSQL: no group commit, every detect its own transaction. */
async function roundTripsAlone(make: () => Promise<Db>): Promise<number> {
  const db = await make();
  const s = db.storeNode('alone');
  const node = cmmsNodes({ store: s.cfg })('rel-work-order', { store: 'store' });
  const msgs = detectMsgs(300, 'alone');
  await ask(node, msgs[0]); // the schema gate and status paint out of the way
  const rt0 = roundTrips;
  const t0 = process.hrtime.bigint();
  for (const m of msgs.slice(1)) await ask(node, m);
  const s1 = Number(process.hrtime.bigint() - t0) / 1e9;
  const rt = (roundTrips - rt0) / (msgs.length - 1);
  await close(node);
  await s.release();
  await db.drop();
  console.log(`  postgres, one message at a time (each its own transaction): ${rt.toFixed(2)} round trips per detect, ${((msgs.length - 1) / s1).toFixed(0)} detects/s`);
  return rt;
}

/** detects/s with `boxes` rel-store configurations (pools on PostgreSQL) fed at once, each box its own assets. */
async function boxesRate(make: () => Promise<Db>, backend: Backend, boxes: number, N: number): Promise<number> {
  const db = await make();
  const stores = Array.from({ length: boxes }, (_, i) => db.storeNode(`box${i}`));
  const nodes = stores.map((s) => cmmsNodes({ store: s.cfg })('rel-work-order', { store: 'store' }));
  await Promise.all(nodes.map((n, i) => feed(n, detectMsgs(200, `warm${i}`, 50), 100)));
  const per = Math.floor(N / boxes);
  const t0 = process.hrtime.bigint();
  await Promise.all(nodes.map((n, i) => feed(n, detectMsgs(per, `box${i}`), 100)));
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  for (const n of nodes) await close(n);
  for (const st of stores) await st.release();
  await db.drop();
  const rate = (per * boxes) / s;
  console.log(`  ${backend}, ${boxes} box${boxes > 1 ? 'es' : ''} (${boxes} rel-store configuration${boxes > 1 ? 's' : ''}${backend === 'postgres' ? `, ${boxes} pool${boxes > 1 ? 's' : ''}` : ', one shared file connection'}) at once, ${per} detects each in bursts of 100: ${rate.toFixed(0)} detects/s`);
  return rate;
}

/** issue one part through rel-spares vs raw, one transaction each, one after the other; node and raw take turns every CHUNK. */
async function benchIssue(make: () => Promise<Db>, backend: Backend, N: number): Promise<{ ratio: number; rt?: number }> {
  const CHUNK = 100;
  const dbNode = await make();
  const dbRaw = await make();
  const s = dbNode.storeNode('issue');
  const node = cmmsNodes({ store: s.cfg })('rel-spares', { store: 'store' });
  await ask(node, { action: 'define', payload: { part: 'BRG-6205', leadMeanDays: 10, leadSdDays: 2, demandPerDay: 4, demandSd: 1 } });
  await ask(node, { action: 'receive', payload: { part: 'BRG-6205', qty: 1e6 } });
  await dbRaw.raw.tx((q) => q("INSERT INTO cmms_parts (part, on_hand, lead_mean_days, lead_sd_days, demand_per_day, demand_sd, updated_at) VALUES ('BRG-6205', 1000000, 10, 2, 4, 1, 0)", []));
  const rawIssue = (now: number) =>
    dbRaw.raw.tx(async (q) => {
      const [r] = await q('UPDATE cmms_parts SET on_hand = on_hand - ?, updated_at = ? WHERE part = ? AND on_hand >= ? AND on_hand - reserved >= ? RETURNING on_hand, reserved', [1, now, 'BRG-6205', 1, 1]);
      if (!r) throw new Error('raw issue refused');
      await q("INSERT INTO cmms_stock_moves (part, ts, kind, qty, wo_id, actor, note, on_hand, reserved) VALUES (?, ?, 'issue', ?, NULL, '', '', ?, ?)", ['BRG-6205', now, 1, r.on_hand, r.reserved]);
      return r;
    });
  let tNode = 0;
  let tRaw = 0;
  let rt = 0;
  for (let c = 0; c < N / CHUNK; c++) {
    const runNode = async () => {
      const rt0 = roundTrips;
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < CHUNK; i++) await ask(node, { action: 'issue', payload: { part: 'BRG-6205', qty: 1, note: `bench ${i}` } });
      tNode += Number(process.hrtime.bigint() - t0);
      rt += roundTrips - rt0;
    };
    const runRaw = async () => {
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < CHUNK; i++) await rawIssue(Date.now());
      tRaw += Number(process.hrtime.bigint() - t0);
    };
    if (c % 2) {
      await runRaw();
      await runNode();
    } else {
      await runNode();
      await runRaw();
    }
  }
  const last = await ask(node, { action: 'get', payload: { part: 'BRG-6205' } });
  const [left] = await dbRaw.raw.tx((q) => q('SELECT on_hand FROM cmms_parts WHERE part = ?', ['BRG-6205']));
  await close(node);
  await s.release();
  await dbNode.drop();
  await dbRaw.drop();
  if (last.payload.onHand !== Number(left.on_hand)) throw new Error(`${backend}: node and raw disagree: ${last.payload.onHand} vs ${left.on_hand} on hand`);
  const ratio = tNode / tRaw;
  console.log(
    `  ${backend} issue, one transaction each, ${N} issues taking turns every ${CHUNK}: node ${(N / (tNode / 1e9)).toFixed(0)} /s, raw ${(N / (tRaw / 1e9)).toFixed(0)} /s, node/raw ${ratio.toFixed(2)}x` +
      `${backend === 'postgres' ? `; ${(rt / N).toFixed(2)} round trips per issue through the node (raw: 4)` : ''}; both ${last.payload.onHand} on hand`,
  );
  return { ratio, rt: backend === 'postgres' ? rt / N : undefined };
}

export async function run(): Promise<void> {
  const N = Number(process.env.STORE_BENCH_N) || 5000;
  const ROUNDS = Number(process.env.STORE_BENCH_ROUNDS) || 3;
  const ISSUES = Number(process.env.STORE_BENCH_ISSUES) || 1000;
  const backends = (process.env.STORE_BENCH_BACKENDS ?? 'sqlite,postgres').split(',') as Backend[];
  let cluster: PgCluster | undefined;
  const summary: string[] = [];
  try {
    for (const backend of backends) {
      if (backend === 'postgres') cluster = await pgCluster();
      const make = backend === 'postgres' ? () => postgresDb(cluster!) : sqliteDb;
      console.log(
        backend === 'postgres'
          ? `PostgreSQL ${cluster!.port ? '15 throwaway cluster on 127.0.0.1 (fsync on)' : ''}, pool of 10 per box; detect: ${N} msgs per round (200 assets x 5 modes), bursts of 100, node and raw on fresh databases, ${ROUNDS} rounds after a warm-up`
          : `SQLite file (WAL, synchronous=FULL); detect: ${N} msgs per round (200 assets x 5 modes), bursts of 100, node and raw on fresh files, ${ROUNDS} rounds after a warm-up`,
      );
      const d = await benchDetect(make, backend, N, ROUNDS);
      const alone = backend === 'postgres' ? await roundTripsAlone(make) : undefined;
      const one = await boxesRate(make, backend, 1, N);
      const three = await boxesRate(make, backend, 3, N);
      const iss = await benchIssue(make, backend, ISSUES);
      summary.push(
        `${backend}: detect node/raw ${d.ratio.toFixed(2)}x (goal <= 2x ${d.ratio <= 2 ? 'met' : 'NOT met'}), ${d.nodeRate.toFixed(0)} detects/s; ` +
          (d.rtPerDetect !== undefined ? `round trips per detect ${d.rtPerDetect.toFixed(2)} in bursts of 100 (goal <= 2 ${d.rtPerDetect <= 2 ? 'met' : 'NOT met'}), ${alone!.toFixed(2)} one at a time (${alone! <= 2 ? 'met' : 'NOT met'}); ` : '') +
          `1 box ${one.toFixed(0)} /s, 3 boxes ${three.toFixed(0)} /s; issue node/raw ${iss.ratio.toFixed(2)}x${iss.rt !== undefined ? `, ${iss.rt.toFixed(2)} round trips per issue` : ''}`,
      );
    }
  } finally {
    cluster?.destroy();
  }
  console.log('\nsummary');
  for (const s of summary) console.log(`  ${s}`);
}
