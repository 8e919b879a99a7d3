import { MemSyncError, ProtocolError } from '../errors.js';
import type { JsonObject } from '../types.js';
import { copyJson, isPlainObject, VALUE_RULES } from './json.js';
import { checkParsedState, isParsedJson } from './parsed-state.js';
import { isCheckedState, snapshotStateError } from './snapshot-builder.js';
import type { DocumentLimits } from './limits.js';
import { type StampEntries, StampTable } from './stamps.js';

/**
 * Everything a replica is, as plain JSON: enough for a joiner to carry on from `version`
 * with the same verdicts (timestamp rule, exactly-once) as every other replica.
 */
export interface ReplicaSnapshot {
  state: JsonObject;
  version: number;
  epoch: number;
  /** The timestamp table: `[path, ts, peer]` per path written since the horizon. */
  stamps: StampEntries;
  /** Absolute writes stamped before this are stale (see Replica). Absent means 0. */
  horizon?: number;
  /**
   * Exactly-once table: `[peer, last seq applied or refused, newest ts of its patches]` (a
   * missing ts reads as 0).
   */
  seqs: Array<[peer: string, seq: number, ts?: number]>;
}

/** A snapshot's parts, checked. */
export interface CheckedSnapshot {
  state: JsonObject;
  version: number;
  epoch: number;
  stamps: StampTable;
  horizon: number;
  seqs: Map<string, WriterMark>;
}

/** What the exactly-once table keeps of one writer. */
export interface WriterMark {
  /** Its last seq applied or refused. */
  seq: number;
  /** The newest timestamp among its patches: the table forgets it once that is old. */
  ts: number;
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/**
 * Checks a document given as a whole (defaults, a snapshot's state) and returns a private
 * deep copy. It is bounded by depth and key length, not by the size of one patch.
 */
export function copyState(state: unknown, limits: DocumentLimits, inPlace = false): JsonObject {
  if (!isPlainObject(state)) {
    throw new MemSyncError('ERR_INVALID_VALUE', 'the document must be a plain JSON object');
  }
  // Checked in place, a state is also frozen in that walk: it becomes a replica's root next.
  const budget = { limits: { ...limits, maxPatchBytes: Number.POSITIVE_INFINITY }, bytes: 0, inPlace, freeze: inPlace };
  return copyJson(state, 0, budget, VALUE_RULES) as JsonObject;
}

/**
 * Checks a snapshot received from a peer.
 * @throws ProtocolError `ERR_PROTOCOL` when anything in it is malformed.
 */
export function checkSnapshot(snapshot: unknown, limits: DocumentLimits): CheckedSnapshot {
  if (!isPlainObject(snapshot))
    throw new ProtocolError('ERR_PROTOCOL', 'a snapshot must be an object');
  const { version, epoch, seqs, horizon = 0 } = snapshot;
  if (!isCount(version) || !isCount(epoch) || !isCount(horizon)) {
    throw new ProtocolError(
      'ERR_PROTOCOL',
      'snapshot version, epoch and horizon must be non-negative integers',
    );
  }
  let state: JsonObject;
  if (isCheckedState(snapshot.state)) {
    state = snapshot.state as JsonObject;
  } else if (isParsedJson(snapshot.state)) {
    try {
      state = checkParsedState(snapshot.state, limits);
    } catch (error) {
      throw snapshotStateError(error);
    }
  } else {
    try {
      // A snapshot is either freshly parsed from frames or a replica's immutable root: it is
      // checked where it lies, not copied (a deep copy of a large document doubles join time).
      state = copyState(snapshot.state, limits, true);
    } catch (error) {
      throw snapshotStateError(error);
    }
  }
  if (!Array.isArray(seqs))
    throw new ProtocolError('ERR_PROTOCOL', 'snapshot seqs must be an array');
  const table = new Map<string, WriterMark>();
  for (const entry of seqs) {
    if (!Array.isArray(entry) || (entry.length !== 2 && entry.length !== 3)) {
      throw new ProtocolError('ERR_PROTOCOL', 'a snapshot seq must be [peer, seq, ts]');
    }
    const [peer, seq, ts = 0] = entry as unknown[];
    if (typeof peer !== 'string' || !isCount(seq) || !isCount(ts)) {
      throw new ProtocolError('ERR_PROTOCOL', 'a snapshot seq must be [peer, seq, ts]');
    }
    table.set(peer, { seq, ts });
  }
  return { state, version, epoch, stamps: StampTable.fromJSON(snapshot.stamps), horizon, seqs: table };
}
