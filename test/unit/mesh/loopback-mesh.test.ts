import { afterEach, describe, expect, it } from 'vitest';
import { MemSync, type MemSyncOptions, untyped } from '../../../src/index.js';
import {
  createLoopbackTransport,
  type LoopbackTransport,
} from '../../../src/transport/loopback.js';

/**
 * The mesh in one process over the loopback transport: every message is JSON-encoded on
 * the way, so serialization and the role logic are exercised without sockets.
 */
describe('mesh over loopback', () => {
  let transport: LoopbackTransport;
  const open: MemSync[] = [];
  const address = { kind: 'unix', path: '/loopback/mesh' } as const;

  function replica(
    options: MemSyncOptions = {},
    defaults: Record<string, unknown> = { n: 0 },
  ): MemSync {
    const mem = new MemSync('loop', defaults as never, {
      transport,
      path: address.path,
      gatherMs: 30,
      ...options,
    });
    open.push(mem);
    return mem;
  }

  function nextChange(mem: MemSync, predicate: () => boolean): Promise<void> {
    return new Promise((resolve, reject) => {
      if (predicate()) return resolve();
      const timer = setTimeout(() => reject(new Error('change not seen')), 5000);
      const onChange = (): void => {
        if (!predicate()) return;
        clearTimeout(timer);
        mem.off('change', onChange);
        resolve();
      };
      mem.on('change', onChange);
    });
  }

  afterEach(async () => {
    await Promise.all(open.splice(0).map((m) => m.stop()));
  });

  it('elects one host; writes from a client reach every replica', async () => {
    transport = createLoopbackTransport();
    const a = replica();
    expect(await a.start()).toBe('host');
    const b = replica();
    const c = replica();
    expect(await b.start()).toBe('client');
    expect(await c.start()).toBe('client');
    const result = await b.patch({ $inc: { n: 5 }, $set: { 'x.y': 'z' } });
    expect(result).toEqual({ version: 1, applied: true });
    await nextChange(c, () => c.version === 1);
    for (const m of [a, b, c]) expect(m.data).toEqual({ n: 5, x: { y: 'z' } });
  });

  it('a late joiner receives the state; defaults of joiners do not override it', async () => {
    transport = createLoopbackTransport();
    const a = replica({}, { n: 1 });
    await a.start();
    await a.patch({ $inc: { n: 1 } });
    const b = replica({}, { n: 100, other: true });
    await b.start();
    expect(b.data).toEqual({ n: 2 });
    expect(b.version).toBe(1);
  });

  it('a process restarted with the same id writes on: its patches are not taken for resends', async () => {
    transport = createLoopbackTransport();
    const host = replica();
    await host.start();
    const first = replica({ id: 'worker-1', clientOnly: true });
    await first.start();
    for (let i = 0; i < 5; i++) await first.patch({ $inc: { n: 1 } });
    await first.stop();
    // The same id, a new process: each numbers its patches from its start time.
    const second = replica({ id: 'worker-1', clientOnly: true, patchTimeout: 2000 });
    await second.start();
    expect(await second.patch({ $inc: { n: 1 } })).toEqual({ version: 6, applied: true });
    expect(host.data).toEqual({ n: 6 });
  });

  it('a restart with the same id after the clock stepped back an hour still writes (renumbered at welcome)', async () => {
    transport = createLoopbackTransport();
    await replica().start();
    const now = Date.now();
    const first = replica({ id: 'stepped', clientOnly: true, now: () => now });
    await first.start();
    for (let i = 0; i < 3; i++) await first.patch({ $inc: { n: 1 } });
    await first.stop();
    // Its clock an hour behind: it would number below its previous life.
    const second = replica({ id: 'stepped', clientOnly: true, patchTimeout: 2000, now: () => now - 3_600_000 });
    const starting = second.start();
    const early = second.patch({ $inc: { n: 10 } }); // written before the welcome
    await starting;
    expect(await early).toMatchObject({ applied: true });
    expect(await second.patch({ $inc: { n: 100 } })).toMatchObject({ applied: true });
    expect(second.data).toEqual({ n: 113 });
  });

  it('a second process with an id already connected: start() times out saying why', async () => {
    transport = createLoopbackTransport();
    await replica().start();
    await replica({ id: 'twin', clientOnly: true }).start();
    const twin = replica({ id: 'twin', clientOnly: true, timeout: 600 });
    const failure = await twin.start().then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toMatchObject({ code: 'ERR_TIMEOUT' });
    expect((failure as Error).message).toMatch(/'twin' is connected already/);
  });

  it('fails over when the host dies: a client is elected and pending writes are resent once', async () => {
    transport = createLoopbackTransport();
    const a = replica();
    await a.start();
    const b = replica();
    const c = replica();
    await b.start();
    await c.start();
    await b.patch({ $inc: { n: 1 } });
    await nextChange(c, () => c.version === 1);
    transport.kill(address);
    const writes = [b.patch({ $inc: { n: 10 } }), c.patch({ $inc: { n: 100 } })];
    const results = await Promise.all(writes);
    expect(results.every((r) => r.applied)).toBe(true);
    const roles = [b.role, c.role].sort();
    expect(roles).toEqual(['client', 'host']);
    await nextChange(b, () => b.version === 3);
    await nextChange(c, () => c.version === 3);
    expect(b.data).toEqual({ n: 111 });
    expect(c.data).toEqual({ n: 111 });
  });

  it('stop() on the host hands over to a client', async () => {
    transport = createLoopbackTransport();
    const a = replica();
    await a.start();
    const b = replica();
    await b.start();
    await b.patch({ $set: { k: 1 } });
    await a.stop();
    const result = await b.patch({ $inc: { n: 1 } });
    expect(result.applied).toBe(true);
    expect(b.role).toBe('host');
    expect(b.data).toEqual({ n: 1, k: 1 });
  });

  it('conditional patches are judged on the ordered state', async () => {
    transport = createLoopbackTransport();
    const a = replica({}, { stock: 3 });
    await a.start();
    const b = replica({}, {});
    await b.start();
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        (i % 2 ? a : b).patch({ $inc: { stock: -1 } }, { if: { stock: { $gt: 0 } } }),
      ),
    );
    expect(results.filter((r) => r.applied)).toHaveLength(3);
    expect(results.filter((r) => !r.applied && r.reason === 'condition')).toHaveLength(3);
    await nextChange(b, () => b.version === 6);
    expect(a.data).toEqual({ stock: 0 });
    expect(b.data).toEqual({ stock: 0 });
  });
});

