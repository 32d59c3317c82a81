/** rel-vibration and rel-diagnose in a running Node-RED: contract, status, bad input, fuzzing. */
import assert from 'assert';
import fs from 'fs';
import path from 'path';
import { assetNode, TAB } from '../helpers/fixtures';
import { fuzzNode } from '../helpers/fuzz';
import { getNode, helper, recordStatus, loadFlow, nextMessage, receiveAndComplete, ROOT, unloadFlow } from '../helpers/red';
import { manifest, readF32 } from './data';

const helperNode = (id: string) => ({ id, type: 'helper', z: 'tab1' });

function flow(vib: object = {}) {
  return [
    TAB,
    assetNode({ id: 'a1', assetId: 'cwru-de', rpm: 1797, bearing: '6205-2RS', machineClass: 'iso10816-1:class1' }),
    assetNode({ id: 'a2', assetId: 'fan-1', rpm: '', bearing: 'none' }),
    { id: 'vib', type: 'rel-vibration', z: 'tab1', asset: '', window: 'hann', frameMode: 'trim', bandLow: 10, bandHigh: 1000, envelopeBand: 'auto', spectrumPoints: 256, envelopePoints: 128, wires: [['diag', 'out1']], ...vib },
    { id: 'diag', type: 'rel-diagnose', z: 'tab1', detect: 4, wires: [['out2']] },
    helperNode('out1'),
    helperNode('out2'),
  ];
}

function frame(file: string, n = 8192, at = 0): Float32Array {
  return readF32(`cwru/${file}`).slice(at, at + n);
}

