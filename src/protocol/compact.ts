/**
 * The compact form of the two messages every write travels in (protocols 9 to 11): `entries` (host
 * to members) and `submit` (member to host), as binary frames (transport/binary-frame.ts).
 *
 * Why: in the JSON form each entry repeats its keys and carries three 16-digit integers
 * (epoch, seq, ts) and a version, and turning those into text and back was most of what
 * encoding and parsing a frame cost (~0.55 us to encode and ~0.65 us to parse one entry,
 * where its update alone takes ~0.09 and ~0.14). Here the integers are fixed-width binary
 * numbers read with no parsing at all, the version and the ordering epoch are stated once
 * per frame (entries are consecutive), peer ids once per frame in a table, and everything
 * else of the patches — updates, conditions — is one JSON text parsed with one call.
 *
 * Layout, little-endian, after the transport's 4-byte length prefix:
 *
 *     entries: u8 kind=1, u8 flags (bit 0: ack), u32 count, f64 epoch, f64 entryEpoch,
 *              f64 first version, count x (u32 peer index, f64 seq, f64 ts),
 *              JSON [peer ids, bodies]
 *     submit:  u8 kind=2, u8 flags=0, u32 count, f64 epoch, count x (f64 seq, f64 ts),
 *              JSON [peer id, bodies]
 *
 * A body is a patch's update object, or `[update, extras]` when it has any of `if`,
 * `arrayFilters`, `msg` (extras holds exactly those). Since protocol 10 an update of one
 * operator with one path and no extras, the commonest write, is `[operator, path, value]`:
 * JSON.parse gives every object it makes a hidden class by its keys, and past ~1,500 keys of
 * a wide document each `{"$inc":{"k123":1}}` got one of its own (decoding a frame of them
 * took ~2.5x as long as of a small document's); the decoder builds that update itself, with
 * shapes shared across paths (document/paths-object.ts). Since protocol 11 a body may be the
 * number 0: the same one-path write, of a value that is no object, as the body just before
 * (see bodiesOf). Entry i has version first + i and was
 * ordered in entryEpoch. Decoding checks everything the JSON schema checks (compact-decode.ts).
 */
import { MemSyncError } from '../errors.js';
import { BinaryFrame } from '../transport/binary-frame.js';
import { FRAME_HEADER_BYTES } from '../transport/framing.js';
import type { OrderedPatch, Patch, Update } from '../types.js';
import { decodeCompact } from './compact-decode.js';
import type { RelayedBodies } from './compact-relay.js';
import {
  type BodyExtras,
  ENTRIES_HEADER,
  ENTRY_RECORD,
  FLAG_ACK,
  KIND_ENTRIES,
  KIND_SUBMIT,
  REPEAT_BODY,
  repeatable,
  SUBMIT_HEADER,
  SUBMIT_RECORD,
} from './compact-layout.js';

/**
 * The bodies of `patches` in order, a repeat of the body just before as {@link REPEAT_BODY}:
 * where a one-path write of a value that is no object follows the very same write (a
 * counter's `$inc {n: 1}`, again and again), its JSON is one digit. Parsing a frame's text
 * was the largest single share of a reader's CPU in a fan-out, and the decoder gives a repeat
 * the update object it made for the first (compact-decode.ts) where a parsed body cost an
 * array and two strings.
 */
function bodiesOf(patches: readonly Patch[]): unknown[] {
  const bodies = new Array<unknown>(patches.length);
  let previous: [string, string, unknown] | undefined;
  for (let i = 0; i < patches.length; i++) {
    const body = bodyOf(patches[i]!);
    const lean = isLeanBody(body) && repeatable(body[2]) ? body : undefined;
    const repeat = lean !== undefined && previous !== undefined && lean[0] === previous[0] && lean[1] === previous[1] && Object.is(lean[2], previous[2]);
    bodies[i] = repeat ? REPEAT_BODY : body;
    previous = lean;
  }
  return bodies;
}

function isLeanBody(body: unknown): body is [string, string, unknown] {
  return Array.isArray(body) && body.length === 3 && typeof body[0] === 'string';
}

function bodyOf(patch: Patch): unknown {
  if (patch.if === undefined && patch.arrayFilters === undefined && patch.msg === undefined) {
    return leanBody(patch.update) ?? patch.update;
  }
  const extras: BodyExtras = {};
  if (patch.if !== undefined) extras.if = patch.if;
  if (patch.arrayFilters !== undefined) extras.arrayFilters = patch.arrayFilters;
  if (patch.msg !== undefined) extras.msg = patch.msg;
  return [patch.update, extras];
}

/**
 * `[operator, path, value]` for an update of one operator with one path, else undefined.
 * Keys as JSON.stringify sees them: own and enumerable.
 */
