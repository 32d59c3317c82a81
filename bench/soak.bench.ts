/**
 * Soak: a real Node-RED runtime (node-red-node-test-helper, every node of the package) with a line
 * of machines at accelerated plant time, to see that memory, file descriptors, event-loop delay
 * and the store stay bounded. Per machine every 10 s of plant time: a health reading (64-feature
 * frames are not needed: rms, kurtosis, crest, velocityRms) into rel-health -> rel-rul, a part
 * count into rel-oee; a stop and restart every 2 plant hours; an Andon call raised and resolved
 * every plant hour. The rel-store's housekeeper runs on the same clock (hourly retention passes,
 * disk check every minute, a backup every 6 h). Machine 1 degrades, so rel-rul has a trend.
 * Wall-clock figures (event-loop delay, readings per second) include the time other processes of
 * the machine hold the cores: the load average is printed beside them.
 *
 * Printed per simulated hour: RSS and its slope (MB per plant hour, least squares over the
 * second half so far), the V8 heap in use (after a full GC when node runs with --expose-gc: RSS
 * alone follows the collector's sawtooth), event-loop delay p99, open file descriptors (/proc/self/fd), store size
 * (file + WAL), readings per wall second.
 *
 *   npm run bench -- soak [--hours N] [--machines M] [--minutes W]
 *   default: 24 plant hours, 4 machines, at most 5 minutes of wall time (it stops at whichever
 *   comes first and says so).
 */
import fs from 'fs';
import os from 'os';
import path from 'path';
import { monitorEventLoopDelay } from 'perf_hooks';
import { FakeClock } from '../test/helpers/fake-clock';
import { getNode, helper, loadFlow, unloadFlow } from '../test/helpers/red';

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return def;
  const v = Number(process.argv[i + 1]);
  if (!Number.isFinite(v) || v <= 0) throw new Error(`soak: --${name}: expected a number > 0, got ${JSON.stringify(process.argv[i + 1])}`);
  return v;
}

const STEP_MS = 30_000;
const HOUR = 3_600_000;

/** Least-squares slope of y over x. */
function slope(xs: number[], ys: number[]): number {
  const n = xs.length;
  if (n < 2) return 0;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i]! - mx) * (ys[i]! - my);
    den += (xs[i]! - mx) ** 2;
  }
  return den ? num / den : 0;
}

function sizeOf(file: string): number {
  let b = 0;
  for (const f of [file, `${file}-wal`]) if (fs.existsSync(f)) b += fs.statSync(f).size;
  return b;
}

