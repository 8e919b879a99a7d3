import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkEntryPatch, checkParsedPatch, DEFAULT_DOCUMENT_LIMITS, type DocumentLimits, Replica } from '../../../src/document/index.js';
import { handLean, leanWrite } from '../../../src/document/lean.js';
import { PatchValidationError } from '../../../src/errors.js';
import type { PatchInput } from '../../../src/document/validate.js';
import { encodeEntries } from '../../../src/protocol/compact.js';
import { parseMessage } from '../../../src/protocol/messages.js';
import type { OrderedPatch, Patch } from '../../../src/types.js';
import { jsonValue } from './arbitraries.js';

/**
 * checkEntryPatch (one walk: check and lean-write recognition) against checkParsedPatch and
 * leanWrite run apart, on inputs as a hostile host could send them (parsed from JSON): the
 * same verdict (the same error code and message, or none), and then the same lean write.
 */

const segment = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('a', 'n', 'x', '0') },
  { weight: 1, arbitrary: fc.constantFrom('__proto__', 'constructor', 'prototype', '', '$', '$[]', '$[i]', '$x', 'k'.repeat(30)) },
);
const path = fc.array(segment, { minLength: 1, maxLength: 4 }).map((s) => s.join('.'));
const operator = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('$set', '$inc', '$unset') },
  { weight: 1, arbitrary: fc.constantFrom('$mul', '$push', '$rename', '$where', '__proto__', 'set', '$bogus') },
);
const value = fc.oneof(fc.integer({ min: -2, max: 2 }), fc.constantFrom(0.5, 1e308, 'n', 'a.x', null, [], {}), jsonValue);
const args = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(path, value).map(([p, v]) => ({ [p]: v })) },
  { weight: 1, arbitrary: fc.dictionary(path, value, { maxKeys: 3 }) },
  { weight: 1, arbitrary: fc.constantFrom(null, 1, 'x', [], [1]) },
);
const update = fc.oneof(
  { weight: 5, arbitrary: fc.tuple(operator, args).map(([op, a]) => ({ [op]: a })) },
  { weight: 1, arbitrary: fc.dictionary(operator, args, { maxKeys: 3 }) },
  { weight: 1, arbitrary: fc.constantFrom(null, 1, [], {}) },
);
const input: fc.Arbitrary<PatchInput> = fc.record(
  {
    update,
    if: fc.constantFrom({ n: 1 }, 1),
    arrayFilters: fc.constantFrom([{ i: 1 }], [{ 'i.x': 1 }], 'x'),
  },
  { requiredKeys: ['update'] },
);
/** Small limits too, so that each bound is met. */
const limits = fc.constantFrom<DocumentLimits>(
  DEFAULT_DOCUMENT_LIMITS,
  { maxDepth: 2, maxPatchBytes: 24, maxPathsPerPatch: 1, maxKeyLength: 8 },
  { maxDepth: 64, maxPatchBytes: 1 << 20, maxPathsPerPatch: 0, maxKeyLength: 1024 },
);

function verdict(run: () => void): string {
  try {
    run();
    return 'ok';
  } catch (error) {
    if (!(error instanceof PatchValidationError)) throw error;
    return `${error.code}: ${error.message}`;
  }
}

