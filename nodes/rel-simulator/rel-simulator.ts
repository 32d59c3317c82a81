/**
 * rel-simulator: a seeded machine for one asset. On a timer (and on any input without an action)
 * it emits an acceleration waveform (output 1), temperature and motor current (output 2) and
 * production events for rel-takt / rel-oee (output 3), each with the ground truth of the fault in
 * payload.simulation. The work is in nodes/core/signal/simulator.ts; see docs/simulator.md.
 */
import { InputError } from '../core/errors';
import { BEARINGS, type BearingGeometry } from '../core/signal/bearing';
import { DEFAULT_MACHINE, FAULTS, SimClock, SimMachine, type Emission, type MachineOptions, type MachineSnapshot, type SimFault, type Truth } from '../core/signal/simulator';
import { CORE_MIGRATIONS } from '../core/store';
import { getState, putState } from '../core/state';
import { num, object, oneOf, own } from '../core/validate';
import { findAsset, type AssetConfigNode } from '../shared/assets';
import { getClock } from '../shared/clock';
import { defineNode } from '../shared/node';
import type { NodeDef, NodeMessage, RedApi, RedNode, SendFn } from '../shared/red';
import { shortError, status } from '../shared/status';
import { acquireStore, type AcquiredStore } from '../shared/store';

interface SimulatorDef extends NodeDef {
  asset?: string;
  assetId?: string;
  rpm?: string | number;
  bearing?: string;
  fault?: string;
  seed?: string | number;
  fs?: string | number;
  frameSize?: string | number;
  interval?: string | number;
  timeScale?: string | number;
  onsetHours?: string | number;
  failureHours?: string | number;
  growth?: string | number;
  noise?: string | number;
  resonanceHz?: string | number;
  cycleTimeS?: string | number;
  countStepMin?: string | number;
  store?: string;
  startEvent?: boolean | string;
}

/** What a simulator with a store keeps (node_state, scope `simulator`, key = node id). */
interface SavedSimulator {
  v: 1;
  /** Simulated time (ms) when it was saved. */
  simTs: number;
  /** Saved by close (true) or on the way (false: a crash may have lost up to SAVE_EVERY_MS). */
  clean: boolean;
  assetId: string;
  /** The configured fault and curve: when they change in the editor the machine starts afresh (the clock still resumes). */
  config: string;
  machine: MachineSnapshot;
}

/** Real ms between two saves while running (and on every close, reset and set). */
const SAVE_EVERY_MS = 5000;

const ACTIONS = ['frame', 'reset', 'set'] as const;

/** A form value as a number, the default when empty; problems are collected, not thrown one by one. */
function field(v: unknown, def: number, name: string, problems: string[]): number {
  if (v === undefined || v === null || v === '') return def;
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  if (!Number.isFinite(n)) problems.push(`${name}: expected a number, got ${JSON.stringify(v)}`);
  return n;
}

interface SimAsset {
  assetId: string;
  rpm: number;
  bearing?: BearingGeometry;
  note?: string;
}

/** The asset the simulator runs as: the selected rel-asset, else a deployed one by id, else its own settings. */
function simAsset(RED: RedApi, config: SimulatorDef, problems: string[]): SimAsset {
  const ownRpm = field(config.rpm, DEFAULT_MACHINE.rpm, 'rpm', problems);
  const ownBearing = config.bearing === 'none' ? undefined : config.bearing === '6203-2RS' ? BEARINGS['6203-2RS'] : BEARINGS['6205-2RS'];
  let spec;
  if (typeof config.asset === 'string' && config.asset) {
    const cfg = RED.nodes.getNode(config.asset) as AssetConfigNode | null;
    if (!cfg) throw new Error(`asset: the selected rel-asset (${config.asset}) is not deployed`);
    if (!cfg.spec) throw new Error(`asset ${cfg.name || config.asset}: ${cfg.problems.join('; ')}`);
    spec = cfg.spec;
  } else {
    const id = typeof config.assetId === 'string' && config.assetId.trim() ? config.assetId.trim() : 'sim-1';
    spec = findAsset(id);
    if (!spec) return { assetId: id, rpm: ownRpm, bearing: ownBearing };
  }
  if (spec.rpm === undefined) return { assetId: spec.assetId, rpm: ownRpm, bearing: spec.bearing, note: `asset ${spec.assetId} has no rpm: simulating ${ownRpm} rpm` };
  return { assetId: spec.assetId, rpm: spec.rpm, bearing: spec.bearing };
}

function statusText(t: Truth): string {
  const pct = `${Math.round(t.severity * 100)}%`;
  if (t.fault === 'none') return `healthy · ${t.hours.toFixed(1)} h`;
  if (t.held) return `${t.fault} ${pct} held`;
  return `${t.fault} ${pct} · ${(t.hoursToFailure ?? 0).toFixed(1)} h`;
}

