/**
 * Redis restarted without persistence: it comes back empty, its counter at 0, while the
 * machines hold versions it no longer has. A host detects it (on reconnecting, or when the
 * function refuses its next submit with MEMSYNC_LOST), the first one restores the order from
 * its own state (an `error` event, ERR_BACKPLANE, says what was lost), and every machine goes
 * on from that one state: no version numbered twice, no two machines on different states.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Machines } from '../../support/machines.js';

describe('Redis restarted without persistence', () => {
  let machines: Machines | undefined;
  afterEach(async () => {
    await machines?.[Symbol.asyncDispose]();
    machines = undefined;
  });

  it('is detected, reported, and the order restored from one host\'s state: one history everywhere', { timeout: 120_000 }, async () => {
    machines = await Machines.start(2);
    const a = await machines.start(0, { n: 0 });
    const a2 = await machines.start(0, { n: 0 });
    const b = await machines.start(1, { n: 0 });
    for (let i = 0; i < 5; i++) await a2.call('patch', { update: { $inc: { n: 1 } } });
    for (let i = 0; i < 5; i++) await b.call('patch', { update: { $inc: { n: 1 } } });
    await machines.converged(10);

    await machines.redis.restart();
    // Writes from both machines after the loss: ordered once each, on the restored order.
    const writes = await Promise.all([
      a2.call<{ applied: boolean; version: number }>('patch', { update: { $inc: { n: 100 } } }, 60_000),
      b.call<{ applied: boolean; version: number }>('patch', { update: { $inc: { n: 1000 } } }, 60_000),
    ]);
    for (const write of writes) expect(write.applied).toBe(true);
    expect(writes.map((w) => w.version).sort()).toEqual([11, 12]);
    const reports = [...a.events, ...b.events].filter((e) => e.event === 'error' && e.code === 'ERR_BACKPLANE');
    expect(reports.length).toBeGreaterThan(0);
    expect(reports.map((e) => String(e.message)).join('\n')).toMatch(/up to version 0, but this host had read up to 10: versions 1-10 were lost there.*This host restored the order from its state at version 10/);
    await machines.converged(12);
    for (const w of machines.alive()) expect(await w.call('get')).toEqual({ n: 1110 });
  });
});
