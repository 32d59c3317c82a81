/** Known math: synthetic signals whose answers are known in closed form. */
import assert from 'assert';
import FFT from 'fft.js';
import { BEARINGS, bearingFrequencies, bearingMultiples } from '../../nodes/core/signal/bearing';
import { diagnose, readFeatures } from '../../nodes/core/signal/diagnose';
import { bandEnvelope, envelopeSpectrum } from '../../nodes/core/signal/envelope';
import { analyzeVibration, EnvelopeBandCache } from '../../nodes/core/signal/vibration';
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

  it('exactly one N-point FFT per frame; the envelope uses short transforms only', () => {
    const sizes: number[] = [];
    const proto = FFT.prototype as any;
    const orig = { r: proto.realTransform, t: proto.transform, i: proto.inverseTransform };
    proto.realTransform = function (this: FFT, o: any, d: any) { sizes.push(this.size); return orig.r.call(this, o, d); };
    proto.transform = function (this: FFT, o: any, d: any) { sizes.push(this.size); return orig.t.call(this, o, d); };
    proto.inverseTransform = function (this: FFT, o: any, d: any) { sizes.push(this.size); return orig.i.call(this, o, d); };
    try {
      const fs = 12000;
      const n = 16384;
      analyzeVibration(impacts({ fs, n, fd: 107, fr: 29.95 }), { fs, rpm: 1797, bearing: bearingMultiples(BEARINGS['6205-2RS']) });
    } finally {
      Object.assign(proto, { realTransform: orig.r, transform: orig.t, inverseTransform: orig.i });
    }
    assert.strictEqual(sizes.filter((s) => s === 16384).length, 1, `transform sizes ${sizes}`);
    assert.ok(sizes.every((s) => s === 16384 || s <= 16384 / 4), `transform sizes ${sizes}`);
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
});
