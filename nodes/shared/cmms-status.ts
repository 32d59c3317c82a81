/**
 * The status dot of a CMMS node (rel-work-order, rel-spares): the offline ring while events wait
 * for the plant database, else the node's own text (`paintStatus`, shared/cmms.ts); painted at
 * once (`paint`) or at most once per interval after messages (`soon`: the first at once, later
 * ones folded into one trailing paint). Nothing paints once `close` was called.
 */
import { paintStatus, type CmmsWrites } from './cmms';
import { systemClock } from './clock';
import type { RedNode } from './red';
import { throttledStatus } from './status';

/** Status repaint interval after messages (wall time: it paces the editor, not the plant). */
export const CMMS_STATUS_MS = 500;

export class CmmsStatus {
  closed = false;
  private readonly shown = throttledStatus(systemClock, CMMS_STATUS_MS);
  private readonly unwatch: () => void;
  private stopped = false;

  /**
   * `normal` paints the node's own status (it may query; check `closed` before painting). Pending
   * count changes repaint at once, or throttled with `throttlePending`.
   */
  constructor(
    private readonly node: RedNode,
    private readonly writes: CmmsWrites,
    private readonly normal: () => Promise<void>,
    throttlePending = false,
  ) {
    this.unwatch = writes.onPending(throttlePending ? this.soon : this.paint);
  }

  /** Paint now. */
  readonly paint = (): void => {
    if (this.closed) return;
    paintStatus(this.node, this.writes, this.normal, () => this.closed);
  };

  /** Paint at most once per CMMS_STATUS_MS. */
  readonly soon = (): void => {
    if (!this.closed) this.shown.show('status', this.paint);
  };

  /** Stop following the pending count and drop a trailing paint (painting now still works). */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.unwatch();
    this.shown.close();
  }

  /** Stop and paint no more. */
  close(): void {
    this.stop();
    this.closed = true;
  }
}
