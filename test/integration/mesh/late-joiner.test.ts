import { afterEach, describe, expect, it } from 'vitest';
import { Cluster, until, type Worker } from '../../support/cluster.js';

interface Digest {
  sha256: string;
  bytes: number;
  version: number;
}

// Six patches of ten 90 KB strings: ~5.4 MB in all, each patch under the 1 MiB patch limit.
const FILL = { path: 'big', patches: 6, keysPerPatch: 10, valueBytes: 90_000 };

async function digests(workers: Worker[]): Promise<Digest[]> {
  return Promise.all(workers.map((w) => w.call<Digest>('digest', {}, 30_000)));
}

describe('a late joiner of a multi-megabyte document', () => {
  let cluster: Cluster | undefined;
  afterEach(async () => {
    await cluster?.[Symbol.asyncDispose]();
    cluster = undefined;
  });

  it('receives an identical copy, and then follows new writes', { timeout: 120_000 }, async () => {
    cluster = new Cluster();
    const host = (await cluster.start({}, { n: 0 })).worker;
    const early = (await cluster.start({}, { n: 0 })).worker;
    const results = await host.call<{ applied: boolean }[]>('fill', FILL, 60_000);
    expect(results.every((r) => r.applied)).toBe(true);
    await early.call('patch', {
      update: { $inc: { n: 1 }, $set: { 'small.tail': 'after the big ones' } },
    });
    const reference = (await digests([host]))[0] as Digest;
    expect(reference.bytes).toBeGreaterThan(5_000_000);
    console.info(
      `late-joiner: document of ${reference.bytes} bytes at version ${reference.version}`,
    );

    const late = (await cluster.start({ timeout: 30_000 }, { n: 0 })).worker;
    const lateClientOnly = (await cluster.start({ clientOnly: true, timeout: 30_000 }, { n: 0 }))
      .worker;
    // start() resolves once synced: the copy must be complete now, with no waiting.
    for (const d of await digests([late, lateClientOnly, early])) expect(d).toEqual(reference);
    expect(await late.call('get', { path: 'big.k5_9' })).toHaveLength(FILL.valueBytes);
    expect(await late.call('get', { path: 'small' })).toEqual({ tail: 'after the big ones' });

    // The joiner is a full member: its write reaches every replica, big state intact.
    const written = await late.call<{ version: number }>('patch', {
      update: { $set: { 'big.k0_0': 'replaced' } },
    });
    let last: Digest[] = [];
    await until(
      async () => {
        last = await digests(cluster!.alive());
        const first = last[0];
        return first?.version === written.version && last.every((d) => d.sha256 === first.sha256);
      },
      30_000,
      () => `replicas equal at version ${written.version} (last: ${JSON.stringify(last)})`,
    );
    expect(await early.call('get', { path: 'big.k0_0' })).toBe('replaced');
  });

  it('joins when one top-level key is larger than a frame may be: it is sent child by child', { timeout: 120_000 }, async () => {
    cluster = new Cluster();
    // Frames of at most 1 MiB everywhere (patches of at most 128 KiB, which must fit eight
    // times over); the 'big' key alone is ~5.4 MB of JSON.
    const options = { limits: { maxFrameBytes: 1024 * 1024, maxPatchBytes: 128 * 1024 } };
    const host = (await cluster.start(options, { n: 0 })).worker;
    await host.call('fill', { ...FILL, patches: 60, keysPerPatch: 1 }, 60_000);
    const reference = (await digests([host]))[0] as Digest;
    expect(reference.bytes).toBeGreaterThan(4 * 1024 * 1024);
    const late = (await cluster.start({ ...options, clientOnly: true, timeout: 30_000 }, { n: 0 })).worker;
    expect((await digests([late]))[0]).toEqual(reference);
  });

  it('after the host that held it is killed, a joiner gets the same copy from the new host', {
    timeout: 120_000,
  }, async () => {
    cluster = new Cluster();
    const host = (await cluster.start({}, { n: 0 })).worker;
    const heir = (await cluster.start({}, { n: 0 })).worker;
    await host.call('fill', FILL, 60_000);
    await until(
      async () => (await heir.call<Digest>('digest')).version === FILL.patches,
      30_000,
      'heir caught up',
    );
    const reference = (await digests([heir]))[0] as Digest;
    await host.kill('SIGKILL');
    expect((await cluster.oneHost()).host).toBe(heir);

    const late = (await cluster.start({ timeout: 30_000 }, { n: 0 })).worker;
    expect(await digests([late, heir])).toEqual([reference, reference]);
  });
});
