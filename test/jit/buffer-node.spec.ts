import assert from 'assert';
import { bufferAction, bufferParams, bufferRows, bufferStatus, oeeGate } from '../../nodes/core/jit/buffer-node';
import { adviseBuffer, newBufferItem, recordDelivery, recordDemand, type BufferItem } from '../../nodes/core/jit/buffer';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 5);

describe('rel-buffer form, actions, gate, rows and status (core)', () => {
  it('the form: defaults, and a bad value names its setting', () => {
    const p = bufferParams({});
    assert.deepStrictEqual({ ...p, cal: undefined }, { z: 1.65, windowDays: 30, targetDays: 1, floorDays: 3, cvThreshold: 0.2, critical: [], healthThreshold: 70, healthDaysMax: 2, cal: undefined });
    assert.deepStrictEqual(bufferParams({ criticalAssets: 'P-1, P-2', serviceZ: '2' }).critical, ['P-1', 'P-2']);
    assert.throws(() => bufferParams({ serviceZ: 7 }), /serviceZ: expected/);
    assert.throws(() => bufferParams({ windowDays: 1.5 }), /windowDays: expected/);
  });

  it('actions: named, implied by health or oee, and a rel-oee report is the gate', () => {
    assert.strictEqual(bufferAction({ action: 'demand', payload: { qty: 1 } }), 'demand');
    assert.strictEqual(bufferAction({ payload: { health: { asset: 'P-1', score: 50, state: 'alarm' } } }), 'health');
    assert.strictEqual(bufferAction({ action: 'report', payload: { oee: { rule85: {} } } }), 'oee');
    assert.throws(() => bufferAction({ action: 'report', payload: {} }), /action/);
  });

  it('the Rule of 85 gate of a rel-oee report, checked', () => {
    assert.deepStrictEqual(oeeGate({ oee: { rule85: { mayCutWip: true, reason: 'held 30 days' } } }), { mayCutWip: true, reason: 'held 30 days', short: [] });
    assert.deepStrictEqual(oeeGate({ oee: { rule85: { mayCutWip: false, reason: 'x'.repeat(2000) } } }).reason.length, 1000);
    assert.throws(() => oeeGate({ oee: { rule85: { mayCutWip: 'yes' } } }), /msg\.payload\.oee\.rule85: expected the Rule of 85 result/);
  });

  it('rows: the computed advice first, the other items as of now, sorted by item; status text and level', () => {
    const p = bufferParams({});
    const shared = { unhealthy: {} };
    let a: BufferItem = newBufferItem('bolts', T0);
    for (let d = 0; d < 5; d++) a = recordDemand(a, p, 10 + d, T0 + d * DAY);
    a = recordDelivery(a, 2, T0 + 5 * DAY);
    const b = recordDemand(newBufferItem('axles', T0), p, 4, T0);
    const computed = adviseBuffer(a, shared, p, T0 + 5 * DAY);
    let advised = 0;
    const rows = bufferRows([computed], [a, b], (s) => {
      advised++;
      return adviseBuffer(s, shared, p, T0 + 5 * DAY);
    });
    assert.strictEqual(advised, 1, 'only the item not computed');
    assert.deepStrictEqual(rows.map((r) => r.item), ['axles', 'bolts']);
    assert.strictEqual(rows[1].reasons, computed.reasons.join('; '));
    assert.deepStrictEqual(bufferStatus(3, shared, p), { warn: false, text: 'WIP 3 d · R85 hold' });
    assert.deepStrictEqual(bufferStatus(4, { unhealthy: { 'P-1': T0 }, gate: { mayCutWip: true, reason: '', at: '' } }, p), { warn: true, text: 'WIP 4 d · health ↓' });
  });
});
