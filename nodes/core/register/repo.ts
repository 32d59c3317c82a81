/**
 * The register's store port: machines and machine types on the asynchronous Store. An import is
 * checked whole (every row against the stored types and machines) and applied in one
 * transaction, or not at all. Pure: no Node-RED.
 */
import { StateError } from '../errors';
import type { Query, Store } from '../store/types';
import { checkMachineType, checkRow, rowOf, typeSpan, type Cell } from './check';
import { readTable, writeCsv, writeXlsx } from './table';
import { REGISTER_MIGRATIONS } from './schema';
import { MAX_ROWS, MAX_TYPES, type Column, type ImportError, type ImportReport, type MachineType, type RegisteredAsset } from './types';

interface AssetRow {
  asset_id: string;
  name: string;
  site: string;
  area: string;
  line: string;
  criticality: number;
  machine_class: string;
  rpm: number | null;
  bearing: string;
  balls: number | null;
  ball_diameter: number | null;
  pitch_diameter: number | null;
  contact_angle: number | null;
  machine_type: string;
  plc_host: string;
  plc_port: number | null;
  unit_id: number | null;
  base_address: number | null;
  notes: string;
  channels: string;
}

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

function fromRow(r: AssetRow): RegisteredAsset {
  return {
    asset: r.asset_id,
    name: r.name,
    site: r.site,
    area: r.area,
    line: r.line,
    criticality: Number(r.criticality),
    machineClass: r.machine_class as RegisteredAsset['machineClass'],
    rpm: num(r.rpm),
    bearing: r.bearing,
    balls: num(r.balls),
    ballDiameter: num(r.ball_diameter),
    pitchDiameter: num(r.pitch_diameter),
    contactAngle: num(r.contact_angle),
    machineType: r.machine_type,
    plcHost: r.plc_host,
    plcPort: num(r.plc_port),
    unitId: num(r.unit_id),
    baseAddress: num(r.base_address),
    notes: r.notes,
    channels: JSON.parse(r.channels),
  };
}

const SELECT = `SELECT asset_id, name, site, area, line, criticality, machine_class, rpm, bearing, balls, ball_diameter, pitch_diameter,
  contact_angle, machine_type, plc_host, plc_port, unit_id, base_address, notes, channels FROM register_assets`;

/** A canonical text of a machine, to tell updated from unchanged. */
const same = (a: RegisteredAsset, b: RegisteredAsset) => JSON.stringify(rowOf(a)) === JSON.stringify(rowOf(b));

export interface ImportOptions {
  dryRun?: boolean;
  /** Apply the good rows even when other rows have errors. */
  partial?: boolean;
  now: number;
  /** Where the file came from, for the error of a file over the size cap. */
  path?: string;
}

export interface ListFilter {
  site?: string;
  area?: string;
  line?: string;
}

/** Whether a table exists, in either dialect (the CMMS tables exist only where CMMS nodes ran). */
async function tableExists(q: Query, name: string): Promise<boolean> {
  if (q.dialect === 'postgres') return !!(await q.one("SELECT 1 AS x FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = ?", [name]));
  return !!(await q.one("SELECT 1 AS x FROM sqlite_master WHERE type = 'table' AND name = ?", [name]));
}

export class RegisterRepo {
  constructor(private readonly store: Store) {}

  /** Apply the register migrations (idempotent). */
  migrate(): Promise<number> {
    return this.store.migrate('register', REGISTER_MIGRATIONS);
  }

  async list(filter: ListFilter = {}, q: Query = this.store): Promise<RegisteredAsset[]> {
    const where: string[] = [];
    const params: string[] = [];
    for (const k of ['site', 'area', 'line'] as const) {
      if (filter[k] !== undefined) {
        where.push(`${k} = ?`);
        params.push(filter[k] as string);
      }
    }
    const rows = await q.all<AssetRow>(`${SELECT}${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY asset_id`, params);
    return rows.map(fromRow);
  }

  async get(id: string): Promise<RegisteredAsset | undefined> {
    const r = await this.store.one<AssetRow>(`${SELECT} WHERE asset_id = ?`, [id]);
    return r ? fromRow(r) : undefined;
  }

