import { describe, expect, it } from 'vitest';
import { DEFAULT_DOCUMENT_LIMITS, resolveDocumentLimits, validatePatchInput } from '../../../src/document/index.js';
import { type MemSyncErrorCode, PatchValidationError } from '../../../src/errors.js';
import { Harness, type SubmitOptions } from './harness.js';

/** Submits through validation and checks it was refused with `code`, changing nothing. */
function expectRefused(
  code: MemSyncErrorCode,
  update: unknown,
  options: SubmitOptions = {},
  h = new Harness({ a: 1 }),
) {
  const before = h.state;
  const version = h.replica.version;
  let error: unknown;
  try {
    h.submit(update, options);
  } catch (caught) {
    error = caught;
  }
  expect(error).toBeInstanceOf(PatchValidationError);
  expect((error as PatchValidationError).code).toBe(code);
  expect(h.state).toBe(before);
  expect(h.state).toEqual({ a: 1 });
  expect(h.replica.version).toBe(version);
}

class Point {
  x = 1;
}

describe('validatePatchInput: operators', () => {
  it.each([
    ['null', null],
    ['an array', [{ $set: { a: 1 } }]],
    ['a string', '$set'],
    ['an empty object', {}],
    ['an unknown operator', { $foo: { a: 1 } }],
    ['a field instead of an operator', { a: 1 }],
    ['$where', { $where: 'true' }],
    ['a non-object argument', { $set: 5 }],
    ['an array argument', { $set: [['a', 1]] }],
    ['a null argument', { $inc: null }],
  ])('refuses %s with ERR_UNKNOWN_OPERATOR', (_, update) => {
    expectRefused('ERR_UNKNOWN_OPERATOR', update);
  });

  it('accepts every allowed operator', () => {
    const body = validatePatchInput({
      update: {
        $set: { a: 1 },
        $unset: { b: 1 },
        $inc: { c: 1 },
        $mul: { d: 2 },
        $min: { e: 1 },
        $max: { f: 1 },
        $rename: { g: 'h' },
        $currentDate: { i: true },
        $push: { j: 1 },
        $addToSet: { k: 1 },
        $pop: { l: 1 },
        $pull: { m: 1 },
        $pullAll: { n: [1] },
        $bit: { o: { and: 1 } },
      },
    });
    expect(Object.keys(body.update)).toHaveLength(14);
  });

  it('accepts an operator with no paths (MongoDB 5 does)', () => {
    expect(validatePatchInput({ update: { $set: {} } }).update).toEqual({ $set: {} });
  });
});

describe('validatePatchInput: reserved keys', () => {
  it.each([
    ['a __proto__ path segment', { $set: { '__proto__.polluted': 1 } }],
    ['a constructor path segment', { $set: { 'a.constructor.x': 1 } }],
    ['a prototype path', { $inc: { prototype: 1 } }],
    ['an own __proto__ key in a value', JSON.parse('{"$set":{"a":{"b":{"__proto__":{"x":1}}}}}')],
    ['a constructor key in a value', { $push: { list: { constructor: 1 } } }],
    ['an own __proto__ operator', JSON.parse('{"__proto__":{"a":1}}')],
    ['a reserved $rename target', { $rename: { a: 'b.__proto__' } }],
  ])('refuses %s with ERR_RESERVED_KEY', (_, update) => {
    expectRefused('ERR_RESERVED_KEY', update);
  });

  it('refuses reserved keys in conditions and array filters', () => {
    expectRefused(
      'ERR_RESERVED_KEY',
      { $set: { b: 1 } },
      { if: JSON.parse('{"__proto__":{"x":1}}') },
    );
    expectRefused(
      'ERR_RESERVED_KEY',
      { $set: { b: 1 } },
      { if: { 'a.constructor.name': 'Object' } },
    );
    expectRefused(
      'ERR_RESERVED_KEY',
      { $set: { 'l.$[e].x': 1 } },
      { arrayFilters: [{ 'e.prototype': 1 }] },
    );
  });
});

