/**
 * rel-health's node-level logic without Node-RED: the form config checked into a HealthConfig
 * (the thresholds checked are the ones in force for the chosen rule), the state-change message and
 * the status of a scored reading. nodes/rel-health/rel-health.ts is the glue around it.
 */
import { optNum } from '../validate';
import { DEFAULT_HEALTH, DEFAULT_LEVEL_EVERY_HOURS, thresholdsInForce, type HealthConfig, type HealthResult, type StateChange } from './health';

/** The fields of rel-health's form that healthConfig reads (strings or numbers, as saved). */
export interface HealthForm {
  rule?: string;
  levelEveryHours?: number | string;
  learnMode?: string;
  learnFrames?: number | string;
  learnHours?: number | string;
  warnBelow?: number | string;
  alarmBelow?: number | string;
  hysteresis?: number | string;
  dwellFrames?: number | string;
  dwellMinutes?: number | string;
  historyMinutes?: number | string;
}

/** A form field as a number (`def` when empty), the error naming `config <what>`. */
export function cfgNum(v: unknown, def: number, what: string, o: { min?: number; max?: number; gt?: number; integer?: boolean }): number {
  return optNum(v, `config ${what}`, o) ?? def;
}

/**
 * The form checked into a HealthConfig. Error naming the field when a value is out of range. The
 * cross-checks use the thresholds in force: with rule "level" the warning is at health 85 and the
 * alarm at 70 whatever warnBelow and alarmBelow say (they are then unused and not cross-checked),
 * so a warning clears at 85 + hysteresis and hysteresis is at most 15.
 */
export function healthConfig(c: HealthForm): HealthConfig {
  if (c.rule !== undefined && c.rule !== '' && c.rule !== 'profile' && c.rule !== 'level') throw new Error(`config rule: expected profile or level, got ${JSON.stringify(c.rule)}`);
  const rule = c.rule === 'level' ? 'level' : 'profile';
  const warnBelow = cfgNum(c.warnBelow, DEFAULT_HEALTH.warnBelow, 'warnBelow', { min: 1, max: 100 });
  const alarmBelow = cfgNum(c.alarmBelow, DEFAULT_HEALTH.alarmBelow, 'alarmBelow', { min: 0, max: 100 });
  const hysteresis = cfgNum(c.hysteresis, DEFAULT_HEALTH.hysteresis, 'hysteresis', { min: 0, max: 50 });
  const t = thresholdsInForce(rule, warnBelow, alarmBelow);
  if (t.alarmBelow > t.warnBelow) throw new Error(`config: alarm threshold (${t.alarmBelow}) must not be above the warning threshold (${t.warnBelow})`);
  // health is at most 100: a warning clears at warnBelow + hysteresis, which must be reachable
  if (t.warnBelow + hysteresis > 100) {
    throw new Error(
      rule === 'level'
        ? `config hysteresis: expected at most ${100 - t.warnBelow} with rule "level" (it warns below health ${t.warnBelow}; a warning clears at ${t.warnBelow} + hysteresis, and health is at most 100), got ${hysteresis}`
        : `config: warning threshold + hysteresis (${warnBelow} + ${hysteresis}) must be at most 100, or a warning could never clear`,
    );
  }
  return {
    rule,
    levelEveryHours: rule === 'level' ? cfgNum(c.levelEveryHours, DEFAULT_LEVEL_EVERY_HOURS, 'levelEveryHours', { min: 0.01, max: 100_000 }) : DEFAULT_LEVEL_EVERY_HOURS,
    learnMode: c.learnMode === 'hours' ? 'hours' : 'frames',
    learnFrames: cfgNum(c.learnFrames, DEFAULT_HEALTH.learnFrames, 'learnFrames', { min: 10, max: 10_000, integer: true }),
    learnHours: cfgNum(c.learnHours, DEFAULT_HEALTH.learnHours, 'learnHours', { min: 0.01, max: 24 * 365 }),
    warnBelow,
    alarmBelow,
    hysteresis,
    dwellFrames: cfgNum(c.dwellFrames, DEFAULT_HEALTH.dwellFrames, 'dwellFrames', { min: 1, max: 1000, integer: true }),
    dwellMs: cfgNum(c.dwellMinutes, 0, 'dwellMinutes', { min: 0, max: 7 * 24 * 60 }) * 60_000,
    historyMs: cfgNum(c.historyMinutes, 10, 'historyMinutes', { min: 1, max: 24 * 60, integer: true }) * 60_000,
  };
}

/** The message on the state-change output (rel-work-order `detect`, rel-andon). */
export function changeMsg(c: StateChange): { topic: string; action: 'detect'; payload: Record<string, unknown> } {
  const severity = c.to === 'normal' ? 'normal' : c.to;
  const h = c.health;
  const moved = h.contributors.map((k) => `${k.feature} ${k.z > 0 ? '+' : ''}${k.z} sigma`).join(', ');
  const evidence =
    c.to === 'normal'
      ? `health back to ${h.score ?? '-'} (${c.from} cleared)`
      : `health ${h.score ?? '-'} (${c.from} -> ${c.to})${moved ? `: ${moved} from the learned baseline` : ''}`;
  return {
    topic: `${c.asset}/${c.channel}`,
    action: 'detect',
    payload: { asset: c.asset, channel: c.channel, ts: c.ts, from: c.from, to: c.to, state: c.to, severity, evidence, health: h },
  };
}

/** The node status of a scored reading: its kind (the dot) and short text. */
export function healthStatus(r: HealthResult): { kind: 'busy' | 'idle' | 'error' | 'warn' | 'ok'; text: string } {
  if (r.state === 'learning') return { kind: 'busy', text: `learning ${Math.floor(r.learned * 100)}%` };
  const score = Math.round(r.score!);
  if (r.shelved) return { kind: 'idle', text: `health ${score} shelved` };
  if (r.state === 'alarm') return { kind: 'error', text: `alarm: health ${score}` };
  if (r.state === 'warning') return { kind: 'warn', text: `warning: health ${score}` };
  return { kind: 'ok', text: `health ${score}` };
}
