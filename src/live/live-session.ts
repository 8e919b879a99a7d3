import { getAt, joinPath } from '../observe/paths.js';
import type { JsonValue, Update } from '../types.js';
import { applyWrite, type Write } from './json-writes.js';
import { PendingWrites } from './pending-writes.js';

/** What a live object reads from and writes to: in memsync, the MemSync instance. */
export interface LiveSource<T> {
  /** The current document; read afresh on every access, never cached. */
  readonly data: T;
  /**
   * Sends one update. Expected to apply it to `data` at once (read-your-writes), before its
   * promise settles; a rejection is reported to the live object's error hook.
   */
  patch(update: Update): Promise<unknown>;
}

/**
 * The state behind every proxy of one live object: the source, this tick's pending writes,
 * and the view they give (the source's data with the pending writes applied), so a read
 * right after a write in the same tick sees it.
 */
export class LiveSession {
  readonly #source: LiveSource<unknown>;
  readonly #onError: (error: unknown) => void;
  readonly #pending = new PendingWrites();
  #view: JsonValue | undefined;
  /** The source data the view was computed from; another writer may replace it mid-tick. */
  #viewBase: unknown;
  #flushScheduled = false;

  constructor(source: LiveSource<unknown>, onError: (error: unknown) => void) {
    this.#source = source;
    this.#onError = onError;
  }

  /** The whole document as this live object sees it now. */
  current(): JsonValue {
    const base = this.#source.data as JsonValue;
    if (this.#pending.isEmpty) return base;
    if (base !== this.#viewBase || this.#view === undefined) {
      this.#view = this.#pending.applyTo(base);
      this.#viewBase = base;
    }
    return this.#view;
  }

  /** The value at a path as this live object sees it now. */
  read(segments: readonly string[]): JsonValue | undefined {
    return getAt(this.current(), segments);
  }

  /**
   * Records a write for the next flush and shows it in the view at once.
   * @throws MemSyncError `ERR_INVALID_PATH` when the path cannot hold it (a primitive in the way, a push onto a
   * non-array); nothing is recorded then.
   */
  write(segments: readonly string[], write: Write): void {
    const before = this.current();
    const after = applyWrite(before, segments, write) ?? before;
    this.#pending.record(joinPath(segments), write, (at) => getAt(before, at));
    this.#view = after;
    this.#viewBase = this.#source.data;
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      queueMicrotask(() => {
        this.#flushScheduled = false;
        this.#flush();
      });
    }
  }

  #flush(): void {
    if (this.#pending.isEmpty) return;
    const update = this.#pending.take();
    this.#view = undefined;
    this.#viewBase = undefined;
    try {
      Promise.resolve(this.#source.patch(update)).then(undefined, (error: unknown) =>
        this.#report(error),
      );
    } catch (error) {
      this.#report(error);
    }
  }

  #report(error: unknown): void {
    try {
      this.#onError(error);
    } catch {
      // The error hook itself failed; there is nowhere left to report to.
    }
  }
}
