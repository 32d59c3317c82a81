/**
 * A full disk, for real: a rel-store on a 4 MB tmpfs (a loop-mounted ext2 image where tmpfs may
 * not be mounted), two rel-health nodes storing learning frames and a rel-oee storing its counts,
 * fed until the file system is full. Asserted: the disk check warned before the first failed
 * write; the writers keep running with the status `not stored: N (disk full)`; the log holds a
 * bounded number of lines (one error a minute per node, counted in the runtime log) with the
 * count in their text; the database passes PRAGMA integrity_check; once space is freed, writes
 * succeed and the statuses are back to normal.
 *
 * Needs root (mount); without a way to mount a small file system it fails saying so.
 */
import assert from 'assert';
import Database from 'better-sqlite3';
import { execFileSync } from 'child_process';
import fs from 'fs';
import path from 'path';
import { assetNode, storeNode, TAB } from '../helpers/fixtures';
import { FakeClock } from '../helpers/fake-clock';
import { getNode, helper, loadFlow, receiveAndComplete, tmpDir, unloadFlow } from '../helpers/red';

const MB = 1024 ** 2;
const WRITERS = ['h1', 'h2', 'oee'];
/** Plant time per round of readings, and the rounds fed once every writer fails (10 minutes). */
const STEP = 20_000;
const FAILING_ROUNDS = 30;

/** Mount a small file system at `dir`: tmpfs, else an ext2 image on a loop device. Returns how, or throws saying why not. */
function mountSmall(dir: string, image: string): string {
  const tried: string[] = [];
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m,mode=0700', 'tmpfs', dir], { stdio: 'pipe' });
    return 'tmpfs 4 MB';
  } catch (e) {
    tried.push(`tmpfs: ${String((e as { stderr?: Buffer }).stderr ?? e).trim()}`);
  }
  try {
    fs.writeFileSync(image, Buffer.alloc(4 * MB));
    execFileSync('mkfs.ext2', ['-q', '-F', '-m', '0', image], { stdio: 'pipe' });
    execFileSync('mount', ['-o', 'loop', image, dir], { stdio: 'pipe' });
    return 'ext2 image on a loop device, 4 MB';
  } catch (e) {
    tried.push(`loop device: ${String((e as { stderr?: Buffer }).stderr ?? e).trim()}`);
  }
  throw new Error(`disk-full test: cannot mount a small file system at ${dir} (run the tests as root, in a container with mount permitted): ${tried.join('; ')}`);
}

function mounted(dir: string): boolean {
  return fs.readFileSync('/proc/mounts', 'utf8').split('\n').some((l) => l.split(' ')[1] === dir);
}

/** 64 features, ~1.2 KB per stored learning frame. */
function features(i: number): Record<string, number> {
  const f: Record<string, number> = {};
  for (let k = 0; k < 64; k++) f[`f${String(k).padStart(2, '0')}`] = 1 + k + 0.123456789 * Math.sin(i * 0.7 + k);
  return f;
}

