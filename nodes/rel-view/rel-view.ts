/**
 * rel-view: the floor view model for dashboards. Takes whatever the analysis, OEE, takt and
 * work-order nodes send (unknown messages change nothing) and sends the plant's machines (the
 * deployed rel-asset nodes and, with a store, the asset register) as tiles grouped by site, area
 * and line, in English and German, stale machines flagged; with a rel-store on PostgreSQL, the
 * plant database's banner while it is offline (records queued on this box). Logic: nodes/core/views.
 */
import { buildLineView, LineFigures, STALE_MS, type LineViewModel, type StoreState, type ViewAsset } from '../core/views';
import { InputError } from '../core/errors';
import { deployedAssets } from '../shared/assets';
import { getClock } from '../shared/clock';
import { defineNode, guard } from '../shared/node';
import type { NodeDef, NodeMessage, RedApi } from '../shared/red';
import { acquireRegister, type RegisterHandle } from '../shared/register';
import { status } from '../shared/status';
import type { StoreConfigNode } from '../shared/store';

interface ViewDef extends NodeDef {
  store?: string;
  /** Seconds without condition data before a tile is stale. */
  staleAfter?: number | string;
  /** Seconds between views (sent only when they changed); 0 = only on msg.topic "view". */
  interval?: number | string;
  topic?: string;
}

/** A number of the form: '' or missing -> the default; out of range -> an error naming the field. */
function cfgNum(v: unknown, field: string, dflt: number, min: number, max: number): number {
  if (v === undefined || v === null || (typeof v === 'string' && v.trim() === '')) return dflt;
  const n = Number(v);
  if (!Number.isFinite(n) || n < min || n > max) throw new InputError(field, `a number from ${min} to ${max}`, v);
  return n;
}

export = function (RED: RedApi) {
  defineNode<ViewDef>(RED, 'rel-view', (node, config) => {
    const clock = getClock(RED);
    const staleMs = cfgNum(config.staleAfter, 'staleAfter', STALE_MS / 1000, 5, 86400) * 1000;
    const intervalMs = cfgNum(config.interval, 'interval', 1, 0, 3600) * 1000;
    const topic = typeof config.topic === 'string' && config.topic ? config.topic : 'line-view';
    const reg: RegisterHandle | null = config.store ? acquireRegister(RED, config.store, 'rel-view') : null;
    // An index kept from a redeploy may belong to a database file that was replaced meanwhile: migrate and load once more.
    reg?.ready
      .catch(() => reg.repo.migrate().then(() => reg.refresh()))
      .catch((e) => node.error(`rel-view: register not loaded: ${e instanceof Error ? e.message : String(e)}`));
    const figs = new LineFigures();
    let last = '';

    /**
     * rel-asset nodes first (they win over a register row of the same id), each with its place in
     * the flow (the line's configured order), then the register.
     */
    function assets(): ViewAsset[] {
      const place = new Map<string, number>();
      RED.nodes.eachNode?.((n) => {
        const id = n.type === 'rel-asset' ? (n as unknown as { assetId?: unknown }).assetId : undefined;
        if (typeof id === 'string' && !place.has(id.trim())) place.set(id.trim(), place.size);
      });
      const out: ViewAsset[] = deployedAssets().map((s) => ({ id: s.assetId, name: s.name, line: s.line, criticality: s.criticality, bearing: s.bearingName, position: place.get(s.assetId) ?? place.size }));
      if (reg) for (const id of reg.index.ids()) {
        const a = reg.index.get(id);
        if (a) out.push({ id: a.asset, name: a.name, site: a.site, area: a.area, line: a.line, criticality: a.criticality, bearing: a.bearing });
      }
      return out;
    }
    /** The rel-store's plant database (PostgreSQL): offline, and records queued in the box's outbox. */
    function storeState(): StoreState | null {
      const cfg = config.store ? (RED.nodes.getNode(config.store) as StoreConfigNode | null) : null;
      if (!cfg || cfg.backend !== 'postgres') return null;
      return { offline: cfg.outbox?.outbox.offline() ?? false, queued: cfg.queued?.() ?? 0 };
    }
    function view(): LineViewModel {
      return buildLineView(assets(), figs, clock.now(), { staleMs, store: storeState() });
    }
    function show(v: LineViewModel) {
      const stale = v.groups.reduce((n, g) => n + (g.counts.stale ?? 0), 0);
      if (v.store?.state === 'offline') status.offline(node, v.store.queued);
      else if (stale) status.warn(node, `${v.total} assets, ${stale} stale`);
      else status.ok(node, `${v.total} assets`);
    }
    /** Send the view when it differs from the last one sent (or always when forced). */
    function emit(send: (m: NodeMessage) => void, force: boolean) {
      const v = view();
      const { ts: _ts, updatedAt: _u, ...rest } = v;
      const key = JSON.stringify(rest);
      if (!force && key === last) return;
      last = key;
      send({ topic, payload: v });
      show(v);
    }
    const timer = intervalMs > 0 ? clock.setInterval(() => guard(node, () => emit((m) => node.send(m), false)), intervalMs) : null;
    status.idle(node, 'no view yet');

    return {
      input: (msg, send) => {
        if (msg.topic === 'view' || msg.action === 'view') return emit((m) => send(Object.assign(msg, m) as NodeMessage), true);
        const p = msg.payload;
        if (typeof p !== 'object' || p === null) throw new InputError('msg.payload', 'an object (an analysed frame, an OEE or takt report, a work order) or a list of work orders', p);
        figs.take(p, clock.now());
      },
      close: () => {
        if (timer !== null) clock.clearInterval(timer);
        reg?.release();
      },
    };
  });
};
