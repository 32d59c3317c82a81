import assert from 'assert';
import fs from 'fs';
import path from 'path';
import { BEARINGS, bearingFrequencies } from '../../nodes/core/signal/bearing';
import { severityAt, DEFAULT_CURVE } from '../../nodes/core/signal/simulator';
import { openStore } from '../../nodes/core/store';
import type { Clock } from '../../nodes/shared/clock';
import { FakeClock as StepClock } from '../helpers/fake-clock';
import { fuzzNode } from '../helpers/fuzz';
import { assetNode, storeNode, TAB } from '../helpers/fixtures';
import { ROOT, getNode, helper, loadFlow, nextMessage, nextMessages, receiveAndComplete, sleep, tmpDir, unloadFlow } from '../helpers/red';
import { amplitudeSpectrum, envelope, peakIn } from './spectra';

const HOUR = 3_600_000;

function simNode(o: Record<string, unknown> = {}): object {
  return {
    id: 'sim',
    type: 'rel-simulator',
    z: 'tab1',
    name: 'test simulator',
    x: 100,
    y: 100,
    asset: 'asset1',
    fault: 'bearing-outer-race',
    seed: 3,
    fs: 12000,
    frameSize: 16384,
    interval: 0,
    timeScale: 3600,
    onsetHours: 24,
    failureHours: 96,
    growth: 4,
    wires: [['out1'], ['out2'], ['out3']],
    ...o,
  };
}

const sinks = ['out1', 'out2', 'out3'].map((id) => ({ id, type: 'helper', z: 'tab1' }));

/** The simulator's saved state in the store file (scope `simulator`, key = node id), through the store API. */
async function savedState(file: string): Promise<{ value: string }> {
  const h = openStore(file);
  try {
    const row = await h.local.one<{ value: string }>("SELECT value FROM node_state WHERE scope = 'simulator' AND state_key = 'sim'");
    assert.ok(row, 'a saved state');
    return row;
  } finally {
    h.release();
  }
}

/** A clock the test moves by hand; it records live timers so close() can be checked. */
class FakeClock implements Clock {
  t = Date.UTC(2025, 0, 6, 6);
  timers = new Map<number, () => void>();
  private next = 1;
  now = () => this.t;
  setInterval = (fn: () => void) => {
    const h = this.next++;
    this.timers.set(h, fn);
    return h;
  };
  clearInterval = (h: unknown) => void this.timers.delete(h as number);
  setTimeout = (fn: () => void) => this.setInterval(fn);
  clearTimeout = (h: unknown) => this.clearInterval(h);
  fire() {
    for (const fn of [...this.timers.values()]) fn();
  }
}

