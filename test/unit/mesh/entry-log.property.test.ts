import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EntryLog } from '../../../src/mesh/entry-log.js';
import type { OrderedPatch } from '../../../src/types.js';

/**
 * The log against a plain list of everything appended: whatever mix of appends, sealed
 * frames, epochs and gaps, it answers `after` and `epochAt` as the list does for every version
 * it still holds, holds at least `capacity` of the newest entries, and stays bounded.
 */

type Step =
  | { kind: 'frame'; count: number; epoch: number; seal: boolean; skipSealOf: number }
  | { kind: 'gap'; by: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('frame' as const),
      count: fc.integer({ min: 1, max: 40 }),
      epoch: fc.integer({ min: 1, max: 3 }),
      seal: fc.boolean(),
      // Seal a frame whose first entries were already applied (a partial frame) now and then.
      skipSealOf: fc.integer({ min: 0, max: 3 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('gap' as const), by: fc.integer({ min: 2, max: 5 }) }) },
);

function entry(version: number, epoch: number): OrderedPatch {
  return { version, epoch, patch: { peer: 'p', seq: version, ts: version, update: { $inc: { n: version } } } };
}

describe('EntryLog', () => {
  it('answers like the full list of entries, within its bounds', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 300 }), fc.array(step, { maxLength: 40 }), (capacity, steps) => {
        const log = new EntryLog(capacity);
        let all: OrderedPatch[] = [];
        let version = 0;
        for (const s of steps) {
          if (s.kind === 'gap') {
            version += s.by;
            all = [];
            continue;
          }
          const frame: OrderedPatch[] = [];
          for (let i = 0; i < s.count; i++) frame.push(entry(++version, s.epoch));
          for (const e of frame) {
            log.append(e);
            all.push(e);
          }
          // The text holds the whole frame; the sealed versions may start further in.
          const skip = Math.min(s.skipSealOf, frame.length - 1);
          const text = JSON.stringify({ type: 'entries', epoch: s.epoch, entries: frame });
          if (s.seal) log.seal(frame[skip]!.version, version, text);
        }
        if (all.length === 0) return;
        const first = log.firstVersion!;
        const last = all[all.length - 1]!.version;
        expect(log.lastVersion).toBe(last);
        const held = last - first + 1;
        expect(held).toBe(log.size);
        // At least `capacity` (or all there are), and never more than a frame's or segment's worth beyond.
        expect(held).toBeGreaterThanOrEqual(Math.min(capacity, all.length));
        expect(held).toBeLessThanOrEqual(capacity + Math.max(256, 40));
        for (const e of all) {
          if (e.version < first) {
            expect(log.after(e.version - 1, last)).toBeUndefined();
            continue;
          }
          expect(log.epochAt(e.version)).toBe(e.epoch);
          expect(log.after(e.version - 1, last)).toEqual(all.filter((x) => x.version >= e.version));
        }
        expect(log.after(last, last)).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  it('keeps the frame text, not the entries, once sealed', () => {
    const log = new EntryLog(100);
    const frame = [entry(1, 1), entry(2, 1), entry(3, 1)];
    for (const e of frame) log.append(e);
    log.seal(1, 3, JSON.stringify({ type: 'entries', epoch: 1, entries: frame }));
    // The entries handed out are parsed again from the text: equal, not the same objects.
    const tail = log.after(0, 3)!;
    expect(tail).toEqual(frame);
    expect(tail[0]).not.toBe(frame[0]);
  });

  it('does not seal entries of two epochs, or versions that are not its newest', () => {
    const log = new EntryLog(100);
    const frame = [entry(1, 1), entry(2, 2)];
    for (const e of frame) log.append(e);
    log.seal(1, 2, 'not json: never parsed');
    expect(log.after(0, 2)).toEqual(frame);
    log.append(entry(3, 2));
    log.seal(3, 4, 'not json either');
    expect(log.after(2, 3)).toEqual([entry(3, 2)]);
  });
});
