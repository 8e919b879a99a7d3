import { describe, expect, it } from 'vitest';
import { TICKS_PER_MS } from '../../../src/clock/hlc.js';
import { Replica, validatePatchInput } from '../../../src/document/index.js';
import type { JsonObject, JsonValue, OrderedPatch } from '../../../src/types.js';
import { ARRAY_CASES } from './conformance/array-cases.js';
import type { ConformanceCase } from './conformance/case.js';
import { FIELD_CASES } from './conformance/field-cases.js';
import { ModelError, modelApply } from './conformance/model.js';
import { POSITIONAL_CASES } from './conformance/positional-cases.js';

export const CASES: readonly ConformanceCase[] = [...FIELD_CASES, ...ARRAY_CASES, ...POSITIONAL_CASES];

/** Validates and applies one case the way every replica does. */
function runProduct(c: ConformanceCase) {
  const body = validatePatchInput({ update: c.update, arrayFilters: c.arrayFilters });
  const replica = new Replica(c.doc);
  const entry: OrderedPatch = { version: 1, epoch: 1, patch: { peer: 'p', seq: 1, ts: (c.at ?? 1) * TICKS_PER_MS, ...body } };
  return { outcome: replica.apply(entry), state: replica.state };
}

function runModel(c: ConformanceCase): JsonObject | ModelError {
  try {
    const update = c.update as Record<string, Record<string, JsonValue>>;
    return modelApply(c.doc, update, (c.arrayFilters ?? []) as JsonObject[], c.at ?? 1);
  } catch (error) {
    if (error instanceof ModelError) return error;
    throw error;
  }
}

// Field order matters (MongoDB compares documents field by field): compare as JSON text.
const text = (value: unknown): string => JSON.stringify(value);

describe('conformance with the MongoDB manual (cases as data)', () => {
  for (const c of CASES) {
    describe(`${c.page}: ${c.name} (${c.source})`, () => {
      it('memsync', () => {
        const expected = c.expect;
        if ('refused' in expected) {
          expect(() => runProduct(c)).toThrow(
            expect.objectContaining({ code: expected.refused, message: expect.stringMatching(expected.message) }),
          );
          return;
        }
        const { outcome, state } = runProduct(c);
        if ('fails' in expected) {
          expect(outcome).toMatchObject({ applied: false, reason: 'failed' });
          expect(outcome.message).toMatch(expected.fails);
          expect(text(state)).toBe(text(c.doc));
        } else {
          expect(outcome.applied).toBe(true);
          expect(text(state)).toBe(text(expected.doc));
          // No change reported exactly when the document stayed the same.
          expect(outcome.changedPaths.length === 0).toBe(text(expected.doc) === text(c.doc));
        }
      });
      if (!('refused' in c.expect)) {
        it('the model', () => {
          const result = runModel(c);
          if ('fails' in c.expect) expect(result).toBeInstanceOf(ModelError);
          else expect(text(result)).toBe(text((c.expect as { doc: JsonObject }).doc));
        });
      }
    });
  }
});
