/**
 * An asset (one machine) as the analysis and maintenance code sees it, and the validation of the
 * `rel-asset` form. Pure: no Node-RED.
 */
import { BEARINGS, bearingMultiples, bearingProblems, type BearingGeometry, type BearingMultiples } from './signal/bearing';
import { ISO_LIMITS, MACHINE_CLASSES, type IsoLimits, type MachineClass } from './signal/iso10816';

export interface AssetSpec {
  assetId: string;
  name: string;
  line: string;
  criticality: number;
  machineClass: MachineClass;
  isoLimits: IsoLimits;
  /** Nominal shaft speed; undefined when unknown (no order analysis then). */
  rpm?: number;
  bearingName: string;
  /** Undefined when no bearing is configured (no bearing defect bands then). */
  bearing?: BearingGeometry;
  bearingMultiples?: BearingMultiples;
  /** What this asset cannot do, in words (e.g. no rpm: no order analysis). */
  notes: string[];
}

export interface AssetForm {
  assetId?: unknown;
  name?: unknown;
  line?: unknown;
  criticality?: unknown;
  machineClass?: unknown;
  rpm?: unknown;
  bearing?: unknown;
  balls?: unknown;
  ballDiameter?: unknown;
  pitchDiameter?: unknown;
  contactAngle?: unknown;
}

export interface AssetCheck {
  /** Undefined when there are errors. */
  asset?: AssetSpec;
  /** Problems that stop the asset from being used. */
  errors: string[];
  /** Limits the asset still works with (no rpm: no order analysis). */
  notes: string[];
}

const ID_RE = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/;

function toNum(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : NaN;
  if (typeof v === 'string' && v.trim() !== '') return Number(v);
  return undefined;
}

/** Validate the rel-asset form and build the asset. */
export function checkAsset(form: AssetForm): AssetCheck {
  const errors: string[] = [];
  const notes: string[] = [];
  const assetId = typeof form.assetId === 'string' ? form.assetId.trim() : '';
  if (!ID_RE.test(assetId)) errors.push('asset id: expected 1-64 letters, digits, - _ . or :, starting with a letter or digit');
  const name = typeof form.name === 'string' && form.name.trim() ? form.name.trim() : assetId;
  const line = typeof form.line === 'string' ? form.line.trim() : '';
  const criticality = toNum(form.criticality) ?? 3;
  if (!Number.isInteger(criticality) || criticality < 1 || criticality > 5) errors.push('criticality: expected a whole number from 1 to 5');
  const machineClass = (typeof form.machineClass === 'string' && form.machineClass ? form.machineClass : 'iso10816-3:group2:rigid') as MachineClass;
  if (!MACHINE_CLASSES.includes(machineClass)) errors.push(`machine class: expected one of ${MACHINE_CLASSES.join(', ')}`);
  const rpmRaw = toNum(form.rpm);
  let rpm: number | undefined;
  if (rpmRaw === undefined || rpmRaw === 0) notes.push('no rpm: order analysis and bearing frequencies need a speed in each reading');
  else if (!Number.isFinite(rpmRaw) || rpmRaw < 1 || rpmRaw > 100000) errors.push('rpm: expected a number from 1 to 100000');
  else rpm = rpmRaw;

  const bearingName = typeof form.bearing === 'string' && form.bearing ? form.bearing : 'none';
  let bearing: BearingGeometry | undefined;
  if (bearingName === '6205-2RS' || bearingName === '6203-2RS') bearing = BEARINGS[bearingName];
  else if (bearingName === 'custom') {
    const g = {
      balls: toNum(form.balls),
      ballDiameter: toNum(form.ballDiameter),
      pitchDiameter: toNum(form.pitchDiameter),
      contactAngle: toNum(form.contactAngle) ?? 0,
    };
    const p = bearingProblems(g);
    if (p.length) errors.push(...p.map((s) => `bearing: ${s}`));
    else bearing = g as BearingGeometry;
  } else if (bearingName !== 'none') errors.push('bearing: expected 6205-2RS, 6203-2RS, custom or none');
  if (bearingName === 'none') notes.push('no bearing: no bearing defect frequencies');

  if (errors.length) return { errors, notes };
  return {
    errors,
    notes,
    asset: {
      assetId,
      name,
      line,
      criticality,
      machineClass,
      isoLimits: ISO_LIMITS[machineClass],
      rpm,
      bearingName,
      bearing,
      bearingMultiples: bearing ? bearingMultiples(bearing) : undefined,
      notes,
    },
  };
}
