/**
 * The floor pages (line overview, asset detail, maintenance, Kanban, technician; the work-request
 * form and the planner's request list of rel-request) in a real browser: Node-RED
 * (started like `npm start`, 127.0.0.1, free port, temporary user directory) runs the demo line
 * accelerated, plus a register of 120 machines on 8 lines imported as CSV through rel-registry in
 * the runtime; Debian's chromium (playwright-core) loads every page in English and German at
 * 1920x1080 and 390x844: no horizontal overflow, no element wider than the viewport, the header
 * title, the navigation and the tab title in the page's language, screenshots in
 * test-output/screenshots/<page>-<lang>-<size>.png.
 */
import assert from 'assert';
import fs from 'fs';
import path from 'path';
import type { Browser, Page } from 'playwright-core';
import { ROOT, start, startRed, waitFor, type RunningRed, launchChromium } from './nodered';
import { storedWorkOrders } from '../helpers/fixtures';
import { overflow } from '../helpers/overflow';


const SHOTS = path.join(ROOT, 'test-output', 'screenshots');
const SIZES = { '1920': { width: 1920, height: 1080 }, '390': { width: 390, height: 844 } } as const;
const PAGES = ['line', 'asset', 'maintenance', 'kanban', 'tech'] as const;
/** The dashboard's pages as the header and the navigation name them, in order. */
const NAV: Record<'en' | 'de', string[]> = {
  en: ['Line overview', 'Asset detail', 'Maintenance', 'Kanban', 'Technician', 'Widgets', 'Work requests', 'QR labels'],
  de: ['Linienübersicht', 'Anlagendetail', 'Instandhaltung', 'Kanban-Tafel', 'Techniker', 'Standard-Widgets', 'Arbeitsanforderungen', 'QR-Etiketten'],
};
const LINES = 8;
const MACHINES = 120;
/** Seconds without data before a tile is stale, shortened for the test (the demo: 120 s). */
const STALE_S = 12;
const SILENT = 'M-007';

/** 120 machines on 8 lines in 2 areas, as a maintenance manager's spreadsheet (CSV). */
function registerCsv(): string {
  const rows = ['asset,name,site,area,line,criticality,machineClass,rpm,bearing'];
  for (let i = 1; i <= MACHINES; i++) {
    const line = ((i - 1) % LINES) + 1;
    rows.push(`M-${String(i).padStart(3, '0')},Press ${i},Plant Nord,${line <= 4 ? 'Hall 1' : 'Hall 2'},Line ${line},${(i % 5) + 1},iso10816-3:group2:rigid,1480,6205-2RS`);
  }
  return rows.join('\n');
}

/** The demo line accelerated, with the register import and a feed of figures for the 120 machines. */
function testFlow(): any[] {
  const flow = start.readFlow('demo-line.json');
  for (const n of flow) {
    if (n.type === 'rel-simulator') Object.assign(n, { timeScale: 3600, interval: 1 });
    if (n.id === 'view') n.staleAfter = STALE_S;
  }
  const z = 'tab-demo-line';
  flow.push(
    { id: 't-reg', type: 'rel-registry', z, name: 'register', store: 'demo-store', version: 1, x: 200, y: 1400, wires: [[]] },
    { id: 't-csv', type: 'inject', z, name: 'import 120 machines', props: [{ p: 'payload', v: registerCsv(), vt: 'str' }, { p: 'action', v: 'import', vt: 'str' }], repeat: '', crontab: '', once: false, onceDelay: 0.1, topic: '', x: 200, y: 1440, wires: [['t-reg']] },
    // POST /floor-feed {frames: [...]}: one message per frame into the floor view, as rel-health would send them.
    { id: 't-feed', type: 'http in', z, name: '', url: '/floor-feed', method: 'post', upload: false, swaggerDoc: '', x: 200, y: 1480, wires: [['t-split', 't-ok']] },
    { id: 't-split', type: 'function', z, name: 'frames', func: 'return [msg.payload.frames.map((f) => ({ payload: f }))];', outputs: 1, timeout: 0, noerr: 0, initialize: '', finalize: '', libs: [], x: 400, y: 1480, wires: [['view']] },
    { id: 't-ok', type: 'http response', z, name: '', statusCode: '200', headers: {}, x: 400, y: 1520, wires: [] },
  );
  return flow;
}

