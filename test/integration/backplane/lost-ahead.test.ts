/**
 * Redis restarted without persistence, the harder cases: the first host to notice it is
 * BEHIND another machine (that one must drop what it had beyond the restored history, say
 * so, and converge), and a new history begun on the emptied server before any host restored
 * it (hosts that held the old one stop taking the order and say why: never two histories
 * merged). Hosts are held with SIGSTOP to fix who notices first.
 */
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { Machines } from '../../support/machines.js';

type Write = { applied: boolean; version: number };

describe('Redis lost entries: who is ahead, and a history begun before a restore', () => {
  let machines: Machines | undefined;
  afterEach(async () => {
    await machines?.[Symbol.asyncDispose]();
    machines = undefined;
  });

  it('a machine ahead of the restorer drops its versions beyond the restored state, reports it, and converges', { timeout: 120_000 }, async () => {
    machines = await Machines.start(2);
    // Named connections, so that the test can cut A's off alone (CLIENT KILL).
    const a = await machines.start(0, { n: 0 }, { redis: { path: machines.redis.socket, connectionName: 'machine-a' } });
    const b = await machines.start(1, { n: 0 });
    for (let i = 0; i < 8; i++) await a.call('patch', { update: { $inc: { n: 1 } } });
    await machines.converged(8);

    // A falls behind: held, and its connections closed before B orders two more, so that not
    // even an XREAD reply waits for it in a socket buffer.
    a.signal('SIGSTOP');
    await killClientsNamed(machines.redis.socket, 'machine-a');
    expect((await b.call<Write>('patch', { update: { $inc: { n: 100 } } })).version).toBe(9);
    expect((await b.call<Write>('patch', { update: { $inc: { n: 100 } } })).version).toBe(10);
    // Redis comes back empty; A, at 8, is the first host to see it.
    b.signal('SIGSTOP');
    await machines.redis.restart();
    a.signal('SIGCONT');
    const restored = await a.waitForEvent((e) => e.event === 'error' && e.code === 'ERR_BACKPLANE', 30_000);
    expect(String(restored.message)).toMatch(/had read up to 8: versions 1-8 were lost there.*This host restored the order from its state at version 8/);
    b.signal('SIGCONT');
    const dropped = await b.waitForEvent((e) => e.event === 'error' && e.code === 'ERR_BACKPLANE', 30_000);
    expect(String(dropped.message)).toMatch(
      /held the mesh.s order up to version 8, but this host had read up to 10: versions 9-10 were lost there.*Another host restored the order at version 8; this machine took that state\. This machine's versions 9-10 are not in it and were dropped\./,
    );
    await machines.converged(8);
    for (const w of [a, b]) expect(await w.call('get')).toEqual({ n: 8 });

    // One history from there: writes from both land once each, everywhere.
    const writes = await Promise.all([
      a.call<Write>('patch', { update: { $inc: { n: 1 } } }),
      b.call<Write>('patch', { update: { $inc: { n: 1000 } } }),
    ]);
    expect(writes.map((w) => w.version).sort((x, y) => x - y)).toEqual([9, 10]);
    await machines.converged(10);
    for (const w of [a, b]) expect(await w.call('get')).toEqual({ n: 1009 });
  });

  it('a history begun on the emptied server before any restore: the old machine stops taking the order and says why', { timeout: 120_000 }, async () => {
    machines = await Machines.start(2);
    const a = await machines.start(0, { n: 0 });
    for (let i = 0; i < 3; i++) await a.call('patch', { update: { $inc: { n: 1 } } });
    a.signal('SIGSTOP');
    await machines.redis.restart();
    // A new machine starts on the empty server and writes: version 1 of another history.
    const c = await machines.start(1, { n: 0 });
    expect(await c.call<Write>('patch', { update: { $inc: { n: 50 } } })).toEqual({ applied: true, version: 1 });
    a.signal('SIGCONT');
    const stopped = await a.waitForEvent((e) => e.event === 'error' && e.code === 'ERR_BACKPLANE', 30_000);
    expect(String(stopped.message)).toMatch(/had read up to 3: versions 2-3 were lost there.*and a new history began there\. This machine stops taking the global order; its local state stays readable\./);
    // Neither history is merged into the other: A keeps its own, readable; C goes on.
    expect(await c.call<Write>('patch', { update: { $inc: { n: 50 } } })).toEqual({ applied: true, version: 2 });
    expect(await a.call('get')).toEqual({ n: 3 });
    expect((await a.call<{ version: number }>('digest')).version).toBe(3);
    expect(await c.call('get')).toEqual({ n: 100 });
  });
});

/** Closes, server-side, every connection of the given client name; resolves how many. */
async function killClientsNamed(socket: string, name: string): Promise<number> {
  const admin = new Redis({ path: socket, maxRetriesPerRequest: 0 });
  try {
    const list = String(await admin.call('CLIENT', 'LIST'));
    const ids = [...list.matchAll(/^id=(\d+) .*\bname=(\S*)/gm)].filter((m) => m[2] === name).map((m) => m[1]!);
    expect(ids.length).toBe(2); // its writer and its reader
    for (const id of ids) await admin.call('CLIENT', 'KILL', 'ID', id);
    return ids.length;
  } finally {
    admin.disconnect();
  }
}