describe('validatePatchInput: paths', () => {
  it.each([
    ['an empty path', { $set: { '': 1 } }],
    ['an empty segment', { $set: { 'a..b': 1 } }],
    ['a leading dot', { $set: { '.a': 1 } }],
    ['a trailing dot', { $set: { 'a.': 1 } }],
    ['the first-match positional $', { $set: { 'list.$.x': 1 } }],
    ['a $-prefixed field', { $set: { 'a.$foo': 1 } }],
    ['an identifier starting upper-case', { $set: { 'a.$[X]': 1 } }],
    ['a positional at the root', { $set: { '$[].a': 1 } }],
    ['a positional $rename source', { $rename: { 'a.$[].b': 'c' } }],
    ['a positional $rename target', { $rename: { a: 'b.$[]' } }],
    ['a $rename target that is not a string', { $rename: { a: 1 } }],
    ['a $rename onto itself', { $rename: { a: 'a' } }],
    ['a $rename into itself', { $rename: { a: 'a.b' } }],
    ['a path and its descendant', { $set: { a: 1, 'a.b': 2 } }],
    ['one path under two operators', { $set: { x: 1 }, $inc: { x: 1 } }],
    ['a $rename target written by another operator', { $rename: { a: 'b' }, $set: { b: 1 } }],
    [
      'a positional path and an index in the same array',
      { $set: { 'l.$[].x': 1 }, $inc: { 'l.0.y': 1 } },
    ],
    ['an identifier with no array filter', { $set: { 'l.$[e].x': 1 } }],
  ])('refuses %s with ERR_INVALID_PATH', (_, update) => {
    expectRefused('ERR_INVALID_PATH', update);
  });

  it('accepts sibling paths, numeric segments and both positional forms', () => {
    expect(() =>
      validatePatchInput({
        update: { $set: { 'a.b': 1, 'a.c': 2, 'l.0': 1, 'm.$[].x': 1, 'n.$[item2].y': 2 } },
        arrayFilters: [{ 'item2.k': 1 }],
      }),
    ).not.toThrow();
  });
});

describe('validatePatchInput: values', () => {
  const sparse: number[] = [1];
  sparse[2] = 3;
  const cycle: Record<string, unknown> = { a: 1 };
  cycle.self = cycle;
  it.each([
    ['a function', { $set: { a: () => 1 } }],
    ['a symbol', { $set: { a: Symbol('s') } }],
    ['a bigint', { $set: { a: 10n } }],
    ['undefined in an array', { $set: { a: [1, undefined] } }],
    ['a hole in an array', { $set: { a: sparse } }],
    ['NaN', { $set: { a: Number.NaN } }],
    ['Infinity', { $max: { a: Number.POSITIVE_INFINITY } }],
    ['-Infinity deep inside', { $set: { a: { b: [{ c: Number.NEGATIVE_INFINITY }] } } }],
    ['a Date', { $set: { a: new Date(0) } }],
    ['a Map', { $set: { a: new Map() } }],
    ['a class instance', { $set: { a: new Point() } }],
    ['a cycle', { $set: { a: cycle } }],
    ['$inc by a string', { $inc: { a: '1' } }],
    ['$mul by NaN', { $mul: { a: Number.NaN } }],
    ['$bit with two operations', { $bit: { a: { and: 1, or: 2 } } }],
    ['$bit with a fraction', { $bit: { a: { xor: 1.5 } } }],
    ['$bit with an unknown operation', { $bit: { a: { nand: 1 } } }],
    ['$pop with 2', { $pop: { a: 2 } }],
    ['$pullAll with a scalar', { $pullAll: { a: 1 } }],
    ['$currentDate with a string', { $currentDate: { a: 'now' } }],
    ['$currentDate with an unknown $type', { $currentDate: { a: { $type: 'clock' } } }],
    ['$push $each that is not an array', { $push: { a: { $each: 1 } } }],
    ['$push with an unknown modifier', { $push: { a: { $each: [1], $limit: 2 } } }],
    ['$push $slice that is a fraction', { $push: { a: { $each: [1], $slice: 1.5 } } }],
    ['$push $sort by two fields', { $push: { a: { $each: [], $sort: { x: 1, y: -1 } } } }],
    ['$push $sort order 2', { $push: { a: { $each: [], $sort: 2 } } }],
    ['$addToSet with another modifier', { $addToSet: { a: { $each: [1], $slice: 1 } } }],
  ])('refuses %s with ERR_INVALID_VALUE', (_, update) => {
    expectRefused('ERR_INVALID_VALUE', update);
  });

  it('drops undefined object properties inside a value, as JSON does', () => {
    const body = validatePatchInput({ update: { $set: { a: { b: undefined, c: 1 } } } });
    expect(body.update).toEqual({ $set: { a: { c: 1 } } });
  });

  it('refuses an undefined path value, which would otherwise apply as nothing', () => {
    expect(() => validatePatchInput({ update: { $set: { d: undefined } } })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_VALUE', message: expect.stringMatching(/use \$unset/) }),
    );
    expect(() => validatePatchInput({ update: { $inc: { n: undefined } } })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_VALUE' }),
    );
  });

  it('returns a deep copy: later changes to the input reach neither the copy nor the state', () => {
    const value = { list: [{ n: 1 }], tags: ['x'] };
    const condition = { a: { $gte: 1 } };
    const filters = [{ 'e.n': 1 }];
    const update = { $set: { v: value, 'w.$[e].m': 2 } };
    const body = validatePatchInput({ update, if: condition, arrayFilters: filters });
    value.list[0]!.n = 99;
    value.tags.push('y');
    condition.a.$gte = 100;
    filters[0]!['e.n'] = 5;
    (update.$set as Record<string, unknown>).z = 1;
    expect(body.update).toEqual({ $set: { v: { list: [{ n: 1 }], tags: ['x'] }, 'w.$[e].m': 2 } });
    expect(body.if).toEqual({ a: { $gte: 1 } });
    expect(body.arrayFilters).toEqual([{ 'e.n': 1 }]);

    const h = new Harness({ a: 1 });
    const input = { n: 1, deep: { list: [1, 2] } };
    h.submit({ $set: { obj: input } });
    input.deep.list.push(3);
    expect(h.state.obj).toEqual({ n: 1, deep: { list: [1, 2] } });
  });

  it('copies each operator\'s paths into a plain object: same prototype, keys and order as the input', () => {
    // Past the first 1,024 first paths the copy's path objects are made another way than `{}`
    // (validate.ts, pathsObject): nothing of that may show, before or after.
    const check = (paths: Record<string, number>): void => {
      const body = validatePatchInput({ update: { $inc: paths } });
      const copy = body.update.$inc as Record<string, unknown>;
      expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
      expect(Object.keys(copy)).toEqual(Object.keys(paths));
      expect(JSON.stringify(copy)).toBe(JSON.stringify(paths));
      expect(copy).toStrictEqual({ ...paths });
      expect(Object.isExtensible(copy)).toBe(true);
      expect(copy).not.toBe(paths);
    };
    // The first path decides (integer-like names come first).
    const early = (): Record<string, number> => ({ early: 0, b: 1, '10': 2, a: 3, '2': 4, 'x.y': 5 });
    check(early());
    for (let i = 0; i < 1100; i++) validatePatchInput({ update: { $set: { [`many${i}`]: i } } });
    check({ late: 0, b: 1, a: 3, 'x.y': 5 });
    check({ late: 0, '99999': 1, b: 2, '12': 3 });
    check(early());
  });
});

