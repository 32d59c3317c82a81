/**
 * Work-order follow-ups without Node-RED, on both backends: what a new or escalated order records
 * in its own transaction (parts reserved, Andon and notify rows), the dispatcher's at-least-once
 * delivery (acknowledgement, resend, give-up, start), the Andon board applying a keyed raise once,
 * and the parts rules.
 */
import assert from 'assert';
import path from 'path';
import { forEachBackend } from '../helpers/backends';
import { tmpDir } from '../helpers/red';
import { openStore, migrateCoreAsync } from '../../nodes/core/store';
import { ANDON_SOURCES, FollowUpDispatcher, FollowUpRepo, FollowUps, PartsPlan, WorkOrderRepo, followUpKey, followUpMessage, migrateCmms, withLatestEvidence, type FollowUp } from '../../nodes/core/cmms';
import { OUTBOX_MIGRATIONS } from '../../nodes/core/store/outbox';
import { migrateJit } from '../../nodes/core/jit/repo';
import { AndonBoard } from '../../nodes/core/jit/andon-board';
import { InputError } from '../../nodes/core/errors';

const T0 = Date.UTC(2026, 0, 5, 8);
const RULES = 'bearing-outer-race: SKF-6205-2RS\nfiller-1/bearing-outer-race: SKF-6203-2RS\nmisalignment: SHIM-SET, BOLT-KIT-M12 x4';

describe('follow-ups: parts rules', () => {
  it('reads mode rules, asset rules (which win) and quantities', () => {
    const p = PartsPlan.parse(`${RULES}\n# a comment\nlooseness: BOLT-KIT-M12:2`);
    assert.strictEqual(p.size, 4);
    assert.deepStrictEqual(p.partsFor('pump-1', 'bearing-outer-race'), [{ part: 'SKF-6205-2RS', qty: 1 }]);
    assert.deepStrictEqual(p.partsFor('filler-1', 'bearing-outer-race'), [{ part: 'SKF-6203-2RS', qty: 1 }]);
    assert.deepStrictEqual(p.partsFor('pump-1', 'misalignment'), [{ part: 'SHIM-SET', qty: 1 }, { part: 'BOLT-KIT-M12', qty: 4 }]);
    assert.deepStrictEqual(p.partsFor('pump-1', 'looseness'), [{ part: 'BOLT-KIT-M12', qty: 2 }]);
    assert.deepStrictEqual(p.partsFor('pump-1', 'imbalance'), []);
    assert.deepStrictEqual(p.partsFor('pump-1', ''), []);
    assert.strictEqual(PartsPlan.parse('').size, 0);
  });
  it('refuses malformed rules, naming the field and the rule', () => {
    for (const [bad, re] of [
      ['imbalance BALANCE-KIT', /^parts: expected a rule "mode: PART xQTY"/],
      ['imbalance: ', /^parts: expected 1 to 20 parts/],
      ['imbalance: KIT x0', /^parts: expected a part id with an optional quantity.*got the string "KIT x0"/],
      ['imbalance: A\nimbalance: B', /^parts: expected one rule per mode \("imbalance" appears twice\)/],
    ] as const) {
      assert.throws(() => PartsPlan.parse(bad), (e: unknown) => e instanceof InputError && re.test(e.message), bad);
    }
    assert.throws(() => PartsPlan.parse(42), /parts: expected rules/);
  });
});

