/**
 * Config lookup for assets. Every deployed rel-asset registers here under its assetId, so a node
 * whose `asset` property is empty can serve a whole line: it uses the asset named by
 * msg.payload.asset. When no rel-asset has the id, the asset register is consulted (the
 * in-memory index of every store a rel-registry or register-fed rel-ingest has loaded:
 * synchronous, no query). A rel-asset wins over a registered machine of the same id. Unknown
 * assets are errors that name them.
 */
import type { AssetSpec } from '../core/asset';
import { findRegistered, registeredCount } from '../core/register/lookup';
import { InputError } from '../core/errors';
import { own } from '../core/validate';
import type { NodeMessage, RedApi, RedNode } from './red';

export interface AssetConfigNode extends RedNode {
  /** Undefined when the form did not validate. */
  spec?: AssetSpec;
  problems: string[];
}

const byAssetId = new Map<string, AssetConfigNode>();

export function registerAsset(node: AssetConfigNode): string | undefined {
  const id = node.spec?.assetId;
  if (!id) return undefined;
  const other = byAssetId.get(id);
  if (other && other !== node) return `asset id ${id} is also used by another rel-asset (${other.name || other.id})`;
  byAssetId.set(id, node);
  return undefined;
}

export function unregisterAsset(node: AssetConfigNode): void {
  for (const [k, v] of byAssetId) if (v === node) byAssetId.delete(k);
}

/** A deployed rel-asset's facts, else a registered machine's, else undefined. */
export function findAsset(assetId: string): AssetSpec | undefined {
  return byAssetId.get(assetId)?.spec ?? findRegistered(assetId);
}

export function deployedAssets(): AssetSpec[] {
  return [...byAssetId.values()].map((n) => n.spec).filter((s): s is AssetSpec => !!s);
}

/**
 * The asset a message is about: the node's configured rel-asset, else the deployed one whose
 * assetId equals msg.payload.asset, else the registered machine with that id.
 */
export function resolveAsset(RED: RedApi, configuredId: unknown, msg: NodeMessage): AssetSpec {
  if (typeof configuredId === 'string' && configuredId) {
    const cfg = RED.nodes.getNode(configuredId) as AssetConfigNode | null;
    if (!cfg) throw new Error(`asset: the selected rel-asset (${configuredId}) is not deployed`);
    if (!cfg.spec) throw new Error(`asset ${cfg.name || configuredId}: ${cfg.problems.join('; ')}`);
    // a message about another asset must not land in this asset's baseline, trend or orders
    const named = own(msg.payload, 'asset');
    if (typeof named === 'string' && named !== '' && named !== cfg.spec.assetId)
      throw new InputError('msg.payload.asset', `${cfg.spec.assetId} (the asset selected in the node), or no asset`, named);
    return cfg.spec;
  }
  const id = own(msg.payload, 'asset');
  if (typeof id !== 'string' || id === '') throw new InputError('msg.payload.asset', 'an asset id (or select an asset in the node)', id);
  const spec = findAsset(id);
  if (!spec) {
    const n = registeredCount();
    const ids = [...byAssetId.keys()];
    const deployed = ids.length > 20 ? `${ids.slice(0, 20).join(', ')} and ${ids.length - 20} more` : ids.join(', ') || 'none deployed';
    throw new InputError('msg.payload.asset', `the id of a deployed rel-asset (${deployed}${n ? `; or of one of the ${n} machines in the asset register` : ''})`, id);
  }
  return spec;
}

export type { AssetSpec, RedApi };
