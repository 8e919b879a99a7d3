import { afterEach, describe, expect, it } from 'vitest';
import { Cluster, until, type Worker } from '../../support/cluster.js';

/**
 * A host that is alive but not running (SIGSTOP, a long synchronous task) is deposed after
 * `hostTimeout` of silence; when it runs again it finds its address taken, acknowledges
 * nothing, and rejoins as a client (issue #14). Real processes, real sockets.
 */
describe('a host that stops running', () => {
  let cluster: Cluster | undefined;
  afterEach(async () => {
    await cluster?.[Symbol.asyncDispose]();
    cluster = undefined;
  });

  const HOST_TIMEOUT_MS = 1000;
  const options = { gatherMs: 100, hostTimeout: HOST_TIMEOUT_MS, patchTimeout: 30_000 };

  async function digests(workers: Worker[]): Promise<string[]> {
    return Promise.all(workers.map(async (w) => (await w.call<{ sha256: string }>('digest')).sha256));
  }

  type Written = { issued: number; applied: number; refused: number; failed: string[]; maxMs: number };

  /** Four processes, the first host; a client writes `$inc` every 5 ms. */
  async function fourWithAWriter(): Promise<{ host: Worker; writer: Worker; all: Worker[] }> {
    cluster = new Cluster();
    const all: Worker[] = [];
    for (let i = 0; i < 4; i++) all.push((await cluster.start(options, { n: 0 })).worker);
    const { host } = await cluster.oneHost();
    const writer = all.find((w) => w !== host)!;
    await writer.call('writeEvery', { update: { $inc: { n: 1 } }, everyMs: 5 });
    await until(async () => (await writer.call<number>('get', { path: 'n' })) > 20, 20_000, 'writes under way');
    return { host, writer, all };
  }

  /** After the freeze: one host, every write there once, identical replicas. */
  async function expectHealed(all: Worker[], written: Written, extra = 0): Promise<void> {
    expect(written.failed).toEqual([]);
    expect(written.applied).toBe(written.issued);
    const agreed = await cluster!.oneHost(30_000, all);
    await until(
      async () => (await Promise.all(all.map((w) => w.call<number>('get', { path: 'n' })))).every((n) => n === written.issued + extra),
      30_000,
      `n === ${written.issued + extra} everywhere`,
    );
    // Nothing ordered twice: one version per write.
    expect((await agreed.host.call<{ version: number }>('status')).version).toBe(written.issued + extra);
    expect(new Set(await digests(all)).size).toBe(1);
  }

  it('SIGSTOP for 4 s among 4 processes: writes go on through a new host, the old one rejoins fenced', { timeout: 120_000 }, async () => {
    const { host, writer, all } = await fourWithAWriter();
    host.signal('SIGSTOP');
    // A new host among the three that run.
    await cluster!.oneHost(30_000, all.filter((w) => w !== host));
    const during = await writer.call<number>('get', { path: 'n' });
    await until(async () => (await writer.call<number>('get', { path: 'n' })) > during + 50, 20_000, 'writes go on while the host is stopped');
    await new Promise((resolve) => setTimeout(resolve, 4000 - HOST_TIMEOUT_MS));
    host.signal('SIGCONT');
    const written = await writer.call<Written>('stopWriting', {}, 90_000);
    // None waited for the stopped host to run again.
    expect(written.maxMs).toBeLessThan(4000);
    await expectHealed(all, written);
    expect((await host.call<{ role: string }>('status')).role).toBe('client');
  });

  it('a 5 s busy loop inside the host: deposed meanwhile, and its write right after goes to the new host', { timeout: 120_000 }, async () => {
    const { host, writer, all } = await fourWithAWriter();
    // The host spins, then writes: that write must be ordered by the new host, once.
    const busy = host.call<{ applied: boolean }>('busy', { ms: 5000, update: { $inc: { n: 1 } } }, 60_000);
    await cluster!.oneHost(30_000, all.filter((w) => w !== host));
    const result = await busy;
    expect(result.applied).toBe(true);
    const written = await writer.call<Written>('stopWriting', {}, 90_000);
    expect(written.maxMs).toBeLessThan(5000);
    await expectHealed(all, written, 1);
    expect((await host.call<{ role: string }>('status')).role).toBe('client');
  });
});