describe('rel-simulator node', function () {
  afterEach(async () => {
    await unloadFlow();
    helper.settings({ reliabilityClock: undefined });
  });

  it('emits on its three outputs from its timer, in the canonical shapes, with the ground truth', async () => {
    await loadFlow([TAB, assetNode({ rpm: 1500, bearing: '6203-2RS', z: 'tab1' }), simNode({ interval: 0.05 }), ...sinks]);
    // Skip the first tick (it may come before a whole cycle has run), then take the next ones.
    await nextMessage('out1', 3000);
    const [w1, w2] = await nextMessages('out1', 2, 3000);
    const procs = await nextMessages('out2', 2, 3000);
    const events = await nextMessages('out3', 2, 3000);

    for (const w of [w1, w2]) {
      const p = w.payload;
      assert.strictEqual(w.topic, 'pump-1/DE-accel');
      assert.deepStrictEqual(
        [p.asset, p.channel, p.quantity, p.unit, p.fs, p.quality, p.source],
        ['pump-1', 'DE-accel', 'acceleration', 'g', 12000, 'good', 'simulator'],
      );
      assert.ok(Array.isArray(p.samples) && p.samples.length === 16384 && p.samples.every((x: unknown) => typeof x === 'number' && Number.isFinite(x)));
      assert.ok(Math.abs(p.rpm - 1500) < 15, `rpm ${p.rpm}`);
      const s = p.simulation;
      assert.strictEqual(s.fault, 'bearing-outer-race');
      assert.strictEqual(s.seed, 3);
      assert.ok(Math.abs(s.defects.bpfo - bearingFrequencies(BEARINGS['6203-2RS'], p.rpm).bpfo) < 1e-9, 'truth holds the frame BPFO of the asset bearing');
      assert.ok(Math.abs(s.hoursToFailure - (96 - s.hours)) < 1e-6);
      assert.strictEqual(s.failureAt, new Date(s.failureTs).toISOString());
      assert.ok(Math.abs(s.severity - severityAt(DEFAULT_CURVE, s.hours)) < 1e-12);
    }
    // Ticks 50 ms apart are 3 simulated minutes apart (1 s = 1 h).
    const dt = w2.payload.ts - w1.payload.ts;
    assert.ok(dt >= 0.03 * HOUR && dt < 0.5 * HOUR, `simulated step ${dt} ms`);
    assert.deepStrictEqual(procs.map((m) => [m.topic, m.payload.quantity, m.payload.unit]), [
      ['pump-1/motor-temp', 'temperature', 'degC'],
      ['pump-1/motor-current', 'current', 'A'],
    ]);
    for (const m of procs) assert.ok(typeof m.payload.value === 'number' && m.payload.samples === undefined && m.payload.simulation.fault === 'bearing-outer-race');
    assert.deepStrictEqual(events.map((m) => m.action), ['cycle', 'count']);
    assert.ok(events[0].payload.cycleTimeS > 29 && events[0].payload.cycleTimeS < 31, `cycle ${events[0].payload.cycleTimeS}`);
    assert.ok(events[1].payload.total >= 1 && events[1].payload.good <= events[1].payload.total);
    assert.strictEqual(events[1].payload.asset, 'pump-1');
  });

  it('on inject: reuses the msg, and the outer-race frame it sends peaks at the asset BPFO in the envelope spectrum', async () => {
    await loadFlow([TAB, assetNode({ z: 'tab1' }), simNode({ fault: 'bearing-outer-race' }), ...sinks]);
    const got = nextMessage('out1');
    const e0 = await receiveAndComplete('sim', { action: 'set', payload: { set: 1 } });
    assert.match(String(e0), /msg\.payload: expected an object with fault, severity, hours or running/);
    assert.strictEqual(await receiveAndComplete('sim', { action: 'set', payload: { severity: 0.3 } }), undefined);
    assert.strictEqual(await receiveAndComplete('sim', { payload: 'tick', keep: 'me', action: 'frame' }), undefined);
    const m = await got;
    assert.strictEqual(m.keep, 'me', 'the incoming msg is reused');
    assert.strictEqual(m.action, undefined, 'the action is not passed on as if the reading were a command');
    assert.strictEqual(m.payload.simulation.severity, 0.3);
    assert.strictEqual(m.payload.simulation.held, true);
    const x = Float64Array.from(m.payload.samples as number[]);
    const { amp, df } = amplitudeSpectrum(envelope(x, 12000, 2000, 4500), 12000);
    const p = peakIn(amp, df, 5, 500);
    const bpfo = bearingFrequencies(BEARINGS['6205-2RS'], 1797).bpfo;
    assert.ok(Math.abs(p.freq - bpfo) <= df, `envelope peak ${p.freq} Hz, BPFO ${bpfo} Hz`);
  });

  it('runs on the runtime clock: set, jump, reset, and close clears its timer', async () => {
    const clock = new FakeClock();
    helper.settings({ reliabilityClock: clock });
    await loadFlow([TAB, assetNode({ z: 'tab1' }), simNode({ interval: 5, frameSize: 2048 }), ...sinks]);
    assert.strictEqual(clock.timers.size, 1);
    const start = clock.t;
    clock.t += 10_000; // 10 real seconds = 10 simulated hours
    let w = nextMessage('out1');
    const evs = nextMessages('out3', 2);
    clock.fire();
    let p = (await w).payload;
    assert.strictEqual(p.ts, start + 10 * HOUR);
    assert.ok(Math.abs(p.simulation.hours - 10) < 1e-9 && p.simulation.severity === 0);
    const ev = await evs;
    // 10 simulated hours of a healthy machine at 30 s per cycle: 1200 cycles, 1 % scrap.
    assert.deepStrictEqual([ev[0].action, ev[0].payload.cycles, ev[1].action, ev[1].payload.total, ev[1].payload.good], ['cycle', 1200, 'count', 1200, 1188]);

    assert.strictEqual(await receiveAndComplete('sim', { action: 'set', payload: { hours: 60, fault: 'bearing-inner-race' } }), undefined);
    w = nextMessage('out1');
    clock.fire();
    p = (await w).payload;
    assert.strictEqual(p.simulation.fault, 'bearing-inner-race');
    assert.ok(Math.abs(p.simulation.hours - 60) < 1e-9);
    assert.ok(Math.abs(p.simulation.severity - severityAt(DEFAULT_CURVE, 60)) < 1e-12);
    assert.strictEqual(p.simulation.failureTs, p.ts + 36 * HOUR);

    assert.strictEqual(await receiveAndComplete('sim', { action: 'reset', payload: null }), undefined);
    w = nextMessage('out1');
    clock.fire();
    p = (await w).payload;
    assert.deepStrictEqual([p.simulation.fault, p.simulation.hours, p.simulation.severity], ['bearing-outer-race', 0, 0]);
    assert.ok(p.ts >= start + 10 * HOUR, 'simulated time never runs backwards');

    const err = await receiveAndComplete('sim', { action: 'explode', payload: {} });
    assert.match(String(err), /msg\.action: expected one of frame, reset, set .*got the string "explode"/);
    const err2 = await receiveAndComplete('sim', { action: 'set', payload: { severity: 2 } });
    assert.match(String(err2), /msg\.payload\.severity: expected a number >= 0 and <= 1, got the number 2/);
    await unloadFlow();
    assert.strictEqual(clock.timers.size, 0, 'close cleared the timer');
  });

  it('uses a deployed rel-asset by id, else its own speed and bearing; a bearing fault on an asset without bearing is refused', async () => {
    await loadFlow([
      TAB,
      assetNode({ id: 'a2', assetId: 'fan-7', rpm: 2950, bearing: '6203-2RS', z: 'tab1' }),
      assetNode({ id: 'a3', assetId: 'bare', bearing: 'none', z: 'tab1' }),
      simNode({ id: 'byId', asset: '', assetId: 'fan-7', wires: [['out1'], [], []] }),
      simNode({ id: 'own', asset: '', assetId: 'lonely', rpm: 1200, bearing: '6205-2RS', wires: [['out2'], [], []] }),
      simNode({ id: 'bad', asset: 'a3', wires: [['out3'], [], []] }),
      ...sinks,
    ]);
    const a = nextMessage('out1');
    getNode('byId').receive({ payload: 1 });
    const pa = (await a).payload;
    assert.strictEqual(pa.asset, 'fan-7');
    assert.ok(Math.abs(pa.rpm - 2950) < 30);
    assert.ok(Math.abs(pa.simulation.defects.bpfo - bearingFrequencies(BEARINGS['6203-2RS'], pa.rpm).bpfo) < 1e-9);
    const b = nextMessage('out2');
    getNode('own').receive({ payload: 1 });
    const pb = (await b).payload;
    assert.strictEqual(pb.asset, 'lonely');
    assert.ok(Math.abs(pb.rpm - 1200) < 12);
    // The refused node shows why and sends nothing.
    getNode('bad').receive({ payload: 1 });
    await sleep(100);
    const st = (getNode('bad') as any).status;
    assert.ok(st.called, 'status was set');
    assert.match(JSON.stringify(st.lastCall.args[0]), /bearing/);
  });

  it('the example flow imports and runs: the pump degrades on all three outputs, and its buttons work', async () => {
    const clock = new FakeClock();
    helper.settings({ reliabilityClock: clock });
    const file = path.join(ROOT, 'examples', 'rel-simulator', '01 - Degrading pump.json');
    const example = JSON.parse(fs.readFileSync(file, 'utf8')) as any[];
    assert.strictEqual(example[0].type, 'comment', 'an example starts with a comment node');
    // Put it on a tab as an import would, and watch its debug nodes with helper nodes.
    const flow = [TAB, ...example.map((n) => (n.type === 'rel-asset' ? n : { ...n, z: 'tab1', ...(n.type === 'debug' ? { type: 'helper' } : {}) }))];
    const core = ['20-inject.js', '90-comment.js'].map((f) => require(`@node-red/nodes/core/common/${f}`));
    await loadFlow(flow, core);
    const sim = example.find((n) => n.type === 'rel-simulator');
    const [d1, d2, d3] = sim.wires.map((w: string[]) => w[0]);
    const life: number[] = [];
    for (const hours of [30, 60, 90]) {
      clock.t += 30_000; // 30 real seconds = 30 simulated hours
      const got = Promise.all([nextMessage(d1), nextMessages(d2, 2), nextMessages(d3, 2)]);
      clock.fire();
      const [w, proc, ev] = await got;
      assert.strictEqual(w.payload.samples.length, 16384);
      assert.ok(Math.abs(w.payload.simulation.hours - hours) < 1e-9);
      assert.strictEqual(proc[0].payload.channel, 'motor-temp');
      assert.strictEqual(ev[0].action, 'cycle');
      life.push(w.payload.simulation.health);
    }
    assert.ok(life[0] > life[1] && life[1] > life[2], `health falls: ${life}`);
    // The "hold imbalance 60 %" button, then "frame now".
    const btn = example.find((n) => n.name === 'hold imbalance 60 %');
    getNode(btn.id).receive({});
    await sleep(50);
    const next = nextMessage(d1);
    getNode(example.find((n) => n.name === 'frame now').id).receive({});
    const s = (await next).payload.simulation;
    assert.deepStrictEqual([s.fault, s.severity, s.held], ['imbalance', 0.6, true]);
  });

  it('Count every 15 min: rel-oee downstream reads a performance near 100 % right after a shift change; one count per emission reads far above', async () => {
    // An hour of simulated time per real second: each emission covers an hour of parts. The clock
    // starts at 00:20, so the emission at 06:20 carries the parts of 05:20-06:20 into a shift that
    // began at 06:00.
    const perf: Record<string, number[]> = {};
    for (const step of [15, 0]) {
      const dir = tmpDir('rel-sim-count-');
      const clock = new StepClock(Date.UTC(2025, 0, 6, 0, 20));
      helper.settings({ reliabilityClock: clock });
      await loadFlow([
        TAB,
        assetNode({ z: 'tab1' }),
        storeNode(path.join(dir, 'oee.db')),
        simNode({ fault: 'none', frameSize: 1024, interval: 1, countStepMin: step, startEvent: true, wires: [['w'], [], ['to-oee']] }),
        // state and count events to rel-oee (cycles are rel-takt's), as the demo's switch does
        { id: 'to-oee', type: 'switch', z: 'tab1', property: 'action', propertyType: 'msg', rules: [{ t: 'eq', v: 'state', vt: 'str' }, { t: 'eq', v: 'count', vt: 'str' }], checkall: 'false', outputs: 2, wires: [['oee'], ['oee']] },
        { id: 'oee', type: 'rel-oee', z: 'tab1', store: 'store1', shifts: 'night=22:00-06:00, early=06:00-14:00, late=14:00-22:00', utcOffset: '0', idealCycleS: 30, wires: [['out']] },
        { id: 'w', type: 'helper', z: 'tab1' },
        { id: 'out', type: 'helper', z: 'tab1' },
      ], [require('@node-red/nodes/core/function/10-switch.js')]);
      perf[step] = [];
      for (let h = 1; h <= 8; h++) {
        const w = nextMessage('w');
        clock.advance(1000);
        const ts = (await w).payload.ts;
        await sleep(20); // the events of that emission reach rel-oee
        const rep = nextMessages('out', 1);
        getNode('oee').receive({ action: 'report', payload: { asset: 'pump-1', ts } });
        const o = (await rep)[0].payload.oee;
        if (new Date(ts).getUTCHours() === 6) perf[step].push(o.performance);
      }
      // rel-oee took every event: the start event (running since the deploy, 00:20) comes before
      // the first emission's counts (00:29:59.999 ... 01:20), none is refused as out of order.
      const oeeErrors = helper.log().args.map((a: any[]) => a[0]).filter((e: any) => e && e.id === 'oee' && e.level === 20);
      assert.deepStrictEqual(oeeErrors.map((e: any) => e.msg), [], `rel-oee errors with count step ${step}`);
      await unloadFlow();
    }
    // 06:20: 20 minutes of the early shift; a healthy machine at its 30 s ideal cycle made about 40 parts in them
    assert.strictEqual(perf[15].length, 1);
    assert.ok(perf[15][0] > 0.9 && perf[15][0] <= 1.0, `performance with counts on a 15-minute grid: ${perf[15][0]}`);
    assert.ok(perf[0][0] > 2, `one count per emission puts 05:20-06:00 into the early shift: ${perf[0][0]}`);
  });

  describe('with a store: resumes its clock and its machine after a redeploy', function () {
    let dir: string;
    let file: string;
    beforeEach(() => {
      dir = tmpDir('rel-sim-');
      file = path.join(dir, 'sim.db');
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    /** Advance the clock by `ms`, collecting what each output received on the way. */
    async function run(clock: StepClock, ms: number, ticks: number): Promise<{ w: any[]; ev: any[] }> {
      const ev: any[] = [];
      const on = (m: any) => ev.push(m);
      getNode('out3').on('input', on);
      const w = nextMessages('out1', ticks, 5000);
      clock.advance(ms);
      const got = await w;
      await sleep(20);
      getNode('out3').removeListener('input', on);
      return { w: got, ev };
    }

    const flow = (o: Record<string, unknown> = {}) => [TAB, storeNode(file), assetNode({ z: 'tab1' }), simNode({ interval: 2, frameSize: 1024, store: 'store1', startEvent: true, ...o }), ...sinks];

    it('redeploy: the first time after it is later than the last before, the degradation goes on, the downtime does not count', async () => {
      const clock = new StepClock(Date.UTC(2025, 2, 3, 8));
      helper.settings({ reliabilityClock: clock });
      await loadFlow(flow());
      const a = await run(clock, 60_000, 30); // 60 real s = 60 simulated h: past the onset (24 h)
      const last = a.w[a.w.length - 1].payload;
      assert.ok(Math.abs(last.simulation.hours - 60) < 1e-6, `hours ${last.simulation.hours}`);
      assert.ok(last.simulation.severity > 0.05, `degrading: severity ${last.simulation.severity}`);
      // The first emission after the start announces the asset running (Start event), then cycles and counts.
      assert.deepStrictEqual(a.ev.slice(0, 3).map((m) => m.action), ['state', 'cycle', 'count']);
      // Running from the deploy (the start of the span the first counts cover), so it comes before them.
      assert.deepStrictEqual([a.ev[0].payload.asset, a.ev[0].payload.state, a.ev[0].payload.ts, a.ev[0].topic], ['pump-1', 'running', Date.UTC(2025, 2, 3, 8), 'pump-1/state']);
      assert.strictEqual(a.ev.filter((m) => m.action === 'state').length, 1, 'only the first emission');
      await unloadFlow();

      // The line is stopped for 10 real minutes (600 simulated hours at this scale), then deployed again.
      clock.advance(600_000);
      const row = await savedState(file);
      const saved = JSON.parse(row.value);
      assert.strictEqual(saved.clean, true, 'saved on close');
      assert.ok(saved.simTs >= last.ts, 'the saved time is not before the last one sent');

      helper.settings({ reliabilityClock: clock });
      await loadFlow(flow());
      const b = await run(clock, 2_000, 1);
      const first = b.w[0].payload;
      assert.ok(first.ts > last.ts, `first ts after the redeploy ${first.ts} > last before ${last.ts}`);
      assert.strictEqual(first.ts, saved.simTs + 1 + 2 * HOUR, 'resumes 1 ms after the saved time, then runs at its scale');
      assert.ok(Math.abs(first.simulation.hours - (last.simulation.hours + 2)) < 0.01, `hours go on: ${first.simulation.hours}`);
      assert.ok(first.simulation.severity > last.simulation.severity, `still degrading: ${last.simulation.severity} -> ${first.simulation.severity}`);
      assert.strictEqual(first.simulation.failureTs, last.simulation.failureTs, 'the same failure time');
      assert.deepStrictEqual(b.ev.map((m) => m.action), ['state', 'cycle', 'count']);
      // Production counters resume too: 2 simulated hours at the degraded cycle time.
      assert.ok(b.ev[1].payload.cycles >= 180 && b.ev[1].payload.cycles <= 240, `cycles ${b.ev[1].payload.cycles}`);
    });

    it('keeps a held severity and a switched fault across a redeploy; a changed fault in the editor restarts the machine, not the clock', async () => {
      const clock = new StepClock(Date.UTC(2025, 2, 3, 8));
      helper.settings({ reliabilityClock: clock });
      await loadFlow(flow());
      assert.strictEqual(await receiveAndComplete('sim', { action: 'set', payload: { fault: 'imbalance', severity: 0.7 } }), undefined);
      const a = await run(clock, 4_000, 2);
      const last = a.w[1].payload;
      await unloadFlow();
      helper.settings({ reliabilityClock: clock });
      await loadFlow(flow());
      const b = await run(clock, 2_000, 1);
      assert.deepStrictEqual([b.w[0].payload.simulation.fault, b.w[0].payload.simulation.severity, b.w[0].payload.simulation.held], ['imbalance', 0.7, true]);
      assert.ok(b.w[0].payload.ts > last.ts);
      await unloadFlow();
      // Another configured fault: the clock resumes, the machine is new (hour 0, the new fault).
      helper.settings({ reliabilityClock: clock });
      await loadFlow(flow({ fault: 'misalignment' }));
      const c = await run(clock, 2_000, 1);
      assert.ok(c.w[0].payload.ts > b.w[0].payload.ts, 'the clock still resumes');
      assert.deepStrictEqual([c.w[0].payload.simulation.fault, c.w[0].payload.simulation.held], ['misalignment', false]);
      assert.ok(Math.abs(c.w[0].payload.simulation.hours - 2) < 0.01, `a new machine: ${c.w[0].payload.simulation.hours} h`);
    });

    it('a wall clock stepped back (NTP) moves no event time back, neither while running nor after a redeploy', async () => {
      const clock = new FakeClock(); // 06:00, moved by hand
      helper.settings({ reliabilityClock: clock });
      await loadFlow(flow({ interval: 5 }));
      const tick = async () => {
        const w = nextMessage('out1');
        clock.fire();
        return (await w).payload.ts as number;
      };
      clock.t += 12_000; // 12 simulated hours: 18:00
      const t1 = await tick();
      assert.strictEqual(t1, Date.UTC(2025, 0, 6, 18));
      clock.t -= 2_000; // the wall clock is stepped back 2 s = 2 simulated hours
      const t2 = await tick();
      assert.ok(t2 >= t1, `after the step back: ${new Date(t2).toISOString()} >= ${new Date(t1).toISOString()}`);
      await unloadFlow();
      const row = await savedState(file);
      assert.ok(JSON.parse(row.value).simTs >= t1, 'the saved time is not before the last one sent');
      helper.settings({ reliabilityClock: clock });
      await loadFlow(flow({ interval: 5 }));
      clock.t += 100; // 6 simulated minutes
      const t3 = await tick();
      assert.ok(t3 > t1, `after the redeploy: ${new Date(t3).toISOString()} > ${new Date(t1).toISOString()}`);
      assert.strictEqual(t3, t1 + 1 + 0.1 * HOUR, 'resumes 1 ms after the last emission, then runs at its scale');
    });

    it('after a crash (saved on the way, not on close) it resumes past anything it may have sent since', async () => {
      const clock = new StepClock(Date.UTC(2025, 2, 3, 8));
      helper.settings({ reliabilityClock: clock });
      await loadFlow(flow());
      const a = await run(clock, 30_000, 15);
      const last = a.w[a.w.length - 1].payload;
      await unloadFlow();
      // Rewrite the saved state as a save on the way would have left it (not clean, a few seconds old).
      const row = await savedState(file);
      // (its machine as it was then: a save never holds an emission later than its own time)
      const prev = JSON.parse(row.value);
      const saved = { ...prev, clean: false, simTs: last.ts - 4 * HOUR, machine: { ...prev.machine, lastTs: last.ts - 4 * HOUR } };
      const db = openStore(file);
      try {
        assert.strictEqual((await db.local.run("UPDATE node_state SET value = ? WHERE scope = 'simulator' AND state_key = 'sim'", [JSON.stringify(saved)])).changes, 1);
      } finally {
        db.release();
      }
      helper.settings({ reliabilityClock: clock });
      await loadFlow(flow());
      const b = await run(clock, 2_000, 1);
      // 5 s of real time (the save interval) x 3600, then the 2 s tick.
      assert.strictEqual(b.w[0].payload.ts, saved.simTs + 5 * HOUR + 2 * HOUR);
      assert.ok(b.w[0].payload.ts > last.ts);
      // No production is invented for the gap: only the 2 h since the resume count.
      const cyc = b.ev.find((m) => m.action === 'cycle');
      assert.ok(cyc.payload.cycles <= 2 * 120 + 1, `cycles ${cyc.payload.cycles}`);
    });

    it('the "Resume after a restart" example imports and resumes across a redeploy', async () => {
      const clock = new StepClock(Date.UTC(2025, 2, 3, 8));
      const example = JSON.parse(fs.readFileSync(path.join(ROOT, 'examples', 'rel-simulator', '02 - Resume after a restart.json'), 'utf8')) as any[];
      assert.strictEqual(example[0].type, 'comment', 'an example starts with a comment node');
      // As imported, with the database in the test folder and its debug nodes watched by helper nodes.
      const flow = [TAB, ...example.map((n) => (n.type === 'rel-store' ? { ...n, file } : { ...n, z: 'tab1', ...(n.type === 'debug' ? { type: 'helper' } : {}) }))];
      const sim = example.find((n) => n.type === 'rel-simulator');
      const [d1, , d3] = sim.wires.map((w: string[]) => w[0]);
      const core = ['20-inject.js', '90-comment.js'].map((f) => require(`@node-red/nodes/core/common/${f}`));
      const deploy = async () => {
        helper.settings({ reliabilityClock: clock });
        await loadFlow(flow, core);
      };
      await deploy();
      let ev = nextMessages(d3, 3);
      let w = nextMessages(d1, 20);
      clock.advance(40_000);
      const before = (await w).pop().payload;
      assert.deepStrictEqual((await ev).map((m) => m.action), ['state', 'cycle', 'count']);
      await unloadFlow();
      await deploy();
      ev = nextMessages(d3, 1);
      w = nextMessages(d1, 1);
      clock.advance(2_000);
      const after = (await w)[0].payload;
      assert.ok(after.ts > before.ts && Math.abs(after.simulation.hours - before.simulation.hours - 2) < 0.01, `${before.simulation.hours} h -> ${after.simulation.hours} h`);
      assert.strictEqual((await ev)[0].action, 'state');
    });

    it('at the largest time scale, a redeploy after 10 days (simulated time past year 275760) resumes without an unhandled rejection; time stops at the end of the Date range', async () => {
      const rejected: unknown[] = [];
      const onRejection = (e: unknown) => rejected.push(e);
      process.on('unhandledRejection', onRejection);
      try {
        const clock = new StepClock(Date.UTC(2025, 2, 3, 8));
        const o = { interval: 0, timeScale: 10_000_000 };
        helper.settings({ reliabilityClock: clock });
        await loadFlow(flow(o));
        clock.advance(11 * 24 * HOUR); // 11 real days x 1e7: past 8.64e15 ms
        await unloadFlow();
        helper.settings({ reliabilityClock: clock });
        await loadFlow(flow(o));
        await sleep(50);
        assert.deepStrictEqual(rejected, [], 'no unhandled rejection');
        const logged = helper.log().args.map((a: any[]) => a[0]).filter((e: any) => e && e.id === 'sim');
        assert.deepStrictEqual(logged.filter((e: any) => e.level === 20).map((e: any) => e.msg), [], 'no error');
        assert.ok(logged.some((e: any) => String(e.msg).startsWith('resumed at simulated +275760-09-13T00:00:00.000Z')), 'the resume is logged');
        const w = nextMessage('out1');
        assert.strictEqual(await receiveAndComplete('sim', {}), undefined);
        const p = (await w).payload;
        assert.strictEqual(p.ts, 8.64e15, 'simulated time stops at the end of the Date range');
        assert.strictEqual(new Date(p.ts).toISOString(), '+275760-09-13T00:00:00.000Z');
        await sleep(20);
        assert.deepStrictEqual(rejected, [], 'no unhandled rejection');
      } finally {
        process.removeListener('unhandledRejection', onRejection);
      }
    });

    it('without a store it starts again at the deploy time, at hour 0 (as documented)', async () => {
      const clock = new StepClock(Date.UTC(2025, 2, 3, 8));
      helper.settings({ reliabilityClock: clock });
      await loadFlow(flow({ store: '' }));
      const a = await run(clock, 40_000, 20);
      const last = a.w[a.w.length - 1].payload;
      await unloadFlow();
      helper.settings({ reliabilityClock: clock });
      await loadFlow(flow({ store: '' }));
      const b = await run(clock, 2_000, 1);
      assert.strictEqual(b.w[0].payload.ts, clock.now() - 2_000 + 2 * HOUR);
      assert.ok(b.w[0].payload.ts < last.ts, 'its time went back: what the store option is for');
      assert.ok(Math.abs(b.w[0].payload.simulation.hours - 2) < 1e-6 && b.w[0].payload.simulation.severity === 0);
    });
  });

  it('survives the shared bad-input harness and still emits afterwards', async function () {
    this.timeout(120000);
    const report = await fuzzNode({
      flow: [TAB, assetNode({ z: 'tab1' }), simNode({ frameSize: 4096 }), ...sinks],
      nodeId: 'sim',
      keys: ['fault', 'severity', 'hours', 'asset'],
      actions: ['frame', 'reset', 'set'],
      runs: 1000,
      sanity: async () => {
        assert.strictEqual(await receiveAndComplete('sim', { action: 'set', payload: { fault: 'imbalance', severity: 0.5 } }), undefined);
        const m = nextMessage('out1');
        const t = nextMessages('out2', 2);
        getNode('sim').receive({ payload: 'after fuzz' });
        const p = (await m).payload;
        assert.strictEqual(p.samples.length, 4096);
        assert.ok(p.samples.every((x: number) => Number.isFinite(x)));
        assert.deepStrictEqual([p.simulation.fault, p.simulation.severity], ['imbalance', 0.5]);
        assert.strictEqual((await t).length, 2);
      },
    });
    assert.ok(report.ok > 100 && report.errors > 100, `ok ${report.ok}, errors ${report.errors}`);
  });
});
