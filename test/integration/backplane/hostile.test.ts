/**
 * A hostile (or broken) Redis: entries written straight into the mesh's stream, past the
 * function, are checked like any peer's. Each one is refused with an `error` event; nothing
 * of it is applied, no prototype is touched, and the host keeps serving its local state.
 */
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { meshKeys } from '../../../src/backplane/redis/functions.js';
import { Machines } from '../../support/machines.js';

const VARIANTS: Array<[string, string[]]> = [
  ['a patch that sets __proto__', ['p', JSON.stringify({ peer: 'evil', seq: 1, ts: 1, update: { $set: { ['__proto__']: { polluted: true } } } })]],
  ['a constructor.prototype path', ['p', JSON.stringify({ peer: 'evil', seq: 1, ts: 1, update: { $set: { 'constructor.prototype.polluted': true } } })]],
  ['garbage fields and no patch', ['x', 'y', 'z', '{"w":1}']],
  ['text that is not JSON', ['p', '{"peer":']],
  ['a patch with fields no patch has', ['p', JSON.stringify({ peer: 'evil', seq: 1, ts: 1, update: { $set: { a: 1 } }, admin: true })]],
];

describe('entries read from Redis are validated like any peer\'s', () => {
  let machines: Machines | undefined;
  afterEach(async () => {
    await machines?.[Symbol.asyncDispose]();
    machines = undefined;
  });

  it.each(VARIANTS)('%s: an error event, nothing applied, the host survives', { timeout: 60_000 }, async (_, fields) => {
    machines = await Machines.start(1);
    const host = await machines.start(0, { safe: 1 });
    await host.call('patch', { update: { $set: { safe: 2 } } });
    const redis = new Redis({ path: machines.redis.socket, maxRetriesPerRequest: 0 });
    try {
      const keys = meshKeys(machines.name);
      // The next version, as the function would have numbered it: only the content is bad.
      const version = await redis.hincrby(keys.meta, 'version', 1);
      expect(version).toBe(2);
      await redis.call('XADD', keys.log, `${version}-0`, ...fields);
    } finally {
      redis.disconnect();
    }
    const error = await host.waitForEvent((e) => e.event === 'error', 20_000);
    expect(error.code).toBe('ERR_PROTOCOL');
    expect(String(error.message)).toMatch(/backplane entry 2 refused/);
    expect(await host.call('pollution')).toEqual({ polluted: false, addedKeys: [] });
    expect(await host.call('get')).toEqual({ safe: 2 });
    expect((await host.call<{ version: number }>('digest')).version).toBe(1);
    expect((await host.call<{ role: string }>('status')).role).toBe('host');
  });
});
