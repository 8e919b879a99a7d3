import { closeSync, fdatasync, fdatasyncSync, fsyncSync, openSync, unlinkSync, writeSync } from 'node:fs';

/**
 * Every file-system call the log makes, in one place: what a power loss can undo is exactly
 * what went through here without a completed sync after it. The log uses `realWalFiles`; the
 * power-loss property test passes a recording set that, at a random moment, keeps only what
 * was synced (test/unit/storage/power-disk.ts). Reads are not here: a reader sees the files
 * as the disk kept them.
 */
export interface WalFiles {
  /** Creates (or empties) a segment for appending. */
  create(path: string): number;
  /** Opens an existing segment to fsync it. */
  openExisting(path: string): number;
  write(fd: number, bytes: Buffer, offset: number, length: number): number;
  /** fdatasync on the thread pool: covers every write that returned before it began. */
  datasync(fd: number, done: (error: Error | null) => void): void;
  datasyncNow(fd: number): void;
  close(fd: number): void;
  /** fsyncs a directory, so that names created or removed in it survive power loss. */
  syncDir(dir: string): void;
  unlink(path: string): void;
}

export const realWalFiles: WalFiles = {
  create: (path) => openSync(path, 'w'),
  openExisting: (path) => openSync(path, 'r+'),
  write: (fd, bytes, offset, length) => writeSync(fd, bytes, offset, length),
  datasync: (fd, done) => fdatasync(fd, (error) => done(error)),
  datasyncNow: (fd) => fdatasyncSync(fd),
  close: (fd) => closeSync(fd),
  syncDir(dir) {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  },
  unlink: (path) => unlinkSync(path),
};
