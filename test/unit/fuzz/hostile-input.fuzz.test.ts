/**
 * Fuzz of everything a peer's bytes pass through before they could touch a replica. Over
 * 10,000 cases per run, each bounded by a watchdog. The seed changes every run; set
 * MEMSYNC_FUZZ_SEED to replay one (every failure names its seed).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { removeFuzzBundle, runBoundedFuzz } from './bounded-fuzz.js';
import { FUZZ_PROPERTIES, type FuzzPropertyName } from './fuzz-properties.js';

const seed = Number(process.env.MEMSYNC_FUZZ_SEED ?? (Date.now() ^ (Math.random() * 2 ** 31)) | 0);
const names = Object.keys(FUZZ_PROPERTIES) as FuzzPropertyName[];

describe(`fuzz of hostile input (seed ${seed})`, () => {
  afterAll(() => removeFuzzBundle());

  it('runs at least 10,000 cases in all', () => {
    const total = names.reduce((sum, name) => sum + FUZZ_PROPERTIES[name].numRuns, 0);
    expect(total).toBeGreaterThanOrEqual(10_000);
  });

  it.each(names)(
    '%s: only MemSyncErrors, no hang, no prototype touched',
    async (name) => {
      const run = await runBoundedFuzz(name, FUZZ_PROPERTIES[name].numRuns, seed);
      expect(run.report, run.report).toBeUndefined();
      expect(run.failed).toBe(false);
      expect(run.numRuns).toBe(FUZZ_PROPERTIES[name].numRuns);
    },
    60_000,
  );
});
