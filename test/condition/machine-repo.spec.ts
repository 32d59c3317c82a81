import assert from 'assert';
import path from 'path';
import { openStore } from '../../nodes/core/store';
import { DEFAULT_MACHINE, MachineScorer, type MachineConfig } from '../../nodes/core/condition/machine';
import { MACHINE_DDL_SQLITE, MachineRepo } from '../../nodes/core/condition/machine-repo';
import { tmpDir } from '../helpers/red';
import { ScalarMachine } from './scalar-machine';

const T0 = Date.UTC(2026, 0, 5, 6, 0, 0);
const CFG: MachineConfig = { ...DEFAULT_MACHINE, machineClass: 'iso10816-3:group2:rigid', learnMode: 'readings', learnReadings: 300 };

describe('machine health persistence (async store, SQLite file)', function () {
  this.timeout(60_000);
  it('a restart from the file continues where it stopped: learning frames, baseline, alarm state', async () => {
    const file = path.join(tmpDir(), 'machine.db');
    const h = openStore(file);
    await h.local.migrate('condition-machine-spec', [{ version: 1, description: 'machine tables', up: MACHINE_DDL_SQLITE }]);
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
