/**
 * Where rel-vibration's time goes: a CPU profile (V8's sampling profiler through node:inspector) of
 * the pipeline on a stream of 8 different bearing-like frames with the resonance band reused (the
 * steady state), printed as self time per function. Also times, in the same process, the
 * pipeline's three fft.js transforms alone in a tight loop (hot caches): the N/2-point complex
 * transform of the frame and the envelope's complex and real (as half-size complex) transforms.
 *
 *   node scripts/build.js --out .build-prof --allow-errors && node .build-prof/bench/vibration-profile.js [fs] [N]
 *
 * Not part of `npm run bench` (a profile, not a ratio against a baseline).
 */
import { Session } from 'inspector';
import FFT from 'fft.js';
import { BEARINGS, bearingMultiples } from '../nodes/core/signal/bearing';
import { analyzeVibration, type VibrationOptions } from '../nodes/core/signal/vibration';
import { impacts } from './vibration.bench';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

function post<T>(s: Session, method: string, params?: object): Promise<T> {
  return new Promise((resolve, reject) => s.post(method, params ?? {}, (err, res) => (err ? reject(err) : resolve(res as T))));
}

/** CPU us per call over `iters` calls, after as many untimed calls (JIT warm-up). */
function cpuUs(fn: () => void, iters: number): number {
  for (let i = 0; i < iters; i++) fn();
  const t = process.cpuUsage();
  for (let i = 0; i < iters; i++) fn();
  const u = process.cpuUsage(t);
  return (u.user + u.system) / iters;
}

async function main(): Promise<void> {
  const fs = Number(process.argv[2] ?? 12000);
  const n = Number(process.argv[3] ?? 16384);
  const frames = Array.from({ length: 8 }, (_, i) => impacts(n, fs, 1000 + i));
  const opts: VibrationOptions = { fs, rpm: 1797, bearing: bearingMultiples(BEARINGS['6205-2RS']), machineClass: 'iso10816-1:class1' };
  const first = analyzeVibration(frames[0], opts);
  const band = first.bearing!.band;
  const m = band.samples;
  let k = 0;
  const step = () => analyzeVibration(frames[k++ & 7], { ...opts, band });
  const iters = Math.max(500, Math.round(5e7 / n));
  const perFrame = cpuUs(step, iters);

  const s = new Session();
  s.connect();
  await post(s, 'Profiler.enable');
  await post(s, 'Profiler.setSamplingInterval', { interval: 100 });
  await post(s, 'Profiler.start');
  for (let i = 0; i < iters * 2; i++) step();
  const { profile } = await post<{ profile: Profile }>(s, 'Profiler.stop');
  s.disconnect();

  const byId = new Map(profile.nodes.map((p) => [p.id, p]));
  const self = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    total += dt;
    const cf = byId.get(id)!.callFrame;
    const name = `${cf.functionName || '(anonymous)'} (${cf.url.split('/').slice(-1)[0] || 'native'})`;
    self.set(name, (self.get(name) ?? 0) + dt);
  });

  // the pipeline's transforms alone, hot caches, against one realTransform of N
  const plan = (size: number) => {
    const f = new FFT(size);
    const inp = f.createComplexArray() as number[];
    for (let i = 0; i < inp.length; i++) inp[i] = Math.sin(i * 0.37);
    return { f, inp, out: f.createComplexArray() as number[] };
  };
  const real = new FFT(n);
  const rin = (real.createComplexArray() as number[]).slice(0, n);
  for (let i = 0; i < n; i++) rin[i] = frames[0][i];
  const rout = real.createComplexArray() as number[];
  const main = plan(n / 2);
  // the envelope: an m-point complex transform (the analytic signal) and an m-point real FFT (as m/2 complex)
  const env = [plan(m), plan(m / 2)];
  const runs: { real: number[]; main: number[]; env: number[] } = { real: [], main: [], env: [] };
  const reps = Math.max(1000, Math.round(5e7 / n));
  for (let r = 0; r < 5; r++) {
    runs.real.push(cpuUs(() => real.realTransform(rout, rin), reps));
    runs.main.push(cpuUs(() => main.f.transform(main.out, main.inp), reps));
    runs.env.push(cpuUs(() => env.forEach((p) => p.f.transform(p.out, p.inp)), reps));
  }
  const med = (a: number[]) => [...a].sort((x, y) => x - y)[a.length >> 1];
  const [tr, tm, te] = [med(runs.real), med(runs.main), med(runs.env)];
  // ratios per round (the three are timed one after the other in each round), then the median
  const ratio = (a: number[]) => med(a.map((x, i) => x / runs.real[i]));

  console.log(`fs = ${fs} Hz, N = ${n}, band reused (${band.lo}-${band.hi} Hz), envelope of ${m} points: ${perFrame.toFixed(0)} us of CPU per frame (ratios to one FFT: npm run bench -- vibration, which interleaves them)`);
  console.log(`transforms alone, hot caches (median of 5): realTransform(${n}) ${tr.toFixed(1)} us; complex ${n / 2} ${tm.toFixed(1)} us (${ratio(runs.main).toFixed(2)}x); envelope complex ${m} + ${m / 2} ${te.toFixed(1)} us (${ratio(runs.env).toFixed(2)}x); together ${ratio(runs.main.map((x, i) => x + runs.env[i])).toFixed(2)}x`);
  console.log('self time in the profile (functions above 0.5 %):');
  for (const [name, t] of [...self].sort((a, b) => b[1] - a[1])) {
    if (t / total < 0.005) break;
    console.log(`${((100 * t) / total).toFixed(1).padStart(6)} %  ${((perFrame * t) / total).toFixed(1).padStart(6)} us/frame  ${name}`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
