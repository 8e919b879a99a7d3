/**
 * The host's own writer must not starve the mesh. A host process running
 * `for (...) await mem.patch({ $inc })` once never let the event loop turn (its patches
 * settled in microtasks): a client's patch waited 3.7 s behind 300,000 of them. The client's
 * patch here is sent while the host's loop runs and must be ordered before that loop ends;
 * a newcomer must join a lone host while its loop runs. (Fixed in the host role on main: it
 * acknowledges its own writes on the next turn of the event loop.)
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Cluster, until } from '../../support/cluster.js';

const HOST_PATCHES = 20_000;

describe("the host's own writer", () => {
  let cluster: Cluster | undefined;
  afterEach(async () => {
    await cluster?.[Symbol.asyncDispose]();
    cluster = undefined;
  });

  it("lets a client's patch in while it writes in a tight loop", { timeout: 120_000 }, async () => {
    cluster = new Cluster();
    const host = (await cluster.start({}, { n: 0, c: 0 })).worker;
    const client = (await cluster.start()).worker;
    await cluster.oneHost();
    const loop = host.call<{ applied: number }>(
      'patchMany',
      { update: { $inc: { n: 1 } }, count: HOST_PATCHES, window: 1 },
      90_000,
    );
    // Once the host's loop is visibly under way, the client writes.
    await until(async () => (await client.call<{ version: number }>('status')).version > 1_000, 60_000);
    const mine = await client.call<{ applied: boolean; version: number }>(
      'patch',
      { update: { $inc: { c: 1 } }, timeout: 60_000 },
      70_000,
    );
    expect(mine.applied).toBe(true);
    expect((await loop).applied).toBe(HOST_PATCHES);
    // Ordered among the host's patches, not after all of them.
    expect(mine.version).toBeLessThan(HOST_PATCHES);
  });

  it('lets a newcomer join while a host alone writes in a tight loop', { timeout: 120_000 }, async () => {
    cluster = new Cluster();
    const host = (await cluster.start({}, { n: 0 })).worker;
    const loop = host.call<{ applied: number }>(
      'patchMany',
      { update: { $inc: { n: 1 } }, count: HOST_PATCHES * 3, window: 1 },
      110_000,
    );
    const joined = await cluster.start({ timeout: 60_000 });
    expect(joined.role).toBe('client');
    // It joined while the loop still ran: it saw a version the loop had not finished.
    const { version } = await joined.worker.call<{ version: number }>('status');
    expect(version).toBeLessThan(HOST_PATCHES * 3);
    expect((await loop).applied).toBe(HOST_PATCHES * 3);
  });
});
