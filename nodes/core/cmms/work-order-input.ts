/**
 * The messages rel-work-order takes, checked: work order ids, parts lists, the findings of a
 * detect message (explicit, rel-diagnose faults or a rel-health state), list filters, create and
 * transition inputs. Every bad field throws an InputError naming it. No Node-RED here: the actor
 * (the logged-in user or msg.payload.by) is passed in.
 */
import { InputError } from '../errors';
import { MAX_TITLE, workOrderTitle, type Lang } from '../text';
import { isObject, num, object, oneOf, optNum, optStr, own, str } from '../validate';
import { SEVERITIES, SOURCES, STATUSES, TRANSITION_ACTIONS, severityRank, type AssetFacts, type CreateInput, type ListFilter, type Severity, type TransitionAction, type TransitionInput } from './work-orders';

export const WO_ACTIONS = ['create', 'detect', ...TRANSITION_ACTIONS, 'get', 'list'] as const;
export type WoAction = (typeof WO_ACTIONS)[number];
const MAX_NOTE = 4000;
const MAX_PARTS = 100;
const MAX_FAULTS = 50;

/** A work order id: 12 or "WO-000012". */
export function woId(v: unknown, path: string): number {
  if (typeof v === 'string') {
    const m = /^\s*(?:WO-)?0*(\d{1,15})\s*$/i.exec(v);
    if (m) return num(m[1], path, { min: 1, integer: true });
    throw new InputError(path, 'a work order id (12 or "WO-000012")', v);
  }
  return num(v, path, { min: 1, integer: true, max: Number.MAX_SAFE_INTEGER });
}

export function partsOf(v: unknown, path: string): { part: string; qty: number }[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) throw new InputError(path, `an array of {part, qty} (at most ${MAX_PARTS})`, v);
  if (v.length > MAX_PARTS) throw new InputError(path, `at most ${MAX_PARTS} parts`, v);
  return v.map((p, i) => ({ part: str(own(p, 'part'), `${path}[${i}].part`, { maxLength: 200 }), qty: num(own(p, 'qty'), `${path}[${i}].qty`, { gt: 0, max: 1e9 }) }));
}

function text(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return '';
}

export interface Finding {
  mode: string;
  severity: Severity;
  evidence: string;
  /** The title a new work order gets (in words: titleFindings); an open order keeps its own. */
  title?: string;
  /** rel-health's score at the detection (health findings; titleFindings writes it into the title). */
  score?: number;
}

/** What the title of a detected work order is written with: the asset, its name when known, the node's language. */
export interface TitleContext {
  asset: string;
  assetName?: string;
  lang?: Lang;
}

/**
 * The findings of a detect message with the titles their work orders get: `msg.payload.title`
 * when the message gives one (it wins), else the finding in words with the asset's name
 * (workOrderTitle: "Outer ring of the drive-end bearing damaged – Conveyor 1"); the channel
 * (`msg.payload.channel`) tells the bearing position.
 */
export function titleFindings(p: Record<string, unknown>, found: Finding[], ctx: TitleContext): Finding[] {
  const given = optStr(own(p, 'title'), 'msg.payload.title', { maxLength: MAX_TITLE });
  const ch = own(p, 'channel');
  const channel = typeof ch === 'string' ? ch.slice(0, 200) : undefined;
  // written out (object spread is slow on this hot path)
  return found.map((f) => ({
    mode: f.mode,
    severity: f.severity,
    evidence: f.evidence,
    title: given?.trim() ? given : workOrderTitle({ mode: f.mode, asset: ctx.asset, assetName: ctx.assetName, channel, score: f.score }, ctx.lang ?? 'en'),
  }));
}

/**
 * The machine's health state in a frame that carries a diagnosis too (rel-diagnose -> rel-health
 * -> rel-work-order): warning or alarm, else undefined.
 */
