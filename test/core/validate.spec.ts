import assert from 'assert';
import { num, parseDecimal, time } from '../../nodes/core/validate';

describe('strict input parsing', function () {
  it('reads numbers in decimal notation only', function () {
    assert.strictEqual(num('12.5', 'x'), 12.5);
    assert.strictEqual(num(' -3e2 ', 'x'), -300);
    assert.strictEqual(num('.5', 'x'), 0.5);
    for (const bad of ['0x10', '0b11', '0o7', ' 0X1F ']) {
      assert.throws(() => num(bad, 'msg.payload.qty'), (e: Error) => e.message.startsWith('msg.payload.qty: expected a number in decimal notation'), bad);
    }
    for (const bad of ['1_000', 'Infinity', '', ' ', '12abc', '1,5']) {
      assert.throws(() => num(bad, 'msg.payload.qty'), (e: Error) => e.message.startsWith('msg.payload.qty: expected a number'), bad);
    }
    assert.ok(Number.isNaN(parseDecimal('0x10')));
  });
  it('refuses a time that looks like seconds unless the unit is said', function () {
    assert.throws(() => time(1765000000, 'msg.payload.ts'), /msg\.payload\.ts: expected a time in ms since 1970 \(this looks like seconds/);
    assert.throws(() => time('1765000000', 'msg.payload.ts'), /looks like seconds/);
    assert.strictEqual(time(1765000000, 'ts', { unit: 's' }), 1765000000000);
    assert.strictEqual(time(1765000000, 'ts', { unit: 'ms' }), 1765000000);
    assert.strictEqual(time(1765000000123, 'ts'), 1765000000123);
    assert.strictEqual(time(5000, 'ts'), 5000, 'small offsets (simulations, tests) stay ms');
    assert.strictEqual(time('2026-12-06T08:00:00Z', 'ts'), Date.UTC(2026, 11, 6, 8));
  });
  it('reads text times as ISO 8601 only', function () {
    for (const bad of ['1/2/2026', 'March 7', '0x10', 'tomorrow']) assert.throws(() => time(bad, 'msg.payload.lastDone'), /msg\.payload\.lastDone: expected a time/, bad);
  });
});