forEachBackend('work-order follow-ups', (b) => {
  let repo: WorkOrderRepo;
  let fu: FollowUpRepo;
  before(async () => {
    await migrateCoreAsync(b.store);
    await migrateCmms(b.store);
    repo = new WorkOrderRepo(b.store, { followUps: new FollowUps(b.store, { origin: 'box-a:wo', parts: PartsPlan.parse(RULES), andon: { kind: 'machine', sources: ANDON_SOURCES } }) });
    fu = new FollowUpRepo(b.store);
    for (const [part, n] of [['SKF-6205-2RS', 5], ['SKF-6203-2RS', 0], ['SHIM-SET', 3], ['BOLT-KIT-M12', 20]] as const) {
      await repo.spares.define({ part }, T0);
      await repo.spares.adjust({ part, count: n, by: 'test', note: 'count', ts: T0 });
    }
  });

  it('a new order reserves its parts and records Andon and notify in its transaction; repeats record nothing, an escalation notifies', async () => {
    const r = await repo.detect({ asset: 'pump-1', mode: 'misalignment', severity: 'warning', criticality: 3, ts: T0 + 1000 });
    assert.ok(r.created);
    const id = r.workOrder.id;
    const held = await b.store.all<{ part: string; qty: number }>('SELECT part, qty FROM cmms_reservations WHERE wo_id = ? ORDER BY part', [id]);
    assert.deepStrictEqual(held.map((h) => [h.part, Number(h.qty)]), [['BOLT-KIT-M12', 4], ['SHIM-SET', 1]]);
    let rows = await fu.forOrder(id);
    assert.deepStrictEqual(rows.map((f) => f.kind), ['andon', 'notify']);
    assert.deepStrictEqual(rows[0]!.payload, { station: 'pump-1', kind: 'machine', text: `${r.workOrder.number} misalignment on pump-1`, source: 'work-order', wo: r.workOrder.number });
    assert.deepStrictEqual((rows[1]!.payload as { reserved: unknown }).reserved, [{ part: 'SHIM-SET', qty: 1 }, { part: 'BOLT-KIT-M12', qty: 4 }]);
    await repo.detect({ asset: 'pump-1', mode: 'misalignment', severity: 'warning', ts: T0 + 2000 });
    assert.strictEqual((await fu.forOrder(id)).length, 2, 'a repeat detection causes nothing');
    await repo.detect({ asset: 'pump-1', mode: 'misalignment', severity: 'alarm', ts: T0 + 3000 });
    rows = await fu.forOrder(id);
    assert.deepStrictEqual(rows.map((f) => `${f.kind}:${(f.payload as { event?: string }).event ?? ''}`), ['andon:', 'notify:new', 'notify:escalated']);
    assert.strictEqual((await b.store.one<{ n: number }>("SELECT COUNT(*) AS n FROM cmms_stock_moves WHERE wo_id = ? AND kind = 'reserve'", [id]))!.n, 2, 'reserved once');
  });

  it('short or unknown parts do not stop the order: the notification names them', async () => {
    const r = await repo.detect({ asset: 'filler-1', mode: 'bearing-outer-race', severity: 'warning', ts: T0 + 4000 });
    const notify = (await fu.forOrder(r.workOrder.id)).find((f) => f.kind === 'notify')!;
    const p = notify.payload as { reserved: unknown[]; short: { part: string; qty: number; reason: string }[] };
    assert.deepStrictEqual(p.reserved, []);
    assert.deepStrictEqual(p.short.map((s) => [s.part, s.qty]), [['SKF-6203-2RS', 1]]);
    assert.match(p.short[0]!.reason, /cannot reserve 1, only 0 available/);
    assert.strictEqual((await b.store.one<{ n: number }>('SELECT COUNT(*) AS n FROM cmms_reservations WHERE wo_id = ?', [r.workOrder.id]))!.n, 0);
  });

  it('a rolled-back order leaves no follow-up and no reservation; PM and Andon-sourced orders raise no Andon call', async () => {
    const before = Number((await b.store.one<{ n: number }>('SELECT COUNT(*) AS n FROM cmms_follow_ups'))!.n);
    const reserved = Number((await b.store.one<{ r: number }>("SELECT reserved AS r FROM cmms_parts WHERE part = 'SKF-6205-2RS'"))!.r);
    await assert.rejects(
      b.store.tx(async (q) => {
        await repo.detect({ asset: 'pump-2', mode: 'bearing-outer-race', severity: 'alarm', ts: T0 + 5000 }, q);
        throw new Error('rolled back');
      }),
      /rolled back/,
    );
    assert.strictEqual(Number((await b.store.one<{ n: number }>('SELECT COUNT(*) AS n FROM cmms_follow_ups'))!.n), before);
    assert.strictEqual(Number((await b.store.one<{ r: number }>("SELECT reserved AS r FROM cmms_parts WHERE part = 'SKF-6205-2RS'"))!.r), reserved);
    const a = await repo.create({ asset: 'pump-3', title: 'from the Andon board', source: 'andon', ts: T0 + 6000 });
    const pm = await repo.createPmOccurrence({ asset: 'pump-3', title: 'PM', planId: 1, occurrence: 1, ts: T0 + 6000 });
    assert.deepStrictEqual((await fu.forOrder(a.id)).map((f) => f.kind), ['notify']);
    assert.deepStrictEqual((await fu.forOrder(pm!.id)).map((f) => f.kind), ['notify']);
  });

  it('dispatcher: acknowledged once, resent when not acknowledged, given up after maxAttempts, everything again on start', async () => {
    await b.store.run('UPDATE cmms_follow_ups SET delivered_at = 1');
    const origin = 'box-a:wo';
    let now = T0;
    const got: FollowUp[] = [];
    let applyNow = false;
    const failed: number[] = [];
    const d = new FollowUpDispatcher(fu, { origin, now: () => now, resendMs: 60_000, maxAttempts: 3, send: (batch) => (got.push(...batch), applyNow ? batch.map((f) => f.id) : []), onFailed: (f) => failed.push(f.id) });
    const r = await repo.detect({ asset: 'pump-9', mode: 'bearing-outer-race', severity: 'warning', ts: T0 });
    const ids = (await fu.forOrder(r.workOrder.id)).map((f) => f.id);
    assert.strictEqual(await d.kick(), 2);
    assert.deepStrictEqual(got.map((f) => f.id), ids);
    assert.strictEqual(followUpMessage(got[0]!).payload && (followUpMessage(got[0]!).payload as { key: string }).key, followUpKey(ids[0]!));
    assert.strictEqual(await d.kick(), 0, 'sent and waiting for its acknowledgement');
    assert.ok(await d.ack(ids[1]!));
    assert.ok(!(await d.ack(ids[1]!)), 'a second acknowledgement changes nothing');
    now += 60_000;
    assert.strictEqual(await d.kick(), 1, 'the unacknowledged one goes out again');
    assert.strictEqual((await fu.get(ids[0]!))!.attempts, 2);
    now += 60_000;
    assert.strictEqual(await d.kick(), 1);
    now += 60_000;
    assert.strictEqual(await d.kick(), 0);
    assert.deepStrictEqual(failed, [ids[0]]);
    assert.match((await fu.get(ids[0]!))!.lastError!, /not acknowledged after 3 sends/);
    assert.strictEqual(await fu.retryFailed(origin), 1);
    // a restart: kick(true) sends what is undelivered at once, also what was sent a moment ago
    applyNow = true;
    got.length = 0;
    await b.store.run('UPDATE cmms_follow_ups SET sent_at = ? WHERE id = ?', [now, ids[0]!]);
    assert.strictEqual(await d.kick(), 0);
    await b.store.run('UPDATE cmms_follow_ups SET attempts = 7 WHERE id = ?', [ids[0]!]);
    assert.strictEqual(await d.kick(true), 1, 'on start: sent whatever its attempts (crashes cut them short)');
    assert.strictEqual((await fu.get(ids[0]!))!.attempts, 1, 'a new series of attempts');
    assert.ok((await fu.get(ids[0]!))!.deliveredAt !== null, 'applied at once: delivered');
    // another origin's follow-ups are not this dispatcher's
    const other = new FollowUpDispatcher(fu, { origin: 'box-b:wo', now: () => now, send: () => assert.fail('not mine') });
    await repo.detect({ asset: 'pump-8', mode: 'bearing-outer-race', severity: 'warning', ts: T0 });
    assert.strictEqual(await other.kick(true), 0);
    await d.close();
    assert.strictEqual(await d.kick(), 0, 'closed: nothing more goes out');
  });

  it('a send that throws leaves the follow-ups undelivered', async () => {
    let now = T0 + 10 * 60_000;
    const d = new FollowUpDispatcher(fu, { origin: 'box-a:wo', now: () => now, send: () => { throw new Error('wire cut'); } });
    await assert.rejects(d.kick(true), /wire cut/);
    const left = await fu.pending('box-a:wo');
    assert.ok(left.length >= 2 && left.every((f) => f.deliveredAt === null && f.sentAt === now));
    now += 1;
    const ok = new FollowUpDispatcher(fu, { origin: 'box-a:wo', now: () => now, send: (batch) => batch.map((f) => f.id) });
    await ok.kick(true);
    assert.deepStrictEqual(await fu.pending('box-a:wo'), []);
  });
});

