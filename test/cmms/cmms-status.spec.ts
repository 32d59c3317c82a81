import assert from 'assert';
import { CmmsStatus, CMMS_STATUS_MS } from '../../nodes/shared/cmms-status';
import type { CmmsWrites } from '../../nodes/shared/cmms';
import type { RedNode } from '../../nodes/shared/red';

/** A node that records its status texts, and writes with a pending count the test sets. */
function fixture() {
  const shown: string[] = [];
  const node = { status: (s: { text?: string }) => shown.push(s.text ?? '') } as unknown as RedNode;
  let pending = 0;
  const listeners: ((n: number) => void)[] = [];
  const writes = {
    pending: () => pending,
    onPending: (fn: (n: number) => void) => {
      listeners.push(fn);
      return () => listeners.splice(listeners.indexOf(fn), 1);
    },
  } as unknown as CmmsWrites;
  const setPending = (n: number) => {
    pending = n;
    for (const f of [...listeners]) f(n);
  };
  return { shown, node, writes, setPending, listeners };
}

const until = async (what: string, ok: () => boolean, ms = 5000) => {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('CMMS node status (shared glue)', () => {
  it('paints the node text, the offline ring while events wait, and nothing once closed', async () => {
    const f = fixture();
    let n = 0;
    const st: CmmsStatus = new CmmsStatus(f.node, f.writes, async () => {
      n++;
      if (!st.closed) f.node.status({ text: `${n} open` });
    });
    st.paint();
    await until('first paint', () => f.shown.length === 1);
    assert.deepStrictEqual(f.shown, ['1 open']);
    f.setPending(3); // repaints at once (not throttled)
    assert.strictEqual(f.shown[1], 'plant database offline · 3 queued');
    f.setPending(0);
    await until('back', () => f.shown.length === 3);
    assert.strictEqual(f.shown[2], '2 open');
    st.close();
    assert.strictEqual(f.listeners.length, 0, 'stops following the pending count');
    st.paint();
    st.soon();
    await new Promise((r) => setTimeout(r, 50));
    assert.strictEqual(f.shown.length, 3);
  });

  it('soon: the first at once, the rest of a burst folded into one trailing paint; a failing text shows the error', async () => {
    const f = fixture();
    let n = 0;
    const st: CmmsStatus = new CmmsStatus(f.node, f.writes, async () => {
      n++;
      if (n === 3) throw new Error('no such table');
      f.node.status({ text: `paint ${n}` });
    }, true);
    const t0 = Date.now();
    for (let i = 0; i < 10; i++) st.soon();
    await until('two paints', () => f.shown.length === 2);
    assert.deepStrictEqual(f.shown, ['paint 1', 'paint 2']);
    assert.ok(Date.now() - t0 >= CMMS_STATUS_MS - 20, 'the trailing paint waits for the interval');
    f.setPending(1); // throttled too, shows within the interval
    await until('offline', () => f.shown.length === 3, 3000);
    assert.strictEqual(f.shown[2], 'plant database offline · 1 queued');
    f.setPending(0);
    await until('error', () => f.shown.length === 4, 3000);
    assert.strictEqual(f.shown[3], 'no such table');
    st.close();
  });
});
