/**
 * The rules' limits, from known math: orders a frame cannot resolve, a level in ISO zone C/D with
 * no pattern, the envelope rate of fast machines, energy shares of orders outside the velocity
 * band, a peak shared by two bearing families, and the editor's velocity band check.
 */
import { LIMITS, checkField } from '../../nodes/core/limits';
import assert from 'assert';
import fs from 'fs';
import path from 'path';
import vm from 'vm';
import { BEARINGS, bearingMultiples } from '../../nodes/core/signal/bearing';
import { diagnose, readFeatures } from '../../nodes/core/signal/diagnose';
import { DEFAULT_MODEL, simulateFrame } from '../../nodes/core/signal/simulator';
import { analyzeVibration } from '../../nodes/core/signal/vibration';
import { TAB } from '../helpers/fixtures';
import { getNode, recordStatus, loadFlow, nextMessage, ROOT, unloadFlow } from '../helpers/red';

const sine = (n: number, fs: number, f: number, a: number, phase = 0.3) => Float64Array.from({ length: n }, (_, i) => a * Math.sin(2 * Math.PI * f * (i / fs) + phase));
const G2 = 'iso10816-3:group2:rigid' as const;
const geo = bearingMultiples(BEARINGS['6205-2RS']);
/** Every percentage an evidence sentence states. */
const percents = (s: string) => [...s.matchAll(/(\d+) %/g)].map((m) => Number(m[1]));

