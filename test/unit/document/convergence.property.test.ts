import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type ApplyOutcome, Replica } from '../../../src/document/index.js';
import type { OrderedPatch } from '../../../src/types.js';
import { initialDocument, patchBody } from './arbitraries.js';
import { uncovered } from './diff.js';

const writes = fc.array(
  fc.record({
    body: patchBody,
    peer: fc.constantFrom('p1', 'p2', 'p3'),
    ms: fc.integer({ min: 1, max: 40 }),
  }),
  { minLength: 3, maxLength: 25 },
);

function order(items: Array<{ body: object; peer: string; ms: number }>): OrderedPatch[] {
  const seqs = new Map<string, number>();
  return items.map((item, i) => {
    const seq = (seqs.get(item.peer) ?? 0) + 1;
    seqs.set(item.peer, seq);
    return {
      version: i + 1,
      epoch: 1,
      patch: { peer: item.peer, seq, ts: item.ms * 1000, ...item.body },
    } as OrderedPatch;
  });
}

function verdict(outcome: ApplyOutcome) {
  return { applied: outcome.applied, reason: outcome.reason, changedPaths: outcome.changedPaths };
}

describe('convergence (property)', () => {
  it('the same ordered entries give deep-equal, byte-identical state on every replica, snapshots included', () => {
    fc.assert(
      fc.property(writes, fc.nat(25), (items, cut) => {
        const entries = order(items);
        const a = new Replica(initialDocument);
        const b = new Replica(JSON.parse(JSON.stringify(initialDocument)));
        let c: Replica | undefined;
        for (const [i, entry] of entries.entries()) {
          const previous = JSON.stringify(a.state);
          const outcome = a.apply(entry);
          // The old root is never touched, and the reported paths cover every change.
          expect(JSON.stringify(outcome.before)).toBe(previous);
          expect(uncovered(outcome.before, outcome.after, outcome.changedPaths)).toEqual([]);
          if (outcome.changedPaths.length === 0) expect(outcome.after).toBe(outcome.before);
          // b gets every entry through JSON, as over the wire.
          expect(verdict(b.apply(JSON.parse(JSON.stringify(entry))))).toEqual(verdict(outcome));
          if (c !== undefined) expect(verdict(c.apply(entry))).toEqual(verdict(outcome));
          if (i === cut) c = Replica.fromSnapshot(JSON.parse(JSON.stringify(a.snapshot())));
        }
        expect(b.state).toEqual(a.state);
        expect(JSON.stringify(b.state)).toBe(JSON.stringify(a.state));
        expect(JSON.stringify(b.snapshot())).toBe(JSON.stringify(a.snapshot()));
        if (c !== undefined)
          expect(JSON.stringify(c.snapshot())).toBe(JSON.stringify(a.snapshot()));
      }),
      { numRuns: 200 },
    );
  });

  it('re-applying any entry again is a duplicate and changes nothing', () => {
    fc.assert(
      fc.property(writes, fc.array(fc.nat(), { maxLength: 10 }), (items, picks) => {
        const entries = order(items);
        const replica = new Replica(initialDocument);
        for (const entry of entries) replica.apply(entry);
        if (entries.length === 0) return;
        for (const pick of picks) {
          const old = entries[pick % entries.length]!;
          const state = replica.state;
          const stamps = JSON.stringify(replica.snapshot().stamps);
          const outcome = replica.apply({ ...old, version: replica.version + 1 });
          expect(outcome).toMatchObject({ applied: false, reason: 'duplicate', changedPaths: [] });
          expect(replica.state).toBe(state);
          expect(JSON.stringify(replica.snapshot().stamps)).toBe(stamps);
        }
      }),
      { numRuns: 150 },
    );
  });
});
