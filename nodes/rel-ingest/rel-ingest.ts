/**
 * rel-ingest: turns what real sources emit (node-red-contrib-modbus register reads, MQTT/HTTP
 * JSON, node-red-contrib-opcua values, CSV waveforms and tables) into canonical readings, marks
 * bad and stale values, and runs a watchdog per channel so a silent source shows as an outage,
 * never as a frozen last value. Source `register`: the register maps come from the asset register's
 * machine types, one per machine on the configured PLC (base address + the type's registers), so
 * one node decodes every machine a read covers, readings named by asset and channel.
 */
import { InputError } from '../core/errors';
import {
  badReading,
  checkFieldMap,
  checkRegisterMap,
  assetId as checkAssetId,
  csvReadings,
  csvWaveform,
  expandMachines,
  machineReadings,
  readOrigin,
  jsonReadings,
  modbusReadings,
  opcuaReading,
  readingTopic,
  registersFromMessage,
  sourceState,
  Watchdog,
  type Reading,
  type ReadingDefaults,
  type MachineMap,
  type RegisterRow,
  type Source,
  type WatchedChannel,
} from '../core/ingest';
import { isObject, own } from '../core/validate';
import type { AssetConfigNode } from '../shared/assets';
import { getClock } from '../shared/clock';
import { defineNode, evalTyped } from '../shared/node';
import type { NodeDef, NodeMessage, RedApi } from '../shared/red';
import { acquireRegister, type RegisterHandle } from '../shared/register';
import { status } from '../shared/status';

const INGEST_SOURCES = ['modbus', 'mqtt', 'http', 'opcua', 'csv', 'register'] as const;
type IngestSource = (typeof INGEST_SOURCES)[number];

/** The node's properties as flows store them (keep the names: saved flows depend on them). */
interface IngestDef extends NodeDef {
  source?: IngestSource;
  /** A rel-asset config node id. */
  asset?: string;
  /** Asset id when no rel-asset is selected: a typed input (str, msg, flow, global, env). */
  assetId?: string;
  assetIdType?: string;
  channel?: string;
  quantity?: string;
  unit?: string;
  /** Sample rate (Hz) for waveforms that do not carry one. */
  fs?: string | number;
  /** Modbus register map. */
  registers?: unknown;
  /** `each`: one message per reading; `array`: one message whose payload is the list. */
  output?: 'each' | 'array';
  valueField?: string;
  samplesField?: string;
  fsField?: string;
  tsField?: string;
  assetField?: string;
  channelField?: string;
  quantityField?: string;
  unitField?: string;
  qualityField?: string;
  rpmField?: string;
  csvMode?: 'waveform' | 'table';
  csvColumn?: string;
  /** Seconds without data before a channel is reported stale; 0 turns the watchdog off. */
  staleAfter?: string | number;
  /** Source `register`: the rel-store holding the asset register, and the PLC this node reads. */
  store?: string;
  plcHost?: string;
  plcPort?: string | number;
  /** Unit id and first register of the read when the message does not say (msg.input.payload). */
  unitId?: string | number;
  startAddress?: string | number;
}

function fmt(v: number): string {
  const a = Math.abs(v);
  return a !== 0 && (a >= 1e6 || a < 1e-3) ? v.toExponential(2) : String(Math.round(v * 1000) / 1000);
}

function statusText(r: Reading): string {
  if (r.quality === 'bad') return `${r.channel} bad`;
  if (r.samples) return `${r.channel} ${r.samples.length} @ ${fmt(r.fs ?? 0)} Hz`;
  return `${r.channel} ${fmt(r.value ?? NaN)}${r.unit ? ` ${r.unit}` : ''}`;
}

