import { afterEach, describe, expect, it } from 'vitest';
import { MemSync, type PatchResult, type RejectedEvent } from '../../../src/index.js';
import { createLoopbackTransport } from '../../../src/transport/loopback.js';

/**
 * A state-dependent failure has one outcome whatever the timing: `applied: false` with
 * `reason: 'failed'`, never a rejection, whether this process's view already showed the
 * state that refuses the patch or another process's patch made it so first.
 */
describe('one outcome per state-dependent failure', () => {
  const open: MemSync[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((m) => m.stop()));
  });

  async function mesh(): Promise<[MemSync, MemSync]> {
    const transport = createLoopbackTransport();
    const make = () => {
      const mem = new MemSync('outcome', { l: [] as number[] }, { transport, path: '/loopback/outcome', gatherMs: 30 });
      open.push(mem);
      return mem;
    };
    const host = make();
    await host.start();
    const client = make();
    await client.start();
    return [host, client];
  }

  function rejected(mem: MemSync): Promise<RejectedEvent> {
    return new Promise((resolve) => mem.once('rejected', resolve));
  }

  function expectFailed(result: PatchResult, version: number): void {
    expect(result).toMatchObject({ applied: false, version, reason: 'failed' });
    expect(!result.applied && result.message).toMatch(/'l': cannot apply \$push to a value of type number/);
  }

  it('the view already shows the number: resolves applied:false, nothing shown meanwhile', async () => {
    const [host, client] = await mesh();
    const set = await host.patch({ $set: { l: 5 } });
    await client.whenVersion(set.version, { timeout: 5000 });
    const event = rejected(client);
    const pending = client.patch({ $push: { l: 1 } });
    expect(client.data).toEqual({ l: 5 });
    expectFailed(await pending, 2);
    expect(await event).toMatchObject({ reason: 'failed', version: 2 });
    expect(client.data).toEqual({ l: 5 });
    expect(host.data).toEqual({ l: 5 });
  });

  it('another process made it a number first: the same outcome, after the optimistic push rolls back', async () => {
    const [host, client] = await mesh();
    // Both calls in one tick: the host orders its own write before the client's arrives,
    // while the client's view still holds the array.
    const set = host.patch({ $set: { l: 5 } });
    const event = rejected(client);
    const pending = client.patch({ $push: { l: 1 } });
    expect(client.data).toEqual({ l: [1] });
    expect(await set).toEqual({ applied: true, version: 1 });
    expectFailed(await pending, 2);
    expect(await event).toMatchObject({ reason: 'failed', version: 2 });
    expect(client.data).toEqual({ l: 5 });
    expect(host.data).toEqual({ l: 5 });
  });

  it('input wrong in any state still rejects at once, before anything is sent', async () => {
    const [, client] = await mesh();
    await expect(client.patch({ $push: { l: { $slice: 1 } } } as never)).rejects.toMatchObject({
      code: 'ERR_INVALID_VALUE',
    });
    expect(client.version).toBe(0);
  });
});
