/**
 * Rules a vibration analyst applies to the features of one frame (domain.md), each finding with
 * a confidence, a severity and an evidence sentence that names the peak, its frequency and how
 * far it stands above the local noise floor. No finding: primary = 'normal'.
 *
 * Thresholds come from physics and statistics, not from any data set:
 * - envelope-spectrum bins of a noise-only envelope are about Rayleigh distributed, so a bin
 *   exceeds t times the local median with probability exp(-t^2 ln 2): 4x (12 dB) happens by chance
 *   in ~1.5e-5 of bins, 3x in ~2e-3. A defect line needs 4x (or 8x alone), confirmed by a harmonic
 *   or, for the inner race, a 1X sideband at 3x; a line on a shaft harmonic is not evidence;
 * - imbalance, misalignment and looseness are only called when the velocity level is in ISO zone
 *   C or D (A and B are acceptable for unrestricted operation, where a dominant 1X is normal);
 *   imbalance = 1X carries at least half the velocity energy and 2X < 50 % of 1X; misalignment =
 *   2X >= 50 % of 1X; looseness = at least 4 of the harmonics 3X..10X and 2 half orders stand out.
 *   An order line counts only when its peak lies nearer its own order than any other (one peak
 *   read by several windows is one line); an order outside the velocity band has no share of
 *   velocityRms's energy. Zone C or D with no pattern: primary 'normal' with a zoneWarning;
 * - a bearing harmonic confirms only the family whose expected line (any harmonic) is nearest,
 *   unless its own family's line stands higher than that family's.
 *
 * Example: diagnose(features).primary === 'bearing-outer-race' for a CWRU outer-race frame.
 */
import { InputError } from '../errors';
import { isObject, own } from '../validate';
import type { BearingLine } from './vibration';

export type FaultMode = 'bearing-outer-race' | 'bearing-inner-race' | 'bearing-ball' | 'bearing-cage' | 'imbalance' | 'misalignment' | 'looseness';
export type Severity = 'watch' | 'warning' | 'alarm';

export interface Fault {
  mode: FaultMode;
  confidence: number;
  severity: Severity;
  evidence: string;
}

export interface Diagnosis {
  primary: FaultMode | 'normal';
  faults: Fault[];
  /** What could not be checked and why (no rpm, no bearing). */
  notes: string[];
  /**
   * Only when no fault pattern matched while the velocity is in ISO zone C or D: "velocity X mm/s,
   * ISO zone D: no fault pattern matched" (primary stays 'normal': no pattern, not a healthy level).
   */
  zoneWarning?: string;
}

export interface DiagnoseOptions {
  /** Prominence (x local median) a defect line needs, with a confirming harmonic or sideband. */
  detect?: number;
  /** Prominence that confirms a harmonic or sideband. */
  confirm?: number;
  /** Prominence enough on its own. */
  strong?: number;
}

/** A bearing line as read back from a message (rel-vibration's BearingLine, defect name unchecked). */
type BLine = Omit<BearingLine, 'defect' | 'searchBins'> & { defect: string };
interface Side {
  of: string;
  offset: number;
  hz: number;
  prominence: number;
  localMax: boolean;
}
interface OLine {
  order: number;
  hz: number;
  velocity: number;
  prominence: number;
}
export interface DiagnosisInput {
  velocityRms: number;
  isoZone: string | null;
  /** The band velocityRms was measured over, Hz (null when the features do not say). */
  velocityBand: [number, number] | null;
  unit: string;
  fr: number | null;
  band: { lo: number; hi: number } | null;
  lines: BLine[];
  sidebands: Side[];
  orders: OLine[];
}

const MAX_LINES = 500;

function fin(v: unknown, path: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new InputError(path, 'a finite number', v);
  return v;
}
function list(v: unknown, path: string): unknown[] {
  if (!Array.isArray(v)) throw new InputError(path, 'an array', v);
  if (v.length > MAX_LINES) throw new InputError(path, `at most ${MAX_LINES} items`, v);
  return v;
}
function obj(v: unknown, path: string): Record<string, unknown> {
  if (!isObject(v)) throw new InputError(path, 'an object', v);
  return v;
}

