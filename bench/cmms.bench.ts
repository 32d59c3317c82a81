/**
 * CMMS benchmarks (ratios against raw better-sqlite3 in the same run, same file settings:
 * WAL, synchronous=FULL):
 *  1. `detect` throughput through the rel-work-order node (validation, group commit, output msg
 *     with the order and its history) vs the same logical work as raw prepared statements (dedup
 *     lookup, insert or update, history row on create/escalation, read-back of what the output
 *     needs), one transaction per burst; measured interleaved over several rounds (order
 *     rotated), per-round ratios and the median printed, because the shared 2-core box is noisy;
 *     and vs raw with one commit per detection (what group commit buys);
 *  2. `issue` of a spare part through the rel-spares node vs the raw conditional UPDATE, move row
 *     and read-back, one transaction each;
 *  3. `list` of one asset's open work orders with 100k and 1M stored, through the node vs the
 *     raw SELECT on the same partial index.
 *
 *   node .build-cmms/bench/run.js cmms     (or: npm run bench -- cmms)
 *   CMMS_BENCH=detect|issue|list, CMMS_BENCH_ROUNDS (7), CMMS_BENCH_N (10,000 msgs per detect run),
 *   CMMS_BENCH_ISSUES (2,000)
 */
import fs from 'fs';
import os from 'os';
import path from 'path';
import { fakeRed } from './fake-red';
import Database from 'better-sqlite3';
import { openStore, migrateCoreAsync } from '../nodes/core/store';
import { migrateCmms, dedupKey } from '../nodes/core/cmms';

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
    payload: { asset: `asset-${i % assets}`, criticality: 3, mode: modes[(i >> 3) % modes.length], severity: i % 7 === 3 ? 'alarm' : 'warning', evidence: `peak ${i}` },
  }));
}

/**
 * The raw baseline: the same logical work as the node, as plain prepared better-sqlite3
 * statements: the dedup lookup (the whole row, which the output needs), insert or update
 * (severity raised, never lowered; priority from criticality x severity), a history row on
 * create and escalation, and, with `readBack`, reading back what the output message needs
 * beyond the row in hand (the order's history; the new row after an insert).
 */
function rawDetect(db: Database.Database, readBack: boolean) {
  const rank = (s: string) => (s === 'alarm' ? 3 : s === 'warning' ? 2 : 1);
  const prio = (crit: number, s: string) => {
    const score = crit * rank(s);
    return score >= 12 ? 1 : score >= 8 ? 2 : score >= 4 ? 3 : 4;
  };
  const find = db.prepare('SELECT * FROM cmms_work_orders WHERE dedup_key = ? AND is_open = 1');
  const ins = db.prepare(
    `INSERT INTO cmms_work_orders (asset, line, mode, title, description, criticality, severity, last_severity, priority, status, is_open, dedup_key,
       source, detections, evidence, first_seen, last_seen, parts, created_at, updated_at)
     VALUES (?, '', ?, ?, '', 3, ?, ?, ?, 'open', 1, ?, 'condition', 1, ?, ?, ?, '[]', ?, ?)`,
  );
  const hist = db.prepare('INSERT INTO cmms_wo_history (wo_id, ts, action, from_status, to_status, actor, note) VALUES (?, ?, ?, ?, ?, ?, ?)');
  const upd = db.prepare('UPDATE cmms_work_orders SET detections = detections + 1, last_seen = ?, severity = ?, last_severity = ?, priority = ?, evidence = ?, updated_at = ? WHERE id = ?');
  const byId = db.prepare('SELECT * FROM cmms_work_orders WHERE id = ?');
  const hs = db.prepare('SELECT ts, action, from_status, to_status, actor, note FROM cmms_wo_history WHERE wo_id = ? ORDER BY id');
  return (p: any): unknown => {
    const now = Date.now();
    const key = dedupKey(p.asset, p.mode);
    const r = find.get(key) as { id: number; severity: string; priority: number; status: string; last_seen: number; updated_at: number } | undefined;
    if (!r) {
      const id = Number(ins.run(p.asset, p.mode, `${p.mode} on ${p.asset}`, p.severity, p.severity, prio(3, p.severity), key, p.evidence, now, now, now, now).lastInsertRowid);
      hist.run(id, now, 'detect', null, 'open', 'condition', p.evidence);
      return readBack ? [byId.get(id), hs.all(id)] : id;
    }
    const raise = rank(p.severity) > rank(r.severity);
    const severity = raise ? p.severity : r.severity;
    const priority = raise ? Math.min(r.priority, prio(3, severity)) : r.priority;
    upd.run(Math.max(r.last_seen, now), severity, p.severity, priority, p.evidence, Math.max(r.updated_at, now), r.id);
    if (raise) hist.run(r.id, now, 'escalate', r.status, r.status, 'condition', `severity ${r.severity} -> ${p.severity}`);
    return readBack ? [r, hs.all(r.id)] : r.id;
  };
}

