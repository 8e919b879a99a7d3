import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { StorageError } from '../errors.js';

/**
 * LMDB trusts its data file: a file cut short makes it read pages past the end of its memory
 * map (SIGBUS), and garbage where its meta pages belong makes it follow wild pointers
 * (SIGSEGV) — the process dies instead of reporting. So before opening a store we read the
 * two meta pages ourselves and refuse a file they do not describe.
 *
 * Layout of an LMDB 0.9 / lmdb-js 3.x meta page on a 64-bit build: a 16-byte page header,
 * then the meta: magic (u32 at 0x18), data version (u32 at 0x1c), the free-list database
 * (whose first field holds the page size, u32 at 0x30), the main database, the last page
 * used (u64 at 0x90) and the transaction id (u64 at 0x98). Page 0 and page 1 are the two
 * meta pages; LMDB uses the one with the higher transaction id.
 */
const MAGIC = 0xbeefc0de;
const DATA_VERSION = 2;
const META_BYTES = 0xa0;
/** The first meta page is read assuming the smallest page size; it then says the real one. */
const MIN_PAGE = 4096;

interface Meta {
  pageSize: number;
  lastPage: number;
  txnId: number;
}

function readMeta(fd: number, offset: number): Meta | undefined {
  const buffer = Buffer.alloc(META_BYTES);
  if (readSync(fd, buffer, 0, META_BYTES, offset) < META_BYTES) return undefined;
  if (buffer.readUInt32LE(0x18) !== MAGIC || buffer.readUInt32LE(0x1c) !== DATA_VERSION) return undefined;
  return {
    pageSize: buffer.readUInt32LE(0x30),
    lastPage: Number(buffer.readBigUInt64LE(0x90)),
    txnId: Number(buffer.readBigUInt64LE(0x98)),
  };
}

/**
 * Refuses a data file LMDB could not open safely. A missing file is fine (a new store).
 * @throws StorageError `ERR_STORAGE_CORRUPT` naming the file
 */
export function checkLmdbFile(file: string): void {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw new StorageError('ERR_STORAGE', 'cannot read the store', file, { cause: error });
  }
  try {
    const size = fstatSync(fd).size;
    const corrupt = (why: string): StorageError =>
      new StorageError('ERR_STORAGE_CORRUPT', `the store's data file is damaged: ${why}; refusing to open it`, file);
    if (size === 0) throw corrupt('it is empty');
    const first = readMeta(fd, 0);
    const pageSize = first?.pageSize ?? MIN_PAGE;
    if (pageSize < 512 || pageSize > 65536 || (pageSize & (pageSize - 1)) !== 0) throw corrupt('bad page size');
    const second = readMeta(fd, pageSize);
    const newest = [first, second]
      .filter((meta): meta is Meta => meta !== undefined)
      .sort((a, b) => b.txnId - a.txnId)[0];
    if (newest === undefined) throw corrupt('no valid LMDB meta page');
    const needed = (newest.lastPage + 1) * pageSize;
    if (size < needed) throw corrupt(`${size} bytes where its last transaction needs ${needed} (truncated)`);
  } finally {
    closeSync(fd);
  }
}
