import { afterEach, describe, expect, it } from 'vitest';
import { Cluster, until, type Worker } from '../../support/cluster.js';

const STOCK = 150;
const WRITERS = 4;
const PER_WRITER = 60;
const IN_FLIGHT = 6;

interface ManyResult {
  applied: number;
  refused: number;
  reasons: Record<string, number>;
}

describe('conditional patches judged on the ordered state', () => {
  let cluster: Cluster | undefined;
  afterEach(async () => {
    await cluster?.[Symbol.asyncDispose]();
    cluster = undefined;
  });

  it('240 guarded decrements of a stock of 150 from four processes: 150 applied, 90 refused, never below 0', async () => {
    cluster = new Cluster();
    const defaults = { stock: STOCK };
    const { role } = await cluster.start({}, defaults);
    expect(role).toBe('host');
    for (let i = 1; i < WRITERS; i++) await cluster.start({}, defaults);
    // A process that only watches, beside the writers whose own views are optimistic.
    const bystander = (await cluster.start({ clientOnly: true }, defaults)).worker;
    const writers = cluster.workers.filter((w) => w !== bystander);
    for (const w of cluster.workers) await w.call('observe', { path: 'stock' });

    const results = await Promise.all(
      writers.map((w) =>
        w.call<ManyResult>('patchMany', {
          update: { $inc: { stock: -1 } },
          if: { stock: { $gt: 0 } },
          count: PER_WRITER,
          window: IN_FLIGHT,
        }),
      ),
    );
    const applied = results.reduce((sum, r) => sum + r.applied, 0);
    const refused = results.reduce((sum, r) => sum + r.refused, 0);
    expect(applied).toBe(STOCK);
    expect(refused).toBe(WRITERS * PER_WRITER - STOCK);
    for (const r of results)
      expect(r.reasons).toEqual(r.refused === 0 ? {} : { condition: r.refused });

    let stocks: unknown[] = [];
    await until(
      async () => {
        stocks = await Promise.all(cluster!.alive().map((w) => w.call('get', { path: 'stock' })));
        return stocks.every((s) => s === 0);
      },
      20_000,
      () => `stock 0 everywhere (last: ${JSON.stringify(stocks)})`,
    );
    const { status } = await cluster.oneHost();
    // Refused patches are ordered too: each one takes a version.
    expect(status.version).toBe(WRITERS * PER_WRITER);
    for (const w of cluster.alive()) expect(observedStocks(w).every((s) => s >= 0)).toBe(true);
    // The bystander writes nothing: it sees ordered entries only, each applied decrement once.
    expect(observedStocks(bystander)).toEqual(
      Array.from({ length: STOCK }, (_, i) => STOCK - 1 - i),
    );
  });

  it('the same 240 guarded decrements with the host killed midway: still exactly 150 applied', async () => {
    cluster = new Cluster();
    const defaults = { stock: STOCK };
    const host = (await cluster.start({}, defaults)).worker;
    await cluster.start({}, defaults);
    // Writers that never host, so the kill never takes a writer's own results with it.
    const writers: Worker[] = [];
    for (let i = 0; i < WRITERS; i++) writers.push((await cluster.start({ clientOnly: true }, defaults)).worker);
    const watcher = writers[0] as Worker;
    await watcher.call('observe', { path: 'stock' });

    let finished = false;
    const runs = Promise.all(
      writers.map((w) =>
        w.call<ManyResult>('patchMany', {
          update: { $inc: { stock: -1 } },
          if: { stock: { $gt: 0 } },
          count: PER_WRITER,
          window: IN_FLIGHT,
        }),
      ),
    ).finally(() => {
      finished = true;
    });
    runs.catch(() => {});
    await watcher.waitForEvent((e) => e.event === 'observed' && typeof e.value === 'number' && e.value <= STOCK / 2);
    expect(finished).toBe(false);
    await host.kill('SIGKILL');

    const results = await runs;
    expect(results.reduce((sum, r) => sum + r.applied, 0)).toBe(STOCK);
    for (const r of results) expect(r.reasons).toEqual(r.refused === 0 ? {} : { condition: r.refused });
    const { status } = await cluster.oneHost();
    let stocks: unknown[] = [];
    await until(
      async () => {
        stocks = await Promise.all(cluster!.alive().map((w) => w.call('get', { path: 'stock' })));
        return stocks.every((s) => s === 0);
      },
      20_000,
      () => `stock 0 everywhere (last: ${JSON.stringify(stocks)})`,
    );
    expect(observedStocks(watcher).every((s) => s >= 0)).toBe(true);
    expect(status.version).toBe(WRITERS * PER_WRITER);
  });
});

function observedStocks(w: Worker): number[] {
  return w.events.filter((e) => e.event === 'observed').map((e) => e.value as number);
}
