/**
 * SKAB (Skoltech Anomaly Benchmark) valve experiments as polls of canonical readings, and the
 * published outlier-detection protocol: in each file the first 400 rows are anomaly-free
 * training data, the rest is scored row by row; TP, FP, FN, TN summed over every file;
 * F1 = 2TP / (2TP + FP + FN), FAR = FP / (FP + TN), MAR = FN / (FN + TP).
 */
import fs from 'fs';
import path from 'path';
import { DEFAULT_MACHINE, MachineScorer, type MachineConfig } from '../../nodes/core/condition/machine';

/** SKAB columns as canonical readings: channel, quantity, unit. */
export const SKAB_CHANNELS: readonly { column: string; channel: string; quantity: string; unit: string }[] = [
  { column: 'Accelerometer1RMS', channel: 'accel-1', quantity: 'acceleration', unit: 'g' },
  { column: 'Accelerometer2RMS', channel: 'accel-2', quantity: 'acceleration', unit: 'g' },
  { column: 'Current', channel: 'current', quantity: 'current', unit: 'A' },
  { column: 'Pressure', channel: 'pressure', quantity: 'pressure', unit: 'bar' },
  { column: 'Temperature', channel: 'motor-temp', quantity: 'temperature', unit: 'degC' },
  { column: 'Thermocouple', channel: 'fluid-temp', quantity: 'temperature', unit: 'degC' },
  { column: 'Voltage', channel: 'voltage', quantity: 'voltage', unit: 'V' },
  { column: 'Volume Flow RateRMS', channel: 'flow', quantity: 'flow', unit: 'l/min' },
];

export const SKAB_TRAIN_ROWS = 400;

export interface SkabFile {
  name: string;
  ts: number[];
  /** rows x SKAB_CHANNELS */
  values: number[][];
  anomaly: number[];
}

/**
 * The experiment files below `dataDir`: its `skab/` folder (this repository's test data), or
 * `dataDir` itself when it holds the experiment folders (the `data/` folder of a SKAB checkout:
 * valve1, valve2, other). Every subfolder but anomaly-free, files in number order.
 */
export function skabFiles(dataDir: string): SkabFile[] {
  const dir = skabDir(dataDir);
  const out: SkabFile[] = [];
  for (const sub of fs.readdirSync(dir).sort()) {
    if (sub === 'anomaly-free') continue;
    const d = path.join(dir, sub);
    if (!fs.statSync(d).isDirectory()) continue;
    const files = fs.readdirSync(d).filter((f) => f.endsWith('.csv')).sort((a, b) => parseInt(a, 10) - parseInt(b, 10) || a.localeCompare(b));
    for (const f of files) out.push(readSkab(path.join(d, f), `${sub}/${f}`));
  }
  return out;
}

/** The folder holding the experiment folders: `dataDir/skab` if there is one, else `dataDir`. */
export function skabDir(dataDir: string): string {
  const sub = path.join(dataDir, 'skab');
  return fs.existsSync(sub) ? sub : dataDir;
}

/** Counts summed per experiment folder (the part of each file's name before '/'), in first-seen order. */
export function folderTotals(files: readonly SkabFile[], counts: readonly Counts[]): Map<string, { files: number; c: Counts }> {
  const out = new Map<string, { files: number; c: Counts }>();
  files.forEach((f, k) => {
    const folder = f.name.split('/')[0];
    const acc = out.get(folder) ?? { files: 0, c: { tp: 0, fp: 0, fn: 0, tn: 0 } };
    out.set(folder, { files: acc.files + 1, c: add(acc.c, counts[k]) });
  });
  return out;
}

/** A SKAB file; `labelled` false for the anomaly-free run (no anomaly column: every row normal). */
export function readSkab(file: string, name: string, labelled = true): SkabFile {
  const lines = fs.readFileSync(file, 'utf8').trim().split(/\r?\n/);
  const hdr = lines[0].split(';');
  const idx = SKAB_CHANNELS.map((c) => {
    const i = hdr.indexOf(c.column);
    if (i < 0) throw new Error(`${name}: no column ${c.column}`);
    return i;
  });
  const ia = hdr.indexOf('anomaly');
  const it = hdr.indexOf('datetime');
  if ((labelled && ia < 0) || it < 0) throw new Error(`${name}: no column ${it < 0 ? 'datetime' : 'anomaly'} (header: ${lines[0]})`);
  const f: SkabFile = { name, ts: [], values: [], anomaly: [] };
  for (const l of lines.slice(1)) {
    const r = l.split(';');
    f.ts.push(Date.parse(`${r[it].replace(' ', 'T')}Z`));
    f.values.push(idx.map((i) => Number(r[i])));
    f.anomaly.push(ia >= 0 && Number(r[ia]) >= 0.5 ? 1 : 0);
  }
  return f;
}

/** The poll of row i: one canonical reading per channel. */
export function skabPoll(f: SkabFile, i: number, asset = 'skab-pump'): object[] {
  return SKAB_CHANNELS.map((c, j) => ({ asset, channel: c.channel, quantity: c.quantity, unit: c.unit, ts: f.ts[i], value: f.values[i][j], quality: 'good', source: 'csv' }));
}

/** The protocol's settings: learn the first 400 readings; every other setting is the default. */
export const SKAB_CONFIG: MachineConfig = { ...DEFAULT_MACHINE, learnMode: 'readings', learnReadings: SKAB_TRAIN_ROWS };

export interface Counts {
  tp: number;
  fp: number;
  fn: number;
  tn: number;
}

export function figures(c: Counts): { f1: number; far: number; mar: number } {
  return { f1: (2 * c.tp) / (2 * c.tp + c.fp + c.fn), far: c.fp / (c.fp + c.tn), mar: c.fn / (c.fn + c.tp) };
}

/** Score the rows after training given the predicted labels (1 = warning or alarm). */
export function count(f: SkabFile, predicted: readonly number[]): Counts {
  const c: Counts = { tp: 0, fp: 0, fn: 0, tn: 0 };
  for (let i = SKAB_TRAIN_ROWS; i < f.anomaly.length; i++) {
    const y = f.anomaly[i];
    const p = predicted[i];
    if (p && y) c.tp++;
    else if (p) c.fp++;
    else if (y) c.fn++;
    else c.tn++;
  }
  return c;
}

/** Run the core scorer over one file: predicted label per row. */
export function runFile(f: SkabFile, cfg: MachineConfig = SKAB_CONFIG): number[] {
  const m = MachineScorer.create('skab-pump', cfg);
  const out: number[] = [];
  for (let i = 0; i < f.ts.length; i++) {
    const r = m.poll(skabPoll(f, i), f.ts[i]);
    out.push(r.health.state === 'warning' || r.health.state === 'alarm' ? 1 : 0);
  }
  return out;
}

export function add(a: Counts, b: Counts): Counts {
  return { tp: a.tp + b.tp, fp: a.fp + b.fp, fn: a.fn + b.fn, tn: a.tn + b.tn };
}
