import { crc32 } from 'node:zlib';

/**
 * The append-only log's record: a 12-byte head then the payload.
 *
 *   u32 BE  payload length
 *   u32 BE  CRC-32 of the 4 length bytes
 *   u32 BE  CRC-32 of the payload
 *   payload (UTF-8 JSON of one ordering batch)
 *
 * The length has its own checksum so that a damaged length in the middle of a file is told
 * apart from a record cut short at its end: a length that merely pointed past the end of the
 * file would otherwise read as a torn tail, and every record after it would be dropped.
 */
export const HEAD_BYTES = 12;

export function encodeWalRecord(payload: Buffer): Buffer {
  const out = Buffer.allocUnsafe(HEAD_BYTES + payload.length);
  out.writeUInt32BE(payload.length, 0);
  out.writeUInt32BE(crc32(out.subarray(0, 4)), 4);
  out.writeUInt32BE(crc32(payload), 8);
  payload.copy(out, HEAD_BYTES);
  return out;
}

/** What a scan of a log file found. */
export interface WalScan {
  /** Every whole record's payload, in order. */
  payloads: Buffer[];
  /** Bytes of the whole records: where a torn tail starts (the file's length when none). */
  end: number;
  /** Why the bytes after `end` are a torn tail, when there are any. */
  torn?: string;
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
  const tornAt = (why: string): WalScan => ({ payloads, end: at, torn: why });
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
    payloads.push(payload);
    at = end;
  }
  return { payloads, end: at };
}
