/**
 * rel-simulator's controller: the simulated clock, the machine (waveform or scalar-only), what
 * one emission sends on the three outputs, the `set` / `reset` commands and the saved state that
 * lets a simulator resume after a deploy or a restart. No Node-RED import: the node passes a
 * state port (load / save) and sends what `emit` returns.
 */
import { InputError } from '../errors';
import { num, object, oneOf, own } from '../validate';
import { SCALAR_CHANNELS, ScalarSimMachine, type ScalarReading, type ScalarSnapshot, type ScalarTruth } from './scalar-sim';
import type { SimSetup } from './sim-config';
import { STOP_REASON_MAX, type SimStop } from './sim-stop';
import { FAULTS, SimClock, SimMachine, type MachineSnapshot, type Truth } from './simulator';

/** What a simulator with a store keeps (node_state, scope `simulator`, key = node id). */
export interface SavedSimulator {
  v: 1;
  /** Simulated time (ms) when it was saved. */
  simTs: number;
  /** Saved by close (true) or on the way (false: a crash may have lost up to SAVE_EVERY_MS). */
  clean: boolean;
  assetId: string;
  /** The configured machine: when it changes in the editor the machine starts afresh (the clock still resumes). */
  config: string;
  machine: MachineSnapshot | ScalarSnapshot;
  /** A scalar machine: its part counter at the last poll sent (absent before this existed), so the first poll after a restart counts the parts since then. */
  counted?: number;
}

/** Real ms between two saves while running (and on every close, reset and set). */
export const SAVE_EVERY_MS = 5000;

export const SIM_ACTIONS = ['frame', 'reset', 'set'] as const;

export interface StatePort {
  load(): Promise<SavedSimulator | undefined>;
  save(value: SavedSimulator, now: number): Promise<void>;
}

export interface SimStatus {
  level: 'ok' | 'warn' | 'error';
  text: string;
}

type Msg = Record<string, unknown>;
/** The three outputs of one emission (null: nothing on that output). */
export type SimOutputs = [Msg | null, Msg[] | null, Msg[] | null];

const eventMsg = (a: string) => (ev: { action: string; payload: unknown }): Msg => ({ topic: `${a}/${ev.action}`, action: ev.action, payload: ev.payload });

/** A `state` event on output 3 (with the reason of a hold). */
function stateMsg(a: string, state: 'running' | 'stopped', ts: number, simulation: unknown, reason?: string): Msg {
  return { topic: `${a}/state`, action: 'state', payload: { asset: a, state, ts, ...(reason ? { reason } : {}), simulation } };
}

/** "stopped: repair WO-12" (the reason cut to fit a status dot), or "stopped". */
function stoppedText(stop: SimStop): string {
  const r = stop.reason ?? '';
  return r ? `stopped: ${r.length > 24 ? `${r.slice(0, 23)}…` : r}` : 'stopped';
}

function waveformStatus(t: Truth, stop: SimStop | null): SimStatus {
  if (stop && stop.until === undefined) return { level: 'ok', text: `${stoppedText(stop)} · ${t.hours.toFixed(1)} h` };
  const pct = `${Math.round(t.severity * 100)}%`;
  const level = t.fault !== 'none' && !t.held && t.severity >= 1 ? 'error' : t.severity >= 0.5 ? 'warn' : 'ok';
  if (t.fault === 'none') return { level, text: `healthy · ${t.hours.toFixed(1)} h` };
  if (t.held) return { level, text: `${t.fault} ${pct} held` };
  return { level, text: `${t.fault} ${pct} · ${(t.hoursToFailure ?? 0).toFixed(1)} h` };
}

function scalarStatus(t: ScalarTruth, stop: SimStop | null): SimStatus {
  const v = `${t.velocityTrue.toFixed(2)} mm/s`;
  if (!t.running) return { level: 'ok', text: `${stop ? stoppedText(stop) : 'stopped'} · ${t.hours.toFixed(1)} h` };
  return { level: t.velocityFactor >= 2 ? 'warn' : 'ok', text: `running ${v}${t.velocityFactor !== 1 ? ` (x${t.velocityFactor})` : ''} · ${t.hours.toFixed(1)} h` };
}