  async types(q: Query = this.store): Promise<MachineType[]> {
    const rows = await q.all<{ name: string; registers: string; channels: string }>('SELECT name, registers, channels FROM register_types ORDER BY name');
    return rows.map((r) => {
      // The channels column holds the channel list, or {channels, mqtt?, opcua?} for a type with topic patterns.
      const c = JSON.parse(r.channels) as MachineType['channels'] | { channels: MachineType['channels']; mqtt?: string; opcua?: string };
      return Array.isArray(c) ? { name: r.name, registers: JSON.parse(r.registers), channels: c } : { name: r.name, registers: JSON.parse(r.registers), ...c };
    });
  }

  /** Everything, for the in-memory index. */
  async snapshot(): Promise<{ assets: RegisteredAsset[]; types: MachineType[] }> {
    return this.store.tx(async (q) => ({ assets: await this.list({}, q), types: await this.types(q) }));
  }

  /**
   * Define (add or replace) machine types: `[{ name, registers: [...], channels?: [...] }]`.
   * All or nothing; errors name the entry and the field.
   */
  async defineTypes(list: unknown, now: number, path = 'msg.payload'): Promise<{ types: MachineType[]; errors: string[] }> {
    const items = Array.isArray(list) ? list : [list];
    if (items.length > MAX_TYPES) return { types: [], errors: [`${path}: at most ${MAX_TYPES} machine types`] };
    const errors: string[] = [];
    const types: MachineType[] = [];
    const seen = new Set<string>();
    items.forEach((raw, i) => {
      const r = checkMachineType(raw, Array.isArray(list) ? `${path}[${i}]` : path);
      errors.push(...r.errors);
      if (r.type) {
        if (seen.has(r.type.name)) errors.push(`${path}[${i}].name: machine type ${r.type.name} is defined twice`);
        seen.add(r.type.name);
        types.push(r.type);
      }
    });
    if (errors.length) return { types: [], errors };
    await this.store.tx(async (q) => {
      if (Number((await q.one<{ n: number | string }>('SELECT COUNT(*) AS n FROM register_types'))?.n ?? 0) + types.length > MAX_TYPES) throw new StateError(`the register holds at most ${MAX_TYPES} machine types`);
      // A type whose map grows must still fit every machine that uses it below register 65536.
      for (const t of types) {
        const users = await q.all<{ asset_id: string; base_address: number | null }>('SELECT asset_id, base_address FROM register_assets WHERE machine_type = ?', [t.name]);
        const bad = users.find((u) => u.base_address !== null && Number(u.base_address) + typeSpan(t) > 65536);
        if (bad) throw new StateError(`machine type ${t.name}: ${typeSpan(t)} registers from base ${bad.base_address} of ${bad.asset_id} run past register 65535`);
        await q.run(
          `INSERT INTO register_types (name, registers, channels, updated_at) VALUES (?, ?, ?, ?)
           ON CONFLICT (name) DO UPDATE SET registers = excluded.registers, channels = excluded.channels, updated_at = excluded.updated_at`,
          [t.name, JSON.stringify(t.registers), JSON.stringify(t.mqtt || t.opcua ? { channels: t.channels, mqtt: t.mqtt, opcua: t.opcua } : t.channels), now],
        );
      }
    });
    return { types, errors };
  }

