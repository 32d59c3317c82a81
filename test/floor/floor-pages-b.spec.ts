/**
 * What a maintenance manager reads on the maintenance, Kanban, technician and Widgets pages and
 * the QR label sheet, in a real browser (Debian's chromium, playwright-core): Node-RED (started
 * like `npm start`, 127.0.0.1, free port, temporary user directory) runs flows/demo-line.json with
 * the simulators accelerated until the conveyor's bearing fault has opened its work order. Checked
 * in English and German at 1920x1080 and 390x844:
 * - maintenance: the KPI row of the machine with an open corrective order says so (open since, the
 *   order, counts as a failure once completed) and the panel says what a failure is; PM tasks and spare
 *   parts in the page's language; reorder points whole parts; "Your name" and "Assign to" say
 *   which name goes where; the condition order's title in the page's language;
 * - Kanban: whole units with their unit, the demand per day a rate with one decimal, the safety
 *   margin in words and %, a legend for every card colour drawn;
 * - technician: the order's title in the page's language;
 * - Widgets: group titles, table column titles, work-order status and priority, Andon kind and
 *   state, order titles and Andon texts, the OEE chart's legend and tooltip, the buffer's item
 *   and figures in the page's language and number format, machines by name, times to the
 *   minute in the plant's time zone, no node, field or id names (in German no code word);
 * - the label sheet fits a 390 px phone (one column) and prints A4 with 3 labels per row;
 * - no horizontal overflow on any of them.
 */
import assert from 'assert';
import fs from 'fs';
import path from 'path';
import type { Browser, Page } from 'playwright-core';
import { SHOTS, demoLineInBrowser, stockChartJs, waitFor, launchChromium } from '../ui/nodered';
import { labelSheet } from '../../nodes/core/floor';
import { noOverflow } from '../helpers/overflow';

const SIZES = { '1920': { width: 1920, height: 1080 }, '390': { width: 390, height: 844 } } as const;
const LANGS = ['en', 'de'] as const;

const text = async (page: Page, sel: string): Promise<string> => ((await page.locator(sel).first().textContent().catch(() => '')) ?? '').replace(/\s+/g, ' ').trim();

describe('floor pages: the label sheet on a phone and on paper', function () {
  this.timeout(60_000);
  let browser: Browser;
  before(async () => {
    browser = await launchChromium();
  });
  after(async () => {
    if (browser) await browser.close();
  });

  it('fits a 390 px screen in one column; prints A4 with 3 labels of 70 mm per row', async function () {
    const assets = Array.from({ length: 7 }, (_, i) => ({ id: `M-00${i + 1}`, name: `Press ${i + 1}`, line: 'Line 1' }));
    const html = labelSheet(assets, (id) => `http://box:1880/floor/request?asset=${id}`, 'en', '/');
    const page = await browser.newPage({ viewport: SIZES['390'] });
    await page.setContent(html);
    await noOverflow(page, 'label sheet at 390 px');
    const lefts = (await page.evaluate(`[...document.querySelectorAll('.label')].map((e) => Math.round(e.getBoundingClientRect().left))`)) as number[];
    assert.strictEqual(new Set(lefts).size, 1, `one column on the phone: ${lefts}`);
    // the QR code keeps its printed size on screen (34 mm), so it scans
    const qr = (await page.evaluate(`document.querySelector('.qr').getBoundingClientRect().width`)) as number;
    assert.ok(Math.abs(qr - (34 * 96) / 25.4) < 2, `QR ${qr} px`);
    fs.mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: path.join(SHOTS, 'labels-en-390.png'), fullPage: true });
    // on a wide screen and on paper: the A4 sheet, 3 per row
    await page.setViewportSize(SIZES['1920']);
    const wide = (await page.evaluate(`[...new Set([...document.querySelectorAll('.label')].map((e) => Math.round(e.getBoundingClientRect().left)))].length`)) as number;
    assert.strictEqual(wide, 3);
    await page.setViewportSize(SIZES['390']);
    await page.emulateMedia({ media: 'print' });
    const sheet = (await page.evaluate(`(() => { const r = document.querySelector('.sheet').getBoundingClientRect(); return [Math.round(r.width), new Set([...document.querySelectorAll('.label')].map((e) => Math.round(e.getBoundingClientRect().left))).size]; })()`)) as [number, number];
    assert.deepStrictEqual(sheet, [Math.round((210 * 96) / 25.4), 3], 'print: 210 mm, 3 per row');
    const pdf = await page.pdf({ format: 'A4' });
    assert.ok(pdf.length > 1000);
    await page.close();
  });
});

