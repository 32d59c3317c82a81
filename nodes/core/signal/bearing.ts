/**
 * Rolling-element bearing defect frequencies (domain.md), as multiples of shaft speed and in Hz.
 *
 * Example: SKF 6205-2RS (n=9, d=0.3126 in, D=1.537 in, phi=0) at 1797 rpm:
 * bearingFrequencies(BEARINGS['6205-2RS'], 1797).bpfi === 162.19 Hz (5.4152 x 29.95 Hz).
 */
export interface BearingGeometry {
  /** Number of rolling elements. */
  balls: number;
  /** Rolling element diameter (any unit, same as pitchDiameter). */
  ballDiameter: number;
  /** Pitch diameter. */
  pitchDiameter: number;
  /** Contact angle in degrees. */
  contactAngle: number;
}

export interface BearingMultiples {
  ftf: number;
  bpfo: number;
  bpfi: number;
  bsf: number;
}

export const BEARINGS: Readonly<Record<'6205-2RS' | '6203-2RS', BearingGeometry>> = {
  '6205-2RS': { balls: 9, ballDiameter: 0.3126, pitchDiameter: 1.537, contactAngle: 0 },
  '6203-2RS': { balls: 8, ballDiameter: 0.2656, pitchDiameter: 1.122, contactAngle: 0 },
};

/** Defect frequencies as multiples of shaft frequency (orders). */
export function bearingMultiples(g: BearingGeometry): BearingMultiples {
  const r = (g.ballDiameter / g.pitchDiameter) * Math.cos((g.contactAngle * Math.PI) / 180);
  return {
    ftf: 0.5 * (1 - r),
    bpfo: (g.balls / 2) * (1 - r),
    bpfi: (g.balls / 2) * (1 + r),
    bsf: (g.pitchDiameter / (2 * g.ballDiameter)) * (1 - r * r),
  };
}

/** Defect frequencies in Hz at a shaft speed in rpm. */
export function bearingFrequencies(g: BearingGeometry, rpm: number): BearingMultiples {
  const m = bearingMultiples(g);
  const fr = rpm / 60;
  return { ftf: m.ftf * fr, bpfo: m.bpfo * fr, bpfi: m.bpfi * fr, bsf: m.bsf * fr };
}

/** Geometry problems in words (empty when the geometry is physically possible). */
export function bearingProblems(g: Partial<BearingGeometry>): string[] {
  const p: string[] = [];
  if (!Number.isInteger(g.balls) || (g.balls as number) < 3 || (g.balls as number) > 200) p.push('balls must be a whole number from 3 to 200');
  if (!(typeof g.ballDiameter === 'number' && g.ballDiameter > 0)) p.push('ball diameter must be > 0');
  if (!(typeof g.pitchDiameter === 'number' && g.pitchDiameter > 0)) p.push('pitch diameter must be > 0');
  if (typeof g.ballDiameter === 'number' && typeof g.pitchDiameter === 'number' && g.ballDiameter >= g.pitchDiameter) p.push('ball diameter must be smaller than pitch diameter');
  if (!(typeof g.contactAngle === 'number' && g.contactAngle >= 0 && g.contactAngle < 90)) p.push('contact angle must be from 0 to below 90 degrees');
  return p;
}