async function freshFile(name: string): Promise<string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cmms-bench-'));
  const file = path.join(dir, name);
  const h = openStore(file);
  try {
    await migrateCoreAsync(h.db);
    await migrateCmms(h.db);
  } finally {
    h.release();
  }
  return file;
}

function rawDb(file: string): Database.Database {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  return db;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function counts(file: string): string {
  const d = new Database(file, { readonly: true });
  const r = d.prepare('SELECT COUNT(*) AS n, SUM(detections) AS s, SUM(severity = ?) AS a FROM cmms_work_orders').get('alarm') as { n: number; s: number; a: number };
  const h = d.prepare('SELECT COUNT(*) AS n FROM cmms_wo_history').get() as { n: number };
  d.close();
  return `${r.n} orders, ${r.s} detections, ${r.a} at alarm, ${h.n} history rows`;
}

interface Contestant {
  /** Run msgs[from, to) in bursts; resolves with the seconds it took. */
  slice(from: number, to: number): Promise<number>;
  close(): Promise<void>;
  file: string;
}

/** A fresh rel-work-order node on a fresh file. */
async function nodeContestant(msgs: any[], burst: number): Promise<Contestant> {
  const file = await freshFile('node.db');
  const { create } = fakeRed({ store1: { id: 'store1', file } }, [require.resolve('../nodes/rel-work-order/rel-work-order')]);
  const node = create('rel-work-order', { store: 'store1' });
  return {
    file,
    // the node reuses the incoming msg (payload becomes the work order): feed copies
    slice: (from, to) => feed(node, msgs.slice(from, to).map((m) => ({ action: m.action, payload: { ...m.payload } })), burst),
    close: () => new Promise<void>((r) => node.emit('close', false, r)),
  };
}

/** The raw statements on a fresh file, one transaction per burst. */
async function rawContestant(msgs: any[], burst: number, readBack: boolean): Promise<Contestant> {
  const file = await freshFile('raw.db');
  const db = rawDb(file);
  const detect = rawDetect(db, readBack);
  const payloads = msgs.map((m) => m.payload);
  const out: unknown[] = [];
  const tx = db.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) out[i % burst] = detect(payloads[i]);
  });
  return {
    file,
    slice: async (from, to) => {
      const t0 = process.hrtime.bigint();
      for (let i = from; i < to; i += burst) tx.immediate(i, Math.min(to, i + burst));
      return Number(process.hrtime.bigint() - t0) / 1e9;
    },
    close: async () => void db.close(),
  };
}

const rm = (file: string) => fs.rmSync(path.dirname(file), { recursive: true, force: true });
/**
 * One round: the contestants on fresh files, fed the same msgs in slices of `sliceLen`, taking
 * turns slice by slice (order rotated each slice) so that the machine's load changes (other
 * builds, other disk writers) hit all of them alike. Returns the seconds each spent. Afterwards
 * the files must hold the same orders, detections and history rows (the same work was done).
 */
async function round(msgs: any[], sliceLen: number, makers: Record<string, () => Promise<Contestant>>): Promise<{ t: Record<string, number>; check: string }> {
  const names = Object.keys(makers);
  const cs: Record<string, Contestant> = {};
  for (const n of names) cs[n] = await makers[n]();
  const t = Object.fromEntries(names.map((n) => [n, 0]));
  const order = [...names];
  for (let from = 0; from < msgs.length; from += sliceLen) {
    for (const name of order) t[name] += await cs[name].slice(from, Math.min(msgs.length, from + sliceLen));
    order.push(order.shift()!);
  }
  for (const c of Object.values(cs)) await c.close();
  const found = names.map((n) => counts(cs[n].file));
  if (new Set(found).size !== 1) throw new Error(`contestants disagree: ${names.map((n, i) => `${n}: ${found[i]}`).join('; ')}`);
  for (const c of Object.values(cs)) rm(c.file);
  return { t, check: found[0] };
}

