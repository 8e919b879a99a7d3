/**
 * The seams between messaging and the mesh roles, kept small so the roles only route:
 * a host role gives messaging a {@link HostLink} and calls its {@link HostHooks}; a client
 * role calls {@link ClientHooks} with what the host relays. Nothing here touches a socket.
 */
import type { MessageOf } from '../protocol/messages.js';
import type { LockOp } from './lock-table.js';

export type MessagingMessage = MessageOf<'lock' | 'event' | 'handlers' | 'call' | 'call-result'>;

/**
 * The writer id of the entries a host orders for messaging. Not a valid `options.id`
 * (those are `[\w.:-]`), and a hello claiming it is refused, so no peer can write as it.
 */
export const MESSAGING_WRITER = '#messaging';

/** What a host role offers messaging. */
export interface HostLink {
  /** The host's own peer id. */
  readonly self: string;
  /** Orders a lock operation as the next entry (only once the host is ready). */
  order(op: LockOp): void;
  /** Sends to one welcomed member; false when it is not one (gone, or not yet welcomed). */
  send(peer: string, message: MessagingMessage): boolean;
  /** Sends one message (encoded once) to every welcomed member but `except`. */
  broadcast(message: MessagingMessage, except: string | undefined): void;
  /** The host itself, or a welcomed member. */
  connected(peer: string): boolean;
  /** The host's confirmed version. */
  version(): number;
}

/** What a host role tells messaging. */
export interface HostHooks {
  /** A messaging message from a welcomed member (its id stamped by the connection). */
  message(from: string, message: MessagingMessage): void;
  /** A member's connection closed. */
  left(peer: string): void;
  /** A member was welcomed: it announces the methods it serves at once (before it is known). */
  welcomed(peer: string): void;
  /**
   * The member acknowledged a member list naming it: everything it sent on its welcome, what
   * it serves included, has arrived (a connection keeps order).
   */
  settled(peer: string): void;
  /** The gather ended: the host orders from now on. */
  ready(): void;
  /** The host role ended (stopped, stepped down, or fenced). */
  stopped(): void;
}

/** What a client role tells messaging. */
export interface ClientHooks {
  message(message: MessagingMessage): void;
}

/** What the roles are given: one per replica (see messaging/hub.ts). */
export interface MessagingPort {
  /** A host role starts (before its gather): the hooks it calls. */
  host(link: HostLink): HostHooks;
  /** A client was welcomed: `send` reaches the host, in order after the patches already submitted. */
  client(send: (message: MessagingMessage) => void): ClientHooks;
  /** The client's link to its host is gone (calls under way have an unknown outcome). */
  clientLost(): void;
}
