import { afterEach, describe, expect, it } from 'vitest';
import { MemSync, type PatchResult } from '../../../src/index.js';
import { createLoopbackTransport } from '../../../src/transport/loopback.js';

/**
 * An observer of the host process that writes as soon as it sees a member's write (a
 * primary answering its workers). Its write is ordered while the member's entry is being
 * applied: the members must still receive the two in order. They once received the answer
 * first, fell back to a snapshot, and the member's own write failed as "ordered while cut off".
 */
describe('a host observer that writes in reaction to a member', () => {
  const open: MemSync[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((m) => m.stop()));
  });

  it('its answer reaches the member after the write it answers, and the member write is acknowledged', async () => {
    const transport = createLoopbackTransport();
    const replica = (): MemSync => {
      const mem = new MemSync('answers', { ping: 0, pong: 0 } as never, { transport, path: '/loopback/answers', gatherMs: 30 });
      open.push(mem);
      return mem;
    };
    const host = replica();
    expect(await host.start()).toBe('host');
    const member = replica();
    expect(await member.start()).toBe('client');
    const answers: Promise<PatchResult>[] = [];
    host.observe('ping', (value, change) => {
      if (!change.local && typeof value === 'number') answers.push(host.patch({ $set: { pong: value } }));
    });
    for (let round = 1; round <= 5; round++) {
      await expect(member.patch({ $set: { ping: round } })).resolves.toMatchObject({ applied: true });
      const deadline = Date.now() + 3000;
      while ((member.data as { pong: number }).pong !== round && Date.now() < deadline) await new Promise((r) => setTimeout(r, 2));
      expect(member.data).toEqual({ ping: round, pong: round });
    }
    await expect(Promise.all(answers)).resolves.toHaveLength(5);
    expect(member.version).toBe(10);
  });
});