describe('floor pages: maintenance, Kanban, technician and Widgets as a maintenance manager reads them', function () {
  this.timeout(420_000);
  const demo = demoLineInBrowser();

  it('maintenance: the open corrective order in the KPI row, demo data and titles in the page\'s language, whole parts, which name goes where', async function () {
    const page = await demo.browser.newPage({ viewport: SIZES['1920'] });
    await page.goto(`${demo.red.url}/dashboard/maintenance?lang=en`);
    // the conveyor's bearing fault opens its work order; its KPI row has figures
    const row = '[data-kpi="conveyor-1"]';
    await waitFor('the conveyor\'s open corrective order in its KPI row', async () => (await page.locator(`${row} [data-open-failure]`).count()) > 0, 240_000);
    for (const lang of LANGS) {
      for (const [size, viewport] of Object.entries(SIZES)) {
        await page.setViewportSize(viewport);
        await page.goto(`${demo.red.url}/dashboard/maintenance?lang=${lang}`);
        await page.locator(`${row} [data-open-failure]`).first().waitFor({ timeout: 30_000 });
        await page.locator('[data-part]').first().waitFor({ timeout: 30_000 });
        const de = lang === 'de';
        const open = await text(page, `${row} [data-open-failure]`);
        assert.match(open, de ? /^Instandsetzungsauftrag offen seit .+ · WO-\d{6} .+ · zählt als Ausfall, sobald erledigt$/ : /^corrective order open since .+ · WO-\d{6} .+ · counts as a failure once completed$/, open);
        assert.doesNotMatch(open, de ? /Ausfall offen/ : /failure open/, 'an open order is not called a failure');
        assert.match(await text(page, `${row} [data-col="open-failures"]`), de ? /^\+ \d+ offen, noch nicht gezählt$/ : /^\+ \d+ open, not yet counted$/);
        assert.match(await text(page, '[data-kpi-counts]'), de ? /Ausfall zählt hier, sobald sein Instandsetzungsauftrag erledigt ist: eine Maschine mit offenem Instandsetzungsauftrag/ : /failure counts here once its corrective work order is completed: a machine with an open corrective order/);
        // PM tasks and spare parts in the page's language
        const pm = await page.locator('[data-table="pm"] [data-col="task"]').allTextContents();
        const parts = await page.locator('[data-table="spares"] [data-col="name"]').allTextContents();
        assert.ok(pm.length >= 4 && parts.length >= 7, `${pm.length} tasks, ${parts.length} parts`);
        if (de) {
          assert.ok(pm.includes('Pumpenlager schmieren') && pm.includes('Ansaugfilter wechseln'), pm.join(' | '));
          assert.ok(parts.includes('Rillenkugellager 6205-2RS') && parts.includes('Keilriemen XPZ 1250'), parts.join(' | '));
          assert.ok(!pm.concat(parts).some((x) => /Lubricate|Replace|Deep groove|V-belt|Balancing/.test(x)), 'no English demo data on the German page');
        } else {
          assert.ok(pm.includes('Lubricate pump bearings') && parts.includes('Deep groove ball bearing 6205-2RS'), pm.concat(parts).join(' | '));
        }
        // reorder points: whole parts
        const rop = await page.locator('[data-table="spares"] [data-col="reorder"]').allTextContents();
        assert.ok(rop.length >= 7 && rop.every((x) => /^\d+$/.test(x.trim())), `reorder points ${rop}`);
        // which name goes where
        assert.match(await text(page, '[data-name-hint]'), de ? /wer Sie sind/ : /who you are/);
        // the conveyor's open order has an "Assign to" field while it is open or assigned
        await page.locator('.rel-assign-to').first().waitFor({ timeout: 30_000 });
        const assignTo = page.locator('.rel-assign-to');
        assert.ok((await assignTo.count()) > 0, 'an open order with "Assign to"');
        assert.match(((await assignTo.first().textContent()) ?? '').trim(), de ? /^Zuweisen an/ : /^Assign to/);
        // the condition order's title in the page's language
        const titles = await page.locator(`[data-wo-status] [data-wo-title]`).allTextContents();
        const cond = titles.find((x) => /Outer ring|Außenring|bearing|Lager/.test(x));
        assert.ok(cond, titles.join(' | '));
        assert.match(cond!, de ? /^Außenring des (antriebsseitigen )?Lagers beschädigt – Conveyor drive/ : /^Outer ring of the (drive-end )?bearing damaged – Conveyor drive/);
        await noOverflow(page, `maintenance ${lang} ${size}`);
        await page.screenshot({ path: path.join(SHOTS, `maintenance-b-${lang}-${size}.png`), fullPage: size === '390' });
      }
    }
    await page.close();
  });

  it('Kanban: whole units with their unit, demand per day with one decimal, the safety margin in words, a legend for every card colour', async function () {
    const page = await demo.browser.newPage({ viewport: SIZES['1920'] });
    for (const lang of LANGS) {
      for (const [size, viewport] of Object.entries(SIZES)) {
        await page.setViewportSize(viewport);
        await page.goto(`${demo.red.url}/dashboard/kanban?lang=${lang}`);
        const de = lang === 'de';
        const b = '[data-buffer="caps-38mm"]';
        await waitFor('the buffer advice', async () => /\d/.test(await text(page, `${b} .rel-buf-units`)), 120_000);
        // whole numbers, grouped from 10,000 (10.455 in German)
        const whole = de ? /^(\d+|\d{1,3}(\.\d{3})+)$/ : /^(\d+|\d{1,3}(,\d{3})+)$/;
        for (const sel of ['.rel-buf-units', '.rel-buf-ss', '.rel-buf-rop']) assert.match(await text(page, `${b} ${sel}`), whole, `${sel} ${lang}`);
        for (const sel of ['.rel-buf-ss', '.rel-buf-rop']) {
          const fig = await page.locator(`${b} ${sel}`).evaluate((e: any) => e.parentElement.textContent.replace(/\s+/g, ' ').trim());
          assert.match(fig, de ? /\d Stück$/ : /\d units$/, `${sel} has its unit: ${fig}`);
        }
        // the demand is a rate: one decimal (0.2 per day does not read "1 units per day")
        const demand = await text(page, `${b} .rel-buf-demand`);
        assert.match(demand, de ? /^(\d+|\d{1,3}(\.\d{3})+),\d$/ : /^(\d+|\d{1,3}(,\d{3})+)\.\d$/, `demand ${lang}: ${demand}`);
        assert.match(await text(page, `${b} [data-whole-note]`), de ? /ganze Stück aufgerundet.*Bedarf ist eine Rate, mit einer Nachkommastelle/ : /rounded up to whole units.*demand is a rate, shown with one decimal/);
        // the item by name, its id beside it
        assert.match(await text(page, '[data-loop="caps-38mm"] .rel-kb-item'), de ? /^Verschlusskappen 38 mm caps-38mm$/ : /^Caps 38 mm caps-38mm$/);
        // the margin in words and %, no bare Greek letter with a fraction
        const margin = await text(page, '[data-loop="caps-38mm"] [data-margin]');
        assert.match(margin, de ? /^Sicherheitszuschlag \+\d+ % / : /^Safety margin \+\d+ % /, margin);
        assert.doesNotMatch(await text(page, '[data-loop="caps-38mm"] [data-legend]'), /α/);
        // every card colour drawn has a legend entry of the same colour
        const colours = (await page.evaluate(`(() => {
          const loop = document.querySelector('[data-loop="caps-38mm"]');
          const bg = (e) => getComputedStyle(e).backgroundColor;
          return { cards: [...new Set([...loop.querySelectorAll('.rel-kb-card')].map(bg))], legend: [...loop.querySelectorAll('[data-legend-item] .rel-kb-dot')].map(bg) };
        })()`)) as { cards: string[]; legend: string[] };
        assert.ok(colours.cards.length >= 1, JSON.stringify(colours));
        assert.strictEqual(colours.legend.length, 3, JSON.stringify(colours));
        for (const c of colours.cards) assert.ok(colours.legend.includes(c), `card colour ${c} has a legend entry: ${JSON.stringify(colours)}`);
        await noOverflow(page, `kanban ${lang} ${size}`);
        await page.screenshot({ path: path.join(SHOTS, `kanban-b-${lang}-${size}.png`), fullPage: size === '390' });
      }
    }
    await page.close();
  });

  it('technician: the work order\'s title in the page\'s language', async function () {
    const page = await demo.browser.newPage({ viewport: SIZES['390'] });
    for (const lang of LANGS) {
      await page.goto(`${demo.red.url}/dashboard/tech?lang=${lang}`);
      const titles = await waitFor('an order on the technician page', async () => {
        const t = await page.locator('[data-wo-title]').allTextContents();
        return t.some((x) => /Lager|bearing/.test(x)) ? t : null;
      }, 60_000);
      const cond = titles.find((x) => /Lager|bearing/.test(x))!;
      // the Andon call's age says it is on the real clock (the machines run on plant time)
      const ago = await waitFor('the Andon call\'s age', async () => (await page.locator('[data-raised-ago]').allInnerTexts())[0] ?? null, 60_000);
      assert.match(ago.trim(), lang === 'de' ? /^vor \d+ (s|min) ausgelöst \(echte Uhr\)$/ : /^raised \d+ (s|min) ago \(real clock\)$/);
      assert.match(cond, lang === 'de' ? /^Außenring des (antriebsseitigen )?Lagers beschädigt – Conveyor drive/ : /^Outer ring of the (drive-end )?bearing damaged – Conveyor drive/);
      await noOverflow(page, `tech ${lang} 390`);
    }
    await page.close();
  });

  it('Widgets: every word in the page\'s language (titles, codes, order titles, Andon texts, legends, figures), times to the minute, no overflow', async function () {
    const page = await demo.browser.newPage({ viewport: SIZES['1920'] });
    const expect = {
      en: { groups: ['Machine health', 'Open work orders', 'Andon calls', 'Reliability KPIs', 'Buffer advice'], cols: ['Order', 'What and where', 'Opened (plant time)', 'Last change (plant time)'], status: ['Open', 'Assigned', 'In progress', 'On hold'], kind: 'Machine fault', level: /^(not escalated|escalated to level \d)$/, andonState: ['waiting', 'acknowledged'], title: /^Outer ring of the (drive-end )?bearing damaged – Conveyor drive/, priority: /^[1-4] – (at once|within the shift|within the week|when planned)$/, series: ['Availability', 'Performance', 'Quality', 'OEE'], fig: /^\d+\.\d\d$/ },
      de: { groups: ['Maschinenzustand', 'Offene Aufträge', 'Andon-Rufe', 'Zuverlässigkeitskennzahlen', 'Pufferempfehlung'], cols: ['Auftrag', 'Was und wo', 'Eröffnet (Anlagenzeit)', 'Letzte Änderung (Anlagenzeit)'], status: ['Offen', 'Zugewiesen', 'In Arbeit', 'Angehalten'], kind: 'Maschinenstörung', level: /^(nicht eskaliert|auf Stufe \d eskaliert)$/, andonState: ['wartet', 'quittiert'], title: /^Außenring des (antriebsseitigen )?Lagers beschädigt – Conveyor drive/, priority: /^[1-4] – (sofort|in dieser Schicht|in dieser Woche|nach Planung)$/, series: ['Verfügbarkeit', 'Leistung', 'Qualität', 'OEE'], fig: /^\d+,\d\d$/ },
    };
    /** The cells of a stock table by column title (the desktop layout: one row per record). */
    const rows = async (id: string): Promise<Record<string, string>[]> => (await page.evaluate(`(() => {
      const t = document.querySelector('#nrdb-ui-widget-${id} table');
      if (!t) return [];
      const heads = [...t.querySelectorAll('thead th')].map((th) => th.textContent.trim());
      return [...t.querySelectorAll('tbody tr')].map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent.trim())).filter((c) => c.length === heads.length).map((c) => Object.fromEntries(heads.map((h, i) => [h, c[i]])));
    })()`)) as Record<string, string>[];
    /** The OEE chart's legend and tooltip as ECharts draws them (on a canvas): its formatters applied to the series. */
    const oeeLegend = async (): Promise<{ legend: string[]; tip: string }> => (await page.evaluate(`(() => {
      const chart = ${stockChartJs('w-oee-chart')};
      if (!chart) return { legend: [], tip: '' };
      const o = chart.getOption();
      const f = o.legend[0].formatter;
      const legend = o.series.map((s) => (typeof f === 'function' ? f(s.name) : s.name));
      const tf = o.tooltip[0].formatter;
      const tip = typeof tf === 'function' ? tf(o.series.map((s) => ({ seriesName: s.name, value: [0, 95.5], marker: '' }))) : '';
      return { legend, tip };
    })()`)) as { legend: string[]; tip: string };
    for (const lang of LANGS) {
      const x = expect[lang];
      for (const [size, viewport] of Object.entries(SIZES)) {
        await page.setViewportSize(SIZES['1920']);
        await page.goto(`${demo.red.url}/dashboard/widgets?lang=${lang}`);
        // the tables in their desktop layout first (one row per record), then the size under test
        const wo = await waitFor(`the ${lang} work-order table with the conveyor's order`, async () => {
          const r = await rows('w-wo-table');
          return r.length && x.cols.every((c) => c in r[0]) && r.some((w) => x.title.test(w[x.cols[1]])) ? r : null;
        }, 240_000);
        const cond = wo.find((w) => x.title.test(w[x.cols[1]]))!;
        // a status and a priority in words, the opening time to the minute (plant time zone)
        assert.ok(x.status.includes(cond[lang === 'de' ? 'Status' : 'Status']), `${lang}: status ${JSON.stringify(cond)}`);
        assert.match(cond[lang === 'de' ? 'Priorität' : 'Priority'], x.priority);
        assert.match(cond[x.cols[2]], /^\d{4}-\d\d-\d\d \d\d:\d\d$/);
        // the Andon call: the machine by name, its kind and state in words, its text (the order's title) in the page's language
        const call = await waitFor(`the ${lang} Andon call of the order`, async () => (await rows('w-andon-table')).find((c) => /^WO-\d{6} /.test(c[lang === 'de' ? 'Text' : 'Text'])), 120_000);
        const [machine, kind, state] = lang === 'de' ? ['Maschine', 'Ruf', 'Status'] : ['Machine', 'Call', 'State'];
        assert.deepStrictEqual([call[machine], call[kind]], ['Conveyor drive', x.kind], JSON.stringify(call));
        assert.ok(x.andonState.includes(call[state]), JSON.stringify(call));
        // the call's time is on the real clock, the order's on plant time: each column says which
        assert.match(call[lang === 'de' ? 'Ausgelöst (echte Uhr)' : 'Raised (real clock)'] ?? '', /^\d{4}-\d\d-\d\d \d\d:\d\d$/, JSON.stringify(call));
        assert.match(call[lang === 'de' ? 'Eskalationsstufe' : 'Escalation level'], x.level);
        assert.match(call.Text.replace(/^WO-\d{6} /, ''), x.title);
        // the buffer advice: the item by its name, figures in the page's number format
        const buf = await waitFor('the buffer advice', async () => (await rows('w-buffer-table'))[0], 60_000);
        assert.strictEqual(buf[lang === 'de' ? 'Artikel' : 'Item'], lang === 'de' ? 'Verschlusskappen 38 mm' : 'Caps 38 mm');
        assert.match(buf[lang === 'de' ? 'Umlaufpuffer (Tage)' : 'WIP buffer (days)'], x.fig);
        assert.match(buf[lang === 'de' ? 'Meldebestand (Stück)' : 'Reorder point (units)'], /^\d+$/, 'whole units');
        // the OEE chart's legend and tooltip
        const oee = await waitFor('the OEE legend', async () => { const o = await oeeLegend(); return o.legend.length === 4 ? o : null; }, 60_000);
        assert.deepStrictEqual([...oee.legend].sort(), [...x.series].sort(), JSON.stringify(oee));
        assert.ok(oee.tip.includes(`${x.series[0]}: ${lang === 'de' ? '95,5' : '95.5'}`), oee.tip);
        await page.setViewportSize(viewport);
        await page.waitForTimeout(1000);
        const body = await page.locator('#app').innerText();
        for (const g of x.groups) assert.ok(body.includes(g), `${lang} ${size}: group ${g}`);
        assert.doesNotMatch(body, /\(rel-[a-z-]+|rel-work-order list|createdAt|updatedAt|raisedAt|availabilityPct|DE-accel|conveyor-1|caps-38mm/, `${lang} ${size}: no node, field or id names`);
        if (lang === 'de') {
          assert.doesNotMatch(body, /Machine health|Open work orders|What and where|No data available|Outer ring|bearing damaged/, `${lang} ${size}: English`);
          // no code word of the nodes (work-order status, Andon kind and state) left
          assert.doesNotMatch(body, /\b(open|assigned|in-progress|on-hold|done|acked|resolved|machine|quality|material|safety)\b/, `${lang} ${size}: a code word`);
        }
        await noOverflow(page, `widgets ${lang} ${size}`);
        await page.screenshot({ path: path.join(SHOTS, `widgets-${lang}-${size}.png`), fullPage: size === '390' });
      }
    }
    await page.close();
  });
});