describe('shared secret', () => {
  const address = { kind: 'unix', path: '/loopback/auth' } as const;
  const secret = 'correct horse battery staple';
  const open: MemSync[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((m) => m.stop()));
  });

  it('joins with the right secret; refuses a wrong or missing one with ERR_AUTH', async () => {
    const transport = createLoopbackTransport();
    const make = (options: MemSyncOptions): MemSync => {
      const mem = new MemSync('auth', { n: 0 } as never, {
        transport,
        path: address.path,
        gatherMs: 10,
        timeout: 2000,
        ...options,
      });
      open.push(mem);
      return mem;
    };
    expect(await make({ secret }).start()).toBe('host');
    const good = make({ secret, clientOnly: true });
    expect(await good.start()).toBe('client');
    await expect(
      make({ secret: 'wrong secret, sixteen+', clientOnly: true }).start(),
    ).rejects.toMatchObject({ code: 'ERR_AUTH' });
    await expect(make({ clientOnly: true }).start()).rejects.toMatchObject({ code: 'ERR_AUTH' });
    expect((await good.patch({ $inc: { n: 1 } })).applied).toBe(true);
  });

  it('refuses TCP beyond loopback without a secret', () => {
    expect(() => new MemSync('x', {}, { tcp: { host: '0.0.0.0', port: 47001 } })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_OPTION' }),
    );
  });
});

describe('changes() and whenVersion()', () => {
  it('iterates changes from other writers and waits for versions', async () => {
    const transport = createLoopbackTransport();
    const opts = { transport, path: '/loopback/changes', gatherMs: 10 };
    const a = new MemSync('changes', { n: 0 } as never, opts);
    const b = new MemSync('changes', {} as never, opts);
    try {
      await a.start();
      await b.start();
      const controller = new AbortController();
      const seen: number[] = [];
      const reading = (async () => {
        for await (const change of b.changes({ signal: controller.signal })) {
          if (!change.local) seen.push((change.data as { n: number }).n);
          if (seen.length === 3) break;
        }
      })();
      for (let i = 0; i < 3; i++) await a.patch({ $inc: { n: 1 } });
      await b.whenVersion(3, { timeout: 2000 });
      await reading;
      expect(seen).toEqual([1, 2, 3]);
      await expect(b.whenVersion(99, { timeout: 20 })).rejects.toMatchObject({ code: 'ERR_TIMEOUT' });
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });
});

describe('patch() always settles', () => {
  it('rejects on timeout or abort and rolls the change back out of the view', async () => {
    const transport = createLoopbackTransport();
    const path = '/loopback/settle';
    const host = new MemSync('settle', { n: 0 } as never, { transport, path, gatherMs: 10 });
    const client = new MemSync('settle', {} as never, { transport, path, gatherMs: 10, clientOnly: true, timeout: 60_000 });
    try {
      await host.start();
      await client.start();
      transport.kill({ kind: 'unix', path }); // no host left, and the client may not host
      const timedOut = client.patch({ $inc: { n: 1 } }, { timeout: 30 });
      expect(client.data).toEqual({ n: 1 }); // read-your-writes while waiting
      await expect(timedOut).rejects.toMatchObject({ code: 'ERR_TIMEOUT' });
      expect(client.data).toEqual({ n: 0 });
      const controller = new AbortController();
      const aborted = client.patch(untyped({ $set: { s: 'x' } }), { signal: controller.signal });
      expect(client.get('s' as never)).toBe('x');
      controller.abort();
      await expect(aborted).rejects.toMatchObject({ code: 'ERR_ABORTED' });
      expect(client.data).toEqual({ n: 0 });
      expect((await client.status()).pending).toBe(0);
    } finally {
      await Promise.all([host.stop(), client.stop()]);
    }
  });
});
