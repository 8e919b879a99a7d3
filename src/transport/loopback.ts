/**
 * An in-process transport for fast mesh tests. Addresses are keys in a map owned by one
 * transport instance (share it between the peers of a test). Every message is JSON-encoded and
 * decoded on its way, and delivered asynchronously, in order, like over a socket.
 */
import { ConnectionError, type MemSyncError } from '../errors.js';
import { BinaryFrame } from './binary-frame.js';
import { stringifyMessage } from './framing.js';
import { Inbox, reportHandlerError } from './inbox.js';
import { systemError } from './system-errors.js';
import type { Address, Connection, ConnectionHandlers, Listener, Transport } from './types.js';

/** The loopback transport, plus a way to simulate a crash. */
export interface LoopbackTransport extends Transport {
  /**
   * Drops the listener at `address` and all its connections abruptly, as SIGKILL of its process
   * would: nothing it had queued is delivered, its own side is silenced (a dead process observes
   * nothing), and each peer sees its connection close with `ERR_CONNECTION`.
   */
  kill(address: Address): void;
}

let nextConnectionNumber = 1;

class LoopbackConnection implements Connection {
  readonly id = `loopback-${nextConnectionNumber++}`;
  peer: LoopbackConnection | undefined;
  readonly #inbox = new Inbox();
  #outbox: Array<string | Buffer> = [];
  #outboxBytes = 0;
  #endQueued = false;
  #flushScheduled: NodeJS.Immediate | undefined;
  #closed = false;
  readonly #onClosed: () => void;

  constructor(onClosed: () => void = () => {}) {
    this.#onClosed = onClosed;
  }

  get closed(): boolean {
    return this.#closed;
  }

  get bufferedBytes(): number {
    return this.#outboxBytes;
  }

  /** In-process peers: nothing to limit before they prove themselves. */
  authenticated(): void {}

  setHandlers(handlers: ConnectionHandlers): void {
    this.#inbox.setHandlers(handlers);
  }

  send(message: unknown): void {
    if (this.#closed) return;
    // A binary frame crosses as a copy of its bytes, as over a socket; all else as JSON text.
    if (message instanceof BinaryFrame) {
      const bytes = Buffer.from(message.body);
      this.#outbox.push(bytes);
      this.#outboxBytes += bytes.length;
      return this.#scheduleFlush();
    }
    const json = stringifyMessage(message);
    this.#outbox.push(json);
    this.#outboxBytes += Buffer.byteLength(json);
    this.#scheduleFlush();
  }

  close(error?: MemSyncError): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#endQueued = true;
    this.#inbox.end(error, false);
    this.#scheduleFlush();
    this.#onClosed();
  }

  /** The peer closed: what it sent before still arrives, then close. */
  remoteEnded(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#dropOutbox();
    this.#inbox.end(undefined, true);
    this.#onClosed();
  }

  /** The peer's process died: everything in flight towards it is lost. */
  remoteKilled(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#dropOutbox();
    this.#inbox.end(new ConnectionError('ERR_CONNECTION', 'connection lost: peer died'), true);
    this.#onClosed();
  }

  /** Our own (simulated) process died. */
  die(): void {
    this.#closed = true;
    this.#dropOutbox();
    this.#inbox.abandon();
    this.peer?.remoteKilled();
  }

  receive(json: string | Buffer): void {
    if (typeof json !== 'string') return this.#inbox.deliver(new BinaryFrame(json));
    this.#inbox.deliver(JSON.parse(json), json);
  }

  #scheduleFlush(): void {
    this.#flushScheduled ??= setImmediate(() => this.#flush());
  }

  #flush(): void {
    this.#flushScheduled = undefined;
    const batch = this.#outbox;
    this.#outbox = [];
    this.#outboxBytes = 0;
    const peer = this.peer;
    if (!peer) return;
    for (const json of batch) peer.receive(json);
    if (this.#endQueued) {
      this.#endQueued = false;
      peer.remoteEnded();
    }
  }

  #dropOutbox(): void {
    if (this.#flushScheduled) clearImmediate(this.#flushScheduled);
    this.#flushScheduled = undefined;
    this.#outbox = [];
    this.#outboxBytes = 0;
    this.#endQueued = false;
  }
}

interface LoopbackServer {
  onConnection: (connection: Connection) => void;
  connections: Set<LoopbackConnection>;
}

function keyOf(address: Address): string {
  return address.kind === 'unix' ? `unix:${address.path}` : `tcp:${address.host}:${address.port}`;
}

function describe(address: Address): string {
  return address.kind === 'unix' ? address.path : `${address.host}:${address.port}`;
}

/** Creates an in-process transport; peers must share the instance to reach each other. */
export function createLoopbackTransport(): LoopbackTransport {
  const servers = new Map<string, LoopbackServer>();

  function closeServer(key: string, server: LoopbackServer, abruptly: boolean): void {
    if (servers.get(key) !== server) return;
    servers.delete(key);
    for (const connection of [...server.connections]) {
      if (abruptly) connection.die();
      else connection.close();
    }
    server.connections.clear();
  }

  return {
    async listen(address, onConnection) {
      const key = keyOf(address);
      if (servers.has(key)) {
        throw new ConnectionError(
          'ERR_CONNECTION',
          `listen on ${describe(address)} failed: EADDRINUSE`,
          {
            cause: systemError('EADDRINUSE', 'listen', describe(address)),
          },
        );
      }
      const server: LoopbackServer = { onConnection, connections: new Set() };
      servers.set(key, server);
      const listener: Listener = {
        address: Object.freeze({ ...address }),
        close: async () => closeServer(key, server, false),
        owns: () => servers.get(key) === server,
      };
      return listener;
    },

    async connect(address) {
      const key = keyOf(address);
      const server = servers.get(key);
      if (!server) {
        throw new ConnectionError(
          'ERR_CONNECTION',
          `connect to ${describe(address)} failed: ECONNREFUSED`,
          {
            cause: systemError('ECONNREFUSED', 'connect', describe(address)),
          },
        );
      }
      const accepted = new LoopbackConnection(() => server.connections.delete(accepted));
      const dialed = new LoopbackConnection();
      accepted.peer = dialed;
      dialed.peer = accepted;
      server.connections.add(accepted);
      // Accepted asynchronously, as a socket server would.
      setImmediate(() => {
        if (accepted.closed) return;
        try {
          server.onConnection(accepted);
        } catch (error) {
          reportHandlerError(error);
        }
      });
      return dialed;
    },

    kill(address) {
      const key = keyOf(address);
      const server = servers.get(key);
      if (server) closeServer(key, server, true);
    },
  };
}
