/**
 * A whole client replica's receive path in one process, for profiles and instruction counts
 * (`valgrind --tool=callgrind`): a real MemSync (clientOnly) whose only connection is played
 * by this script. The handshake a real host sends it is recorded once over the loopback; then
 * compact `entries` frames (as a host sends them in a fan-out) go in as socket chunks, through
 * the same FrameDecoder and Inbox an IpcConnection uses, one chunk per event-loop turn.
 *
 *   node --import tsx bench/reader-harness.ts [entries=200000] [perFrame=32] [framesPerChunk=4]
 *
 * WIDE=K: the document holds keys k0 .. k(K-1) and each entry is an `$inc` of a random one,
 * as in the mixed workload (#18), instead of `$inc {n: 1}` again and again. PENDING=P (with
 * WIDE): the reader has P writes of its own in flight the whole time (never confirmed: the
 * played host does not order them), so its optimistic view rebases on every entry.
 * OWN=K (with WIDE): the reader also writes, K random `$inc`s per frame, and the played host
 * orders each LAG=L frames after it was submitted (default 4), among the other writer's
 * entries: the mixed workload's writer, its pending writes confirmed as they are there.
 * Only the receive of each chunk is timed then (frames are encoded between, untimed).
 * READS=R (with OWN): R reads of random keys (`mem.data[key]`) between two frames, untimed.
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
const WIDE = Number(process.env.WIDE ?? 0);
const PENDING = Number(process.env.PENDING ?? 0);
const OWN = Number(process.env.OWN ?? 0);
const LAG = Number(process.env.LAG ?? 4);
const READS = Number(process.env.READS ?? 0);
/** The reader's own patches as it submitted them, oldest first (OWN). */
const submitted: OrderedPatch['patch'][] = [];
const defaults = { n: 0 };
/** A small deterministic generator (xorshift32): the same keys in every run. */
let seed = 2463534242;
function nextKey(): string {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return `k${(seed >>> 0) % WIDE}`;
}

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
  const host = new MemSync('reader-harness', defaults, { transport: loopback, id: 'host-1' });
  await host.start();
  // A thousand keys a patch keeps each under maxPathsPerPatch (as bench/workers' fillKeys).
  for (let first = 0; first < WIDE; first += 1000) {
    const fields: Record<string, number> = {};
    for (let i = first; i < Math.min(WIDE, first + 1000); i++) fields[`k${i}`] = 0;
    await host.patch({ $set: fields });
  }
  const client = new MemSync('reader-harness', defaults, { transport: recording, id: 'reader-1', clientOnly: true });
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
    if (message instanceof BinaryFrame) {
      const parsed = parseMessage(message);
      if (parsed.type === 'submit') submitted.push(...parsed.patches);
    }
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
      batch.push({ version: v, epoch, patch: { peer: WRITER, seq: v, ts: 1_763_900_000_000_000 + v, update: { $inc: { [WIDE > 0 ? nextKey() : 'n']: 1 } } } });
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

/**
 * OWN: frames of `perFrame` entries, OWN of them the reader's own writes submitted LAG frames
 * before; the receive of each timed alone. Prints its figures and exits.
 */
async function ownWrites(): Promise<never> {
  let v = version;
  let foreignSeq = 0;
  let cpuMicros = 0;
  let wallNs = 0n;
  let received = 0;
  const turn = () => new Promise((resolve) => setImmediate(resolve));
  const issue = () => {
    for (let i = 0; i < OWN; i++) void reader.patch({ $inc: { [nextKey()]: 1 } }).catch(() => undefined);
  };
  for (let i = 0; i < LAG; i++) {
    issue();
    await turn();
  }
  (globalThis as { gc?: () => void }).gc?.();
  while (received < entries) {
    issue();
    await turn();
    const batch: OrderedPatch[] = [];
    const own = submitted.splice(0, OWN);
    for (let i = 0; i < perFrame; i++) {
      const patch = i % Math.max(1, Math.floor(perFrame / OWN)) === 0 && own.length > 0 ? own.shift()! : { peer: WRITER, seq: ++foreignSeq, ts: 1_763_900_000_000_000 + v, update: { $inc: { [nextKey()]: 1 } } };
      batch.push({ version: ++v, epoch, patch });
    }
    const chunk = encodeFrame(encodeEntries(epoch, batch, false, MAX_FRAME) as BinaryFrame, MAX_FRAME);
    const cpu = process.cpuUsage();
    const began = process.hrtime.bigint();
    played!.receive(chunk);
    wallNs += process.hrtime.bigint() - began;
    const used = process.cpuUsage(cpu);
    cpuMicros += used.user + used.system;
    received += batch.length;
    let sum = 0;
    for (let i = 0; i < READS; i++) sum += (reader.data as Record<string, number>)[nextKey()]!;
    if (Number.isNaN(sum)) throw new Error('a key was missing');
    await turn();
  }
  if (reader.version - version !== received) throw new Error(`applied ${reader.version - version} of ${received}`);
  console.log(
    `${received} entries, ${perFrame}/frame, ${OWN} own a frame (lag ${LAG}): receive ${(Number(wallNs) / received).toFixed(0)} ns/entry wall, ` +
      `${((cpuMicros * 1000) / received).toFixed(0)} ns/entry CPU`,
  );
  await reader.stop();
  process.exit(0);
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
const reader = new MemSync('reader-harness', defaults, { transport, id: 'reader-1', clientOnly: true });
await reader.start();
let seen = 0;
reader.observe('n', (value) => {
  if (typeof value === 'number') seen = value;
});
const own: Promise<unknown>[] = [];
// Refused at stop (never ordered): expected, and not what is measured.
for (let i = 0; i < PENDING; i++) own.push(reader.patch({ $inc: { [nextKey()]: 1 } }).catch(() => undefined));
// One cycle of frames, replayed with its versions and seqs moved on (so that generating the
// input costs the same whatever `entries`: instruction counts of two sizes subtract cleanly).
const cycle = CYCLE;
const input = chunks(epoch, version, cycle);
if (OWN > 0) await ownWrites();
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
if ((DECODE_ONLY ? decoded : WIDE > 0 ? reader.version - version : seen) !== entries) throw new Error(`observer saw ${seen} of ${entries}`);
console.log(
  `${entries} entries, ${perFrame}/frame, ${framesPerChunk} frames/chunk: ${(ns / entries).toFixed(0)} ns/entry wall, ` +
    `${(((used.user + used.system) * 1000) / entries).toFixed(0)} ns/entry CPU; sent ${played!.sent}`,
);
await reader.stop();
