/**
 * Plain language (nodes/core/text): sentences a technician understands, in English and German,
 * from what the nodes emit; numbers with sensible digits. One end-to-end case runs the simulated
 * outer-race fault through the real vibration analysis and diagnosis.
 */
import assert from 'assert';
import fs from 'fs';
import path from 'path';
import DICT from '../../nodes/core/text/dashboard.json';
import { bearingMultiples, BEARINGS } from '../../nodes/core/signal/bearing';
import { diagnose, readFeatures } from '../../nodes/core/signal/diagnose';
import { ISO_LIMITS } from '../../nodes/core/signal/iso10816';
import { DEFAULT_MACHINE, SimMachine } from '../../nodes/core/signal/simulator';
import { analyzeVibration } from '../../nodes/core/signal/vibration';
import {
  localTime, rulShort, staleText, durationIn, durationRange, durationUnit,
  duration, evidenceFigures, faultName, faultSentence, healthSentence, healthState, hz, isoZoneText, langOf, locationOf, num, roundSig, rulSentence, severityText, times, timesWords, withUnit, workOrderTitle,
  MAX_TITLE, type TitleInput, andonCallName, andonHealthText, configLanguage, escalationText, faultPhrase, lineReasonText, modeWords,
} from '../../nodes/core/text';

const EVIDENCE =
  'outer race defect: Envelope spectrum peak at 107.4 Hz (BPFO expected 107.8 Hz), 66x the local noise floor (0.012 over 0.000182 g); harmonics 2xBPFO at 214.8 Hz (12x); demodulated band 2000-4000 Hz; velocity 4.49 mm/s, ISO zone C.';

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
    assert.deepStrictEqual([timesWords(66.2), timesWords(4.25), timesWords(4.25, 'de'), timesWords(5000), timesWords(5000, 'de')], ['66 times', '4.3 times', '4,3-fach', 'more than 1,000 times', 'über 1.000-fach']);
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
    assert.deepStrictEqual(evidenceFigures(EVIDENCE), { hz: 107.4, expectedHz: 107.8, prominence: 66, velocity: 4.49, zone: 'C' });
    // the measured peak and the frequency the chart marks (expected from the bearing's geometry), both named
    assert.strictEqual(
      faultSentence(f, { channel: 'DE-accel' }),
      'Outer ring of the drive-end bearing damaged: the defect frequency, measured 107\u00a0Hz (expected 108\u00a0Hz for the outer ring), stands 66 times above the noise; vibration 4.49\u00a0mm/s, zone C',
    );
    assert.strictEqual(
      faultSentence(f, { channel: 'DE-accel', lang: 'de' }),
      'Außenring des antriebsseitigen Lagers beschädigt: die Schadensfrequenz, gemessen 107\u00a0Hz (erwartet 108\u00a0Hz für den Außenring), steht 66-fach über dem Rauschen; Schwinggeschwindigkeit 4,49\u00a0mm/s, Zone C',
    );
    // without the expected frequency in the evidence: the measured one only
    assert.strictEqual(faultSentence({ mode: 'bearing-inner-race', evidence: 'Envelope spectrum peak at 162.3 Hz, 12x the local noise floor' }), 'Inner ring of the bearing damaged: the defect frequency 162\u00a0Hz stands 12 times above the noise');
    assert.strictEqual(faultSentence({ mode: 'imbalance', evidence: '1X at 29.9 Hz is 6.1 mm/s peak, 83 % of the velocity energy, 40x the local floor; 2X is 12 % of 1X; ISO zone D.' }), 'Rotor out of balance: the line at 29.9\u00a0Hz stands 40 times above the noise');
    assert.strictEqual(faultName('bearing-cage', 'de'), 'Käfig des Lagers beschädigt');
    assert.strictEqual(faultName('looseness', 'de'), 'Mechanische Lose (Befestigung, Schrauben oder Lagersitz)');
    assert.strictEqual(faultName('something-new'), 'Finding: something-new');
  });

  it('writes work-order titles: what is wrong, then the machine by its name (else its id)', () => {
    const t = (i: TitleInput, lang?: 'en' | 'de') => workOrderTitle(i, lang);
    assert.strictEqual(t({ mode: 'bearing-outer-race', asset: 'conveyor-1', assetName: 'Conveyor 1', channel: 'DE-accel' }), 'Outer ring of the drive-end bearing damaged – Conveyor 1');
    assert.strictEqual(t({ mode: 'bearing-outer-race', asset: 'conveyor-1', assetName: 'Förderband 1', channel: 'DE-accel' }, 'de'), 'Außenring des antriebsseitigen Lagers beschädigt – Förderband 1');
    // no name known: the id; no channel: no bearing position
    assert.strictEqual(t({ mode: 'bearing-inner-race', asset: 'conveyor-1' }), 'Inner ring of the bearing damaged – conveyor-1');
    assert.strictEqual(t({ mode: 'bearing-ball', asset: 'fan-2', assetName: '  ', channel: 'NDE' }, 'de'), 'Wälzkörper des nicht antriebsseitigen Lagers beschädigt – fan-2');
    assert.strictEqual(t({ mode: 'misalignment', asset: 'pump-1', assetName: 'Pump 1' }), 'Shafts misaligned at the coupling – Pump 1');
    // a health finding with its score at the detection
    assert.strictEqual(t({ mode: 'health', asset: 'press-1', assetName: 'Press 1', score: 8.6 }), 'Machine health below normal – Press 1 (health 9 of 100)');
    assert.strictEqual(t({ mode: 'machine-health', asset: 'press-1', assetName: 'Presse 1', score: 62 }, 'de'), 'Maschinenzustand unter normal – Presse 1 (Zustand 62 von 100)');
    // an unknown mode falls back to its code as words (in both languages), never "undefined"
    assert.strictEqual(t({ mode: 'manual-test', asset: 'pump-1' }), 'Manual test – pump-1');
    assert.strictEqual(t({ mode: 'oil_temp.high', asset: 'pump-1', assetName: 'Pumpe 1' }, 'de'), 'Oil temp high – Pumpe 1');
    assert.strictEqual(modeWords('---'), '---');
    assert.strictEqual(faultPhrase('imbalance', 'de'), 'Unwucht am Rotor');
    // never longer than a work order stores
    const long = t({ mode: 'x'.repeat(100), asset: 'a'.repeat(200) });
    assert.strictEqual(long.length, MAX_TITLE);
    assert.ok(long.endsWith('…'));
    // the older call form gives the same text
    assert.strictEqual(workOrderTitle('Conveyor drive', { mode: 'bearing-inner-race' }, { channel: 'DE-accel' }), 'Inner ring of the drive-end bearing damaged – Conveyor drive');
    assert.strictEqual(workOrderTitle('Förderband', { mode: 'misalignment' }, { lang: 'de' }), 'Wellen an der Kupplung nicht fluchtend – Förderband');
  });

  it('reads a node\'s language setting: en, de, or empty (en); anything else names the field', () => {
    assert.deepStrictEqual([undefined, null, '', 'en', 'de'].map((v) => configLanguage(v)), ['en', 'en', 'en', 'en', 'de']);
    assert.throws(() => configLanguage('fr'), /language: expected en or de, got .*fr/);
  });

  it('writes Andon calls, line reasons and escalations in words', () => {
    assert.strictEqual(andonHealthText({ station: 'press-1', name: 'Press 1', state: 'alarm', score: 9.2 }), 'Machine health alarm – Press 1 (health 9 of 100)');
    assert.strictEqual(andonHealthText({ station: 'press-1', state: 'warning', score: 62 }, 'de'), 'Maschinenzustand Warnung – press-1 (Zustand 62 von 100)');
    assert.deepStrictEqual(['machine', 'safety', 'help'].map((k) => andonCallName(k)), ['Machine call', 'Safety call', 'Help call']);
    assert.deepStrictEqual(['quality', 'material', 'help'].map((k) => andonCallName(k, 'de')), ['Qualitätsruf', 'Materialruf', 'Ruf (help)']);
    const call = { id: 3, kind: 'machine', station: 'press-1', text: 'Machine health alarm – Press 1 (health 9 of 100)' };
    assert.strictEqual(lineReasonText(call, { why: 'raised' }, 'en', 'Press 1'), 'Machine call at Press 1: Machine health alarm – Press 1 (health 9 of 100)');
    assert.strictEqual(lineReasonText({ ...call, text: '' }, { why: 'raised' }, 'de'), 'Maschinenruf an press-1');
    assert.strictEqual(lineReasonText(call, { why: 'level', level: 2 }, 'en', 'Press 1'), 'Call 3 (machine call at Press 1) not acknowledged: escalation level 2 reached');
    assert.strictEqual(lineReasonText(call, { why: 'level', level: 2 }, 'de', 'Presse 1'), 'Ruf 3 (Maschinenruf an Presse 1) nicht quittiert: Eskalationsstufe 2 erreicht');
    assert.strictEqual(lineReasonText(call, { why: 'resolved', by: 'Maria' }, 'en'), 'Call 3 (machine call at press-1) resolved by Maria');
    assert.strictEqual(lineReasonText(call, { why: 'resolved', by: 'Maria' }, 'de'), 'Ruf 3 (Maschinenruf an press-1) von Maria erledigt');
    assert.strictEqual(escalationText({ kind: 'machine', station: 'press-1', name: 'Press 1', level: 2, afterMin: 5, text: call.text }), 'Machine call at Press 1 not acknowledged after 5\u00a0min: escalation level 2. Machine health alarm – Press 1 (health 9 of 100)');
    assert.strictEqual(escalationText({ kind: 'safety', station: 'st-4', level: 1, afterMin: 0.5 }, 'de'), 'Sicherheitsruf an st-4 nach 30\u00a0s nicht quittiert: Eskalationsstufe 1');
    assert.strictEqual(escalationText({ kind: 'quality', station: 'st-4', level: 3, afterMin: 150 }, 'de'), 'Qualitätsruf an st-4 nach 2,5\u00a0h nicht quittiert: Eskalationsstufe 3');
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
    // a machine in warning or alarm with a low overall level is not "as good as a new machine"
    assert.strictEqual(isoZoneText('A', 'en', 0.793, lim, { state: 'alarm' }), '0.793\u00a0mm/s is in zone A (below 1.4 mm/s): the overall vibration is still low; the fault shows in the spectrum before the level rises');
    assert.match(isoZoneText('B', 'de', 2, lim, { state: 'warning' }), /: die Gesamtschwingung ist noch niedrig; der Schaden zeigt sich im Spektrum/);
    assert.match(isoZoneText('A', 'en', 0.793, lim, { state: 'normal' }), /as good as a new machine$/);
    assert.match(isoZoneText('D', 'en', 12, lim, { state: 'alarm' }), /severe enough to damage the machine: act now$/);
  });

  it('says the remaining life, or why there is none', () => {
    assert.strictEqual(rulSentence({ hours: 74.4, low: 36, high: 125 }), 'About 3.1\u00a0days left (1.5 to 5.2\u00a0days)');
    assert.strictEqual(rulSentence({ hours: 74.4, low: 36, high: 125 }, 'de'), 'Noch etwa 3,1\u00a0Tage (1,5 bis 5,2\u00a0Tage)');
    assert.strictEqual(rulSentence({ hours: 24 * 42, low: 24 * 10, high: null }), 'About 42\u00a0days left (at least 10\u00a0days)');
    assert.strictEqual(rulSentence({ hours: 14, low: 9.1, high: 25 }), 'About 14\u00a0h left (9.1 to 25\u00a0h)');
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
    assert.ok(fig.expectedHz !== undefined && Math.abs(fig.expectedHz - bpfo) / bpfo < 0.01, `the expected frequency ${fig.expectedHz} is BPFO ${bpfo}`);
    assert.match(s, /^Outer ring of the drive-end bearing damaged: the defect frequency, measured \d+(\.\d)?\u00a0Hz \(expected \d+(\.\d)?\u00a0Hz for the outer ring\), stands (\d+(\.\d)? times|more than 1,000 times) above the noise/);
    assert.match(faultSentence(f, { channel: w.channel, lang: 'de' }), /^Außenring des antriebsseitigen Lagers beschädigt: die Schadensfrequenz, gemessen \d+(,\d)?\u00a0Hz \(erwartet \d+(,\d)?\u00a0Hz für den Außenring\), steht/);
  });
});