async function feed(red: RunningRed, ids: string[]): Promise<void> {
  const frames = ids.map((asset, i) => ({ asset, channel: 'DE-vel', features: { velocityRms: 1 + (i % 7) / 10, isoZone: 'A' }, health: { score: 80 + (i % 20), state: i % 17 === 3 ? 'warning' : 'normal', learned: 1 } }));
  const res = await fetch(`${red.url}/floor-feed`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ frames }) });
  assert.strictEqual(res.status, 200);
}

describe('ui: the floor pages in English and German, on a TV and a phone', function () {
  this.timeout(420_000);
  let red: RunningRed;
  let browser: Browser;
  let stop = false;
  let feeding: Promise<void> | null = null;
  const others = Array.from({ length: MACHINES }, (_, i) => `M-${String(i + 1).padStart(3, '0')}`);

  before(async function () {
    red = await startRed({ flow: testFlow() });
    browser = await launchChromium();
    fs.mkdirSync(SHOTS, { recursive: true });
  });

  after(async function () {
    stop = true;
    await feeding?.catch(() => undefined);
    if (browser) await browser.close();
    if (red) await red.stop();
  });

  it('a register of 120 machines on 8 lines: the line overview shows 120 tiles grouped by line, a silent one grey', async function () {
    const res = await fetch(`${red.url}/inject/t-csv`, { method: 'POST' });
    assert.strictEqual(res.status, 200);
    // figures for every machine, then for all but one: that one turns stale after STALE_S
    await waitFor('the register imported (the feed finds the machines)', async () => {
      await feed(red, others);
      return true;
    }, 20_000);
    feeding = (async () => {
      while (!stop) {
        await feed(red, others.filter((id) => id !== SILENT)).catch(() => undefined);
        await new Promise((r) => setTimeout(r, 3000));
      }
    })();
    const page = await browser.newPage({ viewport: SIZES['1920'] });
    await page.goto(`${red.url}/dashboard/line?lang=en`);
    const count = async () =>
      (await page.evaluate(`(() => [...document.querySelectorAll('[data-group]')].filter((g) => /Line \\d/.test(g.getAttribute('data-group'))).map((g) => [g.getAttribute('data-group'), g.querySelectorAll('[data-asset]').length]))()`)) as [string, number][];
    const groups = await waitFor('8 register lines with 120 tiles', async () => {
      const g = await count();
      return g.length === LINES && g.reduce((n, [, k]) => n + k, 0) === MACHINES ? g : null;
    }, 60_000);
    assert.deepStrictEqual(groups.map(([k]) => k), Array.from({ length: LINES }, (_, i) => `Plant Nord / ${i < 4 ? 'Hall 1' : 'Hall 2'} / Line ${i + 1}`));
    assert.ok(groups.every(([, k]) => k === MACHINES / LINES), JSON.stringify(groups));
    // the demo's five machines (rel-asset nodes, the capper press with PLC tags only) are a group of
    // their own, headed by the line's name, in the line's configured order
    assert.deepStrictEqual(await page.locator('[data-group="Packaging line 1"] [data-asset]').evaluateAll((ts) => ts.map((t) => t.getAttribute('data-asset'))), ['conveyor-1', 'pump-1', 'filler-1', 'press-1', 'compressor-1']);
    assert.strictEqual((await page.locator('[data-group="Packaging line 1"] .rel-group-name').innerText()).trim(), 'Packaging line 1');
    const silent = page.locator(`[data-asset="${SILENT}"]`);
    await waitFor(`${SILENT} stale`, async () => (await silent.getAttribute('data-state')) === 'stale', (STALE_S + 30) * 1000);
    // grey (after the tile's colour transition)
    await waitFor(`${SILENT} grey`, async () => (await silent.evaluate((e: unknown) => (globalThis as any).getComputedStyle(e).backgroundColor as string)) === 'rgb(144, 164, 174)', 5000, 100);
    assert.match(await silent.locator('[data-stale]').innerText(), /^no data for \d+\s(s|min)$/);
    assert.strictEqual(await page.locator('[data-asset="M-008"]').getAttribute('data-state'), 'normal', 'the machines still fed stay fresh');
    assert.notStrictEqual(await page.locator('[data-asset="M-008"]').evaluate((e: unknown) => (globalThis as any).getComputedStyle(e).backgroundColor as string), 'rgb(144, 164, 174)');
    // on the TV layout the secondary text is at least 16 px
    const small = await page.evaluate(`Math.min(...[...document.querySelectorAll('.rel-tile-grid small, .rel-tile-state, .rel-health-unit')].map((e) => parseFloat(getComputedStyle(e).fontSize)))`);
    assert.ok((small as number) >= 16, `secondary text ${small} px`);
    const o = await overflow(page);
    assert.ok(o.scrollWidth <= o.innerWidth && !o.wide.length, JSON.stringify(o));
    await page.screenshot({ path: path.join(SHOTS, 'line-register-en-1920.png') });
    // German: the same tile says so in German
    await page.goto(`${red.url}/dashboard/line?lang=de`);
    await waitFor('the German stale text', async () => /^seit \d+\s(s|min) keine Daten$/.test((await page.locator(`[data-asset="${SILENT}"] [data-stale]`).innerText().catch(() => '')).trim()), 20_000);
    await page.screenshot({ path: path.join(SHOTS, 'line-register-de-1920.png') });
    // a floor TV pages through the lines by itself (?tv=5: one screen height every 5 s)
    await page.goto(`${red.url}/dashboard/line?lang=de&tv=5`);
    await page.locator(`[data-asset="${SILENT}"]`).waitFor({ timeout: 30_000 });
    assert.strictEqual(await page.evaluate('document.scrollingElement.scrollTop'), 0);
    await waitFor('the TV turned a page', async () => ((await page.evaluate('document.scrollingElement.scrollTop')) as number) > 500, 15_000);
    await page.close();
  });

  it('every floor page in both languages at 1920x1080 and 390x844: no horizontal overflow; German and English text', async function () {
    // the demo's machines have learned (tiles with a health number) before the screenshots
    const probe = await browser.newPage({ viewport: SIZES['1920'] });
    await probe.goto(`${red.url}/dashboard/line?lang=en`);
    await waitFor('the conveyor learned', async () => /^\d+$/.test(((await probe.locator('[data-asset="conveyor-1"] .rel-health-num').textContent().catch(() => '')) ?? '').trim()), 120_000);
    await probe.close();
    const report: string[] = [];
    for (const [size, viewport] of Object.entries(SIZES)) {
      const page = await browser.newPage({ viewport });
      for (const lang of ['en', 'de'] as const) {
        for (const p of PAGES) {
          await page.goto(`${red.url}/dashboard/${p}?lang=${lang}`);
          const toggle = page.locator('[data-lang-toggle]');
          await toggle.waitFor({ timeout: 30_000 });
          // the toggle offers the other language; the page is in this one
          assert.strictEqual((await toggle.innerText()).trim(), lang === 'de' ? 'English' : 'Deutsch', `${p} ${lang} ${size}`);
          if (p === 'asset') await page.locator('[data-chart="health"] polyline').first().waitFor({ timeout: 30_000 });
          else if (p === 'kanban') await page.locator('[data-loop]').first().waitFor({ timeout: 30_000 });
          else if (p === 'tech') await page.locator('.rel-tech h3').first().waitFor({ timeout: 30_000 });
          else await page.locator(p === 'line' ? '[data-asset="conveyor-1"]' : '[data-part]').first().waitFor({ timeout: 30_000 });
          await page.waitForTimeout(600);
          const words: Record<string, [RegExp, RegExp]> = {
            line: [/health/, /Zustand/],
            asset: [/Diagnosis/, /Befund/],
            maintenance: [/Spare parts/, /Ersatzteile/],
            kanban: [/Buffer advice/, /Pufferempfehlung/],
            tech: [/My work orders/, /Meine Aufträge/],
          };
          // (the technician page loads rel-request's strings for its language)
          const text = await waitFor(`${p} in ${lang}`, async () => {
            const t = await page.locator('#app').innerText();
            return words[p][lang === 'en' ? 0 : 1].test(t) ? t : null;
          }, 20_000);
          assert.doesNotMatch(text, words[p][lang === 'en' ? 1 : 0], `${p} in ${lang}: no word of the other language`);
          if (p === 'tech') assert.doesNotMatch(text, lang === 'en' ? /Auftrag|Übernehmen|Quittieren|Offene/ : /Open Andon|Take it|Acknowledge|Unassigned|in-progress/, `tech in ${lang}`);
          // the header, the tab title and (below) the navigation in the page's language
          const title = NAV[lang][PAGES.indexOf(p)];
          await waitFor(`the ${lang} header of ${p}`, async () => ((await page.locator('[data-page-title]').innerText().catch(() => '')) ?? '').trim() === title, 10_000);
          assert.strictEqual(await page.title(), title);
          const o = await overflow(page);
          report.push(`${p}-${lang}-${size}: scrollWidth ${o.scrollWidth} / ${o.innerWidth}`);
          assert.ok(o.scrollWidth <= o.innerWidth, `${p} ${lang} ${size}: page ${o.scrollWidth} px wide in a ${o.innerWidth} px window`);
          assert.deepStrictEqual(o.wide, [], `${p} ${lang} ${size}: elements wider than the viewport`);
          if (p === 'asset') {
            // chart axes at least 12 px on screen; at most 3 charts side by side on the TV
            const sizes = (await page.evaluate(`[...document.querySelectorAll('[data-chart] svg text')].map((t) => parseFloat(t.getAttribute('font-size')) * t.getScreenCTM().a)`)) as number[];
            assert.ok(sizes.length && Math.min(...sizes) >= 12, `axis labels ${Math.min(...sizes)} px`);
            const tops = (await page.evaluate(`[...document.querySelectorAll('[data-chart]')].map((c) => Math.round(c.getBoundingClientRect().top))`)) as number[];
            const perRow = Math.max(...tops.map((t) => tops.filter((x) => x === t).length));
            assert.ok(perRow <= 3, `${perRow} charts in a row`);
          }
          await page.screenshot({ path: path.join(SHOTS, `${p}-${lang}-${size}.png`), fullPage: true });
          if (p === 'line') {
            // the navigation (a drawer behind the menu button) names every page in this language
            await page.locator('.v-app-bar-nav-icon').click();
            const items = page.locator('[data-el="nav-drawer"] .v-list-item-title');
            const names = await waitFor(`the ${lang} navigation`, async () => {
              const n = (await items.allInnerTexts()).map((x) => x.trim());
              return n.length === NAV[lang].length && n.every((x, i) => x === NAV[lang][i]) ? n : null;
            }, 10_000);
            assert.deepStrictEqual(names, NAV[lang]);
            if (size === '390') await page.screenshot({ path: path.join(SHOTS, `nav-${lang}-${size}.png`) });
          }
        }
      }
      await page.close();
    }
    console.log(`      ${report.join('\n      ')}`);
  });

  it('the work-request form and the planner\'s request list in both languages at 1920x1080 and 390x844: no horizontal overflow, the toggle keeps the choice', async function () {
    // one request to decide (logins are off in the demo: the name is typed)
    const res = await fetch(`${red.url}/floor/requests`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ asset: 'conveyor-1', by: 'Olga', text: 'Förderband quietscht seit der Frühschicht, the guard rattles too' }) });
    assert.strictEqual(res.status, 201, await res.text());
    const pages = {
      request: { url: '/floor/request?asset=conveyor-1', ready: '#asset-name', words: [/Report a problem/, /Problem melden/] },
      requests: { url: '/floor/requests', ready: '[data-approve]', words: [/Work requests/, /Arbeitsanforderungen/] },
    } as const;
    const report: string[] = [];
    for (const [size, viewport] of Object.entries(SIZES)) {
      const page = await browser.newPage({ viewport });
      for (const lang of ['en', 'de'] as const) {
        for (const [name, p] of Object.entries(pages)) {
          await page.goto(`${red.url}${p.url}${p.url.includes('?') ? '&' : '?'}lang=${lang}`);
          await page.locator(p.ready).first().waitFor({ timeout: 20_000 });
          assert.strictEqual((await page.locator('[data-lang-toggle]').innerText()).trim(), lang === 'de' ? 'English' : 'Deutsch');
          const text = await page.locator('body').innerText();
          assert.match(text, p.words[lang === 'en' ? 0 : 1], `${name} in ${lang}`);
          assert.doesNotMatch(text, p.words[lang === 'en' ? 1 : 0], `${name} in ${lang}: no word of the other language`);
          if (name === 'requests') assert.match(text, lang === 'en' ? /Approve[\s\S]*Reject/ : /Freigeben[\s\S]*Ablehnen/);
          if (name === 'request') assert.match(text, lang === 'en' ? /What is wrong\?[\s\S]*Send request/ : /Was ist los\?[\s\S]*Meldung senden/);
          const o = await overflow(page);
          report.push(`${name}-${lang}-${size}: scrollWidth ${o.scrollWidth} / ${o.innerWidth}`);
          assert.ok(o.scrollWidth <= o.innerWidth, `${name} ${lang} ${size}: page ${o.scrollWidth} px wide in a ${o.innerWidth} px window`);
          assert.deepStrictEqual(o.wide, [], `${name} ${lang} ${size}: elements wider than the viewport`);
          await page.screenshot({ path: path.join(SHOTS, `${name}-${lang}-${size}.png`), fullPage: true });
        }
      }
      await page.close();
    }
    console.log(`      ${report.join('\n      ')}`);
    // The toggle switches the page and is kept for the screen: a page opened without ?lang follows it.
    const page = await browser.newPage({ viewport: SIZES['390'] });
    await page.goto(`${red.url}/floor/request?asset=conveyor-1&lang=en`);
    await page.locator('[data-lang-toggle]').click();
    await waitFor('the form in German', async () => /Problem melden/.test(await page.locator('h1').innerText().catch(() => '')), 10_000);
    assert.match(page.url(), /[?&]lang=de\b/);
    await page.goto(`${red.url}/floor/requests`);
    await waitFor('the list in German (the screen\'s choice)', async () => /Arbeitsanforderungen/.test(await page.locator('h1').innerText().catch(() => '')), 10_000);
    await page.close();
  });

  it('the conveyor\'s fault reads as a sentence in both languages, the technical detail behind Details; no absurd RUL on a tile', async function () {
    const page = await browser.newPage({ viewport: SIZES['1920'] });
    for (const [lang, re] of [['en', /^Outer ring of the (drive-end )?bearing damaged: the defect frequency, measured \d+\s?Hz \(expected \d+\s?Hz for the outer ring\), stands (\d+(\.\d)? times|more than 1,000 times) above the noise/], ['de', /^Außenring des (antriebsseitigen )?Lagers beschädigt: die Schadensfrequenz, gemessen \d+\s?Hz \(erwartet \d+\s?Hz für den Außenring\), steht (\d+(,\d)?-fach|über 1\.000-fach) über dem Rauschen/]] as const) {
      await page.goto(`${red.url}/dashboard/asset?lang=${lang}`);
      await page.locator('[data-pick="conveyor-1"]').click();
      const sentence = await waitFor(`the ${lang} fault sentence`, async () => {
        const f = page.locator('[data-fault="bearing-outer-race"] .rel-fault-sentence');
        return (await f.count()) ? ((await f.innerText()) ?? '').trim() : null;
      }, 90_000);
      assert.match(sentence, re);
      const details = page.locator('[data-fault="bearing-outer-race"] details');
      assert.strictEqual(await details.evaluate((d: any) => d.open), false, 'the detail is closed');
      assert.match((await details.textContent()) ?? '', /(BPFO|Envelope)/, 'the raw evidence is behind Details');
    }
    await page.goto(`${red.url}/dashboard/line?lang=en`);
    const tiles = (await page.evaluate(`[...document.querySelectorAll('[data-asset]')].map((t) => ({ h: t.querySelector('.rel-health-num').textContent.trim(), rul: t.querySelector('.rel-rul').textContent.trim(), band: t.querySelector('.rel-rul + small').textContent.trim() }))`)) as { h: string; rul: string; band: string }[];
    for (const t of tiles) {
      assert.doesNotMatch(`${t.rul} ${t.band}`, />999|\d{5,}/, JSON.stringify(t));
      if (Number(t.h) >= 70) assert.doesNotMatch(t.rul, /^0(\.0)?\s?h$/, JSON.stringify(t));
    }
    await page.close();
  });

  it('a maintenance manager\'s reading: the capper press everywhere, a zone only with its velocity, the order follows the health, words for levels, priorities and defect lines', async function () {
    const db = path.join(red.userDir, 'reliability.db');
    const page = await browser.newPage({ viewport: SIZES['1920'] });
    await page.goto(`${red.url}/dashboard/line?lang=en`);
    const press = page.locator('[data-asset="press-1"]');
    await press.waitFor({ timeout: 30_000 });
    // the capper press (PLC tags): an ISO zone only beside a measured velocity, none while stopped
    const seen = new Set<string>();
    for (let i = 0; i < 12; i++) {
      // one read of the tile (it re-renders every second)
      const [st, zone, vel] = await press.evaluate((t: any) => [t.getAttribute('data-state'), t.querySelector('.rel-iso').textContent.trim(), t.querySelector('.rel-vel').textContent.trim()] as string[]);
      seen.add(`${st} ${zone} ${vel}`);
      if (zone !== '-') assert.match(vel, /^\d+\.\d+\s?mm\/\u2060?s$/, `zone ${zone} with the velocity "${vel}"`);
      if (st === 'stopped') assert.strictEqual(zone, '-', 'no zone while stopped');
      await page.waitForTimeout(1000);
    }
    console.log(`      capper press: ${[...seen].slice(0, 6).join(' | ')}`);
    // its remaining life from rel-rul on its health: stopped, no wear trend, or a figure (with its interval) —
    // never the waiting text alone, which is all a machine without a forecast shows
    const rulOf = async (p: Page, sel: string) => ((await p.locator(sel).first().textContent().catch(() => '')) ?? '').replace(/\u00ad/g, '').replace(/\s+/g, ' ').trim();
    const pressRul = await waitFor('the capper press\'s remaining life from rel-rul', async () => {
      const v = await rulOf(page, '[data-asset="press-1"] .rel-rul');
      return /^(machine stopped|no wear trend|due now|\d[\d.,]*\s?h|\d[\d.,]* days|more than .+)$/.test(v) ? v : null;
    }, 180_000, 1000);
    console.log(`      capper press remaining life: ${pressRul}`);
    // the conveyor in alarm: its open order is an alarm, priority 1 (criticality 5 x alarm)
    await waitFor('the conveyor in alarm', async () => (await page.locator('[data-asset="conveyor-1"]').getAttribute('data-state')) === 'alarm', 180_000, 1000);
    const order = await waitFor('the conveyor\'s order escalated with its health', async () => storedWorkOrders(db).find((o) => o.asset === 'conveyor-1' && o.is_open && o.severity === 'alarm'), 30_000, 1000);
    assert.strictEqual(order.priority, 1);
    // sizes on the TV: the fault and the Andon texts are the largest words after the names and numbers
    const px = async (sel: string) => (await page.evaluate(`Math.min(...[...document.querySelectorAll(${JSON.stringify(sel)})].map((e) => parseFloat(getComputedStyle(e).fontSize)))`)) as number;
    // (with the register's 120 machines the tiles are compact: the fault at 18 px, above every label and figure but the health number)
    const pxMax = async (sel: string) => (await page.evaluate(`Math.max(...[...document.querySelectorAll(${JSON.stringify(sel)})].map((e) => parseFloat(getComputedStyle(e).fontSize)))`)) as number;
    await page.locator('[data-asset="conveyor-1"] .rel-fault').waitFor({ timeout: 60_000 });
    const fault = await px('.rel-fault');
    assert.ok(fault >= 18 && fault >= (await pxMax('.rel-tile-grid small, .rel-tile-grid b, .rel-vel')), `fault ${fault} px`);
    assert.ok((await px('.rel-vel')) >= 16, `velocity ${await px('.rel-vel')} px`);
    for (const sel of ['.rel-small', '.rel-lang', '.rel-group-head', '.rel-demo-clock']) assert.ok((await px(sel)) >= 16, `${sel} ${await px(sel)} px`);
    // the Andon call's level in words, in both languages
    await page.locator('[data-call] .rel-call-level').first().waitFor({ timeout: 120_000 });
    assert.match((await page.locator('[data-call] .rel-call-level').first().innerText()).trim(), /^(not escalated|escalated to level \d)$/);
    assert.ok((await px('.rel-call-meta')) >= 18);
    // one basis for the OEE title: the same over 8 s, and one colour per shown figure
    const oeeTitle = async () => (await page.locator('.rel-gauges').locator('xpath=..').locator('.rel-panel-title').innerText()).trim();
    await waitFor('an OEE figure', async () => /last 24\s?h/.test(await oeeTitle()), 60_000);
    const titles = new Set<string>();
    const colours = new Map<string, Set<string>>();
    for (let i = 0; i < 8; i++) {
      titles.add((await oeeTitle()).replace(/\s+/g, ' ').replace(/: [^(]+\(/, ' ('));
      for (const g of (await page.evaluate(`[...document.querySelectorAll('[data-gauge]')].map((g) => [g.querySelector('text').textContent.trim(), (g.querySelectorAll('path')[1] || { getAttribute: () => '' }).getAttribute('stroke')])`)) as [string, string][]) {
        if (!colours.has(g[0])) colours.set(g[0], new Set());
        colours.get(g[0])!.add(g[1]);
      }
      await page.waitForTimeout(1000);
    }
    assert.deepStrictEqual([...titles], ['OEE of the lowest machine (last 24 h)'], `OEE basis: ${[...titles].join(' | ')}`);
    for (const [fig, c] of colours) assert.strictEqual(c.size, 1, `${fig} drawn in ${[...c].join(', ')}`);
    await page.goto(`${red.url}/dashboard/line?lang=de`);
    await page.locator('[data-call] .rel-call-level').first().waitFor({ timeout: 60_000 });
    await waitFor('the German Andon level', async () => /^(nicht eskaliert|auf Stufe \d eskaliert)$/.test((await page.locator('[data-call] .rel-call-level').first().innerText()).trim()), 20_000);
    // the menu: legible too
    await page.locator('.v-app-bar-nav-icon').click();
    await page.locator('[data-el="nav-drawer"] .v-list-item-title').first().waitFor({ timeout: 10_000 });
    assert.ok((await px('[data-el="nav-drawer"] .v-list-item-title')) >= 16, `menu ${await px('[data-el="nav-drawer"] .v-list-item-title')} px`);

    // the asset page: the capper press has a button and says why it has no diagnosis
    await page.goto(`${red.url}/dashboard/asset?lang=en`);
    await page.locator('[data-pick="press-1"]').click({ timeout: 60_000 });
    await page.locator('[data-detail="press-1"]').waitFor({ timeout: 30_000 });
    assert.match(await page.locator('[data-tags-only]').innerText(), /PLC tags only/);
    // ... and its remaining life there too, in English, then in German
    await waitFor('the capper press\'s remaining life on its asset page', async () => /^(machine stopped|no wear trend|due now|not enough trend yet|\d.*)$/.test(await rulOf(page, '[data-rul] b')), 30_000);
    await page.goto(`${red.url}/dashboard/asset?lang=de`);
    await page.locator('[data-pick="press-1"]').click({ timeout: 60_000 });
    await waitFor('the capper press\'s remaining life in German', async () => /^(Maschine steht|kein Verschleißtrend|jetzt fällig|noch zu wenig Trend|\d.*)$/.test(await rulOf(page, '[data-rul] b')), 30_000);
    await page.goto(`${red.url}/dashboard/asset?lang=en`);
    await page.locator('[data-pick="press-1"]').click({ timeout: 60_000 });
    // the conveyor: the diagnosis names the measured and the expected frequency; the chart marks the expected one in words
    await page.locator('[data-pick="conveyor-1"]').click();
    // (one read of the page: a new frame re-renders both together)
    const [sentence, mark] = await waitFor('the fault sentence and the envelope chart', async () => {
      const both = (await page.evaluate(`[document.querySelector('[data-fault="bearing-outer-race"] .rel-fault-sentence'), document.querySelector('[data-chart="envelope"] text[data-defect="BPFO"]')].map((e) => (e ? e.textContent.replace(/\\s+/g, ' ').trim() : ''))`)) as string[];
      return both[0] && both[1] ? both : null;
    }, 60_000);
    const expected = /expected (\d+)\s?Hz for the outer ring/.exec(sentence);
    assert.ok(expected, sentence);
    assert.strictEqual(mark, `outer ring ${expected[1]} Hz`, `the chart marks what the sentence calls expected: ${mark} / ${sentence}`);
    assert.match(await page.locator('[data-chart="envelope"]').innerText(), /outer ring \(BPFO\), inner ring \(BPFI\), rolling elements \(BSF\), cage \(FTF\)/);
    const chartPx = (await page.evaluate(`Math.min(...[...document.querySelectorAll('[data-chart] svg text')].map((t) => parseFloat(t.getAttribute('font-size')) * t.getScreenCTM().a))`)) as number;
    assert.ok(chartPx >= 15, `chart texts ${chartPx} px`);

    // the KPI table of the maintenance page has a row for the capper press
    await page.goto(`${red.url}/dashboard/maintenance?lang=en`);
    await page.locator('[data-kpi="press-1"]').waitFor({ timeout: 60_000 });
    // the technician page: priorities and levels in words
    await page.goto(`${red.url}/dashboard/tech?lang=de`);
    const chip = page.locator('[data-priority]').first();
    await chip.waitFor({ timeout: 60_000 });
    assert.match((await chip.innerText()).trim(), /^Priorität [1-4] – /);
    await page.close();
  });

  it('the language toggle is kept per screen (localStorage) and the clock is the plant\'s', async function () {
    const page = await browser.newPage({ viewport: SIZES['390'] });
    await page.goto(`${red.url}/dashboard/kanban?lang=en`);
    await page.locator('[data-lang-toggle]').click();
    await waitFor('German after the toggle', async () => (await page.locator('[data-lang-toggle]').innerText()).trim() === 'English', 10_000);
    await page.goto(`${red.url}/dashboard/maintenance`);
    await waitFor('German kept on another page', async () => /Ersatzteile/.test(await page.locator('#app').innerText()), 20_000);
    // one clock, 24 h, in the plant's time zone (UTC here: the runtime has no TZ)
    const shown = (await page.locator('[data-clock]').innerText()).trim();
    assert.match(shown, /^\d\d:\d\d:\d\d$/);
    const now = new Date();
    const [h, m] = shown.split(':').map(Number);
    const diff = Math.abs((h * 60 + m) - (now.getUTCHours() * 60 + now.getUTCMinutes()));
    assert.ok(diff <= 2 || diff >= 24 * 60 - 2, `clock ${shown} is UTC (now ${now.toISOString()})`);
    await page.close();
  });
});