export = function (RED: RedApi) {
  defineNode<IngestDef>(RED, 'rel-ingest', (node, config) => {
    const clock = getClock(RED);
    const source: IngestSource = (INGEST_SOURCES as readonly string[]).includes(config.source ?? '') ? (config.source as IngestSource) : 'mqtt';
    const problems: string[] = [];

    // Asset: the selected rel-asset, else a fixed id, else a typed input evaluated per message, else the payload.
    let fixedAsset: string | undefined;
    if (config.asset) {
      const cfg = RED.nodes.getNode(config.asset) as AssetConfigNode | null;
      if (!cfg) throw new Error(`asset: the selected rel-asset (${config.asset}) is not deployed`);
      if (!cfg.spec) throw new Error(`asset ${cfg.name || config.asset}: ${cfg.problems.join('; ')}`);
      fixedAsset = cfg.spec.assetId;
    }
    const assetType = config.assetIdType || 'str';
    const assetExpr = typeof config.assetId === 'string' ? config.assetId.trim() : '';
    if (!fixedAsset && assetExpr && assetType === 'str') fixedAsset = checkAssetId(assetExpr, 'asset id');
    const dynamicAsset = !fixedAsset && assetExpr !== '' && assetType !== 'str';

    const opt = (v: unknown) => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);
    const channel = opt(config.channel);
    const quantity = opt(config.quantity);
    const unit = opt(config.unit);
    const fsRaw = opt(typeof config.fs === 'number' ? String(config.fs) : config.fs);
    const fs = fsRaw !== undefined ? Number(fsRaw) : undefined;
    if (fs !== undefined && !(fs > 0 && fs <= 10_000_000)) problems.push('sample rate: expected a number of Hz above 0');
    const staleS = config.staleAfter === undefined || config.staleAfter === '' ? 60 : Number(config.staleAfter);
    if (!(staleS >= 0 && staleS <= 86400 * 7)) problems.push('stale after: expected seconds from 0 (off) to 604800');

    const whole = (v: unknown, dflt: number | undefined, min: number, max: number, what: string): number | undefined => {
      if (v === undefined || v === null || v === '') return dflt;
      const n = Number(v);
      if (!Number.isInteger(n) || n < min || n > max) problems.push(`${what}: expected a whole number from ${min} to ${max}`);
      return n;
    };
    let reg: RegisterHandle | undefined;
    const plc = { host: opt(config.plcHost) ?? '', port: whole(config.plcPort, 502, 1, 65535, 'PLC port') as number, unit: whole(config.unitId, undefined, 0, 255, 'unit id'), start: whole(config.startAddress, 0, 0, 65535, 'start address') as number };
    if (source === 'register' && !plc.host) problems.push('PLC host: expected the host name or IP address of the PLC (as in the register)');
    let rows: RegisterRow[] = [];
    if (source === 'modbus') {
      const m = checkRegisterMap(config.registers ?? []);
      problems.push(...m.errors);
      rows = m.rows;
      if (!m.errors.length && rows.length === 0) problems.push('register map: add at least one row (channel, register, type)');
    }
    const fm = checkFieldMap({
      value: config.valueField,
      samples: config.samplesField,
      fs: config.fsField,
      ts: config.tsField,
      asset: config.assetField,
      channel: config.channelField,
      quantity: config.quantityField,
      unit: config.unitField,
      quality: config.qualityField,
      rpm: config.rpmField,
    });
    problems.push(...fm.errors);
    const fields = fm.fields;
    if (problems.length) throw new Error(problems.join('; '));
    if (source === 'register') reg = acquireRegister(RED, config.store, 'rel-ingest');
    let maps: MachineMap[] = [];
    let mapsKey = '';
    /** The machines of this PLC and unit, rebuilt when the register changed. */
    const machineMaps = (r: RegisterHandle, unit: number): MachineMap[] => {
      const key = `${r.index.version}:${unit}`;
      if (key !== mapsKey) {
        const on = r.index.machinesOn(plc.host, plc.port, unit);
        maps = expandMachines(on.map((m) => ({ asset: m.asset.asset, base: m.asset.baseAddress as number, rows: m.type.registers, channels: m.channels })));
        mapsKey = key;
      }
      return maps;
    };

    const output = config.output === 'array' ? 'array' : 'each';
    const csvMode = config.csvMode === 'table' ? 'table' : 'waveform';
    const readingSource: Source = source === 'register' ? 'modbus' : source;

    // Watchdog: configured channels are watched from deploy, others from their first value.
    const staleMs = staleS * 1000;
    const dog = new Watchdog(staleMs);
    if (fixedAsset) {
      const start = clock.now();
      if (source === 'modbus') for (const r of rows) dog.watch({ asset: fixedAsset, channel: r.channel, quantity: r.quantity ?? quantity, unit: r.unit ?? unit }, start);
      else if (channel) dog.watch({ asset: fixedAsset, channel, quantity, unit }, start);
    }
    let downText: string | undefined;
    let lastText = 'waiting for data';

    function refreshStatus(): void {
      const missing = dog.missing();
      if (missing.length) {
        const stale = missing.filter((w) => w.stale);
        if (downText && stale.length < missing.length) status.error(node, `down: ${downText}`);
        else {
          const oldest = Math.min(...missing.map((w) => w.lastSeen));
          const age = Math.round((clock.now() - oldest) / 1000);
          status.error(node, `stale ${age} s${missing.length > 1 ? ` (${missing.length} ch)` : ''}`);
        }
      } else status.ok(node, lastText);
    }

    function emit(readings: Reading[], msg: NodeMessage | undefined, send: (m: NodeMessage | NodeMessage[] | (NodeMessage | NodeMessage[] | null)[]) => void): void {
      if (!readings.length) return;
      const base: NodeMessage = msg ?? {};
      if (output === 'array' && source !== 'register') {
        base.topic = readings[0].asset;
        base.payload = readings;
        send(base);
        return;
      }
      if (output === 'array') {
        // One message per machine: a register read covers many, rel-health takes one machine's list.
        const byAsset = new Map<string, Reading[]>();
        for (const r of readings) byAsset.set(r.asset, [...(byAsset.get(r.asset) ?? []), r]);
        const out = [...byAsset].map(([asset, list], i) => {
          const m: NodeMessage = i === 0 ? base : { ...base };
          m.topic = asset;
          m.payload = list;
          return m;
        });
        send(out.length === 1 ? out[0] : [out]);
        return;
      }
      const out = readings.map((r, i) => {
        const m: NodeMessage = i === 0 ? base : { ...base };
        m.topic = readingTopic(r);
        m.payload = r;
        return m;
      });
      send([out]);
    }

    function outage(list: WatchedChannel[], reason: string, send: (m: any) => void): void {
      const now = clock.now();
      emit(list.map((w) => badReading(w, now, readingSource, reason)), undefined, send);
    }

    const tickMs = Math.min(5000, Math.max(100, staleMs / 4));
    const timer = staleMs > 0 ? clock.setInterval(() => {
      try {
        const fresh = dog.check(clock.now());
        if (fresh.length) outage(fresh, `no data for ${fmt(staleS)} s`, (m) => node.send(m));
        if (dog.missing().length) refreshStatus();
      } catch (e) {
        node.error(e instanceof Error ? e.message : String(e));
      }
    }, tickMs) : undefined;
    status.idle(node, staleMs > 0 ? `waiting (stale after ${fmt(staleS)} s)` : 'waiting for data');

    async function resolveAsset(msg: NodeMessage): Promise<string | undefined> {
      if (fixedAsset) return fixedAsset;
      if (!dynamicAsset) return undefined;
      const v = await evalTyped(RED, node, assetExpr, assetType, msg);
      const path = assetType === 'msg' ? `msg.${assetExpr}` : 'msg.payload.asset';
      if (v === undefined || v === null || v === '') return undefined;
      return checkAssetId(v, path);
    }

    return {
      input: async (msg, send) => {
        // A source's error output (Modbus "empty message on fail", the OPC UA client's second output)
        // or its status (a Status node wired in, or the OPC UA status output): the plant must see the outage.
        const p0 = own(msg, 'payload');
        const err = own(msg, 'error');
        if (err !== undefined && err !== null && err !== '' && (p0 === '' || p0 === undefined)) {
          const m = own(err, 'message');
          downText = (typeof m === 'string' ? m : typeof err === 'string' ? err : 'error').slice(0, 60);
          outage(dog.down(), `source error: ${downText}`, send);
          refreshStatus();
          return;
        }
        const st = own(msg, 'status');
        if ((isObject(st) || typeof st === 'string') && p0 === undefined) {
          const text = isObject(st) ? own(st, 'text') : st;
          if (sourceState(text) === 'down') {
            const src = own(st, 'source');
            const who = isObject(src) && typeof own(src, 'type') === 'string' ? `${own(src, 'type')}: ` : '';
            downText = String(text).slice(0, 40);
            outage(dog.down(), `source status ${who}${downText}`, send);
            refreshStatus();
          }
          return;
        }

        const asset = await resolveAsset(msg);
        const d: ReadingDefaults = { asset, channel, quantity, unit, fs, now: clock.now(), source: readingSource };
        let readings: Reading[];
        let badRows: { row: number; error: string }[] = [];
        switch (source) {
          case 'modbus': {
            if (!asset) throw new InputError('msg.payload.asset', 'an asset for Modbus registers (select a rel-asset or set Asset id in the node)', undefined);
            readings = modbusReadings(registersFromMessage(msg), rows, { ...d, asset });
            break;
          }
          case 'register': {
            const r = reg as RegisterHandle;
            await r.ready;
            const at = readOrigin(msg, { address: plc.start, unit: plc.unit });
            const unit = at.unit ?? 1;
            const list = machineMaps(r, unit);
            if (!list.length) throw new InputError('msg.input.payload.unitid', `a unit with machines in the register on PLC ${plc.host}:${plc.port} (none on unit ${unit}; register machines with plcHost ${plc.host}, a machineType and a baseAddress)`, unit);
            readings = machineReadings(registersFromMessage(msg), at.address, list, d.now);
            if (!readings.length) throw new InputError('msg.input.payload.address', `a read covering a machine of PLC ${plc.host}:${plc.port} unit ${unit} (base addresses ${list.slice(0, 10).map((m) => m.rows[0]?.register).join(', ')}${list.length > 10 ? ' ...' : ''})`, at.address);
            break;
          }
          case 'opcua':
            readings = [opcuaReading(msg, d)];
            break;
          case 'csv': {
            if (csvMode === 'waveform') readings = [csvWaveform(own(msg, 'payload'), { column: config.csvColumn }, d)];
            else ({ readings, badRows } = csvReadings(own(msg, 'payload'), fields, d));
            break;
          }
          case 'http': {
            const p = own(msg, 'payload');
            const text = typeof p === 'string' ? p : Buffer.isBuffer(p) ? p.subarray(0, 64).toString('utf8') : undefined;
            const looksCsv = text !== undefined && !/^\s*[[{"\d.-]/.test(text);
            const rowsLike = Array.isArray(p) && p.length > 0 && Array.isArray(p[0]);
            if (looksCsv || rowsLike) {
              if (csvMode === 'waveform') readings = [csvWaveform(p, { column: config.csvColumn }, d)];
              else ({ readings, badRows } = csvReadings(p, fields, d));
            } else readings = jsonReadings(p, fields, d);
            break;
          }
          default:
            readings = jsonReadings(own(msg, 'payload'), fields, d);
        }

        const now = clock.now();
        let recovered = 0;
        for (const r of readings) if (dog.seen(r, now)) recovered++;
        if (recovered && !dog.missing().length) downText = undefined;
        if (badRows.length) {
          msg.badRows = badRows;
          node.warn(`${badRows.length} bad row${badRows.length > 1 ? 's' : ''}: ${badRows[0].error}`);
        }
        const bad = readings.filter((r) => r.quality !== 'good').length;
        lastText = readings.length === 1 ? statusText(readings[0]) : `${readings.length} readings${bad ? `, ${bad} not good` : ''}${badRows.length ? `, ${badRows.length} bad rows` : ''}`;
        emit(readings, msg, send);
        if (dog.missing().length) refreshStatus();
        else if (badRows.length || bad) status.warn(node, lastText);
        else status.ok(node, lastText);
      },
      close: () => {
        if (timer !== undefined) clock.clearInterval(timer);
        reg?.release();
      },
    };
  });
};
