import type { Member, MessageOf } from '../protocol/messages.js';
import type { Connection } from '../transport/types.js';
import type { ClaimTrust } from './history-claims.js';
import type { SnapshotQueue } from './snapshot-queue.js';
import type { SnapshotAssembler } from './snapshot-stream.js';

/** One connection to the host, from accept to close. */
export interface HostPeer {
  conn: Connection;
  /** Set once its hello is accepted: it is a member from then on. */
  member?: Member;
  hello?: MessageOf<'hello'>;
  /** What checkHello granted: the protocol spoken and our proof of the secret. */
  accepted?: { protocol: number; proof: string | undefined };
  /** Sent its welcome: it receives entries and member lists from then on. */
  welcomed: boolean;
  /**
   * Every host-capable member has acknowledged a list naming it, and it was told so (`known`):
   * only from then on may it submit or use messaging, and do its acknowledgements count.
   */
  known: boolean;
  /** The highest version it acknowledged before it was known: counted once it is. */
  heldAck: number;
  /** The newest member list this peer is known to hold (welcome or acknowledged). */
  knownSeq: number;
  /** The member list that first named this peer. */
  joinSeq: number;
  /** Every entry up to this version is known to be held by this peer. */
  ackedVersion: number;
  helloTimer?: NodeJS.Timeout | undefined;
  /** We asked this peer for the history it holds beyond ours (or will, once welcomed). */
  awaitingHistory: boolean;
  upload?: SnapshotAssembler;
  /** The snapshots it is sent, one at a time, and its entries held meanwhile (snapshot-queue.ts). */
  snapshots?: SnapshotQueue;
  /** Its patches waiting to be ordered, as it last reported them (pending-report.ts). */
  pending: number;
  /** How far its claim to hold history beyond ours is believed (history-claims.ts). */
  trust: ClaimTrust;
  /** Our nonce for this connection, when the mesh has a secret. */
  nonce?: string;
}

export function newHostPeer(conn: Connection): HostPeer {
  return { conn, welcomed: false, known: false, heldAck: 0, knownSeq: 0, joinSeq: 0, ackedVersion: 0, awaitingHistory: false, trust: 'none', pending: 0 };
}

/**
 * The members that must know of `joiner` before it is known: every welcomed member that
 * could become host. Until they do, the joiner may write nothing — else a next host that
 * never heard of it would not wait for it after a failover, and the writes it was told were
 * ordered (it holds them: it may be the only one) would be lost when the gather closed.
 */
export function notYetAware(joiner: HostPeer, peers: Iterable<HostPeer>): HostPeer[] {
  return behind(peers, joiner.joinSeq).filter((peer) => peer !== joiner);
}

/** The welcomed members that could become host and hold no list numbered `seq` or later. */
export function behind(peers: Iterable<HostPeer>, seq: number): HostPeer[] {
  const out: HostPeer[] = [];
  for (const peer of peers) {
    if (!peer.welcomed || !peer.member || peer.member.clientOnly) continue;
    if (peer.knownSeq < seq) out.push(peer);
  }
  return out;
}
