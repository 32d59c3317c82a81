import assert from 'assert';
import path from 'path';
import { openStore } from '../../nodes/core/store';
import { DEFAULT_MACHINE, MachineScorer, type MachineConfig } from '../../nodes/core/condition/machine';
import { MachineRepo } from '../../nodes/core/condition/machine-repo';
import { CONDITION_MIGRATIONS, migrateCondition } from '../../nodes/core/condition/repo';
import { tmpDir } from '../helpers/red';
import { ScalarMachine } from './scalar-machine';

const T0 = Date.UTC(2026, 0, 5, 6, 0, 0);
const CFG: MachineConfig = { ...DEFAULT_MACHINE, machineClass: 'iso10816-3:group2:rigid', learnMode: 'readings', learnReadings: 300 };

describe('machine health persistence (async store, SQLite file)', function () {
  this.timeout(60_000);
  it('a restart from the file continues where it stopped: learning frames, baseline, alarm state', async () => {
    const file = path.join(tmpDir(), 'machine.db');
    const h = openStore(file);
    assert.strictEqual(await migrateCondition(h.local), CONDITION_MIGRATIONS[CONDITION_MIGRATIONS.length - 1].version);
    const repo = new MachineRepo(h.local);
    const mem = MachineScorer.create('pump-7', CFG);
    let disk = MachineScorer.create('pump-7', CFG);
    const sim = new ScalarMachine();
    let t = T0;
    for (let i = 0; i < 200; i++, t += 1000) {
      const p = sim.poll(t, { running: true });
      mem.poll(p, t);
      disk.poll(p, t);
      await repo.save(disk, t);
    }
    const frames = await h.local.one<{ n: number }>('SELECT COUNT(*) AS n FROM condition_machine_frames WHERE asset = ?', ['pump-7']);
    assert.strictEqual(Number(frames!.n), 200);
    h.release();
    // a new process: new connection, new repo, nothing cached
    const h2 = openStore(file);
    const repo2 = new MachineRepo(h2.local);
    disk = (await repo2.load('pump-7', CFG))!;
    assert.ok(disk);
    for (let i = 0; i < 300; i++, t += 1000) {
      const p = sim.poll(t, { running: true, velocity: i > 200 ? 5.2 : 1.2 });
      const a = mem.poll(p, t).health;
      const b = disk.poll(p, t).health;
      await repo2.save(disk, t);
      assert.deepStrictEqual(b, a);
    }
    assert.strictEqual(mem.snapshot().alarm.state, 'alarm');
    const left = await h2.local.one<{ n: number }>('SELECT COUNT(*) AS n FROM condition_machine_frames WHERE asset = ?', ['pump-7']);
    assert.strictEqual(Number(left!.n), 0, 'frames go once the baseline is learned');
    const again = (await new MachineRepo(h2.local).load('pump-7', CFG))!;
    assert.strictEqual(again.snapshot().alarm.state, 'alarm');
    assert.strictEqual(again.snapshot().bins.all.status, 'ready');
    h2.release();
  });
});

describe('machine monitor (async store)', function () {
  this.timeout(60_000);
  it('the events and history are stored with the state; relearn forgets the baseline', async () => {
    const { MachineMonitor } = await import('../../nodes/core/condition/machine-monitor');
    const h = openStore(path.join(tmpDir(), 'monitor.db'));
    assert.strictEqual(await migrateCondition(h.local), CONDITION_MIGRATIONS[CONDITION_MIGRATIONS.length - 1].version);
    const events: { kind: string; to?: string | null }[] = [];
    const hist: string[] = [];
    const mon = new MachineMonitor(h.local, CFG, {
      event: async (q, e) => {
        await q.one('SELECT 1 AS x');
        events.push({ kind: e.kind, to: e.to });
      },
      history: async (_q, _a, _c, metric) => {
        hist.push(metric);
      },
    });
    const sim = new ScalarMachine();
    let t = T0;
    const pending: Promise<unknown>[] = [];
    for (let i = 0; i < 320; i++, t += 1000) pending.push(mon.poll('pump-7', 'iso10816-3:group2:rigid', sim.poll(t, { running: true, velocity: i >= 305 ? 5.2 : 1.2 }), t));
    const outs = (await Promise.all(pending)) as { health: { state: string; isoZone?: string } }[];
    assert.strictEqual(outs[299].health.state, 'normal');
    assert.strictEqual(outs[319].health.state, 'alarm');
    assert.strictEqual(outs[319].health.isoZone, 'D');
    assert.deepStrictEqual(events, [{ kind: 'state', to: 'alarm' }]);
    assert.ok(hist.includes('health') && hist.includes('anomaly'));
    await assert.rejects(mon.poll('pump-7', undefined, [{ channel: 'x', value: 1, ts: T0 }], t), /msg\.payload\.ts/);
    await mon.relearn('pump-7', 'tech', 'bearing replaced', t);
    assert.strictEqual(events[1].kind, 'relearn');
    const after = await mon.poll('pump-7', undefined, sim.poll(t, { running: true }), t);
    assert.strictEqual(after.health.state, 'learning');
    await mon.drain();
    h.release();
  });
});
