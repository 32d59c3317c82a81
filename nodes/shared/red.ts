/**
 * The slice of the Node-RED runtime API these nodes use, typed once. Kept minimal on purpose:
 * nodes/core never sees any of it.
 */
export interface NodeMessage {
  _msgid?: string;
  topic?: string;
  payload?: unknown;
  [key: string]: unknown;
}

export interface StatusDot {
  fill?: 'red' | 'green' | 'yellow' | 'blue' | 'grey';
  shape?: 'ring' | 'dot';
  text?: string;
}

export type SendFn = (msg: NodeMessage | null | (NodeMessage | null | NodeMessage[])[]) => void;
export type DoneFn = (err?: Error) => void;

export interface RedNode {
  id: string;
  type: string;
  name?: string;
  z?: string;
  status(s: StatusDot | Record<string, never>): void;
  send: SendFn;
  error(err: unknown, msg?: NodeMessage): void;
  warn(text: unknown): void;
  log(text: unknown): void;
  on(event: 'input', cb: (msg: NodeMessage, send: SendFn, done: DoneFn) => void): void;
  on(event: 'close', cb: (removed: boolean, done: () => void) => void): void;
  on(event: string, cb: (...args: any[]) => void): void;
  context(): { get(key: string): unknown; set(key: string, value: unknown): void };
}

export interface NodeDef {
  id: string;
  type: string;
  name?: string;
  z?: string;
  /** Shape of the saved config (nodes/core/limits.ts CONFIG_VERSION); absent in 0.1.0 flows. */
  version?: number | string;
  [key: string]: unknown;
}

export interface RedApi {
  nodes: {
    createNode(node: object, def: NodeDef): void;
    registerType(type: string, ctor: Function, opts?: { credentials?: Record<string, { type: string }>; settings?: Record<string, unknown> }): void;
    getNode(id: string): unknown;
    eachNode?(cb: (n: NodeDef) => void): void;
  };
  util: {
    evaluateNodeProperty(value: unknown, type: string, node: RedNode, msg: NodeMessage, cb: (err: Error | null, result: unknown) => void): void;
    cloneMessage<T>(msg: T): T;
  };
  settings: Record<string, any> & { userDir?: string };
  httpAdmin: {
    get(path: string, ...handlers: Function[]): void;
    post(path: string, ...handlers: Function[]): void;
  };
  auth: { needsPermission(permission: string): Function };
  log: { info(m: string): void; warn(m: string): void; error(m: string): void; debug(m: string): void };
  _?: (key: string) => string;
}
