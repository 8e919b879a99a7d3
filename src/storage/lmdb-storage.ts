import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Database, RootDatabase } from 'lmdb';
import { markParsedJson, type ReplicaSnapshot } from '../document/index.js';
import { MemSyncError, StorageError } from '../errors.js';
import type { OrderedPatch } from '../types.js';
import { checkLmdbFile } from './lmdb-file-check.js';
import { bodyHolds, compactBatchRecord, compactBatchRecords } from './compact-record.js';
import { decodeRecord, encodeRecordInSlices } from './record-codec.js';
import { FORMAT_NAME, FORMAT_VERSION, checkFormat, type StoreHeader } from './store-format.js';
import type { LoadResult, SentFrame, StorageAdapter, StoredState, SyncMode } from './types.js';
import { realWalFiles, type WalFiles } from './wal-files.js';
import { removeSegments, takeOverWal } from './wal-load.js';
import { emptyWalMeta, listSegments, type WalMeta } from './wal-reader.js';
import { compareSegments, WalWriter } from './wal-writer.js';

/** How often `'interval'` fsyncs the log (Redis's `appendfsync everysec`). */
const INTERVAL_MS = 1000;

/**
 * The default store: an LMDB environment in a directory (`data.mdb`, `lock.mdb`) holding the
 * snapshot, beside an append-only log of segment files (`wal-<epoch>-<n>.log`, see
 * wal-record.ts for a record's bytes) holding the ordered batches after it.
 *
 * - `meta` (JSON values): `header` = { format, version, mesh }; `owner` = { epoch } with the
 *   claiming epoch as its LMDB entry version; `wal` = which segments count (wal-reader.ts).
 *   Every LMDB write is an `ifVersion('owner', epoch)` block, checked by LMDB inside the write
 *   transaction under its cross-process writer lock (fencing).
 * - `snapshot`: key 0 = record (crc32 + JSON) of the replica snapshot the log continues from.
 * - `log`: the batches of format versions 1 and 2 (one LMDB value per batch or entry): still
 *   read, dropped by the next snapshot; this build appends to the segment files instead.
 *
 * Appending is a write(2) of one record per ordering batch (format 5: the compact frame the
 * host broadcast it in, compact-record.ts) to the host's own segment, then a
 * check that the store's owner is still this epoch (a fresh LMDB read transaction): a host
 * that lost the store learns it there and acknowledges nothing more. A newer host claims the
 * store first and reads the old segments after, so every record acknowledged before the
 * claim is in what it reads; it then seals them at the length it read (wal-load.ts).
 * Sync modes: `'always'` resolves an append after an fdatasync that covers it (one covers
 * every batch written meanwhile: group commit); `'interval'` once written to the OS, with an
 * fdatasync once a second; `'none'` once written, fsync left to the OS (`flush()` fsyncs).
 * A torn tail (a record cut short by a crash) is cut on load and reported; a damaged record
 * with records after it is refused (ERR_STORAGE_CORRUPT).
 *
 * Folding: a snapshot starts a new segment, is written to LMDB (encoded across turns of the
 * event loop, sliced-json.ts) with `wal.from` moved to that segment, and once that commit is
 * on disk the older segments are deleted: the log stays bounded by the compaction interval.
 * A snapshot that carries versions the log lacks (a state adopted wholesale) makes later
 * appends wait until it is on disk: the store never holds entries its log cannot reach.
 * Why not LMDB's `noSync` plus a periodic fsync for `'interval'` (tried, rejected): LMDB
 * without sync can leave a meta page on disk pointing at pages that never got there.
 */
export class LmdbStorage implements StorageAdapter {
  readonly id: string;
  readonly file: string;
  private env: RootDatabase | undefined;
  private meta: Database | undefined;
  private log: Database<Buffer, number> | undefined;
  private snap: Database<Buffer, number> | undefined;
  private wal: WalWriter | undefined;
  private timer: NodeJS.Timeout | undefined;
  private epoch = 0;
  /** The first epoch whose log segments carry sync marks (WalMeta `marks`). */
  private marksFrom = 0;
  /** Highest version any write handed over so far makes reachable. */
  private stored = 0;
  /** Highest snapshot version handed to LMDB: an older one finishing its encoding later is dropped. */
  private snapshotted = 0;
  /** The last write later appends must follow (a snapshot carrying versions the log lacks). */
  private order: Promise<void> | undefined;
  #syncs = 0;