function healthLevel(p: Record<string, unknown>): 'warning' | 'alarm' | undefined {
  const h = own(p, 'health');
  if (!isObject(h)) return undefined;
  const state = own(h, 'state');
  return state === 'warning' || state === 'alarm' ? state : undefined;
}

/**
 * The findings in a detect message: explicit, rel-diagnose faults, or a rel-health state. A
 * diagnosis that arrives with the machine's health state (the frame went through rel-health)
 * follows the health: the primary fault (the one that explains it) takes the health state's
 * severity when that is higher, so a machine in alarm gets an alarm order (and its priority),
 * and an open order escalates when the machine goes from warning to alarm.
 */
export function findings(p: Record<string, unknown>, minSeverity: Severity): Finding[] {
  const diagnosis = own(p, 'diagnosis');
  if (diagnosis !== undefined) {
    const d = object(diagnosis, 'msg.payload.diagnosis');
    const faults = own(d, 'faults');
    if (!Array.isArray(faults)) throw new InputError('msg.payload.diagnosis.faults', 'an array of {mode, confidence, severity, evidence}', faults);
    if (faults.length > MAX_FAULTS) throw new InputError('msg.payload.diagnosis.faults', `at most ${MAX_FAULTS} faults`, faults);
    const level = healthLevel(p);
    const primaryRaw = own(d, 'primary');
    // the fault that explains the health: rel-diagnose's primary, else the first fault
    const primary = typeof primaryRaw === 'string' && primaryRaw !== 'normal' && primaryRaw ? primaryRaw : undefined;
    const out: Finding[] = [];
    let raised = false;
    faults.forEach((f, i) => {
      const path = `msg.payload.diagnosis.faults[${i}]`;
      object(f, path);
      const mode = str(own(f, 'mode'), `${path}.mode`, { maxLength: 100 });
      let severity = oneOf(own(f, 'severity'), `${path}.severity`, SEVERITIES);
      if (level && !raised && mode !== 'normal' && (primary === undefined || primary === mode)) {
        raised = true;
        if (severityRank(level) > severityRank(severity)) severity = level;
      }
      const conf = optNum(own(f, 'confidence'), `${path}.confidence`, { min: 0, max: 1 });
      const ev = optStr(own(f, 'evidence'), `${path}.evidence`, { maxLength: MAX_NOTE }) ?? '';
      if (severityRank(severity) >= severityRank(minSeverity)) out.push({ mode, severity, evidence: conf === undefined ? ev : `${ev}${ev ? ' ' : ''}(confidence ${Math.round(conf * 100)} %)` });
    });
    return out;
  }
  const health = own(p, 'health');
  if (health !== undefined) {
    const h = object(health, 'msg.payload.health');
    const state = oneOf(own(h, 'state'), 'msg.payload.health.state', ['learning', 'normal', 'warning', 'alarm', 'stopped'] as const);
    if (state !== 'warning' && state !== 'alarm') return [];
    if (severityRank(state) < severityRank(minSeverity)) return [];
    const score = optNum(own(h, 'score'), 'msg.payload.health.score', { min: 0, max: 100 });
    const c = own(h, 'contributors');
    const names = Array.isArray(c) ? c.slice(0, 5).map((x) => (isObject(x) ? text(own(x, 'feature')) || text(own(x, 'channel')) || text(own(x, 'name')) : text(x))).filter(Boolean) : [];
    // rel-health's own evidence (values with units, baselines, deviations, the ISO zone) when it
    // sends one; else a short one from the contributors' names.
    const given = optStr(own(p, 'evidence'), 'msg.payload.evidence', { maxLength: MAX_NOTE });
    const ev = given || `health ${score === undefined ? '?' : Math.round(score)} (${state})${names.length ? `; contributors: ${names.join(', ')}` : ''}`;
    return [{ mode: 'health', severity: state, evidence: ev, ...(score === undefined ? {} : { score }) }];
  }
  return [
    {
      mode: str(own(p, 'mode'), 'msg.payload.mode', { maxLength: 100 }),
      severity: oneOf(own(p, 'severity'), 'msg.payload.severity', SEVERITIES),
      evidence: optStr(own(p, 'evidence'), 'msg.payload.evidence', { maxLength: MAX_NOTE }) ?? '',
    },
  ];
}

