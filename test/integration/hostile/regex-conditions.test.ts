/**
 * A peer in the mesh sends one patch whose condition is a catastrophic regular expression.
 * Conditions run on every replica, so with a backtracking engine that one patch froze them
 * all (`^(a+)+$` against 28 characters: the host 5.9 s, each client 12 s; here 40 characters,
 * about 4,000 times longer). Each patch() below is bounded by a 10 s timeout: a replica that
 * backtracks never answers in time, one that matches in linear time answers at once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cluster, type Worker } from '../../support/cluster.js';

const EVIL = '^(a+)+$';
const VICTIM = `${'a'.repeat(40)}b`;

describe('catastrophic regular expressions from a peer in the mesh', () => {
  let cluster: Cluster;
  let host: Worker;
  let writer: Worker;
  let reader: Worker;
  beforeAll(async () => {
    cluster = new Cluster();
    host = (await cluster.start({}, { s: VICTIM, list: [{ s: VICTIM }, { s: 'aaaa' }], n: 0 })).worker;
    writer = (await cluster.start()).worker;
    reader = (await cluster.start()).worker;
    await cluster.oneHost();
  });
  afterAll(async () => {
    await cluster?.[Symbol.asyncDispose]();
  });

  it('an `if` condition: judged false at once on every replica', async () => {
    const result = await writer.call('patch', {
      update: { $set: { hit: true } },
      if: { s: { $regex: EVIL } },
      timeout: 10_000,
    });
    expect(result).toMatchObject({ applied: false, reason: 'condition' });
    const after = await reader.call('patch', { update: { $inc: { n: 1 } }, timeout: 10_000 });
    expect(after).toMatchObject({ applied: true });
    for (const worker of [host, writer, reader]) expect(await worker.call('get', { path: 'n' })).toBe(1);
  });

  it('a `$pull` condition: applied at once, the same everywhere', async () => {
    const result = await writer.call('patch', {
      update: { $pull: { list: { s: { $regex: EVIL } } } },
      timeout: 10_000,
    });
    expect(result).toMatchObject({ applied: true });
    await reader.call('patch', { update: { $inc: { n: 1 } }, timeout: 10_000 });
    for (const worker of [host, writer, reader]) {
      expect(await worker.call('get', { path: 'list' })).toEqual([{ s: VICTIM }]);
    }
  });

  it('a pattern that needs backtracking: patch() refuses it with ERR_INVALID_CONDITION', async () => {
    const error = await writer
      .call('patch', { update: { $set: { hit: true } }, if: { s: { $regex: '^(a+)+\\1$' } }, timeout: 10_000 })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ERR_INVALID_CONDITION' });
    expect(await host.call('get', { path: 'hit' })).toBeUndefined();
  });
});
