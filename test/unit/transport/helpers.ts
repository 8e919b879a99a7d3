/** Test helpers shared by the transport tests (unit and integration). */
import type { MemSyncError } from '../../../src/errors.js';
import type { Connection } from '../../../src/transport/types.js';

/** Rejects if `promise` does not settle within `ms`: every wait in these tests is bounded. */
export function within<T>(ms: number, promise: Promise<T>, what = 'operation'): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Resolves after pending I/O callbacks and immediates have run once. */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Records what a connection delivers. */
export interface Recorder {
  readonly messages: unknown[];
  readonly closeCalls: (MemSyncError | undefined)[];
  /** Resolves once `count` messages have arrived. */
  received(count: number, ms?: number): Promise<unknown[]>;
  /** Resolves with the close error (or undefined) once close was called. */
  closed(ms?: number): Promise<MemSyncError | undefined>;
}

/** Sets handlers on `connection` that record everything; `onMessage` may answer. */
export function record(connection: Connection, onMessage?: (message: unknown) => void): Recorder {
  const messages: unknown[] = [];
  const closeCalls: (MemSyncError | undefined)[] = [];
  const waiters: (() => void)[] = [];
  const wake = () => {
    for (const waiter of waiters.splice(0)) waiter();
  };
  const until = (condition: () => boolean, ms: number, what: string) =>
    within(
      ms,
      new Promise<void>((resolve) => {
        const check = () => {
          if (condition()) resolve();
          else waiters.push(check);
        };
        check();
      }),
      what,
    );
  connection.setHandlers({
    message(message) {
      messages.push(message);
      onMessage?.(message);
      wake();
    },
    close(error) {
      closeCalls.push(error);
      wake();
    },
  });
  return {
    messages,
    closeCalls,
    async received(count, ms = 20_000) {
      await until(() => messages.length >= count, ms, `receiving ${count} messages`);
      return messages;
    },
    async closed(ms = 10_000) {
      await until(() => closeCalls.length > 0, ms, 'close');
      return closeCalls[0];
    },
  };
}

/** A promise plus its resolver, to turn a callback into something to await. */
export function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}
