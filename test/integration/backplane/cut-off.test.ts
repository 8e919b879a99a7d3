/**
 * Redis unreachable for a while (its server SIGKILLed, then restarted on its AOF): every
 * machine keeps serving its local state, writers' patches wait (buffered in the link), and
 * when Redis is back they are ordered once each and every machine catches up.
 */
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { startRedisServer } from '../../../bench/redis/server.js';
import { freePort, Machines } from '../../support/machines.js';

interface ManyResult {
  applied: number;
  refused: number;
  reasons: Record<string, number>;
}

/**
 * Waits until redis-server has handed its whole AOF buffer to the kernel (`aof_buffer_length`
 * 0), which a SIGKILL of the server alone does not undo. With `everysec`, Redis postpones
 * that write, for up to 2 s, while a background fsync is still running (a busy disk), yet
 * answers the commands meanwhile: killed then, it loses writes it acknowledged (Redis's own
 * documented "up to 2 seconds"). memsync reports that loss and restores the order (see
 * lost-ahead.test.ts); this test is about what happens while Redis is away, so it starts from
 * a Redis that holds everything.
 */
async function aofHandedToKernel(socket: string): Promise<void> {
  const client = new Redis({ path: socket, lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await client.connect();
    const deadline = Date.now() + 10_000;
    for (;;) {
      const info = await client.info('persistence');
      if (/^aof_buffer_length:0\r?$/m.test(info)) return;
      if (Date.now() > deadline) throw new Error(`redis-server kept an AOF buffer for 10 s:\n${info}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  } finally {
    client.disconnect();
  }
}

describe('a machine cut off from Redis', () => {
  let machines: Machines | undefined;
  afterEach(async () => {
    await machines?.[Symbol.asyncDispose]();
    machines = undefined;
  });

  // `everysec` too: a SIGKILL of redis-server alone (not of its machine) loses nothing there
  // either once Redis has written its AOF to the kernel (see aofHandedToKernel).
  it.each(['always', 'everysec'] as const)('keeps reading locally, buffers its writes and catches up when Redis returns (appendfsync %s)', { timeout: 120_000 }, async (appendfsync) => {
    machines = await Machines.start(2, { appendfsync });
    const a = await machines.start(0, { n: 0, note: 'before' });
    const a2 = await machines.start(0, { n: 0, note: 'before' });
    const b = await machines.start(1, { n: 0, note: 'before' });
    await machines.oneHostEach();
    // Acknowledged just before the kill: on the AOF, so nothing is lost.
    expect(await b.call<ManyResult>('patchMany', { update: { $inc: { n: 1 } }, count: 30, window: 8 })).toEqual({ applied: 30, refused: 0, reasons: {} });
    await aofHandedToKernel(machines.redis.socket);

    await machines.redis.kill();
    // Writes from both machines while Redis is gone: none can be ordered yet.
    const writes = [
      a.call<ManyResult>('patchMany', { update: { $inc: { n: 1 } }, count: 20, window: 4 }, 90_000),
      a2.call<ManyResult>('patchMany', { update: { $inc: { n: 1 } }, count: 20, window: 4 }, 90_000),
      b.call<ManyResult>('patchMany', { update: { $inc: { n: 1 } }, count: 20, window: 4 }, 90_000),
    ];
    await a.waitForEvent((e) => e.event === 'error' && String(e.message).includes('cut off from Redis'), 20_000);
    // Local reads still answer, from the last ordered state.
    expect(await a2.call('get', { path: 'note' })).toBe('before');
    expect(await b.call('get', { path: 'note' })).toBe('before');
    expect((await b.call<{ version: number }>('digest')).version).toBe(30);

    await machines.redis.restart();
    for (const result of await Promise.all(writes)) expect(result).toEqual({ applied: 20, refused: 0, reasons: {} });
    await machines.converged(90);
    for (const w of machines.alive()) expect(await w.call('get', { path: 'n' })).toBe(90);
    // Redis came back with every acknowledged entry: no loss was detected anywhere.
    expect(machines.alive().flatMap((w) => w.events).filter((e) => e.event === 'error' && e.code === 'ERR_BACKPLANE')).toEqual([]);
  });

  it('a dead port: machines start with Redis nowhere, serve locally, and order their writes once it listens there', { timeout: 120_000 }, async () => {
    machines = await Machines.start(2);
    const port = await freePort();
    // Nobody listens on `port` yet.
    const redis = { host: '127.0.0.1', port };
    const a = await machines.start(0, { n: 0 }, { redis });
    const a2 = await machines.start(0, { n: 0 }, { redis });
    const b = await machines.start(1, { n: 0 }, { redis });
    await machines.oneHostEach();
    const writes = [
      a2.call<ManyResult>('patchMany', { update: { $inc: { n: 1 } }, count: 10, window: 2 }, 90_000),
      b.call<ManyResult>('patchMany', { update: { $inc: { n: 1 } }, count: 10, window: 2 }, 90_000),
    ];
    const hosts = await machines.oneHostEach();
    for (const host of hosts) {
      await host.waitForEvent((e) => e.event === 'error' && e.code === 'ERR_CONNECTION' && String(e.message).includes('cut off from Redis'), 20_000);
    }
    expect(await a.call('get')).toEqual({ n: 0 });
    expect((await b.call<{ version: number }>('digest')).version).toBe(0);

    const server = await startRedisServer({ args: ['--port', String(port), '--bind', '127.0.0.1'] });
    try {
      for (const result of await Promise.all(writes)) expect(result).toEqual({ applied: 10, refused: 0, reasons: {} });
      await machines.converged(20);
      for (const w of machines.alive()) expect(await w.call('get')).toEqual({ n: 20 });
    } finally {
      await server.stop();
    }
  });
});
