/**
 * The floor view model (nodes/core/views): machines from rel-assets and the register, the latest
 * figures -> tiles grouped by site / area / line, stale tiles, plain language in en and de.
 */
import assert from 'assert';
import { buildLineView, LineFigures, storeBanner, type ViewAsset } from '../../nodes/core/views';

const T0 = Date.UTC(2026, 11, 6, 12, 0, 0);
const EVIDENCE = 'outer race defect: Envelope spectrum peak at 107.4 Hz (BPFO expected 107.4 Hz), 66x the local noise floor (0.012 over 0.000182 g); harmonics 2xBPFO at 214.8 Hz (12x).';

function frame(asset: string, score: number | null, state: string, extra: Record<string, unknown> = {}) {
  return { asset, channel: 'DE-accel', ts: 1, features: { velocityRms: 4.4871, isoZone: 'C', isoLimits: { ab: 1.4, bc: 2.8, cd: 4.5 } }, health: { score, state, learned: 1 }, diagnosis: { primary: 'normal', faults: [] }, ...extra };
}

function register(n: number, lines: number): ViewAsset[] {
  return Array.from({ length: n }, (_, i) => ({ id: `M-${i + 1}`, name: `Machine ${i + 1}`, site: 'Plant A', area: i % lines < 4 ? 'Hall 1' : 'Hall 2', line: `L${(i % lines) + 1}`, criticality: 3 }));
}

