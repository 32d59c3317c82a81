/**
 * Reliability KPIs from the work-order records (domain.md):
 *   MTBF = operating time / number of failures
 *   MTTR = total repair time / number of repairs
 *   inherent availability Ai = MTBF / (MTBF + MTTR)
 * plus the unplanned-downtime share of scheduled time, PM compliance, and the readiness
 * benchmarks a plant should reach before cutting buffers (unplanned downtime < 3 % of scheduled
 * time; MTTR down 30 %). Pure functions plus the queries they need (KpiQueries-style functions
 * taking a Store or a transaction's Query): no Node-RED.
 */
import type { Query } from '../store/types';

const H = 3_600_000;

/** MTBF in hours; null when there was no failure. Example: 720 h / 3 failures = 240 h. */
export function mtbf(operatingH: number, failures: number): number | null {
  return failures > 0 ? operatingH / failures : null;
}

/** MTTR in hours; null when nothing was repaired. Example: 12 h / 3 repairs = 4 h. */
export function mttr(repairH: number, repairs: number): number | null {
  return repairs > 0 ? repairH / repairs : null;
}

/** Ai = MTBF / (MTBF + MTTR). Example: 240 / (240 + 4) = 0.98361. No failure: 1. */
export function inherentAvailability(mtbfH: number | null, mttrH: number | null): number {
  if (mtbfH === null) return 1;
  return mtbfH / (mtbfH + (mttrH ?? 0));
}

export interface KpiOptions {
  from: number;
  to: number;
  /** Scheduled production hours per calendar day (24 = round the clock). */
  hoursPerDay?: number;
  /** Unplanned downtime limit as a share of scheduled time (readiness benchmark). */
  downtimeLimit?: number;
  /** Required MTTR reduction against the baseline (0.3 = down 30 %). */
  mttrReduction?: number;
  /** Baseline MTTR in hours; default: the MTTR of the window of the same length just before. */
  baselineMttrH?: number;
  /** A PM work order done within this many hours after its due time counts as on time. */
  pmGraceH?: number;
}

export interface Benchmark {
  name: string;
  pass: boolean | null;
  value: number | null;
  limit: number;
  text: string;
}

export interface Kpi {
  scope: 'asset' | 'line';
  asset?: string;
  line?: string;
  assets: string[];
  from: string;
  to: string;
  scheduledH: number;
  operatingH: number;
  failures: number;
  repairH: number;
  mtbfH: number | null;
  mttrH: number | null;
  availability: number;
  unplannedDowntimeH: number;
  plannedDowntimeH: number;
  unplannedShare: number;
  pmDue: number;
  pmOnTime: number;
  pmCompliance: number | null;
  baselineMttrH: number | null;
  mttrChange: number | null;
  benchmarks: Benchmark[];
}

export interface KpiRow {
  asset: string;
  source: string;
  failure: number;
  repair_min: number | null;
  downtime_min: number | null;
  done_at: number | null;
  due_at: number | null;
}

const COLS = 'asset, source, failure, repair_min, downtime_min, done_at, due_at';

function rowsOf(rows: KpiRow[]): KpiRow[] {
  for (const r of rows) {
    r.failure = Number(r.failure);
    r.done_at = r.done_at === null ? null : Number(r.done_at);
    r.due_at = r.due_at === null ? null : Number(r.due_at);
  }
  return rows;
}

async function windowRows(q: Query, scope: { asset?: string; line?: string }, from: number, to: number): Promise<KpiRow[]> {
  if (scope.asset !== undefined) return rowsOf(await q.all<KpiRow>(`SELECT ${COLS} FROM cmms_work_orders WHERE asset = ? AND done_at >= ? AND done_at < ?`, [scope.asset, from, to]));
  return rowsOf(await q.all<KpiRow>(`SELECT ${COLS} FROM cmms_work_orders WHERE line = ? AND done_at >= ? AND done_at < ?`, [scope.line ?? '', from, to]));
}

async function pmRows(q: Query, scope: { asset?: string; line?: string }, from: number, to: number): Promise<KpiRow[]> {
  if (scope.asset !== undefined) return rowsOf(await q.all<KpiRow>(`SELECT ${COLS} FROM cmms_work_orders WHERE asset = ? AND source = 'pm' AND due_at >= ? AND due_at < ? AND status <> 'cancelled'`, [scope.asset, from, to]));
  return rowsOf(await q.all<KpiRow>(`SELECT ${COLS} FROM cmms_work_orders WHERE line = ? AND source = 'pm' AND due_at >= ? AND due_at < ? AND status <> 'cancelled'`, [scope.line ?? '', from, to]));
}

/** Assets of a line: those in the asset register and those with work orders on the line. */
export async function lineAssets(q: Query, line: string): Promise<string[]> {
  const set = new Set<string>();
  for (const r of await q.all<{ asset_id: string }>('SELECT asset_id FROM assets WHERE line = ?', [line])) set.add(r.asset_id);
  for (const r of await q.all<{ asset: string }>('SELECT DISTINCT asset FROM cmms_work_orders WHERE line = ?', [line])) set.add(r.asset);
  return [...set].sort();
}

