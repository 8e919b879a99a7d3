import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Cluster, until, type Worker } from '../../support/cluster.js';

/**
 * The failover promise, staged with real processes for the cases that broke it (issue #9).
 * The deterministic simulation (test/sim) and the chaos run (test/chaos) explore the rest.
 */
describe('failover keeps what was acknowledged', () => {
  let cluster: Cluster | undefined;
  afterEach(async () => {
    await cluster?.[Symbol.asyncDispose]();
    cluster = undefined;
  });

  async function digests(workers: Worker[]): Promise<string[]> {
    return Promise.all(workers.map(async (w) => (await w.call<{ sha256: string }>('digest')).sha256));
  }

  it("a host's own write, acknowledged the instant before it dies, survives (three times over)", { timeout: 120_000 }, async () => {
    cluster = new Cluster();
    const defaults = { n: 0 };
    const writers: Worker[] = [];
    for (let i = 0; i < 4; i++) writers.push((await cluster.start({ gatherMs: 100 }, defaults)).worker);
    let acknowledged = 0;
    for (let round = 0; round < 3; round++) {
      const { host } = await cluster.oneHost();
      const file = join(cluster.dir, `ack-${round}.json`);
      // The host dies inside the callback that saw its patch acknowledged.
      await host.call('patchThenDie', { update: { $inc: { n: 1 } }, file }).catch(() => {});
      await host.exit;
      expect(existsSync(file)).toBe(true);
      if ((JSON.parse(readFileSync(file, 'utf8')) as { applied: boolean }).applied) acknowledged++;
    }
    expect(acknowledged).toBe(3);
    const survivor = (await cluster.oneHost()).host;
    await until(async () => (await survivor.call<number>('get', { path: 'n' })) === 3, 20_000, 'n === 3');
    const live = cluster.alive();
    expect(new Set(await digests(live)).size).toBe(1);
  });

  it('a client that becomes host while it writes on a timer orders every patch it had in flight: none times out', { timeout: 120_000 }, async () => {
    cluster = new Cluster();
    const defaults = { n: 0 };
    const { worker: host } = await cluster.start({ gatherMs: 50 }, defaults);
    const { worker: writer } = await cluster.start({ gatherMs: 50, patchTimeout: 5000 }, defaults);
    // A member the new host waits for: the writer keeps writing while it gathers.
    await cluster.start({ gatherMs: 50, clientOnly: true }, defaults);
    await writer.call('writeEvery', { update: { $inc: { n: 1 } }, everyMs: 2 });
    await until(async () => (await writer.call<number>('get', { path: 'n' })) > 50, 30_000, 'writes under way');
    await host.kill('SIGKILL');
    await until(async () => (await writer.call<{ role: string }>('status')).role === 'host', 30_000, 'writer hosts');
    await until(async () => (await writer.call<number>('get', { path: 'n' })) > 200, 30_000, 'writes go on');
    const result = await writer.call<{ issued: number; applied: number; refused: number; failed: string[] }>('stopWriting', {}, 90_000);
    expect(result.failed).toEqual([]);
    expect(result.applied).toBe(result.issued);
    expect(await writer.call<number>('get', { path: 'n' })).toBe(result.issued);
    expect((await writer.call<{ version: number }>('status')).version).toBe(result.issued);
  });

  it("a survivor's large history still arriving when the gather window ends is adopted, not replaced", { timeout: 180_000 }, async () => {
    cluster = new Cluster();
    const options = { gatherMs: 20, limits: { maxFrameBytes: 8 * 1024 * 1024 } };
    const { worker: host } = await cluster.start(options, {});
    // The survivor cannot host: the joiner, mid-snapshot, is the only one who can take over.
    const { worker: survivor } = await cluster.start({ ...options, clientOnly: true }, {});
    await survivor.call('fill', { path: 'big', patches: 40, keysPerPatch: 25, valueBytes: 5000 }, 120_000);
    const version = (await survivor.call<{ version: number }>('status')).version;
    expect(version).toBe(40);
    const joiner = await cluster.spawn();
    const joining = joiner
      .call('start', { name: cluster.name, defaults: {}, options: { dir: cluster.dir, ...options, timeout: 60_000 } }, 90_000)
      .catch((error: unknown) => error);
    // Killed while the joiner is still receiving its snapshot (5 MB at 64 KB a part).
    await joiner.waitForEvent((e) => e.event === 'role' && e.role === 'starting', 20_000);
    await host.kill('SIGKILL');
    await joining;
    const agreed = await cluster.oneHost(60_000);
    expect(agreed.host).toBe(joiner);
    await until(async () => (await joiner.call<{ version: number }>('status')).version >= version, 30_000, 'history adopted');
    const [a, b] = await digests([joiner, survivor]);
    expect(a).toBe(b);
    expect((await joiner.call<{ version: number }>('status')).version).toBeGreaterThanOrEqual(version);
  });
});