/** Read the features rel-vibration produced (validated, own properties only). */
export function readFeatures(v: unknown, path = 'msg.payload.features'): DiagnosisInput {
  const f = obj(v, path);
  const velocityRms = fin(own(f, 'velocityRms'), `${path}.velocityRms`);
  const zone = own(f, 'isoZone');
  const isoZone = zone === 'A' || zone === 'B' || zone === 'C' || zone === 'D' ? zone : null;
  const unit = typeof own(f, 'unit') === 'string' ? (own(f, 'unit') as string).slice(0, 10) : 'g';
  const vb = own(f, 'velocityBand');
  const velocityBand: [number, number] | null =
    Array.isArray(vb) && vb.length === 2 && typeof vb[0] === 'number' && typeof vb[1] === 'number' && Number.isFinite(vb[0]) && Number.isFinite(vb[1]) && vb[1] > vb[0] ? [vb[0], vb[1]] : null;
  const out: DiagnosisInput = { velocityRms, isoZone, velocityBand, unit, fr: null, band: null, lines: [], sidebands: [], orders: [] };
  const b = own(f, 'bearing');
  if (b !== null && b !== undefined) {
    const bp = `${path}.bearing`;
    const bo = obj(b, bp);
    out.fr = fin(own(bo, 'fr'), `${bp}.fr`);
    const band = own(bo, 'band');
    if (isObject(band)) out.band = { lo: fin(own(band, 'lo'), `${bp}.band.lo`), hi: fin(own(band, 'hi'), `${bp}.band.hi`) };
    list(own(bo, 'lines'), `${bp}.lines`).forEach((l, i) => {
      const lp = `${bp}.lines[${i}]`;
      const lo = obj(l, lp);
      const sh = own(lo, 'shaftHarmonic');
      out.lines.push({
        defect: String(own(lo, 'defect')),
        harmonic: fin(own(lo, 'harmonic'), `${lp}.harmonic`),
        label: String(own(lo, 'label')).slice(0, 20),
        expectedHz: fin(own(lo, 'expectedHz'), `${lp}.expectedHz`),
        hz: fin(own(lo, 'hz'), `${lp}.hz`),
        amplitude: fin(own(lo, 'amplitude'), `${lp}.amplitude`),
        floor: fin(own(lo, 'floor'), `${lp}.floor`),
        prominence: fin(own(lo, 'prominence'), `${lp}.prominence`),
        localMax: own(lo, 'localMax') === true,
        shaftHarmonic: typeof sh === 'number' && Number.isFinite(sh) ? sh : null,
      });
    });
    const sides = own(bo, 'sidebands');
    if (sides !== undefined)
      list(sides, `${bp}.sidebands`).forEach((s, i) => {
        const sp = `${bp}.sidebands[${i}]`;
        const so = obj(s, sp);
        out.sidebands.push({ of: String(own(so, 'of')), offset: fin(own(so, 'offset'), `${sp}.offset`), hz: fin(own(so, 'hz'), `${sp}.hz`), prominence: fin(own(so, 'prominence'), `${sp}.prominence`), localMax: own(so, 'localMax') === true });
      });
  }
  const o = own(f, 'orders');
  if (o !== null && o !== undefined) {
    const op = `${path}.orders`;
    const oo = obj(o, op);
    if (out.fr === null) out.fr = fin(own(oo, 'fr'), `${op}.fr`);
    list(own(oo, 'lines'), `${op}.lines`).forEach((l, i) => {
      const lp = `${op}.lines[${i}]`;
      const lo = obj(l, lp);
      out.orders.push({ order: fin(own(lo, 'order'), `${lp}.order`), hz: fin(own(lo, 'hz'), `${lp}.hz`), velocity: fin(own(lo, 'velocity'), `${lp}.velocity`), prominence: fin(own(lo, 'prominence'), `${lp}.prominence`) });
    });
  }
  return out;
}

const BEARING_MODES: Record<string, FaultMode> = { bpfo: 'bearing-outer-race', bpfi: 'bearing-inner-race', bsf: 'bearing-ball', ftf: 'bearing-cage' };
const PART: Record<string, string> = { bpfo: 'outer race', bpfi: 'inner race', bsf: 'rolling element', ftf: 'cage' };

const r1 = (x: number) => (Math.abs(x) >= 100 ? x.toFixed(0) : Math.abs(x) >= 10 ? x.toFixed(1) : x.toFixed(2));
const hz = (x: number) => `${x.toFixed(1)} Hz`;
const times = (p: number) => (p > 1000 ? 'over 1000x' : `${p >= 10 ? p.toFixed(0) : p.toFixed(1)}x`);
const sig = (x: number) => (x === 0 ? '0' : Math.abs(x) >= 0.01 ? x.toFixed(3) : x.toExponential(1));

function bearingSeverity(p: number, zone: string | null): Severity {
  if (zone === 'D' || (zone === 'C' && p >= 20)) return 'alarm';
  if (zone === 'C' || p >= 10) return 'warning';
  return 'watch';
}

