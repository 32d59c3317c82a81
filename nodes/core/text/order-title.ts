/**
 * A work order's title in a page's language. rel-work-order stores one title, written in the
 * language set on the node; the record also keeps its structured parts (the fault mode and the
 * asset). A title the node wrote itself (workOrderTitle: "<what is wrong> – <machine>" with an
 * optional "(health 9 of 100)") is recognised in either language and written again in the page's
 * language, with the machine's current name; any other title (typed by a person, given in the
 * detect message, a PM task, a request) is shown as stored.
 */
import type { Lang } from './format';
import { faultPhrase, workOrderTitle, type Location } from './sentences';

const LANGS: Lang[] = ['en', 'de'];
const LOCATIONS: Location[] = [undefined, 'DE', 'NDE'];
const DASH = ' \u2013 ';
const SCORE = /\s\((?:health|Zustand) (\d{1,3}) (?:of|von) 100\)$/;

export interface StoredOrder {
  title: string;
  mode: string;
  asset: string;
  /** The machine's name now (rel-asset or the register); else the name in the stored title. */
  assetName?: string;
}

/** The parts of a title rel-work-order wrote itself; null for any other title. */
export function parseOrderTitle(o: StoredOrder): { location: Location; name: string; score?: number } | null {
  if (!o.mode || typeof o.title !== 'string') return null;
  // the older form "<mode> on <asset>"
  if (o.title === `${o.mode} on ${o.asset}`) return { location: undefined, name: o.asset };
  for (const lang of LANGS) {
    for (const location of LOCATIONS) {
      const head = faultPhrase(o.mode, lang, location) + DASH;
      if (!o.title.startsWith(head)) continue;
      let rest = o.title.slice(head.length);
      const m = SCORE.exec(rest);
      let score: number | undefined;
      if (m) {
        score = Number(m[1]);
        rest = rest.slice(0, m.index);
      }
      if (!rest.trim() || rest.endsWith('\u2026')) return null; // cut at the length cap: keep it as stored
      return { location, name: rest, ...(score === undefined ? {} : { score }) };
    }
  }
  return null;
}

/** The title in `lang`: rewritten when rel-work-order wrote it, else as stored. */
export function orderTitleIn(o: StoredOrder, lang: Lang): string {
  const p = parseOrderTitle(o);
  if (!p) return o.title;
  const name = o.assetName && o.assetName.trim() ? o.assetName.trim() : p.name;
  return workOrderTitle({ mode: o.mode, asset: o.asset, assetName: name, location: p.location, score: p.score }, lang);
}
