/**
 * The asset detail page as a maintenance manager and a technician read it, in a real browser
 * (Debian's chromium, playwright-core): Node-RED (started like `npm start`, 127.0.0.1, free port,
 * temporary user directory) runs flows/demo-line.json with the simulators accelerated. Checked in
 * English and German at 1920x1080 and 390x844:
 * - the capper press (PLC tags only): its velocity chart draws the zone limits of its ISO 10816
 *   class with their mm/s, the zone sentence bounds the zone ("zone B (1.4 to 2.8 mm/s)"); while
 *   the press stands, no zone but the stop;
 * - the remaining-life chart: a y axis in h with a round top; the forecast model behind Details, in
 *   the page's language, not in the caption;
 * - the envelope spectrum: the defect labels above the plot, each at its dashed line, none over
 *   another or crossed by another's line; x ticks between 0 and the end, the last with Hz;
 * - no horizontal overflow.
 */
import assert from 'assert';
import path from 'path';
import type { Page } from 'playwright-core';
import { SHOTS, demoLineInBrowser, waitFor } from '../ui/nodered';
import { noOverflow } from '../helpers/overflow';

const SIZES = { '1920': { width: 1920, height: 1080 }, '390': { width: 390, height: 844 } } as const;
const LANGS = ['en', 'de'] as const;

interface Box { l: number; r: number; t: number; b: number }
interface Geometry {
  plot: Box;
  labels: (Box & { key: string; text: string })[];
  lines: { key: string; x: number; t: number; b: number }[];
  ticks: (Box & { text: string })[];
  yMax: string;
  yMin: string;
}

/** The geometry of one chart, read in one go (a new frame re-renders it). */
async function geometry(page: Page, chart: string): Promise<Geometry | null> {
  return (await page.evaluate(`(() => {
    const c = document.querySelector('[data-chart="${chart}"]');
    if (!c) return null;
    const box = (e) => { const r = e.getBoundingClientRect(); return { l: r.left, r: r.right, t: r.top, b: r.bottom }; };
    const txt = (e) => e.textContent.replace(/\\s+/g, ' ').trim();
    return {
      plot: box(c.querySelector('svg rect')),
      labels: [...c.querySelectorAll('text[data-defect]')].map((t) => Object.assign(box(t), { key: t.getAttribute('data-defect'), text: txt(t) })),
      lines: [...c.querySelectorAll('line[data-vline]')].map((e) => { const r = e.getBoundingClientRect(); return { key: e.getAttribute('data-vline'), x: r.left + r.width / 2, t: r.top, b: r.bottom }; }),
      ticks: [...c.querySelectorAll('text[data-xtick]')].filter((t) => txt(t)).map((t) => Object.assign(box(t), { text: txt(t) })),
      yMax: txt(c.querySelector('text[data-ymax]')),
      yMin: txt(c.querySelector('text[data-ymin]')),
    };
  })()`)) as Geometry | null;
}

const apart = (a: Box, b: Box) => a.r <= b.l || b.r <= a.l || a.b <= b.t || b.b <= a.t;

/** x ticks: at least 3, left to right without touching, the last one with the unit. */
function checkTicks(g: Geometry, unit: RegExp, what: string) {
  assert.ok(g.ticks.length >= 3, `${what}: ticks ${g.ticks.map((x) => x.text).join(' | ')}`);
  for (let i = 1; i < g.ticks.length; i++) assert.ok(g.ticks[i - 1].r + 2 <= g.ticks[i].l, `${what}: ticks ${g.ticks[i - 1].text} and ${g.ticks[i].text} touch`);
  assert.match(g.ticks[g.ticks.length - 1].text, unit, what);
  assert.ok(g.ticks.slice(0, -1).every((x) => /^\d+([.,]\d+)?$/.test(x.text)), `${what}: ${g.ticks.map((x) => x.text).join(' | ')}`);
}

