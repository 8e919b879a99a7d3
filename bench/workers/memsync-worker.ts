/**
 * A bench worker: one MemSync in its own process, used only through the public API and
 * driven by the parent over the process IPC channel. It takes its own timings, so the
 * channel to the parent never sits inside a measured interval.
 */
import { MemSync, type MemSyncOptions } from '../../src/index.js';
import { redisBackplane } from '../../src/backplane/redis/index.js';
import { wallNow } from '../lib/clock.js';
import type { MemorySample, MemsyncCommand, MemsyncResults, MeshArgs } from './memsync-commands.js';
import { callRounds, countEvents, emitEvents, lockRounds } from './messaging-loops.js';
import { mixedLoop } from './mixed-loop.js';
import { CHUNK_BYTES, recordsChunk } from './records.js';
import { collectGarbage, report, serve } from './serve.js';
import { StreamWriter } from './stream-writer.js';

let mem: MemSync | undefined;
let stream: StreamWriter | undefined;
let sampler: { timer: NodeJS.Timeout; samples: MemorySample[] } | undefined;

function need(): MemSync {
  if (!mem) throw new Error('start the mesh first');
  return mem;
}

function open(args: MeshArgs): MemSync {
  return new MemSync('bench', {}, meshOptions(args));
}

function meshOptions(args: MeshArgs): MemSyncOptions {
  return {
    path: `${args.dir}/${args.name}.sock`,
    clientOnly: args.clientOnly ?? false,
    ...(args.gatherMs === undefined ? {} : { gatherMs: args.gatherMs }),
    ...(args.logSize === undefined ? {} : { logSize: args.logSize }),
    ...(args.storage === undefined ? {} : { storage: args.storage }),
    ...(args.redis === undefined ? {} : { backplane: redisBackplane({ path: args.redis }) }),
  };
}

async function start(args: MeshArgs): Promise<MemsyncResults['start']> {
  mem = open(args);
  mem.on('role', (e) =>
    report({ event: 'role', role: e.role, previous: e.previous, at: wallNow() }),
  );
  mem.on('error', (e) =>
    report({ event: 'error', code: e.code, message: e.message, at: wallNow() }),
  );
  const began = wallNow();
  const role = await mem.start();
  return { role, ms: wallNow() - began };
}

function count(path: string, target: number): true {
  let first: { at: number; value: number } | undefined;
  const stop = need().observe(path, (value) => {
    const now = wallNow();
    if (typeof value !== 'number') return;
    first ??= { at: now, value };
    if (value < target) return;
    stop();
    report({
      event: 'counted',
      path,
      firstAt: first.at,
      firstValue: first.value,
      lastAt: now,
      lastValue: value,
    });
  });
  return true;
}

async function write(
  path: string,
  total: number,
  window: number,
): Promise<MemsyncResults['write']> {
  const m = need();
  let issued = 0;
  let applied = 0;
  const lane = async (): Promise<void> => {
    while (issued < total) {
      issued++;
      const result = await m.patch({ $inc: { [path]: 1 } });
      if (result.applied) applied++;
    }
  };
  const begin = wallNow();
  await Promise.all(Array.from({ length: window }, lane));
  return { start: begin, end: wallNow(), applied };
}

async function fill(mb: number): Promise<MemsyncResults['fill']> {
  const m = need();
  const chunks = Math.max(1, Math.round((mb * 1024 * 1024) / CHUNK_BYTES));
  for (let i = 0; i < chunks; i++) {
    // Top-level keys: the host streams a snapshot one top-level key at a time.
    await m.patch({ $set: { [`c${i}`]: recordsChunk(i) } });
  }
  return { jsonBytes: JSON.stringify(m.data).length, version: m.version };
}

async function fillKeys(keys: number): Promise<MemsyncResults['fillKeys']> {
  const m = need();
  // A thousand keys a patch keeps each well under the patch size limit.
  for (let first = 0; first < keys; first += 1000) {
    const fields: Record<string, number> = {};
    for (let i = first; i < Math.min(keys, first + 1000); i++) fields[`k${i}`] = 0;
    await m.patch({ $set: fields });
  }
  return { version: m.version };
}

