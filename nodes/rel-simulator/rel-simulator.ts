/**
 * rel-simulator: a seeded machine for one asset. Kind `waveform`: on a timer (and on any input
 * without an action) it emits an acceleration waveform (output 1), temperature and motor current
 * (output 2) and production events for rel-takt / rel-oee (output 3). Kind `scalar`: a machine
 * seen only through PLC tags: the poll as one array of readings (output 1, as rel-ingest's array
 * output), one message per tag (output 2), run-bit state changes and part counts (output 3). Each
 * message carries the ground truth in payload.simulation. Glue only: nodes/core/signal/sim-*.ts,
 * simulator.ts and scalar-sim.ts hold the work; see docs/simulator.md.
 */
import { InputError } from '../core/errors';
import { BEARINGS } from '../core/signal/bearing';
import { DEFAULT_MACHINE, isoOrNull } from '../core/signal/simulator';
import { formNum, migrateSimulatorConfig, simulatorSetup, type SimAssetFacts, type SimulatorForm } from '../core/signal/sim-config';
import { SIM_ACTIONS, SimRunner, type SavedSimulator, type SimStatus } from '../core/signal/sim-runner';
import { CORE_MIGRATIONS } from '../core/store';
import { getState, putState } from '../core/state';
import { own } from '../core/validate';
import { findAsset, type AssetConfigNode } from '../shared/assets';
import { getClock } from '../shared/clock';
import { defineNode, guard } from '../shared/node';
import type { NodeDef, NodeMessage, RedApi, RedNode, SendFn } from '../shared/red';
import { shortError, status } from '../shared/status';
import { acquireStore, type AcquiredStore } from '../shared/store';

interface SimulatorDef extends NodeDef, SimulatorForm {
  asset?: string;
  assetId?: string;
  bearing?: string;
  store?: string;
}

/** The asset the simulator runs as: the selected rel-asset, else a deployed one by id, else its own settings. */
function simAsset(RED: RedApi, config: SimulatorDef): SimAssetFacts & { note?: string } {
  const problems: string[] = [];
  const ownRpm = formNum(config.rpm, DEFAULT_MACHINE.rpm, 'rpm', problems);
  if (problems.length) throw new Error(`rel-simulator: ${problems.join('; ')}`);
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

export = function (RED: RedApi) {
  defineNode<SimulatorDef>(RED, 'rel-simulator', (node: RedNode, config) => {
    const clock = getClock(RED);
    const asset = simAsset(RED, config);
    const setup = simulatorSetup(config, asset);
    const h: AcquiredStore | undefined = typeof config.store === 'string' && config.store ? acquireStore(RED, config.store, 'rel-simulator') : undefined;
    const port = h && {
      // per-box state: the local store
      load: () => h.local.migrate('core', CORE_MIGRATIONS).then(() => getState<SavedSimulator>(h.local, 'simulator', node.id)),
      save: (v: SavedSimulator, now: number) => putState(h.local, 'simulator', node.id, v, now),
    };
    const deployed = clock.now();
    const show = (s: SimStatus) => status[s.level](node, s.text);
    const run = new SimRunner(setup, asset.assetId, deployed, port);
    // With a store the saved state is read first; emissions and inputs before it wait for it.
    run.ready.then(
      () =>
        guard(node, () => {
          if (run.restoreProblems.length) node.warn(`rel-simulator: could not resume the machine (${run.restoreProblems.join('; ')}): starting it afresh`);
          show(run.status(deployed));
          const at = run.sim(deployed);
          if (run.resumed) node.log(`resumed at simulated ${isoOrNull(at) ?? `${at} ms`} (${run.resumed === 'machine' ? 'clock and machine' : 'clock only: the machine settings changed'})`);
        }),
      (e) => {
        status.error(node, shortError(e));
        node.error(e instanceof Error ? e.message : String(e));
      },
    );
    if (asset.note) node.warn(asset.note);
    const saveLater = (now: number) => run.maybeSave(now)?.catch((e) => node.error(`rel-simulator: state not saved: ${e instanceof Error ? e.message : String(e)}`));

    function emit(now: number, send: SendFn, msg?: NodeMessage): void {
      send(run.emit(now, msg as Record<string, unknown> | undefined) as Parameters<SendFn>[0]);
      show(run.status(now));
      saveLater(now);
    }
    const emitAt = (now: number) => {
      try {
        emit(now, (m) => node.send(m));
      } catch (err) {
        status.error(node, err instanceof Error ? err.message : String(err));
        node.error(err instanceof Error ? err.message : String(err));
      }
    };
    const tick = () => {
      const now = clock.now();
      if (run.started) emitAt(now);
      else run.ready.then(() => emitAt(now), () => undefined);
    };
    const timer = setup.intervalS > 0 ? clock.setInterval(tick, setup.intervalS * 1000) : undefined;

    return {
      input: async (msg, send) => {
        const action = own(msg, 'action');
        if (action !== undefined && (typeof action !== 'string' || !(SIM_ACTIONS as readonly string[]).includes(action))) {
          throw new InputError('msg.action', `one of ${SIM_ACTIONS.join(', ')} (or no action to emit ${setup.kind === 'scalar' ? 'a poll' : 'a frame'})`, action);
        }
        const now = clock.now();
        if (!run.started) await run.ready;
        if (action === 'reset' || action === 'set') {
          run.command(action, msg.payload, now);
          show(run.status(now));
          await run.save(false, now);
          return;
        }
        emit(now, send, msg);
      },
      close: async () => {
        if (timer !== undefined) clock.clearInterval(timer);
        if (h) {
          try {
            await run.ready.catch(() => undefined);
            await run.save(true, clock.now());
          } finally {
            await run.drain();
            h.release();
          }
        }
      },
    };
  }, { migrate: migrateSimulatorConfig });
};
