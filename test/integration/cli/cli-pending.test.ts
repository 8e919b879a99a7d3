/**
 * `memsync status <name>` shows patches pending across the mesh (#17), not only the CLI's
 * own (always none). A client's patch is held by a new host that gathers: its host was
 * SIGKILLed while a member was SIGSTOPped, and the gather waits for that member while it is
 * alive. The client reports its count, the host sums it, the CLI reads it from its welcome.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Cluster, until, type WorkerStatus } from '../../support/cluster.js';
import { runCli } from './cli-process.js';

interface PendingStatus extends WorkerStatus {
  meshPending: number | undefined;
}

describe('memsync status and pending patches', () => {
  let cluster: Cluster | undefined;
  afterEach(async () => {
    for (const w of cluster?.alive() ?? []) w.signal('SIGCONT');
    await cluster?.[Symbol.asyncDispose]();
    cluster = undefined;
  });

  it("shows a client's patch the host holds, and none once it is ordered", { timeout: 90_000 }, async () => {
    cluster = new Cluster();
    const options = { timeout: 30_000, hostTimeout: 1_000 };
    const host = (await cluster.start(options, { n: 0 })).worker;
    const next = (await cluster.start(options, { n: 0 })).worker;
    const sleeper = (await cluster.start({ ...options, clientOnly: true }, { n: 0 })).worker;
    const writer = (await cluster.start({ ...options, clientOnly: true }, { n: 0 })).worker;
    await cluster.oneHost(20_000);
    const status = (args: string[] = []) => runCli(['status', cluster!.name, '--dir', cluster!.dir, ...args]);
    const idle = JSON.parse((await status()).stdout) as { pending: number | null };
    expect(idle.pending).toBe(0);

    sleeper.signal('SIGSTOP');
    await host.kill();
    await until(async () => (await next.call<WorkerStatus>('status')).role === 'host', 20_000, 'the next host');
    const epoch = (await next.call<WorkerStatus>('status')).epoch;
    await until(async () => (await writer.call<WorkerStatus>('status')).epoch === epoch, 20_000, 'the writer joined the next host');
    const written = writer.call<{ applied: boolean; version: number }>('patch', { update: { $inc: { n: 1 } }, timeout: 30_000 });
    await until(async () => (await next.call<PendingStatus>('status')).meshPending === 1, 10_000, 'the host counts the writer\'s patch');

    const held = await status();
    expect(held.code).toBe(0);
    const report = JSON.parse(held.stdout) as { pending: number | null; host: string; epoch: number };
    expect(report).toMatchObject({ pending: 1, epoch });
    expect((await writer.call<WorkerStatus>('status')).pending).toBe(1);

    // The member runs again, the gather ends, the patch is ordered: nothing pending.
    sleeper.signal('SIGCONT');
    expect(await written).toMatchObject({ applied: true });
    await until(async () => (await next.call<PendingStatus>('status')).meshPending === 0, 10_000, 'the writer reports none');
    const after = JSON.parse((await status()).stdout) as { pending: number | null };
    expect(after.pending).toBe(0);
  });
});
