/** The importable examples run as imported, and the line flows hold valid register maps. */
import assert from 'assert';
import fs from 'fs';
import path from 'path';
import { getNode, loadFlow, ROOT, unloadFlow } from '../helpers/red';
import { checkFieldMap, checkRegisterMap } from '../../nodes/core/ingest';
import { collect, waitFor } from './collect';

const CORE = ['common/20-inject.js', 'common/21-debug.js', 'common/90-comment.js', 'common/25-status.js', 'common/60-link.js'].map((f) => require(`@node-red/nodes/core/${f}`));
const dir = path.join(ROOT, 'examples', 'rel-ingest');

describe('rel-ingest examples and line flows', function () {
  afterEach(() => unloadFlow());

  for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
    it(`runs "${file}" as imported`, async () => {
      const flow = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'));
      assert.strictEqual(flow[0].type, 'comment', 'starts with a comment node');
      // Import puts the nodes on the current tab: do the same.
      for (const n of flow) if ('x' in n) n.z = 'tab1';
      flow.push({ id: 'tab1', type: 'tab', label: 'example' });
      const ingests = flow.filter((n: any) => n.type === 'rel-ingest');
      // A helper beside each rel-ingest output sees what the debug node would show.
      for (const n of ingests) {
        n.wires[0].push(`h-${n.id}`);
        flow.push({ id: `h-${n.id}`, type: 'helper', z: 'tab1' });
      }
      await loadFlow(flow, CORE);
      const got = ingests.map((n: any) => collect(`h-${n.id}`));
      for (const inj of flow.filter((n: any) => n.type === 'inject')) getNode(inj.id).receive({});
      await waitFor('readings from every rel-ingest', () => got.every((g: any[]) => g.some((x) => x.msg.payload && (Array.isArray(x.msg.payload) ? x.msg.payload.length : x.msg.payload.quality === 'good'))));
      for (const g of got) for (const x of g) {
        const rs = Array.isArray(x.msg.payload) ? x.msg.payload : [x.msg.payload];
        for (const r of rs) {
          assert.ok(typeof r.asset === 'string' && r.asset && typeof r.channel === 'string', JSON.stringify(r));
          if (r.quality === 'good') assert.ok(Number.isFinite(r.value) || r.samples?.length > 0);
          else assert.strictEqual(r.value, undefined);
        }
      }
    });
  }

  for (const file of ['modbus-line.json', 'mqtt-line.json']) {
    it(`flows/${file} is a valid line: config checks pass, every rel-ingest is wired`, () => {
      const flow = JSON.parse(fs.readFileSync(path.join(ROOT, 'flows', file), 'utf8'));
      const ingests = flow.filter((n: any) => n.type === 'rel-ingest');
      assert.ok(ingests.length >= 2);
      assert.ok(flow.some((n: any) => n.type === 'comment' && /change/i.test(n.name)));
      for (const n of ingests) {
        if (n.source === 'modbus') assert.deepStrictEqual(checkRegisterMap(n.registers).errors, []);
        assert.deepStrictEqual(checkFieldMap({ value: n.valueField, ts: n.tsField }).errors, []);
        const feeders = flow.filter((m: any) => (m.wires ?? []).some((w: string[]) => w.includes(n.id)));
        assert.ok(feeders.length >= 1, `${n.id} has an input`);
      }
    });
  }
});