/** The assets and lines with work orders done in [from, to) (the report of all). */
export async function kpiScopes(q: Query, from: number, to: number): Promise<{ assets: string[]; lines: string[] }> {
  const assets = (await q.all<{ asset: string }>('SELECT DISTINCT asset FROM cmms_work_orders WHERE done_at >= ? AND done_at < ? ORDER BY asset', [from, to])).map((r) => r.asset);
  const lines = (await q.all<{ line: string }>("SELECT DISTINCT line FROM cmms_work_orders WHERE done_at >= ? AND done_at < ? AND line <> '' ORDER BY line", [from, to])).map((r) => r.line);
  return { assets, lines };
}

/** KPIs of every asset and line with work orders done in the window. */
export async function computeKpiAll(q: Query, o: KpiOptions): Promise<{ assets: Kpi[]; lines: Kpi[] }> {
  const s = await kpiScopes(q, o.from, o.to);
  const assets: Kpi[] = [];
  for (const a of s.assets) assets.push(await computeKpi(q, { asset: a }, o));
  const lines: Kpi[] = [];
  for (const l of s.lines) lines.push(await computeKpi(q, { line: l }, o));
  return { assets, lines };
}

function repairStats(rows: KpiRow[]): { failures: number; repairH: number } {
  let failures = 0;
  let repairMin = 0;
  for (const r of rows)
    if (r.failure === 1) {
      failures++;
      repairMin += r.repair_min ?? 0;
    }
  return { failures, repairH: repairMin / 60 };
}

/** KPIs for one asset or one line over [from, to). */
export async function computeKpi(q: Query, scope: { asset?: string; line?: string }, o: KpiOptions): Promise<Kpi> {
  const assets = scope.asset !== undefined ? [scope.asset] : await lineAssets(q, scope.line ?? '');
  const rows = await windowRows(q, scope, o.from, o.to);
  const pm = await pmRows(q, scope, o.from, o.to);
  const prev = o.baselineMttrH === undefined ? await windowRows(q, scope, o.from - (o.to - o.from), o.from) : [];
  return kpiOf(scope, assets, rows, pm, prev, o);
}

/** The KPIs from the rows (pure): `prev` is the window before, for the baseline MTTR when none is given. */
export function kpiOf(scope: { asset?: string; line?: string }, assets: string[], rows: KpiRow[], pm: KpiRow[], prev: KpiRow[], o: KpiOptions): Kpi {
  const hoursPerDay = o.hoursPerDay ?? 24;
  const limit = o.downtimeLimit ?? 0.03;
  const reduction = o.mttrReduction ?? 0.3;
  const grace = (o.pmGraceH ?? 24) * H;
  const scheduledH = (((o.to - o.from) / H) * hoursPerDay) / 24 * Math.max(1, assets.length);
  let unplannedMin = 0;
  let plannedMin = 0;
  for (const r of rows) {
    if (r.source === 'pm') plannedMin += r.downtime_min ?? 0;
    else unplannedMin += r.downtime_min ?? 0;
  }
  const { failures, repairH } = repairStats(rows);
  const operatingH = Math.max(0, scheduledH - (unplannedMin + plannedMin) / 60);
  const mtbfH = mtbf(operatingH, failures);
  const mttrH = mttr(repairH, failures);
  const pmOnTime = pm.filter((r) => r.done_at !== null && r.due_at !== null && r.done_at <= r.due_at + grace).length;
  let baseline = o.baselineMttrH ?? null;
  if (baseline === null) {
    const p = repairStats(prev);
    baseline = mttr(p.repairH, p.failures);
  }
  const mttrChange = baseline !== null && baseline > 0 && mttrH !== null ? (mttrH - baseline) / baseline : null;
  const unplannedShare = scheduledH > 0 ? unplannedMin / 60 / scheduledH : 0;
  const pct = (x: number) => `${(x * 100).toFixed(2)} %`;
  const benchmarks: Benchmark[] = [
    {
      name: 'unplanned downtime',
      pass: unplannedShare < limit,
      value: unplannedShare,
      limit,
      text: `unplanned downtime ${pct(unplannedShare)} of scheduled time (${(unplannedMin / 60).toFixed(2)} of ${scheduledH.toFixed(1)} h), limit < ${pct(limit)}`,
    },
    {
      name: 'MTTR trend',
      pass: mttrChange === null ? null : mttrChange <= -reduction,
      value: mttrChange,
      limit: -reduction,
      text:
        mttrChange === null
          ? `MTTR trend unknown (MTTR ${mttrH === null ? 'n/a' : `${mttrH.toFixed(2)} h`}, baseline ${baseline === null ? 'n/a' : `${baseline.toFixed(2)} h`})`
          : `MTTR ${mttrH!.toFixed(2)} h vs baseline ${baseline!.toFixed(2)} h: ${mttrChange <= 0 ? 'down' : 'up'} ${pct(Math.abs(mttrChange))}, target down ${pct(reduction)}`,
    },
  ];
  return {
    scope: scope.asset !== undefined ? 'asset' : 'line',
    ...(scope.asset !== undefined ? { asset: scope.asset } : { line: scope.line }),
    assets,
    from: new Date(o.from).toISOString(),
    to: new Date(o.to).toISOString(),
    scheduledH,
    operatingH,
    failures,
    repairH,
    mtbfH,
    mttrH,
    availability: inherentAvailability(mtbfH, mttrH),
    unplannedDowntimeH: unplannedMin / 60,
    plannedDowntimeH: plannedMin / 60,
    unplannedShare,
    pmDue: pm.length,
    pmOnTime,
    pmCompliance: pm.length ? pmOnTime / pm.length : null,
    baselineMttrH: baseline,
    mttrChange,
    benchmarks,
  };
}