describe('text: floor screens (times, stale data, RUL on a tile, page dictionary)', () => {
  it('gives the plant\'s local time', () => {
    const t = Date.UTC(2026, 11, 6, 13, 5, 9);
    assert.strictEqual(localTime(t, 'en', 'Europe/Berlin'), '14:05:09');
    assert.strictEqual(localTime(t, 'de', 'America/Chicago'), '07:05:09');
    assert.strictEqual(localTime(t, 'en', 'No/Such_Zone'), '13:05:09');
    assert.strictEqual(localTime(t, 'de', 'Europe/Berlin', { date: true }), '6. Dez. 2026, 14:05');
    assert.strictEqual(localTime(t, 'en', 'UTC', { date: true }), '6 Dec 2026, 13:05');
  });

  it('says how long a machine has been silent', () => {
    assert.deepStrictEqual([40_000, 120_000, 3_599_000, 9_000_000].map((ms) => staleText(ms)), ['no data for 40\u00a0s', 'no data for 2\u00a0min', 'no data for 59\u00a0min', 'no data for 2.5\u00a0h']);
    assert.strictEqual(staleText(125_000, 'de'), 'seit 2\u00a0min keine Daten');
  });

  it('shows a RUL on a tile without absurd figures', () => {
    assert.deepStrictEqual(rulShort({ hours: 0, low: 0, high: 0 }, 'en', { health: 100 }), { value: 'estimate after more readings', band: '', figure: false });
    assert.deepStrictEqual(rulShort({ hours: 14156, low: 3968, high: 3968241 }), { value: 'no wear trend', band: '', figure: false });
    assert.deepStrictEqual(rulShort({ hours: 35.2, low: 20, high: 459 }, 'de'), { value: '1,5\u00a0Tage', band: '0,8 bis 19\u00a0Tage', figure: true });
    assert.deepStrictEqual(rulShort({ hours: 14, low: 9.1, high: 25 }), { value: '14\u00a0h', band: '9.1 to 25\u00a0h', figure: true });
    // in alarm, a forecast the trend does not bound yet (up to past 1,000 h): no figure that contradicts the alarm
    assert.deepStrictEqual(rulShort({ hours: 336, low: 168, high: 5000 }, 'de', { health: 13, state: 'alarm' }), { value: 'Prognose nach weiteren Messungen', band: '', figure: false });
    assert.deepStrictEqual(rulShort({ hours: 336, low: 168, high: 5000 }, 'en', { health: 80, state: 'normal' }), { value: '14\u00a0days', band: 'at least 7.0\u00a0days', figure: true });
    assert.strictEqual(rulShort({ hours: 2000 }, 'en', { state: 'warning' }).value, 'estimate after more readings');
    // rel-rul's open interval (high null in JSON: "not before low") beside an alarm: no figure; on a normal machine "at least"
    assert.deepStrictEqual(rulShort({ hours: 130, low: 50, high: null }, 'en', { health: 20, state: 'alarm' }), { value: 'estimate after more readings', band: '', figure: false });
    assert.deepStrictEqual(rulShort({ hours: 130, low: 50, high: null }, 'de', { health: 90, state: 'normal' }), { value: '5,4\u00a0Tage', band: 'mindestens 2,1\u00a0Tage', figure: true });
    assert.deepStrictEqual(rulShort({ hours: 30 }, 'en', { state: 'alarm' }), { value: '30\u00a0h', band: '', figure: true });
    assert.strictEqual(rulShort(null, 'en', { reason: 'asset normal' }).value, 'no wear trend');
    // at the failure level on a machine in alarm: words, not "0.0 h"
    assert.deepStrictEqual(rulShort({ hours: 0.01, low: 0, high: 0.02 }, 'en', { health: 8 }), { value: 'due now', band: 'failure level reached', figure: false });
    assert.strictEqual(rulShort({ hours: 0 }, 'de', { health: 8 }).value, 'jetzt fällig');
    assert.strictEqual(rulShort(null, 'de', { reason: 'asset normal' }).value, 'kein Verschleiß\u00adtrend', 'a soft hyphen where a narrow tile may break the word');
    assert.strictEqual(rulShort(null, 'de', { reason: 'too little data: 3 of 10 points' }).value, 'Prognose nach weiteren Messungen');
  });

  it('writes a range of durations in one unit, that of the larger end', () => {
    assert.strictEqual(durationRange(4.2 * 24, 42 * 24), '4.2 to 42\u00a0days');
    assert.strictEqual(durationRange(4.2 * 24, 42 * 24, 'de'), '4,2 bis 42\u00a0Tage');
    assert.strictEqual(durationRange(9.1, 25), '9.1 to 25\u00a0h');
    assert.strictEqual(durationRange(20, 125), '0.8 to 5.2\u00a0days');
    assert.strictEqual(durationRange(0.25, 0.75, 'de'), '15 bis 45\u00a0min');
    assert.strictEqual(durationRange(30, 9), '9.0 to 30\u00a0h', 'the ends in order');
    assert.strictEqual(durationRange(NaN, 3), '-');
    assert.strictEqual(durationIn(0.1, 'min'), '6\u00a0min');
    assert.strictEqual(durationIn(50, 'h', 'de'), '50\u00a0h');
    assert.deepStrictEqual([0.5, 47, 48, 5000].map(durationUnit), ['min', 'h', 'd', 'd']);
  });

  it('the page dictionary has every key in English and in German, none empty', () => {
    const en = Object.keys(DICT.en).sort();
    const de = Object.keys(DICT.de).sort();
    assert.deepStrictEqual(en.filter((k) => !de.includes(k)), [], 'keys missing in de');
    assert.deepStrictEqual(de.filter((k) => !en.includes(k)), [], 'keys missing in en');
    for (const l of ['en', 'de'] as const) for (const [k, v] of Object.entries(DICT[l])) assert.ok(typeof v === 'string' && v.trim() !== '', `${l} ${k}`);
    assert.ok(en.length > 100);
  });

  it('every t(\'key\') in the floor pages is in the dictionary', () => {
    const dir = path.join(__dirname, '..', '..', '..', 'scripts', 'demo', 'ui');
    const used = new Set<string>();
    // every floor page, the navigation template and the methods pasted into them all (i18n.js)
    for (const f of ['line.vue', 'asset.vue', 'maintenance.vue', 'kanban.vue', 'tech.vue', 'nav.vue', 'i18n.js']) {
      const src = fs.readFileSync(path.join(dir, f), 'utf8');
      for (const m of src.matchAll(/\bt\('([\w.-]+)'\)/g)) used.add(m[1]);
      // t('state.' + a.state): the prefix names a family of keys
      for (const m of src.matchAll(/\bt\('([\w.-]+\.)' \+/g)) assert.ok(Object.keys(DICT.en).some((k) => k.startsWith(m[1])), `${f}: no key ${m[1]}*`);
    }
    assert.ok(used.size > 50, `${used.size} keys used`);
    assert.deepStrictEqual([...used].filter((k) => !(k in DICT.en)), []);
    for (const s of ['learning', 'normal', 'warning', 'alarm', 'stopped', 'stale', 'nodata']) assert.ok(`state.${s}` in DICT.en, `state.${s}`);
  });

  it('the Widgets page: every group title, table column and chart or table label nav.vue translates has its widgets.* key in en and de', () => {
    // nav.vue looks the keys up with has(): a missing one would silently stay English
    const flow = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', '..', 'flows', 'demo-line.json'), 'utf8')) as any[];
    const groups = flow.filter((n) => n.type === 'ui-group' && n.page === 'page-widgets');
    const ids = new Set(groups.map((g) => g.id));
    const widgets = flow.filter((n) => ids.has(n.group));
    const need: [string, string][] = groups.map((g) => [`widgets.group.${g.id}`, g.name]);
    for (const w of widgets) {
      if (w.type === 'ui-chart' || w.type === 'ui-table') need.push([`widgets.label.${w.id}`, w.label]);
      for (const c of w.type === 'ui-table' ? w.columns : []) need.push([`widgets.col.${c.key}`, c.title]);
    }
    // the OEE gauges' figures (not the machines' names, nor the abbreviation OEE)
    for (const w of widgets) if (w.type === 'ui-gauge' && /^w-oee-/.test(w.id) && w.title !== 'OEE') need.push([`widgets.label.${w.id}`, w.title]);
    const tables = widgets.filter((w) => w.type === 'ui-table');
    assert.ok(groups.length >= 7 && tables.length >= 4 && tables.every((t) => t.columns.length >= 5) && widgets.some((w) => w.type === 'ui-chart'), `${groups.length} groups, ${tables.length} tables`);
    const d = DICT as unknown as Record<'en' | 'de', Record<string, string>>;
    assert.deepStrictEqual(need.filter(([k]) => !(k in d.en) || !(k in d.de)).map(([k]) => k), [], 'widgets.* keys missing');
    // the English text is the flow's own (the page reads the same before and after nav.vue runs)
    assert.deepStrictEqual(need.filter(([k, en]) => d.en[k] !== en).map(([k, en]) => `${k}: flow "${en}", dictionary "${d.en[k]}"`), []);
    // and the German is German, not the English copied
    assert.deepStrictEqual(need.filter(([k]) => d.de[k] === d.en[k] && !/^(MTBF|MTTR|Status|Text)\b/.test(d.en[k])).map(([k]) => k), []);
  });
});
