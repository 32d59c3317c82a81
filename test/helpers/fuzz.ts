/**
 * The shared bad-input harness (property-based, seeded with fast-check). Every node spec calls
 * fuzzNode(): thousands of malformed messages (wrong types, missing fields, NaN, empty and
 * oversize arrays, `__proto__` keys, deep nesting, Buffers) go into the node under test, and for
 * each one the harness checks that done() is called exactly once, that any error names a
 * property path, the expectation and what came, that nothing is thrown past the node, and that
 * Object.prototype is untouched. Afterwards the spec's `sanity` check proves the node (and its
 * store) still work.
 */
import assert from 'assert';
import fc from 'fast-check';
import { getNode, loadFlow, unloadFlow, sleep } from './red';

/** What an InputError says: "msg.payload.x: expected ..., got ...". */
export const INPUT_ERROR = /^(msg(\.[A-Za-z_$][\w$-]*|\[\d+\]|\["[^"]*"\])*)(\[\d+\])?: expected .+, got .+/;

function deep(depth: number): unknown {
  let o: any = { leaf: 1 };
  for (let i = 0; i < depth; i++) o = { a: o, list: [o] };
  return o;
}

const oversize = new Float64Array((1 << 22) + 1);
const sparseHuge = new Array(10_000_000);

/** Values that have broken real parsers. */
export const nastyValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(
    undefined,
    null,
    NaN,
    Infinity,
    -Infinity,
    -0,
    '',
    ' ',
    'NaN',
    '1e309',
    '__proto__',
    'constructor',
    "'; DROP TABLE work_orders; --",
    '=HYPERLINK("http://x")',
    [],
    [NaN],
    [1, 'x', 3],
    {},
    Buffer.from([0, 1, 2, 255]),
    Buffer.alloc(0),
    new Float32Array(0),
    new Float32Array([NaN, 1]),
    oversize,
    sparseHuge,
    deep(200),
    JSON.parse('{"__proto__": {"polluted": "yes"}}'),
    JSON.parse('{"constructor": {"prototype": {"polluted": "yes"}}}'),
    Number.MAX_SAFE_INTEGER,
    -1,
    1e308,
  ),
  fc.anything({ maxDepth: 3, withNullPrototype: true, withTypedArray: true, withSparseArray: true, withBigInt: true, withDate: true, withMap: true }),
  fc.string({ maxLength: 30 }),
  fc.double(),
);

/** A malformed payload: either a nasty value or an object whose keys hold nasty values. */
export function malformedPayload(keys: readonly string[]): fc.Arbitrary<unknown> {
  const objWithKeys = fc.dictionary(fc.constantFrom(...keys, '__proto__', 'constructor', 'extra'), nastyValue, { maxKeys: keys.length + 2 });
  return fc.oneof(nastyValue, objWithKeys, objWithKeys);
}

export interface FuzzOptions {
  /** The flow, with the node under test. */
  flow: object[];
  /** Id of the node under test. */
  nodeId: string;
  /** Payload keys the node reads, mixed into generated payloads so validation goes deep. */
  keys?: readonly string[];
  /** msg.action / msg.topic values to try (also mixed with random strings). */
  actions?: readonly string[];
  runs?: number;
  seed?: number;
  extraNodes?: unknown[];
  /** Extra accepted error messages (e.g. "work order 7 not found") besides InputError's form. */
  allowErrors?: RegExp[];
  /** Runs after the fuzzing, with the flow still loaded: prove the node still works. */
  sanity?: () => Promise<void>;
  /** Keep the flow loaded after the run (the caller unloads). */
  keepLoaded?: boolean;
}

export interface FuzzReport {
  runs: number;
  errors: number;
  ok: number;
}

export async function fuzzNode(o: FuzzOptions): Promise<FuzzReport> {
  const { hooks } = require('@node-red/util');
  await loadFlow(o.flow, o.extraNodes ?? []);
  const node = getNode(o.nodeId);
  const protoBefore = Object.getOwnPropertyNames(Object.prototype).sort().join(',');
  const arrayProtoBefore = Object.getOwnPropertyNames(Array.prototype).sort().join(',');
  const completions = new Map<string, { count: number; error?: Error }>();
  const hookName = 'onComplete.relfuzz';
  hooks.add(hookName, (evt: any) => {
    if (evt.node.id !== node.id) return;
    const id = evt.msg?._msgid;
    const c = completions.get(id) ?? { count: 0 };
    c.count++;
    c.error = evt.error;
    completions.set(id, c);
  });
  const uncaught: unknown[] = [];
  const onUncaught = (e: unknown) => uncaught.push(e);
  process.on('uncaughtException', onUncaught);
  process.on('unhandledRejection', onUncaught);

  const keys = o.keys ?? ['asset'];
  const actionArb = o.actions?.length ? fc.oneof(fc.constantFrom<unknown>(...o.actions), nastyValue) : nastyValue;
  const msgArb = fc.record(
    { payload: malformedPayload(keys), action: actionArb, topic: fc.oneof(fc.constant(undefined), fc.string({ maxLength: 20 })) },
    { requiredKeys: ['payload'] },
  );
  const report: FuzzReport = { runs: 0, errors: 0, ok: 0 };
  const failures: string[] = [];
  try {
    const samples = fc.sample(msgArb, { numRuns: o.runs ?? 1000, seed: o.seed ?? 42 });
    for (const [i, sample] of samples.entries()) {
      const msg: any = { ...sample, _msgid: `fuzz-${i}` };
      if (msg.action === undefined) delete msg.action;
      if (msg.topic === undefined) delete msg.topic;
      node.receive(msg);
      const deadline = Date.now() + 3000;
      while (!completions.has(msg._msgid) && Date.now() < deadline) await sleep(0);
      const c = completions.get(msg._msgid);
      report.runs++;
      if (!c) {
        failures.push(`#${i}: done was not called within 3 s for ${describe(sample)}`);
        continue;
      }
      if (c.error) {
        report.errors++;
        const m = String(c.error.message);
        const ok = INPUT_ERROR.test(m) || (o.allowErrors ?? []).some((r) => r.test(m));
        if (!ok) failures.push(`#${i}: error does not name path/expectation/what came: "${m}" for ${describe(sample)}`);
      } else report.ok++;
      if (failures.length > 5) break;
    }
    await sleep(20);
    for (const [id, c] of completions) if (c.count !== 1) failures.push(`${id}: done called ${c.count} times`);
    if (uncaught.length) failures.push(`uncaught: ${uncaught.map(String).join('; ')}`);
    assert.strictEqual(Object.getOwnPropertyNames(Object.prototype).sort().join(','), protoBefore, 'Object.prototype was changed');
    assert.strictEqual(Object.getOwnPropertyNames(Array.prototype).sort().join(','), arrayProtoBefore, 'Array.prototype was changed');
    assert.strictEqual(({} as any).polluted, undefined, 'Object.prototype was polluted');
    assert.deepStrictEqual(failures, [], failures.join('\n'));
    if (o.sanity) await o.sanity();
  } finally {
    hooks.remove(hookName);
    process.removeListener('uncaughtException', onUncaught);
    process.removeListener('unhandledRejection', onUncaught);
    if (!o.keepLoaded) await unloadFlow();
  }
  return report;
}

function describe(v: unknown): string {
  try {
    const s = JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? `${x}n` : ArrayBuffer.isView(x) ? `<${x.constructor.name} ${(x as any).length}>` : Array.isArray(x) && x.length > 20 ? `<array ${x.length}>` : x));
    return s && s.length > 200 ? `${s.slice(0, 200)}...` : String(s);
  } catch {
    return '<unprintable>';
  }
}
