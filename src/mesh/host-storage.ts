import type { MemSyncError } from '../errors.js';
import { StorageError } from '../errors.js';
import { DurableGate } from '../storage/durable-gate.js';
import { replicaFromStore } from '../storage/stored-replica.js';
import type { SentFrame, StorageAdapter, StoredState } from '../storage/types.js';
import type { Connection } from '../transport/types.js';
import type { OrderedPatch } from '../types.js';
import type { MemSyncLimits } from '../options.js';
import type { ReplicaCore } from './replica-core.js';

export interface HostStorageOptions {
  mesh: string;
  limits: MemSyncLimits;
  /** Entries appended after which the store is compacted (a snapshot, the log before it dropped). */
  compactEvery: number;
  /** The store refused a write (fenced by a newer host, or failed): stop hosting. */
  onFailed(error: MemSyncError): void;
}

/**
 * What the host does with its store: claim it when it becomes host (loading it on a fresh
 * mesh, continuing it after a failover), append each batch it orders as one transaction
 * (group commit), and hold back every acknowledgement until the store holds what it
 * acknowledges (see storage/durable-gate.ts).
 */
export class HostStorage {
  private gate: DurableGate | undefined;
  /** Highest version handed to the adapter. */
  private appended = 0;
  /** Writes handed to the store whose promise has not settled yet. */
  private unsettled = 0;
  private sinceSnapshot = 0;
  private compacting = false;
  /** Resolves once every write handed to the adapter so far has settled. */
  private tail: Promise<void> = Promise.resolve();
  /**
   * The last term's store failed (fenced, I/O) at this durable version: an own patch ordered
   * above it in that term, whose result arrives after we stopped hosting, was never stored.
   */
  private failedAt: { error: MemSyncError; durable: number } | undefined;

  constructor(
    readonly adapter: StorageAdapter,
    private readonly core: ReplicaCore,
    private readonly options: HostStorageOptions,
  ) {}

  get id(): string {
    return this.adapter.id;
  }

  /**
   * Claims the store for `epoch` and makes it and the replica agree before the host orders
   * anything: a fresh replica takes the stored state instead of its defaults; a replica
   * behind the store takes the entries it lacks; a store that does not exist yet, or lags
   * or differs from the replica, is brought to the replica's state. Returns the epoch held.
   * @throws StorageError when the store cannot be read (it is then left untouched)
   */
  async takeOver(epoch: number): Promise<number> {
    const loaded = await this.adapter.load({ mesh: this.options.mesh, epoch });
    this.failedAt = undefined;
    this.compacting = false;
    const { core } = this;
    const here = core.replica.version;
    let replicaWins = loaded.state === undefined;
    if (loaded.state) {
      const stored = replicaFromStore(loaded.state, { limits: this.options.limits }, this.adapter.id);
      const at = epochAt(loaded.state, here);
      if (here === 0 || (at === undefined && stored.version > here)) {
        // A fresh replica (its defaults give way), or a store that moved on past anything
        // we can compare with: the store's state is the mesh's.
        core.installSnapshot(stored.snapshot(), 'storage');
      } else if (at === core.replica.epoch) {
        // Our history is the store's up to here: take what the store holds beyond it (the
        // previous host stored it and died before anyone saw it).
        for (const entry of loaded.state.entries) if (entry.version > here) core.applyOrdered(entry);
      } else if (stored.epoch > core.replica.epoch) {
        // Diverged, and the store's history was written under a newer epoch than ours: ours
        // holds entries a host ordered but never stored (a host fenced by a newer one, or this
        // very replica as that host), which nobody was told of. The store's is the mesh's.
        // (Replica winning here let a fenced host, electing again, write its own state over
        // the newer host's acknowledged entries.)
        core.installSnapshot(stored.snapshot(), 'storage');
      } else {
        // The store lags us (a prefix of our history has no newer epoch) or an older
        // history diverged from ours: the live mesh's history is the truth.
        replicaWins = true;
      }
    }
    if (replicaWins) await this.adapter.snapshot(core.replica.snapshot());
    this.appended = core.replica.version;
    this.sinceSnapshot = replicaWins ? 0 : (loaded.state?.entries.length ?? 0);
    this.tail = Promise.resolve();
    // A host sends a batch before applying it (unapplied-entries.ts), never before appending
    // it: what a message reveals is the highest version applied or appended.
    this.gate = new DurableGate(core.replica.version, () => Math.max(core.replica.version, this.appended));
    return loaded.epoch;
  }

  /**
   * One ordering batch (or one frame of it): one transaction. Entries the store already holds
   * are skipped. Called before the batch is sent; `sent`, the frame about to be sent with
   * exactly these entries, becomes the store's record when the store keeps frames (format 5).
   * Then {@link applied} once the host applied them.
   */
  append(entries: readonly OrderedPatch[], sent?: SentFrame): void {
    if (!this.gate || this.gate.failed) return;
    const last = entries[entries.length - 1];
    if (last === undefined || last.version <= this.appended) return;
    // Nothing of it stored yet (every batch but one overlapping what a takeover stored): as is.
    const fresh = entries[0]!.version > this.appended ? entries : entries.filter((entry) => entry.version > this.appended);
    if (fresh[0]!.version !== this.appended + 1) return this.storeSnapshot();
    const frame = fresh === entries ? sent : undefined;
    this.appended = last.version;
    if (!this.appendNow(fresh, frame)) this.track(this.adapter.append(fresh, frame), this.appended);
    this.sinceSnapshot += fresh.length;
    this.applied();
  }

