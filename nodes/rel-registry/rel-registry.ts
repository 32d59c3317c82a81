/**
 * rel-registry: the plant's asset register on a rel-store. `msg.action` import (CSV text or an
 * XLSX Buffer; msg.dryRun, msg.partial), export (msg.format csv or xlsx), list (by site, area,
 * line), get, remove (refused while the asset has open work orders) and types (define or list
 * machine types). The editor uploads a file through an admin route: dry run, report, apply.
 * Registered machines are found by every node that resolves an asset, through the register index.
 */
import { InputError, StateError } from '../core/errors';
import { machineChannels, MAX_FILE_BYTES, type ImportReport } from '../core/register';
import { assetOf, filterOf, msgFlag as flag } from '../core/register/msg';
import { own } from '../core/validate';
import { authorize, authorizePermission } from '../shared/actor';
import { actionOf, inFlight } from '../shared/cmms';
import { getClock } from '../shared/clock';
import { defineNode } from '../shared/node';
import type { NodeDef, RedApi, RedNode } from '../shared/red';
import { acquireRegister } from '../shared/register';
import { status } from '../shared/status';

interface RegistryDef extends NodeDef {
  store?: string;
  version?: number | string;
}

interface RegistryNode extends RedNode {
  importFile?: (file: string | Buffer, dryRun: boolean, partial: boolean) => Promise<ImportReport>;
}

const ACTIONS = ['import', 'export', 'list', 'get', 'remove', 'types'] as const;

export = function (RED: RedApi) {
  defineNode<RegistryDef, RegistryNode>(RED, 'rel-registry', (node, config) => {
    const clock = getClock(RED);
    const reg = acquireRegister(RED, config.store, 'rel-registry');
    const show = () => status.ok(node, `${reg.index.size} assets`);
    status.busy(node, 'loading');
    reg.ready.then(show, (e) => {
      status.error(node, 'register not loaded');
      node.error(`rel-registry: ${e instanceof Error ? e.message : String(e)}`);
    });
    const importFile = async (file: string | Buffer, dryRun: boolean, partial: boolean, path = 'msg.payload') => {
      await reg.ready;
      const r = await reg.repo.importFile(file, { dryRun, partial, now: clock.now(), path });
      if (r.applied) await reg.refresh();
      return r;
    };
    // messages and editor uploads under way finish before close releases the store
    const work = inFlight();
    node.importFile = (file, dryRun, partial) => work.run(() => importFile(file, dryRun, partial, 'file'));

    return {
      input: (msg, send) =>
        work.run(async () => {
          await reg.ready;
          const action = actionOf(msg, ACTIONS);
          const p = msg.payload;
          authorize(msg, 'rel-registry', action);
          // types with a payload defines machine types (without one it lists them)
          if (action === 'types' && !(p === undefined || p === null || p === '')) authorizePermission(msg, 'register.edit');
          switch (action) {
            case 'import': {
              const file = Buffer.isBuffer(p) || typeof p === 'string' ? p : own(p, 'file');
              const r = await importFile(file as string | Buffer, flag(msg, 'dryRun'), flag(msg, 'partial'), Buffer.isBuffer(p) || typeof p === 'string' ? 'msg.payload' : 'msg.payload.file');
              msg.payload = r;
              send(msg);
              if (r.errors.length) status.warn(node, `${reg.index.size} assets, ${r.errors.length} errors`);
              else show();
              return;
            }
            case 'export': {
              const format = own(msg, 'format') ?? 'csv';
              if (format !== 'csv' && format !== 'xlsx') throw new InputError('msg.format', 'csv or xlsx', format);
              msg.payload = await reg.repo.exportFile(format, filterOf(p));
              msg.filename = `asset-register.${format}`;
              break;
            }
            case 'list':
              msg.payload = await reg.repo.list(filterOf(p));
              break;
            case 'get': {
              const id = assetOf(p);
              const a = await reg.repo.get(id);
              if (!a) throw new StateError(`msg.payload.asset: asset ${id} is not in the register`);
              const type = a.machineType ? reg.index.type(a.machineType) : undefined;
              msg.payload = { ...a, assetId: a.asset, allChannels: machineChannels(a, type) };
              break;
            }
            case 'remove': {
              const removed = await reg.repo.remove(assetOf(p));
              await reg.refresh();
              msg.payload = { removed: removed.asset, asset: removed };
              break;
            }
            case 'types': {
              if (p === undefined || p === null || p === '') {
                msg.payload = await reg.repo.types();
                break;
              }
              const r = await reg.repo.defineTypes(p, clock.now());
              if (r.errors.length) {
                const [first, ...more] = r.errors;
                const at = first.indexOf(': ');
                throw new InputError(first.slice(0, at), `${first.slice(at + 2)}${more.length ? ` (and ${more.length} more: ${more.slice(0, 3).join('; ')})` : ''}`, p);
              }
              await reg.refresh();
              msg.payload = await reg.repo.types();
              break;
            }
          }
          send(msg);
          show();
        }),
      close: async () => {
        delete node.importFile;
        try {
          await work.idle();
        } finally {
          reg.release();
        }
      },
    };
  });

  // Editor upload: {name, data (base64), dryRun, partial}; the JSON body is capped by the
  // runtime's apiMaxLength, the file by the register's own cap (checked before parsing).
  const MAX_BASE64 = Math.ceil(MAX_FILE_BYTES / 3) * 4;
  RED.httpAdmin.post('/rel-registry/:id/import', RED.auth.needsPermission('rel-registry.write'), (req: any, res: any) => {
    const n = RED.nodes.getNode(String(req.params.id)) as RegistryNode | null;
    if (!n || !n.importFile) return res.status(404).json({ error: 'rel-registry node not deployed: deploy it first, then import' });
    const body = req.body ?? {};
    const data = body.data;
    if (typeof data !== 'string') return res.status(400).json({ error: 'body: expected {"name": "...", "data": "<base64 of the file>", "dryRun": true|false, "partial": true|false}' });
    if (data.length > MAX_BASE64) return res.status(413).json({ error: `file: at most ${MAX_FILE_BYTES / 1024 / 1024} MB` });
    const buf = Buffer.from(data, 'base64');
    const name = typeof body.name === 'string' ? body.name.toLowerCase() : '';
    const file = name.endsWith('.xlsx') || (buf[0] === 0x50 && buf[1] === 0x4b) ? buf : buf.toString('utf8');
    n.importFile(file, body.dryRun !== false, body.partial === true).then(
      (r) => res.json(r),
      (e) => res.status(400).json({ error: e instanceof Error ? e.message : String(e) }),
    );
  });
};