function zoneSeverity(zone: string | null): Severity {
  return zone === 'D' ? 'alarm' : 'warning';
}

/** Apply the rules to validated features. */
export function diagnose(input: DiagnosisInput, opt: DiagnoseOptions = {}): Diagnosis {
  const detect = opt.detect ?? 4;
  const confirm = opt.confirm ?? 3;
  const strong = opt.strong ?? 8;
  const faults: Fault[] = [];
  const notes: string[] = [];
  const usable = (l: { localMax: boolean; prominence: number; shaftHarmonic?: number | null }, t: number) => l.localMax && (l.shaftHarmonic ?? null) === null && l.prominence >= t;

  // bearing defects, from the envelope spectrum
  if (!input.lines.length) notes.push('no bearing bands in the features (no rpm or no bearing geometry): bearing faults not checked');
  // each family's fundamental; a ball defect shows at BSF and at 2xBSF (it strikes both races)
  const mains = new Map<string, BLine>();
  for (const l of input.lines)
    if ((l.harmonic === 1 || (l.defect === 'bsf' && l.harmonic === 2)) && usable(l, detect)) {
      const m = mains.get(l.defect);
      if (!m || l.prominence > m.prominence) mains.set(l.defect, l);
    }
  const mainP = (d: string) => mains.get(d)?.prominence ?? 0;
  // one peak can sit in the windows of two families (on the 6205, 2xBPFI is 0.7 % from 3xBPFO,
  // 3xBSF 1.4 % from 2xBPFO): it confirms only the family whose expected line (any harmonic) is
  // nearest, unless this family's own line stands higher than that family's
  const ownsPeak = (l: BLine) => {
    const err = Math.abs(l.hz - l.expectedHz);
    for (const [d, m] of mains) {
      if (d === l.defect || m.prominence < mainP(l.defect)) continue;
      const f1 = m.expectedHz / m.harmonic;
      const k = Math.max(1, Math.round(l.hz / f1));
      if (Math.abs(l.hz - k * f1) < err) return false;
    }
    return true;
  };
  for (const defect of ['bpfo', 'bpfi', 'bsf', 'ftf']) {
    const main = mains.get(defect);
    if (!main) continue;
    const lines = input.lines.filter((l) => l.defect === defect);
    const support = lines.filter((l) => l !== main && l.harmonic > 1 && usable(l, confirm) && ownsPeak(l));
    const sides = defect === 'bpfi' ? input.sidebands.filter((s) => s.of === 'bpfi' && s.localMax && s.prominence >= confirm) : [];
    const nSupport = support.length + sides.length;
    if (nSupport === 0 && main.prominence < strong) continue;
    const p = main.prominence;
    const base = Math.min(1, Math.max(0, Math.log10(p / detect)));
    const confidence = Math.min(0.99, 0.4 + 0.4 * base + 0.1 * Math.min(2, nSupport));
    const parts = [
      `Envelope spectrum peak at ${hz(main.hz)} (${main.label} expected ${hz(main.expectedHz)}), ${times(p)} the local noise floor (${sig(main.amplitude)} over ${sig(main.floor)} ${input.unit})`,
    ];
    if (support.length) parts.push(`harmonics ${support.map((l) => `${l.label} at ${hz(l.hz)} (${times(l.prominence)})`).join(', ')}`);
    if (sides.length) parts.push(`1X sidebands ${sides.map((s) => `${s.offset < 0 ? '-' : '+'}1X at ${hz(s.hz)} (${times(s.prominence)})`).join(', ')}`);
    if (input.band) parts.push(`demodulated band ${input.band.lo.toFixed(0)}-${input.band.hi.toFixed(0)} Hz`);
    faults.push({
      mode: BEARING_MODES[defect],
      confidence: round(confidence),
      severity: bearingSeverity(p, input.isoZone),
      evidence: `${PART[defect]} defect: ${parts.join('; ')}${input.isoZone ? `; velocity ${r1(input.velocityRms)} mm/s, ISO zone ${input.isoZone}` : ''}.`,
    });
  }

  // shaft-related faults, from the velocity orders; only when the level is not acceptable
  const zone = input.isoZone;
  const fr = input.fr ?? 0;
  if (!input.orders.length)
    notes.push(
      input.fr === null
        ? 'no order lines in the features (no rpm): imbalance, misalignment and looseness not checked'
        : 'no order line resolved at this speed and frequency resolution (see features.notes): imbalance, misalignment and looseness not checked',
    );
  else if (zone === 'C' || zone === 'D') {
    // a line counts only when its peak lies nearer its own order than any other (orders are 0.5X
    // apart): else it is a neighbour's peak, or one unresolved peak read by several windows
    const ownPeak = (l: OLine) => !(fr > 0) || Math.abs(l.hz - l.order * fr) < 0.25 * fr;
    // velocityRms covers the velocity band only: an order outside it has no share of that energy
    const vb = input.velocityBand;
    const inBand = (l: OLine) => !vb || !(fr > 0) || (l.order * fr >= vb[0] && l.order * fr <= vb[1]);
    const at = (o: number) => input.orders.find((l) => Math.abs(l.order - o) < 1e-9);
    const o1 = at(1);
    const o2 = at(2);
    const total = input.velocityRms * input.velocityRms;
    const lvl = `velocity ${r1(input.velocityRms)} mm/s RMS, ISO zone ${zone}`;
    for (const o of [o1, o2])
      if (o && vb && !inBand(o))
        notes.push(`${o.order}X (${hz(o.order * fr)}) is outside the velocity band (${vb[0]}-${vb[1]} Hz): not counted in the velocity energy shares${vb[0] > 2 && o.order * fr >= 2 && o.order * fr < vb[0] ? '; a 2-1000 Hz band suits slow machines' : ''}`);
    if (o1 && ownPeak(o1) && total > 0) {
      const two = o2 && ownPeak(o2) ? o2 : undefined;
      const v1 = o1.velocity;
      const v2 = two?.velocity ?? 0;
      const e1 = inBand(o1) ? (v1 * v1) / 2 : 0;
      const e2 = two && inBand(two) ? (v2 * v2) / 2 : 0;
      const share1 = e1 / total;
      const share12 = (e1 + e2) / total;
      if (share1 >= 0.5 && (two || !o2) && v2 < 0.5 * v1 && o1.prominence >= detect)
        faults.push({
          mode: 'imbalance',
          confidence: round(Math.min(0.99, 0.5 + (share1 - 0.5))),
          severity: zoneSeverity(zone),
          evidence: `1X at ${hz(o1.hz)} is ${r1(v1)} mm/s peak, ${(share1 * 100).toFixed(0)} % of the velocity energy, ${times(o1.prominence)} the local floor; 2X is ${((v2 / (v1 || 1)) * 100).toFixed(0)} % of 1X; ${lvl}.`,
        });
      if (two && v2 >= 0.5 * v1 && share12 >= 0.3 && two.prominence >= detect) {
        const carry = inBand(o1) && inBand(two) ? '1X+2X carry' : inBand(two) ? '2X carries (1X, outside the velocity band, not counted)' : '1X carries (2X, outside the velocity band, not counted)';
        faults.push({
          mode: 'misalignment',
          confidence: round(Math.min(0.99, 0.4 + 0.3 * Math.min(1, v2 / (v1 || v2)) + 0.3 * Math.min(1, share12))),
          severity: zoneSeverity(zone),
          evidence: `2X at ${hz(two.hz)} is ${r1(v2)} mm/s peak, ${((v2 / (v1 || 1)) * 100).toFixed(0)} % of 1X (${r1(v1)} mm/s), ${times(two.prominence)} the local floor; ${carry} ${(share12 * 100).toFixed(0)} % of the velocity energy; ${lvl}. Check axial 1X to confirm.`,
        });
      }
    }
    const harm = input.orders.filter((l) => Number.isInteger(l.order) && l.order >= 3 && l.order <= 10 && l.prominence >= detect && ownPeak(l));
    const halves = input.orders.filter((l) => !Number.isInteger(l.order) && l.prominence >= detect && ownPeak(l));
    if (harm.length >= 4 && halves.length >= 2)
      faults.push({
        mode: 'looseness',
        confidence: round(Math.min(0.99, 0.3 + 0.06 * harm.length + 0.06 * halves.length)),
        severity: zoneSeverity(zone),
        evidence: `${harm.length} harmonics of 3X-10X (${harm.map((l) => `${l.order}X`).join(', ')}) and ${halves.length} half orders (${halves.map((l) => `${l.order}X`).join(', ')}) stand ${detect}x or more above the local floor; ${lvl}.`,
      });
  }
  faults.sort((a, b) => b.confidence - a.confidence);
  const out: Diagnosis = { primary: faults.length ? faults[0].mode : 'normal', faults, notes };
  if (!faults.length && (zone === 'C' || zone === 'D')) {
    out.zoneWarning = `velocity ${r1(input.velocityRms)} mm/s, ISO zone ${zone}: no fault pattern matched`;
    notes.push(out.zoneWarning);
  }
  return out;
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
