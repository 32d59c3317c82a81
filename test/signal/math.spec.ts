/** Known math: synthetic signals whose answers are known in closed form. */
import assert from 'assert';
import FFT from 'fft.js';
import { BEARINGS, bearingFrequencies, bearingMultiples } from '../../nodes/core/signal/bearing';
import { diagnose, readFeatures } from '../../nodes/core/signal/diagnose';
import { bandEnvelope, bandEnvelopeSpectrum, envelopeSpectrum, envelopeStats, robustKurtosis } from '../../nodes/core/signal/envelope';
import { realForward, realPlan, realSpectrum } from '../../nodes/core/signal/realfft';
import { selectKth } from '../../nodes/core/signal/peaks';
import { timeStats } from '../../nodes/core/signal/stats';
import { rng } from './data';
import { analyzeVibration, EnvelopeBandCache, SpectrumAverage, type VibrationOptions } from '../../nodes/core/signal/vibration';
import { WINDOW, windowedAmplitude, windowValue } from '../../nodes/core/signal/window';
import { gauss, impacts } from './data';

const sine = (n: number, fs: number, f: number, a: number, phase = 0.3) => Float64Array.from({ length: n }, (_, i) => a * Math.sin(2 * Math.PI * f * (i / fs) + phase));
const near = (got: number, want: number, rel: number, what: string) => assert.ok(Math.abs(got - want) <= rel * Math.abs(want), `${what}: got ${got}, want ${want} +/- ${rel * 100}%`);

