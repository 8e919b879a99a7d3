/**
 * What a gathering host receives from members that hold more history than it does: the
 * entries or the snapshot it asked them for (hello-check.ts asks), checked against what each
 * member's hello claimed, then adopted (history-adoption.ts).
 */
import { type ReplicaSnapshot, resolveDocumentLimits } from '../document/index.js';
import { ProtocolError } from '../errors.js';
import type { MemSyncLimits } from '../options.js';
import type { MessageOf } from '../protocol/messages.js';
import type { OrderedPatch } from '../types.js';
import { entriesWithinClaim, snapshotWithinClaim } from './history-claims.js';
import { type Adoption, adoptHistory, adoptSnapshot } from './history-adoption.js';
import type { HostPeer } from './host-peers.js';
import { MAX_SNAPSHOT_KEYS, SnapshotAssembler } from './snapshot-stream.js';

export interface UploadContext {
  adoption: Adoption;
  epoch: number;
  limits: MemSyncLimits;
  /** Every connection, welcomed or not. */
  peers: Iterable<HostPeer>;
  /** A whole new state was adopted: store it. */
  storeSnapshot(): void;
  sendSnapshot(peer: HostPeer): void;
}

export function receiveHistory(peer: HostPeer, entries: OrderedPatch[], host: UploadContext): void {
  if (!peer.awaitingHistory) throw new ProtocolError('ERR_PROTOCOL', 'history that was not asked for');
  peer.awaitingHistory = false;
  if (!entriesWithinClaim(entries, peer.hello!)) throw new ProtocolError('ERR_PROTOCOL', 'history beyond what its hello claimed');
  adoptHistory(host.adoption, entries);
}

export function receiveSnapshotPart(peer: HostPeer, part: MessageOf<'snapshot'>, host: UploadContext): void {
  if (!peer.awaitingHistory) throw new ProtocolError('ERR_PROTOCOL', 'snapshot that was not asked for');
  // Only a proved member of the previous epoch may replace our whole state (history-claims.ts).
  if (peer.trust !== 'any') throw new ProtocolError('ERR_PROTOCOL', 'a snapshot from a peer that was not a member of the previous epoch');
  peer.upload ??= new SnapshotAssembler(MAX_SNAPSHOT_KEYS, resolveDocumentLimits(host.limits));
  const snapshot: ReplicaSnapshot | undefined = peer.upload.add(part);
  if (!snapshot) return;
  peer.upload = undefined;
  peer.awaitingHistory = false;
  if (!snapshotWithinClaim(snapshot, peer.hello!, host.epoch)) {
    throw new ProtocolError('ERR_PROTOCOL', `snapshot at version ${snapshot.version}, epoch ${snapshot.epoch}: not what its hello claimed`);
  }
  if (!adoptSnapshot(host.adoption, snapshot, peer.member?.peer ?? '?')) return;
  host.storeSnapshot();
  // Its own writes in what it uploaded were held for a second replica: we are it now.
  peer.conn.send({ type: 'entries', epoch: host.epoch, entries: [], holds: snapshot.version });
  // Everyone already welcomed holds a shorter history: bring them over wholesale. Not a
  // member still uploading a longer one: our snapshot would replace the very history we
  // are waiting for (it adopts ours, its own upload then finds the gather over).
  for (const other of host.peers) {
    if (other !== peer && other.welcomed && !claimsBeyond(other, snapshot.version)) host.sendSnapshot(other);
  }
}

/** Whether `peer` still owes us the history its hello claimed, reaching past `version`. */
function claimsBeyond(peer: HostPeer, version: number): boolean {
  return peer.awaitingHistory && peer.hello !== undefined && peer.hello.version > version;
}
