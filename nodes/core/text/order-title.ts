/**
 * A work order's title in a page's language. rel-work-order stores one title, written in the
 * language set on the node; the record also keeps its structured parts (the fault mode and the
 * asset). A title is written again in the page's language, with the machine's current name, only
 * when it is exactly what the node would have written (workOrderTitle: "<what is wrong> – <machine>"
 * with an optional "(health 9 of 100)", in either language) for the order's mode and a name the
 * machine goes by: its asset id, its current name or its registered name. Any other title (typed by
 * a person, given in the detect message, a PM task, a request, a finding with more words after the
 * dash, a name the machine no longer has) is shown as stored.
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
  /** The machine's name now (rel-asset, else the register): the name a rewritten title gets. */
  assetName?: string;
  /** Other names the machine goes by (its register row's when rel-asset names it differently). */
  names?: readonly string[];
}

/** The parts of a title rel-work-order wrote itself (for this order's mode and machine); null for any other title. */
export function parseOrderTitle(o: StoredOrder): { location: Location; name: string; score?: number } | null {
  if (!o.mode || typeof o.title !== 'string') return null;
  // the older form "<mode> on <asset>"
  if (o.title === `${o.mode} on ${o.asset}`) return { location: undefined, name: o.asset };
  const known = new Set<string>();
  for (const n of [o.asset, o.assetName, ...(o.names ?? [])]) if (typeof n === 'string' && n.trim()) known.add(n.trim());
  const m = SCORE.exec(o.title);
  const scores = m ? [Number(m[1]), undefined] : [undefined];
  for (const lang of LANGS) {
    for (const location of LOCATIONS) {
      if (!o.title.startsWith(faultPhrase(o.mode, lang, location) + DASH)) continue;
      // the whole title as the node writes it, character for character
      for (const name of known)
        for (const score of scores)
          if (workOrderTitle({ mode: o.mode, asset: o.asset, assetName: name, location, score }, lang) === o.title && !o.title.endsWith('\u2026'))
            return { location, name, ...(score === undefined ? {} : { score }) };
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
