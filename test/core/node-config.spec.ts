import assert from 'assert';
import { configFlag, configName, payloadFields } from '../../nodes/core/node-config';
import { outputs } from '../../nodes/shared/outputs';

describe('node form and payload helpers', () => {
  it('configFlag: true or "true" only', () => {
    assert.deepStrictEqual([true, 'true', false, 'false', '', undefined, 1, 'TRUE'].map(configFlag), [true, true, false, false, false, false, false, false]);
  });
  it('configName: trimmed, undefined when empty or not a string', () => {
    assert.strictEqual(configName('  bolts '), 'bolts');
    assert.deepStrictEqual(['', '   ', undefined, null, 12].map(configName), [undefined, undefined, undefined, undefined, undefined]);
  });
  it('payloadFields: the payload when a plain object, else {}', () => {
    const p = { qty: 2 };
    assert.strictEqual(payloadFields(p), p);
    assert.deepStrictEqual([null, undefined, 'x', 3, [1, 2]].map(payloadFields), [{}, {}, {}, {}, {}]);
  });
  it('outputs: the given outputs set, null elsewhere', () => {
    const a = { payload: 1 };
    const b = [{ payload: 2 }];
    assert.deepStrictEqual(outputs(4, { 0: a, 3: b }), [a, null, null, b]);
    assert.deepStrictEqual(outputs(2, { 0: a }), [a, null]);
  });
});