export async function run(): Promise<void> {
  const hours = arg('hours', 24);
  const machines = Math.round(arg('machines', 4));
  const wallMinutes = arg('minutes', 5);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rel-soak-'));
  const file = path.join(dir, 'reliability.db');
  const t0 = Date.UTC(2026, 11, 7, 0);
  const clock = new FakeClock(t0);
  helper.settings({ reliabilityClock: clock, reliabilityStorage: { backup: { dir: path.join(dir, 'backups'), everyHours: 6, keep: 2 } } });
  const ids = Array.from({ length: machines }, (_, m) => `m${String(m + 1).padStart(2, '0')}`);
  await loadFlow([
    { id: 'tab1', type: 'tab', label: 'soak' },
    { id: 's', type: 'rel-store', version: 3, file },
    ...ids.map((a) => ({ id: `a-${a}`, type: 'rel-asset', assetId: a, name: a, line: 'line-1', criticality: 3, machineClass: 'iso10816-3:group2:rigid', rpm: 1480, bearing: '6205-2RS', store: 's' })),
    { id: 'health', type: 'rel-health', z: 'tab1', store: 's', learnMode: 'frames', learnFrames: 100, wires: [['rul'], []] },
    { id: 'rul', type: 'rel-rul', z: 'tab1', store: 's', indicator: 'health', threshold: 10, wires: [[]] },
    { id: 'oee', type: 'rel-oee', z: 'tab1', store: 's', shifts: 'early=06:00-14:00, late=14:00-22:00, night=22:00-06:00', utcOffset: '0', idealCycleS: 8, wires: [[]] },
    { id: 'andon', type: 'rel-andon', z: 'tab1', store: 's', wires: [[], [], []] },
  ]);
  const { hooks } = require('@node-red/util');
  let completed = 0;
  let failed = 0;
  const fed = new Set(['health', 'oee', 'andon']);
  hooks.add('onComplete.soak', (evt: any) => {
    if (!fed.has(evt.node.id)) return;
    completed++;
    if (evt.error) {
      failed++;
      if (failed <= 3) console.error(`  ${evt.node.id}: ${evt.error.message ?? evt.error}`);
    }
  });
  const nodes = { health: getNode('health'), oee: getNode('oee'), andon: getNode('andon') };
  let sent = 0;
  const send = (id: keyof typeof nodes, msg: object) => {
    sent++;
    nodes[id].receive(msg);
  };
  const settle = async () => {
    while (completed < sent) await new Promise((r) => setImmediate(r));
  };

  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const wallStart = Date.now();
  const xs: number[] = [];
  const rss: number[] = [];
  const heap: number[] = [];
  /** Warnings and errors of the runtime log. */
  const problems: string[] = [];
  console.log(`  ${machines} machines, a reading and a count per machine every ${STEP_MS / 1000} s of plant time; up to ${hours} plant hours or ${wallMinutes} min of wall time`);
  console.log('  plant h  RSS MB  slope MB/h  heap MB  loop p99 ms  fds  store MB  msgs/s  load');
  let step = 0;
  let raised = 0;
  let hourWall = Date.now();
  let hourSent = 0;
  let stoppedBy = 'plant hours';
  const fds0 = fs.readdirSync('/proc/self/fd').length;
  for (let h = 1; h <= hours; h++) {
    for (let k = 0; k < HOUR / STEP_MS; k++) {
      step++;
      clock.advance(STEP_MS);
      const tH = (step * STEP_MS) / HOUR;
      for (let m = 0; m < machines; m++) {
        const a = ids[m]!;
        // machine 1 degrades slowly after the first plant hours; the others wander around their baseline
        const wear = m === 0 ? Math.max(0, tH - 4) * 0.04 : 0;
        const n = Math.sin(step * 1.7 + m) * 0.02;
        send('health', { payload: { asset: a, features: { rms: 1 + n + wear, kurtosis: 3 + n * 5 + wear * 2, crest: 3.2 + n, velocityRms: 1.8 + n + wear } } });
        send('oee', { action: 'count', payload: { asset: a, good: step % 50 === 0 ? 0 : 1, total: 1 } });
      }
      // every 2 plant hours a stop of 10 minutes on one machine; every hour an Andon call, resolved 20 minutes later
      const perHour = HOUR / STEP_MS;
      if (step % (2 * perHour) === 1) send('oee', { action: 'state', payload: { asset: ids[step % machines]!, state: 'stopped', reason: 'jam' } });
      if (step % (2 * perHour) === 1 + perHour / 6) send('oee', { action: 'state', payload: { asset: ids[(step - perHour / 6) % machines]!, state: 'running' } });
      if (step % perHour === 1) {
        raised++;
        send('andon', { action: 'raise', payload: { station: ids[step % machines]!, kind: 'quality', text: 'scrap above limit' } });
      }
      if (step % perHour === 1 + perHour / 6) send('andon', { action: 'ack', payload: { id: raised, by: 'op' } });
      if (step % perHour === 1 + perHour / 3) send('andon', { action: 'resolve', payload: { id: raised, by: 'op' } });
      await settle();
    }
    // the test helper spies on the runtime log and on every node's send/status/log (its sandbox keeps
    // every call with its arguments, messages included): emptied every hour, so what is measured is
    // the runtime and the nodes, not the harness
    for (const a of helper.log().args) {
      const e = a[0];
      if (e && e.id && typeof e.level === 'number' && e.level <= 30) problems.push(`${e.level === 20 ? 'error' : 'warn'} [${e.type}:${e.id}] ${e.msg}`);
    }
    (helper._sandbox ?? helper.log()).resetHistory();
    (globalThis as { gc?: () => void }).gc?.();
    const mu = process.memoryUsage();
    const mem = mu.rss / 1024 ** 2;
    heap.push(mu.heapUsed / 1024 ** 2);
    xs.push(h);
    rss.push(mem);
    const half = Math.floor(xs.length / 2);
    const s = slope(xs.slice(half), rss.slice(half));
    const fds = fs.readdirSync('/proc/self/fd').length;
    const p99 = loop.percentile(99) / 1e6;
    loop.reset();
    const now = Date.now();
    const rate = ((sent - hourSent) / (now - hourWall)) * 1000;
    hourWall = now;
    hourSent = sent;
    console.log(
      `  ${String(h).padStart(7)}  ${mem.toFixed(1).padStart(6)}  ${(xs.length >= 4 ? s.toFixed(2) : '-').padStart(10)}  ${heap[heap.length - 1]!.toFixed(1).padStart(7)}  ${p99.toFixed(1).padStart(11)}  ${String(fds).padStart(3)}  ${(sizeOf(file) / 1024 ** 2).toFixed(2).padStart(8)}  ${rate.toFixed(0).padStart(6)}  ${os.loadavg()[0].toFixed(1).padStart(4)}`,
    );
    if ((now - wallStart) / 60_000 >= wallMinutes && h < hours) {
      stoppedBy = `the wall-time limit (${wallMinutes} min)`;
      break;
    }
  }
  loop.disable();
  hooks.remove('onComplete.soak');
  const half = Math.floor(xs.length / 2);
  const fdsEnd = fs.readdirSync('/proc/self/fd').length;
  const backups = fs.existsSync(path.join(dir, 'backups')) ? fs.readdirSync(path.join(dir, 'backups')) : [];
  console.log(
    `  ${xs.length} plant hours in ${((Date.now() - wallStart) / 1000).toFixed(0)} s (stopped by ${stoppedBy}); ${sent.toLocaleString('en-US')} messages, ${failed} failed; ` +
      `RSS ${rss[0]?.toFixed(1)} -> ${rss[rss.length - 1]?.toFixed(1)} MB (max ${Math.max(...rss).toFixed(1)}), heap ${heap[0]?.toFixed(1)} -> ${heap[heap.length - 1]?.toFixed(1)} MB (slope over the second half ${xs.length >= 4 ? slope(xs.slice(half), heap.slice(half)).toFixed(2) : '-'} MB/h), slope over the second half ${xs.length >= 4 ? `${slope(xs.slice(half), rss.slice(half)).toFixed(2)} MB per plant hour` : '- (fewer than 4 hours)'}; ` +
      `fds ${fds0} -> ${fdsEnd}; store ${(sizeOf(file) / 1024 ** 2).toFixed(2)} MB; backups folder: ${backups.join(', ') || 'empty'}; ${problems.length} warnings/errors in the log${problems.length ? `: ${problems.slice(0, 5).join(' | ')}` : ''}`,
  );
  await unloadFlow();
  helper.settings({});
  fs.rmSync(dir, { recursive: true, force: true });
}
