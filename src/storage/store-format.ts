import { StorageError } from '../errors.js';

/**
 * The store's header. `version` counts incompatible changes of what the store holds (its
 * databases, keys and record encoding, see lmdb-storage.ts and README "Storage format"): a
 * build refuses a store of a version it does not know rather than guess at it.
 */
export const FORMAT_NAME = 'memsync-store';
export const FORMAT_VERSION = 7;
/**
 * Versions this build reads (1: one log key per entry; 2: one per batch; 3: the log in segment
 * files; 4: with sync marks in the segments, which a version 3 reader would take for damage;
 * 5: batches as compact frame bytes (compact-record.ts), which a version 4 reader cannot parse;
 * 6: with protocol 10's one-path bodies `[operator, path, value]` in them, which a version 5
 * reader would refuse; 7: with protocol 11's repeats (a body 0, compact.ts), which a version 6
 * reader would refuse).
 */
const READABLE = new Set([1, 2, 3, 4, 5, 6, 7]);

export interface StoreHeader {
  format: string;
  version: number;
  mesh: string;
}

/** @throws StorageError `ERR_STORAGE_FORMAT` or `ERR_STORAGE_MESH` naming `file` */
export function checkFormat(header: unknown, mesh: string, file: string): void {
  const h = header as Partial<StoreHeader> | null;
  if (typeof h !== 'object' || h === null || h.format !== FORMAT_NAME) {
    throw new StorageError('ERR_STORAGE_FORMAT', 'not a memsync store', file);
  }
  if (typeof h.version !== 'number' || !READABLE.has(h.version)) {
    throw new StorageError(
      'ERR_STORAGE_FORMAT',
      `store format version ${String(h.version)}; this build reads versions 1 to ${FORMAT_VERSION} only`,
      file,
    );
  }
  if (h.mesh !== mesh) {
    throw new StorageError('ERR_STORAGE_MESH', `the store belongs to mesh '${String(h.mesh)}', not '${mesh}'`, file);
  }
}
