/**
 * Plant events on MQTT: the topic tree and payloads (core), and a scripted shift through real
 * nodes (rel-work-order, rel-andon, rel-oee, rel-spares, a rel-health state change) -> rel-publish
 * -> Node-RED's mqtt out -> Debian's mosquitto -> an mqtt.js subscriber that must see every event
 * exactly once, in order, on the documented topics, and the retained last states as a late
 * subscriber.
 */
import assert from 'assert';
import path from 'path';
import { classify, level, toMqtt } from '../../nodes/core/events/plant-events';
import { helper, loadFlow, unloadFlow, receiveAndComplete, tmpDir, sleep } from '../helpers/red';
import { assetNode, storeNode } from '../helpers/fixtures';
import { FakeClock } from '../helpers/fake-clock';
import { startMosquitto, type Mosquitto } from '../helpers/mosquitto';

// eslint-disable-next-line @typescript-eslint/no-var-requires
const mqtt = require('mqtt');
const MQTT_NODES = [require('@node-red/nodes/core/network/10-mqtt.js')];

const T0 = Date.UTC(2026, 11, 7, 6, 0, 0);

describe('plant events on MQTT', function () {
  this.timeout(60_000);

  describe('topics and payloads', function () {
    it('puts each kind under root/site/area/line with a versioned payload', function () {
      const change = { topic: 'pump-7/machine', action: 'detect', payload: { asset: 'pump-7', channel: 'machine', ts: T0, from: 'normal', to: 'alarm', state: 'alarm', severity: 'alarm', evidence: 'velocity 5.2 mm/s', health: { score: 12, isoZone: 'D' } } };
      const e = classify(change, 0)!;
      const m = toMqtt(e, { site: 'Werk 1', area: 'press shop', line: 'L/2' }, { root: 'plant', box: 'edge-2', seq: 7 });
      assert.strictEqual(m.topic, 'plant/Werk 1/press shop/L_2/pump-7/health');
      assert.strictEqual(m.retain, true);
      assert.deepStrictEqual(
        { v: m.payload.v, kind: m.payload.kind, event: m.payload.event, seq: m.payload.seq, state: m.payload.state, score: m.payload.score, isoZone: m.payload.isoZone, at: m.payload.at },
        { v: 1, kind: 'health', event: 'alarm', seq: 7, state: 'alarm', score: 12, isoZone: 'D', at: '2026-12-07T06:00:00.000Z' },
      );
      assert.strictEqual(level('a+b#c/d'), 'a_b_c_d');
      assert.strictEqual(level(''), '_');
    });
    it('leaves out what is not an event: lists, boards, plain detections, unknown shapes', function () {
      const wo = { id: 1, number: 'WO-000001', asset: 'a', status: 'open', line: 'L1' };
      assert.strictEqual(classify({ action: 'list', payload: [wo] }, 0), null);
      assert.strictEqual(classify({ action: 'detect', payload: wo }, 0), null, 'output 1 of a detect: the second output says whether it opened or escalated');
      assert.strictEqual(classify({ action: 'board', payload: { andon: [] } }, 0), null);
      assert.strictEqual(classify({ payload: 'text' }, 0), null);
      assert.strictEqual(classify({ event: 'new', payload: wo }, 0)?.kind, 'work-order');
      assert.strictEqual(classify({ action: 'start', payload: wo }, 0)?.event, 'start');
    });
  });

  describe('a scripted shift through real nodes and mosquitto', function () {
    let broker: Mosquitto;
    let sub: any;
    before(async () => {
      broker = await startMosquitto();
    });
    after(async () => {
      await unloadFlow();
      helper.settings({ reliabilityClock: undefined });
      if (sub) await sub.endAsync();
      await broker.stop();
    });

    it('a subscriber sees every event in order on the documented topics; a late one gets the last states', async function () {
      const clock = new FakeClock(T0);
      helper.settings({ reliabilityClock: clock });
      const file = path.join(tmpDir(), 'events.db');
      await loadFlow(
        [
          storeNode(file),
          assetNode({ id: 'a1', assetId: 'pump-7', line: 'L2' }),
          { id: 'b1', type: 'mqtt-broker', name: 'mosquitto', broker: '127.0.0.1', port: String(broker.port), clientid: 'rel-publish-test', autoConnect: true, usetls: false, protocolVersion: '4', keepalive: '60', cleansession: true },
          { id: 'wo', type: 'rel-work-order', store: 'store1', wires: [['pub'], ['pub']] },
          { id: 'andon', type: 'rel-andon', store: 'store1', levels: '2, 5, 10', stations: 'st-1', wires: [['pub'], ['pub'], ['pub']] },
          { id: 'oee', type: 'rel-oee', store: 'store1', shifts: 'early=06:00-14:00', utcOffset: '0', idealCycleS: 30, wires: [['pub']] },
          { id: 'sp', type: 'rel-spares', store: 'store1', wires: [['pub'], ['pub']] },
          { id: 'pub', type: 'rel-publish', root: 'plant', site: 'werk1', area: 'assembly', line: 'L9', box: 'edge-1', wires: [['mq']] },
          { id: 'mq', type: 'mqtt out', broker: 'b1', topic: '', qos: '', retain: '' },
        ],
        MQTT_NODES,
      );
      sub = await mqtt.connectAsync(broker.url, { clientId: 'plant-dashboard', clean: true });
      const seen: { topic: string; payload: any; retain: boolean }[] = [];
      sub.on('message', (topic: string, buf: Buffer, packet: any) => seen.push({ topic, payload: JSON.parse(buf.toString()), retain: packet.retain }));
      await sub.subscribeAsync('plant/#', { qos: 1 });
      // Node-RED's broker connection is up before the shift starts.
      for (let i = 0; i < 100 && !(helper.getNode('b1') as any).connected; i++) await sleep(50);
      assert.ok((helper.getNode('b1') as any).connected, 'Node-RED connected to mosquitto');

      const act = async (id: string, action: string, payload: object) => {
        const err = await receiveAndComplete(id, { action, payload });
        if (err) throw err;
      };
      const min = 60_000;
      // The shift: a machine goes to alarm, an order is opened and worked, an Andon call is raised,
      // escalated, acknowledged and resolved, OEE is reported, a part falls below its reorder point.
      (helper.getNode('pub') as any).receive({ topic: 'pump-7/machine', action: 'detect', payload: { asset: 'pump-7', channel: 'machine', ts: T0 + 1 * min, from: 'normal', to: 'alarm', state: 'alarm', severity: 'alarm', evidence: 'velocity 5.2 mm/s', health: { score: 12, isoZone: 'D' } } });
      await act('oee', 'state', { asset: 'pump-7', state: 'running', ts: T0 });
      clock.advance(2 * min);
      await act('wo', 'create', { asset: 'pump-7', title: 'Vibration alarm', ts: T0 + 2 * min });
      await act('wo', 'assign', { id: 1, by: 'planner', assignee: 'tech-1', ts: T0 + 3 * min });
      await act('wo', 'start', { id: 1, by: 'tech-1', ts: T0 + 4 * min });
      clock.advance(3 * min);
      await act('andon', 'raise', { station: 'st-1', kind: 'machine', ts: T0 + 5 * min });
      clock.advance(2 * min + 1000); // unacknowledged for 2 min: level 1 escalation (a timer)
      await sleep(50);
      await act('andon', 'ack', { id: 1, by: 'tech-1', ts: T0 + 8 * min });
      await act('andon', 'resolve', { id: 1, by: 'tech-1', ts: T0 + 9 * min });
      await act('wo', 'complete', { id: 1, by: 'tech-1', repairMin: 30, ts: T0 + 10 * min });
      await act('wo', 'close', { id: 1, by: 'planner', ts: T0 + 11 * min });
      await act('oee', 'count', { asset: 'pump-7', good: 100, total: 104, ts: T0 + 60 * min });
      await act('oee', 'report', { asset: 'pump-7', ts: T0 + 60 * min });
      await act('sp', 'define', { part: 'BRG-6205', name: 'Bearing', leadMeanDays: 10, leadSdDays: 3, demandPerDay: 4, demandSd: 2 });
      await act('sp', 'receive', { part: 'BRG-6205', qty: 100, ts: T0 + 61 * min });
      await act('sp', 'issue', { part: 'BRG-6205', qty: 60, ts: T0 + 62 * min });

      const expected: [string, string, string][] = [
        ['plant/werk1/assembly/L2/pump-7/health', 'health', 'alarm'],
        ['plant/werk1/assembly/L2/pump-7/work-order/WO-000001', 'work-order', 'new'],
        ['plant/werk1/assembly/L2/pump-7/work-order/WO-000001', 'work-order', 'assign'],
        ['plant/werk1/assembly/L2/pump-7/work-order/WO-000001', 'work-order', 'start'],
        ['plant/werk1/assembly/L9/andon/st-1', 'andon', 'raise'],
        ['plant/werk1/assembly/L9/andon/st-1', 'andon', 'escalate'],
        ['plant/werk1/assembly/L9/andon/st-1', 'andon', 'ack'],
        ['plant/werk1/assembly/L9/andon/st-1', 'andon', 'resolve'],
        ['plant/werk1/assembly/L2/pump-7/work-order/WO-000001', 'work-order', 'complete'],
        ['plant/werk1/assembly/L2/pump-7/work-order/WO-000001', 'work-order', 'close'],
        ['plant/werk1/assembly/L2/pump-7/oee', 'oee', 'shift'],
        // a part defined with demand and no stock is ordered at once; the issue crosses the reorder point again
        ['plant/werk1/assembly/L9/pull/BRG-6205', 'pull', 'spares'],
        ['plant/werk1/assembly/L9/pull/BRG-6205', 'pull', 'spares'],
      ];
      for (let i = 0; i < 100 && seen.length < expected.length; i++) await sleep(50);
      await sleep(200);
      assert.deepStrictEqual(
        seen.map((s) => [s.topic, s.payload.kind, s.payload.event]),
        expected,
      );
      assert.deepStrictEqual(seen.map((s) => s.payload.seq), expected.map((_, i) => i + 1), 'every event once, in order');
      for (const s of seen) {
        assert.strictEqual(s.payload.v, 1);
        assert.strictEqual(s.payload.box, 'edge-1');
        assert.ok(Number.isFinite(s.payload.ts) && s.payload.at === new Date(s.payload.ts).toISOString());
      }
      const oee = seen.find((s) => s.payload.kind === 'oee')!.payload;
      assert.ok(oee.oee > 0 && oee.oee <= 1, `oee ${oee.oee}`);
      assert.strictEqual(seen.find((s) => s.payload.event === 'complete')!.payload.status, 'done');
      assert.strictEqual(seen.find((s) => s.payload.event === 'raise')!.payload.callKind, 'machine');
      assert.strictEqual(seen.find((s) => s.payload.event === 'escalate')!.payload.level, 1);

      // A plant dashboard that subscribes later gets the last state of health, Andon and OEE.
      const late = await mqtt.connectAsync(broker.url, { clientId: 'late-dashboard', clean: true });
      const retained: Record<string, any> = {};
      late.on('message', (topic: string, buf: Buffer, packet: any) => {
        if (packet.retain) retained[topic] = JSON.parse(buf.toString());
      });
      await late.subscribeAsync('plant/#', { qos: 1 });
      for (let i = 0; i < 40 && Object.keys(retained).length < 3; i++) await sleep(50);
      await late.endAsync();
      assert.deepStrictEqual(Object.keys(retained).sort(), ['plant/werk1/assembly/L2/pump-7/health', 'plant/werk1/assembly/L2/pump-7/oee', 'plant/werk1/assembly/L9/andon/st-1']);
      assert.strictEqual(retained['plant/werk1/assembly/L9/andon/st-1'].state, 'resolved');
      assert.strictEqual(retained['plant/werk1/assembly/L2/pump-7/health'].state, 'alarm');
    });
  });
});
