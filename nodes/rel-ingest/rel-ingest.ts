/**
 * rel-ingest: turns what real sources emit (Modbus register reads, MQTT/HTTP JSON, OPC UA values,
 * CSV) into canonical readings, marks bad and stale values, and runs a watchdog per channel so a
 * silent source shows as an outage, never as a frozen last value. With the asset register (source
 * `register`, or MQTT / OPC UA in register mode) one node serves every registered machine, readings
 * named by asset and channel. The steps are in nodes/core/ingest (steps.ts, registered.ts).
 */
import {
  assetId as checkAssetId, badReading, decodeMessage, fmt, ingestSettings, outputMessages, RegisteredMachines,
  sourceSignal, summaryText, Watchdog, type IngestForm, type Reading, type WatchedChannel,
} from '../core/ingest';
import { patternMachinesOf } from '../core/register';
import type { AssetConfigNode } from '../shared/assets';
import { getClock } from '../shared/clock';
import { defineNode, evalTyped, guard } from '../shared/node';
import type { NodeDef, NodeMessage, RedApi } from '../shared/red';
import { plcResolver } from '../shared/modbus-source';
import { acquireRegister, type RegisterHandle } from '../shared/register';
import { status } from '../shared/status';

type Send = (m: NodeMessage | NodeMessage[] | (NodeMessage | NodeMessage[] | null)[]) => void;

export = function (RED: RedApi) {
  defineNode<IngestForm & NodeDef>(RED, 'rel-ingest', (node, config) => {
    const clock = getClock(RED);
    const { settings: s, problems } = ingestSettings(config);
    // Asset: the selected rel-asset, else a fixed id, else a typed input evaluated per message, else the payload.
    let fixedAsset: string | undefined;
    if (config.asset) {
      const cfg = RED.nodes.getNode(config.asset) as AssetConfigNode | null;
      if (!cfg) throw new Error(`asset: the selected rel-asset (${config.asset}) is not deployed`);
      if (!cfg.spec) throw new Error(`asset ${cfg.name || config.asset}: ${cfg.problems.join('; ')}`);
      fixedAsset = cfg.spec.assetId;
    }
    if (!fixedAsset && s.assetExpr && s.assetType === 'str') fixedAsset = checkAssetId(s.assetExpr, 'asset id');
    const dynamicAsset = !fixedAsset && s.assetExpr !== '' && s.assetType !== 'str';
    if (problems.length) throw new Error(problems.join('; '));
    const reg: RegisterHandle | undefined = s.registered ? acquireRegister(RED, config.store, 'rel-ingest') : undefined;
    const machines = reg
      ? new RegisteredMachines(() => ({
          version: reg.index.version,
          machinesOn: (h, p, u) => reg.index.machinesOn(h, p, u),
          byPattern: (k) => patternMachinesOf(reg.index, k),
        }))
      : undefined;

    // Watchdog: configured channels are watched from deploy, others from their first value.
    const staleMs = s.staleS * 1000;
    const dog = new Watchdog(staleMs);
    if (fixedAsset && !s.registered) {
      const start = clock.now();
      if (s.source === 'modbus') for (const r of s.rows) dog.watch({ asset: fixedAsset, channel: r.channel, quantity: r.quantity ?? s.quantity, unit: r.unit ?? s.unit }, start);
      else if (s.channel) dog.watch({ asset: fixedAsset, channel: s.channel, quantity: s.quantity, unit: s.unit }, start);
    }
    let downText: string | undefined;
    let lastText = 'waiting for data';

    function refreshStatus(): void {
      const missing = dog.missing();
      if (!missing.length) return status.ok(node, lastText);
      if (downText && missing.filter((w) => w.stale).length < missing.length) return status.error(node, `down: ${downText}`);
      const age = Math.round((clock.now() - Math.min(...missing.map((w) => w.lastSeen))) / 1000);
      status.error(node, `stale ${age} s${missing.length > 1 ? ` (${missing.length} ch)` : ''}`);
    }

    function emit(readings: Reading[], msg: NodeMessage | undefined, send: Send): void {
      const base: NodeMessage = msg ?? {};
      const out = outputMessages(readings, s.output, s.registered).map((o, i) => Object.assign(i === 0 ? base : { ...base }, { topic: o.topic, payload: o.payload }));
      if (!out.length) return;
      if (s.output === 'array') send(out.length === 1 ? out[0] : [out]);
      else send([out]);
    }

    function outage(list: WatchedChannel[], reason: string, send: Send): void {
      const now = clock.now();
      emit(list.map((w) => badReading(w, now, s.readingSource, reason)), undefined, send);
    }

    const timer = staleMs > 0 ? clock.setInterval(() => guard(node, () => {
      const fresh = dog.check(clock.now());
      if (fresh.length) outage(fresh, `no data for ${fmt(s.staleS)} s`, (m) => node.send(m));
      if (dog.missing().length) refreshStatus();
    }), Math.min(5000, Math.max(100, staleMs / 4))) : undefined;
    status.idle(node, staleMs > 0 ? `waiting (stale after ${fmt(s.staleS)} s)` : 'waiting for data');

    async function resolveAsset(msg: NodeMessage): Promise<string | undefined> {
      if (fixedAsset || !dynamicAsset) return fixedAsset;
      const v = await evalTyped(RED, node, s.assetExpr, s.assetType, msg);
      if (v === undefined || v === null || v === '') return undefined;
      return checkAssetId(v, s.assetType === 'msg' ? `msg.${s.assetExpr}` : 'msg.payload.asset');
    }

    const plcOf = plcResolver(RED, s.plc);

    return {
      input: async (msg, send) => {
        const sig = sourceSignal(msg);
        if (sig?.kind === 'down') {
          downText = sig.text;
          outage(dog.down(), sig.reason, send);
          return refreshStatus();
        }
        if (sig) return;
        if (machines && msg.action === 'unknown') {
          msg.payload = machines.unknown.report();
          return send(msg);
        }
        const now = clock.now();
        let readings: Reading[];
        let badRows: { row: number; error: string }[] = [];
        if (machines && reg) {
          await reg.ready;
          if (s.source === 'register') readings = machines.modbus(msg, plcOf(msg), now);
          else {
            const r = machines.routed(s.source as 'mqtt' | 'opcua', msg, s.fields, now, s.fs);
            readings = r.readings;
            if (r.unknown?.first) node.warn(`unknown: ${r.unknown.text}`);
          }
        } else {
          const asset = await resolveAsset(msg);
          ({ readings, badRows } = decodeMessage(s, msg, { asset, channel: s.channel, quantity: s.quantity, unit: s.unit, fs: s.fs, now, source: s.readingSource }));
        }
        let recovered = 0;
        for (const r of readings) if (dog.seen(r, now)) recovered++;
        if (recovered && !dog.missing().length) downText = undefined;
        if (badRows.length) {
          msg.badRows = badRows;
          node.warn(`${badRows.length} bad row${badRows.length > 1 ? 's' : ''}: ${badRows[0].error}`);
        }
        const unknown = machines?.unknown.total ?? 0;
        lastText = summaryText(readings, badRows.length, unknown);
        emit(readings, msg, send);
        if (dog.missing().length) refreshStatus();
        else if (badRows.length || unknown || readings.some((r) => r.quality !== 'good')) status.warn(node, lastText);
        else status.ok(node, lastText);
      },
      close: () => {
        if (timer !== undefined) clock.clearInterval(timer);
        reg?.release();
      },
    };
  });
};
