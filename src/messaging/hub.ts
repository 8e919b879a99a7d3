/**
 * One replica's messaging: the replicated lock table (fed by the core's ordered entries,
 * carried beside snapshots), this process's locks, events and calls, and — while this
 * process hosts — the host's side of them. The roles only route messages here (link.ts).
 *
 * The way to the host (`up`) is the client connection, or, while hosting, the host side
 * itself, reached in a microtask: a request of ours then never runs inside the ordering of
 * another entry, and still comes after every own patch written before it.
 */
import type { DocumentLimits, ReplicaSnapshot } from '../document/index.js';
import { MemSyncError } from '../errors.js';
import type { CoreMessagingHook } from '../mesh/replica-core.js';
import type { OrderedPatch } from '../types.js';
import { EventBus, type EventMap } from './events.js';
import { HostSide } from './host-side.js';
import type { ClientHooks, HostHooks, HostLink, MessagingMessage, MessagingPort } from './link.js';
import { LockClient } from './locks.js';
import { LockTable } from './lock-table.js';
import { RpcClient } from './rpc.js';

export interface HubOptions {
  self: string;
  limits: Partial<DocumentLimits>;
  defaultTimeout: number;
  /** This replica's confirmed version. */
  version: () => number;
  /** A failure no promise carries (a listener threw, a peer misbehaved). */
  report: (error: MemSyncError) => void;
  /** start() was called and stop() was not. */
  active: () => boolean;
}

export class MessagingHub<E extends EventMap = EventMap> implements MessagingPort, CoreMessagingHook {
  table = new LockTable();
  readonly locks: LockClient;
  readonly events: EventBus<E>;
  readonly rpc: RpcClient;
  private up: ((message: MessagingMessage) => void) | undefined;
  private hostSide: HostSide | undefined;

  constructor(private readonly options: HubOptions) {
    const send = (message: MessagingMessage): boolean => {
      if (!this.up) return false;
      this.up(message);
      return true;
    };
    this.locks = new LockClient(options.self, () => this.table, send);
    this.events = new EventBus<E>(options.limits, send, options.version, options.report, options.active);
    this.rpc = new RpcClient(options.limits, send);
  }

  // --- CoreMessagingHook: the replicated table ---

  ordered(entry: OrderedPatch): void {
    const op = entry.patch.msg;
    if (op === undefined) return;
    for (const change of this.table.apply(op, entry.version)) this.locks.changed(change);
  }

  installed(snapshot: ReplicaSnapshot): void {
    const raw = (snapshot as { locks?: unknown }).locks;
    try {
      this.table = LockTable.fromJSON(raw);
    } catch (error) {
      this.table = new LockTable();
      this.options.report(new MemSyncError('ERR_PROTOCOL', `a snapshot's lock table was malformed: ${String(error)}`));
    }
    this.locks.reconcile();
  }

  extra(): Record<string, unknown> {
    return this.table.size === 0 ? {} : { locks: this.table.toJSON() };
  }

  // --- MessagingPort: the roles ---

  host(link: HostLink): HostHooks {
    const side = new HostSide(link, () => this.table, this.options.limits, (m) => queueMicrotask(() => this.fromHost(m)));
    this.hostSide = side;
    return {
      message: (from, m) => side.message(from, m),
      left: (peer) => side.left(peer),
      welcomed: (peer) => side.welcomed(peer),
      settled: (peer) => side.settled(peer),
      ready: () => {
        side.ready(this.rpc.names());
        if (this.hostSide !== side) return;
        this.up = (m) =>
          queueMicrotask(() => {
            if (this.hostSide === side && side.open) side.message(this.options.self, m);
          });
        this.linked();
      },
      stopped: () => {
        side.stopped();
        if (this.hostSide !== side) return;
        this.hostSide = undefined;
        this.lost();
      },
    };
  }

  client(send: (message: MessagingMessage) => void): ClientHooks {
    this.up = send;
    this.linked();
    return { message: (m) => this.fromHost(m) };
  }

  clientLost(): void {
    this.lost();
  }

  /** This replica applied up to `version`. */
  advanced(version: number): void {
    this.events.advanced(version);
  }

  stop(): void {
    this.locks.stop();
    this.rpc.stop();
  }

  private linked(): void {
    this.rpc.resend();
    this.locks.resend();
    this.events.resend();
  }

  private lost(): void {
    this.up = undefined;
    this.rpc.lost();
    this.events.flushDeferred();
  }

  private fromHost(message: MessagingMessage): void {
    switch (message.type) {
      case 'event':
        return this.events.received(message);
      case 'call':
        void this.rpc.served(message);
        return;
      case 'call-result':
        return this.rpc.result(message);
      default:
        throw new MemSyncError('ERR_PROTOCOL', `unexpected '${message.type}' from the host`);
    }
  }
}