describe('follow-ups: the Andon board applies a keyed raise once', () => {
  it('a second raise with the same key changes nothing and names the call; keys are per board', async () => {
    const dir = tmpDir('andon-keys-');
    const h = openStore(path.join(dir, 'local.db'));
    try {
      await migrateJit(h.db);
      const cfg = { levels: [60_000], stopKinds: [], stopLevel: 0, maxOpen: 100 };
      const board = new AndonBoard(h.db, 'andon:a', cfg);
      await board.load(T0);
      const raise = { type: 'raise' as const, station: 'pump-1', kind: 'machine' as const, text: 'WO-000001 x', source: 'work-order', ts: T0, key: followUpKey(1) };
      const first = await board.apply(raise, T0);
      assert.ok(first.inserted);
      const again = await board.apply(raise, T0 + 1000);
      assert.strictEqual(again.inserted, undefined);
      assert.strictEqual(again.call!.id, first.call!.id);
      assert.match(again.note!, /already raised for wo-follow-up:1: nothing changed/);
      assert.strictEqual(board.calls().length, 1);
      // after a restart too
      const reloaded = new AndonBoard(h.db, 'andon:a', cfg);
      await reloaded.load(T0 + 2000);
      assert.strictEqual((await reloaded.apply(raise, T0 + 2000)).inserted, undefined);
      assert.strictEqual(await reloaded.callOfKey(followUpKey(1)), first.call!.id);
      // another board (scope) has its own keys; a raise without a key is never deduplicated
      const other = new AndonBoard(h.db, 'andon:b', cfg);
      await other.load(T0);
      assert.ok((await other.apply(raise, T0)).inserted);
      const { key: _k, ...plain } = raise;
      assert.ok((await reloaded.apply(plain, T0 + 3000)).inserted);
      assert.ok((await reloaded.apply(plain, T0 + 3000)).inserted);
      assert.strictEqual(Number((await h.db.one<{ n: number }>("SELECT COUNT(*) AS n FROM jit_andon_call WHERE scope = 'andon:a'"))!.n), 3);
    } finally {
      h.release();
    }
  });
});

