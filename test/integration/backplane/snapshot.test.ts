/**
 * Joining and trimming: hosts store a snapshot every `snapshotEvery` versions and trim the
 * stream behind it (XTRIM MINID); a machine that starts late, when the stream no longer holds
 * the mesh's first entries, joins from the snapshot and then follows the stream.
 */
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { meshKeys } from '../../../src/backplane/redis/functions.js';
import { until } from '../../support/cluster.js';
import { Machines } from '../../support/machines.js';

const EVERY = 50;

describe('snapshot key, trimming and a late machine', () => {
  let machines: Machines | undefined;
  afterEach(async () => {
    await machines?.[Symbol.asyncDispose]();
    machines = undefined;
  });

  it('a late machine joins from the snapshot after the stream was trimmed, then follows it', { timeout: 120_000 }, async () => {
    machines = await Machines.start(2);
    const options = { redisSnapshotEvery: EVERY };
    const a = await machines.start(0, { n: 0, keys: {} }, options);
    await a.call('patchMany', { update: { $inc: { n: 1 } }, count: 230, window: 8 }, 60_000);
    const redis = new Redis({ path: machines.redis.socket, maxRetriesPerRequest: 0 });
    try {
      const keys = meshKeys(machines.name);
      let stored = 0;
      await until(async () => {
        stored = Number(await redis.hget(keys.snapshot, 'version'));
        return stored >= 200;
      }, 20_000, () => `a snapshot at version 200 or later (stored: ${stored})`);
      // (Offered once the 200th is applied, at whatever version the host holds by then.)
      expect(stored).toBeLessThanOrEqual(230);
      // Trimmed to EVERY versions behind the snapshot: version 1 is long gone from the stream.
      const firstId = ((await redis.call('XRANGE', keys.log, '-', '+', 'COUNT', 1)) as Array<[string, unknown]>)[0]![0];
      expect(firstId).toBe(`${stored - EVERY + 1}-0`);

      const b = await machines.start(1, { n: 0, keys: {} }, options);
      const b2 = await machines.start(1, { n: 0, keys: {} }, options);
      await machines.converged(230);
      expect(await b.call('get', { path: 'n' })).toBe(230);
      // And on from there, writers on both machines.
      await Promise.all([
        b2.call('patchMany', { update: { $inc: { n: 1 } }, count: 20, window: 4 }, 60_000),
        a.call('patchMany', { update: { $inc: { n: 1 } }, count: 20, window: 4 }, 60_000),
      ]);
      await machines.converged(270);
      for (const w of machines.alive()) expect(await w.call('get', { path: 'n' })).toBe(270);
    } finally {
      redis.disconnect();
    }
  });
});
