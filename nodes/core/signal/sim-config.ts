/**
 * rel-simulator's form -> the machine it runs: a waveform machine (SimMachine) or a scalar-only
 * machine (ScalarSimMachine, PLC tags). Pure: the node resolves the asset and passes its facts.
 *
 * Config shape: version 2 (CONFIG_VERSION) added `kind` and the scalar fields. A config saved
 * before has no `kind`: it is a waveform machine (`migrateSimulatorConfig`).
 */
import { invalidFields, LIMITS } from '../limits';
import type { BearingGeometry } from './bearing';
import { DEFAULT_SCALAR_SIM, type ScalarShift, type ScalarSimOptions } from './scalar-sim';
import { DEFAULT_MACHINE, type MachineOptions, type SimFault } from './simulator';

export const SIM_KINDS = ['waveform', 'scalar'] as const;
export type SimKind = (typeof SIM_KINDS)[number];

export interface SimulatorForm {
  kind?: string;
  version?: number | string;
  rpm?: unknown;
  fault?: string;
  seed?: unknown;
  fs?: unknown;
  frameSize?: unknown;
  interval?: unknown;
  timeScale?: unknown;
  onsetHours?: unknown;
  failureHours?: unknown;
  growth?: unknown;
  noise?: unknown;
  resonanceHz?: unknown;
  cycleTimeS?: unknown;
  countStepMin?: unknown;
  startEvent?: unknown;
  velocityMmS?: unknown;
  rangeMmS?: unknown;
  runHours?: unknown;
  stopMinutes?: unknown;
  partsPerMin?: unknown;
  shiftAtHours?: unknown;
  shiftVelocity?: unknown;
  shiftCurrent?: unknown;
}

export interface SimAssetFacts {
  assetId: string;
  rpm: number;
  bearing?: BearingGeometry;
}

export interface SimSetup {
  kind: SimKind;
  intervalS: number;
  timeScale: number;
  startEvent: boolean;
  /** The waveform machine (kind waveform). */
  machine?: MachineOptions;
  /** The scalar machine (kind scalar). */
  scalar?: ScalarSimOptions;
  /** What identifies the machine in the saved state: when it changes, the machine starts afresh. */
  configKey: string;
}

/**
 * Upgrade a config saved before version 2 (rel-simulator's migrate hook, run by defineNode for a
 * config from an older version): without `kind` it is a waveform machine. Returns a copy.
 */
export function migrateSimulatorConfig<C extends SimulatorForm>(c: C): C {
  return c.kind === undefined || c.kind === null || c.kind === '' ? { ...c, kind: 'waveform' } : c;
}

/** A form value as a number, the default when empty; problems are collected, not thrown one by one. */
export function formNum(v: unknown, def: number, name: string, problems: string[]): number {
  if (v === undefined || v === null || v === '') return def;
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  if (!Number.isFinite(n)) problems.push(`${name}: expected a number, got ${JSON.stringify(v)}`);
  return n;
}

/** The machine a form describes, for this asset; throws one error listing every problem. */
export function simulatorSetup(form: SimulatorForm, asset: SimAssetFacts): SimSetup {
  const c = migrateSimulatorConfig(form);
  const problems: string[] = [];
  const kind: SimKind = c.kind === 'scalar' ? 'scalar' : c.kind === 'waveform' || c.kind === undefined || c.kind === '' ? 'waveform' : (problems.push(`kind: expected waveform or scalar, got ${JSON.stringify(c.kind)}`), 'waveform');
  // the limits table: the scalar fields (checked when kind is scalar); in a scalar machine, the
  // waveform fields too (the form checks them in both kinds, the waveform machine checks its own)
  const bad = invalidFields('rel-simulator', { ...(c as Record<string, unknown>), kind, type: 'rel-simulator' }).filter((f) => kind === 'scalar' || LIMITS['rel-simulator'][f].when);
  for (const f of bad) problems.push(`${f}: out of its range, got ${JSON.stringify((c as Record<string, unknown>)[f])}`);
  const D = DEFAULT_MACHINE;
  const seed = formNum(c.seed, D.seed, 'seed', problems);
  const intervalS = formNum(c.interval, 5, 'interval', problems);
  if (intervalS !== 0 && !(intervalS >= 0.05 && intervalS <= 86400)) problems.push('interval: expected 0 (input only) or 0.05 to 86400 s');
  const timeScale = formNum(c.timeScale, 3600, 'time scale', problems);
  const startEvent = c.startEvent === true || c.startEvent === 'true';
  const machine: MachineOptions = {
    ...D,
    assetId: asset.assetId,
    rpm: asset.rpm,
    bearing: asset.bearing,
    fault: (c.fault || D.fault) as SimFault,
    seed,
    fs: formNum(c.fs, D.fs, 'fs', problems),
    frameSize: formNum(c.frameSize, D.frameSize, 'frame size', problems),
    onsetHours: formNum(c.onsetHours, D.onsetHours, 'onset', problems),
    failureHours: formNum(c.failureHours, D.failureHours, 'failure', problems),
    growth: formNum(c.growth, D.growth, 'growth', problems),
    noise: formNum(c.noise, D.noise, 'noise', problems),
    resonanceHz: formNum(c.resonanceHz, D.resonanceHz, 'resonance', problems),
    cycleTimeS: formNum(c.cycleTimeS, D.cycleTimeS, 'cycle time', problems),
    countStepS: formNum(c.countStepMin, 0, 'count every', problems) * 60,
  };
  if (!(machine.countStepS >= 0 && machine.countStepS <= 86400)) problems.push('count every: expected 0 (one count per emission) to 1440 minutes');
  if (kind === 'waveform') {
    if (problems.length) throw new Error(`rel-simulator: ${problems.join('; ')}`);
    return { kind, intervalS, timeScale, startEvent, machine, configKey: JSON.stringify([machine.fault, machine.seed, machine.onsetHours, machine.failureHours, machine.growth]) };
  }
  const S = DEFAULT_SCALAR_SIM;
  const shifts: ScalarShift[] = [];
  const at = formNum(c.shiftAtHours, NaN, 'shift at', problems);
  if (Number.isFinite(at)) {
    const vf = formNum(c.shiftVelocity, 1, 'shift velocity', problems);
    const cf = formNum(c.shiftCurrent, 1, 'shift current', problems);
    shifts.push({ atHours: at, velocityFactor: vf, currentFactor: cf });
  }
  const scalar: ScalarSimOptions = {
    ...S,
    assetId: asset.assetId,
    seed,
    velocityMmS: formNum(c.velocityMmS, S.velocityMmS, 'velocity', problems),
    rangeMmS: formNum(c.rangeMmS, S.rangeMmS, 'transmitter range', problems),
    runHours: formNum(c.runHours, S.runHours, 'run hours', problems),
    stopMinutes: formNum(c.stopMinutes, S.stopMinutes, 'stop minutes', problems),
    partsPerMin: formNum(c.partsPerMin, S.partsPerMin, 'parts per minute', problems),
    shifts,
  };
  if (problems.length) throw new Error(`rel-simulator: ${problems.join('; ')}`);
  return { kind, intervalS, timeScale, startEvent, scalar, configKey: JSON.stringify(['scalar', seed, scalar.velocityMmS, scalar.runHours, scalar.stopMinutes, shifts]) };
}
