import assert from 'assert';
import { WO_TABLE_COLUMNS, impliedWoAction, workOrderRows, workOrderSettings } from '../../nodes/core/cmms/work-order-config';
import type { WorkOrder } from '../../nodes/core/cmms/work-orders';

describe('rel-work-order form and outputs (core)', () => {
  it('defaults: warning, criticality 3, two outputs, notifications on output 2', () => {
    assert.deepStrictEqual(workOrderSettings({}), { minSeverity: 'warning', defaultCriticality: 3, andonKind: undefined, dashboard: false, followUpOutputs: { notify: 1 }, outputs: 2 });
  });
  it('Andon kind and dashboard add outputs: Andon raises on 3, the dashboard last', () => {
    const s = workOrderSettings({ minSeverity: 'alarm', criticality: '5', andonKind: 'machine', dashboard: 'true' });
    assert.deepStrictEqual(s, { minSeverity: 'alarm', defaultCriticality: 5, andonKind: 'machine', dashboard: true, followUpOutputs: { notify: 1, andon: 2 }, outputs: 4 });
    assert.strictEqual(workOrderSettings({ dashboard: true }).outputs, 3);
  });
  it('empty severity or criticality is the default; an unknown one, or an unknown Andon kind, is an error naming the field', () => {
    for (const c of ['', ' ', null, undefined]) assert.strictEqual(workOrderSettings({ criticality: c, minSeverity: c }).defaultCriticality, 3, String(c));
    assert.strictEqual(workOrderSettings({ minSeverity: '' }).minSeverity, 'warning');
    for (const c of [0, 6, 2.5, 'x']) assert.throws(() => workOrderSettings({ criticality: c }), /^InputError: criticality: expected a (whole )?number >= 1 and <= 5/, String(c));
    assert.throws(() => workOrderSettings({ minSeverity: 'panic' }), /^InputError: minSeverity: expected one of watch, warning, alarm, got the string "panic"$/);
    assert.strictEqual(workOrderSettings({ minSeverity: 'watch' }).minSeverity, 'watch');
    assert.throws(() => workOrderSettings({ andonKind: 'fire' }), /andonKind: expected one of/);
  });
  it('table rows: the table columns only, in order', () => {
    const wo = { id: 7, number: 'WO-000007', asset: 'P-1', mode: 'bearing', title: 't', priority: 'P2', severity: 'warning', status: 'open', assignee: null, source: 'detect', detections: 2, createdAt: 'a', updatedAt: 'b', history: [], evidence: 'e' } as unknown as WorkOrder;
    const [row] = workOrderRows([wo]);
    assert.deepStrictEqual(Object.keys(row), [...WO_TABLE_COLUMNS]);
    assert.strictEqual(row.number, 'WO-000007');
    assert.strictEqual('history' in row, false);
  });
  it('a rel-diagnose or rel-health message without an action is a detection', () => {
    assert.strictEqual(impliedWoAction({ diagnosis: {} }), 'detect');
    assert.strictEqual(impliedWoAction({ health: { state: 'alarm' } }), 'detect');
    assert.strictEqual(impliedWoAction({ asset: 'P-1' }), undefined);
    assert.strictEqual(impliedWoAction('detect'), undefined);
  });
});