  constructor(
    readonly path: string,
    readonly sync: SyncMode = 'interval',
    /** The log's file-system calls (a test passes a set that can lose what was not synced). */
    private readonly files: WalFiles = realWalFiles,
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
    await this.closeWal();
    this.openEnv(open);
    const { meta, log, snap } = this.dbs();
    let header: StoreHeader | undefined;
    let walMeta: WalMeta = emptyWalMeta();
    let epoch = claim.epoch;
    try {
      // A synchronous transaction: the claim is read and written under the writer lock.
      meta.transactionSync(() => {
        header = meta.get('header') as StoreHeader | undefined;
        if (header === undefined && (log.getKeysCount() > 0 || snap.getKeysCount() > 0)) {
          throw new StorageError('ERR_STORAGE_FORMAT', 'this LMDB environment holds data but no memsync header', this.file);
        }
        if (header !== undefined) checkFormat(header, claim.mesh, this.file);
        walMeta = (meta.get('wal') as WalMeta | undefined) ?? emptyWalMeta();
        const owner = meta.getEntry('owner');
        if (owner?.version !== undefined && owner.version >= epoch) epoch = owner.version + 1;
        // An older store is read as it is, and from now on written as this version (older
        // builds then refuse it rather than miss its log).
        if (header?.version !== FORMAT_VERSION) meta.put('header', { format: FORMAT_NAME, version: FORMAT_VERSION, mesh: claim.mesh });
        meta.put('owner', { epoch }, epoch);
      });
      this.epoch = epoch;
      // Read only after the claim: whatever the old host acknowledged came before it.
      const taken = takeOverWal(this.path, walMeta, epoch, header === undefined ? undefined : this.read(), this.files);
      if (!(await meta.ifVersion('owner', epoch, () => void meta.put('wal', taken.meta)))) throw this.fenced();
      this.marksFrom = taken.meta.marks ?? epoch;
      // The seal must be on disk before this host's own segment holds anything.
      if (this.sync !== 'none') await this.env?.flushed;
      removeSegments(this.path, taken.obsolete, this.files);
      if (taken.torn) process.emitWarning(`memsync: the store's log had a torn tail, cut: ${taken.torn} (${this.path})`, { code: 'MEMSYNC_STORAGE_TORN' });
      const state = taken.state;
      const n = Math.max(-1, ...listSegments(this.path).filter((s) => s.epoch === epoch).map((s) => s.n)) + 1;
      this.wal = new WalWriter(this.path, epoch, n, this.files);
      if (this.sync === 'interval') this.startTimer(this.wal);
      this.stored = state ? state.snapshot.version + state.entries.length : 0;
      this.snapshotted = state ? state.snapshot.version : 0;
      this.order = undefined;
      return { epoch, state, ...(taken.torn ? { repaired: taken.torn } : {}) };
    } catch (error) {
      throw this.wrap(error);
    }
  }

  async append(entries: readonly OrderedPatch[], sent?: SentFrame): Promise<void> {
    if (entries.length === 0) return;
    const records = this.#records(entries, sent);
    if (this.order) await this.after(this.order.then(() => this.#write(records)));
    else this.#write(records);
    if (this.sync === 'always') await this.writer().sync().catch((error: unknown) => Promise.reject(this.wrap(error)));
  }

  /** {@link append} when nothing is to wait for: no fsync ('none', 'interval'), no snapshot first. */
  appendNow(entries: readonly OrderedPatch[], sent?: SentFrame): boolean {
    if (this.order || this.sync === 'always') return false;
    if (entries.length > 0) this.#write(this.#records(entries, sent));
    return true;
  }

  /**
   * One batch as the log's records hold it (format 5: the compact frame's bytes, the one the
   * host sent when it holds exactly these entries); from here on the store counts it as stored.
   */
  #records(entries: readonly OrderedPatch[], sent: SentFrame | undefined): Buffer | Buffer[] {
    this.stored = Math.max(this.stored, entries[entries.length - 1]!.version);
    if (sent && bodyHolds(sent.body, entries)) return compactBatchRecord(sent.body);
    return compactBatchRecords(entries, this.epoch);
  }

  /** The batch's record(s) in the log, then the check that we still own the store. */
  #write(records: Buffer | Buffer[]): void {
    const wal = this.writer();
    try {
      if (Array.isArray(records)) for (const record of records) wal.appendRecord(record);
      else wal.appendRecord(records);
    } catch (error) {
      throw this.wrap(error);
    }
    this.checkOwner();
  }

  async snapshot(snapshot: ReplicaSnapshot): Promise<void> {
    this.dbs();
    const ahead = snapshot.version > this.stored;
    // The log holds entries after the snapshot (not what the host's compaction does: it
    // snapshots what it appended): they are kept, and so are their segments.
    const covers = snapshot.version >= this.stored;
    this.stored = Math.max(this.stored, snapshot.version);
    // Later appends go to a new segment; a snapshot that covers the log covers all before it.
    const from = covers ? this.writer().rotate() : undefined;
    const encoding = this.writeSnapshot(snapshot, from && [from.epoch, from.n]);
    const written = encoding.then(async ({ written, skipped }) => {
      await this.settle(written, this.sync !== 'none');
      // Deleted once the snapshot covering them is on disk; an overtaken one covers nothing.
      if (from && !skipped) removeSegments(this.path, listSegments(this.path).filter((s) => compareSegments(s, from) < 0), this.files);
    });
    // Compaction lets later appends pass it; a snapshot the log cannot reach goes first.
    await (ahead ? this.after(written) : written);
  }

