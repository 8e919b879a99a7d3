import { join } from 'node:path';
import type { WalFiles } from './wal-files.js';
import { encodeSyncMark, encodeWalRecord } from './wal-record.js';

/** A log segment: `wal-<epoch>-<n>.log`, n counting the segments one host term opened. */
export interface Segment {
  epoch: number;
  n: number;
  name: string;
}

export const segmentName = (epoch: number, n: number): string => `wal-${epoch}-${n}.log`;

export function parseSegment(name: string): Segment | undefined {
  const match = /^wal-(\d+)-(\d+)\.log$/.exec(name);
  return match ? { epoch: Number(match[1]), n: Number(match[2]), name } : undefined;
}

/** Segment order: by epoch, then by n. */
export const compareSegments = (a: { epoch: number; n: number }, b: { epoch: number; n: number }): number =>
  a.epoch - b.epoch || a.n - b.n;

/**
 * Appends records to the current segment of one host term. `append` is a plain write(2):
 * once it returns, the record survives the death of this process (the OS holds it). `sync`
 * is group commit: one fdatasync (on the thread pool, off the event loop) covers every record
 * written before it began, and its promises resolve in call order, so an acknowledgement
 * released by a later sync never overtakes an earlier one. A rotated segment stays open
 * until a sync has covered it too.
 */
export class WalWriter {
  private fd: number;
  private retired: number[] = [];
  /** Records written / covered by a completed fsync (counts, in write order). */
  private written = 0;
  private synced = 0;
  /** Bytes in the current segment, and the most a sync mark in it claims so far. */
  private bytes = 0;
  private marked = 0;
  private running: Promise<void> | undefined;
  private waiters: { at: number; resolve(): void; reject(error: unknown): void }[] = [];
  private failure: unknown;
  #syncs = 0;

  constructor(
    private readonly dir: string,
    readonly epoch: number,
    public n: number,
    private readonly files: WalFiles,
  ) {
    this.fd = this.create(n);
  }

  get segment(): Segment {
    return { epoch: this.epoch, n: this.n, name: segmentName(this.epoch, this.n) };
  }

  /** fsyncs this writer ran. */
  get syncCount(): number {
    return this.#syncs;
  }

  get dirty(): boolean {
    return this.written > this.synced;
  }

  append(payload: Buffer): void {
    this.appendRecord(encodeWalRecord(payload));
  }

  /** {@link append} of a record already encoded (wal-record.ts): head and payload. */
  appendRecord(record: Buffer): void {
    if (this.failure) throw this.failure;
    this.writeAll(record);
    this.written++;
  }

  private writeAll(record: Buffer): void {
    let at = 0;
    while (at < record.length) at += this.files.write(this.fd, record, at, record.length - at);
    this.bytes += record.length;
  }

  /**
   * After an fsync that covered the current segment's first `synced` bytes: says so in the
   * segment (wal-record.ts). Not a record of the history, so it makes nothing dirty: it
   * reaches the disk with the next fsync, or is lost, which costs only the proof it gives.
   */
  private mark(fd: number, synced: number): void {
    if (fd !== this.fd || synced <= this.marked) return;
    this.writeAll(encodeSyncMark(synced));
    this.marked = synced;
  }

  /** Starts a new segment; the next records go there. Returns it. */
  rotate(): Segment {
    const fd = this.create(this.n + 1);
    this.retired.push(this.fd);
    this.fd = fd;
    this.n++;
    this.bytes = 0;
    this.marked = 0;
    return this.segment;
  }

  /** Resolves once every record written so far is on disk. */
  sync(): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (!this.dirty && this.retired.length === 0) return Promise.resolve();
    const promise = new Promise<void>((resolve, reject) => this.waiters.push({ at: this.written, resolve, reject }));
    this.run();
    return promise;
  }

  async close(): Promise<void> {
    await this.running?.catch(() => {});
    for (const fd of [...this.retired, this.fd]) this.files.close(fd);
    this.retired = [];
    this.fd = -1;
  }

  private run(): void {
    if (this.running) return;
    const at = this.written;
    const fds = [...this.retired, this.fd];
    const current = this.fd;
    const bytes = this.bytes;
    this.#syncs++;
    this.running = Promise.all(fds.map((fd) => new Promise<void>((resolve, reject) => this.files.datasync(fd, (e) => (e ? reject(e) : resolve())))))
      .then(() => {
        try {
          this.mark(current, bytes);
        } catch (error) {
          // What the fsync covered is on disk all the same: its waiters are answered below.
          this.failure = error;
        }
        // The retired segments covered by this fsync take no more records: close them.
        for (const fd of fds.slice(0, -1)) this.files.close(fd);
        this.retired = this.retired.filter((fd) => !fds.includes(fd));
        this.synced = Math.max(this.synced, at);
        let done = 0;
        while (done < this.waiters.length && this.waiters[done]!.at <= at) done++;
        for (const waiter of this.waiters.splice(0, done)) waiter.resolve();
      })
      .catch((error: unknown) => {
        this.failure = error;
        for (const waiter of this.waiters.splice(0)) waiter.reject(error);
      })
      .finally(() => {
        this.running = undefined;
        if (this.waiters.length > 0 && !this.failure) this.run();
      });
  }

  private create(n: number): number {
    const fd = this.files.create(join(this.dir, segmentName(this.epoch, n)));
    // The new name must survive power loss too, or its fsynced records vanish with it.
    this.files.syncDir(this.dir);
    return fd;
  }
}
