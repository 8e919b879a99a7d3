/**
 * The attacker: a raw `node:net` connection to a host's Unix socket that speaks the wire
 * format by hand (4-byte big-endian length, then UTF-8 JSON), so it can send anything,
 * including what the product's own encoder would never produce.
 */
import { connect, type Socket } from 'node:net';
import { PROTOCOL_VERSIONS, parseMessage } from '../../../src/protocol/messages.js';
import { BinaryFrame, isBinaryBody } from '../../../src/transport/binary-frame.js';

/** One message received from the host, as parsed JSON. */
export type WireMessage = Record<string, unknown> & { type?: unknown };

/** A frame around `body`, whose header announces `announced` bytes (its real length by default). */
export function frame(body: string | Buffer, announced?: number): Buffer {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  const header = Buffer.alloc(4);
  header.writeUInt32BE(announced ?? bytes.length, 0);
  return Buffer.concat([header, bytes]);
}

/** Fields of a `hello` an honest client of `mesh` would send; `extra` overrides any. */
export function helloFor(
  mesh: string,
  peer: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    type: 'hello',
    protocols: [...PROTOCOL_VERSIONS],
    mesh,
    peer,
    clientOnly: true,
    version: 0,
    entryEpoch: 0,
    knownEpoch: 0,
    ...extra,
  };
}

export class RawPeer {
  readonly messages: WireMessage[] = [];
  /** Set when the host sent bytes that are not well-formed frames (never expected). */
  garbled: string | undefined;
  #pending = Buffer.alloc(0);
  #closed = false;
  readonly #watchers = new Set<() => void>();
  readonly closed: Promise<void>;

  private constructor(readonly socket: Socket) {
    // Errors (ECONNRESET when the host cuts us off) end in 'close', which is what we watch.
    socket.on('error', () => {});
    socket.on('data', (chunk: Buffer) => this.#receive(chunk));
    this.closed = new Promise((resolve) =>
      socket.once('close', () => {
        this.#closed = true;
        this.#notify();
        resolve();
      }),
    );
  }

  /** Connects to a Unix socket path; bounded by `timeoutMs`. */
  static connect(path: string, timeoutMs = 5_000): Promise<RawPeer> {
    return new Promise((resolve, reject) => {
      const socket = connect(path);
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`could not connect to ${path} in ${timeoutMs} ms`));
      }, timeoutMs);
      socket.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      socket.once('connect', () => {
        clearTimeout(timer);
        resolve(new RawPeer(socket));
      });
    });
  }

  get isClosed(): boolean {
    return this.#closed;
  }

  /** Bytes exactly as given. */
  write(bytes: Buffer): void {
    if (!this.socket.destroyed) this.socket.write(bytes);
  }

  /** One frame around JSON text written by hand (it may hold `"__proto__"` keys). */
  sendText(json: string): void {
    this.write(frame(json));
  }

  /** One frame around `JSON.stringify(message)`. */
  send(message: unknown): void {
    this.sendText(JSON.stringify(message));
  }

  /** The first message of `type` received (already or later); bounded by `timeoutMs`. */
  next(type: string, timeoutMs = 5_000): Promise<WireMessage> {
    return this.#waitFor(
      () => this.messages.find((m) => m.type === type),
      timeoutMs,
      `a '${type}' message`,
    );
  }

  /** Resolves once the host has closed the connection; rejects after `timeoutMs`. */
  async waitClosed(timeoutMs = 5_000): Promise<void> {
    await this.#waitFor(() => (this.#closed ? true : undefined), timeoutMs, 'the close');
  }

  /** Stops reading: what the host sends piles up in the kernel, then in the host's queue. */
  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  destroy(): void {
    this.socket.destroy();
  }

  #waitFor<T>(probe: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const found = probe();
        if (found !== undefined) {
          done();
          resolve(found);
        } else if (this.#closed) {
          done();
          reject(new Error(`connection closed before ${what} (got ${this.describe()})`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`${what} not seen in ${timeoutMs} ms (got ${this.describe()})`));
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        this.#watchers.delete(check);
      };
      this.#watchers.add(check);
      check();
    });
  }

  /** The types of the messages received so far, for failure messages. */
  describe(): string {
    return `[${this.messages.map((m) => String(m.type)).join(', ')}]`;
  }

  #receive(chunk: Buffer): void {
    this.#pending = Buffer.concat([this.#pending, chunk]);
    while (this.#pending.length >= 4) {
      const length = this.#pending.readUInt32BE(0);
      if (this.#pending.length < 4 + length) break;
      const bytes = Buffer.from(this.#pending.subarray(4, 4 + length));
      const body = bytes.toString('utf8');
      this.#pending = this.#pending.subarray(4 + length);
      try {
        // Protocol 9's compact entries arrive as binary frames: decoded as a member would.
        const message = isBinaryBody(bytes) ? JSON.parse(JSON.stringify(parseMessage(new BinaryFrame(bytes)))) : JSON.parse(body);
        this.messages.push(message as WireMessage);
      } catch {
        this.garbled = body.slice(0, 200);
      }
    }
    this.#notify();
  }

  #notify(): void {
    for (const watch of [...this.#watchers]) watch();
  }
}
