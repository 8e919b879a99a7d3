/**
 * A hostile (or broken) Redis: entries written straight into the mesh's stream, past the
 * function, are checked like any peer's. Every machine reads the same bytes at the same
 * version, so every one refuses them alike: the version is taken by a no-op everywhere (an
 * `error` event on each machine's host names it), nothing of it is applied, no prototype is
 * touched, and the global order goes on: later writes from every machine land everywhere,
 * byte for byte the same.
 */
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { meshKeys } from '../../../src/backplane/redis/functions.js';
import { Machines } from '../../support/machines.js';

const VARIANTS: Array<[string, string[]]> = [
  ['a patch that sets __proto__', ['p', JSON.stringify({ peer: 'evil', seq: 1, ts: 1, update: { $set: { ['__proto__']: { polluted: true } } } })]],
  ['a constructor.prototype path', ['p', JSON.stringify({ peer: 'evil', seq: 2, ts: 1, update: { $set: { 'constructor.prototype.polluted': true } } })]],
  ['garbage fields and no patch', ['x', 'y', 'z', '{"w":1}']],
  ['text that is not JSON', ['p', '{"peer":']],
  ['a patch with fields no patch has', ['p', JSON.stringify({ peer: 'evil', seq: 3, ts: 1, update: { $set: { a: 1 } }, admin: true })]],
];

describe('entries read from Redis are validated like any peer\'s', () => {
  let machines: Machines | undefined;
  afterEach(async () => {
    await machines?.[Symbol.asyncDispose]();
    machines = undefined;
  });

  it('hostile entries are no-ops at their versions on every machine, and the order goes on', { timeout: 90_000 }, async () => {
    machines = await Machines.start(2);
    const a = await machines.start(0, { safe: 1, n: 0 });
    const a2 = await machines.start(0, { safe: 1, n: 0 });
    await machines.start(1, { safe: 1, n: 0 });
    const b2 = await machines.start(1, { safe: 1, n: 0 });
    const [hostA, hostB] = await machines.oneHostEach();
    await a2.call('patch', { update: { $set: { safe: 2 } } });
    await machines.converged(1);

    const redis = new Redis({ path: machines.redis.socket, maxRetriesPerRequest: 0 });
    try {
      const keys = meshKeys(machines.name);
      for (const [, fields] of VARIANTS) {
        // The next version, as the function would have numbered it: only the content is bad.
        const version = await redis.hincrby(keys.meta, 'version', 1);
        await redis.call('XADD', keys.log, `${version}-0`, ...fields);
      }
      // An id the function never writes, between two versions: passed over, it takes none.
      await redis.call('XADD', keys.log, '6-1', 'p', JSON.stringify({ peer: 'evil', seq: 9, ts: 1, update: { $set: { n: 666 } } }));
    } finally {
      redis.disconnect();
    }

    // Writes from both machines after them: ordered on, at versions 7 and 8.
    const writes = await Promise.all([
      a.call<{ applied: boolean; version: number }>('patch', { update: { $inc: { n: 1 } } }),
      b2.call<{ applied: boolean; version: number }>('patch', { update: { $inc: { n: 10 } } }),
    ]);
    for (const write of writes) expect(write.applied).toBe(true);
    expect(writes.map((w) => w.version).sort((x, y) => x - y)).toEqual([7, 8]);
    await machines.converged(8);

    for (const host of [hostA!, hostB!]) {
      const errors = host.events.filter((e) => e.event === 'error').map((e) => [String(e.code), String(e.message)] as const);
      for (let version = 2; version <= 6; version++) {
        expect(errors.some(([code, m]) => code === 'ERR_PROTOCOL' && m.includes(`backplane entry ${version} refused: applied as a no-op at version ${version} on every machine`))).toBe(true);
      }
      expect(errors.some(([, m]) => /after version 6 skipped: its stream id is not <version>-0/.test(m))).toBe(true);
    }
    for (const w of machines.alive()) {
      expect(await w.call('pollution')).toEqual({ polluted: false, addedKeys: [] });
      expect(await w.call('get')).toEqual({ safe: 2, n: 11 });
      expect((await w.call<{ role: string }>('status')).role).toBe(w === hostA || w === hostB ? 'host' : 'client');
    }
  });
});