describe('views: the line view model', () => {
  it('groups 120 registered machines by site, area and line, tiles in natural id order', () => {
    const v = buildLineView(register(120, 8), new LineFigures(), T0);
    assert.strictEqual(v.total, 120);
    assert.strictEqual(v.groups.length, 8);
    assert.deepStrictEqual(v.groups.map((g) => g.key), ['Plant A / Hall 1 / L1', 'Plant A / Hall 1 / L2', 'Plant A / Hall 1 / L3', 'Plant A / Hall 1 / L4', 'Plant A / Hall 2 / L5', 'Plant A / Hall 2 / L6', 'Plant A / Hall 2 / L7', 'Plant A / Hall 2 / L8']);
    assert.ok(v.groups.every((g) => g.tiles.length === 15 && g.counts.nodata === 15));
    assert.deepStrictEqual(v.groups[0].tiles.slice(0, 3).map((t) => t.id), ['M-1', 'M-9', 'M-17']);
    assert.strictEqual(v.groups[0].tiles[0].state, 'nodata');
  });

  it('tiles in the line\'s configured order (rel-asset position), then by name, never by the hidden id', () => {
    const line = 'Packaging line 1';
    const v = buildLineView(
      [
        { id: 'x-9', name: 'Press 10', line },
        { id: 'compressor-1', name: 'Compressor', line, position: 4 },
        { id: 'conveyor-1', name: 'Conveyor drive', line, position: 0 },
        { id: 'x-1', name: 'Press 2', line },
        { id: 'press-1', name: 'Capper press', line, position: 3 },
        { id: 'filler-1', name: 'Filler motor', line, position: 2 },
      ],
      new LineFigures(),
      T0,
    );
    assert.deepStrictEqual(v.groups[0].tiles.map((t) => t.name), ['Conveyor drive', 'Filler motor', 'Capper press', 'Compressor', 'Press 2', 'Press 10']);
    assert.strictEqual(v.groups[0].key, line);
  });

  it('a machine seen through PLC tags: the zone beside the velocity it was judged on; no zone while stopped', () => {
    const figs = new LineFigures();
    const readings = [
      { asset: 'press-1', channel: 'run', quantity: 'state', unit: '', value: 1 },
      { asset: 'press-1', channel: 'DE-vel', quantity: 'velocity', unit: 'mm/s', value: 1.62 },
      { asset: 'press-1', channel: 'motor-temp', quantity: 'temperature', unit: 'degC', value: 41.2 },
    ];
    const health = (state: string, score: number | null, isoZone?: string) => ({ asset: 'press-1', score, state, learned: 1, isoZone, contributors: [{ channel: 'DE-vel', value: 1.62, unit: 'mm/s' }, { channel: 'motor-temp', value: 41.2, unit: 'degC' }] });
    figs.take({ asset: 'press-1', ts: 1000, readings, health: health('normal', 93, 'B') }, T0);
    const tile = (now: number) => buildLineView([{ id: 'press-1', name: 'Capper press', line: 'L' }], figs, now).groups[0].tiles[0];
    let t = tile(T0);
    assert.deepStrictEqual([t.isoZone, t.text.en.velocity, t.text.de.velocity], ['B', '1.62\u00a0mm/s', '1,62\u00a0mm/s']);
    assert.match(t.text.en.zone, /^1\.62\u00a0mm\/s is in zone B/);
    // the velocity from the contributors when the frame has no readings
    figs.take({ asset: 'press-1', ts: 2000, health: { ...health('normal', 92, 'B'), contributors: [{ channel: 'DE-vel', value: 1.7, unit: 'mm/s' }] } }, T0 + 1000);
    assert.strictEqual(tile(T0 + 1000).text.en.velocity, '1.70\u00a0mm/s');
    // stopped: health --, no zone, no velocity
    figs.take({ asset: 'press-1', ts: 3000, readings: readings.map((r) => (r.channel === 'run' ? { ...r, value: 0 } : r)), health: health('stopped', null, 'A') }, T0 + 2000);
    t = tile(T0 + 2000);
    assert.deepStrictEqual([t.state, t.health, t.isoZone, t.text.en.velocity, t.text.en.zone], ['stopped', null, null, '-', '']);
    // a zone without a velocity reading is not shown
    figs.take({ asset: 'press-1', ts: 4000, readings: [readings[0]], health: { ...health('normal', 90, 'A'), contributors: [] } }, T0 + 3000);
    t = tile(T0 + 3000);
    assert.deepStrictEqual([t.isoZone, t.text.en.velocity, t.text.en.zone], [null, '-', '']);
    // rel-health's own isoVelocity (the value it judged the zone on) wins over the readings
    figs.take({ asset: 'press-1', ts: 5000, readings, health: { ...health('warning', 60, 'C'), isoVelocity: 4.71 } }, T0 + 4000);
    t = tile(T0 + 4000);
    assert.deepStrictEqual([t.isoZone, t.text.en.velocity], ['C', '4.71\u00a0mm/s']);
    // with rel-health's isoLimits (the class's limits) the zone sentence bounds the zone
    figs.take({ asset: 'press-1', ts: 6000, readings, health: { ...health('normal', 93, 'B'), isoVelocity: 1.53, isoLimits: { ab: 1.4, bc: 2.8, cd: 4.5 } } }, T0 + 5000);
    t = tile(T0 + 5000);
    assert.strictEqual(t.text.en.zone, '1.53\u00a0mm/s is in zone B (1.4 to 2.8 mm/s): fine for long-term operation');
    assert.strictEqual(t.text.de.zone, '1,53\u00a0mm/s liegt in Zone B (1,4 bis 2,8 mm/s): für den Dauerbetrieb in Ordnung');
  });

  it('a rel-asset wins over a register row of the same id', () => {
    const v = buildLineView([{ id: 'pump-1', name: 'Pump', line: 'packaging-1' }, { id: 'pump-1', name: 'Other', line: 'L9' }], new LineFigures(), T0);
    assert.strictEqual(v.total, 1);
    assert.strictEqual(v.groups[0].tiles[0].name, 'Pump');
  });

  it('rounds with units and speaks both languages; a machine silent for 2 min turns grey "no data for 2 min"', () => {
    const figs = new LineFigures();
    assert.ok(figs.take({ ...frame('M-1', 61.6, 'warning'), diagnosis: { primary: 'bearing-outer-race', faults: [{ mode: 'bearing-outer-race', confidence: 0.9, severity: 'warning', evidence: EVIDENCE }] }, rul: { hours: 35.24, low: 20.1, high: 459 } }, T0));
    assert.ok(figs.take(frame('M-2', 99.2, 'normal', { rul: null, reason: 'too little data: 3 of 10 points' }), T0 + 60_000));
    assert.ok(!figs.take({ something: 'else' }, T0));
    const v = buildLineView(register(2, 1), figs, T0 + 120_000);
    const [m1, m2] = v.groups[0].tiles;
    assert.strictEqual(m1.state, 'stale');
    assert.strictEqual(m1.lastState, 'warning');
    assert.strictEqual(m1.text.en.stale, 'no data for 2\u00a0min');
    assert.strictEqual(m1.text.de.stale, 'seit 2\u00a0min keine Daten');
    assert.strictEqual(m1.health, 62);
    assert.strictEqual(m1.text.en.velocity, '4.49\u00a0mm/s');
    assert.strictEqual(m1.text.de.velocity, '4,49\u00a0mm/s');
    // the value and its interval in one unit, that of the larger end
    assert.strictEqual(m1.text.en.rul, '1.5\u00a0days');
    assert.strictEqual(m1.text.en.rulBand, '0.8 to 19\u00a0days');
    assert.strictEqual(m1.text.de.rulBand, '0,8 bis 19\u00a0Tage');
    assert.strictEqual(m1.text.en.fault, 'Outer ring of the bearing damaged');
    assert.deepStrictEqual(m1.text.en.faults, ['Outer ring of the drive-end bearing damaged: the defect frequency, measured 107\u00a0Hz (expected 107\u00a0Hz for the outer ring), stands 66 times above the noise']);
    assert.match(m1.text.de.faults[0], /^Außenring des antriebsseitigen Lagers beschädigt: die Schadensfrequenz, gemessen 107\u00a0Hz \(erwartet 107\u00a0Hz für den Außenring\), steht 66-fach über dem Rauschen/);
    assert.strictEqual(m2.state, 'normal');
    assert.strictEqual(m2.text.en.stale, '');
    assert.strictEqual(m2.text.en.rul, 'estimate after more readings');
    assert.strictEqual(m2.text.de.rul, 'Prognose nach weiteren Messungen');
    assert.match(m2.text.en.zone, /^4\.49\u00a0mm\/s is in zone C \(2\.8 to 4\.5 mm\/s\)/);
    // a configurable limit
    assert.strictEqual(buildLineView(register(2, 1), figs, T0 + 69_000, { staleMs: 10_000 }).groups[0].tiles[1].state, 'normal');
    assert.strictEqual(buildLineView(register(2, 1), figs, T0 + 71_000, { staleMs: 10_000 }).groups[0].tiles[1].state, 'stale');
  });

  it('RUL: after a repair never "0 h (0-0 h)" next to health 100; a healthy machine never an absurd interval', () => {
    const figs = new LineFigures();
    figs.take(frame('A', 100, 'normal', { rul: { hours: 0, low: 0, high: 0 } }), T0);
    figs.take(frame('B', 98, 'normal', { rul: { hours: 14156, low: 3968, high: 3968241 } }), T0);
    figs.take(frame('C', 40, 'alarm', { rul: { hours: 0, low: 0, high: 0 } }), T0);
    figs.take(frame('D', 80, 'normal', { rul: { hours: 200, low: 50, high: 3_968_241 } }), T0);
    const t = buildLineView(['A', 'B', 'C', 'D'].map((id) => ({ id, name: id, line: 'L' })), figs, T0).groups[0].tiles;
    assert.deepStrictEqual([t[0].text.en.rul, t[0].text.en.rulBand], ['estimate after more readings', '']);
    // one wording for a healthy machine without a wear trend, whether rel-rul fits none or one past 1,000 h
    assert.deepStrictEqual([t[1].text.en.rul, t[1].text.en.rulBand], ['no wear trend', '']);
    assert.deepStrictEqual([t[1].text.de.rul, t[1].text.de.rulBand], ['kein Verschleiß\u00adtrend', '']);
    // a machine in alarm at the failure level: words, not "0.0 h"
    assert.deepStrictEqual([t[2].text.en.rul, t[2].text.en.rulBand], ['due now', 'failure level reached']);
    assert.deepStrictEqual([t[2].text.de.rul, t[2].text.de.rulBand], ['jetzt fällig', 'Ausfallgrenze erreicht']);
    assert.deepStrictEqual([t[3].text.en.rul, t[3].text.en.rulBand], ['8.3\u00a0days', 'at least 2.1\u00a0days']);
  });

  it('RUL: a machine in alarm with a forecast open past 1,000 h says it waits for readings, never "about 2 weeks"', () => {
    const figs = new LineFigures();
    figs.take(frame('A', 13, 'alarm', { rul: { hours: 336, low: 168, high: 5000 } }), T0);
    figs.take(frame('B', 10, 'alarm', { rul: { hours: 240, low: 101, high: 1010 } }), T0);
    figs.take(frame('C', 30, 'warning', { rul: { hours: 240, low: 101, high: 1000 } }), T0);
    figs.take(frame('D', 20, 'alarm', { rul: { hours: 40, low: 9.1, high: 99 } }), T0);
    figs.take(frame('E', 20, 'alarm', { rul: null, reason: 'no significant trend' }), T0);
    const t = buildLineView(['A', 'B', 'C', 'D', 'E'].map((id) => ({ id, name: id, line: 'L' })), figs, T0).groups[0].tiles;
    for (const x of t.slice(0, 3)) {
      assert.deepStrictEqual([x.text.en.rul, x.text.en.rulBand], ['estimate after more readings', ''], x.id);
      assert.deepStrictEqual([x.text.de.rul, x.text.de.rulBand], ['Prognose nach weiteren Messungen', ''], x.id);
    }
    // a bounded forecast stays, every figure in one unit
    assert.deepStrictEqual([t[3].text.en.rul, t[3].text.en.rulBand], ['1.7\u00a0days', '0.4 to 4.1\u00a0days']);
    assert.deepStrictEqual([t[3].text.de.rul, t[3].text.de.rulBand], ['1,7\u00a0Tage', '0,4 bis 4,1\u00a0Tage']);
    // no "no wear trend" beside an alarm
    assert.strictEqual(t[4].text.en.rul, 'estimate after more readings');
  });

  it('counts open work orders from lists and transitions, and words their findings', () => {
    const figs = new LineFigures();
    figs.take([{ id: 1, number: 'WO-000001', asset: 'A', status: 'open', mode: 'bearing-outer-race', evidence: EVIDENCE }, { id: 2, number: 'WO-000002', asset: 'A', status: 'assigned', mode: '' }], T0);
    figs.take([{ id: 3, number: 'WO-000003', asset: 'A', status: 'done', mode: 'imbalance' }], T0);
    let v = buildLineView([{ id: 'A', name: 'A', line: 'L' }], figs, T0);
    assert.strictEqual(v.groups[0].tiles[0].openWos, 2);
    assert.match(v.orders['1'].en, /^Outer ring of the bearing damaged: the defect frequency, measured 107\u00a0Hz/);
    assert.strictEqual(v.orders['3'].de, 'Unwucht am Rotor');
    figs.take({ id: 1, number: 'WO-000001', asset: 'A', status: 'closed' }, T0);
    v = buildLineView([{ id: 'A', name: 'A', line: 'L' }], figs, T0);
    assert.strictEqual(v.groups[0].tiles[0].openWos, 1);
    assert.strictEqual(v.orders['1'], undefined);
  });

  it('an older frame, or a node\'s answer that carries the frame beside its result, changes nothing', () => {
    const figs = new LineFigures();
    const bad = { primary: 'bearing-outer-race', faults: [{ mode: 'bearing-outer-race', confidence: 0.9, severity: 'alarm', evidence: EVIDENCE }] };
    figs.take({ ...frame('A', 20, 'alarm'), ts: 2000, diagnosis: bad }, T0);
    assert.strictEqual(figs.take({ ...frame('A', 90, 'normal'), ts: 1000 }, T0 + 1000), false);
    assert.strictEqual(figs.take({ ...frame('A', 90, 'normal'), ts: 3000, kanban: { item: 'caps', cards: 5 } }, T0 + 1000), false);
    const t = buildLineView([{ id: 'A', name: 'A', line: 'L' }], figs, T0 + 2000).groups[0].tiles[0];
    assert.strictEqual(t.health, 20);
    assert.strictEqual(t.text.en.faults.length, 1);
  });

  it('takes OEE (rolling window first) and takt reports', () => {
    const figs = new LineFigures();
    figs.take({ asset: 'A', oee: { asset: 'A', oee: 0.5, availability: 1, performance: 0.5, quality: 1, rolling: { hours: 24, oee: 0.912, availability: 1, performance: 0.93, quality: 0.98 } } }, T0);
    figs.take({ takt: { asset: 'A', taktS: 33.2, cycleMedianS: 30, overTakt: false, creep: 0.9 } }, T0);
    const f = figs.figures.get('A');
    assert.strictEqual(f?.oee?.oee, 0.912);
    assert.strictEqual(f?.takt?.taktS, 33.2);
    // OEE and takt are not condition data: the tile has no data yet
    const t = buildLineView([{ id: 'A', name: 'A', line: 'L' }], figs, T0).groups[0].tiles[0];
    assert.strictEqual(t.state, 'nodata');
    assert.strictEqual(t.text.de.oee, '91,2\u00a0%');
  });

  it('the plant database banner: offline with the count (en, de, plural, grouping), back and sending, nothing while it answers', () => {
    assert.strictEqual(storeBanner(null), null, 'SQLite: no banner');
    assert.strictEqual(storeBanner({ offline: false, queued: 0 }), null, 'online, nothing waits');
    assert.deepStrictEqual(storeBanner({ offline: true, queued: 12 }), {
      state: 'offline',
      queued: 12,
      text: { en: 'Plant database offline – 12 records queued, they are sent when it is back', de: 'Anlagendatenbank nicht erreichbar – 12 Datensätze warten, sie werden gesendet, sobald sie wieder da ist' },
    });
    assert.deepStrictEqual(storeBanner({ offline: true, queued: 1 })!.text, { en: 'Plant database offline – 1 record queued, it is sent when it is back', de: 'Anlagendatenbank nicht erreichbar – 1 Datensatz wartet, er wird gesendet, sobald sie wieder da ist' });
    assert.match(storeBanner({ offline: true, queued: 0 })!.text.en, /^Plant database offline – new records wait on this box/);
    assert.deepStrictEqual(storeBanner({ offline: true, queued: 12345 })!.text.en.slice(0, 42), 'Plant database offline – 12,345 records qu');
    assert.match(storeBanner({ offline: true, queued: 12345 })!.text.de, /– 12\.345 Datensätze warten/);
    const back = storeBanner({ offline: false, queued: 3 })!;
    assert.deepStrictEqual([back.state, back.text.en, back.text.de], ['sending', 'Plant database back – sending 3 queued records', 'Anlagendatenbank wieder da – 3 wartende Datensätze werden gesendet']);
    assert.strictEqual(storeBanner({ offline: false, queued: Number.NaN }), null);
    // in the view model
    assert.strictEqual(buildLineView(register(2, 1), new LineFigures(), T0).store, null);
    assert.strictEqual(buildLineView(register(2, 1), new LineFigures(), T0, { store: { offline: true, queued: 7 } }).store!.queued, 7);
  });
});
