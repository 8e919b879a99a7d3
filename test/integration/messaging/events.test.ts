import { afterEach, describe, expect, it } from 'vitest';
import { Cluster, until, type Worker } from '../../support/cluster.js';

const EACH = 5000;

describe('mem.events across real processes', () => {
  let cluster: Cluster | undefined;
  afterEach(async () => {
    await cluster?.[Symbol.asyncDispose]();
    cluster = undefined;
  });

  it('3 receivers get all 10,000 events of two emitters, in one order; a late joiner none of them', { timeout: 90_000 }, async () => {
    cluster = new Cluster();
    const c = cluster;
    // The host is a receiver too: events it relays reach its own process in the same order.
    const receivers: Worker[] = [];
    for (let i = 0; i < 3; i++) receivers.push((await c.start({ id: `r${i}` })).worker);
    const emitters = [(await c.start({ id: 'e0' })).worker, (await c.start({ id: 'e1' })).worker];
    for (const r of receivers) await r.call('listen', { name: 'job' });

    await Promise.all(emitters.map((e) => e.call('emitMany', { name: 'job', count: EACH }, 60_000)));
    const heard: unknown[][] = receivers.map(() => []);
    await until(
      async () => {
        await Promise.all(receivers.map(async (r, i) => heard[i]!.push(...(await r.call<unknown[]>('heard')))));
        return heard.every((list) => list.length >= 2 * EACH);
      },
      60_000,
      () => `every receiver heard ${2 * EACH} (now ${heard.map((l) => l.length).join(', ')})`,
    );
    for (const list of heard) expect(list).toHaveLength(2 * EACH);
    // One order for all receivers, and each emitter's events in the order it emitted them.
    expect(heard[1]).toEqual(heard[0]);
    expect(heard[2]).toEqual(heard[0]);
    for (const from of ['e0', 'e1']) {
      const mine = heard[0]!.filter((e) => (e as [string, number])[0] === from).map((e) => (e as [string, number])[1]);
      expect(mine).toEqual(Array.from({ length: EACH }, (_, i) => i));
    }

    // A process that joins now receives none of the old events, only those emitted after.
    const late = (await c.start({ id: 'late' })).worker;
    await late.call('listen', { name: 'job' });
    await emitters[0]!.call('emitMany', { name: 'job', count: 1 });
    await until(async () => (heard[0]!.push(...(await receivers[0]!.call<unknown[]>('heard'))), heard[0]!.length > 2 * EACH), 20_000, 'the new event');
    const lateHeard: unknown[] = [];
    await until(async () => (lateHeard.push(...(await late.call<unknown[]>('heard'))), lateHeard.length > 0), 20_000, 'the late joiner hears the new event');
    expect(lateHeard).toEqual([['e0', 0]]);
  });
});
