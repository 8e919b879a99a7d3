import { describe, expect, it } from 'vitest';
import { redisBackplane } from '../../../src/backplane/redis/index.js';
import { meshKeys } from '../../../src/backplane/redis/functions.js';
import { MemSyncError } from '../../../src/errors.js';
import { resolveOptions } from '../../../src/options.js';

describe('the backplane option', () => {
  it('takes a redisBackplane (nothing connects until a host opens it)', () => {
    const backplane = redisBackplane({ url: 'redis://127.0.0.1:1' });
    expect(backplane.kind).toBe('redis');
    expect(resolveOptions({ backplane }).backplane).toBe(backplane);
    expect(resolveOptions({}).backplane).toBeUndefined();
  });

  it.each([[{}], [null], ['redis://x'], [{ kind: 'redis' }]])('refuses %j with ERR_INVALID_OPTION', (value) => {
    expect(() => resolveOptions({ backplane: value as never })).toThrow(MemSyncError);
    expect(() => resolveOptions({ backplane: value as never })).toThrow(/backplane must be a Backplane/);
  });

  it('redisBackplane refuses what is not options or a client, and a bad snapshotEvery', () => {
    expect(() => redisBackplane(null as never)).toThrow(TypeError);
    expect(() => redisBackplane({}, { snapshotEvery: -1 })).toThrow(TypeError);
    expect(() => redisBackplane({}, { snapshotEvery: 1.5 })).toThrow(TypeError);
  });

  it('every key of a mesh carries the same {mesh} hash tag (one Cluster slot)', () => {
    const keys = Object.values(meshKeys('orders'));
    expect(keys).toHaveLength(5);
    for (const key of keys) expect(key.match(/\{[^}]*\}/)?.[0]).toBe('{orders}');
    expect(new Set(keys).size).toBe(5);
  });
});
