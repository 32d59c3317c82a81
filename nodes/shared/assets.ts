/**
 * Config lookup for assets. Every deployed rel-asset registers here under its assetId, so a node
 * whose `asset` property is empty can serve a whole line: it uses the asset named by
 * msg.payload.asset. Unknown assets are errors that name them.
 */
import type { AssetSpec } from '../core/asset';
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

export function findAsset(assetId: string): AssetSpec | undefined {
  return byAssetId.get(assetId)?.spec;
}

export function deployedAssets(): AssetSpec[] {
  return [...byAssetId.values()].map((n) => n.spec).filter((s): s is AssetSpec => !!s);
}

/**
 * The asset a message is about: the node's configured rel-asset, else the deployed one whose
 * assetId equals msg.payload.asset.
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
  if (!spec) throw new InputError('msg.payload.asset', `the id of a deployed rel-asset (${[...byAssetId.keys()].join(', ') || 'none deployed'})`, id);
  return spec;
}

export type { AssetSpec, RedApi };
