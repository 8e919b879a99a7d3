import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareStamps } from '../../../src/clock/hlc.js';
import { Replica } from '../../../src/document/index.js';
import type { Update } from '../../../src/types.js';

interface Write {
  peer: string;
  ts: number;
  relative: boolean;
}

/** Concurrent writers, each one patch; `ts` collide often so the peer id breaks ties. */
const concurrentWrites = fc
  .array(fc.record({ ts: fc.integer({ min: 1, max: 6 }), relative: fc.boolean() }), {
    minLength: 1,
    maxLength: 10,
  })
  .map((items) => items.map((item, i): Write => ({ peer: `w${(i * 7) % 10}`, ...item })))
  .chain((items) =>
    fc.shuffledSubarray(items, { minLength: items.length, maxLength: items.length }),
  );

describe('timestamp rule (property)', () => {
  it('concurrent $sets of one path: the greatest (ts, peer) survives, every refused writer is stale', () => {
    fc.assert(
      fc.property(
        concurrentWrites,
        fc.constantFrom('a.b', 'a', 'a.b.c'),
        (hostOrder, otherPath) => {
          const replica = new Replica({ a: { b: { by: 'initial' } }, hits: 0 });
          let newest: Write | undefined;
          let increments = 0;
          for (const [i, write] of hostOrder.entries()) {
            // Relative writes ($inc) go elsewhere and are never lost; absolute ones fight over
            // 'a.b', sometimes through an ancestor or a descendant of it.
            const update: Update = write.relative
              ? { $inc: { hits: 1 } }
              : {
                  $set: { [i % 3 === 0 ? otherPath : 'a.b']: { by: `${write.peer}@${write.ts}` } },
                };
            const outcome = replica.apply({
              version: i + 1,
              epoch: 1,
              patch: { peer: write.peer, seq: 1, ts: write.ts * 1000, update },
            });
            if (write.relative) {
              expect(outcome.applied).toBe(true);
              increments += 1;
              continue;
            }
            const isNewest =
              newest === undefined ||
              compareStamps(write.ts, write.peer, newest.ts, newest.peer) > 0;
            if (isNewest) {
              expect(outcome.applied).toBe(true);
              newest = write;
            } else {
              expect(outcome).toMatchObject({ applied: false, reason: 'stale' });
            }
          }
          expect(replica.state.hits).toBe(increments);
          if (newest === undefined) return;
          // The survivor is the greatest stamp of all absolute writers.
          const absolute = hostOrder.filter((w) => !w.relative);
          const greatest = absolute.reduce((a, b) =>
            compareStamps(a.ts, a.peer, b.ts, b.peer) >= 0 ? a : b,
          );
          expect(newest).toBe(greatest);
          expect(JSON.stringify(replica.state)).toContain(`${greatest.peer}@${greatest.ts}`);
        },
      ),
      { numRuns: 200 },
    );
  });
});