async function benchDetect(): Promise<void> {
  const N = Number(process.env.CMMS_BENCH_N) || 10_000;
  const ROUNDS = Number(process.env.CMMS_BENCH_ROUNDS) || 7;
  const BURST = 100;
  const SLICE = 500;
  const modes = ['imbalance', 'misalignment', 'looseness', 'bearing-outer-race', 'bearing-inner-race'];
  const msgs = detectMsgs(N, 500, modes);
  const makers = (m: any[], burst: number) => ({
    node: () => nodeContestant(m, burst),
    raw: () => rawContestant(m, burst, true),
    rawW: () => rawContestant(m, burst, false),
  });
  console.log(`detect: ${N.toLocaleString('en-US')} msgs per round in bursts of ${BURST} (500 assets x 5 modes, some escalating), WAL, synchronous=FULL,`);
  console.log(`fresh files each round; node, raw (same statements incl. read-back) and raw writes only take turns every ${SLICE} msgs; ${ROUNDS} rounds after a warm-up`);
  await round(msgs.slice(0, 2000), SLICE, makers(msgs, BURST)); // warm-up (JIT, page cache), not counted

  const rows: { node: number; raw: number; rawW: number }[] = [];
  let check = '';
  for (let r = 0; r < ROUNDS; r++) {
    const { t, check: c } = await round(msgs, SLICE, makers(msgs, BURST));
    check = c;
    rows.push({ node: N / t.node, raw: N / t.raw, rawW: N / t.rawW });
    console.log(
      `  round ${r + 1}: node ${(N / t.node).toFixed(0).padStart(6)} /s, raw ${(N / t.raw).toFixed(0).padStart(6)} /s, raw writes only ${(N / t.rawW).toFixed(0).padStart(6)} /s; node/raw ${(t.node / t.raw).toFixed(2)}x, node/raw writes only ${(t.node / t.rawW).toFixed(2)}x`,
    );
  }
  const ratio = median(rows.map((r) => r.raw / r.node));
  const ratioW = median(rows.map((r) => r.rawW / r.node));
  const nodeRate = median(rows.map((r) => r.node));
  console.log(`  each round stores: ${check} (the three files compared every round)`);
  console.log(`  median: node ${nodeRate.toFixed(0)} /s, raw ${median(rows.map((r) => r.raw)).toFixed(0)} /s, raw writes only ${median(rows.map((r) => r.rawW)).toFixed(0)} /s`);
  console.log(`  median node/raw time ratio ${ratio.toFixed(2)}x (target <= 2x: ${ratio <= 2 ? 'met' : 'NOT met'}); node/raw writes only ${ratioW.toFixed(2)}x`);
  console.log(`  target >= 2,000 detects/s through the node (group commit): ${nodeRate >= 2000 ? 'met' : 'NOT met'}`);

  // One message at a time: every detection is its own transaction (one fsync each), node and raw.
  const M = 1000;
  const one = msgs.slice(0, M);
  const { t } = await round(one, 100, { node: () => nodeContestant(one, 1), raw: () => rawContestant(one, 1, true) });
  console.log(
    `one message at a time (no group commit possible, one fsync each), ${M} msgs taking turns every 100: node ${(M / t.node).toFixed(0)} /s, raw ${(M / t.raw).toFixed(0)} /s (node/raw ${(t.node / t.raw).toFixed(2)}x); group commit makes the node ${(nodeRate / (M / t.node)).toFixed(1)}x faster`,
  );
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
  const file = await freshFile(`list-${rows}.db`);
  const tf = process.hrtime.bigint();
  fill(file, rows);
  const fillS = Number(process.hrtime.bigint() - tf) / 1e9;
  const { create } = fakeRed({ store1: { id: 'store1', file } }, [require.resolve('../nodes/rel-work-order/rel-work-order')]);
  const node = create('rel-work-order', { store: 'store1' });
  const db = rawDb(file);
  const sel = db.prepare('SELECT * FROM cmms_work_orders WHERE asset = ? AND is_open = 1 ORDER BY id LIMIT ?');
  const hs = db.prepare('SELECT ts, action, from_status, to_status, actor, note FROM cmms_wo_history WHERE wo_id = ? ORDER BY id');
  let got = 0;
  let n = 0;
  const one = (i: number) =>
    new Promise<void>((resolve, reject) =>
      node.emit('input', { action: 'list', payload: { asset: `asset-${(i * 7) % 1000}`, open: true } }, (m: any) => (got = m[0].payload.length), (e?: Error) => (e ? reject(e) : resolve())),
    );
  const rawOne = (i: number) => {
    const r = sel.all(`asset-${(i * 7) % 1000}`, 1000) as { id: number }[];
    for (const w of r) hs.all(w.id);
    n = r.length;
  };
  for (let i = 0; i < 200; i++) {
    await one(i); // warm up
    rawOne(i);
  }
  // node and raw take turns every CHUNK queries (order alternating), CHUNKS times
  const CHUNK = 200;
  const CHUNKS = 10;
  let tNode = 0;
  let tRaw = 0;
  const ratios: number[] = [];
  for (let c = 0; c < CHUNKS; c++) {
    let a = 0;
    let b = 0;
    const runNode = async () => {
      const t0 = process.hrtime.bigint();
      for (let i = c * CHUNK; i < (c + 1) * CHUNK; i++) await one(i);
      a = Number(process.hrtime.bigint() - t0);
    };
    const runRaw = () => {
      const t0 = process.hrtime.bigint();
      for (let i = c * CHUNK; i < (c + 1) * CHUNK; i++) rawOne(i);
      b = Number(process.hrtime.bigint() - t0);
    };
    if (c % 2) {
      runRaw();
      await runNode();
    } else {
      await runNode();
      runRaw();
    }
    tNode += a;
    tRaw += b;
    ratios.push(a / b);
  }
  const Q = CHUNK * CHUNKS;
  const usNode = tNode / 1e3 / Q;
  const usRaw = tRaw / 1e3 / Q;
  await new Promise<void>((r) => node.emit('close', false, r));
  const plan = db.prepare('EXPLAIN QUERY PLAN SELECT * FROM cmms_work_orders WHERE asset = ? AND is_open = 1 ORDER BY id LIMIT ?').all('asset-1', 1000) as { detail: string }[];
  db.close();
  console.log(`list one asset's open work orders (${got} with history) among ${rows.toLocaleString('en-US')} stored (filled in ${fillS.toFixed(1)} s):`);
  console.log(`  node (rel-work-order list, msg in -> msg out)  ${usNode.toFixed(1).padStart(8)} us`);
  console.log(`  raw better-sqlite3 (same SELECTs)               ${usRaw.toFixed(1).padStart(8)} us   node/raw ${(usNode / usRaw).toFixed(2)}x (median of ${CHUNKS} interleaved chunks ${median(ratios).toFixed(2)}x); rows ${n}`);
  console.log(`  plan: ${plan.map((p) => p.detail).join('; ')}`);
  console.log(`  target < 1 ms: ${usNode < 1000 ? 'met' : 'NOT met'}`);
  fs.rmSync(path.dirname(file), { recursive: true, force: true });
}

