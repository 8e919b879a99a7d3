import { AbortError, type MemSyncError, TimeoutError } from '../errors.js';
import type { Patch, PatchResult } from '../types.js';

interface PendingWrite {
  patch: Patch;
  deadline: number;
  timeoutMs: number;
  resolve(result: PatchResult): void;
  reject(error: MemSyncError): void;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

export interface OutboxWaitOptions {
  timeoutMs: number;
  signal?: AbortSignal | undefined;
}

/**
 * This writer's patches that the host has not yet ordered, in `seq` order. The outbox
 * is what makes a `patch()` promise always settle: resolved when the ordered patch comes
 * back (also from a new host after a failover), or rejected on timeout or abort, in which
 * case `onGiveUp` lets the owner roll the change back out of the view.
 *
 * One timer serves every deadline (armed for the earliest, and left armed when patches
 * settle): a timer per patch would be created and cleared tens of thousands of times a
 * second under load.
 */
export class Outbox {
  private readonly writes = new Map<number, PendingWrite>();
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Number.POSITIVE_INFINITY;

  constructor(private readonly onGiveUp: (patch: Patch, error: MemSyncError) => void) {}

  get size(): number {
    return this.writes.size;
  }

  /** Patches still waiting, oldest first: what is resent to a new host. */
  patches(): Patch[] {
    return [...this.writes.values()].map((w) => w.patch);
  }

  has(seq: number): boolean {
    return this.writes.has(seq);
  }

  add(patch: Patch, options: OutboxWaitOptions): Promise<PatchResult> {
    return new Promise<PatchResult>((resolve, reject) => {
      const { signal } = options;
      const write: PendingWrite = {
        patch,
        deadline: Date.now() + options.timeoutMs,
        timeoutMs: options.timeoutMs,
        resolve,
        reject,
        signal,
        onAbort: undefined,
      };
      if (signal) {
        write.onAbort = () =>
          this.giveUp(write, new AbortError('ERR_ABORTED', `patch ${patch.seq} aborted`, { cause: signal.reason }));
        signal.addEventListener('abort', write.onAbort, { once: true });
      }
      this.writes.set(patch.seq, write);
      if (write.deadline < this.timerAt) this.arm(write.deadline);
    });
  }

  /**
   * Gives every waiting patch a new number from `next`, oldest first (see
   * ReplicaCore.numberAbove): the patch objects are changed in place.
   */
  renumber(next: () => number): void {
    const writes = [...this.writes.values()];
    this.writes.clear();
    for (const write of writes) {
      write.patch.seq = next();
      this.writes.set(write.patch.seq, write);
    }
  }

  /** The host ordered `seq`: settle its promise. Returns false if nobody waits for it. */
  settle(seq: number, result: PatchResult): boolean {
    const write = this.take(seq);
    if (!write) return false;
    write.resolve(result);
    return true;
  }

  /** Fail one write without rolling anything back (the owner already did). */
  fail(seq: number, error: MemSyncError): void {
    this.take(seq)?.reject(error);
  }

  failAll(error: MemSyncError): void {
    for (const seq of [...this.writes.keys()]) this.fail(seq, error);
  }

  private take(seq: number): PendingWrite | undefined {
    const write = this.writes.get(seq);
    if (!write) return undefined;
    this.writes.delete(seq);
    if (write.onAbort) write.signal?.removeEventListener('abort', write.onAbort);
    // The timer stays armed: re-arming it on every patch is the churn it exists to avoid.
    // When it fires with nothing due it simply is not re-armed.
    return write;
  }

  private giveUp(write: PendingWrite, error: MemSyncError): void {
    if (this.take(write.patch.seq) !== write) return;
    this.onGiveUp(write.patch, error);
    write.reject(error);
  }

  private arm(at: number): void {
    clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(() => this.expire(), Math.max(0, at - Date.now()));
    // A deadline alone must not keep the process alive: the connection or the election does
    // while anything can still be ordered, and stop() fails whatever is left.
    this.timer.unref();
  }

  private expire(): void {
    this.timer = undefined;
    this.timerAt = Number.POSITIVE_INFINITY;
    const now = Date.now();
    for (const write of [...this.writes.values()]) {
      if (write.deadline > now) continue;
      this.giveUp(
        write,
        new TimeoutError(
          `patch ${write.patch.seq} was not ordered within ${write.timeoutMs} ms; it was rolled back from the view (if it reached the host it may still be applied)`,
        ),
      );
    }
    let next = Number.POSITIVE_INFINITY;
    for (const write of this.writes.values()) if (write.deadline < next) next = write.deadline;
    if (next < Number.POSITIVE_INFINITY) this.arm(next);
  }
}
