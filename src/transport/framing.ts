/**
 * Length-prefixed frames: a 4-byte big-endian byte count, then that many bytes of UTF-8 JSON.
 * node-ipc's own delimiter framing only parses when a chunk happens to end on a delimiter,
 * which turns bursts of large messages quadratic; a length prefix never rescans anything.
 */
import { isUtf8 } from 'node:buffer';
import { MemSyncError, ProtocolError } from '../errors.js';
import { BinaryFrame, isBinaryBody } from './binary-frame.js';
import { BACKSLASH, CLOSE_BRACE, CLOSE_BRACKET, OPEN_BRACE, OPEN_BRACKET, QUOTE } from './json-bytes.js';

/** Bytes of the length prefix. */
export const FRAME_HEADER_BYTES = 4;

/**
 * Encodes one message as a frame. JSON.stringify runs once per message.
 * @throws MemSyncError `ERR_INVALID_VALUE` when the message has no JSON form (undefined, a
 * function, a bigint, a cycle), `ERR_LIMIT_EXCEEDED` when it is larger than `maxFrameBytes`.
 */
export function encodeFrame(message: unknown, maxFrameBytes: number): Buffer {
  if (message instanceof BinaryFrame) return binaryFrame(message, maxFrameBytes);
  // A host broadcasts one message object to every client: encode it once, not once per peer.
  const cached = typeof message === 'object' && message !== null ? recentFrames.get(message) : undefined;
  if (cached) return cached;
  const frame = encodeFrameUncached(message, maxFrameBytes);
  if (typeof message === 'object' && message !== null) recentFrames.set(message, frame);
  return frame;
}

/** A binary frame as it goes out: written by its sender with its prefix, or given one here. */
function binaryFrame(message: BinaryFrame, maxFrameBytes: number): Buffer {
  const { body } = message;
  if (body.length > maxFrameBytes) {
    throw new MemSyncError('ERR_LIMIT_EXCEEDED', `message of ${body.length} bytes exceeds maxFrameBytes (${maxFrameBytes})`);
  }
  if (message.framed) return message.framed;
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + body.length);
  frame.writeUInt32BE(body.length, 0);
  body.copy(frame, FRAME_HEADER_BYTES);
  return frame;
}

/** Frames of messages still referenced somewhere; entries vanish with their message. */
const recentFrames = new WeakMap<object, Buffer>();

function encodeFrameUncached(message: unknown, maxFrameBytes: number): Buffer {
  const json = stringifyMessage(message);
  const length = Buffer.byteLength(json, 'utf8');
  if (length > maxFrameBytes) {
    throw new MemSyncError(
      'ERR_LIMIT_EXCEEDED',
      `message of ${length} bytes exceeds maxFrameBytes (${maxFrameBytes})`,
    );
  }
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + length);
  frame.writeUInt32BE(length, 0);
  frame.write(json, FRAME_HEADER_BYTES, 'utf8');
  return frame;
}

/**
 * JSON text of a message.
 * @throws MemSyncError `ERR_INVALID_VALUE` when it has none (undefined, a function, a bigint, a cycle).
 */
/**
 * A message already encoded as JSON text by its sender (who had to stringify its parts
 * anyway, e.g. to size snapshot parts): sent as it is instead of being encoded again.
 * The receiver gets the parsed message like any other.
 */
export class RawJson {
  constructor(readonly text: string) {}
}

export function stringifyMessage(message: unknown): string {
  if (message instanceof RawJson) return message.text;
  let json: string | undefined;
  try {
    json = JSON.stringify(message);
  } catch (cause) {
    throw new MemSyncError('ERR_INVALID_VALUE', 'message is not JSON-serialisable', { cause });
  }
  if (json === undefined) {
    throw new MemSyncError('ERR_INVALID_VALUE', 'message is not JSON-serialisable');
  }
  return json;
}

/** What one {@link FrameDecoder.push} produced: the messages completed, then possibly an error. */
export interface DecodeResult {
  /** Each message parsed from JSON, or a {@link BinaryFrame} for a binary body. */
  messages: unknown[];
  /** The JSON text of each message, index for index (undefined for a binary frame). */
  texts: Array<string | undefined>;
  /** Set once the stream broke the protocol; every later push returns it again. */
  error?: ProtocolError;
}

/**
 * Turns a byte stream split at arbitrary points back into messages.
 *
 * The announced length is checked before anything of the frame is buffered, so a peer
 * announcing 4 GB is refused at its first four bytes. A frame spread over many chunks is kept
 * as a list of slices and joined once, when complete. Chunks are referenced, not copied:
 * do not reuse a buffer after pushing it.
 */
export class FrameDecoder {
  #maxFrameBytes: number;
  /** Nesting allowed before JSON.parse, or undefined for no scan (an authenticated peer). */
  #maxDepth: number | undefined;
  /** Describes the current limit in errors ("before hello"). */
  #limitNote = '';
  readonly #header = Buffer.alloc(FRAME_HEADER_BYTES);
  #headerFilled = 0;
  /** Length of the frame being collected, or -1 while reading a header. */
  #expected = -1;
  #parts: Buffer[] = [];
  #partsBytes = 0;
  #error: ProtocolError | undefined;

  constructor(maxFrameBytes: number) {
    this.#maxFrameBytes = maxFrameBytes;
  }