export class SimRunner {
  private clock?: SimClock;
  private wave?: SimMachine;
  private scalar?: ScalarSimMachine;
  private first = true;
  /** The run bit of the previous scalar poll (state events on change), and its part counter. */
  private wasRunning?: boolean;
  private lastParts?: number;
  private lastSave = -Infinity;
  private saving: Promise<void> = Promise.resolve();
  /** Set when the saved state was used: 'machine' (clock and machine) or 'clock'. */
  resumed = '';
  /** Problems with the saved machine (it started afresh). */
  restoreProblems: string[] = [];
  readonly ready: Promise<void>;

  constructor(
    readonly setup: SimSetup,
    readonly assetId: string,
    /** The deploy time (real ms): the clock starts here, also when the saved state arrives later. */
    private readonly deployed: number,
    private readonly port?: StatePort,
  ) {
    this.ready = port ? port.load().then((s) => this.start(s)) : Promise.resolve(this.start(undefined));
  }

  get started(): boolean {
    return this.clock !== undefined;
  }

  /** Simulated time at real time now. */
  sim(now: number): number {
    return this.clock!.sim(now);
  }

  private start(s: SavedSimulator | undefined): void {
    const saved = s && s.v === 1 && Number.isFinite(s.simTs) ? s : undefined;
    // Resume where it stopped (never before the last emission): after a clean close 1 ms later;
    // after a crash past anything it may have sent since its last save.
    const lastTs = Number((saved?.machine as { lastTs?: unknown } | undefined)?.lastTs);
    const savedTs = saved ? Math.max(saved.simTs, Number.isFinite(lastTs) ? lastTs : -Infinity) : 0;
    const simStart = saved ? savedTs + (saved.clean ? 1 : Math.ceil(SAVE_EVERY_MS * this.setup.timeScale)) : this.deployed;
    const sc = new SimClock(this.setup.timeScale, this.deployed, simStart);
    const t0 = sc.sim(this.deployed);
    if (this.setup.kind === 'scalar') this.scalar = new ScalarSimMachine(this.setup.scalar!, t0);
    else this.wave = new SimMachine(this.setup.machine!, t0);
    if (saved && saved.assetId === this.assetId && saved.config === this.setup.configKey && saved.machine) {
      const snap = { ...saved.machine, lastTs: Math.max(Number(lastTs), saved.clean ? -Infinity : simStart) };
      const p = this.scalar ? this.scalar.restore(snap) : this.wave!.restore(snap);
      if (p.length) this.restoreProblems = p;
      else {
        this.resumed = 'machine';
        // the counter resumes: the first poll counts the parts made since the last one sent
        const c = saved.counted;
        if (this.scalar && typeof c === 'number' && Number.isInteger(c) && c >= 0 && c <= (snap as ScalarSnapshot).parts) this.lastParts = c;
      }
    }
    if (saved && !this.resumed) this.resumed = 'clock';
    this.clock = sc;
  }

  /** The status at real time now (the machine's truth). */
  status(now: number): SimStatus {
    const ts = this.clock!.sim(now);
    return this.scalar ? scalarStatus(this.scalar.truth(ts), this.scalar.stopped) : waveformStatus(this.wave!.truth(ts), this.wave!.stopped);
  }

  /** Save the state as of real time `now`. */
  save(clean: boolean, now: number): Promise<void> {
    if (!this.port || !this.clock) return Promise.resolve();
    const snap = this.scalar ? this.scalar.snapshot() : this.wave!.snapshot();
    const value: SavedSimulator = { v: 1, simTs: Math.max(this.clock.sim(now), snap.lastTs), clean, assetId: this.assetId, config: this.setup.configKey, machine: snap, ...(this.lastParts !== undefined ? { counted: this.lastParts } : {}) };
    this.lastSave = now;
    const write = this.saving.then(() => this.port!.save(value, now));
    this.saving = write.catch(() => {
      this.lastSave = -Infinity; // try again at the next emission
    });
    return write;
  }

