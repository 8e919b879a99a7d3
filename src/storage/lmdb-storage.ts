import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Database, RootDatabase } from 'lmdb';
import type { ReplicaSnapshot } from '../document/index.js';
import { MemSyncError, StorageError } from '../errors.js';
import type { OrderedPatch } from '../types.js';
import { checkLmdbFile } from './lmdb-file-check.js';
import { decodeRecord, encodeRecord, encodeRecordInSlices } from './record-codec.js';
import { FORMAT_NAME, FORMAT_VERSION, checkFormat, type StoreHeader } from './store-format.js';
import type { LoadResult, StorageAdapter, StoredState, SyncMode } from './types.js';

/**
 * The default store: an LMDB environment in a directory (`data.mdb`, `lock.mdb`).
 *
 * - `meta` (JSON values): `header` = { format, version, mesh }; `owner` = { epoch, peer? } with
 *   the claiming epoch as its LMDB entry version. Every write is an `ifVersion('owner', epoch)`
 *   block, checked by LMDB inside the write transaction under its cross-process writer lock:
 *   once a newer host has claimed the store, an older one's writes are refused (fencing).
 * - `log`: one value per append (an ordering batch, group commit): key = the batch's last
 *   version, value = record (crc32 + JSON) of the array of its entries. Format version 1
 *   kept one entry per key (key = its version, value = the entry): still read.
 * - `snapshot`: key 0 = record of the replica snapshot the log continues from. Compaction
 *   drops the batches that end at or before it; a batch reaching past it is kept whole and
 *   its entries up to the snapshot skipped when read.
 *
 * A snapshot is encoded across turns of the event loop (sliced-json.ts), so compacting a
 * large document does not stall ordering. Appends made meanwhile commit first when the
 * snapshot only compacts what the log already holds; when it carries versions the log
 * does not (a state adopted wholesale), later appends wait for it: the store never holds
 * an entry its log cannot reach.
 *
 * Sync modes: `'always'` and `'interval'` commit with lmdb-js's overlapping sync: the fsync
 * of a commit runs after it, off the writer lock, and LMDB's meta-page protocol keeps the
 * last fsynced transaction valid until the next fsync completes, so a power loss can undo
 * the newest commits but never damages the file. `'always'` resolves an append after that
 * fsync; `'interval'` once its commit has written it to the OS (it survives any process
 * dying) — the fsync follows within the time one fsync takes. Why not `noSync` plus one
 * fsync a second for `'interval'` (tried): LMDB without sync can leave a meta page on disk
 * that points at pages that never got there, a corrupt file after a power loss — worse
 * than Redis's `everysec`, which loses the last second but keeps its file. `'none'` opens
 * with `noSync` and never fsyncs by itself (`flush()` does): its documented risk.
 */
export class LmdbStorage implements StorageAdapter {
  readonly id: string;
  readonly file: string;
  private env: RootDatabase | undefined;
  private meta: Database | undefined;
  private log: Database<Buffer, number> | undefined;
  private snap: Database<Buffer, number> | undefined;
  private epoch = 0;
  /** Highest version any write handed to LMDB so far makes reachable. */
  private stored = 0;
  /** Highest snapshot version handed to LMDB: an older one finishing its encoding later is dropped. */
  private snapshotted = 0;
  /** The last write later appends must follow (a snapshot carrying versions the log lacks). */
  private order: Promise<void> | undefined;
  #syncs = 0;

  constructor(
    readonly path: string,
    readonly sync: SyncMode = 'interval',
  ) {
    this.path = resolve(path);
    this.id = `lmdb:${this.path}`;
    this.file = join(this.path, 'data.mdb');
  }

