/**
 * rel-notify's core without Node-RED: roster parsing (bad rows named by row and field), who is on
 * call across midnight and in other time zones (a fixed offset and an IANA zone across a DST
 * change), the rules, the throttle with its count of held repeats, and the rendering (English,
 * German, escaping).
 */
import assert from 'assert';
import { parseRoster, parseShifts, parseZone, parseDays, whoIsOnCall, localTime, RosterError } from '../../nodes/core/notify/roster';
import { classify, parseChain, Throttle } from '../../nodes/core/notify/rules';
import { escapeHtml, oneLine } from '../../nodes/core/notify/render';
import { Notifier } from '../../nodes/core/notify/notifier';

const SHIFTS = 'early=06:00-14:00, late=14:00-22:00, night=22:00-06:00';
const CSV = [
  'name,role,email,phone,webhook,lines,shifts,days',
  'Anna Schmidt,technician,anna@plant.example,+49 170 1111111,,L1;L2,early,Mon-Fri',
  'Ben Okafor,technician,ben@plant.example,,,L1;L2,late,Mon-Fri',
  'Nora Lind,technician,nora@plant.example,,,L2,night,Mon-Fri',
  'Wei Chen,technician,wei@plant.example,,,*,*,Sat;Sun',
  'Paula Planner,planner,paula@plant.example,,https://hooks.example/paula,*,early;late,Mo-Fr',
  'Max Manager,manager,max@plant.example,,,*,*,',
].join('\n');

// 2026-12-07 is a Monday.
const utc = (d: number, h: number, m = 0) => Date.UTC(2026, 11, d, h, m);
const names = (es: { name: string }[]) => es.map((e) => e.name);

