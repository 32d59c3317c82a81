/**
 * Plain language (nodes/core/text): sentences a technician understands, in English and German,
 * from what the nodes emit; numbers with sensible digits. One end-to-end case runs the simulated
 * outer-race fault through the real vibration analysis and diagnosis.
 */
import assert from 'assert';
import { bearingMultiples, BEARINGS } from '../../nodes/core/signal/bearing';
import { diagnose, readFeatures } from '../../nodes/core/signal/diagnose';
import { ISO_LIMITS } from '../../nodes/core/signal/iso10816';
import { DEFAULT_MACHINE, SimMachine } from '../../nodes/core/signal/simulator';
import { analyzeVibration } from '../../nodes/core/signal/vibration';
import {
  duration, evidenceFigures, faultName, faultSentence, healthSentence, healthState, hz, isoZoneText, langOf, locationOf, num, roundSig, rulSentence, severityText, times, withUnit, workOrderTitle,
} from '../../nodes/core/text';

const EVIDENCE =
  'outer race defect: Envelope spectrum peak at 107.4 Hz (BPFO expected 107.4 Hz), 66x the local noise floor (0.012 over 0.000182 g); harmonics 2xBPFO at 214.8 Hz (12x); demodulated band 2000-4000 Hz; velocity 4.49 mm/s, ISO zone C.';

describe('text: numbers with sensible digits', () => {
  it('rounds to 3 significant digits, never below the integer part', () => {
    assert.deepStrictEqual([107.36, 4.4871, 0.012345, 12345.6, -0.5555, 0].map((x) => roundSig(x)), [107, 4.49, 0.0123, 12346, -0.556, 0]);
    assert.strictEqual(roundSig(1234.5678, 6), 1234.57);
    assert.strictEqual(roundSig(1.23456e-7), 1.23e-7);
    assert.ok(Number.isNaN(roundSig(NaN)));
  });

  it('formats in English and German (decimal comma, grouping), units and frequencies', () => {
    assert.strictEqual(num(4.4871), '4.49');
    assert.strictEqual(num(4.4871, 'de'), '4,49');
    assert.strictEqual(num(12345.6), '12,346');
    assert.strictEqual(num(12345.6, 'de'), '12.346');
    assert.strictEqual(num(NaN), '-');
    assert.strictEqual(withUnit(1797, 'rpm', 'de'), '1.797\u00a01/min');
    assert.strictEqual(withUnit(71.5, 'degC'), '71.5\u00a0°C');
    assert.strictEqual(hz(107.36), '107\u00a0Hz');
    assert.strictEqual(hz(29.95, 'de'), '30,0\u00a0Hz');
    assert.deepStrictEqual([times(66.2), times(4.25), times(5000), times(5000, 'de')], ['66x', '4.3x', 'over 1000x', 'über 1000x']);
  });

  it('says durations as a person would', () => {
    assert.deepStrictEqual([duration(0.75), duration(5.5), duration(30), duration(74.4), duration(24 * 42), duration(24 * 200)], ['45\u00a0min', '5.5\u00a0h', '30\u00a0h', '3.1\u00a0days', 'about 6 weeks', 'about 7 months']);
    assert.deepStrictEqual([duration(5.5, 'de'), duration(74.4, 'de'), duration(24 * 42, 'de')], ['5,5\u00a0h', '3,1\u00a0Tage', 'etwa 6 Wochen']);
  });

  it('maps locales to a language', () => {
    assert.deepStrictEqual(['de', 'de-DE', 'de_AT', 'en-US', 'fr', undefined, 'dex'].map(langOf), ['de', 'de', 'de', 'en', 'en', 'en', 'en']);
  });
});

