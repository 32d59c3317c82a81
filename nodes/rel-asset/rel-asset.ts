/**
 * rel-asset (config): one machine. Validated on deploy: errors stop the asset from being used
 * (and are logged with what to fix), notes say what the asset cannot do (no rpm: no order
 * analysis) and appear in the status of the nodes that use it.
 */
import { checkAsset, type AssetForm } from '../core/asset';
import { saveAsset } from '../core/asset-repo';
import { defineNode } from '../shared/node';
import { registerAsset, unregisterAsset, type AssetConfigNode } from '../shared/assets';
import { acquireStore } from '../shared/store';
import type { NodeDef, RedApi } from '../shared/red';

interface AssetDef extends NodeDef, Omit<AssetForm, 'name'> {
  store?: string;
}

export = function (RED: RedApi) {
  defineNode<AssetDef, AssetConfigNode>(RED, 'rel-asset', (node, config) => {
    const check = checkAsset(config);
    node.spec = check.asset;
    node.problems = [...check.errors];
    const dup = registerAsset(node);
    if (dup) {
      node.problems.push(dup);
      node.spec = undefined;
    }
    if (node.problems.length) node.error(`rel-asset ${config.assetId || config.id}: ${node.problems.join('; ')}`);
    for (const n of check.notes) node.log(`${node.spec?.assetId}: ${n}`);
    let release: (() => void) | undefined;
    let written: Promise<void> | undefined;
    if (node.spec && config.store) {
      // Keep the plant's asset register in the store for reports and dashboards.
      try {
        const h = acquireStore(RED, config.store, `rel-asset ${node.spec.assetId}`);
        release = h.release;
        // The asset still serves analysis when this fails; only the register entry is missing.
        written = saveAsset(h.db, node.spec, Date.now()).catch((e) => node.error(e instanceof Error ? e.message : String(e)));
      } catch (e) {
        node.error(e instanceof Error ? e.message : String(e));
      }
    }
    return {
      close: async () => {
        unregisterAsset(node);
        await written; // the register write finishes before the store is released
        release?.();
      },
    };
  });
};