  /** Makes later appends wait until `handing` has settled (in call order). */
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

  /** Encodes the snapshot across ticks, then writes it and moves the log's start past it. */
  private async writeSnapshot(snapshot: ReplicaSnapshot, from: [number, number] | undefined): Promise<{ written: Promise<boolean>; skipped?: true }> {
    const record = await encodeRecordInSlices(snapshot);
    // A compaction overtaken by a newer snapshot (a state adopted meanwhile) must not put
    // the older state back over it: the log between the two is already gone.
    if (snapshot.version < this.snapshotted) return { written: Promise.resolve(true), skipped: true };
    this.snapshotted = snapshot.version;
    const { meta, log, snap } = this.dbs();
    // Format 1 and 2 batches are keyed by their last version: those ending at or before it go.
    const stale = [...log.getKeys({ end: snapshot.version + 1 })];
    const written = meta.ifVersion('owner', this.epoch, () => {
      void snap.put(0, record);
      // Seals of folded segments go with them.
      if (from) void meta.put('wal', { live: this.epoch, from, seals: {}, marks: this.marksFrom } satisfies WalMeta);
      for (const version of stale) void log.remove(version);
    });
    // In an object: awaiting the handing-over must not wait for the commit too.
    return { written };
  }

  /** How many fsyncs this store ran outside LMDB's own commits (log fsyncs and `flush()`). */
  get syncCount(): number {
    return this.#syncs + (this.wal?.syncCount ?? 0);
  }

  async flush(): Promise<void> {
    const env = this.env;
    if (env === undefined) return;
    await env.committed;
    await this.syncEnv(env);
    await this.wal?.sync().catch((error: unknown) => Promise.reject(this.wrap(error)));
  }

  async close(): Promise<void> {
    await this.closeWal();
    const env = this.env;
    this.env = this.meta = this.log = this.snap = undefined;
    if (env) await env.close();
  }

  private async closeWal(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    const wal = this.wal;
    this.wal = undefined;
    if (wal) {
      this.#syncs += wal.syncCount;
      await wal.close();
    }
  }

  /** `'interval'`: one fdatasync a second while the log has unsynced records. */
  private startTimer(wal: WalWriter): void {
    this.timer = setInterval(() => {
      // A failed fsync is kept by the writer: the next append throws it.
      if (wal.dirty) wal.sync().catch(() => {});
    }, INTERVAL_MS);
    this.timer.unref();
  }

  /** Refuses to acknowledge once a newer host has claimed the store. */
  private checkOwner(): void {
    const { meta } = this.dbs();
    // A fresh read transaction: lmdb-js reuses one for a turn of the event loop.
    meta.resetReadTxn();
    // The claiming epoch is the owner entry's LMDB version: compared without decoding the value.
    if (!meta.doesExist('owner', this.epoch)) throw this.fenced();
  }

  private fenced(): StorageError {
    return new StorageError('ERR_FENCED', `a newer host claimed the store after epoch ${this.epoch}; this one may no longer write it`, this.file);
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

  /** What LMDB holds (the snapshot, and the batches of older formats), checked record by record. */
  private read(): StoredState | undefined {
    const { log, snap } = this.dbs();
    // Created, then stopped before its first state was written (a separate, later
    // transaction): nothing was ever acknowledged from it, so it is still a new store.
    if (snap.getBinary(0) === undefined && log.getKeysCount() === 0) return undefined;
    const snapshot = decodeRecord(snap.getBinary(0), this.file, 'snapshot') as ReplicaSnapshot;
    // Just parsed and held by no one else: checked by the lean walk for parsed JSON.
    markParsedJson(snapshot.state);
    const entries: OrderedPatch[] = [];
    for (const { key, value } of log.getRange({ start: snapshot.version + 1 })) {
      const decoded = decodeRecord(value, this.file, `entries up to ${key}`) as OrderedPatch[] | OrderedPatch;
      // Format 1 kept one entry per key; format 2 keeps one batch.
      for (const entry of Array.isArray(decoded) ? decoded : [decoded]) {
        if (entry.version > snapshot.version) entries.push(entry);
      }
    }
    return { snapshot, entries };
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

  private writer(): WalWriter {
    if (!this.wal) throw new MemSyncError('ERR_STOPPED', 'the store is not open');
    return this.wal;
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
    if (!ok) throw this.fenced();
  }

  private wrap(error: unknown): MemSyncError {
    if (error instanceof MemSyncError) return error;
    const code = /MDB_CORRUPTED|MDB_BAD|MDB_INVALID|MDB_PAGE_NOTFOUND/.test(String(error)) ? 'ERR_STORAGE_CORRUPT' : 'ERR_STORAGE';
    return new StorageError(code, `the store failed: ${error instanceof Error ? error.message : String(error)}`, this.file, { cause: error });
  }
}
