import { crc32 } from 'node:zlib';

/**
 * The append-only log's record: a 12-byte head then the payload.
 *
 *   u32 BE  payload length
 *   u32 BE  CRC-32 of the 4 length bytes
 *   u32 BE  CRC-32 of the payload
 *   payload: one ordering batch (format 5: a compact frame's bytes, compact-record.ts;
 *            formats 3-4: its entries as UTF-8 JSON, an array), or a sync mark (a JSON object)
 *
 * No payload holds a zero byte (JSON text has none; format 5 keeps its binary numbers in
 * base64): {@link unwrittenAt} tells a power loss's unwritten zeros from damage by that.
 *
 * A sync mark (`{"synced":X}`, format 4) is written after each fdatasync that covered the
 * segment's first X bytes. A power loss can only damage bytes no completed fsync covered:
 * a mark after damaged bytes that claims them proves the damage is not a power loss's.
 *
 * The length has its own checksum so that a damaged length in the middle of a file is told
 * apart from a record cut short at its end: a length that merely pointed past the end of the
 * file would otherwise read as a torn tail, and every record after it would be dropped.
 */
export const HEAD_BYTES = 12;

export function encodeWalRecord(payload: Buffer): Buffer {
  const out = allocWalRecord(payload.length);
  payload.copy(out, HEAD_BYTES);
  return sealWalRecord(out);
}

/** A record's bytes for a payload of `length` bytes, to be written from HEAD_BYTES on, then sealed. */
export function allocWalRecord(length: number): Buffer {
  return Buffer.allocUnsafe(HEAD_BYTES + length);
}

/** Writes the head of a record whose payload is in place (see {@link allocWalRecord}). */
export function sealWalRecord(record: Buffer): Buffer {
  const length = record.length - HEAD_BYTES;
  record.writeUInt32BE(length, 0);
  record.writeUInt32BE(crc32(record.subarray(0, 4)), 4);
  record.writeUInt32BE(crc32(record.subarray(HEAD_BYTES)), 8);
  return record;
}

/** What a scan of a log file found. */
export interface WalScan {
  /** Every whole record's payload, in order. */
  payloads: Buffer[];
  /** Bytes of the whole records: where a torn tail starts (the file's length when none). */
  end: number;
  /** Why the bytes after `end` are a torn tail, when there are any. */
  torn?: string;
  /** The highest byte count a sync mark among the whole records claims (0 when none). */
  synced: number;
}

const MARK_PREFIX = Buffer.from('{"synced":');
const OPEN_BRACE = 0x7b;

/** The record of a sync mark: the segment's first `synced` bytes are on disk. */
export function encodeSyncMark(synced: number): Buffer {
  return encodeWalRecord(Buffer.from(`{"synced":${synced}}`, 'utf8'));
}

/** The byte count a mark's payload claims; undefined when it is not a well-formed mark. */
function markOf(payload: Buffer): number | undefined {
  if (!payload.subarray(0, MARK_PREFIX.length).equals(MARK_PREFIX)) return undefined;
  try {
    const { synced } = JSON.parse(payload.toString('utf8')) as { synced?: unknown };
    return Number.isSafeInteger(synced) && (synced as number) >= 0 ? (synced as number) : undefined;
  } catch {
    return undefined;
  }
}

/** A record that is damaged with whole data after it: not a crash mid-write. */
export class WalDamage extends Error {
  constructor(
    readonly offset: number,
    why: string,
  ) {
    super(`damaged record at byte ${offset} (${why}) with data after it`);
  }
}

const zeros = (bytes: Buffer, from: number): boolean => {
  for (let i = from; i < bytes.length; i++) if (bytes[i] !== 0) return false;
  return true;
};

/**
 * Reads the records of `bytes`. What a crash mid-write can leave is a torn tail, returned
 * as such: a record cut short, a last record whose payload checksum is wrong, or zeros to
 * the end (a file system that grew the file before its data reached the disk), even from
 * inside a record's head. Anything else
 * wrong is damage, thrown: nothing after a damaged record is silently dropped.
 * @throws WalDamage
 */