  /**
   * Changes the limits for every frame whose header is read from now on: a smaller frame and
   * a nesting scan while the peer is unauthenticated, the full frame without a scan after.
   */
  setLimits(maxFrameBytes: number, maxDepth: number | undefined, note = ''): void {
    this.#maxFrameBytes = maxFrameBytes;
    this.#maxDepth = maxDepth;
    this.#limitNote = note;
  }

  /** Bytes held for a frame not yet complete (header bytes included). */
  get pendingBytes(): number {
    return this.#headerFilled + this.#partsBytes;
  }

  /**
   * Decodes what `chunk` completes. With `sink`, each message is handed to it as soon as its
   * frame is complete (so that a limit it changes applies to the very next frame) and the
   * result lists none.
   */
  push(chunk: Uint8Array, sink?: (message: unknown, text: string | undefined) => void): DecodeResult {
    const messages: unknown[] = [];
    const texts: Array<string | undefined> = [];
    if (this.#error) return { messages, texts, error: this.#error };
    const bytes = Buffer.isBuffer(chunk)
      ? chunk
      : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let offset = 0;
    while (offset < bytes.length) {
      if (this.#expected < 0) {
        offset = this.#readHeader(bytes, offset);
        if (this.#expected < 0 || this.#error) break;
      }
      const need = this.#expected - this.#partsBytes;
      const available = bytes.length - offset;
      let body: Buffer;
      if (this.#partsBytes === 0 && available >= need) {
        body = bytes.subarray(offset, offset + need);
        offset += need;
      } else {
        const take = Math.min(need, available);
        this.#parts.push(bytes.subarray(offset, offset + take));
        this.#partsBytes += take;
        offset += take;
        if (this.#partsBytes < this.#expected) break;
        body =
          this.#parts.length === 1 ? this.#parts[0]! : Buffer.concat(this.#parts, this.#partsBytes);
        this.#parts = [];
        this.#partsBytes = 0;
      }
      this.#expected = -1;
      const parsed = parseBody(body, this.#maxDepth);
      if (parsed instanceof ProtocolError) {
        this.#error = parsed;
        break;
      }
      if (sink) sink(parsed.value, parsed.text);
      else {
        messages.push(parsed.value);
        texts.push(parsed.text);
      }
    }
    return this.#error ? { messages, texts, error: this.#error } : { messages, texts };
  }

  /** Reads (the rest of) a header; sets #expected when complete. Returns the new offset. */
  #readHeader(bytes: Buffer, offset: number): number {
    let length: number;
    if (this.#headerFilled === 0 && bytes.length - offset >= FRAME_HEADER_BYTES) {
      length = bytes.readUInt32BE(offset);
      offset += FRAME_HEADER_BYTES;
    } else {
      while (this.#headerFilled < FRAME_HEADER_BYTES && offset < bytes.length) {
        this.#header[this.#headerFilled++] = bytes[offset++]!;
      }
      if (this.#headerFilled < FRAME_HEADER_BYTES) return offset;
      this.#headerFilled = 0;
      length = this.#header.readUInt32BE(0);
    }
    if (length === 0) {
      this.#error = new ProtocolError('ERR_PROTOCOL', 'empty frame');
    } else if (length > this.#maxFrameBytes) {
      this.#error = new ProtocolError(
        'ERR_PROTOCOL',
        `frame of ${length} bytes exceeds ${this.#limitNote || `maxFrameBytes (${this.#maxFrameBytes})`}`,
      );
    } else {
      this.#expected = length;
    }
    return offset;
  }
}

function parseBody(
  body: Buffer,
  maxDepth: number | undefined,
): { value: unknown; text: string | undefined } | ProtocolError {
  if (isBinaryBody(body)) {
    // Binary layouts are for members (compact entries and submits): before its hello a peer
    // has no business sending one, and its decoder is not written for unauthenticated input.
    if (maxDepth !== undefined) return new ProtocolError('ERR_PROTOCOL', 'binary frame before hello');
    return { value: new BinaryFrame(body), text: undefined };
  }
  if (!isUtf8(body)) return new ProtocolError('ERR_PROTOCOL', 'frame is not valid UTF-8');
  if (maxDepth !== undefined && nestingExceeds(body, maxDepth)) {
    return new ProtocolError('ERR_PROTOCOL', `frame nests deeper than ${maxDepth} before hello`);
  }
  const text = body.toString('utf8');
  try {
    return { value: JSON.parse(text), text };
  } catch (cause) {
    // SyntaxError for bad JSON; RangeError is possible on absurd nesting in some engines.
    return new ProtocolError('ERR_PROTOCOL', 'frame is not valid JSON', { cause });
  }
}


/**
 * Whether JSON text nests arrays and objects deeper than `maxDepth`, found by one pass over
 * the bytes (brackets inside strings do not count) before JSON.parse would build it all.
 * Malformed text is left for JSON.parse to refuse.
 */
export function nestingExceeds(bytes: Uint8Array, maxDepth: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i]!;
    if (inString) {
      if (byte === BACKSLASH) i++;
      else if (byte === QUOTE) inString = false;
    } else if (byte === QUOTE) inString = true;
    else if (byte === OPEN_BRACKET || byte === OPEN_BRACE) {
      if (++depth > maxDepth) return true;
    } else if (byte === CLOSE_BRACKET || byte === CLOSE_BRACE) depth--;
  }
  return false;
}
