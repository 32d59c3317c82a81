/**
 * Andon calls in words (English, German): the text of a machine call raised from a health state,
 * why the line stopped or runs again, and an escalation. The station is shown by its name when it
 * is a known asset (the caller passes it), else by its id. Pure, no Node-RED import.
 *
 *   andonHealthText({ station: 'press-1', name: 'Press 1', state: 'alarm', score: 9 })
 *   -> "Machine health alarm – Press 1 (health 9 of 100)"
 */
import { num, type Lang } from './format';

const KIND_CALL: Record<Lang, Record<string, string>> = {
  en: { quality: 'Quality call', machine: 'Machine call', material: 'Material call', safety: 'Safety call' },
  de: { quality: 'Qualitätsruf', machine: 'Maschinenruf', material: 'Materialruf', safety: 'Sicherheitsruf' },
};

const HEALTH_STATE: Record<Lang, Record<string, string>> = {
  en: { warning: 'warning', alarm: 'alarm', normal: 'normal', learning: 'learning', stopped: 'stopped' },
  de: { warning: 'Warnung', alarm: 'Alarm', normal: 'normal', learning: 'Lernphase', stopped: 'Stillstand' },
};

/** The station as people know it: its name when given, else its id. */
function where(station: string, name: string | undefined): string {
  return typeof name === 'string' && name.trim() ? name.trim() : station;
}

/** "Machine call" / "Maschinenruf" (an unknown kind: "help call" / "Ruf (help)"). */
export function andonCallName(kind: string, lang: Lang = 'en'): string {
  return Object.prototype.hasOwnProperty.call(KIND_CALL[lang], kind) ? KIND_CALL[lang][kind]! : lang === 'de' ? `Ruf (${kind})` : `${kind.charAt(0).toUpperCase()}${kind.slice(1)} call`;
}

/** The text of a machine call from a health state: "Machine health alarm – Press 1 (health 9 of 100)". */
export function andonHealthText(h: { station: string; name?: string; state: string; score: number }, lang: Lang = 'en'): string {
  const st = Object.prototype.hasOwnProperty.call(HEALTH_STATE[lang], h.state) ? HEALTH_STATE[lang][h.state]! : h.state;
  const score = num(Math.round(h.score), lang, { decimals: 0 });
  return lang === 'de'
    ? `Maschinenzustand ${st} – ${where(h.station, h.name)} (Zustand ${score} von 100)`
    : `Machine health ${st} – ${where(h.station, h.name)} (health ${score} of 100)`;
}

/** A call as the subject of a sentence: "Machine call at Press 1", "Call 3 (machine call at Press 1)". */
function callAt(c: { id?: number; kind: string; station: string }, name: string | undefined, lang: Lang): string {
  const k = andonCallName(c.kind, lang);
  const at = `${lang === 'de' ? 'an' : 'at'} ${where(c.station, name)}`;
  if (c.id === undefined) return `${k} ${at}`;
  return lang === 'de' ? `Ruf ${c.id} (${k} ${at})` : `Call ${c.id} (${k.charAt(0).toLowerCase()}${k.slice(1)} ${at})`;
}

/** Why the line stops or runs again (rel-andon's line messages, `reason`). */
export type LineCause = { why: 'raised' } | { why: 'level'; level: number } | { why: 'resolved'; by: string };

/**
 * "Machine call at Press 1: Machine health alarm – Press 1 (health 9 of 100)" (a call that stops
 * the line when raised), "Call 3 (machine call at Press 1) not acknowledged: escalation level 2
 * reached", "Call 3 (machine call at Press 1) resolved by Maria".
 */
export function lineReasonText(call: { id: number; kind: string; station: string; text: string }, cause: LineCause, lang: Lang = 'en', name?: string): string {
  const de = lang === 'de';
  if (cause.why === 'raised') return `${callAt({ kind: call.kind, station: call.station }, name, lang)}${call.text ? `: ${call.text}` : ''}`;
  if (cause.why === 'level') return de ? `${callAt(call, name, lang)} nicht quittiert: Eskalationsstufe ${cause.level} erreicht` : `${callAt(call, name, lang)} not acknowledged: escalation level ${cause.level} reached`;
  return de ? `${callAt(call, name, lang)} von ${cause.by} erledigt` : `${callAt(call, name, lang)} resolved by ${cause.by}`;
}

/** Minutes as a short wait: "30 s", "5 min", "1.5 h" / "1,5 h". */
function wait(min: number, lang: Lang): string {
  if (!Number.isFinite(min) || min < 0) return '';
  if (min < 1) return `${Math.round(min * 60)}\u00a0s`;
  if (min < 120) return `${num(min, lang, { decimals: Number.isInteger(min) ? 0 : 1 })}\u00a0min`;
  return `${num(min / 60, lang, { decimals: 1 })}\u00a0h`;
}

/**
 * An escalation as one sentence: "Machine call at Press 1 not acknowledged after 5 min: escalation
 * level 2. Machine health alarm – Press 1 (health 9 of 100)" / "Maschinenruf an Presse 1 nach
 * 5 min nicht quittiert: Eskalationsstufe 2. …".
 */
export function escalationText(e: { kind: string; station: string; name?: string; level: number; afterMin: number; text?: string }, lang: Lang = 'en'): string {
  const head = callAt({ kind: e.kind, station: e.station }, e.name, lang);
  const after = wait(e.afterMin, lang);
  const s = lang === 'de'
    ? `${head}${after ? ` nach ${after}` : ''} nicht quittiert: Eskalationsstufe ${e.level}`
    : `${head} not acknowledged${after ? ` after ${after}` : ''}: escalation level ${e.level}`;
  return e.text ? `${s}. ${e.text}` : s;
}
