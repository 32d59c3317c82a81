/**
 * Simulator speed: ms per frame of simulateFrame (each fault) and of a whole emission
 * (SimMachine.emit: frame, rounding to a plain number[], process values, events) at N = 4096,
 * 16384 and 65536, against a baseline measured in the same run: filling the same N samples with
 * Math.random Gaussian noise (Box-Muller) plus one Math.sin tone, the least any generator does.
 *
 *   node scripts/build.js --out .build-simulator --allow-errors && node .build-simulator/bench/run.js simulator
 */
import { DEFAULT_MACHINE, DEFAULT_MODEL, FAULTS, SimMachine, simulateFrame } from '../nodes/core/signal/simulator';

function time(fn: () => void, minMs = 400): number {
  for (let i = 0; i < 5; i++) fn();
  let k = 0;
  const t0 = process.hrtime.bigint();
  let el = 0;
  while (el < minMs) {
    fn();
    k++;
    el = Number(process.hrtime.bigint() - t0) / 1e6;
  }
  return el / k;
}

function baseline(out: Float64Array, fs: number): void {
  for (let i = 0; i < out.length; i += 2) {
    const r = 0.02 * Math.sqrt(-2 * Math.log(1 - Math.random()));
    const v = 2 * Math.PI * Math.random();
    out[i] = r * Math.cos(v) + 0.02 * Math.sin((2 * Math.PI * 29.95 * i) / fs);
    if (i + 1 < out.length) out[i + 1] = r * Math.sin(v) + 0.02 * Math.sin((2 * Math.PI * 29.95 * (i + 1)) / fs);
  }
}

export async function run(): Promise<void> {
  let ts = Date.UTC(2025, 0, 1);
  for (const n of [4096, 16384, 65536]) {
    const model = { ...DEFAULT_MODEL, frameSize: n };
    const buf = new Float64Array(n);
    const base = time(() => baseline(buf, model.fs));
    console.log(`N = ${n}: baseline (noise + one tone) ${base.toFixed(3)} ms`);
    for (const fault of FAULTS) {
      const ms = time(() => simulateFrame(model, { fault, severity: 0.5, seed: 1, ts: ts++ }));
      console.log(`  ${fault.padEnd(20)} ${ms.toFixed(3)} ms/frame   ${(ms / base).toFixed(2)} x baseline`);
    }
    const m = new SimMachine({ ...DEFAULT_MACHINE, assetId: 'bench', frameSize: n, fault: 'bearing-inner-race' }, ts);
    const ms = time(() => m.emit((ts += 60_000)));
    console.log(`  whole emission (inner race, number[] out) ${ms.toFixed(3)} ms   ${(ms / base).toFixed(2)} x baseline`);
  }
}
