/**
 * Vibration pipeline speed: frames/s of the whole rel-vibration computation (time domain,
 * spectrum, velocity, ISO zone, orders, spectral-kurtosis band choice, envelope, bearing bands) at
 * N = 4096, 16384 and 65536, against one bare fft.js real transform of the same N measured in the
 * same run; then the node inside a running Node-RED flow against the bare function.
 *
 *   node scripts/build.js && node dist/bench/run.js vibration
 */
import FFT from 'fft.js';
import { BEARINGS, bearingMultiples } from '../nodes/core/signal/bearing';
import { analyzeVibration } from '../nodes/core/signal/vibration';

function impacts(n: number, fs: number): Float64Array {
  const x = new Float64Array(n);
  let s = 12345;
  const u = () => ((s = (s * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  for (let i = 0; i < n; i++) x[i] = 0.1 * (u() + u() + u() - 1.5) + 0.05 * Math.sin((2 * Math.PI * 29.95 * i) / fs);
  for (let t = 0; t < n; t += fs / 107.3) for (let j = 0; j < 60 && t + j < n; j++) x[Math.floor(t) + j] += Math.exp(-j / 10) * Math.sin(j * 1.6);
  return x;
}

function time(fn: () => void, minMs = 600): number {
  for (let i = 0; i < 5; i++) fn();
  let k = 0;
  const t0 = process.hrtime.bigint();
  let el = 0;
  while (el < minMs) {
    fn();
    k++;
    el = Number(process.hrtime.bigint() - t0) / 1e6;
  }
  return el / k; // ms per call
}

export async function run(): Promise<void> {
  const fs = 12000;
  const bearing = bearingMultiples(BEARINGS['6205-2RS']);
  const opts = { fs, rpm: 1797, bearing, machineClass: 'iso10816-1:class1' as const };
  console.log('N        bare FFT (us)   pipeline (us)   frames/s   ratio to one FFT');
  for (const n of [4096, 16384, 65536]) {
    const x = impacts(n, fs);
    const f = new FFT(n);
    const out = f.createComplexArray();
    const inp = Array.from(x);
    const tf = time(() => f.realTransform(out, inp));
    const tp = time(() => analyzeVibration(x, opts));
    console.log(`${String(n).padEnd(9)}${(tf * 1000).toFixed(0).padStart(13)}${(tp * 1000).toFixed(0).padStart(16)}${(1000 / tp).toFixed(0).padStart(11)}${(tp / tf).toFixed(2).padStart(12)}x`);
  }

  // the node in a running flow vs the bare function
  const { loadFlow, unloadFlow, getNode } = await import('../test/helpers/red');
  const n = 16384;
  const x = impacts(n, fs);
  await loadFlow([
    { id: 't', type: 'tab' },
    { id: 'a1', type: 'rel-asset', assetId: 'm1', name: 'm1', criticality: 3, machineClass: 'iso10816-1:class1', rpm: 1797, bearing: '6205-2RS' },
    { id: 'v', type: 'rel-vibration', z: 't', asset: 'a1', wires: [['h']] },
    { id: 'h', type: 'helper', z: 't' },
  ]);
  const node = getNode('v');
  const sink = getNode('h');
  const frames = 2000;
  const through = () =>
    new Promise<number>((resolve) => {
      let got = 0;
      const t0 = process.hrtime.bigint();
      const on = () => {
        if (++got === frames) {
          sink.removeListener('input', on);
          resolve(Number(process.hrtime.bigint() - t0) / 1e6);
        }
      };
      sink.on('input', on);
      for (let i = 0; i < frames; i++) node.receive({ payload: { samples: x, fs, rpm: 1797 } });
    });
  await through(); // warm-up
  const tNode = (await through()) / frames;
  const tBare = time(() => analyzeVibration(x, opts), 1000);
  await unloadFlow();
  console.log(`N=${n} in Node-RED: ${(1000 / tNode).toFixed(0)} frames/s through rel-vibration, bare ${(1000 / tBare).toFixed(0)} frames/s: glue ${(((tNode - tBare) / tBare) * 100).toFixed(1)} %`);
}
