/**
 * The relay's wire format, the same as memsync's: a 4-byte big-endian length, then JSON.
 * Written as simply as it can be: the relay is the physical reference, the cost of moving
 * the same messages through the same sockets with no ordering logic, no validation and no
 * document.
 */
import type { Socket } from 'node:net';

export function encode(message: unknown): Buffer {
  const json = JSON.stringify(message);
  const frame = Buffer.allocUnsafe(4 + Buffer.byteLength(json));
  frame.writeUInt32BE(frame.length - 4, 0);
  frame.write(json, 4);
  return frame;
}

/**
 * Calls `onMessage` for each complete frame read from `socket`. Chunks are only joined once
 * a frame is complete, so a large frame costs one copy, not one per chunk.
 */
export function readFrames(socket: Socket, onMessage: (message: unknown) => void): void {
  let chunks: Buffer[] = [];
  let buffered = 0;
  /** Bytes needed before anything can be parsed: a header, or the whole pending frame. */
  let needed = 4;
  socket.on('data', (chunk: Buffer) => {
    chunks.push(chunk);
    buffered += chunk.length;
    if (buffered < needed) return;
    const data = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, buffered);
    let offset = 0;
    needed = 4;
    while (data.length - offset >= 4) {
      const length = data.readUInt32BE(offset);
      if (data.length - offset - 4 < length) {
        needed = 4 + length;
        break;
      }
      onMessage(JSON.parse(data.toString('utf8', offset + 4, offset + 4 + length)));
      offset += 4 + length;
    }
    const rest = data.subarray(offset);
    chunks = rest.length > 0 ? [rest] : [];
    buffered = rest.length;
  });
}

/** Frames queued during a tick go out as one write, as memsync's connections do. */
export class BatchedWriter {
  private queue: Buffer[] = [];
  private scheduled = false;

  constructor(private readonly socket: Socket) {}

  send(message: unknown): void {
    this.sendFrame(encode(message));
  }

  sendFrame(frame: Buffer): void {
    this.queue.push(frame);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      const frames = this.queue;
      this.queue = [];
      this.socket.write(frames.length === 1 ? frames[0]! : Buffer.concat(frames));
    });
  }
}