/** The filter of a `list` message. */
export function listFilter(payload: Record<string, unknown>): ListFilter {
  const st = own(payload, 'status');
  const open = own(payload, 'open');
  const src = own(payload, 'source');
  const newest = own(payload, 'newest');
  if (open !== undefined && typeof open !== 'boolean') throw new InputError('msg.payload.open', 'true or false', open);
  if (newest !== undefined && typeof newest !== 'boolean') throw new InputError('msg.payload.newest', 'true or false', newest);
  return {
    asset: optStr(own(payload, 'asset'), 'msg.payload.asset', { maxLength: 200 }),
    line: optStr(own(payload, 'line'), 'msg.payload.line', { maxLength: 200 }),
    status: st === undefined ? undefined : oneOf(st, 'msg.payload.status', STATUSES),
    source: src === undefined ? undefined : oneOf(src, 'msg.payload.source', SOURCES),
    open: open as boolean | undefined,
    limit: optNum(own(payload, 'limit'), 'msg.payload.limit', { min: 1, max: 10_000, integer: true }),
    history: own(payload, 'history') === false ? false : undefined,
    newest: newest as boolean | undefined,
  };
}

/** The input of a `create` message; `by` is the actor (the logged-in user, else msg.payload.by). */
export function createInput(payload: Record<string, unknown>, facts: AssetFacts, by: unknown, ts: number): CreateInput {
  const sev = own(payload, 'severity');
  const src = own(payload, 'source');
  return {
    ...facts,
    title: str(own(payload, 'title'), 'msg.payload.title', { maxLength: 200 }),
    mode: optStr(own(payload, 'mode'), 'msg.payload.mode', { maxLength: 100 }),
    description: optStr(own(payload, 'description'), 'msg.payload.description', { maxLength: MAX_NOTE }),
    priority: optNum(own(payload, 'priority'), 'msg.payload.priority', { min: 1, max: 4, integer: true }),
    severity: sev === undefined ? undefined : oneOf(sev, 'msg.payload.severity', SEVERITIES),
    source: src === undefined ? 'manual' : oneOf(src, 'msg.payload.source', ['manual', 'andon'] as const),
    by: optStr(by, 'msg.payload.by', { maxLength: 200 }),
    ts,
  };
}

/** The input of a transition message; `by` is the actor. */
export function transitionInput(t: TransitionAction, payload: Record<string, unknown>, by: unknown, ts: number): TransitionInput {
  const input: TransitionInput = {
    id: woId(own(payload, 'id'), 'msg.payload.id'),
    action: t,
    by: str(by, 'msg.payload.by', { maxLength: 200 }),
    note: optStr(own(payload, 'note'), 'msg.payload.note', { maxLength: MAX_NOTE }),
    ts,
    assignee: t === 'assign' ? (optStr(own(payload, 'assignee'), 'msg.payload.assignee', { maxLength: 200 }) ?? optStr(own(payload, 'to'), 'msg.payload.to', { maxLength: 200 })) : undefined,
    repairMin: t === 'complete' ? optNum(own(payload, 'repairMin'), 'msg.payload.repairMin', { min: 0, max: 1e7 }) : undefined,
    downtimeMin: t === 'complete' ? optNum(own(payload, 'downtimeMin'), 'msg.payload.downtimeMin', { min: 0, max: 1e7 }) : undefined,
    failure: undefined,
    parts: t === 'complete' ? partsOf(own(payload, 'parts'), 'msg.payload.parts') : undefined,
  };
  if (t === 'complete') {
    const f = own(payload, 'failure');
    if (f !== undefined && typeof f !== 'boolean') throw new InputError('msg.payload.failure', 'true or false', f);
    input.failure = f as boolean | undefined;
  }
  return input;
}
