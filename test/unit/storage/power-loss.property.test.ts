import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MemoryDisk, MemoryStorage } from '../../../src/storage/memory-storage.js';
import type { SyncMode } from '../../../src/storage/types.js';
import type { OrderedPatch } from '../../../src/types.js';
import { orderIncs, storageHost } from './storage-host.js';

async function host(disk: MemoryDisk, sync: SyncMode, compactEvery: number): ReturnType<typeof storageHost> {
  return storageHost(new MemoryStorage(disk, sync, 5), compactEvery);
}

/** What a run does between two batches: nothing, let a macrotask pass, or flush. */
const step = fc.record({ batch: fc.integer({ min: 1, max: 6 }), pause: fc.constantFrom('none', 'tick', 'flush') });

describe('power loss at the adapter level (memory disk that drops what was not synced)', () => {
  for (const sync of ['always', 'interval', 'none'] as const) {
    it(`recovers a prefix of the ordered history${sync === 'always' ? ', with every acknowledged entry' : ''} (sync '${sync}')`, async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(step, { minLength: 1, maxLength: 25 }),
          fc.nat({ max: 30 }),
          fc.integer({ min: 3, max: 40 }),
          fc.integer({ min: 1, max: 3 }),
          async (steps, extra, compactEvery, lives) => {
            const disk = new MemoryDisk();
            let acked = 0;
            // Several lives: each host orders batches, then the power goes at a random moment.
            for (let life = 0; life < lives; life++) {
              const { core, storage, epoch } = await host(disk, sync, compactEvery);
              const start = core.replica.version;
              expect(core.replica.state).toEqual({ n: start }); // a prefix: state n == version
              expect(start).toBeGreaterThanOrEqual(sync === 'always' ? acked : 0);
              acked = Math.min(acked, start); // what was lost was never acknowledged (checked above for 'always')
              for (const { batch, pause } of steps) {
                for (const { version: v } of orderIncs({ core, storage, epoch }, batch, `w${life}`)) {
                  storage.whenDurable(v).then(
                    () => {
                      if (v > acked) acked = v;
                    },
                    () => {}, // the power went first: never acknowledged
                  );
                }
                if (pause === 'tick') await new Promise((r) => setImmediate(r));
                if (pause === 'flush') await storage.flush();
              }
              disk.powerLoss(extra);
            }
            const { core } = await host(disk, sync, compactEvery);
            expect(core.replica.state).toEqual({ n: core.replica.version });
            if (sync === 'always') expect(core.replica.version).toBeGreaterThanOrEqual(acked);
          },
        ),
        { numRuns: 60 },
      );
    });
  }

  it("'interval' and 'none' also keep everything a flush() covered", async () => {
    for (const sync of ['interval', 'none'] as const) {
      const disk = new MemoryDisk();
      const { core, storage, epoch } = await host(disk, sync, 1000);
      for (let v = 1; v <= 10; v++) {
        const entry: OrderedPatch = { version: v, epoch, patch: { peer: 'w', seq: v, ts: 2_000_000_000 + v, update: { $inc: { n: 1 } } } };
        core.applyOrdered(entry);
        storage.append([entry]);
      }
      await storage.flush();
      disk.powerLoss(0);
      expect((await host(disk, sync, 1000)).core.replica.state).toEqual({ n: 10 });
    }
  });
});
