/**
 * Readings of registered machines: one rel-ingest serves every machine the asset register places
 * on its PLC (Modbus, by base address) or whose machine type names an MQTT topic / OPC UA node-id
 * pattern. The maps are rebuilt when the register changes (its version goes up). Pure: no Node-RED.
 */
import { InputError } from '../errors';
import type { FieldMap } from './json';
import { expandMachines, machineReadings, readOrigin, type MachineChannel, type MachineMap } from './machines';
import { registersFromMessage, type RegisterRow } from './modbus';
import { messageTopic, PatternRouter, routedReadings, toPatternMachines, UnknownTopics, type PatternKind } from './patterns';
import type { Reading } from './reading';

/** A registered machine as the register index gives it. */
export interface RegisteredMachine {
  asset: { asset: string; line?: string; site?: string; area?: string; baseAddress?: number | null };
  type: { registers: readonly RegisterRow[]; mqtt?: string; opcua?: string };
  channels: readonly MachineChannel[];
}

/** What this needs of the register index (nodes/core/register RegisterIndex + patternMachinesOf). */
export interface RegisterView {
  version: number;
  machinesOn(host: string, port: number, unit: number): RegisteredMachine[];
  byPattern(kind: PatternKind): RegisteredMachine[];
}

export class RegisteredMachines {
  readonly unknown = new UnknownTopics();
  /** Per PLC and unit (one node may serve several PLCs): the maps and the register version they follow. */
  private maps = new Map<string, { version: number; maps: MachineMap[] }>();
  private router?: PatternRouter;
  private routerVersion = -1;

  constructor(private readonly view: () => RegisterView) {}

  /** The machines of this PLC and unit, rebuilt when the register changed. */
  machineMaps(host: string, port: number, unit: number): MachineMap[] {
    const v = this.view();
    const key = `${host.toLowerCase()}:${port}:${unit}`;
    const hit = this.maps.get(key);
    if (hit && hit.version === v.version) return hit.maps;
    const on = v.machinesOn(host, port, unit);
    const maps = expandMachines(on.map((m) => ({ asset: m.asset.asset, base: m.asset.baseAddress as number, rows: m.type.registers, channels: m.channels })));
    if (this.maps.size >= 4096) this.maps.clear();
    this.maps.set(key, { version: v.version, maps });
    return maps;
  }

  /** A Modbus read of one PLC: every machine it covers. */
  modbus(msg: Record<string, unknown>, plc: { host: string; port: number; unit?: number; start: number }, now: number): Reading[] {
    const at = readOrigin(msg, { address: plc.start, unit: plc.unit });
    const unit = at.unit ?? 1;
    const list = this.machineMaps(plc.host, plc.port, unit);
    if (!list.length) throw new InputError('msg.input.payload.unitid', `a unit with machines in the register on PLC ${plc.host}:${plc.port} (none on unit ${unit}; register machines with plcHost ${plc.host}, a machineType and a baseAddress)`, unit);
    const readings = machineReadings(registersFromMessage(msg), at.address, list, now);
    if (!readings.length) throw new InputError('msg.input.payload.address', `a read covering a machine of PLC ${plc.host}:${plc.port} unit ${unit} (base addresses ${list.slice(0, 10).map((m) => m.rows[0]?.register).join(', ')}${list.length > 10 ? ' ...' : ''})`, at.address);
    return readings;
  }

  /** The router over every machine with a pattern of this kind, rebuilt when the register changed. */
  routerFor(kind: PatternKind): PatternRouter {
    const v = this.view();
    if (!this.router || this.routerVersion !== v.version || this.router.kind !== kind) {
      this.router = new PatternRouter(kind, toPatternMachines(kind, v.byPattern(kind)));
      this.routerVersion = v.version;
    }
    return this.router;
  }

  /**
   * An MQTT message or OPC UA value routed by its topic. An unknown machine or channel gives no
   * reading: it is counted, and `unknown` says what (with `first` the first time for that key).
   */
  routed(kind: PatternKind, msg: Record<string, unknown>, fields: FieldMap, now: number, fs?: number): { readings: Reading[]; unknown?: { text: string; first: boolean } } {
    const topic = messageTopic(msg, kind);
    const route = this.routerFor(kind).route(topic);
    if (!route.ok) return { readings: [], unknown: { text: `${topic}: ${route.text}`, first: this.unknown.add(route, topic, now) } };
    return { readings: routedReadings(kind, route, msg, fields, now, fs) };
  }
}