export function scanWalRecords(bytes: Buffer): WalScan {
  const payloads: Buffer[] = [];
  let at = 0;
  let synced = 0;
  const tornAt = (why: string): WalScan => ({ payloads, end: at, torn: why, synced });
  while (at < bytes.length) {
    const rest = bytes.length - at;
    if (rest < HEAD_BYTES) return tornAt(`a record head cut short (${rest} of ${HEAD_BYTES} bytes)`);
    const length = bytes.readUInt32BE(at);
    if (crc32(bytes.subarray(at, at + 4)) !== bytes.readUInt32BE(at + 4)) {
      // A head cut short and then zeros (the file grew before the rest of the head got
      // there): nothing after it carries data, so nothing is dropped by cutting it.
      if (zeros(bytes, at + HEAD_BYTES)) return tornAt(zeros(bytes, at) ? 'zeros to the end' : 'a record head cut short, then zeros');
      throw new WalDamage(at, 'length checksum mismatch');
    }
    const end = at + HEAD_BYTES + length;
    if (end > bytes.length) return tornAt(`a record cut short (${rest - HEAD_BYTES} of ${length} payload bytes)`);
    const payload = bytes.subarray(at + HEAD_BYTES, end);
    if (crc32(payload) !== bytes.readUInt32BE(at + 8)) {
      if (end === bytes.length || zeros(bytes, end)) return tornAt('the last record has a wrong checksum');
      throw new WalDamage(at, 'payload checksum mismatch');
    }
    if (payload[0] === OPEN_BRACE) {
      // Whole, checksum right, and not a mark: a record kind this build does not know.
      const mark = markOf(payload);
      if (mark === undefined || mark > at) throw new WalDamage(at, 'a record that is neither a batch nor a sync mark');
      synced = Math.max(synced, mark);
    } else payloads.push(payload);
    at = end;
  }
  return { payloads, end: at, synced };
}

/** The unit a disk writes: pages are whole numbers of sectors. */
export const SECTOR_BYTES = 512;

/**
 * Whether the damage at record offset `at` is bytes that never reached the disk, as a power
 * loss leaves them when pages are written back out of order: a page that did not get there
 * reads back as zeros up to a sector boundary (all of it, or from where the file ended when
 * it was last written back). So: a run of zeros reaching a multiple of 512 bytes, beginning
 * before any later whole record does. A flipped bit, garbage or a wrong length is not. The
 * run is looked for after the record's length when that is intact (its own zeros are real);
 * a payload has no zero byte at all.
 */
export function unwrittenAt(bytes: Buffer, at: number): boolean {
  for (let i = lengthIntact(bytes, at) ? at + 8 : at; i < bytes.length; i++) {
    if (bytes[i] !== 0) continue;
    let end = i;
    while (end < bytes.length && bytes[end] === 0) end++;
    // Reaching a boundary (real zeros may follow it: the high bytes of an intact length).
    if (Math.floor(end / SECTOR_BYTES) * SECTOR_BYTES > i) return !wholeRecordIn(bytes, at + 1, i);
    i = end;
  }
  return false;
}

/** Whether the 4 length bytes at `at` match their checksum. */
function lengthIntact(bytes: Buffer, at: number): boolean {
  return at + 8 <= bytes.length && crc32(bytes.subarray(at, at + 4)) === bytes.readUInt32BE(at + 4);
}

/** The payload of the whole record (both checksums right) that begins at `at`, if one does. */
function wholePayloadAt(bytes: Buffer, at: number): Buffer | undefined {
  if (at < 0 || at + HEAD_BYTES > bytes.length || !lengthIntact(bytes, at)) return undefined;
  const end = at + HEAD_BYTES + bytes.readUInt32BE(at);
  if (end > bytes.length) return undefined;
  const payload = bytes.subarray(at + HEAD_BYTES, end);
  return crc32(payload) === bytes.readUInt32BE(at + 8) ? payload : undefined;
}

/** Whether a whole record begins at some offset in [from, to]. */
function wholeRecordIn(bytes: Buffer, from: number, to: number): boolean {
  for (let at = from; at <= to && at + HEAD_BYTES <= bytes.length; at++) if (wholePayloadAt(bytes, at)) return true;
  return false;
}

/**
 * The highest byte count claimed by a whole sync mark found anywhere from `from` on (-1 when
 * none), found by its text rather than by walking records: what lies between may be damaged.
 */
export function syncMarkAfter(bytes: Buffer, from: number): number {
  let best = -1;
  for (let hit = bytes.indexOf(MARK_PREFIX, from + HEAD_BYTES); hit !== -1; hit = bytes.indexOf(MARK_PREFIX, hit + 1)) {
    const payload = wholePayloadAt(bytes, hit - HEAD_BYTES);
    const mark = payload && markOf(payload);
    if (mark !== undefined) best = Math.max(best, mark);
  }
  return best;
}
