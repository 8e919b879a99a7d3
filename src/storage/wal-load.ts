import { join } from 'node:path';
import { StorageError } from '../errors.js';
import type { OrderedPatch } from '../types.js';
import { COMPACT_BATCH, entriesOfCompactBatch } from './compact-record.js';
import type { StoredState } from './types.js';
import { readWal, type WalMeta } from './wal-reader.js';
import type { WalFiles } from './wal-files.js';
import type { Segment } from './wal-writer.js';

/** What a new host does with the log it found: the entries it adds, and how it seals it. */
export interface WalTakeOver {
  /** The LMDB state with the log's entries after it. */
  state: StoredState | undefined;
  /** `wal` meta to commit (fenced) before this host writes a segment of its own. */
  meta: WalMeta;
  /** Files to delete once `meta` is committed: they no longer count. */
  obsolete: Segment[];
  /** A torn tail that was cut (and what it dropped), for the caller to report. */
  torn?: string;
}

/**
 * Reads the log after the LMDB state and prepares the seal that makes `epoch` the live
 * one: the old live epoch's segments are fsynced, then sealed at the length read (their
 * whole records; a torn tail is left out and so truncated). Entries the LMDB state already
 * holds are skipped; a gap between them and the log is damage.
 * @throws StorageError `ERR_STORAGE_CORRUPT`
 */
export function takeOverWal(dir: string, meta: WalMeta, epoch: number, lmdb: StoredState | undefined, files: WalFiles): WalTakeOver {
  const read = readWal(dir, meta);
  const seals: Record<string, number> = {};
  const obsolete: Segment[] = [...read.stale, ...read.dropped];
  let state = lmdb;
  let torn: string | undefined;
  for (const segment of read.segments) {
    const file = join(dir, segment.name);
    if (meta.seals[segment.name] === undefined) syncFile(files, file);
    if (segment.end === 0) obsolete.push(segment);
    else seals[segment.name] = segment.end;
    if (segment.torn) {
      torn = `${segment.name}: ${segment.torn}, cut at byte ${segment.end}`;
      if (read.dropped.length > 0) torn += `; ${read.dropped.length} later segment(s) after it dropped`;
    }
    if (!state) continue; // No LMDB state: nothing was ever acknowledged from this store.
    const entries = state.entries;
    const base = state.snapshot.version;
    let last = base + entries.length;
    segment.payloads.forEach((payload, index) => {
      for (const entry of parseBatch(payload, file, index)) {
        if (entry.version <= base) continue;
        if (entry.version <= last) {
          const held = entries[entry.version - base - 1]!;
          if (held.epoch === entry.epoch) continue;
          // A newer host wrote its own history from here (its replica won over the store's
          // diverged tail at takeover): its entries replace the older epoch's.
          if (entry.epoch < held.epoch) {
            throw new StorageError('ERR_STORAGE_CORRUPT', `the log holds two histories at version ${entry.version}; refusing to load it`, file);
          }
          entries.length = entry.version - base - 1;
          last = entry.version - 1;
        }
        if (entry.version !== last + 1) {
          throw new StorageError('ERR_STORAGE_CORRUPT', `the log jumps from version ${last} to ${entry.version}; refusing to load it`, file);
        }
        entries.push(entry);
        last++;
      }
    });
    state = { snapshot: state.snapshot, entries };
  }
  if (!state) obsolete.push(...read.segments);
  return {
    state,
    // From this epoch on (or the first format 4 one before it), segments carry sync marks.
    meta: { live: epoch, from: meta.from, seals: state ? seals : {}, marks: meta.marks ?? epoch },
    obsolete,
    ...(torn ? { torn } : {}),
  };
}

function parseBatch(payload: Buffer, file: string, index: number): OrderedPatch[] {
  try {
    // Format 5 keeps a batch as its compact frame's bytes; formats 3 and 4 as JSON text.
    if (payload[0] === COMPACT_BATCH) return entriesOfCompactBatch(payload);
    const batch: unknown = JSON.parse(payload.toString('utf8'));
    if (!Array.isArray(batch)) throw new Error('not an array of entries');
    return batch as OrderedPatch[];
  } catch (error) {
    throw new StorageError('ERR_STORAGE_CORRUPT', `the log's record ${index} is not a batch of entries; refusing to load it`, file, { cause: error });
  }
}

function syncFile(files: WalFiles, file: string): void {
  const fd = files.openExisting(file);
  try {
    files.datasyncNow(fd);
  } finally {
    files.close(fd);
  }
}

/** Deletes segment files that no longer count (a missing one is fine). */
export function removeSegments(dir: string, segments: readonly Segment[], files: WalFiles): void {
  for (const segment of segments) {
    try {
      files.unlink(join(dir, segment.name));
    } catch {
      // Already gone (another host cleaned up first): nothing to do.
    }
  }
}