describe('notify core', function () {
  describe('roster', function () {
    const roster = parseRoster(CSV, parseShifts(SHIFTS), parseZone('UTC'));

    it('parses the CSV: lists, *, days, optional fields', function () {
      assert.strictEqual(roster.entries.length, 6);
      const anna = roster.entries[0]!;
      assert.deepStrictEqual(anna, { name: 'Anna Schmidt', role: 'technician', email: 'anna@plant.example', phone: '+49 170 1111111', lines: ['L1', 'L2'], shifts: ['early'], days: [1, 2, 3, 4, 5] });
      assert.strictEqual(roster.entries[3]!.lines, '*');
      assert.deepStrictEqual(roster.entries[3]!.days, [0, 6]);
      assert.strictEqual(roster.entries[4]!.webhook, 'https://hooks.example/paula');
      assert.deepStrictEqual(roster.entries[5]!.days, [0, 1, 2, 3, 4, 5, 6], 'empty days: every day');
    });

    it('names every bad row and field', function () {
      const bad = [
        'name,role,email,lines,shifts,days',
        'Anna,technician,anna(at)plant,L1,early,Mon-Fri',
        ',technician,x@y.de,L1,early,',
        'Carl,technician,carl@plant.example,,nite,Funday',
        'Dora,tech nician,dora@plant.example,L1,early,Mon',
      ].join('\n');
      let err: RosterError | undefined;
      try {
        parseRoster(bad, parseShifts(SHIFTS), parseZone('UTC'));
      } catch (e) {
        err = e as RosterError;
      }
      assert.ok(err instanceof RosterError, 'a RosterError');
      assert.deepStrictEqual(
        err.errors.map((e) => `${e.row}:${e.field}`),
        ['2:email', '3:name', '4:lines', '4:shifts', '4:days', '5:role'],
      );
      assert.match(err.message, /^roster: 6 problems: row 2 email: expected an e-mail address \(name@example.com\), got the string "anna\(at\)plant"/);
      assert.match(err.errors[3]!.error, /a shift of the roster \(early, late, night\), got the string "nite"/);
    });

    it('refuses JSON that is not an array of entries, and unknown CSV columns', function () {
      assert.throws(() => parseRoster('[{"name":"A","role":"technician","lines":"L1"}, 7]', new Map(), parseZone('UTC')), /entry 2 entry: expected an object, got the number 7/);
      assert.throws(() => parseRoster('name,role,lines,pager\nA,technician,L1,123', new Map(), parseZone('UTC')), /roster: expected CSV columns among .*got the string "pager"/);
      assert.throws(() => parseRoster('name,role\nA,technician', new Map(), parseZone('UTC')), /columns name, role, lines/);
      const ok = parseRoster([{ name: 'A', role: 'Technician', lines: ['L1', 'L2'], shifts: '*' }], new Map(), parseZone('UTC'));
      assert.deepStrictEqual(ok.entries[0]!.lines, ['L1', 'L2']);
      assert.strictEqual(ok.entries[0]!.role, 'technician');
    });

    it('shifts: bad definitions, days with wrap-around and German names', function () {
      assert.throws(() => parseShifts('early=06:00-25:00'), /shifts\[0\]: expected a time of day/);
      assert.throws(() => parseShifts('early=06:00-14:00, early=14:00-22:00'), /shifts\[1\]: expected a shift name used once/);
      assert.deepStrictEqual(parseDays('Fri-Mon'), [0, 1, 5, 6]);
      assert.deepStrictEqual(parseDays('Mo-Mi; So'), [0, 1, 2, 3]);
      assert.match(String(parseDays('constructor')), /day names like Mon-Fri/);
    });
  });

  describe('who is on call', function () {
    const roster = parseRoster(CSV, parseShifts(SHIFTS), parseZone('UTC'));
    it('picks the shift, the line and the day', function () {
      assert.deepStrictEqual(names(whoIsOnCall(roster, 'L1', utc(7, 6), ['technician'])), ['Anna Schmidt']);
      assert.deepStrictEqual(names(whoIsOnCall(roster, 'L1', utc(7, 13, 59), ['technician'])), ['Anna Schmidt']);
      assert.deepStrictEqual(names(whoIsOnCall(roster, 'L1', utc(7, 14), ['technician'])), ['Ben Okafor'], 'the end of a shift belongs to the next');
      assert.deepStrictEqual(names(whoIsOnCall(roster, 'L1', utc(7, 23), ['technician'])), [], 'nobody covers L1 at night');
      assert.deepStrictEqual(names(whoIsOnCall(roster, 'L2', utc(7, 23), ['technician'])), ['Nora Lind']);
      assert.deepStrictEqual(names(whoIsOnCall(roster, 'L2', utc(7, 10))), ['Anna Schmidt', 'Paula Planner', 'Max Manager'], 'all roles');
    });
    it('a night shift crossing midnight counts for the day it started', function () {
      // Friday 2026-12-11 22:00 to Saturday 06:00: Nora (Mon-Fri) covers Saturday 02:00 ...
      assert.deepStrictEqual(names(whoIsOnCall(roster, 'L2', utc(12, 2), ['technician'])), ['Nora Lind', 'Wei Chen']);
      // ... but not Monday 02:00 (the Sunday night shift, Sunday is not in Mon-Fri); Wei's `*` is
      // round the clock on his calendar days (Sat, Sun), so Monday 02:00 is nobody's.
      assert.deepStrictEqual(names(whoIsOnCall(roster, 'L2', utc(14, 2), ['technician'])), []);
      assert.deepStrictEqual(names(whoIsOnCall(roster, 'L2', utc(13, 23, 59), ['technician'])), ['Wei Chen']);
      // Monday 05:59 belongs to the Sunday night shift too; Monday 22:00 starts Nora's.
      assert.deepStrictEqual(names(whoIsOnCall(roster, 'L2', utc(14, 5, 59), ['technician'])), []);
      assert.deepStrictEqual(names(whoIsOnCall(roster, 'L2', utc(14, 22), ['technician'])), ['Nora Lind']);
    });
    it('reads shifts in the plant time zone: a fixed offset and an IANA zone across the DST change', function () {
      const plus2 = parseRoster(CSV, parseShifts(SHIFTS), parseZone('+02:00'));
      // 05:00 UTC is 07:00 at UTC+2: the early shift
      assert.deepStrictEqual(names(whoIsOnCall(plus2, 'L1', utc(7, 5), ['technician'])), ['Anna Schmidt']);
      assert.deepStrictEqual(names(whoIsOnCall(plus2, 'L1', utc(7, 3, 59), ['technician'])), []);
      const berlin = parseRoster(CSV, parseShifts(SHIFTS), parseZone('Europe/Berlin'));
      // Winter (UTC+1): 05:00 UTC is 06:00 local, the early shift starts
      assert.deepStrictEqual(names(whoIsOnCall(berlin, 'L1', utc(7, 5), ['technician'])), ['Anna Schmidt']);
      // Summer (UTC+2), Wed 2026-07-01: 04:30 UTC is 06:30 local, early; 20:30 UTC is 22:30, night
      assert.deepStrictEqual(names(whoIsOnCall(berlin, 'L2', Date.UTC(2026, 6, 1, 4, 30), ['technician'])), ['Anna Schmidt']);
      assert.deepStrictEqual(names(whoIsOnCall(berlin, 'L2', Date.UTC(2026, 6, 1, 20, 30), ['technician'])), ['Nora Lind']);
      // The night of the spring change (Fri 2026-03-27 -> Sun 29: clocks go 02:00 -> 03:00 on Sunday)
      assert.strictEqual(localTime(parseZone('Europe/Berlin'), Date.UTC(2026, 2, 29, 1, 30)).text, '2026-03-29 03:30');
      assert.strictEqual(localTime(parseZone('America/New_York'), Date.UTC(2026, 11, 7, 3, 0)).text, '2026-12-06 22:00');
      assert.throws(() => parseZone('Mars/Olympus_Mons'), /timeZone: expected a UTC offset \(\+01:00\) or an IANA time zone this box knows/);
      assert.throws(() => parseZone('+15:00'), /between -14:00 and \+14:00/);
    });
  });

  describe('rules and throttle', function () {
    const opts = { workOrders: true, woMaxPriority: 1 };
    it('classifies the suite messages and says why others notify nobody', function () {
      const h = classify({ action: 'detect', payload: { asset: 'pump-7', channel: 'machine', ts: 5, from: 'normal', to: 'warning', state: 'warning', severity: 'warning', evidence: 'e', health: { score: 61 } } }, 0, opts);
      assert.ok('event' in h && h.event.kind === 'warning' && h.event.health === 61 && h.event.ts === 5);
      assert.deepStrictEqual(classify({ payload: { asset: 'pump-7', to: 'normal', health: {} } }, 0, opts), { ignored: 'pump-7 normal' });
      const a = classify({ action: 'escalate', payload: { id: 3, station: 'st-1', kind: 'machine', level: 2, text: 'jam', ageS: 320, escalatedAt: '2026-12-07T06:05:00.000Z' } }, 0, opts);
      assert.ok('event' in a && a.event.kind === 'andon' && a.event.level === 2 && a.event.ts === utc(7, 6, 5));
      assert.deepStrictEqual(classify({ event: 'new', payload: { number: 'WO-000002', asset: 'p', priority: 2 } }, 0, opts), { ignored: 'P2 (notices for P1)' });
      assert.throws(() => classify({ action: 'escalate', payload: { station: 'st-1', level: 0 } }, 0, opts), /msg.payload.level: expected an escalation level 1-100, got the number 0/);
      assert.throws(() => classify({ payload: { foo: 1 } }, 0, opts), /^InputError: msg.payload: expected a state change of rel-health/);
      assert.throws(() => classify({ payload: { asset: 'p', to: 'broken', health: {} } }, 0, opts), /msg.payload.to: expected a health state/);
      assert.deepStrictEqual(parseChain('1=technician, 2=technician+planner'), [['technician'], ['technician', 'planner']]);
      assert.throws(() => parseChain('1=technician, 3=planner'), /chain\[1\]: expected level 2=roles/);
    });
    it('holds back repeats within the interval and counts them in the next notice', function () {
      const t = new Throttle(10 * 60_000);
      const min = 60_000;
      assert.deepStrictEqual(t.check('p|warning', 0), { send: true, suppressed: 0, heldSince: undefined, held: 0 });
      assert.strictEqual(t.check('p|warning', 1 * min).send, false);
      assert.strictEqual(t.check('p|warning', 2 * min).held, 2);
      assert.strictEqual(t.check('p|alarm', 3 * min).send, true, 'another kind is not held back');
      assert.strictEqual(t.check('q|warning', 3 * min).send, true, 'another asset is not held back');
      assert.strictEqual(t.check('p|warning', 9 * min).send, false);
      const d = t.check('p|warning', 10 * min);
      assert.deepStrictEqual(d, { send: true, suppressed: 3, heldSince: 1 * min, held: 0 });
      assert.strictEqual(t.check('p|warning', 19 * min).send, false, 'the interval runs from the last notice sent');
      assert.strictEqual(t.heldTotal, 4);
      const small = new Throttle(1000, 3);
      for (const k of ['a', 'b', 'c', 'd']) small.check(k, 0);
      assert.strictEqual(small.size, 3);
      assert.strictEqual(small.check('a', 1).send, true, 'the oldest key was forgotten');
    });
  });

  describe('notifier and rendering', function () {
    it('names the form field of a bad repeat interval (minInterval, minutes)', function () {
      assert.throws(() => new Notifier({ roster: CSV, shifts: SHIFTS, timeZone: 'UTC', minInterval: -1 }), /^InputError: minInterval: expected minutes 0 to 10080 \(a week\), got the number -1/);
      assert.throws(() => new Notifier({ roster: CSV, shifts: SHIFTS, timeZone: 'UTC', minInterval: '10 min' }), /minInterval: expected minutes/);
    });
    const change = (to: string, ts: number, evidence = 'velocity 5.2 mm/s') => ({ action: 'detect', payload: { asset: 'pump-7', channel: 'machine', ts, from: 'normal', to, state: to, severity: to, evidence, health: { score: 12.4, isoZone: 'D' } } });
    it('a flapping machine: one mail, then one with the count of held repeats', function () {
      const n = new Notifier({ roster: CSV, shifts: SHIFTS, timeZone: 'Europe/Berlin', minInterval: 10, dashboardUrl: 'http://edge-1:1880/dashboard/', from: 'maint@plant.example' });
      const base = utc(7, 9);
      const sent: string[] = [];
      for (let i = 0; i < 50; i++) {
        const o = n.handle(change('warning', base + i * 30_000), 0, () => 'L2');
        if (o.email) sent.push(o.email.plaintext);
      }
      assert.strictEqual(sent.length, 3, 'at 0, 10 and 20 minutes of 25');
      assert.strictEqual(n.throttle.heldTotal, 47);
      assert.match(sent[1]!, /19 repeats of this notice held back since 2026-12-07 10:00\./);
      const o = n.handle(change('alarm', base + 60_000), 0, () => 'L2');
      assert.ok(o.email, 'an alarm is not held back by the warnings');
      assert.strictEqual(o.email.to, 'anna@plant.example, paula@plant.example');
      assert.strictEqual(o.email.from, 'maint@plant.example');
      assert.strictEqual(o.email.topic, '[ALARM] pump-7 (line L2): health 12');
      assert.match(o.email.plaintext, /^pump-7 \(line L2\) went from normal to alarm at 2026-12-07 10:01 \(plant time, Europe\/Berlin\)\./);
      assert.match(o.email.plaintext, /Open: http:\/\/edge-1:1880\/dashboard\/asset\?asset=pump-7\n/);
      assert.match(o.email.plaintext, /On call: Anna Schmidt \(technician, \+49 170 1111111\), Paula Planner \(planner\)/);
      assert.deepStrictEqual(o.webhooks.map((w) => w.url), ['https://hooks.example/paula']);
      assert.strictEqual(o.dashboard!.topic, o.email.topic);
    });
    it('German, escaping user text in HTML, one-line subjects', function () {
      const n = new Notifier({ roster: CSV, shifts: SHIFTS, timeZone: 'UTC', lang: 'de', minInterval: 0, webhookUrl: 'https://teams.example/hook' });
      const o = n.handle(change('alarm', utc(7, 9), '<script>alert(1)</script> & "x"'), 0, () => 'L2');
      assert.strictEqual(o.email!.topic, '[ALARM] pump-7 (Linie L2): Zustand 12');
      assert.match(o.email!.plaintext, /ist von Normal auf Alarm gegangen um 2026-12-07 09:00 \(Werkszeit, UTC\)/);
      assert.ok(o.email!.html.includes('&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;x&quot;'), o.email!.html);
      assert.ok(!o.email!.html.includes('<script>'));
      assert.strictEqual(o.email!.payload, o.email!.html);
      assert.deepStrictEqual(o.webhooks.map((w) => w.url), ['https://teams.example/hook', 'https://hooks.example/paula']);
      assert.ok(String(o.webhooks[0]!.payload.text).includes('&lt;script&gt;'), 'Slack escaping in the webhook text');
      const a = n.handle({ action: 'escalate', payload: { id: 1, station: 'st-1\r\nBcc: evil@x', kind: 'machine', level: 2, ageS: 300, text: 'Förderband steht' } }, utc(7, 9), () => 'L2');
      assert.strictEqual(a.email!.topic, '[ANDON Stufe 2] st-1 Bcc: evil@x (Linie L2): Maschinen-Ruf nicht quittiert seit 5 min');
      assert.strictEqual(a.email!.to, 'anna@plant.example, paula@plant.example', 'level 2: technician + planner');
      assert.strictEqual(escapeHtml(`<a href='x'>`), '&lt;a href=&#39;x&#39;&gt;');
      assert.strictEqual(oneLine('a\r\nb\u2028c'), 'a b c');
    });
    it('Andon levels follow the chain; nobody on call still reaches the channel and the dashboard', function () {
      const n = new Notifier({ roster: CSV, shifts: SHIFTS, timeZone: 'UTC', minInterval: 0 });
      const esc = (level: number, ts: number) => n.handle({ action: 'escalate', payload: { id: 1, station: 'st-1', kind: 'safety', level } }, ts, () => 'L1');
      assert.deepStrictEqual(names(esc(1, utc(7, 9)).recipients), ['Anna Schmidt']);
      assert.deepStrictEqual(names(esc(3, utc(7, 9)).recipients), ['Anna Schmidt', 'Paula Planner', 'Max Manager']);
      assert.deepStrictEqual(names(esc(7, utc(7, 9)).recipients), ['Anna Schmidt', 'Paula Planner', 'Max Manager'], 'beyond the chain: its last level');
      const night = esc(1, utc(7, 23));
      assert.strictEqual(night.email, null, 'no technician covers L1 at night');
      assert.strictEqual(night.webhooks.length, 1);
      assert.strictEqual(night.webhooks[0]!.url, undefined, 'the http request node URL');
      assert.match(night.dashboard!.payload, /^\[ANDON level 1\] st-1 \(line L1\): safety call unacknowledged/);
      assert.match(night.notice!.text, /On call: Nobody on call for these roles/);
      const wo = new Notifier({ roster: CSV, shifts: SHIFTS, workOrders: true }).handle({ event: 'new', payload: { number: 'WO-000007', asset: 'pump-7', line: 'L2', priority: 1, title: 'Bearing outer race', createdAt: '2026-12-07T10:00:00.000Z' } }, 0, () => 'L9');
      assert.strictEqual(wo.line, 'L2', 'the work order says its line');
      assert.strictEqual(wo.email!.topic, '[P1] New work order WO-000007: pump-7 - Bearing outer race');
    });
  });
});
