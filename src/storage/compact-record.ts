import { decodeCompact } from '../protocol/compact-decode.js';
import { encodeEntries, entryRuns } from '../protocol/compact.js';
import { ENTRIES_HEADER, ENTRY_RECORD, KIND_ENTRIES } from '../protocol/compact-layout.js';
import type { OrderedPatch } from '../types.js';
import { HEAD_BYTES, allocWalRecord, sealWalRecord } from './wal-record.js';

/**
 * The payload of a log batch record in format 5: the compact `entries` frame body the host
 * broadcast the batch in (protocol/compact.ts), kept as those bytes rather than encoded again
 * as JSON (JSON.stringify of a batch cost ~0.65 us per entry on the host; this, a copy).
 *
 *   u8 0x01 (KIND_ENTRIES), base64 of body bytes 1 .. the JSON part, the JSON part
 *
 * The body's fixed-width numbers go in base64 so that the payload, like a JSON batch, holds
 * no zero byte: a power loss's unwritten pages read back as zeros, and telling them from
 * damage (wal-record.ts `unwrittenAt`) rests on payloads having none. Base64 has no `[`,
 * which opens the JSON part: that is where it ends. Decoding checks everything a received
 * frame is checked for (compact-decode.ts); a payload that fails is damage.
 */
export const COMPACT_BATCH = KIND_ENTRIES;
const OPEN_BRACKET = 0x5b;
/** Entries per self-encoded body: far below the decoder's count limit. */
const MAX_RUN = 65_536;

/** Whether `body` is an entries frame body holding exactly `entries` (what the host sent them in). */
export function bodyHolds(body: Buffer, entries: readonly OrderedPatch[]): boolean {
  const first = entries[0];
  return (
    first !== undefined &&
    body.length >= ENTRIES_HEADER &&
    body[0] === KIND_ENTRIES &&
    body.readUInt32LE(2) === entries.length &&
    body.readDoubleLE(14) === first.epoch &&
    body.readDoubleLE(22) === first.version
  );
}

/** The log record (wal-record.ts, head included) of one entries frame body: one allocation. */
export function compactBatchRecord(body: Buffer): Buffer {
  const jsonAt = ENTRIES_HEADER + body.readUInt32LE(2) * ENTRY_RECORD;
  const head = body.toString('base64', 1, jsonAt);
  const out = allocWalRecord(1 + head.length + body.length - jsonAt);
  out[HEAD_BYTES] = COMPACT_BATCH;
  out.write(head, HEAD_BYTES + 1, 'latin1');
  body.copy(out, HEAD_BYTES + 1 + head.length, jsonAt);
  return sealWalRecord(out);
}

/** The record payload of one entries frame body (what a scan of the log gives back). */
export function compactBatchPayload(body: Buffer): Buffer {
  return compactBatchRecord(body).subarray(HEAD_BYTES);
}

/**
 * Log records for entries no frame was sent for (a host alone, a batch partly stored
 * already): one per run of consecutive versions of one epoch, encoded as the host would.
 */
export function compactBatchRecords(entries: readonly OrderedPatch[], epoch: number): Buffer[] {
  const records: Buffer[] = [];
  for (const run of entryRuns(entries)) {
    for (let at = 0; at < run.length; at += MAX_RUN) {
      const frame = encodeEntries(epoch, run.slice(at, at + MAX_RUN), false, Number.MAX_SAFE_INTEGER);
      records.push(compactBatchRecord(frame.body));
    }
  }
  return records;
}

/**
 * The entries of a format 5 batch payload.
 * @throws Error (a ProtocolError from the frame's checks) when it is not a well-formed one
 */
export function entriesOfCompactBatch(payload: Buffer): OrderedPatch[] {
  if (payload[0] !== COMPACT_BATCH) throw new Error('not a compact batch');
  const jsonAt = payload.indexOf(OPEN_BRACKET, 1);
  if (jsonAt === -1) throw new Error('a compact batch without its JSON part');
  const text = payload.toString('latin1', 1, jsonAt);
  const head = Buffer.from(text, 'base64');
  // Base64 decoding skips what is not base64: encoding it again proves nothing was skipped.
  if (head.toString('base64') !== text) throw new Error('a compact batch whose numbers are not base64');
  if (head.length < ENTRIES_HEADER - 1 || head.length !== ENTRIES_HEADER - 1 + head.readUInt32LE(1) * ENTRY_RECORD) {
    throw new Error('a compact batch whose numbers do not match its count');
  }
  const body = Buffer.allocUnsafe(1 + head.length + payload.length - jsonAt);
  body[0] = KIND_ENTRIES;
  head.copy(body, 1);
  payload.copy(body, 1 + head.length, jsonAt);
  const message = decodeCompact(body);
  if (message.type !== 'entries') throw new Error('not a batch of entries');
  return message.entries;
}
