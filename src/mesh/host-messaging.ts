/**
 * What a host role offers messaging (events, RPC and locks, src/messaging): its link to the
 * welcomed members and to the order. A deposed host orders, sends and relays nothing for
 * messaging either (host-fence.ts).
 */
import type { HybridClock } from '../clock/hlc.js';
import { type HostLink, MESSAGING_WRITER } from '../messaging/link.js';
import { RawJson, stringifyMessage } from '../transport/framing.js';
import type { HostOrdering } from './host-ordering.js';
import type { HostPeer } from './host-peers.js';

export interface HostMessagingContext {
  self: string;
  ordering: HostOrdering;
  clock: Pick<HybridClock, 'next'>;
  deposed(): boolean;
  /** Every connection, welcomed or not. */
  peers: Iterable<HostPeer>;
  /** The connection that said hello as `id`, welcomed or not yet. */
  byId(id: string): HostPeer | undefined;
}

export function hostMessagingLink(host: HostMessagingContext): HostLink {
  const { self, ordering } = host;
  const welcomed = (id: string): HostPeer | undefined => {
    const peer = host.byId(id);
    return peer?.welcomed ? peer : undefined;
  };
  return {
    self,
    order: (op) =>
      !host.deposed() &&
      ordering.sequence({
        peer: MESSAGING_WRITER,
        seq: ordering.unapplied.lastSeq(MESSAGING_WRITER) + 1,
        ts: host.clock.next(),
        // Changes nothing in the document: the entry only takes its place in the order.
        update: { $set: {} },
        msg: op,
      }),
    send: (id, message) => {
      if (host.deposed()) return false;
      const peer = welcomed(id);
      peer?.conn.send(message);
      return peer !== undefined;
    },
    broadcast: (message, except) => {
      if (host.deposed()) return;
      let text: RawJson | undefined;
      for (const peer of host.peers) {
        if (!peer.welcomed || peer.member?.peer === except) continue;
        text ??= new RawJson(stringifyMessage(message));
        peer.conn.send(text);
      }
    },
    // Joined (said hello), welcomed or not yet: its locks are not freed meanwhile.
    connected: (id) => id === self || host.byId(id) !== undefined,
    // What we have ordered, applied here yet or not: an event relayed now follows it.
    version: () => ordering.unapplied.nextVersion() - 1,
  };
}
