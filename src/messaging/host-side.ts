/**
 * What a host does for messaging: order lock requests as entries (stamped with the sender's
 * id, which the connection gives: nobody can release another's lock), free the locks of
 * members that leave with an ordered `left` entry, relay events in one order to every member
 * connected, and route calls. Requests arriving while the host still gathers wait for it.
 */
import { ProtocolError } from '../errors.js';
import type { DocumentLimits } from '../document/index.js';
import type { HostHooks, HostLink, MessagingMessage } from './link.js';
import type { LockTable } from './lock-table.js';
import { MAX_LOCK_REQUESTS } from './locks.js';
import { checkPayload } from './payload.js';
import { RpcRouter } from './rpc-host.js';

export class HostSide implements HostHooks {
  private isReady = false;
  /** Requests, and members settling (rpc-host.ts), in the order they came while gathering. */
  private waiting: Array<{ from: string; message: MessagingMessage | 'settled' }> = [];
  private readonly rpc: RpcRouter;

  constructor(
    private readonly link: HostLink,
    private readonly table: () => LockTable,
    private readonly limits: Partial<DocumentLimits>,
    /** Delivers a message the host sends to its own process. */
    private readonly toSelf: (message: MessagingMessage) => void,
  ) {
    this.rpc = new RpcRouter((peer, m) => this.to(peer, m), (peer) => link.connected(peer));
    // Our own methods are announced once we are ready: calls waiting for the gather wait for them.
    this.rpc.joining(link.self);
  }

  /** Gathered: requests are handled as they come. */
  get open(): boolean {
    return this.isReady;
  }

  message(from: string, message: MessagingMessage): void {
    if (!this.isReady) {
      if (this.waiting.length >= 100_000) throw new ProtocolError('ERR_LIMIT_EXCEEDED', 'too many messaging requests while gathering');
      this.waiting.push({ from, message });
      return;
    }
    this.handle(from, message);
  }

  welcomed(peer: string): void {
    this.rpc.joining(peer);
  }

  settled(peer: string): void {
    // After its registrations, which may still wait in `waiting` (they came before this).
    if (!this.isReady) this.waiting.push({ from: peer, message: 'settled' });
    else this.rpc.settled(peer);
  }

  /** `own`: the methods the host's own process serves (announced before anything is routed). */
  ready(own: readonly string[] = []): void {
    this.isReady = true;
    if (own.length > 0) this.rpc.announce(this.link.self, own);
    this.rpc.settled(this.link.self);
    for (const { from, message } of this.waiting.splice(0)) {
      if (message === 'settled') this.rpc.settled(from);
      // A member gone meanwhile: its requests go with it (it resends to its next host).
      else if (this.link.connected(from)) this.handle(from, message);
    }
    // Holders and waiters that did not come back to this host (the old host among them).
    for (const peer of this.table().peers()) if (!this.link.connected(peer)) this.link.order({ op: 'left', peer });
  }

  left(peer: string): void {
    if (!this.isReady) return; // ready() frees whoever is still missing
    this.rpc.left(peer);
    if (this.table().peers().has(peer)) this.link.order({ op: 'left', peer });
  }

  stopped(): void {
    this.isReady = false;
    this.waiting = [];
    this.rpc.stop();
  }

  private handle(from: string, message: MessagingMessage): void {
    switch (message.type) {
      case 'lock':
        if (message.op === 'acquire') {
          if (this.table().countOf(from) >= MAX_LOCK_REQUESTS) {
            throw new ProtocolError('ERR_LIMIT_EXCEEDED', `more than ${MAX_LOCK_REQUESTS} lock requests from one peer`);
          }
          return this.link.order({ op: 'acquire', name: message.name, peer: from, rid: message.rid, limit: message.limit ?? 1 });
        }
        return this.link.order({ op: 'release', name: message.name, peer: from, rid: message.rid });
      case 'event': {
        checkPayload(message.payload, this.limits);
        const out: MessagingMessage = { type: 'event', name: message.name, payload: message.payload ?? null, from, version: this.link.version() };
        this.link.broadcast(out, from);
        if (from !== this.link.self) this.toSelf(out);
        return;
      }
      case 'handlers':
        return this.rpc.announce(from, message.names);
      case 'call':
        checkPayload(message.args, this.limits);
        return this.rpc.call(from, message);
      case 'call-result':
        if (message.ok) checkPayload(message.value, this.limits);
        return this.rpc.result(from, message);
    }
  }

  private to(peer: string, message: MessagingMessage): boolean {
    if (peer === this.link.self) {
      this.toSelf(message);
      return true;
    }
    return this.link.send(peer, message);
  }
}