describe('checkEntryPatch', () => {
  it('gives checkParsedPatch verdict, then leanWrite its lean write', () => {
    fc.assert(
      fc.property(input, limits, (raw, lim) => {
        // As the decoder has it: parsed from JSON (a `__proto__` key is an own key then).
        const parsed = JSON.parse(JSON.stringify(raw)) as PatchInput;
        const again = JSON.parse(JSON.stringify(raw)) as PatchInput;
        const expected = verdict(() => checkParsedPatch(again, lim));
        const got = verdict(() => checkEntryPatch(parsed, lim));
        expect(got).toBe(expected);
        if (got !== 'ok') return;
        const handed = leanWrite(parsed as Parameters<typeof leanWrite>[0]);
        handLean(undefined, undefined);
        expect(handed).toEqual(leanWrite(again as Parameters<typeof leanWrite>[0]));
      }),
      { numRuns: 3000 },
    );
  });

  it('passes the update it passed last again with the same verdict, but walks it under other limits', () => {
    const patch = JSON.parse('{"update":{"$set":{"name":"abcdefgh"}}}') as PatchInput;
    checkEntryPatch(patch, DEFAULT_DOCUMENT_LIMITS);
    const first = leanWrite(patch as Parameters<typeof leanWrite>[0]);
    checkEntryPatch(patch, DEFAULT_DOCUMENT_LIMITS);
    expect(leanWrite(patch as Parameters<typeof leanWrite>[0])).toBe(first);
    const tight: DocumentLimits = { ...DEFAULT_DOCUMENT_LIMITS, maxPatchBytes: 8 };
    expect(verdict(() => checkEntryPatch(patch, tight))).toBe(verdict(() => checkParsedPatch(patch, tight)));
    expect(verdict(() => checkEntryPatch(patch, tight))).not.toBe('ok');
    // With a condition it is another patch, whatever its update: the general check judges it.
    const conditioned = { update: patch.update, if: { $where: 'x' } } as unknown as PatchInput;
    expect(verdict(() => checkEntryPatch(conditioned, DEFAULT_DOCUMENT_LIMITS))).toBe(verdict(() => checkParsedPatch(conditioned, DEFAULT_DOCUMENT_LIMITS)));
    expect(verdict(() => checkEntryPatch(conditioned, DEFAULT_DOCUMENT_LIMITS))).not.toBe('ok');
    handLean(undefined, undefined);
  });

  it('a decoded frame with runs of one write (one shared update) checks and applies as fresh copies do', () => {
    const write = fc.constantFrom<Patch['update']>(
      { $inc: { n: 1 } },
      { $inc: { n: 2 } },
      { $set: { n: 'x' } },
      { $set: { 'a.b': 1 } },
      { $set: { a: { b: [1] } } },
      { $unset: { n: '' } },
      { $inc: { 'a.b': 1 } },
    );
    fc.assert(
      fc.property(fc.array(write, { minLength: 1, maxLength: 24 }), limits, (updates, lim) => {
        const entries: OrderedPatch[] = updates.map((u, i) => ({ version: i + 1, epoch: 1, patch: { peer: 'w', seq: i + 1, ts: i, update: u } }));
        const frame = encodeEntries(1, entries, false, 1 << 20);
        const decoded = (parseMessage(frame) as { entries: OrderedPatch[] }).entries;
        const shared = new Replica({});
        const fresh = new Replica({});
        for (let i = 0; i < decoded.length; i++) {
          const copy = JSON.parse(JSON.stringify(entries[i])) as OrderedPatch;
          const got = verdict(() => checkEntryPatch(decoded[i]!.patch, lim));
          expect(got).toBe(verdict(() => checkParsedPatch(copy.patch, lim)));
          // A client refuses the frame from the first entry that fails (and rejoins).
          if (got !== 'ok') break;
          shared.apply(decoded[i]!);
          fresh.apply(copy);
        }
        handLean(undefined, undefined);
        expect(shared.state).toEqual(fresh.state);
        expect(decoded.map((e) => e.patch)).toEqual(entries.map((e) => e.patch));
      }),
      { numRuns: 500 },
    );
  });

  it('hands its lean write only to the apply of the same update, once', () => {
    const patch = JSON.parse('{"update":{"$inc":{"n":1}}}') as PatchInput;
    checkEntryPatch(patch, DEFAULT_DOCUMENT_LIMITS);
    // Another update in between empties the slot: leanWrite works it out itself.
    const other = { update: { $set: { a: 2 } } };
    expect(leanWrite(other)).toMatchObject({ op: '$set', path: 'a', arg: 2 });
    expect(leanWrite(patch as Parameters<typeof leanWrite>[0])).toMatchObject({ op: '$inc', path: 'n', arg: 1 });
    const replica = new Replica({ n: 0 });
    checkEntryPatch(patch, DEFAULT_DOCUMENT_LIMITS);
    replica.apply({ version: 1, epoch: 1, patch: { peer: 'p', seq: 1, ts: 1, ...(patch as { update: { $inc: { n: number } } }) } });
    expect(replica.state).toEqual({ n: 1 });
  });
});
