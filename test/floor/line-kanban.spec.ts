/**
 * The line overview and the Kanban page of the demo line in a real browser (Debian's chromium via
 * playwright-core), in English and German, on a floor TV (1920x1080) and a phone (390x844):
 * the OEE panel names the one machine its figures are, every gauge states its limit and is
 * coloured by it, Andon calls read "machine fault" with the order's title in the page's language,
 * remaining life in one unit, the capper press's planned stop said as such, tiles filling the TV;
 * Kanban loop content beside the buffer advice, reasons in the page's language with machine
 * names, due times in plant time. No page scrolls sideways.
 */
import assert from 'assert';
import path from 'path';
import type { Page } from 'playwright-core';
import { SHOTS, demoLineInBrowser, waitFor } from '../ui/nodered';
import { overflow } from '../helpers/overflow';

const SIZES = { '1920': { width: 1920, height: 1080 }, '390': { width: 390, height: 844 } } as const;
const LANGS = ['en', 'de'] as const;

async function noSideways(page: Page, what: string): Promise<void> {
  const o = await overflow(page);
  assert.ok(o.scrollWidth <= o.innerWidth && !o.wide.length, `${what}: ${JSON.stringify(o)}`);
}

const text = (page: Page, sel: string) => page.locator(sel).allInnerTexts().then((a) => a.map((s) => s.replace(/\s+/g, ' ').trim()));