forEachBackend('detections with follow-ups and nothing to reserve (one statement on PostgreSQL)', (b) => {
  let repo: WorkOrderRepo;
  let fu: FollowUpRepo;
  const origin = 'box-c:wo';
  before(async () => {
    await migrateCoreAsync(b.store);
    await migrateCmms(b.store);
    await b.store.migrate('outbox', OUTBOX_MIGRATIONS);
    repo = new WorkOrderRepo(b.store, { followUps: new FollowUps(b.store, { origin, andon: { kind: 'machine', sources: ANDON_SOURCES } }) });
    fu = new FollowUpRepo(b.store);
  });

  it('is one statement on PostgreSQL only, and then needs no transaction', () => {
    assert.strictEqual(repo.oneStatement('fan-1', 'imbalance'), b.dialect === 'postgres');
    const withParts = new WorkOrderRepo(b.store, { followUps: new FollowUps(b.store, { origin, parts: PartsPlan.parse('imbalance: BAL-KIT') }) });
    assert.strictEqual(withParts.oneStatement('fan-1', 'imbalance'), false, 'parts to reserve: record() in a transaction');
    assert.strictEqual(withParts.oneStatement('fan-1', 'looseness'), b.dialect === 'postgres');
  });

  it('the dispatcher sends the order as stored, with its history; the stored payloads are the sent ones', async () => {
    const got: FollowUp[] = [];
    const d = new FollowUpDispatcher(fu, { origin, now: () => T0, send: (batch) => (got.push(...batch), batch.map((f) => f.id)) });
    const r = await repo.detect({ asset: 'fan-1', mode: 'imbalance', severity: 'warning', evidence: '1x 4.1 mm/s', ts: T0 });
    assert.ok(r.created);
    assert.strictEqual(await d.kick(), 2);
    const stored = await repo.get(r.workOrder.id);
    assert.deepStrictEqual(got.map((f) => f.kind), ['andon', 'notify']);
    assert.deepStrictEqual(got[0]!.payload, { station: 'fan-1', kind: 'machine', text: `${stored.number} imbalance on fan-1`, source: 'work-order', wo: stored.number });
    assert.deepStrictEqual(got[1]!.payload, { event: 'new', workOrder: stored, reserved: [], short: [] });
    assert.deepStrictEqual(stored.history!.map((h) => [h.action, h.note]), [['detect', '1x 4.1 mm/s']]);
    const rows = await fu.forOrder(r.workOrder.id);
    assert.deepStrictEqual(rows.map((f) => [f.payload, f.attempts, f.deliveredAt]), got.map((f) => [f.payload, 1, T0]));

    const again = await repo.detect({ asset: 'fan-1', mode: 'imbalance', severity: 'warning', evidence: '1x 4.3 mm/s', ts: T0 + 1000 });
    assert.ok(!again.created && !again.escalated);
    const up = await repo.detect({ asset: 'fan-1', mode: 'imbalance', severity: 'alarm', evidence: '1x 7.9 mm/s', ts: T0 + 2000 });
    assert.ok(up.escalated);
    got.length = 0;
    assert.strictEqual(await d.kick(), 1);
    const after = await repo.get(r.workOrder.id);
    assert.deepStrictEqual(up.workOrder.history, after.history, 'the escalation answers with the stored history');
    assert.deepStrictEqual(after.history!.map((h) => h.action), ['detect', 'escalate']);
    assert.strictEqual(after.history![1]!.note, 'severity warning -> alarm; priority P3 -> P2; 1x 7.9 mm/s');
    assert.deepStrictEqual(got[0]!.payload, { event: 'escalated', workOrder: after });
    assert.deepStrictEqual((await fu.forOrder(r.workOrder.id)).map((f) => f.payload), [rows[0]!.payload, rows[1]!.payload, got[0]!.payload]);
  });

  it('a process that stops before the first send: the follow-ups are built from the stored order on start', async () => {
    const r = await repo.detect({ asset: 'fan-2', mode: 'imbalance', severity: 'warning', evidence: 'e1', ts: T0 + 5000 });
    // No dispatcher ran; a new one starts (kick(true): the table, not what this process handed over).
    const got: FollowUp[] = [];
    const d = new FollowUpDispatcher(fu, { origin, now: () => T0 + 9000, send: (batch) => (got.push(...batch), batch.map((f) => f.id)) });
    assert.strictEqual(await d.kick(true), 2);
    const stored = await repo.get(r.workOrder.id);
    assert.deepStrictEqual(got.map((f) => f.payload), [
      { station: 'fan-2', kind: 'machine', text: `${stored.number} imbalance on fan-2`, source: 'work-order', wo: stored.number },
      { event: 'new', workOrder: stored, reserved: [], short: [] },
    ]);
    assert.deepStrictEqual((await fu.forOrder(r.workOrder.id)).map((f) => [f.payload, f.deliveredAt]), got.map((f) => [f.payload, T0 + 9000]));
    assert.strictEqual(await d.kick(), 0);
  });

  it('applied once per event key; the key and the order commit together', async () => {
    const i = { asset: 'fan-3', mode: 'looseness', severity: 'warning' as const, evidence: 'x', ts: T0 };
    const first = await repo.detectOnce(i, 'box-c:1');
    assert.ok(first?.created);
    assert.strictEqual(await repo.detectOnce({ ...i, ts: T0 + 1 }, 'box-c:1'), undefined, 'the same key again: nothing');
    assert.strictEqual((await repo.detectOnce({ ...i, ts: T0 + 2 }, 'box-c:2'))?.workOrder.detections, 2);
    await assert.rejects(
      b.store.tx(async (q) => {
        assert.ok(await repo.detectOnce({ ...i, ts: T0 + 3 }, 'box-c:3', q));
        throw new Error('rolled back');
      }),
      /rolled back/,
    );
    assert.strictEqual((await repo.detectOnce({ ...i, ts: T0 + 4 }, 'box-c:3'))?.workOrder.detections, 3, 'a rolled-back key is not applied');
    assert.strictEqual(Number((await b.store.one<{ n: number }>("SELECT COUNT(*) AS n FROM outbox_applied WHERE event_key LIKE 'box-c:%'"))!.n), 3);
  });

  it('evidence: the first finding kept, the latest replaced, as withLatestEvidence says', async () => {
    let model = '';
    const steps: (string | undefined)[] = ['first 4.1', 'second', 'third', '', 'first 4.1', undefined, "it's 'quoted' \\ %", 'x'];
    for (const [k, ev] of steps.entries()) {
      const r = await repo.detect({ asset: 'fan-4', mode: 'misalignment', severity: 'watch', evidence: ev, ts: T0 + k });
      model = k === 0 ? (ev ?? '') : ev === undefined ? model : withLatestEvidence(model, ev);
      assert.strictEqual(r.workOrder.evidence, model, `after ${JSON.stringify(ev)}`);
      assert.strictEqual((await repo.get(r.workOrder.id, false)).evidence, model);
    }
  });
});
