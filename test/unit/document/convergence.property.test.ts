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
        // b keeps its root in chunks (wide-root.ts), as a document of many keys does.
        const b = new Replica(JSON.parse(JSON.stringify(initialDocument)), { wideRootKeys: 0 });
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
          if (i === cut) c = Replica.fromSnapshot(JSON.parse(JSON.stringify(b.snapshot())));
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

  it('with a short stamp retention (pruning often), replicas and snapshots still agree', () => {
    // Timestamps 1..40 ms apart from each other, retention 6 ms: the horizon moves and the
    // table is pruned several times per run, and late absolute writes meet the horizon.
    const options = { stampRetentionMs: 6 };
    fc.assert(
      fc.property(writes, fc.nat(25), (items, cut) => {
        const entries = order(items);
        const a = new Replica(initialDocument, options);
        const b = new Replica(JSON.parse(JSON.stringify(initialDocument)), options);
        let c: Replica | undefined;
        let newest = 0;
        for (const [i, entry] of entries.entries()) {
          const outcome = a.apply(entry);
          expect(verdict(b.apply(JSON.parse(JSON.stringify(entry))))).toEqual(verdict(outcome));
          if (c !== undefined) expect(verdict(c.apply(entry))).toEqual(verdict(outcome));
          if (i === cut) c = Replica.fromSnapshot(JSON.parse(JSON.stringify(a.snapshot())), options);
          newest = Math.max(newest, entry.patch.ts);
          // Nothing older than the horizon is kept (late relative writes aside), and the
          // horizon never passes the newest patch time by less than the retention.
          const { horizon = 0 } = a.snapshot();
          expect(horizon).toBeLessThanOrEqual(Math.max(0, newest - 6000));
        }
        expect(JSON.stringify(b.snapshot())).toBe(JSON.stringify(a.snapshot()));
        if (c !== undefined) expect(JSON.stringify(c.snapshot())).toBe(JSON.stringify(a.snapshot()));
      }),
      { numRuns: 300 },
    );
  });

  it('pruning changes no verdict, except that an absolute write older than the horizon is stale', () => {
    fc.assert(
      fc.property(writes, (items) => {
        const pruning = new Replica(initialDocument, { stampRetentionMs: 6 });
        const remembering = new Replica(initialDocument, { stampRetentionMs: 1e9 });
        for (const entry of order(items)) {
          const { horizon = 0 } = pruning.snapshot();
          const kept = verdict(pruning.apply(entry));
          const full = verdict(remembering.apply(entry));
          if (JSON.stringify(kept) === JSON.stringify(full)) continue;
          // The first difference can only be a late write refused at the horizon; after it the
          // states differ and so may later verdicts.
          expect(kept).toMatchObject({ applied: false, reason: 'stale' });
          expect(entry.patch.ts).toBeLessThan(horizon);
          return;
        }
        expect(JSON.stringify(pruning.state)).toBe(JSON.stringify(remembering.state));
      }),
      { numRuns: 300 },
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
