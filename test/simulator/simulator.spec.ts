import assert from 'assert';
import { BEARINGS, bearingFrequencies } from '../../nodes/core/signal/bearing';
import { Rng, hashSeed } from '../../nodes/core/signal/random';
import {
  DEFAULT_MACHINE,
  DEFAULT_MODEL,
  SimClock,
  SimMachine,
  countPieces,
  hoursAtSeverity,
  severityAt,
  simulateFrame,
  type MachineModel,
  type SimFault,
} from '../../nodes/core/signal/simulator';
import { amplitudeSpectrum, envelope, peakIn, rms } from './spectra';

const HOUR = 3_600_000;
const T0 = Date.UTC(2025, 0, 6, 6, 0, 0);

function frame(fault: SimFault, severity: number, seed: number, ts = T0, model: Partial<MachineModel> = {}) {
  const m = { ...DEFAULT_MODEL, ...model };
  const f = simulateFrame(m, { fault, severity, seed, ts });
  return { ...f, samples: Float64Array.from(f.samples) };
}

/** Envelope spectrum peak (5-500 Hz) of a frame band-passed around the structural resonance. */
function envelopePeak(x: Float64Array, fs: number) {
  const env = envelope(x, fs, 2000, 4500);
  const { amp, df } = amplitudeSpectrum(env, fs);
  return { ...peakIn(amp, df, 5, 500), df };
}