  async load(claim: { mesh: string; epoch: number }): Promise<LoadResult> {
    // Loaded on first use: a mesh without storage never loads the native module, and a user
    // without storage need not install it (an optional peer dependency).
    const { open } = await import('lmdb').catch((cause: unknown) => {
      throw new StorageError('ERR_STORAGE', "storage needs the 'lmdb' package: npm install lmdb@3.5.6", this.file, { cause });
    });
    this.openEnv(open);
    const { meta, log, snap } = this.dbs();
    let header: StoreHeader | undefined;
    let epoch = claim.epoch;
    try {
      // A synchronous transaction: the claim is read and written under the writer lock.
      meta.transactionSync(() => {
        header = meta.get('header') as StoreHeader | undefined;
        if (header === undefined && (log.getKeysCount() > 0 || snap.getKeysCount() > 0)) {
          throw new StorageError('ERR_STORAGE_FORMAT', 'this LMDB environment holds data but no memsync header', this.file);
        }
        if (header !== undefined) checkFormat(header, claim.mesh, this.file);
        const owner = meta.getEntry('owner');
        if (owner?.version !== undefined && owner.version >= epoch) epoch = owner.version + 1;
        // A version 1 store is read as it is, and from now on written as version 2 (older
        // builds then refuse it rather than misread a batch).
        if (header?.version !== FORMAT_VERSION) meta.put('header', { format: FORMAT_NAME, version: FORMAT_VERSION, mesh: claim.mesh });
        meta.put('owner', { epoch }, epoch);
      });
    } catch (error) {
      throw this.wrap(error);
    }
    this.epoch = epoch;
    const state = header === undefined ? undefined : this.read();
    this.stored = state ? state.snapshot.version + state.entries.length : 0;
    this.snapshotted = state ? state.snapshot.version : 0;
    this.order = undefined;
    return { epoch, state };
  }

  async append(entries: readonly OrderedPatch[]): Promise<void> {
    if (entries.length === 0) return;
    const last = entries[entries.length - 1]!.version;
    this.stored = Math.max(this.stored, last);
    const record = encodeRecord(entries);
    const put = (): { written: Promise<boolean> } => {
      const { meta, log } = this.dbs();
      return { written: meta.ifVersion('owner', this.epoch, () => void log.put(last, record)) };
    };
    const handed = this.order ? this.after(this.order.then(put)) : put();
    await this.settle((await handed).written, this.sync === 'always');
  }

  async snapshot(snapshot: ReplicaSnapshot): Promise<void> {
    this.dbs();
    const ahead = snapshot.version > this.stored;
    this.stored = Math.max(this.stored, snapshot.version);
    const encoding = this.writeSnapshot(snapshot);
    // Compaction lets later appends pass it; a snapshot the log cannot reach goes first.
    const handed = ahead ? this.after(encoding) : encoding;
    await this.settle((await handed).written, this.sync === 'always');
  }

  /** Makes later appends wait until `handing` has handed its write to LMDB (in call order). */
  private after<T>(handing: Promise<T>): Promise<T> {
    const mark = handing.then(
      () => {},
      () => {},
    );
    this.order = mark;
    void mark.then(() => {
      if (this.order === mark) this.order = undefined;
    });
    return handing;
  }

  /** Encodes the snapshot across ticks, then writes it and drops the log it covers. */
  private async writeSnapshot(snapshot: ReplicaSnapshot): Promise<{ written: Promise<boolean> }> {
    const record = await encodeRecordInSlices(snapshot);
    // A compaction overtaken by a newer snapshot (a state adopted meanwhile) must not put
    // the older state back over it: the log between the two is already gone.
    if (snapshot.version < this.snapshotted) return { written: Promise.resolve(true) };
    this.snapshotted = snapshot.version;
    const { meta, log, snap } = this.dbs();
    // Batches are keyed by their last version: those ending at or before the snapshot go.
    const stale = [...log.getKeys({ end: snapshot.version + 1 })];
    const written = meta.ifVersion('owner', this.epoch, () => {
      void snap.put(0, record);
      for (const version of stale) void log.remove(version);
    });
    // In an object: awaiting the handing-over must not wait for the commit too.
    return { written };
  }

