import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RUN_DIR } from '../support/run-dir.js';
import { bundleForNode } from '../support/bundle.js';
import { describeChaos, runChaos } from './chaos-run.js';

/**
 * 15 s of chaos with real processes (test/chaos/chaos-run.ts); `npm run chaos -- --seconds 60`
 * runs longer ones. Nothing acknowledged may be missing, nothing doubled, every replica the same.
 */
describe('chaos', () => {
  it('SIGKILLs and SIGSTOPs of any process for 15 s lose no acknowledged write and apply none twice', async () => {
    const workerFile = await bundleForNode(join(import.meta.dirname, 'chaos-worker.ts'), join(RUN_DIR, 'chaos-worker.mjs'));
    const seed = Number(process.env.CHAOS_SEED ?? Math.floor(Math.random() * 2 ** 31));
    const result = await runChaos({ seconds: 15, processes: 5, docBytes: 300_000, seed, workerFile });
    console.log(`${describeChaos(result, 15)} (seed ${seed})`);
    expect(result.problems).toEqual([]);
    expect(result.kills).toBeGreaterThan(5);
    expect(result.freezes).toBeGreaterThan(2);
    expect(result.acknowledged).toBeGreaterThan(0);
  }, 240_000);
});
