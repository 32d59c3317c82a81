/**
 * The plant database on the floor pages: while the PostgreSQL server of a rel-store cannot be
 * reached, the box keeps what the nodes write in its local file (the offline outbox) and the pages
 * say so, with the count: "Plant database offline – 12 records queued, they are sent when it is
 * back". Once the server answers again and the queue drains: "Plant database back – sending 12
 * queued records". Nothing while it answers and nothing waits (and never on SQLite, where nothing
 * is queued). Pure: the rel-view node reads the rel-store's `queued()` and its outbox's state.
 */
import DICT from '../text/dashboard.json';
import { num, type Lang } from '../text/format';

/** What a rel-store tells about its plant database (backend postgres). */
export interface StoreState {
  /** The last attempt to reach the server failed (the outbox waits for it). */
  offline: boolean;
  /** Records waiting in the box's local file. */
  queued: number;
}

export interface StoreBanner {
  /** offline: the server cannot be reached; sending: it is back and the queue drains. */
  state: 'offline' | 'sending';
  queued: number;
  /** The banner's sentence in each language. */
  text: Record<Lang, string>;
}

type Key = keyof (typeof DICT)['en'];

function sentence(key: Key, n: number, lang: Lang): string {
  return DICT[lang][key].replace('{n}', num(n, lang, { decimals: 0 }));
}

/** The banner for a store's state, or null when there is nothing to say. */
export function storeBanner(s: StoreState | null | undefined): StoreBanner | null {
  if (!s) return null;
  const queued = Number.isFinite(s.queued) && s.queued > 0 ? Math.floor(s.queued) : 0;
  if (!s.offline && queued === 0) return null;
  const state = s.offline ? 'offline' : 'sending';
  const key: Key = state === 'offline' ? (queued === 0 ? 'store.offlineNone' : queued === 1 ? 'store.offlineOne' : 'store.offline') : queued === 1 ? 'store.sendingOne' : 'store.sending';
  return { state, queued, text: { en: sentence(key, queued, 'en'), de: sentence(key, queued, 'de') } };
}
