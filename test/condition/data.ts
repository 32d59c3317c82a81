/**
 * Readers for the condition-monitoring proofs: IMS test 2 bearing 1 features (in place, from
 * DATA) as rel-vibration-style feature frames, and the C-MAPSS FD001 text files.
 */
import fs from 'fs';
import path from 'path';

export interface ImsFrame {
  index: number;
  ts: number;
  features: { rms: number; peak: number; peakToPeak: number; crest: number; kurtosis: number; skewness: number; std: number };
}

/** Bearing `b` (1-4) of IMS test 2, in time order, without the last two snapshots (rig stopped). */
export function loadImsBearing(dataDir: string, b = 1): ImsFrame[] {
  const text = fs.readFileSync(path.join(dataDir, 'ims_test2', 'ims_test2_time_features.csv'), 'utf8');
  const lines = text.trim().split('\n');
  const hdr = lines[0].split(',');
  const col = (name: string) => {
    const i = hdr.indexOf(`B${b}_${name}`);
    if (i < 0) throw new Error(`IMS: no column B${b}_${name}`);
    return i;
  };
  const c = { rms: col('rms'), max: col('max'), p2p: col('p2p'), crest: col('crest'), kurt: col('kurtosis'), skew: col('skew'), std: col('std') };
  const rows = lines.slice(1).map((l) => l.split(','));
  return rows.slice(0, rows.length - 2).map((r, index) => ({
    index,
    // Timestamps are local lab time without a zone; read as UTC (only differences matter).
    ts: Date.parse(`${r[0].replace(' ', 'T')}Z`),
    features: {
      rms: Number(r[c.rms]),
      peak: Number(r[c.max]),
      peakToPeak: Number(r[c.p2p]),
      crest: Number(r[c.crest]),
      kurtosis: Number(r[c.kurt]) + 3, // the file holds excess kurtosis; rel-vibration reports 3 for Gaussian
      skewness: Number(r[c.skew]),
      std: Number(r[c.std]),
    },
  }));
}

/** The README's onset of degradation for bearing 1 (RMS above mean + 3 sigma of the first 200, 3 in a row). */
export const IMS_ONSET_INDEX = 532;

export interface CmapssUnit {
  unit: number;
  cycles: number[];
  /** rows[i] = the 21 sensors s1..s21 at cycles[i]. */
  sensors: number[][];
}

export function loadCmapss(dataDir: string, file: string): CmapssUnit[] {
  const text = fs.readFileSync(path.join(dataDir, 'cmapss', file), 'utf8');
  const units = new Map<number, CmapssUnit>();
  for (const line of text.split('\n')) {
    const v = line.trim().split(/\s+/).map(Number);
    if (v.length < 26) continue;
    const u = units.get(v[0]) ?? { unit: v[0], cycles: [], sensors: [] };
    u.cycles.push(v[1]);
    u.sensors.push(v.slice(5, 26));
    units.set(v[0], u);
  }
  return [...units.values()].sort((a, b) => a.unit - b.unit);
}

export function loadCmapssRul(dataDir: string): number[] {
  return fs
    .readFileSync(path.join(dataDir, 'cmapss', 'RUL_FD001.txt'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .map(Number);
}
