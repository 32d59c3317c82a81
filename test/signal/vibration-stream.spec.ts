/**
 * rel-vibration's per-stream state without Node-RED: the latest speed per asset, the streams'
 * analysis with averaging, and the frame check.
 */
import assert from 'assert';
import { SpeedTable, frameStatus, speedReading, speedStatus, VibrationStreams, vibrationConfig, vibrationSettings, waveformFrame } from '../../nodes/core/signal/vibration-stream';
import { analyzeVibration } from '../../nodes/core/signal/vibration';

const FS = 12800;
const N = 4096;
const sine = (hz: number, a: number) => Float64Array.from({ length: N }, (_, i) => a * Math.sin((2 * Math.PI * hz * i) / FS));
const ASSET = { assetId: 'm1', machineClass: 'iso10816-3:group2:rigid' as const };

describe('rel-vibration stream state (core)', () => {
  it('keeps the newest speed per asset: a late older reading is ignored, a replay that went back beyond the max age restarts', () => {
    const t = new SpeedTable(10_000);
    t.update('m1', speedReading({ value: 1500, ts: 100_000 }, 0));
    t.update('m1', speedReading({ value: 900, ts: 95_000 }, 0)); // late, within the max age
    assert.deepStrictEqual(t.at('m1', 100_000), { rpm: 1500 });
    t.update('m1', speedReading({ value: 20, unit: 'Hz', ts: 50_000 }, 0)); // went back 50 s: a restarted replay
    assert.deepStrictEqual(t.at('m1', 50_000), { rpm: 1200 });
    assert.deepStrictEqual(t.at('m1', 61_000), { why: 'speed stale' });
    assert.deepStrictEqual(t.at('m2', 50_000), { why: 'no speed' });
    t.update('m1', speedReading({ quality: 'bad', ts: 51_000 }, 0));
    assert.deepStrictEqual(t.at('m1', 51_000), { why: 'speed bad' });
  });

  it('names the property of a bad speed reading and of a bad frame', () => {
    assert.throws(() => speedReading({ value: 'fast' }, 0), /msg\.payload\.value.*shaft speed in rpm/);
    assert.throws(() => speedReading({ value: 10, unit: 'rad/s' }, 0), /msg\.payload\.unit/);
    assert.throws(() => waveformFrame({ quantity: 'temperature', samples: sine(100, 1), fs: FS }, '', 'trim', false), /msg\.payload\.quantity.*speed readings need/);
    assert.throws(() => waveformFrame({ samples: sine(100, 1), fs: -1 }, '', 'trim', false), /msg\.payload\.fs/);
    const x = sine(100, 1);
    x[17] = NaN;
    assert.throws(() => waveformFrame({ samples: x, fs: FS }, '', 'trim', false), /msg\.payload\.samples/);
    const f = waveformFrame({ samples: sine(100, 1), fs: FS, quantity: 'velocity' }, 'DE', 'trim', false);
    assert.strictEqual(f.unit, 'mm/s');
    assert.strictEqual(f.ch, 'DE');
  });

  it('analyses like analyzeVibration, and averages spectra per stream', () => {
    const base = vibrationConfig({});
    const plain = new VibrationStreams(base, 1);
    const a = plain.analyse(sine(50, 1), FS, 'g', ASSET, 'DE', 3000);
    const b = analyzeVibration(sine(50, 1), { ...base, fs: FS, unit: 'g', rpm: 3000, machineClass: ASSET.machineClass });
    assert.strictEqual(a.velocityRms, b.velocityRms);
    assert.strictEqual(a.isoZone, b.isoZone);
    const avg = new VibrationStreams(base, 4);
    const counts = [1, 2, 3].map(() => avg.analyse(sine(50, 1), FS, 'g', ASSET, 'DE', 3000).averaged);
    assert.deepStrictEqual(counts, [1, 2, 3]);
    // another channel is another stream: its average starts again, the first one's goes on
    assert.strictEqual(avg.analyse(sine(50, 1), FS, 'g', ASSET, 'NDE', 3000).averaged, 1);
    assert.strictEqual(avg.analyse(sine(50, 1), FS, 'g', ASSET, 'DE', 3000).averaged, 4);
  });

  it('reads the form: defaults, a 0.1.0 boolean dashboard, a typed constant rpm checked once', () => {
    const d = vibrationSettings({});
    assert.deepStrictEqual([d.mode, d.maxAgeMs, d.dashboard, d.averages], ['reading', 10_000, '', 1]);
    assert.strictEqual(vibrationSettings({ dashboard: 'true' }).dashboard, 'velocity');
    assert.strictEqual(vibrationSettings({ rpmSource: 'typed', rpmValue: '1480', rpmValueType: 'num' }).typed.constant, 1480);
    assert.throws(() => vibrationSettings({ rpmSource: 'typed', rpmValue: '', rpmValueType: 'flow' }), /rpm: a flow property name is required/);
    assert.throws(() => vibrationSettings({ averages: 65 }), /averages/);
  });

  it('the status dot: zone and mm/s, stopped or no rpm, a fallback\'s reason, averaging or the speed channel; the kind changes with the zone', () => {
    const f = { velocityRms: 4.26, isoZone: 'C' as const, rpm: 1480, averaged: 3 };
    const dot = (x: ReturnType<typeof frameStatus>) => ({ kind: x.kind, ...x.dot() });
    assert.deepStrictEqual(dot(frameStatus(f, 1480, null, 1, 'reading')), { kind: 'C', level: 'warn', text: '4.3 mm/s · zone C' });
    assert.deepStrictEqual(dot(frameStatus({ ...f, isoZone: 'A', velocityRms: 12.4 }, 1480, null, 1, 'reading')), { kind: 'A', level: 'ok', text: '12 mm/s · zone A' });
    assert.deepStrictEqual(dot(frameStatus({ ...f, isoZone: 'B' }, 1480, null, 4, 'reading')), { kind: 'Bavg', level: 'ok', text: '4.3 mm/s · zone B · avg 3/4' });
    assert.deepStrictEqual(dot(frameStatus({ ...f, isoZone: 'B', rpm: 1479.6 }, 1480, null, 1, 'speed-channel')), { kind: 'Brpm', level: 'ok', text: '4.3 mm/s · zone B · 1480 rpm' });
    assert.deepStrictEqual(dot(frameStatus({ ...f, rpm: null }, 0, null, 1, null)), { kind: 'Cstopped', level: 'warn', text: '4.3 mm/s · zone C · stopped' });
    assert.deepStrictEqual(dot(frameStatus({ ...f, rpm: null }, undefined, null, 1, null)), { kind: 'Cno rpm', level: 'warn', text: '4.3 mm/s · zone C · no rpm' });
    assert.deepStrictEqual(dot(frameStatus(f, 1480, 'speed 12 s old', 1, 'asset')), { kind: 'Cspeed 12 s old', level: 'warn', text: '4.3 mm/s · C · speed 12 s old' });
    // the text is of the frame analysed, even when the features are changed after it (downstream nodes share the object)
    const g = { ...f };
    const later = frameStatus(g, 1480, null, 4, 'reading');
    g.averaged = 4;
    g.velocityRms = 9;
    assert.strictEqual(later.dot().text, '4.3 mm/s · zone C · avg 3/4');
    assert.deepStrictEqual(speedStatus('pump-1', { rpm: 1480.4, quality: 'good', ts: 0 } as any), { kind: 'speedgood', level: 'info', text: 'speed 1480 rpm' });
    assert.deepStrictEqual(speedStatus('pump-1', { rpm: 8.25, quality: 'uncertain', ts: 0 } as any), { kind: 'speeduncertain', level: 'info', text: 'speed 8.3 rpm (uncertain)' });
    assert.deepStrictEqual(speedStatus('pump-1', { rpm: null, quality: 'bad', ts: 0 } as any), { kind: 'speedbad', level: 'warn', text: 'pump-1 speed bad' });
  });
});