function leanBody(update: Update): [string, string, unknown] | undefined {
  const op = soleKey(update);
  if (op === undefined) return undefined;
  const args: unknown = update[op as keyof Update];
  if (typeof args !== 'object' || args === null || Array.isArray(args)) return undefined;
  const path = soleKey(args);
  return path === undefined ? undefined : [op, path, (args as Record<string, unknown>)[path]];
}

/** The one own enumerable key of `value`, or undefined when it has none or more than one. */
function soleKey(value: object): string | undefined {
  let sole: string | undefined;
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    if (sole !== undefined) return undefined;
    sole = key;
  }
  return sole;
}

function jsonOf(value: unknown): string {
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch (cause) {
    // Longer than a string may be: too large for a frame, which a batch splits (frame-batches.ts).
    if (cause instanceof RangeError && /string length/i.test(cause.message)) {
      throw new MemSyncError('ERR_LIMIT_EXCEEDED', 'message is longer than the longest string', { cause });
    }
    throw new MemSyncError('ERR_INVALID_VALUE', 'message is not JSON-serialisable', { cause });
  }
  if (json === undefined) throw new MemSyncError('ERR_INVALID_VALUE', 'message is not JSON-serialisable');
  return json;
}

/**
 * The records' view: a DataView's writes compile to plain stores, where Buffer's
 * writeDoubleLE copies eight bytes one by one through a scratch array (as the decoder's
 * reads, compact-decode.ts).
 */
function viewOf(frame: Buffer): DataView {
  return new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
}

/** A frame buffer with room for the length prefix and `size` bytes of body, or the limit's error. */
function allocate(size: number, maxFrameBytes: number): Buffer {
  if (size > maxFrameBytes) {
    throw new MemSyncError('ERR_LIMIT_EXCEEDED', `message of ${size} bytes exceeds maxFrameBytes (${maxFrameBytes})`);
  }
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + size);
  frame.writeUInt32BE(size, 0);
  return frame;
}

/**
 * Splits entries into runs one compact frame can carry: consecutive versions ordered in one
 * epoch (what a host orders always is; adopted history may change epoch mid-batch).
 */
export function entryRuns(entries: readonly OrderedPatch[]): OrderedPatch[][] {
  const runs: OrderedPatch[][] = [];
  let run: OrderedPatch[] = [];
  for (const entry of entries) {
    const previous = run[run.length - 1];
    if (previous && (entry.version !== previous.version + 1 || entry.epoch !== previous.epoch)) {
      runs.push(run);
      run = [];
    }
    run.push(entry);
  }
  if (run.length > 0) runs.push(run);
  return runs;
}

/**
 * One `entries` message in compact form. `entries`: one run (see {@link entryRuns}), not empty.
 * `relayed`: submits whose bodies go out as the bytes they came in (compact-relay.ts), each
 * under its first patch; used where the run holds all of its patches in a row.
 * @throws MemSyncError `ERR_LIMIT_EXCEEDED` past `maxFrameBytes`, `ERR_INVALID_VALUE` for a
 * value with no JSON form.
 */
export function encodeEntries(
  epoch: number,
  entries: readonly OrderedPatch[],
  ack: boolean,
  maxFrameBytes: number,
  relayed?: ReadonlyMap<Patch, RelayedBodies>,
): BinaryFrame {
  const count = entries.length;
  const first = entries[0];
  if (first === undefined) throw new RangeError('encodeEntries needs at least one entry');
  const peers: string[] = [];
  const index = new Map<string, number>();
  const indexes = new Array<number>(count);
  for (let i = 0; i < count; i++) {
    const entry = entries[i]!;
    if (entry.version !== first.version + i || entry.epoch !== first.epoch) {
      throw new RangeError('encodeEntries needs consecutive versions of one epoch');
    }
    const { peer } = entry.patch;
    let at = index.get(peer);
    if (at === undefined) {
      at = peers.push(peer) - 1;
      index.set(peer, at);
    }
    indexes[i] = at;
  }
  const jsonAt = ENTRIES_HEADER + count * ENTRY_RECORD;
  const head = `[${jsonOf(peers)},[`;
  let parts = relayed !== undefined && relayed.size > 0 ? bodyParts(entries, relayed) : [];
  let jsonBytes = Buffer.byteLength(head, 'utf8') + parts.length + 1; // commas between parts, and "]]"
  for (const part of parts) jsonBytes += typeof part === 'string' ? Buffer.byteLength(part, 'utf8') : part.length;
  // A member may space its text out (only the parsed patch is bounded, options.ts): a frame
  // too large that way is encoded from the objects, which a single entry always fits in.
  if (jsonAt + jsonBytes > maxFrameBytes) parts = [];
  // Nothing relayed (the host's own writes, messaging, a client's catch-up, a store): one text.
  const json = parts.length === 0 ? jsonOf([peers, bodiesOf(entries.map((entry) => entry.patch))]) : undefined;
  if (json !== undefined) jsonBytes = Buffer.byteLength(json, 'utf8');
  const frame = allocate(jsonAt + jsonBytes, maxFrameBytes);
  const base = FRAME_HEADER_BYTES;
  frame[base] = KIND_ENTRIES;
  frame[base + 1] = ack ? FLAG_ACK : 0;
  frame.writeUInt32LE(count, base + 2);
  frame.writeDoubleLE(epoch, base + 6);
  frame.writeDoubleLE(first.epoch, base + 14);
  frame.writeDoubleLE(first.version, base + 22);
  const view = viewOf(frame);
  let at = base + ENTRIES_HEADER;
  for (let i = 0; i < count; i++) {
    const { seq, ts } = entries[i]!.patch;
    view.setUint32(at, indexes[i]!, true);
    view.setFloat64(at + 4, seq, true);
    view.setFloat64(at + 12, ts, true);
    at += ENTRY_RECORD;
  }
  if (json !== undefined) {
    frame.write(json, at, 'utf8');
    return framed(frame);
  }
  at += frame.write(head, at, 'utf8');
  for (let i = 0; i < parts.length; i++) {
    if (i > 0) frame[at++] = COMMA;
    const part = parts[i]!;
    at += typeof part === 'string' ? frame.write(part, at, 'utf8') : part.copy(frame, at);
  }
  frame[at++] = CLOSE_BRACKET;
  frame[at] = CLOSE_BRACKET;
  return framed(frame);
}

