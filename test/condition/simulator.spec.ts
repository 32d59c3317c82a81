/**
 * The simulator's degradation run (nodes/core/signal/simulator.ts, seeded): rel-health's core
 * alarms before the simulated failure, and rel-rul's core projects the motor temperature rise to its
 * failure level (30 degC over the base at severity 1 in the simulator) with intervals that contain the
 * true remaining time.
 */
import assert from 'assert';
import fs from 'fs';
import path from 'path';
import { DEFAULT_MACHINE, SimMachine } from '../../nodes/core/signal/simulator';
import { DEFAULT_HEALTH, HealthMonitor } from '../../nodes/core/condition/health';
import { DEFAULT_RUL, RulTracker } from '../../nodes/core/condition/rul-tracker';
import { openStore } from '../../nodes/core/store';
import { tmpDir } from '../helpers/red';

function timeFeatures(x: ArrayLike<number>) {
  const n = x.length;
  let m = 0;
  for (let i = 0; i < n; i++) m += x[i];
  m /= n;
  let s2 = 0;
  let s4 = 0;
  let peak = 0;
  for (let i = 0; i < n; i++) {
    const d = x[i] - m;
    s2 += d * d;
    s4 += d * d * d * d;
    peak = Math.max(peak, Math.abs(x[i]));
  }
  const rms = Math.sqrt(s2 / n);
  return { rms, peak, crest: peak / rms, kurtosis: s4 / n / (s2 / n) ** 2 };
}

describe('condition: simulator degradation run', function () {
  this.timeout(120_000);
  it('alarms before the simulated failure; RUL intervals contain the true remaining time', async () => {
    const dir = tmpDir('rel-cond-sim-');
    const h = openStore(path.join(dir, 'sim.db'));
    try {
      const t0 = Date.parse('2024-05-01T00:00:00Z');
      const sim = new SimMachine({ ...DEFAULT_MACHINE, assetId: 'sim-1', frameSize: 4096, seed: 7 }, t0);
      const mon = new HealthMonitor(h.local, { ...DEFAULT_HEALTH, learnFrames: 30 });
      const rul = new RulTracker(h.local, { ...DEFAULT_RUL, indicator: 'value', direction: 'above', threshold: 30, windowHours: 24 });
      let firstAlarm: number | undefined;
      let n = 0;
      let covered = 0;
      const errs: number[] = [];
      const step = 0.5 * 3.6e6;
      for (let ts = t0; ts < t0 + DEFAULT_MACHINE.failureHours * 3.6e6; ts += step) {
        const e = sim.emit(ts);
        const o = await mon.reading('sim-1', 'DE-accel', { features: timeFeatures(e.waveform.samples!) }, ts);
        if (o.change?.to === 'alarm' && firstAlarm === undefined) firstAlarm = ts;
        const temp = e.process.find((p) => p.channel === 'motor-temp')!.value!;
        // Temperature rise over the machine's normal temperature (what a technician trends).
        const r = await rul.add('sim-1', 'motor-temp', ts, Math.max(0.01, temp - DEFAULT_MACHINE.baseTempC), undefined);
        if (firstAlarm !== undefined && r.rul) {
          const truth = e.truth.hoursToFailure!;
          n++;
          if (r.rul.low <= truth && truth <= r.rul.high) covered++;
          errs.push(Math.abs(r.rul.hours - truth));
          if (n % 10 === 1) console.log(`      t ${((ts - t0) / 3.6e6).toFixed(1)} h: truth ${truth.toFixed(1)} h, RUL ${r.rul.hours.toFixed(1)} (${r.rul.low.toFixed(1)}-${r.rul.high.toFixed(1)}) ${r.rul.model}`);
        }
      }
      assert.ok(firstAlarm !== undefined, 'an alarm was raised');
      const lead = (t0 + DEFAULT_MACHINE.failureHours * 3.6e6 - firstAlarm!) / 3.6e6;
      errs.sort((a, b) => a - b);
      console.log(`      simulator (onset ${DEFAULT_MACHINE.onsetHours} h, failure ${DEFAULT_MACHINE.failureHours} h): first alarm ${lead.toFixed(1)} h before failure; RUL coverage ${covered}/${n}, median |error| ${errs[errs.length >> 1]?.toFixed(1)} h`);
      assert.ok(firstAlarm! > t0 + DEFAULT_MACHINE.onsetHours * 3.6e6, 'no alarm before the fault starts');
      assert.ok(lead > 0);
      assert.ok(n > 0 && covered / n > 0.5, `coverage ${covered}/${n}`);
    } finally {
      h.release();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