export = function (RED: RedApi) {
  defineNode<SimulatorDef>(RED, 'rel-simulator', (node: RedNode, config) => {
    const clock = getClock(RED);
    const problems: string[] = [];
    const asset = simAsset(RED, config, problems);
    const fault = (config.fault || DEFAULT_MACHINE.fault) as SimFault;
    const D = DEFAULT_MACHINE;
    const opts: MachineOptions = {
      ...D,
      assetId: asset.assetId,
      rpm: asset.rpm,
      bearing: asset.bearing,
      fault,
      seed: field(config.seed, D.seed, 'seed', problems),
      fs: field(config.fs, D.fs, 'fs', problems),
      frameSize: field(config.frameSize, D.frameSize, 'frame size', problems),
      onsetHours: field(config.onsetHours, D.onsetHours, 'onset', problems),
      failureHours: field(config.failureHours, D.failureHours, 'failure', problems),
      growth: field(config.growth, D.growth, 'growth', problems),
      noise: field(config.noise, D.noise, 'noise', problems),
      resonanceHz: field(config.resonanceHz, D.resonanceHz, 'resonance', problems),
      cycleTimeS: field(config.cycleTimeS, D.cycleTimeS, 'cycle time', problems),
      countStepS: field(config.countStepMin, 0, 'count every', problems) * 60,
    };
    const intervalS = field(config.interval, 5, 'interval', problems);
    if (intervalS !== 0 && !(intervalS >= 0.05 && intervalS <= 86400)) problems.push('interval: expected 0 (input only) or 0.05 to 86400 s');
    const timeScale = field(config.timeScale, 3600, 'time scale', problems);
    if (!(opts.countStepS >= 0 && opts.countStepS <= 86400)) problems.push('count every: expected 0 (one count per emission) to 1440 minutes');
    if (problems.length) throw new Error(`rel-simulator: ${problems.join('; ')}`);
    const startEvent = config.startEvent === true || config.startEvent === 'true';
    const h: AcquiredStore | undefined = typeof config.store === 'string' && config.store ? acquireStore(RED, config.store, 'rel-simulator') : undefined;
    const key = node.id;
    const configKey = JSON.stringify([opts.fault, opts.seed, opts.onsetHours, opts.failureHours, opts.growth]);
    // The deploy time: the clock starts here, also when the saved state arrives a moment later.
    const deployed = clock.now();
    let simClock: SimClock | undefined;
    let machine!: SimMachine;
    let resumed = '';
    /** Build the clock and the machine from the saved state (none: start at the deploy time, hour 0). */
    function start(s: SavedSimulator | undefined): void {
      const saved = s && s.v === 1 && Number.isFinite(s.simTs) ? s : undefined;
      // Resume where it stopped (never before the last emission, should a stepped-back clock have
      // saved an earlier time): after a clean close 1 ms later; after a crash past anything it may
      // have sent since its last save.
      const lastTs = Number(saved?.machine?.lastTs);
      const savedTs = saved ? Math.max(saved.simTs, Number.isFinite(lastTs) ? lastTs : -Infinity) : 0;
      const simStart = saved ? savedTs + (saved.clean ? 1 : Math.ceil(SAVE_EVERY_MS * timeScale)) : deployed;
      const sc = new SimClock(timeScale, deployed, simStart);
      machine = new SimMachine(opts, sc.sim(deployed));
      if (saved && saved.assetId === opts.assetId && saved.config === configKey && saved.machine) {
        const snap = { ...saved.machine, lastTs: Math.max(Number(saved.machine.lastTs), saved.clean ? -Infinity : simStart) };
        const p = machine.restore(snap);
        if (p.length) node.warn(`rel-simulator: could not resume the machine (${p.join('; ')}): starting it afresh`);
        else resumed = 'machine';
      }
      if (saved && !resumed) resumed = 'clock';
      simClock = sc;
      // at the deploy time: the clock never goes back, and emissions asked for while the state was
      // being read come next, each at its own time
      show(machine.truth(sc.sim(deployed)));
      if (resumed) node.log(`resumed at simulated ${new Date(sc.sim(deployed)).toISOString()} (${resumed === 'machine' ? 'clock and machine' : 'clock only: the fault or curve changed'})`);
    }
    // With a store the saved state is read first (per-box state: the local store); emissions and
    // inputs that come before it wait for it. A state that cannot be read stops the node.
    const ready: Promise<void> = h
      ? h.local
          .migrate('core', CORE_MIGRATIONS)
          .then(() => getState<SavedSimulator>(h.local, 'simulator', key))
          .then(start)
      : Promise.resolve(start(undefined));
    ready.catch((e) => {
      status.error(node, shortError(e));
      node.error(e instanceof Error ? e.message : String(e));
    });
    if (asset.note) node.warn(asset.note);
    let lastSave = -Infinity;
    let first = true;
    /** The saves in flight, in order (close waits for them before releasing the store). */
    let saving: Promise<void> = Promise.resolve();

    /** Save the state as of real time `now` (the time of the emission or command that asks for it). */
    function save(clean: boolean, now = clock.now()): Promise<void> {
      if (!h || !simClock) return Promise.resolve();
      const snap = machine.snapshot();
      const value: SavedSimulator = { v: 1, simTs: Math.max(simClock.sim(now), snap.lastTs), clean, assetId: opts.assetId, config: configKey, machine: snap };
      lastSave = now;
      const write = saving.then(() => putState(h.local, 'simulator', key, value, now));
      saving = write.catch(() => {
        lastSave = -Infinity; // try again at the next emission
      });
      return write;
    }
    function maybeSave(now: number): void {
      if (h && now - lastSave >= SAVE_EVERY_MS) save(false, now).catch((e) => node.error(`rel-simulator: state not saved: ${e instanceof Error ? e.message : String(e)}`));
    }

    function show(t: Truth): void {
      if (t.fault !== 'none' && !t.held && t.severity >= 1) status.error(node, statusText(t));
      else if (t.severity >= 0.5) status.warn(node, statusText(t));
      else status.ok(node, statusText(t));
    }

    function sendEmission(e: Emission, now: number, send: SendFn, msg?: NodeMessage): void {
      const a = opts.assetId;
      const out1: NodeMessage = msg ?? {};
      delete out1.action;
      out1.topic = `${a}/${e.waveform.channel}`;
      out1.payload = e.waveform;
      const out2 = e.process.map((p) => ({ topic: `${a}/${p.channel}`, payload: p }));
      const out3: NodeMessage[] = e.events.map((ev) => ({ topic: `${a}/${ev.action}`, action: ev.action, payload: ev.payload }));
      // Running since the start of the span this emission's counts cover, so it reaches rel-oee
      // before them (counts on a grid are stamped inside that span, before the frame's time).
      if (first && startEvent) out3.unshift({ topic: `${a}/state`, action: 'state', payload: { asset: a, state: 'running', ts: e.from, simulation: e.truth } });
      first = false;
      send([out1, out2, out3.length ? out3 : null] as Parameters<SendFn>[0]);
      show(e.truth);
      maybeSave(now);
    }

    const emitAt = (now: number) => {
      try {
        sendEmission(machine.emit(simClock!.sim(now)), now, (m) => node.send(m));
      } catch (err) {
        status.error(node, err instanceof Error ? err.message : String(err));
        node.error(err instanceof Error ? err.message : String(err));
      }
    };
    const tick = () => {
      const now = clock.now();
      if (simClock) emitAt(now);
      else ready.then(() => emitAt(now), () => undefined);
    };
    const timer = intervalS > 0 ? clock.setInterval(tick, intervalS * 1000) : undefined;

    return {
      input: async (msg, send) => {
        const action = own(msg, 'action');
        if (action !== undefined && (typeof action !== 'string' || !(ACTIONS as readonly string[]).includes(action))) {
          throw new InputError('msg.action', `one of ${ACTIONS.join(', ')} (or no action to emit a frame)`, action);
        }
        const now = clock.now();
        if (!simClock) await ready;
        const ts = simClock!.sim(now);
        if (action === 'reset') {
          machine.reset(ts);
          show(machine.truth(ts));
          await save(false, now);
          return;
        }
        if (action === 'set') {
          const p = object(msg.payload, 'msg.payload');
          const f = own(p, 'fault');
          const s = own(p, 'severity');
          const h = own(p, 'hours');
          if (f === undefined && s === undefined && h === undefined) throw new InputError('msg.payload', 'an object with fault, severity or hours', p);
          const newFault = f === undefined ? undefined : oneOf(f, 'msg.payload.fault', FAULTS);
          const newSeverity = s === undefined ? undefined : s === null ? null : num(s, 'msg.payload.severity', { min: 0, max: 1 });
          const hours = h === undefined ? undefined : num(h, 'msg.payload.hours', { min: 0, max: 1e6 });
          if (newFault && newFault !== 'none' && !opts.bearing && newFault.startsWith('bearing-')) {
            throw new InputError('msg.payload.fault', `a fault this asset can have (${opts.assetId} has no bearing geometry)`, f);
          }
          machine.set({ fault: newFault, severity: newSeverity });
          if (hours !== undefined) machine.setHours(ts, hours);
          show(machine.truth(ts));
          await save(false, now);
          return;
        }
        sendEmission(machine.emit(ts), now, send, msg);
      },
      close: async () => {
        if (timer !== undefined) clock.clearInterval(timer);
        if (h) {
          try {
            await ready.catch(() => undefined);
            await save(true);
          } finally {
            await saving;
            h.release();
          }
        }
      },
    };
  });
};
