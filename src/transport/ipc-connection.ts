/**
 * One framed connection over a socket that node-ipc opened. Reads and writes go straight to
 * the net.Socket: a tick's messages become one write, `socket.writableLength` can be watched
 * for peers that stop reading, and a chunk read reaches the frame decoder without passing
 * through node-ipc's event bus (see `readDirectly`).
 */
import type { Socket } from 'node:net';
import { ConnectionError, type MemSyncError, ProtocolError } from '../errors.js';
import { encodeFrame, FrameDecoder } from './framing.js';
import { Inbox } from './inbox.js';
import type { Connection, ConnectionHandlers, TransportLimits } from './types.js';
import type { UnauthenticatedBudget } from './unauthenticated-budget.js';

/** After a graceful end, how long the peer has to close its side before the socket is destroyed. */
const LINGER_MS = 2_000;

let nextConnectionNumber = 1;

/** Bytes queued after which a send writes at once instead of at the end of the tick. */
const EARLY_FLUSH_BYTES = 4 * 1024;

/** Connections visited together, once each time, at the next `schedule` (a microtask, an immediate). */
class Visits {
  #due: IpcConnection[] = [];

  constructor(
    private readonly schedule: (run: () => void) => unknown,
    private readonly visit: (connection: IpcConnection) => void,
  ) {}

  add(connection: IpcConnection): void {
    if (this.#due.push(connection) === 1) this.schedule(this.#run);
  }

  readonly #run = (): void => {
    const due = this.#due;
    this.#due = [];
    for (const connection of due) this.visit(connection);
  };
}

export class IpcConnection implements Connection {
  readonly id: string;
  /** See Connection.target: set by the transport that dialed it. */
  target: string | undefined = undefined;
  readonly #socket: Socket;
  readonly #limits: TransportLimits;
  readonly #decoder: FrameDecoder;
  readonly #inbox = new Inbox();
  readonly #onSocketClosed: (() => void) | undefined;
  #queue: Buffer[] = [];
  #queuedBytes = 0;
  /** A batch window is open: the frames sent meanwhile are written when the windows close. */
  #windowOpen = false;
  /** The window opened idle: its first frame was written at once, the rest of its first tick at that tick's end. */
  #writesAtTickEnd = false;
  /** Frames the window's first tick queued (counted at its end); more after them mean load. */
  #tickFrames = 0;
  /** The last batch window collected frames after its first tick: batch the next whole too. */
  #busy = false;
  #lingerTimer: NodeJS.Timeout | undefined;
  #closed = false;
  #socketError: Error | undefined;
  /** Set while an accepted peer has not been authenticated: what its partial frames count against. */
  #budget: UnauthenticatedBudget | undefined;
  /** Bytes this connection holds in `#budget`. */
  #counted = 0;

