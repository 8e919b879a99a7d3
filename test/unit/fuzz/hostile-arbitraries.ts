/**
 * Generators of what a hostile peer can put on the wire. Hostile JSON is built as text, so
 * `"__proto__"` keys arrive the way JSON.parse makes them (own properties), and numbers
 * like `1e400` arrive as the host would see them (Infinity).
 */
import fc from 'fast-check';
import { UPDATE_OPERATORS } from '../../../src/document/index.js';

export const RESERVED_KEYS = ['__proto__', 'constructor', 'prototype'] as const;
export const SCRIPT_OPERATORS = ['$where', '$function', '$accumulator'] as const;
// Generator input, not an oracle: what must be refused is judged against the lists above.
export const ALLOWED_OPERATORS: readonly string[] = [...UPDATE_OPERATORS];

/** Number literals that are awkward once parsed: infinite, negative zero, unsafe, tiny. */
export const AWKWARD_NUMBERS = [
  '1e400',
  '-1e400',
  '-0',
  '0.5',
  '1e-400',
  '-1',
  '4294967296',
  '1e308',
  '9007199254740991',
  '9007199254740993',
  '-9007199254740993',
];

/** Keys a hostile peer would try: ordinary names, reserved words, operators, odd paths. */
export const hostileKey: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 12,
    arbitrary: fc.constantFrom('a', 'b', 'n', 'x', 'list', '0', '1', 'type', 'epoch', 'peer'),
  },
  { weight: 1, arbitrary: fc.constantFrom(...RESERVED_KEYS) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      ...SCRIPT_OPERATORS,
      ...ALLOWED_OPERATORS,
      '$expr',
      '$each',
      '$in',
      '$gt',
      '$elemMatch',
      '$$NOW',
      '$[]',
      '$[x]',
      'a.b',
      'a..b',
      '',
      '.',
      'a.__proto__',
      'constructor.prototype',
    ),
  },
  { weight: 2, arbitrary: fc.string({ maxLength: 6 }) },
);

const leafText: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...AWKWARD_NUMBERS, 'null', 'true', 'false', '""', '"$$NOW"', '"__proto__"'),
  fc
    .oneof(
      fc.integer(),
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.string({ maxLength: 8 }),
      fc.boolean(),
    )
    .map((value) => JSON.stringify(value)),
);

