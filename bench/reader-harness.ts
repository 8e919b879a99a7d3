/**
 * A whole client replica's receive path in one process, for profiles and instruction counts
 * (`valgrind --tool=callgrind`): a real MemSync (clientOnly) whose only connection is played
 * by this script. The handshake a real host sends it is recorded once over the loopback; then
 * compact `entries` frames (as a host sends them in a fan-out) go in as socket chunks, through
 * the same FrameDecoder and Inbox an IpcConnection uses, one chunk per event-loop turn.
 *
 *   node --import tsx bench/reader-harness.ts [entries=200000] [perFrame=32] [framesPerChunk=4]
 */
import { MemSync } from '../src/index.js';
import { encodeEntries } from '../src/protocol/compact.js';
import { parseMessage } from '../src/protocol/messages.js';
import { BinaryFrame } from '../src/transport/binary-frame.js';
import { encodeFrame, FrameDecoder } from '../src/transport/framing.js';
import { Inbox } from '../src/transport/inbox.js';
import { createLoopbackTransport } from '../src/transport/loopback.js';
import type { Connection, ConnectionHandlers, Transport } from '../src/transport/types.js';
import type { OrderedPatch } from '../src/types.js';

/** Rounded up to whole cycles (CYCLE). */
const entries = Math.ceil(Number(process.argv[2] ?? 200_000) / 8192) * 8192;
const perFrame = Number(process.argv[3] ?? 32);
const framesPerChunk = Number(process.argv[4] ?? 4);
const MAX_FRAME = 1 << 26;
const CYCLE = 8192; // entries = a whole number of these
const WRITER = 'writer-4f1c2a9e';
/** STAGE=decode: frames only decoded and checked (the decoder's share), not delivered. */
const DECODE_ONLY = process.env.STAGE === 'decode';
let decoded = 0;

/** What a real host sends a joiner up to `known`, recorded over the loopback. */
async function recordHandshake(): Promise<{ messages: unknown[]; epoch: number; version: number }> {
  const loopback = createLoopbackTransport();
  const messages: unknown[] = [];
  const recording: Transport = {
    listen: (address, onConnection, options) => loopback.listen(address, onConnection, options),
    async connect(address, options) {
      const conn = await loopback.connect(address, options);
      const setHandlers = conn.setHandlers.bind(conn);
      conn.setHandlers = (handlers: ConnectionHandlers) =>
        setHandlers({
          ...handlers,
          message: (message, text) => {
            messages.push(message);
            handlers.message(message, text);
          },
        });
      return conn;
    },
  };
  const host = new MemSync('reader-harness', { n: 0 }, { transport: loopback, id: 'host-1' });
  await host.start();
  const client = new MemSync('reader-harness', { n: 0 }, { transport: recording, id: 'reader-1', clientOnly: true });
  await client.start();
  await new Promise((resolve) => setTimeout(resolve, 50));
  const version = client.version;
  await client.stop();
  await host.stop();
  const welcome = messages.find((m) => (m as { type?: string }).type === 'welcome') as { epoch: number };
  // Up to the snapshot's last part (members change with every join: left out).
  const kept = messages.filter((m) => ['welcome', 'known', 'snapshot'].includes((m as { type: string }).type));
  return { messages: kept, epoch: welcome.epoch, version };
}

