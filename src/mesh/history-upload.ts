import type { MessageOf } from '../protocol/messages.js';
import type { Connection } from '../transport/types.js';
import type { OrderedPatch } from '../types.js';
import { isTooLargeForFrame } from './frame-batches.js';
import type { ReplicaCore } from './replica-core.js';
import { streamSnapshotTo } from './snapshot-stream.js';

/**
 * A client's answer to a gathering host that asks for the history it lacks: the tail of our
 * log after the host's version, when our log reaches back there along the same history; our
 * whole state as a snapshot otherwise (or when the tail would not fit in one frame).
 */
export function answerHistoryRequest(
  core: ReplicaCore,
  conn: Connection,
  epoch: number,
  request: MessageOf<'request-history'>,
  maxFrameBytes: number,
): void {
  const { replica, log } = core;
  // From version 0 the host's initial state is its own defaults, not the mesh's: a tail
  // would not reproduce our state, so it gets the whole snapshot.
  const ourEpoch =
    request.after === 0
      ? -1
      : request.after === replica.version
        ? replica.epoch
        : log.epochAt(request.after);
  const tail = ourEpoch === request.atEpoch ? log.after(request.after, replica.version) : undefined;
  if (tail !== undefined && sendHistory(conn, epoch, tail)) return;
  void streamSnapshotTo(conn, core.snapshot(), epoch, maxFrameBytes);
}

/** One `history` message; false when it does not fit in a frame (nothing was sent then). */
function sendHistory(conn: Connection, epoch: number, entries: OrderedPatch[]): boolean {
  try {
    conn.send({ type: 'history', epoch, entries });
    return true;
  } catch (error) {
    if (isTooLargeForFrame(error)) return false;
    throw error;
  }
}