describe('text: fault modes, severities, health, ISO zones, RUL', () => {
  it('names the bearing position from the channel', () => {
    assert.deepStrictEqual(['DE-accel', 'nde_vib', 'motor drive end', 'NDE', 'motor-temp', 'decel', undefined].map(locationOf), ['DE', 'NDE', 'DE', 'NDE', undefined, undefined, undefined]);
  });

  it('turns a rel-diagnose fault into the sentence a technician checks on the spectrum', () => {
    const f = { mode: 'bearing-outer-race', severity: 'alarm' as const, evidence: EVIDENCE };
    assert.deepStrictEqual(evidenceFigures(EVIDENCE), { hz: 107.4, prominence: 66, velocity: 4.49, zone: 'C' });
    assert.strictEqual(
      faultSentence(f, { channel: 'DE-accel' }),
      'Outer ring of the drive-end bearing damaged: the defect frequency 107\u00a0Hz stands 66x above the noise; vibration 4.49\u00a0mm/s, zone C',
    );
    assert.strictEqual(
      faultSentence(f, { channel: 'DE-accel', lang: 'de' }),
      'Außenring des antriebsseitigen Lagers beschädigt: die Schadensfrequenz 107\u00a0Hz steht 66x über dem Rauschen; Schwinggeschwindigkeit 4,49\u00a0mm/s, Zone C',
    );
    assert.strictEqual(faultSentence({ mode: 'imbalance', evidence: '1X at 29.9 Hz is 6.1 mm/s peak, 83 % of the velocity energy, 40x the local floor; 2X is 12 % of 1X; ISO zone D.' }), 'Rotor out of balance: the line at 29.9\u00a0Hz stands 40x above the noise');
    assert.strictEqual(faultName('bearing-cage', 'de'), 'Käfig des Lagers beschädigt');
    assert.strictEqual(faultName('looseness', 'de'), 'Mechanische Lose (Befestigung, Schrauben oder Lagersitz)');
    assert.strictEqual(faultName('something-new'), 'Finding: something-new');
  });

  it('writes work-order titles', () => {
    assert.strictEqual(workOrderTitle('Conveyor drive', { mode: 'bearing-inner-race' }, { channel: 'DE-accel' }), 'Conveyor drive: inner ring of the drive-end bearing damaged');
    assert.strictEqual(workOrderTitle('Förderband', { mode: 'misalignment' }, { lang: 'de' }), 'Förderband: Wellen an der Kupplung nicht fluchtend');
  });

  it('says what a severity and a health state ask of the technician', () => {
    assert.deepStrictEqual((['watch', 'warning', 'alarm'] as const).map((s) => severityText(s)), ['Watch: check at the next round', 'Warning: plan the repair', 'Alarm: act now']);
    assert.strictEqual(severityText('alarm', 'de'), 'Alarm: sofort handeln');
    assert.strictEqual(healthState('alarm'), 'Alarm: act now');
    assert.strictEqual(healthState('stopped', 'de'), 'Stillstand: die Maschine läuft nicht');
    assert.strictEqual(healthSentence({ score: 61.6, state: 'warning' }), 'Health 62 of 100. Warning: plan maintenance');
    assert.strictEqual(healthSentence({ score: 97, state: 'normal' }, 'de'), 'Zustand 97 von 100. Normal: nichts zu tun');
    assert.strictEqual(healthSentence({ score: null, state: 'learning', learned: 0.4 }), "Learning: the machine's normal state is being learned (40 %)");
  });

  it('explains ISO 10816 zones with the class limits', () => {
    const lim = ISO_LIMITS['iso10816-3:group2:rigid'];
    assert.strictEqual(isoZoneText('C', 'en', 4.4871, lim), '4.49\u00a0mm/s is in zone C (2.8 to 4.5 mm/s): not for long-term operation: plan a repair');
    assert.strictEqual(isoZoneText('A', 'de', 0.91, lim), '0,910\u00a0mm/s liegt in Zone A (unter 1.4 mm/s): so gut wie eine neue Maschine'.replace('1.4', '1,4'));
    assert.strictEqual(isoZoneText('D'), 'Zone D: severe enough to damage the machine: act now');
  });

  it('says the remaining life, or why there is none', () => {
    assert.strictEqual(rulSentence({ hours: 74.4, low: 36, high: 125 }), 'About 3.1\u00a0days left (36\u00a0h to 5.2\u00a0days)');
    assert.strictEqual(rulSentence({ hours: 74.4, low: 36, high: 125 }, 'de'), 'Noch etwa 3,1\u00a0Tage (36\u00a0h bis 5,2\u00a0Tage)');
    assert.strictEqual(rulSentence({ hours: 24 * 42, low: 24 * 10, high: null }), 'About 6 weeks left (at least 10\u00a0days)');
    assert.strictEqual(rulSentence(null, 'en', 'too little data'), 'No remaining life estimate: not enough readings yet for a forecast');
    assert.strictEqual(rulSentence(null, 'de', 'plateau'), 'Keine Restlebensdauer: der Verschleiß ist zum Stillstand gekommen');
  });
});

describe('text: end to end on a simulated outer-race fault', () => {
  it('the real diagnosis of a damaged 6205 outer race reads as a sentence with its defect frequency', () => {
    const T0 = Date.UTC(2026, 0, 5);
    const m = new SimMachine({ ...DEFAULT_MACHINE, assetId: 'conveyor-1', fault: 'bearing-outer-race', frameSize: 16384, onsetHours: 0, failureHours: 10 }, T0);
    const e = m.emit(T0 + 9 * 3600_000);
    const w = e.waveform as unknown as { samples: ArrayLike<number>; fs: number; rpm: number; channel: string };
    const features = analyzeVibration(w.samples, { fs: w.fs, rpm: w.rpm, bearing: bearingMultiples(BEARINGS['6205-2RS']), machineClass: 'iso10816-3:group2:rigid', velocityBand: [10, 1000] });
    const d = diagnose(readFeatures(JSON.parse(JSON.stringify(features)), 'features'));
    const f = d.faults.find((x) => x.mode === 'bearing-outer-race');
    assert.ok(f, `outer race found: ${JSON.stringify(d)}`);
    const bpfo = 3.5848 * (w.rpm / 60);
    const fig = evidenceFigures(f.evidence);
    assert.ok(fig.hz !== undefined && Math.abs(fig.hz - bpfo) / bpfo < 0.03, `the sentence's frequency ${fig.hz} is BPFO ${bpfo}`);
    assert.ok(fig.prominence !== undefined && fig.prominence >= 4);
    const s = faultSentence(f, { channel: w.channel });
    assert.match(s, /^Outer ring of the drive-end bearing damaged: the defect frequency \d+(\.\d)?\u00a0Hz stands (\d+(\.\d)?x|over 1000x) above the noise/);
    assert.match(faultSentence(f, { channel: w.channel, lang: 'de' }), /^Außenring des antriebsseitigen Lagers beschädigt: die Schadensfrequenz \d+(,\d)?\u00a0Hz steht/);
  });
});
