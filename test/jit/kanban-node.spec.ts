import assert from 'assert';
import { kanbanParams, kanbanRows, kanbanStatusText, loopStatuses, pullMessages } from '../../nodes/core/jit/kanban-node';
import { consume, newLoop, kanbanStatus, type KanbanParams } from '../../nodes/core/jit/kanban';

const T0 = Date.UTC(2026, 0, 5, 6);
const H = 3_600_000;
const FORM = { containerQty: '50', demand: '400', leadTime: '2', alpha: '0.1', trigger: '3', criticalAssets: 'conveyor-1' };

describe('rel-kanban form, pulls, statuses, rows (core)', () => {
  it('the form as loop parameters; C, D and L required, a bad value named', () => {
    const p = kanbanParams(FORM, 'bolt');
    assert.deepStrictEqual([p.item, p.containerQty, p.demandPerDay, p.leadTimeDays, p.baseAlpha, p.trigger, p.criticalAssets, p.learn], ['bolt', 50, 400, 2, 0.1, 3, ['conveyor-1'], false]);
    assert.strictEqual(kanbanParams({ ...FORM, learn: 'true' }, 'bolt').learn, true);
    assert.throws(() => kanbanParams({ ...FORM, demand: '' }, 'bolt'), /demand: expected a number \(required setting\)/);
    assert.throws(() => kanbanParams({ ...FORM, trigger: 0 }, 'bolt'), /trigger: expected/);
  });

  it('pull messages, the statuses of the answer, dashboard rows and status text', () => {
    const kp: KanbanParams = kanbanParams(FORM, 'bolt');
    let s = newLoop(kp, T0);
    const results = [];
    for (let i = 1; i <= 3; i++) {
      const r = consume(s, kp, undefined, T0 + i * H);
      s = r.state;
      results.push({ item: 'bolt', r });
    }
    const pulls = pullMessages(results);
    assert.strictEqual(pulls.length, 1, 'the third consumption reaches the trigger');
    assert.strictEqual(pulls[0].topic, 'kanban/bolt');
    assert.strictEqual(pulls[0].action, 'pull');
    assert.strictEqual(pulls[0].payload.cards, s.cards);
    const paramsFor = (item: string) => kanbanParams(FORM, item);
    const last = [{ item: 'bolt', r: { state: s, pulls: [], note: 'n' } }];
    assert.deepStrictEqual(loopStatuses(last, paramsFor, true), { ...kanbanStatus(s, kp), note: 'n' });
    assert.deepStrictEqual(loopStatuses([], paramsFor, true), null);
    assert.strictEqual((loopStatuses(last, paramsFor, false) as unknown[]).length, 1);
    const [row] = kanbanRows([s], paramsFor);
    assert.deepStrictEqual(Object.keys(row), ['item', 'cards', 'onHand', 'inQueue', 'inTransit', 'alpha', 'demandPerDay', 'leadTimeDays', 'openOrders', 'reason']);
    assert.strictEqual(row.openOrders, s.orders.length);
    assert.deepStrictEqual(kanbanStatusText(s, 0.1), { warn: false, text: `${s.cards} cards · ${s.inQueue} queued · α 0.1` });
    assert.strictEqual(kanbanStatusText({ ...s, alpha: 0.3 }, 0.1).warn, true);
  });
});
