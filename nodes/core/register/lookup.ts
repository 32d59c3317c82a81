/**
 * The in-memory register index: every machine and machine type of one store, so a synchronous
 * asset lookup (resolveAsset) and a Modbus decode find registered machines without a query. One
 * index per store, shared by its users (rel-registry, rel-ingest), replaced whole after each
 * committed change. Pure: no Node-RED.
 */
import type { AssetSpec } from '../asset';
import { machineChannels, specOf } from './check';
import type { MachineType, RegisterChannel, RegisteredAsset } from './types';

export interface PlcMachine {
  asset: RegisteredAsset;
  type: MachineType;
  /** The type's channels with the machine's own overrides. */
  channels: RegisterChannel[];
}

export class RegisterIndex {
  private assets = new Map<string, RegisteredAsset>();
  private specs = new Map<string, AssetSpec>();
  private types = new Map<string, MachineType>();
  /** Goes up by one at every replace: users rebuild what they derived from the index. */
  version = 0;
  loaded = false;

  replace(assets: readonly RegisteredAsset[], types: readonly MachineType[]): void {
    const a = new Map<string, RegisteredAsset>();
    const s = new Map<string, AssetSpec>();
    for (const x of assets) {
      a.set(x.asset, x);
      const spec = specOf(x);
      if (spec) s.set(x.asset, spec);
    }
    this.assets = a;
    this.specs = s;
    this.types = new Map(types.map((t) => [t.name, t]));
    this.version++;
    this.loaded = true;
  }

  get size(): number {
    return this.assets.size;
  }

  get(id: string): RegisteredAsset | undefined {
    return this.assets.get(id);
  }

  spec(id: string): AssetSpec | undefined {
    return this.specs.get(id);
  }

  type(name: string): MachineType | undefined {
    return this.types.get(name);
  }

  ids(): string[] {
    return [...this.assets.keys()];
  }

  /** Machines with a type on one PLC (host case-insensitive; port 502 and unit 1 when not given). */
  machinesOn(host: string, port: number, unit?: number): PlcMachine[] {
    const h = host.toLowerCase();
    const out: PlcMachine[] = [];
    for (const a of this.assets.values()) {
      if (!a.machineType || a.baseAddress === null || a.plcHost.toLowerCase() !== h || (a.plcPort ?? 502) !== port) continue;
      if (unit !== undefined && (a.unitId ?? 1) !== unit) continue;
      const type = this.types.get(a.machineType);
      if (type) out.push({ asset: a, type, channels: machineChannels(a, type) });
    }
    return out.sort((x, y) => (x.asset.baseAddress as number) - (y.asset.baseAddress as number));
  }
}

/** Machines whose type carries a topic pattern of this kind (MQTT or OPC UA), sorted by id. */
export function patternMachinesOf(index: RegisterIndex, kind: 'mqtt' | 'opcua'): PlcMachine[] {
  const out: PlcMachine[] = [];
  for (const id of index.ids()) {
    const a = index.get(id) as RegisteredAsset;
    const type = a.machineType ? index.type(a.machineType) : undefined;
    if (type && type[kind]) out.push({ asset: a, type, channels: machineChannels(a, type) });
  }
  return out.sort((x, y) => (x.asset.asset < y.asset.asset ? -1 : 1));
}

/** The live indexes, one per store (by its location), with how many users hold each. */
const live = new Map<string, { index: RegisterIndex; users: number }>();

/** Join (or create) the index of a store; call release() when done (the last user drops it). */
export function joinIndex(key: string): { index: RegisterIndex; first: boolean; release: () => boolean } {
  let e = live.get(key);
  const first = !e;
  if (!e) {
    e = { index: new RegisterIndex(), users: 0 };
    live.set(key, e);
  }
  e.users++;
  const entry = e;
  let released = false;
  return {
    index: entry.index,
    first,
    /** True when this was the last user (the index is gone). */
    release() {
      if (released) return false;
      released = true;
      entry.users--;
      if (entry.users === 0 && live.get(key) === entry) {
        live.delete(key);
        return true;
      }
      return false;
    },
  };
}

/** A registered machine's asset facts from any live index (synchronous). */
export function findRegistered(id: string): AssetSpec | undefined {
  for (const { index } of live.values()) {
    const s = index.spec(id);
    if (s) return s;
  }
  return undefined;
}

/** Machines in all live indexes (for error messages). */
export function registeredCount(): number {
  let n = 0;
  for (const { index } of live.values()) n += index.size;
  return n;
}
