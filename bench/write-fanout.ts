/**
 * What one socket write per member per frame costs a host, on real Unix sockets: this process
 * writes the same frame buffer to `members` sockets per event-loop turn, as a fan-out host
 * does, while a child process drains every socket. Prints this process's user and system CPU
 * per member write, for each way of writing, alternated over ROUNDS.
 *
 *   node --import tsx bench/write-fanout.ts [members=15] [frameBytes=7500] [frames=4000]
 *
 * Ways: `write` (socket.write, what IpcConnection does), `cork` (cork, write, uncork; one
 * buffer, so nothing to gather), `handle` (the stream handle's writeBuffer, bypassing the
 * Writable machinery: measured only, it relies on Node internals, so it needs
 * `node --expose-internals --import tsx bench/write-fanout.ts`; skipped without).
 */
import { fork } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

async function main(): Promise<void> {
  const members = Number(process.argv[2] ?? 15);
  const frameBytes = Number(process.argv[3] ?? 7500);
  const frames = Number(process.argv[4] ?? 4000);
  const rounds = Number(process.env.ROUNDS ?? 5);
  const dir = mkdtempSync(join(tmpdir(), 'write-fanout-'));
  const path = join(dir, 's');
  const sockets: Socket[] = [];
  const server = createServer((socket) => sockets.push(socket));
  await new Promise<void>((resolve) => server.listen(path, resolve));
  const child = fork(new URL(import.meta.url).pathname, ['drain', path, String(members)], { execArgv: ['--import', 'tsx'] });
  try {
    await new Promise((resolve) => child.once('message', resolve));
    const frame = Buffer.alloc(frameBytes, 7);
    const ways: Record<string, (socket: Socket) => void> = {
      write: (socket) => socket.write(frame),
      cork: (socket) => {
        socket.cork();
        socket.write(frame);
        socket.uncork();
      },
    };
    if (process.execArgv.includes('--expose-internals')) ways.handle = (socket) => handleWrite(socket, frame);
    // WAYS=write,handle: only those (one way per process, for instruction counts of each).
    const only = process.env.WAYS?.split(',');
    if (only) for (const name of Object.keys(ways)) if (!only.includes(name)) delete ways[name];
    const results = new Map<string, Array<{ user: number; system: number }>>();
    for (let round = 0; round < rounds; round++) {
      // Each round in another order: a way must not pay for the drain of the one before it.
      const order = Object.entries(ways);
      for (let i = 0; i < round % order.length; i++) order.push(order.shift()!);
      for (const [name, write] of order) {
        const before = process.cpuUsage();
        for (let f = 0; f < frames; f++) {
          for (const socket of sockets) write(socket);
          // One frame per turn, as a host makes one per read; let the drains keep up.
          await new Promise((resolve) => setImmediate(resolve));
        }
        // Let the drain catch up outside the measured loop (a handle write leaves no
        // writableLength to watch: wait long enough for the child to read everything).
        while (sockets.some((s) => s.writableLength > 0)) await new Promise((resolve) => setTimeout(resolve, 5));
        await new Promise((resolve) => setTimeout(resolve, 500));
        const used = process.cpuUsage(before);
        const writes = frames * members;
        const row = { user: (used.user * 1000) / writes, system: (used.system * 1000) / writes };
        results.set(name, [...(results.get(name) ?? []), row]);
        if (round > 0) console.log(`round ${round} ${name}: ${row.user.toFixed(0)} ns user + ${row.system.toFixed(0)} ns system per member write`);
      }
    }
    for (const [name, rows] of results) {
      const kept = rows.slice(1);
      const med = (pick: (r: { user: number; system: number }) => number): number =>
        kept.map(pick).sort((a, b) => a - b)[kept.length >> 1]!;
      console.log(`median ${name}: ${med((r) => r.user).toFixed(0)} ns user + ${med((r) => r.system).toFixed(0)} ns system per member write`);
    }
  } finally {
    child.kill('SIGKILL');
    for (const socket of sockets) socket.destroy();
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

interface StreamHandle {
  writeBuffer(req: object, data: Buffer): number;
}

let WriteWrap: (new () => Record<string, unknown>) | undefined;

/** Writes straight to the libuv handle, as Node's writeGeneric does, without the Writable around it. */
function handleWrite(socket: Socket, data: Buffer): void {
  WriteWrap ??= (createRequire(import.meta.url)('internal/test/binding') as {
    internalBinding(name: string): { WriteWrap: new () => Record<string, unknown> };
  }).internalBinding('stream_wrap').WriteWrap;
  const handle = (socket as unknown as { _handle: StreamHandle })._handle;
  const req = new WriteWrap();
  req.handle = handle;
  req.oncomplete = noop;
  req.async = false;
  const error = handle.writeBuffer(req, data);
  if (error !== 0 || req.async) throw new Error(`handle write: error ${error}, async ${String(req.async)}`);
}

function noop(): void {}

if (process.argv[2] === 'drain') {
  // The child: connects `members` sockets and reads everything, as a reader's loop would.
  const [, , , path, count] = process.argv;
  let open = 0;
  for (let i = 0; i < Number(count); i++) {
    const socket = createConnection(path!, () => {
      if (++open === Number(count)) process.send!('ready');
    });
    socket.on('data', () => {});
  }
  process.on('disconnect', () => process.exit(0));
} else {
  await main();
}
