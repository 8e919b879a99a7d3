import { MemSyncError } from './errors.js';

/**
 * Turns a listener subscription into an async iterator. Events wait in a bounded queue for
 * a slow consumer; past `limit` the iterator fails with `ERR_BACKPRESSURE` rather than grow
 * without bound. Ends on `return()` (a `break` in `for await`) or when `signal` aborts.
 */
export function streamOf<E>(
  subscribe: (listener: (event: E) => void) => () => void,
  options: { signal?: AbortSignal; limit?: number } = {},
): AsyncIterableIterator<E> {
  const limit = options.limit ?? 10_000;
  const queue: E[] = [];
  let waiting: { resolve(r: IteratorResult<E>): void; reject(e: Error): void } | undefined;
  let failure: Error | undefined;
  let done = false;

  const finish = (error?: Error): void => {
    if (done) return;
    done = true;
    failure = error;
    unsubscribe();
    options.signal?.removeEventListener('abort', onAbort);
    if (waiting) {
      const w = waiting;
      waiting = undefined;
      if (error) w.reject(error);
      else w.resolve({ value: undefined, done: true });
    }
  };
  // An abort ends the loop, as `break` does: `for await` simply stops, nothing is thrown.
  const onAbort = (): void => finish();
  const unsubscribe = subscribe((event) => {
    if (done) return;
    if (waiting) {
      const w = waiting;
      waiting = undefined;
      w.resolve({ value: event, done: false });
    } else if (queue.length >= limit) {
      finish(new MemSyncError('ERR_BACKPRESSURE', `change stream consumer fell ${limit} events behind`));
    } else {
      queue.push(event);
    }
  });
  if (options.signal?.aborted) onAbort();
  else options.signal?.addEventListener('abort', onAbort, { once: true });

  return {
    next(): Promise<IteratorResult<E>> {
      if (queue.length > 0) return Promise.resolve({ value: queue.shift() as E, done: false });
      if (done) return failure ? Promise.reject(failure) : Promise.resolve({ value: undefined, done: true });
      return new Promise((resolve, reject) => {
        waiting = { resolve, reject };
      });
    },
    return(): Promise<IteratorResult<E>> {
      queue.length = 0;
      finish();
      return Promise.resolve({ value: undefined, done: true });
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
