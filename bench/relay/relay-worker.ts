/**
 * The baseline: a bare `node:net` relay over a Unix socket, with the same hops, the same
 * framing and messages of the same shape as memsync's (`submit` in, `entries` out, batched
 * per tick), and nothing else. Whatever memsync does beyond this is what its ratio costs.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { wallNow } from '../lib/clock.js';
import { report, serve } from '../workers/serve.js';
import { fetchDocument, serveDocument } from './document-transfer.js';
import { BatchedWriter, encode, readFrames } from './frames.js';
import type { RelayCommand, RelayResults } from './relay-commands.js';

interface RelayPatch {
  peer: string;
  seq: number;
  ts: number;
  update: { $inc?: Record<string, number>; $set?: Record<string, number> };
}
interface Entry {
  version: number;
  epoch: number;
  patch: RelayPatch;
}
type Message =
  | { type: 'submit'; epoch: number; patches: RelayPatch[] }
  | { type: 'entries'; epoch: number; entries: Entry[] };

const self = `relay-${process.pid}`;
let server: Server | undefined;
let link: BatchedWriter | undefined;
/** Everyone who wants to see relayed entries in this process. */
const entryListeners = new Set<(entry: Entry) => void>();

function host(path: string): Promise<true> {
  const peers = new Set<Socket>();
  let version = 0;
  let outgoing: Entry[] = [];
  const flush = (): void => {
    // One frame per tick, encoded once, written to every peer.
    const frame = encode({ type: 'entries', epoch: 1, entries: outgoing });
    outgoing = [];
    for (const socket of peers) socket.write(frame);
  };
  server = createServer((socket) => {
    peers.add(socket);
    socket.on('close', () => peers.delete(socket));
    socket.on('error', () => peers.delete(socket));
    readFrames(socket, (raw) => {
      const message = raw as Message;
      if (message.type !== 'submit') return;
      for (const patch of message.patches) {
        const entry = { version: ++version, epoch: 1, patch };
        if (outgoing.length === 0) setImmediate(flush);
        outgoing.push(entry);
        for (const listen of entryListeners) listen(entry);
      }
    });
  });
  return new Promise((resolve, reject) => {
    server?.once('error', reject);
    server?.listen(path, () => resolve(true));
  });
}

function connect(path: string): Promise<true> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(path, () => resolve(true));
    socket.once('error', reject);
    link = new BatchedWriter(socket);
    readFrames(socket, (raw) => {
      const message = raw as Message;
      if (message.type !== 'entries') return;
      for (const entry of message.entries) for (const listen of entryListeners) listen(entry);
    });
  });
}

function count(key: string, target: number): true {
  let seen = 0;
  let firstAt = 0;
  const listen = (): void => {
    const now = wallNow();
    seen++;
    if (seen === 1) firstAt = now;
    if (seen < target) return;
    entryListeners.delete(listen);
    report({ event: 'counted', path: key, firstAt, firstValue: 1, lastAt: now, lastValue: seen });
  };
  entryListeners.add(listen);
  return true;
}

let seq = 0;
const acks = new Map<number, () => void>();
entryListeners.add((entry) => {
  if (entry.patch.peer !== self) return;
  acks.get(entry.patch.seq)?.();
  acks.delete(entry.patch.seq);
});

/** Sends one patch; resolves when it comes back relayed, as memsync's patch() does. */
function submit(update: RelayPatch['update']): Promise<void> {
  if (!link) throw new Error('connect first');
  const patch: RelayPatch = { peer: self, seq: ++seq, ts: Date.now(), update };
  link.send({ type: 'submit', epoch: 1, patches: [patch] });
  return new Promise((resolve) => acks.set(patch.seq, resolve));
}

async function write(total: number, window: number): Promise<RelayResults['write']> {
  let issued = 0;
  const lane = async (): Promise<void> => {
    while (issued < total) {
      issued++;
      await submit({ $inc: { n: 1 } });
    }
  };
  const begin = wallNow();
  await Promise.all(Array.from({ length: window }, lane));
  return { start: begin, end: wallNow(), applied: total };
}

function pong(): true {
  entryListeners.add((entry) => {
    const value = entry.patch.update.$set?.ping;
    if (entry.patch.peer !== self && value !== undefined) void submit({ $set: { pong: value } });
  });
  return true;
}

async function ping(rounds: number, warmup: number): Promise<number[]> {
  let waiting: { value: number; resolve: () => void } | undefined;
  const listen = (entry: Entry): void => {
    if (waiting && entry.patch.update.$set?.pong === waiting.value) waiting.resolve();
  };
  entryListeners.add(listen);
  const micros: number[] = [];
  for (let i = 1; i <= warmup + rounds; i++) {
    const began = performance.now();
    const answered = new Promise<void>((resolve) => {
      waiting = { value: i, resolve };
    });
    void submit({ $set: { ping: i } });
    await answered;
    if (i > warmup) micros.push((performance.now() - began) * 1000);
  }
  entryListeners.delete(listen);
  return micros;
}

async function run(command: RelayCommand): Promise<unknown> {
  switch (command.cmd) {
    case 'host':
      return host(command.path);
    case 'connect':
      return connect(command.path);
    case 'count':
      return count(command.key, command.target);
    case 'write':
      return write(command.count, command.window);
    case 'pong':
      return pong();
    case 'ping':
      return ping(command.rounds, command.warmup);
    case 'serveDocument':
      return serveDocument(command.path, command.mb);
    case 'fetchDocument':
      return fetchDocument(command.path);
  }
}

serve((command) => run(command as RelayCommand));
