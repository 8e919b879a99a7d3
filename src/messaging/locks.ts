/**
 * This process's side of the locks: requests waiting for a grant, locks held, releases under
 * way. Every decision is the replicated lock table's (lock-table.ts), applied from ordered
 * entries: this file only follows what the table says about our own requests, resends what
 * the host may not have ordered, and gives up waiting on timeout or abort.
 */
import { AbortError, MemSyncError, TimeoutError } from '../errors.js';
import type { LockChange, LockTable } from './lock-table.js';
import type { MessagingMessage } from './link.js';

/** Options of {@link MemSync.lock}. */
export interface LockOptions {
  /** Stop waiting: the promise rejects with `ERR_ABORTED` (and the request is withdrawn). */
  signal?: AbortSignal;
  /** Longest wait for the grant, in ms; then `ERR_TIMEOUT`. @default options.patchTimeout */
  timeout?: number;
  /** Holders at once: 1 is a mutex, more a semaphore (every user of a name should pass the same). @default 1 */
  limit?: number;
}

/** A held lock. `await using lock = await mem.lock('x')` releases it at the end of the scope. */
export interface MemSyncLock {
  /** The lock's name. */
  readonly name: string;
  /**
   * Fencing token: the version of the ordered entry that granted this lock. Strictly
   * increasing per name across holders and failovers (holders granted by one entry of a
   * semaphore share it). Give it to whatever you write to, and refuse a smaller one there.
   */
  readonly token: number;
  /** The mesh freed this lock without us (we were cut off from the host too long): see `signal`. */
  readonly lost: boolean;
  /** Aborted (reason: `ERR_LOCK_LOST`) when the lock is lost; never when it is released. */
  readonly signal: AbortSignal;
  /** Gives the lock up; resolves once that is ordered (or the lock already ended). */
  release(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Requests of one process holding or waiting at once (the host refuses more). */
export const MAX_LOCK_REQUESTS = 10_000;

interface Waiting {
  name: string;
  rid: number;
  limit: number;
  ordered: boolean;
  resolve(lock: MemSyncLock): void;
  reject(error: MemSyncError): void;
  cleanup(): void;
}

export class LockClient {
  private rid: number;
  private readonly waiting = new Map<number, Waiting>();
  private readonly held = new Map<number, HeldLock>();
  /** Releases (and withdrawals) sent, not yet ordered: resent to a new host. */
  private readonly releasing = new Map<number, { name: string; done: Array<() => void> }>();
  private stopped = false;

  constructor(
    private readonly self: string,
    private readonly table: () => LockTable,
    /** Sends to the host, or returns false while there is none (resent later). */
    private readonly up: (message: MessagingMessage) => boolean,
  ) {
    // Numbers grow across lives of one id: a restarted process's requests are never
    // taken for resends of its previous life's (the table remembers the last per peer).
    this.rid = Date.now() * 1000;
  }

  acquire(name: string, options: LockOptions, timeoutMs: number): Promise<MemSyncLock> {
    if (this.stopped) return Promise.reject(new MemSyncError('ERR_STOPPED', 'this instance was stopped'));
    const limit = options.limit ?? 1;
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > 1_000_000) {
      return Promise.reject(new MemSyncError('ERR_INVALID_ARGUMENT', 'limit must be an integer from 1 to 1000000'));
    }
    if (options.signal?.aborted) return Promise.reject(new AbortError('ERR_ABORTED', 'aborted before asking'));
    if (this.waiting.size + this.held.size >= MAX_LOCK_REQUESTS) {
      return Promise.reject(new MemSyncError('ERR_LIMIT_EXCEEDED', `more than ${MAX_LOCK_REQUESTS} lock requests at once`));
    }
    const rid = ++this.rid;
    return new Promise<MemSyncLock>((resolve, reject) => {
      const giveUp = (error: MemSyncError): void => {
        if (!this.waiting.has(rid)) return;
        this.waiting.delete(rid);
        entry.cleanup();
        this.withdraw(name, rid);
        reject(error);
      };
      const timer = setTimeout(
        () => giveUp(new TimeoutError(`lock '${name}' not granted within ${timeoutMs} ms`)),
        timeoutMs,
      );
      const onAbort = (): void => giveUp(new AbortError('ERR_ABORTED', `waiting for lock '${name}' aborted`));
      options.signal?.addEventListener('abort', onAbort, { once: true });
      const entry: Waiting = {
        name,
        rid,
        limit,
        ordered: false,
        resolve,
        reject,
        cleanup: () => {
          clearTimeout(timer);
          options.signal?.removeEventListener('abort', onAbort);
        },
      };
      this.waiting.set(rid, entry);
      this.up({ type: 'lock', op: 'acquire', name, rid, limit });
    });
  }

  /** What the table decided about a request of ours. */
  changed(change: LockChange): void {
    if (change.peer !== this.self) return;
    const { rid } = change;
    if (change.kind === 'queued') {
      const waiting = this.waiting.get(rid);
      if (waiting) waiting.ordered = true;
      return;
    }
    if (change.kind === 'granted') {
      const waiting = this.waiting.get(rid);
      if (waiting) {
        this.waiting.delete(rid);
        waiting.cleanup();
        const lock: HeldLock = new HeldLock(change.name, change.token, () => this.release(lock, rid));
        this.held.set(rid, lock);
        waiting.resolve(lock);
      } else if (!this.releasing.has(rid)) {
        // Granted to a request we no longer wait for (a previous life's, resent): give it back.
        this.withdraw(change.name, rid);
      }
      return;
    }
    // ended: released, withdrawn, or freed because the host thought we had left.
    this.settleRelease(rid);
    const lock = this.held.get(rid);
    if (lock) {
      this.held.delete(rid);
      if (change.why === 'left') lock.markLost();
      return;
    }
    const waiting = this.waiting.get(rid);
    if (waiting && change.why === 'left') {
      // The host dropped our request with our connection, but we still wait: ask again.
      waiting.ordered = false;
      this.up({ type: 'lock', op: 'acquire', name: waiting.name, rid, limit: waiting.limit });
    }
  }

  /** A new way to the host: send again whatever it may not have ordered. */
  resend(): void {
    for (const w of this.waiting.values()) {
      if (!w.ordered) this.up({ type: 'lock', op: 'acquire', name: w.name, rid: w.rid, limit: w.limit });
    }
    for (const [rid, r] of this.releasing) this.up({ type: 'lock', op: 'release', name: r.name, rid });
  }

  /** The table was replaced (a snapshot): bring our requests in line with it. */
  reconcile(): void {
    const table = this.table();
    for (const [rid, w] of [...this.waiting]) {
      const grant = table.heldBy(w.name, this.self, rid);
      if (grant) this.changed({ kind: 'granted', name: w.name, peer: this.self, rid, token: grant.token });
      else w.ordered = table.isWaiting(w.name, this.self, rid);
    }
    for (const [rid, lock] of [...this.held]) {
      if (!table.heldBy(lock.name, this.self, rid)) {
        this.held.delete(rid);
        lock.markLost();
      }
    }
    for (const [rid, r] of [...this.releasing]) {
      if (!table.heldBy(r.name, this.self, rid) && !table.isWaiting(r.name, this.self, rid)) this.settleRelease(rid);
    }
    this.resend();
  }

  /** stop(): waiting requests fail; held locks end (the host frees them as we leave). */
  stop(): void {
    this.stopped = true;
    for (const w of this.waiting.values()) {
      w.cleanup();
      w.reject(new MemSyncError('ERR_STOPPED', `stopped while waiting for lock '${w.name}'`));
    }
    this.waiting.clear();
    for (const lock of this.held.values()) lock.markEnded();
    this.held.clear();
    for (const rid of [...this.releasing.keys()]) this.settleRelease(rid);
  }

  private release(lock: HeldLock, rid: number): Promise<void> {
    if (!this.held.has(rid)) return Promise.resolve();
    return new Promise<void>((resolve) => {
      this.withdraw(lock.name, rid, resolve);
    });
  }

  private withdraw(name: string, rid: number, done?: () => void): void {
    const pending = this.releasing.get(rid);
    if (pending) {
      if (done) pending.done.push(done);
      return;
    }
    this.releasing.set(rid, { name, done: done ? [done] : [] });
    this.up({ type: 'lock', op: 'release', name, rid });
  }

  private settleRelease(rid: number): void {
    const pending = this.releasing.get(rid);
    if (!pending) return;
    this.releasing.delete(rid);
    const lock = this.held.get(rid);
    if (lock) {
      this.held.delete(rid);
      lock.markEnded();
    }
    for (const done of pending.done) done();
  }
}

class HeldLock implements MemSyncLock {
  private readonly controller = new AbortController();
  private isLost = false;
  private ended = false;

  constructor(
    readonly name: string,
    readonly token: number,
    private readonly doRelease: () => Promise<void>,
  ) {}

  get lost(): boolean {
    return this.isLost;
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  release(): Promise<void> {
    if (this.ended) return Promise.resolve();
    return this.doRelease();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.release();
  }

  markEnded(): void {
    this.ended = true;
  }

  markLost(): void {
    if (this.ended) return;
    this.ended = true;
    this.isLost = true;
    this.controller.abort(new MemSyncError('ERR_LOCK_LOST', `lock '${this.name}' (token ${this.token}) was freed by the mesh`));
  }
}
