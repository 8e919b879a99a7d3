/**
 * Exactly once across machines: four writers (two on each of two machines, `clientOnly`,
 * so never the process killed) increment one counter while each machine's local host is
 * SIGKILLed twice and redis-server (AOF, appendfsync always) is killed and restarted once,
 * every time with writes in flight. Resends to the next local host, retried function calls
 * and commands ioredis replays after the restart must each count once.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Worker } from '../../support/cluster.js';
import { Machines } from '../../support/machines.js';

const PER_WRITER = 1500;
const WRITERS_PER_MACHINE = 2;
const HOSTABLE_PER_MACHINE = 3;
const TOTAL = 2 * WRITERS_PER_MACHINE * PER_WRITER;

interface ManyResult {
  applied: number;
  refused: number;
  reasons: Record<string, number>;
}

describe('exactly once across machines, local hosts killed and Redis restarted', () => {
  let machines: Machines | undefined;
  afterEach(async () => {
    await machines?.[Symbol.asyncDispose]();
    machines = undefined;
  });

  it(`4 writers × ${PER_WRITER} $inc on 2 machines, 4 host kills and a Redis restart: n = ${TOTAL} everywhere`, { timeout: 300_000 }, async () => {
    machines = await Machines.start(2, { appendfsync: 'always' });
    const defaults = { counter: 0 };
    const writers: Worker[] = [];
    for (let m = 0; m < 2; m++) {
      for (let i = 0; i < HOSTABLE_PER_MACHINE; i++) await machines.start(m, defaults);
      for (let i = 0; i < WRITERS_PER_MACHINE; i++) writers.push(await machines.start(m, defaults, { clientOnly: true }));
    }
    let hosts = await machines.oneHostEach();
    // Disruptions are triggered by what a writer observes, not by polling: writers outrun a poll.
    const watcher = writers[0]!;
    await watcher.call('observe', { path: 'counter' });
    let finished = false;
    const all = Promise.all(
      writers.map((w) =>
        w.call<ManyResult>('patchMany', { update: { $inc: { counter: 1 } }, count: PER_WRITER, window: 8 }, 280_000),
      ),
    ).finally(() => {
      finished = true;
    });
    all.catch(() => {});

    const plan: Array<['kill', number] | ['redis']> = [['kill', 0], ['kill', 1], ['redis'], ['kill', 0], ['kill', 1]];
    for (const [step, action] of plan.entries()) {
      const threshold = ((step + 1) * TOTAL) / (plan.length + 1);
      const seen = await watcher.waitForEvent(
        (e) => e.event === 'observed' && typeof e.value === 'number' && e.value >= threshold,
        120_000,
      );
      expect(finished).toBe(false);
      if (action[0] === 'redis') {
        await machines.redis.restart();
        console.info(`backplane exactly-once: redis-server restarted with the counter at ${String(seen.value)}`);
        continue;
      }
      const m = action[1];
      await hosts[m]!.kill('SIGKILL');
      console.info(`backplane exactly-once: machine ${m}'s host killed with the counter at ${String(seen.value)}`);
      const after = await machines.machines[m]!.oneHost(60_000);
      expect(writers).not.toContain(after.host);
      hosts = [...hosts];
      hosts[m] = after.host;
    }

    const results = await all;
    for (const result of results) expect(result).toEqual({ applied: PER_WRITER, refused: 0, reasons: {} });
    await machines.converged(undefined, 60_000);
    for (const w of machines.alive()) expect(await w.call('get', { path: 'counter' })).toBe(TOTAL);
  });
});