describe('asset page: zone limits, remaining-life axis, envelope labels and ticks, in English and German, on a TV and a phone', function () {
  this.timeout(600_000);

  // the waveform machines accelerated (the conveyor's fault within minutes); the capper press at
  // the demo's pace, so its planned stops (6 simulated minutes between polls) are seen
  const demo = demoLineInBrowser((n) => n.kind !== 'scalar');

  it('capper press: the zone limits of its class with mm/s on the velocity chart, the zone bounded in words, no zone while it stands', async function () {
    const page = await demo.browser.newPage({ viewport: SIZES['1920'] });
    const seen = new Set<string>();
    for (const lang of LANGS) {
      const de = lang === 'de';
      for (const [size, viewport] of Object.entries(SIZES)) {
        await page.setViewportSize(viewport);
        await page.goto(`${demo.red.url}/dashboard/asset?lang=${lang}`);
        await page.locator('[data-pick="press-1"]').click({ timeout: 120_000 });
        await page.locator('[data-detail="press-1"]').waitFor({ timeout: 30_000 });
        // iso 10816-3 group 2 rigid: 1.4, 2.8, 4.5 mm/s
        const limits = await waitFor(`the press's zone lines (${lang} ${size})`, async () => {
          const l = (await page.evaluate(`[...document.querySelectorAll('[data-chart="velocity"] text[data-hlabel]')].map((t) => t.textContent.replace(/\\s+/g, ' ').trim())`)) as string[];
          return l.length === 3 ? l : null;
        }, 120_000);
        assert.deepStrictEqual(limits, de ? ['A/B 1,4 mm/s', 'B/C 2,8 mm/s', 'C/D 4,5 mm/s'] : ['A/B 1.4 mm/s', 'B/C 2.8 mm/s', 'C/D 4.5 mm/s']);
        assert.strictEqual(await page.locator('[data-chart="velocity"] line[data-hline]').count(), 3);
        // the zone fact, sampled while the press runs and stops (planned stops every 4 simulated hours)
        const range = de ? /liegt in Zone ([ABCD]) \((unter 1,4|1,4 bis 2,8|2,8 bis 4,5|ab 4,5) mm\/s\)/ : /is in zone ([ABCD]) \((below 1\.4|1\.4 to 2\.8|2\.8 to 4\.5|from 4\.5) mm\/s\)/;
        const t0 = Date.now();
        const here = new Set<string>();
        while (Date.now() - t0 < 8_000 || (!here.has('zone') && Date.now() - t0 < 60_000)) {
          const [zone, words] = (await page.evaluate(`[...document.querySelectorAll('[data-zone-fact] b, [data-zone-fact] span')].map((e) => e.textContent.replace(/\\s+/g, ' ').trim())`)) as string[];
          if (zone === (de ? 'Stillstand (geplant)' : 'stopped (planned)')) {
            assert.match(words, de ? /^Keine ISO-Zone im Stillstand/ : /^No ISO zone while the machine stands/);
            here.add('stopped');
          } else if (/^[ABCD]$/.test(zone)) {
            const m = range.exec(words);
            assert.ok(m, `zone ${zone} bounded in words: "${words}"`);
            assert.strictEqual(m[1], zone);
            here.add('zone');
          } else assert.strictEqual(zone, '-', `zone fact "${zone}" "${words}"`);
          await page.waitForTimeout(250);
        }
        assert.ok(here.has('zone'), `${lang} ${size}: the press running with its zone`);
        for (const x of here) seen.add(x);
        await noOverflow(page, `asset press-1 ${lang} ${size}`);
        await page.screenshot({ path: path.join(SHOTS, `asset-press-${lang}-${size}.png`), fullPage: size === '390' });
      }
    }
    // the planned stops come every 4 running hours (10 s here, 2.5 s long): sampled over 4 x 8 s, one was seen
    assert.ok(seen.has('stopped'), `the press stopped at least once: ${[...seen]}`);
    await page.close();
  });

  it('conveyor: remaining life in h with a round top and its model behind Details; envelope labels above the plot at their lines, apart; ticks with Hz', async function () {
    const page = await demo.browser.newPage({ viewport: SIZES['1920'] });
    await page.goto(`${demo.red.url}/dashboard/asset?lang=en`);
    await page.locator('[data-pick="conveyor-1"]').click({ timeout: 120_000 });
    // the bearing fault gives a forecast (with its model) and the four defect lines
    await waitFor('the conveyor\'s forecast', async () => (await page.locator('[data-more="rul"]').count()) > 0, 300_000, 1000);
    for (const lang of LANGS) {
      const de = lang === 'de';
      for (const [size, viewport] of Object.entries(SIZES)) {
        await page.setViewportSize(viewport);
        await page.goto(`${demo.red.url}/dashboard/asset?lang=${lang}`);
        await page.locator('[data-pick="conveyor-1"]').click({ timeout: 60_000 });
        await page.locator('[data-chart="envelope"] text[data-defect]').first().waitFor({ timeout: 60_000 });
        const what = `${lang} ${size}`;
        // remaining life: h on the axis, a round top, no model in the caption
        const rul = await waitFor('the remaining-life chart', () => geometry(page, 'rul'), 30_000);
        const top = /^(\d+)\s?h$/.exec(rul.yMax);
        assert.ok(top, `${what}: RUL axis top "${rul.yMax}"`);
        const v = Number(top[1]);
        const mant = v / Math.pow(10, Math.floor(Math.log10(v)));
        assert.ok([1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8].some((k) => Math.abs(k - mant) < 1e-9) && v <= 1000, `${what}: a round top, at most 1000 h: ${v}`);
        assert.match(rul.yMin, /^0\s?h$/, what);
        checkTicks(rul, /^\d+\s?h$/, `${what} RUL`);
        const caption = ((await page.locator('[data-chart="rul"] .rel-small').first().textContent()) ?? '').trim();
        assert.doesNotMatch(caption, /model|Modell|exponential|exponentiell/, `${what}: caption "${caption}"`);
        if ((await page.locator('[data-more="rul"]').count()) > 0) {
          const more = ((await page.locator('[data-more="rul"] .rel-detail-text').textContent()) ?? '').trim();
          assert.match(more, de ? /^Prognosemodell: (linear|exponentiell|Anstieg über den Normalpegel)$/ : /^Forecast model: (linear|exponential|rise over the healthy level)$/, what);
        }
        // the conveyor's zone limits too
        assert.strictEqual(await page.locator('[data-chart="velocity"] line[data-hline]').count(), 3, what);
        // envelope: the labels above the plot, each at its line, apart; no label on another's line
        const g = await waitFor('the envelope chart', async () => {
          const x = await geometry(page, 'envelope');
          return x && x.labels.length === 4 && x.lines.length === 4 ? x : null;
        }, 30_000);
        assert.deepStrictEqual(g.labels.map((l) => l.key).sort(), ['BPFI', 'BPFO', 'BSF', 'FTF']);
        const words = de ? { BPFO: 'Außenring', BPFI: 'Innenring', BSF: 'Wälzkörper', FTF: 'Käfig' } : { BPFO: 'outer ring', BPFI: 'inner ring', BSF: 'rolling elements', FTF: 'cage' };
        for (const l of g.labels) {
          assert.match(l.text, new RegExp(`^${words[l.key as keyof typeof words]} \\d+([.,]\\d+)? Hz$`), what);
          assert.ok(l.b <= g.plot.t + 1, `${what}: ${l.text} above the plot (${l.b} / ${g.plot.t})`);
          assert.ok(l.l >= -0.5 && l.r <= viewport.width + 0.5, `${what}: ${l.text} on screen`);
          const line = g.lines.find((x) => x.key === l.key)!;
          assert.ok(line.x >= l.l - 3 && line.x <= l.r + 3, `${what}: ${l.text} (${l.l}..${l.r}) at its line ${line.x}`);
          assert.ok(line.t >= l.t && line.t <= l.b + 6, `${what}: the line of ${l.text} starts at its label`);
          assert.ok(Math.abs(line.b - g.plot.b) < 2, `${what}: the line of ${l.text} reaches the axis`);
        }
        for (const a of g.labels)
          for (const b of g.labels) {
            if (a === b) continue;
            assert.ok(apart(a, b), `${what}: "${a.text}" overlaps "${b.text}": ${JSON.stringify([a, b])}`);
            const line = g.lines.find((x) => x.key === b.key)!;
            const crossed = line.t < a.b && line.b > a.t && line.x > a.l && line.x < a.r;
            assert.ok(!crossed, `${what}: the line of "${b.text}" crosses "${a.text}"`);
          }
        checkTicks(g, /^\d+\s?Hz$/, `${what} envelope`);
        assert.strictEqual(g.ticks[0].text, '0');
        // the spectrum too
        const sp = await geometry(page, 'spectrum');
        if (sp) checkTicks(sp, /^\d+\s?Hz$/, `${what} spectrum`);
        await noOverflow(page, `asset conveyor-1 ${lang} ${size}`);
        await page.screenshot({ path: path.join(SHOTS, `asset-conveyor-${lang}-${size}.png`), fullPage: size === '390' });
      }
    }
    await page.close();
  });
});
