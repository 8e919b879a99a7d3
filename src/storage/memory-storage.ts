import type { ReplicaSnapshot } from '../document/index.js';
import { StorageError } from '../errors.js';
import type { OrderedPatch } from '../types.js';
import { FORMAT_NAME, FORMAT_VERSION, checkFormat, type StoreHeader } from './store-format.js';
import type { LoadResult, StorageAdapter, StoredState, SyncMode } from './types.js';

/** One committed transaction, as JSON text (what a disk would hold: no shared objects). */
type Txn =
  | { kind: 'claim'; epoch: number; header: StoreHeader }
  | { kind: 'append'; epoch: number; entries: string }
  | { kind: 'snapshot'; epoch: number; snapshot: string };

/**
 * A disk in memory, shared by the {@link MemoryStorage} adapters of one test (each stands for
 * one process). It holds committed transactions in order and how many of them are synced,
 * so a test can cut the power: {@link MemoryDisk.powerLoss} keeps what was synced plus any
 * prefix of the rest — LMDB's own guarantee (commits are atomic and land in order).
 */
export class MemoryDisk {
  txns: Txn[] = [];
  synced = 0;
  /** Counts power losses: an adapter from before one belongs to a process that died with it. */
  generation = 0;

  constructor(readonly name = 'memory') {}

  /** Power cut: keeps the synced transactions and `extra` of the unsynced ones (clamped). */
  powerLoss(extra = 0): void {
    const keep = Math.min(this.txns.length, this.synced + Math.max(0, extra));
    this.txns = this.txns.slice(0, keep);
    this.synced = keep;
    this.generation++;
  }

  /** The epoch that last claimed the disk (0: never claimed). */
  get owner(): number {
    let epoch = 0;
    for (const txn of this.txns) if (txn.kind === 'claim') epoch = txn.epoch;
    return epoch;
  }
}

/**
 * An adapter over a {@link MemoryDisk} with the same contract as the LMDB one: commits are
 * synchronous, the "fsync" happens a macrotask later (`'always'` waits for it, `'interval'`
 * runs it every `intervalMs`, `'none'` only on `flush()`).
 */
export class MemoryStorage implements StorageAdapter {
  readonly id: string;
  private epoch = 0;
  /** Highest version the writes so far make reachable (see snapshot()). */
  private stored = 0;
  private snapshotted = 0;
  /** The disk's generation when this adapter ("process") started: a power loss ends it. */
  private readonly generation: number;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    readonly disk: MemoryDisk = new MemoryDisk(),
    readonly sync: SyncMode = 'interval',
    private readonly intervalMs = 1000,
  ) {
    this.id = `memory:${disk.name}`;
    this.generation = disk.generation;
  }

  async load(claim: { mesh: string; epoch: number }): Promise<LoadResult> {
    const header = this.disk.txns.find((t) => t.kind === 'claim')?.header;
    if (header !== undefined) checkFormat(header, claim.mesh, this.id);
    const epoch = Math.max(claim.epoch, this.disk.owner + 1);
    this.epoch = epoch;
    this.commit({ kind: 'claim', epoch, header: header ?? { format: FORMAT_NAME, version: FORMAT_VERSION, mesh: claim.mesh } });
    await this.syncNow();
    if (this.sync === 'interval') {
      this.timer = setInterval(() => this.syncNow().catch(() => clearInterval(this.timer)), this.intervalMs);
      this.timer.unref();
    }
    const state = header === undefined ? undefined : this.read();
    this.stored = state ? state.snapshot.version + state.entries.length : 0;
    this.snapshotted = state ? state.snapshot.version : 0;
    return { epoch, state };
  }

  async append(entries: readonly OrderedPatch[]): Promise<void> {
    this.stored = Math.max(this.stored, entries[entries.length - 1]?.version ?? 0);
    this.commit({ kind: 'append', epoch: this.epoch, entries: JSON.stringify(entries) });
    if (this.sync === 'always') await this.syncNow();
  }

  async snapshot(snapshot: ReplicaSnapshot): Promise<void> {
    const text = JSON.stringify(snapshot);
    // As LmdbStorage: a compaction (the log already reaches its version) is encoded in the
    // background and commits after appends made meanwhile; one beyond the log goes first.
    if (snapshot.version <= this.stored) await new Promise((resolve) => setImmediate(resolve));
    this.stored = Math.max(this.stored, snapshot.version);
    // As LmdbStorage: a compaction overtaken by a newer snapshot is dropped.
    if (snapshot.version < this.snapshotted) return;
    this.snapshotted = snapshot.version;
    this.commit({ kind: 'snapshot', epoch: this.epoch, snapshot: text });
    if (this.sync === 'always') await this.syncNow();
  }

  flush(): Promise<void> {
    return this.syncNow();
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
  }

  /** The fencing check, as LMDB's ifVersion does it inside the write transaction. */
  private commit(txn: Txn): void {
    if (this.disk.generation !== this.generation) {
      throw new StorageError('ERR_STORAGE', 'this process died in a power loss', this.id);
    }
    if (txn.kind !== 'claim' && this.disk.owner !== this.epoch) {
      throw new StorageError('ERR_FENCED', `a newer host claimed the store after epoch ${this.epoch}`, this.id);
    }
    this.disk.txns.push(txn);
  }

  private syncNow(): Promise<void> {
    const upTo = this.disk.txns.length;
    return new Promise((resolve, reject) =>
      setImmediate(() => {
        // The power went in between: this process died with it, its fsync never returned.
        if (this.disk.generation !== this.generation) {
          return reject(new StorageError('ERR_STORAGE', 'this process died in a power loss', this.id));
        }
        this.disk.synced = Math.max(this.disk.synced, upTo);
        resolve();
      }),
    );
  }

  private read(): StoredState | undefined {
    let snapshot: ReplicaSnapshot | undefined;
    let entries: OrderedPatch[] = [];
    for (const txn of this.disk.txns) {
      if (txn.kind === 'snapshot') {
        snapshot = JSON.parse(txn.snapshot) as ReplicaSnapshot;
        entries = entries.filter((e) => e.version > snapshot!.version);
      } else if (txn.kind === 'append') {
        for (const entry of JSON.parse(txn.entries) as OrderedPatch[]) entries.push(entry);
      }
    }
    // Created, then the power went before its first state was written: nothing was ever
    // acknowledged from it, so it is still a new store.
    if (snapshot === undefined && entries.length === 0) return undefined;
    if (snapshot === undefined) throw new StorageError('ERR_STORAGE_CORRUPT', 'the store has no snapshot', this.id);
    return { snapshot, entries: entries.filter((e) => e.version > snapshot!.version) };
  }
}
