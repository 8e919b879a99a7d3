/**
 * The transport contract the mesh is written against. Two implementations: node-ipc over
 * Unix sockets / named pipes / TCP (ipc-transport.ts) and an in-process loopback for tests
 * (loopback.ts). Both pass the same acceptance suite (test/unit/transport/transport-suite.ts).
 */
import type { MemSyncError } from '../errors.js';

/** Where a mesh listens: a Unix socket path (a named pipe path on Windows) or a TCP endpoint. */
export type Address =
  | { kind: 'unix'; path: string }
  | { kind: 'tcp'; host: string; port: number; tls?: TlsFiles };

/**
 * The user's certificates for TCP over TLS (file paths, PEM). Both sides present `cert`;
 * `ca` is the authority that signed the other side's certificate (for a self-signed pair,
 * the certificate itself): with it the host requires and verifies client certificates.
 */
export interface TlsFiles {
  key: string;
  cert: string;
  ca?: string;
}

/** Callbacks of one connection. Both are called from the event loop, never from inside `send`. */
export interface ConnectionHandlers {
  /**
   * One decoded message, in the order the peer sent them, with the JSON text it was decoded
   * from when the transport has it (a receiver may keep that flat string rather than the
   * objects parsed from it: see mesh/entry-log.ts).
   */
  message(msg: unknown, text?: string): void;
  /**
   * Optional: every message of one read from the peer has been delivered, in this same call
   * stack. A receiver that collects what it is handed until the end of the tick (the host's
   * broadcast) can act on it now instead. Not every transport calls it, nor for every read.
   */
  read?(): void;
  /** Called exactly once, after the last message: local close, remote close, or failure (`error` set). */
  close(error?: MemSyncError): void;
}

/** One duplex message stream to a peer. */
export interface Connection {
  /** Unique in this process, for logs. */
  readonly id: string;
  readonly closed: boolean;
  /** Messages arriving before this are buffered and delivered on set. */
  setHandlers(h: ConnectionHandlers): void;
  /**
   * JSON-serialisable; queued and flushed once per tick as one write; no-op after close. A
   * BinaryFrame (transport/binary-frame.ts: the compact entries and submits) should cross as its bytes
   * and arrive as a BinaryFrame; a transport that carries only JSON may send its JSON form
   * (`JSON.stringify` gives it), which receivers accept as well.
   */
  send(msg: unknown): void;
  /** Flushes what is queued, then ends; handlers.close is called once (also on remote close / error). */
  close(error?: MemSyncError): void;
  /** Bytes queued + in the socket's write buffer. */
  readonly bufferedBytes: number;
  /**
   * The peer has proved itself (its `hello` was accepted): lift the limits on what an
   * unauthenticated peer may send (TransportLimits `maxUnauthenticatedFrameBytes`,
   * `maxUnauthenticatedBytes`, `maxDepth`). Connections we opened are trusted from the start.
   */
  authenticated(): void;
  /**
   * What this connection was dialed to, where the transport can tell: for a Unix socket, the
   * identity of the socket file at the moment of the connect. A host found frozen on this
   * connection is deposed by that identity (ListenOptions.depose), never by its address alone:
   * a file that has been replaced since is a successor's and is left alone.
   */
  readonly target?: string | undefined;
}

/** A bound address accepting connections. */
export interface Listener {
  readonly address: Address;
  /** Stops accepting, closes the connections it accepted, and releases the address. */
  close(): Promise<void>;
  /**
   * Whether the address still leads to this listener (false once another process deposed us
   * and took it over); undefined when the transport cannot tell. Synchronous and cheap: the
   * host asks before it acknowledges anything after a pause.
   */
  owns?(): boolean | undefined;
}

/** How to listen: see Transport.listen. */
export interface ListenOptions {
  /**
   * The `target` of a host that stopped answering: its address may be taken over even though
   * its socket still accepts connections (a stopped process's kernel keeps accepting), as long
   * as it is still that very socket.
   */
  depose?: string | undefined;
}

/** How to connect: see Transport.connect. */
export interface ConnectOptions {
  timeoutMs?: number;
  /** Fail (as contention, to be retried) rather than dial a socket whose `target` is this one. */
  avoid?: string | undefined;
}

/** Limits that protect a process from its peers. */
export interface TransportLimits {
  /**
   * Largest frame accepted or sent, in bytes of JSON.
   * @default 67108864 (64 MiB)
   */
  maxFrameBytes: number;
  /**
   * A peer that stops reading is disconnected with ERR_BACKPRESSURE once more than this is
   * queued for it.
   * @default 268435456 (256 MiB)
   */
  maxQueuedBytes: number;
  /**
   * Connections a listener accepts at once; further ones are refused by the kernel-facing server.
   * @default 10000
   */
  maxConnections: number;
  /**
   * Largest frame an accepted connection may send before it is authenticated (its `hello`):
   * a peer announcing more is cut off at the frame's header.
   * @default 4096 (4 KiB)
   */
  maxUnauthenticatedFrameBytes: number;
  /**
   * Bytes all not-yet-authenticated connections of a listener may hold together in partial
   * frames; the connection whose bytes would pass it is cut off.
   * @default 1048576 (1 MiB)
   */
  maxUnauthenticatedBytes: number;
  /**
   * Nesting of arrays and objects in a frame from a not-yet-authenticated peer; a deeper
   * frame is refused before it is parsed.
   * @default 64
   */
  maxDepth: number;
}

/** Opens listeners and connections. */
export interface Transport {
  listen(address: Address, onConnection: (c: Connection) => void, options?: ListenOptions): Promise<Listener>;
  connect(address: Address, options?: ConnectOptions): Promise<Connection>;
  /**
   * Whether the process behind a peer is still alive, when this transport can tell (a Unix
   * socket's peers share our machine and announce their pid); undefined when it cannot. A new
   * host waits longer for the previous members that are alive (see mesh/gather-window.ts).
   */
  isAlive?(peer: { peer: string; pid?: number | undefined }, address: Address): boolean | undefined;
  /**
   * Whether that process is also running: not stopped (SIGSTOP, a debugger) nor exiting;
   * undefined when this transport cannot tell. A new host waits for the host its members
   * deposed only while that one runs: it may still have acknowledged writes (mesh-node.ts).
   */
  isRunning?(peer: { peer: string; pid?: number | undefined }, address: Address): boolean | undefined;
  /**
   * Records, where this transport can, that this process holds the state of the mesh at
   * `address`, so that a process that never belonged to it learns whom to wait for when it
   * finds the address free. Returns the function that removes the record.
   */
  announce?(address: Address, self: { peer: string; pid: number }): () => void;
  /** The processes recorded at `address` that are still alive. */
  announced?(address: Address): Array<{ peer: string; pid: number }>;
  /**
   * Watches `address` change hands (a Unix socket's name created or removed), where this
   * transport can: an election waits on it between attempts rather than sleeping the whole
   * backoff, and a host checks at once whether the address still leads to it. `onChange` is
   * called at each change. Without it the election only sleeps and the host checks on its own
   * schedule.
   */
  watchAddress?(address: Address, onChange?: () => void): AddressWatch | undefined;
}

/** See Transport.watchAddress. */
export interface AddressWatch {
  /** Resolves at the first change since the watch began or the last wait ended, or after `ms`. */
  changed(ms: number): Promise<void>;
  close(): void;
}
