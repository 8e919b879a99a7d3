/**
 * Where a writer's patch numbers (`seq`) start. Exactly-once keeps, per peer id, the last seq
 * it ordered, and takes anything not above it for a resend. Numbering from 1 in every
 * process would make a process restarted with the same `id` look like its previous life
 * resending: its first patches would be dropped as duplicates. So each process numbers
 * from its start time in microseconds, above every number its previous lives could have
 * reached (they would have had to write more than a thousand patches per millisecond, for
 * their whole life, to catch up).
 */

/** Patch numbers per millisecond of start time. */
export const SEQS_PER_MS = 1000;

/** The number before a writer's first patch, for a process starting at `nowMs`. */
export function firstSeqBase(nowMs: number): number {
  const base = Math.floor(nowMs) * SEQS_PER_MS;
  return Number.isSafeInteger(base) && base > 0 ? base : 0;
}

/**
 * The highest seq a host takes from a writer whose last ordered seq is `lastSeq`, at host
 * clock `nowMs`: what a writer starting up to `leadMs` in the future could use, or
 * `pending` past its last one, whichever is more. A forged far-future number would make
 * the writer's real patches look like resends.
 */
export function highestAcceptableSeq(lastSeq: number, nowMs: number, leadMs: number, pending: number): number {
  return Math.max(lastSeq, firstSeqBase(nowMs + leadMs)) + pending;
}