function pong(): true {
  const m = need();
  m.observe('ping', (value, change) => {
    if (!change.local && typeof value === 'number') void m.patch({ $set: { pong: value } });
  });
  return true;
}

async function ping(rounds: number, warmup: number): Promise<number[]> {
  const m = need();
  let waiting: { value: number; resolve: () => void } | undefined;
  const stop = m.observe('pong', (value) => {
    if (waiting && value === waiting.value) waiting.resolve();
  });
  const micros: number[] = [];
  try {
    for (let i = 1; i <= warmup + rounds; i++) {
      const began = performance.now();
      const answered = new Promise<void>((resolve) => {
        waiting = { value: i, resolve };
      });
      void m.patch({ $set: { ping: i } });
      await answered;
      if (i > warmup) micros.push((performance.now() - began) * 1000);
    }
  } finally {
    stop();
  }
  return micros;
}

async function join(args: MeshArgs & { runs: number }): Promise<MemsyncResults['join']> {
  const ms: number[] = [];
  for (let run = 0; run < args.runs; run++) {
    await mem?.stop();
    collectGarbage();
    mem = open({ ...args, clientOnly: true });
    const began = wallNow();
    await mem.start();
    ms.push(wallNow() - began);
  }
  return { ms, jsonBytes: JSON.stringify(need().data).length };
}

function memory(): MemsyncResults['memory'] {
  collectGarbage();
  const { rss, heapUsed, external } = process.memoryUsage();
  return { rss, heapUsed, external };
}

function sample(everyMs: number): true {
  const samples: MemorySample[] = [];
  const timer = setInterval(() => {
    const { rss, heapUsed, external } = process.memoryUsage();
    samples.push({ at: wallNow(), version: mem?.version ?? 0, rss, heapUsed, external });
  }, everyMs);
  sampler = { timer, samples };
  return true;
}

async function run(command: MemsyncCommand): Promise<unknown> {
  switch (command.cmd) {
    case 'start':
      return start(command);
    case 'count':
      return count(command.path, command.target);
    case 'write':
      return write(command.path, command.count, command.window);
    case 'fill':
      return fill(command.mb);
    case 'pong':
      return pong();
    case 'ping':
      return ping(command.rounds, command.warmup);
    case 'stream':
      stream = new StreamWriter(need());
      return true;
    case 'ackAfter':
      if (!stream) throw new Error('no stream');
      return stream.firstAckAfter(command.at);
    case 'join':
      return join(command);
    case 'memory':
      return memory();
    case 'sample':
      return sample(command.everyMs);
    case 'samples': {
      if (sampler) clearInterval(sampler.timer);
      return sampler?.samples ?? [];
    }
    case 'fillKeys':
      return fillKeys(command.keys);
    case 'mixed': {
      const m = need();
      // Reads are local: every process holds the whole document.
      const data = (): Record<string, unknown> => m.data as Record<string, unknown>;
      // A write counts once it is acknowledged as applied (a refusal would fail the run).
      const write = (key: string): Promise<unknown> =>
        m.patch({ $inc: { [key]: 1 } }).then((result) => {
          if (!result.applied) throw new Error(`write refused: ${result.reason}`);
        });
      return mixedLoop({ read: (key) => data()[key], write }, command, process.pid);
    }
    case 'own': {
      const m = need();
      const micros: number[] = [];
      for (let i = 0; i < command.warmup + command.rounds; i++) {
        const began = performance.now();
        await m.patch({ $inc: { own: 1 } });
        if (i >= command.warmup) micros.push((performance.now() - began) * 1000);
      }
      return micros;
    }
    case 'status': {
      const s = await need().status();
      return { role: s.role, version: s.version, peers: s.peers, pending: s.pending };
    }
    case 'lockRounds':
      return lockRounds(need(), command.rounds, command.warmup);
    case 'serveEcho':
      need().handle('echo', (args) => args);
      return true;
    case 'callRounds':
      return callRounds(need(), command.rounds, command.warmup);
    case 'countEvents':
      return countEvents(need(), command.target);
    case 'emitEvents':
      return emitEvents(need(), command.count, command.batch);
    case 'stop':
      stream?.stop();
      await mem?.stop();
      return true;
  }
}

serve((command) => run(command as MemsyncCommand));
