import { crc32 } from 'node:zlib';
import { StorageError } from '../errors.js';
import { encodeJsonInSlices } from './sliced-json.js';

/**
 * Every value the on-disk store keeps (an entry, a snapshot) is `crc32 (u32, big-endian)`
 * followed by its UTF-8 JSON. LMDB keeps its own pages consistent across crashes but has no
 * checksum over what they hold: a flipped byte would otherwise load as a different document.
 */
export function encodeRecord(value: unknown): Buffer {
  const json = Buffer.from(JSON.stringify(value), 'utf8');
  const out = Buffer.allocUnsafe(4 + json.length);
  out.writeUInt32BE(crc32(json), 0);
  json.copy(out, 4);
  return out;
}

/**
 * The same record as {@link encodeRecord}, encoded across turns of the event loop (a large
 * snapshot must not stall the host): see sliced-json.ts. Only the final copy is one piece.
 */
export async function encodeRecordInSlices(value: unknown, sliceMs?: number): Promise<Buffer> {
  const { pieces, bytes, crc } = await encodeJsonInSlices(value, sliceMs);
  const head = Buffer.allocUnsafe(4);
  head.writeUInt32BE(crc, 0);
  return Buffer.concat([head, ...pieces], 4 + bytes);
}

/** @throws StorageError `ERR_STORAGE_CORRUPT` naming `file` and `what` when the checksum or JSON is wrong */
export function decodeRecord(bytes: Uint8Array | undefined, file: string, what: string): unknown {
  const corrupt = (why: string, cause?: unknown): StorageError =>
    new StorageError('ERR_STORAGE_CORRUPT', `the store's ${what} is damaged (${why}); refusing to load it`, file, { cause });
  if (bytes === undefined || bytes.length < 4) throw corrupt('too short');
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const json = buffer.subarray(4);
  if (crc32(json) !== buffer.readUInt32BE(0)) throw corrupt('checksum mismatch');
  try {
    return JSON.parse(json.toString('utf8'));
  } catch (error) {
    throw corrupt('not JSON', error);
  }
}
