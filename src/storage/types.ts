import type { ReplicaSnapshot } from '../document/index.js';
import type { OrderedPatch } from '../types.js';

/**
 * When an ordered entry counts as stored, and so when its writer is told it is ordered:
 * - `'always'`: after the fsync that covers it: it survives power loss.
 * - `'interval'`: once written to the OS (it survives every process dying); the fsync
 *   follows in the background, so power loss can lose the last moments.
 * - `'none'`: written to the OS before the acknowledgement; fsync left to the OS.
 */
export type SyncMode = 'always' | 'interval' | 'none';

/**
 * The compact `entries` frame the host sent a batch in (protocol/compact.ts): its body bytes.
 * A store may keep them as its record of the batch instead of encoding the entries again.
 */
export interface SentFrame {
  readonly body: Buffer;
}

/** What a store holds: the state at some version, and the ordered entries after it. */
export interface StoredState {
  snapshot: ReplicaSnapshot;
  /** Consecutive entries from `snapshot.version + 1`. */
  entries: OrderedPatch[];
}

/** What `load` found: the epoch this host now holds the store under, and its content. */
export interface LoadResult {
  /** The claimed epoch: at least the one asked for, above any epoch that ever claimed the store. */
  epoch: number;
  /** Undefined for a store that did not exist yet (the caller seeds it with `snapshot`). */
  state: StoredState | undefined;
  /** What was repaired on the way (a torn tail cut from the log), when anything was. */
  repaired?: string;
}

/**
 * Where the host keeps the ordered history. One host at a time writes it: `load` claims it
 * for an epoch and every later write checks, inside the store's own transaction, that no
 * newer epoch has claimed it since (fencing). Implementations: {@link LmdbStorage} on disk,
 * {@link MemoryStorage} for tests; a backplane may bring its own.
 */
export interface StorageAdapter {
  /** Names the store: every process of a mesh must name the same one (checked at hello). */
  readonly id: string;
  /**
   * Opens the store for `mesh`, claims it for `epoch` (or above) and returns what it holds.
   * @throws StorageError `ERR_STORAGE_CORRUPT`, `ERR_STORAGE_FORMAT`, `ERR_STORAGE_MESH`
   */
  load(claim: { mesh: string; epoch: number }): Promise<LoadResult>;
  /**
   * Appends the next consecutive entries, as one transaction. Resolves once they are as
   * durable as the store's sync mode promises. `sent`: the frame the host broadcast exactly
   * these entries in, when it sent one (a store may ignore it).
   * @throws StorageError `ERR_FENCED` when a newer epoch claimed the store
   */
  append(entries: readonly OrderedPatch[], sent?: SentFrame): Promise<void>;
  /**
   * Optional: appends as {@link append} does when that can finish before returning (a write
   * that needs no fsync and waits for nothing before it), and returns true; returns false,
   * having done nothing, otherwise (the caller then calls `append`). Saves the host a promise
   * and a turn of the microtask queue per ordering batch.
   * @throws StorageError as `append` rejects
   */
  appendNow?(entries: readonly OrderedPatch[], sent?: SentFrame): boolean;
  /**
   * Replaces everything up to `snapshot.version` with the snapshot (compaction, or a state
   * adopted wholesale). Entries after it are kept.
   */
  snapshot(snapshot: ReplicaSnapshot): Promise<void>;
  /** Resolves once everything written so far is on disk (fsync), whatever the sync mode. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

/** `options.storage`: a directory for the default on-disk store, or an adapter. */
export type StorageOption = { path: string; sync?: SyncMode } | StorageAdapter;
