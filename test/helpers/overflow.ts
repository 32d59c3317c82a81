/** Horizontal overflow of a page in a real browser (playwright-core), for the floor-page specs. */
import assert from 'assert';
import type { Page } from 'playwright-core';

export interface Overflow {
  scrollWidth: number;
  innerWidth: number;
  /** Visible elements reaching past the viewport ("div.rel-card 12..420"), at most 12. */
  wide: string[];
}

/** The page's scroll width and every visible element reaching past the viewport. */
export async function overflow(page: Page): Promise<Overflow> {
  return (await page.evaluate(`(() => {
    const w = window.innerWidth;
    const wide = [];
    for (const e of document.querySelectorAll('body *')) {
      const r = e.getBoundingClientRect();
      if (r.width === 0 || r.height === 0) continue;
      const st = getComputedStyle(e);
      if (st.visibility === 'hidden' || st.display === 'none') continue;
      if (r.width > w + 0.5 || r.right > w + 0.5) wide.push(e.tagName.toLowerCase() + (e.className && typeof e.className === 'string' ? '.' + e.className.trim().split(/\\s+/).join('.') : '') + ' ' + Math.round(r.left) + '..' + Math.round(r.right));
    }
    return { scrollWidth: document.scrollingElement.scrollWidth, innerWidth: w, wide: wide.slice(0, 12) };
  })()`)) as Overflow;
}

/** Fails naming `what` when the page scrolls sideways or an element reaches past the viewport. */
export async function noOverflow(page: Page, what: string): Promise<void> {
  const o = await overflow(page);
  assert.ok(o.scrollWidth <= o.innerWidth && !o.wide.length, `${what}: ${JSON.stringify(o)}`);
}
