/**
 * rel-pm's form checked at deploy, and a failing plan check shown on the status dot: a misspelt
 * time zone, a check interval out of range or an unknown catch-up is an error naming the field
 * (before, every cron plan then failed on every check while the dot stayed green); empty fields
 * take their defaults. Real runtime, real SQLite file, fake clock.
 */
import assert from 'assert';
import fs from 'fs';
import path from 'path';
import { PmRepo } from '../../nodes/core/cmms/pm';
import { getNode, helper, loadFlow, nextMessage, recordStatus, settle, sleep, tmpDir, unloadFlow } from '../helpers/red';
import { assetNode, storeNode } from '../helpers/fixtures';
import { FakeClock } from '../helpers/fake-clock';

const T0 = Date.UTC(2026, 11, 7, 6);

async function until(what: string, ok: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok() && Date.now() < end) await sleep(20);
  assert.ok(ok(), `timed out waiting for ${what}`);
}

describe('rel-pm form at deploy, failed checks on the status', function () {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = tmpDir('rel-pm-config-');
    file = path.join(dir, 'plant.db');
  });
  afterEach(async () => {
    await unloadFlow();
    helper.settings({ reliabilityClock: undefined });
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const flow = (pm: object) => [storeNode(file), assetNode({ id: 'asset1', assetId: 'pump-1', store: 'store1' }), { id: 'pm', type: 'rel-pm', store: 'store1', wires: [['out1'], ['out2']], ...pm }, { id: 'out1', type: 'helper' }, { id: 'out2', type: 'helper' }];
  const deployErrors = () => helper.log().args.map((a: any[]) => a[0]).filter((e: any) => e && e.level === 20 && e.id === 'pm').map((e: any) => e.msg);

  for (const [field, value, expected] of [
    ['tz', 'Europe/Berln', /^tz: expected an IANA time zone such as Europe\/Berlin, or UTC, got the string "Europe\/Berln"/],
    ['tickInterval', '100000', /^tickInterval: expected seconds between checks, from 1 to 86400, got the string "100000"/],
    ['tickInterval', 'soon', /^tickInterval: expected seconds between checks, from 1 to 86400, got the string "soon"/],
    ['catchup', 'all', /^catchup: expected one of each, one, got the string "all"/],
  ] as const) {
    it(`${field} ${JSON.stringify(value)} is refused at deploy, naming the field`, async () => {
      helper.settings({ reliabilityClock: new FakeClock(T0) });
      await loadFlow(flow({ [field]: value }));
      await settle();
      const errors = deployErrors();
      assert.strictEqual(errors.length, 1, JSON.stringify(errors));
      assert.match(errors[0], expected);
    });
  }

  it('empty fields take their defaults (each, UTC, 60 s); a cron plan in Europe/Berlin is due at 06:00 local', async () => {
    const clock = new FakeClock(T0);
    helper.settings({ reliabilityClock: clock });
    await loadFlow(flow({ tz: 'Europe/Berlin', tickInterval: '', catchup: '' }));
    const out = nextMessage('out1');
    getNode('pm').receive({ action: 'plan', payload: { asset: 'pump-1', task: 'Walk-round', trigger: 'calendar', unit: 'cron', cron: '0 6 * * *', lastDone: T0 } });
    const plan = (await out).payload;
    assert.strictEqual(new Date(plan.nextDue).toISOString(), '2026-12-08T05:00:00.000Z', '06:00 in Berlin (UTC+1 in December)');
    assert.deepStrictEqual(deployErrors(), []);
  });

  it('a check that fails turns the dot red until one succeeds, whatever messages come between', async () => {
    const clock = new FakeClock(T0);
    helper.settings({ reliabilityClock: clock });
    await loadFlow(flow({ tickInterval: 60 }));
    const shown = recordStatus('pm');
    const last = () => shown[shown.length - 1] ?? {};
    await until('the first check', () => last().text === '0 plans, 0 PM open');
    // the plan check fails (not an outage of the plant database) until the test mends it
    const tick = PmRepo.prototype.tick;
    PmRepo.prototype.tick = async () => {
      throw new Error('disk I/O error');
    };
    try {
      clock.advance(61_000);
      await until('a red dot', () => last().fill === 'red');
      assert.strictEqual(last().text, 'PM check failed: disk I/O error');
      // a message in between does not paint it green again
      const answered = nextMessage('out1');
      getNode('pm').receive({ action: 'export' });
      await answered;
      await sleep(50);
      assert.strictEqual(last().fill, 'red', 'still red after a message');
    } finally {
      PmRepo.prototype.tick = tick;
    }
    clock.advance(60_000);
    await until('green again', () => last().fill === 'green');
    assert.strictEqual(last().text, '0 plans, 0 PM open');
  });
});
