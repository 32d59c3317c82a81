import assert from 'assert';
import { ShiftEnds, countEvent, oeeAnswer, oeeGauges, oeeLine, oeeSettings, oeeStatus } from '../../nodes/core/jit/oee-node';
import { parseCalendar, shiftAt, type ShiftSlot } from '../../nodes/core/jit/calendar';
import { newAssetState, newShiftRecord } from '../../nodes/core/jit/oee';
import { FakeClock } from '../helpers/fake-clock';

const H = 3_600_000;
const DAY0 = Date.UTC(2026, 0, 5); // a Monday, UTC

describe('rel-oee form, shift ends, events, status (core)', () => {
  it('the form: defaults, and a bad value names its setting', () => {
    assert.deepStrictEqual(oeeSettings({ idealCycleS: '30' }), { idealDefault: 30, rollingHours: 24, requiredDays: 30, threshold: 0.85, bufferDays: 3, critical: [], dashboardFigures: 'shift' });
    // the dashboard's figures: the shift unless the rolling window is chosen (a saved flow from before the choice has none)
    assert.strictEqual(oeeSettings({ idealCycleS: 30, dashboardFigures: '' }).dashboardFigures, 'shift');
    assert.strictEqual(oeeSettings({ idealCycleS: 30, dashboardFigures: 'rolling' }).dashboardFigures, 'rolling');
    assert.throws(() => oeeSettings({ idealCycleS: 30, dashboardFigures: 'week' }), /dashboardFigures: expected one of shift, rolling, got the string "week"/);
    assert.throws(() => oeeSettings({}), /idealCycleS: expected a number \(required setting\)/);
    assert.throws(() => oeeSettings({ idealCycleS: 30, rule85Oee: 1.5 }), /rule85Oee: expected/);
    assert.throws(() => oeeSettings({ idealCycleS: 30, rule85Days: 2.5 }), /rule85Days: expected/);
  });

  it('shift ends: each shift closed at its end, the next one scheduled; none after stop', () => {
    const cal = parseCalendar('early=06:00-14:00, late=14:00-22:00', '', 0);
    const clock = new FakeClock(DAY0 + 5 * H);
    const ended: [string, number][] = [];
    const ends = new ShiftEnds(cal, clock, (s: ShiftSlot, end) => ended.push([s.id, end - DAY0]));
    assert.strictEqual(clock.pending, 1);
    clock.advanceTo(DAY0 + 23 * H);
    // 06:00 is a shift start (nothing ended: 05:59:59 is in no shift), then 14:00 and 22:00
    assert.deepStrictEqual(ended.map(([, t]) => t / H), [14, 22]);
    assert.deepStrictEqual(ended.map(([id]) => id.split('/')[1]), ['early', 'late']);
    assert.ok(ends.scheduled);
    ends.stop();
    assert.strictEqual(clock.pending, 0);
    clock.advance(48 * H);
    assert.strictEqual(ended.length, 2);
  });

  it('a count event checked; the answer with and without a shift; status and gauges', () => {
    assert.deepStrictEqual(countEvent({ good: 9, total: 10 }), { good: 9, total: 10, idealCycleS: undefined });
    assert.throws(() => countEvent({ good: 1.5, total: 2 }), /msg\.payload\.good: expected/);
    assert.throws(() => countEvent({ good: 1, total: 2, idealCycleS: 0 }), /msg\.payload\.idealCycleS: expected/);
    const st = newAssetState('P-1', DAY0);
    assert.deepStrictEqual(oeeAnswer('P-1', st, undefined, DAY0, undefined), { asset: 'P-1', shift: null, state: st.state, note: 'outside every shift' });
    const slot = shiftAt(parseCalendar('early=06:00-14:00', '', 0), DAY0 + 7 * H)!;
    const rec = newShiftRecord('P-1', slot);
    const a = oeeAnswer('P-1', st, rec, DAY0 + 7 * H, undefined);
    assert.strictEqual(a.shift, rec.shift);
    assert.strictEqual(a.to, new Date(DAY0 + 7 * H).toISOString());
    assert.deepStrictEqual(oeeStatus(rec, 0.85), { level: 'info', text: 'A - · 0 parts' });
    assert.strictEqual(oeeLine({ oee: 0.8234, availability: 0.9, performance: 0.95, quality: null }), 'OEE 82% · A 90 P 95 Q -');
    assert.deepStrictEqual(oeeGauges({ availability: 0.5, performance: null, quality: 1, oee: 0.25 }).map((g) => [g.label, g.value]), [['Availability', 50], ['Performance', null], ['Quality', 100], ['OEE', 25]]);
  });
});