describe('validatePatchInput: conditions', () => {
  it.each([
    ['an array condition', [{ a: 1 }]],
    ['a string condition', 'a == 1'],
    ['a null condition', null],
    ['$where', { $where: 'this.a == 1' }],
    [
      '$function inside $expr',
      { $expr: { $function: { body: 'return true', args: [], lang: 'js' } } },
    ],
    ['$accumulator nested deep', { $and: [{ $expr: { $eq: [{ $accumulator: {} }, 1] } }] }],
    ['a function inside $expr', { $expr: { $eq: [() => 1, 1] } }],
    ['a RegExp', { a: /x/ }],
    ['the $$NOW clock variable', { $expr: { $lt: ['$t', '$$NOW'] } }],
  ])('refuses %s with ERR_INVALID_CONDITION', (_, condition) => {
    expectRefused('ERR_INVALID_CONDITION', { $set: { b: 1 } }, { if: condition });
  });

  it.each([
    ['arrayFilters that is not an array', { 'e.x': 1 }],
    ['a filter that is not an object', ['e']],
    ['an empty filter', [{}]],
    ['a filter naming two identifiers', [{ 'e.x': 1, 'f.y': 1 }]],
    ['a filter key that is not an identifier', [{ 'E.x': 1 }]],
    ['a filter whose identifier the update does not use', [{ 'e.x': 1 }, { 'f.x': 1 }]],
    ['a filter with $where', [{ e: { $where: 'true' } }]],
  ])('refuses %s with ERR_INVALID_CONDITION', (_, arrayFilters) => {
    expectRefused('ERR_INVALID_CONDITION', { $set: { 'l.$[e].v': 1 } }, { arrayFilters });
  });

  it('refuses a script operator inside $pull', () => {
    expectRefused('ERR_INVALID_CONDITION', { $pull: { list: { $where: 'true' } } });
  });
});

