import { AbortError, TimeoutError } from '../errors.js';

interface Waiter {
  version: number;
  resolve(): void;
  cleanup(): void;
}

/** Promises that resolve when the confirmed version reaches a number. */
export class VersionWaiters {
  private waiters: Waiter[] = [];

  wait(current: number, version: number, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    if (current >= version) return Promise.resolve();
    if (signal?.aborted) return Promise.reject(new AbortError('ERR_ABORTED', 'aborted'));
    return new Promise<void>((resolve, reject) => {
      const fail = (error: Error): void => {
        waiter.cleanup();
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(error);
      };
      const timer = setTimeout(
        () => fail(new TimeoutError(`version ${version} not reached within ${timeoutMs} ms`)),
        timeoutMs,
      );
      const onAbort = (): void => fail(new AbortError('ERR_ABORTED', 'aborted', { cause: signal?.reason }));
      signal?.addEventListener('abort', onAbort, { once: true });
      const waiter: Waiter = {
        version,
        resolve,
        cleanup: () => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
        },
      };
      this.waiters.push(waiter);
    });
  }

  advance(version: number): void {
    if (this.waiters.length === 0) return;
    const still: Waiter[] = [];
    for (const waiter of this.waiters) {
      if (waiter.version <= version) {
        waiter.cleanup();
        waiter.resolve();
      } else {
        still.push(waiter);
      }
    }
    this.waiters = still;
  }
}