  /** The host applied what it appended: compact now if it is time (the snapshot is of that state). */
  applied(): void {
    if (!this.gate || this.gate.failed) return;
    if (this.sinceSnapshot >= this.options.compactEvery && this.core.replica.version === this.appended && !this.compacting) {
      this.compact();
    }
  }

  /**
   * Compaction: the store encodes the snapshot across turns of the event loop and appends
   * go on meanwhile (see LmdbStorage), so ordering does not stall. One at a time.
   */
  private compact(): void {
    const snapshot = this.core.replica.snapshot();
    this.sinceSnapshot = 0;
    this.compacting = true;
    const write = this.adapter.snapshot(snapshot);
    void write.then(
      () => (this.compacting = false),
      () => (this.compacting = false),
    );
    this.track(write, snapshot.version);
  }

  /** The replica jumped (a state adopted wholesale) or the log is long: store the whole state. */
  storeSnapshot(): void {
    if (!this.gate || this.gate.failed) return;
    const snapshot = this.core.replica.snapshot();
    this.appended = snapshot.version;
    this.sinceSnapshot = 0;
    this.track(this.adapter.snapshot(snapshot), snapshot.version);
  }

  /** A connection whose messages wait until the store holds what they reveal. */
  wrap(conn: Connection): Connection {
    return this.gate ? this.gate.wrap(conn) : conn;
  }

  /** Resolves once `version` is stored (at once when this replica is not hosting). */
  whenDurable(version: number): Promise<void> {
    if (this.gate) return this.gate.whenDurable(version);
    if (this.failedAt && version > this.failedAt.durable) return Promise.reject(this.failedAt.error);
    return Promise.resolve();
  }

  /** Everything ordered so far, on disk. */
  async flush(): Promise<void> {
    if (!this.gate) return;
    await this.tail;
    if (this.gate.failed) throw this.gate.failed;
    await this.adapter.flush();
  }

  /** Stops hosting: what is written is flushed, and the store closed. */
  async release(): Promise<void> {
    // The gate stays until the flush is done: a result arriving meanwhile still waits for it.
    const gate = this.gate;
    if (gate && !gate.failed) {
      await this.tail.catch(() => {});
      await this.adapter.flush().catch(() => {});
    }
    if (this.gate === gate) this.gate = undefined;
    await this.adapter.close();
  }

  /**
   * The store's synchronous append, when it has one and can use it now: the gate moves at once
   * and the batch's messages go out in this turn, with no promise per batch. Only while no
   * earlier write is still settling, so the gate still moves in the order writes were made.
   */
  private appendNow(entries: readonly OrderedPatch[], sent: SentFrame | undefined): boolean {
    if (!this.adapter.appendNow || this.unsettled > 0) return false;
    try {
      if (!this.adapter.appendNow(entries, sent)) return false;
    } catch (error) {
      // As when an append rejects: nothing is released from now on, and the host hears of
      // it after this ordering batch, not in the middle of it.
      this.failed(error, true);
      return true;
    }
    this.gate!.advance(this.appended);
    return true;
  }

  private track(write: Promise<void>, version: number): void {
    const gate = this.gate!;
    this.unsettled++;
    const done = write.then(
      () => {
        this.unsettled--;
        gate.advance(version);
      },
      (error: unknown) => {
        this.unsettled--;
        this.failed(error);
      },
    );
    // Writes settle in order (one store, one writer); chaining keeps the gate's order anyway.
    this.tail = Promise.all([this.tail, done]).then(() => {});
  }

  private failed(error: unknown, later = false): void {
    const gate = this.gate!;
    const failure =
      error instanceof StorageError
        ? error
        : new StorageError('ERR_STORAGE', `the store failed: ${String(error)}`, this.adapter.id, { cause: error });
    if (gate.failed) return;
    this.failedAt = { error: failure, durable: gate.version };
    gate.fail(failure);
    if (later) queueMicrotask(() => this.options.onFailed(failure));
    else this.options.onFailed(failure);
  }
}

/** The epoch of the store's entry at `version`, when the store still holds it. */
function epochAt(state: StoredState, version: number): number | undefined {
  const base = state.snapshot.version;
  if (version === base) return state.snapshot.epoch;
  if (version < base) return undefined;
  return state.entries[version - base - 1]?.epoch;
}

/**
 * A client's `flush` request: fsync everything ordered so far (it covers every entry the
 * client has seen: each was stored before it was sent), then answer on `conn`. A host
 * without storage answers at once: nothing of it will ever be more durable.
 */
export function answerFlush(storage: HostStorage | undefined, conn: Connection, id: number): void {
  const done = storage ? storage.flush() : Promise.resolve();
  done.then(
    () => conn.send({ type: 'flushed', id }),
    (error: unknown) => conn.send({ type: 'flushed', id, error: (error instanceof Error ? error.message : String(error)).slice(0, 4096) }),
  );
}
