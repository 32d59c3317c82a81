/** The rel-registry example runs as imported: every button pressed in order, with the results the comment promises. */
import assert from 'assert';
import fs from 'fs';
import path from 'path';
import { getNode, loadFlow, ROOT, tmpDir, unloadFlow } from '../helpers/red';
import { collect, waitFor } from '../ingest/collect';

const CORE = ['common/20-inject.js', 'common/21-debug.js', 'common/90-comment.js'].map((f) => require(`@node-red/nodes/core/${f}`));
const exDir = path.join(ROOT, 'examples', 'rel-registry');

describe('rel-registry examples', function () {
  this.timeout(30000);
  let dir: string;
  beforeEach(() => {
    dir = tmpDir('rel-registry-ex-');
  });
  afterEach(async () => {
    await unloadFlow();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  for (const file of fs.readdirSync(exDir).filter((f) => f.endsWith('.json')).sort()) {
    it(`runs "${file}" as imported`, async () => {
      const flow = JSON.parse(fs.readFileSync(path.join(exDir, file), 'utf8'));
      assert.strictEqual(flow[0].type, 'comment');
      for (const n of flow) {
        if ('x' in n) n.z = 'tab1';
        if (n.type === 'rel-store') n.file = path.join(dir, 'example.db');
      }
      flow.push({ id: 'tab1', type: 'tab', label: 'example' });
      for (const n of flow.filter((x: any) => x.type === 'rel-registry' || x.type === 'rel-ingest')) {
        n.wires[0].push(`h-${n.id}`);
        flow.push({ id: `h-${n.id}`, type: 'helper', z: 'tab1' });
      }
      await loadFlow(flow, CORE);
      const reg = flow.find((n: any) => n.type === 'rel-registry');
      const ing = flow.find((n: any) => n.type === 'rel-ingest');
      const out = collect(`h-${reg.id}`);
      const readings = collect(`h-${ing.id}`);
      const injects = flow.filter((n: any) => n.type === 'inject').sort((a: any, b: any) => a.name.localeCompare(b.name, 'en', { numeric: true }));
      for (const [i, inj] of injects.entries()) {
        getNode(inj.id).receive({});
        if (inj.wires[0].includes(reg.id)) await waitFor(`the result of "${inj.name}"`, () => out.length === i + 1);
      }
      const [types, dry, applied, bad, list, exported] = out.map((g) => g.msg.payload);
      assert.strictEqual(types[0].name, 'pump-skid');
      assert.deepStrictEqual([dry.added, dry.applied], [4, false]);
      assert.deepStrictEqual([applied.added, applied.applied, applied.errors], [4, true, []]);
      assert.deepStrictEqual(bad.errors.map((e: any) => `${e.row} ${e.field}`), ['2 criticality', '3 machineClass', '4 rpm']);
      assert.strictEqual(bad.applied, false);
      assert.deepStrictEqual(list.map((a: any) => a.asset), ['P-101', 'P-102', 'P-103']);
      assert.ok(typeof exported === 'string' && exported.includes('P-103,Booster pump'));
      const got = await waitFor('12 readings', () => (readings.length >= 12 ? readings : undefined));
      const byTopic = Object.fromEntries(got.map((g) => [g.msg.topic, g.msg.payload]));
      assert.deepStrictEqual(Object.keys(byTopic).sort(), ['P-101', 'P-102', 'P-103'].flatMap((a) => ['DE-vel', 'count', 'motor-temp', 'run'].map((c) => `${a}/${c}`)).sort());
      assert.deepStrictEqual([byTopic['P-103/count'].value, byTopic['P-103/run'].value, byTopic['P-101/motor-temp'].value], [99000, 1, 61.2]);
    });
  }
});