const COMMA = 0x2c;
const CLOSE_BRACKET = 0x5d;

/**
 * The bodies of `entries` as comma-separated pieces of the JSON array that holds them: a
 * relayed submit's bytes where the entries hold its patches in a row, else the JSON text of
 * the bodies in between (one JSON.stringify per stretch, its brackets cut off).
 */
function bodyParts(entries: readonly OrderedPatch[], relayed: ReadonlyMap<Patch, RelayedBodies>): Array<string | Buffer> {
  const parts: Array<string | Buffer> = [];
  // A stretch's first body is never a repeat: what comes before it may be relayed bytes.
  let encoded: Patch[] = [];
  const flush = (): void => {
    if (encoded.length === 0) return;
    parts.push(jsonOf(bodiesOf(encoded)).slice(1, -1));
    encoded = [];
  };
  for (let i = 0; i < entries.length; ) {
    const bodies = relayed.get(entries[i]!.patch);
    if (bodies !== undefined && holdsInARow(entries, i, bodies.patches)) {
      flush();
      parts.push(bodies.bytes);
      i += bodies.patches.length;
      continue;
    }
    encoded.push(entries[i++]!.patch);
  }
  flush();
  return parts;
}

/** Whether `entries` from `at` on are `patches`, each the very object. */
function holdsInARow(entries: readonly OrderedPatch[], at: number, patches: readonly Patch[]): boolean {
  if (at + patches.length > entries.length) return false;
  for (let k = 0; k < patches.length; k++) if (entries[at + k]!.patch !== patches[k]) return false;
  return true;
}

/**
 * One `submit` message in compact form, or undefined when the patches are not all of one
 * writer (never so for a client's own; the caller then sends the JSON form).
 * @throws MemSyncError as {@link encodeEntries}.
 */
export function encodeSubmit(epoch: number, patches: readonly Patch[], maxFrameBytes: number): BinaryFrame | undefined {
  const count = patches.length;
  const peer = patches[0]?.peer;
  if (peer === undefined) return undefined;
  for (let i = 0; i < count; i++) if (patches[i]!.peer !== peer) return undefined;
  const json = jsonOf([peer, bodiesOf(patches)]);
  const jsonAt = SUBMIT_HEADER + count * SUBMIT_RECORD;
  const frame = allocate(jsonAt + Buffer.byteLength(json, 'utf8'), maxFrameBytes);
  const base = FRAME_HEADER_BYTES;
  frame[base] = KIND_SUBMIT;
  frame[base + 1] = 0;
  frame.writeUInt32LE(count, base + 2);
  frame.writeDoubleLE(epoch, base + 6);
  const view = viewOf(frame);
  let at = base + SUBMIT_HEADER;
  for (let i = 0; i < count; i++) {
    const { seq, ts } = patches[i]!;
    view.setFloat64(at, seq, true);
    view.setFloat64(at + 8, ts, true);
    at += SUBMIT_RECORD;
  }
  frame.write(json, base + jsonAt, 'utf8');
  return framed(frame);
}

/**
 * The frame to send. Its plain JSON form, for a transport that carries only JSON, is decoded
 * from its own bytes when asked: holding the entries instead would keep them alive as long as
 * a log keeps the frame, where the point of keeping the frame is to hold no objects.
 */
function framed(frame: Buffer): BinaryFrame {
  const sent: BinaryFrame = BinaryFrame.framed(frame, () => decodeCompact(sent.body));
  return sent;
}
