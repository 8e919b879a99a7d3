import type { Replica } from '../document/index.js';
import type { MemSyncErrorCode } from '../errors.js';
import { type MessageOf, PROTOCOL_VERSIONS } from '../protocol/messages.js';
import type { Connection } from '../transport/types.js';
import type { OrderedPatch } from '../types.js';
import { clientProof, hostProof, proofsMatch } from './auth.js';
import type { EntryLog } from './entry-log.js';
import { sendInBatches } from './frame-batches.js';

export interface HelloContext {
  mesh: string;
  hostPeer: string;
  secret: string | undefined;
  /** The nonce of our challenge on this connection (with a secret). */
  nonce: string | undefined;
  /** The store this mesh keeps its state in (options.storage), which every member must name. */
  storage: string | undefined;
  isConnected(peer: string): boolean;
}

export type HelloVerdict =
  | { ok: true; protocol: number; proof: string | undefined }
  | { ok: false; code: MemSyncErrorCode; message: string };

/** Decides whether a hello is let in: protocol, mesh, secret, and a peer id not in use. */
export function checkHello(hello: MessageOf<'hello'>, context: HelloContext): HelloVerdict {
  const protocol = PROTOCOL_VERSIONS.find((v) => hello.protocols.includes(v));
  if (protocol === undefined) {
    const message = `no common protocol version (host speaks ${PROTOCOL_VERSIONS.join(', ')})`;
    return { ok: false, code: 'ERR_INCOMPATIBLE_PEER', message };
  }
  if (hello.mesh !== context.mesh) {
    const message = `this socket serves mesh '${context.mesh}', not '${hello.mesh}'`;
    return { ok: false, code: 'ERR_INCOMPATIBLE_PEER', message };
  }
  // A clientOnly peer given no store never hosts, so never writes one: let in (the CLI).
  if (hello.storage !== context.storage && !(hello.clientOnly && hello.storage === undefined)) {
    const where = (id: string | undefined): string => (id === undefined ? 'no storage' : `storage '${id}'`);
    const message = `this mesh keeps its state in ${where(context.storage)}; this process was given ${where(hello.storage)}`;
    return { ok: false, code: 'ERR_INCOMPATIBLE_PEER', message };
  }
  if (hello.peer === context.hostPeer) {
    return { ok: false, code: 'ERR_INCOMPATIBLE_PEER', message: `peer id '${hello.peer}' is the host's own` };
  }
  let proof: string | undefined;
  if (context.secret !== undefined && context.nonce !== undefined) {
    const expected = clientProof(context.secret, context.nonce, hello.nonce ?? '', context.mesh, hello.peer);
    if (hello.nonce === undefined || !proofsMatch(expected, hello.proof)) {
      const message = hello.proof === undefined ? 'this mesh needs a shared secret' : 'wrong shared secret';
      return { ok: false, code: 'ERR_AUTH', message };
    }
    proof = hostProof(context.secret, context.nonce, hello.nonce, context.mesh);
  }
  // An id held by a live connection is not taken over: that would let anyone who can reach
  // the socket cut an honest peer off and write in its name. A genuine reconnect racing the
  // close of its old connection is refused as retryable, and comes back.
  if (context.isConnected(hello.peer)) {
    return { ok: false, code: 'ERR_CONNECTION', message: `peer id '${hello.peer}' is connected already` };
  }
  return { ok: true, protocol, proof };
}

export type CatchUp =
  | { kind: 'none' }
  | { kind: 'entries'; entries: OrderedPatch[] }
  | { kind: 'snapshot' }
  /** It holds history we lack and we may still adopt it: ask for it. */
  | { kind: 'history' };

/** What a joiner at `version` (ordered in `entryEpoch`) needs to reach our state. */
export function planCatchUp(
  joiner: { version: number; entryEpoch: number },
  replica: Replica,
  log: EntryLog,
  gathering: boolean,
): CatchUp {
  if (joiner.version > replica.version) return gathering ? { kind: 'history' } : { kind: 'snapshot' };
  // A fresh replica holds its own defaults, not the mesh's initial state: send it all.
  if (joiner.version === 0) return { kind: 'snapshot' };
  const ours = joiner.version === replica.version ? replica.epoch : log.epochAt(joiner.version);
  // A different epoch at the same version: its history diverged from ours.
  if (ours !== joiner.entryEpoch) return { kind: 'snapshot' };
  const tail = log.after(joiner.version, replica.version);
  if (tail === undefined) return { kind: 'snapshot' };
  return tail.length > 0 ? { kind: 'entries', entries: tail } : { kind: 'none' };
}

/**
 * Sends a newly welcomed member what it needs: the tail it lacks (in as many frames as it
 * takes), a snapshot, or our request for the history it holds beyond ours. Returns whether
 * that history was asked for (the gather then waits for it).
 */
export function sendCatchUp(
  plan: CatchUp,
  conn: Connection,
  epoch: number,
  replica: Replica,
  sendSnapshot: () => void,
): boolean {
  switch (plan.kind) {
    case 'entries':
      sendInBatches(plan.entries, (entries) => ({ type: 'entries', epoch, entries }) as const, (m) => conn.send(m));
      return false;
    case 'snapshot':
      sendSnapshot();
      return false;
    case 'history':
      conn.send({ type: 'request-history', epoch, after: replica.version, atEpoch: replica.epoch });
      return true;
    case 'none':
      // It holds our history to its end: what it ordered as a host itself and still holds
      // for a second replica's word (a deposed host rejoining) is acknowledged now.
      conn.send({ type: 'entries', epoch, entries: [], holds: replica.version });
      return false;
  }
}
