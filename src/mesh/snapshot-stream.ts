import { type DocumentLimits, type ReplicaSnapshot, SnapshotStateBuilder } from '../document/index.js';
import { RESERVED_KEYS } from '../document/json.js';
import { ProtocolError } from '../errors.js';
import type { JsonObject, JsonValue } from '../types.js';
import type { MessageOf } from '../protocol/messages.js';
import { RawJson } from '../transport/framing.js';
import type { Connection } from '../transport/types.js';

/** Entries a snapshot may carry: a peer cannot grow our memory entry by entry forever. */
export const MAX_SNAPSHOT_KEYS = 10_000_000;

/** Size of one snapshot part on the wire. */
export const SNAPSHOT_PART_BYTES = 64 * 1024;

/**
 * A value whose JSON is longer than `bytes` is sent child by child rather than whole. One
 * top-level key can hold most of a document; whole, it would be one frame — parsed only once
 * all of it has arrived, and refused outright past maxFrameBytes, so that no process could
 * ever join. Values under the bound (most, in most documents) cost one stringify as before;
 * one over it is stringified again child by child.
 */
export interface SnapshotSplit {
  bytes: number;
  /** JSON bytes of small children sent together as one merge. @default SNAPSHOT_PART_BYTES */
  group?: number;
}

/** The split for a mesh whose frames are at most `maxFrameBytes`: a quarter of that, at most 1 MiB. */
export function snapshotSplit(maxFrameBytes: number): SnapshotSplit {
  return { bytes: Math.min(1 << 20, Math.floor(maxFrameBytes / 4)) };
}

const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function hasChildren(value: JsonValue): boolean {
  if (Array.isArray(value)) return value.length > 0;
  return typeof value === 'object' && value !== null && Object.keys(value).length > 0;
}

/**
 * The entries of a value, each `[path, value]` as JSON text: the value whole, or an empty
 * container followed by the entries of its children. `pathJson` is the path as it goes on
 * the wire: a top-level key alone (`"key"`), nested ones as arrays (`["key","child",0]`).
 */
function* entriesOf(
  pathJson: string,
  value: JsonValue,
  split: SnapshotSplit,
  json = JSON.stringify(value),
): Generator<string> {
  if (json.length <= split.bytes || !hasChildren(value)) {
    yield `[${pathJson},${json}]`;
    return;
  }
  const array = Array.isArray(value);
  yield `[${pathJson},${array ? '[]' : '{}'}]`;
  // Small children travel in groups merged into the container (a part's worth each), so a
  // container of millions of small values is not millions of entries; a child too large
  // itself goes by its own path, in order (elements are appended as they come).
  let group: string[] = [];
  let groupBytes = 0;
  const merge = (): string => {
    const entry = `[${pathJson},${array ? '[' : '{'}${group.join(',')}${array ? ']' : '}'},"merge"]`;
    group = [];
    groupBytes = 0;
    return entry;
  };
  // '"key"' becomes '["key",', '["key","child"]' becomes '["key","child",'.
  const prefix = pathJson.startsWith('[') ? `${pathJson.slice(0, -1)},` : `[${pathJson},`;
  const keys = array ? undefined : Object.keys(value as JsonObject);
  const count = keys ? keys.length : (value as JsonValue[]).length;
  for (let i = 0; i < count; i++) {
    const key = keys?.[i];
    const child = (key === undefined ? (value as JsonValue[])[i] : (value as JsonObject)[key])!;
    const childJson = JSON.stringify(child);
    const keyJson = key === undefined ? '' : JSON.stringify(key);
    if (childJson.length > split.bytes && hasChildren(child)) {
      if (group.length > 0) yield merge();
      yield* entriesOf(`${prefix}${key === undefined ? i : keyJson}]`, child, split, childJson);
      continue;
    }
    group.push(key === undefined ? childJson : `${keyJson}:${childJson}`);
    groupBytes += childJson.length + keyJson.length;
    if (groupBytes >= (split.group ?? SNAPSHOT_PART_BYTES)) yield merge();
  }
  if (group.length > 0) yield merge();
}

/** JSON text stringified between two yields to the event loop while sizing a snapshot. */
const SIZING_SLICE_BYTES = 1 << 20;

/**
 * The JSON of each top-level value, and the snapshot's size from them: the length of the
 * entries' text when no value is split (a split one adds its children's paths, a little).
 * Each value is stringified here once, as before, only all before the first part rather
 * than part by part, so the first part can announce the total; the loop gets a turn every
 * MiB or so, as it does between parts.
 */
async function sizeState(state: JsonObject): Promise<{ keys: string[]; jsons: (string | undefined)[]; total: number }> {
  const keys = Object.keys(state);
  const jsons: (string | undefined)[] = [];
  let total = 0;
  let slice = 0;
  for (const key of keys) {
    const json = JSON.stringify(state[key]);
    jsons.push(json);
    const bytes = JSON.stringify(key).length + json.length + 3; // [key,value] and its comma
    total += bytes;
    slice += bytes;
    if (slice >= SIZING_SLICE_BYTES) {
      slice = 0;
      await yieldToLoop();
    }
  }
  return { keys, jsons, total };
}