describe('signal: rule limits', function () {
  this.timeout(60000);

  it('orders below 2 spectral lines are skipped and said in notes; one peak read by several order windows is not looseness or misalignment', () => {
    // 1 g at 100 Hz, df = 2.93 Hz, 30 rpm: every order (0.25-5 Hz) is below 2 bins
    const a = analyzeVibration(sine(4096, 12000, 100, 1), { fs: 12000, rpm: 30, machineClass: G2 });
    assert.strictEqual(a.isoZone, 'D');
    assert.deepStrictEqual(a.orders!.lines, []);
    assert.match(a.notes.join(' | '), /orders 0\.5X-10X skipped: below 2 spectral lines \(5\.86 Hz at df 2\.93 Hz\)/);
    const da = diagnose(readFeatures(a));
    assert.deepStrictEqual([da.primary, da.faults], ['normal', []]);
    assert.match(da.notes.join(' | '), /no order line resolved/);
    // 100 samples zero-padded to 128 at 12 kHz (df 93.75 Hz), 1797 rpm: 0.5X-6X unresolved
    const b = analyzeVibration(sine(100, 12000, 100, 1), { fs: 12000, rpm: 1797, frameMode: 'pad', machineClass: G2 });
    assert.ok(b.orders!.lines.every((l) => l.order * (1797 / 60) >= 2 * b.frame.df), JSON.stringify(b.orders!.lines.map((l) => l.order)));
    assert.match(b.notes.join(' | '), /orders 0\.5X-6X skipped/);
    const db = diagnose(readFeatures(b));
    assert.deepStrictEqual([db.primary, db.faults], ['normal', []]);
    // features whose order windows all report the one 100 Hz peak (what the analysis gave before):
    // one peak is one line, not 8 harmonics and 10 half orders, nor a 2X equal to 1X
    const fr = 30 / 60;
    const lines = Array.from({ length: 20 }, (_, h) => ({ order: (h + 1) / 2, label: `${(h + 1) / 2}X`, hz: 100, amplitude: 1, velocity: 15.6, prominence: 300, searchBins: 1 }));
    const dc = diagnose(readFeatures({ ...a, orders: { rpm: 30, fr, unit: 'g', tolerance: 0.01, lines } }));
    assert.deepStrictEqual([dc.primary, dc.faults], ['normal', []]);
  });

  it('ISO zone C or D with no fault pattern: primary normal, and a zone warning with the true velocity; rel-diagnose shows it yellow', async () => {
    // 2.8 g at 437 Hz (14.6X at 1797 rpm: no order, no bearing line): 10.2 mm/s peak, 7.2 mm/s RMS
    const f = analyzeVibration(sine(16384, 12000, 437, 2.8), { fs: 12000, rpm: 1797, bearing: geo, machineClass: G2 });
    assert.strictEqual(f.isoZone, 'D');
    const v = (2.8 * 9806.65) / (2 * Math.PI * 437) / Math.SQRT2;
    assert.ok(Math.abs(f.velocityRms - v) < 0.01 * v, `${f.velocityRms} vs ${v}`);
    const d = diagnose(readFeatures(f));
    assert.deepStrictEqual([d.primary, d.faults], ['normal', []]);
    assert.strictEqual(d.zoneWarning, `velocity ${f.velocityRms.toFixed(2)} mm/s, ISO zone D: no fault pattern matched`);
    assert.ok(d.notes.includes(d.zoneWarning!));
    // zone A: no warning
    const q = diagnose(readFeatures(analyzeVibration(sine(16384, 12000, 437, 0.1), { fs: 12000, rpm: 1797, bearing: geo, machineClass: G2 })));
    assert.deepStrictEqual([q.primary, q.zoneWarning], ['normal', undefined]);
    // the node: yellow status, not a green "normal"
    try {
      await loadFlow([TAB, { id: 'diag', type: 'rel-diagnose', z: 'tab1', detect: 4, wires: [['out']] }, { id: 'out', type: 'helper', z: 'tab1' }]);
      const node = getNode('diag');
      const seen = recordStatus('diag');
      const p = nextMessage('out');
      node.receive({ payload: { features: f } });
      assert.strictEqual((await p).payload.diagnosis.primary, 'normal');
      assert.deepStrictEqual([seen.at(-1).fill, seen.at(-1).text], ['yellow', `no pattern · zone D · ${f.velocityRms.toFixed(2)} mm/s`]);
    } finally {
      await unloadFlow();
    }
  });

  it('the envelope rate follows 2.5x the highest bearing line, whatever the band width; lines above its reach are said in notes', () => {
    // simulated inner race at 6,000 rpm: 3xBPFI = 1,625 Hz needs >= 4,100 Hz of envelope rate
    const model = { ...DEFAULT_MODEL, frameSize: 16384, rpm: 6000 };
    const fr = simulateFrame(model, { fault: 'bearing-inner-race', severity: 1, seed: 1, ts: 1000 });
    const f = analyzeVibration(fr.samples, { fs: fr.fs, rpm: fr.rpm, bearing: bearingMultiples(model.bearing!), machineClass: G2 });
    const rate = f.bearing!.band.samples * f.frame.df;
    const top = 3 * geo.bpfi * (fr.rpm / 60);
    assert.ok(rate >= 2.5 * top, `envelope rate ${rate} Hz for 3xBPFI at ${top} Hz`);
    assert.ok(f.bearing!.lines.some((l) => l.label === '3xBPFI'), f.bearing!.lines.map((l) => l.label).join());
    assert.deepStrictEqual(f.notes, []);
    // fs 4,096 Hz, N 1,024: the envelope can reach N/2 samples = 2,048 Hz of rate at most
    const g = analyzeVibration(sine(1024, 4096, 300, 0.1), { fs: 4096, rpm: 6000, bearing: geo });
    const reach = (g.bearing!.band.samples / 2 - 3) * g.frame.df;
    const missing = [['BPFO', 3], ['BPFI', 2], ['BPFI', 3]].map(([d, h]) => `${h}x${d} (${((h as number) * (geo[(d as string).toLowerCase() as 'bpfo'] * 100)).toFixed(0)} Hz)`);
    const note = g.notes.find((n) => n.startsWith("bearing lines above the envelope's reach"));
    assert.ok(note, g.notes.join(' | '));
    for (const m of missing) assert.ok(note!.includes(m), `${m} not in: ${note}`);
    for (const l of g.bearing!.lines) assert.ok(l.expectedHz < reach + g.frame.df, `${l.label} at ${l.expectedHz} Hz searched above ${reach} Hz`);
  });

  it('orders outside the velocity band have no share of its energy: a slow machine is never said to carry more than 100 %', () => {
    // 480 rpm (1X = 8 Hz, below 10 Hz): 0.1 g at 1X, 0.3 g at 100 Hz, zone C
    const n = 16384;
    const fs = 12000;
    const x = Float64Array.from({ length: n }, (_, i) => 0.1 * Math.sin((2 * Math.PI * 8 * i) / fs) + 0.3 * Math.sin((2 * Math.PI * 100 * i) / fs));
    const f = analyzeVibration(x, { fs, rpm: 480, machineClass: G2 });
    assert.strictEqual(f.isoZone, 'C');
    const d = diagnose(readFeatures(f));
    for (const q of d.faults) for (const p of percents(q.evidence)) assert.ok(p <= 100, q.evidence);
    assert.match(f.notes.join(' | '), /1X \(8\.0 Hz\) is outside the velocity band \(10-1000 Hz\).*2-1000 Hz band suits slow machines/);
    assert.ok(!d.faults.some((q) => q.mode === 'imbalance'), JSON.stringify(d.faults));
    assert.match(d.notes.join(' | '), /1X \(8\.0 Hz\) is outside the velocity band.*not counted in the velocity energy shares; a 2-1000 Hz band suits slow machines/);
    // over 2-1000 Hz the 1X is in: velocities 19.5 and 4.77 mm/s peak, 1X carries 94 % of the energy
    // (the evidence reads the 1X line's peak against the band's integral: within 2 points)
    const g = analyzeVibration(x, { fs, rpm: 480, velocityBand: [2, 1000], machineClass: G2 });
    const e = diagnose(readFeatures(g));
    assert.strictEqual(e.primary, 'imbalance');
    const v1 = (0.1 * 9806.65) / (2 * Math.PI * 8);
    const v2 = (0.3 * 9806.65) / (2 * Math.PI * 100);
    const share = Math.round((100 * v1 * v1) / (v1 * v1 + v2 * v2));
    assert.ok(Math.abs(percents(e.faults[0].evidence)[0] - share) <= 2, `${e.faults[0].evidence} vs ${share} %`);
  });

  it('a peak in the windows of two bearing families confirms only the nearer one: outer-race frames at 6,000 rpm (2xBPFI 0.7 % from 3xBPFO) are not also inner race', () => {
    // harmonics 1-2: the 3xBPFO line is not searched, but sits in the 2xBPFI window
    const model = { ...DEFAULT_MODEL, frameSize: 16384, rpm: 6000 };
    const calls: string[] = [];
    for (const severity of [0.5, 1])
      for (const seed of [1, 2, 3, 4]) {
        const fr = simulateFrame(model, { fault: 'bearing-outer-race', severity, seed, ts: seed * 1000 });
        const f = analyzeVibration(fr.samples, { fs: fr.fs, rpm: fr.rpm, harmonics: 2, bearing: bearingMultiples(model.bearing!), machineClass: G2 });
        const d = diagnose(readFeatures(f));
        calls.push(d.faults.map((q) => q.mode).join('+'));
      }
    assert.deepStrictEqual(calls, Array(8).fill('bearing-outer-race'));
  });

  it('the editor refuses a velocity band low corner of 0 or below (the runtime needs > 0)', () => {
    // The form's validators are built from the shared limits table (nodes/core/limits.ts), which
    // test/package/limits.spec.ts holds to the runtime; the check the editor runs is checkField.
    const ok = (v: unknown) => checkField(LIMITS['rel-vibration']!.bandLow!, v, { bandHigh: 1000 });
    assert.deepStrictEqual([0, -5, '0', 'x'].map(ok), [false, false, false, false]);
    assert.deepStrictEqual([10, '2', 0.5].map(ok), [true, true, true]);
    assert.strictEqual(checkField(LIMITS['rel-vibration']!.bandLow!, 2000, { bandHigh: 1000 }), true, 'the order against bandHigh is bandHigh\'s check');
    assert.strictEqual(checkField(LIMITS['rel-vibration']!.bandHigh!, 500, { bandLow: 1000 }), false);
  });
});
