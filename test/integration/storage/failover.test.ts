import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LmdbStorage } from '../../../src/storage/lmdb-storage.js';
import { replicaFromStore } from '../../../src/storage/stored-replica.js';
import { Cluster, type Worker } from '../../support/cluster.js';

/**
 * The host is killed twice while four processes write with `sync: 'always'`: each next host
 * continues the same store. Read afterwards, the store holds one unbroken history (the
 * loader refuses a gap), no patch twice, and every acknowledged increment exactly once.
 */
describe('failover while writing: the next host continues the store', () => {
  let cluster: Cluster | undefined;
  let store: string | undefined;
  afterEach(async () => {
    await cluster?.[Symbol.asyncDispose]();
    cluster = undefined;
    if (store) rmSync(store, { recursive: true, force: true });
  });

  it('two host kills: no entry twice, no gap, every acknowledged increment once', { timeout: 120_000 }, async () => {
    store = mkdtempSync(join(tmpdir(), 'memsync-store-'));
    cluster = new Cluster();
    const options = { storage: { path: store, sync: 'always' as const }, gatherMs: 100 };
    const first = (await cluster.start(options)).worker;
    const rest = await Promise.all([1, 2, 3].map(() => cluster!.start(options)));
    const workers: Worker[] = [first, ...rest.map((r) => r.worker)];
    const writing = workers.map((w, i) =>
      w.call<number>('incKeys', { prefix: `w${i}k`, window: 8, count: 300 }, 100_000).catch(() => -1),
    );
    const acks = (): number => workers.reduce((n, w) => n + w.events.filter((e) => e.event === 'acked').length, 0);
    let host = (await cluster.oneHost()).host;
    for (const threshold of [100 + Math.random() * 150, 450 + Math.random() * 150]) {
      // Each host must order some entries of its own before it dies, or the store would hold
      // fewer than three epochs. Acks alone do not show that: under load they reach this
      // process late, and the old host's may still be arriving after the new host is up.
      const from = (await host.call<{ version: number }>('status')).version;
      await first.waitForEvent(() => acks() >= threshold, 60_000).catch(async () => {
        await workers.find((w) => !w.exited)!.waitForEvent(() => acks() >= threshold, 60_000);
      });
      const deadline = Date.now() + 30_000;
      while ((await host.call<{ version: number }>('status')).version < from + 20) {
        if (Date.now() > deadline) throw new Error(`the host ordered nothing of its own in 30 s (at ${from})`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      await host.kill('SIGKILL');
      host = (await cluster.oneHost(30_000)).host;
    }
    await Promise.all(writing);
    const survivors = workers.filter((w) => !w.exited);
    const version = (await host.call<{ version: number }>('status')).version;
    await Promise.all(survivors.map((w) => w.call('stop')));

    const acked = workers.flatMap((w) => w.events.filter((e) => e.event === 'acked').map((e) => e.key as string));
    const reader = new LmdbStorage(store);
    const { state } = await reader.load({ mesh: cluster.name, epoch: 1 });
    await reader.close();
    expect(state).toBeDefined();
    const replica = replicaFromStore(state!, {}, store); // throws on a gap
    expect(replica.version).toBe(version);
    const ids = state!.entries.map((e) => `${e.patch.peer}/${e.patch.seq}`);
    expect(new Set(ids).size).toBe(ids.length);
    const epochs = state!.entries.map((e) => e.epoch);
    // Three hosts wrote it (unless a snapshot folded a term's entries: say so if it fails).
    expect(new Set(epochs).size, `epochs ${[...new Set(epochs)].join(',')}, snapshot at ${state!.snapshot.version}`).toBeGreaterThanOrEqual(3);
    expect(epochs).toEqual([...epochs].sort((a, b) => a - b));
    const data = replica.state as Record<string, number>;
    expect(acked.filter((key) => data[key] !== 1)).toEqual([]);
    expect(Object.entries(data).filter(([, v]) => v !== 1)).toEqual([]);
  });
});
