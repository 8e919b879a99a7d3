import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type ApplyOutcome, Replica } from '../../../src/document/index.js';
import type { JsonObject, JsonValue, OrderedPatch } from '../../../src/types.js';
import { isWideRoot } from '../../../src/document/wide-root.js';
import { initialDocument, patchBody } from './arbitraries.js';
import { entangled, failingLate, widening } from './batch-arbitraries.js';

/**
 * The batched copy-on-write apply (batch.ts: `Replica.applyBatch`, `Replica.replay`) against
 * the entry-by-entry one: fed the same ordered entries, cut into random batches, both must
 * give the same document (JSON text, so key order too) and the same outcome for every entry,
 * and every state handed out before (after a batch) must still be what it was, frozen.
 */

/**
 * The first container reachable from `value` that is not frozen (a chunked object is a
 * read-only proxy: its values are walked), or an array with a hole (JSON would show null).
 */
function unfrozenPath(value: JsonValue, path = ''): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  if (!isWideRoot(value) && !Object.isFrozen(value)) return path;
  if (Array.isArray(value) && Object.keys(value).length !== value.length) return `${path} (holes)`;
  for (const key of Object.keys(value)) {
    const found = unfrozenPath((value as Record<string, JsonValue>)[key]!, `${path}/${key}`);
    if (found !== undefined) return found;
  }
  return undefined;
}

const update = fc.oneof(
  { weight: 3, arbitrary: entangled.map((u) => ({ update: u })) },
  { weight: 6, arbitrary: patchBody.map((body) => ({ ...body }) as Record<string, unknown>) },
  { weight: 1, arbitrary: failingLate.map((u) => ({ update: u })) },
  { weight: 1, arbitrary: widening },
);

/**
 * Written first, in a batch of its own: with a small `wideRootKeys`, the objects it writes
 * into become chunked, so the next batches write them through drafts.
 */
const PRELUDE = { update: { $inc: { 'a.x': 1, 'l.2.x': 1 } } };

/** An ordered history from a few writers, one resent (a duplicate) now and then. */
function historyOf(updates: fc.Arbitrary<Record<string, unknown>>): fc.Arbitrary<OrderedPatch[]> {
  return fc.array(fc.tuple(updates, fc.boolean()), { maxLength: 40 }).map((bodies) => {
    const seqs = new Map<string, number>();
    return [[PRELUDE, false] as const, ...bodies].map(([body, resend], i): OrderedPatch => {
      const peer = `w${i % 3}`;
      const last = seqs.get(peer) ?? 0;
      const seq = resend && last > 0 ? last : last + 1;
      seqs.set(peer, seq);
      return { version: i + 1, epoch: 1, patch: { peer, seq, ts: 1000 + i, ...body } as OrderedPatch['patch'] };
    });
  });
}

/** Where the history is cut into batches. */
const cuts = fc.array(fc.integer({ min: 1, max: 12 }), { minLength: 1, maxLength: 20 });

const initials: Record<string, JsonObject> = {
  plain: initialDocument,
  wide: { ...initialDocument, k3: { v: 3 }, ...Object.fromEntries(Array.from({ length: 80 }, (_, i) => [`w${i}`, { i }])) },
};

const shown = (outcome: ApplyOutcome) => ({
  applied: outcome.applied,
  reason: outcome.reason,
  message: outcome.message,
  changedPaths: outcome.changedPaths,
});

/**
 * Applies `entries` one by one and in batches cut at `sizes` (the first entry alone), and
 * replays them as one batch, comparing all three as the file's header says.
 */
function compare(entries: OrderedPatch[], sizes: number[], initial: JsonObject, wideRootKeys: number | undefined): void {
  const options = wideRootKeys === undefined ? {} : { wideRootKeys };
  const one = new Replica(initial, options);
  const batched = new Replica(initial, options);
  const handedOut: Array<{ state: JsonObject; json: string }> = [{ state: batched.state, json: JSON.stringify(batched.state) }];
  let at = 0;
  for (let cut = 0; at < entries.length; cut++) {
    const batch = entries.slice(at, at + (cut === 0 ? 1 : sizes[cut % sizes.length]!));
    at += batch.length;
    const expected = batch.map((entry) => shown(one.apply(entry)));
    expect(batched.applyBatch(batch).map(shown)).toEqual(expected);
    const json = JSON.stringify(batched.state);
    expect(json).toBe(JSON.stringify(one.state));
    expect(unfrozenPath(batched.state)).toBeUndefined();
    handedOut.push({ state: batched.state, json });
  }
  for (const { state, json } of handedOut) expect(JSON.stringify(state)).toBe(json);
  expect(JSON.stringify(batched.snapshot())).toBe(JSON.stringify(one.snapshot()));
  // The store's replay at start: the whole history as one batch.
  const replayed = new Replica(initial, options);
  replayed.replay(entries);
  expect(JSON.stringify(replayed.snapshot())).toBe(JSON.stringify(one.snapshot()));
  expect(unfrozenPath(replayed.state)).toBeUndefined();
}

describe('applyBatch and replay (one copy-on-write pass) against apply, entry by entry', () => {
  it('same documents, same outcomes, earlier states unchanged and frozen', () => {
    fc.assert(
      fc.property(historyOf(update), cuts, fc.constantFrom('plain', 'wide'), fc.constantFrom(undefined, 0, 4), (entries, sizes, start, wideRootKeys) =>
        compare(entries, sizes, initials[start]!, wideRootKeys),
      ),
      { numRuns: 250 },
    );
  });

  it('the same where patches write into and move what earlier ones of the batch made', () => {
    fc.assert(
      fc.property(historyOf(entangled.map((u) => ({ update: u }))), cuts, fc.constantFrom(0, 4), (entries, sizes, wideRootKeys) =>
        compare(entries, sizes, initials.plain!, wideRootKeys),
      ),
      { numRuns: 250 },
    );
  });
});