  /**
   * @param onSocketClosed called once the socket is fully closed (the owner forgets it then).
   * @param budget for an accepted connection: it is unauthenticated until `authenticated()`,
   * its frames limited and its partial frames counted against this.
   */
  constructor(
    socket: Socket,
    limits: TransportLimits,
    role: 'in' | 'out',
    onSocketClosed?: () => void,
    budget?: UnauthenticatedBudget,
  ) {
    this.id = `ipc-${role}-${nextConnectionNumber++}`;
    this.#socket = socket;
    this.#limits = limits;
    this.#decoder = new FrameDecoder(limits.maxFrameBytes);
    this.#budget = budget;
    if (budget) {
      const maxFrame = Math.min(limits.maxUnauthenticatedFrameBytes, limits.maxFrameBytes);
      this.#decoder.setLimits(maxFrame, limits.maxDepth, `${maxFrame} bytes, the most a peer may send before its hello`);
    }
    this.#onSocketClosed = onSocketClosed;
    // Read nothing until someone listens: a peer cannot fill our memory before setHandlers.
    socket.pause();
    readDirectly(socket, (chunk) => this.receive(chunk));
    socket.on('error', (error) => {
      this.#socketError ??= error;
    });
    socket.once('close', () => this.#handleSocketClose());
  }

  get closed(): boolean {
    return this.#closed;
  }

  get bufferedBytes(): number {
    return this.#queuedBytes + this.#socket.writableLength;
  }

  setHandlers(handlers: ConnectionHandlers): void {
    const first = !this.#inbox.hasHandlers;
    this.#inbox.setHandlers(handlers);
    if (first && !this.#socket.destroyed) this.#socket.resume();
  }

  authenticated(): void {
    if (!this.#budget) return;
    this.#budget.release(this.#counted);
    this.#budget = undefined;
    this.#counted = 0;
    this.#decoder.setLimits(this.#limits.maxFrameBytes, undefined);
  }

  send(message: unknown): void {
    if (this.#closed) return;
    const frame = encodeFrame(message, this.#limits.maxFrameBytes);
    this.#queue.push(frame);
    this.#queuedBytes += frame.length;
    if (this.bufferedBytes > this.#limits.maxQueuedBytes) {
      this.#fail(
        new ConnectionError(
          'ERR_BACKPRESSURE',
          `peer is not reading: more than ${this.#limits.maxQueuedBytes} bytes queued for it`,
        ),
      );
      return;
    }
    // A large batch goes out at once: the peer can start on it while we prepare the rest,
    // which matters with two cores shared by several busy processes.
    if (this.#queuedBytes >= EARLY_FLUSH_BYTES) {
      this.#busy = true;
      return this.#flush();
    }
    if (this.#windowOpen) return;
    // An idle connection (its last window got nothing after its first tick, nothing waits in
    // the socket): this frame goes out now, the rest of this tick's frames at the tick's end,
    // and later ticks' frames wait for one write at the turn's end. A lone message then does
    // not wait for the check phase (a round trip is four hops of it), nor does what one read
    // makes a process send (a replica's submit and its ack of the frame that prompted it,
    // which kept every window at two frames and so held each for the check phase). Under
    // load every window collects frames after its first tick and they batch as before.
    this.#windowOpen = true;
    this.#writesAtTickEnd = !this.#busy && this.#socket.writableLength === 0;
    this.#tickFrames = 0;
    if (this.#writesAtTickEnd) this.#write();
    IpcConnection.#tickEnds.add(this);
    IpcConnection.#windowCloses.add(this);
  }

  /**
   * Connections whose window opened in this tick: their first tick ends in one microtask.
   * Those whose window is open are closed together by one setImmediate: a host sends every
   * entries frame to every member, and one immediate per member per frame was a share of its
   * CPU per member (what each would do alone runs in the same check phase).
   */
  static readonly #tickEnds = new Visits(queueMicrotask, (connection) => connection.#endTick());
  static readonly #windowCloses = new Visits(setImmediate, (connection) => connection.#closeWindow());

  #endTick(): void {
    // Closed already: flushed early (a large batch), failed or closed since it opened.
    if (!this.#windowOpen) return;
    if (this.#writesAtTickEnd) this.#write();
    else this.#tickFrames = this.#queue.length;
  }

  #closeWindow(): void {
    // Closed already: flushed early (a large batch), failed or closed since it opened.
    if (!this.#windowOpen) return;
    // Written at its tick's end, the window holds only what came after; held, #tickFrames more.
    this.#busy = this.#queue.length > this.#tickFrames;
    this.#flush();
  }

  close(error?: MemSyncError): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#releaseBudget();
    this.#flush();
    this.#inbox.end(error, false);
    if (this.#socket.destroyed) return;
    this.#socket.end();
    // Keep reading (and discarding) so the peer's end is seen even if handlers were never set.
    this.#socket.resume();
    this.#lingerTimer = setTimeout(() => this.#socket.destroy(), LINGER_MS);
    this.#lingerTimer.unref();
  }

  /** Bytes read from the socket, in order. */
  receive(chunk: Buffer): void {
    if (this.#closed) return;
    if (this.#budget) return this.#receiveUnauthenticated(chunk);
    const { messages, texts, error } = this.#decoder.push(chunk);
    for (let i = 0; i < messages.length; i++) this.#inbox.deliver(messages[i], texts[i]);
    if (error) this.#fail(error);
    else if (messages.length > 0) this.#inbox.readDone();
  }

  /**
   * Frame by frame, so that the `hello` that authenticates the peer lifts the limits before
   * the next frame's header is read; then what the partial frame holds is counted.
   */
  #receiveUnauthenticated(chunk: Buffer): void {
    const { error } = this.#decoder.push(chunk, (message, text) => this.#inbox.deliver(message, text));
    if (error) return this.#fail(error);
    const budget = this.#budget;
    if (!budget || this.#closed) return;
    const held = this.#decoder.pendingBytes;
    if (!budget.resize(this.#counted, held)) {
      this.#counted = 0;
      return this.#fail(
        new ProtocolError(
          'ERR_PROTOCOL',
          `unauthenticated peers hold more than ${budget.maxBytes} bytes of partial frames`,
        ),
      );
    }
    this.#counted = held;
  }

  #flush(): void {
    this.#windowOpen = false;
    this.#write();
  }

  /** Writes what is queued, as one buffer; an open window stays open. */
  #write(): void {
    if (this.#queue.length === 0) return;
    const data =
      this.#queue.length === 1 ? this.#queue[0]! : Buffer.concat(this.#queue, this.#queuedBytes);
    this.#queue = [];
    this.#queuedBytes = 0;
    if (!this.#socket.destroyed) this.#socket.write(data);
  }

  /** A broken peer: drop what is queued, cut the socket, report `error`. */
  #fail(error: MemSyncError): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#releaseBudget();
    this.#dropQueue();
    this.#inbox.end(error, true);
    this.#socket.destroy();
  }

  #releaseBudget(): void {
    this.#budget?.release(this.#counted);
    this.#budget = undefined;
    this.#counted = 0;
  }

  #handleSocketClose(): void {
    if (this.#lingerTimer) clearTimeout(this.#lingerTimer);
    this.#releaseBudget();
    this.#onSocketClosed?.();
    if (this.#closed) return;
    this.#closed = true;
    this.#dropQueue();
    const cause = this.#socketError;
    this.#inbox.end(
      cause
        ? new ConnectionError('ERR_CONNECTION', `connection lost: ${cause.message}`, { cause })
        : undefined,
      true,
    );
  }

  #dropQueue(): void {
    this.#windowOpen = false;
    this.#queue = [];
    this.#queuedBytes = 0;
  }
}

/**
 * Takes the socket's reads from node-ipc. In raw-buffer mode node-ipc's own listener copies
 * each chunk (a latin1 string, ipc-config.ts) into a Buffer and republishes it through its
 * event bus, whose emit spreads `arguments` and walks its handlers with for-in: a dozen calls
 * on every read, on the path of every message. Its listener only ever republishes (retries
 * are off, sync mode too), so ours replaces it; node-ipc still opens and closes the socket.
 */
function readDirectly(socket: Socket, receive: (chunk: Buffer) => void): void {
  for (const listener of socket.listeners('data')) socket.removeListener('data', listener as (...args: unknown[]) => void);
  readBytes(socket);
  socket.on('data', (chunk: Buffer | string) => receive(typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : chunk));
}

/** The part of a Readable's state that `setEncoding` sets (Node keeps both assignable). */
interface DecodingState {
  decoder: unknown;
  encoding: string | null;
}

/**
 * Undoes the `setEncoding('latin1')` node-ipc applies to every socket it opens or accepts:
 * with it, every chunk read was decoded into a string the size of the chunk and then copied
 * back into a Buffer by the listener above, two copies and a heap string per read on every
 * process of a mesh. Node has no public way to clear an encoding; the stream state's
 * `decoder` and `encoding` are what `setEncoding` assigns and what `push` reads. Only done
 * while nothing is buffered (the socket is new: it has not read yet): a buffered string
 * chunk would then be mixed with Buffers. Where it is not done, or a later Node ignores it,
 * string chunks still arrive and are converted above, byte for byte (latin1 is lossless).
 */
export function readBytes(socket: Socket): void {
  if (socket.readableEncoding === null || socket.readableLength > 0) return;
  const state = (socket as unknown as { _readableState?: DecodingState })._readableState;
  if (!state) return;
  state.decoder = null;
  state.encoding = null;
}
