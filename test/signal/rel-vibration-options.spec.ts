/**
 * rel-vibration options in a running Node-RED: where the shaft speed comes from (frame/asset,
 * speed channel, typed input), the dashboard output (velocity number, spectrum and envelope
 * curves), and bad speed input.
 */
import assert from 'assert';
import fc from 'fast-check';
import fs from 'fs';
import path from 'path';
import { BEARINGS, bearingMultiples } from '../../nodes/core/signal/bearing';
import { DEFAULT_MODEL, simulateFrame } from '../../nodes/core/signal/simulator';
import { analyzeVibration } from '../../nodes/core/signal/vibration';
import { assetNode, TAB } from '../helpers/fixtures';
import { fuzzNode, INPUT_ERROR, nastyValue } from '../helpers/fuzz';
import { getNode, recordStatus, loadFlow, nextMessage, receiveAndComplete, ROOT, sleep, unloadFlow } from '../helpers/red';
import { gauss } from './data';

const FS = 12000;
const N = 16384;
const T0 = Date.UTC(2026, 0, 5, 8, 0, 0);
const helperNode = (id: string) => ({ id, type: 'helper', z: 'tab1' });

/** A 1X sine of amplitude `a` g at `rpm` plus a little Gaussian noise. */
function sine(rpm: number, a = 0.5, noise = 0.01, n = N): Float64Array {
  const g = gauss(7);
  const f = rpm / 60;
  return Float64Array.from({ length: n }, (_, i) => a * Math.sin((2 * Math.PI * f * i) / FS) + noise * g());
}

/** A 3 kHz carrier amplitude-modulated at `fm` Hz (what an outer-race defect looks like to the envelope). */
function modulated(fm: number, n = N): Float64Array {
  const g = gauss(11);
  return Float64Array.from({ length: n }, (_, i) => (1 + 0.8 * Math.sin((2 * Math.PI * fm * i) / FS)) * 0.3 * Math.sin((2 * Math.PI * 3000 * i) / FS) + 0.01 * g());
}

function flow(vib: object = {}, outs = 2) {
  return [
    TAB,
    assetNode({ id: 'a1', assetId: 'pump-9', rpm: 1797, bearing: '6205-2RS', machineClass: 'iso10816-1:class1' }),
    assetNode({ id: 'a2', assetId: 'fan-2', rpm: '', bearing: 'none' }),
    { id: 'vib', type: 'rel-vibration', z: 'tab1', asset: '', window: 'hann', frameMode: 'trim', bandLow: 10, bandHigh: 1000, envelopeBand: 'auto', spectrumPoints: 0, envelopePoints: 0, wires: [['out1'], ['dash']].slice(0, outs), ...vib },
    helperNode('out1'),
    helperNode('dash'),
  ];
}

const frameMsg = (samples: ArrayLike<number>, extra: object = {}) => ({ topic: 'pump-9/DE-accel', payload: { asset: 'pump-9', channel: 'DE-accel', quantity: 'acceleration', unit: 'g', samples, fs: FS, ...extra } });
const speedMsg = (value: unknown, extra: object = {}) => ({ topic: 'pump-9/speed', payload: { asset: 'pump-9', channel: 'speed', quantity: 'speed', unit: 'rpm', value, quality: 'good', source: 'modbus', ...extra } });
const oneX = (f: any) => f.orders.lines.find((l: any) => l.order === 1);

/** Every status the node shows from now on. */

/** Send a frame, resolve with the main output message (and assert done had no error). */
async function features(msg: any): Promise<any> {
  const p = nextMessage('out1');
  const err = await receiveAndComplete('vib', msg);
  assert.strictEqual(err, undefined, err?.message);
  return (await p).payload.features;
}

/** Assert that nothing arrives at helper `id` within `ms`. */
async function nothingAt(id: string, ms = 150): Promise<void> {
  const node = getNode(id);
  let got: any = null;
  const on = (m: any) => (got = m);
  node.on('input', on);
  await sleep(ms);
  node.removeListener('input', on);
  assert.strictEqual(got, null, `unexpected message at ${id}: ${JSON.stringify(got?.payload)?.slice(0, 120)}`);
}

