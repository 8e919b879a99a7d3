import { afterEach, describe, expect, it } from 'vitest';
import { Cluster, until, type Worker } from '../../support/cluster.js';

const TARGET = 800;
const PROCESSES = 4;

interface Record {
  peer: string;
  token: number;
  read: number;
}

/** The worker that last said `locked` and has not said `released` since (the holder, if alive). */
function holder(workers: Worker[]): Worker | undefined {
  return workers.find((w) => {
    if (w.exited) return false;
    const last = [...w.events].reverse().find((e) => e.event === 'locked' || e.event === 'released');
    return last?.event === 'locked';
  });
}

/**
 * The acceptance test: four processes each loop over critical sections under
 * `mem.lock('n')` — read `n`, then `$set: { n: read + 1 }` (not `$inc`) with a record of the
 * holder and its token — until n reaches 800. Meanwhile the lock holder is SIGKILLed three
 * times and the host twice (each replaced by a fresh process). Two holders at once would
 * show as two records reading the same `n` (or a token out of order); a holder's death that
 * did not free the lock would stall the loop.
 */
describe('mem.lock across real processes, SIGKILLs and host failovers', () => {
  let cluster: Cluster | undefined;
  afterEach(async () => {
    await cluster?.[Symbol.asyncDispose]();
    cluster = undefined;
  });

  it('4 × read-then-$set under one lock reaches exactly 800, one holder at a time throughout', { timeout: 180_000 }, async () => {
    cluster = new Cluster();
    const c = cluster;
    const defaults = { n: 0, log: [] as Record[] };
    const loops: Array<Promise<unknown>> = [];
    const loop = (worker: Worker): void => {
      // A dead worker's loop rejects: what it did is in the state, which is what is checked.
      loops.push(worker.call('lockLoop', { name: 'n', target: TARGET, holdMs: 5 }, 170_000).catch(() => undefined));
    };
    // Started workers only: one still starting cannot answer `get` or `status`.
    const started: Worker[] = [];
    const startLooping = async (): Promise<void> => {
      const { worker } = await c.start({}, defaults);
      started.push(worker);
      loop(worker);
    };
    const first = await c.startMany(PROCESSES, {}, defaults);
    for (const { worker } of first) {
      started.push(worker);
      loop(worker);
    }
    const live = (): Worker[] => started.filter((w) => !w.exited);

    const progress = async (): Promise<number> => {
      for (const w of live()) {
        try {
          return await w.call<number>('get', { path: 'n' });
        } catch {
          // died meanwhile: ask another
        }
      }
      return 0;
    };
    const killed: string[] = [];
    // What to kill at which point: the holder (whoever holds n at that moment), or the host.
    const plan: Array<[number, 'holder' | 'host']> = [[60, 'holder'], [160, 'host'], [260, 'holder'], [360, 'host'], [460, 'holder']];
    const spawning: Array<Promise<void>> = [];
    const killedAt: number[] = [];
    for (const [at, what] of plan) {
      await until(async () => (await progress()) >= at, 60_000, `n reached ${at}`);
      let victim: Worker | undefined;
      if (what === 'host') victim = (await c.oneHost(30_000, live())).host;
      else {
        await until(() => holder(live()) !== undefined, 30_000, 'a holder');
        victim = holder(live());
      }
      if (!victim) throw new Error(`no ${what} to kill`);
      await victim.kill('SIGKILL');
      killed.push(what);
      killedAt.push(await progress());
      // Caught here and awaited below: a failed start fails the test, never as an unhandled rejection.
      const starting = startLooping();
      starting.catch(() => {});
      spawning.push(starting);
    }
    await Promise.all(spawning);
    // Every kill came while the loop was still running.
    for (const at of killedAt) expect(at).toBeLessThan(TARGET);
    expect(killed).toEqual(['holder', 'host', 'holder', 'host', 'holder']);
    await until(async () => (await progress()) >= TARGET, 90_000, `n reached ${TARGET}`);
    await Promise.all(loops);

    // Every replica agrees, and the records show one holder at a time.
    await c.oneHost(30_000, live());
    const states = await Promise.all(live().map((w) => w.call<{ n: number; log: Record[] }>('get')));
    for (const state of states) expect(state).toEqual(states[0]);
    const { n, log } = states[0]!;
    expect(n).toBe(TARGET);
    expect(log).toHaveLength(TARGET);
    log.forEach((record, i) => {
      expect(record.read).toBe(i);
      if (i > 0) expect(record.token).toBeGreaterThan(log[i - 1]!.token);
    });
    // No surviving process saw a write refused or a lock it held freed under it.
    for (const w of live()) expect(w.events.filter((e) => e.event === 'refused' || e.event === 'lost')).toEqual([]);
    expect(new Set(log.map((r) => r.peer)).size).toBeGreaterThanOrEqual(PROCESSES);
  });
});
