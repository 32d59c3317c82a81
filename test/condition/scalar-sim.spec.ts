import assert from 'assert';
import { DEFAULT_MACHINE, MachineScorer } from '../../nodes/core/condition/machine';
import { DEFAULT_SCALAR_SIM, ScalarSimMachine } from '../../nodes/core/signal/simulator';

const T0 = Date.UTC(2026, 0, 5, 6, 0, 0);

describe('scalar-only simulated machine through the machine scorer', function () {
  this.timeout(60_000);
  it('planned stops are quiet, a velocity shift into zone D is an alarm (defaults, 8 h learning)', () => {
    const sim = new ScalarSimMachine({ ...DEFAULT_SCALAR_SIM, assetId: 'press-3', seed: 11, shifts: [{ atHours: 14, velocityFactor: 3.2 }] }, T0);
    const m = MachineScorer.create('press-3', { ...DEFAULT_MACHINE, machineClass: 'iso10816-3:group2:rigid' });
    const STEP = 10_000;
    let falseStates = 0;
    let stoppedPolls = 0;
    let learnedAt = -1;
    let alarmAt = -1;
    let zone: string | undefined;
    let vel: number | undefined;
    for (let t = T0; t < T0 + 16 * 3.6e6; t += STEP) {
      const readings = sim.poll(t);
      const h = m.poll(readings, t).health;
      const hours = (t - T0) / 3.6e6;
      if (!readings[0].simulation.running) {
        stoppedPolls++;
        assert.strictEqual(h.state, 'stopped');
      }
      if (learnedAt < 0 && h.learned === 1) learnedAt = hours;
      if (hours < 14 && (h.state === 'warning' || h.state === 'alarm')) falseStates++;
      if (hours >= 14 && alarmAt < 0 && h.state === 'alarm') {
        alarmAt = hours;
        zone = h.isoZone;
        vel = h.contributors.find((c) => c.channel === 'velocity')?.value ?? undefined;
      }
    }
    console.log(`      learned at ${learnedAt.toFixed(2)} h; ${stoppedPolls} stopped polls; false warning/alarm polls before the shift: ${falseStates}; alarm ${((alarmAt - 14) * 3600).toFixed(0)} s after the shift, zone ${zone}, velocity ${vel} mm/s`);
    assert.ok(learnedAt > 8 && learnedAt < 9.5, 'learning counts running hours only');
    assert.ok(stoppedPolls > 300);
    assert.strictEqual(falseStates, 0);
    assert.ok(alarmAt >= 14 && alarmAt < 14 + 300 / 3600, `alarm at ${alarmAt}`);
    assert.strictEqual(zone, 'D');
  });
});
