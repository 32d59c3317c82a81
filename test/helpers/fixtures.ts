/**
 * Config nodes every node spec needs: one builder for the store and the asset, so a spec is the
 * flow plus the assertions.
 */
import path from 'path';

export function storeNode(file: string, id = 'store1'): object {
  return { id, type: 'rel-store', name: 'test store', file: path.resolve(file) };
}

export interface AssetFixture {
  id?: string;
  assetId?: string;
  name?: string;
  line?: string;
  criticality?: number;
  machineClass?: string;
  rpm?: number | string;
  bearing?: string;
  store?: string;
  [k: string]: unknown;
}

export function assetNode(o: AssetFixture = {}): object {
  return {
    id: o.id ?? 'asset1',
    type: 'rel-asset',
    assetId: o.assetId ?? 'pump-1',
    name: o.name ?? 'Test pump',
    line: o.line ?? 'line-1',
    criticality: o.criticality ?? 3,
    machineClass: o.machineClass ?? 'iso10816-3:group2:rigid',
    rpm: o.rpm ?? 1797,
    bearing: o.bearing ?? '6205-2RS',
    ...o,
  };
}

/** A tab node so flows look like exported ones. */
export const TAB = { id: 'tab1', type: 'tab', label: 'test' };
