/**
 * What a reader pays per socket read before its handler sees the frame, on a real Unix
 * socket: a child process writes `frames` entries-sized frames (binary, `frameBytes` each),
 * one per turn, and this process reads them through an IpcConnection whose handler only
 * counts. Prints this process's CPU per frame for each way of reading, alternated over ROUNDS:
 *
 * - `bytes`: as IpcConnection reads now (the socket's encoding cleared, Buffers per read);
 * - `latin1`: as node-ipc leaves the socket (setEncoding('latin1')): every chunk decoded
 *   into a string, then copied back into a Buffer.
 *
 *   node --import tsx bench/read-cost.ts [frameBytes=7500] [frames=5000]
 */
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeFrame } from '../src/transport/framing.js';
import { BinaryFrame } from '../src/transport/binary-frame.js';
import { IpcConnection } from '../src/transport/ipc-connection.js';
import { DEFAULT_TRANSPORT_LIMITS } from '../src/transport/limits.js';

async function main(): Promise<void> {
  const frameBytes = Number(process.argv[2] ?? 7500);
  const frames = Number(process.argv[3] ?? 5000);
  const rounds = Number(process.env.ROUNDS ?? 7);
  const dir = mkdtempSync(join(tmpdir(), 'read-cost-'));
  const path = join(dir, 's');
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(path, resolve));
  const child = fork(new URL(import.meta.url).pathname, ['write', path, String(frameBytes)], { execArgv: ['--import', 'tsx'] });
  const results = new Map<string, number[]>();
  try {
    for (let round = 0; round < rounds; round++) {
      const ways = round % 2 === 0 ? ['bytes', 'latin1'] : ['latin1', 'bytes'];
      for (const way of ways) {
        const accepted = new Promise<Socket>((resolve) => server.once('connection', resolve));
        child.send({ frames });
        const socket = await accepted;
        // As node-ipc does to every socket it opens or accepts.
        socket.setEncoding('latin1');
        const connection = new IpcConnection(socket, DEFAULT_TRANSPORT_LIMITS, 'in');
        if (way === 'latin1') socket.setEncoding('latin1');
        let seen = 0;
        let before = process.cpuUsage();
        const done = new Promise<void>((resolve) =>
          connection.setHandlers({
            message: () => {
              // The first frame starts the clock (the child's start-up is not ours).
              if (seen++ === 0) before = process.cpuUsage();
              if (seen === frames) resolve();
            },
            close: () => {},
          }),
        );
        await done;
        const used = process.cpuUsage(before);
        connection.close();
        const ns = ((used.user + used.system) * 1000) / (frames - 1);
        if (round > 0) results.set(way, [...(results.get(way) ?? []), ns]);
        if (round > 0) console.log(`round ${round} ${way}: ${ns.toFixed(0)} ns CPU per frame read`);
      }
    }
    for (const [way, values] of results) {
      const sorted = [...values].sort((a, b) => a - b);
      console.log(`median ${way}: ${sorted[sorted.length >> 1]!.toFixed(0)} ns CPU per frame read (${frameBytes} bytes)`);
    }
  } finally {
    child.kill('SIGKILL');
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The child: for each request, connects and writes `frames` frames, one per turn. */
function writer(path: string, frameBytes: number): void {
  const body = Buffer.alloc(frameBytes - 4, 0x61);
  body[0] = 1;
  const frame = encodeFrame(new BinaryFrame(body), DEFAULT_TRANSPORT_LIMITS.maxFrameBytes);
  process.on('message', (request: { frames: number }) => {
    const socket = createConnection(path, () => {
      let left = request.frames;
      const next = (): void => {
        if (left-- <= 0) return void socket.end();
        socket.write(frame);
        setImmediate(next);
      };
      next();
    });
    socket.on('error', () => {});
  });
  process.on('disconnect', () => process.exit(0));
}

if (process.argv[2] === 'write') writer(process.argv[3]!, Number(process.argv[4]));
else await main();
