/**
 * Reader for the FEMTO / PRONOSTIA run-to-failure bearings (IEEE PHM 2012 learning set) in
 * DATA/femto: one float32 file per bearing (horizontal accelerometer, g), 2,560-sample snapshots at
 * 25.6 kHz taken every 10 s, with the figures of femto/manifest.json.
 */
import fs from 'fs';
import path from 'path';

export interface FemtoRecord {
  id: string;
  file: string;
  rpm: number;
  snapshot_count: number;
  failure_time_s: number;
  threshold_mean_plus_3sd_g: number;
  first_above_threshold_after_baseline: number;
  first_of_5_consecutive_above: number;
}

export interface FemtoManifest {
  fs_hz: number;
  samples_per_snapshot: number;
  snapshot_interval_s: number;
  records: FemtoRecord[];
}

export function femtoManifest(dataDir: string): FemtoManifest {
  return JSON.parse(fs.readFileSync(path.join(dataDir, 'femto', 'manifest.json'), 'utf8'));
}

/** The snapshots of one record, in time order (views on one Float32Array). */
export function loadFemto(dataDir: string, rec: FemtoRecord, samplesPerSnapshot: number): Float32Array[] {
  const buf = fs.readFileSync(path.join(dataDir, 'femto', rec.file));
  const all = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
  const n = Math.floor(all.length / samplesPerSnapshot);
  const out: Float32Array[] = [];
  for (let i = 0; i < n; i++) out.push(all.subarray(i * samplesPerSnapshot, (i + 1) * samplesPerSnapshot));
  return out;
}

/** RMS with the DC included (as the README's verification figures). */
export function rmsOf(x: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * x[i];
  return Math.sqrt(s / x.length);
}

/**
 * The technician's rule: baseline = the first 20 % of the snapshots, alarm when RMS is above the
 * baseline mean + 3 sd (sample sd) on five snapshots in a row, raised at the fifth. Returns the
 * threshold, the first snapshot above it after the baseline (the degradation onset) and the
 * index of the first of five in a row and of the alarm (fifth), -1 when none.
 */
export function technicianRule(rms: number[]): { threshold: number; onset: number; firstOf5: number; alarm: number } {
  const nb = Math.floor(0.2 * rms.length);
  const base = rms.slice(0, nb);
  const mean = base.reduce((a, b) => a + b, 0) / nb;
  const sd = Math.sqrt(base.reduce((a, b) => a + (b - mean) ** 2, 0) / (nb - 1));
  const threshold = mean + 3 * sd;
  let onset = -1;
  let run = 0;
  for (let i = nb; i < rms.length; i++) {
    if (rms[i] > threshold) {
      if (onset < 0) onset = i;
      if (++run === 5) return { threshold, onset, firstOf5: i - 4, alarm: i };
    } else run = 0;
  }
  return { threshold, onset, firstOf5: -1, alarm: -1 };
}