describe('validatePatchInput: limits', () => {
  const nest = (depth: number): unknown => (depth === 0 ? 1 : { n: nest(depth - 1) });
  it('counts path segments and value nesting together against maxDepth', () => {
    const limits = { maxDepth: 4 };
    expect(() =>
      validatePatchInput({ update: { $set: { 'a.b': nest(2) } } }, limits),
    ).not.toThrow();
    expectRefused(
      'ERR_LIMIT_EXCEEDED',
      { $set: { 'a.b': nest(3) } },
      {},
      new Harness({ a: 1 }, limits),
    );
    expectRefused(
      'ERR_LIMIT_EXCEEDED',
      { $set: { 'a.b.c.d.e': 1 } },
      {},
      new Harness({ a: 1 }, limits),
    );
    expectRefused(
      'ERR_LIMIT_EXCEEDED',
      { $set: { b: 1 } },
      { if: nest(5) },
      new Harness({ a: 1 }, limits),
    );
  });

  it('defaults maxDepth to 64', () => {
    expect(DEFAULT_DOCUMENT_LIMITS.maxDepth).toBe(64);
    expect(() => validatePatchInput({ update: { $set: { a: nest(63) } } })).not.toThrow();
    expectRefused('ERR_LIMIT_EXCEEDED', { $set: { a: nest(64) } });
  });

  it('refuses a patch larger than maxPatchBytes, counted while walking', () => {
    const limits = { maxPatchBytes: 1000 };
    expect(() =>
      validatePatchInput({ update: { $set: { s: 'x'.repeat(900) } } }, limits),
    ).not.toThrow();
    expectRefused(
      'ERR_LIMIT_EXCEEDED',
      { $set: { s: 'x'.repeat(1000) } },
      {},
      new Harness({ a: 1 }, limits),
    );
    const many = Array.from({ length: 600 }, (_, i) => i);
    expectRefused(
      'ERR_LIMIT_EXCEEDED',
      { $push: { l: { $each: many } } },
      {},
      new Harness({ a: 1 }, limits),
    );
    expect(DEFAULT_DOCUMENT_LIMITS.maxPatchBytes).toBe(1 << 20);
    expectRefused('ERR_LIMIT_EXCEEDED', { $set: { s: 'x'.repeat(1 << 20) } });
  });

  it('refuses more paths than maxPathsPerPatch', () => {
    const paths = (prefix: string, n: number) =>
      Object.fromEntries(Array.from({ length: n }, (_, i) => [`${prefix}${i}`, i]));
    expect(() => validatePatchInput({ update: { $set: paths('p', 1000) } })).not.toThrow();
    expectRefused('ERR_LIMIT_EXCEEDED', { $set: paths('p', 600), $inc: paths('q', 401) });
  });

  it('refuses keys longer than maxKeyLength, in paths and in values', () => {
    const long = 'k'.repeat(1025);
    expect(() => validatePatchInput({ update: { $set: { ['k'.repeat(1024)]: 1 } } })).not.toThrow();
    expectRefused('ERR_LIMIT_EXCEEDED', { $set: { [`a.${long}`]: 1 } });
    expectRefused('ERR_LIMIT_EXCEEDED', { $set: { a: { [long]: 1 } } });
  });
});

describe('resolveDocumentLimits', () => {
  // The memo of parsed paths is keyed by the resolved object: a fresh one per call (a fresh
  // `{}` options object, as validatePatchInput's default was) missed it on every patch.
  it('resolves equal limits to one object, whatever object they came in', () => {
    expect(resolveDocumentLimits({})).toBe(DEFAULT_DOCUMENT_LIMITS);
    expect(resolveDocumentLimits({ maxDepth: 64 })).toBe(DEFAULT_DOCUMENT_LIMITS);
    const tight = resolveDocumentLimits({ maxDepth: 7 });
    expect(tight).toEqual({ ...DEFAULT_DOCUMENT_LIMITS, maxDepth: 7 });
    expect(resolveDocumentLimits({ maxDepth: 7 })).toBe(tight);
    expect(resolveDocumentLimits({ maxDepth: 7, maxKeyLength: 1024 })).toBe(tight);
    expect(resolveDocumentLimits({ maxDepth: 8 })).not.toBe(tight);
  });

  it('still honours each limit of an interned set', () => {
    for (let i = 0; i < 3; i++) {
      expect(() => validatePatchInput({ update: { $set: { 'a.b.c': 1 } } }, { maxDepth: 2 })).toThrow(PatchValidationError);
      expect(() => validatePatchInput({ update: { $set: { 'a.b': 1 } } }, { maxDepth: 2 })).not.toThrow();
    }
  });
});
