/**
 * Online backups of the embedded SQLite store with SQLite's backup API (better-sqlite3's
 * `backup()`): a consistent copy while Node-RED keeps writing, each copy checked with
 * `PRAGMA quick_check`, the newest `keep` copies kept. Restore replaces the database file from a
 * copy while no connection of this process has it open.
 */
import Database from 'better-sqlite3';
import fs from 'fs';
import path from 'path';

export interface BackupResult {
  file: string;
  bytes: number;
  ms: number;
  /** Older copies removed to keep `keep`. */
  removed: string[];
}

const NAME = /^(.+)-(\d{8}T\d{6}Z)\.db$/;

function stamp(now: number): string {
  return new Date(now).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z');
}

/** The backup copies of `dbFile` in `dir`, oldest first. */
export function listBackups(dbFile: string, dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const base = path.basename(dbFile, path.extname(dbFile));
  return fs
    .readdirSync(dir)
    .filter((f) => NAME.exec(f)?.[1] === base)
    .sort()
    .map((f) => path.join(dir, f));
}

/** Copy `dbFile` (open or not) into `dir` as <name>-<UTC time>.db, check it, keep the newest `keep`. */
export async function backupSqlite(dbFile: string, dir: string, o: { keep?: number; now?: number } = {}): Promise<BackupResult> {
  const keep = o.keep ?? 7;
  if (!Number.isInteger(keep) || keep < 1 || keep > 1000) throw new Error(`backup keep: expected a whole number from 1 to 1000, got ${keep}`);
  const started = Date.now();
  fs.mkdirSync(dir, { recursive: true });
  const base = path.basename(dbFile, path.extname(dbFile));
  const dest = path.join(dir, `${base}-${stamp(o.now ?? Date.now())}.db`);
  const tmp = `${dest}.partial`;
  const src = new Database(dbFile, { readonly: true, fileMustExist: true });
  try {
    // 1,000 pages (4 MB) per turn of the event loop; a write by another connection restarts SQLite's
    // backup, so once the pages left go up again the rest is copied in one step (a store written
    // every few ms never finished its backup in 100-page steps)
    let left = Infinity;
    let rate = 1000;
    await src.backup(tmp, {
      progress: ({ remainingPages }) => {
        if (remainingPages > left) rate = 0x7fffffff;
        left = remainingPages;
        return rate;
      },
    });
  } finally {
    src.close();
  }
  // The copy is in WAL mode like its source: switched to a rollback journal, it is one
  // self-contained file (a read-only open of a WAL copy left <copy>-wal and -shm beside it, two
  // more files per backup that the pruning below never removed).
  const check = new Database(tmp);
  try {
    check.pragma('journal_mode = DELETE');
    const r = check.pragma('quick_check', { simple: true });
    if (r !== 'ok') throw new Error(`backup of ${dbFile}: the copy failed its check (${String(r)})`);
  } finally {
    check.close();
    for (const ext of ['-wal', '-shm', '-journal']) fs.rmSync(tmp + ext, { force: true });
  }
  fs.renameSync(tmp, dest);
  const all = listBackups(dbFile, dir);
  const removed = all.slice(0, Math.max(0, all.length - keep));
  for (const f of removed) fs.rmSync(f, { force: true });
  return { file: dest, bytes: fs.statSync(dest).size, ms: Date.now() - started, removed };
}

/**
 * Put a backup copy in place of `dbFile`. Node-RED must be stopped (or the file released by every
 * node): `isOpen` tells whether this process still has a connection to it. The current file, if
 * any, is kept beside it as <file>.before-restore.
 */
export function restoreSqlite(backupFile: string, dbFile: string, isOpen: (file: string) => boolean = () => false): void {
  if (isOpen(dbFile)) throw new Error(`restore: ${dbFile} is open; stop Node-RED (or the flows using it) first`);
  const check = new Database(backupFile, { readonly: true, fileMustExist: true });
  try {
    const r = check.pragma('quick_check', { simple: true });
    if (r !== 'ok') throw new Error(`restore: ${backupFile} failed its check (${String(r)})`);
  } finally {
    check.close();
  }
  if (fs.existsSync(dbFile)) fs.renameSync(dbFile, `${dbFile}.before-restore`);
  for (const ext of ['-wal', '-shm']) fs.rmSync(dbFile + ext, { force: true });
  fs.copyFileSync(backupFile, dbFile);
}