  /**
   * Import a register file (CSV text or an XLSX Buffer). Nothing is written on a dry run, nor
   * when any row has an error unless `partial` (then the good rows are written). One transaction.
   */
  async importFile(input: unknown, o: ImportOptions): Promise<ImportReport> {
    const table = await readTable(input as string | Buffer, o.path);
    const errors: ImportError[] = [...table.errors];
    // The header, the file as a whole or the row cap: nothing is checked further, nothing written (even with partial).
    const fileLevel = errors.some((e) => e.row <= 1 || e.row > MAX_ROWS + 1);
    const run = async (q: Query, write: boolean): Promise<ImportReport> => {
      const types = new Map((await this.types(q)).map((t) => [t.name, t]));
      const existing = new Map((await this.list({}, q)).map((a) => [a.asset, a]));
      const good = new Map<string, { row: number; asset: RegisteredAsset }>();
      const firstRow = new Map<string, number>();
      const badRows = new Set(errors.filter((e) => e.row > 1).map((e) => e.row));
      if (!fileLevel) {
        for (const { row, cells } of table.rows) {
          const byCol: Partial<Record<Column, Cell>> = {};
          table.columns.forEach((c, i) => {
            if (c) byCol[c] = cells[i] ?? null;
          });
          const r = checkRow(byCol, { types, decimalComma: table.decimalComma });
          // A cell the file reader refused (a formula) is reported once, not again as empty.
          const refused = new Set(table.errors.filter((e) => e.row === row).map((e) => e.field));
          for (const e of r.errors) if (!refused.has(e.field)) errors.push({ row, ...e });
          const id = typeof byCol.asset === 'number' ? String(byCol.asset) : (byCol.asset ?? '');
          if (id) {
            const first = firstRow.get(id);
            if (first !== undefined) {
              errors.push({ row, field: 'asset', error: `asset ${id} is also on row ${first}: one row per asset` });
              badRows.add(row);
              badRows.add(first);
              good.delete(id);
              continue;
            }
            firstRow.set(id, row);
          }
          if (r.asset && !badRows.has(row) && !r.errors.length) good.set(r.asset.asset, { row, asset: r.asset });
        }
        this.overlaps(existing, good, types, errors);
        for (const e of errors) if (e.row > 1) for (const [id, g] of good) if (g.row === e.row) good.delete(id);
      }
      let added = 0;
      let updated = 0;
      let unchanged = 0;
      const changed: string[] = [];
      for (const { asset } of good.values()) {
        const old = existing.get(asset.asset);
        if (!old) added++;
        else if (same(old, asset)) {
          unchanged++;
          continue;
        } else updated++;
        changed.push(asset.asset);
      }
      const apply = write && !fileLevel && (errors.length === 0 || !!o.partial);
      if (apply) {
        const mirror = await tableExists(q, 'assets');
        for (const id of changed) await this.upsert(q, (good.get(id) as { asset: RegisteredAsset }).asset, o.now, mirror);
      }
      errors.sort((a, b) => a.row - b.row);
      return { added, updated, unchanged, errors, dryRun: !!o.dryRun, applied: apply, rows: table.rows.length, changed: changed.slice(0, 1000) };
    };
    if (o.dryRun) return run(this.store, false);
    return this.store.tx((q) => run(q, true));
  }

  /** Machines of one PLC and unit whose register blocks overlap: an error on the file's row. */
  private overlaps(existing: Map<string, RegisteredAsset>, good: Map<string, { row: number; asset: RegisteredAsset }>, types: Map<string, MachineType>, errors: ImportError[]): void {
    const all = new Map<string, { row?: number; asset: RegisteredAsset }>();
    for (const [id, a] of existing) all.set(id, { asset: a });
    for (const [id, g] of good) all.set(id, g);
    const byPlc = new Map<string, { row?: number; asset: RegisteredAsset; start: number; end: number }[]>();
    for (const e of all.values()) {
      const t = types.get(e.asset.machineType);
      if (!t || e.asset.baseAddress === null) continue;
      const key = `${e.asset.plcHost.toLowerCase()}:${e.asset.plcPort ?? 502}:${e.asset.unitId ?? 1}`;
      const list = byPlc.get(key) ?? [];
      list.push({ ...e, start: e.asset.baseAddress, end: e.asset.baseAddress + typeSpan(t) });
      byPlc.set(key, list);
    }
    for (const [key, list] of byPlc) {
      list.sort((a, b) => a.start - b.start);
      for (let i = 1; i < list.length; i++) {
        const prev = list[i - 1];
        const cur = list[i];
        if (cur.start >= prev.end) continue;
        const [mine, other] = cur.row !== undefined ? [cur, prev] : [prev, cur];
        if (mine.row === undefined) continue;
        errors.push({ row: mine.row, field: 'baseAddress', error: `registers ${mine.start}..${mine.end - 1} overlap ${other.asset.asset} (${other.start}..${other.end - 1}) on PLC ${key}` });
      }
    }
  }