describe('signal: known math', () => {
  it('a sine: RMS = A/sqrt(2), crest 1.414, kurtosis 1.5, peak-to-peak 2A', () => {
    const f = analyzeVibration(sine(8192, 8192, 64, 2), { fs: 8192 });
    near(f.rms, 2 / Math.SQRT2, 1e-9, 'rms');
    near(f.crest, Math.SQRT2, 1e-3, 'crest');
    near(f.kurtosis, 1.5, 1e-6, 'kurtosis');
    near(f.peakToPeak, 4, 1e-3, 'p2p');
    assert.ok(Math.abs(f.skewness) < 1e-9);
    near(f.std, f.rms, 1e-9, 'std of a zero-mean sine');
  });

  it('Gaussian noise: kurtosis about 3, skewness about 0', () => {
    const g = gauss(7);
    const x = Float64Array.from({ length: 1 << 18 }, () => 0.5 * g());
    const f = analyzeVibration(x, { fs: 10000 });
    assert.ok(Math.abs(f.kurtosis - 3) < 0.05, `kurtosis ${f.kurtosis}`);
    assert.ok(Math.abs(f.skewness) < 0.02, `skewness ${f.skewness}`);
    near(f.std, 0.5, 0.01, 'std');
  });

  it('a 5 mm/s velocity sine gives 5/sqrt(2) mm/s RMS, from acceleration in g and from velocity, on and off a bin', () => {
    const fs = 12000;
    const n = 16384;
    for (const f0 of [97.3, 100 * (fs / n) * Math.round((100 * n) / fs / 100)]) {
      const aG = (5 * 2 * Math.PI * f0) / 9806.65; // acceleration amplitude in g of a 5 mm/s velocity sine
      const fa = analyzeVibration(sine(n, fs, f0, aG), { fs, unit: 'g', machineClass: 'iso10816-3:group2:rigid' });
      near(fa.velocityRms, 5 / Math.SQRT2, 0.005, `velocity RMS from g at ${f0.toFixed(2)} Hz`);
      assert.strictEqual(fa.isoZone, 'C', 'ISO zone of 3.54 mm/s in group 2 rigid (2.8 / 4.5)');
      const fv = analyzeVibration(sine(n, fs, f0, 5), { fs, unit: 'mm/s', window: 'flattop' });
      near(fv.velocityRms, 5 / Math.SQRT2, 0.005, `velocity RMS from mm/s at ${f0.toFixed(2)} Hz`);
    }
    // outside the 10-1000 Hz band: nothing
    const out = analyzeVibration(sine(n, fs, 2500, 1), { fs, unit: 'mm/s' });
    assert.ok(out.velocityRms < 0.01, `2.5 kHz tone counted: ${out.velocityRms}`);
  });

  it('Parseval holds: the single-sided spectrum carries the variance (rectangular exactly, Hann through its ENBW)', () => {
    const g = gauss(3);
    const n = 4096;
    const x = Float64Array.from({ length: n }, () => g() + 0.3);
    const rect = analyzeVibration(x, { fs: 1000, window: 'none', spectrumPoints: n });
    const a = rect.spectrum!.amplitudes;
    assert.strictEqual(a.length, n / 2 + 1);
    let p = 0;
    for (let k = 1; k < n / 2; k++) p += (a[k] * a[k]) / 2;
    p += a[n / 2] * a[n / 2];
    near(p, rect.std * rect.std, 1e-9, 'rectangular: sum of line powers = variance');
    const hann = analyzeVibration(x, { fs: 1000, window: 'hann', spectrumPoints: n });
    let q = 0;
    for (const v of hann.spectrum!.amplitudes) q += (v * v) / 2;
    near(q / WINDOW.hann.enbw, hann.std * hann.std, 0.05, 'Hann: power / ENBW = variance');
  });

  it('the window applied as a convolution of the raw spectrum equals the window applied in time', () => {
    const n = 1024;
    const g = gauss(11);
    const x = Float64Array.from({ length: n }, () => g());
    let m = 0;
    for (const v of x) m += v / n;
    for (const w of [WINDOW.hann, WINDOW.flattop]) {
      const fft = new FFT(n);
      const raw = new Float64Array(2 * n);
      fft.realTransform(raw, Float64Array.from(x, (v) => v - m));
      const conv = new Float64Array(n / 2 + 1);
      windowedAmplitude(raw, n, w, conv);
      const timed = new Float64Array(2 * n);
      fft.realTransform(timed, Float64Array.from(x, (v, i) => (v - m) * windowValue(w, i, n)));
      for (let k = 1; k < n / 2; k++) {
        const direct = (Math.hypot(timed[2 * k], timed[2 * k + 1]) * 2) / (n * w.coherentGain);
        assert.ok(Math.abs(direct - conv[k]) < 1e-9 * (1 + direct), `${w.name} bin ${k}: ${conv[k]} vs ${direct}`);
      }
    }
  });

  it('amplitude-corrected windows read a sine amplitude: Hann on a bin, flat-top anywhere within 0.1 %', () => {
    const fs = 4096;
    const n = 4096;
    const hann = analyzeVibration(sine(n, fs, 200, 1.7), { fs, spectrumPoints: n, rpm: 6000 });
    near(Math.max(...hann.spectrum!.amplitudes), 1.7, 1e-6, 'Hann on bin');
    const ft = analyzeVibration(sine(n, fs, 200.43, 1.7), { fs, window: 'flattop', spectrumPoints: n });
    near(Math.max(...ft.spectrum!.amplitudes), 1.7, 1e-3, 'flat-top off bin');
    // order 2X of 6000 rpm = 200 Hz carries the sine
    const o2 = hann.orders!.lines.find((l) => l.order === 2)!;
    near(o2.amplitude, 1.7, 1e-6, '2X amplitude');
    near(o2.hz, 200, 1e-3, '2X frequency');
  });

  it('bearing frequencies of the SKF 6205 and 6203 match the multiples in domain.md', () => {
    const m5 = bearingMultiples(BEARINGS['6205-2RS']);
    const m3 = bearingMultiples(BEARINGS['6203-2RS']);
    const want = [
      [m5.bpfi, 5.4152], [m5.bpfo, 3.5848], [m5.ftf, 0.39828], [2 * m5.bsf, 4.7135],
      [m3.bpfi, 4.9469], [m3.bpfo, 3.053], [m3.ftf, 0.3817], [2 * m3.bsf, 3.9874],
    ];
    for (const [g, w] of want) assert.ok(Math.abs(g - w) < 2e-3, `${g} vs ${w}`);
    near(bearingFrequencies(BEARINGS['6205-2RS'], 1797).bpfi, 162.19, 2e-4, 'BPFI at 1797 rpm');
  });

  it('frames that are not a power of two are trimmed or zero-padded, and the output says so', () => {
    const x = sine(5000, 5000, 50, 1);
    const t = analyzeVibration(x, { fs: 5000 });
    assert.deepStrictEqual([t.frame.n, t.frame.handling, t.frame.samples], [4096, 'trimmed', 5000]);
    const p = analyzeVibration(x, { fs: 5000, frameMode: 'pad', unit: 'mm/s' });
    assert.deepStrictEqual([p.frame.n, p.frame.handling], [8192, 'zero-padded']);
    near(p.velocityRms, 1 / Math.SQRT2, 0.01, 'zero-padded velocity RMS');
    near(p.rms, 1 / Math.SQRT2, 1e-3, 'zero-padded RMS is over the samples only');
  });

  it('exactly one N-point real FFT per frame (an N/2-point complex transform of the frame + split); the envelope uses short transforms only', () => {
    const calls: { kind: string; size: number; realInput: boolean }[] = [];
    const proto = FFT.prototype as any;
    const orig = { r: proto.realTransform, t: proto.transform, i: proto.inverseTransform };
    const fs = 12000;
    const n = 16384;
    const x = impacts({ fs, n, fd: 107, fr: 29.95 });
    // does the transform's input hold the frame (minus a constant), read as interleaved complex values?
    const isFrame = (d: ArrayLike<number>) => d.length >= n && Math.abs(d[1] - d[0] - (x[1] - x[0])) < 1e-12 && Math.abs(d[n - 1] - d[7] - (x[n - 1] - x[7])) < 1e-12;
    proto.realTransform = function (this: FFT, o: any, d: any) { calls.push({ kind: 'real', size: this.size, realInput: isFrame(d) }); return orig.r.call(this, o, d); };
    proto.transform = function (this: FFT, o: any, d: any) { calls.push({ kind: 'complex', size: this.size, realInput: isFrame(d) }); return orig.t.call(this, o, d); };
    proto.inverseTransform = function (this: FFT, o: any, d: any) { calls.push({ kind: 'inverse', size: this.size, realInput: isFrame(d) }); return orig.i.call(this, o, d); };
    try {
      analyzeVibration(x, { fs, rpm: 1797, bearing: bearingMultiples(BEARINGS['6205-2RS']) });
    } finally {
      Object.assign(proto, { realTransform: orig.r, transform: orig.t, inverseTransform: orig.i });
    }
    const show = JSON.stringify(calls);
    // the N-point real FFT of the frame: one complex transform of N/2 points whose input is the frame
    const main = calls.filter((c) => c.kind === 'complex' && c.size === n / 2 && c.realInput);
    assert.strictEqual(main.length, 1, `transforms ${show}`);
    // nothing else of the frame's size: every other transform (envelope, envelope spectrum) <= N/4 points
    assert.ok(calls.filter((c) => c !== main[0]).every((c) => c.size <= n / 4 && !c.realInput), `transforms ${show}`);
  });

  it('the real FFT (N/2-point complex fft.js transform + split pass) gives the same spectrum as fft.js realTransform', () => {
    const g = gauss(17);
    for (const n of [4, 8, 64, 4096, 16384, 65536]) {
      const x = Array.from({ length: n }, (_, i) => g() + 0.3 * Math.sin(0.01 * i) + 2);
      const want = new FFT(n).createComplexArray() as number[];
      new FFT(n).realTransform(want, x);
      const p = realPlan(n);
      for (let i = 0; i < n; i++) p.input[i] = x[i];
      realForward(p);
      // two partial ranges, then the rest: every bin 0..n/2 equal to rounding
      realSpectrum(p, 0, n / 8);
      realSpectrum(p, n / 8 + 1, n / 2);
      // every bin has the same value, to the last bit, whichever ranges computed it (pairs k,
      // N/2 - k inside a symmetric range, one at a time outside): features cannot depend on
      // whether a chart asked for the whole spectrum
      const once = p.out.slice();
      realSpectrum(p, 0, n / 2);
      assert.deepStrictEqual(p.out, once, `N=${n}: whole range vs two partial ranges`);
      for (const [a, b] of n >= 64 ? [[n / 8, (3 * n) / 8 + 3], [1, n / 4], [n / 4, n / 2], [3, 5], [n / 4 - 1, n / 4 + 1]] : [[0, 1], [1, n / 2]]) {
        for (let k = a; k <= b; k++) p.out[2 * k] = p.out[2 * k + 1] = NaN;
        realSpectrum(p, a, b);
        assert.deepStrictEqual(p.out, once, `N=${n}: range ${a}..${b}`);
      }
      let scale = 0;
      for (let k = 0; k <= n; k++) scale = Math.max(scale, Math.abs(want[k]));
      let diff = 0;
      for (let k = 0; k <= n + 1; k++) diff = Math.max(diff, Math.abs(p.out[k] - want[k]));
      assert.ok(diff <= 1e-13 * scale, `N=${n}: max abs diff ${diff} of ${scale}`);
      // and against a direct DFT on a few bins
      for (const k of [0, 1, n / 4 - 1, n / 4, n / 2 - 1, n / 2].filter((q) => q >= 0)) {
        let re = 0;
        let im = 0;
        for (let t = 0; t < n; t++) {
          re += x[t] * Math.cos((2 * Math.PI * k * t) / n);
          im -= x[t] * Math.sin((2 * Math.PI * k * t) / n);
        }
        assert.ok(Math.abs(p.out[2 * k] - re) + Math.abs(p.out[2 * k + 1] - im) <= 1e-9 * scale, `N=${n} bin ${k}: ${p.out[2 * k]},${p.out[2 * k + 1]} vs ${re},${im}`);
      }
    }
  });

  it('the time-domain pass gives the same statistics for every array kind and odd lengths, equal to a two-pass computation', () => {
    const g = gauss(5);
    for (const len of [64, 1001, 4096]) {
      const f32 = Float32Array.from({ length: len }, (_, i) => 3 + g() + (i % 97 === 0 ? 8 : 0));
      const f64 = Float64Array.from(f32);
      const arr = Array.from(f32);
      const a = timeStats(f64, len);
      const outs = [new Array(len).fill(0.5), new Array(len).fill(0.5), new Array(len).fill(0.5)];
      const kinds = [timeStats(f64, len, outs[0]), timeStats(arr, len, outs[1]), timeStats(f32, len, outs[2])];
      for (const k of kinds) assert.deepStrictEqual(k, a);
      assert.deepStrictEqual(outs[1], outs[0]);
      assert.deepStrictEqual(outs[2], outs[0]);
      for (let i = 0; i < len; i++) assert.strictEqual(outs[0][i], f64[i] - a.shift);
      let mean = 0;
      for (const v of f64) mean += v / len;
      let m2 = 0;
      let m3 = 0;
      let m4 = 0;
      let ms = 0;
      for (const v of f64) {
        const d = v - mean;
        m2 += (d * d) / len;
        m3 += (d * d * d) / len;
        m4 += (d * d * d * d) / len;
        ms += (v * v) / len;
      }
      near(a.mean, mean, 1e-12, 'mean');
      near(a.rms, Math.sqrt(ms), 1e-12, 'rms');
      near(a.std, Math.sqrt(m2), 1e-10, 'std');
      near(a.skewness, m3 / Math.pow(m2, 1.5), 1e-9, 'skewness');
      near(a.kurtosis, m4 / (m2 * m2), 1e-9, 'kurtosis');
      assert.strictEqual(a.peak, Math.max(...arr.map(Math.abs)));
      assert.strictEqual(a.peakToPeak, Math.max(...arr) - Math.min(...arr));
    }
  });

  it('the k-th selection of the noise floors equals sorting, ties and sorted runs included', () => {
    const u = rng(99);
    const a = new Float64Array(3000);
    for (let t = 0; t < 20000; t++) {
      const n = 1 + Math.floor(u() * (t < 19000 ? 260 : 3000));
      const kind = t % 5;
      for (let i = 0; i < n; i++) a[i] = kind === 0 ? Math.floor(u() * 4) : kind === 1 ? i : kind === 2 ? n - i : kind === 3 ? -Math.log(1 - u()) : (i % 7) + u() * 1e-3;
      const want = Float64Array.from(a.subarray(0, n)).sort();
      const k = t % 3 === 0 ? n >> 1 : Math.floor(u() * n);
      const got = selectKth(a, n, k);
      assert.strictEqual(got, want[k], `case ${t}, n ${n}, k ${k}`);
    }
  });

  it('asking for the spectrum or envelope charts changes no feature, to the last bit', () => {
    const fs = 12000;
    const x = impacts({ fs, n: 16384, fd: geo.bpfo * fr, fr, amp: 0.3, noise: 0.2, seed: 77 });
    for (const window of ['hann', 'flattop'] as const) {
      const o: VibrationOptions = { fs, rpm: 1797, bearing: geo, machineClass: 'iso10816-1:class1', window };
      const plain = analyzeVibration(x, o);
      const charts = analyzeVibration(x, { ...o, spectrumPoints: 300, envelopePoints: 300 });
      const { spectrum, envelope, ...rest } = charts;
      assert.ok(spectrum && envelope);
      assert.deepStrictEqual(rest, plain);
    }
  });

  it('the fused envelope (|z|, mean, robust kurtosis and spectrum in one pass) equals bandEnvelope + robustKurtosis + envelopeSpectrum', () => {
    const n = 4096;
    const g = gauss(29);
    const x = Array.from({ length: n }, (_, i) => g() * (1 + 0.8 * Math.cos((2 * Math.PI * 37 * i) / n)));
    const X = new FFT(n).createComplexArray() as number[];
    new FFT(n).realTransform(X, x);
    for (const [lo, hi, m] of [[300, 700, 512], [300, 1300, 512], [100, 110, 32]]) {
      const env = new Float64Array(m);
      bandEnvelope(X, n, lo, hi, m, env);
      const want = new Float64Array(m / 2 + 1);
      const mean = envelopeSpectrum(env, m, want);
      const got = new Float64Array(m / 2 + 1);
      bandEnvelopeSpectrum(X, n, lo, hi, m, got);
      assert.strictEqual(envelopeStats.mean, mean);
      assert.strictEqual(envelopeStats.kurtosis, robustKurtosis(env, m));
      let scale = 0;
      for (const v of want) scale = Math.max(scale, v);
      for (let k = 0; k <= m / 2; k++) assert.ok(Math.abs(got[k] - want[k]) <= 1e-12 * scale, `band ${lo}-${hi} m ${m} bin ${k}: ${got[k]} vs ${want[k]}`);
    }
  });

  const geo = bearingMultiples(BEARINGS['6205-2RS']);
  const fr = 1797 / 60;
  it('synthetic outer-race impacts at BPFO: the envelope finds BPFO and the rules call the outer race', () => {
    const fs = 12000;
    const x = impacts({ fs, n: 8192, fd: geo.bpfo * fr * 0.995, fr, amp: 0.5, noise: 0.1 });
    const f = analyzeVibration(x, { fs, rpm: 1797, bearing: geo, machineClass: 'iso10816-1:class1' });
    const l = f.bearing!.lines.find((q) => q.defect === 'bpfo' && q.harmonic === 1)!;
    assert.ok(Math.abs(l.hz - geo.bpfo * fr * 0.995) < 2 * f.frame.df, `BPFO found at ${l.hz}`);
    assert.ok(l.prominence > 10, `prominence ${l.prominence}`);
    assert.ok(f.bearing!.band.lo <= 3000 && f.bearing!.band.hi >= 3000, `band ${JSON.stringify(f.bearing!.band)} misses the 3 kHz resonance`);
    const d = diagnose(readFeatures(f));
    assert.strictEqual(d.primary, 'bearing-outer-race', JSON.stringify(d));
    assert.match(d.faults[0].evidence, /BPFO expected 107\.\d Hz/);
  });

  it('synthetic inner-race impacts modulated by 1X: BPFI with 1X sidebands', () => {
    const fs = 12000;
    const x = impacts({ fs, n: 16384, fd: geo.bpfi * fr, fr, amp: 0.5, noise: 0.1, modulation: 0.8, seed: 5 });
    const f = analyzeVibration(x, { fs, rpm: 1797, bearing: geo, machineClass: 'iso10816-1:class1' });
    const sb = f.bearing!.sidebands;
    assert.ok(sb.every((s) => s.prominence > 3 && s.localMax), JSON.stringify(sb));
    const d = diagnose(readFeatures(f));
    assert.strictEqual(d.primary, 'bearing-inner-race', JSON.stringify(d));
    assert.match(d.faults[0].evidence, /1X sidebands/);
  });

  it('the resonance band is chosen once per stream, then reused until 30 frames old or the band moves (output says which)', () => {
    const fs = 12000;
    const cache = new EnvelopeBandCache();
    const seen: boolean[] = [];
    let first: { lo: number; hi: number } | null = null;
    for (let i = 0; i < 31; i++) {
      const x = impacts({ fs, n: 8192, fd: geo.bpfo * fr, fr, amp: 0.5, noise: 0.1, seed: 100 + i });
      const f = analyzeVibration(x, { fs, rpm: 1797, bearing: geo, band: cache.band('s') });
      seen.push(cache.record('s', f));
      assert.strictEqual(f.bearing!.band.reused, seen[i]);
      if (i === 0) first = f.bearing!.band;
      else if (seen[i]) assert.deepStrictEqual([f.bearing!.band.lo, f.bearing!.band.hi], [first!.lo, first!.hi]);
    }
    // chosen on frame 0, reused on 1..29 (30 uses), chosen again on frame 30
    assert.deepStrictEqual(seen.map((r, i) => (r ? '' : i)).filter((v) => v !== ''), [0, 30]);
    // a band whose level jumps (a new source) is chosen again on the next frame
    const loud = impacts({ fs, n: 8192, fd: geo.bpfo * fr, fr, amp: 3, noise: 0.6, seed: 7 });
    const g = analyzeVibration(loud, { fs, rpm: 1797, bearing: geo, band: cache.band('s') });
    assert.strictEqual(cache.record('s', g), true);
    assert.strictEqual(cache.band('s'), undefined, 'due for a new choice after the level moved');
    // the reused band gives the same lines as choosing it on the frame itself
    const x = impacts({ fs, n: 8192, fd: geo.bpfo * fr, fr, amp: 0.5, noise: 0.1, seed: 3 });
    const a = analyzeVibration(x, { fs, rpm: 1797, bearing: geo });
    const b = analyzeVibration(x, { fs, rpm: 1797, bearing: geo, band: a.bearing!.band });
    assert.deepStrictEqual([a.bearing!.band.reused, b.bearing!.band.reused], [false, true]);
    assert.deepStrictEqual(b.bearing!.lines, a.bearing!.lines);
  });

  it('Gaussian noise alone is normal; the shaft rules need ISO zone C or D', () => {
    const g = gauss(21);
    const fs = 12000;
    const x = Float64Array.from({ length: 8192 }, () => 0.05 * g());
    const d = diagnose(readFeatures(analyzeVibration(x, { fs, rpm: 1797, bearing: geo, machineClass: 'iso10816-1:class1' })));
    assert.deepStrictEqual([d.primary, d.faults.length], ['normal', 0]);
    // a dominant 1X: zone A -> normal; zone D -> imbalance
    const fs2 = 4096;
    const tone = (v: number, extra: (i: number) => number = () => 0) =>
      Float64Array.from({ length: 16384 }, (_, i) => v * Math.sin((2 * Math.PI * 25 * i) / fs2) + extra(i) + 0.01 * g());
    const quiet = diagnose(readFeatures(analyzeVibration(tone(0.5), { fs: fs2, unit: 'mm/s', rpm: 1500, machineClass: 'iso10816-3:group2:rigid' })));
    assert.strictEqual(quiet.primary, 'normal');
    const loud = diagnose(readFeatures(analyzeVibration(tone(8), { fs: fs2, unit: 'mm/s', rpm: 1500, machineClass: 'iso10816-3:group2:rigid' })));
    assert.strictEqual(loud.primary, 'imbalance');
    assert.strictEqual(loud.faults[0].severity, 'alarm');
    assert.match(loud.faults[0].evidence, /1X at 25\.0 Hz is 8\.00 mm\/s peak/);
    const mis = diagnose(readFeatures(analyzeVibration(tone(4, (i) => 3.5 * Math.sin((2 * Math.PI * 50 * i) / fs2)), { fs: fs2, unit: 'mm/s', rpm: 1500, machineClass: 'iso10816-3:group2:rigid' })));
    assert.strictEqual(mis.primary, 'misalignment', JSON.stringify(mis));
    const loose = diagnose(
      readFeatures(
        analyzeVibration(
          tone(3, (i) => [1.5, 2.5, 3, 4, 5, 6, 7, 8].reduce((s, h) => s + 1.2 * Math.sin((2 * Math.PI * 25 * h * i) / fs2 + h), 0)),
          { fs: fs2, unit: 'mm/s', rpm: 1500, machineClass: 'iso10816-3:group2:rigid' },
        ),
      ),
    );
    assert.ok(loose.faults.some((q) => q.mode === 'looseness'), JSON.stringify(loose));
  });
  it('the band envelope is |z| of the band-passed analytic signal (direct DFT), folded or not; a partial envelope spectrum equals the full one where written', () => {
    const n = 1024;
    const g = gauss(11);
    const x = Array.from({ length: n }, () => g());
    const X = new FFT(n).createComplexArray() as number[];
    new FFT(n).realTransform(X, x);
    // z(t) at instant r of m over the frame: (2/n) sum over band bins k of X[k] e^{2 pi i (k - lo) r / m}
    const direct = (lo: number, hi: number, m: number) =>
      Array.from({ length: m }, (_, r) => {
        let re = 0;
        let im = 0;
        for (let k = lo; k < hi; k++) {
          const a = (2 * Math.PI * (k - lo) * r) / m;
          re += X[2 * k] * Math.cos(a) - X[2 * k + 1] * Math.sin(a);
          im += X[2 * k] * Math.sin(a) + X[2 * k + 1] * Math.cos(a);
        }
        return (2 / n) * Math.hypot(re, im);
      });
    for (const [lo, hi, m] of [[100, 160, 64], [100, 300, 64], [37, 38, 16]]) {
      const env = new Float64Array(m);
      bandEnvelope(X, n, lo, hi, m, env);
      const want = direct(lo, hi, m);
      for (let r = 0; r < m; r++) assert.ok(Math.abs(env[r] - want[r]) <= 1e-9 * (1 + want[r]), `band ${lo}-${hi}, m ${m}, instant ${r}: ${env[r]} vs ${want[r]}`);
    }
    const m = 256;
    const env = new Float64Array(m);
    bandEnvelope(X, n, 100, 400, m, env);
    const full = new Float64Array(m / 2 + 1);
    const part = new Float64Array(m / 2 + 1).fill(-1);
    const mean = envelopeSpectrum(env, m, full);
    assert.strictEqual(envelopeSpectrum(env, m, part, 40), mean);
    for (let k = 0; k <= 40; k++) assert.strictEqual(part[k], full[k], `bin ${k}`);
    assert.ok(part.slice(41).every((v) => v === -1), 'bins above upTo are left as they were');
  });

  describe('spectrum averaging over frames (SpectrumAverage)', () => {
    const fs = 4096;
    const n = 4096;
    /** A 1.0 sine on bin 200 plus independent Gaussian noise (sigma 0.5) per frame. */
    const frame = (seed: number, f0 = 200) => {
      const g = gauss(seed);
      return Float64Array.from({ length: n }, (_, i) => Math.sin((2 * Math.PI * f0 * i) / fs + 0.3) + 0.5 * g());
    };
    const cv = (a: number[]) => {
      const m = a.reduce((s, v) => s + v, 0) / a.length;
      return Math.sqrt(a.reduce((s, v) => s + (v - m) * (v - m), 0) / a.length) / m;
    };
    // the noise floor, away from the sine (powers: exponentially distributed in one frame)
    const floorPowers = (amp: number[]) => amp.slice(400, 1800).map((v) => v * v);

    it('K frames of a sine plus independent noise: the line keeps its amplitude, the floor power spread shrinks as 1/sqrt(K); the output is the RMS over the last K frames exactly', () => {
      const K = 16;
      const avg = new SpectrumAverage(K);
      assert.deepStrictEqual([avg.frames, avg.count], [K, 0]);
      const o: VibrationOptions = { fs, rpm: 6000, spectrumPoints: n };
      const single: number[][] = [];
      let last!: ReturnType<typeof analyzeVibration>;
      const counts: number[] = [];
      for (let i = 0; i < K + 5; i++) {
        const x = frame(500 + i);
        const one = analyzeVibration(x, o);
        single.push(one.spectrum!.amplitudes);
        last = analyzeVibration(x, { ...o, average: avg });
        counts.push(last.averaged);
        // time-domain features stay per frame
        assert.strictEqual(last.rms, one.rms);
        assert.strictEqual(last.kurtosis, one.kurtosis);
        assert.strictEqual(one.averaged, 1);
      }
      assert.deepStrictEqual(counts, [...Array.from({ length: K }, (_, i) => i + 1), K, K, K, K, K]);
      assert.strictEqual(avg.count, K);
      // exactly the power average of the last K single-frame spectra (the ring wrapped once)
      const got = last.spectrum!.amplitudes;
      const lastK = single.slice(-K);
      for (let k = 0; k < got.length; k++) {
        const want = Math.sqrt(lastK.reduce((s, a) => s + a[k] * a[k], 0) / K);
        assert.ok(Math.abs(got[k] - want) <= 1e-12 * (1 + want), `bin ${k}: ${got[k]} vs ${want}`);
      }
      // the sine line keeps its amplitude (noise adds sqrt(A^2 + floor^2), floor ~ 0.02 here)
      near(got[200], 1, 2e-3, 'averaged sine amplitude');
      near(last.orders!.lines.find((l) => l.order === 2)!.amplitude, got[200], 1e-12, '2X read from the average');
      // spread of the floor: coefficient of variation of the bin powers 1 in one frame, 1/sqrt(K) averaged
      const c1 = cv(floorPowers(single[single.length - 1]));
      const cK = cv(floorPowers(got));
      near(c1, 1, 0.15, 'single-frame floor power CV');
      near(cK, 1 / Math.sqrt(K), 0.2, `averaged floor power CV (K=${K})`);
      near(c1 / cK, Math.sqrt(K), 0.25, 'spread ratio');
      // the floor's level is the same (a power average does not bias it)
      const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
      near(mean(floorPowers(got)), mean(floorPowers(single[single.length - 1])), 0.1, 'floor level');
    });

    it('the envelope spectrum (bearing lines, envelope chart) is averaged too; velocity RMS is the RMS of the frames\' velocities', () => {
      const K = 4;
      const avg = new SpectrumAverage(K);
      const fs2 = 12000;
      const o: VibrationOptions = { fs: fs2, rpm: 1797, bearing: geo, envelopeBand: [2000, 4000], envelopePoints: 1 << 20, spectrumPoints: 1 << 20 };
      const env: number[][] = [];
      const vel: number[] = [];
      let f!: ReturnType<typeof analyzeVibration>;
      for (let i = 0; i < K; i++) {
        const x = impacts({ fs: fs2, n: 8192, fd: geo.bpfo * fr, fr, amp: 0.3, noise: 0.2, seed: 40 + i });
        const one = analyzeVibration(x, o);
        env.push(one.envelope!.amplitudes);
        vel.push(one.velocityRms);
        f = analyzeVibration(x, { ...o, average: avg });
      }
      assert.strictEqual(f.averaged, K);
      const got = f.envelope!.amplitudes;
      assert.strictEqual(got.length, env[0].length);
      for (let k = 0; k < got.length; k++) {
        const want = Math.sqrt(env.reduce((s, a) => s + a[k] * a[k], 0) / K);
        assert.ok(Math.abs(got[k] - want) <= 1e-12 * (1 + want), `envelope bin ${k}: ${got[k]} vs ${want}`);
      }
      near(f.velocityRms, Math.sqrt(vel.reduce((s, v) => s + v * v, 0) / K), 1e-9, 'velocity RMS');
      const bpfo = f.bearing!.lines.find((l) => l.defect === 'bpfo' && l.harmonic === 1)!;
      assert.ok(Math.abs(bpfo.hz - geo.bpfo * fr) < 2 * f.frame.df, `BPFO at ${bpfo.hz}`);
    });

    it('resets itself when fs, N, window, unit, the envelope band or the rpm (> 1 %) changes; not for a 0.5 % rpm change', () => {
      const avg = new SpectrumAverage(8);
      const base: VibrationOptions = { fs, rpm: 6000, bearing: geo, envelopeBand: [500, 1500] };
      const run = (o: Partial<VibrationOptions>, len = n, seed = 1) => analyzeVibration(frame(seed).subarray(0, len), { ...base, ...o, average: avg }).averaged;
      assert.deepStrictEqual([run({}), run({}), run({})], [1, 2, 3]);
      assert.strictEqual(run({ rpm: 6030 }), 4, '0.5 % rpm change keeps the average');
      assert.strictEqual(run({ rpm: 6000 * 1.02 }), 1, '2 % rpm change resets');
      assert.strictEqual(run({ rpm: 6000 * 1.02 }), 2);
      assert.strictEqual(run({ rpm: 6000 * 1.02, fs: 4000 }), 1, 'fs');
      assert.strictEqual(run({ rpm: 6000 * 1.02, fs: 4000 }), 2);
      assert.strictEqual(run({ rpm: 6000 * 1.02, fs: 4000 }, 2048), 1, 'N');
      assert.strictEqual(run({ rpm: 6000 * 1.02, fs: 4000, window: 'flattop' }, 2048), 1, 'window');
      assert.strictEqual(run({ rpm: 6000 * 1.02, fs: 4000, window: 'flattop', unit: 'm/s2' }, 2048), 1, 'unit');
      assert.strictEqual(run({ rpm: 6000 * 1.02, fs: 4000, window: 'flattop', unit: 'm/s2' }, 2048), 2);
      assert.strictEqual(run({ rpm: 6000 * 1.02, fs: 4000, window: 'flattop', unit: 'm/s2', envelopeBand: [600, 1500] }, 2048), 1, 'envelope band');
      assert.strictEqual(run({ rpm: 0 }), 1, 'no rpm');
      assert.strictEqual(run({ rpm: 0 }), 2);
      avg.reset();
      assert.strictEqual(avg.count, 0);
      assert.strictEqual(run({ rpm: 0 }), 1, 'reset()');
      // a frequency change of the tone alone (same settings) does not reset: the average shows both lines
      const b = new SpectrumAverage(2);
      const s1 = analyzeVibration(frame(1, 200), { fs, spectrumPoints: n }).spectrum!.amplitudes;
      const s2 = analyzeVibration(frame(2, 300), { fs, spectrumPoints: n }).spectrum!.amplitudes;
      analyzeVibration(frame(1, 200), { fs, spectrumPoints: n, average: b });
      const two = analyzeVibration(frame(2, 300), { fs, spectrumPoints: n, average: b });
      assert.strictEqual(two.averaged, 2);
      for (const k of [200, 300]) near(two.spectrum!.amplitudes[k], Math.sqrt((s1[k] ** 2 + s2[k] ** 2) / 2), 1e-12, `bin ${k}`);
      near(two.spectrum!.amplitudes[200], Math.SQRT1_2, 0.05, 'about half the power of the first tone');
      near(two.spectrum!.amplitudes[300], Math.SQRT1_2, 0.05, 'about half the power of the second tone');
    });

    it('a very large N: the ring holds fewer frames than asked (capacity), and the envelope ring holds exactly as many, so a steady envelope line keeps its amplitude', () => {
      const avg = new SpectrumAverage(64);
      const N = 2 ** 20;
      const m = 2 ** 16;
      avg.begin(48000, N, N, 'hann', 'g', NaN, 1000, 5000, m);
      assert.strictEqual(avg.capacity, Math.floor(2 ** 22 / (N / 2 + 1)), 'capped at 2^22 doubles');
      assert.ok(avg.capacity < 64);
      const spec = new Float64Array(N / 2 + 1);
      const env = new Float64Array(m / 2 + 1);
      for (let f = 1; f <= 3 * avg.capacity; f++) {
        assert.strictEqual(avg.begin(48000, N, N, 'hann', 'g', NaN, 1000, 5000, m), f === 1, `frame ${f} continues the average`);
        spec.fill(1);
        env.fill(1);
        assert.strictEqual(avg.pushSpectrum(spec), Math.min(f, avg.capacity));
        avg.pushEnvelope(env);
        near(spec[100], 1, 1e-12, `spectrum line, frame ${f}`);
        near(env[100], 1, 1e-12, `envelope line, frame ${f}`);
      }
    });

    it('frames must be an integer 1..64; frames = 1 is no averaging', () => {
      for (const bad of [0, 65, 1.5, NaN, -1]) assert.throws(() => new SpectrumAverage(bad), RangeError);
      const one = new SpectrumAverage(1);
      const x = frame(3);
      const a = analyzeVibration(x, { fs, spectrumPoints: n, average: one });
      const b = analyzeVibration(x, { fs, spectrumPoints: n, average: one });
      const c = analyzeVibration(x, { fs, spectrumPoints: n });
      assert.deepStrictEqual([a.averaged, b.averaged], [1, 1]);
      assert.deepStrictEqual(b.spectrum, c.spectrum);
    });
  });
});
