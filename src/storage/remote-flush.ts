import { MemSyncError, TimeoutError } from '../errors.js';

/** How long a client waits for its host to answer a flush. */
export const FLUSH_TIMEOUT_MS = 30_000;

interface Pending {
  resolve(): void;
  reject(error: MemSyncError): void;
  timer: NodeJS.Timeout;
}

/**
 * `mem.flush()` on a client: the entries it has seen were stored by the host before they
 * were sent (durable-gate.ts), but under `'interval'` / `'none'` maybe not yet fsynced. The
 * client asks (`flush`), the host fsyncs everything it has ordered and answers (`flushed`),
 * which covers everything the client has seen. One of these per connection to a host.
 */
export class RemoteFlushes {
  private next = 1;
  private pending = new Map<number, Pending>();
  private closed: MemSyncError | undefined;

  /** Sends a request with `send(id)`; resolves on the host's answer. */
  request(send: (id: number) => void, timeoutMs = FLUSH_TIMEOUT_MS): Promise<void> {
    if (this.closed) return Promise.reject(this.closed);
    const id = this.next++;
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new TimeoutError(`the host did not answer a flush within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      send(id);
    });
  }

  /** The host's answer to request `id`: `error` when its store failed. */
  answer(id: number, error: string | undefined): void {
    const pending = this.pending.get(id);
    if (!pending) return;
    this.pending.delete(id);
    clearTimeout(pending.timer);
    if (error === undefined) pending.resolve();
    else pending.reject(new MemSyncError('ERR_STORAGE', `the host could not flush its store: ${error}`));
  }

  /** The connection is gone: what is pending fails with `error` (retry on the next host). */
  close(error: MemSyncError): void {
    this.closed ??= error;
    for (const pending of this.pending.values()) {
      clearTimeout(pending.timer);
      pending.reject(this.closed);
    }
    this.pending.clear();
  }
}
