/** Shared bits of the signal specs: reading the datasets in place, a seeded generator, signals. */
import fs from 'fs';
import path from 'path';
import { DATA } from '../helpers/red';

export function readF32(rel: string): Float32Array {
  const b = fs.readFileSync(path.join(DATA, rel));
  const out = new Float32Array(b.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = b.readFloatLE(i * 4);
  return out;
}

export function manifest(set: 'cwru' | 'mfpt'): any {
  return JSON.parse(fs.readFileSync(path.join(DATA, set, 'manifest.json'), 'utf8'));
}

/** Deterministic uniform [0, 1) (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Deterministic standard normal (Box-Muller). */
export function gauss(seed: number): () => number {
  const u = rng(seed);
  return () => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
}

/** Largest power of two not above fs * seconds: the frame size the specs configure. */
export function frameFor(fs: number, seconds = 0.7): number {
  let n = 2;
  while (n * 2 <= fs * seconds) n *= 2;
  return n;
}

/**
 * A bearing-like signal: decaying bursts of a resonance at `fres` Hz, one per 1/fd s (with
 * optional 1X amplitude modulation), plus Gaussian noise and a 1X tone.
 */
export function impacts(o: { fs: number; n: number; fd: number; fr: number; fres?: number; amp?: number; noise?: number; modulation?: number; seed?: number }): Float64Array {
  const x = new Float64Array(o.n);
  const g = gauss(o.seed ?? 1);
  const fres = o.fres ?? 3000;
  const decay = 800; // 1/s
  const period = o.fs / o.fd;
  for (let t0 = 0; t0 < o.n; t0 += period) {
    const i0 = Math.round(t0);
    const mod = 1 + (o.modulation ?? 0) * Math.cos((2 * Math.PI * o.fr * i0) / o.fs);
    for (let i = i0; i < Math.min(o.n, i0 + Math.round(o.fs * 0.01)); i++) {
      const t = (i - i0) / o.fs;
      x[i] += (o.amp ?? 1) * mod * Math.exp(-decay * t) * Math.sin(2 * Math.PI * fres * t);
    }
  }
  for (let i = 0; i < o.n; i++) x[i] += (o.noise ?? 0.1) * g() + 0.02 * Math.sin((2 * Math.PI * o.fr * i) / o.fs);
  return x;
}
