/**
 * The snapshot lease: one host at a time computes and stores the snapshot, and a stale one
 * never replaces a newer one. First the functions themselves on a real redis-server (lease,
 * holder check, stale version, expiry), then three machines writing while MONITOR records
 * every snapshot write: each at a higher version than the one before, never two at once.
 */
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { LEASE_FUNCTION, LIBRARY, meshKeys, SNAPSHOT_FUNCTION } from '../../../src/backplane/redis/functions.js';
import { until } from '../../support/cluster.js';
import { Machines } from '../../support/machines.js';

describe('the snapshot lease', () => {
  let machines: Machines | undefined;
  let redis: Redis | undefined;
  afterEach(async () => {
    redis?.disconnect();
    redis = undefined;
    await machines?.[Symbol.asyncDispose]();
    machines = undefined;
  });

  it('the functions: one holder, the holder alone stores, stale versions refused, an expired lease goes to the next', { timeout: 60_000 }, async () => {
    machines = await Machines.start(0);
    redis = new Redis({ path: machines.redis.socket, maxRetriesPerRequest: 0 });
    const r = redis;
    await r.call('FUNCTION', 'LOAD', 'REPLACE', LIBRARY);
    const { log, snapshot, lease } = meshKeys('m');
    const take = (version: number, holder: string, ttl = 30_000): Promise<unknown> =>
      r.call('FCALL', LEASE_FUNCTION, 2, snapshot, lease, String(version), holder, String(ttl));
    const store = (version: number, holder: string): Promise<unknown> =>
      r.call('FCALL', SNAPSHOT_FUNCTION, 3, log, snapshot, lease, String(version), `state ${version}`, '5', holder);
    const stored = async (): Promise<unknown[]> => (await r.call('HMGET', snapshot, 'version', 'state')) as unknown[];

    expect(await take(10, 'h1')).toBe(1);
    expect(await take(10, 'h2')).toBe(0); // h1 holds it
    expect(await store(10, 'h2')).toBe(-1); // not the holder: nothing stored
    expect(await stored()).toEqual([null, null]);
    expect(await store(12, 'h1')).toBe(1);
    expect(await stored()).toEqual(['12', 'state 12']);
    expect(await r.exists(lease)).toBe(0); // freed by the store
    expect(await take(11, 'h2')).toBe(0); // a snapshot as new is stored: nothing to compute
    // A holder whose state is older than the stored one (it lagged): refused, lease freed.
    expect(await take(20, 'h2')).toBe(1);
    expect(await store(9, 'h2')).toBe(0);
    expect(await stored()).toEqual(['12', 'state 12']);
    expect(await r.exists(lease)).toBe(0);
    // A holder that outlives its lease cannot store over the next holder's.
    expect(await take(30, 'h3', 50)).toBe(1);
    await until(async () => (await r.exists(lease)) === 0, 5_000, 'the lease to expire');
    expect(await take(30, 'h4')).toBe(1);
    expect(await store(31, 'h3')).toBe(-1);
    expect(await store(30, 'h4')).toBe(1);
    expect(await stored()).toEqual(['30', 'state 30']);
  });

  it('three machines at each interval: one computes and stores, the others ask and compute nothing; each write newer', { timeout: 120_000 }, async () => {
    machines = await Machines.start(3);
    redis = new Redis({ path: machines.redis.socket, maxRetriesPerRequest: 0 });
    const admin = redis;
    const EVERY = 20;
    const ROUNDS = 4;
    const writes: number[] = [];
    const leases: Array<{ version: number; holder: string }> = [];
    const monitor = await admin.monitor();
    try {
      monitor.on('monitor', (_time: string, args: string[]) => {
        if (args[0]?.toUpperCase() !== 'FCALL') return;
        // FCALL name numkeys keys... then the version first.
        if (args[1] === SNAPSHOT_FUNCTION) writes.push(Number(args[6]));
        if (args[1] === LEASE_FUNCTION) leases.push({ version: Number(args[5]), holder: args[6]! });
      });
      const workers = await Promise.all([0, 1, 2].map((i) => machines!.start(i, { n: 0 }, { redisSnapshotEvery: EVERY })));
      const keys = meshKeys(machines.name);
      // One write from each, each read back through the stream: every host reads it now (a
      // host that connected only after a snapshot was stored would join from it, and offer
      // nothing for that interval).
      for (const w of workers) await w.call('patch', { update: { $inc: { n: 1 } } });
      for (let round = 1; round <= ROUNDS; round++) {
        // Up to the next interval, from one machine in turn; every host applies each version.
        const count = round === 1 ? EVERY - workers.length : EVERY;
        await workers[round % 3]!.call('patchMany', { update: { $inc: { n: 1 } }, count, window: 4 }, 60_000);
        const version = round * EVERY;
        await machines.converged(version);
        // Each host offers once at the interval (after a random wait): all three ask.
        await until(
          async () => leases.filter((l) => l.version === version).length === 3 && (await admin.exists(keys.lease)) === 0,
          20_000,
          () => `three lease requests at ${version} (seen ${JSON.stringify(leases)})`,
        );
        expect(Number(await admin.hget(keys.snapshot, 'version'))).toBe(version);
      }
      expect(new Set(leases.map((l) => l.holder)).size).toBe(3);
      // One snapshot computed and written per interval, whoever asked first; never a stale one.
      expect(writes).toEqual(Array.from({ length: ROUNDS }, (_, i) => (i + 1) * EVERY));
      const state = JSON.parse(String(await admin.hget(keys.snapshot, 'state'))) as { version: number };
      expect(state.version).toBe(ROUNDS * EVERY);
    } finally {
      monitor.disconnect();
    }
  });
});
