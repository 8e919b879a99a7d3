import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LmdbStorage } from '../../../src/storage/lmdb-storage.js';
import { Cluster, type Worker } from '../../support/cluster.js';

async function storedCount(path: string, mesh: string): Promise<number> {
  const check = new LmdbStorage(path, 'none');
  try {
    const { state } = await check.load({ mesh, epoch: 1 });
    return (state!.snapshot.state as { n: number }).n + state!.entries.length;
  } finally {
    await check.close();
  }
}

/**
 * `mem.flush()` on a client is a request to the host (its fsync), not a local no-op: with
 * the host stopped (SIGSTOP) it does not resolve; once the host runs again it does, and
 * the store then holds everything the client saw. Real processes, LMDB, sync 'none'.
 */
describe("a client's flush() waits for the host's store", () => {
  let cluster: Cluster | undefined;
  let store: string | undefined;
  afterEach(async () => {
    await cluster?.[Symbol.asyncDispose]();
    cluster = undefined;
    if (store) rmSync(store, { recursive: true, force: true });
  });

  it('does not resolve while the host is frozen, resolves after it runs again, and the store holds it all', { timeout: 60_000 }, async () => {
    store = mkdtempSync(join(tmpdir(), 'memsync-flush-'));
    cluster = new Cluster();
    const options = { storage: { path: store, sync: 'none' as const }, gatherMs: 5 };
    const host = await cluster.start(options, { n: 0 });
    expect(host.role).toBe('host');
    const client = await cluster.start({ ...options, clientOnly: true }, { n: 0 });
    expect(client.role).toBe('client');
    for (let i = 0; i < 25; i++) await client.worker.call('patch', { update: { $inc: { n: 1 } } });

    host.worker.signal('SIGSTOP');
    let resumedAt = Number.POSITIVE_INFINITY;
    let flushedAt = 0;
    const flushed = client.worker.call('flush', {}, 30_000).then(() => (flushedAt = performance.now()));
    // Time for a flush answered locally to arrive over IPC (a few ms); the host cannot answer.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(flushedAt).toBe(0);
    resumedAt = performance.now();
    host.worker.signal('SIGCONT');
    await flushed;
    expect(flushedAt).toBeGreaterThan(resumedAt);

    await client.worker.call('stop', {});
    await host.worker.call('stop', {});
    expect(await storedCount(store, cluster.name)).toBe(25);
  });

  it('the host SIGKILLed during a flush: the flush waits through the election and the next host answers it', { timeout: 90_000 }, async () => {
    store = mkdtempSync(join(tmpdir(), 'memsync-flush-'));
    cluster = new Cluster();
    const options = { storage: { path: store, sync: 'interval' as const }, gatherMs: 5 };
    const host = await cluster.start(options, { n: 0 });
    expect(host.role).toBe('host');
    const a = await cluster.start(options, { n: 0 });
    const b = await cluster.start(options, { n: 0 });
    for (let i = 0; i < 25; i++) await a.worker.call('patch', { update: { $inc: { n: 1 } } });
    // Frozen first, so that the flush is surely in flight when the host dies.
    host.worker.signal('SIGSTOP');
    const marks = { a: a.worker.events.length, b: b.worker.events.length };
    let outcome: string | undefined;
    const flushed = a.worker.call('flush', {}, 60_000).then(
      () => (outcome = 'resolved'),
      (error: { code?: string }) => (outcome = `rejected ${error.code}`),
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(outcome).toBeUndefined();
    await host.worker.kill('SIGKILL');
    // One of the two takes the store over; the flush is answered by it (or, on a, by a itself).
    const hosting = (w: Worker, from: number) => w.waitForEvent((e) => e.event === 'role' && e.role === 'host', 30_000, from).then(() => w);
    const next = await Promise.any([hosting(a.worker, marks.a), hosting(b.worker, marks.b)]);
    expect([a.worker, b.worker]).toContain(next);
    await flushed;
    expect(outcome).toBe('resolved');
    await a.worker.call('stop', {});
    await b.worker.call('stop', {});
    expect(await storedCount(store, cluster.name)).toBe(25);
  });
});
