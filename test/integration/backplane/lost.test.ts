/**
 * Redis restarted without persistence: it comes back empty, its counter at 0, while the
 * machines hold versions it no longer has. Each host detects it (on reconnecting, and when it
 * next submits), says what was lost in an `error` event, and stops taking the global order:
 * no version is numbered twice, so no two machines end on different states.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Machines } from '../../support/machines.js';

describe('Redis restarted without persistence', () => {
  let machines: Machines | undefined;
  afterEach(async () => {
    await machines?.[Symbol.asyncDispose]();
    machines = undefined;
  });

  it('is detected by every host: an error event says what was lost, and no history is built over it', { timeout: 120_000 }, async () => {
    machines = await Machines.start(2);
    const a = await machines.start(0, { n: 0 });
    const b = await machines.start(1, { n: 0 });
    for (let i = 0; i < 5; i++) await a.call('patch', { update: { $inc: { n: 1 } } });
    for (let i = 0; i < 5; i++) await b.call('patch', { update: { $inc: { n: 1 } } });
    const before = await machines.converged(10);

    await machines.redis.restart();
    // Both detect it when their reader reconnects; a's write after it is never numbered.
    const write = a.call<unknown>('patch', { update: { $inc: { n: 100 } }, timeout: 3000 }).catch((error: { code?: string }) => error.code);
    for (const host of [a, b]) {
      const lost = await host.waitForEvent((e) => e.event === 'error' && e.code === 'ERR_BACKPLANE', 30_000);
      expect(String(lost.message)).toMatch(/up to version 0, but this host had read up to 10: versions 1-10 were lost/);
    }
    expect(await write).toBe('ERR_TIMEOUT');
    const after = await machines.converged(10);
    expect(after).toEqual(before);
    for (const w of machines.alive()) expect(await w.call('get')).toEqual({ n: 10 });
  });
});