/**
 * Streams a snapshot as `snapshot` messages of about {@link SNAPSHOT_PART_BYTES}, each
 * holding entries of the state as real JSON values, and the replica's tables in the last.
 * Each value is stringified once, here (to size the parts and the whole), and the frame text
 * is sent as it is; the receiver parses each frame once. Every part says how far the stream
 * has come: `bytes` of entries so far out of `total` (both approximate, `bytes` never past
 * `total`, and equal to it in the last part), for a joiner's progress. The sender yields to
 * the event loop between parts, so serving a joiner a large document does not stall ordering
 * for long; the state root is immutable (copy-on-write), so it may be read while new versions
 * are applied. `send` returns false when the receiver is gone.
 */
export async function sendSnapshot(
  snapshot: ReplicaSnapshot,
  epoch: number,
  send: (message: RawJson) => boolean,
  split: SnapshotSplit,
): Promise<void> {
  const { state, ...meta } = snapshot;
  const { keys, jsons, total } = await sizeState(state);
  let part = 0;
  let pairs: string[] = [];
  let bytes = 0;
  let sent = 0;
  const frame = (last: boolean): RawJson => {
    sent = last ? total : Math.min(total, sent + bytes);
    return new RawJson(
      `{"type":"snapshot","epoch":${epoch},"part":${part},"last":${last},"bytes":${sent},"total":${total},"entries":[${pairs.join(',')}]${
        last ? `,"meta":${JSON.stringify(meta)}` : ''
      }}`,
    );
  };
  const flush = async (): Promise<boolean> => {
    if (!send(frame(false))) return false;
    part++;
    pairs = [];
    bytes = 0;
    await yieldToLoop();
    return true;
  };
  for (let k = 0; k < keys.length; k++) {
    const key = keys[k]!;
    const json = jsons[k]!;
    jsons[k] = undefined; // each value's text is let go once its entries are made
    for (const pair of entriesOf(JSON.stringify(key), state[key]!, split, json)) {
      // A part is up to SNAPSHOT_PART_BYTES of entries, or one larger entry on its own.
      if (pairs.length > 0 && bytes + pair.length > SNAPSHOT_PART_BYTES && !(await flush())) return;
      pairs.push(pair);
      bytes += pair.length;
      if (bytes >= SNAPSHOT_PART_BYTES && !(await flush())) return;
    }
  }
  send(frame(true));
}

/**
 * Collects snapshot parts in order into the whole snapshot. The state is checked part by
 * part as it arrives (see SnapshotStateBuilder); the tables in the last part are checked by
 * the replica.
 */
export class SnapshotAssembler {
  private state: SnapshotStateBuilder;
  private parts = 0;
  private bytes = 0;

  constructor(
    private readonly maxKeys: number,
    private readonly limits: DocumentLimits,
  ) {
    this.state = new SnapshotStateBuilder(limits);
  }

  /** Returns the snapshot when complete, undefined while parts are missing. */
  add(message: MessageOf<'snapshot'>): ReplicaSnapshot | undefined {
    if (message.part !== this.parts) {
      throw new ProtocolError('ERR_PROTOCOL', `snapshot part ${message.part} out of order`);
    }
    this.parts++;
    this.bytes += message.entries.length;
    if (this.bytes > this.maxKeys) throw new ProtocolError('ERR_LIMIT_EXCEEDED', 'snapshot too large');
    for (const [path, value, mode] of message.entries) {
      // Assigning '__proto__' would set the prototype: refuse before touching anything.
      if (typeof path === 'string' && RESERVED_KEYS.has(path)) {
        throw new ProtocolError('ERR_PROTOCOL', `snapshot key '${path}' is reserved`);
      }
      this.state.add(path, value, mode === 'merge');
    }
    if (!message.last) return undefined;
    if (message.meta === undefined) throw new ProtocolError('ERR_PROTOCOL', 'the last snapshot part has no meta');
    // The tables' shape and content are checked by Replica.fromSnapshot.
    const snapshot = { ...message.meta, state: this.state.build() } as unknown as ReplicaSnapshot;
    this.state = new SnapshotStateBuilder(this.limits);
    this.parts = 0;
    this.bytes = 0;
    return snapshot;
  }

  get receiving(): boolean {
    return this.parts > 0;
  }
}

/**
 * Streams `snapshot` to `conn` in frames that fit its limit; stops if the connection closes,
 * or before its first part if `superseded()` says a newer snapshot is due (once a part has
 * gone it runs to the end: the receiver cannot tell a new stream from a broken one).
 */
export function streamSnapshotTo(
  conn: Connection,
  snapshot: ReplicaSnapshot,
  epoch: number,
  maxFrameBytes: number,
  superseded: () => boolean = () => false,
): Promise<void> {
  let started = false;
  const send = (message: RawJson): boolean => {
    if (conn.closed || (!started && superseded())) return false;
    started = true;
    conn.send(message);
    return true;
  };
  return sendSnapshot(snapshot, epoch, send, snapshotSplit(maxFrameBytes));
}
