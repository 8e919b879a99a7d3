/**
 * What a gathering host believes of a joiner's claim to hold history beyond its own (#9 item
 * 6). A claim is adopted wholesale and pushed to every member, so it is bounded by what the
 * claimant could have seen:
 *
 * - Epochs: every entry it holds was ordered by a host it followed, so no epoch in it is past
 *   the newest it says it knew (`knownEpoch`, itself refused past any clock), nor ours — a
 *   follower of a newer host than ours makes us step down before any claim is read. A history
 *   stamped with a huge epoch would otherwise outrank every entry a later host orders: the
 *   mesh would accept no write again.
 * - Who: a member of the previous epoch, proved by its id's key (mesh/identity.ts) as the
 *   member list we hold names it (or by pid, for a process only the peer registry recorded),
 *   may be ahead by any amount and send its whole state: an honest one can lag us by whatever
 *   the dead host had queued. Anyone else may only bring the entries that fill the gap, at
 *   most a catch-up log's worth (`logSize`), each one checked and applied in order; a claim
 *   past that, or a snapshot, is not believed, and the claimant is brought to our state.
 *   A host that knows of no previous member at all (a fresh process on TCP: no registry)
 *   believes any claim within the epoch bounds: it cannot tell anyone from anyone.
 */
import type { Member, MessageOf } from '../protocol/messages.js';

export type ClaimTrust =
  /** Not believed: it gets our state like any joiner behind. */
  | 'none'
  /** Entries that fill the gap only, up to the version it claimed. */
  | 'entries'
  /** Entries or its whole state (a proved member of the previous epoch). */
  | 'any';

export interface ClaimContext {
  /** Our epoch: every epoch in a claim is below it. */
  epoch: number;
  /** Our version: a claim is about what lies beyond it. */
  version: number;
  /** The catch-up log's bound in entries (`logSize`): how far an unproved claim may reach. */
  logSize: number;
  /** The members of the previous epoch we know of (member list and peer registry). */
  previous: ReadonlyMap<string, Member>;
}

/** How far a joiner's hello claiming history beyond ours is believed. */
export function trustClaim(hello: MessageOf<'hello'>, key: string | undefined, context: ClaimContext): ClaimTrust {
  if (hello.version <= context.version) return 'none';
  if (hello.entryEpoch >= context.epoch || hello.entryEpoch > hello.knownEpoch) return 'none';
  // We know of no previous member (a fresh process on TCP, where no registry records them):
  // nobody can be told from anyone else, and refusing would lose what the mesh holds.
  if (context.previous.size === 0 || provedMember(hello, key, context.previous.get(hello.peer))) return 'any';
  return hello.version - context.version <= context.logSize ? 'entries' : 'none';
}

/** Whether the joiner is the very process our record of a previous member describes. */
function provedMember(hello: MessageOf<'hello'>, key: string | undefined, record: Member | undefined): boolean {
  if (record === undefined) return false;
  if (record.key !== undefined) return key === record.key;
  return record.pid !== undefined && hello.pid === record.pid;
}

/**
 * Whether uploaded entries stay within the claim: none past the version claimed, none of an
 * epoch past the one its last entry was claimed to have.
 */
export function entriesWithinClaim(
  entries: ReadonlyArray<{ version: number; epoch: number }>,
  hello: MessageOf<'hello'>,
): boolean {
  return entries.every((e) => e.version <= hello.version && e.epoch <= hello.entryEpoch);
}

/**
 * Whether an uploaded snapshot is the state the hello claimed: at its version, of an epoch no
 * newer than the claimant knew, and older than ours.
 */
export function snapshotWithinClaim(snapshot: { version: number; epoch: number }, hello: MessageOf<'hello'>, epoch: number): boolean {
  return snapshot.version === hello.version && snapshot.epoch <= hello.knownEpoch && snapshot.epoch < epoch;
}
