/**
 * Crash safety of a box process on both backends: a child process writing work-order transitions
 * is killed with SIGKILL at a random moment, 20 times. SQLite (a real file, WAL,
 * synchronous=FULL): after each kill the file passes PRAGMA integrity_check. PostgreSQL (a real
 * throwaway server; the child records each write's event key in the same transaction, as the
 * nodes do): the transaction cut off by the kill leaves nothing. On both, every transition the
 * child acknowledged is present, none is doubled, and each order's status agrees with its history.
 */
import assert from 'assert';
import { spawn } from 'child_process';
import fs from 'fs';
import path from 'path';
import Database from 'better-sqlite3';
import { Client } from 'pg';
import { pgCluster } from '../helpers/pg';
import { tmpDir } from '../helpers/red';

interface Ack {
  hid: number;
  wo: number;
  action: string;
  to: string;
  key: string;
}

/** Seeded so a failure can be replayed: CRASH_SEED=... */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

function runAndKill(args: string[], delayMs: number): Promise<{ acks: Ack[]; signal: string | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(__dirname, 'crash-child.js'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let timer: NodeJS.Timeout | undefined;
    child.stdout.on('data', (d) => {
      out += d;
      if (!timer && out.includes('ready\n')) timer = setTimeout(() => child.kill('SIGKILL'), delayMs);
    });
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('exit', (_code, signal) => {
      if (timer) clearTimeout(timer);
      if (signal !== 'SIGKILL') return reject(new Error(`child ended without being killed (${signal}): ${err}`));
      const acks = out
        .split('\n')
        .filter((l) => l.startsWith('ack '))
        .map((l) => {
          const [, hid, wo, action, to, key] = l.split(' ');
          return { hid: Number(hid), wo: Number(wo), action, to, key };
        });
      resolve({ acks, signal });
    });
  });
}

/** What the parent reads back after a kill, on either backend. */
interface Check {
  integrity(): Promise<string>;
  history(id: number): Promise<{ wo_id: number; action: string; to_status: string } | undefined>;
  doubled(): Promise<unknown[]>;
  disagreeing(): Promise<unknown[]>;
  openOrders(): Promise<number>;
  /** Acknowledged event keys not recorded exactly once (PostgreSQL), and keys vs history rows. */
  keys(acks: readonly Ack[]): Promise<{ missing: string[]; keys: number; history: number } | undefined>;
  close(): Promise<void>;
}

const DOUBLED = 'SELECT wo_id, action, COUNT(*) AS n FROM cmms_wo_history GROUP BY wo_id, action HAVING COUNT(*) > 1';
const DISAGREE = 'SELECT w.id FROM cmms_work_orders w WHERE w.status <> (SELECT h.to_status FROM cmms_wo_history h WHERE h.wo_id = w.id ORDER BY h.id DESC LIMIT 1)';

function sqliteCheck(file: string): Check {
  const db = new Database(file);
  return {
    integrity: async () => (db.prepare('PRAGMA integrity_check').get() as any).integrity_check,
    history: async (id) => db.prepare('SELECT wo_id, action, to_status FROM cmms_wo_history WHERE id = ?').get(id) as any,
    doubled: async () => db.prepare(DOUBLED).all(),
    disagreeing: async () => db.prepare(DISAGREE).all(),
    openOrders: async () => (db.prepare('SELECT COUNT(*) AS n FROM cmms_work_orders WHERE is_open = 1').get() as any).n,
    keys: async () => undefined,
    close: async () => void db.close(),
  };
}

async function pgCheck(url: string): Promise<Check> {
  const c = new Client({ connectionString: url });
  await c.connect();
  const rows = async (sql: string, params: unknown[] = []) => (await c.query(sql, params)).rows;
  return {
    integrity: async () => 'ok',
    history: async (id) => (await rows('SELECT wo_id::int AS wo_id, action, to_status FROM cmms_wo_history WHERE id = $1', [id]))[0],
    doubled: () => rows(DOUBLED),
    disagreeing: () => rows(DISAGREE),
    openOrders: async () => (await rows('SELECT COUNT(*)::int AS n FROM cmms_work_orders WHERE is_open = 1'))[0].n,
    keys: async (acks) => {
      const have = new Set((await rows("SELECT event_key FROM outbox_applied WHERE event_key LIKE 'crash:%'")).map((r) => r.event_key));
      const history = (await rows('SELECT COUNT(*)::int AS n FROM cmms_wo_history'))[0].n;
      return { missing: acks.filter((a) => !have.has(a.key)).map((a) => a.key), keys: have.size, history };
    },
    close: () => c.end(),
  };
}

for (const backend of ['sqlite', 'postgres'] as const) {
  describe(`cmms crash safety (${backend})`, function () {
    this.timeout(300_000);
    let dir: string;
    let url = '';
    before(async () => {
      dir = tmpDir('cmms-crash-');
      if (backend === 'postgres') url = await (await pgCluster()).createDatabase(`cmms_crash_${process.pid}`);
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it('20 SIGKILLs of the writing box process at random moments: every acknowledged transition present once', async () => {
      const file = path.join(dir, 'crash.db');
      const args = backend === 'sqlite' ? [file] : ['--pg', url, file];
      const seed = Number(process.env.CRASH_SEED ?? 20240601);
      const rand = rng(seed);
      const all: Ack[] = [];
      for (let k = 0; k < 20; k++) {
        // A PostgreSQL write takes longer (a round trip per statement): later kills, as many writes.
        const delay = Math.floor((backend === 'sqlite' ? 20 : 100) + rand() * (backend === 'sqlite' ? 400 : 1200));
        const { acks } = await runAndKill(args, delay);
        all.push(...acks);
        const check = backend === 'sqlite' ? sqliteCheck(file) : await pgCheck(url);
        try {
          assert.strictEqual(await check.integrity(), 'ok', `kill ${k} after ${delay} ms`);
          for (const a of all) {
            const row = await check.history(a.hid);
            assert.ok(row, `kill ${k}: acknowledged history ${a.hid} (${a.action} of ${a.wo}) is missing`);
            assert.deepStrictEqual([Number(row.wo_id), row.action, row.to_status], [a.wo, a.action, a.to], `kill ${k}: history ${a.hid}`);
          }
          assert.deepStrictEqual(await check.doubled(), [], `kill ${k}: doubled transitions`);
          // every stored order's status agrees with its last history entry
          assert.deepStrictEqual(await check.disagreeing(), [], `kill ${k}: status and history disagree`);
          assert.ok((await check.openOrders()) <= 1, 'the child keeps at most one order open');
          const keys = await check.keys(all);
          if (keys) {
            assert.deepStrictEqual(keys.missing, [], `kill ${k}: acknowledged event keys missing`);
            assert.strictEqual(keys.keys, keys.history, `kill ${k}: one event key per history row (the key and the change commit together)`);
          }
        } finally {
          await check.close();
        }
      }
      assert.ok(all.length > 100, `only ${all.length} transitions acknowledged in 20 runs`);
      // eslint-disable-next-line no-console
      console.log(`      ${backend}: ${all.length} acknowledged transitions over 20 kills (seed ${seed}), all present once`);
    });
  });
}
