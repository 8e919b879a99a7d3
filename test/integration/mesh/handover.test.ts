import { afterEach, describe, expect, it } from 'vitest';
import { Cluster, until, type Worker, type WorkerStatus } from '../../support/cluster.js';

const PER_WRITER = 400;
const IN_FLIGHT = 8;

interface ManyResult {
  applied: number;
  refused: number;
  reasons: Record<string, number>;
}

describe('stop() on the host hands over', () => {
  let cluster: Cluster | undefined;
  afterEach(async () => {
    await cluster?.[Symbol.asyncDispose]();
    cluster = undefined;
  });

  it('a client becomes host; writes in flight and after it all succeed; none lost', async () => {
    cluster = new Cluster();
    const defaults = { counter: 0 };
    const host = (await cluster.start({}, defaults)).worker;
    const a = (await cluster.start({}, defaults)).worker;
    const b = (await cluster.start({}, defaults)).worker;
    const c = (await cluster.start({}, defaults)).worker;
    const clients = [a, b, c];
    await c.call('observe', { path: 'counter' });

    const runs = Promise.all(
      [a, b].map((w) =>
        w.call<ManyResult>(
          'patchMany',
          { update: { $inc: { counter: 1 } }, count: PER_WRITER, window: IN_FLIGHT },
          60_000,
        ),
      ),
    );
    runs.catch(() => {});
    let finished = false;
    void runs.finally(() => {
      finished = true;
    });
    await c.waitForEvent(
      (e) => e.event === 'observed' && typeof e.value === 'number' && e.value >= PER_WRITER / 2,
      30_000,
    );
    expect(finished).toBe(false);

    const marks = clients.map((w) => w.events.length);
    const began = Date.now();
    await host.call('stop');
    const successor = await Promise.any(
      clients.map((w, i) =>
        w
          .waitForEvent((e) => e.event === 'role' && e.role === 'host', 20_000, marks[i])
          .then(() => w),
      ),
    );
    console.info(`handover: stop() to a client reporting 'host' took ${Date.now() - began} ms`);
    expect((await host.call<WorkerStatus>('status')).role).toBe('stopped');
    const after = await cluster.oneHost(20_000, clients);
    expect(after.host).toBe(successor);

    const results = await runs;
    for (const r of results) expect(r).toEqual({ applied: PER_WRITER, refused: 0, reasons: {} });
    // Writes after the handover, from the one that did not write before.
    expect(
      await c.call<ManyResult>('patchMany', {
        update: { $inc: { counter: 1 } },
        count: 50,
        window: 4,
      }),
    ).toEqual({
      applied: 50,
      refused: 0,
      reasons: {},
    });
    const total = 2 * PER_WRITER + 50;
    let counters: unknown[] = [];
    await until(
      async () => {
        counters = await Promise.all(clients.map((w) => w.call('get', { path: 'counter' })));
        return counters.every((n) => n === total);
      },
      20_000,
      () => `counter at ${total} on every client (last: ${JSON.stringify(counters)})`,
    );
    // A clean handover is not a failure: nobody should have reported an error.
    expect(errors(clients)).toEqual([]);
  });

  it('clientOnly clients left without a host keep their state and pending writes when a new process comes to host', async () => {
    cluster = new Cluster();
    const host = (await cluster.start({}, { counter: 0 })).worker;
    const readers = [
      (await cluster.start({ clientOnly: true }, { counter: 0 })).worker,
      (await cluster.start({ clientOnly: true }, { counter: 0 })).worker,
    ];
    const [first, second] = readers as [Worker, Worker];
    expect(await first.call<ManyResult>('patchMany', { update: { $inc: { counter: 1 } }, count: 20, window: 4 })).toMatchObject({
      applied: 20,
    });
    await cluster.oneHost();
    await host.call('stop');
    // Nobody may host: the readers wait, and a write made meanwhile waits in the outbox.
    await second.waitForEvent((e) => e.event === 'role' && e.role === 'electing', 20_000);
    const pending = second.call<{ applied: boolean }>('patch', { update: { $inc: { counter: 100 } } }, 30_000);

    const fresh = await cluster.start({}, { counter: 0 });
    expect(fresh.role).toBe('host');
    await cluster.oneHost(20_000, [fresh.worker, ...readers]);
    expect(await pending).toMatchObject({ applied: true });
    // Acknowledged by the old host and held by both readers: 20, plus the pending 100.
    let counters: unknown[] = [];
    await until(
      async () => {
        counters = await Promise.all([fresh.worker, ...readers].map((w) => w.call('get', { path: 'counter' })));
        return counters.every((n) => n === counters[0]);
      },
      20_000,
      () => `equal counters (last: ${JSON.stringify(counters)})`,
    );
    expect(counters).toEqual([120, 120, 120]);
  });
});

function errors(workers: Worker[]): unknown[] {
  return workers.flatMap((w) => w.events.filter((e) => e.event === 'error'));
}