describe('floor: line overview and Kanban in English and German, on a TV and a phone', function () {
  this.timeout(600_000);

  const demo = demoLineInBrowser(null);

  it('line overview: the lowest machine\'s OEE said so, gauge limits, Andon in words and the page\'s language, RUL in one unit, planned stop, tiles filling the TV', async function () {
    const page = await demo.browser.newPage({ viewport: SIZES['1920'], timezoneId: 'Europe/Berlin' });
    await page.goto(`${demo.red.url}/dashboard/line?lang=de`);
    // the conveyor's bearing fault opens WO-000001 and its Andon call (about 2 min)
    const call = page.locator('[data-call]').first();
    await waitFor('an Andon call of the work order', async () => /\(WO-\d{6}\)$/.test(((await call.locator('[data-call-text]').innerText().catch(() => '')) || '').trim()), 300_000, 1000);
    // worded from the order once the order list has come (a few seconds after the call)
    const english = /Outer ring|Inner ring|Machine health|bearing|damaged|below normal|\(health \d/;
    await waitFor('the call in German', async () => !english.test(((await call.locator('[data-call-text]').innerText().catch(() => '')) || '').trim()), 30_000, 500).catch(() => undefined);
    assert.match((await call.locator('[data-call-kind]').innerText()).trim(), /^· Maschinenstörung$/);
    const callText = (await call.locator('[data-call-text]').innerText()).trim();
    // the order's title in German (the conveyor's bearing or the press's health, whichever opened first), its number after it
    assert.doesNotMatch(callText, english, `the call in German from its order: ${callText}`);
    assert.match(callText, /^(Außenring|Innenring|Wälzkörper|Käfig|Maschinenzustand|Unwucht|Wellen|Mechanische)[^()]* – (Conveyor drive|Pump|Filler motor|Capper press|Compressor)( \(Zustand \d+ von 100\))? \(WO-\d{6}\)$/, callText);
    assert.match((await call.locator('.rel-call-level').innerText()).trim(), /^(nicht eskaliert|auf Stufe \d eskaliert)$/);
    // the OEE panel: one machine's figures, said so
    await waitFor('the OEE of the lowest machine', async () => (await page.locator('[data-oee-machine]').count()) > 0, 60_000);
    const title = (await page.locator('[data-oee-title]').innerText()).replace(/\s+/g, ' ').trim();
    assert.match(title, /^OEE der schwächsten Maschine: (Conveyor drive|Pump|Filler motor|Capper press|Compressor) \(/);
    assert.deepStrictEqual(await text(page, '[data-gauge-target]'), ['grün ab 85 %', 'grün ab 90 %', 'grün ab 95 %', 'grün ab 99,9 %']);
    assert.match((await page.locator('[data-gauge-note]').innerText()).trim(), /^Grenzen: die Weltklasse-Richtwerte/);
    // each gauge's colour follows its own stated limit (green at or above it, else amber or red)
    const gauges = (await page.evaluate(`[...document.querySelectorAll('[data-gauge]')].map((g) => [g.querySelector('text').textContent, (g.querySelectorAll('path')[1] || { getAttribute: () => null }).getAttribute('stroke')])`)) as [string, string | null][];
    const limits = [85, 90, 95, 99.9];
    gauges.forEach(([shown, stroke], i) => {
      const v = Number(shown.replace(' %', '').replace(',', '.'));
      if (!Number.isFinite(v)) return;
      assert.strictEqual(stroke === '#2e7d32', v >= limits[i]!, `gauge ${i} ${shown} ${stroke}`);
    });
    // remaining life: one unit per range, never "more than 1,000 h" beside a figure in days
    for (const lang of LANGS) {
      await page.goto(`${demo.red.url}/dashboard/line?lang=${lang}`);
      await page.locator('[data-asset="conveyor-1"]').waitFor({ timeout: 30_000 });
      const bands = await text(page, '.rel-tile-grid small:not(:first-child)');
      for (const b of bands) assert.ok(!(/(days|Tage)/.test(b) && /\d\sh\b/.test(b)), `one unit: ${b}`);
      const ruls = await text(page, '.rel-rul');
      assert.ok(!ruls.some((r) => /1[.,]000/.test(r)), ruls.join(' | '));
      assert.ok(!ruls.some((r) => /Wochen|weeks/.test(r)), ruls.join(' | '));
      // healthy machines without a trend: one wording
      const calm = ruls.filter((r) => /wear|Verschlei/.test(r));
      assert.ok(calm.every((r) => r === (lang === 'de' ? 'kein Verschleiß\u00adtrend' : 'no wear trend') || r === (lang === 'de' ? 'kein Verschleißtrend' : 'no wear trend')), calm.join(' | '));
    }
    // the capper press's planned stop (one plant hour every four: about 2.5 s of every 12.5 s here)
    await page.goto(`${demo.red.url}/dashboard/line?lang=de`);
    const press = page.locator('[data-asset="press-1"]');
    await waitFor('the capper press stopped', async () => (await press.getAttribute('data-shown-state')) === 'stopped', 60_000, 100);
    const pressText = (await press.innerText()).replace(/\s+/g, ' ');
    assert.match(pressText, /STILLSTAND \(GEPLANT\)/i);
    assert.match(pressText, /kein Zustandswert im Stillstand/);
    assert.strictEqual((await press.locator('.rel-iso').innerText()).trim(), '-', 'no ISO zone while stopped');
    await page.goto(`${demo.red.url}/dashboard/line?lang=en`);
    await waitFor('the capper press stopped (en)', async () => (await page.locator('[data-asset="press-1"]').getAttribute('data-shown-state')) === 'stopped', 60_000, 100);
    assert.match((await page.locator('[data-asset="press-1"] [data-tile-state]').innerText()).trim(), /^stopped \(planned\)$/i);
    // never "normal" with no score: a tile without a score says stopped or starting
    for (let i = 0; i < 40; i++) {
      const [st, h] = await page.locator('[data-asset="press-1"]').evaluate((e: any) => [e.getAttribute('data-shown-state'), e.querySelector('.rel-health-num').textContent]);
      assert.ok(!(st === 'normal' && h === '--'), 'normal with no score');
      await page.waitForTimeout(100);
    }
    // the TV: five tiles share the width and the screen below the panels, larger words
    const box = (await page.evaluate(`(() => { const t = [...document.querySelectorAll('[data-group="Packaging line 1"] .rel-tile')]; const g = t[0].parentElement.getBoundingClientRect(); const last = t[t.length - 1].getBoundingClientRect(); return { n: t.length, right: g.right, lastRight: last.right, bottom: Math.max(...t.map((x) => x.getBoundingClientRect().bottom)) + window.scrollY, h: window.innerHeight, num: parseFloat(getComputedStyle(t[0].querySelector('.rel-health-num')).fontSize) }; })()`)) as { n: number; right: number; lastRight: number; bottom: number; h: number; num: number };
    assert.strictEqual(box.n, 5);
    assert.ok(box.lastRight >= box.right - 2, `the tiles fill the row: ${JSON.stringify(box)}`);
    assert.ok(box.bottom >= box.h * 0.85 && box.bottom <= box.h + 2, `the tiles fill the screen's height, no further: ${JSON.stringify(box)}`);
    assert.ok(box.num >= 80, `health number ${box.num} px`);
    await noSideways(page, 'line en 1920');
    await page.screenshot({ path: path.join(SHOTS, 'line-kanban-line-en-1920.png') });
    await page.close();
    // the phone: no TV sizing, nothing sideways, in both languages
    for (const lang of LANGS) {
      const phone = await demo.browser.newPage({ viewport: SIZES['390'], timezoneId: 'Europe/Berlin' });
      await phone.goto(`${demo.red.url}/dashboard/line?lang=${lang}`);
      await phone.locator('[data-asset="press-1"]').waitFor({ timeout: 30_000 });
      await phone.locator('[data-call-text]').first().waitFor({ timeout: 30_000 });
      assert.strictEqual(await phone.locator('.rel-line.tv').count(), 0);
      assert.match((await phone.locator('[data-call-kind]').first().innerText()).trim(), lang === 'de' ? /Maschinenstörung/ : /machine fault/);
      await noSideways(phone, `line ${lang} 390`);
      await phone.screenshot({ path: path.join(SHOTS, `line-kanban-line-${lang}-390.png`), fullPage: true });
      await phone.close();
    }
  });

  it('Kanban: what a loop holds beside the advice, reasons in the page\'s language with names and rounding, due in plant time', async function () {
    for (const [size, vp] of Object.entries(SIZES)) {
      for (const lang of LANGS) {
        const page = await demo.browser.newPage({ viewport: vp, timezoneId: 'Europe/Berlin' });
        await page.goto(`${demo.red.url}/dashboard/kanban?lang=${lang}`);
        const de = lang === 'de';
        await waitFor('the loop and the buffer advice with its relation', async () => (await page.locator('[data-buffer-vs-loop]').count()) > 0 && (await page.locator('[data-loop-holds]').count()) > 0, 240_000, 1000);
        const holds = (await page.locator('[data-loop-holds]').first().innerText()).trim();
        assert.match(holds, de ? /^\d+ Karten × 250 Stück = [\d.]+ Stück im Kreislauf, etwa \d+,\d Tage Bedarf$/ : /^\d+ cards × 250 units = [\d,]+ units in the loop, about \d+\.\d days of demand$/);
        assert.match((await page.locator('[data-buffer-vs-loop]').first().innerText()).trim(), de ? /^Der Kanban-Kreislauf fasst [\d.]+ Stück \(\d+,\d Tage Bedarf\): \d+ % dieses Puffers\.$/ : /^The Kanban loop holds [\d,]+ units \(\d+\.\d days of demand\): \d+ % of this buffer\.$/);
        assert.match((await page.locator('.rel-buf-wip').first().innerText()).trim(), de ? /^\d+,\d$/ : /^\d+\.\d$/, 'WIP days with one decimal');
        // the reasons: the page's language, machine names, no formula and no ids outside "Formula"
        await page.evaluate(`document.querySelectorAll('[data-loop-why], [data-buffer-why]').forEach((d) => { d.open = true })`);
        const why = await text(page, '[data-why]');
        assert.ok(why.length >= 3, why.join(' | '));
        for (const w of why) {
          // machine names, no ids, no formula, figures rounded (z keeps its two decimals)
          assert.ok(!/conveyor-1|filler-1|press-1|alpha|sqrt|\//.test(w), `a reason in words: ${w}`);
          assert.ok(!/\d[.,]\d{2,}/.test(w.replace(/z = \d[.,]\d\d/, '')), `rounded: ${w}`);
          if (de) assert.ok(!/\b(health|below|held|supplier|safety stock|days|lead time)\b/i.test(w), `German: ${w}`);
        }
        assert.ok(why.some((w) => (de ? /^Sicherheitszuschlag \+\d+ % \(Grundwert \+10 %\)$/ : /^Safety margin \+\d+ % \(base \+10 %\)$/).test(w)), why.join(' | '));
        // the figures in the reasons are the figures above
        const ss = (await page.locator('.rel-buf-ss').first().innerText()).trim();
        const stock = why.find((w) => /^(Safety stock|Sicherheitsbestand) /.test(w));
        if (stock) assert.ok(stock.includes(` ${ss} `), `${stock} vs ${ss}`);
        // due in plant time, minutes below an hour
        if (await page.locator('[data-pull]').count()) {
          if (size === '1920') assert.strictEqual((await page.locator('[data-table="pulls"] .rel-rh .rel-c').nth(3).innerText()).trim(), de ? 'Fällig (Anlagenzeit)' : 'Due (plant time)');
          for (const d of await text(page, '[data-pull] .rel-c:nth-child(4) .rel-v')) assert.match(d, de ? /^(in \d+ min|in \d+(,\d)? h|in \d+,\d Tage|jetzt fällig)$/ : /^(in \d+ min|in \d+(\.\d)? h|in \d+\.\d days|due now)$/);
        }
        await noSideways(page, `kanban ${lang} ${size}`);
        await page.screenshot({ path: path.join(SHOTS, `line-kanban-kanban-${lang}-${size}.png`), fullPage: true });
        await page.close();
      }
    }
  });
});
