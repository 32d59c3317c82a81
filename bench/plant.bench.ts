/**
 * Plant scale on one box: N registered machines, each with 5 scalar channels polled every second
 * (one Modbus read per PLC of 8 machines, decoded by the register), and a quarter of them with a
 * 16,384-sample vibration frame every 10 s (25.6 kHz, analysed as rel-vibration does; its velocity
 * RMS joins the machine's next poll), through the same core code as the nodes: register decode
 * (rel-ingest) -> vibration analysis (rel-vibration) -> machine health with its SQLite state, events
 * and history (rel-health machine mode) -> work orders on state changes (rel-work-order detect) ->
 * a dashboard-like consumer (the plant page's rows, serialised once a second). Real time, not
 * accelerated: each scenario runs PLANT_BENCH_S seconds (60). After learning (20 polls) machines are
 * driven into ISO zone D one after the other; the time from the poll's sensor values to the
 * committed work order is the sensor-to-work-order latency. Messages travel as Node-RED delivers
 * them: each frame, PLC read, machine poll and work-order detection in an event-loop turn of its
 * own (setImmediate), and no handler waits for the previous message's handler to finish.
 *
 *   npm run bench -- plant        PLANT_BENCH_S=60  PLANT_BENCH_N=50,200
 *
 * Printed per scenario: CPU share of one core (process.cpuUsage over the wall time), RSS (peak),
 * event-loop delay p99 (perf_hooks.monitorEventLoopDelay over the whole run, learning included),
 * sensor-to-work-order latency, store growth per day (history rows a day at the bytes per row
 * measured in the file; events and work orders come with state changes and are counted, not
 * extrapolated), and where each second's time went (ingest, vibration with its longest frame, the
 * health commits - count, time, longest - and a poll's time from delivery to its commit, work
 * orders, page).
 */
import fs from 'fs';
import os from 'os';
import path from 'path';
import { monitorEventLoopDelay, performance } from 'perf_hooks';
import Database from 'better-sqlite3';
import { outputMessages, RegisteredMachines, type Reading } from '../nodes/core/ingest';
import { patternMachinesOf, RegisterIndex, type MachineType, type RegisteredAsset } from '../nodes/core/register';
import { machineConfig, machineEvidence } from '../nodes/core/condition/machine-config';
import { MACHINE_CHANNEL, MachineMonitor } from '../nodes/core/condition/machine-monitor';
import { migrateCondition, recordEvent, recordHistory, type ConditionEvent } from '../nodes/core/condition/repo';
import { analyzeVibration } from '../nodes/core/signal/vibration';
import { BEARINGS, bearingMultiples } from '../nodes/core/signal/bearing';
import { migrateCmms, WorkOrderRepo } from '../nodes/core/cmms';
import { migrateCoreAsync, openStore } from '../nodes/core/store';
import type { Query, Store } from '../nodes/core/store/types';

const PER_PLC = 8;
const SPAN = 8; // registers per machine: run, count (2), DE-vel, motor-temp, current, 2 spare
const FS = 25_600;
const FRAME = 16_384;
const LEARN = 20;

const TYPE: MachineType = {
  name: 'pump-skid',
  registers: [
    { channel: 'run', register: 0, type: 'uint16', wordOrder: 'BE', byteOrder: 'BE', scale: 1, offset: 0, quantity: 'state' },
    { channel: 'count', register: 1, type: 'uint32', wordOrder: 'BE', byteOrder: 'BE', scale: 1, offset: 0, quantity: 'count' },
    { channel: 'DE-vel', register: 3, type: 'uint16', wordOrder: 'BE', byteOrder: 'BE', scale: 0.01, offset: 0, quantity: 'velocity', unit: 'mm/s' },
    { channel: 'motor-temp', register: 4, type: 'int16', wordOrder: 'BE', byteOrder: 'BE', scale: 0.1, offset: 0, quantity: 'temperature', unit: 'degC' },
    { channel: 'current', register: 5, type: 'uint16', wordOrder: 'BE', byteOrder: 'BE', scale: 0.1, offset: 0, quantity: 'current', unit: 'A' },
  ],
  channels: [{ channel: 'run', role: 'running' }, { channel: 'count', role: 'counter' }],
};