/** The host's side: replays the handshake after our hello, then takes the chunks given. */
class PlayedConnection implements Connection {
  readonly id = 'played';
  closed = false;
  bufferedBytes = 0;
  sent = 0;
  readonly #inbox = new Inbox();
  readonly #decoder = new FrameDecoder(MAX_FRAME);
  constructor(private readonly handshake: unknown[]) {}
  setHandlers(handlers: ConnectionHandlers): void {
    this.#inbox.setHandlers(handlers);
  }
  send(message: unknown): void {
    this.sent++;
    if ((message as { type?: string }).type === 'hello') {
      setImmediate(() => {
        for (const m of this.handshake) this.#inbox.deliver(m);
      });
    }
  }
  close(): void {
    this.closed = true;
  }
  authenticated(): void {}
  /** As IpcConnection.receive. */
  receive(chunk: Buffer): void {
    if (DECODE_ONLY) {
      for (const message of this.#decoder.push(chunk).messages) decoded += (parseMessage(message) as { entries: unknown[] }).entries.length;
      return;
    }
    const { messages, texts, error } = this.#decoder.push(chunk);
    for (let i = 0; i < messages.length; i++) this.#inbox.deliver(messages[i], texts[i]);
    if (error) throw error;
    if (messages.length > 0) this.#inbox.readDone();
  }
}

/** Moves every frame of `chunk` on by `delta` versions and seqs (compact layout, compact-layout.ts). */
function shiftChunk(chunk: Buffer, delta: number): void {
  for (let at = 0; at < chunk.length; ) {
    const length = chunk.readUInt32BE(at);
    const body = at + 4;
    const count = chunk.readUInt32LE(body + 2);
    chunk.writeDoubleLE(chunk.readDoubleLE(body + 22) + delta, body + 22);
    for (let i = 0; i < count; i++) {
      const seq = body + 30 + i * 20 + 4;
      chunk.writeDoubleLE(chunk.readDoubleLE(seq) + delta, seq);
    }
    at = body + length;
  }
}

function chunks(epoch: number, after: number, entries: number): Buffer[] {
  const out: Buffer[] = [];
  let frames: Buffer[] = [];
  for (let first = after + 1; first <= after + entries; first += perFrame) {
    const batch: OrderedPatch[] = [];
    for (let v = first; v < first + perFrame && v <= after + entries; v++) {
      batch.push({ version: v, epoch, patch: { peer: WRITER, seq: v, ts: 1_763_900_000_000_000 + v, update: { $inc: { n: 1 } } } });
    }
    frames.push(encodeFrame(encodeEntries(epoch, batch, false, MAX_FRAME) as BinaryFrame, MAX_FRAME));
    if (frames.length === framesPerChunk) {
      out.push(Buffer.concat(frames));
      frames = [];
    }
  }
  if (frames.length > 0) out.push(Buffer.concat(frames));
  return out;
}

const { messages, epoch, version } = await recordHandshake();
let played: PlayedConnection | undefined;
const transport: Transport = {
  listen: () => Promise.reject(new Error('clientOnly')),
  async connect() {
    played = new PlayedConnection(messages);
    return played;
  },
};
const reader = new MemSync('reader-harness', { n: 0 }, { transport, id: 'reader-1', clientOnly: true });
await reader.start();
let seen = 0;
reader.observe('n', (value) => {
  if (typeof value === 'number') seen = value;
});
// One cycle of frames, replayed with its versions and seqs moved on (so that generating the
// input costs the same whatever `entries`: instruction counts of two sizes subtract cleanly).
const cycle = CYCLE;
const input = chunks(epoch, version, cycle);
(globalThis as { gc?: () => void }).gc?.();
const cpu = process.cpuUsage();
const began = process.hrtime.bigint();
for (let done = 0; done < entries; done += cycle) {
  if (done > 0) for (const chunk of input) shiftChunk(chunk, cycle);
  for (const chunk of input) {
    played!.receive(chunk);
    await new Promise((resolve) => setImmediate(resolve));
  }
}
const ns = Number(process.hrtime.bigint() - began);
const used = process.cpuUsage(cpu);
if ((DECODE_ONLY ? decoded : seen) !== entries) throw new Error(`observer saw ${seen} of ${entries}`);
console.log(
  `${entries} entries, ${perFrame}/frame, ${framesPerChunk} frames/chunk: ${(ns / entries).toFixed(0)} ns/entry wall, ` +
    `${(((used.user + used.system) * 1000) / entries).toFixed(0)} ns/entry CPU; sent ${played!.sent}`,
);
await reader.stop();
