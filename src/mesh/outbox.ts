import { AbortError, type MemSyncError, TimeoutError } from '../errors.js';
import type { Patch, PatchResult } from '../types.js';

interface PendingWrite {
  patch: Patch;
  resolve(result: PatchResult): void;
  reject(error: MemSyncError): void;
  cleanup(): void;
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
 */
export class Outbox {
  private readonly writes = new Map<number, PendingWrite>();

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
      const giveUp = (error: MemSyncError): void => {
        if (!this.writes.delete(patch.seq)) return;
        write.cleanup();
        this.onGiveUp(patch, error);
        reject(error);
      };
      const timer = setTimeout(
        () =>
          giveUp(
            new TimeoutError(
              `patch ${patch.seq} was not ordered within ${options.timeoutMs} ms; it was rolled back from the view (if it reached the host it may still be applied)`,
            ),
          ),
        options.timeoutMs,
      );
      const onAbort = (): void =>
        giveUp(
          new AbortError('ERR_ABORTED', `patch ${patch.seq} aborted`, { cause: signal?.reason }),
        );
      signal?.addEventListener('abort', onAbort, { once: true });
      const write: PendingWrite = {
        patch,
        resolve,
        reject,
        cleanup: () => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
        },
      };
      this.writes.set(patch.seq, write);
    });
  }

  /** The host ordered `seq`: settle its promise. Returns false if nobody waits for it. */
  settle(seq: number, result: PatchResult): boolean {
    const write = this.writes.get(seq);
    if (!write) return false;
    this.writes.delete(seq);
    write.cleanup();
    write.resolve(result);
    return true;
  }

  /** Fail one write without rolling anything back (the owner already did). */
  fail(seq: number, error: MemSyncError): void {
    const write = this.writes.get(seq);
    if (!write) return;
    this.writes.delete(seq);
    write.cleanup();
    write.reject(error);
  }

  failAll(error: MemSyncError): void {
    for (const seq of [...this.writes.keys()]) this.fail(seq, error);
  }
}
