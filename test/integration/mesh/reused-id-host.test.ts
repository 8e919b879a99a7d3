import { afterEach, describe, expect, it } from 'vitest';
import { Cluster, until } from '../../support/cluster.js';

/**
 * A process restarted under the id of a member that died, which becomes host before it ever
 * joined anyone (#9; found by the chaos run). As a client it would learn from the welcome how
 * far its id's previous life numbered its patches, and number above that; as a host it learns
 * it only from the history it adopts. Its own patches numbered 1, 2, ... would then look like
 * resends of that previous life's: dropped unordered, or settled with the old entries' results.
 */
describe('a restarted id that becomes host at once', () => {
  let cluster: Cluster | undefined;
  afterEach(async () => {
    await cluster?.[Symbol.asyncDispose]();
    cluster = undefined;
  });

  it('orders its own writes once each, after what its previous life wrote', { timeout: 120_000 }, async () => {
    cluster = new Cluster();
    const defaults = { n: 0 };
    const { worker: first, role } = await cluster.start({ id: 'w', gatherMs: 100 }, defaults);
    expect(role).toBe('host');
    // Keeps the history while no host-capable process runs: the restarted 'w' must gather it.
    const { worker: keeper } = await cluster.start({ id: 'keeper', clientOnly: true, gatherMs: 100 }, defaults);
    const before = await first.call<{ applied: number }>('patchMany', { update: { $inc: { n: 1 } }, count: 40, window: 4 });
    expect(before.applied).toBe(40);
    await until(async () => (await keeper.call<number>('get', { path: 'n' })) === 40, 20_000, 'keeper holds 40');
    await first.kill('SIGKILL');
    await first.exit;

    const { worker: second, role: secondRole } = await cluster.start({ id: 'w', gatherMs: 100, patchTimeout: 10_000 }, defaults);
    expect(secondRole).toBe('host');
    const after = await second.call<{ applied: number; refused: number }>('patchMany', { update: { $inc: { n: 1 } }, count: 10, window: 2 }, 60_000);
    expect(after).toMatchObject({ applied: 10, refused: 0 });
    for (const w of [second, keeper]) {
      await until(async () => (await w.call<number>('get', { path: 'n' })) === 50, 20_000, 'n === 50');
      expect((await w.call<{ version: number }>('status')).version).toBe(50);
    }
  });

  it('orders the writes it made while still gathering, once each', { timeout: 120_000 }, async () => {
    cluster = new Cluster();
    const defaults = { n: 0 };
    const { worker: first } = await cluster.start({ id: 'w', gatherMs: 100 }, defaults);
    const { worker: keeper } = await cluster.start({ id: 'keeper', clientOnly: true, gatherMs: 100 }, defaults);
    expect((await first.call<{ applied: number }>('patchMany', { update: { $inc: { n: 1 } }, count: 40, window: 4 })).applied).toBe(40);
    await until(async () => (await keeper.call<number>('get', { path: 'n' })) === 40, 20_000, 'keeper holds 40');
    await first.kill('SIGKILL');
    await first.exit;
    // Writes issued before start() resolves wait in the outbox through the whole gather.
    const second = await cluster.spawn();
    const result = await second.call<{ applied: number; refused: number; failed: string[] }>(
      'startWriting',
      { name: cluster.name, defaults, options: { dir: cluster.dir, id: 'w', gatherMs: 300, patchTimeout: 10_000 }, update: { $inc: { n: 1 } }, count: 10 },
      60_000,
    );
    expect(result).toMatchObject({ applied: 10, refused: 0, failed: [] });
    for (const w of [second, keeper]) {
      await until(async () => (await w.call<number>('get', { path: 'n' })) === 50, 20_000, 'n === 50');
      expect((await w.call<{ version: number }>('status')).version).toBe(50);
    }
  });
});
