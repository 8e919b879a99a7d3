import { afterEach, describe, expect, it } from 'vitest';
import { type ChangeEvent, MemSync } from '../../../src/index.js';
import { createLoopbackTransport } from '../../../src/transport/loopback.js';

/**
 * `version` in the change events (and observer metadata) of one's own optimistic writes, as
 * the README defines it: the confirmed version the write was made on (`mem.version` at that
 * moment), not the one it will take, which only the host knows; `patch()` resolves with that.
 * An event the ordering itself causes (a rollback, a result that differs) has the version
 * the patch took.
 */
describe('version of an own optimistic write', () => {
  const open: MemSync[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((m) => m.stop()));
  });

  async function mesh(): Promise<[MemSync<{ n: number; s: string }>, MemSync<{ n: number; s: string }>]> {
    const transport = createLoopbackTransport();
    const make = () => {
      const mem = new MemSync('own-version', { n: 0, s: 'a' }, { transport, path: '/loopback/own-version', gatherMs: 30 });
      open.push(mem);
      return mem;
    };
    const host = make();
    await host.start();
    const client = make();
    await client.start();
    return [host, client];
  }

  it('is the confirmed version before the write, on the event and the observer alike', async () => {
    const [host, client] = await mesh();
    await host.patch({ $inc: { n: 1 } });
    await client.whenVersion(host.version, { timeout: 5000 });
    const before = client.version;
    const events: ChangeEvent<{ n: number; s: string }>[] = [];
    client.on('change', (e) => events.push(e));
    const observed: number[] = [];
    client.observe('n', (_value, meta) => observed.push(meta.version));
    const pending = client.patch({ $inc: { n: 1 } });
    // Synchronously, before anything is ordered: the optimistic event.
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ version: before, local: true, origin: client.id });
    expect(events[0]!.data.n).toBe(2);
    expect(observed).toEqual([before]);
    const result = await pending;
    expect(result).toMatchObject({ applied: true, version: before + 1 });
    // Ordered as shown: the view does not change again, so no second event.
    expect(events).toHaveLength(1);
    expect(client.version).toBe(result.version);
  });

  it("a pending write that a later ordered patch refuses leaves the view in that patch's event", async () => {
    const [host, client] = await mesh();
    const before = client.version;
    const events: ChangeEvent<{ n: number; s: string }>[] = [];
    client.on('change', (e) => events.push(e));
    const rejected = new Promise<{ version: number }>((resolve) => client.once('rejected', resolve));
    // Shown at once (n is 0 in the client's view); judged when ordered, after the host's
    // write made n 5: refused.
    const [ordered, result] = await Promise.all([
      host.patch({ $set: { n: 5 } }),
      client.patch({ $set: { s: 'b' } }, { if: { n: 0 } }),
    ]);
    expect(result).toMatchObject({ applied: false, reason: 'condition', version: ordered.version + 1 });
    expect(events.map(({ version, local, data }) => ({ version, local, data }))).toEqual([
      // The optimistic write, on the version it was made on.
      { version: before, local: true, data: { n: 0, s: 'b' } },
      // The host's patch, as ordered: the view rebased on it no longer holds the write.
      { version: ordered.version, local: false, data: { n: 5, s: 'a' } },
    ]);
    expect((await rejected).version).toBe(result.version);
  });
});