  /** A save when the last one is SAVE_EVERY_MS old (undefined when none is due). */
  maybeSave(now: number): Promise<void> | undefined {
    return this.port && now - this.lastSave >= SAVE_EVERY_MS ? this.save(false, now) : undefined;
  }

  /** Resolves when every save asked for so far has finished. */
  drain(): Promise<void> {
    return this.saving;
  }

  /** One emission at real time now; `msg` (an input) is reused for output 1. */
  emit(now: number, msg: Msg = {}): SimOutputs {
    const ts = this.clock!.sim(now);
    const a = this.assetId;
    delete msg.action;
    if (this.scalar) return this.emitScalar(this.scalar.poll(ts), msg);
    // a hold settles first: the parts made before it, `stopped` once (with the reason), and,
    // released, `running` at the release before this emission's own counts
    const hold = this.wave!.settleHold(ts);
    const out3: Msg[] = hold.events.map(eventMsg(a));
    if (hold.stop && !hold.stop.sent) {
      out3.push(stateMsg(a, 'stopped', hold.stop.since, this.wave!.truth(ts), hold.stop.reason));
      this.wave!.markSent();
    }
    if (hold.held) {
      this.first = false;
      return [null, this.wave!.standing(ts, hold.stop!).map((p) => ({ topic: `${a}/${p.channel}`, payload: p })), out3.length ? out3 : null];
    }
    const e = this.wave!.emit(ts);
    msg.topic = `${a}/${e.waveform.channel}`;
    msg.payload = e.waveform;
    const out2 = e.process.map((p) => ({ topic: `${a}/${p.channel}`, payload: p }));
    // Running since the start of the span this emission's counts cover, so it reaches rel-oee
    // before them (counts on a grid are stamped inside that span, before the frame's time); also
    // when it runs again after a hold (the span starts at the release).
    if ((this.first && this.setup.startEvent) || hold.stop) out3.push(stateMsg(a, 'running', e.from, e.truth));
    out3.push(...e.events.map(eventMsg(a)));
    this.first = false;
    return [msg, out2, out3.length ? out3 : null];
  }

  /**
   * A scalar poll: output 1 the readings as one array (rel-ingest's array output), output 2 one
   * message per tag, output 3 `state` on each change of the run bit (and on the first poll with
   * Start event) and `count` with the parts made since the previous poll.
   */
  private emitScalar(readings: ScalarReading[], msg: Msg): SimOutputs {
    const a = this.assetId;
    const r0 = readings[0];
    msg.topic = `${a}/poll`;
    msg.payload = readings;
    const out2 = readings.map((r) => ({ topic: `${a}/${r.channel}`, payload: r }));
    const out3: Msg[] = [];
    const running = r0.simulation.running;
    // a hold announced once (its saved `sent` flag), also when it starts in a planned stop (its
    // reason replaces none), and not again after a restart
    const stop = running ? null : this.scalar!.stopped;
    const newHold = stop !== null && !stop.sent;
    if ((this.first && this.setup.startEvent) || (this.wasRunning !== undefined && running !== this.wasRunning) || newHold) {
      out3.push(stateMsg(a, running ? 'running' : 'stopped', r0.ts, r0.simulation, stop?.reason));
    }
    if (newHold) this.scalar!.markSent();
    const parts = readings.find((r) => r.channel === SCALAR_CHANNELS.parts)!.value;
    const made = this.lastParts === undefined ? 0 : parts - this.lastParts;
    if (made > 0) out3.push({ topic: `${a}/count`, action: 'count', payload: { asset: a, ts: r0.ts, good: made, total: made, simulation: r0.simulation } });
    this.wasRunning = running;
    this.lastParts = parts;
    this.first = false;
    return [msg, out2, out3.length ? out3 : null];
  }

