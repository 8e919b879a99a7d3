/**
 * A host's whole per-patch path in one process, for profiles and A/B runs: a real MemSync
 * host whose members are played by this script over real IpcConnections on stub sockets
 * (framing, inbox, queue and writes as in a mesh; no kernel, no other process). One writer
 * sends compact `submit` frames, `perFrame` patches each and `framesPerChunk` per socket read,
 * as a client under load does; every member (the writer included) is sent the entries
 * frames, which the stub sockets count and drop. The same input is played ROUNDS times (the
 * first a warm-up); each round's host CPU per patch is printed, and their median.
 *
 * Run it bundled, as the bench runs its workers (tsx names every closure it creates, which
 * costs the hot path calls a published build does not make):
 *
 *   npx esbuild bench/host-harness.ts --bundle --platform=node --format=esm --packages=external \
 *     --outfile=node_modules/.memsync-bench/host-harness.mjs
 *   ROUNDS=8 node node_modules/.memsync-bench/host-harness.mjs [patches=200000] [members=15] [perFrame=32] [framesPerChunk=4]
 *
 * PROFILE=file.cpuprofile writes a V8 CPU profile of the last round. (Instruction counts of
 * two ROUNDS under callgrind, subtracted, varied by 15% between identical runs: timers and
 * the GC's heuristics follow the clock. Medians of alternated runs are the better A/B.)
 */
import { EventEmitter } from 'node:events';
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import type { Socket } from 'node:net';
import { MemSync } from '../src/index.js';
import { DEFAULT_LIMITS } from '../src/options.js';
import { encodeSubmit } from '../src/protocol/compact.js';
import { PROTOCOL_VERSIONS } from '../src/protocol/messages.js';
import { BinaryFrame } from '../src/transport/binary-frame.js';
import { encodeFrame, FrameDecoder } from '../src/transport/framing.js';
import { IpcConnection } from '../src/transport/ipc-connection.js';
import type { Connection, Listener, Transport } from '../src/transport/types.js';
import type { Patch } from '../src/types.js';
import { firstSeqBase } from '../src/clock/write-numbers.js';

const patches = Number(process.argv[2] ?? 200_000);
const members = Number(process.argv[3] ?? 15);
const perFrame = Number(process.argv[4] ?? 32);
const framesPerChunk = Number(process.argv[5] ?? 4);
const MAX_FRAME = DEFAULT_LIMITS.maxFrameBytes;
const LIMITS = {
  maxFrameBytes: MAX_FRAME,
  maxQueuedBytes: 1 << 30,
  maxConnections: 1000,
  maxUnauthenticatedFrameBytes: MAX_FRAME,
  maxUnauthenticatedBytes: 1 << 30,
  maxDepth: 64,
};

interface Played {
  socket: StubSocket;
  conn: IpcConnection;
  epoch: number;
  known: boolean;
  bytes: number;
}

/** Enough of a net.Socket for IpcConnection: reads are emitted, writes handed to `written`. */
class StubSocket extends EventEmitter {
  writableLength = 0;
  destroyed = false;
  constructor(private readonly written: (data: Buffer) => void) {
    super();
  }
  pause(): this {
    return this;
  }
  resume(): this {
    return this;
  }
  write(data: Buffer): boolean {
    this.written(data);
    return true;
  }
  end(): this {
    return this;
  }
  destroy(): this {
    if (!this.destroyed) {
      this.destroyed = true;
      queueMicrotask(() => this.emit('close'));
    }
    return this;
  }
}

function frameOf(message: unknown): Buffer {
  return encodeFrame(message, MAX_FRAME);
}

/** A member: answers the handshake like a client (hello, acks of member lists), then only counts bytes. */
function play(id: string, accept: (conn: Connection) => void): Played {
  const decoder = new FrameDecoder(MAX_FRAME);
  const played: Played = { socket: undefined as unknown as StubSocket, conn: undefined as unknown as IpcConnection, epoch: -1, known: false, bytes: 0 };
  const reply = (message: unknown): void => {
    setImmediate(() => played.socket.emit('data', frameOf(message)));
  };
  played.socket = new StubSocket((data) => {
    played.bytes += data.length;
    if (played.known && data[4]! < 0x09) return; // an entries frame: dropped unread
    for (const message of decoder.push(data).messages) {
      if (message instanceof BinaryFrame) continue;
      const m = message as { type: string; epoch: number; membersSeq?: number; seq?: number; version?: number };
      if (m.type === 'welcome') {
        played.epoch = m.epoch;
        reply({ type: 'ack', epoch: m.epoch, version: m.version, members: m.membersSeq });
      } else if (m.type === 'members') reply({ type: 'ack', epoch: m.epoch, version: 0, members: m.seq });
      else if (m.type === 'known') played.known = true;
    }
  });
  played.conn = new IpcConnection(played.socket as unknown as Socket, LIMITS, 'in');
  accept(played.conn);
  reply({
    type: 'hello',
    protocols: [...PROTOCOL_VERSIONS],
    mesh: 'host-harness',
    peer: id,
    clientOnly: false,
    pid: process.pid + 1 + Number(id.slice(1)),
    version: 0,
    entryEpoch: 0,
    knownEpoch: 0,
  });
  return played;
}

