/**
 * Just enough of the Node-RED runtime for the benchmarks to construct nodes on given config nodes
 * (rel-store ...) and feed them messages without the runtime's own overhead.
 */
import { EventEmitter } from 'events';

export interface FakeRed {
  RED: any;
  /** Construct a node of a registered type; ids are `<type>-1`, `<type>-2` ... */
  create(type: string, def: Record<string, unknown>): any;
}

export function fakeRed(configNodes: Record<string, unknown>, nodeFiles: string[]): FakeRed {
  const types = new Map<string, Function>();
  const nodes = new Map<string, unknown>(Object.entries(configNodes));
  const RED: any = {
    nodes: {
      createNode(node: any, def: any) {
        Object.assign(node, new EventEmitter(), { id: def.id, type: def.type });
        Object.setPrototypeOf(node, EventEmitter.prototype);
        EventEmitter.call(node);
        node.status = () => {};
        node.error = (e: unknown) => console.error(e);
        node.warn = () => {};
        node.log = () => {};
        node.send = () => {};
      },
      registerType: (t: string, ctor: Function) => types.set(t, ctor),
      getNode: (id: string) => nodes.get(id) ?? null,
    },
    util: { cloneMessage: (m: unknown) => m, evaluateNodeProperty: () => {} },
    settings: {},
    httpAdmin: { get() {}, post() {} },
    auth: { needsPermission: () => () => {} },
    log: { info() {}, warn() {}, error() {}, debug() {} },
  };
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  for (const f of nodeFiles) (require(f) as (r: unknown) => void)(RED);
  let seq = 0;
  return {
    RED,
    create(type, def) {
      const Ctor = types.get(type) as any;
      const n = {};
      Ctor.call(n, { id: `${type}-${++seq}`, type, ...def });
      return n;
    },
  };
}
