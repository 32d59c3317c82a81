/**
 * rel-kpi: reliability KPIs per asset and per line over a window, from the work orders in the
 * store: MTBF, MTTR, inherent availability, unplanned downtime share of scheduled time, PM
 * compliance, and the readiness benchmarks (unplanned downtime < 3 %, MTTR trend) as pass/fail
 * with the numbers. Optional last output (config `dashboard`): the figures of one asset or line as
 * numbers (ui-gauge, ui-chart), or one ui-table row per asset and line for the report of all.
 */
import { computeKpi, computeKpiAll, type Kpi, type KpiOptions } from '../core/cmms/kpi';
import { InputError } from '../core/errors';
import { configNum } from '../core/node-config';
import { object, optNum, optStr, own } from '../core/validate';
import { acquireCmmsStore, eventTime, inFlight, offlineError } from '../shared/cmms';
import { getClock } from '../shared/clock';
import { defineNode } from '../shared/node';
import { numberMessages, tableMessage } from '../shared/dashboard';
import type { NodeDef, NodeMessage, RedApi } from '../shared/red';
import { status } from '../shared/status';

interface KpiDef extends NodeDef {
  store?: string;
  windowDays?: number | string;
  hoursPerDay?: number | string;
  downtimeLimit?: number | string;
  mttrReduction?: number | string;
  baselineMttrH?: number | string;
  /** One more output, the last: KPI numbers or table rows for stock dashboard widgets. */
  dashboard?: boolean | string;
}

const pct = (v: number | null) => (v === null ? null : v * 100);

/**
 * One asset or line: "<name> MTBF" (h, 1 digit), "<name> MTTR" (h, 2), "<name> Availability" (%, 2),
 * "<name> Unplanned downtime" (%, 2), "<name> PM compliance" (%, 1); a figure without a value
 * (MTBF with no failure, PM compliance with no PM due) is left out: ui-chart rejects null.
 */
function numbersOf(k: Kpi, ts: number): NodeMessage[] | null {
  const name = k.scope === 'asset' ? k.asset : k.line;
  const msgs = numberMessages(
    [
      { label: 'MTBF', value: k.mtbfH, unit: 'h', digits: 1 },
      { label: 'MTTR', value: k.mttrH, unit: 'h', digits: 2 },
      { label: 'Availability', value: pct(k.availability), unit: '%', digits: 2 },
      { label: 'Unplanned downtime', value: pct(k.unplannedShare), unit: '%', digits: 2 },
      { label: 'PM compliance', value: pct(k.pmCompliance), unit: '%', digits: 1 },
    ],
    { asset: name, ts },
    true,
  ).filter((m) => m.payload !== null);
  for (const m of msgs) m.scope = k.scope;
  return msgs.length ? msgs : null;
}

/** Every asset and line: one ui-table row each (assets first), topic "kpi". */
function tableOf(all: { assets: Kpi[]; lines: Kpi[] }): NodeMessage {
  const row = (k: Kpi) => ({
    scope: k.scope,
    name: (k.scope === 'asset' ? k.asset : k.line) ?? '',
    failures: k.failures,
    mtbfH: k.mtbfH,
    mttrH: k.mttrH,
    availabilityPct: pct(k.availability),
    unplannedPct: pct(k.unplannedShare),
    pmCompliancePct: pct(k.pmCompliance),
    benchmarks: k.benchmarks.some((b) => b.pass === false) ? 'fail' : k.benchmarks.some((b) => b.pass === true) ? 'pass' : 'n/a',
  });
  return tableMessage([...all.assets.map(row), ...all.lines.map(row)], 'kpi', 2);
}

export = function (RED: RedApi) {
  defineNode<KpiDef>(RED, 'rel-kpi', (node, config) => {
    const clock = getClock(RED);
    const dash = config.dashboard === true || config.dashboard === 'true';
    // Empty fields are unset (the default); a value out of range is an error naming the field.
    const windowDays = configNum(config.windowDays, 'windowDays', 30, { min: 1 / 24, max: 3650, expected: 'a number of days from 0.0417 (one hour) to 3650' });
    const defaults = {
      hoursPerDay: configNum(config.hoursPerDay, 'hoursPerDay', 24, { min: 0.1, max: 24 }),
      downtimeLimit: configNum(config.downtimeLimit, 'downtimeLimit', 3, { min: 0, max: 100 }) / 100,
      mttrReduction: configNum(config.mttrReduction, 'mttrReduction', 30, { min: 0, max: 100 }) / 100,
      baselineMttrH: configNum(config.baselineMttrH, 'baselineMttrH', undefined, { min: 0, max: 1e6 }),
    };
    const { handle: h, ready, settled } = acquireCmmsStore(RED, config.store, 'rel-kpi');
    const work = inFlight();
    status.idle(node, 'ready');
    return {
      input: (msg, send) =>
        work.run(async () => {
          const db = await ready();
          const p = msg.payload === undefined || msg.payload === null || msg.payload === '' || typeof msg.payload === 'number' ? {} : object(msg.payload, 'msg.payload');
          const to = eventTime(p, 'to', () => clock.now());
          const days = optNum(own(p, 'windowDays'), 'msg.payload.windowDays', { gt: 0, max: 3650 }) ?? windowDays;
          const fromRaw = own(p, 'from');
          const from = fromRaw === undefined || fromRaw === null ? to - days * 86_400_000 : eventTime(p, 'from', () => 0);
          if (!(from < to)) throw new InputError('msg.payload.from', `a time before msg.payload.to (${new Date(to).toISOString()})`, fromRaw);
          const o: KpiOptions = {
            from,
            to,
            hoursPerDay: optNum(own(p, 'hoursPerDay'), 'msg.payload.hoursPerDay', { gt: 0, max: 24 }) ?? defaults.hoursPerDay,
            downtimeLimit: defaults.downtimeLimit,
            mttrReduction: defaults.mttrReduction,
            baselineMttrH: optNum(own(p, 'baselineMttrH'), 'msg.payload.baselineMttrH', { gt: 0, max: 1e6 }) ?? defaults.baselineMttrH,
          };
          const asset = optStr(own(p, 'asset'), 'msg.payload.asset', { maxLength: 200 });
          const line = optStr(own(p, 'line'), 'msg.payload.line', { maxLength: 200 });
          let kpi: Kpi | { assets: Kpi[]; lines: Kpi[] };
          let shown: Kpi | undefined;
          let board: NodeMessage | NodeMessage[] | null = null;
          if (asset !== undefined) kpi = shown = await computeKpi(db, { asset }, o);
          else if (line !== undefined) kpi = shown = await computeKpi(db, { line }, o);
          else {
            const all = await computeKpiAll(db, o);
            kpi = all;
            if (dash) board = tableOf(all);
            status.ok(node, `${all.assets.length} assets, ${all.lines.length} lines`);
          }
          msg.payload = { ...p, kpi };
          if (dash && shown) board = numbersOf(shown, to);
          send(dash ? ([msg, board] as never) : msg);
          if (shown) {
            const fail = shown.benchmarks.some((b) => b.pass === false);
            const text = `Ai ${(shown.availability * 100).toFixed(1)}% UD ${(shown.unplannedShare * 100).toFixed(1)}%`;
            if (fail) status.warn(node, text);
            else status.ok(node, text);
          }
        }).catch((e) => {
          throw offlineError(e, 'KPIs are computed when it is back');
        }),
      close: async () => {
        try {
          await work.idle();
          await settled;
        } finally {
          h.release();
        }
      },
    };
  });
};
