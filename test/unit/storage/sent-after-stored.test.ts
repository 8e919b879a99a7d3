import { afterEach, describe, expect, it } from 'vitest';
import { MemoryDisk, MemoryStorage, MemSync } from '../../../src/index.js';
import { createLoopbackTransport } from '../../../src/transport/loopback.js';
import type { OrderedPatch } from '../../../src/types.js';

/** A store whose appends wait, once `hold` is set, until the test releases them. */
class HeldStorage extends MemoryStorage {
  hold = false;
  readonly waiting: Array<() => void> = [];
  override async append(entries: readonly OrderedPatch[]): Promise<void> {
    if (this.hold) await new Promise<void>((resolve) => this.waiting.push(resolve));
    return super.append(entries);
  }
}

/**
 * The host sends a batch before applying it to its own replica (mesh/unapplied-entries.ts),
 * never before its store holds it: a member takes an entry it sees as acknowledged.
 */
describe('a host with storage', () => {
  const open: MemSync[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((m) => m.stop()));
  });

  it('sends a member nothing of a batch until the store holds it', async () => {
    const disk = new MemoryDisk();
    const transport = createLoopbackTransport();
    const store = new HeldStorage(disk);
    const replica = (storage: MemoryStorage): MemSync => {
      const mem = new MemSync('held', { n: 0 } as never, { transport, path: '/loopback/held', gatherMs: 30, storage });
      open.push(mem);
      return mem;
    };
    const host = replica(store);
    expect(await host.start()).toBe('host');
    const member = replica(new MemoryStorage(disk));
    expect(await member.start()).toBe('client');
    store.hold = true;
    let acknowledged = false;
    const write = member.patch({ $inc: { n: 1 } }).then((result) => {
      acknowledged = true;
      return result;
    });
    const release = (): void => {
      store.hold = false;
      for (const done of store.waiting.splice(0)) done();
    };
    try {
      for (let i = 0; i < 20 && store.waiting.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
      expect(store.waiting).toHaveLength(1);
      // Ordered, handed to the store, not yet stored: the member must not have seen it.
      await new Promise((r) => setTimeout(r, 50));
      expect(member.version).toBe(0);
      expect(acknowledged).toBe(false);
    } finally {
      release();
    }
    await expect(write).resolves.toEqual({ applied: true, version: 1 });
    expect(member.data).toEqual({ n: 1 });
  });
});