  /** How many fsyncs this store asked LMDB for outside its commits' own (`flush()`). */
  get syncCount(): number {
    return this.#syncs;
  }

  async flush(): Promise<void> {
    const env = this.env;
    if (env === undefined) return;
    await env.committed;
    await this.syncEnv(env);
  }

  async close(): Promise<void> {
    const env = this.env;
    this.env = this.meta = this.log = this.snap = undefined;
    if (env) await env.close();
  }

  /** fsyncs the data file and its meta pages (mdb_env_sync, forced). */
  private syncEnv(env: RootDatabase): Promise<void> {
    this.#syncs++;
    return new Promise<void>((resolveSync, reject) => {
      (env as unknown as { sync(cb: (error?: Error) => void): void }).sync((error) =>
        error ? reject(this.wrap(error)) : resolveSync(),
      );
    });
  }

  /** Everything the store holds, checked record by record. */
  private read(): StoredState | undefined {
    const { log, snap } = this.dbs();
    try {
      // Created, then stopped before its first state was written (a separate, later
      // transaction): nothing was ever acknowledged from it, so it is still a new store.
      if (snap.getBinary(0) === undefined && log.getKeysCount() === 0) return undefined;
      const snapshot = decodeRecord(snap.getBinary(0), this.file, 'snapshot') as ReplicaSnapshot;
      const entries: OrderedPatch[] = [];
      for (const { key, value } of log.getRange({ start: snapshot.version + 1 })) {
        const decoded = decodeRecord(value, this.file, `entries up to ${key}`) as OrderedPatch[] | OrderedPatch;
        // Format 1 kept one entry per key; format 2 keeps one batch.
        for (const entry of Array.isArray(decoded) ? decoded : [decoded]) {
          if (entry.version > snapshot.version) entries.push(entry);
        }
      }
      return { snapshot, entries };
    } catch (error) {
      throw this.wrap(error);
    }
  }

  private openEnv(open: typeof import('lmdb').open): void {
    if (this.env) return;
    try {
      mkdirSync(this.path, { recursive: true, mode: 0o700 });
      checkLmdbFile(this.file);
      const env = open({ path: this.path, maxDbs: 4, noSync: this.sync === 'none', overlappingSync: this.sync !== 'none' });
      this.env = env;
      this.meta = env.openDB({ name: 'meta', encoding: 'json', useVersions: true });
      this.log = env.openDB<Buffer, number>({ name: 'log', encoding: 'binary' });
      this.snap = env.openDB<Buffer, number>({ name: 'snapshot', encoding: 'binary' });
    } catch (error) {
      throw this.wrap(error);
    }
  }

  private dbs(): { meta: Database; log: Database<Buffer, number>; snap: Database<Buffer, number> } {
    if (!this.meta || !this.log || !this.snap) throw new MemSyncError('ERR_STOPPED', 'the store is not open');
    return { meta: this.meta, log: this.log, snap: this.snap };
  }

  /** Waits for a fenced write's commit (and its fsync when `durable`). */
  private async settle(written: Promise<boolean>, durable: boolean): Promise<void> {
    let ok: boolean;
    try {
      ok = await written;
      if (ok && durable) await this.env?.flushed;
    } catch (error) {
      throw this.wrap(error);
    }
    if (!ok) {
      throw new StorageError('ERR_FENCED', `a newer host claimed the store after epoch ${this.epoch}; this one may no longer write it`, this.file);
    }
  }

  private wrap(error: unknown): MemSyncError {
    if (error instanceof MemSyncError) return error;
    const code = /MDB_CORRUPTED|MDB_BAD|MDB_INVALID|MDB_PAGE_NOTFOUND/.test(String(error)) ? 'ERR_STORAGE_CORRUPT' : 'ERR_STORAGE';
    return new StorageError(code, `the store failed: ${error instanceof Error ? error.message : String(error)}`, this.file, { cause: error });
  }
}
