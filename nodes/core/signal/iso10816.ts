/**
 * ISO 10816 velocity-RMS severity zones (domain.md). Limits are the A/B, B/C and C/D
 * boundaries in mm/s RMS.
 *
 * Example: isoZone(3.0, 'iso10816-3:group2:rigid') === 'C' (limits 1.4 / 2.8 / 4.5).
 */
export const MACHINE_CLASSES = [
  'iso10816-3:group1:rigid',
  'iso10816-3:group1:flexible',
  'iso10816-3:group2:rigid',
  'iso10816-3:group2:flexible',
  'iso10816-1:class1',
  'iso10816-1:class2',
  'iso10816-1:class3',
  'iso10816-1:class4',
] as const;
export type MachineClass = (typeof MACHINE_CLASSES)[number];
export type IsoZone = 'A' | 'B' | 'C' | 'D';

export interface IsoLimits {
  /** A/B boundary, mm/s. */
  ab: number;
  /** B/C boundary, mm/s. */
  bc: number;
  /** C/D boundary, mm/s. */
  cd: number;
}

export const ISO_LIMITS: Readonly<Record<MachineClass, IsoLimits>> = {
  'iso10816-3:group1:rigid': { ab: 2.3, bc: 4.5, cd: 7.1 },
  'iso10816-3:group1:flexible': { ab: 3.5, bc: 7.1, cd: 11.0 },
  'iso10816-3:group2:rigid': { ab: 1.4, bc: 2.8, cd: 4.5 },
  'iso10816-3:group2:flexible': { ab: 2.3, bc: 4.5, cd: 7.1 },
  'iso10816-1:class1': { ab: 0.71, bc: 1.8, cd: 4.5 },
  'iso10816-1:class2': { ab: 1.12, bc: 2.8, cd: 7.1 },
  'iso10816-1:class3': { ab: 1.8, bc: 4.5, cd: 11.2 },
  'iso10816-1:class4': { ab: 2.8, bc: 7.1, cd: 18.0 },
};

export const MACHINE_CLASS_LABELS: Readonly<Record<MachineClass, string>> = {
  'iso10816-3:group1:rigid': 'ISO 10816-3 group 1 (300 kW-50 MW), rigid',
  'iso10816-3:group1:flexible': 'ISO 10816-3 group 1 (300 kW-50 MW), flexible',
  'iso10816-3:group2:rigid': 'ISO 10816-3 group 2 (15-300 kW), rigid',
  'iso10816-3:group2:flexible': 'ISO 10816-3 group 2 (15-300 kW), flexible',
  'iso10816-1:class1': 'ISO 10816-1 class I (< 15 kW)',
  'iso10816-1:class2': 'ISO 10816-1 class II',
  'iso10816-1:class3': 'ISO 10816-1 class III',
  'iso10816-1:class4': 'ISO 10816-1 class IV',
};

export function isoZone(velocityRmsMmS: number, cls: MachineClass): IsoZone {
  const l = ISO_LIMITS[cls];
  if (velocityRmsMmS < l.ab) return 'A';
  if (velocityRmsMmS < l.bc) return 'B';
  if (velocityRmsMmS < l.cd) return 'C';
  return 'D';
}