  /** `reset` or `set` at real time now (payload checked here; errors name the property). */
  command(action: 'reset' | 'set', payload: unknown, now: number): void {
    const ts = this.clock!.sim(now);
    if (action === 'reset') {
      if (this.scalar) this.scalar.reset(ts);
      else this.wave!.reset(ts);
      return;
    }
    const p = object(payload, 'msg.payload');
    const h = own(p, 'hours');
    const hours = h === undefined ? undefined : num(h, 'msg.payload.hours', { min: 0, max: 1e6 });
    const hold = readHold(p);
    // a setting of the other kind of machine is refused, not ignored
    for (const k of this.scalar ? ['fault', 'severity'] : ['velocityFactor', 'currentFactor']) {
      if (own(p, k) !== undefined) throw new InputError(`msg.payload.${k}`, `no ${k} on a ${this.scalar ? 'scalar machine (set takes velocityFactor, currentFactor, hours, running)' : 'waveform machine (set takes fault, severity, hours, running)'}`, own(p, k));
    }
    if (this.scalar) {
      const v = own(p, 'velocityFactor');
      const c = own(p, 'currentFactor');
      if (v === undefined && c === undefined && h === undefined && !hold) throw new InputError('msg.payload', 'an object with velocityFactor, currentFactor, hours or running', p);
      const vf = v === undefined ? undefined : num(v, 'msg.payload.velocityFactor', { gt: 0, max: 100 });
      const cf = c === undefined ? undefined : num(c, 'msg.payload.currentFactor', { gt: 0, max: 100 });
      if (hours !== undefined) this.scalar.setHours(ts, hours);
      if (vf !== undefined || cf !== undefined) this.scalar.set(ts, { velocityFactor: vf, currentFactor: cf });
      if (hold) this.scalar.hold(ts, hold.running, hold.reason);
      return;
    }
    const f = own(p, 'fault');
    const s = own(p, 'severity');
    if (f === undefined && s === undefined && h === undefined && !hold) throw new InputError('msg.payload', 'an object with fault, severity, hours or running', p);
    const fault = f === undefined ? undefined : oneOf(f, 'msg.payload.fault', FAULTS);
    const severity = s === undefined ? undefined : s === null ? null : num(s, 'msg.payload.severity', { min: 0, max: 1 });
    if (fault && fault !== 'none' && !this.setup.machine!.bearing && fault.startsWith('bearing-')) {
      throw new InputError('msg.payload.fault', `a fault this asset can have (${this.assetId} has no bearing geometry)`, f);
    }
    this.wave!.set({ fault, severity });
    if (hours !== undefined) this.wave!.setHours(ts, hours);
    if (hold) this.wave!.hold(ts, hold.running, hold.reason);
  }
}

/** `running` (true or false) and its optional `reason` from a set payload, or undefined when not given. */
function readHold(p: Record<string, unknown>): { running: boolean; reason?: string } | undefined {
  const r = own(p, 'running');
  const why = own(p, 'reason');
  if (r === undefined) {
    if (why !== undefined) throw new InputError('msg.payload.reason', 'a reason only with running: false', why);
    return undefined;
  }
  if (typeof r !== 'boolean') throw new InputError('msg.payload.running', 'true (run) or false (held stopped)', r);
  if (r && why !== undefined) throw new InputError('msg.payload.reason', 'a reason only with running: false', why);
  if (why !== undefined && (typeof why !== 'string' || why.length > STOP_REASON_MAX)) throw new InputError('msg.payload.reason', `text of at most ${STOP_REASON_MAX} characters`, why);
  const reason = typeof why === 'string' ? why.trim() : '';
  return { running: r, ...(reason ? { reason } : {}) };
}