/** JSON text nested `depth` deep: far beyond any limit, never beyond JSON.parse. */
const deepText: fc.Arbitrary<string> = fc
  .record({ depth: fc.integer({ min: 60, max: 20_000 }), array: fc.boolean() })
  .map(({ depth, array }) =>
    array ? '['.repeat(depth) + ']'.repeat(depth) : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`,
  );

/** `{"k":v,...}` from keys and value texts (keys may repeat, as a peer may send them). */
export function objectText(entries: readonly (readonly [string, string])[]): string {
  return `{${entries.map(([key, value]) => `${JSON.stringify(key)}:${value}`).join(',')}}`;
}

/** JSON text of any shape, with hostile keys and awkward numbers anywhere in it. */
export const hostileJsonText: fc.Arbitrary<string> = fc.letrec<{
  value: string;
  array: string;
  object: string;
}>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { weight: 6, arbitrary: leafText },
    { weight: 3, arbitrary: tie('array') },
    { weight: 4, arbitrary: tie('object') },
    { weight: 1, arbitrary: deepText },
  ),
  array: fc.array(tie('value'), { maxLength: 4 }).map((items) => `[${items.join(',')}]`),
  object: fc.array(fc.tuple(hostileKey, tie('value')), { maxLength: 4 }).map(objectText),
})).value;

const pathSegment: fc.Arbitrary<string> = fc.oneof(
  { weight: 12, arbitrary: hostileKey },
  { weight: 1, arbitrary: fc.constantFrom('$[]', '$[x]', '$[y]', '$', ' ', 'k'.repeat(1100)) },
);

/** A dotted path a peer might write to. */
export const hostilePath: fc.Arbitrary<string> = fc
  .array(pathSegment, { minLength: 1, maxLength: 3 })
  .map((segments) => segments.join('.'));

const operatorName: fc.Arbitrary<string> = fc.oneof(
  { weight: 20, arbitrary: fc.constantFrom(...ALLOWED_OPERATORS) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      ...RESERVED_KEYS,
      ...SCRIPT_OPERATORS,
      '$eval',
      'set',
      '',
      '$setOnInsert',
    ),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 5 }) },
);

const operatorArgText: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc
      .array(fc.tuple(hostilePath, hostileJsonText), { minLength: 1, maxLength: 3 })
      .map(objectText),
  },
  { weight: 1, arbitrary: hostileJsonText },
);

/** JSON text of an update: mostly operators over paths, sometimes anything at all. */
export const hostileUpdateText: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc
      .array(fc.tuple(operatorName, operatorArgText), { minLength: 1, maxLength: 3 })
      .map(objectText),
  },
  { weight: 1, arbitrary: hostileJsonText },
);

/**
 * The JSON texts of a patch body. Kept as text until the property runs: a value nested
 * thousands deep is harmless as a string, but fast-check's own printing of it would not be.
 */
export interface PatchBodyText {
  update: string;
  if?: string;
  arrayFilters?: string;
}

/** What validatePatchInput takes, parsed from the texts as the host's JSON.parse would. */
export interface PatchBody {
  update: unknown;
  if?: unknown;
  arrayFilters?: unknown;
}

export function parseBody(text: PatchBodyText): PatchBody {
  const body: PatchBody = { update: JSON.parse(text.update) };
  if (text.if !== undefined) body.if = JSON.parse(text.if);
  if (text.arrayFilters !== undefined) body.arrayFilters = JSON.parse(text.arrayFilters);
  return body;
}

/** An update with, sometimes, a condition and array filters, all hostile. */
export const hostilePatchBody: fc.Arbitrary<PatchBodyText> = fc.record(
  {
    update: hostileUpdateText,
    if: hostileJsonText,
    arrayFilters: fc.oneof(
      fc.array(hostileJsonText, { maxLength: 3 }).map((items) => `[${items.join(',')}]`),
      hostileJsonText,
    ),
  },
  { requiredKeys: ['update'] },
);

const plainPath: fc.Arbitrary<string> = fc
  .array(fc.constantFrom('a', 'b', 'c', 'n', 'x', 'list', '0', '1'), { minLength: 1, maxLength: 3 })
  .map((segments) => segments.join('.'));

/** JSON text of a value of the shape `op` expects, mostly; hostile values can hide inside. */
function argumentFor(op: (typeof ALLOWED_OPERATORS)[number]): fc.Arbitrary<string> {
  switch (op) {
    case '$inc':
    case '$mul':
      return fc.oneof(fc.integer().map(String), fc.constantFrom(...AWKWARD_NUMBERS));
    case '$unset':
      return fc.constant('""');
    case '$pop':
      return fc.constantFrom('1', '-1');
    case '$rename':
      return plainPath.map((path) => JSON.stringify(path));
    case '$currentDate':
      return fc.constantFrom('true', '{"$type":"date"}', '{"$type":"timestamp"}');
    case '$bit':
      return fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }).map((n) => `{"and":${n}}`);
    case '$pullAll':
      return fc.array(hostileJsonText, { maxLength: 3 }).map((items) => `[${items.join(',')}]`);
    default:
      return hostileJsonText;
  }
}

/**
 * An update that is valid more often than not: allowed operators, ordinary paths, values of
 * the right shape. What it tests is the rest: hostile values nested inside, overlaps, limits,
 * and what a replica does with the patches validation lets through.
 */
export const plausiblePatchBody: fc.Arbitrary<PatchBodyText> = fc
  .record(
    {
      writes: fc.array(
        fc
          .constantFrom(...ALLOWED_OPERATORS)
          .chain((op) => fc.tuple(fc.constant(op), plainPath, argumentFor(op))),
        { minLength: 1, maxLength: 3 },
      ),
      if: fc.oneof(
        fc.constant('{"n":{"$gte":0}}'),
        fc.constant('{"$expr":{"$lt":["$n",100]}}'),
        hostileJsonText,
      ),
    },
    { requiredKeys: ['writes'] },
  )
  .map(({ writes, if: condition }) => {
    const byOperator = new Map<string, [string, string][]>();
    for (const [op, path, value] of writes) {
      const list = byOperator.get(op) ?? [];
      list.push([path, value]);
      byOperator.set(op, list);
    }
    const update = objectText([...byOperator].map(([op, args]) => [op, objectText(args)] as const));
    return condition === undefined ? { update } : { update, if: condition };
  });
