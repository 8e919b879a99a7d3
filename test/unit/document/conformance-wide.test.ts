import { describe, expect, it } from 'vitest';
import { TICKS_PER_MS } from '../../../src/clock/hlc.js';
import { Replica, validatePatchInput } from '../../../src/document/index.js';
import { isWideRoot } from '../../../src/document/wide-root.js';
import type { OrderedPatch } from '../../../src/types.js';
import { ARRAY_CASES } from './conformance/array-cases.js';
import { FIELD_CASES } from './conformance/field-cases.js';
import { POSITIONAL_CASES } from './conformance/positional-cases.js';

/**
 * The conformance cases again, with every root kept in chunks (wide-root.ts) however few its
 * keys, and every object below it that a patch writes into (cow.ts): the path a document of
 * more than 64 top-level keys, or an object of as many, takes must give the same documents,
 * field order included, and the same refusals.
 */
const text = (value: unknown): string => JSON.stringify(value);

describe('conformance, wide roots', () => {
  for (const c of [...FIELD_CASES, ...ARRAY_CASES, ...POSITIONAL_CASES]) {
    const expected = c.expect;
    if ('refused' in expected) continue; // refused by validation, before any root
    it(`${c.page}: ${c.name}`, () => {
      const body = validatePatchInput({ update: c.update, arrayFilters: c.arrayFilters });
      const replica = new Replica(c.doc, { wideRootKeys: 0 });
      expect(isWideRoot(replica.state)).toBe(true);
      const entry: OrderedPatch = { version: 1, epoch: 1, patch: { peer: 'p', seq: 1, ts: (c.at ?? 1) * TICKS_PER_MS, ...body } };
      const outcome = replica.apply(entry);
      expect(isWideRoot(replica.state)).toBe(true);
      if ('fails' in expected) {
        expect(outcome).toMatchObject({ applied: false, reason: 'failed' });
        expect(outcome.message).toMatch(expected.fails);
        expect(text(replica.state)).toBe(text(c.doc));
      } else {
        expect(outcome.applied).toBe(true);
        expect(text(replica.state)).toBe(text(expected.doc));
        expect(outcome.changedPaths.length === 0).toBe(text(expected.doc) === text(c.doc));
      }
    });
  }
});