function machine(i: number): RegisteredAsset {
  return {
    asset: `M-${String(i + 1).padStart(3, '0')}`, name: `Pump ${i + 1}`, site: 'Plant A', area: '', line: `line-${1 + (i % 5)}`, criticality: 1 + (i % 5),
    machineClass: 'iso10816-3:group2:rigid', rpm: 1480, bearing: '6205-2RS', balls: null, ballDiameter: null, pitchDiameter: null, contactAngle: null,
    machineType: 'pump-skid', plcHost: `10.0.${Math.floor(i / PER_PLC)}.10`, plcPort: 502, unitId: 1, baseAddress: SPAN * (i % PER_PLC), notes: '', channels: [],
  };
}

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Accelerometer frames (g): 1X, a bearing tone, noise; a few made once and reused (generation is the sensor's cost). */
function frames(n: number): Float64Array[] {
  const r = rng(11);
  return Array.from({ length: n }, (_, k) => {
    const x = new Float64Array(FRAME);
    for (let i = 0; i < FRAME; i++) {
      const t = i / FS;
      x[i] = 0.05 * Math.sin(2 * Math.PI * 24.67 * t) + 0.01 * Math.sin(2 * Math.PI * (89.2 + k) * t) + 0.02 * (r() - 0.5);
    }
    return x;
  });
}

/** The store with its transactions timed (count, total and longest wall time). */
function timedTx(s: Store, acc: { n: number; ms: number; max: number }): Store {
  return new Proxy(s, {
    get(target, key) {
      if (key === 'tx') {
        return async <T>(fn: (q: Query) => Promise<T>): Promise<T> => {
          const t = performance.now();
          try {
            return await target.tx(fn);
          } finally {
            const dt = performance.now() - t;
            acc.n++;
            acc.ms += dt;
            acc.max = Math.max(acc.max, dt);
          }
        };
      }
      const v = Reflect.get(target, key, target) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

const pct = (xs: number[], p: number) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] : NaN);

interface Result {
  machines: number;
  vib: number;
  seconds: number;
  cpu: number;
  rssMb: number;
  loopP99: number;
  loopMax: number;
  latP50: number;
  latMax: number;
  orders: number;
  driven: number;
  growthMbDay: number;
  ticksLate: number;
}

async function scenario(n: number, seconds: number): Promise<Result> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rel-plant-bench-'));
  const file = path.join(dir, 'plant.db');
  const h = openStore(file);
  await migrateCoreAsync(h.db);
  await migrateCmms(h.db);
  await migrateCondition(h.local);
  const assets = Array.from({ length: n }, (_, i) => machine(i));
  const index = new RegisterIndex();
  index.replace(assets, [TYPE]);
  const rm = new RegisteredMachines(() => ({ version: index.version, machinesOn: (hh, p, u) => index.machinesOn(hh, p, u), byPattern: (k) => patternMachinesOf(index, k) }));
  const plcs = Math.ceil(n / PER_PLC);
  const mem = Array.from({ length: plcs }, () => new Array<number>(PER_PLC * SPAN).fill(0));
  const commits = { n: 0, ms: 0, max: 0 };
  const mon = new MachineMonitor(timedTx(h.local, commits), machineConfig({ learnMode: 'frames', learnFrames: LEARN, startupMinutes: 0 }), {
    event: (q, e) => recordEvent(q, e as ConditionEvent),
    history: (q, asset, channel, metric, ts, value) => recordHistory(q, asset, channel, metric, ts, value, 10 * 60_000),
  });
  const wo = new WorkOrderRepo(h.db);
  const vibCount = Math.round(n / 4);
  const vib = frames(8);
  const bearing = bearingMultiples(BEARINGS['6205-2RS']);
  const pendingVib = new Map<string, Reading>();
  const board = new Map<string, { state: string; score: number | null; wo?: number; values: Record<string, number | undefined> }>();
  const r = rng(n);
  const latencies: number[] = [];
  const driveAt = new Map<number, number>(); // machine index -> second it goes to zone D
  const drivenCount = Math.min(10, Math.max(2, Math.floor((seconds - LEARN - 15) / 2)));
  const spent = { vib: 0, wo: 0, ingest: 0, board: 0 };
  const pollMs: number[] = []; // a poll from its delivery to its commit (what the node waits before send)
  let vibMax = 0;
  for (let j = 0; j < drivenCount; j++) driveAt.set((j * 37) % n, LEARN + 5 + j * 2);
  let openOrders = 0;
  let ticksLate = 0;
  let sizeAtLearned = 0;
  let tLearned = 0;
  let rssPeak = 0;
  let boardBytes = 0;

  const loop = monitorEventLoopDelay({ resolution: 10 });
  const cpu0 = process.cpuUsage();
  const t0 = Date.now();
  loop.enable();
  let busy = false;
  let second = 0;
  const size = () => [file, `${file}-wal`].reduce((s, f) => s + (fs.existsSync(f) ? fs.statSync(f).size : 0), 0);

  // Node-RED delivers every message in its own setImmediate and does not wait for an async
  // handler before the next message: the bench does the same (a frame, a PLC read, a poll, a work
  // order each in a turn of its own), so the event loop sees the work as a flow would give it.
  const turn = () => new Promise<void>((res) => setImmediate(res));

  const health = async (o: { topic?: string; payload?: unknown }, sensorAt: number) => {
    const list = o.payload as Reading[];
    const a = index.get(o.topic as string) as RegisteredAsset;
    const th = performance.now();
    const res = await mon.poll(a.asset, a.machineClass, list, sensorAt);
    pollMs.push(performance.now() - th);
    const hh = res.health;
    const row = board.get(a.asset) ?? { state: '', score: null, values: {} };
    row.state = hh.state;
    row.score = hh.score;
    for (const x of list) row.values[x.channel] = x.value;
    board.set(a.asset, row);
    if (res.announce && (res.announce.to === 'warning' || res.announce.to === 'alarm')) {
      await turn(); // the change message travels to rel-work-order
      const tw = performance.now();
      const d = await wo.detect({ asset: a.asset, line: a.line, criticality: a.criticality, mode: 'machine-health', severity: res.announce.to, evidence: machineEvidence(hh, res.announce.from, res.announce.to), ts: sensorAt });
      spent.wo += performance.now() - tw;
      latencies.push(Date.now() - sensorAt);
      row.wo = d.workOrder.id;
      if (d.created) openOrders++;
    }
  };

  const tick = async () => {
    const s = second++;
    const sensorAt = Date.now();
    // The PLCs' registers at this second.
    for (let i = 0; i < n; i++) {
      const w = mem[Math.floor(i / PER_PLC)];
      const b = SPAN * (i % PER_PLC);
      const driven = driveAt.has(i) && s >= (driveAt.get(i) as number);
      const count = 1000 * i + s;
      w[b] = 1;
      w[b + 1] = count >>> 16;
      w[b + 2] = count & 0xffff;
      w[b + 3] = Math.round((driven ? 12 : 1.6 + 0.1 * (r() - 0.5)) * 100);
      w[b + 4] = Math.round((55 + (r() - 0.5)) * 10);
      w[b + 5] = Math.round((12 + 0.3 * (r() - 0.5)) * 10);
    }
    // Vibration frames: machine j of the vibration group every 10 s, staggered over the 10 s; one message each.
    for (let j = s % 10; j < vibCount; j += 10) {
      await turn();
      const a = assets[j];
      const tv = performance.now();
      const f = analyzeVibration(vib[(j + s) % vib.length], { fs: FS, unit: 'g', rpm: 1480, bearing, machineClass: a.machineClass });
      const dt = performance.now() - tv;
      spent.vib += dt;
      vibMax = Math.max(vibMax, dt);
      pendingVib.set(a.asset, { asset: a.asset, channel: 'DE-vrms', ts: sensorAt, quantity: 'velocity', unit: 'mm/s', value: f.velocityRms, quality: 'good', source: 'modbus' });
    }
    // One read per PLC -> readings of its machines -> one message (poll) per machine.
    const work: Promise<void>[] = [];
    for (let p = 0; p < plcs; p++) {
      await turn();
      const ti = performance.now();
      const readings = rm.modbus({ payload: mem[p], input: { payload: { address: 0, unitid: 1 } } }, { host: `10.0.${p}.10`, port: 502, start: 0 }, sensorAt);
      const outs = outputMessages(readings, 'array', true);
      for (const o of outs) {
        const v = pendingVib.get(o.topic as string);
        if (v) {
          (o.payload as Reading[]).push(v);
          pendingVib.delete(o.topic as string);
        }
      }
      spent.ingest += performance.now() - ti;
      for (const o of outs) work.push(turn().then(() => health(o, sensorAt)));
    }
    await Promise.all(work);
    // The dashboard-like consumer: the page's rows once a second.
    await turn();
    const tb = performance.now();
    boardBytes = JSON.stringify([...board].map(([asset, x]) => ({ asset, ...x }))).length;
    spent.board += performance.now() - tb;
    if (s === LEARN + 5) {
      sizeAtLearned = size();
      tLearned = Date.now();
    }
    rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
  };

  await new Promise<void>((resolve, reject) => {
    const timer = setInterval(() => {
      if (Date.now() - t0 >= seconds * 1000) {
        clearInterval(timer);
        const wait = setInterval(() => {
          if (!busy) {
            clearInterval(wait);
            resolve();
          }
        }, 20);
        return;
      }
      if (busy) {
        ticksLate++;
        return;
      }
      busy = true;
      tick().then(() => (busy = false), (e) => {
        clearInterval(timer);
        reject(e);
      });
    }, 1000);
  });
  await mon.drain();
  loop.disable();
  const wall = Date.now() - t0;
  const c = process.cpuUsage(cpu0);
  h.release();
  // Store growth per day: the history rows rel-health keeps (2 metrics per machine per 10-minute
  // bucket, 144 buckets a day) at the bytes per row measured in this file (dbstat). State events
  // and work orders come with state changes only (printed as counted in the run, not extrapolated).
  const raw = new Database(file, { readonly: true });
  const rows = Number((raw.prepare('SELECT COUNT(*) AS n FROM condition_history').get() as { n: number }).n);
  const pages = Number((raw.prepare("SELECT COALESCE(SUM(pgsize), 0) AS b FROM dbstat WHERE name LIKE 'condition_history%' OR name LIKE 'sqlite_autoindex_condition_history%'").get() as { b: number }).b);
  const evRows = Number((raw.prepare('SELECT COUNT(*) AS n FROM condition_events').get() as { n: number }).n);
  raw.close();
  const growth = n * 2 * 144 * (rows ? pages / rows : 0);
  console.log(`  ${n} machines: history ${rows} rows, ${(rows ? pages / rows : 0).toFixed(0)} B/row with its index -> ${(growth / 1048576).toFixed(1)} MB/day; ${evRows} state events in the run; time spent per second: ingest ${(spent.ingest / (wall / 1000)).toFixed(1)} ms, vibration ${(spent.vib / (wall / 1000)).toFixed(1)} ms (longest frame ${vibMax.toFixed(1)} ms), health commits ${(commits.n / (wall / 1000)).toFixed(1)}/s (group commit, synchronous=FULL) taking ${(commits.ms / (wall / 1000)).toFixed(1)} ms (longest ${commits.max.toFixed(0)} ms), poll to commit p50 ${pct(pollMs, 50).toFixed(0)} ms max ${Math.max(0, ...pollMs).toFixed(0)} ms, work orders ${(spent.wo / (wall / 1000)).toFixed(1)} ms, page ${(spent.board / (wall / 1000)).toFixed(1)} ms`);
  void sizeAtLearned;
  void tLearned;
  fs.rmSync(dir, { recursive: true, force: true });
  void boardBytes;
  void MACHINE_CHANNEL;
  return {
    machines: n, vib: vibCount, seconds: wall / 1000,
    cpu: ((c.user + c.system) / 1000 / wall) * 100,
    rssMb: rssPeak / 1048576,
    loopP99: loop.percentile(99) / 1e6,
    loopMax: loop.max / 1e6,
    latP50: pct(latencies, 50), latMax: latencies.length ? Math.max(...latencies) : NaN,
    orders: openOrders, driven: drivenCount,
    growthMbDay: growth / 1048576,
    ticksLate,
  };
}

export async function run(): Promise<void> {
  const seconds = Number(process.env.PLANT_BENCH_S ?? 60);
  const sizes = (process.env.PLANT_BENCH_N ?? '50,200').split(',').map(Number);
  console.log(`plant: real time, ${seconds} s per scenario; 5 scalar channels per machine polled every 1 s (one read per PLC of ${PER_PLC}); a quarter of the machines with a ${FRAME}-sample frame at ${FS} Hz every 10 s; learning ${LEARN} polls, then machines driven to zone D one by one`);
  console.log(`load average at start: ${os.loadavg().map((x) => x.toFixed(1)).join(' ')} (${os.cpus().length} cores, shared)`);
  const out: Result[] = [];
  for (const n of sizes) {
    const r = await scenario(n, seconds);
    out.push(r);
    console.log(
      `${String(r.machines).padStart(4)} machines (${r.vib} with vibration): CPU ${r.cpu.toFixed(1)} % of one core, RSS peak ${r.rssMb.toFixed(0)} MB, ` +
        `event-loop delay p99 ${r.loopP99.toFixed(1)} ms (max ${r.loopMax.toFixed(0)} ms), sensor-to-work-order p50 ${r.latP50} ms max ${r.latMax} ms ` +
        `(${r.orders} work orders for ${r.driven} machines driven to zone D), store growth ${r.growthMbDay.toFixed(0)} MB/day, late ticks ${r.ticksLate}`,
    );
  }
  if (out.length >= 2) {
    const [a, b] = [out[0], out[out.length - 1]];
    const per = (k: 'cpu' | 'rssMb' | 'growthMbDay') => (b[k] - a[k]) / (b.machines - a.machines);
    console.log(`per added machine (${a.machines} -> ${b.machines}): CPU ${per('cpu').toFixed(3)} % of a core, RSS ${per('rssMb').toFixed(2)} MB, store ${per('growthMbDay').toFixed(2)} MB/day`);
  }
}
