/**
 * Crash child of machine-group-commit.spec: a plant of MACHINES machines polled once a "second"
 * (all polls of a tick delivered together, as Node-RED delivers the messages of one PLC read)
 * through the machine monitor over a SQLite file, acknowledging each poll once its promise
 * resolves. The parent SIGKILLs it at random moments; on start it carries on after the last poll
 * the file holds.
 *
 *   node machine-crash-child.js <sqlite file> <ticks>
 *
 * stdout: `ack <asset> <ts>` per acknowledged poll, `done <commits> <polls>` at the end.
 */
import { openStore } from '../../nodes/core/store';
import { DEFAULT_MACHINE, type MachineConfig } from '../../nodes/core/condition/machine';
import { MachineMonitor } from '../../nodes/core/condition/machine-monitor';
import { migrateCondition, recordEvent, recordHistory, type ConditionEvent } from '../../nodes/core/condition/repo';
import { ScalarMachine } from './scalar-machine';

export const MACHINES = 24;
export const T0 = Date.UTC(2026, 0, 5, 6, 0, 0);
/** Learning outlasts the run, so a machine's `seen` counts its stored polls. */
export const CFG: MachineConfig = { ...DEFAULT_MACHINE, machineClass: 'iso10816-3:group2:rigid', learnMode: 'readings', learnReadings: 10_000 };
export const assetOf = (i: number) => `M-${String(i + 1).padStart(2, '0')}`;

async function main(): Promise<void> {
  const [file, ticksArg] = process.argv.slice(2);
  const ticks = Number(ticksArg);
  const h = openStore(file);
  await migrateCondition(h.local);
  const mon = new MachineMonitor(h.local, CFG, {
    event: (q, e) => recordEvent(q, e as ConditionEvent),
    history: (q, asset, channel, metric, ts, value) => recordHistory(q, asset, channel, metric, ts, value, 600_000),
  });
  const last = await h.local.one<{ t: number | null }>('SELECT MAX(updated_at) AS t FROM condition_machines');
  const sims = Array.from({ length: MACHINES }, (_, i) => new ScalarMachine(assetOf(i), i + 1));
  let polls = 0;
  for (let t = last?.t != null ? Number(last.t) + 1000 : T0; t < T0 + ticks * 1000; t += 1000) {
    await Promise.all(
      sims.map((s) =>
        new Promise<void>((r) => setImmediate(r))
          .then(() => mon.poll(s.asset, undefined, s.poll(t, { running: true }), t))
          .then(() => {
            polls++;
            process.stdout.write(`ack ${s.asset} ${t}\n`);
          }),
      ),
    );
  }
  await mon.drain();
  process.stdout.write(`done ${mon.commits} ${polls}\n`);
  h.release();
}

if (require.main === module) {
  main().catch((e) => {
    process.stderr.write(String(e?.stack ?? e));
    process.exit(1);
  });
}