describe('store on a full disk', function () {
  this.timeout(600_000);
  const root = tmpDir('rel-full-');
  const mnt = path.join(root, 'mnt');
  let how = '';

  before(() => {
    fs.mkdirSync(mnt);
    how = mountSmall(mnt, path.join(root, 'small.img'));
  });

  after(async () => {
    await unloadFlow();
    helper.settings({});
    if (mounted(mnt)) execFileSync('umount', [mnt]);
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('warns first, keeps running with one error a minute per node and a count, stays intact, and comes back when space is freed', async () => {
    const file = path.join(mnt, 'reliability.db');
    const ballast = path.join(mnt, 'ballast.bin');
    fs.writeFileSync(ballast, Buffer.alloc(2 * MB, 1));
    const clock = new FakeClock(Date.UTC(2026, 11, 7, 6));
    helper.settings({ reliabilityClock: clock });
    await loadFlow([
      TAB,
      storeNode(file, 's'),
      assetNode({ id: 'a1', assetId: 'pump-1', store: 's' }),
      assetNode({ id: 'a2', assetId: 'pump-2', store: 's' }),
      { id: 'h1', type: 'rel-health', z: 'tab1', store: 's', asset: 'a1', learnMode: 'frames', learnFrames: 10000, wires: [[], []] },
      { id: 'h2', type: 'rel-health', z: 'tab1', store: 's', asset: 'a2', learnMode: 'frames', learnFrames: 10000, wires: [[], []] },
      { id: 'oee', type: 'rel-oee', z: 'tab1', store: 's', asset: 'pump-1', shifts: '', utcOffset: '0', idealCycleS: 1, wires: [[]] },
    ]);
    // what a production log shows (info and above; the test helper adds debug lines of its own)
    const logs = () => helper.log().args.map((a: any[]) => a[0]).filter((e: any) => e && typeof e.level === 'number' && e.level <= 40);
    const base = logs().length;
    const since = () => logs().slice(base);
    const shown: Record<string, string> = {};
    for (const id of WRITERS) {
      const n = getNode(id);
      const orig = n.status.bind(n);
      n.status = (s: any) => ((shown[id] = String(s?.text ?? '')), orig(s));
    }

    let round = 0;
    const feed = async () => {
      round++;
      clock.advance(STEP); // a reading every 20 s per machine: the disk check (every minute) runs every third round
      for (const id of ['h1', 'h2']) {
        const err = await receiveAndComplete(id, { payload: { features: features(round) } }, 20_000);
        if (err) throw new Error(`${id} round ${round}: done with an error: ${err.message}`);
      }
      const err = await receiveAndComplete('oee', { action: 'count', payload: { good: 1, total: 1 } }, 20_000);
      if (err) throw new Error(`oee round ${round}: done with an error: ${err.message}`);
    };

    // 1. fill the disk; go on for 10 more minutes of plant time once every writer fails
    const failing = () => WRITERS.every((id) => /^not stored: \d+ \(disk full\)$/.test(shown[id] ?? ''));
    let firstFail = -1;
    while (round < 20_000) {
      await feed();
      if (firstFail < 0 && failing()) firstFail = round;
      if (firstFail >= 0 && round - firstFail >= FAILING_ROUNDS) break;
    }
    assert.ok(firstFail > 0, `the disk never filled (${round} rounds)`);
    const full = fs.statfsSync(mnt);
    const lines = since();
    const errorsOf = (id: string) => lines.filter((e: any) => e.level === 20 && e.id === id).map((e: any) => String(e.msg));
    const firstErrorAt = lines.findIndex((e: any) => e.level === 20 && WRITERS.includes(e.id));
    const warnAt = lines.findIndex((e: any) => e.id === 's' && (e.level === 30 || e.level === 20) && /disk (low|critical)/.test(String(e.msg)));
    const counts = WRITERS.map((id) => `${id} ${errorsOf(id).length}`).join(', ');
    const minutes = Math.ceil(((round - firstFail + 1) * STEP) / 60_000);
    console.log(
      `      ${how}: full after ${firstFail} rounds (${firstFail * 3} readings), ${(full.bavail * full.bsize) / 1024} KiB left; failing for ${minutes} min of plant time (${(round - firstFail + 1) * 3} readings); ${lines.length} log lines in all (info and above); errors: ${counts}; statuses: ${WRITERS.map((id) => `${id} "${shown[id]}"`).join(', ')}`,
    );
    assert.ok(warnAt >= 0, `the disk check warned (log: ${lines.map((e: any) => e.msg).join(' | ')})`);
    assert.ok(warnAt < firstErrorAt, `the warning (line ${warnAt}) came before the first failed write (line ${firstErrorAt})`);
    // every writer: the first failure, then one a minute (10 minutes of failing readings, 30 rounds): about 11 lines, not 30
    for (const id of WRITERS) {
      const errs = errorsOf(id);
      assert.ok(errs.length >= minutes - 1 && errs.length <= minutes + 2, `${id}: ${errs.length} error lines for ${minutes} minutes of failing writes: ${errs.join(' | ')}`);
      assert.match(errs[0]!, /^not stored: 1 reading since .* \(disk full: database or disk is full\); rel-(health|oee) keeps running/);
      const n = Number(/^not stored: (\d+) readings/.exec(errs[errs.length - 1]!)?.[1]);
      assert.ok(n >= 25, `${id}: the later error counts the readings not stored (${errs[errs.length - 1]})`);
    }
    // the rest: the disk levels of the store and the start of each node
    assert.ok(lines.length <= WRITERS.length * (minutes + 2) + 10, `a bounded log: ${lines.length} lines for ${round * 3} readings`);
    const notStored = Number(/^not stored: (\d+)/.exec(shown.h1!)?.[1]);
    assert.ok(notStored >= FAILING_ROUNDS, `h1 counts what it could not store: ${shown.h1}`);

    // 2. the database is intact, read by a connection of its own
    const check = new Database(file, { readonly: true, fileMustExist: true });
    const frames = () => (check.prepare('SELECT COUNT(*) AS c FROM condition_learning').get() as { c: number }).c;
    try {
      assert.strictEqual(check.pragma('integrity_check', { simple: true }), 'ok');
      const stored = frames();
      // 3. space freed: writes succeed, statuses back to normal, one line says so per node
      fs.rmSync(ballast);
      const before = logs().length;
      for (let k = 0; k < 5; k++) await feed();
      assert.ok(frames() >= stored + 10, `new frames stored after space was freed (${stored} -> ${frames()})`);
      for (const id of WRITERS) assert.ok(!/not stored/.test(shown[id] ?? ''), `${id} status back to normal: "${shown[id]}"`);
      assert.match(shown.h1!, /^learning \d+%$/);
      const back = logs().slice(before).filter((e: any) => /^store writes succeed again: \d+ readings were not stored from /.test(String(e.msg)));
      assert.deepStrictEqual(back.map((e: any) => e.id).sort(), [...WRITERS].sort(), 'one line per writer');
      assert.ok(logs().slice(before).every((e: any) => e.level !== 20), 'no error once space is freed');
      assert.strictEqual(check.pragma('integrity_check', { simple: true }), 'ok');
    } finally {
      check.close();
    }
    await unloadFlow();
    const end = new Database(file, { readonly: true });
    try {
      assert.strictEqual(end.pragma('integrity_check', { simple: true }), 'ok', 'intact after the runtime closed it');
    } finally {
      end.close();
    }
  });
});
