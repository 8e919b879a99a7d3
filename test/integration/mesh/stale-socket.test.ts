import { existsSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { Cluster, type WorkerStatus } from '../../support/cluster.js';

describe('a dead host leaves its socket file behind', () => {
  let cluster: Cluster | undefined;
  afterEach(async () => {
    await cluster?.[Symbol.asyncDispose]();
    cluster = undefined;
  });

  it('a new process takes the stale socket over and becomes host at once', async () => {
    cluster = new Cluster();
    const host = await cluster.start({}, { n: 0 });
    expect(host.role).toBe('host');
    const clients = [await cluster.start({}, { n: 0 }), await cluster.start({}, { n: 0 })];
    await host.worker.call('patch', { update: { $inc: { n: 1 } } });
    const { address } = await host.worker.call<WorkerStatus>('status');
    expect(address.kind).toBe('unix');
    const socketPath = address.path ?? '';
    // Clients first, so that nobody is left to take the address over when the host dies.
    for (const c of clients) await c.worker.kill('SIGKILL');
    await host.worker.kill('SIGKILL');
    expect(existsSync(socketPath)).toBe(true);

    const startTimeout = 10_000;
    // Forked first, so that the time reported is start() alone, not Node's boot.
    const worker = await cluster.spawn();
    const began = Date.now();
    const role = await worker.call('start', {
      name: cluster.name,
      defaults: { n: 0 },
      options: { dir: cluster.dir, timeout: startTimeout },
    });
    console.info(
      `stale-socket: start() of the new process took ${Date.now() - began} ms (timeout ${startTimeout} ms)`,
    );
    expect(role).toBe('host');
    const fresh = { worker };
    const status = await fresh.worker.call<WorkerStatus>('status');
    expect(status.address.path).toBe(socketPath);
    // Nobody survived who saw n = 1: the new mesh starts from the newcomer's defaults.
    expect(await fresh.worker.call('get')).toEqual({ n: 0 });
    // And the address really serves: a joiner reaches the new host.
    const joiner = await cluster.start({}, { n: 0 });
    expect(joiner.role).toBe('client');
    expect((await cluster.oneHost()).host).toBe(fresh.worker);
  });

  it("a newcomer that takes a dead host's socket before the old clients re-elect keeps what they acknowledged", async () => {
    cluster = new Cluster();
    const host = await cluster.start({}, { n: 0 });
    const a = await cluster.start({}, { n: 0 });
    const b = await cluster.start({}, { n: 0 });
    for (let i = 0; i < 5; i++) {
      expect(
        await a.worker.call('patch', { update: { $inc: { n: 1 }, $set: { [`from.a${i}`]: i } } }),
      ).toMatchObject({
        applied: true,
      });
    }
    await cluster.oneHost();
    const before = await b.worker.call('get');
    expect(before).toMatchObject({ n: 5 });
    // Freeze the clients so the newcomer wins the race for the dead host's address: the
    // race a supervisor restarting a process just as the host dies would run. They are
    // resumed as soon as the newcomer holds the address, as they would have been running.
    a.worker.signal('SIGSTOP');
    b.worker.signal('SIGSTOP');
    let starting: Promise<unknown> | undefined;
    try {
      await host.worker.kill('SIGKILL');
      const fresh = await cluster.spawn();
      starting = fresh.call('start', { name: cluster.name, defaults: { n: 0 }, options: { dir: cluster.dir } });
      starting.catch(() => {});
      await fresh.waitForEvent((e) => e.event === 'role' && e.role === 'host', 20_000);
    } finally {
      a.worker.signal('SIGCONT');
      b.worker.signal('SIGCONT');
    }
    expect(await starting).toBe('host');
    await cluster.oneHost();
    // a and b saw n = 5 acknowledged; they survive, so it must survive.
    for (const w of cluster.alive()) expect(await w.call('get')).toEqual(before);
  });
});
