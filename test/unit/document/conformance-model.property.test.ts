import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PatchValidationError } from '../../../src/errors.js';
import { Replica, validatePatchInput, type ValidPatchBody } from '../../../src/document/index.js';
import type { JsonObject, JsonValue, OrderedPatch } from '../../../src/types.js';
import { ModelError, modelApply } from './conformance/model.js';

/**
 * memsync's operators against the conformance suite's reference model, on random documents
 * and updates: the same document (field order included) or both refusing. The model is
 * itself held to every case of the suite (conformance.test.ts).
 */
const scalar = fc.oneof(fc.integer({ min: -3, max: 3 }), fc.constantFrom('x', 'y', null, true, 2 ** 40 + 1, 1.5));
const element: fc.Arbitrary<JsonValue> = fc.oneof(
  { weight: 3, arbitrary: scalar },
  { weight: 1, arbitrary: fc.constantFrom<JsonValue>({ k: 1 }, { k: 2, j: 1 }, { j: 1, k: 2 }, [1], [1, 2], [2, 1]) },
);
const value: fc.Arbitrary<JsonValue> = fc.oneof(
  { weight: 3, arbitrary: element },
  { weight: 2, arbitrary: fc.array(element, { maxLength: 4 }) },
  { weight: 1, arbitrary: fc.dictionary(fc.constantFrom('k', 'j', 'l'), element, { maxKeys: 2 }) },
);
const doc: fc.Arbitrary<JsonObject> = fc.dictionary(fc.constantFrom('a', 'b', 'l', 'o'), value, { maxKeys: 4 });

const PATHS = ['a', 'b', 'l', 'o', 'o.k', 'o.j', 'a.k', 'l.0', 'l.1', 'l.3', 'l.$[]', 'l.$[e]', 'l.$[].k', 'l.$[e].k', 'n.m', 'l.0.k'];
const OPS = ['$set', '$unset', '$inc', '$mul', '$min', '$max', '$bit', '$push', '$addToSet', '$pop', '$pull', '$pullAll', '$rename'];

function argument(op: string): fc.Arbitrary<JsonValue> {
  switch (op) {
    case '$inc':
    case '$mul':
      return fc.integer({ min: -2, max: 3 });
    case '$bit':
      return fc
        .tuple(fc.constantFrom('and', 'or', 'xor'), fc.integer({ min: -4, max: 2 ** 41 }))
        .map(([k, n]) => ({ [k]: n }));
    case '$unset':
      return fc.constant('');
    case '$pop':
      return fc.constantFrom(1, -1);
    case '$pullAll':
      return fc.array(element, { maxLength: 3 });
    case '$pull':
      return fc.oneof(element, fc.constantFrom<JsonValue>({ $gte: 1 }, { $in: [1, 'x'] }, { k: 1 }, { k: { $gt: 1 } }));
    case '$push':
      return fc.oneof(
        value,
        fc.record(
          { $each: fc.array(element, { maxLength: 3 }), $slice: fc.integer({ min: -3, max: 3 }), $position: fc.integer({ min: -3, max: 3 }), $sort: fc.constantFrom<JsonValue>(1, -1, { k: 1 }) },
          { requiredKeys: ['$each'] },
        ),
      );
    case '$addToSet':
      return fc.oneof(value, fc.record({ $each: fc.array(element, { maxLength: 4 }) }));
    case '$rename':
      return fc.constantFrom('a', 'b', 'z', 'o.z', 'n.z', 'l.0');
    default:
      return value;
  }
}

const write = fc.constantFrom(...OPS).chain((op) => fc.tuple(fc.constant(op), fc.constantFrom(...PATHS), argument(op)));
const update = fc.array(write, { minLength: 1, maxLength: 3 }).map((writes) => {
  const out: Record<string, Record<string, JsonValue>> = {};
  for (const [op, path, arg] of writes) (out[op] ??= {})[path] = arg;
  return out;
});
const filter = fc.constantFrom<JsonObject>({ e: { $gte: 1 } }, { 'e.k': 1 }, { e: { $type: 'array' } });

/** The validated body, or undefined when validation refuses it (paths overlap, etc.). */
function validated(u: unknown, f: JsonObject): ValidPatchBody | undefined {
  const usesFilter = JSON.stringify(u).includes('$[e]');
  try {
    return validatePatchInput({ update: u, arrayFilters: usesFilter ? [f] : undefined });
  } catch (error) {
    if (error instanceof PatchValidationError) return undefined;
    throw error;
  }
}

describe('memsync operators vs the reference model', () => {
  it('give the same document, or both refuse', () => {
    fc.assert(
      fc.property(doc, update, filter, (d, u, f) => {
        const body = validated(u, f);
        fc.pre(body !== undefined);
        const replica = new Replica(d);
        const entry: OrderedPatch = { version: 1, epoch: 1, patch: { peer: 'p', seq: 1, ts: 1000, ...body! } };
        const outcome = replica.apply(entry);
        let expected: JsonObject | ModelError;
        try {
          expected = modelApply(d, body!.update as Record<string, Record<string, JsonValue>>, body!.arrayFilters ?? []);
        } catch (error) {
          if (!(error instanceof ModelError)) throw error;
          expected = error;
        }
        if (expected instanceof ModelError) {
          expect(outcome, `model refused: ${expected.message}`).toMatchObject({ applied: false, reason: 'failed' });
        } else {
          expect(outcome.message).toBeUndefined();
          expect(JSON.stringify(replica.state)).toBe(JSON.stringify(expected));
          expect(outcome.changedPaths.length > 0).toBe(JSON.stringify(expected) !== JSON.stringify(d));
        }
      }),
      { numRuns: 3000 },
    );
  });
});
