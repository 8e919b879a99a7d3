import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Cluster, type Worker } from '../../support/cluster.js';

/**
 * Kill -9 every process of a 4-process mesh while all four write, then start four new ones
 * on the same store: every acknowledged `$inc` is there exactly once. Each patch increments
 * a key of its own, so "exactly once" is checkable: every key is 1, none is 2.
 * Rounds: MEMSYNC_STORAGE_ROUNDS (default 3 for 'always', 2 for 'interval'; `npm run test:storage-soak` runs 20 of each).
 */
const ROUNDS = Number(process.env.MEMSYNC_STORAGE_ROUNDS ?? 3);
/** Process deaths only ('interval' promises nothing more): fewer rounds by default. */
const roundsOf = (sync: 'always' | 'interval'): number => (sync === 'always' || process.env.MEMSYNC_STORAGE_ROUNDS ? ROUNDS : 2);
const PROCESSES = 4;

describe('kill -9 of every process, restart from the store', () => {
  let cluster: Cluster | undefined;
  let store: string | undefined;
  afterEach(async () => {
    await cluster?.[Symbol.asyncDispose]();
    cluster = undefined;
    if (store) rmSync(store, { recursive: true, force: true });
  });

  for (const sync of ['always', 'interval'] as const) {
    it(`sync '${sync}': ${roundsOf(sync)} rounds, random moments: every acknowledged increment present once`, { timeout: 60_000 + ROUNDS * 20_000 }, async () => {
      store = mkdtempSync(join(tmpdir(), 'memsync-store-'));
      const acked = new Set<string>();
      for (let round = 0; round < roundsOf(sync); round++) {
        cluster = new Cluster(cluster?.name);
        const options = { storage: { path: store, sync }, gatherMs: 50 };
        const defaults = round === 0 ? { seed: 1 } : { seed: 2 };
        // The first loads the store as host; the others join it, started together.
        const workers: Worker[] = [(await cluster.start(options, defaults)).worker];
        const rest = await Promise.all(Array.from({ length: PROCESSES - 1 }, () => cluster!.start(options, defaults)));
        workers.push(...rest.map((r) => r.worker));
        // The store, not anyone's defaults: everything acknowledged before, each exactly once.
        const state = await workers[0]!.call<Record<string, number>>('get', {});
        expect(state.seed).toBe(1); // the first round's defaults seeded the store; later ones' are ignored
        const missing = [...acked].filter((key) => state[key] !== 1);
        expect(missing, `round ${round}: acknowledged keys not exactly 1`).toEqual([]);
        expect(Object.entries(state).filter(([, v]) => v !== 1)).toEqual([]);

        const seen = workers.map((w) => w.events.length);
        for (const [i, worker] of workers.entries()) {
          worker.call('incKeys', { prefix: `r${round}w${i}k`, window: 8, count: 1_000_000 }, 120_000).catch(() => {});
        }
        // A random moment once writes are flowing: after 20-300 acknowledgements in all.
        const target = 20 + Math.floor(Math.random() * 280);
        await workers[0]!.waitForEvent(() => workers.reduce((n, w, i) => n + w.events.length - seen[i]!, 0) >= target, 20_000);
        await Promise.all(workers.map((w) => w.kill('SIGKILL')));
        let count = 0;
        for (const [i, worker] of workers.entries()) {
          for (const event of worker.events.slice(seen[i])) {
            if (event.event === 'acked') {
              acked.add(event.key as string);
              count++;
            }
          }
        }
        console.info(`storage kill-all (${sync}) round ${round}: ${count} acknowledged before the kill`);
        await cluster[Symbol.asyncDispose]();
      }
      // One last restart checks the last round.
      cluster = new Cluster(cluster?.name);
      const last = (await cluster.start({ storage: { path: store, sync }, gatherMs: 50 })).worker;
      const state = await last.call<Record<string, number>>('get', {});
      expect([...acked].filter((key) => state[key] !== 1)).toEqual([]);
      expect(Object.entries(state).filter(([, v]) => v !== 1)).toEqual([]);
      expect(acked.size).toBeGreaterThan(roundsOf(sync) * 20);
    });
  }
});
