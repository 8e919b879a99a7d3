import { tsToMillis } from '../clock/hlc.js';
import { highestAcceptableSeq } from '../clock/write-numbers.js';
import { checkParsedPatch } from '../document/index.js';
import { ProtocolError } from '../errors.js';
import type { MemSyncLimits } from '../options.js';
import type { Patch } from '../types.js';

/** How far ahead of real time a patch timestamp may be (ms): processes share one clock. */
export const MAX_CLOCK_LEAD_MS = 60_000;
/**
 * The largest step back of the system clock a mesh rides out (ms). A process started before
 * the step stamps and numbers its patches ahead of a host started after it, honestly, by as
 * much as the step: such stamps are lowered to the ceiling and such numbers taken, where
 * refusing them would cut the writer off for good. Past this, a stamp or a number is forged.
 */
export const MAX_CLOCK_STEP_MS = 24 * 3_600_000;

export interface AdmissionContext {
  sender: string;
  limits: MemSyncLimits;
  /** The latest stamp admitted, in clock units (ReplicaCore.stampCeiling). */
  ceiling: number;
  /** Highest seq of `sender` already applied or queued. */
  lastSeq: number;
}

/**
 * Checks a client's patches before any of them is queued: all are admitted or none. Each
 * must carry its sender as peer, pass the document validator, and have a seq no further
 * ahead than a writer numbering from its start time could be (clock/write-numbers.ts; a
 * forged huge seq would make the writer's real patches look like resends). A timestamp past
 * the ceiling is lowered to it (a far-future stamp would win every last-writer-wins contest
 * and drag every clock forward), one past it by more than {@link MAX_CLOCK_STEP_MS} refused.
 * The bounds follow real time, never the stamps admitted: see ReplicaCore.stampCeiling.
 *
 * `raw` was just parsed from a frame and checked against the protocol schema (a patch has
 * no other fields), so nothing else holds it: each patch is checked where it lies and
 * admitted as it is, its stamp lowered in place, where a deep copy of every update was
 * most of admission's work on the host's path.
 */
export function admitPatches(raw: Patch[], context: AdmissionContext): Patch[] {
  let lastSeq = context.lastSeq;
  const latest = context.ceiling;
  const nowMs = tsToMillis(context.ceiling);
  const highestSeq = (last: number): number =>
    highestAcceptableSeq(last, nowMs, MAX_CLOCK_STEP_MS, context.limits.maxPendingPerPeer);
  // The update of the last patch checked with no condition and no array filters: a run of one
  // write decodes to one shared update (protocol/compact-decode.ts), judged once.
  let passed: unknown;
  for (const candidate of raw) {
    if (candidate.peer !== context.sender) {
      throw new ProtocolError('ERR_PROTOCOL', 'a patch must carry its sender as peer');
    }
    if (candidate.seq > highestSeq(lastSeq)) {
      throw new ProtocolError('ERR_PROTOCOL', `patch seq ${candidate.seq} jumps too far past ${lastSeq}`);
    }
    if (candidate.ts > latest + MAX_CLOCK_STEP_MS * 1000) {
      throw new ProtocolError('ERR_PROTOCOL', `patch ${candidate.seq} is stamped too far in the future`);
    }
    const plain = candidate.if === undefined && candidate.arrayFilters === undefined;
    if (!plain || candidate.update !== passed) {
      checkParsedPatch(candidate, context.limits);
      if (plain) passed = candidate.update;
    }
    if (candidate.seq > lastSeq) lastSeq = candidate.seq;
  }
  // Lowered only once all are admitted: a refused message changes nothing.
  for (const patch of raw) if (patch.ts > latest) patch.ts = latest;
  return raw;
}