  private async upsert(q: Query, a: RegisteredAsset, now: number, mirror: boolean): Promise<void> {
    await q.run(
      `INSERT INTO register_assets (asset_id, name, site, area, line, criticality, machine_class, rpm, bearing, balls, ball_diameter, pitch_diameter,
         contact_angle, machine_type, plc_host, plc_port, unit_id, base_address, notes, channels, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (asset_id) DO UPDATE SET name = excluded.name, site = excluded.site, area = excluded.area, line = excluded.line,
         criticality = excluded.criticality, machine_class = excluded.machine_class, rpm = excluded.rpm, bearing = excluded.bearing,
         balls = excluded.balls, ball_diameter = excluded.ball_diameter, pitch_diameter = excluded.pitch_diameter,
         contact_angle = excluded.contact_angle, machine_type = excluded.machine_type, plc_host = excluded.plc_host,
         plc_port = excluded.plc_port, unit_id = excluded.unit_id, base_address = excluded.base_address, notes = excluded.notes,
         channels = excluded.channels, updated_at = excluded.updated_at`,
      [a.asset, a.name, a.site, a.area, a.line, a.criticality, a.machineClass, a.rpm, a.bearing, a.balls, a.ballDiameter, a.pitchDiameter,
        a.contactAngle, a.machineType, a.plcHost, a.plcPort, a.unitId, a.baseAddress, a.notes, JSON.stringify(a.channels), now],
    );
    if (!mirror) return;
    // The core asset table (reports, KPIs per line, PM plans) lists registered machines too.
    const custom = a.bearing === 'custom' ? { balls: a.balls, ballDiameter: a.ballDiameter, pitchDiameter: a.pitchDiameter, contactAngle: a.contactAngle ?? 0 } : undefined;
    const bearing = a.bearing === 'none' ? null : JSON.stringify({ name: a.bearing, ...custom });
    await q.run(
      `INSERT INTO assets (asset_id, name, line, criticality, machine_class, rpm, bearing, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (asset_id) DO UPDATE SET name = excluded.name, line = excluded.line, criticality = excluded.criticality,
         machine_class = excluded.machine_class, rpm = excluded.rpm, bearing = excluded.bearing, updated_at = excluded.updated_at`,
      [a.asset, a.name, a.line, a.criticality, a.machineClass, a.rpm, bearing, now],
    );
  }

  /** Remove a machine; refused while it has open work orders. */
  async remove(id: string): Promise<RegisteredAsset> {
    return this.store.tx(async (q) => {
      const r = await q.one<AssetRow>(`${SELECT} WHERE asset_id = ?`, [id]);
      if (!r) throw new StateError(`asset ${id} is not in the register`);
      if (await tableExists(q, 'cmms_work_orders')) {
        const open = await q.one<{ n: number }>('SELECT COUNT(*) AS n FROM cmms_work_orders WHERE asset = ? AND is_open = 1', [id]);
        const n = Number(open?.n ?? 0);
        if (n > 0) throw new StateError(`asset ${id} has ${n} open work order${n > 1 ? 's' : ''}: close or cancel ${n > 1 ? 'them' : 'it'} before removing the asset`);
      }
      await q.run('DELETE FROM register_assets WHERE asset_id = ?', [id]);
      if (await tableExists(q, 'assets')) await q.run('DELETE FROM assets WHERE asset_id = ?', [id]);
      return fromRow(r);
    });
  }

  async count(): Promise<number> {
    return Number((await this.store.one<{ n: number }>('SELECT COUNT(*) AS n FROM register_assets'))?.n ?? 0);
  }

  /** The register as a file with the import's columns: CSV text or an XLSX Buffer. */
  async exportFile(format: 'csv' | 'xlsx', filter: ListFilter = {}): Promise<string | Buffer> {
    const rows = (await this.list(filter)).map(rowOf);
    return format === 'xlsx' ? writeXlsx(rows) : writeCsv(rows);
  }
}
