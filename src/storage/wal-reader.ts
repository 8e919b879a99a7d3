import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { StorageError } from '../errors.js';
import { WalDamage, scanWalRecords, syncMarkAfter, unwrittenAt, type WalScan } from './wal-record.js';
import { compareSegments, parseSegment, type Segment } from './wal-writer.js';

/**
 * Which log segments count, kept in LMDB (`meta` key `wal`) and changed only inside fenced
 * transactions:
 * - `live`: the epoch whose segments count in full (the host writing them now, or the last
 *   one that did). A newer host, once it has read them, seals them and becomes `live`.
 * - `seals`: segments of older epochs, each counted up to the byte length its reader saw
 *   (fsynced before it was sealed): whatever their old host wrote after that, it never
 *   acknowledged (it checks the owner's epoch after each write, see lmdb-storage.ts).
 * - `from`: segments before it are folded into the LMDB snapshot and no longer count.
 * A segment of another epoch without a seal was opened after its host lost the store: it
 * never counts.
 * - `marks`: the first epoch whose segments carry sync marks (format 4, wal-record.ts);
 *   absent in a store no format 4 host has claimed yet.
 */
export interface WalMeta {
  live?: number;
  from: [number, number];
  seals: Record<string, number>;
  marks?: number;
}

export const emptyWalMeta = (): WalMeta => ({ from: [0, 0], seals: {} });

/** One segment as read. */
export interface SegmentRead extends Segment {
  /** Bytes of its whole records counted (its seal, or where a torn tail starts). */
  end: number;
  payloads: Buffer[];
  torn?: string;
}

export interface WalRead {
  /** Counted segments, in order, up to the first torn tail. */
  segments: SegmentRead[];
  /** Counted segments after a torn one: their records cannot follow it (a power loss). */
  dropped: Segment[];
  /** Files that do not count (folded, or opened by a host that had lost the store). */
  stale: Segment[];
}

export const counts = (meta: WalMeta, s: Segment): boolean =>
  compareSegments(s, { epoch: meta.from[0], n: meta.from[1] }) >= 0 && (meta.seals[s.name] !== undefined || s.epoch === meta.live);

/** Every segment file in `dir`, in order. */
export function listSegments(dir: string): Segment[] {
  return readdirSync(dir)
    .map(parseSegment)
    .filter((s): s is Segment => s !== undefined)
    .sort(compareSegments);
}

/**
 * Reads the counted segments of `dir`. A sealed segment must hold whole records up to its
 * seal (it was fsynced before it was sealed); the live epoch's may end in a torn tail.
 * @throws StorageError `ERR_STORAGE_CORRUPT` naming the segment's file
 */
export function readWal(dir: string, meta: WalMeta): WalRead {
  const read: WalRead = { segments: [], dropped: [], stale: [] };
  let tornBefore = false;
  const all = listSegments(dir);
  for (const [index, segment] of all.entries()) {
    if (!counts(meta, segment)) {
      // A newer epoch's file is a racing claimer's: leave it alone.
      if (meta.live === undefined || segment.epoch <= meta.live) read.stale.push(segment);
      continue;
    }
    if (tornBefore) {
      read.dropped.push(segment);
      continue;
    }
    const file = join(dir, segment.name);
    const seal = meta.seals[segment.name];
    let bytes = readFileSync(file);
    const corrupt = (why: string, cause?: unknown): StorageError =>
      new StorageError('ERR_STORAGE_CORRUPT', `the log is damaged: ${why}; refusing to load it`, file, { cause });
    if (seal !== undefined) {
      if (bytes.length < seal) throw corrupt(`${bytes.length} bytes where ${seal} were sealed`);
      bytes = bytes.subarray(0, seal);
    }
    let scan: WalScan;
    try {
      scan = scanWalRecords(bytes);
    } catch (error) {
      if (!(error instanceof WalDamage)) throw error;
      const marked = seal === undefined && meta.marks !== undefined && segment.epoch >= meta.marks;
      if (!marked || !unwrittenAt(bytes, error.offset)) throw corrupt(error.message, error);
      // Zeros with whole records after them: pages written back out of order, unless a sync
      // mark shows that an fsync had covered them (a disk that lost a synced write).
      if (syncMarkAfter(bytes, error.offset) > error.offset || markedLater(dir, all.slice(index + 1), segment.epoch)) {
        throw corrupt(`${error.message}: zeros in bytes a sync mark shows were on disk`, error);
      }
      scan = { ...scanWalRecords(bytes.subarray(0, error.offset)), torn: `zeros at byte ${error.offset} with records after them (pages a power loss left unwritten)` };
    }
    if (seal !== undefined && scan.torn) throw corrupt(`a sealed segment ends in ${scan.torn}`);
    read.segments.push({ ...segment, end: scan.end, payloads: scan.payloads, ...(scan.torn ? { torn: scan.torn } : {}) });
    tornBefore = scan.torn !== undefined;
  }
  return read;
}

/**
 * Whether a later segment of the same host term holds a sync mark: each fsync covers every
 * segment still open, so a mark written after one shows the earlier segments were on disk.
 */
function markedLater(dir: string, later: readonly Segment[], epoch: number): boolean {
  return later.some((s) => s.epoch === epoch && syncMarkAfter(readFileSync(join(dir, s.name)), -1) > 0);
}
