import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryDisk, MemoryStorage, MemSync, type MemSyncError, type MemSyncOptions } from '../../../src/index.js';
import { createLoopbackTransport, type LoopbackTransport } from '../../../src/transport/loopback.js';

/** The mesh in one process over the loopback transport, with stores on a memory disk (or LMDB). */
describe('storage in the mesh (loopback)', () => {
  const open: MemSync[] = [];
  const dirs: string[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((m) => m.stop()));
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  function replica(transport: LoopbackTransport, options: MemSyncOptions, defaults: Record<string, unknown> = { n: 0 }, path = '/loopback/s'): MemSync {
    const mem = new MemSync('stored', defaults as never, { transport, path, gatherMs: 30, ...options });
    open.push(mem);
    return mem;
  }

  it('the first host of a new mesh loads the store, not its defaults; defaults seed only a new store', async () => {
    const disk = new MemoryDisk();
    const first = replica(createLoopbackTransport(), { storage: new MemoryStorage(disk, 'always') }, { n: 1 });
    await first.start();
    await first.patch({ $inc: { n: 1 } });
    await first.patch({ $set: { s: 'x' } });
    await first.stop();
    const again = replica(createLoopbackTransport(), { storage: new MemoryStorage(disk, 'always') }, { n: 100, other: true });
    expect(await again.start()).toBe('host');
    expect(again.data).toEqual({ n: 2, s: 'x' });
    expect(again.version).toBe(2);
  });

  it('the next host continues the store after the host stops', async () => {
    const disk = new MemoryDisk();
    const transport = createLoopbackTransport();
    const a = replica(transport, { storage: new MemoryStorage(disk, 'always') });
    await a.start();
    const b = replica(transport, { storage: new MemoryStorage(disk, 'always') });
    expect(await b.start()).toBe('client');
    for (let i = 0; i < 5; i++) await b.patch({ $inc: { n: 1 } });
    await a.stop();
    for (let i = 0; i < 5; i++) await b.patch({ $inc: { n: 1 } });
    expect(b.role).toBe('host');
    await b.stop();
    const c = replica(createLoopbackTransport(), { storage: new MemoryStorage(disk, 'always') });
    await c.start();
    expect(c.data).toEqual({ n: 10 });
  });

  it("a process given another store (or none, unless clientOnly) is refused at hello, saying which", async () => {
    const transport = createLoopbackTransport();
    const host = replica(transport, { storage: new MemoryStorage(new MemoryDisk('one'), 'always') });
    await host.start();
    const other = replica(transport, { storage: new MemoryStorage(new MemoryDisk('two'), 'always'), clientOnly: true, timeout: 2000 });
    await expect(other.start()).rejects.toMatchObject({
      code: 'ERR_INCOMPATIBLE_PEER',
      message: expect.stringMatching(/storage 'memory:one'.*given storage 'memory:two'/),
    });
    const none = replica(transport, { timeout: 2000 });
    await expect(none.start()).rejects.toMatchObject({ message: expect.stringMatching(/given no storage/) });
    // A clientOnly peer given no store never hosts, so never writes one: let in (the CLI is
    // one), and told the host's store.
    const looker = replica(transport, { clientOnly: true, timeout: 2000 });
    expect(await looker.start()).toBe('client');
    expect((await looker.status()).storage).toBe('memory:one');
    expect((await host.status()).storage).toBe('memory:one');
  });

  it('a host whose store was claimed by a newer host is fenced: it acknowledges nothing more', async () => {
    const disk = new MemoryDisk();
    // Two hosts at once on one store (here: the same mesh name on two addresses).
    const old = replica(createLoopbackTransport(), { storage: new MemoryStorage(disk, 'always') }, { n: 0 }, '/loopback/a');
    await old.start();
    await old.patch({ $inc: { n: 1 } });
    const errors: MemSyncError[] = [];
    old.on('error', (e) => errors.push(e));
    const next = replica(createLoopbackTransport(), { storage: new MemoryStorage(disk, 'always') }, { n: 0 }, '/loopback/b');
    await next.start();
    expect(next.data).toEqual({ n: 1 });
    await next.patch({ $inc: { n: 10 } });
    // The old host orders its patch at the version the new host already stored (diverged).
    const hostsAgain = new Promise<void>((resolve) => old.on('role', (e) => e.role === 'host' && resolve()));
    await expect(old.patch({ $inc: { n: 1 } })).rejects.toMatchObject({ code: 'ERR_FENCED' });
    expect(errors.map((e) => e.code)).toContain('ERR_FENCED');
    await next.stop();
    // Fenced, it elects again and (alone on its address) claims the store anew: the store's
    // history, written under a newer epoch, wins over its own unstored entry. (It used to
    // write its own state over it: a reader then saw { n: 2 }, the timing-dependent failure
    // of a loaded full run.)
    await hostsAgain;
    expect(old.data).toEqual({ n: 11 });
    await old.stop();
    const reader = replica(createLoopbackTransport(), { storage: new MemoryStorage(disk, 'always') }, { n: 0 }, '/loopback/c');
    await reader.start();
    expect(reader.data).toEqual({ n: 11 });
  });

  it("power loss under 'always': every patch acknowledged to the host or a client is in the store", async () => {
    for (let run = 0; run < 5; run++) {
      const disk = new MemoryDisk();
      const transport = createLoopbackTransport();
      const host = replica(transport, { storage: new MemoryStorage(disk, 'always') });
      await host.start();
      const client = replica(transport, { storage: new MemoryStorage(disk, 'always') });
      await client.start();
      let acked = 0;
      let ackedAtLoss = -1;
      const cut = 10 + Math.floor(Math.random() * 100);
      const lost = new Promise<void>((resolve) => {
        const count = (): void => {
          acked++;
          // The power goes at once when the cut-th acknowledgement arrives, writes in flight.
          if (acked === cut) {
            disk.powerLoss(0);
            ackedAtLoss = acked;
            resolve();
          }
        };
        for (let i = 0; i < 150; i++) {
          for (const writer of [host, client]) void writer.patch({ $inc: { n: 1 } }, { timeout: 3000 }).then(count, () => {});
        }
      });
      await lost;
      await Promise.all([host.stop(), client.stop()]);
      const after = replica(createLoopbackTransport(), { storage: new MemoryStorage(disk, 'always') }, { n: 0 }, `/loopback/after${run}`);
      await after.start();
      expect((after.data as { n: number }).n).toBeGreaterThanOrEqual(ackedAtLoss);
    }
  });

  it("a client's flush() makes the host fsync: under 'none', what the client saw survives a power loss right after", async () => {
    const disk = new MemoryDisk();
    const transport = createLoopbackTransport();
    const host = replica(transport, { storage: new MemoryStorage(disk, 'none') });
    await host.start();
    const client = replica(transport, { storage: new MemoryStorage(disk, 'none'), clientOnly: true });
    expect(await client.start()).toBe('client');
    for (let i = 0; i < 20; i++) await client.patch({ $inc: { n: 1 } });
    await client.flush();
    // Nothing but the flush fsynced these entries ('none' leaves it to the OS).
    disk.powerLoss(0);
    await Promise.all([host.stop(), client.stop()]);
    const after = replica(createLoopbackTransport(), { storage: new MemoryStorage(disk, 'none') }, { n: 0 }, '/loopback/after');
    await after.start();
    expect(after.data).toEqual({ n: 20 });
  });

  it("LMDB on disk, sync 'interval' (batches written before the host sends them): a host whose store was claimed by a newer host acknowledges nothing more", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'memsync-mesh-lmdb-'));
    dirs.push(dir);
    const storage = { path: dir, sync: 'interval' as const };
    const old = replica(createLoopbackTransport(), { storage }, { n: 0 }, '/loopback/la');
    await old.start();
    await old.patch({ $inc: { n: 1 } });
    const errors: MemSyncError[] = [];
    old.on('error', (e) => errors.push(e));
    const next = replica(createLoopbackTransport(), { storage }, { n: 0 }, '/loopback/lb');
    await next.start();
    expect(next.data).toEqual({ n: 1 });
    await next.patch({ $inc: { n: 10 } });
    await expect(old.patch({ $inc: { n: 1 } })).rejects.toMatchObject({ code: 'ERR_FENCED' });
    expect(errors.map((e) => e.code)).toContain('ERR_FENCED');
    await Promise.all([old.stop(), next.stop()]);
    const reader = replica(createLoopbackTransport(), { storage }, { n: 0 }, '/loopback/lc');
    await reader.start();
    expect(reader.data).toEqual({ n: 11 });
  });

  it('LMDB on disk: restart loads it; compaction keeps the state', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'memsync-mesh-lmdb-'));
    dirs.push(dir);
    const storage = { path: dir, sync: 'always' as const, compactEvery: 7 };
    const a = replica(createLoopbackTransport(), { storage });
    await a.start();
    await Promise.all(Array.from({ length: 40 }, () => a.patch({ $inc: { n: 1 } })));
    await a.flush();
    await a.stop();
    const b = replica(createLoopbackTransport(), { storage }, { n: -1 });
    await b.start();
    expect(b.data).toEqual({ n: 40 });
    expect(b.version).toBe(40);
  });
});
