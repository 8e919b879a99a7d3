import fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MemSyncError } from '../../../src/errors.js';
import { LmdbStorage } from '../../../src/storage/lmdb-storage.js';
import { PowerDisk, type Loss } from './power-disk.js';
import { orderIncs, storageHost } from './storage-host.js';

/**
 * The default store on real files, its log written through a disk model that, when the power
 * goes, keeps what an fdatasync covered (and a directory fsync named) and loses the rest as a
 * real disk may: cut at any byte, grown with zeros, or written back out of order. Several
 * lives in one directory: each host takes over what the last power loss left, seals it, orders
 * more, compacts, and loses power again.
 */

/** What a life does between two batches: nothing, let a macrotask pass, or flush. */
const step = fc.record({ batch: fc.integer({ min: 1, max: 6 }), pause: fc.constantFrom('none', 'tick', 'tick', 'flush') });
const share = fc.integer({ min: 0, max: 100 }).map((n) => n / 100);
const loss = (kinds: Loss['kind'][]): fc.Arbitrary<Loss> =>
  fc.record({ kind: fc.constantFrom(...kinds), fraction: share, fraction2: share });
const life = (kinds: Loss['kind'][]) => fc.record({ steps: fc.array(step, { minLength: 1, maxLength: 12 }), loss: loss(kinds) });

type Life = ReturnType<typeof life> extends fc.Arbitrary<infer T> ? T : never;
/** Many unsynced records, then pages written back out of order: a hole with records after it. */
const holeLife: Life = {
  steps: Array.from({ length: 12 }, () => ({ batch: 6, pause: 'none' as const })),
  loss: { kind: 'hole', fraction: 0, fraction2: 0.3 },
};

let dirs: string[] = [];
beforeEach(() => {
  // Each cut tail is reported as a warning (MEMSYNC_STORAGE_TORN): counted, not printed.
  vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
});
afterEach(() => {
  vi.restoreAllMocks();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  dirs = [];
});

interface Outcome {
  /** Version the last life started from, or the refusal that ended the run. */
  refused?: MemSyncError;
  log: string[];
}

/** Runs the lives; asserts after each power loss. Returns how the run ended. */
async function run(sync: 'always' | 'interval', lives: { steps: { batch: number; pause: string }[]; loss: Loss }[], compactEvery: number): Promise<Outcome> {
  const dir = mkdtempSync(join(tmpdir(), 'memsync-power-'));
  dirs.push(dir);
  const disk = new PowerDisk();
  const log: string[] = [];
  /** Highest version acknowledged ('always': fsynced) and covered by a finished flush(). */
  let acked = 0;
  let flushed = 0;
  for (let l = 0; l <= lives.length; l++) {
    let host;
    try {
      host = await storageHost(new LmdbStorage(dir, sync, disk), compactEvery);
    } catch (error) {
      if (error instanceof MemSyncError) return { refused: error, log };
      throw error;
    }
    const start = host.core.replica.version;
    log.push(`life ${l}: starts at ${start} (acked ${acked}, flushed ${flushed})`);
    // A prefix of the ordered history: every entry increments n.
    expect(host.core.replica.state, log.join('\n')).toEqual({ n: start });
    expect(start, log.join('\n')).toBeGreaterThanOrEqual(sync === 'always' ? Math.max(acked, flushed) : flushed);
    // What a power loss took was never promised: the next life's history goes on from here.
    acked = Math.min(acked, start);
    flushed = Math.min(flushed, start);
    if (l === lives.length) break;
    for (const { batch, pause } of lives[l]!.steps) {
      for (const { version } of orderIncs(host, batch, `w${l}`)) {
        host.storage.whenDurable(version).then(
          () => void (acked = Math.max(acked, version)),
          () => {}, // the power went first: never acknowledged
        );
      }
      if (pause === 'tick') await new Promise((r) => setImmediate(r));
      if (pause === 'flush') {
        const at = host.core.replica.version;
        await host.storage.flush();
        flushed = Math.max(flushed, at);
      }
    }
    disk.cut();
    await host.storage.release().catch(() => {});
    log.push(`life ${l}: ordered to ${host.core.replica.version}, power cut (${JSON.stringify(lives[l]!.loss)}): ${disk.restore(lives[l]!.loss).join('; ')}`);
  }
  return { log };
}

describe('power loss on the real log files (a disk that keeps only what was synced)', () => {
  for (const sync of ['always', 'interval'] as const) {
    it(`recovers a prefix of the history${sync === 'always' ? ' holding every acknowledged entry' : ' holding every flushed entry'}, never refused, when unsynced bytes are cut or zeroed (sync '${sync}')`, async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(life(['prefix', 'zeros']), { minLength: 1, maxLength: 3 }), fc.integer({ min: 3, max: 30 }), async (lives, compactEvery) => {
          const outcome = await run(sync, lives, compactEvery);
          expect(outcome.refused, `${outcome.refused?.message}\n${outcome.log.join('\n')}`).toBeUndefined();
        }),
        { numRuns: 40 },
      );
    }, 120_000);
  }

  it('unsynced pages written back out of order (zeros with written bytes after them): a prefix, never refused (sync marks tell them from lost synced bytes)', async () => {
    let holes = 0;
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('always' as const, 'interval' as const), fc.array(life(['hole', 'prefix']), { minLength: 1, maxLength: 3 }), fc.integer({ min: 3, max: 30 }), async (sync, lives, compactEvery) => {
        const outcome = await run(sync, lives, compactEvery);
        expect(outcome.refused, `${outcome.refused?.message}\n${outcome.log.join('\n')}`).toBeUndefined();
        holes += (process.emitWarning as unknown as { mock: { calls: unknown[][] } }).mock.calls.filter(([message]) => /zeros at byte \d+ with records after them/.test(String(message))).length;
      }),
      // Random lives leave a hole with records after it only now and then (a CI run once drew
      // none in 40): these fixed ones always do, so the check below cannot miss by chance.
      { numRuns: 40, examples: [['always', [holeLife], 30], ['interval', [holeLife], 30]] },
    );
    // Not a bound, a sign the model bites: some holes had whole records after them.
    expect(holes).toBeGreaterThan(0);
  }, 120_000);
});
