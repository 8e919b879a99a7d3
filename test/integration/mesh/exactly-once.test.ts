import { afterEach, describe, expect, it } from 'vitest';
import { Cluster, until, type Worker } from '../../support/cluster.js';

const WRITERS = 4;
const PER_WRITER = 1500;
const IN_FLIGHT = 8;
const TOTAL = WRITERS * PER_WRITER;

interface ManyResult {
  applied: number;
  refused: number;
  reasons: Record<string, number>;
}

/**
 * Four `clientOnly` writers never host, so they are never the process killed; three
 * hostable processes, so that after two kills someone is still left to fail over to (a
 * replacement started after the first kill would join too late: the writers are fast).
 * Each kill happens while every writer has patches in flight, so resends after the
 * failover must be recognised and applied exactly once.
 */
describe('exactly once across two host kills', () => {
  let cluster: Cluster | undefined;
  afterEach(async () => {
    await cluster?.[Symbol.asyncDispose]();
    cluster = undefined;
  });

  it('6,000 increments from four writers, host killed at ~1/3 and ~2/3: every one applied once', {
    timeout: 180_000,
  }, async () => {
    cluster = new Cluster();
    const defaults = { counter: 0 };
    const first = await cluster.start({}, defaults);
    expect(first.role).toBe('host');
    await cluster.start({}, defaults);
    await cluster.start({}, defaults);
    const writers: Worker[] = [];
    for (let i = 0; i < WRITERS; i++)
      writers.push((await cluster.start({ clientOnly: true }, defaults)).worker);
    // Kills are triggered by this observer's events, not by polling: the writers outrun a poll.
    const watcher = writers[0] as Worker;
    await watcher.call('observe', { path: 'counter' });
    let host = (await cluster.oneHost()).host;

    let finished = false;
    const all = Promise.all(
      writers.map((w) =>
        w.call<ManyResult>(
          'patchMany',
          { update: { $inc: { counter: 1 } }, count: PER_WRITER, window: IN_FLIGHT },
          150_000,
        ),
      ),
    ).finally(() => {
      finished = true;
    });
    all.catch(() => {});

    for (const threshold of [TOTAL / 3, (2 * TOTAL) / 3]) {
      const seen = await watcher.waitForEvent(
        (e) => e.event === 'observed' && typeof e.value === 'number' && e.value >= threshold,
        60_000,
      );
      // Killed with writes in flight, or the test proves nothing.
      expect(finished).toBe(false);
      await host.kill('SIGKILL');
      console.info(`exactly-once: host killed with the counter at ${String(seen.value)}`);
      const after = await cluster.oneHost(30_000);
      expect(writers).not.toContain(after.host);
      host = after.host;
    }

    const results = await all;
    for (const result of results)
      expect(result).toEqual({ applied: PER_WRITER, refused: 0, reasons: {} });
    let counters: unknown[] = [];
    await until(
      async () => {
        counters = await Promise.all(
          cluster!.alive().map((w) => w.call('get', { path: 'counter' })),
        );
        return counters.every((c) => c === TOTAL);
      },
      30_000,
      () => `counter at ${TOTAL} everywhere (last: ${JSON.stringify(counters)})`,
    );
    const { status } = await cluster.oneHost();
    expect(status.version).toBe(TOTAL);
  });

  it('writers that may host: one of them is elected with its own patches in flight; each applied once', { timeout: 120_000 }, async () => {
    cluster = new Cluster();
    const defaults = { counter: 0 };
    const host = (await cluster.start({}, defaults)).worker;
    const writers: Worker[] = [];
    for (let i = 0; i < WRITERS; i++) writers.push((await cluster.start({}, defaults)).worker);
    const watcher = writers[0] as Worker;
    await watcher.call('observe', { path: 'counter' });
    const count = 500;
    let finished = false;
    const all = Promise.all(
      writers.map((w) => w.call<ManyResult>('patchMany', { update: { $inc: { counter: 1 } }, count, window: IN_FLIGHT }, 90_000)),
    ).finally(() => {
      finished = true;
    });
    all.catch(() => {});
    await watcher.waitForEvent((e) => e.event === 'observed' && typeof e.value === 'number' && e.value >= count, 60_000);
    expect(finished).toBe(false);
    await host.kill('SIGKILL');
    const after = await cluster.oneHost(30_000);
    expect(writers).toContain(after.host);

    for (const result of await all) expect(result).toEqual({ applied: count, refused: 0, reasons: {} });
    let counters: unknown[] = [];
    await until(
      async () => {
        counters = await Promise.all(cluster!.alive().map((w) => w.call('get', { path: 'counter' })));
        return counters.every((c) => c === WRITERS * count);
      },
      30_000,
      () => `counter at ${WRITERS * count} everywhere (last: ${JSON.stringify(counters)})`,
    );
    // One version per patch: a resend ordered again would take a version of its own.
    const { status } = await cluster.oneHost();
    expect(status.version).toBe(WRITERS * count);
  });
});