describe('signal: rel-vibration options (rpm source, dashboard output)', function () {
  this.timeout(60000);
  afterEach(() => unloadFlow());

  describe('speed channel', () => {
    it('a speed reading is consumed (no output, done); frames use it (status shows the rpm): the 1X amplitude is found only with the right rpm', async () => {
      await loadFlow(flow({ rpmSource: 'speed', speedMaxAge: 10 }));
      const seen = recordStatus('vib');
      const x = sine(1500, 0.5);
      // the asset's nominal 1797 rpm is wrong for this machine: 1X is searched at 29.95 Hz, nothing there
      const nominal = await features(frameMsg(x, { ts: T0 }));
      assert.strictEqual(nominal.rpmSource, 'asset');
      assert.strictEqual(nominal.rpm, 1797);
      assert.ok(oneX(nominal).amplitude < 0.02, `no 1X at nominal speed: ${oneX(nominal).amplitude}`);
      assert.match(seen.at(-1).text, /no speed/);
      assert.strictEqual(seen.at(-1).fill, 'yellow');

      const wait = nothingAt('out1');
      assert.strictEqual(await receiveAndComplete('vib', speedMsg(1500, { ts: T0 + 1000 })), undefined);
      await wait;
      assert.match(seen.at(-1).text, /no speed/, 'frames are flowing: the frame status stays');

      const f = await features(frameMsg(x, { ts: T0 + 3000 }));
      assert.strictEqual(f.rpmSource, 'speed-channel');
      assert.strictEqual(f.rpm, 1500);
      assert.ok(Math.abs(oneX(f).amplitude - 0.5) < 0.5 * 0.02, `1X = 0.5 g: ${oneX(f).amplitude}`);
      assert.ok(Math.abs(oneX(f).hz - 25) < f.frame.df, `1X at 25 Hz: ${oneX(f).hz}`);
      assert.ok(oneX(f).amplitude > 25 * oneX(nominal).amplitude);
      assert.match(seen.at(-1).text, /^\d+(\.\d)? mm\/s · zone [ABCD] · 1500 rpm$/);
      // the frame's own rpm does not override a fresh speed channel
      const g = await features(frameMsg(x, { ts: T0 + 3000, rpm: 1797 }));
      assert.strictEqual(g.rpmSource, 'speed-channel');
      assert.strictEqual(g.rpm, 1500);
    });

    it('Hz speed readings are x60; a simulated imbalance at 1,200 rpm gives its 1X only with the speed channel', async () => {
      await loadFlow(flow({ rpmSource: 'speed' }));
      const sim = simulateFrame({ ...DEFAULT_MODEL, rpm: 1200, speedVariation: 0 }, { fault: 'imbalance', severity: 1, seed: 3, ts: T0 });
      const x = Float64Array.from(sim.samples);
      const before = await features(frameMsg(x, { ts: T0 }));
      await receiveAndComplete('vib', speedMsg(20, { unit: 'Hz', ts: T0 }));
      const f = await features(frameMsg(x, { ts: T0 + 500 }));
      assert.strictEqual(f.rpm, 1200);
      assert.strictEqual(f.rpmSource, 'speed-channel');
      // the direct analysis at the true speed gives the same 1X
      const direct = analyzeVibration(x, { fs: FS, rpm: 1200, bearing: bearingMultiples(BEARINGS['6205-2RS']), machineClass: 'iso10816-1:class1' });
      assert.strictEqual(oneX(f).amplitude, direct.orders!.lines.find((l) => l.order === 1)!.amplitude);
      assert.ok(oneX(f).amplitude > 10 * oneX(before).amplitude, `${oneX(f).amplitude} vs ${oneX(before).amplitude} at nominal`);
      assert.ok(oneX(f).prominence > 10);
    });

    it('a stale or bad speed reading is not used: the frame falls back to the nominal rpm (rpmSource asset) with a warning', async () => {
      await loadFlow(flow({ rpmSource: 'speed', speedMaxAge: 10 }));
      const seen = recordStatus('vib');
      const x = sine(1500, 0.5);
      assert.strictEqual(await receiveAndComplete('vib', speedMsg(1500, { ts: T0 })), undefined);
      assert.match(seen.at(-1).text, /^speed 1500 rpm$/, 'before any frame the status shows the speed');
      assert.strictEqual(seen.at(-1).fill, 'blue');
      const fresh = await features(frameMsg(x, { ts: T0 + 10_000 }));
      assert.strictEqual(fresh.rpmSource, 'speed-channel', 'exactly the max age is still fresh');
      const stale = await features(frameMsg(x, { ts: T0 + 10_001 }));
      assert.strictEqual(stale.rpmSource, 'asset');
      assert.strictEqual(stale.rpm, 1797);
      assert.ok(oneX(stale).amplitude < 0.02);
      assert.match(seen.at(-1).text, /speed stale/);
      assert.strictEqual(seen.at(-1).fill, 'yellow');
      // a stale speed with the frame's own rpm: the frame's rpm (as without a speed channel)
      const own = await features(frameMsg(x, { ts: T0 + 60_000, rpm: 1500 }));
      assert.strictEqual(own.rpmSource, 'reading');
      assert.strictEqual(own.rpm, 1500);
      // quality bad (with or without a value): not used
      await receiveAndComplete('vib', speedMsg(1500, { ts: T0 + 20_000, quality: 'bad' }));
      const bad = await features(frameMsg(x, { ts: T0 + 20_500 }));
      assert.strictEqual(bad.rpmSource, 'asset');
      assert.match(seen.at(-1).text, /speed bad/);
      await receiveAndComplete('vib', speedMsg(null, { ts: T0 + 21_000, quality: 'bad' }));
      assert.strictEqual((await features(frameMsg(x, { ts: T0 + 21_500 }))).rpmSource, 'asset');
      // uncertain is used; a late reading older than the latest one is ignored
      await receiveAndComplete('vib', speedMsg(1500, { ts: T0 + 30_000, quality: 'uncertain' }));
      await receiveAndComplete('vib', speedMsg(1797, { ts: T0 + 29_000 }));
      const unc = await features(frameMsg(x, { ts: T0 + 31_000 }));
      assert.strictEqual(unc.rpmSource, 'speed-channel');
      assert.strictEqual(unc.rpm, 1500);
      // speed is per asset: another asset has none (and no nominal rpm either)
      const fan = await features({ payload: { asset: 'fan-2', samples: x, fs: FS, ts: T0 + 31_000 } });
      assert.strictEqual(fan.rpm, null);
      assert.strictEqual(fan.rpmSource, null);
      assert.strictEqual(fan.orders, null);
      // a redeploy (close) forgets the speeds
      await unloadFlow();
      await loadFlow(flow({ rpmSource: 'speed', speedMaxAge: 10 }));
      assert.strictEqual((await features(frameMsg(x, { ts: T0 + 31_000 }))).rpmSource, 'asset');
    });

    it('bad speed readings: a clear error naming the property (NaN, negative, text, unit, quality, ts)', async () => {
      await loadFlow(flow({ rpmSource: 'speed' }));
      const cases: Array<[any, RegExp]> = [
        [speedMsg(NaN), /^msg\.payload\.value: expected a finite number >= 0 and <= 1000000, got NaN/],
        [speedMsg(-5), /^msg\.payload\.value: expected a number >= 0 and <= 1000000, got the number -5/],
        [speedMsg('fast'), /^msg\.payload\.value: expected a shaft speed in rpm \(a number >= 0\), got the string "fast"/],
        [speedMsg('1500'), /^msg\.payload\.value: expected a shaft speed in rpm/],
        [speedMsg(undefined), /^msg\.payload\.value: expected a shaft speed in rpm \(a number >= 0\), got nothing/],
        [speedMsg(25, { unit: 'Hz', value: -1 }), /^msg\.payload\.value: expected a number >= 0 and <= 16666, got the number -1/],
        [speedMsg(1500, { unit: 'furlongs' }), /^msg\.payload\.unit: expected one of rpm, Hz, got the string "furlongs"/],
        [speedMsg(1500, { quality: 'great' }), /^msg\.payload\.quality: expected one of good, uncertain, bad/],
        [speedMsg(1500, { ts: 'yesterday' }), /^msg\.payload\.ts: expected a time/],
        [speedMsg(1500, { asset: 'nope' }), /^msg\.payload\.asset: expected the id of a deployed rel-asset/],
        [frameMsg(sine(1500), { ts: 'later' }), /^msg\.payload\.ts: expected a time/],
      ];
      for (const [msg, re] of cases) {
        const err = await receiveAndComplete('vib', msg);
        assert.ok(err, `no error for ${re}`);
        assert.match(err!.message, re);
      }
      // without the speed channel, a speed reading is an error that says how to use it
      await unloadFlow();
      await loadFlow(flow());
      const e = await receiveAndComplete('vib', speedMsg(1500));
      assert.match(e!.message, /^msg\.payload\.quantity: expected acceleration or velocity \(a waveform; speed readings need the rpm source "speed channel"\), got the string "speed"/);
    });

    it('typed-array frames: NaN or Infinity anywhere is still an error naming the element', async () => {
      await loadFlow(flow());
      const cases: Array<[Float64Array | Float32Array, RegExp]> = [
        [Float64Array.from(sine(1500), (v, i) => (i === 100 ? Infinity : v)), /^msg\.payload\.samples\[100\]: expected a finite number, got Infinity/],
        [Float32Array.from(sine(1500), (v, i) => (i === 5000 ? NaN : v)), /^msg\.payload\.samples\[5000\]: expected a finite number, got NaN/],
        [Float64Array.from(sine(1500), (v, i) => (i === N - 1 ? -Infinity : v)), /^msg\.payload\.samples\[16383\]: expected a finite number, got -Infinity/],
        [Float64Array.from(sine(1500, 0.5, 0.01, 16383), (v, i) => (i === 16382 ? NaN : v)), /^msg\.payload\.samples\[16382\]: expected a finite number, got NaN/],
      ];
      for (const [x, re] of cases) {
        const err = await receiveAndComplete('vib', frameMsg(x));
        assert.ok(err, `no error for ${re}`);
        assert.match(err!.message, re);
      }
      // extreme but finite values pass
      const big = await features(frameMsg(Float64Array.from(sine(1500), (v) => v * 1e150)));
      assert.ok(Number.isFinite(big.peak));
    });

    it('fuzzed speed readings: done once, InputErrors only, and the node still uses good speeds', async () => {
      await loadFlow(flow({ rpmSource: 'speed' }));
      const arb = fc.record({
        value: fc.oneof(nastyValue, fc.double(), fc.integer({ min: -10, max: 100000 })),
        unit: fc.oneof(fc.constantFrom<unknown>('rpm', 'Hz', undefined), nastyValue),
        ts: fc.oneof(fc.constant<unknown>(undefined), nastyValue, fc.integer({ min: 0, max: 2 ** 45 })),
        quality: fc.oneof(fc.constantFrom<unknown>('good', 'uncertain', 'bad', undefined), nastyValue),
      });
      let errors = 0;
      for (const s of fc.sample(arb, { numRuns: 400, seed: 9 })) {
        const err = await receiveAndComplete('vib', { payload: { asset: 'pump-9', quantity: 'speed', ...s } });
        if (err) {
          errors++;
          assert.match(err.message, INPUT_ERROR);
        }
      }
      assert.ok(errors > 50 && errors < 400, `${errors} errors`);
      await receiveAndComplete('vib', speedMsg(1500, { ts: T0 + 1e12 }));
      const f = await features(frameMsg(sine(1500), { ts: T0 + 1e12 + 100 }));
      assert.strictEqual(f.rpmSource, 'speed-channel');
      assert.strictEqual(f.rpm, 1500);
    });

    it('rel-vibration with the speed channel survives the fuzz harness and still works', async () => {
      const report = await fuzzNode({
        flow: flow({ rpmSource: 'speed', dashboard: 'velocity', outputs: 2 }),
        nodeId: 'vib',
        keys: ['asset', 'samples', 'fs', 'rpm', 'unit', 'quantity', 'value', 'ts', 'quality'],
        runs: 500,
        sanity: async () => {
          await receiveAndComplete('vib', speedMsg(1500, { ts: T0 }));
          const f = await features(frameMsg(sine(1500), { ts: T0 + 10 }));
          assert.strictEqual(f.rpmSource, 'speed-channel');
          assert.ok(Math.abs(oneX(f).amplitude - 0.5) < 0.01);
        },
      });
      assert.ok(report.errors > 0);
    });
  });

  describe('typed rpm', () => {
    it('msg, flow, global, env and num: the frame uses the typed rpm (rpmSource typed); missing falls back with a warning; bad values name the property', async () => {
      process.env.REL_TEST_RPM = '1500';
      const x = sine(1500, 0.5);
      const run = async (type: string, value: string, setup?: () => void) => {
        await loadFlow(flow({ rpmSource: 'typed', rpmValue: value, rpmValueType: type }));
        setup?.();
        return getNode('vib');
      };
      await run('msg', 'speed.rpm');
      const seen = recordStatus('vib');
      const f = await features({ ...frameMsg(x), speed: { rpm: 1500 } });
      assert.strictEqual(f.rpmSource, 'typed');
      assert.strictEqual(f.rpm, 1500);
      assert.ok(Math.abs(oneX(f).amplitude - 0.5) < 0.01);
      const miss = await features(frameMsg(x));
      assert.strictEqual(miss.rpmSource, 'asset');
      assert.strictEqual(miss.rpm, 1797);
      assert.match(seen.at(-1).text, /no msg\.speed\.rpm/);
      const e1 = await receiveAndComplete('vib', { ...frameMsg(x), speed: { rpm: 'fast' } });
      assert.match(e1!.message, /^msg\.speed\.rpm: expected a number >= 0 and <= 1000000, got the string "fast"/);
      const e2 = await receiveAndComplete('vib', { ...frameMsg(x), speed: { rpm: -3 } });
      assert.match(e2!.message, /^msg\.speed\.rpm: expected a number >= 0 and <= 1000000, got the number -3/);
      const e3 = await receiveAndComplete('vib', { ...frameMsg(x), speed: { rpm: NaN } });
      assert.match(e3!.message, /^msg\.speed\.rpm: expected a finite number >= 0 and <= 1000000, got NaN/);
      await unloadFlow();

      const vib = await run('flow', 'lineSpeed');
      vib.context().flow.set('lineSpeed', 1500);
      assert.strictEqual((await features(frameMsg(x))).rpm, 1500);
      await unloadFlow();
      const vg = await run('global', 'shaft');
      vg.context().global.set('shaft', 1500);
      assert.strictEqual((await features(frameMsg(x))).rpmSource, 'typed');
      await unloadFlow();
      await run('env', 'REL_TEST_RPM');
      assert.strictEqual((await features(frameMsg(x))).rpm, 1500);
      await unloadFlow();
      await run('num', '1500');
      const n = await features(frameMsg(x, { rpm: 1797 }));
      assert.strictEqual(n.rpm, 1500, 'a typed rpm wins over the frame rpm');
      assert.strictEqual(n.rpmSource, 'typed');
      delete process.env.REL_TEST_RPM;
    });

    it('rel-vibration with a typed rpm (msg.payload.rpm) and the spectrum curve survives the fuzz harness and still works', async () => {
      const report = await fuzzNode({
        flow: flow({ rpmSource: 'typed', rpmValue: 'payload.rpm', rpmValueType: 'msg', dashboard: 'spectrum', outputs: 2 }),
        nodeId: 'vib',
        keys: ['asset', 'samples', 'fs', 'rpm', 'unit', 'quantity', 'ts'],
        runs: 500,
        sanity: async () => {
          const pd = nextMessage('dash');
          const f = await features(frameMsg(sine(1500), { rpm: 1500 }));
          assert.strictEqual(f.rpmSource, 'typed');
          assert.ok(Math.abs(oneX(f).amplitude - 0.5) < 0.01);
          const top = (await pd).payload.reduce((a: any, b: any) => (b.y > a.y ? b : a));
          assert.ok(Math.abs(top.x - 25) <= FS / N);
        },
      });
      assert.ok(report.errors > 0);
    });

    it('reading mode (default) keeps the old behaviour and says where the rpm came from', async () => {
      await loadFlow(flow({}, 1));
      const x = sine(1500, 0.5);
      const a = await features(frameMsg(x));
      assert.strictEqual(a.rpmSource, 'asset');
      assert.strictEqual(a.rpm, 1797);
      const r = await features(frameMsg(x, { rpm: 1500 }));
      assert.strictEqual(r.rpmSource, 'reading');
      assert.strictEqual(r.rpm, 1500);
      const stopped = await features(frameMsg(x, { rpm: 0 }));
      assert.strictEqual(stopped.rpmSource, 'reading');
      assert.strictEqual(stopped.rpm, null);
      // the first frame has the same figures as the core function (later ones reuse its band)
      const direct = analyzeVibration(x, { fs: FS, rpm: 1797, unit: 'g', window: 'hann', frameMode: 'trim', velocityBand: [10, 1000], envelopeBand: 'auto', spectrumPoints: 0, envelopePoints: 0, bearing: bearingMultiples(BEARINGS['6205-2RS']), machineClass: 'iso10816-1:class1' });
      assert.deepStrictEqual(a, { ...direct, rpmSource: 'asset' });
      // the payload gets the features (in place when it is a plain object; a frozen one is copied)
      const plain = frameMsg(x);
      const p1 = nextMessage('out1');
      getNode('vib').receive(plain);
      const o1 = await p1;
      assert.ok(o1.payload.features && o1.payload.samples === x && o1.payload.asset === 'pump-9');
      const frozen = frameMsg(x);
      const ice = Object.freeze(frozen.payload);
      const p2 = nextMessage('out1');
      getNode('vib').receive(frozen);
      const o2 = await p2;
      assert.notStrictEqual(o2.payload, ice);
      assert.strictEqual((ice as any).features, undefined);
      assert.strictEqual(o2.payload.channel, 'DE-accel');
      assert.strictEqual(o2.payload.features.rpmSource, 'asset');
    });
  });

  describe('spectrum averaging', () => {
    it('keeps the averaged streams within 256 MB: with long frames the least recently used stream is dropped, the others keep their average', async function () {
      this.timeout(60_000);
      // N = 2^18 at 12 kHz, K = 64: the spectrum ring is capped at 2^22 doubles, so it holds 31 frames
      // of 131,073 bins (+ the running sum); the envelope (m = N/4, 32,769 bins) holds as many:
      // 32 x (131,073 + 32,769) x 8 B = 41.9 MB per stream, so 6 streams fit in 256 MB and the seventh
      // drops the least recently used.
      const n = 2 ** 18;
      const perStream = 32 * (131_073 + 32_769) * 8;
      const fit = Math.floor((256 * 1024 * 1024) / perStream);
      assert.strictEqual(fit, 6);
      await loadFlow(flow({ averages: 64, envelopeBand: 'fixed', envLow: 2000, envHigh: 4000 }));
      const x = sine(1500, 0.5, 0.05, n);
      const msgOn = (ch: string) => ({ topic: `pump-9/${ch}`, payload: { asset: 'pump-9', channel: ch, quantity: 'acceleration', unit: 'g', samples: x, fs: FS, rpm: 1500 } });
      const first = [await features(msgOn('ch-0')), await features(msgOn('ch-0'))];
      assert.deepStrictEqual(first.map((f) => f.averaged), [1, 2]);
      assert.strictEqual(first[1].bearing.lines.length > 0, true, 'the envelope is computed (its ring counts)');
      for (let c = 1; c <= fit; c++) assert.strictEqual((await features(msgOn(`ch-${c}`))).averaged, 1, `ch-${c} starts its average`);
      // ch-1 ... ch-6 were kept, ch-0, the least recently used, was dropped for ch-6
      assert.strictEqual((await features(msgOn('ch-1'))).averaged, 2, 'ch-1 kept its average');
      assert.strictEqual((await features(msgOn(`ch-${fit}`))).averaged, 2, `ch-${fit} kept its average`);
      assert.strictEqual((await features(msgOn('ch-0'))).averaged, 1, 'ch-0 was dropped and starts again');
      await unloadFlow();
    });

    it('averages K frames per stream: the spectrum is the power average of the frames; averaged 1..K; status "avg k/K"; other streams and a redeploy start again', async () => {
      const K = 8;
      const common = { envelopeBand: 'fixed', envLow: 2000, envHigh: 4000, spectrumPoints: 65536 };
      await loadFlow([
        ...flow({ ...common, averages: K }),
        { id: 'single', type: 'rel-vibration', z: 'tab1', asset: '', window: 'hann', ...common, wires: [['out9']] },
        helperNode('out9'),
      ]);
      const seen = recordStatus('vib');
      const frames = Array.from({ length: K + 2 }, (_, k) => {
        const g = gauss(100 + k);
        return Float64Array.from({ length: N }, (_, i) => 0.5 * Math.sin((2 * Math.PI * 25 * i) / FS) + 0.2 * g());
      });
      const avgd: any[] = [];
      const one: any[] = [];
      for (const x of frames) {
        avgd.push(await features(frameMsg(x, { rpm: 1500 })));
        const p = nextMessage('out9');
        getNode('single').receive(frameMsg(x, { rpm: 1500 }));
        one.push((await p).payload.features);
      }
      assert.deepStrictEqual(avgd.map((f) => f.averaged), [1, 2, 3, 4, 5, 6, 7, 8, 8, 8]);
      assert.deepStrictEqual(one.map((f) => f.averaged), Array(K + 2).fill(1));
      // frame 10 holds frames 3..10: each bin is sqrt(mean of the single-frame amplitudes squared)
      const last = avgd[K + 1].spectrum.amplitudes;
      const singles = one.slice(2).map((f) => f.spectrum.amplitudes);
      let worst = 0;
      for (let b = 0; b < last.length; b++) {
        const want = Math.sqrt(singles.reduce((s: number, a: number[]) => s + a[b] * a[b], 0) / K);
        worst = Math.max(worst, Math.abs(last[b] - want) / Math.max(want, 1e-9));
      }
      assert.ok(worst < 1e-9, `largest relative difference ${worst}`);
      // the floor is smoother: the spread of the bins between 100 and 1000 Hz shrinks about as 1/sqrt(K)
      const cv = (a: number[]) => {
        const p = a.slice(Math.round(100 / (FS / N)), Math.round(1000 / (FS / N))).map((v) => v * v);
        const m = p.reduce((s, v) => s + v, 0) / p.length;
        return Math.sqrt(p.reduce((s, v) => s + (v - m) ** 2, 0) / p.length) / m;
      };
      const ratio = cv(last) / cv(singles.at(-1));
      assert.ok(Math.abs(ratio - 1 / Math.sqrt(K)) < 0.12, `floor spread ratio ${ratio}`);
      // time-domain features stay per frame
      assert.strictEqual(avgd[K + 1].kurtosis, one[K + 1].kurtosis);
      await sleep(600);
      assert.match(seen.at(-1).text, / · avg 8\/8$/);
      // another channel of the same asset is another stream
      const other = await features({ ...frameMsg(frames[0], { rpm: 1500 }), payload: { ...frameMsg(frames[0]).payload, channel: 'NDE-accel', rpm: 1500 } });
      assert.strictEqual(other.averaged, 1);
      assert.strictEqual((await features(frameMsg(frames[1], { rpm: 1500 }))).averaged, 8, 'the first stream kept its average');
      await unloadFlow();
      await loadFlow(flow({ ...common, averages: K }));
      assert.strictEqual((await features(frameMsg(frames[1], { rpm: 1500 }))).averaged, 1, 'a redeploy starts again');
    });

    it('averages outside 1..64 stop the node at deploy (no output)', async () => {
      await loadFlow(flow({ averages: 65 }));
      const none = nothingAt('out1', 200);
      getNode('vib').receive(frameMsg(sine(1500)));
      await none;
    });
  });

  describe('dashboard output', () => {
    it("velocity: one number per frame on the last output, velocity RMS rounded to 0.01 mm/s, topic = the asset", async () => {
      await loadFlow(flow({ dashboard: 'velocity', outputs: 2 }));
      const x = sine(1500, 0.5);
      const pm = nextMessage('out1');
      const pd = nextMessage('dash');
      getNode('vib').receive(frameMsg(x, { ts: T0, rpm: 1500 }));
      const [m, d] = await Promise.all([pm, pd]);
      const f = m.payload.features;
      // 0.5 g at 25 Hz: v = 0.5 * 9806.65 / (2 pi 25) mm/s peak, RMS / sqrt 2
      const expected = (0.5 * 9806.65) / (2 * Math.PI * 25) / Math.SQRT2;
      assert.ok(Math.abs(f.velocityRms - expected) / expected < 0.02, `${f.velocityRms} vs ${expected}`);
      assert.strictEqual(d.payload, Math.round(f.velocityRms * 100) / 100);
      assert.strictEqual(d.topic, 'pump-9');
      assert.strictEqual(d.unit, 'mm/s');
      assert.strictEqual(d.asset, 'pump-9');
      assert.strictEqual(d.ts, T0);
      assert.notStrictEqual(d, m, 'a new message, not the incoming one');
      assert.strictEqual(m.topic, 'pump-9/DE-accel');
      assert.strictEqual(f.spectrum, undefined);
    });

    it('spectrum: one ui-chart curve (x Hz, y amplitude, action replace, a few hundred points) whose largest point is the sine; features unchanged', async () => {
      await loadFlow([
        ...flow({ dashboard: 'spectrum', outputs: 2 }),
        { id: 'vib0', type: 'rel-vibration', z: 'tab1', asset: '', spectrumPoints: 0, envelopePoints: 0, wires: [['out0'], ['dash0']] },
        { id: 'vib256', type: 'rel-vibration', z: 'tab1', asset: '', spectrumPoints: 256, envelopePoints: 0, dashboard: 'spectrum', outputs: 2, wires: [['out256'], ['dash256']] },
        { id: 'vibref256', type: 'rel-vibration', z: 'tab1', asset: '', spectrumPoints: 256, envelopePoints: 0, wires: [['outref256']] },
        helperNode('out0'),
        helperNode('dash0'),
        helperNode('out256'),
        helperNode('dash256'),
        helperNode('outref256'),
      ]);
      const x = sine(1500, 0.5, 0.01);
      const msg = () => frameMsg(x, { ts: T0 });
      const got = Promise.all(['out1', 'dash', 'out0', 'out256', 'dash256', 'outref256'].map((id) => nextMessage(id)));
      const none = nothingAt('dash0', 400);
      for (const id of ['vib', 'vib0', 'vib256', 'vibref256']) getNode(id).receive(msg());
      const [m, d, m0, m256, d256, mref] = await got;
      await none;
      assert.strictEqual(d.topic, 'pump-9 spectrum');
      assert.strictEqual(d.action, 'replace');
      assert.ok(Array.isArray(d.payload) && d.payload.length >= 200 && d.payload.length <= 400, `${d.payload.length} points`);
      assert.ok(d.payload.every((p: any) => Object.keys(p).join() === 'x,y' && Number.isFinite(p.x) && Number.isFinite(p.y)));
      const top = d.payload.reduce((a: any, b: any) => (b.y > a.y ? b : a));
      const df = FS / N;
      assert.ok(Math.abs(top.x - 25) <= df, `largest point at ${top.x} Hz`);
      assert.ok(Math.abs(top.y - 0.5) < 0.05, `its amplitude ${top.y}`);
      assert.ok(d.payload.at(-1).x > 5900 && d.payload.at(-1).x <= 6000, 'up to fs/2');
      // the curve's arrays are not in the features unless the form asks; otherwise features are as without it
      assert.strictEqual(m.payload.features.spectrum, undefined);
      assert.deepStrictEqual(m.payload.features, m0.payload.features);
      assert.strictEqual(m256.payload.features.spectrum.amplitudes.length, mref.payload.features.spectrum.amplitudes.length);
      assert.deepStrictEqual(m256.payload.features, mref.payload.features);
      assert.deepStrictEqual(d256.payload, d.payload);
    });

    it('envelope: the envelope-spectrum curve peaks at the modulation frequency; topic "<asset> envelope"', async () => {
      await loadFlow([
        ...flow({ dashboard: 'envelope', outputs: 2, envelopeBand: 'fixed', envLow: 2000, envHigh: 4000 }),
        { id: 'vib0', type: 'rel-vibration', z: 'tab1', asset: '', envelopeBand: 'fixed', envLow: 2000, envHigh: 4000, wires: [['out0']] },
        helperNode('out0'),
      ]);
      const x = modulated(107.3);
      const pm = nextMessage('out1');
      const pd = nextMessage('dash');
      const p0 = nextMessage('out0');
      getNode('vib').receive(frameMsg(x, { rpm: 1797 }));
      getNode('vib0').receive(frameMsg(x, { rpm: 1797 }));
      const [m, d, m0] = await Promise.all([pm, pd, p0]);
      assert.deepStrictEqual(m.payload.features, m0.payload.features, 'the same features as without the dashboard output');
      assert.strictEqual(d.topic, 'pump-9 envelope');
      assert.strictEqual(d.action, 'replace');
      assert.ok(d.payload.length >= 100 && d.payload.length <= 400);
      const top = d.payload.reduce((a: any, b: any) => (b.y > a.y ? b : a));
      assert.ok(Math.abs(top.x - 107.3) <= FS / N, `largest point at ${top.x} Hz`);
      assert.strictEqual(m.payload.features.envelope, undefined);
      const bpfo = m.payload.features.bearing.lines.find((l: any) => l.label === 'BPFO');
      assert.ok(Math.abs(bpfo.hz - top.x) <= FS / N, 'the BPFO line sits where the curve peaks');
    });

    it("dashboard '' (default): one output, the second port gets nothing", async () => {
      await loadFlow(flow({ dashboard: '' }, 2));
      const none = nothingAt('dash', 300);
      const f = await features(frameMsg(sine(1500)));
      await none;
      assert.strictEqual(f.spectrum, undefined);
      assert.strictEqual(f.envelope, undefined);
    });
  });

  it('example "02 - Speed channel.json" runs as imported', async () => {
    const nodes = JSON.parse(fs.readFileSync(path.join(ROOT, 'examples', 'rel-vibration', '02 - Speed channel.json'), 'utf8'));
    const tab = { id: 'f1', type: 'tab', label: 'example' };
    const flowNodes = nodes.map((n: any) => (n.type === 'debug' ? { id: n.id, type: 'helper', z: n.z } : n)).filter((n: any) => n.type !== 'comment');
    await loadFlow([tab, ...flowNodes], [require('@node-red/nodes/core/common/20-inject.js')]);
    const pd = nextMessage('dbg2', 15000);
    const m = await nextMessage('dbg1', 15000);
    const f = m.payload.features;
    assert.strictEqual(f.rpmSource, 'speed-channel');
    assert.strictEqual(f.rpm, 1480);
    assert.ok(oneX(f).prominence > 10, 'the simulated imbalance shows at 1X');
    const d = await pd;
    assert.strictEqual(d.topic, 'fan-3');
    assert.strictEqual(d.payload, Math.round(f.velocityRms * 100) / 100);
  });
});