/** PROFILE=file.cpuprofile: a V8 CPU profile of the measured part alone. */
async function startProfile(): Promise<() => Promise<object>> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 100 });
  await session.post('Profiler.start');
  return async () => (await session.post('Profiler.stop')).profile;
}

let onConnection: ((conn: Connection) => void) | undefined;
const transport: Transport = {
  async listen(address, accept): Promise<Listener> {
    onConnection = accept;
    return { address, close: async () => {}, owns: () => true };
  },
  connect: () => Promise.reject(new Error('the harness only hosts')),
};
const host = new MemSync('host-harness', { n: 0 }, { transport, id: 'host-1', gatherMs: 1 });
await host.start();
const played = Array.from({ length: members }, (_, i) => play(`m${i}`, onConnection!));
const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 20));
// Bounded: a member the host refuses (a hello it no longer takes) would never be known.
const joinDeadline = Date.now() + 10_000;
while (!played.every((p) => p.known)) {
  if (Date.now() > joinDeadline) {
    console.error('the played members were not all admitted within 10 s');
    process.exit(1);
  }
  await settle();
}
const writer = played[0]!;

/** The writer's submits: `perFrame` patches a frame, `framesPerChunk` frames a read. */
let seq = firstSeqBase(Date.now());
function chunk(): Buffer {
  const frames: Buffer[] = [];
  for (let f = 0; f < framesPerChunk; f++) {
    const batch: Patch[] = [];
    for (let i = 0; i < perFrame; i++) {
      seq++;
      batch.push({ peer: 'm0', seq, ts: Date.now() * 1000, update: { $inc: { n: 1 } } });
    }
    frames.push(frameOf(encodeSubmit(writer.epoch, batch, MAX_FRAME)!));
  }
  return Buffer.concat(frames);
}
/** Moves every submit frame of `data` on by `delta` seqs (compact layout, compact-layout.ts). */
function shiftSeqs(data: Buffer, delta: number): void {
  for (let at = 0; at < data.length; ) {
    const length = data.readUInt32BE(at);
    const body = at + 4;
    const count = data.readUInt32LE(body + 2);
    for (let i = 0; i < count; i++) {
      const seqAt = body + 14 + i * 16;
      data.writeDoubleLE(data.readDoubleLE(seqAt) + delta, seqAt);
    }
    at = body + length;
  }
}
const perChunk = perFrame * framesPerChunk;
const chunks = Math.ceil(patches / perChunk);
// The input is built before the measured part: it is the writer's work, not the host's.
const input = Array.from({ length: chunks }, chunk);
/** Rounds of the same input, the first one a warm-up: each prints its CPU per patch. */
const rounds = Number(process.env.ROUNDS ?? 5);
const shift = chunks * perChunk;
const perRound: number[] = [];
for (let round = 0; round < rounds; round++) {
  if (round > 0) for (const data of input) shiftSeqs(data, shift);
  const before = host.version;
  (globalThis as { gc?: () => void }).gc?.();
  const profile = process.env.PROFILE !== undefined && round === rounds - 1 ? await startProfile() : undefined;
  const cpu = process.cpuUsage();
  for (const data of input) {
    writer.socket.emit('data', data);
    await new Promise((resolve) => setImmediate(resolve));
  }
  const used = process.cpuUsage(cpu);
  if (profile) writeFileSync(process.env.PROFILE!, JSON.stringify(await profile()));
  const ordered = host.version - before;
  if (ordered !== shift) throw new Error(`host ordered ${ordered} of ${shift}`);
  if (round > 0) perRound.push(((used.user + used.system) * 1000) / ordered);
}
perRound.sort((a, b) => a - b);
console.log(
  `${shift} patches x ${rounds - 1} rounds, ${members} members, ${perFrame}/frame, ${framesPerChunk} frames/read: ` +
    `host ${perRound[perRound.length >> 1]!.toFixed(0)} ns/patch CPU (median; ${perRound.map((n) => n.toFixed(0)).join(' ')}); ` +
    `${(played.reduce((sum, p) => sum + p.bytes, 0) / 1e6).toFixed(1)} MB sent`,
);
await host.stop();
