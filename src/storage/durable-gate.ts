import type { MemSyncError } from '../errors.js';
import type { Connection, ConnectionHandlers } from '../transport/types.js';

interface Held {
  version: number;
  run(): void;
  /** Run instead when the store fails (a close still closes). */
  onFail?: () => void;
}

/**
 * Holds back whatever would tell anyone about a version before the store holds it: messages
 * to peers (entries, catch-ups, snapshots, a welcome — a client takes its patch as
 * acknowledged when it sees it ordered) and the host's own `patch()` results. Each waits for
 * the version the replica had when it was produced; they are released in the order they
 * were held, so a peer's messages keep their order.
 */
export class DurableGate {
  /** Highest version the store holds as durably as its sync mode promises. */
  private durable: number;
  private held: Held[] = [];
  private failure: MemSyncError | undefined;

  constructor(
    initial: number,
    /** The version the replica is at now. */
    private readonly current: () => number,
  ) {
    this.durable = initial;
  }

  get version(): number {
    return this.durable;
  }

  get failed(): MemSyncError | undefined {
    return this.failure;
  }

  /** Runs `run` once `version` is durable (at once if it is and nothing is held before it). */
  after(version: number, run: () => void, onFail?: () => void): void {
    if (this.failure) return onFail?.();
    if (this.held.length === 0 && version <= this.durable) return run();
    this.held.push(onFail ? { version, run, onFail } : { version, run });
  }

  /** Resolves once `version` is durable. @throws the store's failure */
  whenDurable(version: number): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (version <= this.durable) return Promise.resolve();
    return new Promise((resolve, reject) =>
      this.after(version, resolve, () => reject(this.failure)),
    );
  }

  advance(version: number): void {
    if (version <= this.durable) return;
    this.durable = version;
    let released = 0;
    while (released < this.held.length && this.held[released]!.version <= version) released++;
    if (released === 0) return;
    const ready = this.held.splice(0, released);
    for (const item of ready) item.run();
  }

  /** The store failed (fenced, I/O): nothing held is ever released. */
  fail(error: MemSyncError): void {
    this.failure ??= error;
    const held = this.held;
    this.held = [];
    for (const item of held) item.onFail?.();
  }

  /** A connection whose sends wait for the version the replica had when they were made. */
  wrap(inner: Connection): Connection {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const gate = this;
    return {
      get id() {
        return inner.id;
      },
      get closed() {
        return inner.closed;
      },
      get bufferedBytes() {
        return inner.bufferedBytes;
      },
      setHandlers: (handlers: ConnectionHandlers) => inner.setHandlers(handlers),
      authenticated: () => inner.authenticated(),
      send: (message: unknown) => gate.after(gate.current(), () => inner.send(message)),
      // What is held for it goes first, unless the store failed (then it never will).
      close: (error?: MemSyncError) => {
        const close = (): void => inner.close(error);
        gate.after(gate.current(), close, close);
      },
    };
  }
}
