import { afterEach, describe, expect, it } from 'vitest';
import { Cluster, until } from '../../support/cluster.js';

/**
 * What a process reads is frozen: ordinary code writing into `mem.data`, `get()`, observer
 * values or change events throws (strict mode) and changes nothing anywhere, so no replica,
 * not even a later joiner taking the host's snapshot, can differ from the others.
 */
describe('frozen reads, real processes', () => {
  let cluster: Cluster | undefined;
  afterEach(async () => {
    await cluster?.[Symbol.asyncDispose]();
    cluster = undefined;
  });

  // 100 more top-level keys: the root is kept in chunks behind a read-only Proxy (wide-root.ts).
  const wide = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`k${i}`, i]));
  it.each([
    ['a small document', {}],
    ['a document of 102 top-level keys', wide],
  ])('mutating what was read throws and leaves every replica equal: %s', async (_name, extra) => {
    cluster = new Cluster();
    const defaults = { ...extra, config: { mode: 'safe' }, list: [1, 2] };
    const host = await cluster.start({}, defaults);
    const client = await cluster.start({}, defaults);
    expect([host.role, client.role]).toEqual(['host', 'client']);

    for (const writer of [host, client]) {
      const outcome = await writer.worker.call<Record<string, string>>('mutateReads');
      expect(Object.keys(outcome)).toHaveLength(7);
      for (const [attempt, result] of Object.entries(outcome)) {
        expect(result, attempt).toBe('threw: TypeError');
      }
    }
    // The host's replica is what a joiner copies: it must be untouched.
    const joiner = await cluster.start({}, defaults);
    expect(joiner.role).toBe('client');
    await until(async () => (await cluster!.statuses()).every((s) => s.status.version === 2));
    const expected = { ...extra, config: { mode: 'safe' }, list: [1, 2], touched: 2 };
    const digests = new Set<string>();
    for (const w of cluster.alive()) {
      expect(await w.call('get')).toEqual(expected);
      digests.add((await w.call<{ sha256: string }>('digest')).sha256);
    }
    expect(digests.size).toBe(1);
  });
});
