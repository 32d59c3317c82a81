/**
 * Persistence of the JIT nodes over the Store: the `jit` migration track (Andon calls, OEE shift
 * records). Small per-node state (Kanban loops, takt windows, buffer observations) uses the core
 * node_state table through loadState/saveState.
 */
import type { Migration, SyncStore as Store } from '../store/types';
import type { AndonCall } from './andon';
import type { ShiftRecord } from './oee';

export const JIT_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'andon calls and OEE shift records',
    up: [
      `CREATE TABLE IF NOT EXISTS jit_andon_call (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        scope TEXT NOT NULL,
        station TEXT NOT NULL,
        kind TEXT NOT NULL,
        text TEXT NOT NULL,
        source TEXT NOT NULL,
        state TEXT NOT NULL,
        level INTEGER NOT NULL,
        raised_at INTEGER NOT NULL,
        acked_at INTEGER,
        acked_by TEXT,
        resolved_at INTEGER,
        resolved_by TEXT,
        note TEXT,
        line_stop INTEGER NOT NULL,
        escalations TEXT NOT NULL
      )`,
      'CREATE INDEX IF NOT EXISTS jit_andon_call_open ON jit_andon_call (scope, state)',
      `CREATE TABLE IF NOT EXISTS jit_oee_shift (
        scope TEXT NOT NULL,
        asset TEXT NOT NULL,
        shift_id TEXT NOT NULL,
        day TEXT NOT NULL,
        start_ts INTEGER NOT NULL,
        end_ts INTEGER NOT NULL,
        data TEXT NOT NULL,
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (scope, asset, shift_id)
      )`,
      'CREATE INDEX IF NOT EXISTS jit_oee_shift_start ON jit_oee_shift (scope, asset, start_ts)',
    ],
  },
];

export function migrateJit(store: Store): number {
  return store.migrate('jit', JIT_MIGRATIONS);
}

interface CallRow {
  id: number;
  station: string;
  kind: string;
  text: string;
  source: string;
  state: string;
  level: number;
  raised_at: number;
  acked_at: number | null;
  acked_by: string | null;
  resolved_at: number | null;
  resolved_by: string | null;
  note: string | null;
  line_stop: number;
  escalations: string;
}

function toCall(r: CallRow): AndonCall {
  return {
    id: Number(r.id),
    station: r.station,
    kind: r.kind as AndonCall['kind'],
    text: r.text,
    source: r.source,
    state: r.state as AndonCall['state'],
    level: Number(r.level),
    raisedAt: Number(r.raised_at),
    ackedAt: r.acked_at === null ? null : Number(r.acked_at),
    ackedBy: r.acked_by,
    resolvedAt: r.resolved_at === null ? null : Number(r.resolved_at),
    resolvedBy: r.resolved_by,
    note: r.note,
    lineStop: !!r.line_stop,
    escalations: JSON.parse(r.escalations) as AndonCall['escalations'],
  };
}

export class AndonRepo {
  constructor(private readonly store: Store, private readonly scope: string) {}

  insert(c: Omit<AndonCall, 'id'>): AndonCall {
    const r = this.store.run(
      `INSERT INTO jit_andon_call (scope, station, kind, text, source, state, level, raised_at, acked_at, acked_by, resolved_at, resolved_by, note, line_stop, escalations)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [this.scope, c.station, c.kind, c.text, c.source, c.state, c.level, c.raisedAt, c.ackedAt, c.ackedBy, c.resolvedAt, c.resolvedBy, c.note, c.lineStop ? 1 : 0, JSON.stringify(c.escalations)],
    );
    return { ...c, id: Number(r.lastInsertRowid) };
  }

  update(c: AndonCall): void {
    this.store.run(
      `UPDATE jit_andon_call SET state = ?, level = ?, acked_at = ?, acked_by = ?, resolved_at = ?, resolved_by = ?, note = ?, text = ?, escalations = ?
       WHERE scope = ? AND id = ?`,
      [c.state, c.level, c.ackedAt, c.ackedBy, c.resolvedAt, c.resolvedBy, c.note, c.text, JSON.stringify(c.escalations), this.scope, c.id],
    );
  }

  get(id: number): AndonCall | undefined {
    const r = this.store.get<CallRow>('SELECT * FROM jit_andon_call WHERE scope = ? AND id = ?', [this.scope, id]);
    return r ? toCall(r) : undefined;
  }

  open(): AndonCall[] {
    return this.store.all<CallRow>("SELECT * FROM jit_andon_call WHERE scope = ? AND state <> 'resolved' ORDER BY id", [this.scope]).map(toCall);
  }

  since(from: number, limit = 10_000): AndonCall[] {
    return this.store.all<CallRow>('SELECT * FROM jit_andon_call WHERE scope = ? AND raised_at >= ? ORDER BY id DESC LIMIT ?', [this.scope, from, limit]).map(toCall);
  }
}

export class OeeRepo {
  constructor(private readonly store: Store, private readonly scope: string) {}

  save(r: ShiftRecord, now: number): void {
    this.store.run(
      `INSERT INTO jit_oee_shift (scope, asset, shift_id, day, start_ts, end_ts, data, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (scope, asset, shift_id) DO UPDATE SET data = excluded.data, updated_at = excluded.updated_at`,
      [this.scope, r.asset, r.shift, r.day, r.start, r.end, JSON.stringify(r), now],
    );
  }

  get(asset: string, shiftId: string): ShiftRecord | undefined {
    const row = this.store.get<{ data: string }>('SELECT data FROM jit_oee_shift WHERE scope = ? AND asset = ? AND shift_id = ?', [this.scope, asset, shiftId]);
    return row ? (JSON.parse(row.data) as ShiftRecord) : undefined;
  }

  /** Records of an asset whose shift started in [from, to). */
  range(asset: string, from: number, to: number, limit = 5000): ShiftRecord[] {
    return this.store
      .all<{ data: string }>('SELECT data FROM jit_oee_shift WHERE scope = ? AND asset = ? AND start_ts >= ? AND start_ts < ? ORDER BY start_ts LIMIT ?', [this.scope, asset, from, to, limit])
      .map((r) => JSON.parse(r.data) as ShiftRecord);
  }

  assets(): string[] {
    return this.store.all<{ asset: string }>('SELECT DISTINCT asset FROM jit_oee_shift WHERE scope = ? ORDER BY asset', [this.scope]).map((r) => r.asset);
  }
}
