import fc from 'fast-check';
import { type ValidPatchBody, validatePatchInput } from '../../../src/document/index.js';
import type { JsonObject, JsonValue } from '../../../src/types.js';

/** A small document shape that many patches fight over. */
export const initialDocument: JsonObject = {
  a: { x: 1, y: 'y' },
  l: [1, 2, { x: 3 }],
  n: 0,
  s: 'text',
};

const scalar: fc.Arbitrary<JsonValue> = fc.oneof(
  fc.integer({ min: -5, max: 5 }),
  fc.constantFrom('p', 'q', ''),
  fc.boolean(),
  fc.constant(null),
);

export const jsonValue: fc.Arbitrary<JsonValue> = fc.letrec<{ value: JsonValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalar,
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom('x', 'y', 'z'), tie('value'), { maxKeys: 2 }),
  ),
})).value;

const path = fc.constantFrom(
  'a',
  'a.x',
  'a.y',
  'a.z.w',
  'b',
  'l',
  'l.0',
  'l.2.x',
  'l.4',
  'n',
  's',
  'o.p',
  'l.$[].x',
  'l.$[e].x',
);
const arrayPath = fc.constantFrom('l', 'm', 'a.x', 'l.$[]', 'l.$[e]');
const numberPath = fc.constantFrom('n', 'a.x', 'l.0', 'l.$[]', 'l.$[e]', 'k', 's');

type Operation = [string, Record<string, JsonValue>];
const op = (name: string, args: Record<string, JsonValue>): Operation => [name, args];

const operation: fc.Arbitrary<Operation> = fc.oneof(
  fc.record({ k: path, v: jsonValue }).map(({ k, v }) => op('$set', { [k]: v })),
  path.map((k) => op('$unset', { [k]: '' })),
  fc
    .record({ k: numberPath, v: fc.integer({ min: -3, max: 3 }) })
    .map(({ k, v }) => op('$inc', { [k]: v })),
  fc
    .record({ k: numberPath, v: fc.integer({ min: -2, max: 2 }) })
    .map(({ k, v }) => op('$mul', { [k]: v })),
  fc.record({ k: path, v: scalar }).map(({ k, v }) => op('$min', { [k]: v })),
  fc.record({ k: path, v: scalar }).map(({ k, v }) => op('$max', { [k]: v })),
  fc
    .record({
      k: numberPath,
      v: fc.integer({ min: 0, max: 7 }),
      bit: fc.constantFrom('and', 'or', 'xor'),
    })
    .map(({ k, v, bit }) => op('$bit', { [k]: { [bit]: v } })),
  fc.record({ k: arrayPath, v: jsonValue }).map(({ k, v }) => op('$push', { [k]: v })),
  fc
    .record({
      k: arrayPath,
      each: fc.array(scalar, { maxLength: 3 }),
      slice: fc.integer({ min: -3, max: 3 }),
      position: fc.integer({ min: -2, max: 4 }),
    })
    .map(({ k, each, slice, position }) =>
      op('$push', { [k]: { $each: each, $slice: slice, $position: position, $sort: 1 } }),
    ),
  fc.record({ k: arrayPath, v: scalar }).map(({ k, v }) => op('$addToSet', { [k]: v })),
  fc.record({ k: arrayPath, v: fc.constantFrom(1, -1) }).map(({ k, v }) => op('$pop', { [k]: v })),
  fc.record({ k: arrayPath, v: scalar }).map(({ k, v }) => op('$pull', { [k]: v })),
  fc
    .record({ k: arrayPath, v: fc.array(scalar, { maxLength: 2 }) })
    .map(({ k, v }) => op('$pullAll', { [k]: v })),
  fc.record({ from: path, to: path }).map(({ from, to }) => op('$rename', { [from]: to })),
  path.map((k) => op('$currentDate', { [k]: true })),
);

const condition: fc.Arbitrary<JsonObject | undefined> = fc.oneof(
  { weight: 3, arbitrary: fc.constant(undefined) },
  fc.record({ n: fc.record({ $lte: fc.integer({ min: -2, max: 4 }) }) }),
  fc.constant({ s: { $type: 'string' } }),
);

/** A random update that passes validation (overlapping paths are merged away or dropped). */
export const patchBody: fc.Arbitrary<ValidPatchBody> = fc
  .record({
    ops: fc.array(operation, { minLength: 1, maxLength: 3 }),
    if: condition,
    filter: fc.constantFrom<JsonObject>({ e: { $gte: 1 } }, { 'e.x': { $gte: 1 } }),
  })
  .map(({ ops, if: cond, filter }): ValidPatchBody | undefined => {
    const update: Record<string, Record<string, JsonValue>> = {};
    for (const [op, args] of ops) update[op] = { ...update[op], ...args };
    const usesFilter = JSON.stringify(update).includes('$[e]');
    try {
      return validatePatchInput({
        update,
        if: cond,
        arrayFilters: usesFilter ? [filter] : undefined,
      });
    } catch {
      return undefined;
    }
  })
  .filter((body): body is ValidPatchBody => body !== undefined);
