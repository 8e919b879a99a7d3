import { MemSyncError, TimeoutError } from '../errors.js';

/** How long `mem.flush()` waits for a host to answer it, through elections included. */
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

/** How `mem.flush()` reaches whoever hosts now (see {@link flushThroughHosts}). */
export interface FlushRoute {
  /** The flush of the current role (the own store as host, a request as client); undefined while electing. */
  attempt(timeoutMs: number): Promise<void> | undefined;
  /** Never started or stopped: there is nothing this replica could still see flushed. */
  idle(): boolean;
  /** Counts role changes: an attempt that failed is retried only once the role moved on. */
  generation(): number;
  /** Resolves at the next role change. */
  nextRole(): Promise<void>;
}

/** Errors that mean the host went away, not that its store failed: the next host is asked. */
const HOST_GONE = new Set(['ERR_CONNECTION', 'ERR_HOST_TIMEOUT']);

/**
 * `mem.flush()`: asks the current host (or our own store), and when the host goes away before
 * it answers, or no host is in place (an election), waits for the next one and asks it. The
 * next host writes the same store, so its fsync covers what the dead host stored (every entry
 * this replica saw was stored before it was sent). Bounded by `timeoutMs` overall.
 * @throws TimeoutError `ERR_TIMEOUT` when no host answered in time; MemSyncError
 *   `ERR_STOPPED` when this replica stopped first; the store's own error (ERR_STORAGE, ERR_FENCED)
 */
export async function flushThroughHosts(route: FlushRoute, timeoutMs = FLUSH_TIMEOUT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastGone: MemSyncError | undefined;
  if (route.idle()) return;
  for (;;) {
    if (route.idle()) throw new MemSyncError('ERR_STOPPED', 'stopped before a host answered the flush');
    const generation = route.generation();
    const attempt = route.attempt(Math.max(1, deadline - Date.now()));
    if (attempt !== undefined) {
      try {
        return await beforeDeadline(attempt, deadline, timeoutMs, lastGone);
      } catch (error) {
        if (!(error instanceof MemSyncError) || !HOST_GONE.has(error.code)) throw error;
        lastGone = error;
      }
      // The role has already moved on (a new host, or an election): try it at once.
      if (route.generation() !== generation) continue;
    }
    await beforeDeadline(route.nextRole(), deadline, timeoutMs, lastGone);
  }
}

function beforeDeadline<T>(promise: Promise<T>, deadline: number, timeoutMs: number, cause: MemSyncError | undefined): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const why = cause ? `; the last host went away: ${cause.message}` : '';
      reject(new TimeoutError(`no host answered a flush within ${timeoutMs} ms${why}`, cause ? { cause } : undefined));
    }, Math.max(1, deadline - Date.now()));
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}
