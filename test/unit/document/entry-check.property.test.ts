import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkEntryPatch, checkParsedPatch, DEFAULT_DOCUMENT_LIMITS, type DocumentLimits, Replica } from '../../../src/document/index.js';
import { handLean, leanWrite } from '../../../src/document/lean.js';
import { PatchValidationError } from '../../../src/errors.js';
import type { PatchInput } from '../../../src/document/validate.js';
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
