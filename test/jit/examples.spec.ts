/** The JIT examples run as imported: every button pressed in a sensible order completes without error. */
import assert from 'assert';
import fs from 'fs';
import path from 'path';
import { getNode, loadFlow, ROOT, sleep, tmpDir, unloadFlow } from '../helpers/red';

const CORE = ['common/20-inject.js', 'common/21-debug.js', 'common/90-comment.js'].map((f) => require(`@node-red/nodes/core/${f}`));

const PRESS: Record<string, { type: string; order: string[]; check: (out: any[][]) => void }> = {
  'rel-kanban': {
    type: 'rel-kanban',
    order: ['consume', 'consume', 'consume', 'deliver', 'status', 'conveyor health 55', 'conveyor health 92'],
    check: (out) => {
      assert.strictEqual(out[1]!.length, 2, 'a pull after three consumptions and one when alpha rose');
      assert.match(out[0]![out[0]!.length - 1].payload.kanban.reason, /alpha lowered/);
    },
  },
  'rel-takt': {
    type: 'rel-takt',
    order: ['cycle 50 s', 'cycle 50 s', 'cycle 50 s', 'cycle 50 s', 'cycle 50 s', 'cycle 66 s', 'cycle 66 s', 'cycle 66 s', 'cycle 66 s', 'cycle 66 s', 'cycle 66 s', 'report'],
    check: (out) => assert.ok(out[0]![out[0]!.length - 1].payload.takt.taktS > 0),
  },
  'rel-oee': {
    type: 'rel-oee',
    order: ['running', 'count 95/100', 'stopped (jam)', 'running', 'report'],
    check: (out) => assert.ok('rule85' in out[0]![out[0]!.length - 1].payload.oee),
  },
  'rel-andon': {
    type: 'rel-andon',
    order: ['raise (machine)', 'raise (safety)', 'ack call 1', 'board', 'resolve call 1', 'stats'],
    check: (out) => {
      assert.strictEqual(out[2]!.length, 1, 'the safety call stopped the line');
      assert.strictEqual(out[0]![out[0]!.length - 1].payload.stats.calls, 2);
    },
  },
  'rel-buffer': {
    type: 'rel-buffer',
    order: ['demand day 1 (80)', 'demand day 2 (120)', 'delivery 3 d', 'delivery 5 d', 'advise', 'press-1 health 40', 'press-1 health 90', 'Rule of 85 met'],
    check: (out) => {
      const a = out[0]![4].payload.buffer;
      assert.ok(a.safetyStock > 0 && a.reorderPoint > a.safetyStock, JSON.stringify(a));
      assert.ok(out[0]![5].payload.buffer[0].wipDays > a.wipDays, 'health drop raises WIP days');
    },
  },
};

describe('JIT examples', function () {
  let dir: string;
  beforeEach(() => {
    dir = tmpDir('rel-jit-ex-');
  });
  afterEach(async () => {
    await unloadFlow();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  for (const [folder, spec] of Object.entries(PRESS)) {
    const exDir = path.join(ROOT, 'examples', folder);
    for (const file of fs.readdirSync(exDir).filter((f) => f.endsWith('.json')).sort()) {
      it(`runs "${folder}/${file}" as imported`, async () => {
        const flow = JSON.parse(fs.readFileSync(path.join(exDir, file), 'utf8'));
        assert.strictEqual(flow[0].type, 'comment');
        for (const n of flow) {
          if ('x' in n) n.z = 'tab1';
          if (n.type === 'rel-store') n.file = path.join(dir, 'example.db');
        }
        flow.push({ id: 'tab1', type: 'tab', label: 'example' });
        const node = flow.find((n: any) => n.type === spec.type);
        const out: any[][] = node.wires.map(() => []);
        node.wires.forEach((w: string[], i: number) => {
          w.push(`h${i}`);
          flow.push({ id: `h${i}`, type: 'helper', z: 'tab1' });
        });
        await loadFlow(flow, CORE);
        node.wires.forEach((_w: string[], i: number) => getNode(`h${i}`).on('input', (m: any) => out[i]!.push(m)));
        const errors: string[] = [];
        const { hooks } = require('@node-red/util');
        let completed = 0;
        hooks.add('onComplete.jitex', (evt: any) => {
          if (evt.node.id !== node.id) return;
          completed++;
          if (evt.error) errors.push(evt.error.message);
        });
        try {
          for (const [i, name] of spec.order.entries()) {
            const inj = flow.find((n: any) => n.type === 'inject' && n.name === name);
            assert.ok(inj, `no button "${name}"`);
            getNode(inj.id).receive({});
            // one press at a time, as a person would: wait until the node has handled it
            const deadline = Date.now() + 5000;
            while (completed < i + 1 && Date.now() < deadline) await sleep(5);
            assert.strictEqual(completed, i + 1, `"${name}" was not handled`);
          }
          await sleep(20);
        } finally {
          hooks.remove('onComplete.jitex');
        }
        assert.deepStrictEqual(errors, []);
        assert.strictEqual(out[0]!.length, spec.order.length, 'one result per button');
        spec.check(out);
      });
    }
  }
});