/**
 * `issue` of one part through the rel-spares node (validation, the conditional stock update, the
 * move row, the reorder-point check, the stock figures and pull signals of the output) vs the raw
 * statements (the conditional UPDATE, the move row, the row read back), one transaction per issue
 * on both sides (the node has no group commit for stock moves). Node and raw take turns every
 * CHUNK issues, order alternating.
 */
async function benchIssue(): Promise<void> {
  const N = Number(process.env.CMMS_BENCH_ISSUES) || 2000;
  const CHUNK = 200;
  const nodeFile = await freshFile('issue-node.db');
  const rawFile = await freshFile('issue-raw.db');
  const { create } = fakeRed({ store1: { id: 'store1', file: nodeFile } }, [require.resolve('../nodes/rel-spares/rel-spares')]);
  const node = create('rel-spares', { store: 'store1' });
  const send = (msg: any) =>
    new Promise<any>((resolve, reject) => {
      let out: any;
      node.emit('input', msg, (m: any) => (out = Array.isArray(m) ? m[0] : m), (e?: Error) => (e ? reject(e) : resolve(out)));
    });
  await send({ action: 'define', payload: { part: 'BRG-6205', leadMeanDays: 10, leadSdDays: 2, demandPerDay: 4, demandSd: 1 } });
  await send({ action: 'receive', payload: { part: 'BRG-6205', qty: 1e6 } });
  const db = rawDb(rawFile);
  db.prepare("INSERT INTO cmms_parts (part, on_hand, lead_mean_days, lead_sd_days, demand_per_day, demand_sd, updated_at) VALUES ('BRG-6205', 1e6, 10, 2, 4, 1, 0)").run();
  const upd = db.prepare('UPDATE cmms_parts SET on_hand = on_hand - ?, updated_at = ? WHERE part = ? AND on_hand >= ? AND on_hand - reserved >= ?');
  const mv = db.prepare("INSERT INTO cmms_stock_moves (part, ts, kind, qty, wo_id, actor, note, on_hand, reserved) SELECT part, ?, 'issue', ?, NULL, '', '', on_hand, reserved FROM cmms_parts WHERE part = ?");
  const back = db.prepare('SELECT * FROM cmms_parts WHERE part = ?');
  const rawIssue = db.transaction((qty: number) => {
    const now = Date.now();
    if (upd.run(qty, now, 'BRG-6205', qty, qty).changes !== 1) throw new Error('raw issue refused');
    mv.run(now, qty, 'BRG-6205');
    return back.get('BRG-6205');
  });
  let tNode = 0;
  let tRaw = 0;
  const ratios: number[] = [];
  for (let c = 0; c < N / CHUNK; c++) {
    let a = 0;
    let b = 0;
    const runNode = async () => {
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < CHUNK; i++) await send({ action: 'issue', payload: { part: 'BRG-6205', qty: 1, note: `bench ${i}` } });
      a = Number(process.hrtime.bigint() - t0);
    };
    const runRaw = () => {
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < CHUNK; i++) rawIssue.immediate(1);
      b = Number(process.hrtime.bigint() - t0);
    };
    if (c % 2) {
      runRaw();
      await runNode();
    } else {
      await runNode();
      runRaw();
    }
    tNode += a;
    tRaw += b;
    ratios.push(a / b);
  }
  const last = await send({ action: 'get', payload: { part: 'BRG-6205' } });
  const rawLeft = (back.get('BRG-6205') as { on_hand: number }).on_hand;
  await new Promise<void>((r) => node.emit('close', false, r));
  db.close();
  if (last.payload.onHand !== rawLeft) throw new Error(`node and raw disagree: ${last.payload.onHand} vs ${rawLeft} on hand`);
  console.log(`issue one part, one transaction each (synchronous=FULL), ${N.toLocaleString('en-US')} issues, node and raw taking turns every ${CHUNK}:`);
  console.log(`  node (rel-spares issue, msg in -> msg out)   ${(N / (tNode / 1e9)).toFixed(0).padStart(6)} /s  ${(tNode / 1e3 / N).toFixed(1).padStart(8)} us`);
  console.log(`  raw (conditional UPDATE, move row, read back) ${(N / (tRaw / 1e9)).toFixed(0).padStart(6)} /s  ${(tRaw / 1e3 / N).toFixed(1).padStart(8)} us   node/raw ${(tNode / tRaw).toFixed(2)}x (median of ${ratios.length} chunks ${median(ratios).toFixed(2)}x); both ${rawLeft} on hand`);
  rm(nodeFile);
  rm(rawFile);
}

/** CMMS_BENCH=detect, issue or list runs one part; CMMS_BENCH_ROUNDS and CMMS_BENCH_N size the detect part, CMMS_BENCH_ISSUES the issue part. */
export async function run(): Promise<void> {
  const only = process.env.CMMS_BENCH;
  if (!only || only === 'detect') await benchDetect();
  if (!only || only === 'issue') await benchIssue();
  if (!only || only === 'list') {
    await benchList(100_000);
    await benchList(1_000_000);
  }
}
