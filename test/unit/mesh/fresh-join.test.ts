import { afterEach, describe, expect, it } from 'vitest';
import { MemSync } from '../../../src/index.js';
import { createLoopbackTransport } from '../../../src/transport/loopback.js';

/**
 * A joiner at version 0 always gets the whole state as a snapshot. When the mesh is at
 * version 0 too (nothing patched yet), start() once resolved at the welcome, before a
 * snapshot of several parts was in: `data` showed the joiner's own defaults.
 */
describe('joining a mesh nothing has patched yet', () => {
  const open: MemSync[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((m) => m.stop()));
  });

  it('start() resolves only once the snapshot is installed, however many parts it takes', async () => {
    const options = { transport: createLoopbackTransport(), path: '/loopback/fresh', gatherMs: 20 };
    const state = Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`k${i}`, 'x'.repeat(4096)]));
    const host = new MemSync('fresh', state, options);
    open.push(host);
    await host.start();
    expect(host.version).toBe(0);
    const joiner = new MemSync('fresh', { mine: true }, options);
    open.push(joiner);
    expect(await joiner.start()).toBe('client');
    expect(joiner.data).toEqual(state);
  });
});
