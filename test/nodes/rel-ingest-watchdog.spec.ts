/**
 * rel-ingest's stale-data watchdog runs on a timer: nothing it throws may escape to the runtime;
 * it is logged, and the watchdog keeps going.
 */
import assert from 'assert';
import { getNode, helper, loadFlow, nextMessage, sleep, unloadFlow } from '../helpers/red';
import { assetNode } from '../helpers/fixtures';
import { FakeClock } from '../helpers/fake-clock';

describe('rel-ingest watchdog timer', function () {
  afterEach(async () => {
    await unloadFlow();
    helper.settings({ reliabilityClock: undefined });
  });

  it('a throw in the watchdog is logged, not thrown to the runtime, and the watchdog keeps going', async () => {
    const clock = new FakeClock();
    helper.settings({ reliabilityClock: clock });
    await loadFlow([
      assetNode({ id: 'asset1', assetId: 'pump-1' }),
      { id: 'ing', type: 'rel-ingest', source: 'mqtt', assetId: 'pump-1', assetIdType: 'str', channel: 'motor-temp', unit: 'degC', staleAfter: 60, wires: [['out']] },
      { id: 'out', type: 'helper' },
    ]);
    const ing = getNode('ing');
    let p = nextMessage('out');
    ing.receive({ payload: 42 });
    assert.strictEqual((await p).payload.value, 42);
    const send = ing.send;
    ing.send = () => {
      throw new Error('wire broke');
    };
    assert.doesNotThrow(() => clock.advance(60_000), 'nothing escapes the timer');
    ing.send = send;
    const errors = helper
      .log()
      .args.map((x: any[]) => x[0])
      .filter((e: any) => e && e.id === 'ing' && e.level === 20)
      .map((e: any) => String(e.msg));
    assert.ok(errors.includes('wire broke'), `logged: ${errors.join(' | ')}`);
    // Still watching: data again, then silence, and the next outage is reported.
    p = nextMessage('out');
    ing.receive({ payload: 43 });
    assert.strictEqual((await p).payload.value, 43);
    p = nextMessage('out');
    clock.advance(60_000);
    const bad = (await p).payload;
    assert.deepStrictEqual([bad.quality, bad.reason], ['bad', 'no data for 60 s']);
    await sleep(10);
  });
});
