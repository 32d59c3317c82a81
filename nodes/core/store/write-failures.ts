/**
 * Write failures of the store on the hot path (disk full, read-only file, I/O error): what a node
 * that stores readings does while the store refuses writes. The node keeps running, counts the
 * readings it could not store, and raises ONE error per minute (not one per message), with the
 * count in its text; the first write that succeeds again ends the episode (one line with the total).
 *
 * Pure: a clock in, decisions out. The Node-RED glue is nodes/shared/store-writes.ts.
 */

/** Error codes of a store that cannot write (SQLite result codes, PostgreSQL SQLSTATEs, errno). */
const CODES: Record<string, string> = {
  SQLITE_FULL: 'disk full',
  SQLITE_READONLY: 'database read-only',
  SQLITE_IOERR: 'disk I/O error',
  SQLITE_CANTOPEN: 'cannot open the database file',
  '53100': 'disk full', // PostgreSQL disk_full
  '53200': 'server out of memory', // out_of_memory
  '25006': 'database read-only', // read_only_sql_transaction
  ENOSPC: 'disk full',
  EROFS: 'read-only file system',
  EDQUOT: 'disk quota exceeded',
  EIO: 'disk I/O error',
};

const MESSAGES: [RegExp, string][] = [
  [/database or disk is full|no space left on device|disk full/i, 'disk full'],
  [/readonly database|read-only (file system|database|transaction)/i, 'database read-only'],
  [/disk I\/O error/i, 'disk I/O error'],
];

/**
 * Why `e` is a failure to write to the store ("disk full", "database read-only", ...), or
 * undefined when it is any other error (bad input, a bug): those are not counted here.
 * Looks at `code` (SQLITE_IOERR_WRITE counts as SQLITE_IOERR) and `cause`, then the message.
 */
export function storeWriteFailure(e: unknown): string | undefined {
  for (let x: unknown = e, depth = 0; x && typeof x === 'object' && depth < 5; x = (x as { cause?: unknown }).cause, depth++) {
    const code = (x as { code?: unknown }).code;
    if (typeof code === 'string') {
      const base = code.startsWith('SQLITE_') ? code.split('_').slice(0, 2).join('_') : code;
      if (CODES[base]) return CODES[base];
    }
    const msg = (x as { message?: unknown }).message;
    if (typeof msg === 'string') for (const [re, why] of MESSAGES) if (re.test(msg)) return why;
  }
  return undefined;
}

export interface WriteFailureReport {
  /** Raise the error now (the first failure of an episode, then at most once per `everyMs`). */
  report: boolean;
  /** Readings not stored since the failures began. */
  notStored: number;
  /** Readings not stored since the node started (every episode). */
  total: number;
  /** When the failures began (clock ms). */
  since: number;
  reason: string;
}

export interface WriteRecovery {
  /** Readings not stored during the episode that just ended. */
  notStored: number;
  since: number;
  /** How long the store refused writes, ms. */
  ms: number;
}

/** Rate limiter and counter of one node's store-write failures. */
export class WriteFailures {
  private episode: { since: number; count: number; reportedAt: number; reason: string } | undefined;
  private lifetime = 0;

  constructor(
    private readonly now: () => number,
    readonly everyMs = 60_000,
  ) {}

  /** Readings not stored since the failures began (0 while writes succeed). */
  get notStored(): number {
    return this.episode?.count ?? 0;
  }

  /** Readings not stored since the node started. */
  get total(): number {
    return this.lifetime;
  }

  get failing(): boolean {
    return this.episode !== undefined;
  }

  /** A reading could not be stored for `reason`: count it; `report` says whether to raise the error now. */
  failed(reason: string): WriteFailureReport {
    const t = this.now();
    this.lifetime++;
    let report = false;
    if (!this.episode) {
      this.episode = { since: t, count: 1, reportedAt: t, reason };
      report = true;
    } else {
      this.episode.count++;
      // a clock stepped back restarts the minute rather than silencing the node
      if (t - this.episode.reportedAt >= this.everyMs || t < this.episode.reportedAt) {
        this.episode.reportedAt = t;
        report = true;
      }
      this.episode.reason = reason;
    }
    return { report, notStored: this.episode.count, total: this.lifetime, since: this.episode.since, reason };
  }

  /** A write succeeded: the end of an episode (returned once), or undefined when none was going on. */
  succeeded(): WriteRecovery | undefined {
    const e = this.episode;
    if (!e) return undefined;
    this.episode = undefined;
    return { notStored: e.count, since: e.since, ms: Math.max(0, this.now() - e.since) };
  }
}

/** The error text of a report: starts with the count, which the status dot shows. */
export function writeFailureText(what: string, r: WriteFailureReport, cause: string): string {
  const n = r.notStored;
  return `not stored: ${n} reading${n === 1 ? '' : 's'} since ${new Date(r.since).toISOString()} (${r.reason}: ${cause}); ${what} keeps running and reports this at most once a minute while the store refuses writes`;
}
