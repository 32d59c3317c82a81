/**
 * One Modbus read, many machines: the register maps of the asset register's machine types,
 * expanded per machine (base address + the type's relative registers), decoded into readings
 * named by asset and channel. Pure: no Node-RED.
 */
import { InputError } from '../errors';
import { own } from '../validate';
import { badReading, type Reading, type Source } from './reading';
import { modbusReadings, REGISTER_WORDS, type RegisterRow } from './modbus';

/** A channel's role and limits as the register gives them (see core/register). */
export interface MachineChannel {
  channel: string;
  quantity?: string;
  unit?: string;
  role?: 'running' | 'counter' | 'speed';
  lo?: number;
  hi?: number;
}

/** A machine on a PLC: its type's rows at absolute register addresses. */
export interface MachineMap {
  asset: string;
  /** `register` is the absolute address (base + the type's offset). */
  rows: RegisterRow[];
  channels: Map<string, MachineChannel>;
}

/** Quantity a role implies when the map names none (contracts: `state` 0/1, `count`, `speed`). */
const ROLE_QUANTITY: Record<string, string> = { running: 'state', counter: 'count', speed: 'speed' };

/** Expand machines (base address + type rows) into absolute maps. */
export function expandMachines(machines: readonly { asset: string; base: number; rows: readonly RegisterRow[]; channels: readonly MachineChannel[] }[]): MachineMap[] {
  return machines.map((m) => ({
    asset: m.asset,
    rows: m.rows.map((r) => ({ ...r, register: m.base + r.register })),
    channels: new Map(m.channels.map((c) => [c.channel, c])),
  }));
}

/**
 * Where a node-red-contrib-modbus read started and which unit it asked: `msg.input.payload`
 * (`address`, `unitid`) as modbus-read, modbus-getter and modbus-flex-getter pass it on, else
 * the fallbacks (the node's settings).
 */
export function readOrigin(msg: Record<string, unknown>, fallback: { address: number; unit?: number }): { address: number; unit?: number } {
  const req = own(own(msg, 'input'), 'payload');
  const num = (v: unknown, path: string, max: number): number | undefined => {
    if (v === undefined || v === null || v === '') return undefined;
    const n = typeof v === 'string' ? Number(v) : v;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > max) throw new InputError(path, `a whole number from 0 to ${max}`, v);
    return n;
  };
  const address = num(own(req, 'address'), 'msg.input.payload.address', 65535) ?? fallback.address;
  const unit = num(own(req, 'unitid'), 'msg.input.payload.unitid', 255) ?? fallback.unit;
  return { address, unit };
}

/**
 * Readings of every machine the read covers: a machine is read when at least one of its rows lies
 * wholly inside [start, start + words); its rows outside the read are bad readings (never a
 * made-up value). A value outside a channel's absolute limits is `uncertain` with the reason.
 */
export function machineReadings(words: ArrayLike<number>, start: number, maps: readonly MachineMap[], now: number, source: Source = 'modbus'): Reading[] {
  const end = start + words.length;
  const out: Reading[] = [];
  const inside = (r: RegisterRow) => r.register >= start && r.register + REGISTER_WORDS[r.type] <= end;
  for (const m of maps) {
    if (!m.rows.some(inside)) continue;
    for (const row of m.rows) {
      const ch = m.channels.get(row.channel);
      const quantity = row.quantity ?? ch?.quantity ?? (ch?.role ? ROLE_QUANTITY[ch.role] : undefined);
      const unit = row.unit ?? ch?.unit ?? (ch?.role === 'speed' ? 'rpm' : undefined);
      if (!inside(row)) {
        out.push(badReading({ asset: m.asset, channel: row.channel, quantity, unit }, now, source, `registers ${row.register}..${row.register + REGISTER_WORDS[row.type] - 1} not in the read of ${start}..${end - 1}`));
        continue;
      }
      const [r] = modbusReadings(words, [{ ...row, register: row.register - start, quantity, unit }], { asset: m.asset, now, source });
      if (r.quality === 'good' && r.value !== undefined && ch && ((ch.lo !== undefined && r.value < ch.lo) || (ch.hi !== undefined && r.value > ch.hi))) {
        r.quality = 'uncertain';
        r.reason = `${r.value} outside the absolute limits ${ch.lo ?? '-inf'}..${ch.hi ?? 'inf'}`;
      }
      out.push(r);
    }
  }
  return out;
}
