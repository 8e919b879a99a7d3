/**
 * node-ipc sets a latin1 encoding on every socket it opens; an IpcConnection reads the socket
 * as bytes instead (no string per read), and every byte of every frame must still arrive as
 * sent: binary bodies with all 256 byte values, JSON with non-ASCII text, frames cut at any
 * point by the socket. Real Unix sockets, plain net sockets with the encoding node-ipc sets.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BinaryFrame } from '../../../src/transport/binary-frame.js';
import { encodeFrame } from '../../../src/transport/framing.js';
import { IpcConnection } from '../../../src/transport/ipc-connection.js';
import { DEFAULT_TRANSPORT_LIMITS } from '../../../src/transport/limits.js';
import { record, within } from '../../unit/transport/helpers.js';

const LIMITS = { ...DEFAULT_TRANSPORT_LIMITS };

/** A binary body (kind 1) holding every byte value, `repeat` times over, then `tag`. */
function binaryBody(repeat: number, tag: number): Buffer {
  const body = Buffer.alloc(1 + 256 * repeat + 1);
  body[0] = 1;
  for (let i = 0; i < 256 * repeat; i++) body[1 + i] = i & 0xff;
  body[body.length - 1] = tag;
  return body;
}

describe('ipc connection: reads bytes, not latin1 strings', () => {
  let dir: string;
  let server: Server | undefined;
  const sockets: Socket[] = [];
  const connections: IpcConnection[] = [];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'memsync-raw-bytes-'));
  });

  afterEach(async () => {
    for (const connection of connections.splice(0)) connection.close();
    for (const socket of sockets.splice(0)) socket.destroy();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  /** A connected pair of sockets, both with the encoding node-ipc gives them. */
  async function pair(): Promise<{ near: Socket; far: Socket }> {
    const path = join(dir, 's.sock');
    let accepted: (socket: Socket) => void = () => {};
    const far = new Promise<Socket>((resolve) => (accepted = resolve));
    server = createServer((socket) => {
      socket.setEncoding('latin1');
      sockets.push(socket);
      accepted(socket);
    });
    await new Promise<void>((resolve) => server!.listen(path, resolve));
    const near = createConnection(path);
    near.setEncoding('latin1');
    sockets.push(near);
    await within(10_000, new Promise((resolve) => near.once('connect', resolve)), 'connect');
    return { near, far: await within(10_000, far, 'accept') };
  }

  /** Writes `data` in pieces of `piece` bytes, each its own write and its own turn. */
  async function writeInPieces(socket: Socket, data: Buffer, piece: number): Promise<void> {
    for (let at = 0; at < data.length; at += piece) {
      socket.write(data.subarray(at, at + piece));
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  it('clears the encoding and delivers every byte of binary and JSON frames cut anywhere', async () => {
    const { near, far } = await pair();
    const connection = new IpcConnection(near, LIMITS, 'out');
    connections.push(connection);
    // What the change is for: the socket hands its reads over as Buffers.
    expect(near.readableEncoding).toBeNull();
    const inbox = record(connection);
    const bodies = [binaryBody(3, 7), binaryBody(40, 8), binaryBody(1, 9)];
    const json = { text: 'é ü — 日本 \u0000 \u00ff', n: 1 };
    const stream = Buffer.concat([
      ...bodies.map((body) => encodeFrame(new BinaryFrame(body), LIMITS.maxFrameBytes)),
      encodeFrame(json, LIMITS.maxFrameBytes),
    ]);
    // Pieces of 7 bytes: headers and bodies split across reads at every offset class.
    await writeInPieces(far, stream.subarray(0, 2000), 7);
    far.write(stream.subarray(2000));
    const messages = await inbox.received(4);
    for (let i = 0; i < bodies.length; i++) {
      const message = messages[i];
      expect(message).toBeInstanceOf(BinaryFrame);
      expect(Buffer.compare((message as BinaryFrame).body, bodies[i]!)).toBe(0);
    }
    expect(messages[3]).toEqual(json);
  });

  it('keeps decoding a socket that already holds strings, and still delivers every byte', async () => {
    const { near, far } = await pair();
    near.pause();
    const body = binaryBody(8, 5);
    far.write(encodeFrame(new BinaryFrame(body), LIMITS.maxFrameBytes));
    // Read (as latin1 strings) into the paused stream before the connection takes it.
    await within(
      10_000,
      new Promise<void>((resolve) => {
        const check = (): void => (near.readableLength > 0 ? resolve() : void setTimeout(check, 5));
        check();
      }),
      'buffered read',
    );
    const connection = new IpcConnection(near, LIMITS, 'out');
    connections.push(connection);
    expect(near.readableEncoding).toBe('latin1');
    const inbox = record(connection);
    const second = binaryBody(2, 6);
    far.write(encodeFrame(new BinaryFrame(second), LIMITS.maxFrameBytes));
    const messages = await inbox.received(2);
    expect(Buffer.compare((messages[0] as BinaryFrame).body, body)).toBe(0);
    expect(Buffer.compare((messages[1] as BinaryFrame).body, second)).toBe(0);
  });
});