describe('signal: rel-vibration and rel-diagnose nodes', function () {
  this.timeout(60000);
  afterEach(() => unloadFlow());
  const rec = (id: string) => manifest('cwru').records.find((r: any) => r.id === id);

  it('an outer-race frame in, features and an outer-race diagnosis with evidence out; status shows mm/s and zone', async () => {
    await loadFlow(flow());
    const r = rec('or007at6_0hp_12k');
    const p1 = nextMessage('out1');
    const p2 = nextMessage('out2');
    getNode('vib').receive({ topic: 'cwru-de/DE-accel', payload: { asset: 'cwru-de', channel: 'DE-accel', quantity: 'acceleration', unit: 'g', samples: frame(r.channels.DE.file), fs: 12000, rpm: r.rpm } });
    const [m1, m2] = await Promise.all([p1, p2]);
    const f = m1.payload.features;
    for (const k of ['rms', 'peak', 'peakToPeak', 'crest', 'kurtosis', 'skewness', 'std', 'velocityRms']) assert.ok(Number.isFinite(f[k]), k);
    assert.ok(['A', 'B', 'C', 'D'].includes(f.isoZone));
    assert.deepStrictEqual(f.isoLimits, { ab: 0.71, bc: 1.8, cd: 4.5 });
    assert.strictEqual(f.orders.lines.find((l: any) => l.order === 1).label, '1X');
    assert.ok(f.orders.lines.some((l: any) => l.order === 0.5) && f.orders.lines.some((l: any) => l.order === 10));
    assert.ok(f.spectrum.amplitudes.length <= 256 && f.envelope.amplitudes.length <= 128);
    assert.strictEqual(m1.topic, 'cwru-de/DE-accel', 'the incoming msg is reused');
    const d = m2.payload.diagnosis;
    assert.strictEqual(d.primary, 'bearing-outer-race');
    assert.match(d.faults[0].evidence, /peak at 10[67]\.\d Hz \(BPFO expected 107\.3 Hz\), \d+x the local noise floor/);
    assert.ok(['watch', 'warning', 'alarm'].includes(d.faults[0].severity));
    const st = (getNode('vib') as any).status;
    assert.ok(st, 'status');
  });

  it('status: "x mm/s · zone Z"; an asset without rpm says so and skips orders and bearing bands (not an error)', async () => {
    await loadFlow(flow());
    const seen = recordStatus('vib');
    const r = rec('normal_0hp_12k_decimated');
    const p = nextMessage('out1');
    assert.strictEqual(await receiveAndComplete('vib', { payload: { asset: 'cwru-de', samples: Array.from(frame(r.channels.DE.file)), fs: 12000 } }), undefined);
    const f = (await p).payload.features;
    assert.match(seen.at(-1).text, /^\d+(\.\d)? mm\/s · zone [ABCD]$/);
    assert.strictEqual(f.rpm, 1797, 'nominal rpm of the asset');
    const q = nextMessage('out1');
    assert.strictEqual(await receiveAndComplete('vib', { payload: { asset: 'fan-1', samples: frame(r.channels.DE.file), fs: 12000 } }), undefined);
    const g = (await q).payload.features;
    assert.strictEqual(g.orders, null);
    assert.strictEqual(g.bearing, null);
    assert.match(g.notes.join(), /no rpm/);
    assert.match(seen.at(-1).text, /no rpm/);
    // a reading's rpm overrides the asset's; rpm 0 = stopped
    const s = nextMessage('out1');
    await receiveAndComplete('vib', { payload: { asset: 'cwru-de', samples: frame(r.channels.DE.file), fs: 12000, rpm: 0 } });
    assert.match((await s).payload.features.notes.join(), /stopped/);
    assert.match(seen.at(-1).text, /stopped/);
  });

  it('bad input: a clear error naming the field, never a hang (empty, one sample, NaN, no fs, negative rpm, 10 million samples)', async () => {
    await loadFlow(flow());
    const ok = frame(rec('ir007_0hp_12k').channels.DE.file, 1024);
    const cases: Array<[any, RegExp]> = [
      [{ asset: 'cwru-de', samples: [], fs: 12000 }, /^msg\.payload\.samples: expected at least 64 samples, got an array of 0 items/],
      [{ asset: 'cwru-de', samples: [0.1], fs: 12000 }, /^msg\.payload\.samples: expected at least 64 samples/],
      [{ asset: 'cwru-de', samples: Array.from(ok, (v, i) => (i === 7 ? NaN : v)), fs: 12000 }, /^msg\.payload\.samples\[7\]: expected a finite number, got NaN/],
      [{ asset: 'cwru-de', samples: ok }, /^msg\.payload\.fs: expected a number > 0/],
      [{ asset: 'cwru-de', samples: ok, fs: 0 }, /^msg\.payload\.fs: expected a number > 0 and <= 10000000, got the number 0/],
      [{ asset: 'cwru-de', samples: ok, fs: 12000, rpm: -5 }, /^msg\.payload\.rpm: expected a number >= 0/],
      [{ asset: 'cwru-de', samples: ok, fs: 12000, unit: 'furlongs' }, /^msg\.payload\.unit: expected one of g, /],
      [{ samples: ok, fs: 12000 }, /^msg\.payload\.asset: expected an asset id/],
      [{ asset: 'cwru-de', samples: new Float64Array(10_000_000), fs: 12000 }, /^msg\.payload\.samples: expected at most 1,048,576 samples, got a Float64Array of 10000000 elements \(split the waveform into frames\)/],
    ];
    for (const [payload, re] of cases) {
      const t0 = Date.now();
      const err = await receiveAndComplete('vib', { payload });
      assert.ok(err, `no error for ${re}`);
      assert.match(err!.message, re);
      assert.ok(Date.now() - t0 < 2000, `slow rejection: ${err!.message}`);
    }
    const e2 = await receiveAndComplete('diag', { payload: { features: { velocityRms: 'x' } } });
    assert.match(e2!.message, /^msg\.payload\.features\.velocityRms: expected a finite number, got the string "x"/);
    const e3 = await receiveAndComplete('diag', { payload: {} });
    assert.match(e3!.message, /^msg\.payload\.features: expected an object, got nothing/);
  });

  for (const ex of ['rel-vibration/01 - Vibration features.json', 'rel-diagnose/01 - Diagnose a bearing fault.json'])
    it(`example "${ex}" runs as imported`, async () => {
      const nodes = JSON.parse(fs.readFileSync(path.join(ROOT, 'examples', ex), 'utf8'));
      const tab = { id: 'f1', type: 'tab', label: 'example' };
      const flowNodes = nodes.map((n: any) => (n.type === 'debug' ? { id: n.id, type: 'helper', z: n.z } : n)).filter((n: any) => n.type !== 'comment');
      await loadFlow([tab, ...flowNodes]);
      const m = await nextMessage('dbg1', 15000);
      if (ex.includes('diagnose')) assert.ok(m.payload.diagnosis.primary, 'a diagnosis');
      else assert.ok(Number.isFinite(m.payload.features.velocityRms));
    });

  const sanityFrame = () => frame(rec('ir007_0hp_12k').channels.DE.file);
  it('rel-diagnose: a Detection threshold out of range is an error at deploy naming detect and its label; empty is the default 4', async () => {
    await loadFlow([TAB, { id: 'diag', type: 'rel-diagnose', z: 'tab1', detect: 1, wires: [['out2']] }, { id: 'out2', type: 'helper', z: 'tab1' }]);
    const errors = () =>
      helper
        .log()
        .args.map((a: any[]) => a[0])
        .filter((e: any) => e && e.id === 'diag' && e.level === 20)
        .map((e: any) => String(e.msg));
    assert.deepStrictEqual(errors(), ['detect: expected a number from 2 to 100 (Detection: times a defect line stands above the spectrum floor), got the number 1']);
    await unloadFlow();
    await loadFlow([TAB, { id: 'diag', type: 'rel-diagnose', z: 'tab1', detect: '', wires: [['out2']] }, { id: 'out2', type: 'helper', z: 'tab1' }]);
    assert.deepStrictEqual(errors(), []);
  });

  it('rel-vibration survives the fuzz harness and still works', async () => {
    const report = await fuzzNode({
      flow: flow(),
      nodeId: 'vib',
      keys: ['asset', 'samples', 'fs', 'rpm', 'unit', 'quantity'],
      runs: 600,
      sanity: async () => {
        const p = nextMessage('out2');
        getNode('vib').receive({ payload: { asset: 'cwru-de', samples: sanityFrame(), fs: 12000, rpm: 1797 } });
        assert.strictEqual((await p).payload.diagnosis.primary, 'bearing-inner-race');
      },
    });
    assert.ok(report.errors > 0);
  });

  it('rel-diagnose survives the fuzz harness and still works', async () => {
    await fuzzNode({
      flow: flow(),
      nodeId: 'diag',
      keys: ['features', 'asset'],
      runs: 600,
      sanity: async () => {
        const p = nextMessage('out2');
        getNode('vib').receive({ payload: { asset: 'cwru-de', samples: sanityFrame(), fs: 12000, rpm: 1797 } });
        assert.strictEqual((await p).payload.diagnosis.primary, 'bearing-inner-race');
      },
    });
  });
});