describe('simulator core', function () {
  it('the PRNG is reproducible and its Gaussian draws have mean 0 and variance 1', () => {
    const a = new Rng(123);
    const b = new Rng(123);
    for (let i = 0; i < 100; i++) assert.strictEqual(a.next(), b.next());
    const c = new Rng(hashSeed(7, T0));
    const n = 200_000;
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < n; i++) {
      const g = c.gauss();
      s += g;
      s2 += g * g;
    }
    assert.ok(Math.abs(s / n) < 0.01, `mean ${s / n}`);
    assert.ok(Math.abs(s2 / n - 1) < 0.01, `variance ${s2 / n}`);
    assert.notStrictEqual(hashSeed(1, T0), hashSeed(1, T0 + 1));
    assert.notStrictEqual(hashSeed(1, T0), hashSeed(1, T0 + 2 ** 32), 'high bits of a timestamp count');
  });

  it('same seed and same simulated time give the same samples, bit for bit', () => {
    for (const fault of ['none', 'looseness', 'bearing-inner-race', 'bearing-ball'] as SimFault[]) {
      const a = frame(fault, 0.4, 11);
      const b = frame(fault, 0.4, 11);
      assert.deepStrictEqual(a.samples, b.samples, fault);
      assert.strictEqual(a.rpm, b.rpm);
    }
    // Two machines with the same options emit identical messages.
    const opts = { ...DEFAULT_MACHINE, assetId: 'p', seed: 5 };
    const m1 = new SimMachine(opts, T0);
    const m2 = new SimMachine(opts, T0);
    for (const h of [0, 30, 60.5, 95]) assert.deepStrictEqual(m1.emit(T0 + h * HOUR), m2.emit(T0 + h * HOUR));
  });

  it('a different seed or a different time gives different samples', () => {
    const a = frame('bearing-outer-race', 0.4, 11);
    const b = frame('bearing-outer-race', 0.4, 12);
    const c = frame('bearing-outer-race', 0.4, 11, T0 + 1000);
    let dab = 0;
    let dac = 0;
    for (let i = 0; i < a.samples.length; i++) {
      dab += Math.abs(a.samples[i] - b.samples[i]);
      dac += Math.abs(a.samples[i] - c.samples[i]);
    }
    assert.ok(dab / a.samples.length > 0.01, `seeds 11 and 12 differ by ${dab / a.samples.length} g on average`);
    assert.ok(dac / a.samples.length > 0.01);
  });

  it('the RMS of a no-fault frame matches the configured noise level', () => {
    for (const noise of [0.005, 0.02, 0.3]) {
      for (const seed of [1, 2, 3]) {
        const pure = frame('none', 0, seed, T0, { noise, residual: 0 });
        const r = rms(pure.samples);
        assert.ok(Math.abs(r / noise - 1) < 0.03, `noise ${noise} seed ${seed}: RMS ${r}`);
        // With the healthy 1X (A) and 2X (0.3 A) lines: RMS^2 = noise^2 + (A^2 + (0.3 A)^2) / 2.
        const A = DEFAULT_MODEL.residual;
        const withLines = rms(frame('none', 0, seed, T0, { noise }).samples);
        const expected = Math.sqrt(noise * noise + (A * A * 1.09) / 2);
        assert.ok(Math.abs(withLines / expected - 1) < 0.03, `noise ${noise}: RMS ${withLines}, expected ${expected}`);
      }
    }
  });

  it('an imbalance frame has its largest spectral line at 1X, within one bin', () => {
    for (const [seed, rpm] of [[1, 1797], [2, 1500], [3, 2950]]) {
      const f = frame('imbalance', 0.5, seed, T0, { rpm });
      const { amp, df } = amplitudeSpectrum(f.samples, f.fs);
      const p = peakIn(amp, df, 1, f.fs / 2);
      assert.ok(Math.abs(p.freq - rpm / 60) <= df, `rpm ${rpm}: peak at ${p.freq} Hz, 1X = ${rpm / 60} Hz, bin ${df} Hz`);
      // And its amplitude is the configured one: residual + 0.3 x severity = 0.17 g (Hann scalloping < 16 %).
      assert.ok(p.amp > 0.17 * 0.84 && p.amp < 0.17 * 1.05, `1X amplitude ${p.amp}`);
    }
  });

  it('misalignment puts 2X above 1X; looseness shows harmonics and half orders', () => {
    const f = frame('misalignment', 0.8, 4);
    const { amp, df } = amplitudeSpectrum(f.samples, f.fs);
    const fr = f.rpm / 60;
    const at = (order: number) => peakIn(amp, df, order * fr - 2 * df, order * fr + 2 * df).amp;
    assert.ok(at(2) > at(1) && at(1) > at(3), `2X ${at(2)}, 1X ${at(1)}, 3X ${at(3)}`);
    const l = frame('looseness', 0.8, 4);
    const s = amplitudeSpectrum(l.samples, l.fs);
    const atL = (order: number) => peakIn(s.amp, s.df, order * fr - 2 * s.df, order * fr + 2 * s.df).amp;
    const floor = peakIn(s.amp, s.df, 12.25 * fr - s.df, 12.25 * fr + s.df).amp;
    for (const order of [1, 2, 5, 10, 0.5, 1.5, 4.5]) assert.ok(atL(order) > 10 * floor, `looseness ${order}X ${atL(order)} vs floor ${floor}`);
  });

  it('the envelope spectrum of an outer-race fault peaks at the asset BPFO within one bin (5-500 Hz)', () => {
    const cases: [keyof typeof BEARINGS, number][] = [['6205-2RS', 1797], ['6205-2RS', 1730], ['6203-2RS', 1500]];
    for (const [bearing, rpm] of cases) {
      const bpfo = bearingFrequencies(BEARINGS[bearing], rpm).bpfo;
      for (const severity of [0.1, 0.5, 1]) {
        for (const seed of [1, 2, 3]) {
          const f = frame('bearing-outer-race', severity, seed, T0, { rpm, bearing: BEARINGS[bearing] });
          const p = envelopePeak(f.samples, f.fs);
          assert.ok(Math.abs(p.freq - bpfo) <= p.df, `${bearing} ${rpm} rpm sev ${severity} seed ${seed}: envelope peak ${p.freq.toFixed(2)} Hz, BPFO ${bpfo.toFixed(2)} Hz`);
        }
      }
    }
    // Same seed, same result.
    const a = envelopePeak(frame('bearing-outer-race', 0.5, 9).samples, 12000);
    const b = envelopePeak(frame('bearing-outer-race', 0.5, 9).samples, 12000);
    assert.deepStrictEqual(a, b);
  });

  it('inner-race faults peak at BPFI with 1X sidebands; ball faults at 2xBSF', () => {
    const fq = bearingFrequencies(BEARINGS['6205-2RS'], 1797);
    for (const seed of [1, 2, 3]) {
      const f = frame('bearing-inner-race', 0.5, seed);
      const env = envelope(f.samples, f.fs, 2000, 4500);
      const { amp, df } = amplitudeSpectrum(env, f.fs);
      const p = peakIn(amp, df, 5, 500);
      assert.ok(Math.abs(p.freq - fq.bpfi) <= df, `seed ${seed}: envelope peak ${p.freq} Hz, BPFI ${fq.bpfi} Hz`);
      const fr = 1797 / 60;
      const side = peakIn(amp, df, fq.bpfi + fr - 2 * df, fq.bpfi + fr + 2 * df).amp;
      const between = peakIn(amp, df, fq.bpfi + fr / 2 - 2 * df, fq.bpfi + fr / 2 + 2 * df).amp;
      assert.ok(side > 4 * between, `sideband at BPFI + fr ${side} vs between ${between}`);
      const b = frame('bearing-ball', 0.5, seed);
      const pb = envelopePeak(b.samples, b.fs);
      assert.ok(Math.abs(pb.freq - 2 * fq.bsf) <= pb.df, `seed ${seed}: ball envelope peak ${pb.freq} Hz, 2xBSF ${2 * fq.bsf} Hz`);
    }
  });

  it('degradation: severity grows monotonically along the configured curve and failureAt matches it', () => {
    const curve = { onsetHours: 10, failureHours: 50, growth: 3 };
    const m = new SimMachine({ ...DEFAULT_MACHINE, ...curve, assetId: 'p', fault: 'bearing-inner-race', frameSize: 4096 }, T0);
    let prev = -1;
    let prevRms = 0;
    const rmsAt: number[] = [];
    for (let h = 0; h <= 60; h += 0.5) {
      const t = m.truth(T0 + h * HOUR);
      assert.strictEqual(t.failureTs, T0 + 50 * HOUR);
      assert.strictEqual(t.failureAt, new Date(T0 + 50 * HOUR).toISOString());
      assert.ok(Math.abs((t.hoursToFailure as number) - Math.max(0, 50 - h)) < 1e-9);
      if (h <= 10) assert.strictEqual(t.severity, 0);
      else if (h < 50) assert.ok(t.severity > prev, `not increasing at ${h} h`);
      else assert.strictEqual(t.severity, 1);
      assert.ok(Math.abs(t.health - 100 * (1 - t.severity)) < 1e-9);
      prev = t.severity;
    }
    // The exponential shape: halfway between onset and failure, (e^(g/2) - 1) / (e^g - 1).
    assert.ok(Math.abs(severityAt(curve, 30) - (Math.exp(1.5) - 1) / (Math.exp(3) - 1)) < 1e-12);
    assert.ok(Math.abs(hoursAtSeverity(curve, severityAt(curve, 37.3)) - 37.3) < 1e-9);
    // The signal follows the truth: vibration RMS, temperature and current rise with severity.
    let prevTemp = -Infinity;
    for (const h of [0, 30, 40, 45, 50]) {
      const e = m.emit(T0 + h * HOUR);
      const r = rms(e.waveform.samples as number[]);
      rmsAt.push(r);
      if (h > 30) assert.ok(r > prevRms, `RMS ${r} at ${h} h not above ${prevRms}`);
      prevRms = r;
      const temp = e.process[0].value as number;
      assert.ok(temp > prevTemp - 0.6, `temperature ${temp} at ${h} h`);
      prevTemp = temp;
      assert.ok(Math.abs(temp - (45 + 30 * e.truth.severity)) < 1, `temperature ${temp}`);
      assert.ok(Math.abs((e.process[1].value as number) - 12 * (1 + 0.25 * e.truth.severity)) < 0.25);
    }
    assert.ok(rmsAt[4] > 5 * rmsAt[0], `RMS at failure ${rmsAt[4]} vs new ${rmsAt[0]}`);
  });

  it('production: counts add up to the elapsed time over the cycle time, which creeps up with severity', () => {
    const m = new SimMachine({ ...DEFAULT_MACHINE, assetId: 'p', frameSize: 1024, onsetHours: 0, failureHours: 10 }, T0);
    let total = 0;
    let good = 0;
    let expectedCycles = 0;
    let prevCycle = 0;
    for (let i = 1; i <= 100; i++) {
      const t0 = T0 + (i - 1) * 360_000;
      const ts = T0 + i * 360_000; // 6 simulated minutes per emission
      const e = m.emit(ts);
      expectedCycles += 360 / (30 * (1 + 0.25 * e.truth.severity));
      const cycle = e.events.find((x) => x.action === 'cycle');
      const count = e.events.find((x) => x.action === 'count');
      assert.ok(cycle && count, `emission ${i} has events`);
      assert.strictEqual(cycle.payload.ts, ts);
      assert.ok(t0 < ts);
      total += count.payload.total as number;
      good += count.payload.good as number;
      const ct = cycle.payload.cycleTimeS as number;
      assert.ok(Math.abs(ct / (30 * (1 + 0.25 * e.truth.severity)) - 1) < 0.05, `cycle time ${ct}`);
      if (i % 25 === 0) {
        assert.ok(ct > prevCycle, `cycle time creeps: ${ct} after ${prevCycle}`);
        prevCycle = ct;
      }
    }
    assert.ok(Math.abs(total - expectedCycles) <= 1.5, `total ${total}, expected ${expectedCycles.toFixed(1)}`);
    const scrap = total - good;
    assert.ok(scrap > 0.01 * total && scrap < 0.1 * total, `scrap ${scrap} of ${total}`);
    // An emission at the same time again completes no cycle: no invented production.
    assert.strictEqual(m.emit(T0 + 100 * 360_000).events.length, 0);
  });

  it('countPieces: counter reads on a grid of event time, 1 ms before each grid point, parts in proportion, none lost', () => {
    const Q = 15 * 60_000;
    const from = Date.UTC(2025, 0, 6, 5, 20);
    const to = Date.UTC(2025, 0, 6, 6, 20);
    const p = countPieces(from, to, 120, 12, Q);
    // grid points crossed: 05:30, 05:45, 06:00, 06:15, then the rest at 06:20
    assert.deepStrictEqual(p.map((x) => new Date(x.ts).toISOString().slice(11, 23)), ['05:29:59.999', '05:44:59.999', '05:59:59.999', '06:14:59.999', '06:20:00.000']);
    assert.deepStrictEqual(p.map((x) => x.total), [20, 30, 30, 30, 10]);
    assert.strictEqual(p.reduce((a, x) => a + x.total, 0), 120);
    assert.strictEqual(p.reduce((a, x) => a + x.total - x.good, 0), 12);
    for (const x of p) assert.ok(x.good >= 0 && x.good <= x.total);
    // fewer parts than grid points crossed: the scrap is not lost (2 parts, 1 scrap, over 4 cells)
    const few = countPieces(0, 4 * Q, 2, 1, Q);
    assert.deepStrictEqual([few.reduce((a, x) => a + x.total, 0), few.reduce((a, x) => a + x.good, 0)], [2, 1], JSON.stringify(few));
    // every split keeps totals and scrap exact, no negative good, times in order
    for (let total = 1; total <= 40; total++) {
      for (let scrap = 0; scrap <= total; scrap += 1 + (total >> 3)) {
        for (const span of [Q / 3, Q, 2.5 * Q, 5 * Q, 17 * Q]) {
          const start = from + (total * 7919) % Q;
          const q = countPieces(start, start + span, total, scrap, Q);
          const what = `${total} parts, ${scrap} scrap over ${span / Q} cells: ${JSON.stringify(q)}`;
          assert.strictEqual(q.reduce((a, x) => a + x.total, 0), total, what);
          assert.strictEqual(q.reduce((a, x) => a + x.total - x.good, 0), scrap, what);
          assert.ok(q.every((x, i) => x.good >= 0 && x.good <= x.total && x.total > 0 && x.ts > start && x.ts <= start + span && (i === 0 || x.ts > q[i - 1].ts)), what);
        }
      }
    }
    // within one grid cell: one read at the end; nothing made: nothing sent
    assert.deepStrictEqual(countPieces(from, from + 60_000, 2, 0, Q), [{ ts: from + 60_000, good: 2, total: 2 }]);
    assert.deepStrictEqual(countPieces(from, to, 0, 0, Q), []);
    // a machine with the option: the counts of one long emission add up, stamped in order, none after the frame
    const m = new SimMachine({ ...DEFAULT_MACHINE, fault: 'none', assetId: 'p', frameSize: 1024, countStepS: 900 }, from);
    const e = m.emit(to);
    const counts = e.events.filter((x) => x.action === 'count');
    const cycles = e.events.find((x) => x.action === 'cycle')!.payload.cycles!;
    assert.strictEqual(counts.length, 5);
    assert.strictEqual(counts.reduce((a, x) => a + x.payload.total!, 0), cycles);
    for (let i = 1; i < counts.length; i++) assert.ok(counts[i].payload.ts > counts[i - 1].payload.ts);
    assert.ok(counts[counts.length - 1].payload.ts <= to);
  });

  it('set holds severity and switches faults; reset restarts the curve; the clock maps real to simulated time', () => {
    const m = new SimMachine({ ...DEFAULT_MACHINE, assetId: 'p', frameSize: 1024 }, T0);
    m.set({ fault: 'imbalance', severity: 0.7 });
    const t = m.truth(T0 + 5 * HOUR);
    assert.deepStrictEqual([t.fault, t.severity, t.held, t.failureAt], ['imbalance', 0.7, true, null]);
    m.set({ severity: null });
    m.setHours(T0 + 5 * HOUR, 60);
    assert.ok(Math.abs(m.truth(T0 + 5 * HOUR).hours - 60) < 1e-9);
    assert.ok(Math.abs(m.truth(T0 + 5 * HOUR).severity - severityAt(DEFAULT_MACHINE, 60)) < 1e-12);
    m.reset(T0 + 6 * HOUR);
    const r = m.truth(T0 + 6 * HOUR);
    assert.deepStrictEqual([r.fault, r.severity, r.hours, r.failureTs], ['bearing-outer-race', 0, 0, T0 + 6 * HOUR + 96 * HOUR]);
    const c = new SimClock(3600, 1000);
    assert.strictEqual(c.sim(1000), 1000);
    assert.strictEqual(c.sim(2000), 1000 + HOUR, 'one real second is one simulated hour');
    assert.strictEqual(c.sim(1500), 1000 + HOUR, 'a real clock stepped back holds simulated time');
    assert.strictEqual(c.sim(2500), 1000 + 2 * HOUR, 'and runs on from there at the same scale');
    assert.throws(() => new SimMachine({ ...DEFAULT_MACHINE, assetId: 'p', bearing: undefined }, T0), /needs|no bearing/);
    assert.throws(() => new SimMachine({ ...DEFAULT_MACHINE, assetId: 'p', frameSize: 10 }, T0), /frame size/);
  });

  it('snapshot and restore carry the machine over: the same truth and the same production afterwards', () => {
    const opts = { ...DEFAULT_MACHINE, assetId: 'p', frameSize: 256 };
    const a = new SimMachine(opts, T0);
    a.emit(T0 + 30 * HOUR + 17_000); // leaves fractional cycle and scrap carries
    a.set({ fault: 'bearing-inner-race' });
    const snap = JSON.parse(JSON.stringify(a.snapshot()));
    const b = new SimMachine(opts, T0 + 500 * HOUR); // a new machine, started elsewhere
    assert.deepStrictEqual(b.restore(snap), []);
    const ts = T0 + 40 * HOUR;
    assert.deepStrictEqual(b.truth(ts), a.truth(ts));
    const ea = a.emit(ts);
    const eb = b.emit(ts);
    assert.deepStrictEqual(eb.events.map((e) => e.payload), ea.events.map((e) => e.payload));
    assert.deepStrictEqual(eb.waveform.samples, ea.waveform.samples);
    // Bad snapshots are refused whole.
    const c = new SimMachine(opts, T0);
    assert.match(c.restore({ ...snap, fault: 'rust' }).join(), /snapshot\.fault/);
    assert.match(c.restore({ ...snap, held: 3 }).join(), /snapshot\.held/);
    assert.match(c.restore(null).join(), /expected an object/);
    assert.strictEqual(c.truth(T0).hours, 0, 'unchanged after a refused snapshot');
    assert.match(new SimMachine({ ...opts, bearing: undefined, fault: 'none' }, T0).restore(snap).join(), /bearing geometry/);
    // A resumed clock starts at the saved simulated time.
    const k = new SimClock(3600, 5000, T0 + 10 * HOUR);
    assert.strictEqual(k.sim(5000), T0 + 10 * HOUR);
    assert.strictEqual(k.sim(6000), T0 + 11 * HOUR);
  });

  it('generates a 16384-sample frame in a few milliseconds', () => {
    const model = { ...DEFAULT_MODEL };
    simulateFrame(model, { fault: 'looseness', severity: 0.5, seed: 1, ts: T0 });
    const n = 50;
    const t = process.hrtime.bigint();
    for (let i = 0; i < n; i++) simulateFrame(model, { fault: i % 2 ? 'looseness' : 'bearing-inner-race', severity: 0.5, seed: 1, ts: T0 + i });
    const ms = Number(process.hrtime.bigint() - t) / 1e6 / n;
    assert.ok(ms < 10, `${ms.toFixed(2)} ms per frame`);
  });
});
